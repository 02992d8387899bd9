/*
 * storeimpl.h - what the pieces of the secret store (store.h) share.
 * Private: not part of art's library interface; only store.c,
 * storering.c and storefile.c include it.
 *
 * store.c holds the interface, the choice of backend and the guarded
 * memory; storering.c the kernel keyring, which the file backend also
 * uses to keep its key; storefile.c the sealed file.
 */
#ifndef ART_STOREIMPL_H
#define ART_STOREIMPL_H
#include <keyutils.h>
#include <stddef.h>

#include "store.h"

#define ART_STORE_NAME_MAX 200 /* bytes in a secret's name */

struct art_store {
	const char *backend;  /* "keyring" or "file" */
	key_serial_t ring;    /* the keyring in use; 0: none */
	char *dir, *path;     /* file: its directory, the store file */
	unsigned char *key;   /* file: from a credential or key file, guarded
			       * memory; NULL: kept in the keyring */
};

/* store.c: n bytes of guarded memory (sodium_malloc), freed with
 * sodium_free; aborts on out of memory like every art allocation. */
void *art_store_alloc(size_t n);

/* storering.c: the kernel keyring, by key description. */
/* The user's persistent keyring, or the user keyring; what names it in
 * an error. */
int art_ring_open(key_serial_t *ring, const char *what, art_err *e);
/* *id of the "user" key desc in ring, 0 when there is none. */
int art_ring_find(key_serial_t ring, const char *desc, key_serial_t *id,
		  art_err *e);
/* The payload of key id in guarded memory (art_secret_free); *val NULL
 * when it is gone. */
int art_ring_read(key_serial_t id, const char *desc, char **val,
		  size_t *len, art_err *e);
/* Add desc to ring, or replace its payload in place, atomically. */
int art_ring_put(key_serial_t ring, const char *desc, const void *val,
		 size_t len, art_err *e);

/* storering.c: the keyring backend, by secret name (checked already). */
int art_store_ring_get(art_store *s, const char *name, char **val,
		       size_t *len, art_err *e);
int art_store_ring_put(art_store *s, const char *name, const void *val,
		       size_t len, art_err *e);
int art_store_ring_del(art_store *s, const char *name, art_err *e);

/* storefile.c: the file backend, by secret name (checked already). */
/* $CREDENTIALS_DIRECTORY/art-store-key when there is one (malloc'd),
 * else NULL. */
char *art_store_cred_path(void);
/* Find the store file and its key: s->dir, s->path, and s->key or
 * s->ring. */
int art_store_file_open(art_store *s, art_err *e);
int art_store_file_get(art_store *s, const char *name, char **val,
		       size_t *len, art_err *e);
int art_store_file_put(art_store *s, const char *name, const void *val,
		       size_t len, art_err *e);
int art_store_file_del(art_store *s, const char *name, art_err *e);
#endif
