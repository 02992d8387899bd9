/* init.h - setting a repository up for art (art-init(1)). */
#ifndef ART_INIT_H
#define ART_INIT_H

#include <jansson.h>

#include "diag.h"
#include "repo.h"

/*
 * Write the starter registry and agent's profile from the built-in
 * templates (never over an existing file: ART_EXIT_STATE), and keep
 * art's directories out of git status.  *result says what was done.
 */
int art_init(const art_repo *r, const char *agent, json_t **result,
	     art_err *e);

#endif
