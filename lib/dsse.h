/*
 * dsse.h - DSSE envelopes (the Dead Simple Signing Envelope of in-toto
 * and Sigstore) signed with ed25519 (libsodium): the form of art's
 * receipts, so that any DSSE verifier given the public key can check them.
 *
 *   {"payloadType": TYPE, "payload": base64(BODY),
 *    "signatures": [{"keyid": KEYID, "sig": base64(ed25519(PAE(TYPE, BODY)))}]}
 *
 * PAE(type, body) = "DSSEv1" SP len(type) SP type SP len(body) SP body,
 * lengths in ASCII decimal: the signature covers the type too, so a
 * payload cannot be replayed as another type.
 */
#ifndef ART_DSSE_H
#define ART_DSSE_H

#include <jansson.h>
#include <sodium.h>
#include <stddef.h>

#include "diag.h"

#define ART_KEYID_HEX (2 * crypto_hash_sha256_BYTES + 1)

/* The pre-authentication encoding; malloc'd, its length in *out_len. */
unsigned char *art_dsse_pae(const char *type, const unsigned char *body,
			    size_t len, size_t *out_len);

/* keyid of a public key: hex SHA-256 of its 32 bytes. */
void art_dsse_keyid(const unsigned char pk[crypto_sign_PUBLICKEYBYTES],
		    char out[ART_KEYID_HEX]);

/* An envelope of body as type, signed with sk (libsodium's 64-byte
 * secret key, whose second half is the public key). */
json_t *art_dsse_sign(const char *type, const unsigned char *body, size_t len,
		      const unsigned char sk[crypto_sign_SECRETKEYBYTES]);

/*
 * Check env against pk: one of its signatures must verify over the PAE of
 * its payloadType and payload (base64, standard or URL-safe alphabet,
 * padded or not), and payloadType must be want_type.  The signature is
 * checked before the payload is used: *payload (malloc'd, NUL-terminated,
 * *len bytes) is only set when it verified.  An object without the
 * three members is ART_EXIT_INPUT (not an envelope); a payload that is
 * not base64, a signature or type that does not match, ART_EXIT_VERDICT
 * (an envelope that does not verify); e says which.
 */
int art_dsse_verify(const json_t *env,
		    const unsigned char pk[crypto_sign_PUBLICKEYBYTES],
		    const char *want_type, unsigned char **payload,
		    size_t *len, art_err *e);

#endif
