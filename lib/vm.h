/*
 * vm.h - art-vm run (art-vm(1)): a command in the cage of a run.
 *
 * What the run gives the cage: its worktree as the working directory and
 * the only writable place, with the git data its commits need (the
 * object store, the agent branches' refs and reflogs, the worktree's own
 * git directory) writable and the files that would let it out of the
 * cage (.git file, config.worktree, commondir) pinned read-only; the
 * user's secrets hidden; the environment reduced to an allowlist.  The
 * cage itself is cage.h's.
 */
#ifndef ART_VM_H
#define ART_VM_H

#include <jansson.h>

#include "cage.h"
#include "diag.h"
#include "repo.h"
#include "run.h"

typedef struct art_vm_opts {
	char *const *argv;           /* the command */
	const char *const *allow_write;  /* --allow-write, as given */
	const char *const *hide;         /* --hide, as given */
	const char *const *env;          /* --env names */
	int net_loopback;
	int allow_unix;              /* --allow-unix */
	int keep_home;               /* HOME is the user's, not a fresh /tmp */
	int timeout_s;               /* 0: none */
	long max_procs;              /* 0: none */
	const char *report;          /* --report FILE, or NULL */
	const char *backend;         /* "cage", "qemu" or "auto"; NULL: cage */
	int memory_mb, cpus;         /* the microVM's; 0: its defaults */
} art_vm_opts;

/*
 * Run the command in the cage of run (or in the microVM, qemu.h): governors first (the action
 * "vm.run"), the events art.vm.started and art.vm.exited around it, the
 * report written whatever happened.  *status gets the status art-vm
 * exits with (cli.md: the command's, 124 at the timeout, 125 when art-vm
 * failed, 126/127 when the command could not be run, 128+n for signal
 * n); the return is 0, or art-vm's own failure (e says why, *status 125).
 */
int art_vm_run(const art_repo *r, const art_run *run, const art_vm_opts *o,
	       int *status, art_err *e);

#endif
