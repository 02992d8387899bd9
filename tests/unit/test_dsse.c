/*
 * test_dsse.c - DSSE envelopes: the PAE of the spec's own example, a
 * round trip, and every way an envelope can fail to verify (a changed
 * payload, type or signature, another key, another expected type, bad
 * base64, missing members); both base64 alphabets are accepted.
 */
#include "check.h"
#include "dsse.h"

#include <stdlib.h>
#include <string.h>

static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
static unsigned char pk2[crypto_sign_PUBLICKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];

static const char TYPE[] = "application/vnd.in-toto+json";
static const char BODY[] = "{\"_type\":\"https://in-toto.io/Statement/v1\"}";

static int verify(const json_t *env, const unsigned char *key,
		  const char *want, art_err *e)
{
	unsigned char *out = NULL;
	size_t len = 0;
	int rc = art_dsse_verify(env, key, want, &out, &len, e);

	if (rc == 0)
		CHECK(len == strlen(BODY) && !memcmp(out, BODY, len),
		      "payload comes back whole");
	else
		CHECK(out == NULL, "no payload from a failed verification");
	free(out);
	return rc;
}

/* Re-encode member of obj (base64) in the URL-safe alphabet, unpadded. */
static void to_urlsafe(json_t *obj, const char *member)
{
	char *s = strdup(json_string_value(json_object_get(obj, member))), *p;

	for (p = s; *p; p++)
		*p = (char)(*p == '+' ? '-' : *p == '/' ? '_' : *p);
	while (p > s && p[-1] == '=')
		*--p = '\0';
	json_object_set_new(obj, member, json_string(s));
	free(s);
}

int main(void)
{
	unsigned char seed[crypto_sign_SEEDBYTES];
	char keyid[ART_KEYID_HEX];
	art_err e = { 0 };
	json_t *env, *bad, *sig;
	size_t n;
	unsigned char *pae;

	CHECK(sodium_init() >= 0, "libsodium");
	memset(seed, 1, sizeof seed);
	crypto_sign_seed_keypair(pk, sk, seed);
	memset(seed, 2, sizeof seed);
	crypto_sign_seed_keypair(pk2, sk2, seed);

	/* the example of the DSSE specification (protocol.md) */
	pae = art_dsse_pae("http://example.com/HelloWorld",
			   (const unsigned char *)"hello world", 11, &n);
	CHECK(n == 54 && !memcmp(pae, "DSSEv1 29 http://example.com/HelloWorld 11 hello world", 54),
	      "PAE: %.*s", (int)n, pae);
	free(pae);
	pae = art_dsse_pae("t", NULL, 0, &n);
	CHECK(n == 13 && !memcmp(pae, "DSSEv1 1 t 0 ", 13), "PAE of an empty body");
	free(pae);

	art_dsse_keyid(pk, keyid);
	CHECK(strlen(keyid) == 64, "keyid is 64 hex digits");

	env = art_dsse_sign(TYPE, (const unsigned char *)BODY, strlen(BODY), sk);
	CHECK(env != NULL, "signed");
	sig = json_array_get(json_object_get(env, "signatures"), 0);
	CHECK(!strcmp(json_string_value(json_object_get(sig, "keyid")), keyid),
	      "the envelope names the key");
	CHECK(verify(env, pk, TYPE, &e) == 0, "round trip: %s", e.msg);

	/* both alphabets, padded or not */
	bad = json_deep_copy(env);
	to_urlsafe(bad, "payload");
	to_urlsafe(json_array_get(json_object_get(bad, "signatures"), 0), "sig");
	CHECK(verify(bad, pk, TYPE, &e) == 0, "URL-safe base64: %s", e.msg);
	json_decref(bad);

	/* one byte of the payload changed */
	bad = json_deep_copy(env);
	{
		char *p = strdup(json_string_value(json_object_get(bad, "payload")));

		p[5] = p[5] == 'A' ? 'B' : 'A';
		json_object_set_new(bad, "payload", json_string(p));
		free(p);
	}
	CHECK(verify(bad, pk, TYPE, &e) == ART_EXIT_VERDICT, "changed payload verified");
	json_decref(bad);

	/* another payload, with the signature of the first */
	bad = json_deep_copy(env);
	json_object_set_new(bad, "payload", json_string("e30="));
	CHECK(verify(bad, pk, TYPE, &e) == ART_EXIT_VERDICT, "swapped payload verified");
	json_decref(bad);

	/* the type is signed too */
	bad = json_deep_copy(env);
	json_object_set_new(bad, "payloadType", json_string("text/plain"));
	CHECK(verify(bad, pk, "text/plain", &e) == ART_EXIT_VERDICT, "changed type verified");
	json_decref(bad);

	/* another key */
	CHECK(verify(env, pk2, TYPE, &e) == ART_EXIT_VERDICT, "another key verified");

	/* signed, but not of the type asked for */
	bad = art_dsse_sign("text/plain", (const unsigned char *)BODY, strlen(BODY), sk);
	CHECK(verify(bad, pk, TYPE, &e) == ART_EXIT_VERDICT, "unknown payload type accepted");
	CHECK(strstr(e.msg, "text/plain") != NULL, "the message names the type: %s", e.msg);
	json_decref(bad);

	/* a bogus signature before a good one: the good one counts */
	bad = json_deep_copy(env);
	json_array_insert_new(json_object_get(bad, "signatures"), 0,
			      json_pack("{s:s, s:s}", "keyid", "x", "sig", "AAAA"));
	CHECK(verify(bad, pk, TYPE, &e) == 0, "a good signature among bad ones: %s", e.msg);
	json_decref(bad);

	/* malformed envelopes */
	bad = json_deep_copy(env);
	json_object_set_new(bad, "payload", json_string("not base64!"));
	CHECK(verify(bad, pk, TYPE, &e) == ART_EXIT_VERDICT, "bad base64 cannot verify");
	json_object_del(bad, "signatures");
	CHECK(verify(bad, pk, TYPE, &e) == ART_EXIT_INPUT, "no signatures");
	json_decref(bad);
	bad = json_array();
	CHECK(verify(bad, pk, TYPE, &e) == ART_EXIT_INPUT, "not an object");
	json_decref(bad);

	json_decref(env);
	return CHECK_DONE();
}
