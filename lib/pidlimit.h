/*
 * pidlimit.h - art-vm's --max-procs: at most N processes in the cage.
 *
 * A pids cgroup below art-vm's own (cgroup v2, or v1's pids hierarchy)
 * where art-vm may make one: it counts every process of the cage and
 * says when a fork hit the limit.  Else RLIMIT_NPROC, which pid 1 of the
 * cage sets for itself: Linux counts it per user namespace, so the cage
 * counts only its own processes.  But root is exempt from RLIMIT_NPROC:
 * for root without a cgroup, there is no limit to be had, and that is an
 * error rather than a limit that does not hold.
 */
#ifndef ART_PIDLIMIT_H
#define ART_PIDLIMIT_H

#include <sys/types.h>

#include "diag.h"

typedef struct art_pidlimit {
	long max;
	char *cgroup;    /* the cgroup directory made, or NULL */
	int rlimit;      /* 1: the cage sets RLIMIT_NPROC to max itself */
} art_pidlimit;

/* Choose how to hold max processes (max <= 0: no limit, nothing done). */
int art_pidlimit_open(art_pidlimit *pl, long max, art_err *e);
/* Move pid (the cage's pid 1, before it forks) into the cgroup. */
int art_pidlimit_enter(const art_pidlimit *pl, pid_t pid, art_err *e);
/* 1 when a fork was refused at the limit (known with a cgroup only). */
int art_pidlimit_hit(const art_pidlimit *pl);
/* Remove the cgroup (once the cage is empty). */
void art_pidlimit_close(art_pidlimit *pl);

#endif
