/* art.c - process start and end shared by every command; see art.h. */
#include "art.h"

#include <stdio.h>
#include <stdlib.h>

#include <git2.h>

void art_begin(const char *argv0)
{
	art_begin_base(argv0);
	if (git_libgit2_init() < 0) {
		art_warn("cannot initialise libgit2");
		exit(ART_EXIT_LOCAL);
	}
}

int art_end(int status)
{
	git_libgit2_shutdown();
	return art_exit_status(status);
}
