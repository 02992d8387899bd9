/*
 * globmatch - the path matcher on the command line, for tests/glob.bats:
 *
 *	globmatch [-z] PATTERN < paths
 *
 * prints the paths of stdin that art_glob_match(PATTERN, path) accepts,
 * in input order, one a line (with -z, input and output are separated by
 * NUL bytes instead, as in git ls-files -z).  Exit status 0, 2 for usage
 * or an invalid pattern, 1 for an I/O error.
 */
#include "glob.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	int sep = '\n';
	const char *pattern, *why;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (argc == 3 && !strcmp(argv[1], "-z")) {
		sep = '\0';
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: globmatch [-z] PATTERN < paths\n");
		return 2;
	}
	pattern = argv[1];
	if ((why = art_glob_invalid(pattern)) != NULL) {
		fprintf(stderr, "globmatch: \"%s\": %s\n", pattern, why);
		return 2;
	}
	while ((n = getdelim(&line, &cap, sep, stdin)) > 0) {
		if (line[n - 1] == sep)
			line[--n] = '\0';
		if (art_glob_match(pattern, line)) {
			fwrite(line, 1, (size_t)n, stdout);
			putchar(sep);
		}
	}
	free(line);
	if (ferror(stdin)) {
		perror("globmatch: stdin");
		return 1;
	}
	if (fflush(stdout) || ferror(stdout)) {
		perror("globmatch: stdout");
		return 1;
	}
	return 0;
}
