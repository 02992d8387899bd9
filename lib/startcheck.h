/*
 * startcheck.h - the start checks of seed 001 §6.1, run against the base
 * commit before anything is written: the allowlist is not empty; no .env*
 * file of the tree carries values (.env.example, .env.sample, .env.template
 * and .env.dist are placeholders by convention and skipped) or is a
 * symlink; and the tree has no top-level .agent, which is the run's own.
 */
#ifndef ART_STARTCHECK_H
#define ART_STARTCHECK_H

#include <git2.h>
#include <jansson.h>

#include "diag.h"

/*
 * Append one {"check","path"?,"line"?,"message"} object to reasons for
 * each problem.  0 when the checks could run (whatever they found).
 */
int art_start_checks(git_repository *repo, const git_commit *base,
		     json_t *allowlist, json_t *reasons, art_err *e);

#endif
