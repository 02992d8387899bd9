/* exclude.h - keeping art's own directories out of git status. */
#ifndef ART_EXCLUDE_H
#define ART_EXCLUDE_H

#include <jansson.h>

#include "diag.h"
#include "repo.h"

#define ART_EXCLUDE_MAX (4u << 20)

/*
 * Make sure each of lines is in <common dir>/info/exclude (which every
 * worktree shares), appending the missing ones atomically.  *added, when
 * not NULL, gets a new array of the lines that were appended.
 */
int art_exclude_ensure(const art_repo *r, const char *const *lines,
		       size_t n, json_t **added, art_err *e);

/* The lines art needs: the worktree root (when inside the checkout) and
 * ".agent/".  Returns how many were put in out[2] (static storage). */
size_t art_exclude_lines(const art_repo *r, const char *out[2]);

#endif
