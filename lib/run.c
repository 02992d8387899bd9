/* run.c - run identity and lookup; see run.h. */
#include "run.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "ids.h"
#include "jsonio.h"
#include "registry.h"
#include "runref.h"

int art_worktree_root(const art_repo *r, char **out, art_err *e)
{
	char *root = art_repo_config(r, "art.worktreeRoot");

	if (!root)
		root = art_strdup(".worktrees");
	/* a relative root is one directory of the checkout: art creates it
	 * and checks it is no symlink */
	if (root[0] != '/' && (!art_rel_path_ok(root) || strchr(root, '/'))) {
		int rc = art_errf(e, ART_EXIT_INPUT,
				  "git config art.worktreeRoot \"%s\": expected an absolute path or one directory name of the checkout",
				  root);

		free(root);
		return rc;
	}
	*out = root;
	return 0;
}

int art_run_init(art_run *run, const art_repo *r, const char *agent,
		 const char *ticket, art_err *e)
{
	char *root;
	int rc;

	memset(run, 0, sizeof *run);
	if (art_check_agent(agent, e) || art_check_ticket(ticket, e))
		return e->status;
	if (art_worktree_root(r, &root, e) != 0)
		return e->status;
	rc = art_run_names(run, r, agent, ticket, root, e);
	free(root);
	return rc;
}


/*
 * The run a linked worktree belongs to, from git's own records, which the
 * agent cannot edit from inside its worktree: art names the worktree
 * "TICKET+agent" and records the run at refs/art/runs/TICKET/agent.
 */
static int run_of_worktree_name(const art_repo *r, char agent[65],
				char ticket[129])
{
	const char *gitdir = git_repository_path(r->here);
	char name[256], *plus, *end;
	const char *slash;
	art_run run;
	art_err e;
	size_t n;
	int found;

	if (!gitdir)
		return 0;
	n = strlen(gitdir);
	while (n && gitdir[n - 1] == '/')
		n--;
	for (slash = gitdir + n; slash > gitdir && slash[-1] != '/'; slash--)
		;
	if ((size_t)(gitdir + n - slash) >= sizeof name)
		return 0;
	memcpy(name, slash, (size_t)(gitdir + n - slash));
	name[gitdir + n - slash] = '\0';
	end = name + strlen(name);
	if (!(plus = strchr(name, '+')) || plus == end - 1)
		return 0;
	*plus = '\0';
	if (art_run_init(&run, r, plus + 1, name, &e) != 0)
		return 0;
	found = art_runref_exists(r, &run) == 1;
	if (found) {
		snprintf(agent, 65, "%s", run.agent);
		snprintf(ticket, 129, "%s", run.ticket);
	}
	art_run_free(&run);
	return found;
}

int art_here_is_agent_worktree(const art_repo *r, char agent[65],
			       char ticket[129])
{
	char *buf = NULL;
	json_t *m = NULL;
	art_err e;
	int found = 0;

	if (!r->linked)
		return 0;
	if (run_of_worktree_name(r, agent, ticket))
		return 1;
	/* a worktree someone made by hand for a run: its manifest says so */
	if (art_read_beneath(r->here_workdir, ".agent/manifest.json",
			     ART_CONFIG_MAX, &buf, NULL, &e) != 0)
		return 0;
	m = json_loads(buf, 0, NULL);
	free(buf);
	if (json_is_string(json_object_get(m, "agent")) &&
	    json_is_string(json_object_get(m, "ticket"))) {
		snprintf(agent, 65, "%s", json_string_value(json_object_get(m, "agent")));
		snprintf(ticket, 129, "%s", json_string_value(json_object_get(m, "ticket")));
		found = 1;
	}
	json_decref(m);
	return found;
}

static int field(json_t *obj, const char *key, const char **out, art_err *e)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return art_errf(e, ART_EXIT_INPUT,
				"stdin: field \"%s\": missing", key);
	if (!json_is_string(v))
		return art_errf(e, ART_EXIT_INPUT,
				"stdin: field \"%s\": expected a string, got %s",
				key, art_json_kind(v));
	*out = json_string_value(v);
	return 0;
}


int art_run_locate(art_run *run, const art_repo *r, const char *agent,
		   const char *ticket, json_t **input, int *nothing,
		   art_err *e)
{
	char a[65], t[129];
	int rc;

	*input = NULL;
	*nothing = 0;
	if (agent || ticket) {
		if (!agent || !ticket)
			return art_errf(e, ART_EXIT_USAGE,
					"--agent and --ticket go together");
		return art_run_init(run, r, agent, ticket, e);
	}
	if (art_stdin_is_input()) {
		if ((rc = art_json_read_stdin_object(input, e)) != 0)
			return rc;
		if (!*input) {
			*nothing = 1;
			return 0;
		}
		if (field(*input, "agent", &agent, e) ||
		    field(*input, "ticket", &ticket, e))
			return e->status;
		return art_run_init(run, r, agent, ticket, e);
	}
	if (art_here_is_agent_worktree(r, a, t))
		return art_run_init(run, r, a, t, e);
	return art_errf(e, ART_EXIT_USAGE,
			"which run? give --agent and --ticket, a JSON object on stdin, or run inside an agent worktree");
}

