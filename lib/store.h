/*
 * store.h - where art keeps the secrets of Core: client secrets and the
 * tokens minted with them (art-auth(1), SECRET STORES).
 *
 * One interface, two backends:
 *   "keyring"  the Linux kernel's persistent keyring of the user (keyutils);
 *              kernel memory, never on disk, gone at reboot or after the
 *              keyring's idle expiry.
 *   "file"     one file, ${XDG_STATE_HOME:-~/.local/state}/art/secrets,
 *              0600, sealed with XChaCha20-Poly1305 (libsodium); its 32-byte
 *              key is held apart: a systemd credential named "art-store-key"
 *              ($CREDENTIALS_DIRECTORY), else the file named by
 *              ART_STORE_KEY_FILE, else a key kept in the kernel keyring
 *              (made on first use).
 * Which one: the name given, else ART_STORE, else "file" when a systemd
 * credential or a key file is configured, else "keyring".
 *
 * The keyring holds each secret as a "user" key "art:<name>", readable by
 * the user's processes only.  The file is refused (ART_EXIT_LOCAL, naming
 * it) when it is a symbolic link, not the user's, readable or writable by
 * group or others, or when it does not open with the key ("wrong key or
 * damaged file"); writers lock secrets.lock beside it, readers share it.
 * A key is 32 bytes, or 64 hexadecimal digits and a newline, in a regular
 * file; ART_STORE_KEY_FILE's, only its owner may read (systemd guards its
 * credentials itself).  A bad key file is ART_EXIT_INPUT, naming it.  A store file whose key was in the kernel
 * keyring and is gone (a reboot) cannot be opened: remove it, store again.
 *
 * Names are 1 to 200 bytes of printable ASCII without spaces
 * ("core:http://127.0.0.1:8080:token"); another is ART_EXIT_INPUT.
 * Values are 1 to ART_STORE_VALUE_MAX bytes, any bytes.  Values handed out
 * live in libsodium's guarded memory (sodium_malloc) and are
 * NUL-terminated; the caller frees them with art_secret_free, which wipes
 * them.
 */
#ifndef ART_STORE_H
#define ART_STORE_H
#include <stddef.h>
#include "diag.h"

/* The kernel's limit on a "user" key, kept by both backends so that a
 * secret fits in either. */
#define ART_STORE_VALUE_MAX 32767

typedef struct art_store art_store;

/* backend: "keyring", "file" or NULL (the default above).  An unknown
 * name, or ART_STORE, is ART_EXIT_USAGE; a backend that cannot work here
 * (no keyring in this kernel or container, no key for the file) is
 * ART_EXIT_LOCAL with the reason; a bad key file ART_EXIT_INPUT. */
int art_store_open(const char *backend, art_store **out, art_err *e);
/* "keyring" or "file" (borrowed). */
const char *art_store_backend(const art_store *s);
/* Replace name's value, atomically (the file: temp file, fsync, rename,
 * under a lock). */
int art_store_put(art_store *s, const char *name, const void *val,
		  size_t len, art_err *e);
/* *val NULL (and 0 returned) when name is not stored; len may be NULL. */
int art_store_get(art_store *s, const char *name, char **val, size_t *len,
		  art_err *e);
/* Removing a name that is not stored is not an error. */
int art_store_del(art_store *s, const char *name, art_err *e);
void art_store_close(art_store *s);

/* A copy of len bytes in guarded memory, NUL-terminated; aborts on out
 * of memory like every art allocation.  art_secret_free wipes and frees
 * (NULL allowed). */
char *art_secret_dup(const void *p, size_t len);
void art_secret_free(char *p);
#endif
