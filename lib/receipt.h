/*
 * receipt.h - the signed receipt of a closed run (art-receipt(5)): an
 * in-toto Statement v1 in a DSSE envelope, signed with the ed25519 key of
 * signkey.h.  Its subjects are the branch head commit (gitCommit) and the
 * report (sha256); its predicate says what the run did and what the
 * checks found.
 */
#ifndef ART_RECEIPT_H
#define ART_RECEIPT_H

#include <jansson.h>
#include <sodium.h>
#include <stddef.h>

#include "diag.h"
#include "signkey.h"

#define ART_RECEIPT_PAYLOAD_TYPE "application/vnd.in-toto+json"
#define ART_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
/* art has no web address of its own: a URN, which never has to resolve
 * and never changes. */
#define ART_RECEIPT_PREDICATE "urn:art:receipt:v1"
#define ART_REPORT_SUBJECT ".agent/REPORT.md"
#define ART_RECEIPT_MAX (16u << 20)

/*
 * The envelope text (malloc'd, one JSON line and a newline) of the
 * statement about pred (which has "branch" and "head") and the report
 * whose SHA-256 is report_sha256.
 */
char *art_receipt_sign(const json_t *pred,
		       const unsigned char report_sha256[crypto_hash_sha256_BYTES],
		       const art_signkey *k, size_t *len);

/*
 * Check the signature of envelope text buf against pk, then read the
 * statement: in-toto Statement v1 with art's predicate, whose subjects
 * and predicate have the members art-receipt(5) promises.  *statement
 * gets it (a new reference).  A receipt that is not JSON or not an
 * envelope is ART_EXIT_INPUT; a signature, key or payload type that does
 * not match is ART_EXIT_VERDICT; e says which, naming name.
 */
int art_receipt_open(const char *name, const char *buf, size_t len,
		     const unsigned char pk[crypto_sign_PUBLICKEYBYTES],
		     json_t **statement, art_err *e);

#endif
