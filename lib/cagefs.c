/*
 * cagefs.c - the file system the cage sees; see cage.h.
 *
 * In pid 1 of the cage, which has every capability of its own user
 * namespace and a mount namespace of its own (nothing here reaches the
 * host's mounts):
 *   1. everything private, a tmpfs as a staging root, pivot_root into it
 *      with the host's tree at /oldroot;
 *   2. /newroot: the host's tree again, read-only, nosuid, nodev;
 *   3. a fresh /proc of the cage's PID namespace, a minimal /dev, a
 *      private /tmp and /run;
 *   4. the writable paths bound over their read-only selves, the pinned
 *      ones read-only again inside them, the hidden ones covered;
 *   5. /oldroot detached, pivot_root into /newroot.
 * The order matters: each step covers the one before.
 */
#define _GNU_SOURCE
#include "cageproto.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs.h"

#define STAGE "/tmp"   /* bubblewrap's choice: a directory every host has */
#define NEW "/newroot"
#define OLD "/oldroot"

/* Parts of the cage's /proc that are the kernel's, not the cage's. */
static const char *const proc_ro[] = { "sys", "sysrq-trigger", "irq", "bus",
				       "fs", "acpi", "scsi" };

/* Devices of /dev, bound from the host's: no mknod in a user namespace. */
static const char *const devices[] = { "null", "zero", "full", "random",
				       "urandom", "tty" };

static int fail(art_err *e, const char *what, const char *path)
{
	return art_err_sys(e, ART_EXIT_LOCAL, "cage: cannot %s %s", what, path);
}

/* The flags a remount must keep: in a user namespace the host's nodev,
 * nosuid, noexec and atime flags are locked, and dropping one is EPERM. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
	return f;
}

/* A mount point of mountinfo, its \ooo escapes (space, tab, newline,
 * backslash) undone, in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/*
 * Make the mount at path, and with all every mount below it, read-only
 * (ro: else only nosuid and nodev).  mount_setattr(2) does the tree at
 * once; before Linux 5.12, each mount below path in mountinfo (read
 * through the host's /proc: the staging root has none) is remounted,
 * and any failure is one.
 */
static int restrict_tree(const char *path, int ro, int all, art_err *e)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				   (ro ? MOUNT_ATTR_RDONLY : 0) };
	FILE *mi;
	char *line = NULL;
	size_t cap = 0, plen = strlen(path);

	if (syscall(SYS_mount_setattr, AT_FDCWD, path, all ? AT_RECURSIVE : 0,
		    &attr, sizeof attr) == 0)
		return 0;
	if (errno != ENOSYS)
		return fail(e, "make read-only", path);
	if (!all)
		return mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_NOSUID |
			     MS_NODEV | (ro ? MS_RDONLY : 0) | locked_flags(path),
			     NULL) < 0 ? fail(e, "make read-only", path) : 0;
	if (!(mi = fopen(OLD "/proc/self/mountinfo", "re")))
		return fail(e, "read", "/proc/self/mountinfo");
	while (getline(&line, &cap, mi) > 0) {
		char mp[4096];

		/* id parent major:minor root mountpoint ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		unescape(mp);
		if (strncmp(mp, path, plen) || (mp[plen] && mp[plen] != '/'))
			continue;
		if (mount(NULL, mp, NULL, MS_BIND | MS_REMOUNT | MS_NOSUID |
			  MS_NODEV | (ro ? MS_RDONLY : 0) | locked_flags(mp),
			  NULL) < 0) {
			free(line);
			(void)fclose(mi);
			return fail(e, "make read-only", mp);
		}
	}
	free(line);
	(void)fclose(mi); /* read only: nothing to lose */
	return 0;
}

/* Bind src over dst (both under the current root), optionally with the
 * mounts below src, then restrict it. */
static int bind(const char *src, const char *dst, int ro, art_err *e)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return fail(e, "bind", dst);
	return restrict_tree(dst, ro, 1, e);
}

/* mkdir, an existing directory being fine. */
static int mkdir_ok(const char *path, mode_t mode, art_err *e)
{
	return mkdir(path, mode) < 0 && errno != EEXIST ? fail(e, "create", path) : 0;
}

/* An empty file to bind a device or /dev/null onto. */
static int touch(const char *path, art_err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0 && errno != EEXIST)
		return fail(e, "create", path);
	if (fd >= 0)
		close(fd);
	return 0;
}

/* Whatever the host had mounted at path (under NEW) goes, so that what
 * the cage mounts there is all there is. */
static void detach(const char *path)
{
	while (umount2(path, MNT_DETACH) == 0)
		;
}

static int stage(art_err *e)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(e, "make private", "/");
	if (mount("tmpfs", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return fail(e, "mount a tmpfs on", STAGE);
	if (chdir(STAGE) < 0 || mkdir_ok("newroot", 0755, e) ||
	    mkdir_ok("oldroot", 0755, e))
		return e->status ? e->status : fail(e, "enter", STAGE);
	if (syscall(SYS_pivot_root, ".", "oldroot") < 0)
		return fail(e, "pivot_root into", STAGE);
	if (chdir("/") < 0)
		return fail(e, "enter", "/");
	/* the host's tree, read-only from here on */
	return bind(OLD, NEW, 1, e);
}

static int proc_dev_tmp(art_err *e)
{
	char src[64], dst[64];
	size_t i;

	detach(NEW "/proc");
	if (mount("proc", NEW "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return fail(e, "mount", "/proc");
	/* the kernel's settings: read-only, as bubblewrap has them (a cage
	 * run as root is the host's uid 0 to the files there) */
	for (i = 0; i < sizeof proc_ro / sizeof *proc_ro; i++) {
		snprintf(dst, sizeof dst, NEW "/proc/%s", proc_ro[i]);
		if (access(dst, F_OK) < 0)
			continue;
		if (mount(dst, dst, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    restrict_tree(dst, 1, 1, e))
			return e->status ? e->status : fail(e, "make read-only", dst);
	}

	detach(NEW "/dev");
	if (mount("tmpfs", NEW "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755") < 0)
		return fail(e, "mount a tmpfs on", "/dev");
	for (i = 0; i < sizeof devices / sizeof *devices; i++) {
		snprintf(src, sizeof src, OLD "/dev/%s", devices[i]);
		snprintf(dst, sizeof dst, NEW "/dev/%s", devices[i]);
		if (access(src, F_OK) < 0)
			continue;
		if (touch(dst, e) || mount(src, dst, NULL, MS_BIND, NULL) < 0)
			return e->status ? e->status : fail(e, "bind", dst);
	}
	if (mkdir_ok(NEW "/dev/pts", 0755, e) || mkdir_ok(NEW "/dev/shm", 01777, e))
		return e->status;
	if (mount("devpts", NEW "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=620") < 0)
		return fail(e, "mount", "/dev/pts");
	if (mount("tmpfs", NEW "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=25%") < 0)
		return fail(e, "mount a tmpfs on", "/dev/shm");
	if (symlink("pts/ptmx", NEW "/dev/ptmx") < 0 ||
	    symlink("/proc/self/fd", NEW "/dev/fd") < 0 ||
	    symlink("/proc/self/fd/0", NEW "/dev/stdin") < 0 ||
	    symlink("/proc/self/fd/1", NEW "/dev/stdout") < 0 ||
	    symlink("/proc/self/fd/2", NEW "/dev/stderr") < 0)
		return fail(e, "create the links of", "/dev");
	/* nothing more is created in /dev; its devices stay usable */
	if (mount(NULL, NEW "/dev", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
		  "mode=0755") < 0)
		return fail(e, "make read-only", "/dev");

	/* a quarter of the memory each, at most: /tmp and /dev/shm together
	 * cannot take more than half of it */
	detach(NEW "/tmp");
	if (mount("tmpfs", NEW "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=25%") < 0)
		return fail(e, "mount a tmpfs on", "/tmp");
	/* the host's /run holds its daemons' sockets: the cage has its own
	 * (a repository there is bound in again, as one in /tmp is) */
	if (access(NEW "/run", F_OK) == 0) {
		detach(NEW "/run");
		if (mount("tmpfs", NEW "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
			return fail(e, "mount a tmpfs on", "/run");
	}
	return 0;
}

/* NEW + host path, in buf. */
static const char *inside(char *buf, size_t len, const char *path)
{
	snprintf(buf, len, NEW "%s", path);
	return buf;
}

/*
 * The mount point for the host's src at dst: there already, unless dst
 * is in one of the cage's own file systems (/tmp), where the directories
 * leading to it, and it, are made.  Never through a link: a path given
 * here is canonical on the host, and a link on the way is refused.
 */
static int mount_point(const char *src, char *dst, art_err *e)
{
	struct stat st, want;
	char *slash;

	if (lstat(dst, &st) == 0)
		return S_ISLNK(st.st_mode) ? fail(e, "mount over a link at", dst) : 0;
	if (stat(src, &want) < 0)
		return fail(e, "find", src);
	for (slash = strchr(dst + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (lstat(dst, &st) < 0 ? mkdir(dst, 0755) < 0 : !S_ISDIR(st.st_mode)) {
			*slash = '/';
			return fail(e, "make the way to", dst);
		}
		*slash = '/';
	}
	return S_ISDIR(want.st_mode) ? mkdir_ok(dst, 0755, e) : touch(dst, e);
}

/* The host's path bound at the same place in the cage. */
static int bind_same(const char *path, int ro, art_err *e)
{
	char src[4096 + sizeof OLD], dst[4096 + sizeof NEW];

	snprintf(src, sizeof src, OLD "%s", path);
	inside(dst, sizeof dst, path);
	return mount_point(src, dst, e) || bind(src, dst, ro, e) ? e->status : 0;
}

static int writable(const art_cage *c, art_err *e)
{
	char dst[4096 + sizeof NEW];
	const char *const *p;

	for (p = c->visible; p && *p; p++)
		if (bind_same(*p, 1, e))
			return e->status;
	/* the work directory first: the git paths may lie below it */
	if (bind_same(c->workdir, 0, e))
		return e->status;
	for (p = c->writable; p && *p; p++)
		if (bind_same(*p, 0, e))
			return e->status;
	for (p = c->gitdata; p && *p; p++)
		if (bind_same(*p, 0, e))
			return e->status;
	/* pinned: bound over themselves, read-only, so that they can be
	 * neither written, nor replaced (a mount point cannot be renamed
	 * over or removed) */
	for (p = c->pinned; p && *p; p++) {
		inside(dst, sizeof dst, *p);
		if (mount(dst, dst, NULL, MS_BIND, NULL) < 0)
			return fail(e, "pin", *p);
		if (restrict_tree(dst, 1, 0, e))
			return e->status;
	}
	return 0;
}

static int hidden(const art_cage *c, art_err *e)
{
	char dst[4096 + sizeof NEW];
	const char *const *p;
	struct stat st;

	for (p = c->hidden; p && *p; p++) {
		if (lstat(inside(dst, sizeof dst, *p), &st) < 0)
			continue; /* gone meanwhile: nothing to hide */
		if (S_ISDIR(st.st_mode)) {
			detach(dst);
			if (mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC |
				  MS_RDONLY, "size=0,mode=0500") < 0)
				return fail(e, "hide", *p);
		} else {
			/* read-only, but not nodev: it reads empty, as said */
			struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };

			if (mount(OLD "/dev/null", dst, NULL, MS_BIND, NULL) < 0)
				return fail(e, "hide", *p);
			if (syscall(SYS_mount_setattr, AT_FDCWD, dst, 0, &ro, sizeof ro) < 0 &&
			    mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY |
				  locked_flags(dst), NULL) < 0)
				return fail(e, "hide", *p);
		}
	}
	return 0;
}

int art_cagefs_build(const art_cage *c, art_err *e)
{
	if (stage(e) || proc_dev_tmp(e) || writable(c, e) || hidden(c, e))
		return e->status;
	if (umount2(OLD, MNT_DETACH) < 0)
		return fail(e, "detach", "the host's tree");
	if (chdir(NEW) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		return fail(e, "pivot_root into", "the cage");
	/* the staging root is under the new one now: let it go */
	if (umount2(".", MNT_DETACH) < 0)
		return fail(e, "detach", "the staging root");
	if (chdir(c->workdir) < 0)
		return fail(e, "enter", c->workdir);
	return 0;
}
