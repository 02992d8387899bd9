/*
 * run.h - a run's identity and the names derived from it, and how a
 * command finds the run it acts on (cli.md "Input"): flags, else one JSON
 * object on stdin when stdin is a pipe, FIFO, socket or file (not a
 * terminal, not /dev/null), else the run of the agent worktree the current
 * directory is in.
 */
#ifndef ART_RUN_H
#define ART_RUN_H

#include <jansson.h>

#include "diag.h"
#include "repo.h"

typedef struct art_run {
	char agent[65];
	char ticket[129];
	char subject[200];      /* "TICKET/agent" */
	char *branch;           /* "feat/TICKET-agent" */
	char *ref;              /* "refs/art/runs/TICKET/agent" */
	char *wt_name;          /* name under <common dir>/worktrees/ */
	char *wt_gitdir;        /* <common dir>/worktrees/<wt_name> */
	char *worktree_rel;     /* as shown: ".worktrees/TICKET/agent" */
	char *worktree;         /* absolute path */
	char *manifest_path;    /* absolute path of .agent/manifest.json */
} art_run;

/*
 * Where worktrees go: git config art.worktreeRoot, else ".worktrees"; an
 * absolute path or one directory name of the checkout, else
 * ART_EXIT_INPUT.  Malloc'd.
 */
int art_worktree_root(const art_repo *r, char **out, art_err *e);

/* Check the ids and derive every name, the worktree below root (as
 * art_worktree_root gives it) (runnames.c, without libgit2). */
int art_run_names(art_run *run, const art_repo *r, const char *agent,
		  const char *ticket, const char *root, art_err *e);

/* Check the ids and derive every name (git config art.worktreeRoot). */
int art_run_init(art_run *run, const art_repo *r, const char *agent,
		 const char *ticket, art_err *e);
void art_run_free(art_run *run);

/* 1 when path (relative to the top of a worktree) is .agent or below it:
 * the run's own files, which art keeps out of git. */
int art_is_run_path(const char *path);

/* 1 when stdin carries input: a pipe, FIFO, socket or regular file (not a
 * terminal, not a character device such as /dev/null). */
int art_stdin_is_input(void);

/*
 * Find the run to act on.  agent/ticket: the flags (NULL when not given).
 * *input gets the stdin object when one was read (else NULL), so that the
 * command can read its other fields.  Returns 0 and sets *nothing to 1
 * when stdin was empty: "nothing to do".
 */
int art_run_locate(art_run *run, const art_repo *r, const char *agent,
		   const char *ticket, json_t **input, int *nothing,
		   art_err *e);

/*
 * When the current directory is inside an agent worktree, its run's agent
 * and ticket (1), else 0.  Known from git first (a worktree named
 * "TICKET+agent" whose run record exists), else from a run manifest there.
 */
int art_here_is_agent_worktree(const art_repo *r, char agent[65],
			       char ticket[129]);

#endif
