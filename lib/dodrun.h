/*
 * dodrun.h - one definition-of-done command of art-close(1): run in the
 * worktree, stdin from /dev/null, stdout and stderr captured together,
 * in a process group of its own that is killed when the command ends,
 * when its time is up, or when art-close is interrupted; what it detached
 * from the group is found as art-close's orphans (art_subreaper) and
 * killed too, so nothing it started outlives the check.
 *
 * Its environment is art-close's without the variables redact.h takes
 * for secrets, but for those the item names in "env": a test suite run
 * from the agent's worktree is the agent's code.
 *
 * Only the tail of the output is kept (the end of a failing test run is
 * where the failure is), redacted before anything else sees it.
 */
#ifndef ART_DODRUN_H
#define ART_DODRUN_H

#include <jansson.h>
#include <stddef.h>

#include "diag.h"
#include "redact.h"

/* Bytes of output kept, at most, after redaction. */
#define ART_DOD_TAIL 4096
/* The status of a command stopped at its time limit, as timeout(1). */
#define ART_DOD_TIMED_OUT 124
/* Between SIGTERM and SIGKILL when a command is stopped. */
#define ART_DOD_GRACE_MS 2000

typedef struct art_dod_cmd {
	const json_t *run;            /* an argv array, or a string for sh -c */
	const json_t *env;            /* names of secrets it may have, or NULL */
	const char *cwd;              /* where it runs */
	int timeout_ms;               /* > 0 */
	art_redactor *redact;         /* applied to the tail */
} art_dod_cmd;

typedef struct art_dod_result {
	int exit;           /* its status; 128+n: killed by signal n;
			     * ART_DOD_TIMED_OUT; 126: cannot run; 127: no
			     * such program */
	int timed_out;
	long long duration_ms;
	unsigned long long output_bytes; /* all it printed, counted */
	char *tail;         /* redacted, NUL-free, NUL-terminated, malloc'd */
	size_t tail_len;
} art_dod_result;

/*
 * Run the command; whatever it does is a result, not an error.  An error
 * is art's own failure (no pipe, no process) or an interruption: art-close
 * got SIGINT, SIGTERM, SIGHUP or SIGQUIT while the command ran; the
 * command's group was stopped and ART_EXIT_LOCAL says which signal.
 */
int art_dod_run(const art_dod_cmd *cmd, art_dod_result *res, art_err *e);
void art_dod_result_free(art_dod_result *res);

#endif
