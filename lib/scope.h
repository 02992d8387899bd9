/*
 * scope.h - the scope check (art-scope-check(1)): did every change stay
 * inside the manifest's allowlist, out of its denylist, away from
 * protected files it was not approved for, free of secrets, links that
 * leave the checkout, and gitlinks?
 *
 * A library call, so that art-close runs the very same check.
 */
#ifndef ART_SCOPE_H
#define ART_SCOPE_H

#include <git2.h>
#include <jansson.h>

#include "diag.h"

typedef enum art_scope_mode {
	ART_SCOPE_WORKTREE, /* base..HEAD, the index, the working tree */
	ART_SCOPE_STAGED,   /* the index against HEAD */
	ART_SCOPE_RANGE,    /* the commits of a range */
} art_scope_mode;

typedef struct art_scope_opts {
	art_scope_mode mode;
	const char *range;        /* "A..B" or "A...B" (ART_SCOPE_RANGE) */
	git_repository *repo;     /* the checkout, its index being the one to
				     check (for a range: any repository,
				     bare or not, holding the commits) */
	int env_index;            /* repo is git's current checkout: its
				     index is GIT_INDEX_FILE when set */
	const json_t *manifest;   /* validated (art_manifest_parse) */
	int files;                /* add the per-file list */
} art_scope_opts;

/*
 * Run the check; *out gets the result object of art-scope-check(1),
 * whose "ok" is the verdict.  A bad range or a base that is not a commit
 * is ART_EXIT_INPUT; git and I/O failures ART_EXIT_LOCAL.
 */
int art_scope_check(const art_scope_opts *o, json_t **out, art_err *e);

#endif
