/* pubkey.c - public keys as text; see pubkey.h. */
#define _GNU_SOURCE
#include "pubkey.h"

#include <string.h>

#include "fs.h"

/* The DER of SubjectPublicKeyInfo { id-Ed25519 (1.3.101.112), BIT STRING }
 * up to the 32 key bytes, which follow it (RFC 8410 §4). */
static const unsigned char spki_prefix[12] = {
	0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
};

#define BEGIN "-----BEGIN PUBLIC KEY-----"
#define END "-----END PUBLIC KEY-----"

char *art_pubkey_pem(const unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
	unsigned char der[sizeof spki_prefix + crypto_sign_PUBLICKEYBYTES];
	char b64[sodium_base64_ENCODED_LEN(sizeof der,
					   sodium_base64_VARIANT_ORIGINAL)];

	memcpy(der, spki_prefix, sizeof spki_prefix);
	memcpy(der + sizeof spki_prefix, pk, crypto_sign_PUBLICKEYBYTES);
	sodium_bin2base64(b64, sizeof b64, der, sizeof der,
			  sodium_base64_VARIANT_ORIGINAL);
	/* 60 base64 characters: one line, under PEM's 64 */
	return art_asprintf(BEGIN "\n%s\n" END "\n", b64);
}

static int from_pem(const char *body, size_t len,
		    unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
	unsigned char der[64];
	size_t n = 0;

	if (sodium_base642bin(der, sizeof der, body, len, " \t\r\n", &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != sizeof spki_prefix + crypto_sign_PUBLICKEYBYTES ||
	    memcmp(der, spki_prefix, sizeof spki_prefix))
		return -1;
	memcpy(pk, der + sizeof spki_prefix, crypto_sign_PUBLICKEYBYTES);
	return 0;
}

static int from_hex(const char *buf, size_t len,
		    unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
	size_t n = 0;
	const char *end = NULL;

	while (len && strchr(" \t\r\n", buf[len - 1]))
		len--;
	if (len != 2 * crypto_sign_PUBLICKEYBYTES)
		return -1;
	if (sodium_hex2bin(pk, crypto_sign_PUBLICKEYBYTES, buf, len, NULL, &n,
			   &end) != 0 || n != crypto_sign_PUBLICKEYBYTES)
		return -1;
	return 0;
}

int art_pubkey_parse(const char *name, const char *buf, size_t len,
		     unsigned char pk[crypto_sign_PUBLICKEYBYTES], art_err *e)
{
	const char *b = memmem(buf, len, BEGIN, strlen(BEGIN)), *body, *end;

	if (!b)
		return from_hex(buf, len, pk) == 0 ? 0
			: art_errf(e, ART_EXIT_INPUT,
				   "%s: not a public key (expected \"" BEGIN "\" or 64 hexadecimal digits)",
				   name);
	body = b + strlen(BEGIN);
	end = memmem(body, len - (size_t)(body - buf), END, strlen(END));
	if (!end)
		return art_errf(e, ART_EXIT_INPUT, "%s: no \"" END "\" line", name);
	if (from_pem(body, (size_t)(end - body), pk) != 0)
		return art_errf(e, ART_EXIT_INPUT,
				"%s: not an ed25519 public key (PEM SubjectPublicKeyInfo of RFC 8410 expected)",
				name);
	return 0;
}
