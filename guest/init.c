/*
 * guest/init.c - pid 1 of art-vm's microVM (art-vm(1), --backend qemu).
 *
 * Linked statically and put at /init of the image's rootfs.cpio by
 * `art-vm image build`.  It mounts the kernel's file systems, loads the
 * modules the image lists (/etc/art/modules), finds the "art.ctl"
 * virtio-serial port and says READY on it; art-vm answers with the plan
 * (lib/vmproto.h): the 9p shares to mount and where, the paths to pin
 * read-only or hide, the command, its environment, uid and gid.  init
 * mounts them, starts the command in a session of its own with no
 * capability left, relays its input and output as frames, kills what it
 * left behind once it ended, sends END and powers the machine off.
 *
 * The command never holds the port: init opens it, keeps it from the
 * command (close-on-exec, pid 1 not dumpable) and removes its device
 * node, so that only init's END can say how the command ended.
 *
 * libc only (and lib/vmproto.c): nothing of the host is here to link.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

int ctl = -1;

/* --- the end ------------------------------------------------------------- */

void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/* Why the command could not be run: to art-vm when the port is open,
 * else to the console; then off. */
void fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof msg)
		n = sizeof msg - 1;
	if (ctl < 0 || art_vmf_write(ctl, ART_VMF_FAIL, msg, (size_t)n) < 0)
		dprintf(2, "art-vm init: %s\n", msg);
	power_off();
}


/* --- the machine --------------------------------------------------------- */

void mkdirs(const char *path, mode_t mode)
{
	char buf[4096], *p;

	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		fail("path too long: %.64s...", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			fail("mkdir %s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		fail("mkdir %s: %s", buf, strerror(errno));
}

void mount_or_fail(const char *src, const char *dst, const char *type,
			  unsigned long flags, const char *data)
{
	mkdirs(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0)
		fail("mount %s on %s: %s", type ? type : src, dst, strerror(errno));
}

static void kernel_file_systems(void)
{
	const unsigned long safe = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	mount_or_fail("proc", "/proc", "proc", safe, NULL);
	mount_or_fail("sysfs", "/sys", "sysfs", safe | MS_RDONLY, NULL);
	mount_or_fail("dev", "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755");
	mount_or_fail("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		      "mode=0620,ptmxmode=0666");
	mount_or_fail("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mount_or_fail("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
}

/* The modules of /etc/art/modules, in order (dependencies first). */
static void load_modules(void)
{
	FILE *f = fopen("/etc/art/modules", "re");
	char line[256], path[512];

	if (!f)
		fail("/etc/art/modules: %s", strerror(errno));
	while (fgets(line, sizeof line, f)) {
		int fd;

		line[strcspn(line, "\n")] = '\0';
		if (!*line || strchr(line, '/'))
			continue;
		snprintf(path, sizeof path, "/lib/modules/art/%s", line);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			fail("%s: %s", path, strerror(errno));
		if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
			fail("loading %s: %s", line, strerror(errno));
		close(fd);
	}
	(void)fclose(f);
}

/* The art.ctl port, once the host has announced it (it may take a while
 * after virtio_console is loaded, and longer without KVM). */
static int open_port(void)
{
	for (int tries = 0; tries < 30000; tries++) {
		DIR *d = opendir("/sys/class/virtio-ports");
		struct dirent *de;

		while (d && (de = readdir(d))) {
			char path[300], name[64] = "";
			int fd;
			ssize_t n;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/name", de->d_name);
			if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
				continue;
			n = read(fd, name, sizeof name - 1);
			close(fd);
			if (n <= 0 || strncmp(name, "art.ctl", 7) || (name[7] != '\n' && name[7]))
				continue;
			snprintf(path, sizeof path, "/dev/%s", de->d_name);
			if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
				continue;
			/* the command, which may be uid 0, cannot open
			 * what has no node; nor make one (no CAP_MKNOD) */
			unlink(path);
			closedir(d);
			return fd;
		}
		if (d)
			closedir(d);
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	fail("no art.ctl port: the host's virtio-serial device is missing");
}

void loopback_up(void)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		fail("lo: %s", strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		fail("lo up: %s", strerror(errno));
	close(s);
}

int main(void)
{
	struct child c = { .pid = -1, .in = -1, .out = -1, .err = -1, .pty = -1 };
	art_vm_end end = { 0 };
	unsigned char packed[ART_VM_END_SIZE];
	sigset_t chld;
	int sigfd;

	if (getpid() != 1)
		return 1;
	/* no process may read init's memory or descriptors: the port */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)signal(SIGPIPE, SIG_IGN);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	if ((sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		fail("signalfd: %s", strerror(errno));
	kernel_file_systems();
	/* 0, 1 and 2 are the console's (the image has /dev/console); were
	 * they not, the port and pipes must not take their numbers */
	for (int fd = 0; fd >= 0 && fd < 3;)
		if ((fd = open("/dev/null", O_RDWR)) >= 3)
			close(fd);
	load_modules();
	ctl = open_port();
	send_or_off(ART_VMF_READY, NULL, 0);
	read_plan();
	sethostname("art-vm", 6);
	build_view();
	start_command(&c, &end.exec_errno);
	relay(&c, sigfd, &end);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	art_vm_end_pack(packed, &end);
	send_or_off(ART_VMF_END, packed, sizeof packed);
	power_off();
}
