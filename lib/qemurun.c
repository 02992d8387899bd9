/*
 * qemurun.c - a command in art-vm's microVM (qemu.h): the plan the
 * guest's init gets, the command's input and output relayed between the
 * host's descriptors and the art.ctl port, its end, and nothing left
 * running after it.
 */
#define _GNU_SOURCE
#include "qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "fs.h"
#include "proc.h"
#include "vmproto.h"

/* Between SIGTERM and the end of the machine at the timeout, as the
 * cage's. */
#define GRACE_MS 2000
/* Booting to init: a kernel under TCG on a busy machine takes seconds. */
#define BOOT_KVM_MS 15000
#define BOOT_TCG_MS 120000
/* From the command's end to the machine's. */
#define POWEROFF_MS 10000

static const int relayed[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
#define NRELAYED (sizeof relayed / sizeof *relayed)

/* Bytes for the port, while it cannot take them all. */
struct outq {
	unsigned char *buf;
	size_t len, cap;
};

static void queue(struct outq *q, int type, const void *data, size_t n)
{
	unsigned char h[ART_VMF_HEADER];

	art_vmf_header(h, type, n);
	art_grow(&q->buf, &q->cap, q->len + sizeof h + n, 1);
	memcpy(q->buf + q->len, h, sizeof h);
	if (n)
		memcpy(q->buf + q->len + sizeof h, data, n);
	q->len += sizeof h + n;
}

static void plan(struct outq *q, int kind, const char *value)
{
	size_t n = strlen(value);
	char *rec = art_xmalloc(n + 1);

	rec[0] = (char)kind;
	memcpy(rec + 1, value, n);
	queue(q, ART_VMF_PLAN, rec, n + 1);
	free(rec);
}

static int within(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	return !strncmp(dir, path, n) && (path[n] == '/' || !path[n] || !strcmp(dir, "/"));
}

struct run {
	const art_cage *c;
	art_qemu_opts *q;
	art_qemu_share *shares;
	size_t nshares;
	char *tmpdir;
	art_qemu_vm vm;
	struct outq out;
	art_vmf_reader rd;
	int tty;
	struct termios saved;
	int raw;                  /* the host's terminal is raw: restore it */
	int in_open;              /* the host's stdin still read */
	size_t in_flight;         /* input sent, not acknowledged */
	int out_dead, err_dead;   /* the host's stdout, stderr refused more */
	int sigfd;
	sigset_t oldmask;
};

/* The shares: the common git dir read-only; the git data, the worktree
 * and --allow-write paths writable, each its own share over it. */
static int shares_of(struct run *r, art_err *e)
{
	const art_cage *c = r->c;
	size_t cap = 0;

#define SHARE(p, w) do { \
		art_grow(&r->shares, &cap, r->nshares + 1, sizeof *r->shares); \
		r->shares[r->nshares++] = (art_qemu_share){ (p), (w) }; \
	} while (0)
	if (r->q->common)
		SHARE(r->q->common, 0);
	for (const char *const *p = c->gitdata; p && *p; p++)
		SHARE(*p, 1);
	SHARE(c->workdir, 1);
	for (const char *const *p = c->writable; p && *p; p++)
		SHARE(*p, 1);
#undef SHARE
	for (size_t i = 0; i < r->nshares; i++) {
		struct stat st;

		if (stat(r->shares[i].path, &st) < 0)
			return art_err_sys(e, ART_EXIT_LOCAL, "%s", r->shares[i].path);
		if (!S_ISDIR(st.st_mode))
			return art_errf(e, ART_EXIT_INPUT,
					"%s: the microVM shares directories, not files", r->shares[i].path);
	}
	return 0;
}

/* A file the command's environment names (GIT_CONFIG_GLOBAL), given to
 * the guest by value: the rest of its directory stays out. */
static void plan_env_file(struct run *r, const char *name)
{
	size_t n = strlen(name), len;
	char *data = NULL;

	for (char *const *ev = r->c->envp; ev && *ev; ev++) {
		const char *path = *ev + n + 1;
		char *rec;

		if (strncmp(*ev, name, n) || (*ev)[n] != '=' || *path != '/')
			continue;
		for (size_t i = 0; i < r->nshares; i++)
			if (within(r->shares[i].path, path))
				return; /* there already */
		if (art_read_path(path, 1024 * 1024, &data, &len, &(art_err){ 0 }) != 0)
			return;
		rec = art_xmalloc(strlen(path) + len + 2);
		rec[0] = ART_VMP_FILE;
		memcpy(rec + 1, path, strlen(path) + 1);
		memcpy(rec + 2 + strlen(path), data, len);
		queue(&r->out, ART_VMF_PLAN, rec, strlen(path) + len + 2);
		free(rec);
		free(data);
		return;
	}
}

static void make_plan(struct run *r, const struct stat *owner)
{
	const art_cage *c = r->c;
	char buf[64];

	for (char *const *a = c->argv; *a; a++)
		plan(&r->out, ART_VMP_ARG, *a);
	for (char *const *ev = c->envp; ev && *ev; ev++)
		plan(&r->out, ART_VMP_ENV, *ev);
	plan(&r->out, ART_VMP_CWD, c->workdir);
	/* the command is the owner of the worktree: the one whom the
	 * shared files let write */
	snprintf(buf, sizeof buf, "%u", (unsigned)owner->st_uid);
	plan(&r->out, ART_VMP_UID, buf);
	snprintf(buf, sizeof buf, "%u", (unsigned)owner->st_gid);
	plan(&r->out, ART_VMP_GID, buf);
	if (c->net_loopback)
		plan(&r->out, ART_VMP_LOOPBACK, "");
	if (c->max_procs > 0) {
		snprintf(buf, sizeof buf, "%ld", c->max_procs);
		plan(&r->out, ART_VMP_NPROC, buf);
	}
	if (r->tty) {
		struct winsize ws = { 24, 80, 0, 0 };

		ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws);
		snprintf(buf, sizeof buf, "%u %u", ws.ws_row, ws.ws_col);
		plan(&r->out, ART_VMP_TTY, buf);
	}
	for (size_t i = 0; i < r->nshares; i++) {
		char *m = art_asprintf("%s art%zu %s", r->shares[i].writable ? "rw" : "ro", i,
				       r->shares[i].path);

		plan(&r->out, ART_VMP_MOUNT, m);
		free(m);
	}
	for (const char *const *p = c->pinned; p && *p; p++)
		plan(&r->out, ART_VMP_PIN, *p);
	for (const char *const *p = c->hidden; p && *p; p++)
		plan(&r->out, ART_VMP_HIDE, *p);
	plan_env_file(r, "GIT_CONFIG_GLOBAL");
	queue(&r->out, ART_VMF_GO, NULL, 0);
}

static void flush_out(struct run *r)
{
	while (r->out.len) {
		ssize_t n = write(r->vm.ctl, r->out.buf, r->out.len);

		if (n <= 0)
			return; /* EAGAIN: at the next POLLOUT; an error: at QEMU's end */
		memmove(r->out.buf, r->out.buf + n, r->out.len - (size_t)n);
		r->out.len -= (size_t)n;
	}
}

static void write_host(int fd, int *dead, const unsigned char *d, size_t n)
{
	if (!*dead && art_write_all(fd, d, n) < 0)
		*dead = 1; /* its reader left: the rest has nowhere to go */
}

/* --- the host's terminal ------------------------------------------------- */

static void terminal_raw(struct run *r)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &r->saved) < 0)
		return;
	t = r->saved;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0)
		r->raw = 1;
}

static void terminal_restore(struct run *r)
{
	if (r->raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &r->saved);
	r->raw = 0;
}

/* --- the machine's life -------------------------------------------------- */

enum phase { BOOTING, RUNNING, ENDED };

struct watch {
	enum phase phase;
	long long deadline;       /* of the boot, then of --timeout; 0: none */
	long long killing;        /* SIGTERM sent at the timeout: KILL then */
	long long started;        /* the command's start */
	int failed;               /* init said FAIL, or a broken stream */
	int qemu_gone;
	int status;               /* QEMU's wait status */
};

static void on_frame(struct run *r, struct watch *w, art_cage_result *res, int type,
		     const unsigned char *d, size_t n, art_err *e)
{
	switch (type) {
	case ART_VMF_OUT:
		write_host(STDOUT_FILENO, &r->out_dead, d, n);
		break;
	case ART_VMF_ERR:
		write_host(STDERR_FILENO, &r->err_dead, d, n);
		break;
	case ART_VMF_ACK:
		if (n == 4) {
			size_t k = art_vmf_get32(d);

			r->in_flight -= k < r->in_flight ? k : r->in_flight;
		}
		break;
	case ART_VMF_END:
		if (n == ART_VM_END_SIZE && w->phase == RUNNING) {
			art_vm_end x;

			art_vm_end_unpack(&x, d);
			res->exited = x.exited;
			res->code = x.code;
			res->signal = x.signal;
			res->exec_errno = x.exec_errno;
			res->duration_ms = art_mono_ms() - w->started;
			w->phase = ENDED;
			w->deadline = art_mono_ms() + POWEROFF_MS;
		}
		break;
	case ART_VMF_FAIL:
		if (!w->failed++)
			art_errf(e, ART_EXIT_LOCAL, "microVM: %.*s", (int)(n > 400 ? 400 : n), d);
		break;
	}
}

int art_qemu_run(const art_cage *c, art_qemu_opts *q, art_cage_result *res, art_err *e)
{
	struct run r = { .c = c, .q = q, .vm = { -1, -1 }, .sigfd = -1 };
	struct watch w = { .phase = BOOTING };
	art_vm_image img = { .kernel_fd = -1, .rootfs_fd = -1 };
	art_qemu_machine m;
	struct stat owner;
	sigset_t set;
	char *why = NULL;
	int rc, st;

	memset(res, 0, sizeof *res);
	res->denied_calls = json_object();
	if ((rc = art_vm_image_check(&img, e)) || (rc = shares_of(&r, e)))
		goto out;
	if (stat(c->workdir, &owner) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "%s", c->workdir);
		goto out;
	}
	if ((rc = art_qemu_accel(&img, &q->accel, &why, e)) != 0)
		goto out;
	if (why && !getenv("ART_VM_ACCEL"))
		fprintf(stderr, "%s: KVM is not usable (%s): the microVM runs under TCG "
			"emulation, which is slow\n", art_prog(), why);
	if ((rc = art_qemu_tmpdir("art-vm", &r.tmpdir, e)) != 0)
		goto out;
	/* the governors and the log, before anything boots */
	if (c->before_exec && (rc = c->before_exec(c->ctx, e)) != 0)
		goto out;
	r.tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	sigemptyset(&set);
	for (size_t i = 0; i < NRELAYED; i++)
		sigaddset(&set, relayed[i]);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &r.oldmask);
	r.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	m = (art_qemu_machine){ .img = &img, .accel = q->accel,
				.memory_mb = q->memory_mb > 0 ? q->memory_mb : 512,
				.cpus = q->cpus > 0 ? q->cpus : 1,
				.shares = r.shares, .nshares = r.nshares, .tmpdir = r.tmpdir };
	if (r.sigfd < 0 || (rc = art_qemu_start(&m, &r.vm, e)) != 0) {
		if (!rc)
			rc = art_err_sys(e, ART_EXIT_LOCAL, "signalfd");
		goto out;
	}
	fcntl(r.vm.ctl, F_SETFL, O_NONBLOCK);
	w.deadline = art_mono_ms() + (strcmp(q->accel, "kvm") ? BOOT_TCG_MS : BOOT_KVM_MS);
	r.in_open = 1;
	if (r.tty)
		terminal_raw(&r);

	while (!w.qemu_gone) {
		struct pollfd pf[3];
		int n = 0, wait_ms = -1, i;
		long long now = art_mono_ms();

		if (waitpid(r.vm.pid, &st, WNOHANG) == r.vm.pid) {
			w.qemu_gone = 1;
			w.status = st;
		}
		if (w.deadline && now >= w.deadline && !w.killing) {
			if (w.phase == BOOTING) {
				char *said = art_qemu_last_words(r.tmpdir);

				if (!w.failed++)
					art_errf(e, ART_EXIT_LOCAL, "the microVM did not reach its init in %d s%s%s",
						 (strcmp(q->accel, "kvm") ? BOOT_TCG_MS : BOOT_KVM_MS) / 1000,
						 *said ? ": " : "", said);
				free(said);
				w.killing = now;
			} else if (w.phase == RUNNING) {
				unsigned char sig[4];

				res->timed_out = 1;
				art_vmf_put32(sig, SIGTERM);
				queue(&r.out, ART_VMF_SIGNAL, sig, sizeof sig);
				w.killing = now + GRACE_MS;
			} else {
				w.killing = now; /* it did not power off */
			}
		}
		if (w.killing && now >= w.killing)
			kill(r.vm.pid, SIGKILL);
		if (w.qemu_gone)
			break;
		if (w.killing)
			wait_ms = (int)(w.killing > now ? w.killing - now : 10);
		else if (w.deadline)
			wait_ms = (int)(w.deadline > now ? w.deadline - now : 0);
		flush_out(&r);
		pf[n++] = (struct pollfd){ .fd = r.vm.ctl,
					   .events = POLLIN | (r.out.len ? POLLOUT : 0) };
		pf[n++] = (struct pollfd){ .fd = r.sigfd, .events = POLLIN };
		if (r.in_open && w.phase == RUNNING && r.in_flight < ART_VMF_WINDOW &&
		    r.out.len < ART_VMF_WINDOW)
			pf[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		if (poll(pf, (nfds_t)n, wait_ms) < 0)
			continue;
		for (i = 0; i < n; i++) {
			if (!pf[i].revents)
				continue;
			if (pf[i].fd == r.vm.ctl) {
				unsigned char buf[65536];
				const unsigned char *d;
				size_t len;
				int type, got;
				ssize_t k = read(r.vm.ctl, buf, sizeof buf);

				if (k > 0)
					art_vmf_feed(&r.rd, buf, (size_t)k);
				while ((got = art_vmf_next(&r.rd, &type, &d, &len)) == 1) {
					if (type == ART_VMF_READY && w.phase == BOOTING) {
						w.phase = RUNNING;
						w.started = art_mono_ms();
						w.deadline = c->timeout_ms > 0 ? w.started + c->timeout_ms : 0;
						make_plan(&r, &owner);
						continue;
					}
					on_frame(&r, &w, res, type, d, len, e);
				}
				if (got < 0 && !w.failed++) {
					art_errf(e, ART_EXIT_LOCAL, "microVM: its init's frames are broken");
					w.killing = art_mono_ms();
				}
				if (w.failed && !w.killing)
					w.killing = art_mono_ms() + POWEROFF_MS;
			} else if (pf[i].fd == r.sigfd) {
				struct signalfd_siginfo si;

				while (read(r.sigfd, &si, sizeof si) == sizeof si) {
					unsigned char b[8];

					if (si.ssi_signo == SIGCHLD)
						continue;
					if (si.ssi_signo == SIGWINCH && r.tty) {
						struct winsize ws;

						if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
							art_vmf_put32(b, ws.ws_row);
							art_vmf_put32(b + 4, ws.ws_col);
							queue(&r.out, ART_VMF_WINCH, b, 8);
						}
					} else if (si.ssi_signo != SIGWINCH && w.phase == RUNNING) {
						art_vmf_put32(b, si.ssi_signo);
						queue(&r.out, ART_VMF_SIGNAL, b, 4);
					} else if (si.ssi_signo != SIGWINCH && !w.killing) {
						w.killing = art_mono_ms(); /* not started: stop */
					}
				}
			} else {
				unsigned char buf[65536];
				size_t room = ART_VMF_WINDOW - r.in_flight;
				ssize_t k = read(STDIN_FILENO, buf, room < sizeof buf ? room : sizeof buf);

				if (k < 0 && (errno == EINTR || errno == EAGAIN))
					continue;
				if (k <= 0) {
					r.in_open = 0;
					if (!r.tty)
						queue(&r.out, ART_VMF_IN, NULL, 0);
				} else {
					queue(&r.out, ART_VMF_IN, buf, (size_t)k);
					r.in_flight += (size_t)k;
				}
			}
		}
	}
	terminal_restore(&r);
	if (w.phase != ENDED && !res->timed_out && !w.failed) {
		char *said = art_qemu_last_words(r.tmpdir);

		rc = art_errf(e, ART_EXIT_LOCAL, "the microVM stopped before the command ended (%s%s%s)",
			      WIFSIGNALED(w.status) ? "QEMU killed by " : "QEMU exited",
			      WIFSIGNALED(w.status) ? strsignal(WTERMSIG(w.status)) : "",
			      *said ? said : "");
		free(said);
	} else if (w.failed && w.phase != ENDED) {
		rc = e->status ? e->status : ART_EXIT_LOCAL;
	}
	if (res->timed_out && w.phase != ENDED)
		res->duration_ms = art_mono_ms() - w.started;
	if (!rc && c->after_end)
		c->after_end(c->ctx, res);
out:
	terminal_restore(&r);
	if (r.vm.pid > 0 && !w.qemu_gone) {
		kill(r.vm.pid, SIGKILL);
		waitpid(r.vm.pid, NULL, 0);
	}
	if (r.vm.ctl >= 0)
		close(r.vm.ctl);
	if (r.sigfd >= 0) {
		close(r.sigfd);
		sigprocmask(SIG_SETMASK, &r.oldmask, NULL);
	}
	if (r.tmpdir)
		art_rm_rf(r.tmpdir);
	art_vmf_reader_free(&r.rd);
	free(r.out.buf);
	free(r.shares);
	free(r.tmpdir);
	free(why);
	art_vm_image_free(&img);
	return rc;
}
