/*
 * doctorsys.c - the kernel probes of art-doctor; see doctorsys.h.
 *
 * Each probe does what the cage does, in a child that exits at once: a
 * kernel, a container profile or a sysctl can refuse any of it, and only
 * trying tells.  The fixes name the setting to change, as cage.c's own
 * messages do when art-vm fails.
 */
#define _GNU_SOURCE
#include "doctorsys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doctor.h"
#include "fs.h"
#include "proc.h"

/* SCMP_ACT_NOTIFY, which the cage's filter uses, came with API level 5. */
#define SECCOMP_API_NOTIFY 5

/* A sysctl's number, or -1 when the kernel has no such sysctl.  One
 * read: a sysctl answers a read at a non-zero offset with nothing, so
 * art_read_path's growing reads would see its first byte only. */
static long sysctl_value(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof buf - 1)) < 0 && errno == EINTR)
		;
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static json_t *sysctl_json(long v)
{
	return v < 0 ? json_null() : json_integer(v);
}

/* Wait for pid; its exit status, or -1 when it did not exit. */
static int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* --- user namespaces ------------------------------------------------------ */

/* The cage's clone and id maps (cage.c): 0, or -1 with errno and what
 * failed in *step. */
static int userns_try(const char **step)
{
	char map[64];
	int go[2], rc = 0, err = 0;
	pid_t pid;

	*step = "clone";
	if (pipe2(go, O_CLOEXEC) < 0)
		return -1;
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
			     CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD,
			     NULL, NULL, NULL, NULL);
	if (pid == 0) {
		char c;

		/* until the maps are written: the parent closes its end */
		close(go[1]);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	err = errno;
	close(go[0]);
	if (pid < 0) {
		close(go[1]);
		errno = err;
		return -1;
	}
	if (art_write_proc(pid, "setgroups", "deny") < 0 && errno != ENOENT) {
		*step = "setgroups";
		rc = -1;
	}
	snprintf(map, sizeof map, "%lu %lu 1\n", (unsigned long)geteuid(),
		 (unsigned long)geteuid());
	if (!rc && art_write_proc(pid, "uid_map", map) < 0) {
		*step = "uid_map";
		rc = -1;
	}
	snprintf(map, sizeof map, "%lu %lu 1\n", (unsigned long)getegid(),
		 (unsigned long)getegid());
	if (!rc && art_write_proc(pid, "gid_map", map) < 0) {
		*step = "gid_map";
		rc = -1;
	}
	err = errno;
	close(go[1]);
	reap(pid);
	errno = err;
	return rc;
}

json_t *art_doctor_userns(void)
{
	long maxns = sysctl_value("/proc/sys/user/max_user_namespaces");
	long unpriv = sysctl_value("/proc/sys/kernel/unprivileged_userns_clone");
	long aa = sysctl_value("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	int root = geteuid() == 0;
	const char *step;
	json_t *v;
	char *fix;

	v = json_pack("{s:b, s:o, s:o, s:o}", "root", root,
		      "max_user_namespaces", sysctl_json(maxns),
		      "unprivileged_userns_clone", sysctl_json(unpriv),
		      "apparmor_restrict_unprivileged_userns", sysctl_json(aa));
	if (userns_try(&step) == 0)
		return art_doctor_record("userns", 1, 1, v, NULL);
	json_object_set_new(v, "error", json_sprintf("%s: %s", step, strerror(errno)));
	/* the settings that refuse them, most common first (cage.c's order) */
	if (maxns == 0)
		fix = art_strdup("user namespaces are disabled: sysctl -w user.max_user_namespaces=15000 "
				 "(1000 or more; persist it in /etc/sysctl.d/)");
	else if (!root && unpriv == 0)
		fix = art_strdup("user namespaces are disabled for unprivileged users: "
				 "sysctl -w kernel.unprivileged_userns_clone=1 (persist it in /etc/sysctl.d/)");
	else if (!root && aa == 1)
		fix = art_strdup("AppArmor restricts unprivileged user namespaces: "
				 "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, "
				 "or an AppArmor profile for art-vm that allows userns");
	else
		fix = art_asprintf("the kernel refused the cage's namespaces (%s: %s): a container's "
				   "seccomp or AppArmor profile may forbid them, or an enclosing user "
				   "namespace has user.max_user_namespaces=0; run art where user "
				   "namespaces are allowed",
				   step, json_string_value(json_object_get(v, "error")));
	v = art_doctor_record("userns", 0, 1, v, fix);
	free(fix);
	return v;
}

/* --- seccomp -------------------------------------------------------------- */

/* "Seccomp:" of /proc/self/status: 0 none, 2 already under a filter. */
static long seccomp_mode(void)
{
	char *s = NULL, *p;
	size_t len;
	long m = -1;
	art_err ignored;

	if (art_read_path("/proc/self/status", 64 * 1024, &s, &len, &ignored) == 0 &&
	    (p = strstr(s, "\nSeccomp:")) != NULL)
		m = strtol(p + 9, NULL, 10);
	free(s);
	return m;
}

/* Load an allow-all filter with a listener, as cageseal.c loads its own:
 * 0, or the errno the kernel answered. */
static int listener_try(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct sock_filter allow[] = {
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = { 1, allow };

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(errno & 0xff);
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			    SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog) < 0)
			_exit(errno & 0xff);
		_exit(0);
	}
	if (pid < 0)
		return errno;
	st = reap(pid);
	return st < 0 ? ECHILD : st;
}

json_t *art_doctor_seccomp(void)
{
	unsigned int api = seccomp_api_get();
	long mode = seccomp_mode();
	int err = listener_try();
	json_t *v = json_pack("{s:b, s:i, s:o}", "listener", err == 0,
			      "libseccomp_api", (int)api, "filtered",
			      mode < 0 ? json_null() : json_boolean(mode == 2));
	const char *fix = NULL;

	if (err)
		json_object_set_new(v, "error", json_string(strerror(err)));
	if (err == EBUSY)
		fix = "this process is under a seccomp filter with a listener already (inside art-vm's "
		      "cage, or a container supervisor's): run art outside it";
	else if (err == EINVAL || err == ENOSYS)
		fix = "the kernel has no seccomp user notification: Linux 5.0 or later, "
		      "built with CONFIG_SECCOMP_FILTER";
	else if (err)
		fix = "the kernel refused a seccomp filter with a listener: a container's "
		      "profile may forbid seccomp(2); run art where it is allowed";
	else if (api < SECCOMP_API_NOTIFY)
		fix = "libseccomp does not offer SCMP_ACT_NOTIFY here (API level under 5): "
		      "libseccomp 2.5 or later, on Linux 5.0 or later";
	return art_doctor_record("seccomp", fix == NULL, 1, v, fix);
}

/* --- Landlock ------------------------------------------------------------- */

json_t *art_doctor_landlock(void)
{
	int root = geteuid() == 0;
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);
	int err = errno;
	json_t *v;
	const char *fix;

	if (abi > 0) {
		/* 4: TCP rules (--net none holds at two layers); 6: signals
		 * and abstract sockets scoped to the cage */
		v = json_pack("{s:i, s:b, s:b}", "abi", (int)abi, "net", abi >= 4,
			      "scoped", abi >= 6);
		return art_doctor_record("landlock", 1, root, v, NULL);
	}
	v = json_pack("{s:i, s:s}", "abi", 0, "error", strerror(err));
	if (err == EOPNOTSUPP)
		fix = "Landlock is built in but not enabled: add landlock to the lsm= kernel "
		      "parameter (e.g. lsm=landlock,lockdown,yama,integrity,apparmor) and reboot";
	else
		fix = "the kernel has no Landlock: Linux 5.13 or later, built with "
		      "CONFIG_SECURITY_LANDLOCK; without it the cage has one layer "
		      "(its mounts) on writes, and art-vm refuses to run as root";
	return art_doctor_record("landlock", 0, root, v, fix);
}

/* --- KVM and QEMU ---------------------------------------------------------- */

json_t *art_doctor_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), api, err = errno;
	const char *fix;
	json_t *v;

	if (fd >= 0) {
		api = ioctl(fd, KVM_GET_API_VERSION, 0);
		err = errno;
		close(fd);
		if (api == KVM_API_VERSION)
			return art_doctor_record("kvm", 1, 0,
						 json_pack("{s:s, s:i}", "device", "/dev/kvm",
							   "api", api),
						 NULL);
		v = json_pack("{s:s, s:i}", "device", "/dev/kvm", "api", api);
		if (api < 0)
			json_object_set_new(v, "error", json_string(strerror(err)));
		return art_doctor_record("kvm", 0, 0, v,
					 "/dev/kvm does not answer as KVM should: check the kvm modules");
	}
	v = json_pack("{s:s, s:s}", "device", "/dev/kvm", "error", strerror(err));
	if (err == EACCES || err == EPERM)
		fix = "this user may not use /dev/kvm: add it to the device's group "
		      "(usually kvm: usermod -aG kvm USER) and log in again";
	else
		fix = "no usable /dev/kvm: enable virtualisation in the firmware and load "
		      "kvm_intel or kvm_amd (in a VM: nested virtualisation)";
	return art_doctor_record("kvm", 0, 0, v, fix);
}

/* The microVM image's record (vmimage.h), read, not checked: checking
 * hashes it, which art-vm image status does. */
static json_t *vm_image(void)
{
	char *base = NULL, *rec = NULL, *text = NULL;
	art_err e = { 0 };
	json_t *v, *j = NULL;
	size_t n;

	if (art_user_dir("XDG_CACHE_HOME", ".cache", "the microVM image", &base, &e) != 0)
		return json_null();
	rec = art_asprintf("%s/vm/image.json", base);
	if (art_read_path(rec, 1024 * 1024, &text, &n, &e) == 0)
		j = json_loadb(text, n, 0, NULL);
	v = json_pack("{s:s, s:b, s:O?}", "record", rec, "built", j != NULL,
		      "release", json_object_get(j, "release"));
	json_decref(j);
	free(text);
	free(rec);
	free(base);
	return v;
}

json_t *art_doctor_qemu(void)
{
	struct utsname u;
	char *name, *path;
	json_t *v, *r, *img;
	int built;

	if (uname(&u) < 0)
		snprintf(u.machine, sizeof u.machine, "x86_64");
	name = art_asprintf("qemu-system-%s", u.machine);
	path = art_doctor_which(name);
	img = vm_image();
	built = json_is_true(json_object_get(img, "built"));
	v = json_pack("{s:s, s:o, s:o}", "program", name,
		      "path", path ? json_string(path) : json_null(), "image", img);
	/* art-vm --backend qemu needs both; the cage needs neither */
	r = art_doctor_record("qemu", path != NULL && built, 0, v,
			      !path ? "install QEMU for art-vm --backend qemu "
				      "(Debian: apt install qemu-system-x86)"
			      : !built ? "build the microVM image: art-vm image build "
					 "(needs linux-image-amd64 and busybox-static)"
			      : NULL);
	free(name);
	free(path);
	return r;
}

char *art_doctor_which(const char *prog)
{
	const char *p = getenv("PATH"), *end;
	struct stat st;
	char *dir, *full;

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0 ? art_strdup(prog) : NULL;
	for (p = p && *p ? p : "/usr/bin:/bin"; ; p = end + 1) {
		end = strchrnul(p, ':');
		/* an empty entry is the current directory, as for execvp */
		dir = end > p ? art_asprintf("%.*s", (int)(end - p), p) : art_strdup(".");
		full = art_join(dir, prog);
		free(dir);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0)
			return full;
		free(full);
		if (!*end)
			return NULL;
	}
}
