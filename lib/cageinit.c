/*
 * cageinit.c - pid 1 of the cage, and the command it runs; see
 * cageproto.h.
 *
 * pid 1 builds the view and forks the command, forwards art-vm's signals
 * to it, reaps whatever is left to it, and reports how the command ended.
 * When pid 1 exits, the kernel kills every process of the cage's PID
 * namespace: nothing the command started outlives it.
 */
#define _GNU_SOURCE
#include "cageproto.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Signals pid 1 passes on to the command (art-vm forwards its own). */
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
				 SIGUSR2, SIGWINCH };
#define NFORWARDED (sizeof forwarded / sizeof *forwarded)

static volatile pid_t command;

/*
 * make coverage: pid 1 ends by _exit, in a read-only view of the host,
 * so libgcov would never write its counts.  In a --coverage build only
 * (libgcov's __gcov_dump is linked), it keeps a handle on the host's
 * root, taken before the view is built, and writes them through it at
 * its end.  The handle is close-on-exec: the command never has it.
 */
extern void __gcov_dump(void) __attribute__((weak));

static void coverage_keep_host(void)
{
	char prefix[32];
	int fd;

	if (!__gcov_dump || (fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	snprintf(prefix, sizeof prefix, "/proc/self/fd/%d", fd);
	setenv("GCOV_PREFIX", prefix, 1);
	/* cppcheck-suppress resourceLeak ; fd is kept open: the point */
}

static __attribute__((noreturn)) void init_exit(int status)
{
	if (__gcov_dump)
		__gcov_dump();
	_exit(status);
}

static void forward(int sig)
{
	if (command > 0)
		kill(command, sig);
}

/*
 * Close every descriptor from 3 up but keep (-1: none): what art-vm's
 * caller left open (a file of the host, a socket) must not reach the
 * command.  With cloexec, mark them close-on-exec instead (the command
 * still needs its own until exec).
 */
static void close_others(int keep, int cloexec)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long n = strtol(de->d_name, &end, 10);
		int fd;

		/* "." and "..", like any name not a number, end early */
		if (*end || n < 3 || n > INT_MAX)
			continue;
		fd = (int)n;
		if (fd == keep || fd == dirfd(d))
			continue;
		if (cloexec)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
		else
			close(fd);
	}
	closedir(d);
}

static void say_failed(int sock, const art_err *e)
{
	art_cage_msg m = { .tag = ART_CAGE_FAILED };

	snprintf(m.text, sizeof m.text, "%s", e->msg);
	art_cage_send(sock, &m, -1);
}

/* The loopback interface up, for --net loopback (the cage's network
 * namespace has it, down, and nothing else). */
static int loopback_up(art_err *e)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr)) < 0)
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cage: cannot bring the loopback interface up");
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The command: its own session (no terminal to type into), then sealed;
 * then it waits for pid 1's word (art-vm's "exec") and execs: all but
 * the exec is done while art-vm still asks the governors.  A failure
 * before exec goes to art-vm as text; exec's own failure goes to pid 1
 * as an errno on the close-on-exec pipe. */
static void run_command(const art_cage *c, const art_cage_seal *seal,
			int sock, int status_fd, int start_fd)
{
	char go;
	art_cage_msg m = { .tag = ART_CAGE_LISTENER };
	art_err e = { 0 };
	sigset_t none;
	size_t i;
	int listener, err;

	for (i = 0; i < NFORWARDED; i++)
		(void)signal(forwarded[i], SIG_DFL); /* valid signals */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (setsid() < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		art_err_sys(&e, ART_EXIT_LOCAL, "cage: cannot start a session");
		goto failed;
	}
	m.landlock_abi = seal->abi;
	if (art_cage_seal_apply(seal, &listener, &e))
		goto failed;
	if (art_cage_send(sock, &m, listener) < 0) {
		art_err_sys(&e, ART_EXIT_LOCAL, "cage: cannot hand the seccomp listener over");
		goto failed;
	}
	close(listener);
	close_others(-1, 1);
	if (read(start_fd, &go, 1) != 1)
		_exit(125); /* pid 1 gave up: art-vm said no, or died */
	environ = (char **)c->envp; /* execvp looks the command up in this PATH */
	execvp(c->argv[0], c->argv);
	err = errno;
	while (write(status_fd, &err, sizeof err) < 0 && errno == EINTR)
		;
	_exit(127);
failed:
	say_failed(sock, &e);
	_exit(125);
}

void art_cage_init(const art_cage *c, int sock)
{
	struct sigaction sa;
	art_cage_msg m = { 0 };
	art_cage_seal seal;
	art_err e = { 0 };
	sigset_t none;
	int status[2], start[2], st = 0, fd;
	size_t i;
	pid_t pid;

	/* art-vm's death is the cage's; and a group of its own, so that the
	 * terminal's ^C reaches art-vm alone, which passes it on once */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	setpgid(0, 0);
	close_others(sock, 0);
	coverage_keep_host();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (art_cage_recv(sock, &m, &fd) <= 0 || m.tag != ART_CAGE_GO)
		init_exit(125);
	/* the command may not read pid 1's memory, descriptors or
	 * environment (art-vm's, unscrubbed); not before "go": art-vm,
	 * unprivileged, writes the id maps as the owner of /proc/<pid> */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (art_cagefs_build(c, &e) || sethostname("art-cage", 8) < 0 ||
	    (c->net_loopback && loopback_up(&e)) ||
	    art_cage_seal_prepare(c, &seal, &e) || pipe2(status, O_CLOEXEC) < 0 ||
	    pipe2(start, O_CLOEXEC) < 0) {
		if (!e.status)
			art_err_sys(&e, ART_EXIT_LOCAL, "cage: cannot set up");
		say_failed(sock, &e);
		init_exit(125);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = forward;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < NFORWARDED; i++)
		sigaction(forwarded[i], &sa, NULL);
	if ((pid = fork()) < 0) {
		art_err_sys(&e, ART_EXIT_LOCAL, "cage: cannot fork the command");
		say_failed(sock, &e);
		init_exit(125);
	}
	if (pid == 0) {
		close(status[0]);
		close(start[1]);
		run_command(c, &seal, sock, status[1], start[0]);
	}
	close(start[0]);
	m = (art_cage_msg){ .tag = ART_CAGE_READY };
	if (art_cage_send(sock, &m, -1) < 0 || art_cage_recv(sock, &m, &fd) <= 0 ||
	    m.tag != ART_CAGE_EXEC || write(start[1], "x", 1) != 1) {
		kill(pid, SIGKILL);
		init_exit(125); /* art-vm changed its mind (a governor), or died */
	}
	close(start[1]);
	command = pid;
	close(status[1]);
	/* exec closes the pipe; a failed exec writes its errno first */
	m = (art_cage_msg){ .tag = ART_CAGE_END };
	while (read(status[0], &m.exec_errno, sizeof m.exec_errno) < 0 && errno == EINTR)
		;
	close(status[0]);
	/* reap everything until the command is gone: orphans come here */
	for (;;) {
		pid_t w = waitpid(-1, &st, 0);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			init_exit(125);
	}
	m.exited = WIFEXITED(st);
	m.code = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
	m.signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	art_cage_send(sock, &m, -1);
	init_exit(0);
}
