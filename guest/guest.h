/*
 * guest.h - what the pieces of the microVM's init (guest/) share.
 *
 *   init.c      pid 1: the machine (file systems, modules, the port), the
 *               order of things, and the end (power off)
 *   plan.c      the plan art-vm sends, and the view it describes: the
 *               shares mounted, what is pinned or hidden, the guest's files
 *   command.c   the command, with no privilege left, and the relay of its
 *               input, output and end on the port
 */
#ifndef ART_GUEST_H
#define ART_GUEST_H

#include <stddef.h>
#include <sys/types.h>

#include "vmproto.h"

extern int ctl;                 /* the art.ctl port */
extern art_vmf_reader rd;       /* frames from the host */

/* init.c */
void power_off(void) __attribute__((noreturn));
/* Why the command could not be run: to art-vm when the port is open,
 * else to the console; then off. */
void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void mkdirs(const char *path, mode_t mode);
void mount_or_fail(const char *src, const char *dst, const char *type,
		   unsigned long flags, const char *data);
void loopback_up(void);

/* plan.c */
struct list {
	char **v;
	size_t n, cap;
};

struct plan {
	struct list argv, env, mounts, pins, hides, files;
	char *cwd;
	uid_t uid;
	gid_t gid;
	int loopback, tty;
	unsigned short rows, cols;
	unsigned long nproc;       /* 0: no limit */
};
extern struct plan plan;

/* Frames until GO. */
void read_plan(void);
/* The guest's files, the shares, pins and hides of the plan; lo up when
 * asked. */
void build_view(void);

/* command.c */
struct child {
	pid_t pid;
	int in, out, err;      /* init's ends: -1 once closed */
	int pty;               /* the terminal's master, or -1 */
};

/* One frame to art-vm; a host gone is the end. */
void send_or_off(int type, const void *data, size_t n);
/* Start the plan's command; *exec_errno: why it could not be executed. */
void start_command(struct child *c, int *exec_errno);
/* Relay until the command and all it left are gone; *end: how it ended. */
void relay(struct child *c, int sigfd, art_vm_end *end);

#endif
