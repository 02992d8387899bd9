/*
 * vmbuild.c - what goes into the microVM image (vmimage.h): the kernel,
 * uncompressed, and the rootfs.cpio: /init, busybox and its applets, git,
 * the libraries both need (as the host's dynamic loader lists them), and
 * the modules the guest needs to reach art-vm (virtio-mmio, the
 * virtio-serial console, 9p over virtio), with their dependencies.
 */
#define _GNU_SOURCE
#include "vmimage.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cpio.h"
#include "embedded.h"
#include "fs.h"
#include "proc.h"

/* The modules init loads, dependencies first (modules.dep adds them). */
static const char *const wanted_modules[] = { "virtio_mmio", "virtio_console",
					      "9pnet_virtio", "9p", NULL };

#define MAX_SOURCE (512UL * 1024 * 1024)

/* --- the kernel ------------------------------------------------------- */

static int newer_release(const char *a, const char *b)
{
	return strverscmp(a, b) > 0;
}

int art_vm_kernel_newest(char **release, art_err *e)
{
	char *best = NULL;
	DIR *d = opendir("/boot");
	struct dirent *de;

	*release = NULL;
	while (d && (de = readdir(d))) {
		const char *r = de->d_name + 8;
		char *mods;

		if (strncmp(de->d_name, "vmlinuz-", 8) || !*r)
			continue;
		mods = art_asprintf("/lib/modules/%s/modules.dep", r);
		if (access(mods, R_OK) == 0 && (!best || newer_release(r, best))) {
			free(best);
			best = art_strdup(r);
		}
		free(mods);
	}
	if (d)
		closedir(d);
	if (!best)
		return art_errf(e, ART_EXIT_LOCAL,
				"no kernel to build the microVM from: /boot has no vmlinuz-RELEASE "
				"with its /lib/modules/RELEASE (apt-get install linux-image-amd64)");
	*release = best;
	return 0;
}

static unsigned long le32(const unsigned char *p)
{
	return (unsigned long)p[0] | (unsigned long)p[1] << 8 |
	       (unsigned long)p[2] << 16 | (unsigned long)p[3] << 24;
}

/*
 * A bzImage's payload (Documentation/x86/boot.rst: setup_sects at
 * 0x1f1, "HdrS" at 0x202, protocol 2.08+ for payload_offset and
 * payload_length at 0x248), uncompressed by xz when it is xz.
 */
int art_vm_kernel_read(const char *release, char **data, size_t *len,
		       const char **format, art_err *e)
{
	char *path = art_asprintf("/boot/vmlinuz-%s", release), *img = NULL;
	const unsigned char *u;
	unsigned long setup, off, plen;
	size_t n = 0;
	int rc;

	*data = NULL;
	if ((rc = art_read_path(path, 256UL * 1024 * 1024, &img, &n, e)) != 0)
		goto out;
	u = (const unsigned char *)img;
	*format = "bzImage";
	if (n < 0x250 || memcmp(img + 0x202, "HdrS", 4) || (u[0x206] | u[0x207] << 8) < 0x208)
		goto as_is;
	setup = u[0x1f1] ? u[0x1f1] : 4;
	off = (setup + 1) * 512 + le32(u + 0x248);
	plen = le32(u + 0x24c);
	if (off + plen > n || plen < 6 || memcmp(img + off, "\xfd" "7zXZ\0", 6))
		goto as_is;
	{
		char *argv[] = { "/usr/bin/xz", "-dc", "--single-stream", NULL };
		art_spawn s = { .argv = argv, .input = img + off, .input_len = plen,
				.keep = MAX_SOURCE, .timeout_ms = 120000 };
		art_spawn_result res;

		if (access(argv[0], X_OK) < 0)
			goto as_is; /* no xz: boot the bzImage */
		if ((rc = art_spawn_run(&s, &res, e)) != 0)
			goto out;
		if (!res.exited || res.status || res.out_len < 4 ||
		    memcmp(res.out, ELFMAG, SELFMAG)) {
			art_spawn_result_free(&res);
			rc = art_errf(e, ART_EXIT_LOCAL, "%s: its xz payload does not uncompress to an ELF kernel",
				      path);
			goto out;
		}
		*data = res.out;
		*len = res.out_len;
		*format = "vmlinux";
		goto out;
	}
as_is:
	*data = img;
	*len = n;
	img = NULL;
out:
	free(img);
	free(path);
	return rc;
}

/* --- the rootfs's entries ----------------------------------------------- */

struct entry {
	char *name;          /* no leading '/' */
	mode_t mode;
	dev_t rdev;
	char *src;           /* a host file to read, or NULL */
	const char *data;    /* else these bytes (link target, contents) */
	size_t len;
	size_t order;        /* the first added wins a name */
};

struct entries {
	struct entry *v;
	size_t n, cap;
	json_t *contents;    /* what came from where, for image.json */
};

static void add(struct entries *es, const char *name, mode_t mode, dev_t rdev,
		const char *src, const char *data, size_t len)
{
	struct entry *x;
	char *parent = art_strdup(name), *slash;

	/* the directories above it, first */
	while ((slash = strrchr(parent, '/'))) {
		*slash = '\0';
		art_grow(&es->v, &es->cap, es->n + 1, sizeof *es->v);
		es->v[es->n] = (struct entry){ .name = art_strdup(parent), .mode = S_IFDIR | 0755,
					       .order = es->n };
		es->n++;
	}
	free(parent);
	art_grow(&es->v, &es->cap, es->n + 1, sizeof *es->v);
	x = &es->v[es->n];
	*x = (struct entry){ .name = art_strdup(name), .mode = mode, .rdev = rdev,
			     .src = src ? art_strdup(src) : NULL, .data = data, .len = len,
			     .order = es->n };
	es->n++;
}

static void add_dir(struct entries *es, const char *name, mode_t perm)
{
	add(es, name, S_IFDIR | perm, 0, NULL, NULL, 0);
}

/* A host file at the path it has on the host (links resolved: the guest
 * gets the contents). */
static void add_host_file(struct entries *es, const char *path, mode_t perm)
{
	add(es, path + 1, S_IFREG | perm, 0, path, NULL, 0);
	json_array_append_new(es->contents, json_string(path));
}

static int by_name(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->order < y->order ? -1 : x->order > y->order;
}

/* PT_INTERP of an ELF file: its dynamic loader (malloc'd), or NULL for a
 * static program. */
static char *elf_interp(const char *path, art_err *e, int *rc)
{
	Elf64_Ehdr h;
	char *interp = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*rc = 0;
	if (fd < 0) {
		*rc = art_err_sys(e, ART_EXIT_LOCAL, "%s", path);
		return NULL;
	}
	if (pread(fd, &h, sizeof h, 0) != sizeof h || memcmp(h.e_ident, ELFMAG, SELFMAG) ||
	    h.e_ident[EI_CLASS] != ELFCLASS64 || h.e_phentsize != sizeof(Elf64_Phdr)) {
		*rc = art_errf(e, ART_EXIT_LOCAL, "%s: not a 64-bit ELF program", path);
		goto out;
	}
	for (unsigned i = 0; i < h.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof ph, (off_t)(h.e_phoff + i * sizeof ph)) != sizeof ph)
			break;
		if (ph.p_type != PT_INTERP || ph.p_filesz < 2 || ph.p_filesz > 4096)
			continue;
		interp = art_xmalloc(ph.p_filesz + 1);
		if (pread(fd, interp, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz) {
			free(interp);
			interp = NULL;
		} else {
			interp[ph.p_filesz] = '\0';
		}
		break;
	}
out:
	close(fd);
	return interp;
}

/* A program and what its dynamic loader says it loads ("NAME => PATH
 * (ADDR)" and "PATH (ADDR)" lines; the vDSO has no path). */
static int add_program(struct entries *es, const char *path, art_err *e)
{
	int rc;
	char *interp = elf_interp(path, e, &rc), *line, *save = NULL;
	char *argv[] = { interp, "--list", (char *)path, NULL };
	art_spawn s = { .argv = argv, .keep = 1024 * 1024, .timeout_ms = 30000 };
	art_spawn_result res;

	if (rc)
		return rc;
	add_host_file(es, path, 0755);
	if (!interp)
		return 0;
	if ((rc = art_spawn_run(&s, &res, e)) != 0)
		goto out;
	if (!res.exited || res.status) {
		rc = art_errf(e, ART_EXIT_LOCAL, "%s --list %s failed", interp, path);
		goto done;
	}
	for (line = strtok_r(res.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *arrow = strstr(line, "=> "), *p = arrow ? arrow + 3 : line + strspn(line, " \t");
		char *end = strstr(p, " (");

		if (*p != '/')
			continue;
		if (end)
			*end = '\0';
		if (strstr(p, "/../") || access(p, R_OK) < 0) {
			rc = art_errf(e, ART_EXIT_LOCAL, "%s needs %s, which cannot be read", path, p);
			break;
		}
		add_host_file(es, p, 0755);
	}
done:
	art_spawn_result_free(&res);
out:
	free(interp);
	return rc;
}

static const char *find_program(const char *const *candidates)
{
	for (; *candidates; candidates++)
		if (access(*candidates, X_OK) == 0)
			return *candidates;
	return NULL;
}

/* busybox, and a link to it for each of its applets where nothing else is. */
static int add_busybox(struct entries *es, art_err *e)
{
	static const char *const where[] = { "/bin/busybox", "/usr/bin/busybox", NULL };
	const char *bb = find_program(where);
	char *argv[] = { (char *)bb, "--list-full", NULL }, *line, *save = NULL;
	art_spawn s = { .argv = argv, .keep = 1024 * 1024, .timeout_ms = 30000 };
	art_spawn_result res;
	int rc;

	if (!bb)
		return art_errf(e, ART_EXIT_LOCAL,
				"no busybox to build the microVM from (apt-get install busybox-static)");
	if ((rc = add_program(es, bb, e)) != 0)
		return rc;
	if (strcmp(bb, "/bin/busybox"))
		add(es, "bin/busybox", S_IFLNK | 0777, 0, NULL, bb, strlen(bb));
	if ((rc = art_spawn_run(&s, &res, e)) != 0)
		return rc;
	if (!res.exited || res.status)
		rc = art_errf(e, ART_EXIT_LOCAL, "%s --list-full failed", bb);
	for (line = strtok_r(res.out, "\n", &save); !rc && line;
	     line = strtok_r(NULL, "\n", &save))
		if (*line && *line != '/' && !strstr(line, ".."))
			add(es, line, S_IFLNK | 0777, 0, NULL, "/bin/busybox", 12);
	art_spawn_result_free(&res);
	return rc;
}

/* --- modules ------------------------------------------------------------ */

struct mod {
	char *name, *path;   /* path relative to /lib/modules/RELEASE */
	char *deps;          /* the rest of its modules.dep line */
	int state;           /* 0 new, 1 being visited, 2 listed */
};

static char *mod_name(const char *path)
{
	const char *base = strrchr(path, '/');
	char *n = art_strdup(base ? base + 1 : path), *dot = strstr(n, ".ko");

	if (dot)
		*dot = '\0';
	for (char *c = n; *c; c++)
		if (*c == '-')
			*c = '_';
	return n;
}

struct mods {
	struct mod *v;
	size_t n, cap;
	const char *root;
	struct entries *es;
	json_t *order;
};

static struct mod *mod_find(struct mods *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].name, name))
			return &m->v[i];
	return NULL;
}

/*
 * Depth-first, dependencies first: as deep as modules.dep's chains (a
 * dozen), over the host's own file; a cycle is refused.
 * NOLINTNEXTLINE(misc-no-recursion) */
static int mod_visit(struct mods *m, struct mod *x, art_err *e)
{
	char *deps, *tok, *save = NULL, *src;
	int rc = 0;

	if (x->state == 2)
		return 0;
	if (x->state == 1)
		return art_errf(e, ART_EXIT_LOCAL, "modules.dep: %s depends on itself", x->name);
	x->state = 1;
	deps = art_strdup(x->deps);
	for (tok = strtok_r(deps, " \t", &save); !rc && tok; tok = strtok_r(NULL, " \t", &save)) {
		char *n = mod_name(tok);
		struct mod *d = mod_find(m, n);

		rc = d ? mod_visit(m, d, e)
		       : art_errf(e, ART_EXIT_LOCAL, "modules.dep: %s needs %s, not listed", x->name, n);
		free(n);
	}
	free(deps);
	if (rc)
		return rc;
	if (strlen(x->path) < 3 || strcmp(x->path + strlen(x->path) - 3, ".ko"))
		return art_errf(e, ART_EXIT_LOCAL, "%s: compressed modules are not supported", x->path);
	src = art_asprintf("%s/%s", m->root, x->path);
	{
		char *name = art_asprintf("lib/modules/art/%s.ko", x->name);

		add(m->es, name, S_IFREG | 0644, 0, src, NULL, 0);
		free(name);
	}
	json_array_append_new(m->order, json_string(x->name));
	free(src);
	x->state = 2;
	return 0;
}

/* The modules of wanted_modules and what they need, in an order to load
 * them, into /lib/modules/art/ and /etc/art/modules. */
static int add_modules(struct entries *es, const char *release, char **list, art_err *e)
{
	struct mods m = { .es = es, .order = json_array() };
	char *dep = NULL, *line, *save = NULL, *root = art_asprintf("/lib/modules/%s", release);
	char *path = art_join(root, "modules.dep"), *builtin = NULL;
	size_t n, i, blen = 0;
	int rc;

	m.root = root;
	*list = NULL;
	if ((rc = art_read_path(path, 16 * 1024 * 1024, &dep, &n, e)) != 0)
		goto out;
	free(path);
	path = art_join(root, "modules.builtin");
	if (art_read_path(path, 16 * 1024 * 1024, &builtin, &blen, &(art_err){ 0 }) != 0)
		builtin = art_strdup("");
	for (line = strtok_r(dep, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		*colon = '\0';
		art_grow(&m.v, &m.cap, m.n + 1, sizeof *m.v);
		m.v[m.n++] = (struct mod){ .name = mod_name(line), .path = line, .deps = colon + 1 };
	}
	for (i = 0; !rc && wanted_modules[i]; i++) {
		struct mod *x = mod_find(&m, wanted_modules[i]);
		char *needle = art_asprintf("/%s.ko\n", wanted_modules[i]);

		if (x)
			rc = mod_visit(&m, x, e);
		else if (!strstr(builtin, needle))
			rc = art_errf(e, ART_EXIT_LOCAL, "kernel %s has no module %s", release,
				      wanted_modules[i]);
		free(needle);
	}
	if (!rc) {
		size_t len = 0;
		char *text = NULL;

		for (i = 0; i < json_array_size(m.order); i++) {
			const char *name = json_string_value(json_array_get(m.order, i));

			text = art_xrealloc(text, len + strlen(name) + 5);
			len += (size_t)sprintf(text + len, "%s.ko\n", name);
		}
		*list = text ? text : art_strdup("");
	}
out:
	for (i = 0; i < m.n; i++)
		free(m.v[i].name);
	free(m.v);
	json_decref(m.order);
	free(builtin);
	free(dep);
	free(path);
	free(root);
	return rc;
}

/* --- writing it --------------------------------------------------------- */

static int write_entry(art_cpio *c, const struct entry *x, art_err *e)
{
	char *buf = NULL;
	size_t n = 0;
	int rc;

	if (!x->src)
		return art_cpio_add(c, x->name, x->mode, x->rdev, x->data ? x->data : "",
				    x->len, e);
	if ((rc = art_read_path(x->src, MAX_SOURCE, &buf, &n, e)) != 0)
		return rc;
	rc = art_cpio_add(c, x->name, x->mode, 0, buf, n, e);
	free(buf);
	return rc;
}

int art_vm_rootfs_write(int fd, const char *release, char out[65], json_t *contents,
			art_err *e)
{
	static const char *const git_where[] = { "/usr/bin/git", "/bin/git", NULL };
	struct entries es = { .contents = contents };
	unsigned char sha[crypto_hash_sha256_BYTES];
	const char *git = find_program(git_where);
	char *modules = NULL;
	art_cpio c;
	size_t i;
	int rc;

	/* what init mounts on, and the console the kernel opens for it */
	add_dir(&es, "dev", 0755);
	add(&es, "dev/console", S_IFCHR | 0600, makedev(5, 1), NULL, NULL, 0);
	add_dir(&es, "proc", 0555);
	add_dir(&es, "sys", 0555);
	add_dir(&es, "tmp", 01777);
	add_dir(&es, "run", 0755);
	add_dir(&es, "root", 0700);
	add(&es, "init", S_IFREG | 0755, 0, NULL, art_embedded_vm_init,
	    art_embedded_vm_init_size);
	if (!git)
		rc = art_errf(e, ART_EXIT_LOCAL, "no git to put in the microVM (apt-get install git)");
	else if ((rc = add_program(&es, git, e)) == 0)
		add(&es, "usr/lib/git-core/git", S_IFLNK | 0777, 0, NULL, git, strlen(git));
	if (!rc && !(rc = add_busybox(&es, e)) &&
	    !(rc = add_modules(&es, release, &modules, e)))
		add(&es, "etc/art/modules", S_IFREG | 0644, 0, NULL, modules, strlen(modules));
	if (rc)
		goto out;
	qsort(es.v, es.n, sizeof *es.v, by_name);
	art_cpio_begin(&c, fd);
	for (i = 0; !rc && i < es.n; i++)
		if (i == 0 || strcmp(es.v[i].name, es.v[i - 1].name))
			rc = write_entry(&c, &es.v[i], e);
	if (!rc && !(rc = art_cpio_end(&c, sha, e)))
		sodium_bin2hex(out, 65, sha, sizeof sha);
out:
	for (i = 0; i < es.n; i++) {
		free(es.v[i].name);
		free(es.v[i].src);
	}
	free(es.v);
	free(modules);
	return rc;
}
