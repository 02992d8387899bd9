/* core.c - the client of Core: tokens and the retry policy; see core.h. */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <git2.h>
#include <sodium.h>

#include "backoff.h"
#include "events.h"
#include "fs.h"
#include "http.h"
#include "proc.h"
#include "repo.h"
#include "secretlog.h"

/* A token is renewed when this share of its life has passed. */
#define RENEW_AT 0.75
/* The longest life a token answer is taken for, in seconds: a year. */
#define TOKEN_LIFE_MAX_S (366LL * 86400)
/* How long minting retries transient failures. */
#define MINT_BUDGET_MS 60000LL

struct art_core {
	char *url;      /* base URL, no trailing slash */
	char origin[300];
	int verbose;
	art_http *http;
	art_client *state;
	art_store *store;
	char *token;    /* guarded memory */
	char token_id[128];
	long long issued_ms, expires_ms;
	long long deadline_ms; /* monotonic; 0: none (art_core_set_deadline) */
	int mint_refused;      /* the last mint was refused (401) */
};

int art_core_mint_refused(const art_core *c)
{
	return c->mint_refused;
}

void art_core_set_deadline(art_core *c, long long mono_ms)
{
	c->deadline_ms = mono_ms;
}

/* The time a mint may take: its own budget, cut to the caller's
 * deadline. */
static long long mint_budget(const art_core *c)
{
	long long left;

	if (!c->deadline_ms)
		return MINT_BUDGET_MS;
	left = c->deadline_ms - art_mono_ms();
	return left < 0 ? 0 : left < MINT_BUDGET_MS ? left : MINT_BUDGET_MS;
}

/* --- the URL --- */

static char *configured_url(void)
{
	git_config *cfg = NULL;
	git_buf buf = { 0 };
	art_repo r = { 0 };
	art_err ignored = { 0 };
	char *v = NULL;

	/* libgit2 only for this: art-poll does without it otherwise (its
	 * start-up, CA bundle included, was a tenth of art-poll's memory) */
	if (git_libgit2_init() < 0)
		return NULL;
	/* the repository's config when there is one, else the user's */
	if (art_repo_open(&r, NULL, &ignored) == 0) {
		v = art_repo_config(&r, "art.core");
		art_repo_close(&r);
	} else if (git_config_open_default(&cfg) == 0 &&
		   git_config_get_string_buf(&buf, cfg, "art.core") == 0) {
		v = art_strdup(buf.ptr);
	}
	git_buf_dispose(&buf);
	git_config_free(cfg);
	git_libgit2_shutdown();
	return v;
}

static int check_url(const char *url, const char *from, art_err *e)
{
	CURLU *u = curl_url();
	char *part = NULL;
	int rc = 0;

	if (!u)
		abort();
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &part, 0) != CURLUE_OK ||
	    (strcmp(part, "http") != 0 && strcmp(part, "https") != 0)) {
		rc = art_errf(e, ART_EXIT_USAGE, "%s: %s: not an http(s) URL", from, url);
	} else if (strcmp(part, "http") == 0 && !art_http_is_loopback(url)) {
		rc = art_errf(e, ART_EXIT_USAGE,
			      "%s: %s: http:// is accepted only for a loopback address; use https://",
			      from, url);
	}
	curl_free(part);
	part = NULL;
	if (!rc && (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK ||
		    curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK))
		rc = art_errf(e, ART_EXIT_USAGE,
			      "%s: the Core URL must not carry credentials", from);
	curl_free(part);
	part = NULL;
	if (!rc && (curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
		    curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK))
		rc = art_errf(e, ART_EXIT_USAGE,
			      "%s: %s: the Core URL takes no query or fragment", from, url);
	curl_free(part);
	curl_url_cleanup(u);
	return rc;
}

int art_core_open(const char *url_flag, int verbose, art_core **out, art_err *e)
{
	const char *env = getenv("ART_CORE_URL"), *from;
	char *url = NULL;
	art_core *c;
	size_t n;
	int rc;

	if (url_flag) {
		url = art_strdup(url_flag);
		from = "--core";
	} else if (env && *env) {
		url = art_strdup(env);
		from = "ART_CORE_URL";
	} else {
		url = configured_url();
		from = "git config art.core";
	}
	if (!url || !*url) {
		free(url);
		return art_errf(e, ART_EXIT_USAGE,
				"no Core: give --core URL, set ART_CORE_URL or git config art.core");
	}
	if ((rc = check_url(url, from, e)) != 0) {
		free(url);
		return rc;
	}
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	c = art_xmalloc(sizeof *c);
	memset(c, 0, sizeof *c);
	c->url = url;
	c->verbose = verbose;
	if (art_http_origin(url, c->origin, sizeof c->origin) != 0) {
		art_core_close(c);
		return art_errf(e, ART_EXIT_USAGE, "%s: %s: not an http(s) URL", from, url);
	}
	if ((rc = art_http_new(verbose, &c->http, e)) != 0 ||
	    (rc = art_client_open(c->origin, &c->state, e)) != 0) {
		art_core_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

void art_core_close(art_core *c)
{
	if (!c)
		return;
	art_http_free(c->http);
	art_client_close(c->state);
	art_store_close(c->store);
	art_secret_free(c->token);
	free(c->url);
	free(c);
}

const char *art_core_url(const art_core *c)
{
	return c->url;
}

const char *art_core_origin(const art_core *c)
{
	return c->origin;
}

art_client *art_core_state(art_core *c)
{
	return c->state;
}

char *art_core_secret_name(const art_core *c, const char *what)
{
	return art_asprintf("core:%s:%s", c->origin, what);
}

int art_core_store(art_core *c, const char *store_flag, art_store **out,
		   art_err *e)
{
	art_client_info info;
	int found, rc;

	if (!c->store) {
		if ((rc = art_client_info_get(c->state, &info, &found, e)) != 0)
			return rc;
		if ((rc = art_store_open(found && info.store[0] ? info.store : store_flag,
					 &c->store, e)) != 0)
			return rc;
	}
	*out = c->store;
	return 0;
}

/* --- tokens --- */

static int due(long long issued, long long expires, long long now)
{
	return now >= issued + (long long)((double)(expires - issued) * RENEW_AT);
}

/* The stored token, if any, into c. */
static int load_token(art_core *c, int *found, art_err *e)
{
	art_store *st;
	char *raw = NULL, *name = art_core_secret_name(c, "token");
	size_t len;
	json_t *o;
	const char *tok, *id;
	json_int_t issued, expires;
	int rc;

	*found = 0;
	rc = art_core_store(c, NULL, &st, e);
	if (!rc)
		rc = art_store_get(st, name, &raw, &len, e);
	free(name);
	if (rc || !raw)
		return rc;
	o = json_loadb(raw, len, 0, NULL);
	art_secret_free(raw);
	if (!o || json_unpack(o, "{s:s, s:s, s:I, s:I}", "access_token", &tok,
			      "token_id", &id, "issued_ms", &issued,
			      "expires_ms", &expires) != 0) {
		json_decref(o);
		return art_errf(e, ART_EXIT_LOCAL,
				"the token stored for %s is damaged: run art-auth again",
				c->origin);
	}
	art_secret_free(c->token);
	c->token = art_secret_dup(tok, strlen(tok));
	art_secretlog_add(tok, strlen(tok));
	snprintf(c->token_id, sizeof c->token_id, "%s", id);
	c->issued_ms = issued;
	c->expires_ms = expires;
	json_decref(o);
	*found = 1;
	return 0;
}

int art_core_token_answer(const json_t *answer, const char **tok,
			  const char **id, long long *life_s)
{
	json_int_t expires_in = 0;

	*tok = *id = NULL;
	if (json_unpack((json_t *)answer, "{s:s, s:s, s:I}", "access_token", tok,
			"token_id", id, "expires_in", &expires_in) != 0 ||
	    !**tok || expires_in <= 0)
		return -1;
	/* longer is renewed at 75 % of a year: expires_ms cannot overflow */
	*life_s = expires_in < TOKEN_LIFE_MAX_S ? expires_in : TOKEN_LIFE_MAX_S;
	return 0;
}

int art_core_keep_token(art_core *c, const char *mode, const char *client_id,
			const char *username, const json_t *answer, art_err *e)
{
	const char *tok = NULL, *id = NULL;
	long long expires_in = 0;
	json_t *stored, *scopes;
	art_client_info info;
	art_store *st;
	long long now = art_wall_ms();
	char *raw, *name, *sc;
	int rc;

	if (art_core_token_answer(answer, &tok, &id, &expires_in) != 0)
		return art_errf(e, ART_EXIT_REMOTE,
				"%s answered a token without access_token, token_id and a positive expires_in",
				c->origin);
	art_secretlog_add(tok, strlen(tok));
	if ((rc = art_core_store(c, NULL, &st, e)) != 0)
		return rc;
	stored = json_pack("{s:s, s:s, s:I, s:I}", "access_token", tok,
			   "token_id", id, "issued_ms", (json_int_t)now,
			   "expires_ms", (json_int_t)(now + expires_in * 1000));
	raw = json_dumps(stored, JSON_COMPACT);
	json_decref(stored);
	name = art_core_secret_name(c, "token");
	rc = art_store_put(st, name, raw, strlen(raw), e);
	free(name);
	art_secretlog_free_text(raw);
	if (rc)
		return rc;
	memset(&info, 0, sizeof info);
	snprintf(info.mode, sizeof info.mode, "%s", mode);
	snprintf(info.client_id, sizeof info.client_id, "%s", client_id ? client_id : "");
	snprintf(info.username, sizeof info.username, "%s", username ? username : "");
	snprintf(info.store, sizeof info.store, "%s", art_store_backend(st));
	snprintf(info.token_id, sizeof info.token_id, "%s", id);
	info.issued_ms = now;
	info.expires_ms = now + expires_in * 1000;
	if ((scopes = json_object_get(answer, "scopes")) && json_is_array(scopes)) {
		sc = json_dumps(scopes, JSON_COMPACT);
		if (strlen(sc) < sizeof info.scopes)
			snprintf(info.scopes, sizeof info.scopes, "%s", sc);
		free(sc);
	}
	if ((rc = art_client_info_put(c->state, &info, e)) != 0)
		return rc;
	art_secret_free(c->token);
	c->token = art_secret_dup(tok, strlen(tok));
	snprintf(c->token_id, sizeof c->token_id, "%s", id);
	c->issued_ms = info.issued_ms;
	c->expires_ms = info.expires_ms;
	return 0;
}

/*
 * A rotation whose answer was lost leaves the new secret pending: Core
 * may have taken it.  When the current one is refused, the pending one
 * becomes current (and is tried once).
 */
static int promote_pending(art_core *c, art_store *st, int *promoted, art_err *e)
{
	char *name = art_core_secret_name(c, "secret.pending"), *cur, *val = NULL;
	size_t len;
	int rc;

	*promoted = 0;
	rc = art_store_get(st, name, &val, &len, e);
	if (!rc && val) {
		cur = art_core_secret_name(c, "secret");
		if ((rc = art_store_put(st, cur, val, len, e)) == 0 &&
		    (rc = art_store_del(st, name, e)) == 0)
			*promoted = 1;
		free(cur);
	}
	art_secret_free(val);
	free(name);
	return rc;
}

static int mint_once(art_core *c, const art_client_info *info, int *refused,
		     art_err *e);

/* POST /auth/clients/token with the stored secret; the lock is held.
 * NOLINTNEXTLINE(misc-no-recursion): see art_core_call */
static int mint_locked(art_core *c, const art_client_info *info, art_err *e)
{
	art_store *st;
	int rc, promoted, refused;

	rc = mint_once(c, info, &refused, e);
	c->mint_refused = rc && refused;
	if (rc && refused && art_core_store(c, NULL, &st, e) == 0 &&
	    promote_pending(c, st, &promoted, e) == 0 && promoted) {
		if (c->verbose)
			art_warn("the client secret was refused; trying the one a rotation left pending");
		rc = mint_once(c, info, &refused, e);
		c->mint_refused = rc && refused;
	}
	return rc;
}

/* One mint; *refused when Core refused the secret itself (401).
 * NOLINTNEXTLINE(misc-no-recursion): see art_core_call */
static int mint_once(art_core *c, const art_client_info *info, int *refused,
		     art_err *e)
{
	art_core_res res = { 0 };
	art_store *st;
	char *secret = NULL, *name, key[37], why[300];
	size_t len;
	json_t *body;
	int rc;

	*refused = 0;

	if ((rc = art_core_store(c, NULL, &st, e)) != 0)
		return rc;
	name = art_core_secret_name(c, "secret");
	rc = art_store_get(st, name, &secret, &len, e);
	free(name);
	if (rc)
		return rc;
	if (!secret)
		return art_errf(e, ART_EXIT_REMOTE,
				"no client secret stored for %s (%s store): run art-auth client",
				c->origin, art_store_backend(st));
	art_secretlog_add(secret, len);
	body = json_pack("{s:s, s:s%}", "client_id", info->client_id,
			 "secret_key", secret, len);
	art_secret_free(secret);
	art_uuid(key); /* one key for this mint and all its retries */
	rc = art_core_auth_post(c, "/auth/clients/token", body, key, mint_budget(c),
				&res, e);
	json_decref(body);
	if (rc)
		return rc;
	if (res.status == 200 && res.body) {
		rc = art_core_keep_token(c, "client", info->client_id, NULL, res.body, e);
		if (!rc && c->verbose)
			art_warn("minted token %s for %s", c->token_id, info->client_id);
	} else {
		*refused = res.status == 401;
		art_core_describe(&res, why, sizeof why);
		rc = art_errf(e, ART_EXIT_REMOTE, "%s refused a token for client %s: %s",
			      c->origin, info->client_id, why);
	}
	art_core_res_free(&res);
	return rc;
}

/*
 * Make c->token usable: the stored one, or a new one when it is due for
 * renewal or was refused (rejected: the id Core refused, or NULL).
 * NOLINTNEXTLINE(misc-no-recursion): see art_core_call */
static int ensure_token(art_core *c, const char *rejected, art_err *e)
{
	art_client_info info;
	long long now = art_wall_ms();
	int found, have, fd, rc;

	if (c->token && !rejected && !due(c->issued_ms, c->expires_ms, now))
		return 0;
	if ((rc = art_client_info_get(c->state, &info, &found, e)) != 0)
		return rc;
	if (!found)
		return art_errf(e, ART_EXIT_REMOTE,
				"no credentials for %s: run art-auth client, login or device",
				c->origin);
	if (strcmp(info.mode, "client") != 0) {
		/* a person's token: use it while it lasts */
		if ((rc = load_token(c, &have, e)) != 0)
			return rc;
		if (!have || (rejected && strcmp(rejected, c->token_id) == 0) ||
		    now >= c->expires_ms)
			return art_errf(e, ART_EXIT_REMOTE,
					"the token of %s for %s has expired or was refused: run art-auth %s again",
					info.username[0] ? info.username : "your login",
					c->origin, info.mode);
		return 0;
	}
	if ((rc = art_client_lock_tokens(c->state, c->deadline_ms, &fd, e)) != 0)
		return rc;
	/* someone may have minted while we waited for the lock */
	rc = load_token(c, &have, e);
	if (!rc && (!have || (rejected && strcmp(rejected, c->token_id) == 0) ||
		    due(c->issued_ms, c->expires_ms, art_wall_ms())))
		rc = mint_locked(c, &info, e);
	art_client_unlock_tokens(fd);
	return rc;
}

int art_core_mint(art_core *c, art_err *e)
{
	art_client_info info;
	int found, fd, rc;

	if ((rc = art_client_info_get(c->state, &info, &found, e)) != 0)
		return rc;
	if (!found || strcmp(info.mode, "client") != 0)
		return art_errf(e, ART_EXIT_REMOTE, "no client credentials for %s",
				c->origin);
	if ((rc = art_client_lock_tokens(c->state, c->deadline_ms, &fd, e)) != 0)
		return rc;
	rc = mint_locked(c, &info, e);
	art_client_unlock_tokens(fd);
	return rc;
}

int art_core_forget(art_core *c, art_err *e)
{
	static const char *const kept[] = { "token", "secret", "secret.pending" };
	art_store *st;
	char *name;
	int rc;

	if ((rc = art_core_store(c, NULL, &st, e)) != 0)
		return rc;
	for (size_t i = 0; !rc && i < sizeof kept / sizeof *kept; i++) {
		name = art_core_secret_name(c, kept[i]);
		rc = art_store_del(st, name, e);
		free(name);
	}
	if (!rc)
		rc = art_client_info_del(c->state, e);
	art_secret_free(c->token);
	c->token = NULL;
	/* the next art_core_store chooses afresh */
	art_store_close(c->store);
	c->store = NULL;
	return rc;
}

/* --- calls --- */

void art_core_res_free(art_core_res *res)
{
	json_decref(res->body);
	memset(res, 0, sizeof *res);
}

void art_core_describe(const art_core_res *res, char *out, size_t size)
{
	json_t *err = res->body ? json_object_get(res->body, "error") : NULL;
	const char *msg = err ? json_string_value(json_object_get(err, "message")) : NULL;
	char *raw, *clean;

	if (res->status == 0) {
		snprintf(out, size, "no answer");
		return;
	}
	raw = art_asprintf("HTTP %ld%s%s%s%s%s", res->status,
			   res->code[0] ? " " : "", res->code,
			   msg ? " (" : "", msg ? msg : "", msg ? ")" : "");
	clean = art_secretlog_scrub(raw);
	snprintf(out, size, "%s", clean);
	free(raw);
	free(clean);
}

double art_core_seconds(const json_t *v)
{
	double s = json_is_number(v) ? json_number_value(v) : 0;

	if (!(s > 0))
		return 0;
	return s < ART_CORE_SECONDS_MAX ? s : ART_CORE_SECONDS_MAX;
}

void art_core_read_answer(const art_http_resp *h, art_core_res *res)
{
	json_t *err, *v;

	memset(res, 0, sizeof *res);
	res->status = h->status;
	res->retry_after_s = h->retry_after_s;
	res->replayed = h->replayed;
	snprintf(res->etag, sizeof res->etag, "%s", h->etag);
	if (h->status == 304)
		return;
	res->body = h->len ? json_loadb(h->body, h->len, 0, NULL) : NULL;
	if (res->body && !json_is_object(res->body)) {
		json_decref(res->body);
		res->body = NULL;
	}
	if (!res->body) {
		/* a body that is not JSON is a proxy or a crash talking */
		res->transient = 1;
		return;
	}
	if ((v = json_object_get(res->body, "request_id")) && json_is_string(v))
		snprintf(res->request_id, sizeof res->request_id, "%s", json_string_value(v));
	res->poll_interval_s = art_core_seconds(json_object_get(res->body, "poll_interval_s"));
	if ((err = json_object_get(res->body, "error")) && json_is_object(err)) {
		if ((v = json_object_get(err, "code")) && json_is_string(v))
			snprintf(res->code, sizeof res->code, "%s", json_string_value(v));
		if (res->retry_after_s < 0 && (v = json_object_get(err, "retry_after_s")) &&
		    json_is_number(v) && json_number_value(v) >= 0 &&
		    json_number_value(v) <= 86400)
			res->retry_after_s = (long)json_number_value(v);
		if ((v = json_object_get(err, "poll_interval_s")) && json_is_number(v))
			res->poll_interval_s = art_core_seconds(v);
	}
	if (h->status >= 500 || (h->status == 429 && !res->code[0]))
		res->transient = 1;
}

/* The TOO_MANY_ATTEMPTS block of a route, kept in the schedule. */
static char *block_key(const char *route)
{
	return art_asprintf("block %s", route);
}

/*
 * A call asks for a token (ensure_token), whose mint is a call
 * (art_core_auth_post): a recursion, but of one level, as the mint's call
 * is anonymous, and an anonymous call asks for no token.
 * NOLINTNEXTLINE(misc-no-recursion) */
int art_core_call(art_core *c, const art_core_req *rq, art_core_res *res,
		  art_err *e)
{
	long long deadline = art_mono_ms() + (rq->budget_ms > 0 ? rq->budget_ms : 0);
	char *url = art_asprintf("%s%s", c->url, rq->path), *body = NULL;
	char *bkey = rq->route ? block_key(rq->route) : NULL;
	char rejected[128];
	art_http_req hr = { 0 };
	art_http_resp h;
	art_schedule blk;
	long long now, wait;
	int failures = 0, retried401 = 0, rc = 0;

	memset(res, 0, sizeof *res);
	if (rq->body)
		body = json_dumps(rq->body, JSON_COMPACT);
	hr.method = rq->method;
	hr.url = url;
	hr.idempotency_key = rq->idempotency_key;
	hr.if_none_match = rq->if_none_match;
	hr.body = body;
	hr.body_len = body ? strlen(body) : 0;
	for (;;) {
		art_core_res_free(res);
		/* a route Core closed to us stays closed, for every process */
		if (bkey && (rc = art_schedule_get(c->state, bkey, &blk, e)) != 0)
			break;
		now = art_wall_ms();
		if (bkey && blk.blocked_until_ms > now) {
			wait = blk.blocked_until_ms - now;
			if (art_mono_ms() + wait > deadline) {
				res->status = 429;
				snprintf(res->code, sizeof res->code, "TOO_MANY_ATTEMPTS");
				res->retry_after_s = (long)((wait + 999) / 1000);
				break;
			}
			art_sleep_ms(wait, NULL);
		}
		if (!rq->anonymous) {
			if ((rc = ensure_token(c, NULL, e)) != 0)
				break;
			hr.bearer = c->token;
		}
		/* the caller's deadline holds for the exchange too */
		hr.timeout_ms = c->deadline_ms ? (long)(c->deadline_ms - art_mono_ms()) : 0;
		if (c->deadline_ms && hr.timeout_ms <= 0) {
			rc = art_errf(e, ART_EXIT_REMOTE, "%s %s: out of time", rq->method, rq->path);
			res->transient = 1;
			break;
		}
		if ((rc = art_http_do(c->http, &hr, &h, e)) != 0) {
			if (rc != ART_EXIT_REMOTE)
				break; /* a redirect refused: no retry mends it */
			res->transient = 1;
			failures++;
			wait = art_backoff_ms(failures, 0);
			if (art_mono_ms() + wait > deadline)
				break; /* rc and e say what failed last */
			if (c->verbose)
				art_warn("%s; retrying in %lld ms", e->msg, wait);
			art_sleep_ms(wait, NULL);
			continue;
		}
		art_core_read_answer(&h, res);
		art_http_resp_free(&h);
		if (res->status == 401 && !rq->anonymous) {
			if (retried401) {
				rc = art_errf(e, ART_EXIT_REMOTE,
					      "%s refused token %s twice (%s)",
					      c->origin, c->token_id,
					      res->code[0] ? res->code : "401");
				break;
			}
			retried401 = 1;
			snprintf(rejected, sizeof rejected, "%s", c->token_id);
			if ((rc = ensure_token(c, rejected, e)) != 0)
				break;
			continue;
		}
		if (bkey && res->status == 429 && strcmp(res->code, "TOO_MANY_ATTEMPTS") == 0) {
			/* nothing before retry_after_s; then full jitter */
			blk.failures++;
			blk.blocked_until_ms = art_wall_ms() +
				(res->retry_after_s > 0 ? res->retry_after_s * 1000LL : 0) +
				art_backoff_ms(blk.failures, 0);
			if ((rc = art_schedule_put(c->state, bkey, &blk, e)) != 0)
				break;
			if (art_mono_ms() + (blk.blocked_until_ms - art_wall_ms()) <= deadline)
				continue; /* the top of the loop waits */
			break;
		}
		if (bkey && blk.failures) {
			memset(&blk, 0, sizeof blk);
			if ((rc = art_schedule_put(c->state, bkey, &blk, e)) != 0)
				break;
		}
		if (res->status == 429 && strcmp(res->code, "SLOW_DOWN") == 0) {
			wait = 1000LL * (res->retry_after_s > 0 ? res->retry_after_s : 0);
			if (res->poll_interval_s * 1000 > (double)wait)
				wait = (long long)(res->poll_interval_s * 1000);
			if (art_mono_ms() + wait > deadline)
				break;
			art_sleep_ms(wait, NULL);
			continue;
		}
		if (res->transient) {
			failures++;
			wait = art_backoff_ms(failures, res->retry_after_s > 0
					      ? res->retry_after_s * 1000LL : 0);
			if (art_mono_ms() + wait > deadline)
				break;
			if (c->verbose)
				art_warn("%s %s: HTTP %ld; retrying in %lld ms",
					 rq->method, rq->path, res->status, wait);
			art_sleep_ms(wait, NULL);
			continue;
		}
		break;
	}
	art_secretlog_free_text(body); /* it may hold a password */
	free(url);
	free(bkey);
	return rc;
}

int art_core_stream_open(art_core *c, const char *path, int refused,
			 art_http_chunk_fn fn, void *ctx,
			 art_http_stream **out, art_err *e)
{
	char rejected[128], *url;
	int rc;

	snprintf(rejected, sizeof rejected, "%s", c->token_id);
	if ((rc = ensure_token(c, refused && c->token ? rejected : NULL, e)) != 0)
		return rc;
	url = art_asprintf("%s%s", c->url, path);
	rc = art_http_stream_open(c->verbose, url, c->token, fn, ctx, out, e);
	free(url);
	return rc;
}

/* NOLINTNEXTLINE(misc-no-recursion): see art_core_call */
int art_core_auth_post(art_core *c, const char *path, const json_t *body,
		       const char *key, long long budget_ms, art_core_res *res,
		       art_err *e)
{
	char *route = art_asprintf("POST %s", path);
	art_core_req rq = { .method = "POST", .path = path, .route = route,
			    .body = body, .idempotency_key = key,
			    .budget_ms = budget_ms, .anonymous = 1 };
	int rc = art_core_call(c, &rq, res, e);

	free(route);
	return rc;
}
