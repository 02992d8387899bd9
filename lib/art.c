/* art.c - process start and end shared by every command; see art.h. */
#include "art.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <git2.h>
#include <sodium.h>

void art_begin(const char *argv0)
{
	art_set_prog(argv0);
	signal(SIGPIPE, SIG_IGN);
	if (git_libgit2_init() < 0 || sodium_init() < 0) {
		art_warn("cannot initialise libgit2 or libsodium");
		exit(ART_EXIT_LOCAL);
	}
}

int art_end(int status)
{
	git_libgit2_shutdown();
	return art_exit_status(status);
}
