/* quarantine.c - a cage's new objects into the store; see quarantine.h. */
#define _GNU_SOURCE
#include "quarantine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

static int all_hex(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

/* A pack file git writes: pack-<hex>.<ext>, with *idx set for .idx. */
static int pack_name(const char *s, int *idx)
{
	static const char *const exts[] = { ".pack", ".idx", ".rev", ".bitmap",
					    ".mtimes", ".promisor" };
	const char *dot = strrchr(s, '.');
	size_t i, n;

	if (strncmp(s, "pack-", 5) || !dot)
		return 0;
	n = (size_t)(dot - s - 5);
	if ((n != 40 && n != 64) || strspn(s + 5, "0123456789abcdef") != n)
		return 0;
	for (i = 0; i < sizeof exts / sizeof *exts; i++)
		if (!strcmp(dot, exts[i])) {
			*idx = i == 1;
			return 1;
		}
	return 0;
}

/* A copy of file name of from in to, made whole before it is named. */
static int copy_file(int from, int to, const char *name)
{
	char tmp[64], buf[65536];
	int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out = -1, rc = -1;
	ssize_t r;

	snprintf(tmp, sizeof tmp, ".art-tmp-%ld", (long)getpid());
	if (in < 0 || (out = openat(to, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444)) < 0)
		goto out;
	while ((r = read(in, buf, sizeof buf)) > 0)
		if (art_write_all(out, buf, (size_t)r) < 0)
			goto out;
	/* never over an object that is there: link, not rename */
	if (r == 0 && fsync(out) == 0 && linkat(to, tmp, to, name, 0) == 0)
		rc = 0;
	else if (errno == EEXIST)
		rc = 0;
out:
	if (out >= 0) {
		close(out);
		unlinkat(to, tmp, 0);
	}
	if (in >= 0)
		close(in);
	return rc;
}

/* One file: into the store unless it has it already, then gone here. */
static int move_file(int from, int to, const char *name, long *moved)
{
	struct stat st;

	if (fstatat(to, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (linkat(from, name, to, name, 0) < 0 &&
		    (errno == EEXIST ? 0 : copy_file(from, to, name)) < 0)
			return -1;
		(*moved)++;
	}
	return unlinkat(from, name, 0);
}

/* Files of directory sub of from, matching ok(), into sub of to; others
 * removed.  With packs, each .idx after the others, so that no reader
 * finds an index without its pack. */
static int move_dir(int from, int to, const char *sub, int packs, long *moved)
{
	int qfd = openat(from, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int sfd = -1, rc = 0, pass, idx;
	DIR *d;
	struct dirent *de;

	if (qfd < 0)
		return -1;
	if ((mkdirat(to, sub, 0755) < 0 && errno != EEXIST) ||
	    (sfd = openat(to, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		close(qfd);
		return -1;
	}
	for (pass = 0; pass < 2 && !rc; pass++) {
		if (!(d = fdopendir(dup(qfd)))) {
			rc = -1;
			break;
		}
		while ((de = readdir(d)) != NULL && !rc) {
			struct stat st;
			int ok;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			idx = 0;
			ok = (packs ? pack_name(de->d_name, &idx) : all_hex(de->d_name, 38)) &&
			     fstatat(qfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			     S_ISREG(st.st_mode);
			if (ok && idx != pass)
				continue;
			if (ok)
				rc = move_file(qfd, sfd, de->d_name, moved);
			else if (unlinkat(qfd, de->d_name, 0) < 0 && errno != ENOENT)
				unlinkat(qfd, de->d_name, AT_REMOVEDIR);
		}
		closedir(d);
	}
	close(qfd);
	close(sfd);
	return rc;
}

int art_quarantine_release(const char *from, const char *to, long *moved,
			   art_err *e)
{
	int qfd, sfd, rc = 0;
	DIR *d;
	struct dirent *de;

	*moved = 0;
	if ((qfd = open(from, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0
			: art_err_sys(e, ART_EXIT_LOCAL, "cannot open the quarantine %s", from);
	if ((sfd = open(to, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    !(d = fdopendir(dup(qfd)))) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot open the object store %s", to);
		goto out;
	}
	while ((de = readdir(d)) != NULL && !rc) {
		char *path;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (all_hex(de->d_name, 2) || !strcmp(de->d_name, "pack")) {
			if (move_dir(qfd, sfd, de->d_name, de->d_name[0] == 'p', moved) < 0)
				rc = art_err_sys(e, ART_EXIT_LOCAL,
						 "cannot move the objects of %s/%s into %s",
						 from, de->d_name, to);
			else
				unlinkat(qfd, de->d_name, AT_REMOVEDIR);
			continue;
		}
		/* not git's: links, FIFOs, info/, a planted anything */
		path = art_join(from, de->d_name);
		art_rm_rf(path);
		free(path);
	}
	closedir(d);
out:
	if (sfd >= 0)
		close(sfd);
	close(qfd);
	return rc;
}
