/*
 * commits.h - the conventional-commit check of art-close(1): every commit
 * of a run's branch says what it is, "type(area): description" (seed 001
 * §2.3), the convention the project's history is read by.
 */
#ifndef ART_COMMITS_H
#define ART_COMMITS_H

#include <git2.h>
#include <jansson.h>

#include "diag.h"

/*
 * NULL when the first line of msg is "type(area): description": type one
 * of feat, fix, docs, test, chore, refactor; area 1 to 64 bytes, none of
 * them a space, a parenthesis or a colon; one space after the colon, then
 * a description that does not start with a space.  Else why it is not.
 */
const char *art_commit_message_problem(const char *msg);

/* The longest subject (first line) kept of a commit message. */
#define ART_SUBJECT_MAX 65536

/*
 * Check every commit reachable from head and not from base (merges
 * included).  Each offender is added to bad as {"commit", "subject",
 * "why"}, oldest first, its subject at most ART_SUBJECT_MAX bytes;
 * *count gets the number of commits checked.
 */
int art_commits_check(git_repository *repo, const git_oid *base,
		      const git_oid *head, json_t *bad, size_t *count,
		      art_err *e);

#endif
