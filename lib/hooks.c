/* hooks.c - art init --hooks; see hooks.h. */
#define _GNU_SOURCE /* renameat2 */
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "embedded.h"

#include "fs.h"
#include "run.h"

/* share/art/hooks/art-hook, built in by tools/embed.c */

static const char *const hook_names[] = { "pre-commit", "commit-msg",
					  "pre-push" };
#define NHOOKS (sizeof hook_names / sizeof *hook_names)
#define MARKER "\n# art:hook-dispatcher"
#define MARKER_WITHIN 1024
/* A hook larger than this is no version of art's. */
#define HOOK_MAX (1 << 20)

enum hook_state {
	HOOK_ABSENT,
	HOOK_ART_SAME,  /* art's, this version, executable */
	HOOK_ART_OTHER, /* art's, another version or not executable */
	HOOK_FOREIGN,   /* someone else's: a file or a symlink */
};

struct hook {
	const char *name;
	char *path, *chained;
	enum hook_state state;
	int has_chained;
	int renamed, wrote; /* what install did, to undo it */
};

int art_hooks_dir(const art_repo *r, char **dir, int *relative, art_err *e)
{
	git_config *cfg = NULL;
	git_buf buf = GIT_BUF_INIT;
	size_t n;
	int grc;

	*dir = NULL;
	*relative = 0;
	if (git_repository_config_snapshot(&cfg, r->main) < 0)
		return art_err_git(e, ART_EXIT_LOCAL, "cannot read git config");
	grc = git_config_get_path(&buf, cfg, "core.hooksPath");
	if (grc == 0 && buf.ptr[0]) {
		*relative = buf.ptr[0] != '/';
		/* cppcheck-suppress knownConditionTrueFalse ; false positive:
		 * cppcheck misses that git_config_get_path filled buf */
		*dir = *relative ? art_join(r->main_workdir, buf.ptr)
				 : art_strdup(buf.ptr);
	} else if (grc == 0 || grc == GIT_ENOTFOUND) {
		*dir = art_join(r->commondir, "hooks");
	}
	git_buf_dispose(&buf);
	git_config_free(cfg);
	if (!*dir)
		return art_err_git(e, ART_EXIT_INPUT, "git config core.hooksPath");
	n = strlen(*dir);
	while (n > 1 && (*dir)[n - 1] == '/')
		(*dir)[--n] = '\0';
	return 0;
}

/* Whether the regular file at path is art's hook (*art), and this
 * version of it, executable (*same). */
static int is_art_hook(const char *path, const struct stat *st, int *art,
		       int *same, art_err *e)
{
	size_t len, want = strlen(art_embedded_hook_sh);
	char *buf = NULL;
	int rc;

	*art = *same = 0;
	if (st->st_size > HOOK_MAX)
		return 0;
	if ((rc = art_read_path(path, HOOK_MAX, &buf, &len, e)) != 0)
		return rc;
	/* the marker is on a line of its own near the top */
	*art = memmem(buf, len < MARKER_WITHIN ? len : MARKER_WITHIN, MARKER,
		      strlen(MARKER)) != NULL;
	*same = *art && len == want && !memcmp(buf, art_embedded_hook_sh, len) &&
		(st->st_mode & S_IXUSR);
	free(buf);
	return 0;
}

/* Not there: the hooks directory may not exist yet, or not be one
 * (make_dir says so). */
static int absent(void)
{
	return errno == ENOENT || errno == ENOTDIR;
}

/* What is at h->path and h->chained now. */
static int survey(struct hook *h, art_err *e)
{
	struct stat st;
	int art, same, rc;

	if (lstat(h->chained, &st) == 0)
		h->has_chained = 1;
	else if (!absent())
		return art_err_sys(e, ART_EXIT_LOCAL, "cannot look at %s", h->chained);
	if (lstat(h->path, &st) < 0) {
		if (!absent())
			return art_err_sys(e, ART_EXIT_LOCAL, "cannot look at %s",
					   h->path);
		h->state = HOOK_ABSENT;
	} else if (S_ISLNK(st.st_mode)) {
		h->state = HOOK_FOREIGN;
	} else if (!S_ISREG(st.st_mode)) {
		return art_errf(e, ART_EXIT_STATE,
				"%s: not a file (a directory?); move it away first",
				h->path);
	} else if ((rc = is_art_hook(h->path, &st, &art, &same, e)) != 0) {
		return rc;
	} else {
		h->state = !art ? HOOK_FOREIGN : same ? HOOK_ART_SAME
						      : HOOK_ART_OTHER;
	}
	return 0;
}

/* mkdir -p dir (0755 and the umask, as git makes .git/hooks). */
static int make_dir(const char *dir, art_err *e)
{
	char *path = art_strdup(dir), *p = path;
	struct stat st;
	int rc = 0;

	for (;;) {
		p = strchr(p + 1, '/');
		if (p)
			*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			rc = art_err_sys(e, ART_EXIT_LOCAL,
					 "cannot create hooks directory %s", path);
			break;
		}
		if (!p)
			break;
		*p = '/';
	}
	if (!rc && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		rc = art_errf(e, ART_EXIT_LOCAL, "hooks directory %s: not a directory",
			      dir);
	free(path);
	return rc;
}

/* The directory exists and we may write in it, else say which it is. */
static int writable_dir(const char *dir, art_err *e)
{
	int rc;

	if ((rc = make_dir(dir, e)) != 0)
		return rc;
	if (access(dir, W_OK) < 0)
		return art_err_sys(e, ART_EXIT_LOCAL,
				   "hooks directory %s is not writable", dir);
	return 0;
}

/* rename(2) that never replaces what is at to, even in a race. */
static int rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* a file system without RENAME_NOREPLACE: link() fails on EEXIST */
	if (link(from, to) < 0)
		return -1;
	return unlink(from);
}

/* The directory's entries made durable, as art_write_atomic does a
 * file's content. */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd); /* best effort: the hooks are in place */
		close(fd);
	}
}

static void hooks_free(struct hook *h)
{
	size_t i;

	for (i = 0; i < NHOOKS; i++) {
		free(h[i].path);
		free(h[i].chained);
	}
}

/* The hooks directory and what is in it, for either direction. */
static int prepare(const art_repo *r, const char *verb, struct hook *h,
		   char **dir, int *relative, art_err *e)
{
	char a[65], t[129];
	size_t i;
	int rc;

	memset(h, 0, NHOOKS * sizeof *h);
	*dir = NULL;
	if (art_here_is_agent_worktree(r, a, t))
		return art_errf(e, ART_EXIT_DENIED,
				"this is the worktree of run %s/%s; %s art's hooks from the main checkout",
				t, a, verb);
	if ((rc = art_hooks_dir(r, dir, relative, e)) != 0)
		return rc;
	for (i = 0; i < NHOOKS; i++) {
		h[i].name = hook_names[i];
		h[i].path = art_join(*dir, hook_names[i]);
		h[i].chained = art_asprintf("%s%s", h[i].path, ART_HOOK_CHAINED);
	}
	for (i = 0; i < NHOOKS; i++)
		if ((rc = survey(&h[i], e)) != 0)
			return rc;
	return 0;
}

static void undo_install(struct hook *h, size_t n)
{
	while (n-- > 0) {
		if (h[n].wrote && h[n].state != HOOK_ART_OTHER && !h[n].renamed)
			unlink(h[n].path);
		if (h[n].renamed)
			/* over art's, if written; best effort, as the
			 * error being undone is the one reported */
			(void)rename(h[n].chained, h[n].path);
	}
}

int art_hooks_install(const art_repo *r, json_t **result, int *relative,
		      art_err *e)
{
	struct hook h[NHOOKS];
	char *dir = NULL;
	size_t i, len = strlen(art_embedded_hook_sh);
	int rc, pending = 0;
	json_t *list;

	*result = NULL;
	if ((rc = prepare(r, "install", h, &dir, relative, e)) != 0)
		goto out;
	for (i = 0; i < NHOOKS; i++) {
		if (h[i].state == HOOK_FOREIGN && h[i].has_chained) {
			rc = art_errf(e, ART_EXIT_STATE,
				      "%s is not art's hook and %s is taken, so art cannot chain to it; move one of them away",
				      h[i].path, h[i].chained);
			goto out;
		}
		pending |= h[i].state != HOOK_ART_SAME;
	}
	if (pending && (rc = writable_dir(dir, e)) != 0)
		goto out;
	for (i = 0; i < NHOOKS; i++) {
		if (h[i].state == HOOK_ART_SAME)
			continue;
		if (h[i].state == HOOK_FOREIGN) {
			if (rename_noreplace(h[i].path, h[i].chained) < 0) {
				rc = art_err_sys(e, ART_EXIT_LOCAL,
						 "cannot rename %s to %s", h[i].path,
						 h[i].chained);
				undo_install(h, i + 1);
				goto out;
			}
			h[i].renamed = h[i].has_chained = 1;
		}
		if ((rc = art_write_atomic(h[i].path, art_embedded_hook_sh, len,
					   0755, 0, e)) != 0) {
			undo_install(h, i + 1);
			goto out;
		}
		h[i].wrote = 1;
	}
	if (pending)
		sync_dir(dir);
	list = json_array();
	for (i = 0; i < NHOOKS; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:b}",
						      "name", h[i].name,
						      "path", h[i].path,
						      "chained", h[i].has_chained,
						      "changed", h[i].state != HOOK_ART_SAME));
	*result = json_pack("{s:o, s:s}", "hooks", list, "hooksPath", dir);
out:
	hooks_free(h);
	free(dir);
	return rc;
}

int art_hooks_uninstall(const art_repo *r, json_t **result, art_err *e)
{
	struct hook h[NHOOKS];
	char *dir = NULL;
	size_t i;
	int rc, relative, pending = 0;
	json_t *list;

	*result = NULL;
	if ((rc = prepare(r, "uninstall", h, &dir, &relative, e)) != 0)
		goto out;
	for (i = 0; i < NHOOKS; i++) {
		if (h[i].state == HOOK_FOREIGN && h[i].has_chained) {
			rc = art_errf(e, ART_EXIT_STATE,
				      "%s is not art's hook, and %s waits to be put back in its place; move one of them away",
				      h[i].path, h[i].chained);
			goto out;
		}
		pending |= h[i].state != HOOK_FOREIGN &&
			(h[i].state != HOOK_ABSENT || h[i].has_chained);
	}
	if (pending && access(dir, W_OK) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL,
				 "hooks directory %s is not writable", dir);
		goto out;
	}
	list = json_array();
	for (i = 0; i < NHOOKS; i++) {
		int art = h[i].state == HOOK_ART_SAME || h[i].state == HOOK_ART_OTHER;
		int restore = h[i].has_chained && h[i].state != HOOK_FOREIGN;

		/* a rename over art's hook: never a moment without a hook */
		if (restore && rename(h[i].chained, h[i].path) < 0)
			rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot rename %s to %s",
					 h[i].chained, h[i].path);
		else if (!restore && art && unlink(h[i].path) < 0)
			rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot remove %s",
					 h[i].path);
		if (rc) {
			json_decref(list);
			goto out;
		}
		json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:b}",
						      "name", h[i].name,
						      "path", h[i].path,
						      "removed", art,
						      "restored", restore));
	}
	if (pending)
		sync_dir(dir);
	*result = json_pack("{s:o, s:s}", "hooks", list, "hooksPath", dir);
out:
	hooks_free(h);
	free(dir);
	return rc;
}
