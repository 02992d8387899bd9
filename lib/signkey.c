/* signkey.c - the signing key; see signkey.h. */
#include "signkey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsse.h"
#include "fs.h"

#define PREFIX "art-signing-key-v1 ed25519 "
#define LINE_MAX_BYTES 128 /* the prefix, 44 base64 bytes, a newline */

int art_signkey_path(char **out, art_err *e)
{
	char *dir;
	int rc;

	if ((rc = art_user_dir("XDG_CONFIG_HOME", ".config", "the signing key",
			       &dir, e)) != 0)
		return rc;
	*out = art_join(dir, "signing.key");
	free(dir);
	return 0;
}

/* mkdir -p the key's directory (art_mkdir_private). */
static int make_dirs(const char *path, art_err *e)
{
	char *dir = art_strdup(path);
	int rc;

	*strrchr(dir, '/') = '\0';
	rc = art_mkdir_private(dir, e);
	free(dir);
	return rc;
}

/* Make a new key file; ART_EXIT_STATE when another process made it first. */
static int make_key(const char *path, art_err *e)
{
	size_t b64 = sodium_base64_encoded_len(crypto_sign_SEEDBYTES,
					       sodium_base64_VARIANT_ORIGINAL);
	size_t cap = sizeof PREFIX + b64 + 1, len;
	unsigned char *seed = sodium_malloc(crypto_sign_SEEDBYTES);
	char *line = sodium_malloc(cap);
	int rc;

	if (!seed || !line) {
		sodium_free(seed);
		sodium_free(line);
		return art_errf(e, ART_EXIT_LOCAL, "cannot lock memory for a key");
	}
	randombytes_buf(seed, crypto_sign_SEEDBYTES);
	memcpy(line, PREFIX, sizeof PREFIX - 1);
	sodium_bin2base64(line + sizeof PREFIX - 1, b64, seed, crypto_sign_SEEDBYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	len = strlen(line);
	line[len++] = '\n'; /* cap has room: sizeof PREFIX counts a NUL */
	if ((rc = make_dirs(path, e)) == 0)
		rc = art_write_atomic(path, line, len, 0600, 1, e);
	sodium_free(seed); /* wipes */
	sodium_free(line);
	return rc;
}

/* Read the key file at path into k; -1 with errno ENOENT when missing. */
static int read_key(art_signkey *k, const char *path, art_err *e)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	unsigned char *seed = NULL;
	char *line = NULL;
	struct stat st;
	ssize_t n = 0;
	size_t got;
	int rc = 0;

	if (fd < 0) {
		if (errno == ENOENT)
			return -1;
		return art_err_sys(e, errno == ELOOP ? ART_EXIT_INPUT : ART_EXIT_LOCAL,
				   "%s", path);
	}
	if (fstat(fd, &st) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "%s", path);
	} else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
		   (st.st_mode & 077)) {
		rc = art_errf(e, ART_EXIT_INPUT,
			      "%s: a signing key must be a file of yours that only you can read (chmod 600)",
			      path);
	} else if (!(line = sodium_malloc(LINE_MAX_BYTES + 1)) ||
		   !(seed = sodium_malloc(crypto_sign_SEEDBYTES)) ||
		   !(k->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES))) {
		rc = art_errf(e, ART_EXIT_LOCAL, "cannot lock memory for a key");
	} else {
		for (got = 0; got < LINE_MAX_BYTES; got += (size_t)n) {
			n = read(fd, line + got, LINE_MAX_BYTES - got);
			if (n <= 0 && !(n < 0 && errno == EINTR))
				break;
			if (n < 0)
				n = 0;
		}
		while (got && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			got--;
		line[got] = '\0';
		if (n < 0)
			rc = art_err_sys(e, ART_EXIT_LOCAL, "%s", path);
		else if (got <= sizeof PREFIX - 1 ||
			 memcmp(line, PREFIX, sizeof PREFIX - 1) ||
			 sodium_base642bin(seed, crypto_sign_SEEDBYTES,
					   line + sizeof PREFIX - 1,
					   got - (sizeof PREFIX - 1), NULL, &got, NULL,
					   sodium_base64_VARIANT_ORIGINAL) < 0 ||
			 got != crypto_sign_SEEDBYTES)
			rc = art_errf(e, ART_EXIT_INPUT,
				      "%s: not an art signing key (expected one line \"%sBASE64\")",
				      path, PREFIX);
		else
			crypto_sign_seed_keypair(k->pk, k->sk, seed);
	}
	close(fd);
	sodium_free(seed);
	sodium_free(line);
	return rc;
}

int art_signkey_load(art_signkey *k, int create, art_err *e)
{
	int rc, tries;

	memset(k, 0, sizeof *k);
	if ((rc = art_signkey_path(&k->path, e)) != 0)
		return rc;
	for (tries = 0; tries < 3; tries++) {
		rc = read_key(k, k->path, e);
		if (rc >= 0)
			break;
		if (!create) {
			rc = art_errf(e, ART_EXIT_INPUT, "%s: no signing key", k->path);
			break;
		}
		rc = make_key(k->path, e);
		if (rc && rc != ART_EXIT_STATE) /* STATE: made by another: read it */
			break;
		rc = 0;
	}
	if (rc == 0 && !k->sk) /* made, and gone again each time */
		rc = art_errf(e, ART_EXIT_LOCAL, "%s: the key keeps disappearing",
			      k->path);
	if (rc == 0)
		art_dsse_keyid(k->pk, k->keyid);
	else
		art_signkey_free(k);
	return rc;
}

void art_signkey_free(art_signkey *k)
{
	sodium_free(k->sk); /* wipes */
	free(k->path);
	memset(k, 0, sizeof *k);
}
