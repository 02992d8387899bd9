/* fs.c - atomic writes and bounded reads; see fs.h. */
#define _GNU_SOURCE
#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void *art_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fputs("art: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *art_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("art: out of memory\n", stderr);
		abort();
	}
	return p;
}

/* Grow *v (of *cap elements of size) to hold at least need elements. */
void art_grow(void *v, size_t *cap, size_t need, size_t size)
{
	void **pv = v;
	size_t c = *cap ? *cap : 8;

	if (need <= *cap)
		return;
	while (c < need)
		c *= 2;
	*pv = art_xrealloc(*pv, c * size);
	*cap = c;
}

char *art_strdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(art_xmalloc(n), s, n);
}

char *art_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fputs("art: out of memory\n", stderr);
		abort();
	}
	return s;
}

char *art_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	if (la && a[la - 1] == '/')
		return art_asprintf("%s%s", a, b);
	return art_asprintf("%s/%s", a, b);
}

int art_rel_path_ok(const char *rel)
{
	const char *p = rel, *seg;

	if (!rel || !*rel || *rel == '/')
		return 0;
	while (*p) {
		size_t n;

		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
		if (*p == '/') {
			p++;
			if (!*p)
				return 0; /* trailing slash */
		}
	}
	return 1;
}

static int read_fd(int fd, const char *display, size_t max, char **buf,
		   size_t *len, art_err *e)
{
	struct stat st;
	size_t cap, n = 0;
	char *b;

	if (fstat(fd, &st) < 0)
		return art_err_sys(e, ART_EXIT_LOCAL, "%s", display);
	if (!S_ISREG(st.st_mode))
		return art_errf(e, ART_EXIT_INPUT, "%s: not a regular file",
				display);
	if ((size_t)st.st_size > max)
		return art_errf(e, ART_EXIT_INPUT,
				"%s: larger than the %zu-byte limit", display,
				max);
	/* at least a page: a file of /proc reports size 0, and a sysctl
	 * gives nothing to a second read, so its first must take it all */
	cap = (size_t)st.st_size + 1 < 4096 ? 4096 : (size_t)st.st_size + 1;
	b = art_xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			if (cap > max + 1) {
				free(b);
				return art_errf(e, ART_EXIT_INPUT,
						"%s: larger than the %zu-byte limit",
						display, max);
			}
			cap *= 2;
			b = realloc(b, cap);
			if (!b)
				abort();
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(b);
			return art_err_sys(e, ART_EXIT_LOCAL, "%s", display);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(b);
		return art_errf(e, ART_EXIT_INPUT,
				"%s: larger than the %zu-byte limit", display, max);
	}
	b[n] = '\0';
	*buf = b;
	if (len)
		*len = n;
	return 0;
}

int art_read_path(const char *path, size_t max, char **buf, size_t *len,
		  art_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return art_err_sys(e, errno == ENOENT ? ART_EXIT_INPUT
						      : ART_EXIT_LOCAL,
				   "%s", path);
	rc = read_fd(fd, path, max, buf, len, e);
	close(fd);
	return rc;
}

int art_read_beneath(const char *root, const char *rel, size_t max,
		     char **buf, size_t *len, art_err *e)
{
	char *copy, *seg, *next;
	int dfd, fd, rc;

	if (!art_rel_path_ok(rel))
		return art_errf(e, ART_EXIT_INPUT,
				"%s: not a relative path inside the repository",
				rel);
	dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return art_err_sys(e, errno == ENOENT ? ART_EXIT_INPUT
						      : ART_EXIT_LOCAL, "%s", root);
	copy = art_strdup(rel);
	seg = copy;
	/* Walk one component at a time so that no symlink is ever followed. */
	while ((next = strchr(seg, '/')) != NULL) {
		*next = '\0';
		fd = openat(dfd, seg,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			int saved = errno;

			close(dfd);
			free(copy);
			errno = saved;
			/* missing, or a symlink on the way: bad input */
			return art_err_sys(e, saved == ENOENT || saved == ELOOP ||
					   saved == ENOTDIR ? ART_EXIT_INPUT
							    : ART_EXIT_LOCAL,
					   "%s", rel);
		}
		close(dfd);
		dfd = fd;
		seg = next + 1;
	}
	fd = openat(dfd, seg, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	close(dfd);
	free(copy);
	if (fd < 0) {
		int saved = errno;

		if (saved == ELOOP)
			return art_errf(e, ART_EXIT_INPUT,
					"%s: is a symbolic link; art reads only regular files here",
					rel);
		errno = saved;
		return art_err_sys(e, saved == ENOENT || saved == ENOTDIR
				   ? ART_EXIT_INPUT : ART_EXIT_LOCAL, "%s", rel);
	}
	rc = read_fd(fd, rel, max, buf, len, e);
	close(fd);
	return rc;
}

int art_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int art_write_atomic(const char *path, const void *data, size_t len,
		     mode_t mode, int excl, art_err *e)
{
	char *tmp = art_asprintf("%s.tmp.XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	int rc;

	if (fd < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot create %s", tmp);
		free(tmp);
		return rc;
	}
	mode_t mask = umask(0);

	umask(mask); /* the user's umask applies, as to any created file */
	if (fchmod(fd, mode & ~mask) < 0 || art_write_all(fd, data, len) < 0 ||
	    fsync(fd) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot write %s", path);
		close(fd);
		goto fail;
	}
	if (close(fd) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot write %s", path);
		goto fail;
	}
	if (excl) {
		/* link() fails when path exists: no window for a race. */
		if (link(tmp, path) < 0) {
			rc = errno == EEXIST
				? art_errf(e, ART_EXIT_STATE,
					   "%s: already exists; not overwriting it",
					   path)
				: art_err_sys(e, ART_EXIT_LOCAL,
					      "cannot create %s", path);
			goto fail;
		}
		unlink(tmp);
	} else if (rename(tmp, path) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot rename onto %s",
				 path);
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	unlink(tmp);
	free(tmp);
	return rc;
}

/* Open dir (relative, "" for root itself) below root, one component at
 * a time and never through a symlink.  -1 with errno. */
static int open_dir_beneath(const char *root, const char *dir)
{
	char *copy, *seg, *next;
	int dfd, fd;

	dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || !*dir)
		return dfd;
	copy = art_strdup(dir);
	for (seg = copy; seg; seg = next) {
		if ((next = strchr(seg, '/')) != NULL)
			*next++ = '\0';
		fd = openat(dfd, seg,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dfd);
		if ((dfd = fd) < 0)
			break;
	}
	free(copy);
	return dfd;
}

int art_write_beneath(const char *root, const char *dir, const char *name,
		      const void *data, size_t len, mode_t mode, art_err *e)
{
	char tmp[64], *shown = art_asprintf("%s%s%s", dir, *dir ? "/" : "", name);
	int dfd, fd = -1, rc = 0, tries;
	mode_t mask;

	if ((*dir && !art_rel_path_ok(dir)) || strchr(name, '/')) {
		rc = art_errf(e, ART_EXIT_INPUT, "%s: not a path art writes", shown);
		goto out_name;
	}
	if ((dfd = open_dir_beneath(root, dir)) < 0) {
		rc = art_err_sys(e, errno == ELOOP || errno == ENOTDIR
				 ? ART_EXIT_INPUT : ART_EXIT_LOCAL,
				 "%s/%s: not a directory art may write in",
				 root, *dir ? dir : ".");
		goto out_name;
	}
	for (tries = 0; fd < 0 && tries < 100; tries++) {
		unsigned r = (unsigned)random() ^ (unsigned)getpid() ^ (unsigned)tries;

		snprintf(tmp, sizeof tmp, ".%.32s.tmp.%08x", name, r);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
					       O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot create a file beside %s",
				 shown);
		goto out_dir;
	}
	mask = umask(0);
	umask(mask); /* the user's umask applies, as to any created file */
	if (fchmod(fd, mode & ~mask) < 0 || art_write_all(fd, data, len) < 0 ||
	    fsync(fd) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot write %s", shown);
		close(fd);
		unlinkat(dfd, tmp, 0);
		goto out_dir;
	}
	if (close(fd) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot write %s", shown);
		unlinkat(dfd, tmp, 0);
		goto out_dir;
	}
	/* rename replaces a link at name, never what it points to */
	if (renameat(dfd, tmp, dfd, name) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot rename onto %s", shown);
		unlinkat(dfd, tmp, 0);
		goto out_dir;
	}
	/* the rename itself must reach the disk (as storefile.c's) */
	if (fsync(dfd) < 0 && errno != EINVAL)
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot sync %s", shown);
out_dir:
	close(dfd);
out_name:
	free(shown);
	return rc;
}

/* Recursive, but depth levels down already and no deeper than
 * ART_TREE_DEPTH_MAX.  NOLINTNEXTLINE(misc-no-recursion) */
static int rm_at(int at, const char *name, int depth)
{
	struct stat st;
	int fd, err = 0;
	DIR *d;
	struct dirent *de;

	/* cppcheck-suppress invalidFunctionArg ; AT_FDCWD (< 0) is valid */
	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(at, name, 0);
	if (depth >= ART_TREE_DEPTH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (rm_at(dirfd(d), de->d_name, depth + 1) < 0 && !err)
			err = errno;
	}
	closedir(d);
	if (!err && unlinkat(at, name, AT_REMOVEDIR) < 0)
		err = errno;
	if (!err)
		return 0;
	errno = err; /* the first failure's, not ENOTEMPTY above it */
	return -1;
}

int art_rm_rf(const char *path)
{
	return rm_at(AT_FDCWD, path, 0);
}

int art_user_dir(const char *var, const char *fallback, const char *what,
		 char **out, art_err *e)
{
	const char *xdg = getenv(var), *home = getenv("HOME");

	if (xdg && *xdg == '/')
		*out = art_join(xdg, "art");
	else if (home && *home == '/')
		*out = art_asprintf("%s/%s/art", home, fallback);
	else
		return art_errf(e, ART_EXIT_INPUT, "no place for %s: set HOME or %s",
				what, var);
	return 0;
}

int art_mkdir_private(const char *dir, art_err *e)
{
	char *d = art_strdup(dir), *p;
	int rc = 0;

	for (p = d + 1; !rc && (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(d, 0700) < 0 && errno != EEXIST)
			rc = art_err_sys(e, ART_EXIT_LOCAL, "%s", d);
		*p = '/';
	}
	if (!rc && mkdir(d, 0700) < 0 && errno != EEXIST)
		rc = art_err_sys(e, ART_EXIT_LOCAL, "%s", d);
	free(d);
	return rc;
}
