/*
 * test_redact.c - the redactor: which environment variables are secrets,
 * and each form of a secret (as is, base64 at every alignment in both
 * alphabets, URL-encoded, JSON-escaped, line by line) replaced; tokens of
 * the secret rules replaced without being registered; the look-behind of
 * a stream's tail.  Tokens are assembled at run time so that this file
 * holds none.
 */
#include "check.h"
#include "redact.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char secret[] = "s3cr3t-Value/with+odd=chars\"here";

/* What art_redact makes of s. */
static char *red(art_redactor *rd, const char *s)
{
	return art_redact(rd, s, strlen(s), NULL);
}

static void expect(art_redactor *rd, const char *in, const char *want)
{
	char *got = red(rd, in);

	CHECK(!strcmp(got, want), "\"%s\": got \"%s\", want \"%s\"", in, got, want);
	free(got);
}

/* secret nowhere in what art_redact makes of s */
static void hidden(art_redactor *rd, const char *s, const char *form)
{
	char *got = red(rd, s);

	CHECK(!strstr(got, form) && strstr(got, ART_REDACTED),
	      "%s still there in \"%s\"", form, got);
	free(got);
}

static void names(void)
{
	/* a name is judged by its words, not its meaning: TOKENIZER too */
	static const char *const yes[] = { "DEPLOY_TOKEN", "github_token",
		"AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "PGPASSWD",
		"GPG_PASSPHRASE", "GOOGLE_APPLICATION_CREDENTIALS",
		"SSH_PRIVATE", "OPENAI_API_KEY", "key", "TOKENIZER_PATH" };
	static const char *const no[] = { "PATH", "HOME", "KEYBOARD",
		"SSH_AUTH_SOCK", "GPG_AGENT_INFO" };
	size_t i;

	for (i = 0; i < sizeof yes / sizeof *yes; i++)
		CHECK(art_redact_env_name(yes[i], strlen(yes[i])), "%s", yes[i]);
	for (i = 0; i < sizeof no / sizeof *no; i++)
		CHECK(!art_redact_env_name(no[i], strlen(no[i])), "%s", no[i]);
	/* only the name's length counts, not what follows it */
	CHECK(!art_redact_env_name("PATH=KEY", 4), "PATH=KEY");
}

static void from_env(art_err *e)
{
	char var[128], *env[5];
	art_redactor *rd;

	snprintf(var, sizeof var, "DEPLOY_TOKEN=%s", secret);
	env[0] = var;
	env[1] = "PATH=/usr/bin:/bin";
	env[2] = "SHORT_TOKEN=abc";     /* under ART_REDACT_MIN: noise */
	env[3] = "NOT_A_PAIR";
	env[4] = NULL;
	rd = art_redactor_new(env, e);
	CHECK(rd != NULL, "redactor: %s", e->msg);
	if (!rd)
		return;
	expect(rd, "token is s3cr3t-Value/with+odd=chars\"here!",
	       "token is " ART_REDACTED "!");
	expect(rd, "PATH=/usr/bin:/bin abc", "PATH=/usr/bin:/bin abc");
	expect(rd, "nothing here", "nothing here");
	expect(rd, "", "");
	/* two copies side by side, or overlapping: one marker per run */
	{
		char two[256];

		snprintf(two, sizeof two, "%s%s and %s", secret, secret, secret);
		expect(rd, two, ART_REDACTED " and " ART_REDACTED);
	}
	art_redactor_free(rd);
}

/* The secret base64-encoded at offset shift of a longer text. */
static char *encoded_at(size_t shift, int variant)
{
	unsigned char in[128];
	size_t n = shift + strlen(secret);
	char *out = malloc(sodium_base64_ENCODED_LEN(n, variant));

	memcpy(in, "xyz", shift);
	memcpy(in + shift, secret, strlen(secret));
	sodium_bin2base64(out, sodium_base64_ENCODED_LEN(n, variant), in, n, variant);
	return out;
}

static void forms(art_err *e)
{
	art_redactor *rd = art_redactor_new(NULL, e);
	char *b;
	size_t shift;
	int v;

	art_redactor_add(rd, secret, strlen(secret));
	for (v = 0; v < 2; v++) {
		int variant = v ? sodium_base64_VARIANT_URLSAFE
				: sodium_base64_VARIANT_ORIGINAL;

		for (shift = 0; shift < 3; shift++) {
			char core[128];

			b = encoded_at(shift, variant);
			/* what only the secret decides: the middle */
			snprintf(core, sizeof core, "%.*s", (int)strlen(b) - 8, b + 4);
			hidden(rd, b, core);
			free(b);
		}
	}
	hidden(rd, "url: https://x/?t=s3cr3t-Value%2Fwith%2Bodd%3Dchars%22here&a=1",
	       "s3cr3t-Value%2Fwith%2Bodd%3Dchars%22here");
	hidden(rd, "{\"t\":\"s3cr3t-Value/with+odd=chars\\\"here\"}",
	       "s3cr3t-Value/with+odd=chars\\\"here");
	/* hexadecimal, as od -tx1 or xxd -p print it (the secret's first
	 * bytes, "s3cr3t", are 733363723374) */
	b = malloc(2 * sizeof secret);
	for (shift = 0; shift < strlen(secret); shift++)
		sprintf(b + 2 * shift, "%02x", (unsigned char)secret[shift]);
	hidden(rd, b, "733363723374");
	for (shift = 0; b[shift]; shift++)
		b[shift] = (char)toupper((unsigned char)b[shift]);
	hidden(rd, b, "733363723374");
	free(b);
	hidden(rd, "url: https://x/?t=s3cr3t-Value%2fwith%2bodd%3dchars%22here&a=1",
	       "s3cr3t-Value%2fwith%2bodd%3dchars%22here");
	art_redactor_free(rd);

	/* non-ASCII, as Python's json.dumps writes it: \u escapes, and a
	 * surrogate pair above U+FFFF */
	rd = art_redactor_new(NULL, e);
	art_redactor_add(rd, "p\xc3\xa4ss-\xf0\x9f\x94\x91-word", 15);
	hidden(rd, "{\"k\": \"p\\u00e4ss-\\ud83d\\udd11-word\"}",
	       "p\\u00e4ss-\\ud83d\\udd11-word");
	hidden(rd, "raw: p\xc3\xa4ss-\xf0\x9f\x94\x91-word", "p\xc3\xa4ss");
	art_redactor_free(rd);

	/* a multi-line value (a key) printed line by line, or whole */
	rd = art_redactor_new(NULL, e);
	art_redactor_add(rd, "line-one-of-key\r\nline-two-of-key\nx", 34);
	expect(rd, "> line-two-of-key <", "> " ART_REDACTED " <");
	expect(rd, "line-one-of-key", ART_REDACTED);
	expect(rd, "x", "x"); /* a line under the minimum is no needle */
	art_redactor_free(rd);
}

static void rules(art_err *e)
{
	art_redactor *rd = art_redactor_new(NULL, e);
	char line[256], key[512], *got;

	/* no secret given: tokens of a known format still go */
	snprintf(line, sizeof line, "export GH=ghp_%s; done", "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5");
	expect(rd, line, "export GH=" ART_REDACTED "; done");
	snprintf(key, sizeof key, "before\n-----BEGIN %s KEY-----\nMIIEvQIBADANBgkq\nhkiG9w0BAQEFAASC\n-----END %s KEY-----\nafter\n",
		 "RSA PRIVATE", "RSA PRIVATE");
	got = red(rd, key);
	CHECK(!strcmp(got, "before\n" ART_REDACTED "\nafter\n"), "key block: %s", got);
	free(got);
	/* a key cut before its END line goes to the end */
	snprintf(key, sizeof key, "-----BEGIN %s KEY-----\nMIIEvQIBADANBgkq\n", "OPENSSH PRIVATE");
	expect(rd, key, ART_REDACTED);
	/* the end of a key whose BEGIN line was cut off: all of it before END */
	snprintf(key, sizeof key, "hkiG9w0BAQEFAASC\nMIIEvQIBADANBgkq\n-----END %s KEY-----\nafter", "RSA PRIVATE");
	expect(rd, key, ART_REDACTED "\nafter");
	CHECK(art_redactor_reach(rd) >= 64, "reach %zu", art_redactor_reach(rd));
	art_redactor_free(rd);
}

static void tail(art_err *e)
{
	art_redactor *rd = art_redactor_new(NULL, e);
	char buf[256], *got;
	size_t n;

	art_redactor_add(rd, "abcdefghij", 10);
	/* the look-behind: bytes before skip are dropped, unless part of a
	 * redaction that reaches past it */
	n = (size_t)snprintf(buf, sizeof buf, "cdefghij-kept-abcdefghij-end");
	got = art_redact_from(rd, buf, n, 8, NULL);
	CHECK(!strcmp(got, "-kept-" ART_REDACTED "-end"), "partial before skip: %s", got);
	free(got);
	n = (size_t)snprintf(buf, sizeof buf, "xxabcdefghijyy");
	got = art_redact_from(rd, buf, n, 5, NULL);
	CHECK(!strcmp(got, ART_REDACTED "yy"), "redaction over skip: %s", got);
	free(got);
	/* NUL bytes are data */
	memcpy(buf, "a\0abcdefghij\0b", 14);
	got = art_redact(rd, buf, 14, &n);
	CHECK(n == 3 + strlen(ART_REDACTED) + 1 && !memcmp(got, "a\0a", 2) &&
	      !memcmp(got + 2, ART_REDACTED, strlen(ART_REDACTED)),
	      "NUL bytes: %zu bytes", n);
	free(got);
	art_redactor_free(rd);
}

int main(void)
{
	art_err e = { 0 };

	if (sodium_init() < 0)
		return 1;
	names();
	from_env(&e);
	forms(&e);
	rules(&e);
	tail(&e);
	return CHECK_DONE();
}
