/* receipt.c - signing and opening receipts; see receipt.h. */
#include "receipt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsse.h"
#include "fs.h"
#include "ids.h"
#include "jsonio.h"

char *art_receipt_sign(const json_t *pred,
		       const unsigned char report_sha256[crypto_hash_sha256_BYTES],
		       const art_signkey *k, size_t *len)
{
	char hex[2 * crypto_hash_sha256_BYTES + 1], *body, *text;
	json_t *st, *env;
	size_t n;

	sodium_bin2hex(hex, sizeof hex, report_sha256, crypto_hash_sha256_BYTES);
	st = json_pack("{s:s, s:[{s:O, s:{s:O}}, {s:s, s:{s:s}}], s:s, s:O}",
		       "_type", ART_STATEMENT_TYPE,
		       "subject",
		       "name", json_object_get(pred, "branch"),
		       "digest", "gitCommit", json_object_get(pred, "head"),
		       "name", ART_REPORT_SUBJECT,
		       "digest", "sha256", hex,
		       "predicateType", ART_RECEIPT_PREDICATE,
		       "predicate", pred);
	if (!st)
		abort();
	body = json_dumps(st, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!body)
		abort();
	env = art_dsse_sign(ART_RECEIPT_PAYLOAD_TYPE, (unsigned char *)body,
			    strlen(body), k->sk);
	text = json_dumps(env, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!env || !text)
		abort();
	n = strlen(text);
	text = art_xrealloc(text, n + 2);
	memcpy(text + n, "\n", 2);
	*len = n + 1;
	free(body);
	json_decref(env);
	json_decref(st);
	return text;
}

/* A hexadecimal digest of exactly n digits. */
static int is_hex(const json_t *v, size_t n)
{
	const char *s = json_string_value(v);
	size_t i;

	if (!s || strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return 0;
	return 1;
}

static int bad(art_err *e, const char *name, const char *what)
{
	return art_errf(e, ART_EXIT_VERDICT, "%s: signed, but %s", name, what);
}

/* What verify relies on, present and well-formed: the signer could be
 * another program, or an older art. */
static int check_statement(const char *name, const json_t *st, art_err *e)
{
	const json_t *subj = json_object_get(st, "subject"), *s, *p, *log;
	art_err ie;
	size_t i;

	if (!json_is_object(st) ||
	    strcmp(json_string_value(json_object_get(st, "_type")) ?: "",
		   ART_STATEMENT_TYPE))
		return bad(e, name, "not an in-toto Statement v1");
	if (strcmp(json_string_value(json_object_get(st, "predicateType")) ?: "",
		   ART_RECEIPT_PREDICATE))
		return bad(e, name, "its predicateType is not " ART_RECEIPT_PREDICATE);
	if (!json_array_size(subj))
		return bad(e, name, "it has no subject");
	json_array_foreach(subj, i, s)
		if (!json_is_string(json_object_get(s, "name")) ||
		    !json_is_object(json_object_get(s, "digest")))
			return bad(e, name, "a subject lacks its name or digest");
	p = json_object_get(st, "predicate");
	log = json_object_get(p, "log");
	if (!json_is_object(p) ||
	    art_check_agent(json_string_value(json_object_get(p, "agent")) ?: "", &ie) ||
	    art_check_ticket(json_string_value(json_object_get(p, "ticket")) ?: "", &ie))
		return bad(e, name, "its predicate names no valid agent and ticket");
	if (!is_hex(json_object_get(p, "head"), 40) ||
	    !is_hex(json_object_get(p, "base"), 40))
		return bad(e, name, "its predicate has no head and base commits");
	if (!json_is_integer(json_object_get(log, "seq")) ||
	    json_integer_value(json_object_get(log, "seq")) < 1 ||
	    !is_hex(json_object_get(log, "hash"), 64))
		return bad(e, name, "its predicate has no log seq and hash");
	return 0;
}

int art_receipt_open(const char *name, const char *buf, size_t len,
		     const unsigned char pk[crypto_sign_PUBLICKEYBYTES],
		     json_t **statement, art_err *e)
{
	json_t *env = NULL, *st = NULL;
	unsigned char *payload = NULL;
	size_t plen = 0;
	json_error_t je;
	int rc;

	*statement = NULL;
	if ((rc = art_json_parse(name, buf, len, &env, e)) != 0)
		return rc;
	/* the signature first: nothing of the payload is read before */
	rc = art_dsse_verify(env, pk, ART_RECEIPT_PAYLOAD_TYPE, &payload,
			     &plen, e);
	json_decref(env);
	if (rc) {
		char why[sizeof e->msg];

		snprintf(why, sizeof why, "%s", e->msg);
		return art_errf(e, rc, "%s: %s", name, why);
	}
	st = json_loadb((const char *)payload, plen, JSON_REJECT_DUPLICATES, &je);
	free(payload);
	if (!st)
		return art_errf(e, ART_EXIT_VERDICT,
				"%s: signed, but its payload is not JSON: %s", name,
				je.text);
	if ((rc = check_statement(name, st, e)) != 0) {
		json_decref(st);
		return rc;
	}
	*statement = st;
	return 0;
}
