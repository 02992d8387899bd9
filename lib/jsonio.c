/* jsonio.c - JSON input and output; see jsonio.h. */
#define _GNU_SOURCE
#include "jsonio.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"

const char *art_json_kind(const json_t *v)
{
	if (!v)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

static int parse_error(art_err *e, const char *name, unsigned long line_base,
		       const json_error_t *je)
{
	unsigned long line = line_base + (unsigned long)(je->line > 0 ? je->line : 1) - 1;

	return art_errf(e, ART_EXIT_INPUT, "%s:%lu:%d: malformed JSON: %s",
			name, line, je->column > 0 ? je->column : 1, je->text);
}

int art_json_parse(const char *name, const char *buf, size_t len,
		   json_t **out, art_err *e)
{
	json_error_t je;

	*out = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!*out)
		return parse_error(e, name, 1, &je);
	return 0;
}

static int read_all_stdin(char **buf, size_t *len, art_err *e)
{
	size_t cap = 4096, n = 0;
	char *b = art_xmalloc(cap);

	for (;;) {
		ssize_t r;

		if (cap - n < 2) {
			cap *= 2;
			b = realloc(b, cap);
			if (!b)
				abort();
		}
		r = read(STDIN_FILENO, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(b);
			return art_err_sys(e, ART_EXIT_LOCAL, "cannot read stdin");
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > ART_JSON_MAX) {
			free(b);
			return art_errf(e, ART_EXIT_INPUT,
					"stdin: larger than the %u-byte limit",
					ART_JSON_MAX);
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int art_json_read_stdin_line(json_t **out, art_err *e)
{
	json_error_t je;
	char *buf = NULL, c;
	size_t len = 0, cap = 0;
	ssize_t r;

	*out = NULL;
	while ((r = read(STDIN_FILENO, &c, 1)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return art_err_sys(e, ART_EXIT_LOCAL, "cannot read stdin");
		}
		if (c == '\n')
			break;
		if (len + 1 > ART_JSON_MAX) {
			free(buf);
			return art_errf(e, ART_EXIT_INPUT, "stdin:1: a line over %u bytes",
					ART_JSON_MAX);
		}
		art_grow(&buf, &cap, len + 2, 1);
		buf[len++] = c;
	}
	if (!len) {
		free(buf);
		return 0;
	}
	*out = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (!*out)
		return parse_error(e, "stdin", 1, &je);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return art_errf(e, ART_EXIT_INPUT, "stdin:1:1: expected a JSON object");
	}
	return 0;
}

int art_json_read_stdin_object(json_t **out, art_err *e)
{
	json_error_t je;
	char *buf = NULL;
	size_t len = 0, i;
	int rc;

	*out = NULL;
	if ((rc = read_all_stdin(&buf, &len, e)) != 0)
		return rc;
	for (i = 0; i < len && isspace((unsigned char)buf[i]); i++)
		;
	if (i == len) {
		free(buf);
		return 0;
	}
	/* Stop after the first value: the head of an NDJSON stream is fine. */
	*out = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES,
			  &je);
	free(buf);
	if (!*out)
		return parse_error(e, "stdin", 1, &je);
	if (!json_is_object(*out)) {
		rc = art_errf(e, ART_EXIT_INPUT,
			      "stdin:1:1: expected a JSON object, got %s",
			      art_json_kind(*out));
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	return 0;
}

void art_ndjson_init(art_ndjson *s, FILE *in, const char *name)
{
	memset(s, 0, sizeof *s);
	s->in = in;
	s->name = name;
}

/*
 * The next line of s->in into s->buf, without its "\n" (a "\r" before it
 * is kept); -1 at the end of input.  Unlike getline(3), it stops taking
 * bytes once the line, "\r" aside, is over ART_JSON_MAX: a line without
 * end must not take all memory before it is refused.
 */
static ssize_t read_line(art_ndjson *s)
{
	size_t n = 0;
	int c, any = 0;

	while ((c = getc_unlocked(s->in)) != EOF) {
		any = 1;
		if (c == '\n')
			break;
		if (n + 2 > s->cap)
			art_grow(&s->buf, &s->cap, n + 2, 1);
		s->buf[n++] = (char)c;
		if (n > (size_t)ART_JSON_MAX + 1)
			break;
	}
	if (!any)
		return -1;
	art_grow(&s->buf, &s->cap, n + 1, 1);
	s->buf[n] = '\0';
	return (ssize_t)n;
}

int art_ndjson_next(art_ndjson *s, json_t **out, art_err *e)
{
	json_error_t je;
	ssize_t n;

	*out = NULL;
	while ((n = read_line(s)) >= 0) {
		ssize_t i;

		s->line++;
		/* the record: the line without its line ending */
		if (n > 0 && s->buf[n - 1] == '\r')
			n--;
		if ((size_t)n > ART_JSON_MAX)
			return art_errf(e, ART_EXIT_INPUT,
					"%s:%lu: record larger than the %u-byte limit",
					s->name, s->line, ART_JSON_MAX);
		for (i = 0; i < n && isspace((unsigned char)s->buf[i]); i++)
			;
		if (i == n)
			continue;
		/* nor any other "\r" at its end, so that an unfinished
		 * record is reported on its own line, at its end */
		while (n > i && s->buf[n - 1] == '\r')
			n--;
		*out = json_loadb(s->buf, (size_t)n, JSON_REJECT_DUPLICATES, &je);
		if (!*out)
			return parse_error(e, s->name, s->line, &je);
		return 0;
	}
	if (ferror(s->in))
		return art_err_sys(e, ART_EXIT_LOCAL, "cannot read %s", s->name);
	return 0;
}

void art_ndjson_free(art_ndjson *s)
{
	free(s->buf);
	s->buf = NULL;
}

int art_json_emit(const json_t *v, int pretty)
{
	size_t flags = JSON_PRESERVE_ORDER |
		       (pretty ? JSON_INDENT(2) : JSON_COMPACT);

	if (json_dumpf(v, stdout, flags) < 0 || fputc('\n', stdout) == EOF)
		return ART_EXIT_LOCAL;
	return 0;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f))
			return 0; /* overlong, or a surrogate */
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

json_t *art_json_bytes(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), o = 0;
	char *buf = art_xmalloc(n * 3 + 1);
	json_t *v;

	while (*p) {
		size_t k = utf8_len(p);

		if (k) {
			memcpy(buf + o, p, k);
			o += k;
			p += k;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		}
	}
	v = json_stringn(buf, o);
	free(buf);
	return v ? v : json_string("");
}
