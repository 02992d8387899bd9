/*
 * cageseal.c - the command's last steps before exec; see cageproto.h.
 *
 * Prepared in pid 1 while art-vm asks the governors (the Landlock rules,
 * the filter's BPF), applied in the command: no_new_privs first (Landlock
 * and an unprivileged seccomp filter need it, and setuid files lose their
 * power), then Landlock, then every capability, then the filter: the
 * filter last, so that nothing above is itself filtered.
 */
#define _GNU_SOURCE
#include "cageproto.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "fs.h"

/* --- Landlock -------------------------------------------------------------
 * Debian 12's headers stop at ABI 2; the numbers below are the kernel's
 * stable ABI (include/uapi/linux/landlock.h). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#define ART_LL_NET_BIND_TCP (1ULL << 0)
#define ART_LL_NET_CONNECT_TCP (1ULL << 1)
#define ART_LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define ART_LL_SCOPE_SIGNAL (1ULL << 1)

/* struct landlock_ruleset_attr as of ABI 6; the kernel takes a shorter
 * size from older callers, so it is cut to what the ABI knows. */
struct art_ll_ruleset {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

/* Every access that writes, as far as the kernel knows them. */
static uint64_t write_accesses(int abi)
{
	uint64_t a = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
		     LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
		     LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		     LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
		     LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;

	if (abi >= 2)
		a |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		a |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return a;
}

static int allow_beneath(int ruleset, const char *path, uint64_t access)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = access };
	int rc;

	if ((pb.parent_fd = open(path, O_PATH | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	rc = (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH,
			  &pb, 0);
	close(pb.parent_fd);
	return rc;
}

/* Writes only where the mounts allow them: the same set, held by a layer
 * that does not depend on the mounts.  The ruleset in s->ruleset (-1 and
 * s->abi 0 when the kernel has no Landlock). */
static int landlock(const art_cage *c, art_cage_seal *s, art_err *e)
{
	struct art_ll_ruleset attr = { 0 };
	size_t size = sizeof attr.handled_access_fs;
	const char *const *p;
	uint64_t w;
	int rs, v;

	v = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
			 LANDLOCK_CREATE_RULESET_VERSION);
	s->abi = v > 0 ? v : 0;
	if (v <= 0)
		return 0;
	w = write_accesses(v);
	attr.handled_access_fs = w;
	if (v >= 4) {
		size = offsetof(struct art_ll_ruleset, scoped);
		/* no network: no TCP either, whatever the sockets say */
		if (!c->net_loopback)
			attr.handled_access_net = ART_LL_NET_BIND_TCP | ART_LL_NET_CONNECT_TCP;
	}
	if (v >= 6) {
		size = sizeof attr;
		/* no signal, no abstract socket, out of the cage's domain */
		attr.scoped = ART_LL_SCOPE_ABSTRACT_UNIX | ART_LL_SCOPE_SIGNAL;
	}
	if ((rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0)) < 0)
		return art_err_sys(e, ART_EXIT_LOCAL, "cage: cannot create a Landlock ruleset");
	if (allow_beneath(rs, c->workdir, w) < 0 || allow_beneath(rs, "/tmp", w) < 0 ||
	    allow_beneath(rs, "/run", w) < 0 || allow_beneath(rs, "/dev", w) < 0)
		goto fail;
	for (p = c->writable; p && *p; p++)
		if (allow_beneath(rs, *p, w) < 0)
			goto fail;
	/* git's data: no link, FIFO, socket or device that git outside the
	 * cage would follow, or block on, later */
	for (p = c->gitdata; p && *p; p++)
		if (allow_beneath(rs, *p, w & ~(LANDLOCK_ACCESS_FS_MAKE_SYM |
						 LANDLOCK_ACCESS_FS_MAKE_FIFO |
						 LANDLOCK_ACCESS_FS_MAKE_SOCK |
						 LANDLOCK_ACCESS_FS_MAKE_CHAR |
						 LANDLOCK_ACCESS_FS_MAKE_BLOCK)) < 0)
			goto fail;
	s->ruleset = rs;
	return 0;
fail:
	art_err_sys(e, ART_EXIT_LOCAL, "cage: cannot make the Landlock rules");
	close(rs);
	return e->status;
}

/* --- capabilities ------------------------------------------------------------ */

static int drop_capabilities(art_err *e)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0 } };
	int cap;

	/* the bounding set first, while CAP_SETPCAP is still held */
	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return art_err_sys(e, ART_EXIT_LOCAL, "cage: cannot drop capability %d", cap);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return art_err_sys(e, ART_EXIT_LOCAL, "cage: cannot clear the ambient capabilities");
	if (syscall(SYS_capset, &hdr, data) < 0)
		return art_err_sys(e, ART_EXIT_LOCAL, "cage: cannot drop the capabilities");
	return 0;
}

/* --- seccomp ------------------------------------------------------------------ */

/* Refused outright, whatever their arguments. */
static const char *const denied[] = {
	"ptrace", "process_vm_readv", "process_vm_writev",
	"mount", "umount2", "umount", "pivot_root", "chroot",
	"open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
	"mount_setattr", "setns",
	"keyctl", "add_key", "request_key",
	"bpf", "perf_event_open", "userfaultfd",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	"kexec_load", "kexec_file_load",
	"init_module", "finit_module", "delete_module",
	"open_by_handle_at", "name_to_handle_at", "lookup_dcookie",
	"acct", "swapon", "swapoff", "reboot", "quotactl", "nfsservctl",
	"uselib", "iopl", "ioperm", "vhangup", "syslog",
};

/* New namespaces, by clone(2) or unshare(2). */
static const unsigned long ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWUTS,
	CLONE_NEWIPC, CLONE_NEWCGROUP, 0x00000080 /* CLONE_NEWTIME */,
};

/* Rule, or 0 when this architecture has no such call (-EDOM from
 * libseccomp for a name it cannot resolve is skipped too). */
static int rule(scmp_filter_ctx ctx, uint32_t action, const char *name,
		unsigned n, const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0;
	return seccomp_rule_add_array(ctx, action, nr, n, cmp);
}

static int build_filter(const art_cage *c, scmp_filter_ctx ctx)
{
	static const int families[] = { AF_NETLINK, AF_PACKET, AF_VSOCK };
	struct scmp_arg_cmp cmp;
	size_t i;
	int rc = 0;

	/* 32-bit and x32 entry points: not this architecture's, refused and
	 * counted like the rest */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_NOTIFY) < 0)
		rc |= seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(EPERM));
	for (i = 0; i < sizeof denied / sizeof *denied; i++)
		rc |= rule(ctx, SCMP_ACT_NOTIFY, denied[i], 0, NULL);
	for (i = 0; i < sizeof ns_flags / sizeof *ns_flags; i++) {
		cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]);
		rc |= rule(ctx, SCMP_ACT_NOTIFY, "unshare", 1, &cmp);
		rc |= rule(ctx, SCMP_ACT_NOTIFY, "clone", 1, &cmp);
	}
	/* clone3 hides its flags in memory a filter cannot read: ENOSYS
	 * makes the C library fall back to clone, whose flags it can */
	rc |= rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
	/* typing into the terminal (ioctl's request is an int: the high
	 * half is masked off) */
	cmp = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI);
	rc |= rule(ctx, SCMP_ACT_NOTIFY, "ioctl", 1, &cmp);
	cmp = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX);
	rc |= rule(ctx, SCMP_ACT_NOTIFY, "ioctl", 1, &cmp);
	/* the kernel takes the family as an int: the high half is masked
	 * off, else socket(AF_UNIX | 1 << 32, ...) would pass */
	for (i = 0; i < sizeof families / sizeof *families; i++) {
		cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, (scmp_datum_t)families[i]);
		rc |= rule(ctx, SCMP_ACT_NOTIFY, "socket", 1, &cmp);
	}
	/* a socket file of the host's, anywhere the cage can see, would
	 * connect whatever the mounts say (connecting is not writing):
	 * no AF_UNIX socket but a socketpair, unless asked */
	if (!c->allow_unix) {
		struct scmp_arg_cmp dgram[2] = {
			SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_UNIX),
			SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM),
		};

		cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_UNIX);
		rc |= rule(ctx, SCMP_ACT_NOTIFY, "socket", 1, &cmp);
		/* a datagram socket of a pair can still send to any path */
		rc |= rule(ctx, SCMP_ACT_NOTIFY, "socketpair", 2, dgram);
	}
	if (!c->net_loopback) {
		cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_INET);
		rc |= rule(ctx, SCMP_ACT_NOTIFY, "socket", 1, &cmp);
		cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_INET6);
		rc |= rule(ctx, SCMP_ACT_NOTIFY, "socket", 1, &cmp);
	}
	return rc;
}

/* The filter as BPF, built now so that the command only loads it: its
 * generation is the slow part of libseccomp. */
static int seccomp_prepare(const art_cage *c, art_cage_seal *s, art_err *e)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int fd = -1, rc = 0;
	off_t len;

	if (!ctx)
		return art_errf(e, ART_EXIT_LOCAL, "cage: cannot make a seccomp filter");
	if (build_filter(c, ctx) != 0) {
		rc = art_errf(e, ART_EXIT_LOCAL, "cage: cannot build the seccomp filter");
		goto out;
	}
	if ((fd = memfd_create("art-seccomp", MFD_CLOEXEC)) < 0 ||
	    seccomp_export_bpf(ctx, fd) < 0 || (len = lseek(fd, 0, SEEK_CUR)) <= 0 ||
	    len % sizeof(struct sock_filter) || len / sizeof(struct sock_filter) > 0xffff) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cage: cannot export the seccomp filter");
		goto out;
	}
	s->prog.len = (unsigned short)(len / sizeof(struct sock_filter));
	s->prog.filter = art_xmalloc((size_t)len);
	if (pread(fd, s->prog.filter, (size_t)len, 0) != len)
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cage: cannot read the seccomp filter back");
out:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return rc;
}

int art_cage_seal_prepare(const art_cage *c, art_cage_seal *s, art_err *e)
{
	memset(s, 0, sizeof *s);
	s->ruleset = -1;
	return landlock(c, s, e) || seccomp_prepare(c, s, e) ? e->status : 0;
}

int art_cage_seal_apply(const art_cage_seal *s, int *listener, art_err *e)
{
	*listener = -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return art_err_sys(e, ART_EXIT_LOCAL, "cage: cannot set no_new_privs");
	if (s->ruleset >= 0 && syscall(SYS_landlock_restrict_self, s->ruleset, 0) < 0)
		return art_err_sys(e, ART_EXIT_LOCAL, "cage: cannot apply Landlock");
	if (drop_capabilities(e))
		return e->status;
	/* the listener is where each refused call waits for art-vm's answer */
	*listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				 SECCOMP_FILTER_FLAG_NEW_LISTENER, &s->prog);
	if (*listener < 0)
		return art_err_sys(e, ART_EXIT_LOCAL,
				   "cage: cannot load the seccomp filter (Linux 5.0 or later is needed)");
	return 0;
}
