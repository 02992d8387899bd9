/*
 * cpio.h - writing a cpio archive in the "newc" format the Linux kernel
 * unpacks as its initramfs, reproducibly: every entry owned by 0:0,
 * dated 0, numbered in the order given, so that the same entries in the
 * same order give the same bytes.
 */
#ifndef ART_CPIO_H
#define ART_CPIO_H

#include <sodium.h>
#include <stddef.h>
#include <sys/types.h>

#include "diag.h"

typedef struct art_cpio {
	int fd;
	unsigned long long size;          /* bytes written so far */
	unsigned ino;
	crypto_hash_sha256_state sha;     /* of every byte written */
} art_cpio;

void art_cpio_begin(art_cpio *c, int fd);

/*
 * One entry: name without a leading "/"; mode with its file type bits
 * (S_IFREG, S_IFDIR, S_IFLNK: data is the link's target, S_IFCHR: rdev
 * is makedev()'s); data, len the contents.  ART_EXIT_LOCAL on a write
 * error.
 */
int art_cpio_add(art_cpio *c, const char *name, mode_t mode, dev_t rdev,
		 const void *data, size_t len, art_err *e);

/* The trailer; out gets the archive's SHA-256. */
int art_cpio_end(art_cpio *c, unsigned char out[crypto_hash_sha256_BYTES],
		 art_err *e);

#endif
