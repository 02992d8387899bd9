/* command.c - the command in the guest, and the relay of its input,
 * output and end; see guest.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "guest.h"

/* --- the command --------------------------------------------------------- */

/* In the command's process: no capability it could use, ever. */
static int drop_privileges(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	if (setgroups(0, NULL) < 0 || setresgid(plan.gid, plan.gid, plan.gid) < 0)
		return -1;
	if (plan.nproc &&
	    setrlimit(RLIMIT_NPROC, &(struct rlimit){ plan.nproc, plan.nproc }) < 0)
		return -1;
	if (plan.uid == 0) {
		/* the share's files are uid 0's: the command is uid 0
		 * with nothing of root's power, and no way back to it */
		for (int cap = 0; cap <= 63; cap++)
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
				return -1;
		if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
			  SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
			  SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
			  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED, 0, 0, 0) < 0)
			return -1;
	} else if (setresuid(plan.uid, plan.uid, plan.uid) < 0) {
		return -1;
	}
	if (syscall(SYS_capset, &h, d) < 0)
		return -1;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

static void __attribute__((noreturn)) exec_command(int report, int in, int out,
						   int err, const char *slave)
{
	sigset_t none;
	int e;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		(void)signal(s, SIG_DFL);
	setsid();
	if (slave) {
		int fd = open(slave, O_RDWR);

		if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0)
			goto failed;
		in = out = err = fd;
	}
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		goto failed;
	if (chdir(plan.cwd ? plan.cwd : "/") < 0 || drop_privileges() < 0)
		goto failed;
	environ = plan.env.v ? plan.env.v : (char *[]){ NULL };
	execvp(plan.argv.v[0], plan.argv.v);
failed:
	e = errno;
	if (write(report, &e, sizeof e) < 0)
		_exit(127);
	_exit(127);
}

void start_command(struct child *c, int *exec_errno)
{
	int rep[2], in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	char *slave = NULL;
	ssize_t n;
	int e = 0;

	if (!plan.argv.n)
		fail("no command");
	if (pipe2(rep, O_CLOEXEC) < 0)
		fail("pipe: %s", strerror(errno));
	c->pty = -1;
	if (plan.tty) {
		struct winsize ws = { .ws_row = plan.rows, .ws_col = plan.cols };

		if ((c->pty = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 ||
		    grantpt(c->pty) < 0 || unlockpt(c->pty) < 0 || !(slave = ptsname(c->pty)))
			fail("terminal: %s", strerror(errno));
		ioctl(c->pty, TIOCSWINSZ, &ws);
	} else if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
		   pipe2(err, O_CLOEXEC) < 0) {
		fail("pipe: %s", strerror(errno));
	}
	if ((c->pid = fork()) < 0)
		fail("fork: %s", strerror(errno));
	if (c->pid == 0)
		exec_command(rep[1], in[0], out[1], err[1], slave);
	close(rep[1]);
	if (!plan.tty) {
		close(in[0]);
		close(out[1]);
		close(err[1]);
		c->in = in[1];
		c->out = out[0];
		c->err = err[0];
		fcntl(c->in, F_SETFL, O_NONBLOCK);
	} else {
		c->in = c->out = c->err = -1;
	}
	while ((n = read(rep[0], &e, sizeof e)) < 0 && errno == EINTR)
		;
	close(rep[0]);
	*exec_errno = n == sizeof e ? e : 0;
}

/* --- relaying ------------------------------------------------------------ */

static struct {
	unsigned char *buf;
	size_t len, cap;
	int eof;
} input;

void send_or_off(int type, const void *data, size_t n)
{
	if (art_vmf_write(ctl, type, data, n) < 0)
		power_off(); /* the host is gone: nobody to tell */
}

static void queue_input(const unsigned char *d, size_t n)
{
	if (!n) {
		input.eof = 1;
		return;
	}
	if (input.len + n > input.cap) {
		input.cap = input.len + n;
		if (!(input.buf = realloc(input.buf, input.cap)))
			fail("out of memory");
	}
	memcpy(input.buf + input.len, d, n);
	input.len += n;
}

/* Input into the command, as much as it takes now; acknowledged, so the
 * host sends more.  A command that closed its input drops the rest. */
static void feed_input(struct child *c)
{
	int fd = c->pty >= 0 ? c->pty : c->in;
	unsigned char ack[4];
	size_t done = 0;

	while (fd >= 0 && done < input.len) {
		ssize_t w = write(fd, input.buf + done, input.len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w < 0) {
			done = input.len; /* EPIPE: nobody reads it */
			break;
		}
		done += (size_t)w;
	}
	if (fd < 0)
		done = input.len;
	if (done) {
		memmove(input.buf, input.buf + done, input.len - done);
		input.len -= done;
		art_vmf_put32(ack, (uint32_t)done);
		send_or_off(ART_VMF_ACK, ack, sizeof ack);
	}
	if (input.eof && !input.len && c->in >= 0) {
		close(c->in);
		c->in = -1;
	}
}

static void on_frame(struct child *c, int type, const unsigned char *d, size_t n)
{
	switch (type) {
	case ART_VMF_IN:
		queue_input(d, n);
		break;
	case ART_VMF_WINCH:
		if (c->pty >= 0 && n == 8) {
			struct winsize ws = { .ws_row = (unsigned short)art_vmf_get32(d),
					      .ws_col = (unsigned short)art_vmf_get32(d + 4) };

			ioctl(c->pty, TIOCSWINSZ, &ws);
		}
		break;
	case ART_VMF_SIGNAL:
		if (n == 4 && c->pid > 0)
			kill(-c->pid, (int)art_vmf_get32(d));
		break;
	}
}

/* Output of fd as frames of type; -1 at its end. */
static int relay_output(int fd, int type)
{
	unsigned char buf[65536];
	ssize_t n = read(fd, buf, sizeof buf);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1; /* EOF; EIO from a terminal nobody holds */
	send_or_off(type, buf, (size_t)n);
	return 0;
}

/* The frames the reader holds: those that came with GO, then each read's. */
static void take_frames(struct child *c)
{
	const unsigned char *d;
	size_t len;
	int type;

	while (art_vmf_next(&rd, &type, &d, &len) == 1)
		on_frame(c, type, d, len);
	feed_input(c);
}

void relay(struct child *c, int sigfd, art_vm_end *end)
{
	int ended = 0;

	take_frames(c);
	for (;;) {
		struct pollfd pf[5];
		int n = 0, i, open_out = 0;

		pf[n++] = (struct pollfd){ .fd = ctl, .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		if (c->pty >= 0) {
			pf[n++] = (struct pollfd){ .fd = c->pty,
						   .events = POLLIN | (input.len ? POLLOUT : 0) };
			open_out = 1;
		}
		if (c->out >= 0)
			pf[n++] = (struct pollfd){ .fd = c->out, .events = POLLIN };
		if (c->err >= 0)
			pf[n++] = (struct pollfd){ .fd = c->err, .events = POLLIN };
		if (c->in >= 0 && (input.len || input.eof))
			pf[n++] = (struct pollfd){ .fd = c->in, .events = POLLOUT };
		open_out += c->out >= 0 || c->err >= 0;
		if (ended && !open_out)
			return;
		if (poll(pf, (nfds_t)n, -1) < 0)
			continue;
		for (i = 0; i < n; i++) {
			if (!pf[i].revents)
				continue;
			if (pf[i].fd == ctl) {
				unsigned char buf[65536];
				ssize_t r = read(ctl, buf, sizeof buf);

				if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
					power_off();
				if (r > 0 && art_vmf_feed(&rd, buf, (size_t)r) < 0)
					fail("out of memory");
				take_frames(c);
			} else if (pf[i].fd == sigfd) {
				struct signalfd_siginfo si;
				int st;
				pid_t p;

				while (read(sigfd, &si, sizeof si) == sizeof si)
					;
				while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
					if (p != c->pid)
						continue;
					ended = 1;
					end->exited = WIFEXITED(st);
					end->code = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
					end->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
					/* what it left behind dies with it */
					kill(-1, SIGKILL);
				}
			} else if (pf[i].fd == c->pty) {
				if ((pf[i].revents & POLLOUT))
					feed_input(c);
				/* EIO: nobody holds the terminal any more */
				if ((pf[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
				    relay_output(c->pty, ART_VMF_OUT) < 0) {
					close(c->pty);
					c->pty = -1;
				}
			} else if (pf[i].fd == c->in) {
				feed_input(c);
			} else if (pf[i].fd == c->out || pf[i].fd == c->err) {
				int *fd = pf[i].fd == c->out ? &c->out : &c->err;

				if (relay_output(*fd, fd == &c->out ? ART_VMF_OUT : ART_VMF_ERR) < 0) {
					close(*fd);
					*fd = -1;
				}
			}
		}
	}
}
