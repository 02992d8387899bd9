/* proc.c - child processes without a shell; see proc.h. */
#define _GNU_SOURCE
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"

long long art_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int art_spawn_run(const art_spawn *s, art_spawn_result *res, art_err *e)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t dfl;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, wst = 0, rc;
	size_t written = 0, cap = s->keep + 1;
	long long deadline = s->timeout_ms > 0 ? art_mono_ms() + s->timeout_ms : 0;
	pid_t pid;

	memset(res, 0, sizeof *res);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot create a pipe");
		goto close_pipes;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	if (s->cwd)
		posix_spawn_file_actions_addchdir_np(&fa, s->cwd);
	/* art ignores SIGPIPE for itself; the child gets the default back */
	posix_spawnattr_init(&attr);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&pid, s->argv[0], &fa, &attr, s->argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot run %s", s->argv[0]);
		goto close_pipes;
	}
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	if (!s->input || s->input_len == 0) {
		close(in[1]);
		in[1] = -1;
	} else {
		fcntl(in[1], F_SETFL, O_NONBLOCK);
	}
	res->out = art_xmalloc(cap);
	for (;;) {
		struct pollfd pf[2];
		int n = 0, wait_ms = -1;
		char buf[4096];

		if (out[0] >= 0)
			pf[n++] = (struct pollfd){ .fd = out[0], .events = POLLIN };
		if (in[1] >= 0)
			pf[n++] = (struct pollfd){ .fd = in[1], .events = POLLOUT };
		if (n == 0)
			break;
		if (deadline) {
			long long left = deadline - art_mono_ms();

			if (left <= 0) {
				res->timed_out = 1;
				kill(pid, SIGKILL);
				break;
			}
			wait_ms = (int)left;
		}
		if (poll(pf, (nfds_t)n, wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < n; i++) {
			if (!pf[i].revents)
				continue;
			if (pf[i].fd == out[0]) {
				ssize_t r = read(out[0], buf, sizeof buf);

				if (r <= 0) {
					if (r < 0 && errno == EINTR)
						continue;
					close(out[0]);
					out[0] = -1;
					continue;
				}
				if (res->out_len < s->keep) {
					size_t take = (size_t)r;

					if (take > s->keep - res->out_len)
						take = s->keep - res->out_len;
					memcpy(res->out + res->out_len, buf, take);
					res->out_len += take;
				}
			} else {
				ssize_t w = write(in[1], s->input + written,
						  s->input_len - written);

				if (w > 0)
					written += (size_t)w;
				if ((w < 0 && errno != EAGAIN && errno != EINTR) ||
				    written == s->input_len) {
					/* EPIPE: it stopped reading, fine */
					close(in[1]);
					in[1] = -1;
				}
			}
		}
	}
	res->out[res->out_len] = '\0';
	/* A child that closed its stdout is not done: the deadline holds
	 * until it has exited too. */
	for (;;) {
		pid_t w = waitpid(pid, &wst, deadline ? WNOHANG : 0);

		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (w == 0 && art_mono_ms() >= deadline) {
			res->timed_out = 1;
			kill(pid, SIGKILL);
			deadline = 0; /* now wait for it to die */
		} else if (w == 0) {
			struct timespec ts = { 0, 5 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	if (WIFEXITED(wst)) {
		res->exited = 1;
		res->status = WEXITSTATUS(wst);
	} else if (WIFSIGNALED(wst)) {
		res->status = WTERMSIG(wst);
	}
	rc = 0;
close_pipes:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	return rc;
}

void art_spawn_result_free(art_spawn_result *res)
{
	free(res->out);
	res->out = NULL;
}

void art_subreaper(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

/* The pids of this process's children, from every thread's
 * /proc/self/task/TID/children, into kids (at most max); how many. */
static size_t list_children(pid_t *kids, size_t max)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *t;
	char *word = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return 0;
	while ((t = readdir(d)) != NULL && n < max) {
		char path[sizeof "/proc/self/task//children" + sizeof t->d_name];
		FILE *f;

		if (t->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%s/children", t->d_name);
		if (!(f = fopen(path, "re")))
			continue;
		/* "PID PID ... " */
		while (n < max && getdelim(&word, &cap, ' ', f) > 0) {
			char *end;
			long pid = strtol(word, &end, 10);

			if (end != word && pid > 0 && pid == (pid_t)pid)
				kids[n++] = (pid_t)pid;
		}
		(void)fclose(f); /* read only */
	}
	free(word);
	closedir(d);
	return n;
}

void art_kill_descendants(void)
{
	pid_t kids[256];
	size_t n, i;
	int rounds;

	/* each round kills a generation; their children come to us next */
	for (rounds = 0; rounds < 1000; rounds++) {
		if ((n = list_children(kids, sizeof kids / sizeof *kids)) == 0)
			break;
		for (i = 0; i < n; i++)
			kill(kids[i], SIGKILL);
		for (i = 0; i < n; i++)
			while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
				;
	}
	/* zombies of children that died on their own meanwhile */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int art_write_proc(pid_t pid, const char *name, const char *text)
{
	char path[64];
	int fd, rc = -1;

	snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) >= 0) {
		rc = art_write_all(fd, text, strlen(text));
		if (close(fd) < 0)
			rc = -1;
	}
	return rc;
}

static volatile int stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

volatile int *art_catch_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return &stop_requested;
}
