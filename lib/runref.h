/*
 * runref.h - the run record in git: refs/art/runs/<TICKET>/<agent>, a
 * commit whose tree holds manifest.json (and, after close, REPORT.md and
 * receipt.json).  Pushable, so CI and server hooks elsewhere can check a
 * branch against its manifest without the agent's worktree.
 */
#ifndef ART_RUNREF_H
#define ART_RUNREF_H

#include <stddef.h>

#include "diag.h"
#include "repo.h"
#include "run.h"

typedef struct art_runref_file {
	const char *name;   /* "manifest.json" */
	const char *data;
	size_t len;
} art_runref_file;

/*
 * Record files as the run's new tree.  create: the ref must not exist yet
 * (ART_EXIT_STATE otherwise); else the ref must exist and the new commit
 * gets the old one as parent, updated only if nobody moved it meanwhile.
 */
int art_runref_write(const art_repo *r, const art_run *run,
		     const art_runref_file *files, size_t n, int create,
		     const char *message, art_err *e);

/* Read one file of the run record (malloc'd, NUL-terminated). */
int art_runref_read(const art_repo *r, const art_run *run, const char *name,
		    char **buf, size_t *len, art_err *e);

/* 1 when the run ref exists, 0 when not, < 0 on error. */
int art_runref_exists(const art_repo *r, const art_run *run);

#endif
