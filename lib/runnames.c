/*
 * runnames.c - a run's names, and the other parts of run.h that need no
 * libgit2 (art-vm does without it; see gitpaths.h).
 */
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "ids.h"

int art_run_names(art_run *run, const art_repo *r, const char *agent,
		  const char *ticket, const char *root, art_err *e)
{
	memset(run, 0, sizeof *run);
	if (art_check_agent(agent, e) || art_check_ticket(ticket, e))
		return e->status;
	snprintf(run->agent, sizeof run->agent, "%s", agent);
	snprintf(run->ticket, sizeof run->ticket, "%s", ticket);
	snprintf(run->subject, sizeof run->subject, "%s/%s", ticket, agent);
	run->branch = art_asprintf("feat/%s-%s", ticket, agent);
	run->ref = art_asprintf("refs/art/runs/%s/%s", ticket, agent);
	/* '+' is in neither id alphabet, so names cannot collide */
	run->wt_name = art_asprintf("%s+%s", ticket, agent);
	run->wt_gitdir = art_asprintf("%s/worktrees/%s", r->commondir, run->wt_name);
	run->worktree_rel = art_asprintf("%s/%s/%s", root, ticket, agent);
	run->worktree = root[0] == '/' ? art_strdup(run->worktree_rel)
				       : art_join(r->main_workdir, run->worktree_rel);
	run->manifest_path = art_join(run->worktree, ".agent/manifest.json");
	return 0;
}

void art_run_free(art_run *run)
{
	free(run->branch);
	free(run->ref);
	free(run->wt_name);
	free(run->wt_gitdir);
	free(run->worktree_rel);
	free(run->worktree);
	free(run->manifest_path);
	memset(run, 0, sizeof *run);
}

int art_stdin_is_input(void)
{
	struct stat st;

	/* A pipe, a FIFO, a socket or a redirected file is input; a terminal
	 * or /dev/null (cron, make, CI) is not, and falls through to the
	 * worktree the command runs in. */
	if (isatty(STDIN_FILENO) || fstat(STDIN_FILENO, &st) < 0)
		return 0;
	return S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode) ||
	       S_ISSOCK(st.st_mode);
}

int art_is_run_path(const char *path)
{
	return !strncmp(path, ".agent", 6) && (!path[6] || path[6] == '/');
}
