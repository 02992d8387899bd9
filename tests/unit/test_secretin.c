/*
 * test_secretin.c - reading a secret (art-auth --password-file, -fd, the
 * terminal): one trailing LF or CRLF dropped and no more, the limit of
 * ART_SECRET_MAX bytes (newline aside), empty and NUL-holding secrets
 * refused naming where they came from, "-" as standard input, a
 * descriptor read and closed, the secret registered for redaction; the
 * terminal asked with echo off and restored, and no terminal a usage
 * error.
 */
#define _GNU_SOURCE
#include "check.h"
#include "fs.h"
#include "secretin.h"
#include "secretlog.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static char dir[4096];

static char *put(const char *name, const void *data, size_t len)
{
	char *path = art_join(dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || art_write_all(fd, data, len) < 0)
		abort();
	close(fd);
	return path;
}

/* The secret in file content: got, or the refusal's status. */
static int from_content(const void *data, size_t len, char **out, size_t *olen,
			art_err *e)
{
	char *path = put("secret", data, len);
	int rc = art_secret_from_file(path, out, olen, e);

	free(path);
	return rc;
}

static void expect_value(const char *content, const char *want, size_t wlen)
{
	art_err e = { 0 };
	char *v = NULL;
	size_t n = 0;
	int rc = from_content(content, strlen(content), &v, &n, &e);

	CHECK(rc == 0 && v && n == wlen && !memcmp(v, want, wlen) && v[n] == '\0',
	      "\"%s\": rc %d (%s), got %zu bytes", content, rc, e.msg, n);
	art_secret_free(v);
}

static void expect_refused(const void *data, size_t len, int status,
			   const char *why)
{
	art_err e = { 0 };
	char *v = NULL;
	size_t n = 0;
	int rc = from_content(data, len, &v, &n, &e);

	CHECK(rc == status && !v && strstr(e.msg, why) && strstr(e.msg, dir),
	      "%zu bytes: rc %d, \"%s\", want %d and \"%s\" naming the file", len,
	      rc, e.msg, status, why);
}

static void test_file(void)
{
	char big[ART_SECRET_MAX + 3];
	art_err e = { 0 };
	char *v = NULL, *scrubbed, *path;
	size_t n;

	expect_value("s3cret-value\n", "s3cret-value", 12);
	expect_value("s3cret-value", "s3cret-value", 12);
	expect_value("crlf-secret\r\n", "crlf-secret", 11);
	/* one line ending only: the rest is the secret's */
	expect_value("two-lines\n\n", "two-lines\n", 10);
	expect_value(" spaced secret ", " spaced secret ", 15);

	expect_refused("", 0, ART_EXIT_INPUT, "the secret is empty");
	expect_refused("\n", 1, ART_EXIT_INPUT, "the secret is empty");
	expect_refused("\r\n", 2, ART_EXIT_INPUT, "the secret is empty");
	expect_refused("abc\0def", 7, ART_EXIT_INPUT, "holds a NUL byte");

	/* ART_SECRET_MAX bytes, with or without its line ending; one more
	 * is too many */
	memset(big, 'k', sizeof big);
	CHECK(from_content(big, ART_SECRET_MAX, &v, &n, &e) == 0 && n == ART_SECRET_MAX,
	      "%d bytes: %s", ART_SECRET_MAX, e.msg);
	art_secret_free(v);
	v = NULL;
	big[ART_SECRET_MAX] = '\n';
	CHECK(from_content(big, ART_SECRET_MAX + 1, &v, &n, &e) == 0 && n == ART_SECRET_MAX,
	      "%d bytes and a newline: %s", ART_SECRET_MAX, e.msg);
	art_secret_free(v);
	v = NULL;
	big[ART_SECRET_MAX] = '\r';
	big[ART_SECRET_MAX + 1] = '\n';
	CHECK(from_content(big, ART_SECRET_MAX + 2, &v, &n, &e) == 0 && n == ART_SECRET_MAX,
	      "%d bytes and CRLF: %s", ART_SECRET_MAX, e.msg);
	art_secret_free(v);
	v = NULL;
	memset(big, 'k', sizeof big);
	expect_refused(big, ART_SECRET_MAX + 1, ART_EXIT_INPUT, "more than 4096 bytes");
	big[ART_SECRET_MAX + 1] = '\n';
	expect_refused(big, ART_SECRET_MAX + 2, ART_EXIT_INPUT, "more than 4096 bytes");
	/* a line ending where the limit falls, and more after it */
	memset(big, 'k', sizeof big);
	big[ART_SECRET_MAX] = '\r';
	big[ART_SECRET_MAX + 1] = '\n';
	expect_refused(big, ART_SECRET_MAX + 3, ART_EXIT_INPUT, "more than 4096 bytes");
	big[ART_SECRET_MAX] = '\n';
	big[ART_SECRET_MAX + 1] = '\n';
	expect_refused(big, ART_SECRET_MAX + 2, ART_EXIT_INPUT, "more than 4096 bytes");

	/* no such file is the user's input; a directory cannot be read */
	path = art_join(dir, "missing");
	CHECK(art_secret_from_file(path, &v, &n, &e) == ART_EXIT_INPUT && !v &&
	      strstr(e.msg, path) && strstr(e.msg, "No such file"), "missing: %s", e.msg);
	free(path);
	CHECK(art_secret_from_file(dir, &v, &n, &e) == ART_EXIT_LOCAL && !v &&
	      strstr(e.msg, dir), "a directory: %s", e.msg);

	/* what was read is registered: diagnostics never show it */
	expect_value("registered-secret-42\n", "registered-secret-42", 20);
	scrubbed = art_secretlog_scrub("token registered-secret-42 refused");
	CHECK(scrubbed && !strstr(scrubbed, "registered-secret-42") &&
	      strstr(scrubbed, "[REDACTED]"), "scrubbed: %s",
	      scrubbed ? scrubbed : "(none)");
	free(scrubbed);
}

static void test_stdin_and_fd(void)
{
	int p[2], saved = dup(STDIN_FILENO);
	art_err e = { 0 };
	char *v = NULL;
	size_t n = 0;

	/* "-": standard input, to its end */
	if (pipe(p) < 0 || write(p[1], "from-stdin\nsecond\n", 18) != 18)
		abort();
	close(p[1]);
	if (dup2(p[0], STDIN_FILENO) < 0)
		abort();
	close(p[0]);
	CHECK(art_secret_from_file("-", &v, &n, &e) == 0 && n == 17 &&
	      !memcmp(v, "from-stdin\nsecond", 17), "stdin: %s", e.msg);
	art_secret_free(v);
	v = NULL;
	if (dup2(saved, STDIN_FILENO) < 0)
		abort();
	close(saved);

	/* a descriptor: read, then closed */
	if (pipe(p) < 0 || write(p[1], "from-fd\n", 8) != 8)
		abort();
	close(p[1]);
	CHECK(art_secret_from_fd(p[0], &v, &n, &e) == 0 && n == 7 && !strcmp(v, "from-fd"),
	      "fd: %s", e.msg);
	CHECK(fcntl(p[0], F_GETFD) < 0 && errno == EBADF, "the descriptor is closed after");
	art_secret_free(v);
	v = NULL;
	/* one that is not open is a usage error, naming it */
	CHECK(art_secret_from_fd(p[0], &v, &n, &e) == ART_EXIT_USAGE && !v &&
	      strstr(e.msg, "file descriptor"), "closed fd: %s", e.msg);
	if (pipe(p) < 0)
		abort();
	close(p[1]);
	CHECK(art_secret_from_fd(p[0], &v, &n, &e) == ART_EXIT_INPUT && !v &&
	      strstr(e.msg, "file descriptor") && strstr(e.msg, "empty"),
	      "empty fd: %s", e.msg);
}

/* In a child without a controlling terminal: a usage error that says
 * what to give instead. */
static void test_no_tty(void)
{
	pid_t pid;
	int status;

	(void)fflush(NULL); /* nothing printed twice */
	if ((pid = fork()) < 0)
		abort();
	if (pid == 0) {
		art_err e = { 0 };
		char *v = NULL;
		size_t n;

		/* exit, not _exit: make coverage counts what a child ran */
		if (setsid() < 0)
			exit(10);
		if (art_secret_from_tty("Password: ", &v, &n, &e) != ART_EXIT_USAGE || v)
			exit(11);
		exit(strstr(e.msg, "--password-file") ? 0 : 12);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "no terminal (step %d)",
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* Read what the terminal shows until want has appeared or 5 s passed;
 * the whole of it in buf. */
static int read_until(int master, char *buf, size_t size, const char *want)
{
	size_t n = 0;

	buf[0] = '\0';
	while (!strstr(buf, want) && n + 1 < size) {
		struct pollfd pfd = { master, POLLIN, 0 };
		ssize_t r;

		if (poll(&pfd, 1, 5000) <= 0 || (r = read(master, buf + n, size - 1 - n)) <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = '\0';
	}
	return 0;
}

/* The terminal: a pseudo-terminal that becomes the child's controlling
 * one.  The prompt shows, the secret typed is not echoed, the line is
 * the secret, and the terminal's echo is on again afterwards. */
static void test_tty(void)
{
	char shown[4096], *slave;
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), watch, status = -1, i;
	struct termios t;
	pid_t pid;

	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    !(slave = ptsname(master))) {
		printf("test_secretin: no pseudo-terminal, the terminal not tested\n");
		return;
	}
	(void)fflush(NULL); /* nothing printed twice */
	if ((pid = fork()) < 0)
		abort();
	if (pid == 0) {
		art_err e = { 0 };
		char *v = NULL;
		size_t n;
		int fd;

		close(master);
		/* a session leader's first terminal becomes its own */
		if (setsid() < 0 || (fd = open(slave, O_RDWR)) < 0)
			exit(10);
		if (art_secret_from_tty("Password: ", &v, &n, &e) != 0)
			exit(11);
		if (n != 14 || strcmp(v, "hunter2-secret"))
			exit(12);
		art_secret_free(v);
		if (tcgetattr(fd, &t) < 0 || !(t.c_lflag & ECHO))
			exit(13); /* echo back on */
		exit(0);
	}
	if ((watch = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		abort(); /* the child opened it: so can we */
	CHECK(read_until(master, shown, sizeof shown, "Password: ") == 0,
	      "the prompt shows: \"%s\"", shown);
	/* type only once echo is off (input before that is flushed) */
	for (i = 0; i < 500 && tcgetattr(watch, &t) == 0 && (t.c_lflag & ECHO); i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	CHECK(!(t.c_lflag & ECHO), "echo is off while the secret is typed");
	if (write(master, "hunter2-secret\n", 15) != 15)
		abort();
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the terminal (step %d)",
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	/* what the terminal showed after the prompt: a newline, no secret */
	read_until(master, shown, sizeof shown, "\n");
	CHECK(!strstr(shown, "hunter2"), "the secret is not echoed: \"%s\"", shown);
	close(watch);
	close(master);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	CHECK(sodium_init() >= 0, "libsodium");
	snprintf(dir, sizeof dir, "%s/art-test-secretin.XXXXXX",
		 tmp && *tmp == '/' ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	test_file();
	test_stdin_and_fd();
	test_no_tty();
	test_tty();
	if (art_rm_rf(dir) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return CHECK_DONE();
}
