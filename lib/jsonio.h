/*
 * jsonio.h - JSON in and out on jansson.
 *
 * Input: one object, or an NDJSON stream.  Malformed input is
 * ART_EXIT_INPUT with "<name>:<line>:<column>: <why>".  Output: one compact
 * line per value (indented with --pretty), keys in insertion order.
 * Every json_t * returned is a new reference the caller must json_decref.
 */
#ifndef ART_JSONIO_H
#define ART_JSONIO_H

#include <stdio.h>
#include <jansson.h>

#include "diag.h"

/* Largest JSON input art accepts from stdin, a file or one NDJSON line. */
#define ART_JSON_MAX (16u << 20)

/* Parse buf (len bytes) as one JSON value; name is used in messages. */
int art_json_parse(const char *name, const char *buf, size_t len,
		   json_t **out, art_err *e);

/*
 * Read the first JSON object from stdin (it may span lines; anything after
 * it is ignored, so the head of an NDJSON stream works).  Empty or
 * whitespace-only stdin sets *out to NULL and returns 0: "nothing to do".
 */
int art_json_read_stdin_object(json_t **out, art_err *e);

/*
 * Read one line of stdin, byte by byte so that nothing after it is taken
 * from whoever reads stdin next, and parse it as a JSON object.  *out
 * NULL at end of input.
 */
int art_json_read_stdin_line(json_t **out, art_err *e);

/* An NDJSON reader: one value per line, blank lines skipped. */
typedef struct art_ndjson {
	FILE *in;
	const char *name;
	unsigned long line;
	char *buf;
	size_t cap;
} art_ndjson;

void art_ndjson_init(art_ndjson *s, FILE *in, const char *name);
/* Next value in *out, or *out == NULL at end of input. */
int art_ndjson_next(art_ndjson *s, json_t **out, art_err *e);
void art_ndjson_free(art_ndjson *s);

/* Print v on stdout as one line (pretty: indented).  0 or ART_EXIT_LOCAL. */
int art_json_emit(const json_t *v, int pretty);

/*
 * A JSON string for bytes that may not be UTF-8 (a file name from git):
 * every byte that is not part of valid UTF-8 becomes U+FFFD, so output
 * stays valid JSON.  Never NULL.
 */
json_t *art_json_bytes(const char *s);

/* Describe a value's type for messages: "a string", "an integer", ...;
 * "nothing" for NULL (a member that is not there). */
const char *art_json_kind(const json_t *v);

#endif
