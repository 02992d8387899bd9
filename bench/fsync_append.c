/*
 * bench/fsync_append.c - the physical anchor of bench/log.
 *
 * usage: fsync_append FILE <lines
 *
 * Reads lines from standard input and appends each one to FILE (created
 * when missing) with one write(2) followed by one fdatasync(2): the least
 * a program can do to make every line durable before it goes on to the
 * next.  After creating FILE it also syncs the directory holding it, once,
 * so that the file itself survives a crash.  Prints nothing; exit 0 when
 * every line was written and synced, 1 otherwise (with a message on
 * standard error), 2 on a usage error.
 *
 * Built by bench/log into its scratch directory (C11, POSIX 2008).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "fsync_append: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

/* All of buf, whatever write(2) takes at a time. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync(2) the directory holding path. */
static int sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc;

	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

int main(int argc, char **argv)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int fd;

	if (argc != 2) {
		fputs("usage: fsync_append FILE <lines\n", stderr);
		return 2;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail("cannot open", argv[1]);
	if (sync_dir(argv[1]) < 0)
		/* cppcheck-suppress resourceLeak ; main returns: exit closes fd */
		return fail("cannot sync the directory of", argv[1]);

	while ((len = getline(&line, &cap, stdin)) > 0) {
		if (write_all(fd, line, (size_t)len) < 0)
			return fail("cannot write to", argv[1]);
		if (fdatasync(fd) < 0)
			return fail("cannot sync", argv[1]);
	}
	if (ferror(stdin)) {
		fprintf(stderr, "fsync_append: cannot read standard input: %s\n",
			strerror(errno));
		return 1;
	}
	free(line);
	if (close(fd) < 0)
		return fail("cannot close", argv[1]);
	return 0;
}
