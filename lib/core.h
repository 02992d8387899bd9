/*
 * core.h - the client of Core (core-api.md): every call art makes to
 * Core goes through art_core_call, which adds the token, renews it when
 * it must, and applies the one retry policy (backoff.h).
 *
 * Which Core: --core URL, else ART_CORE_URL, else git config art.core.
 * http:// only for a loopback address.  The URL may carry a path (Core
 * mounted below a prefix); no query, no fragment, no user or password.
 *
 * Tokens.  A token is minted with the client secret (client mode) or
 * obtained by a person (login, device).  It lives in the secret store
 * (store.h), shared by every art process of the user; its id, expiry and
 * mode in the client state (clientstate.h).  A client token is renewed at
 * 75 % of its life and once after a 401; minting is serialised by the
 * token lock, and a process that waited for the lock takes the token the
 * other one minted instead of minting again.  A person's token cannot be
 * renewed without them: when it expires, art says to log in again.
 */
#ifndef ART_CORE_H
#define ART_CORE_H
#include <jansson.h>
#include "clientstate.h"
#include "diag.h"
#include "http.h"
#include "store.h"

typedef struct art_core art_core;

/*
 * Seconds Core names (poll_interval_s, a lease's TTL and heartbeat
 * interval) are taken up to a day, as Retry-After is: no wait, deadline
 * or lease computed from them can overflow.
 */
#define ART_CORE_SECONDS_MAX 86400
/* v as such a number: a positive JSON number, capped at
 * ART_CORE_SECONDS_MAX; 0 for anything else (absent, not a number, not
 * positive). */
double art_core_seconds(const json_t *v);

typedef struct art_core_req {
	const char *method;          /* "GET" or "POST" */
	const char *path;            /* below the base URL: "/jobs?scope=x" */
	const json_t *body;          /* NULL: none */
	const char *idempotency_key; /* NULL: none */
	const char *if_none_match;   /* NULL: none */
	/* the route, "POST /jobs/{id}/claim": a TOO_MANY_ATTEMPTS answer
	 * blocks the route, for every art process, until its time */
	const char *route;
	/* how long transient failures and 429s are waited out and retried,
	 * in ms; 0: one try, whatever comes is the caller's */
	long long budget_ms;
	int anonymous;               /* no token: the /auth calls */
} art_core_req;

typedef struct art_core_res {
	long status;          /* 0: no answer came */
	json_t *body;         /* the JSON object answered, or NULL */
	char code[64];        /* error.code, "" when none */
	char request_id[64];
	char etag[128];
	long retry_after_s;   /* Retry-After or error.retry_after_s, -1: none */
	double poll_interval_s; /* error.poll_interval_s or body's, 0: none */
	int replayed;         /* an idempotent replay */
	int transient;        /* no answer, 5xx, 429 without code, not JSON */
} art_core_res;

/*
 * Nothing this client does may outlast mono_ms (CLOCK_MONOTONIC ms, 0:
 * no limit): a token mint and the wait for the mint lock are cut to it.
 * For art-claim's heartbeats, which must give up before the lease ends.
 */
void art_core_set_deadline(art_core *c, long long mono_ms);
/* url_flag: --core, or NULL. */
int art_core_open(const char *url_flag, int verbose, art_core **out,
		  art_err *e);
void art_core_close(art_core *c);
const char *art_core_url(const art_core *c);
const char *art_core_origin(const art_core *c);
art_client *art_core_state(art_core *c);
/* The store this Core's secrets are in: the one art-auth chose, else
 * store_flag, else the default (store.h).  Opened on first use. */
int art_core_store(art_core *c, const char *store_flag, art_store **out,
		   art_err *e);

/*
 * One call.  0 when an answer came that the caller is to look at (2xx,
 * 304, a 4xx; a 429 or transient failure too when the budget is spent or
 * was 0); ART_EXIT_REMOTE when no answer came in the budget, or a 401
 * came twice; the caller frees res with art_core_res_free.
 */
int art_core_call(art_core *c, const art_core_req *rq, art_core_res *res,
		  art_err *e);
void art_core_res_free(art_core_res *res);
/* A POST of body to one of the /auth routes (no token: they make one),
 * under idempotency key, transient failures retried for budget_ms. */
int art_core_auth_post(art_core *c, const char *path, const json_t *body,
		       const char *key, long long budget_ms, art_core_res *res,
		       art_err *e);

/*
 * Open a long-lived GET (server-sent events) at path with the current
 * token; refused: the token Core refused on the last try (a 401), which
 * is renewed first.
 */
int art_core_stream_open(art_core *c, const char *path, int refused,
			 art_http_chunk_fn fn, void *ctx,
			 art_http_stream **out, art_err *e);

/* Names in the store. */
char *art_core_secret_name(const art_core *c, const char *what);

/*
 * Store a token answer (access_token, token_id, expires_in; scopes and
 * replaced_token_id when there) as the current token of mode, and record
 * it in the client state.  The answer's token is registered with the
 * secret log.
 */
int art_core_keep_token(art_core *c, const char *mode, const char *client_id,
			const char *username, const json_t *answer,
			art_err *e);
/* Mint a client token now (art-auth client, rotate), under the lock. */
int art_core_mint(art_core *c, art_err *e);
/* After a failed mint: 1 when Core refused the secret (401), 0 when it
 * could not be asked (no answer, 5xx...). */
int art_core_mint_refused(const art_core *c);
/* Drop the token and secret of this Core from the store and state. */
int art_core_forget(art_core *c, art_err *e);

/*
 * The pure parts of the above, apart for tests/fuzz: what every call reads
 * of an HTTP answer (status, JSON body, error.code, Retry-After,
 * poll_interval_s...), and the token of a token answer (access_token and
 * token_id borrowed from answer, expires_in in *life_s; -1 when one is
 * missing or expires_in is not positive).
 */
void art_core_read_answer(const art_http_resp *h, art_core_res *res);
int art_core_token_answer(const json_t *answer, const char **tok,
			  const char **id, long long *life_s);

/* "Error CODE: message" of an answer, for diagnostics (redacted). */
void art_core_describe(const art_core_res *res, char *out, size_t size);
#endif
