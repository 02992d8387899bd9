/*
 * json - JSON input handling (jsonio.c).  The bytes are what a user, a
 * script or another process hands art: the object on stdin of every
 * command that takes one (art_json_read_stdin_object), the one-line
 * records art-claim reads (art_json_read_stdin_line), NDJSON streams
 * (art-log append, art-claim's job records), a file's bytes
 * (art_json_parse), and the bytes of a file name from git that become a
 * JSON string (art_json_bytes).
 *
 * Properties: what parses prints and parses back to the same value; an
 * object reader yields objects only; art_json_bytes always gives a
 * string that prints as JSON.
 */
#include "fuzz.h"

#include <sys/mman.h>
#include <unistd.h>

#include "jsonio.h"

static void round_trip(const json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	json_t *back;

	FUZZ_ASSERT(s != NULL, "a parsed value does not print");
	back = json_loads(s, JSON_DECODE_ANY, NULL);
	FUZZ_ASSERT(back && json_equal(v, back), "%s does not parse back", s);
	json_decref(back);
	free(s);
}

/* The input as stdin: a memfd in place of fd 0, for the stdin readers. */
static int saved_stdin = -1;

static void stdin_from(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-stdin", 0);

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, STDIN_FILENO) < 0)
		abort();
	close(fd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	saved_stdin = dup(STDIN_FILENO);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	art_err e = { 0 };
	json_t *v;
	char *s;

	if (art_json_parse("fuzz", (const char *)data, size, &v, &e) == 0) {
		FUZZ_ASSERT(v != NULL, "parsed to nothing");
		round_trip(v);
		json_decref(v);
	} else {
		FUZZ_ASSERT(e.status == ART_EXIT_INPUT, "status %d", e.status);
	}

	/* NDJSON, as art-log append reads a stream */
	if (size) {
		FILE *f = fmemopen((void *)data, size, "r");
		art_ndjson nd;
		int rc;

		if (!f)
			abort();
		art_ndjson_init(&nd, f, "fuzz");
		while ((rc = art_ndjson_next(&nd, &v, &e)) == 0 && v) {
			round_trip(v);
			json_decref(v);
		}
		FUZZ_ASSERT(rc == 0 || rc == ART_EXIT_INPUT, "ndjson status %d", rc);
		art_ndjson_free(&nd);
		fclose(f);
	}

	/* stdin: the whole object, then line by line */
	stdin_from(data, size);
	if (art_json_read_stdin_object(&v, &e) == 0 && v) {
		FUZZ_ASSERT(json_is_object(v), "stdin object is %s", art_json_kind(v));
		json_decref(v);
	}
	stdin_from(data, size);
	while (art_json_read_stdin_line(&v, &e) == 0 && v) {
		FUZZ_ASSERT(json_is_object(v), "stdin line is %s", art_json_kind(v));
		json_decref(v);
	}
	if (dup2(saved_stdin, STDIN_FILENO) < 0)
		abort();

	/* a file name's bytes */
	s = fuzz_cstr(data, size);
	v = art_json_bytes(s);
	FUZZ_ASSERT(json_is_string(v), "art_json_bytes gave %s", art_json_kind(v));
	round_trip(v);
	json_decref(v);
	free(s);
	return 0;
}
