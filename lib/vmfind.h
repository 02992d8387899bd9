/*
 * vmfind.h - the run art-vm acts on, found without libgit2 (gitpaths.h
 * says why): --agent/--ticket, else the agent worktree the current
 * directory is in, else one JSON line on stdin ({"agent","ticket"}, as
 * art-start prints), of which nothing more is read: the rest of stdin is
 * the command's.  The worktree comes before stdin, unlike the other
 * commands, for the same reason.
 */
#ifndef ART_VMFIND_H
#define ART_VMFIND_H

#include "diag.h"
#include "repo.h"
#include "run.h"

/* r from art_gitpaths_find.  The worktree is the one git has registered
 * for the run (<common dir>/worktrees/<TICKET>+<agent>), and the run
 * record must exist: a run art-start opened.  Empty stdin sets *nothing:
 * nothing to do, as for every command. */
int art_vm_locate(art_run *run, const art_repo *r, const char *agent,
		  const char *ticket, int *nothing, art_err *e);

#endif
