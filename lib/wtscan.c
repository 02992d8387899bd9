/*
 * wtscan.c - working tree against index; see wtscan.h.
 *
 * The index is grouped by directory.  Worker threads take directories one
 * at a time: open it (never through a symlink), read its entries, fstatat
 * each tracked file by name, and note the names the index does not know.
 * Those (few) untracked names are then checked against the ignore rules
 * in the calling thread (libgit2 answers through the repository, which
 * one thread at a time may use), and untracked directories are listed.
 */
#define _GNU_SOURCE
#include "wtscan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "filters.h"
#include "fs.h"
#include "secrets.h"
#include "strmap.h"

#define MAX_WORKERS 8

/* A tracked file of a directory: the index must not change meanwhile. */
struct tracked {
	const char *name;           /* last component, inside the index path */
	const git_index_entry *ie;
};

struct dnode {
	char *path;                 /* "" for the top, else "a/b" */
	struct tracked *files;      /* sorted by name, as in the index */
	size_t nfiles, capfiles;
	const char **subdirs;       /* names of tracked subdirectories */
	size_t nsub, capsub;
	/* results, written by the one worker that takes this node */
	art_wt_changes out;
	char **cands;               /* names the index does not know */
	size_t ncands, capcands;
	int err;                    /* errno of a failure that is fatal */
};

struct scan {
	int rootfd;
	struct dnode *nodes;
	size_t nnodes, capnodes;
	art_strmap dirs;            /* path -> node index */
	int filemode, trustctime;
	struct timespec index_mtime; /* racy-git: entries as new are hashed */
	atomic_size_t next;
};

void art_wt_changes_free(art_wt_changes *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].data);
	}
	free(c->v);
	memset(c, 0, sizeof *c);
}

art_wt_change *art_wt_push(art_wt_changes *c, char *path)
{
	art_wt_change *ch;

	art_grow(&c->v, &c->cap, c->n + 1, sizeof *c->v);
	ch = &c->v[c->n++];
	memset(ch, 0, sizeof *ch);
	ch->path = path;
	return ch;
}

static char *child_path(const char *dir, const char *name)
{
	return *dir ? art_asprintf("%s/%s", dir, name) : art_strdup(name);
}

/*
 * Open directory rel below root without following any symlink: one
 * openat2(RESOLVE_NO_SYMLINKS) where the kernel has it (5.6), else one
 * O_NOFOLLOW open per component.
 */
static int open_beneath(int rootfd, const char *rel)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	static atomic_int no_openat2;
	char *copy, *seg, *save = NULL;
	int fd, next;

	if (!atomic_load(&no_openat2)) {
		fd = (int)syscall(SYS_openat2, rootfd, *rel ? rel : ".", &how,
				  sizeof how);
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
			return fd; /* EPERM: a seccomp filter said no */
		atomic_store(&no_openat2, 1);
	}
	fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!*rel || fd < 0)
		return fd;
	copy = art_strdup(rel);
	for (seg = strtok_r(copy, "/", &save); seg && fd >= 0;
	     seg = strtok_r(NULL, "/", &save)) {
		next = openat(fd, seg,
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	free(copy);
	return fd;
}

/* --- grouping the index by directory ---------------------------------- */

/* The node of the directory dir[0..len), if made already. */
static size_t *node_get(struct scan *s, const char *dir, size_t len)
{
	char *key = art_xmalloc(len + 1);
	size_t *have;

	memcpy(key, dir, len);
	key[len] = '\0';
	have = art_strmap_get(&s->dirs, key);
	free(key);
	return have;
}

static size_t node_new(struct scan *s, const char *dir, size_t len)
{
	char *key = art_xmalloc(len + 1);
	size_t id;

	memcpy(key, dir, len);
	key[len] = '\0';
	art_grow(&s->nodes, &s->capnodes, s->nnodes + 1, sizeof *s->nodes);
	id = s->nnodes++;
	memset(&s->nodes[id], 0, sizeof s->nodes[id]);
	s->nodes[id].path = key;
	art_strmap_put(&s->dirs, key, id);
	return id;
}

/*
 * The node of the directory dir[0..len), made if need be, and then each
 * made one registered in its parent, made if need be.  A loop, not a
 * recursion: an index path may be as deep as it likes.
 */
static size_t node_for(struct scan *s, const char *dir, size_t len)
{
	size_t first = 0, child = 0, skip = 0, id, *have;
	int made_child = 0;

	for (;;) {
		const char *slash;

		have = node_get(s, dir, len);
		id = have ? *have : node_new(s, dir, len);
		if (made_child) {
			struct dnode *p = &s->nodes[id];

			art_grow(&p->subdirs, &p->capsub, p->nsub + 1,
				 sizeof *p->subdirs);
			p->subdirs[p->nsub++] = s->nodes[child].path + skip;
		} else {
			first = id;
		}
		if (have || !len)
			return first;
		slash = memrchr(dir, '/', len);
		child = id;
		len = slash ? (size_t)(slash - dir) : 0;
		skip = slash ? len + 1 : 0;
		made_child = 1;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void group(struct scan *s, git_index *index)
{
	size_t i, n = git_index_entrycount(index), last = (size_t)-1;
	const char *last_dir = NULL;
	size_t last_len = 0;

	node_for(s, "", 0);
	for (i = 0; i < n; i++) {
		const git_index_entry *ie = git_index_get_byindex(index, i);
		const char *slash = strrchr(ie->path, '/');
		size_t dlen = slash ? (size_t)(slash - ie->path) : 0;
		struct dnode *d;

		/* consecutive entries mostly share their directory */
		if (last == (size_t)-1 || dlen != last_len ||
		    memcmp(last_dir, ie->path, dlen)) {
			last = node_for(s, ie->path, dlen);
			last_dir = ie->path;
			last_len = dlen;
		}
		d = &s->nodes[last];
		art_grow(&d->files, &d->capfiles, d->nfiles + 1, sizeof *d->files);
		d->files[d->nfiles].name = slash ? slash + 1 : ie->path;
		d->files[d->nfiles].ie = ie;
		d->nfiles++;
	}
	for (i = 0; i < s->nnodes; i++)
		if (s->nodes[i].nsub > 1)
			qsort(s->nodes[i].subdirs, s->nodes[i].nsub,
			      sizeof *s->nodes[i].subdirs, cmp_str);
}

static int has_file(const struct dnode *d, const char *name)
{
	size_t lo = 0, hi = d->nfiles;

	while (lo < hi) { /* files are in index order: by name */
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, d->files[mid].name);

		if (!c)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

static int has_subdir(const struct dnode *d, const char *name)
{
	return d->nsub &&
	       bsearch(&name, d->subdirs, d->nsub, sizeof *d->subdirs, cmp_str);
}

/* --- reading what changed ---------------------------------------------- */

/* Read up to *len bytes (the size fstat gave); *len gets what was read. */
static int read_full(int fd, char *buf, size_t *len)
{
	size_t got = 0;
	ssize_t n;

	while (got < *len) {
		n = read(fd, buf + got, *len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break; /* shrank since the fstat */
		got += (size_t)n;
	}
	*len = got;
	return 0;
}

/*
 * Hash the file or link name in dirfd as git would (into id, unless it is
 * NULL), and keep what a
 * secret scan needs: a link's target, or a text file's content when it
 * holds a keyword.  -1 with errno on failure.
 */
static int read_content(int dirfd, const char *name, const struct stat *st,
			git_oid *id, art_wt_change *ch)
{
	if (S_ISLNK(st->st_mode)) {
		size_t cap = (size_t)st->st_size + 2;
		char *t = art_xmalloc(cap);
		ssize_t n = readlinkat(dirfd, name, t, cap);

		if (n < 0 || (size_t)n >= cap) { /* changed under us */
			free(t);
			if (n >= 0)
				errno = EAGAIN;
			return -1;
		}
		t[n] = '\0';
		if (id)
			git_odb_hash(id, t, (size_t)n, GIT_OBJECT_BLOB);
		ch->data = t;
		ch->len = (size_t)n;
		return 0;
	}
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat fst;
	char *buf = NULL;
	size_t len;
	int saved;

	if (fd < 0)
		return -1;
	if (fstat(fd, &fst) < 0)
		goto fail;
	if (!S_ISREG(fst.st_mode)) { /* swapped since the stat */
		errno = EINVAL;
		goto fail;
	}
	len = (size_t)fst.st_size;
	if (len > ART_SCAN_MAX) {
		/* only hashed, by libgit2 reading the descriptor we hold
		 * (not mapped: a file truncated meanwhile would be SIGBUS) */
		char self[64];

		snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
		if (id && git_odb_hashfile(id, self, GIT_OBJECT_BLOB) < 0) {
			errno = EIO;
			goto fail;
		}
		ch->skip = ART_WT_TOO_LARGE;
		close(fd);
		return 0;
	}
	buf = art_xmalloc(len + 1);
	if (read_full(fd, buf, &len) < 0)
		goto fail;
	close(fd);
	buf[len] = '\0';
	if (id)
		git_odb_hash(id, buf, len, GIT_OBJECT_BLOB);
	if (art_is_binary(buf, len))
		ch->skip = ART_WT_BINARY;
	else if (len && art_secrets_maybe(buf, len)) {
		ch->data = buf;
		ch->len = len;
		return 0;
	}
	free(buf);
	return 0;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}

static unsigned mode_of(const struct scan *s, const struct stat *st,
			unsigned index_mode)
{
	if (S_ISLNK(st->st_mode))
		return GIT_FILEMODE_LINK;
	if (!S_ISREG(st->st_mode))
		return 0;
	if (!s->filemode && (index_mode == GIT_FILEMODE_BLOB ||
			     index_mode == GIT_FILEMODE_BLOB_EXECUTABLE))
		return index_mode;
	return st->st_mode & S_IXUSR ? GIT_FILEMODE_BLOB_EXECUTABLE
				     : GIT_FILEMODE_BLOB;
}

static int ts_le(struct timespec a, int32_t sec, uint32_t nsec)
{
	return a.tv_sec < sec || (a.tv_sec == sec && (uint32_t)a.tv_nsec <= nsec);
}

/* git's ie_match_stat: does the stat data say "unchanged"? */
static int stat_clean(const struct scan *s, const git_index_entry *ie,
		      const struct stat *st)
{
	if ((uint32_t)st->st_size != ie->file_size ||
	    st->st_mtim.tv_sec != ie->mtime.seconds ||
	    (uint32_t)st->st_mtim.tv_nsec != ie->mtime.nanoseconds ||
	    (s->trustctime &&
	     (st->st_ctim.tv_sec != ie->ctime.seconds ||
	      (uint32_t)st->st_ctim.tv_nsec != ie->ctime.nanoseconds)) ||
	    (uint32_t)st->st_ino != ie->ino || st->st_uid != ie->uid ||
	    st->st_gid != ie->gid)
		return 0;
	/* racily clean: written in the same tick as the index, it may have
	 * changed after the index recorded it */
	return !ts_le(s->index_mtime, ie->mtime.seconds, ie->mtime.nanoseconds);
}

static void add_cand(struct dnode *d, const char *name)
{
	art_grow(&d->cands, &d->capcands, d->ncands + 1, sizeof *d->cands);
	d->cands[d->ncands++] = art_strdup(name);
}

static void check_tracked(struct scan *s, struct dnode *d, int dirfd,
			  const struct tracked *t)
{
	const git_index_entry *ie = t->ie;
	struct stat st;
	art_wt_change tmp = { 0 }, *ch;
	git_oid id;
	unsigned mode;
	int gitlink = ie->mode == GIT_FILEMODE_COMMIT;

	memset(&id, 0, sizeof id);
	if (dirfd < 0 || fstatat(dirfd, t->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (dirfd >= 0 && errno != ENOENT && errno != ENOTDIR) {
			d->err = errno;
			return;
		}
		mode = 0;
	} else {
		if (S_ISDIR(st.st_mode) && gitlink)
			return; /* a submodule's own changes are its repository's */
		mode = mode_of(s, &st, ie->mode);
		if (S_ISDIR(st.st_mode)) /* a file became a directory */
			add_cand(d, t->name);
	}
	/* sparse checkout: absent by design, and git ignores edits to it;
	 * only a directory in its place (just noted) is new */
	if (ie->flags_extended & GIT_INDEX_ENTRY_SKIP_WORKTREE)
		return;
	if (mode && mode == ie->mode && git_index_entry_stage(ie) == 0 &&
	    stat_clean(s, ie, &st))
		return;
	if (mode) {
		/* hashed only when the size cannot tell: SHA-1 of thousands
		 * of files is not free */
		int same_size = (uint32_t)st.st_size == ie->file_size;

		if (read_content(dirfd, t->name, &st, same_size ? &id : NULL,
				 &tmp) < 0) {
			if (errno == ENOENT)
				mode = 0; /* removed since the stat */
			else
				tmp.skip = ART_WT_UNREADABLE;
		} else if (mode == ie->mode && git_oid_equal(&id, &ie->id) &&
			   git_index_entry_stage(ie) == 0) {
			free(tmp.data);
			return; /* touched, not changed */
		}
	}
	ch = art_wt_push(&d->out, child_path(d->path, t->name));
	ch->old_mode = ie->mode;
	git_oid_cpy(&ch->old_id, &ie->id);
	ch->new_mode = mode;
	if (mode && tmp.skip != ART_WT_UNREADABLE)
		git_oid_cpy(&ch->new_id, &id);
	ch->data = tmp.data;
	ch->len = tmp.len;
	ch->skip = tmp.skip;
}

static int not_a_dir(int dirfd, const char *name, unsigned char type)
{
	struct stat st;

	if (type != DT_UNKNOWN)
		return type != DT_DIR;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       !S_ISDIR(st.st_mode);
}

static void scan_dir(struct scan *s, struct dnode *d)
{
	int fd = open_beneath(s->rootfd, d->path);
	size_t i;

	if (fd < 0 && errno != ENOENT && errno != ENOTDIR && errno != ELOOP) {
		d->err = errno; /* EACCES, EMFILE, …: cannot say "deleted" */
		return;
	}
	if (fd >= 0) {
		int dfd = dup(fd);
		DIR *dir = dfd >= 0 ? fdopendir(dfd) : NULL;
		struct dirent *de;

		if (!dir) {
			d->err = errno;
			if (dfd >= 0)
				close(dfd);
			close(fd);
			return;
		}
		for (errno = 0; (de = readdir(dir)); errno = 0) {
			const char *n = de->d_name;

			/* git never looks inside a .git, at any depth */
			if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, ".git") ||
			    (!*d->path && !strcmp(n, ".agent")))
				continue;
			if (has_file(d, n))
				continue;
			/* a tracked directory that is no longer one (a link,
			 * a file): its files are deleted, it is new */
			if (has_subdir(d, n) && !not_a_dir(fd, n, de->d_type))
				continue;
			add_cand(d, n);
		}
		if (errno) /* a name missed would be a change missed */
			d->err = errno;
		closedir(dir);
	}
	for (i = 0; i < d->nfiles && !d->err; i++)
		check_tracked(s, d, fd, &d->files[i]);
	if (fd >= 0)
		close(fd);
}

static void *worker(void *arg)
{
	struct scan *s = arg;
	size_t i;

	while ((i = atomic_fetch_add(&s->next, 1)) < s->nnodes)
		scan_dir(s, &s->nodes[i]);
	return NULL;
}

/* --- untracked files ----------------------------------------------------- */

static int is_ignored(git_repository *repo, const char *path, int dir,
		      art_err *e)
{
	char *p = dir ? art_asprintf("%s/", path) : (char *)path;
	int ign = 0, rc = git_ignore_path_is_ignored(&ign, repo, p);

	if (dir)
		free(p);
	if (rc < 0)
		return art_err_git(e, ART_EXIT_LOCAL, "ignore rules for %s", path), -1;
	return ign;
}

/*
 * An untracked entry name of the directory dfd (rel from the top): a file
 * or link is a change; a directory is a change when it holds a
 * repository, else its entries are looked at in turn.  Recursive, but
 * depth directories down already and no deeper than ART_TREE_DEPTH_MAX:
 * NOLINTNEXTLINE(misc-no-recursion) */
static int untracked(git_repository *repo, int dfd, const char *name,
		     const char *rel, int depth, art_wt_changes *out,
		     art_err *e)
{
	struct stat st;
	int rc = 0, ign;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0; /* gone since it was listed */
	if ((ign = is_ignored(repo, rel, S_ISDIR(st.st_mode), e)) != 0)
		return ign < 0 ? ART_EXIT_LOCAL : 0;
	if (S_ISDIR(st.st_mode)) {
		int fd;
		DIR *d;
		struct dirent *de;
		struct stat gst;

		if (depth >= ART_TREE_DEPTH_MAX)
			return art_errf(e, ART_EXIT_LOCAL,
					"more than %d directories deep, art goes no further: %s",
					ART_TREE_DEPTH_MAX, rel);
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = fd >= 0 ? fdopendir(fd) : NULL;
		if (!d) {
			if (fd >= 0)
				close(fd);
			return art_err_sys(e, ART_EXIT_LOCAL, "%s", rel);
		}
		if (fstatat(dirfd(d), ".git", &gst, AT_SYMLINK_NOFOLLOW) == 0) {
			/* a repository inside the checkout: a would-be
			 * submodule, not a pile of files */
			art_wt_push(out, art_strdup(rel))->new_mode = GIT_FILEMODE_COMMIT;
			closedir(d);
			return 0;
		}
		for (errno = 0; rc == 0 && (de = readdir(d)); errno = 0) {
			char *child;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			child = art_asprintf("%s/%s", rel, de->d_name);
			rc = untracked(repo, dirfd(d), de->d_name, child,
				       depth + 1, out, e);
			free(child);
		}
		if (!rc && errno)
			rc = art_err_sys(e, ART_EXIT_LOCAL, "%s", rel);
		closedir(d);
		return rc;
	}
	if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
		art_wt_change tmp = { 0 }, *ch;

		if (read_content(dfd, name, &st, NULL, &tmp) < 0)
			tmp.skip = ART_WT_UNREADABLE;
		ch = art_wt_push(out, art_strdup(rel));
		ch->new_mode = S_ISLNK(st.st_mode) ? GIT_FILEMODE_LINK
			       : st.st_mode & S_IXUSR ? GIT_FILEMODE_BLOB_EXECUTABLE
						      : GIT_FILEMODE_BLOB;
		ch->data = tmp.data;
		ch->len = tmp.len;
		ch->skip = tmp.skip;
	}
	/* sockets, FIFOs, devices: git does not track them either */
	return 0;
}

/* --- putting it together ------------------------------------------------- */

static int any_gitattributes(git_index *index)
{
	size_t i, n = git_index_entrycount(index);

	for (i = 0; i < n; i++) {
		const char *p = git_index_get_byindex(index, i)->path;
		const char *base = strrchr(p, '/');

		if (!strcmp(base ? base + 1 : p, ".gitattributes"))
			return 1;
	}
	return 0;
}

static int config_bool(git_repository *repo, const char *key, int dflt)
{
	git_config *cfg = NULL;
	int v = dflt;

	if (git_repository_config_snapshot(&cfg, repo) == 0 &&
	    git_config_get_bool(&v, cfg, key) < 0)
		v = dflt;
	git_config_free(cfg);
	return v;
}

static int workers_wanted(size_t nodes)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t w = cpus > 0 ? (size_t)cpus : 1;

	if (w > MAX_WORKERS)
		w = MAX_WORKERS;
	if (w > nodes / 8 + 1) /* threads cost more than a small tree */
		w = nodes / 8 + 1;
	return (int)w;
}

struct art_wt_scan {
	struct scan s;
	git_repository *repo;
	git_index *index;
	int fallback;               /* filters may apply: libgit2's diff */
	pthread_t tids[MAX_WORKERS];
	int started;
};

int art_wt_scan_new(git_repository *repo, art_wt_scan **out, art_err *e)
{
	const char *workdir = git_repository_workdir(repo);
	art_wt_scan *w;

	*out = NULL;
	if (!workdir)
		return art_errf(e, ART_EXIT_INPUT, "a bare repository has no working tree");
	w = art_xmalloc(sizeof *w);
	memset(w, 0, sizeof *w);
	w->repo = repo;
	w->s.rootfd = -1;
	w->fallback = getenv("ART_NO_FAST_SCAN") || art_filters_may_apply(repo, 1);
	if (!w->fallback) {
		w->s.rootfd = open(workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (w->s.rootfd < 0) {
			art_err_sys(e, ART_EXIT_LOCAL, "%s", workdir);
			free(w);
			return e->status;
		}
		w->s.filemode = config_bool(repo, "core.filemode", 1);
		w->s.trustctime = config_bool(repo, "core.trustctime", 1);
	}
	*out = w;
	return 0;
}

void art_wt_scan_start(art_wt_scan *w, git_index *index)
{
	const char *ipath = git_index_path(index);
	struct stat ist;
	int nw, i;

	w->index = index;
	if (w->fallback || (w->fallback = any_gitattributes(index)))
		return;
	if (ipath && stat(ipath, &ist) == 0)
		w->s.index_mtime = ist.st_mtim;
	group(&w->s, index);
	nw = workers_wanted(w->s.nnodes);
	for (i = 0; i < nw; i++)
		if (pthread_create(&w->tids[w->started], NULL, worker, &w->s) == 0)
			w->started++;
}

/* The untracked names found in directory d, with the ignore rules. */
static int untracked_in(struct scan *s, git_repository *repo,
			struct dnode *d, art_wt_changes *out, art_err *e)
{
	int dfd = open_beneath(s->rootfd, d->path), rc = 0;
	size_t j;

	for (j = 0; j < d->ncands; j++) {
		char *rel = child_path(d->path, d->cands[j]);

		if (!rc && dfd >= 0)
			rc = untracked(repo, dfd, d->cands[j], rel, 0, out, e);
		free(rel);
		free(d->cands[j]);
	}
	if (dfd >= 0)
		close(dfd);
	return rc;
}

int art_wt_scan_finish(art_wt_scan *w, art_wt_changes *out, art_err *e)
{
	struct scan *s;
	int rc = 0, i;
	size_t k, j;

	memset(out, 0, sizeof *out);
	if (w->fallback || !w->index) {
		if (w->index)
			rc = art_wt_diff(w->repo, w->index, out, e);
		if (w->s.rootfd >= 0)
			close(w->s.rootfd);
		free(w);
		return rc;
	}
	s = &w->s;
	worker(s); /* help with what is left */
	for (i = 0; i < w->started; i++)
		pthread_join(w->tids[i], NULL);
	for (k = 0; k < s->nnodes; k++) {
		struct dnode *d = &s->nodes[k];

		if (d->err && !rc) {
			errno = d->err;
			rc = art_err_sys(e, ART_EXIT_LOCAL, "%s%s",
					 *d->path ? d->path : ".",
					 *d->path ? "/" : "");
		}
		for (j = 0; j < d->out.n; j++)
			*art_wt_push(out, d->out.v[j].path) = d->out.v[j];
		if (d->ncands) {
			int r2 = untracked_in(s, w->repo, d, out, e);

			if (!rc)
				rc = r2;
		}
		free(d->out.v);
		free(d->cands);
		free(d->files);
		free(d->subdirs);
		free(d->path);
	}
	free(s->nodes);
	art_strmap_free(&s->dirs);
	close(s->rootfd);
	free(w);
	if (rc)
		art_wt_changes_free(out);
	return rc;
}
