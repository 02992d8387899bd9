/* redact.c - secrets out of art's output; see redact.h. */
#define _GNU_SOURCE
#include "redact.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fs.h"
#include "secrets.h"

/* Longest token of a secret rule worth looking behind for, but for a
 * private key, which a tail cut in its middle leaves as base64 lines. */
#define RULE_REACH 512

struct needle {
	unsigned char *bytes; /* sodium_malloc'd */
	size_t len;
};

struct art_redactor {
	struct needle *n;
	size_t count, cap, longest;
	art_secrets *rules;   /* compiled on first need: NULL until then */
	int rules_failed;
};

static void add_needle(art_redactor *rd, const void *bytes, size_t len)
{
	size_t i;

	if (len < ART_REDACT_MIN)
		return;
	for (i = 0; i < rd->count; i++)
		if (rd->n[i].len == len && !memcmp(rd->n[i].bytes, bytes, len))
			return;
	art_grow(&rd->n, &rd->cap, rd->count + 1, sizeof *rd->n);
	rd->n[rd->count].bytes = sodium_malloc(len);
	if (!rd->n[rd->count].bytes)
		abort(); /* out of memory, as every art allocation */
	memcpy(rd->n[rd->count].bytes, bytes, len);
	rd->n[rd->count++].len = len;
	if (len > rd->longest)
		rd->longest = len;
}

/*
 * The base64 characters that depend on the secret alone, when it starts
 * at byte offset `shift` of a longer text: encode shift zero bytes plus
 * the secret, and keep the characters whose 6 bits all come from it.
 */
static void add_base64(art_redactor *rd, const unsigned char *s, size_t len,
		       size_t shift, int variant)
{
	size_t n = shift + len, first = (8 * shift + 5) / 6, last = 8 * n / 6;
	size_t cap = sodium_base64_ENCODED_LEN(n, variant);
	unsigned char *in = sodium_malloc(n);
	char *out = sodium_malloc(cap);

	if (!in || !out)
		abort();
	memset(in, 0, shift);
	memcpy(in + shift, s, len);
	sodium_bin2base64(out, cap, in, n, variant);
	if (last > first)
		add_needle(rd, out + first, last - first);
	/* alone, its last characters and padding are the secret's too */
	if (shift == 0)
		add_needle(rd, out, strlen(out));
	sodium_free(in);
	sodium_free(out);
}

/* The secret as a URL's query or path would carry it (RFC 3986), with
 * upper- or lower-case hexadecimal digits. */
static void add_percent(art_redactor *rd, const unsigned char *s, size_t len,
			const char *hex)
{
	char *out = sodium_malloc(3 * len);
	size_t i, k = 0;

	if (!out)
		abort();
	for (i = 0; i < len; i++) {
		if (isalnum(s[i]) || strchr("-._~", s[i])) {
			out[k++] = (char)s[i];
		} else {
			out[k++] = '%';
			out[k++] = hex[s[i] >> 4];
			out[k++] = hex[s[i] & 15];
		}
	}
	if (k != len)
		add_needle(rd, out, k);
	sodium_free(out);
}

/* The next UTF-8 character of s (n bytes left) into *cp: its length, or
 * 0 when the bytes are not UTF-8. */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned *cp)
{
	size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2
		   : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	size_t i;

	if (!len || len > n)
		return 0;
	*cp = len == 1 ? s[0] : s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	return *cp > 0x10ffff ? 0 : len;
}

/*
 * The secret inside a JSON string (RFC 8259 escapes): as most encoders
 * write it, and, with every non-ASCII character as \uXXXX (surrogate
 * pairs above U+FFFF), as Python's json.dumps does by default.
 */
static void add_json(art_redactor *rd, const unsigned char *s, size_t len,
		     int ascii)
{
	static const char hex[] = "0123456789abcdef";
	char *out = sodium_malloc(12 * len);
	size_t i, k = 0, n;
	unsigned cp, u[2];

	if (!out)
		abort();
	for (i = 0; i < len; i += n) {
		const char *esc = s[i] == '"' ? "\\\"" : s[i] == '\\' ? "\\\\"
				: s[i] == '\n' ? "\\n" : s[i] == '\r' ? "\\r"
				: s[i] == '\t' ? "\\t" : NULL;
		int units = 0, j;

		n = 1;
		if (esc) {
			memcpy(out + k, esc, 2);
			k += 2;
			continue;
		}
		if (s[i] < 0x20) {
			u[units++] = s[i];
		} else if (ascii && s[i] >= 0x80) {
			if (!(n = utf8_next(s + i, len - i, &cp)))
				goto out; /* not text: no such form */
			if (cp >= 0x10000) {
				u[units++] = 0xd800 + ((cp - 0x10000) >> 10);
				u[units++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
			} else {
				u[units++] = cp;
			}
		} else {
			out[k++] = (char)s[i];
			continue;
		}
		for (j = 0; j < units; j++) {
			memcpy(out + k, "\\u", 2);
			out[k + 2] = hex[(u[j] >> 12) & 15];
			out[k + 3] = hex[(u[j] >> 8) & 15];
			out[k + 4] = hex[(u[j] >> 4) & 15];
			out[k + 5] = hex[u[j] & 15];
			k += 6;
		}
	}
	if (k != len)
		add_needle(rd, out, k);
out:
	sodium_free(out);
}

/* The secret in hexadecimal, as od(1) or xxd(1) -p print it. */
static void add_hex(art_redactor *rd, const unsigned char *s, size_t len,
		    const char *digits)
{
	char *out = sodium_malloc(2 * len);
	size_t i;

	if (!out)
		abort();
	for (i = 0; i < len; i++) {
		out[2 * i] = digits[s[i] >> 4];
		out[2 * i + 1] = digits[s[i] & 15];
	}
	add_needle(rd, out, 2 * len);
	sodium_free(out);
}

void art_redactor_add(art_redactor *rd, const char *secret, size_t len)
{
	const unsigned char *s = (const unsigned char *)secret;
	static const int variants[] = { sodium_base64_VARIANT_ORIGINAL,
					sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
					sodium_base64_VARIANT_URLSAFE,
					sodium_base64_VARIANT_URLSAFE_NO_PADDING };
	const char *line, *nl;
	size_t shift, v;

	if (len < ART_REDACT_MIN)
		return;
	add_needle(rd, s, len);
	for (v = 0; v < 4; v++)
		for (shift = 0; shift < 3; shift++)
			add_base64(rd, s, len, shift, variants[v]);
	add_percent(rd, s, len, "0123456789ABCDEF");
	add_percent(rd, s, len, "0123456789abcdef");
	add_json(rd, s, len, 0);
	add_json(rd, s, len, 1);
	add_hex(rd, s, len, "0123456789abcdef");
	add_hex(rd, s, len, "0123456789ABCDEF");
	/* a multi-line value (a key, a certificate) is printed line by line */
	for (line = secret; (nl = memchr(line, '\n', len - (size_t)(line - secret)));
	     line = nl + 1) {
		size_t n = (size_t)(nl - line);

		if (n && line[n - 1] == '\r')
			n--;
		if (n < len)
			add_needle(rd, line, n);
	}
	if (line > secret)
		add_needle(rd, line, len - (size_t)(line - secret));
}

static int contains_word(const char *name, size_t len, const char *word)
{
	size_t w = strlen(word), i;

	for (i = 0; i + w <= len; i++)
		if (!strncasecmp(name + i, word, w))
			return 1;
	return 0;
}

int art_redact_env_name(const char *name, size_t len)
{
	static const char *const words[] = { "TOKEN", "SECRET", "PASSWORD",
					     "PASSWD", "PASSPHRASE",
					     "CREDENTIAL", "PRIVATE" };
	size_t i;

	for (i = 0; i < sizeof words / sizeof *words; i++)
		if (contains_word(name, len, words[i]))
			return 1;
	return len >= 3 && !strncasecmp(name + len - 3, "KEY", 3);
}

art_redactor *art_redactor_new(char *const *env, art_err *e)
{
	art_redactor *rd = art_xmalloc(sizeof *rd);

	(void)e; /* nothing can fail here any more; see mark_rules */
	memset(rd, 0, sizeof *rd);
	for (; env && *env; env++) {
		const char *eq = strchr(*env, '=');

		if (eq && art_redact_env_name(*env, (size_t)(eq - *env)))
			art_redactor_add(rd, eq + 1, strlen(eq + 1));
	}
	return rd;
}

size_t art_redactor_reach(const art_redactor *rd)
{
	return rd->longest > RULE_REACH ? rd->longest : RULE_REACH;
}

/* Copy s with its marked runs replaced by one marker each, bytes before
 * skip left out; into out, or only counted when out is NULL. */
static size_t emit(const char *s, size_t len, const unsigned char *mask,
		   size_t skip, char *out)
{
	size_t i, j, n = 0;

	for (i = 0; i < len; i = j) {
		if (!mask[i]) {
			if (i >= skip && out)
				out[n] = s[i];
			n += i >= skip;
			j = i + 1;
			continue;
		}
		for (j = i; j < len && mask[j]; j++)
			;
		if (j > skip && out)
			memcpy(out + n, ART_REDACTED, sizeof ART_REDACTED - 1);
		n += j > skip ? sizeof ART_REDACTED - 1 : 0;
	}
	return n;
}

/*
 * The tokens of the secret rules: compiling them costs more than most
 * texts art redacts take to scan, so they are compiled only for a text
 * holding one of their keywords.  Should they not compile, the whole
 * text is taken for a secret: redaction fails closed.
 */
static void mark_rules(art_redactor *rd, const char *s, size_t len,
		       unsigned char *mask)
{
	art_err ignored;

	if (!art_secrets_maybe(s, len))
		return;
	if (!rd->rules && !rd->rules_failed)
		rd->rules_failed = !(rd->rules = art_secrets_new(&ignored));
	if (rd->rules)
		art_secrets_mark(rd->rules, s, len, mask);
	else
		memset(mask, 1, len);
}

char *art_redact_from(art_redactor *rd, const char *s, size_t len,
		      size_t skip, size_t *out_len)
{
	unsigned char *mask = art_xmalloc(len + 1);
	char *out;
	size_t k, n;

	memset(mask, 0, len + 1);
	for (k = 0; k < rd->count; k++) {
		const char *p = s, *hit;

		while ((hit = memmem(p, len - (size_t)(p - s), rd->n[k].bytes,
				     rd->n[k].len))) {
			memset(mask + (hit - s), 1, rd->n[k].len);
			p = hit + 1;
		}
	}
	mark_rules(rd, s, len, mask);
	n = emit(s, len, mask, skip, NULL);
	out = art_xmalloc(n + 1);
	emit(s, len, mask, skip, out);
	out[n] = '\0';
	free(mask);
	if (out_len)
		*out_len = n;
	return out;
}

char *art_redact(art_redactor *rd, const char *s, size_t len,
		 size_t *out_len)
{
	return art_redact_from(rd, s, len, 0, out_len);
}

void art_redactor_free(art_redactor *rd)
{
	size_t i;

	if (!rd)
		return;
	for (i = 0; i < rd->count; i++)
		sodium_free(rd->n[i].bytes); /* wipes them */
	free(rd->n);
	art_secrets_free(rd->rules);
	free(rd);
}
