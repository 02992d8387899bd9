/* vmview.c - what the cage of a run is made of; see vmview.h. */
#define _GNU_SOURCE
#include "vmview.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "fs.h"
#include "quarantine.h"

/* Home paths the cage never shows (cli.md), beside art's own secrets. */
static const char *const home_secrets[] = {
	".ssh", ".gnupg", ".aws", ".config/gcloud", ".kube", ".docker",
	".netrc", ".git-credentials",
	/* and the other usual homes of credentials */
	".config/git/credentials", ".config/gh", ".config/hub", ".npmrc",
	".pypirc", ".cargo/credentials", ".cargo/credentials.toml", ".azure",
	".oci", ".password-store", ".local/share/keyrings",
};

/* The host's secrets: unreadable to a user, but a cage run as root is
 * uid 0, and owns them; and the ssh host keys (hide_host_keys). */
static const char *const host_secrets[] = {
	"/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-",
	"/etc/sudoers", "/etc/sudoers.d",
};

/* Variables the command keeps (cli.md), beside LC_* and --env. */
static const char *const kept_env[] = { "PATH", "USER", "LANG", "TERM", "TZ", NULL };

static void add(art_vm_list *l, char *s)
{
	art_grow(&l->v, &l->cap, l->n + 2, sizeof *l->v);
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

static void list_free(art_vm_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* path made canonical (malloc'd), or NULL when it does not exist. */
static char *canonical(const char *path)
{
	return realpath(path, NULL);
}

/* Is path inside dir (or dir itself)? */
static int within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n] ||
					  !strcmp(dir, "/"));
}

/* A directory of the repository's git data made writable, made first
 * when it does not exist yet (a branch whose refs are all packed). */
static int git_writable(art_vm_view *v, const char *common, const char *rel,
			art_err *e)
{
	char *path = art_join(common, rel), *p;

	for (p = strchr(path + strlen(common) + 1, '/'); ; p = strchr(p + 1, '/')) {
		if (p)
			*p = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST) {
			art_err_sys(e, ART_EXIT_LOCAL, "cannot create %s", path);
			free(path);
			return e->status;
		}
		if (!p)
			break;
		*p = '/';
	}
	p = canonical(path);
	free(path);
	if (!p)
		return art_err_sys(e, ART_EXIT_LOCAL, "cannot find %s/%s", common, rel);
	add(&v->gitdata, p);
	return 0;
}

/* A file the command may not change: pinned when it exists; made empty
 * first when create (an absent config.worktree would be the agent's to
 * write, and git to obey). */
static int pin(art_vm_view *v, const char *path, int create, art_err *e)
{
	int fd;

	if (create && (fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
				 0644)) >= 0)
		close(fd);
	else if (create && errno != EEXIST)
		return art_err_sys(e, ART_EXIT_LOCAL, "cannot create %s", path);
	if (access(path, F_OK) == 0)
		add(&v->pinned, canonical(path) ?: art_strdup(path));
	return 0;
}

static int listed(const art_vm_list *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

static void hide(art_vm_view *v, const char *path)
{
	char *p = canonical(path);

	/* what does not exist cannot be read, nor made: the view is
	 * read-only there; /var/run is often /run, the cage's own */
	if (p && !within(v->workdir, p) && !listed(&v->hidden, p) &&
	    strcmp(p, "/run"))
		add(&v->hidden, p);
	else
		free(p);
}

/* /etc/ssh/ssh_host_*_key: the host's private ssh keys. */
static void hide_host_keys(art_vm_view *v)
{
	DIR *d = opendir("/etc/ssh");
	struct dirent *de;

	while (d && (de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (!strncmp(de->d_name, "ssh_host_", 9) && n > 13 &&
		    !strcmp(de->d_name + n - 4, "_key")) {
			char *p = art_join("/etc/ssh", de->d_name);

			hide(v, p);
			free(p);
		}
	}
	if (d)
		closedir(d);
}

/*
 * This run's quarantine (quarantine.h): a directory of its own, locked
 * while the run lasts, so that cages of the same run side by side keep
 * theirs apart, and what a killed art-vm left (no lock on it) is moved
 * into the store now.
 */
static int quarantine_open(art_vm_view *v, art_err *e)
{
	unsigned char r[8];
	char hex[17], *old;
	DIR *d;
	struct dirent *de;
	long moved;

	if (mkdir(v->quarantines, 0755) < 0 && errno != EEXIST)
		return art_err_sys(e, ART_EXIT_LOCAL, "cannot create %s", v->quarantines);
	if ((d = opendir(v->quarantines)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			int fd;

			if (de->d_name[0] == '.')
				continue;
			old = art_join(v->quarantines, de->d_name);
			fd = open(old, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
				art_quarantine_release(old, v->common, &moved, &(art_err){ 0 });
			if (fd >= 0)
				close(fd);
			free(old);
		}
		closedir(d);
	}
	randombytes_buf(r, sizeof r);
	sodium_bin2hex(hex, sizeof hex, r, sizeof r);
	v->quarantine = art_asprintf("%s/%s", v->quarantines, hex);
	if (mkdir(v->quarantine, 0755) < 0 ||
	    (v->qlock = open(v->quarantine, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			     O_CLOEXEC)) < 0 || flock(v->qlock, LOCK_EX) < 0)
		return art_err_sys(e, ART_EXIT_LOCAL, "cannot make the quarantine %s",
				   v->quarantine);
	return 0;
}

/* Anything but a file or a directory in path (lstat'd, never followed). */
static int sweep_one(const char *path, const struct stat *st, int type,
		     struct FTW *ftw)
{
	(void)type;
	(void)ftw;
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		unlink(path);
	return 0;
}

static void sweep_gitdata(const art_vm_view *v)
{
	size_t i;

	for (i = 0; i < v->gitdata.n; i++)
		nftw(v->gitdata.v[i], sweep_one, 16, FTW_PHYS);
}

/* The run's new objects into the store, its quarantine gone. */
static int quarantine_close(art_vm_view *v, art_err *e)
{
	long moved;
	int rc = 0;

	if (v->qlock < 0)
		return 0;
	rc = art_quarantine_release(v->quarantine, v->common, &moved, e);
	close(v->qlock);
	v->qlock = -1;
	return rc;
}

static int build_paths(const art_repo *r, const art_run *run,
		       const art_vm_opts *o, art_vm_view *v, art_err *e)
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *state = getenv("XDG_STATE_HOME");
	char *common = canonical(r->commondir), *gitdir = canonical(run->wt_gitdir);
	char *main = canonical(r->main_workdir), *p;
	struct passwd pwd, *pw = NULL;
	char pwbuf[16384];
	const char *const *a;
	size_t i;
	int rc = 0;

	if (!(v->workdir = canonical(run->worktree)) || !common || !gitdir || !main) {
		rc = art_errf(e, ART_EXIT_STATE,
			      "run %s: its worktree %s is gone", run->subject,
			      run->worktree_rel);
		goto out;
	}
	/* what the cage's own /tmp and /run would cover */
	if (!strncmp(main, "/tmp/", 5) || !strncmp(main, "/run/", 5))
		add(&v->visible, art_strdup(main));
	if (!within(common, main) && (!strncmp(common, "/tmp/", 5) ||
				      !strncmp(common, "/run/", 5)))
		add(&v->visible, art_strdup(common));
	/* what a commit needs: the agent branches, their reflogs, the
	 * worktree's own git directory, where the quarantine of its new
	 * objects is (quarantine.h); never the object store, config, hooks,
	 * info, packed-refs or other refs */
	if ((rc = git_writable(v, common, "refs/heads/feat", e)) ||
	    (rc = git_writable(v, common, "logs/refs/heads/feat", e)))
		goto out;
	add(&v->gitdata, art_strdup(gitdir));
	v->common = art_strdup(common);
	v->objects = art_join(common, "objects");
	v->quarantines = art_join(gitdir, "art-objects");
	if ((rc = quarantine_open(v, e)) != 0)
		goto out;
	/* the files that would point git elsewhere, or run code, later */
	p = art_join(v->workdir, ".git");
	rc = pin(v, p, 0, e);
	free(p);
	for (i = 0; !rc && i < 3; i++) {
		static const char *const files[] = { "commondir", "gitdir", "config.worktree" };

		p = art_join(gitdir, files[i]);
		rc = pin(v, p, i == 2, e);
		free(p);
	}
	if (rc)
		goto out;
	for (a = o->allow_write; a && *a; a++) {
		/* the worktree is writable already; a path through it could
		 * be a link a command of an earlier run left there */
		char *cwd = **a == '/' ? NULL : getcwd(NULL, 0);
		char *lexical = cwd ? art_join(cwd, *a) : art_strdup(*a);
		int inside = within(lexical, v->workdir);

		free(cwd);
		free(lexical);
		if (inside) {
			rc = art_errf(e, ART_EXIT_INPUT,
				      "--allow-write %s: in the worktree, writable already", *a);
			goto out;
		}
		if (!(p = canonical(*a))) {
			rc = art_err_sys(e, ART_EXIT_INPUT, "--allow-write %s", *a);
			goto out;
		}
		if (!strcmp(p, "/")) {
			free(p);
			rc = art_errf(e, ART_EXIT_INPUT, "--allow-write /: that is no cage");
			goto out;
		}
		add(&v->writable, p);
	}
	/* hidden: the user's secrets, in $HOME and in the home the system
	 * knows for the user (HOME may name another), and art's own */
	if (getpwuid_r(geteuid(), &pwd, pwbuf, sizeof pwbuf, &pw) != 0)
		pw = NULL; /* hidden in $HOME only */
	for (i = 0; i < sizeof home_secrets / sizeof *home_secrets; i++) {
		if (home && *home == '/') {
			p = art_join(home, home_secrets[i]);
			hide(v, p);
			free(p);
		}
		if (pw && pw->pw_dir && *pw->pw_dir == '/') {
			p = art_join(pw->pw_dir, home_secrets[i]);
			hide(v, p);
			free(p);
		}
	}
	/* art's own: the signing key and the client state, where the XDG
	 * variables put them and where they would be without them */
	for (i = 0; i < 4; i++) {
		static const char *const rel[] = { ".config/art", ".local/state/art" };
		const char *base = i == 0 ? xdg : i == 1 ? state : home;

		p = i < 2 ? (base && *base == '/' ? art_join(base, "art") : NULL)
			  : (home && *home == '/' ? art_join(home, rel[i - 2]) : NULL);
		if (p)
			hide(v, p);
		free(p);
	}
	/* /run is the cage's own (cagefs.c); /var/run, when not a link to it */
	hide(v, "/var/run");
	for (i = 0; i < sizeof host_secrets / sizeof *host_secrets; i++)
		hide(v, host_secrets[i]);
	hide_host_keys(v);
	for (a = o->hide; a && *a; a++) {
		if (!(p = canonical(*a)))
			continue; /* nothing there to hide */
		if (within(v->workdir, p)) {
			rc = art_errf(e, ART_EXIT_INPUT,
				      "--hide %s: the worktree is in it", *a);
			free(p);
			goto out;
		}
		add(&v->hidden, p);
	}
out:
	free(common);
	free(gitdir);
	free(main);
	return rc;
}

static int named(const char *var, const char *const *names)
{
	size_t n = strcspn(var, "=");

	for (; names && *names; names++)
		if (strlen(*names) == n && !strncmp(*names, var, n))
			return 1;
	return 0;
}

/*
 * The allowlist, --env and HOME.  A fresh HOME would hide the user's git
 * configuration, and with it their name for commits: GIT_CONFIG_GLOBAL
 * names it, a file the cage shows anyway (read-only), unless --env
 * passes a GIT_CONFIG_GLOBAL of the user's own.
 */
static void build_env(const art_vm_opts *o, art_vm_view *v)
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	char **ev, *global = NULL;

	int keep = o->keep_home || named("HOME", o->env);

	static const char *const ours[] = { "HOME", "GIT_OBJECT_DIRECTORY",
					    "GIT_ALTERNATE_OBJECT_DIRECTORIES", NULL };

	for (ev = environ; *ev; ev++)
		if ((named(*ev, kept_env) || !strncmp(*ev, "LC_", 3) ||
		     named(*ev, o->env)) && !named(*ev, ours))
			add(&v->env, art_strdup(*ev));
	/* --env HOME is --keep-home */
	add(&v->env, art_asprintf("HOME=%s", keep && home ? home : "/tmp"));
	/* new objects to the quarantine, the store read beside it */
	add(&v->env, art_asprintf("GIT_OBJECT_DIRECTORY=%s", v->quarantine));
	add(&v->env, art_asprintf("GIT_ALTERNATE_OBJECT_DIRECTORIES=%s", v->objects));
	if (keep || named("GIT_CONFIG_GLOBAL", o->env) || !home || *home != '/')
		return;
	global = art_join(home, ".gitconfig");
	if (access(global, R_OK) < 0) {
		free(global);
		global = xdg && *xdg == '/' ? art_join(xdg, "git/config")
					    : art_join(home, ".config/git/config");
	}
	if (access(global, R_OK) == 0)
		add(&v->env, art_asprintf("GIT_CONFIG_GLOBAL=%s", global));
	free(global);
}

void art_vm_view_free(art_vm_view *v)
{
	free(v->workdir);
	free(v->common);
	free(v->objects);
	free(v->quarantines);
	free(v->quarantine);
	if (v->qlock >= 0)
		close(v->qlock);
	list_free(&v->gitdata);
	list_free(&v->visible);
	list_free(&v->writable);
	list_free(&v->pinned);
	list_free(&v->hidden);
	list_free(&v->env);
}

int art_vm_view_build(art_vm_view *v, const art_repo *r, const art_run *run,
		      const art_vm_opts *o, art_err *e)
{
	int rc;

	memset(v, 0, sizeof *v);
	v->qlock = -1;
	if ((rc = build_paths(r, run, o, v, e)) != 0)
		return rc;
	build_env(o, v);
	return 0;
}

int art_vm_view_release(art_vm_view *v, art_err *e)
{
	int rc = quarantine_close(v, e);

	sweep_gitdata(v);
	return rc;
}
