/*
 * cage.c - the host side of the cage; see cage.h.
 *
 * art-vm clones pid 1 of the cage into new user, mount, PID, network,
 * IPC and UTS namespaces, maps its own uid and gid there (so files the
 * command writes are the user's), puts it under the process limit, and
 * says "go".  Then it supervises: it answers the seccomp filter's
 * notifications (each a refused call: EPERM, counted), passes its
 * signals on, stops the cage at the timeout, and waits for pid 1.
 */
#define _GNU_SOURCE
#include "cageproto.h"

#include <errno.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "fs.h"
#include "pidlimit.h"
#include "proc.h"

/* Between SIGTERM and SIGKILL at the timeout. */
#define GRACE_MS 2000

static const int relayed[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
			       SIGUSR2, SIGWINCH };
#define NRELAYED (sizeof relayed / sizeof *relayed)

int art_cage_send(int sock, const art_cage_msg *m, int fd)
{
	struct iovec iov = { (void *)m, sizeof *m };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		/* cppcheck-suppress unusedStructMember ; aligns buf (cmsg(3)) */
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof u);
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof u.buf;
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	}
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

ssize_t art_cage_recv(int sock, art_cage_msg *m, int *fd)
{
	struct iovec iov = { m, sizeof *m };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		/* cppcheck-suppress unusedStructMember ; aligns buf (cmsg(3)) */
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	struct cmsghdr *cm;
	ssize_t n;

	*fd = -1;
	while ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0)
		if (errno != EINTR)
			return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(cm), sizeof *fd);
	if (n > 0 && (size_t)n < sizeof *m) {
		errno = EPROTO;
		return -1;
	}
	return n;
}

/* The cage's root is the user: uid and gid mapped to themselves. */
static int map_ids(pid_t pid, art_err *e)
{
	char map[64];

	/* an unprivileged user must give up setgroups before a gid map */
	if (art_write_proc(pid, "setgroups", "deny") < 0 && errno != ENOENT)
		return art_err_sys(e, ART_EXIT_LOCAL, "cage: cannot deny setgroups");
	snprintf(map, sizeof map, "%lu %lu 1\n", (unsigned long)geteuid(),
		 (unsigned long)geteuid());
	if (art_write_proc(pid, "uid_map", map) < 0)
		return art_err_sys(e, ART_EXIT_LOCAL, "cage: cannot map the user id");
	snprintf(map, sizeof map, "%lu %lu 1\n", (unsigned long)getegid(),
		 (unsigned long)getegid());
	if (art_write_proc(pid, "gid_map", map) < 0)
		return art_err_sys(e, ART_EXIT_LOCAL, "cage: cannot map the group id");
	return 0;
}

/* Why a user namespace could not be made, with what to change. */
static int no_userns(art_err *e)
{
	int err = errno;
	char *v = NULL;
	size_t len;
	art_err ignored;

	if (art_read_path("/proc/sys/kernel/unprivileged_userns_clone", 16, &v,
			  &len, &ignored) == 0 && v[0] == '0') {
		free(v);
		return art_errf(e, ART_EXIT_LOCAL,
				"cage: user namespaces are disabled for unprivileged users: sysctl kernel.unprivileged_userns_clone=1 enables them");
	}
	free(v);
	if (art_read_path("/proc/sys/user/max_user_namespaces", 32, &v, &len,
			  &ignored) == 0 && v[0] == '0') {
		free(v);
		return art_errf(e, ART_EXIT_LOCAL,
				"cage: user namespaces are disabled: sysctl user.max_user_namespaces=0; set it to 1000 or more");
	}
	free(v);
	errno = err;
	return art_err_sys(e, ART_EXIT_LOCAL,
			   "cage: cannot create its namespaces (a container may forbid them: check kernel.apparmor_restrict_unprivileged_userns and seccomp profiles)");
}

/* One seccomp notification: a refused call, counted by name. */
#define DENIED_NAMES_MAX 64

static void deny_one(int listener, art_cage_result *res)
{
	uint32_t native_arch = seccomp_arch_native();
	struct seccomp_notif *req = NULL;
	struct seccomp_notif_resp *resp = NULL;

	if (seccomp_notify_alloc(&req, &resp) < 0)
		return;
	if (seccomp_notify_receive(listener, req) == 0) {
		char *name = seccomp_syscall_resolve_num_arch(req->data.arch,
							      req->data.nr);
		json_t *n;

		resp->id = req->id;
		resp->error = -EPERM;
		resp->val = 0;
		resp->flags = 0;
		/* ENOENT: the caller is gone meanwhile, nothing to answer */
		seccomp_notify_respond(listener, resp);
		res->denied++;
		/* names, not numbers: a command calling every number of
		 * another architecture must not grow the report without end */
		if (req->data.arch != native_arch || !name) {
			free(name);
			name = art_strdup(req->data.arch != native_arch
					  ? "(another architecture)" : "(unknown)");
		} else if (json_object_size(res->denied_calls) >= DENIED_NAMES_MAX &&
			   !json_object_get(res->denied_calls, name)) {
			free(name);
			name = art_strdup("(others)");
		}
		n = json_object_get(res->denied_calls, name);
		json_object_set_new(res->denied_calls, name,
				    json_integer(json_integer_value(n) + 1));
		free(name);
	}
	seccomp_notify_free(req, resp);
}

struct watch {
	const art_cage *c;
	const art_pidlimit *pl;
	long long t0;      /* when the command was let go */
	int sock, listener, sigfd;
	pid_t init;
	long long deadline, killing; /* ms; 0: none */
	int ready, ended, failed;
};

static void on_message(struct watch *w, art_cage_result *res, art_err *e)
{
	art_cage_msg m;
	int fd;
	ssize_t n = art_cage_recv(w->sock, &m, &fd);

	if (n <= 0) { /* pid 1 is gone */
		close(w->sock);
		w->sock = -1;
		return;
	}
	switch (m.tag) {
	case ART_CAGE_LISTENER:
		if (w->listener >= 0)
			close(w->listener);
		w->listener = fd;
		res->landlock_abi = m.landlock_abi;
		return;
	case ART_CAGE_READY:
		w->ready = 1;
		break;
	case ART_CAGE_END:
		res->exited = m.exited;
		res->code = m.code;
		res->signal = m.signal;
		res->exec_errno = m.exec_errno;
		res->duration_ms = art_mono_ms() - w->t0;
		res->pids_limit_hit = art_pidlimit_hit(w->pl);
		w->ended = 1;
		if (w->c->after_end)
			w->c->after_end(w->c->ctx, res);
		break;
	case ART_CAGE_FAILED:
		if (!w->failed++)
			art_errf(e, ART_EXIT_LOCAL, "%s", m.text);
		break;
	}
	if (fd >= 0)
		close(fd);
}

static void on_signal(struct watch *w)
{
	struct signalfd_siginfo si;

	while (read(w->sigfd, &si, sizeof si) == sizeof si)
		if (si.ssi_signo != SIGCHLD)
			kill(w->init, (int)si.ssi_signo); /* pid 1 forwards it */
}

/* Wait for pid 1, serving the cage meanwhile. */
static void supervise(struct watch *w, art_cage_result *res, art_err *e)
{
	int st;

	for (;;) {
		struct pollfd pf[3];
		int n = 0, wait_ms = -1, i;
		long long now = art_mono_ms();

		if (waitpid(w->init, &st, WNOHANG) == w->init)
			break;
		if (w->deadline && now >= w->deadline && !w->killing) {
			res->timed_out = 1;
			kill(w->init, SIGTERM);
			w->killing = now + GRACE_MS;
		}
		if (w->killing && now >= w->killing)
			kill(w->init, SIGKILL);
		if (w->killing)
			wait_ms = (int)(w->killing > now ? w->killing - now : 10);
		else if (w->deadline)
			wait_ms = (int)(w->deadline - now);
		if (w->sock >= 0)
			pf[n++] = (struct pollfd){ .fd = w->sock, .events = POLLIN };
		if (w->listener >= 0)
			pf[n++] = (struct pollfd){ .fd = w->listener, .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = w->sigfd, .events = POLLIN };
		if (poll(pf, (nfds_t)n, wait_ms) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (!pf[i].revents)
				continue;
			if (pf[i].fd == w->sock)
				on_message(w, res, e);
			else if (pf[i].fd == w->listener && (pf[i].revents & POLLIN))
				deny_one(w->listener, res);
			else if (pf[i].fd == w->listener) {
				close(w->listener); /* the filtered are gone */
				w->listener = -1;
			} else
				on_signal(w);
		}
	}
	/* what pid 1 said last */
	while (w->sock >= 0 && !w->ended) {
		struct pollfd pf = { .fd = w->sock, .events = POLLIN };

		if (poll(&pf, 1, 0) <= 0)
			break;
		on_message(w, res, e);
	}
	if (!w->ended && !w->failed && !res->timed_out)
		art_errf(e, ART_EXIT_LOCAL, "cage: its pid 1 died (%s)",
			 WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "exit");
	/* a timeout that killed pid 1: the command died of it too */
	if (res->timed_out && !w->ended)
		res->signal = SIGKILL;
}

/* Until pid 1 has built the view (or failed to), then "exec". */
static int await_ready(struct watch *w, art_cage_result *res, art_err *e)
{
	art_cage_msg x = { .tag = ART_CAGE_EXEC };

	while (!w->ready && !w->failed && w->sock >= 0) {
		struct pollfd pf = { .fd = w->sock, .events = POLLIN };

		if (poll(&pf, 1, -1) > 0)
			on_message(w, res, e);
	}
	if (w->ready && art_cage_send(w->sock, &x, -1) == 0)
		return 0;
	if (!w->failed)
		art_err_sys(e, ART_EXIT_LOCAL, "cage: it did not start");
	kill(w->init, SIGKILL);
	waitpid(w->init, NULL, 0);
	return e->status;
}

/* The terminal the command shares: its settings (echo, canonical mode)
 * are the user's again after the run, whatever the command left. */
struct ttys {
	struct termios tio[3];
	int saved[3];
};

static void ttys_save(struct ttys *t)
{
	int fd;

	for (fd = 0; fd < 3; fd++)
		t->saved[fd] = isatty(fd) && tcgetattr(fd, &t->tio[fd]) == 0;
}

static void ttys_restore(const struct ttys *t)
{
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (t->saved[fd])
			tcsetattr(fd, TCSANOW, &t->tio[fd]);
}

int art_cage_run(const art_cage *c, art_cage_result *res, art_err *e)
{
	struct ttys ttys;
	struct watch w = { .c = c, .sock = -1, .listener = -1, .sigfd = -1 };
	art_pidlimit pl;
	art_cage_msg go = { .tag = ART_CAGE_GO };
	sigset_t set, old;
	int sv[2] = { -1, -1 }, rc = 0;
	size_t i;

	memset(res, 0, sizeof *res);
	res->denied_calls = json_object();
	/* as root, the cage's uid 0 owns the host's files; the mounts keep
	 * them read-only, but a descriptor reopened through /proc (stdin, a
	 * file of the host's) is not the mounts' to judge: Landlock is */
	if (geteuid() == 0 && syscall(SYS_landlock_create_ruleset, NULL, 0,
				       LANDLOCK_CREATE_RULESET_VERSION) <= 0)
		return art_errf(e, ART_EXIT_LOCAL,
				"cage: as root, the cage needs Landlock (Linux 5.13 or later, with it enabled)");
	if ((rc = art_pidlimit_open(&pl, c->max_procs, e)) != 0)
		return rc;
	ttys_save(&ttys);
	w.pl = &pl;
	res->pids_limit = pl.cgroup ? "cgroup" : pl.rlimit ? "rlimit" : NULL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cage: cannot make a socket pair");
		goto out;
	}
	/* signals become events of the loop; the cage's pid 1 unblocks
	 * them for itself */
	sigemptyset(&set);
	for (i = 0; i < NRELAYED; i++)
		sigaddset(&set, relayed[i]);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	w.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	w.init = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
				CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD,
				NULL, NULL, NULL, NULL);
	if (w.init == 0) {
		close(sv[0]);
		if (pl.rlimit) {
			struct rlimit rl = { (rlim_t)pl.max, (rlim_t)pl.max };

			setrlimit(RLIMIT_NPROC, &rl);
		}
		art_cage_init(c, sv[1]);
	}
	if (w.init < 0) {
		rc = no_userns(e);
		goto out;
	}
	close(sv[1]);
	sv[1] = -1;
	w.sock = sv[0];
	sv[0] = -1;
	if ((rc = map_ids(w.init, e)) != 0 ||
	    (rc = art_pidlimit_enter(&pl, w.init, e)) != 0 ||
	    (art_cage_send(w.sock, &go, -1) < 0 &&
	     (rc = art_err_sys(e, ART_EXIT_LOCAL, "cage: cannot start it")))) {
		kill(w.init, SIGKILL);
		waitpid(w.init, NULL, 0);
		goto out;
	}
	/* the view builds in the cage while art-vm does its own part */
	if (c->before_exec && (rc = c->before_exec(c->ctx, e)) != 0) {
		kill(w.init, SIGKILL);
		waitpid(w.init, NULL, 0);
		goto out;
	}
	if ((rc = await_ready(&w, res, e)) != 0)
		goto out;
	w.t0 = art_mono_ms();
	if (c->timeout_ms > 0)
		w.deadline = w.t0 + c->timeout_ms;
	supervise(&w, res, e);
	ttys_restore(&ttys);
	if (!w.ended)
		res->duration_ms = art_mono_ms() - w.t0;
	if (!w.ended)
		res->pids_limit_hit = art_pidlimit_hit(&pl);
	if (w.failed || (!w.ended && !res->timed_out))
		rc = e->status ? e->status : ART_EXIT_LOCAL;
out:
	if (w.sigfd >= 0) {
		close(w.sigfd);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	for (i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	if (w.sock >= 0)
		close(w.sock);
	if (w.listener >= 0)
		close(w.listener);
	art_pidlimit_close(&pl);
	return rc;
}

void art_cage_result_free(art_cage_result *res)
{
	json_decref(res->denied_calls);
	res->denied_calls = NULL;
}

int art_cage_status(const art_cage_result *res)
{
	if (res->timed_out)
		return 124;
	if (res->exec_errno)
		return res->exec_errno == ENOENT ? 127 : 126;
	if (res->signal)
		return 128 + res->signal;
	return res->code;
}
