/* init.c - art init; see init.h. */
#include "init.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "embedded.h"
#include "exclude.h"
#include "fs.h"
#include "ids.h"
#include "jsonio.h"
#include "registry.h"
#include "run.h"

/* Create the directories of rel below root, refusing symlinks on the way. */
static int make_dirs_beneath(const char *root, const char *rel, art_err *e)
{
	char *path = art_join(root, rel), *p = path + strlen(root) + 1;
	int rc = 0;

	for (; (p = strchr(p, '/')) != NULL; p++) {
		struct stat st;

		*p = '\0';
		if (lstat(path, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				rc = art_errf(e, ART_EXIT_INPUT,
					      "%s: not a directory (a symlink?); not writing through it",
					      path + strlen(root) + 1);
		} else if (mkdir(path, 0755) < 0) {
			rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot create %s", path);
		}
		*p = '/';
		if (rc)
			break;
	}
	free(path);
	return rc;
}

static int write_json(const char *root, const char *rel, json_t *v,
		      art_err *e)
{
	char *path = art_join(root, rel);
	char *text = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *line = art_asprintf("%s\n", text);
	int rc;

	if ((rc = make_dirs_beneath(root, rel, e)) == 0) {
		rc = art_write_atomic(path, line, strlen(line), 0644, 1, e);
		if (rc == ART_EXIT_STATE)
			art_errf(e, rc, "%s exists; art init does not overwrite it",
				 rel);
	}
	free(path);
	free(text);
	free(line);
	return rc;
}

static int refuse_existing(const char *root, const char *rel, art_err *e)
{
	char *path = art_join(root, rel);
	struct stat st;
	int there = lstat(path, &st) == 0;

	free(path);
	if (there)
		return art_errf(e, ART_EXIT_STATE,
				"%s exists; art init does not overwrite it", rel);
	return 0;
}

int art_init(const art_repo *r, const char *agent, json_t **result,
	     art_err *e)
{
	char *reg_path = NULL;
	char *prof_path = art_asprintf("agents/profiles/%s_agent.json", agent);
	char here_a[65], here_t[129], display[65];
	const char *lines[2];
	size_t nlines = art_exclude_lines(r, lines);
	json_t *reg = NULL, *prof = NULL, *added = NULL;
	int rc;

	*result = NULL;
	if ((rc = art_check_agent(agent, e)) != 0)
		goto out;
	if (art_here_is_agent_worktree(r, here_a, here_t)) {
		rc = art_errf(e, ART_EXIT_DENIED,
			      "this is the worktree of run %s/%s; run art init in the main checkout",
			      here_t, here_a);
		goto out;
	}
	if ((rc = art_registry_path(r, &reg_path, e)) != 0 ||
	    (rc = refuse_existing(r->main_workdir, reg_path, e)) != 0 ||
	    (rc = refuse_existing(r->main_workdir, prof_path, e)) != 0 ||
	    (rc = art_json_parse("built-in registry template",
				 art_embedded_registry_json,
				 strlen(art_embedded_registry_json), &reg, e)) != 0 ||
	    (rc = art_json_parse("built-in profile template",
				 art_embedded_profile_json,
				 strlen(art_embedded_profile_json), &prof, e)) != 0)
		goto out;
	snprintf(display, sizeof display, "%s", agent);
	display[0] = (char)toupper((unsigned char)display[0]);
	json_object_set_new(reg, "agents",
			    json_pack("[{s:s, s:s}]", "agent", agent,
				      "profile", prof_path));
	json_object_set_new(prof, "agent", json_string(agent));
	json_object_set_new(prof, "displayName", json_string(display));
	if ((rc = write_json(r->main_workdir, reg_path, reg, e)) != 0)
		goto out;
	if ((rc = write_json(r->main_workdir, prof_path, prof, e)) != 0) {
		/* all or nothing: take the registry back */
		char *p = art_join(r->main_workdir, reg_path);

		unlink(p);
		free(p);
		goto out;
	}
	if ((rc = art_exclude_ensure(r, lines, nlines, &added, e)) != 0)
		goto out;
	*result = json_pack("{s:s, s:[s], s:O}", "registry", reg_path,
			    "profiles", prof_path, "excluded", added);
out:
	json_decref(reg);
	json_decref(prof);
	json_decref(added);
	free(reg_path);
	free(prof_path);
	return rc;
}
