/*
 * fuzz.h - what the targets of tests/fuzz/ share: the libFuzzer entry
 * points, a property check that aborts (so that libFuzzer keeps the
 * input as a crash), and a NUL-terminated copy of the input.
 *
 * Each target is built twice: with libFuzzer (make fuzz) and with
 * replay.c's main (make check replays the corpora and regressions).
 */
#ifndef ART_FUZZ_H
#define ART_FUZZ_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, nftw, memfd_create */
#endif

#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property every input must keep; a failure is a finding. */
#define FUZZ_ASSERT(cond, ...)                                            \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "%s:%d: property failed: %s: ",   \
				__FILE__, __LINE__, #cond);               \
			fprintf(stderr, __VA_ARGS__);                     \
			fputc('\n', stderr);                              \
			abort();                                          \
		}                                                         \
	} while (0)

/* The input as a C string (malloc'd): cut at its first NUL byte. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static char *fuzz_tmp;

static inline int fuzz_rm_one(const char *path, const struct stat *st,
			      int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static inline void fuzz_rm_tmp(void)
{
	if (fuzz_tmp)
		nftw(fuzz_tmp, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * A scratch directory of this process ($TMPDIR or /tmp), removed at exit
 * (libFuzzer exits normally at the end of a run; after a crash it stays,
 * for a look).
 */
static inline const char *fuzz_tmpdir(const char *name)
{
	const char *base = getenv("TMPDIR");

	if (fuzz_tmp)
		return fuzz_tmp;
	if (asprintf(&fuzz_tmp, "%s/art-fuzz-%s-XXXXXX", base && *base ? base : "/tmp",
		     name) < 0 || !mkdtemp(fuzz_tmp)) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(fuzz_rm_tmp);
	return fuzz_tmp;
}

#endif
