/* secretin.c - reading secrets from a file, a descriptor or the
 * terminal; see secretin.h. */
#include "secretin.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "secretlog.h"
#include "store.h"

/* Read fd to its end (or to the first newline when line) into guarded
 * memory. */
static int read_secret(int fd, int line, const char *name, char **out,
		       size_t *len, art_err *e)
{
	/* room for the secret, its line ending (CRLF) and a NUL */
	char *buf = sodium_malloc(ART_SECRET_MAX + 3);
	size_t n = 0;
	ssize_t r;
	char c;
	int over = 0;

	if (!buf)
		abort();
	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sodium_free(buf);
			return art_err_sys(e, ART_EXIT_LOCAL, "%s: read", name);
		}
		if (r == 0 || (line && c == '\n'))
			break;
		if (n == ART_SECRET_MAX + 2) {
			over = 1;
			break;
		}
		buf[n++] = c;
	}
	if (n && buf[n - 1] == '\n')
		n--;
	if (n && buf[n - 1] == '\r')
		n--;
	if (over || n > ART_SECRET_MAX) {
		sodium_free(buf);
		return art_errf(e, ART_EXIT_INPUT, "%s: a secret of more than %d bytes",
				name, ART_SECRET_MAX);
	}
	buf[n] = '\0';
	if (n == 0) {
		sodium_free(buf);
		return art_errf(e, ART_EXIT_INPUT, "%s: the secret is empty", name);
	}
	if (memchr(buf, '\0', n)) {
		sodium_free(buf);
		return art_errf(e, ART_EXIT_INPUT, "%s: the secret holds a NUL byte", name);
	}
	art_secretlog_add(buf, n);
	*out = art_secret_dup(buf, n);
	*len = n;
	sodium_free(buf);
	return 0;
}

int art_secret_from_file(const char *path, char **out, size_t *len, art_err *e)
{
	int fd, rc;

	if (strcmp(path, "-") == 0)
		return read_secret(STDIN_FILENO, 0, "standard input", out, len, e);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return art_err_sys(e, errno == ENOENT ? ART_EXIT_INPUT : ART_EXIT_LOCAL,
				   "%s", path);
	rc = read_secret(fd, 0, path, out, len, e);
	close(fd);
	return rc;
}

int art_secret_from_fd(int fd, char **out, size_t *len, art_err *e)
{
	char name[32];
	int rc;

	snprintf(name, sizeof name, "file descriptor %d", fd);
	if (fcntl(fd, F_GETFD) < 0)
		return art_err_sys(e, ART_EXIT_USAGE, "%s", name);
	rc = read_secret(fd, 0, name, out, len, e);
	close(fd);
	return rc;
}

int art_secret_from_tty(const char *prompt, char **out, size_t *len, art_err *e)
{
	struct termios old, quiet;
	sigset_t block, saved;
	int fd, rc;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) < 0)
		return art_errf(e, ART_EXIT_USAGE,
				"no terminal to ask for the password: give --password-file or --password-fd");
	if (tcgetattr(fd, &old) < 0) {
		close(fd);
		return art_err_sys(e, ART_EXIT_LOCAL, "/dev/tty");
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	/* an interrupt while echo is off would leave the terminal mute */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTSTP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &saved);
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* the prompt is a courtesy */
	}
	tcsetattr(fd, TCSAFLUSH, &quiet);
	rc = read_secret(fd, 1, "the terminal", out, len, e);
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0) {
		/* the same */
	}
	sigprocmask(SIG_SETMASK, &saved, NULL);
	close(fd);
	return rc;
}
