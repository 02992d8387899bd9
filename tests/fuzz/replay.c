/*
 * replay.c - the main of a fuzz target outside libFuzzer, for make check:
 *
 *	fuzz-TARGET FILE...
 *
 * runs LLVMFuzzerTestOneInput once on the bytes of each file, in order,
 * and prints "N inputs" on stdout.  A crash or failed property aborts
 * (the target's FUZZ_ASSERT); a file that cannot be read exits 1.  An
 * input that takes more than FUZZ_TIMEOUT_S is killed by SIGALRM, as
 * libFuzzer's -timeout would report it: slowness is a finding too.
 */
#include "fuzz.h"

#include <errno.h>

#define FUZZ_TIMEOUT_S 10

/* Only the targets that set something up define it. */
#pragma weak LLVMFuzzerInitialize

static int replay(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			if (!(buf = realloc(buf, cap)))
				abort();
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	/* an exact copy, so that ASan sees a read past the input */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (!exact)
			abort();
		memcpy(exact, buf, len);
		free(buf);
		alarm(FUZZ_TIMEOUT_S);
		LLVMFuzzerTestOneInput(exact, len);
		alarm(0);
		free(exact);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		if (replay(argv[i]) < 0)
			return 1;
	printf("%d inputs\n", argc - 1);
	return 0;
}
