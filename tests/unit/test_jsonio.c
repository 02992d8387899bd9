/*
 * test_jsonio.c - JSON input: positions in error messages, the NDJSON
 * reader, and bytes that are not UTF-8 turned into valid JSON strings.
 */
#define _GNU_SOURCE
#include "check.h"
#include "jsonio.h"

#include <stdio.h>
#include <string.h>

static void parse_error_names_line_and_column(void)
{
	const char doc[] = "{\n  \"a\": 1,\n  \"b\": ]\n}\n";
	json_t *v = NULL;
	art_err e = { 0 };
	int rc = art_json_parse("reg.json", doc, strlen(doc), &v, &e);

	CHECK(rc == ART_EXIT_INPUT, "rc %d", rc);
	CHECK(v == NULL, "no value on error");
	CHECK(!strncmp(e.msg, "reg.json:3:", 11), "message: %s", e.msg);
	rc = art_json_parse("dup.json", "{\"a\":1,\"a\":2}", 13, &v, &e);
	CHECK(rc == ART_EXIT_INPUT, "duplicate keys refused: %d", rc);
	rc = art_json_parse("ok.json", "{\"a\":[1,2]}", 11, &v, &e);
	CHECK(rc == 0 && json_is_object(v), "valid object parsed");
	json_decref(v);
}

static void ndjson_counts_lines(void)
{
	const char in[] = "{\"n\":1}\n\n{\"n\":2}\n{\"n\": }\n{\"n\":4}\n";
	FILE *f = fmemopen((void *)in, sizeof in - 1, "r");
	art_ndjson s;
	json_t *v;
	art_err e = { 0 };
	int rc, n = 0;

	art_ndjson_init(&s, f, "stdin");
	while ((rc = art_ndjson_next(&s, &v, &e)) == 0 && v) {
		n++;
		CHECK(json_integer_value(json_object_get(v, "n")) == n,
		      "record %d in order", n);
		json_decref(v);
	}
	CHECK(n == 2, "two good records before the bad one, got %d", n);
	CHECK(rc == ART_EXIT_INPUT, "bad record is exit 3, got %d", rc);
	CHECK(!strncmp(e.msg, "stdin:4:", 8), "blank lines counted: %s", e.msg);
	art_ndjson_free(&s);
	(void)fclose(f);
}

static void bytes_become_valid_utf8(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain/path.c", "plain/path.c" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "bad\xff" "byte", "bad\xef\xbf\xbd" "byte" },
		{ "cut\xc3", "cut\xef\xbf\xbd" },
		{ "overlong\xc0\xaf", "overlong\xef\xbf\xbd\xef\xbf\xbd" },
		{ "surrogate\xed\xa0\x80", "surrogate\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "emoji\xf0\x9f\x98\x80", "emoji\xf0\x9f\x98\x80" },
		{ "", "" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		json_t *v = art_json_bytes(cases[i].in);

		CHECK(v && !strcmp(json_string_value(v), cases[i].out),
		      "case %zu: got \"%s\"", i, v ? json_string_value(v) : "(null)");
		json_decref(v);
	}
}

static void kinds(void)
{
	json_t *v = json_integer(3);

	CHECK(!strcmp(art_json_kind(v), "an integer"), "integer");
	json_decref(v);
	v = json_array();
	CHECK(!strcmp(art_json_kind(v), "an array"), "array");
	json_decref(v);
}

int main(void)
{
	parse_error_names_line_and_column();
	ndjson_counts_lines();
	bytes_become_valid_utf8();
	kinds();
	return CHECK_DONE();
}
