/*
 * dsse - DSSE envelope verification (dsse.c) and the receipt read from
 * it (receipt.c).  A receipt is a file art-verify is handed: whoever
 * hands it chose every byte, and only the signature decides.  The
 * envelope is checked against a fixed test key (the ed25519 key of seed
 * bytes 0..31); the seeds of corpus/dsse/ are signed with it, so that
 * mutations of valid envelopes are tried too.
 *
 * An input starting with 'S' is a payload instead: it is signed with the
 * test key and the envelope read back, which reaches the statement
 * checks after the signature (what a holder of the key could sign).
 *
 * Properties: an envelope either verifies or says why (input or
 * verdict); what verifies has the receipt payload type and a payload
 * that, signed again, verifies again to the same bytes.
 */
#include "fuzz.h"

#include "dsse.h"
#include "jsonio.h"
#include "receipt.h"

static unsigned char pk[crypto_sign_PUBLICKEYBYTES];
static unsigned char sk[crypto_sign_SECRETKEYBYTES];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char seed[crypto_sign_SEEDBYTES];

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	for (size_t i = 0; i < sizeof seed; i++)
		seed[i] = (unsigned char)i;
	crypto_sign_seed_keypair(pk, sk, seed);
	return 0;
}

/* Sign body, verify the envelope: the same bytes must come back. */
static void sign_and_verify(const unsigned char *body, size_t len)
{
	json_t *env = art_dsse_sign(ART_RECEIPT_PAYLOAD_TYPE, body, len, sk);
	unsigned char *back;
	size_t blen;
	art_err e = { 0 };

	FUZZ_ASSERT(env, "cannot sign %zu bytes", len);
	FUZZ_ASSERT(art_dsse_verify(env, pk, ART_RECEIPT_PAYLOAD_TYPE, &back, &blen,
				    &e) == 0, "own envelope refused: %s", e.msg);
	FUZZ_ASSERT(blen == len && (!len || !memcmp(back, body, len)) &&
		    back[blen] == '\0', "payload changed");
	free(back);
	json_decref(env);
}

static void open_receipt(const char *buf, size_t len)
{
	art_err e = { 0 };
	json_t *st;
	int rc = art_receipt_open("receipt", buf, len, pk, &st, &e);

	if (rc == 0)
		json_decref(st);
	else
		FUZZ_ASSERT((rc == ART_EXIT_INPUT || rc == ART_EXIT_VERDICT) && e.msg[0],
			    "status %d", rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	art_err e = { 0 };
	unsigned char *payload;
	json_t *env;
	size_t plen;
	int rc;

	if (size && data[0] == 'S') {
		json_t *signed_env = art_dsse_sign(ART_RECEIPT_PAYLOAD_TYPE, data + 1,
						   size - 1, sk);
		char *text = json_dumps(signed_env, JSON_COMPACT);

		open_receipt(text, strlen(text));
		free(text);
		json_decref(signed_env);
		sign_and_verify(data + 1, size - 1);
		return 0;
	}
	open_receipt((const char *)data, size);
	if (art_json_parse("fuzz", (const char *)data, size, &env, &e) != 0)
		return 0;
	rc = art_dsse_verify(env, pk, ART_RECEIPT_PAYLOAD_TYPE, &payload, &plen, &e);
	if (rc == 0) {
		FUZZ_ASSERT(!strcmp(json_string_value(json_object_get(env, "payloadType")),
				    ART_RECEIPT_PAYLOAD_TYPE), "payload type");
		FUZZ_ASSERT(payload[plen] == '\0', "payload not NUL-terminated");
		sign_and_verify(payload, plen);
		free(payload);
	} else {
		FUZZ_ASSERT((rc == ART_EXIT_INPUT || rc == ART_EXIT_VERDICT) &&
			    payload == NULL, "status %d", rc);
	}
	json_decref(env);
	return 0;
}
