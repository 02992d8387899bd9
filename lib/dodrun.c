/* dodrun.c - a definition-of-done command; see dodrun.h. */
#define _GNU_SOURCE
#include "dodrun.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "proc.h"

/* While a command runs: how often to look whether it exited although
 * something it left behind still holds the output pipe open. */
#define POLL_MS 100
/* How long output may still come once the command and its group are
 * gone (a daemon that left the group may hold the pipe forever). */
#define DRAIN_MS 500

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NSTOP (sizeof stop_signals / sizeof *stop_signals)
static volatile sig_atomic_t caught;

static void on_stop(int sig)
{
	caught = sig;
}

/* The output's last bytes, in a window that slides over the stream. */
struct tail {
	char *buf;
	size_t cap, len;
	unsigned long long total;
};

static void tail_add(struct tail *t, const char *p, size_t n)
{
	t->total += n;
	if (n >= t->cap) {
		memcpy(t->buf, p + n - t->cap, t->cap);
		t->len = t->cap;
		return;
	}
	if (t->len + n > t->cap) {
		size_t drop = t->len + n - t->cap;

		memmove(t->buf, t->buf + drop, t->len - drop);
		t->len -= drop;
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

/* The argv of a dod item: its array, or sh -c for a string. */
static char **argv_of(const json_t *run)
{
	char **argv;
	size_t i, n = json_is_string(run) ? 3 : json_array_size(run);

	argv = art_xmalloc((n + 1) * sizeof *argv);
	if (json_is_string(run)) {
		argv[0] = "/bin/sh";
		argv[1] = "-c";
		argv[2] = (char *)json_string_value(run);
	} else {
		for (i = 0; i < n; i++)
			argv[i] = (char *)json_string_value(json_array_get(run, i));
	}
	argv[n] = NULL;
	return argv;
}

/* Is the NAME=value entry var named in list (a JSON array of names)? */
static int listed(const char *var, const json_t *list)
{
	size_t n = strcspn(var, "="), i;
	json_t *v;

	json_array_foreach(list, i, v)
		if (strlen(json_string_value(v)) == n &&
		    !strncmp(json_string_value(v), var, n))
			return 1;
	return 0;
}

/* art-close's environment without its secrets (redact.h says which),
 * unless the item names them in "env".  Borrowed strings. */
static char **env_of(const art_dod_cmd *cmd)
{
	char **env;
	size_t n = 0, k = 0;

	while (environ[n])
		n++;
	env = art_xmalloc((n + 1) * sizeof *env);
	for (n = 0; environ[n]; n++)
		if (!art_redact_env_name(environ[n], strcspn(environ[n], "=")) ||
		    listed(environ[n], cmd->env))
			env[k++] = environ[n];
	env[k] = NULL;
	return env;
}

static int spawn(const art_dod_cmd *cmd, char **argv, int out, pid_t *pid)
{
	char **env = env_of(cmd);
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t dfl, none;
	size_t i;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out, STDERR_FILENO);
	posix_spawn_file_actions_addchdir_np(&fa, cmd->cwd);
	posix_spawnattr_init(&attr);
	/* its own group, so that one kill reaches everything it starts */
	posix_spawnattr_setpgroup(&attr, 0);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	for (i = 0; i < NSTOP; i++)
		sigaddset(&dfl, stop_signals[i]);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
					POSIX_SPAWN_SETSIGDEF |
					POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawnp(pid, argv[0], &fa, &attr, argv, env);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	return rc;
}

/* Has the command exited?  It stays a zombie (WNOWAIT), so its pid, the
 * group's id, cannot be reused before the group is killed. */
static int exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof si);
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       si.si_pid == pid;
}

/* SIGTERM to the group, SIGKILL after the grace if the command is still
 * there. */
static void stop_group(pid_t pid)
{
	long long until = art_mono_ms() + ART_DOD_GRACE_MS;

	kill(-pid, SIGTERM);
	while (!exited(pid) && art_mono_ms() < until) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	kill(-pid, SIGKILL);
}

/* Read what is there; 0 at end of output. */
static int pump(int fd, struct tail *t)
{
	char buf[65536];
	ssize_t r = read(fd, buf, sizeof buf);

	if (r > 0)
		tail_add(t, buf, (size_t)r);
	return r > 0 || (r < 0 && (errno == EINTR || errno == EAGAIN));
}

/*
 * The text kept: the window redacted with its first `reach` bytes as
 * look-behind when the stream was longer than it, cut to ART_DOD_TAIL
 * bytes from a line start when it can, NUL bytes shown as U+FFFD.
 */
static void finish_tail(const art_dod_cmd *cmd, struct tail *t,
			art_dod_result *res)
{
	size_t skip = t->total > t->len ? art_redactor_reach(cmd->redact) : 0;
	size_t n, start = 0, i, k;
	char *red, *nl;

	if (skip > t->len)
		skip = t->len;
	red = art_redact_from(cmd->redact, t->buf, t->len, skip, &n);
	if (n > ART_DOD_TAIL || skip) {
		/* cut: the first line is the end of a longer one, which may
		 * be the end of a token too long to be recognised: it goes,
		 * or, when it is the only line, its leading token characters */
		start = n > ART_DOD_TAIL ? n - ART_DOD_TAIL : 0;
		nl = memchr(red + start, '\n', n - start);
		if (nl && nl + 1 < red + n)
			start = (size_t)(nl + 1 - red);
		else
			while (start < n && (isalnum((unsigned char)red[start]) ||
					     strchr("+/=_-.~", red[start])))
				start++;
	}
	res->tail = art_xmalloc(3 * (n - start) + 1);
	for (i = start, k = 0; i < n; i++) {
		if (red[i]) {
			res->tail[k++] = red[i];
		} else {
			memcpy(res->tail + k, "\xef\xbf\xbd", 3);
			k += 3;
		}
	}
	res->tail[k] = '\0';
	res->tail_len = k;
	free(red);
}

static void could_not_run(const art_dod_cmd *cmd, const char *prog, int err,
			  art_dod_result *res)
{
	char *msg = art_asprintf("art-close: cannot run %s: %s\n", prog,
				 strerror(err));

	res->exit = err == ENOENT ? 127 : 126;
	res->tail = art_redact(cmd->redact, msg, strlen(msg), &res->tail_len);
	free(msg);
}

int art_dod_run(const art_dod_cmd *cmd, art_dod_result *res, art_err *e)
{
	struct sigaction sa, old[NSTOP];
	struct tail t = { 0 };
	char **argv = argv_of(cmd->run);
	long long t0 = art_mono_ms(), deadline = t0 + cmd->timeout_ms;
	int fds[2] = { -1, -1 }, wst = 0, rc = 0, open_out = 1;
	pid_t pid;
	size_t i;

	memset(res, 0, sizeof *res);
	art_subreaper();
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(argv);
		return art_err_sys(e, ART_EXIT_LOCAL, "cannot create a pipe");
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	caught = 0;
	for (i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &sa, &old[i]);
	if ((rc = spawn(cmd, argv, fds[1], &pid)) != 0) {
		could_not_run(cmd, argv[0], rc, res);
		rc = 0;
		goto out;
	}
	close(fds[1]);
	fds[1] = -1;
	t.cap = ART_DOD_TAIL + art_redactor_reach(cmd->redact);
	t.buf = art_xmalloc(t.cap);
	for (;;) {
		struct pollfd pf = { .fd = fds[0], .events = POLLIN };
		long long left = deadline - art_mono_ms();

		if (caught || left <= 0) {
			res->timed_out = !caught;
			stop_group(pid);
			break;
		}
		if (exited(pid))
			break;
		/* no more output is not the end: a script may have sent it
		 * to a file (exec >log 2>&1) and go on working */
		if (!open_out) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		} else if (poll(&pf, 1, left < POLL_MS ? (int)left : POLL_MS) > 0) {
			open_out = pump(fds[0], &t);
		}
	}
	/* the command is done: what it left running goes with it, in its
	 * group or not */
	kill(-pid, SIGKILL);
	while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
		;
	art_kill_descendants();
	res->duration_ms = art_mono_ms() - t0;
	/* what is still in the pipe, for a little while */
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	for (deadline = art_mono_ms() + DRAIN_MS; open_out && art_mono_ms() < deadline;) {
		struct pollfd pf = { .fd = fds[0], .events = POLLIN };

		if (poll(&pf, 1, POLL_MS) > 0)
			open_out = pump(fds[0], &t);
	}
	if (res->timed_out)
		res->exit = ART_DOD_TIMED_OUT;
	else if (WIFEXITED(wst))
		res->exit = WEXITSTATUS(wst);
	else if (WIFSIGNALED(wst))
		res->exit = 128 + WTERMSIG(wst);
	res->output_bytes = t.total;
	finish_tail(cmd, &t, res);
	if (caught)
		rc = art_errf(e, ART_EXIT_LOCAL,
			      "interrupted by %s while running %s; the command was stopped",
			      strsignal(caught), argv[0]);
out:
	for (i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &old[i], NULL);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	free(t.buf);
	free(argv);
	return rc;
}

void art_dod_result_free(art_dod_result *res)
{
	free(res->tail);
	res->tail = NULL;
}
