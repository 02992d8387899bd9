/*
 * closecheck.h - the definition of done of a closing run (art-close(1)):
 * the manifest's commands, then the scope check of the run's commits and
 * the conventional-commit check, each recorded as one check.
 */
#ifndef ART_CLOSECHECK_H
#define ART_CLOSECHECK_H

#include <git2.h>
#include <jansson.h>

#include "diag.h"
#include "redact.h"

/* The ids of the two checks art adds to every definition of done. */
#define ART_CHECK_SCOPE "art-scope"
#define ART_CHECK_COMMITS "art-commits"
/* A command's time limit when neither its item nor --timeout sets one. */
#define ART_DOD_TIMEOUT_DEFAULT 600

typedef struct art_close_checks {
	git_repository *wt;      /* the run's worktree */
	const char *worktree;    /* its path: where the commands run */
	const json_t *manifest;  /* validated: dod, scope lists */
	const char *base, *head; /* hex commit ids */
	int timeout_s;           /* for items without "timeout" */
	art_redactor *redact;    /* applied to every output tail */
	int progress;            /* one line per check on stderr */
} art_close_checks;

/*
 * Run every check.  checks gets one object per check, in order
 * ({"id", "title", "kind", "ok", "exit", "duration_ms", "timed_out",
 * "output_bytes", "output", "from"?}); *scope the scope verdict and
 * *commits that of the commit messages (new references); *ok whether all
 * passed.  A failing check is not an error: only art's own failures are.
 */
int art_close_run_checks(const art_close_checks *c, json_t *checks,
			 json_t **scope, json_t **commits, int *ok,
			 art_err *e);

/* The files the run's commits changed, base to head, renames found:
 * [{"path", "change", "from"?}], in git's order. */
int art_changed_files(git_repository *repo, const char *base,
		      const char *head, json_t **out, art_err *e);

#endif
