/* gitpaths.c - a repository's paths without libgit2; see gitpaths.h. */
#define _GNU_SOURCE
#include "gitpaths.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

int art_repo_state_dir(const art_repo *r, char **out, art_err *e)
{
	char *dir = art_join(r->commondir, "art");

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		art_err_sys(e, ART_EXIT_LOCAL, "cannot create %s", dir);
		free(dir);
		return e->status;
	}
	*out = dir;
	return 0;
}

/* The first line of a small file, without its newline (malloc'd), or
 * NULL. */
static char *first_line(const char *path)
{
	char *buf = NULL;
	size_t len;
	art_err ignored;

	if (art_read_path(path, 4096, &buf, &len, &ignored) != 0)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

/* path, relative to dir unless absolute, made canonical (malloc'd). */
static char *resolve(const char *dir, const char *path)
{
	char *joined = path[0] == '/' ? art_strdup(path) : art_join(dir, path);
	char *real = realpath(joined, NULL);

	free(joined);
	return real;
}

/* Refs in git's reftable format: no loose or packed refs to read. */
static int reftable(const char *commondir)
{
	char *p = art_join(commondir, "reftable");
	struct stat st;
	int yes = stat(p, &st) == 0 && S_ISDIR(st.st_mode);

	free(p);
	return yes;
}

/* Fill r from a checkout's top and its .git (a directory or a file). */
static int from_top(art_repo *r, const char *top, int is_dir, art_err *e)
{
	char *dotgit = art_join(top, ".git"), *line = NULL, *gitdir = NULL, *cd;
	char *common = NULL;
	int rc = 0;

	r->here_workdir = art_strdup(top);
	if (is_dir) {
		r->commondir = realpath(dotgit, NULL);
		r->main_workdir = art_strdup(top);
		goto out;
	}
	line = first_line(dotgit);
	if (!line || strncmp(line, "gitdir: ", 8) || !(gitdir = resolve(top, line + 8))) {
		rc = art_errf(e, ART_EXIT_INPUT, "%s: not a .git file art can follow", dotgit);
		goto out;
	}
	cd = art_join(gitdir, "commondir");
	common = first_line(cd);
	free(cd);
	if (!common) { /* a separate git directory of a main checkout */
		r->commondir = art_strdup(gitdir);
		r->main_workdir = art_strdup(top);
		goto out;
	}
	r->linked = 1;
	/* git's own check: the worktree's git directory names it back (a
	 * relative name is relative to the git directory) */
	cd = art_join(gitdir, "gitdir");
	free(line);
	line = first_line(cd);
	free(cd);
	cd = line ? resolve(gitdir, line) : NULL;
	if (!cd || strcmp(cd, dotgit)) {
		free(cd);
		rc = art_errf(e, ART_EXIT_INPUT,
			      "%s: its git directory %s does not name it back", top, gitdir);
		goto out;
	}
	free(cd);
	r->commondir = resolve(gitdir, common);
	if (r->commondir && strlen(r->commondir) > 5 &&
	    !strcmp(r->commondir + strlen(r->commondir) - 5, "/.git"))
		r->main_workdir = strndup(r->commondir, strlen(r->commondir) - 5);
	else
		rc = art_errf(e, ART_EXIT_INPUT,
			      "%s: its repository is not a checkout's .git directory",
			      top);
out:
	if (!rc && !r->commondir)
		rc = art_errf(e, ART_EXIT_INPUT, "%s: its git directory is gone", top);
	if (!rc && reftable(r->commondir))
		rc = art_errf(e, ART_EXIT_INPUT,
			      "%s: its refs are in reftable, which art-vm does not read",
			      r->commondir);
	free(dotgit);
	free(line);
	free(common);
	free(gitdir);
	return rc;
}

/*
 * A checkout inside a linked worktree (a .git file above it) is not one
 * art-vm follows: an agent can write its worktree, and a .git it planted
 * there would name a repository, governors and worktrees of its making.
 */
static int nested(const char *top)
{
	char *dir = art_strdup(top), *slash;
	int found = 0;

	while (!found && (slash = strrchr(dir, '/')) != NULL && slash != dir) {
		char *dotgit;
		struct stat st;

		*slash = '\0';
		dotgit = art_join(dir, ".git");
		found = lstat(dotgit, &st) == 0 && !S_ISDIR(st.st_mode);
		free(dotgit);
	}
	free(dir);
	return found;
}

int art_gitpaths_find(art_repo *r, art_err *e)
{
	char *dir, *slash;
	int rc;

	memset(r, 0, sizeof *r);
	if (getenv("GIT_DIR"))
		return art_errf(e, ART_EXIT_INPUT,
				"GIT_DIR is set: art-vm finds the repository from the current directory only");
	if (!(dir = getcwd(NULL, 0)))
		return art_err_sys(e, ART_EXIT_LOCAL, "cannot get the current directory");
	for (;;) {
		char *dotgit = art_join(dir, ".git");
		struct stat st;
		int found = lstat(dotgit, &st) == 0;

		free(dotgit);
		if (found && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
			rc = nested(dir)
			   ? art_errf(e, ART_EXIT_INPUT,
				      "%s: a repository inside a worktree: run art-vm from the worktree itself",
				      dir)
			   : from_top(r, dir, S_ISDIR(st.st_mode), e);
			free(dir);
			if (rc)
				art_gitpaths_free(r);
			return rc;
		}
		if (!(slash = strrchr(dir, '/')) || slash == dir)
			break;
		*slash = '\0';
	}
	free(dir);
	return art_errf(e, ART_EXIT_INPUT, "not in a git repository");
}

void art_gitpaths_free(art_repo *r)
{
	free(r->here_workdir);
	free(r->main_workdir);
	free(r->commondir);
	memset(r, 0, sizeof *r);
}

char *art_gitpaths_gitdir(const art_repo *r)
{
	char *dotgit = art_join(r->here_workdir, ".git"), *line, *gitdir = NULL;

	if (!r->linked) {
		gitdir = art_strdup(r->commondir);
	} else if ((line = first_line(dotgit)) != NULL) {
		if (!strncmp(line, "gitdir: ", 8))
			gitdir = resolve(r->here_workdir, line + 8);
		free(line);
	}
	free(dotgit);
	return gitdir;
}

int art_gitpaths_ref_exists(const char *commondir, const char *ref)
{
	char *path = art_join(commondir, ref), *buf = NULL, *line, *next;
	struct stat st;
	size_t len, n = strlen(ref);
	art_err ignored;
	int found = lstat(path, &st) == 0 && S_ISREG(st.st_mode);

	free(path);
	if (found)
		return 1;
	path = art_join(commondir, "packed-refs");
	if (art_read_path(path, (size_t)1 << 30, &buf, &len, &ignored) == 0) {
		/* "<hex> <name>" lines; '#' a header, '^' a peeled tag */
		for (line = buf; line && !found; line = next) {
			char *sp;

			if ((next = strchr(line, '\n')))
				*next++ = '\0';
			if (*line == '#' || *line == '^' || !(sp = strchr(line, ' ')))
				continue;
			found = strlen(sp + 1) == n && !memcmp(sp + 1, ref, n);
		}
	}
	free(buf);
	free(path);
	return found;
}

char *art_gitpaths_worktree(const char *commondir, const char *name)
{
	char *path = art_asprintf("%s/worktrees/%s/gitdir", commondir, name);
	char *line = first_line(path), *top = NULL;
	size_t n;

	free(path);
	/* "<worktree>/.git" */
	if (line && (n = strlen(line)) > 5 && !strcmp(line + n - 5, "/.git")) {
		line[n - 5] = '\0';
		top = realpath(line, NULL);
	}
	free(line);
	return top;
}
