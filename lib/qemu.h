/*
 * qemu.h - art-vm's microVM backend (art-vm(1), --backend qemu): the
 * command in a QEMU "microvm" machine with its own kernel (vmimage.h),
 * the worktree and the git data its commits need shared in over 9p at
 * the same paths, nothing else of the host, no network device.
 *
 *   qemu.c       the machine: its command line, starting it, and which
 *                accelerator (KVM where a VM really runs on it, else TCG)
 *   qemurun.c    a run: the plan for the guest's init, the command's
 *                input and output relayed, its end (vmproto.h)
 */
#ifndef ART_QEMU_H
#define ART_QEMU_H

#include <sys/types.h>

#include "cage.h"
#include "diag.h"
#include "vmimage.h"

/* One 9p share: path, on the host and in the guest. */
typedef struct art_qemu_share {
	const char *path;
	int writable;
} art_qemu_share;

/* A machine to start. */
typedef struct art_qemu_machine {
	const art_vm_image *img;
	const char *accel;            /* "kvm" or "tcg" */
	int memory_mb, cpus;
	const art_qemu_share *shares;
	size_t nshares;
	const char *tmpdir;           /* its console log and QEMU's messages */
} art_qemu_machine;

typedef struct art_qemu_vm {
	pid_t pid;
	int ctl;                      /* the art.ctl port's host end */
} art_qemu_vm;

/* Start it (QEMU dies with this process).  ART_EXIT_LOCAL when QEMU is
 * not installed or could not be started. */
int art_qemu_start(const art_qemu_machine *m, art_qemu_vm *vm, art_err *e);

/* A private directory for a machine's logs, under $TMPDIR when it is an
 * absolute path, else /tmp: *dir (malloc'd), NULL on failure. */
int art_qemu_tmpdir(const char *prefix, char **dir, art_err *e);

/* The last line QEMU or the guest's console said in tmpdir (malloc'd,
 * "" when nothing): for the message when the machine died. */
char *art_qemu_last_words(const char *tmpdir);

/*
 * The accelerator for img: ART_VM_ACCEL ("kvm" or "tcg") when set; else
 * KVM when /dev/kvm opens, answers and boots img's kernel to its init
 * within a few seconds (on a nested host it may exist and not work),
 * else TCG, *why saying why not KVM (malloc'd).  The boot's verdict is
 * kept in the image's directory for this host boot, this kernel and
 * this QEMU.
 */
int art_qemu_accel(const art_vm_image *img, const char **accel, char **why, art_err *e);

/* Is the microVM the cheap choice (--backend auto): an image and KVM
 * that works? */
int art_qemu_preferred(void);

/* What a run adds to the cage's description of it. */
typedef struct art_qemu_opts {
	const char *common;           /* the git common dir: read-only */
	int memory_mb, cpus;          /* 0: 512 MiB, 1 CPU */
	const char *accel;            /* out: the accelerator used */
} art_qemu_opts;

/*
 * Run c's command in a microVM, as art_cage_run runs it in the cage:
 * the same callbacks, result and statuses.  c->visible is not shared
 * (the cage needs it for its own /tmp); c->allow_unix has no meaning
 * in a guest of its own.
 */
int art_qemu_run(const art_cage *c, art_qemu_opts *q, art_cage_result *res, art_err *e);

#endif
