/*
 * governor.h - guard-rails any team can add (cli.md "Governors").
 *
 * Before a mutating action, every executable in <main checkout>/.art/
 * governors.d/ and <sysconfdir>/art/governors.d/ (name order, dot files and
 * names ending in '~' skipped) gets the proposed action as one JSON line
 * on stdin.  Any non-zero exit, death or timeout (30 s; the environment
 * variable ART_GOVERNOR_TIMEOUT_MS may only shorten it) vetoes the action.
 */
#ifndef ART_GOVERNOR_H
#define ART_GOVERNOR_H

#include <jansson.h>

#include "diag.h"
#include "events.h"
#include "repo.h"

#define ART_GOVERNOR_TIMEOUT_MS 30000

/*
 * Consult the governors about action (an object with at least "action").
 * 0: allowed.  ART_EXIT_DENIED: vetoed; the event "art.governor.denied"
 * (subject, the governor, its one-line reason) is appended when ev is not
 * NULL, and e says who said no and why.  r NULL (no repository): the
 * system's governors only.
 */
int art_governors_check(const art_repo *r, art_events *ev,
			const char *subject, json_t *action, art_err *e);

#endif
