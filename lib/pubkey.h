/*
 * pubkey.h - the text form of a receipt-signing public key, for
 * art-verify --pubkey and --show-pubkey: PEM SubjectPublicKeyInfo
 * (RFC 8410), the form openssl, securesystemslib and most DSSE verifiers
 * read, so that anyone can check a receipt without art.
 */
#ifndef ART_PUBKEY_H
#define ART_PUBKEY_H

#include <sodium.h>
#include <stddef.h>

#include "diag.h"

/* "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n",
 * malloc'd. */
char *art_pubkey_pem(const unsigned char pk[crypto_sign_PUBLICKEYBYTES]);

/*
 * Read a public key from the text of a file: an ed25519 PEM public key,
 * or the key's 64 hexadecimal digits on a line of their own.  Anything
 * else is ART_EXIT_INPUT naming name.
 */
int art_pubkey_parse(const char *name, const char *buf, size_t len,
		     unsigned char pk[crypto_sign_PUBLICKEYBYTES], art_err *e);

#endif
