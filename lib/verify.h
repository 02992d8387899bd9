/*
 * verify.h - checking a receipt against a repository (art-verify(1)):
 * its signature, its subjects (the commit is in the repository, on the
 * run's branch or behind it; the report is the one recorded), and the
 * event log up to the event the receipt names.
 */
#ifndef ART_VERIFY_H
#define ART_VERIFY_H

#include <jansson.h>
#include <sodium.h>

#include "diag.h"
#include "repo.h"

typedef struct art_verify_opts {
	const char *name;           /* where the receipt came from */
	const char *buf;            /* its bytes */
	size_t len;
	const unsigned char *pk;    /* crypto_sign_PUBLICKEYBYTES */
	const char *want_subject;   /* "T/A": the run it must be about, or NULL */
} art_verify_opts;

/*
 * Check the receipt.  *out gets art-verify's object whenever the receipt
 * was read, with "ok" the verdict: 0 when everything matched, else
 * ART_EXIT_VERDICT (e says the first thing that did not).  A receipt that
 * is not a DSSE envelope is ART_EXIT_INPUT, and *out stays NULL.
 */
int art_verify(const art_repo *r, const art_verify_opts *o, json_t **out,
	       art_err *e);

#endif
