/* checkout.c - fast worktree creation; see checkout.h. */
#define _GNU_SOURCE
#include "checkout.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filters.h"
#include "fs.h"

#define WRITERS 4

struct entry {
	char *path;          /* relative to the worktree */
	git_oid id;
	git_filemode_t mode;
	struct stat st;      /* of the file written, for the index */
};

struct plan {
	struct entry *v;
	size_t n, cap;
	int wtfd;            /* the new worktree, all writes relative to it */
	int unsupported;     /* a gitlink or .gitattributes: use libgit2 */
	const char *commondir;
};

static int name_ok(const char *name)
{
	return *name && strcmp(name, ".") && strcmp(name, "..") &&
	       strcasecmp(name, ".git") && !strchr(name, '/');
}

static int collect(const char *root, const git_tree_entry *te, void *payload)
{
	struct plan *p = payload;
	const char *name = git_tree_entry_name(te);
	git_filemode_t mode = git_tree_entry_filemode(te);
	char *path = art_asprintf("%s%s", root, name);

	/* A crafted tree may hold names git itself would never check out
	 * ("..", ".git", "a/b"); libgit2's checkout refuses them, so leave
	 * such a tree to it. */
	if (!name_ok(name) || !strcmp(name, ".gitattributes") ||
	    mode == GIT_FILEMODE_COMMIT) {
		p->unsupported = 1;
		free(path);
		return -1; /* stop the walk */
	}
	if (mode == GIT_FILEMODE_TREE) {
		/* pre-order: parents come first */
		if (mkdirat(p->wtfd, path, 0777) < 0 && errno != EEXIST) {
			free(path);
			return -1;
		}
		free(path);
		return 0;
	}
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 1024;
		p->v = realloc(p->v, p->cap * sizeof *p->v);
		if (!p->v)
			abort();
	}
	p->v[p->n].path = path;
	git_oid_cpy(&p->v[p->n].id, git_tree_entry_id(te));
	p->v[p->n].mode = mode;
	p->n++;
	return 0;
}

static int write_entry(struct plan *p, git_odb *odb, struct entry *en)
{
	git_odb_object *obj;
	const char *data;
	size_t len;
	int fd, rc = 0;

	if (git_odb_read(&obj, odb, &en->id) < 0)
		return -1;
	data = git_odb_object_data(obj);
	len = git_odb_object_size(obj);
	if (en->mode == GIT_FILEMODE_LINK) {
		char *target = strndup(data, len);

		if (!target)
			abort();
		rc = symlinkat(target, p->wtfd, en->path) < 0 ||
		     fstatat(p->wtfd, en->path, &en->st, AT_SYMLINK_NOFOLLOW) < 0 ? -1 : 0;
		free(target);
	} else {
		fd = openat(p->wtfd, en->path,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    en->mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0777 : 0666);
		if (fd < 0 || art_write_all(fd, data, len) < 0 || fstat(fd, &en->st) < 0)
			rc = -1;
		if (fd >= 0 && close(fd) < 0)
			rc = -1;
	}
	git_odb_object_free(obj);
	return rc;
}

struct writer {
	struct plan *plan;
	size_t first, step;
	int rc;
	/* each thread's own failure, read after the join */
	int failed_errno;
	const char *failed_path;
	char git_error[256];
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	size_t i;

	/* one repository per thread: libgit2 objects are not shared */
	if (git_repository_open_bare(&repo, w->plan->commondir) < 0 ||
	    git_repository_odb(&odb, repo) < 0) {
		w->rc = -1;
		goto out;
	}
	for (i = w->first; i < w->plan->n; i += w->step) {
		errno = 0;
		git_error_clear();
		if (write_entry(w->plan, odb, &w->plan->v[i]) < 0) {
			const git_error *ge = git_error_last();

			w->rc = -1;
			w->failed_errno = errno;
			w->failed_path = w->plan->v[i].path;
			if (ge && ge->message)
				snprintf(w->git_error, sizeof w->git_error, "%s",
					 ge->message);
			break;
		}
	}
out:
	git_odb_free(odb);
	git_repository_free(repo);
	return NULL;
}

static void fill_index_entry(git_index_entry *ie, const struct entry *en)
{
	memset(ie, 0, sizeof *ie);
	ie->ctime.seconds = (int32_t)en->st.st_ctim.tv_sec;
	ie->ctime.nanoseconds = (uint32_t)en->st.st_ctim.tv_nsec;
	ie->mtime.seconds = (int32_t)en->st.st_mtim.tv_sec;
	ie->mtime.nanoseconds = (uint32_t)en->st.st_mtim.tv_nsec;
	ie->dev = (uint32_t)en->st.st_dev;
	ie->ino = (uint32_t)en->st.st_ino;
	ie->mode = en->mode;
	ie->uid = (uint32_t)en->st.st_uid;
	ie->gid = (uint32_t)en->st.st_gid;
	ie->file_size = (uint32_t)en->st.st_size;
	git_oid_cpy(&ie->id, &en->id);
	ie->path = en->path;
}

static int link_files(const art_repo *r, const char *name, const char *path,
		      git_reference *branch, art_err *e)
{
	char *gitdir = art_asprintf("%s/worktrees/%s", r->commondir, name);
	char *parent = art_join(r->commondir, "worktrees");
	char *f;
	char *body;
	int rc = 0;

	if ((mkdir(parent, 0777) < 0 && errno != EEXIST) ||
	    mkdir(gitdir, 0777) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot create %s", gitdir);
		goto out;
	}
	/* the same four small files git worktree add writes */
	struct { const char *dir, *file; char *text; } files[] = {
		{ gitdir, "commondir", art_strdup("../..\n") },
		{ gitdir, "gitdir", art_asprintf("%s/.git\n", path) },
		{ gitdir, "HEAD", art_asprintf("ref: %s\n", git_reference_name(branch)) },
		{ path, ".git", art_asprintf("gitdir: %s\n", gitdir) },
	};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		f = art_join(files[i].dir, files[i].file);
		body = files[i].text;
		if (!rc)
			rc = art_write_atomic(f, body, strlen(body), 0644, 1, e);
		free(f);
		free(body);
	}
out:
	free(gitdir);
	free(parent);
	return rc;
}

static int fast_create(const art_repo *r, const char *name, const char *path,
		       git_reference *branch, const git_commit *commit,
		       int *unsupported, art_err *e)
{
	struct plan p = { .wtfd = -1, .commondir = r->commondir };
	struct writer w[WRITERS];
	pthread_t tid[WRITERS];
	git_repository *wt = NULL;
	git_index *idx = NULL;
	git_tree *tree = NULL;
	size_t i, nthreads;
	int rc = 0;

	if (git_commit_tree(&tree, commit) < 0)
		return art_err_git(e, ART_EXIT_LOCAL, "cannot read the base tree");
	if (mkdir(path, 0777) < 0 ||
	    (p.wtfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot create %s", path);
		goto out;
	}
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, collect, &p) < 0) {
		if (p.unsupported) {
			*unsupported = 1;
			rc = -1;
		} else {
			rc = art_err_sys(e, ART_EXIT_LOCAL,
					 "cannot create the directories of %s", path);
		}
		goto out;
	}
	nthreads = p.n < 256 ? 1 : WRITERS;
	for (i = 0; i < nthreads; i++) {
		w[i] = (struct writer){ .plan = &p, .first = i, .step = nthreads };
		if (pthread_create(&tid[i], NULL, writer_main, &w[i]) != 0) {
			nthreads = i;
			rc = art_errf(e, ART_EXIT_LOCAL, "cannot start a thread");
			break;
		}
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(tid[i], NULL);
		if (!w[i].rc || rc)
			continue;
		if (w[i].git_error[0])
			rc = art_errf(e, ART_EXIT_LOCAL, "cannot write %s/%s: %s",
				      path, w[i].failed_path ? w[i].failed_path : "?",
				      w[i].git_error);
		else if (w[i].failed_path) {
			errno = w[i].failed_errno;
			rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot write %s/%s",
					 path, w[i].failed_path);
		} else
			rc = art_errf(e, ART_EXIT_LOCAL,
				      "cannot open the object database");
	}
	if (rc || (rc = link_files(r, name, path, branch, e)) != 0)
		goto out;
	if (git_repository_open(&wt, path) < 0 ||
	    git_repository_index(&idx, wt) < 0)
		goto giterr;
	git_index_clear(idx);
	for (i = 0; i < p.n; i++) {
		git_index_entry ie;

		fill_index_entry(&ie, &p.v[i]);
		if (git_index_add(idx, &ie) < 0)
			goto giterr;
	}
	if (git_index_write(idx) < 0)
		goto giterr;
	goto out;
giterr:
	rc = art_err_git(e, ART_EXIT_LOCAL, "cannot write the index of %s", path);
out:
	git_index_free(idx);
	git_repository_free(wt);
	git_tree_free(tree);
	if (p.wtfd >= 0)
		close(p.wtfd);
	for (i = 0; i < p.n; i++)
		free(p.v[i].path);
	free(p.v);
	return rc;
}

int art_worktree_create(const art_repo *r, const char *name, const char *path,
			git_reference *branch, const git_commit *commit,
			art_err *e)
{
	git_worktree_add_options wo;
	git_worktree *wt = NULL;
	int rc, unsupported = 0;

	if (!getenv("ART_NO_FAST_CHECKOUT") && !art_filters_may_apply(r->main, 0)) {
		rc = fast_create(r, name, path, branch, commit, &unsupported, e);
		if (!unsupported)
			return rc;
		art_rm_rf(path); /* start again the slow, general way */
	}
	git_worktree_add_options_init(&wo, GIT_WORKTREE_ADD_OPTIONS_VERSION);
	wo.ref = branch;
	/* The directory is new and empty: nothing there to keep safe. */
	wo.checkout_options.checkout_strategy = GIT_CHECKOUT_FORCE;
	rc = git_worktree_add(&wt, r->main, name, path, &wo);
	git_worktree_free(wt);
	if (rc < 0)
		return art_err_git(e, ART_EXIT_LOCAL, "cannot add worktree %s", path);
	return 0;
}
