/* auth.c - art-auth's flows; see auth.h. */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "events.h"
#include "fs.h"
#include "proc.h"
#include "secretlog.h"
#include "store.h"
#include "timefmt.h"

/* Each flow's calls are retried this long on transient failures. */
#define AUTH_BUDGET_MS 60000LL

/* True when s holds no control character (nor DEL). */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* The record every flow prints: which Core, which token. */
static json_t *token_record(art_core *c, const char *mode)
{
	art_client_info info;
	art_err ignored = { 0 };
	char exp[32];
	int found;

	if (art_client_info_get(art_core_state(c), &info, &found, &ignored) != 0 || !found)
		return json_pack("{s:s, s:s}", "core", art_core_url(c), "mode", mode);
	art_rfc3339_ms(info.expires_ms, exp);
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "core", art_core_url(c),
			 "mode", mode, "token_id", info.token_id, "expires_at", exp,
			 "store", info.store);
}

/* Refusals of the /auth routes, said plainly. */
static int refused(art_core *c, const char *what, const art_core_res *res,
		   art_err *e)
{
	char why[300];

	art_core_describe(res, why, sizeof why);
	if (res->status == 429 && res->retry_after_s > 0)
		return art_errf(e, ART_EXIT_REMOTE, "%s: %s refused: %s; try again in %ld s",
				art_core_origin(c), what, why, res->retry_after_s);
	return art_errf(e, ART_EXIT_REMOTE, "%s: %s refused: %s", art_core_origin(c),
			what, why);
}

/* Start afresh: a new login replaces what was stored for this Core. */
static int open_store(art_core *c, const char *store, art_store **st,
		      art_err *e)
{
	art_client_info info;
	int found, rc;

	if ((rc = art_client_info_get(art_core_state(c), &info, &found, e)) != 0)
		return rc;
	if (found && store && strcmp(info.store, store) != 0) {
		/* moving to another store: leave nothing in the old one */
		if ((rc = art_core_forget(c, e)) != 0)
			return rc;
	}
	return art_core_store(c, store, st, e);
}

int art_auth_client(art_core *c, const char *store, const char *client_id,
		    const char *secret, size_t len, json_t **out, art_err *e)
{
	art_client_info info;
	art_store *st;
	char *name;
	int rc;

	if ((rc = open_store(c, store, &st, e)) != 0)
		return rc;
	name = art_core_secret_name(c, "secret");
	rc = art_store_put(st, name, secret, len, e);
	free(name);
	if (rc)
		return rc;
	/* the mode and client_id first: minting reads them */
	memset(&info, 0, sizeof info);
	snprintf(info.mode, sizeof info.mode, "client");
	snprintf(info.client_id, sizeof info.client_id, "%s", client_id);
	snprintf(info.store, sizeof info.store, "%s", art_store_backend(st));
	if ((rc = art_client_info_put(art_core_state(c), &info, e)) != 0)
		return rc;
	if ((rc = art_core_mint(c, e)) != 0) {
		/* a secret Core refused is not kept as if it worked; one Core
		 * could not be asked about (down, slow) is kept for later */
		art_err ignored = { 0 };

		if (art_core_mint_refused(c))
			art_core_forget(c, &ignored);
		return rc;
	}
	*out = token_record(c, "client");
	json_object_set_new(*out, "client_id", json_string(client_id));
	return 0;
}

int art_auth_login(art_core *c, const char *store, const char *username,
		   const char *password, size_t len, json_t **out, art_err *e)
{
	art_core_res res = { 0 };
	art_store *st;
	json_t *body;
	char key[37];
	int rc;

	if ((rc = open_store(c, store, &st, e)) != 0)
		return rc;
	body = json_pack("{s:s, s:s%}", "username", username, "password", password, len);
	art_uuid(key);
	rc = art_core_auth_post(c, "/auth/login", body, key, AUTH_BUDGET_MS, &res, e);
	json_decref(body);
	if (!rc && (res.status != 200 || !res.body))
		rc = refused(c, "login", &res, e);
	if (!rc)
		rc = art_core_keep_token(c, "login", NULL, username, res.body, e);
	art_core_res_free(&res);
	if (!rc) {
		*out = token_record(c, "login");
		json_object_set_new(*out, "username", json_string(username));
	}
	return rc;
}

const char *art_auth_device_answer(const json_t *body, const char **code,
				   const char **user_code, const char **uri,
				   long long *interval_s, long long *expires_s)
{
	json_int_t interval = 5, expires_in = 600;

	if (json_unpack((json_t *)body, "{s:s, s:s, s:s, s?I, s?I}", "device_code", code,
			"user_code", user_code, "verification_uri", uri,
			"interval", &interval, "expires_in", &expires_in) != 0)
		return "answered without device_code, user_code and verification_uri";
	/* Core's text reaches a terminal: no control characters */
	if (!printable(*uri) || !printable(*user_code))
		return "answered a verification_uri or user_code with control characters";
	/* bounded, so that no wait or deadline computed from them overflows */
	*interval_s = interval < 1 ? 5 : interval < ART_CORE_SECONDS_MAX ? interval
								       : ART_CORE_SECONDS_MAX;
	*expires_s = expires_in < 0 ? 0 : expires_in < ART_CORE_SECONDS_MAX ? expires_in
									 : ART_CORE_SECONDS_MAX;
	return NULL;
}

int art_auth_device(art_core *c, const char *store, const char *client_id,
		    json_t **out, art_err *e)
{
	art_core_res res = { 0 };
	art_store *st;
	json_t *body;
	const char *code = NULL, *user_code = NULL, *uri = NULL, *why = NULL;
	long long interval = 5, expires_in = 600, deadline;
	char *device_code = NULL, key[37];
	int rc;

	if ((rc = open_store(c, store, &st, e)) != 0)
		return rc;
	body = json_pack("{s:s}", "client_id", client_id);
	art_uuid(key);
	rc = art_core_auth_post(c, "/auth/device", body, key, AUTH_BUDGET_MS, &res, e);
	json_decref(body);
	if (!rc && res.status == 200 && res.body)
		why = art_auth_device_answer(res.body, &code, &user_code, &uri,
					     &interval, &expires_in);
	if (!rc && (res.status != 200 || !res.body || why))
		rc = res.status == 200
			? art_errf(e, ART_EXIT_REMOTE, "%s: /auth/device %s", art_core_origin(c),
				   why ? why : "answered without device_code, user_code and verification_uri")
			: refused(c, "device authorization", &res, e);
	if (rc) {
		art_core_res_free(&res);
		return rc;
	}
	/* the device code is a secret until the flow ends */
	art_secretlog_add(code, strlen(code));
	device_code = art_secret_dup(code, strlen(code));
	/* what the person must do, on stderr: stdout is for the result */
	fprintf(stderr, "%s: to sign in, open %s and enter the code %s\n",
		art_prog(), uri, user_code);
	art_core_res_free(&res);
	deadline = art_mono_ms() + expires_in * 1000;
	for (;;) {
		art_sleep_ms(interval * 1000, NULL);
		if (art_mono_ms() > deadline) {
			rc = art_errf(e, ART_EXIT_REMOTE, "%s: the device code expired before sign-in",
				      art_core_origin(c));
			break;
		}
		body = json_pack("{s:s}", "device_code", device_code);
		art_uuid(key); /* each poll is its own operation */
		rc = art_core_auth_post(c, "/auth/device/token", body, key,
					AUTH_BUDGET_MS, &res, e);
		json_decref(body);
		if (rc)
			break;
		if (res.status == 200 && res.body) {
			rc = art_core_keep_token(c, "device", client_id, NULL, res.body, e);
			break;
		}
		/* RFC 8628: the error is error.code here, or "error" */
		if (strcmp(res.code, "authorization_pending") == 0) {
			art_core_res_free(&res);
			continue;
		}
		if (strcmp(res.code, "slow_down") == 0) {
			interval += 5; /* for every later request */
			art_core_res_free(&res);
			continue;
		}
		rc = refused(c, "device sign-in", &res, e);
		break;
	}
	art_core_res_free(&res);
	art_secret_free(device_code);
	if (!rc) {
		*out = token_record(c, "device");
		json_object_set_new(*out, "client_id", json_string(client_id));
	}
	return rc;
}

int art_auth_rotate(art_core *c, const char *secret, size_t len, json_t **out,
		    art_err *e)
{
	art_core_res res = { 0 };
	art_client_info info;
	art_store *st;
	char *cur = NULL, *name, *pending, key[37];
	size_t curlen;
	json_t *body, *rotated;
	int found, rc;

	if ((rc = art_client_info_get(art_core_state(c), &info, &found, e)) != 0)
		return rc;
	if (!found || strcmp(info.mode, "client") != 0)
		return art_errf(e, ART_EXIT_STATE,
				"%s: no client credentials to rotate: run art-auth client first",
				art_core_origin(c));
	if ((rc = art_core_store(c, NULL, &st, e)) != 0)
		return rc;
	name = art_core_secret_name(c, "secret");
	pending = art_core_secret_name(c, "secret.pending");
	if ((rc = art_store_get(st, name, &cur, &curlen, e)) != 0)
		goto done;
	if (!cur) {
		rc = art_errf(e, ART_EXIT_STATE, "%s: no client secret stored to rotate",
			      art_core_origin(c));
		goto done;
	}
	art_secretlog_add(cur, curlen);
	/* kept before Core hears of it: a crash after Core rotates must not
	 * lose the only copy of the new secret */
	if ((rc = art_store_put(st, pending, secret, len, e)) != 0)
		goto done;
	body = json_pack("{s:s, s:s%, s:s%}", "client_id", info.client_id,
			 "secret_key", cur, curlen, "new_secret_key", secret, len);
	art_uuid(key);
	rc = art_core_auth_post(c, "/auth/clients/rotate", body, key, AUTH_BUDGET_MS,
				&res, e);
	json_decref(body);
	if (!rc && (res.status != 200 || !res.body)) {
		/* Core said no (a 4xx but 429): the new secret is not one.
		 * Without a clear answer (5xx, 429, no JSON) it is kept, as
		 * with no answer at all: Core may have taken it (core.h) */
		art_err ignored = { 0 };

		rc = refused(c, "secret rotation", &res, e);
		if (res.status >= 400 && res.status < 500 && res.status != 429 &&
		    !res.transient)
			art_store_del(st, pending, &ignored);
	}
	if (rc)
		goto done;
	rotated = json_deep_copy(res.body);
	if ((rc = art_store_put(st, name, secret, len, e)) == 0 &&
	    (rc = art_store_del(st, pending, e)) == 0)
		rc = art_core_mint(c, e);
	if (!rc) {
		*out = token_record(c, "client");
		json_object_set_new(*out, "client_id", json_string(info.client_id));
		json_object_set(*out, "rotated_at", json_object_get(rotated, "rotated_at"));
		json_object_set(*out, "grace_s", json_object_get(rotated, "grace_s"));
	}
	json_decref(rotated);
done:
	art_core_res_free(&res);
	art_secret_free(cur);
	free(name);
	free(pending);
	return rc;
}

int art_auth_status(art_core *c, json_t **out, int *usable, art_err *e)
{
	art_client_info info;
	art_store *st;
	char *name, *tok = NULL, iss[32], exp[32], renew[32];
	size_t len;
	long long now = art_wall_ms();
	int found, rc, stored = 0, have_secret = 0, pending = 0;

	*usable = 0;
	if ((rc = art_client_info_get(art_core_state(c), &info, &found, e)) != 0)
		return rc;
	if (!found) {
		*out = json_pack("{s:s, s:b}", "core", art_core_url(c), "usable", 0);
		return 0;
	}
	if ((rc = art_core_store(c, NULL, &st, e)) != 0)
		return rc;
	name = art_core_secret_name(c, "token");
	rc = art_store_get(st, name, &tok, &len, e);
	free(name);
	if (rc)
		return rc;
	stored = tok != NULL;
	art_secret_free(tok);
	tok = NULL;
	if (strcmp(info.mode, "client") == 0) {
		name = art_core_secret_name(c, "secret");
		rc = art_store_get(st, name, &tok, &len, e);
		free(name);
		if (rc)
			return rc;
		have_secret = tok != NULL;
		art_secret_free(tok);
		tok = NULL;
		name = art_core_secret_name(c, "secret.pending");
		rc = art_store_get(st, name, &tok, &len, e);
		free(name);
		if (rc)
			return rc;
		pending = tok != NULL;
		art_secret_free(tok);
	}
	art_rfc3339_ms(info.issued_ms, iss);
	art_rfc3339_ms(info.expires_ms, exp);
	art_rfc3339_ms(info.issued_ms + (long long)((double)(info.expires_ms - info.issued_ms) * 0.75), renew);
	*usable = have_secret || (stored && now < info.expires_ms);
	*out = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:b, s:b, s:b}",
			 "core", art_core_url(c), "mode", info.mode, "store", info.store,
			 "usable", *usable, "token_id", info.token_id, "issued_at", iss,
			 "expires_at", exp, "expired", now >= info.expires_ms,
			 "token_stored", stored, "secret_stored", have_secret);
	if (strcmp(info.mode, "client") == 0) {
		json_object_set_new(*out, "client_id", json_string(info.client_id));
		json_object_set_new(*out, "renew_at", json_string(renew));
		json_object_set_new(*out, "secret_pending", json_boolean(pending));
	} else if (info.username[0]) {
		json_object_set_new(*out, "username", json_string(info.username));
	}
	if (info.scopes[0])
		json_object_set_new(*out, "scopes", json_loads(info.scopes, 0, NULL));
	return 0;
}

int art_auth_logout(art_core *c, json_t **out, art_err *e)
{
	art_client_info info;
	int found, rc;

	if ((rc = art_client_info_get(art_core_state(c), &info, &found, e)) != 0)
		return rc;
	if (found && (rc = art_core_forget(c, e)) != 0)
		return rc;
	*out = json_pack("{s:s, s:b}", "core", art_core_url(c), "removed", found);
	return 0;
}
