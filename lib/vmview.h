/*
 * vmview.h - what the cage of a run is made of (art-vm(1)): the paths
 * made visible, writable, pinned read-only and hidden, the quarantine of
 * the objects git writes there (quarantine.h), and the command's
 * environment.
 *
 * Writable: the worktree, the agent branches' refs and reflogs, and the
 * worktree's own git directory (where the quarantine is); never the
 * object store, config, hooks, info, packed-refs or other refs.  Pinned:
 * the files that would point git elsewhere, or run code, later (the
 * worktree's .git file, its commondir, gitdir and config.worktree).
 * Hidden: the user's credentials (in $HOME and the home the system knows
 * for the user), art's own key and state, the host's secrets a cage run
 * as root would own, and --hide.
 */
#ifndef ART_VMVIEW_H
#define ART_VMVIEW_H

#include "diag.h"
#include "repo.h"
#include "run.h"
#include "vm.h"

/* A NULL-terminated list of malloc'd strings. */
typedef struct art_vm_list {
	char **v;
	size_t n, cap;
} art_vm_list;

typedef struct art_vm_view {
	char *workdir;
	char *common;       /* the git common dir */
	char *objects;      /* the repository's object store, read-only */
	char *quarantines;  /* <worktree's git dir>/art-objects */
	char *quarantine;   /* this run's, in it: its new objects */
	int qlock;          /* held on it while it is in use */
	art_vm_list visible, writable, gitdata, pinned, hidden, env;
} art_vm_view;

/* The view of run, and its environment; what a killed art-vm left in a
 * quarantine of the run moves into the store now. */
int art_vm_view_build(art_vm_view *v, const art_repo *r, const art_run *run,
		      const art_vm_opts *o, art_err *e);

/* Once the cage is gone: the run's new objects into the store, and
 * links, FIFOs and the like out of git's data (Landlock keeps them from
 * being made where the kernel has it, but not below the cage's own /tmp,
 * whose rule covers a repository bound there). */
int art_vm_view_release(art_vm_view *v, art_err *e);

void art_vm_view_free(art_vm_view *v);

#endif
