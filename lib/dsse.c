/* dsse.c - DSSE envelopes signed with ed25519; see dsse.h. */
#include "dsse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"

unsigned char *art_dsse_pae(const char *type, const unsigned char *body,
			    size_t len, size_t *out_len)
{
	size_t tlen = strlen(type);
	char head[64];
	int hn = snprintf(head, sizeof head, "DSSEv1 %zu ", tlen);
	char mid[32];
	int mn = snprintf(mid, sizeof mid, " %zu ", len);
	unsigned char *out = art_xmalloc((size_t)hn + tlen + (size_t)mn + len);
	unsigned char *p = out;

	memcpy(p, head, (size_t)hn);
	p += hn;
	memcpy(p, type, tlen);
	p += tlen;
	memcpy(p, mid, (size_t)mn);
	p += mn;
	if (len)
		memcpy(p, body, len);
	*out_len = (size_t)hn + tlen + (size_t)mn + len;
	return out;
}

void art_dsse_keyid(const unsigned char pk[crypto_sign_PUBLICKEYBYTES],
		    char out[ART_KEYID_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, pk, crypto_sign_PUBLICKEYBYTES);
	sodium_bin2hex(out, ART_KEYID_HEX, h, sizeof h);
}

static json_t *b64_json(const unsigned char *bin, size_t len)
{
	size_t cap = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *s = art_xmalloc(cap);
	json_t *v;

	sodium_bin2base64(s, cap, bin, len, sodium_base64_VARIANT_ORIGINAL);
	v = json_string(s);
	free(s);
	return v;
}

json_t *art_dsse_sign(const char *type, const unsigned char *body, size_t len,
		      const unsigned char sk[crypto_sign_SECRETKEYBYTES])
{
	unsigned char sig[crypto_sign_BYTES];
	char keyid[ART_KEYID_HEX];
	size_t plen;
	unsigned char *pae = art_dsse_pae(type, body, len, &plen);

	crypto_sign_detached(sig, NULL, pae, plen, sk);
	free(pae);
	/* the public key is the second half of libsodium's secret key */
	art_dsse_keyid(sk + crypto_sign_SECRETKEYBYTES - crypto_sign_PUBLICKEYBYTES,
		       keyid);
	return json_pack("{s:s, s:o, s:[{s:s, s:o}]}",
			 "payloadType", type,
			 "payload", b64_json(body, len),
			 "signatures", "keyid", keyid, "sig",
			 b64_json(sig, sizeof sig));
}

/*
 * Decode base64 in either alphabet, padded or not (the DSSE spec lets
 * signers choose).  Malloc'd, NUL-terminated; -1 when it is not base64.
 */
static int b64_decode(const char *s, unsigned char **out, size_t *len)
{
	static const int variants[] = {
		sodium_base64_VARIANT_ORIGINAL,
		sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
		sodium_base64_VARIANT_URLSAFE,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING,
	};
	size_t n = strlen(s), cap = n / 4 * 3 + 3, i;
	unsigned char *bin = art_xmalloc(cap + 1);
	const char *end;

	for (i = 0; i < sizeof variants / sizeof *variants; i++)
		if (sodium_base642bin(bin, cap, s, n, NULL, len, &end,
				      variants[i]) == 0 && end == s + n) {
			bin[*len] = '\0';
			*out = bin;
			return 0;
		}
	free(bin);
	return -1;
}

int art_dsse_verify(const json_t *env,
		    const unsigned char pk[crypto_sign_PUBLICKEYBYTES],
		    const char *want_type, unsigned char **payload,
		    size_t *len, art_err *e)
{
	const char *type = json_string_value(json_object_get(env, "payloadType"));
	const char *b64 = json_string_value(json_object_get(env, "payload"));
	json_t *sigs = json_object_get(env, "signatures"), *s;
	unsigned char *body = NULL, *pae;
	size_t blen, plen, i;
	int ok = 0;

	*payload = NULL;
	*len = 0;
	if (!json_is_object(env) || !type || !b64 || !json_is_array(sigs) ||
	    !json_array_size(sigs))
		return art_errf(e, ART_EXIT_INPUT,
				"not a DSSE envelope (payloadType, payload and signatures are required)");
	if (b64_decode(b64, &body, &blen) < 0)
		return art_errf(e, ART_EXIT_VERDICT,
				"the payload is not base64: it cannot have been signed");
	pae = art_dsse_pae(type, body, blen, &plen);
	json_array_foreach(sigs, i, s) {
		const char *sig64 = json_string_value(json_object_get(s, "sig"));
		unsigned char *sig = NULL;
		size_t slen;

		if (!sig64 || b64_decode(sig64, &sig, &slen) < 0)
			continue;
		ok = slen == crypto_sign_BYTES &&
		     crypto_sign_verify_detached(sig, pae, plen, pk) == 0;
		free(sig);
		if (ok)
			break;
	}
	free(pae);
	if (!ok) {
		free(body);
		return art_errf(e, ART_EXIT_VERDICT,
				"no signature of the envelope verifies with this key");
	}
	if (strcmp(type, want_type)) {
		free(body);
		return art_errf(e, ART_EXIT_VERDICT,
				"payloadType \"%s\" is not %s", type, want_type);
	}
	*payload = body;
	*len = blen;
	return 0;
}
