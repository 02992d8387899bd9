/*
 * close.h - ending a run (art-close(1)): the definition of done, the
 * report, the signed receipt, the run record, the final state.
 */
#ifndef ART_CLOSE_H
#define ART_CLOSE_H

#include <jansson.h>

#include "diag.h"
#include "repo.h"
#include "run.h"

typedef struct art_close_opts {
	const char *summary;   /* NULL: none */
	const json_t *risks;   /* array of strings, NULL: none */
	const json_t *next;    /* array of strings, NULL: none */
	int timeout_s;         /* for dod items without their own; 0: default */
} art_close_opts;

/*
 * Close run.  It must be running (or closing: an earlier close that was
 * interrupted is taken up again), its worktree present, on its branch and
 * clean; else ART_EXIT_STATE and nothing changes.  *result gets the
 * object art-close prints, also when a check failed: then the run is
 * failed and the status ART_EXIT_VERDICT.
 */
int art_close(const art_repo *r, const art_run *run, const art_close_opts *o,
	      json_t **result, art_err *e);

#endif
