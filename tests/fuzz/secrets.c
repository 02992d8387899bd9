/*
 * secrets - the secret scanner (secrets.c) on any bytes.  In real use
 * the bytes are the lines a change adds (art-scope-check: anyone's
 * commit) and the output of commands that art redacts before logging
 * (art_secrets_mark): text an agent or a job chose.
 *
 * Looks for crashes and for inputs that make a scan slow (a timeout is a
 * finding: files up to 32 MiB are scanned).  Properties: a line that
 * matches a rule has one of the rule keywords (art_secrets_maybe), and
 * art_secrets_mark finds a token in it and in the whole buffer.
 */
#include "fuzz.h"

#include "secrets.h"

static art_secrets *rules;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	art_err e = { 0 };

	(void)argc;
	(void)argv;
	if (!(rules = art_secrets_new(&e))) {
		fprintf(stderr, "%s\n", e.msg);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *end = buf + size, *line, *nl;
	unsigned char *mask = calloc(size ? size : 1, 1), *lmask;
	size_t found, i;
	char *name;

	found = art_secrets_mark(rules, buf, size, mask);
	for (i = 0; i < size; i++)
		FUZZ_ASSERT(mask[i] <= 1, "mask byte %zu is %d", i, mask[i]);
	for (line = buf; line < end; line = nl + 1) {
		const char *id;
		size_t n;

		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end;
		n = (size_t)(nl - line);
		id = art_secrets_match_line(rules, line, n);
		if (!id)
			continue;
		FUZZ_ASSERT(art_secrets_maybe(line, n), "%s matched without a keyword", id);
		FUZZ_ASSERT(found > 0, "%s matched a line, mark found nothing", id);
		lmask = calloc(n, 1);
		FUZZ_ASSERT(art_secrets_mark(rules, line, n, lmask) > 0,
			    "%s matched the line, mark found nothing in it", id);
		free(lmask);
	}
	(void)art_is_binary(buf, size);
	name = fuzz_cstr(data, size);
	(void)art_secrets_is_env_file(name);
	free(name);
	free(mask);
	return 0;
}
