/* plan.c - the plan from art-vm, and the guest's view it describes; see guest.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

/* --- the plan ------------------------------------------------------------ */

static void push(struct list *l, char *s)
{
	if (l->n + 2 > l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		if (!(l->v = realloc(l->v, l->cap * sizeof *l->v)))
			fail("out of memory");
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

struct plan plan;

static char *dup_n(const unsigned char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		fail("out of memory");
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* Files keep their length in front: "<length>:<path>\0<contents>". */
static void plan_record(const unsigned char *p, size_t n)
{
	char *v;

	if (n < 1)
		fail("empty plan record");
	if (p[0] == ART_VMP_FILE) {
		char head[32];
		int len = snprintf(head, sizeof head, "%zu:", n - 1);

		v = malloc((size_t)len + n);
		if (!v)
			fail("out of memory");
		memcpy(v, head, (size_t)len);
		memcpy(v + len, p + 1, n - 1);
		v[(size_t)len + n - 1] = '\0';
		push(&plan.files, v);
		return;
	}
	v = dup_n(p + 1, n - 1);
	if (strlen(v) != n - 1)
		fail("plan record '%c' holds a NUL", p[0]);
	switch (p[0]) {
	case ART_VMP_ARG: push(&plan.argv, v); return;
	case ART_VMP_ENV: push(&plan.env, v); return;
	case ART_VMP_CWD: plan.cwd = v; return;
	case ART_VMP_UID: plan.uid = (uid_t)strtoul(v, NULL, 10); break;
	case ART_VMP_GID: plan.gid = (gid_t)strtoul(v, NULL, 10); break;
	case ART_VMP_LOOPBACK: plan.loopback = 1; break;
	case ART_VMP_NPROC: plan.nproc = strtoul(v, NULL, 10); break;
	case ART_VMP_TTY: {
		char *end;
		unsigned long rows = strtoul(v, &end, 10), cols = strtoul(end, &end, 10);

		plan.tty = 1;
		plan.rows = (unsigned short)(rows < 65535 ? rows : 65535);
		plan.cols = (unsigned short)(cols < 65535 ? cols : 65535);
		break;
	}
	case ART_VMP_MOUNT: push(&plan.mounts, v); return;
	case ART_VMP_PIN: push(&plan.pins, v); return;
	case ART_VMP_HIDE: push(&plan.hides, v); return;
	default: fail("unknown plan record '%c'", p[0]);
	}
	free(v);
}

art_vmf_reader rd;

/* Frames until GO. */
void read_plan(void)
{
	unsigned char buf[65536];

	for (;;) {
		const unsigned char *d;
		size_t n;
		int type, got;
		ssize_t r;

		while ((got = art_vmf_next(&rd, &type, &d, &n)) == 1) {
			if (type == ART_VMF_GO)
				return;
			if (type == ART_VMF_PLAN)
				plan_record(d, n);
		}
		if (got < 0)
			fail("the host's frames are broken");
		r = read(ctl, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			power_off(); /* the host went away */
		if (art_vmf_feed(&rd, buf, (size_t)r) < 0)
			fail("out of memory");
	}
}

static int by_length(const void *a, const void *b)
{
	size_t la = strlen(strchr(strchr(*(char *const *)a, ' ') + 1, ' '));
	size_t lb = strlen(strchr(strchr(*(char *const *)b, ' ') + 1, ' '));

	return la < lb ? -1 : la > lb;
}

static void write_file(const char *path, const char *data, size_t n, mode_t mode)
{
	char *dir = strdup(path), *slash;
	int fd;

	if (!dir)
		fail("out of memory");
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		mkdirs(dir, 0755);
	}
	free(dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, data, n) != (ssize_t)n)
		fail("%s: %s", path, strerror(errno));
	close(fd);
}

/* The view: the guest's own files first (they are under no share), the
 * shares parents first, then what is pinned and hidden in them. */
void build_view(void)
{
	char users[256];
	size_t i;
	int n;

	for (i = 0; i < plan.files.n; i++) {
		char *colon = strchr(plan.files.v[i], ':'), *path = colon + 1;
		size_t total = strtoul(plan.files.v[i], NULL, 10), plen = strlen(path);

		if (plen >= total)
			fail("a plan file has no contents");
		write_file(path, path + plen + 1, total - plen - 1, 0644);
	}
	n = snprintf(users, sizeof users, "root:x:0:0:root:/root:/bin/sh\n");
	if (plan.uid)
		n += snprintf(users + n, sizeof users - (size_t)n,
			      "agent:x:%u:%u:agent:/tmp:/bin/sh\n", plan.uid, plan.gid);
	write_file("/etc/passwd", users, (size_t)n, 0644);
	n = snprintf(users, sizeof users, "root:x:0:\n");
	if (plan.gid)
		n += snprintf(users + n, sizeof users - (size_t)n, "agent:x:%u:\n", plan.gid);
	write_file("/etc/group", users, (size_t)n, 0644);

	for (i = 0; i < plan.mounts.n; i++) {
		char *m = plan.mounts.v[i];

		if (strncmp(m, "ro ", 3) && strncmp(m, "rw ", 3))
			fail("bad mount record");
		if (!strchr(m + 3, ' '))
			fail("bad mount record");
	}
	qsort(plan.mounts.v, plan.mounts.n, sizeof *plan.mounts.v, by_length);
	for (i = 0; i < plan.mounts.n; i++) {
		char *m = plan.mounts.v[i], *tag = m + 3, *path = strchr(tag, ' ');
		unsigned long flags = MS_NOSUID | MS_NODEV;

		*path++ = '\0';
		if (!strncmp(m, "ro", 2))
			flags |= MS_RDONLY;
		mount_or_fail(tag, path, "9p", flags,
			      "trans=virtio,version=9p2000.L,cache=none,msize=512000");
	}
	for (i = 0; i < plan.pins.n; i++) {
		const char *p = plan.pins.v[i];

		if (access(p, F_OK) < 0)
			continue;
		if (mount(p, p, NULL, MS_BIND, NULL) < 0 ||
		    mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV,
			  NULL) < 0)
			fail("pin %s: %s", p, strerror(errno));
	}
	write_file("/run/art-empty", "", 0, 0);
	for (i = 0; i < plan.hides.n; i++) {
		const char *p = plan.hides.v[i];
		struct stat st;

		if (lstat(p, &st) < 0)
			continue; /* not in the guest: nothing to hide */
		if (S_ISDIR(st.st_mode) ?
		    mount("none", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=4k,mode=0") < 0 :
		    mount("/run/art-empty", p, NULL, MS_BIND, NULL) < 0)
			fail("hide %s: %s", p, strerror(errno));
	}
	if (plan.loopback)
		loopback_up();
}
