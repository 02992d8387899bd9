/*
 * store.c - the secret store's interface: which backend, the checks every
 * backend shares, and the guarded memory secrets live in; see store.h.
 *
 * The backends are apart, in storering.c (the kernel keyring) and
 * storefile.c (the sealed file), so that each reads on its own; what they
 * share with this file is in storeimpl.h.
 */
#define _GNU_SOURCE
#include "storeimpl.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"

/* Guarded memory; aborts on out of memory like every art allocation. */
void *art_store_alloc(size_t n)
{
	void *p = sodium_malloc(n ? n : 1);

	if (!p) {
		fputs("art: out of memory\n", stderr);
		abort();
	}
	return p;
}

char *art_secret_dup(const void *p, size_t len)
{
	char *s;

	/* sodium_malloc needs the page size sodium_init finds */
	if (sodium_init() < 0) {
		fputs("art: libsodium cannot start\n", stderr);
		abort();
	}
	s = art_store_alloc(len + 1);
	if (len)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

void art_secret_free(char *p)
{
	sodium_free(p); /* wipes; NULL is fine */
}

static int check_name(const char *name, art_err *e)
{
	size_t n = name ? strnlen(name, ART_STORE_NAME_MAX + 1) : 0, i;

	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] > '~')
			break;
	if (n == 0 || n > ART_STORE_NAME_MAX || i < n)
		return art_errf(e, ART_EXIT_INPUT,
				"not a secret name: %s", n == 0 ? "empty"
				: n > ART_STORE_NAME_MAX ? "longer than 200 bytes"
				: "only printable ASCII, no spaces");
	return 0;
}

/* ---- the interface ---- */

static int default_backend(const char **backend, art_err *e)
{
	const char *env = getenv("ART_STORE"), *kf = getenv("ART_STORE_KEY_FILE");
	char *cred;

	if (env && *env) {
		if (strcmp(env, "keyring") && strcmp(env, "file"))
			return art_errf(e, ART_EXIT_USAGE,
					"ART_STORE=%.64s: not a secret store (keyring or file)",
					env);
		*backend = env;
	} else if ((cred = art_store_cred_path()) != NULL || (kf && *kf)) {
		free(cred);
		*backend = "file";
	} else {
		*backend = "keyring";
	}
	return 0;
}

int art_store_open(const char *backend, art_store **out, art_err *e)
{
	art_store *s;
	int rc;

	*out = NULL;
	if (sodium_init() < 0)
		return art_errf(e, ART_EXIT_LOCAL, "libsodium cannot start");
	if (!backend && (rc = default_backend(&backend, e)) != 0)
		return rc;
	s = art_xmalloc(sizeof *s);
	memset(s, 0, sizeof *s);
	if (!strcmp(backend, "keyring")) {
		s->backend = "keyring";
		rc = art_ring_open(&s->ring, "the secret store", e);
	} else if (!strcmp(backend, "file")) {
		s->backend = "file";
		rc = art_store_file_open(s, e);
	} else {
		rc = art_errf(e, ART_EXIT_USAGE,
			      "%.64s: not a secret store (keyring or file)", backend);
	}
	if (rc)
		art_store_close(s);
	else
		*out = s;
	return rc;
}

const char *art_store_backend(const art_store *s)
{
	return s->backend;
}

int art_store_put(art_store *s, const char *name, const void *val,
		  size_t len, art_err *e)
{
	int rc;

	if ((rc = check_name(name, e)) != 0)
		return rc;
	if (len == 0 || len > ART_STORE_VALUE_MAX)
		return art_errf(e, ART_EXIT_INPUT,
				"%s: a stored value is 1 to %d bytes, not %zu",
				name, ART_STORE_VALUE_MAX, len);
	if (s->dir)
		return art_store_file_put(s, name, val, len, e);
	return art_store_ring_put(s, name, val, len, e);
}

int art_store_get(art_store *s, const char *name, char **val, size_t *len,
		  art_err *e)
{
	size_t n = 0;
	int rc;

	*val = NULL;
	if (len)
		*len = 0;
	if ((rc = check_name(name, e)) != 0)
		return rc;
	if (s->dir)
		rc = art_store_file_get(s, name, val, &n, e);
	else
		rc = art_store_ring_get(s, name, val, &n, e);
	if (len)
		*len = n;
	return rc;
}

int art_store_del(art_store *s, const char *name, art_err *e)
{
	int rc;

	if ((rc = check_name(name, e)) != 0)
		return rc;
	if (s->dir)
		return art_store_file_del(s, name, e);
	return art_store_ring_del(s, name, e);
}

void art_store_close(art_store *s)
{
	if (!s)
		return;
	sodium_free(s->key); /* wipes */
	free(s->dir);
	free(s->path);
	free(s);
}
