/*
 * vmimage.h - the microVM image of art-vm(1): a kernel and a rootfs.cpio
 * in ${XDG_CACHE_HOME:-~/.cache}/art/vm/, built from what Debian has on
 * the host, and checked against what was built before each boot.
 *
 *   vmlinux       the kernel, uncompressed from /boot/vmlinuz-RELEASE
 *                 (an ELF that QEMU boots directly, through PVH: no
 *                 decompression at each boot); the bzImage as it is when
 *                 its payload is not xz
 *   rootfs.cpio   /init (guest/init.c), busybox, git and the libraries
 *                 they need, the virtio and 9p modules of RELEASE
 *   image.json    what was built: each file's SHA-256 and size, the
 *                 release, the sources; and each file's fingerprint (inode,
 *                 size, times) when its digest was last seen right
 *
 * The same host files give the same bytes (cpio.h), so a digest can be
 * compared across machines and pinned.
 */
#ifndef ART_VMIMAGE_H
#define ART_VMIMAGE_H

#include <jansson.h>

#include "diag.h"

/* The image's directory (not created). */
int art_vm_image_dir(char **dir, art_err *e);

/* Build the image from the host's kernel RELEASE (NULL: the newest with
 * its modules), replacing what is there; *out gets image.json's record.
 * Progress on stderr. */
int art_vm_image_build(const char *release, json_t **out, art_err *e);

/* What is there, every digest computed again: *out gets the record with
 * "ok" and, when not ok, "problem".  0 whatever it found; an error is a
 * failure to look. */
int art_vm_image_status(json_t **out, art_err *e);

/* The image for a boot. */
typedef struct art_vm_image {
	char *dir;
	int kernel_fd, rootfs_fd;      /* open on what was checked: QEMU gets
					* these, not paths someone could swap */
	char *release, *kernel_format; /* "vmlinux" or "bzImage" */
	char *kernel_sha256, *rootfs_sha256;
} art_vm_image;

/*
 * Before a boot: the image is there and is what was built.  A file whose
 * fingerprint is the one recorded is not hashed again (its inode change
 * time moves with any write); another is, and a digest that differs from
 * the record is ART_EXIT_LOCAL naming the file.  No image is
 * ART_EXIT_LOCAL saying how to build one.
 */
int art_vm_image_check(art_vm_image *img, art_err *e);
void art_vm_image_free(art_vm_image *img);

/* rootfs.cpio, written to fd: out gets its SHA-256 (hex); vmbuild.c. */
int art_vm_rootfs_write(int fd, const char *release, char out[65], json_t *contents,
			art_err *e);
/* The kernel of release, uncompressed when its payload is xz: *data,
 * *len (malloc'd), *format "vmlinux" or "bzImage"; vmbuild.c. */
int art_vm_kernel_read(const char *release, char **data, size_t *len,
		       const char **format, art_err *e);
/* The newest release with both /boot/vmlinuz-R and /lib/modules/R
 * (malloc'd); vmbuild.c. */
int art_vm_kernel_newest(char **release, art_err *e);

#endif
