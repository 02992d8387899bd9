/* base.c - what every command does first, libgit2 aside; see art.h. */
#include "art.h"

#include <signal.h>
#include <stdlib.h>

#include <sodium.h>

void art_begin_base(const char *argv0)
{
	art_set_prog(argv0);
	(void)signal(SIGPIPE, SIG_IGN); /* cannot fail for SIGPIPE */
	if (sodium_init() < 0) {
		art_warn("cannot initialise libsodium");
		exit(ART_EXIT_LOCAL);
	}
}
