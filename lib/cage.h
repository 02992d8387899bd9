/*
 * cage.h - running a command in the cage of art-vm(1): Linux namespaces
 * (user, mount, PID, network, IPC, UTS), a read-only view of the host
 * with a few writable and hidden paths, Landlock as a second layer on
 * writes, a seccomp filter whose denials are counted, no capabilities,
 * no new privileges, a session of its own, and nothing left running
 * when it ends.
 *
 * The pieces, one file each:
 *   cage.c       the host side: namespaces, id maps, the process limit,
 *                the supervisor (timeout, signals, seccomp denials)
 *   cageinit.c   pid 1 of the cage, and the command's last steps to exec
 *   cagefs.c     the file system view
 *   cageseal.c   Landlock, capabilities, no_new_privs, seccomp
 *   pidlimit.c   --max-procs: a pids cgroup, or RLIMIT_NPROC
 */
#ifndef ART_CAGE_H
#define ART_CAGE_H

#include <jansson.h>

#include "diag.h"

struct art_cage_result;

typedef struct art_cage {
	char *const *argv;            /* the command, argv[0] looked up in PATH */
	char *const *envp;            /* its whole environment */
	const char *workdir;          /* absolute, canonical: cwd, writable */
	/* absolute, canonical, existing paths, NULL-terminated lists: */
	const char *const *visible;   /* read-only, even under /tmp or /run,
				       * which the cage has of its own */
	const char *const *writable;  /* made writable (beyond workdir) */
	const char *const *gitdata;   /* writable, but for regular files and
				       * directories only (git's data, which
				       * git outside the cage will trust) */
	const char *const *pinned;    /* read-only again inside writable ones */
	const char *const *hidden;    /* empty: a directory or a file */
	int net_loopback;             /* 0: no network at all */
	int allow_unix;               /* AF_UNIX sockets of its own making */
	int timeout_ms;               /* <= 0: none */
	long max_procs;               /* <= 0: no limit */
	/* Called while the cage builds its view, before the command may
	 * start (governors, the log): non-zero stops everything there. */
	int (*before_exec)(void *ctx, art_err *e);
	/* Called once the command has ended, with its result, while the
	 * kernel tears the rest of the cage down (the log, the report). */
	void (*after_end)(void *ctx, const struct art_cage_result *res);
	void *ctx;
} art_cage;

typedef struct art_cage_result {
	int exited;          /* the command exited, with code */
	int code;
	int signal;          /* the signal that killed it, else 0 */
	int exec_errno;      /* it could not be executed: why (code 126/127) */
	int timed_out;       /* stopped at the timeout */
	long long duration_ms;
	unsigned long long denied;  /* system calls the filter refused */
	json_t *denied_calls;       /* {"name": count}, a new reference */
	int landlock_abi;    /* the Landlock ABI used, 0: none */
	const char *pids_limit;     /* "cgroup", "rlimit" or NULL */
	int pids_limit_hit;  /* a fork failed at the limit (cgroup only) */
} art_cage_result;

/*
 * Run c->argv in the cage and wait for it; whatever the command does is
 * a result.  An error is art's own failure to build the cage (e.g. user
 * namespaces disabled, which e names with the sysctl to change), with
 * nothing left running.
 */
int art_cage_run(const art_cage *c, art_cage_result *res, art_err *e);
void art_cage_result_free(art_cage_result *res);

/* The status art-vm exits with for a result (cli.md): the command's
 * code, 128+n for signal n, 126/127 when it could not be executed, 124
 * when stopped at the timeout. */
int art_cage_status(const art_cage_result *res);

#endif
