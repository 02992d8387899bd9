/*
 * auth.h - art-auth(1): getting, renewing and dropping credentials for
 * Core.  Each function prints nothing; it returns the result object
 * art-auth prints (never a secret in it: tokens are named by token_id).
 */
#ifndef ART_AUTH_H
#define ART_AUTH_H
#include <jansson.h>
#include "core.h"
#include "diag.h"

/* client: store secret (guarded memory, the caller's) for client_id,
 * then mint a token with it. */
int art_auth_client(art_core *c, const char *store, const char *client_id,
		    const char *secret, size_t len, json_t **out, art_err *e);
/* login: a person's username and password (never stored). */
int art_auth_login(art_core *c, const char *store, const char *username,
		   const char *password, size_t len, json_t **out, art_err *e);
/* device: RFC 8628; tells the person where to go on stderr, waits. */
int art_auth_device(art_core *c, const char *store, const char *client_id,
		    json_t **out, art_err *e);
/*
 * Core's answer to POST /auth/device (RFC 8628): NULL when it is usable,
 * else why not ("answered without ..."); the strings are borrowed from
 * body, interval_s and expires_s as the flow uses them.  Pure, apart for
 * tests/fuzz.
 */
const char *art_auth_device_answer(const json_t *body, const char **code,
				   const char **user_code, const char **uri,
				   long long *interval_s, long long *expires_s);
/* rotate: the new secret replaces the stored one at Core and here, then
 * a token is minted with it. */
int art_auth_rotate(art_core *c, const char *secret, size_t len,
		    json_t **out, art_err *e);
/* status: what is stored, never a secret.  *usable 0 when art has no
 * way to make a call (no credentials, a person's token expired). */
int art_auth_status(art_core *c, json_t **out, int *usable, art_err *e);
/* logout: forget the token and secret of this Core. */
int art_auth_logout(art_core *c, json_t **out, art_err *e);
#endif
