/*
 * signkey.h - the ed25519 key art signs receipts with:
 * ${XDG_CONFIG_HOME:-~/.config}/art/signing.key, made on first use.
 *
 * The file is one line, "art-signing-key-v1 ed25519 " followed by the
 * base64 of the key's 32-byte seed, mode 0600 in a 0700 directory; a key
 * file that others may read or write is refused, as ssh refuses one.  The
 * secret key lives in libsodium's guarded, locked (never swapped) memory
 * and is wiped when freed; the file's bytes are read straight into it.
 */
#ifndef ART_SIGNKEY_H
#define ART_SIGNKEY_H

#include <sodium.h>

#include "diag.h"

typedef struct art_signkey {
	unsigned char *sk;   /* crypto_sign_SECRETKEYBYTES, sodium_malloc'd */
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	char keyid[2 * crypto_hash_sha256_BYTES + 1];
	char *path;
} art_signkey;

/* Where the key is (malloc'd): XDG_CONFIG_HOME, else HOME/.config. */
int art_signkey_path(char **out, art_err *e);

/*
 * Load the key, or make it when there is none (create: refused when
 * create is 0, ART_EXIT_INPUT).  Two processes making it at once end up
 * with the same key.  A malformed or exposed key file is ART_EXIT_INPUT,
 * naming the file.
 */
int art_signkey_load(art_signkey *k, int create, art_err *e);
void art_signkey_free(art_signkey *k);

#endif
