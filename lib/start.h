/*
 * start.h - opening a run (art-start(1)): branch, worktree, manifest, run
 * record and the run.started event, all or nothing.
 */
#ifndef ART_START_H
#define ART_START_H

#include <jansson.h>

#include "diag.h"
#include "repo.h"

typedef struct art_start_opts {
	const char *agent;
	const char *ticket;
	const char *base;    /* a revision; NULL: HEAD of the current checkout */
	const char *by;      /* createdBy; NULL: git user.name, else $USER */
	int resume;          /* an existing run is printed, not refused */
} art_start_opts;

/*
 * Open the run.  0: *result is the manifest plus "worktree" and "seq".
 * ART_EXIT_VERDICT: the start checks failed, *result says why
 * ({"ok":false,...}) and nothing was written.  Any other status: e says
 * why, *result is NULL, and nothing is left behind.
 */
int art_start(const art_repo *r, const art_start_opts *o, json_t **result,
	      art_err *e);

#endif
