/* repo.c - repository discovery; see repo.h. */
#include "repo.h"

#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fs.h"

static char *strip_slash(const char *p)
{
	char *s = art_strdup(p);
	size_t n = strlen(s);

	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

int art_repo_open(art_repo *r, const char *dir, art_err *e)
{
	int rc;

	memset(r, 0, sizeof *r);
	rc = git_repository_open_ext(&r->here, dir ? dir : ".", 0, NULL);
	if (rc == GIT_ENOTFOUND)
		return art_errf(e, ART_EXIT_INPUT,
				"not a git repository (or any parent directory): %s",
				dir ? dir : ".");
	if (rc < 0)
		return art_err_git(e, ART_EXIT_LOCAL, "cannot open repository");
	if (git_repository_is_bare(r->here)) {
		art_repo_close(r);
		return art_errf(e, ART_EXIT_INPUT,
				"%s is a bare repository; art needs a working tree",
				dir ? dir : ".");
	}
	r->here_workdir = strip_slash(git_repository_workdir(r->here));
	r->commondir = strip_slash(git_repository_commondir(r->here));
	r->linked = git_repository_is_worktree(r->here);
	if (!r->linked) {
		r->main = r->here;
	} else if (git_repository_open(&r->main, r->commondir) < 0) {
		art_err_git(e, ART_EXIT_LOCAL, "cannot open main repository %s",
			    r->commondir);
		art_repo_close(r);
		return e->status;
	}
	if (!git_repository_workdir(r->main)) {
		art_errf(e, ART_EXIT_INPUT,
			 "the main repository %s has no working tree",
			 r->commondir);
		art_repo_close(r);
		return e->status;
	}
	r->main_workdir = strip_slash(git_repository_workdir(r->main));
	return 0;
}

void art_repo_close(art_repo *r)
{
	if (r->main && r->main != r->here)
		git_repository_free(r->main);
	git_repository_free(r->here);
	free(r->here_workdir);
	free(r->main_workdir);
	free(r->commondir);
	memset(r, 0, sizeof *r);
}


char *art_repo_config(const art_repo *r, const char *key)
{
	git_config *cfg = NULL;
	git_buf buf = GIT_BUF_INIT;
	char *val = NULL;

	if (git_repository_config_snapshot(&cfg, r->main) < 0)
		return NULL;
	if (git_config_get_string_buf(&buf, cfg, key) == 0)
		val = art_strdup(buf.ptr);
	git_buf_dispose(&buf);
	git_config_free(cfg);
	return val;
}
