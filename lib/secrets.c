/*
 * secrets.c - the secret rules; see secrets.h.
 *
 * Why PCRE2: the rules need bounded repetition over byte classes,
 * alternation, and look-around for token boundaries (an AWS key id must
 * not be the middle of a longer word).  POSIX regex(3) has no look-around,
 * its ERE dialect and locale handling differ between libcs, and it has no
 * JIT; hand-written matchers for a dozen formats would each be a parser to
 * get wrong.  PCRE2 (a Debian package, already pulled in by libgit2) is the
 * engine gitleaks' rules are written for, matches raw bytes when compiled
 * without PCRE2_UTF (so invalid UTF-8 in a file cannot make it fail), and
 * JIT-compiles the patterns.
 */
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8
#include "secrets.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"

#define MAX_KEYWORDS 5

struct rule {
	const char *id;
	const char *keywords[MAX_KEYWORDS]; /* NULL-terminated */
	const char *pattern;
};

/*
 * The formats are the providers' documented ones (as in gitleaks' rules).
 * Keywords are case-sensitive, like the tokens themselves.
 */
static const struct rule rules[] = {
	{ "aws-access-key-id", { "AKIA", "ASIA", "ABIA", "ACCA", "A3T" },
	  "(?<![A-Z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Z0-9])" },
	{ "github-pat", { "ghp_" }, "ghp_[0-9A-Za-z]{36}" },
	{ "github-oauth", { "gho_" }, "gho_[0-9A-Za-z]{36}" },
	{ "github-app-token", { "ghu_", "ghs_" }, "(?:ghu|ghs)_[0-9A-Za-z]{36}" },
	{ "github-fine-grained-pat", { "github_pat_" },
	  "github_pat_[0-9A-Za-z_]{82}" },
	{ "gitlab-pat", { "glpat-" }, "glpat-[0-9A-Za-z_-]{20}" },
	/* bot, user and rotating tokens: xoxb-…, xoxp-…, xoxe-…, xoxe.xoxp-… */
	{ "slack-token", { "xoxb-", "xoxp-", "xoxe" },
	  "xox[bpe](?:\\.xox[bp])?-[0-9]{1,13}-[0-9A-Za-z-]{10,}" },
	{ "slack-webhook", { "hooks.slack.com/" },
	  "hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}" },
	{ "stripe-live-key", { "sk_live_", "rk_live_" },
	  "(?:sk|rk)_live_[0-9A-Za-z]{10,99}" },
	{ "gcp-api-key", { "AIza" }, "AIza[0-9A-Za-z_-]{35}" },
	{ "npm-token", { "npm_" }, "npm_[0-9A-Za-z]{36}" },
	/* only at the start of a run of its characters, as gitleaks' \b:
	 * else a failed search tries every "eyJ" of a long run again, and
	 * a line of them takes quadratic time (tests/fuzz) */
	{ "jwt", { "eyJ" },
	  "(?<![0-9A-Za-z_-])eyJ[0-9A-Za-z_-]{10,}\\.eyJ[0-9A-Za-z_-]{10,}\\.[0-9A-Za-z_-]{10,}" },
	{ "private-key", { "PRIVATE KEY" },
	  "-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----" },
};
#define NRULES (sizeof rules / sizeof rules[0])

struct art_secrets {
	pcre2_code *code[NRULES];
	pcre2_match_data *md;
};

void art_secrets_free(art_secrets *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < NRULES; i++)
		pcre2_code_free(s->code[i]);
	pcre2_match_data_free(s->md);
	free(s);
}

art_secrets *art_secrets_new(art_err *e)
{
	art_secrets *s = art_xmalloc(sizeof *s);
	size_t i;

	memset(s, 0, sizeof *s);
	for (i = 0; i < NRULES; i++) {
		PCRE2_SIZE off;
		int err;

		s->code[i] = pcre2_compile((PCRE2_SPTR)rules[i].pattern,
					   PCRE2_ZERO_TERMINATED, 0, &err, &off,
					   NULL);
		if (!s->code[i]) {
			PCRE2_UCHAR msg[160];

			pcre2_get_error_message(err, msg, sizeof msg);
			art_errf(e, ART_EXIT_LOCAL,
				 "secret rule %s: %s at offset %zu", rules[i].id,
				 (const char *)msg, (size_t)off);
			art_secrets_free(s);
			return NULL;
		}
		/* JIT is an optimisation: without it (no JIT on this CPU or
		 * a hardened kernel) the interpreter gives the same answers */
		(void)pcre2_jit_compile(s->code[i], PCRE2_JIT_COMPLETE);
	}
	s->md = pcre2_match_data_create(1, NULL);
	return s;
}

static int has_keyword(const struct rule *r, const char *buf, size_t len)
{
	size_t k;

	for (k = 0; k < MAX_KEYWORDS && r->keywords[k]; k++)
		if (memmem(buf, len, r->keywords[k], strlen(r->keywords[k])))
			return 1;
	return 0;
}

int art_secrets_maybe(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < NRULES; i++)
		if (has_keyword(&rules[i], buf, len))
			return 1;
	return 0;
}

const char *art_secrets_match_line(art_secrets *s, const char *line,
				   size_t len)
{
	size_t i;

	for (i = 0; i < NRULES; i++) {
		if (!has_keyword(&rules[i], line, len))
			continue;
		/* > 0: a match; PCRE2_ERROR_NOMATCH or a resource limit on a
		 * pathological line: no match (the keyword alone proves
		 * nothing) */
		if (pcre2_match(s->code[i], (PCRE2_SPTR)line, len, 0, 0, s->md,
				NULL) > 0)
			return rules[i].id;
	}
	return NULL;
}

/* The end of a private key that starts at from: past its END line. */
static size_t key_end(const char *buf, size_t len, size_t from)
{
	static const char end[] = "-----END";
	const char *p = memmem(buf + from, len - from, end, sizeof end - 1);
	const char *q;

	if (!p)
		return len;
	q = memmem(p + sizeof end - 1, len - (size_t)(p - buf) - (sizeof end - 1),
		   "-----", 5);
	return q ? (size_t)(q - buf) + 5 : len;
}

/* The end of the first private key's END line in buf, or 0 when there
 * is none: "-----END", anything but a line break, "PRIVATE KEY-----". */
static size_t first_key_end(const char *buf, size_t len)
{
	static const char end[] = "-----END", tail[] = "PRIVATE KEY-----";
	const char *p = memmem(buf, len, end, sizeof end - 1), *nl, *t;
	size_t rest;

	while (p) {
		rest = len - (size_t)(p - buf);
		nl = memchr(p, '\n', rest);
		t = memmem(p, nl ? (size_t)(nl - p) : rest, tail, sizeof tail - 1);
		if (t)
			return (size_t)(t - buf) + sizeof tail - 1;
		/* a later "-----END" of this line has even less of it after
		 * it: the next line's (so that the search stays linear) */
		if (!nl)
			break;
		p = memmem(nl + 1, len - (size_t)(nl + 1 - buf), end, sizeof end - 1);
	}
	return 0;
}

size_t art_secrets_mark(art_secrets *s, const char *buf, size_t len,
			unsigned char *mask)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
	size_t i, found = 0, key = first_key_end(buf, len);

	/* a key whose BEGIN line is not in buf (the tail of a longer
	 * output): what comes before its END is key material */
	if (key && !memmem(buf, key, "-----BEGIN", 10)) {
		memset(mask, 1, key);
		found++;
	}

	for (i = 0; i < NRULES; i++) {
		PCRE2_SIZE at = 0;

		if (!has_keyword(&rules[i], buf, len))
			continue;
		while (at < len &&
		       pcre2_match(s->code[i], (PCRE2_SPTR)buf, len, at, 0, s->md,
				   NULL) > 0) {
			size_t from = ov[0], to = ov[1];

			if (!strcmp(rules[i].id, "private-key"))
				to = key_end(buf, len, to);
			memset(mask + from, 1, to - from);
			found++;
			at = to > from ? to : from + 1;
		}
	}
	return found;
}

int art_secrets_is_env_file(const char *path)
{
	static const char *const placeholders[] = { ".example", ".sample",
						    ".template", ".dist" };
	const char *base = strrchr(path, '/');
	size_t i, n;

	base = base ? base + 1 : path;
	if (strncmp(base, ".env", 4))
		return 0;
	n = strlen(base);
	for (i = 0; i < sizeof placeholders / sizeof *placeholders; i++) {
		size_t k = strlen(placeholders[i]);

		if (n >= k && !strcmp(base + n - k, placeholders[i]))
			return 0;
	}
	return 1;
}

int art_is_binary(const char *buf, size_t len)
{
	return memchr(buf, '\0', len < 8000 ? len : 8000) != NULL;
}
