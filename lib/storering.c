/*
 * storering.c - the secret store's kernel keyring (keyutils); see store.h.
 *
 * Apart from store.c because it is a backend of its own, and from
 * storefile.c because the file backend uses it too, to keep its key
 * ("art:store-key") when no credential or key file holds one.  Every
 * secret is a "user" key "art:<name>".
 */
#define _GNU_SOURCE
#include "storeimpl.h"

#include <errno.h>
#include <keyutils.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"

#define DESC_PREFIX "art:"           /* keyring description: "art:" + name */

/* view, read, write, search, link, setattr for the possessor and for the
 * user: every process of the user shares the secrets, possessing the
 * keyring or not; group and others nothing. */
#define KEY_PERM (KEY_POS_ALL | KEY_USR_ALL)

/* A keyctl failure; where seccomp or the kernel refuses keyctl altogether
 * (containers do), say what to use instead. */
static int ring_err(art_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int ring_err(art_err *e, const char *fmt, ...)
{
	int err = errno;
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof what, fmt, ap); /* cut if long */
	va_end(ap);
	if (err == ENOSYS || err == EPERM)
		return art_errf(e, ART_EXIT_LOCAL,
				"%s: the kernel keyring is not available here (%s); "
				"use ART_STORE=file with ART_STORE_KEY_FILE naming a file that holds a 32-byte key",
				what, strerror(err));
	if (err == EDQUOT)
		return art_errf(e, ART_EXIT_LOCAL,
				"%s: this user's kernel keyring quota is used up (/proc/sys/kernel/keys/maxbytes)",
				what);
	errno = err;
	return art_err_sys(e, ART_EXIT_LOCAL, "%s", what);
}

/*
 * The user's persistent keyring (persistent-keyring(7)), linked into the
 * process keyring: its permissions are the possessor's, so it must be
 * linked where we possess it, and the process keyring goes away with us
 * where a link in the session keyring would outlive us.  The user keyring
 * when the kernel has no persistent keyrings.
 */
int art_ring_open(key_serial_t *ring, const char *what, art_err *e)
{
	long id = keyctl_get_persistent((uid_t)-1, KEY_SPEC_PROCESS_KEYRING);

	if (id < 0 && errno == EOPNOTSUPP)
		id = keyctl_get_keyring_ID(KEY_SPEC_USER_KEYRING, 1);
	if (id < 0)
		return ring_err(e, "%s", what);
	*ring = (key_serial_t)id;
	return 0;
}

int art_ring_find(key_serial_t ring, const char *desc, key_serial_t *id,
		  art_err *e)
{
	long r = keyctl_search(ring, "user", desc, 0);

	*id = 0;
	if (r >= 0)
		*id = (key_serial_t)r;
	else if (errno != ENOKEY && errno != EKEYEXPIRED && errno != EKEYREVOKED)
		return ring_err(e, "cannot look up %s in the kernel keyring", desc);
	return 0;
}

int art_ring_read(key_serial_t id, const char *desc, char **val,
		  size_t *len, art_err *e)
{
	void *buf = NULL;
	long n = keyctl_read_alloc(id, &buf);

	*val = NULL;
	*len = 0;
	if (n < 0) {
		if (errno == ENOKEY || errno == EKEYEXPIRED || errno == EKEYREVOKED)
			return 0; /* removed since it was found */
		return ring_err(e, "cannot read %s from the kernel keyring", desc);
	}
	*val = art_secret_dup(buf, (size_t)n);
	*len = (size_t)n;
	sodium_memzero(buf, (size_t)n); /* libkeyutils' copy is plain malloc */
	free(buf);
	return 0;
}

/* add_key replaces the payload of a key of that description in place,
 * atomically. */
int art_ring_put(key_serial_t ring, const char *desc, const void *val,
		 size_t len, art_err *e)
{
	key_serial_t id = add_key("user", desc, val, len, ring);

	if (id < 0)
		return ring_err(e, "cannot store %s in the kernel keyring", desc);
	if (keyctl_setperm(id, KEY_PERM) < 0)
		return ring_err(e, "cannot set the permissions of %s in the kernel keyring",
				desc);
	return 0;
}

static int ring_del(key_serial_t ring, const char *desc, art_err *e)
{
	key_serial_t id;
	int rc = art_ring_find(ring, desc, &id, e);

	if (rc || !id)
		return rc;
	/* invalidate: gone from every keyring at once; unlink before 3.5 */
	if (keyctl_invalidate(id) == 0 ||
	    (errno == EOPNOTSUPP && keyctl_unlink(id, ring) == 0) ||
	    errno == ENOKEY || errno == EKEYEXPIRED || errno == EKEYREVOKED)
		return 0;
	return ring_err(e, "cannot remove %s from the kernel keyring", desc);
}

/* ---- the backend: a secret's name is "art:" + name ---- */

int art_store_ring_get(art_store *s, const char *name, char **val,
		       size_t *len, art_err *e)
{
	char *desc = art_asprintf(DESC_PREFIX "%s", name);
	key_serial_t id;
	int rc;

	if ((rc = art_ring_find(s->ring, desc, &id, e)) == 0 && id)
		rc = art_ring_read(id, desc, val, len, e);
	free(desc);
	return rc;
}

int art_store_ring_put(art_store *s, const char *name, const void *val,
		       size_t len, art_err *e)
{
	char *desc = art_asprintf(DESC_PREFIX "%s", name);
	int rc = art_ring_put(s->ring, desc, val, len, e);

	free(desc);
	return rc;
}

int art_store_ring_del(art_store *s, const char *name, art_err *e)
{
	char *desc = art_asprintf(DESC_PREFIX "%s", name);
	int rc = ring_del(s->ring, desc, e);

	free(desc);
	return rc;
}
