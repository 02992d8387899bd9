/* qemu.c - starting art-vm's microVM, and choosing its accelerator; see qemu.h. */
#define _GNU_SOURCE
#include "qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "fs.h"
#include "proc.h"
#include "vmproto.h"

#define QEMU "qemu-system-x86_64"
/* How long KVM may take to reach the guest's init before it is judged
 * not to work: a working KVM does it in well under a second. */
#define PROBE_MS 8000

/* A QEMU option value: its commas doubled, as QEMU's parser wants. */
static char *opt_escape(const char *s)
{
	size_t n = 0;
	char *out, *o;

	for (const char *p = s; *p; p++)
		n += *p == ',' ? 2 : 1;
	o = out = art_xmalloc(n + 1);
	for (const char *p = s; *p; p++) {
		*o++ = *p;
		if (*p == ',')
			*o++ = ',';
	}
	*o = '\0';
	return out;
}

/* The host's TSC in kHz, as the guest's clock under TCG runs on it; 0
 * when unknown. */
static long host_tsc_khz(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[256];
	double mhz = 0;

	while (f && fgets(line, sizeof line, f)) {
		char *colon = strchr(line, ':');

		if (!strncmp(line, "cpu MHz", 7) && colon) {
			mhz = strtod(colon + 1, NULL);
			break;
		}
	}
	if (f)
		(void)fclose(f);
	return (long)(mhz * 1000);
}

struct args {
	char **v;
	size_t n, cap;
};

static void arg(struct args *a, char *s)
{
	art_grow(&a->v, &a->cap, a->n + 2, sizeof *a->v);
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

/* The descriptors QEMU gets: the port on 0 and 1, its messages on 2, the
 * kernel and the rootfs on these. */
enum { KERNEL_FD = 3, ROOTFS_FD = 4 };

static void build_args(const art_qemu_machine *m, struct args *a)
{
	char *con = art_join(m->tmpdir, "console.log"), *esc = opt_escape(con);
	long khz = host_tsc_khz();

	arg(a, art_strdup(QEMU));
	arg(a, art_strdup("-M"));
	arg(a, art_asprintf("microvm,accel=%s,rtc=on", m->accel));
	arg(a, art_strdup("-m"));
	arg(a, art_asprintf("%d", m->memory_mb));
	arg(a, art_strdup("-smp"));
	arg(a, art_asprintf("%d", m->cpus));
	/* nothing but what is named here: no NIC, no disk, no monitor */
	arg(a, art_strdup("-nodefaults"));
	arg(a, art_strdup("-no-user-config"));
	arg(a, art_strdup("-nic"));
	arg(a, art_strdup("none"));
	arg(a, art_strdup("-display"));
	arg(a, art_strdup("none"));
	arg(a, art_strdup("-no-reboot"));
	/* QEMU itself under a seccomp filter: no new privileges, no
	 * processes, no scheduler games */
	arg(a, art_strdup("-sandbox"));
	arg(a, art_strdup("on,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"));
	arg(a, art_strdup("-kernel"));
	arg(a, art_asprintf("/proc/self/fd/%d", KERNEL_FD));
	arg(a, art_strdup("-initrd"));
	arg(a, art_asprintf("/proc/self/fd/%d", ROOTFS_FD));
	arg(a, art_strdup("-append"));
	/* panic=-1 and -no-reboot: a guest that panics ends QEMU.  Under
	 * TCG the kernel cannot time its clock against a PIT it emulates
	 * too slowly: it is told the TSC's rate, and to skip the delay loop
	 * calibration */
	arg(a, !strcmp(m->accel, "tcg") && khz > 0
		       ? art_asprintf("console=ttyS0 quiet panic=-1 rdinit=/init "
				      "tsc_early_khz=%ld tsc=reliable lpj=%ld",
				      khz, khz * 2)
		       : art_strdup("console=ttyS0 quiet panic=-1 rdinit=/init"));
	arg(a, art_strdup("-chardev"));
	arg(a, art_asprintf("file,id=con,path=%s", esc));
	arg(a, art_strdup("-serial"));
	arg(a, art_strdup("chardev:con"));
	arg(a, art_strdup("-device"));
	arg(a, art_strdup("virtio-serial-device"));
	arg(a, art_strdup("-chardev"));
	arg(a, art_strdup("stdio,id=ctl,signal=off"));
	arg(a, art_strdup("-device"));
	arg(a, art_strdup("virtserialport,chardev=ctl,name=art.ctl"));
	for (size_t i = 0; i < m->nshares; i++) {
		char *p = opt_escape(m->shares[i].path);

		arg(a, art_strdup("-fsdev"));
		/* security_model=none: files are made as this user, as in
		 * the cage; QEMU's local backend never follows a link out
		 * of the share */
		arg(a, art_asprintf("local,id=fs%zu,path=%s,security_model=none%s", i, p,
				    m->shares[i].writable ? "" : ",readonly=on"));
		arg(a, art_strdup("-device"));
		arg(a, art_asprintf("virtio-9p-device,fsdev=fs%zu,mount_tag=art%zu", i, i));
		free(p);
	}
	free(esc);
	free(con);
}

static char *find_qemu(void)
{
	const char *path = getenv("PATH");
	char *copy = art_strdup(path && *path ? path : "/usr/bin:/bin"), *dir, *save = NULL;
	char *found = NULL;

	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *p = art_join(dir, QEMU);

		if (*dir == '/' && access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(copy);
	return found;
}

int art_qemu_start(const art_qemu_machine *m, art_qemu_vm *vm, art_err *e)
{
	struct args a = { 0 };
	char *qemu = find_qemu(), *log = art_join(m->tmpdir, "qemu.log");
	int sv[2] = { -1, -1 }, logfd = -1, rc = 0;
	pid_t parent = getpid();

	vm->pid = -1;
	vm->ctl = -1;
	if (!qemu) {
		rc = art_errf(e, ART_EXIT_LOCAL, "no " QEMU " in PATH: the microVM needs QEMU "
			      "(apt-get install qemu-system-x86)");
		goto out;
	}
	build_args(m, &a);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    (logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot prepare the microVM");
		goto out;
	}
	if ((vm->pid = fork()) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "fork");
		goto out;
	}
	if (vm->pid == 0) {
		/* QEMU dies with art-vm, even a killed one */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(125);
		setpgid(0, 0);
		if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0 || dup2(logfd, 2) < 0 ||
		    dup2(m->img->kernel_fd, KERNEL_FD) < 0 || dup2(m->img->rootfs_fd, ROOTFS_FD) < 0)
			_exit(125);
		(void)close_range(ROOTFS_FD + 1, ~0U, 0);
		(void)signal(SIGPIPE, SIG_DFL);
		execv(qemu, a.v);
		_exit(127);
	}
	vm->ctl = sv[0];
	sv[0] = -1;
out:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (logfd >= 0)
		close(logfd);
	for (size_t i = 0; i < a.n; i++)
		free(a.v[i]);
	free(a.v);
	free(qemu);
	free(log);
	return rc;
}

/* The last non-empty line of a file, without its control characters. */
static char *last_line(const char *path)
{
	char *buf = NULL, *end, *start;
	size_t n = 0;

	if (art_read_path(path, 1 << 20, &buf, &n, &(art_err){ 0 }) != 0)
		return NULL;
	end = buf + n;
	while (end > buf && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		*--end = '\0';
	start = end;
	while (start > buf && start[-1] != '\n')
		start--;
	for (char *p = start; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	start = *start ? art_strdup(start) : NULL;
	free(buf);
	return start;
}

char *art_qemu_last_words(const char *tmpdir)
{
	char *log = art_join(tmpdir, "qemu.log"), *con = art_join(tmpdir, "console.log");
	char *said = last_line(log);

	if (!said)
		said = last_line(con);
	free(log);
	free(con);
	return said ? said : art_strdup("");
}

/* --- the accelerator ------------------------------------------------------- */

/* /dev/kvm opens, speaks API 12 and makes a VM: NULL, else why not. */
static char *kvm_answers(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), vmfd;

	if (fd < 0)
		return art_asprintf("/dev/kvm: %s", strerror(errno));
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		close(fd);
		return art_strdup("/dev/kvm: not the KVM API this QEMU speaks");
	}
	vmfd = ioctl(fd, KVM_CREATE_VM, 0);
	close(fd);
	if (vmfd < 0)
		return art_asprintf("/dev/kvm: cannot create a VM: %s", strerror(errno));
	close(vmfd);
	return NULL;
}

/* What the verdict of a boot probe depends on. */
static json_t *probe_key(const art_vm_image *img)
{
	char *qemu = find_qemu(), boot[64] = "";
	struct stat st = { 0 };
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (f) {
		if (!fgets(boot, sizeof boot, f))
			boot[0] = '\0';
		boot[strcspn(boot, "\n")] = '\0';
		(void)fclose(f);
	}
	if (qemu)
		stat(qemu, &st);
	json_t *k = json_pack("{s:s, s:s, s:s?, s:I, s:I}", "boot_id", boot,
			      "kernel_sha256", img->kernel_sha256, "qemu", qemu,
			      "qemu_size", (json_int_t)st.st_size,
			      "qemu_mtime", (json_int_t)st.st_mtime);
	free(qemu);
	return k;
}

int art_qemu_tmpdir(const char *prefix, char **dir, art_err *e)
{
	const char *tmp = getenv("TMPDIR");
	char *name = art_asprintf("%s.XXXXXX", prefix);

	if (!tmp || *tmp != '/')
		tmp = "/tmp";
	*dir = art_join(tmp, name);
	free(name);
	if (mkdtemp(*dir))
		return 0;
	free(*dir);
	*dir = NULL;
	return art_err_sys(e, ART_EXIT_LOCAL, "cannot make a directory in %s", tmp);
}

/* Boot img's kernel under KVM until its init says READY: NULL, else why
 * not (malloc'd). */
static char *kvm_boots(const art_vm_image *img, art_err *e, int *rc)
{
	char *dir = NULL;
	art_qemu_machine m = { .img = img, .accel = "kvm", .memory_mb = 256, .cpus = 1 };
	art_qemu_vm vm = { .pid = -1, .ctl = -1 };
	char *why = NULL;
	long long deadline = art_mono_ms() + PROBE_MS;
	unsigned char buf[ART_VMF_HEADER] = { 0 };
	size_t got = 0;

	if ((*rc = art_qemu_tmpdir("art-vm-probe", &dir, e)) != 0)
		goto out;
	m.tmpdir = dir;
	if ((*rc = art_qemu_start(&m, &vm, e)) != 0)
		goto out;
	while (got < sizeof buf) {
		struct pollfd pf = { .fd = vm.ctl, .events = POLLIN };
		long long left = deadline - art_mono_ms();
		ssize_t n;

		if (left <= 0 || poll(&pf, 1, (int)left) <= 0) {
			why = art_asprintf("KVM did not boot the kernel to its init in %d s",
					   PROBE_MS / 1000);
			break;
		}
		if ((n = read(vm.ctl, buf + got, sizeof buf - got)) <= 0) {
			char *said = art_qemu_last_words(dir);

			why = art_asprintf("QEMU with KVM stopped: %s", *said ? said : "no message");
			free(said);
			break;
		}
		got += (size_t)n;
	}
	if (!why && buf[0] != ART_VMF_READY)
		why = art_strdup("KVM's guest said something else than READY");
out:
	if (vm.pid > 0) {
		kill(vm.pid, SIGKILL);
		waitpid(vm.pid, NULL, 0);
	}
	if (vm.ctl >= 0)
		close(vm.ctl);
	if (dir)
		art_rm_rf(dir);
	free(dir);
	return why;
}

int art_qemu_accel(const art_vm_image *img, const char **accel, char **why, art_err *e)
{
	const char *forced = getenv("ART_VM_ACCEL");
	char *path = art_join(img->dir, "kvm-probe.json"), *text = NULL;
	json_t *key = NULL, *saved = NULL;
	size_t n;
	int rc = 0;

	*why = NULL;
	*accel = "tcg";
	if (forced && *forced) {
		if (strcmp(forced, "kvm") && strcmp(forced, "tcg"))
			rc = art_errf(e, ART_EXIT_USAGE, "ART_VM_ACCEL=%s: expected kvm or tcg", forced);
		else if (!strcmp(forced, "kvm"))
			*accel = "kvm";
		else
			*why = art_strdup("ART_VM_ACCEL=tcg");
		goto out;
	}
	if ((*why = kvm_answers()) != NULL)
		goto out;
	key = probe_key(img);
	if (art_read_path(path, 65536, &text, &n, &(art_err){ 0 }) == 0 &&
	    (saved = json_loadb(text, n, 0, NULL)) &&
	    json_equal(json_object_get(saved, "key"), key)) {
		json_t *w = json_object_get(saved, "why");

		if (json_is_string(w))
			*why = art_strdup(json_string_value(w));
		else
			*accel = "kvm";
		goto out;
	}
	if ((*why = kvm_boots(img, e, &rc)) == NULL && !rc)
		*accel = "kvm";
	if (!rc) {
		json_t *verdict = json_pack("{s:O, s:s?}", "key", key, "why", *why);
		char *out = json_dumps(verdict, JSON_COMPACT);

		art_write_atomic(path, out, strlen(out), 0600, 0, &(art_err){ 0 });
		free(out);
		json_decref(verdict);
	}
out:
	json_decref(key);
	json_decref(saved);
	free(text);
	free(path);
	return rc;
}

int art_qemu_preferred(void)
{
	art_vm_image img;
	art_err e = { 0 };
	const char *accel;
	char *why = NULL, *qemu = find_qemu();
	int yes = 0;

	if (qemu && art_vm_image_check(&img, &e) == 0) {
		yes = art_qemu_accel(&img, &accel, &why, &e) == 0 && !strcmp(accel, "kvm");
		art_vm_image_free(&img);
	}
	free(why);
	free(qemu);
	return yes;
}
