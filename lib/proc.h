/*
 * proc.h - run a program with an argv (execve semantics, never a shell),
 * feed it stdin, capture the head of its stdout, enforce a timeout.
 */
#ifndef ART_PROC_H
#define ART_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "diag.h"

typedef struct art_spawn {
	char *const *argv;     /* argv[0] is the program's path */
	const char *cwd;       /* NULL: inherit */
	const char *input;     /* written to its stdin, then closed; NULL: none */
	size_t input_len;
	size_t keep;           /* bytes of stdout kept (the rest is drained) */
	int timeout_ms;        /* killed (SIGKILL) after this; <= 0: never */
} art_spawn;

typedef struct art_spawn_result {
	int exited;      /* 1: exited normally with status */
	int status;      /* exit status, or the signal number */
	int timed_out;
	char *out;       /* NUL-terminated head of stdout (malloc'd) */
	size_t out_len;
} art_spawn_result;

/* Milliseconds of CLOCK_MONOTONIC: for deadlines and durations. */
long long art_mono_ms(void);

/*
 * Become the reaper of this process's orphaned descendants
 * (PR_SET_CHILD_SUBREAPER): what a child leaves running, even detached
 * with setsid(2), is reparented here instead of to init, where
 * art_kill_descendants finds it.  For the rest of the process's life.
 */
void art_subreaper(void);

/*
 * SIGKILL every child of this process, then the children they leave
 * (reparented here), until none is left, and reap them all.  Only for a
 * process whose children are all to go: it waits for any child.
 */
void art_kill_descendants(void);

/*
 * SIGINT, SIGTERM and SIGHUP set the flag returned, which a long-running
 * command (a poller, a job's supervisor) checks to stop cleanly.  No
 * SA_RESTART: a wait in progress ends at once.
 */
volatile int *art_catch_stop(void);
/* Write text to /proc/<pid>/<name> (an id map, setgroups): 0, or -1
 * with errno. */
int art_write_proc(pid_t pid, const char *name, const char *text);
/* 0 when the program ran (whatever its status); else ART_EXIT_LOCAL. */
int art_spawn_run(const art_spawn *s, art_spawn_result *res, art_err *e);
void art_spawn_result_free(art_spawn_result *res);

#endif
