/* vmimage.c - the microVM image's cache, record and checks; see vmimage.h. */
#define _GNU_SOURCE
#include "vmimage.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "embedded.h"
#include "fs.h"
#include "jsonio.h"

#define RECORD "image.json"

int art_vm_image_dir(char **dir, art_err *e)
{
	char *base;
	int rc = art_user_dir("XDG_CACHE_HOME", ".cache", "the microVM image", &base, e);

	if (rc)
		return rc;
	*dir = art_join(base, "vm");
	free(base);
	return 0;
}

/* What changes when a file is written, even with its times set back:
 * the inode change time. */
static json_t *fingerprint(const struct stat *st)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "dev", (json_int_t)st->st_dev,
			 "ino", (json_int_t)st->st_ino, "size", (json_int_t)st->st_size,
			 "mtime_ns", (json_int_t)(st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec),
			 "ctime_ns", (json_int_t)(st->st_ctim.tv_sec * 1000000000LL + st->st_ctim.tv_nsec));
}

static int hash_fd(int fd, char hex[65], art_err *e, const char *path)
{
	crypto_hash_sha256_state st;
	unsigned char sum[crypto_hash_sha256_BYTES];
	char *buf = art_xmalloc(1 << 20);
	ssize_t n;
	off_t off = 0;

	crypto_hash_sha256_init(&st);
	while ((n = pread(fd, buf, 1 << 20, off)) > 0) {
		crypto_hash_sha256_update(&st, (unsigned char *)buf, (size_t)n);
		off += n;
	}
	free(buf);
	if (n < 0)
		return art_err_sys(e, ART_EXIT_LOCAL, "reading %s", path);
	crypto_hash_sha256_final(&st, sum);
	sodium_bin2hex(hex, 65, sum, sizeof sum);
	return 0;
}

static int save_record(const char *dir, json_t *rec, art_err *e)
{
	char *path = art_join(dir, RECORD);
	char *text = json_dumps(rec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int rc = art_write_atomic(path, text, strlen(text), 0600, 0, e);

	free(text);
	free(path);
	return rc;
}

static int load_record(const char *dir, json_t **rec, art_err *e)
{
	char *path = art_join(dir, RECORD), *text = NULL;
	json_error_t je;
	size_t n;
	int rc = art_read_path(path, 1024 * 1024, &text, &n, e);

	*rec = NULL;
	if (rc && errno == ENOENT)
		rc = art_errf(e, ART_EXIT_LOCAL, "no microVM image in %s: build one with "
			      "`art-vm image build`", dir);
	else if (!rc && !(*rec = json_loadb(text, n, 0, &je)))
		rc = art_errf(e, ART_EXIT_LOCAL, "%s: line %d: %s", path, je.line, je.text);
	else if (!rc && (!json_is_object(json_object_get(*rec, "kernel")) ||
			 !json_is_object(json_object_get(*rec, "rootfs"))))
		rc = art_errf(e, ART_EXIT_LOCAL, "%s: no \"kernel\" or \"rootfs\": build the image again",
			      path);
	free(text);
	free(path);
	if (rc) {
		json_decref(*rec);
		*rec = NULL;
	}
	return rc;
}

/* The file a part of the record names: a plain name in dir. */
static char *part_path(const char *dir, json_t *part, art_err *e, int *rc)
{
	const char *file = json_string_value(json_object_get(part, "file"));

	*rc = 0;
	if (!file || !*file || strchr(file, '/') || !strcmp(file, "..") || !strcmp(file, ".")) {
		*rc = art_errf(e, ART_EXIT_LOCAL, "%s/" RECORD ": a \"file\" is not a name in it", dir);
		return NULL;
	}
	return art_join(dir, file);
}

/* --- build -------------------------------------------------------------- */

static int place(const char *dir, const char *name, json_t *part, art_err *e)
{
	char *path = art_join(dir, name);
	struct stat st;
	int rc = 0;

	if (lstat(path, &st) < 0)
		rc = art_err_sys(e, ART_EXIT_LOCAL, "%s", path);
	else
		json_object_set_new(part, "fingerprint", fingerprint(&st));
	free(path);
	return rc;
}

static int build_kernel(const char *dir, const char *release, json_t *rec, art_err *e)
{
	const char *format;
	char *data, hex[65], *path, *other;
	unsigned char sum[crypto_hash_sha256_BYTES];
	size_t len;
	int rc;

	fprintf(stderr, "art-vm: the kernel: /boot/vmlinuz-%s\n", release);
	if ((rc = art_vm_kernel_read(release, &data, &len, &format, e)) != 0)
		return rc;
	crypto_hash_sha256(sum, (unsigned char *)data, len);
	sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
	path = art_join(dir, strcmp(format, "vmlinux") ? "vmlinuz" : "vmlinux");
	other = art_join(dir, strcmp(format, "vmlinux") ? "vmlinux" : "vmlinuz");
	rc = art_write_atomic(path, data, len, 0644, 0, e);
	free(data);
	if (!rc) {
		json_t *k = json_pack("{s:s, s:s, s:s+, s:I, s:s}", "file", strrchr(path, '/') + 1,
				      "format", format, "source", "/boot/vmlinuz-", release,
				      "size", (json_int_t)len, "sha256", hex);

		unlink(other);
		json_object_set_new(rec, "kernel", k);
		rc = place(dir, strrchr(path, '/') + 1, k, e);
	}
	free(path);
	free(other);
	return rc;
}

static int build_rootfs(const char *dir, const char *release, json_t *rec, art_err *e)
{
	char *tmp = art_join(dir, "rootfs.cpio.XXXXXX"), *path = art_join(dir, "rootfs.cpio");
	json_t *contents = json_array();
	char hex[65];
	struct stat st;
	int fd = mkostemp(tmp, O_CLOEXEC), rc;

	fprintf(stderr, "art-vm: the rootfs: init, busybox, git, modules of %s\n", release);
	if (fd < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot create a file in %s", dir);
		goto out;
	}
	if ((rc = art_vm_rootfs_write(fd, release, hex, contents, e)) == 0) {
		if (fchmod(fd, 0644) < 0 || fsync(fd) < 0 || fstat(fd, &st) < 0 ||
		    rename(tmp, path) < 0)
			rc = art_err_sys(e, ART_EXIT_LOCAL, "writing %s", path);
	}
	close(fd);
	if (rc) {
		unlink(tmp);
		goto out;
	}
	json_object_set_new(rec, "rootfs",
			    json_pack("{s:s, s:I, s:s, s:O}", "file", "rootfs.cpio",
				      "size", (json_int_t)st.st_size, "sha256", hex,
				      "contents", contents));
	rc = place(dir, "rootfs.cpio", json_object_get(rec, "rootfs"), e);
out:
	json_decref(contents);
	free(tmp);
	free(path);
	return rc;
}

int art_vm_image_build(const char *release, json_t **out, art_err *e)
{
	char *dir = NULL, *newest = NULL;
	json_t *rec = NULL;
	int rc;

	*out = NULL;
	if ((rc = art_vm_image_dir(&dir, e)) || (rc = art_mkdir_private(dir, e)))
		goto out;
	if (!release) {
		if ((rc = art_vm_kernel_newest(&newest, e)) != 0)
			goto out;
		release = newest;
	} else if (!*release || strchr(release, '/') || !strcmp(release, "..")) {
		rc = art_errf(e, ART_EXIT_INPUT, "--kernel %s: not a kernel release", release);
		goto out;
	}
	rec = json_pack("{s:i, s:s, s:s, s:s}", "schema", 1, "release", release,
			"built_by", "art-vm " ART_VERSION, "init_sha256", art_embedded_vm_init_sha256);
	/* the record goes last: a build cut short leaves none that lies */
	{
		char *old = art_join(dir, RECORD);

		unlink(old);
		free(old);
	}
	if ((rc = build_kernel(dir, release, rec, e)) || (rc = build_rootfs(dir, release, rec, e)) ||
	    (rc = save_record(dir, rec, e)))
		goto out;
	json_object_set_new(rec, "dir", json_string(dir));
	*out = rec;
	rec = NULL;
out:
	json_decref(rec);
	free(newest);
	free(dir);
	return rc;
}

/* --- status and check ---------------------------------------------------- */

/* One part ("kernel", "rootfs") against its record: NULL when right, else
 * what is wrong (malloc'd).  *fd, when fd is not NULL, gets the file
 * open.  Trusting the fingerprint saves the hash of a file unchanged. */
static char *check_part(const char *dir, json_t *part, int trust, int *fd, art_err *e,
			int *rc)
{
	char *path = part_path(dir, part, e, rc), hex[65];
	const char *want = json_string_value(json_object_get(part, "sha256"));
	char *problem = NULL;
	struct stat st;
	json_t *fp;
	int f;

	if (*rc)
		return NULL;
	if ((f = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		problem = art_asprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(f, &st) < 0 || !S_ISREG(st.st_mode)) {
		problem = art_asprintf("%s: not a regular file", path);
		goto out;
	}
	fp = fingerprint(&st);
	if (!(trust && json_equal(fp, json_object_get(part, "fingerprint")))) {
		if ((*rc = hash_fd(f, hex, e, path)) != 0) {
			json_decref(fp);
			goto out;
		}
		if (!want || strcmp(hex, want))
			problem = art_asprintf("%s: its SHA-256 is %s, not %s as built: the image "
					       "changed since `art-vm image build`; build it again",
					       path, hex, want ? want : "(none recorded)");
		else
			json_object_set(part, "fingerprint", fp);
	}
	json_decref(fp);
out:
	if (fd && !problem && !*rc) {
		*fd = f;
		f = -1;
	}
	if (f >= 0)
		close(f);
	free(path);
	return problem;
}

int art_vm_image_status(json_t **out, art_err *e)
{
	static const char *const parts[] = { "kernel", "rootfs" };
	char *dir = NULL, *problem = NULL;
	json_t *rec = NULL, *res;
	int rc;

	*out = NULL;
	if ((rc = art_vm_image_dir(&dir, e)) != 0)
		return rc;
	res = json_pack("{s:s}", "dir", dir);
	if (load_record(dir, &rec, e) != 0) {
		json_object_set_new(res, "ok", json_false());
		json_object_set_new(res, "problem", json_string(e->msg));
		*e = (art_err){ 0 };
		goto done;
	}
	json_object_set(res, "release", json_object_get(rec, "release"));
	for (size_t i = 0; !rc && i < 2; i++) {
		json_t *part = json_object_get(rec, parts[i]);

		if (!problem)
			problem = check_part(dir, part, 0, NULL, e, &rc);
		json_object_set_new(res, parts[i],
				    json_pack("{s:O?, s:O?, s:O?}", "file", json_object_get(part, "file"),
					      "size", json_object_get(part, "size"),
					      "sha256", json_object_get(part, "sha256")));
	}
	json_object_set_new(res, "ok", json_boolean(!problem));
	if (problem)
		json_object_set_new(res, "problem", json_string(problem));
done:
	if (rc)
		json_decref(res);
	else
		*out = res;
	json_decref(rec);
	free(problem);
	free(dir);
	return rc;
}

int art_vm_image_check(art_vm_image *img, art_err *e)
{
	json_t *rec = NULL, *before;
	char *problem = NULL;
	int rc;

	memset(img, 0, sizeof *img);
	img->kernel_fd = img->rootfs_fd = -1;
	if ((rc = art_vm_image_dir(&img->dir, e)) || (rc = load_record(img->dir, &rec, e)))
		goto out;
	if (!json_is_string(json_object_get(rec, "init_sha256")) ||
	    strcmp(json_string_value(json_object_get(rec, "init_sha256")),
		   art_embedded_vm_init_sha256)) {
		rc = art_errf(e, ART_EXIT_LOCAL, "%s: the image's init is not this art-vm's (%s): "
			      "build the image again with `art-vm image build`", img->dir, ART_VERSION);
		goto out;
	}
	before = json_deep_copy(rec);
	problem = check_part(img->dir, json_object_get(rec, "kernel"), 1, &img->kernel_fd, e, &rc);
	if (!rc && !problem)
		problem = check_part(img->dir, json_object_get(rec, "rootfs"), 1, &img->rootfs_fd,
				     e, &rc);
	if (!rc && problem)
		rc = art_errf(e, ART_EXIT_LOCAL, "%s", problem);
	/* digests seen right again: their new fingerprints, for next time */
	if (!rc && !json_equal(before, rec))
		save_record(img->dir, rec, &(art_err){ 0 });
	json_decref(before);
	if (!rc) {
		json_t *k = json_object_get(rec, "kernel");

		img->release = art_strdup(json_string_value(json_object_get(rec, "release")) ?: "");
		img->kernel_sha256 = art_strdup(json_string_value(json_object_get(k, "sha256")));
		img->rootfs_sha256 = art_strdup(json_string_value(
			json_object_get(json_object_get(rec, "rootfs"), "sha256")));
		img->kernel_format = art_strdup(json_string_value(json_object_get(k, "format")) ?: "bzImage");
	}
out:
	json_decref(rec);
	free(problem);
	if (rc)
		art_vm_image_free(img);
	return rc;
}

void art_vm_image_free(art_vm_image *img)
{
	if (img->kernel_fd >= 0)
		close(img->kernel_fd);
	if (img->rootfs_fd >= 0)
		close(img->rootfs_fd);
	free(img->dir);
	free(img->release);
	free(img->kernel_sha256);
	free(img->rootfs_sha256);
	free(img->kernel_format);
	memset(img, 0, sizeof *img);
	img->kernel_fd = img->rootfs_fd = -1;
}
