/* cpio.c - a reproducible newc cpio writer; see cpio.h. */
#define _GNU_SOURCE
#include "cpio.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fs.h"

void art_cpio_begin(art_cpio *c, int fd)
{
	memset(c, 0, sizeof *c);
	c->fd = fd;
	crypto_hash_sha256_init(&c->sha);
}

static int put(art_cpio *c, const void *data, size_t len, art_err *e)
{
	if (art_write_all(c->fd, data, len) < 0)
		return art_err_sys(e, ART_EXIT_LOCAL, "writing the cpio archive");
	crypto_hash_sha256_update(&c->sha, data, len);
	c->size += len;
	return 0;
}

/* Zeros up to the next multiple of four, as newc aligns both the name
 * and the data. */
static int pad(art_cpio *c, art_err *e)
{
	static const char zeros[4];

	return c->size % 4 ? put(c, zeros, 4 - c->size % 4, e) : 0;
}

int art_cpio_add(art_cpio *c, const char *name, mode_t mode, dev_t rdev,
		 const void *data, size_t len, art_err *e)
{
	char head[111];
	size_t namesize = strlen(name) + 1;
	int rc;

	if (len > 0xffffffffu)
		return art_errf(e, ART_EXIT_LOCAL, "%s: too large for a cpio archive", name);
	/* magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
	 * devminor, rdevmajor, rdevminor, namesize, check */
	snprintf(head, sizeof head,
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ++c->ino, (unsigned)mode, 0u, 0u, S_ISDIR(mode) ? 2u : 1u, 0u,
		 (unsigned)len, 0u, 0u, major(rdev), minor(rdev),
		 (unsigned)namesize, 0u);
	if ((rc = put(c, head, 110, e)) || (rc = put(c, name, namesize, e)) ||
	    (rc = pad(c, e)) || (rc = put(c, data, len, e)) || (rc = pad(c, e)))
		return rc;
	return 0;
}

int art_cpio_end(art_cpio *c, unsigned char out[crypto_hash_sha256_BYTES],
		 art_err *e)
{
	int rc;

	c->ino = (unsigned)-1; /* the trailer's number is 0 */
	if ((rc = art_cpio_add(c, "TRAILER!!!", 0, 0, "", 0, e)) != 0)
		return rc;
	crypto_hash_sha256_final(&c->sha, out);
	return 0;
}
