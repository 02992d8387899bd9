/* vmfind.c - art-vm's run; see vmfind.h. */
#include "vmfind.h"

#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "gitpaths.h"
#include "ids.h"
#include "jsonio.h"

/* The run ticket/agent of r's repository, its worktree where git has it. */
static int named_run(art_run *run, const art_repo *r, const char *agent,
		     const char *ticket, art_err *e)
{
	char *wt;
	size_t n;
	int rc;

	/* the root given here is replaced below by git's own record */
	if ((rc = art_run_names(run, r, agent, ticket, ".", e)) != 0)
		return rc;
	if (!art_gitpaths_ref_exists(r->commondir, run->ref))
		return art_errf(e, ART_EXIT_STATE,
				"no run %s in this repository (no %s)", run->subject,
				run->ref);
	if (!(wt = art_gitpaths_worktree(r->commondir, run->wt_name)))
		return art_errf(e, ART_EXIT_STATE,
				"run %s: git knows no worktree %s (was it removed?)",
				run->subject, run->wt_name);
	free(run->worktree);
	free(run->worktree_rel);
	free(run->manifest_path);
	run->worktree = wt;
	n = strlen(r->main_workdir);
	run->worktree_rel = art_strdup(!strncmp(wt, r->main_workdir, n) && wt[n] == '/'
				       ? wt + n + 1 : wt);
	run->manifest_path = art_join(wt, ".agent/manifest.json");
	return 0;
}

/* The run of the agent worktree r is in: its git directory is named
 * TICKET+agent (art-start's naming; '+' is in neither id). */
static int here(art_run *run, const art_repo *r, art_err *e)
{
	char *gitdir = r->linked ? art_gitpaths_gitdir(r) : NULL;
	char *name = gitdir ? strrchr(gitdir, '/') : NULL, *plus;
	art_err ignored;
	int rc = 1;

	if (name && (plus = strchr(++name, '+')) != NULL) {
		*plus = '\0';
		if (!art_check_ticket(name, &ignored) && !art_check_agent(plus + 1, &ignored)) {
			rc = named_run(run, r, plus + 1, name, e);
			/* the run's worktree, as git registered it, is this one */
			if (!rc && strcmp(run->worktree, r->here_workdir))
				rc = art_errf(e, ART_EXIT_INPUT,
					      "%s: not the worktree git has for run %s (%s)",
					      r->here_workdir, run->subject, run->worktree);
		}
	}
	free(gitdir);
	return rc; /* 1: not an agent worktree */
}

int art_vm_locate(art_run *run, const art_repo *r, const char *agent,
		  const char *ticket, int *nothing, art_err *e)
{
	json_t *in = NULL;
	int rc;

	memset(run, 0, sizeof *run);
	*nothing = 0;
	if (agent || ticket) {
		if (!agent || !ticket)
			return art_errf(e, ART_EXIT_USAGE, "--agent and --ticket go together");
		return named_run(run, r, agent, ticket, e);
	}
	if ((rc = here(run, r, e)) != 1)
		return rc;
	art_run_free(run);
	if (!art_stdin_is_input())
		return art_errf(e, ART_EXIT_USAGE,
				"which run? give --agent and --ticket, run inside an agent worktree, or pipe art-start's output in");
	if ((rc = art_json_read_stdin_line(&in, e)) != 0)
		return rc;
	if (!in) {
		*nothing = 1;
		return 0;
	}
	if (json_is_string(json_object_get(in, "agent")) &&
	    json_is_string(json_object_get(in, "ticket")))
		rc = named_run(run, r, json_string_value(json_object_get(in, "agent")),
			       json_string_value(json_object_get(in, "ticket")), e);
	else
		rc = art_errf(e, ART_EXIT_INPUT,
			      "stdin: expected a line {\"agent\":...,\"ticket\":...} naming the run");
	json_decref(in);
	return rc;
}
