/*
 * clientstate.h - what the Core client remembers between runs, in
 * ${XDG_STATE_HOME:-~/.local/state}/art/client.db (SQLite, WAL, 0600):
 * for each Core (by origin) how art authenticates there (never the
 * secrets: those are in the secret store, store.h), the poll schedule of
 * each route, the last policy, and the hints already seen (hints.h).
 * Every art process of the user shares it: a cron job running
 * art-poll --once every minute finds the schedule the last one left.
 *
 * Times are wall-clock milliseconds since the epoch: a schedule must
 * survive the process, so CLOCK_MONOTONIC cannot carry it.
 */
#ifndef ART_CLIENTSTATE_H
#define ART_CLIENTSTATE_H
#include <jansson.h>
#include <sqlite3.h>
#include "diag.h"

typedef struct art_client art_client;

/* How art authenticates with one Core; "" fields are unset. */
typedef struct art_client_info {
	char mode[16];        /* "client", "login", "device" */
	char client_id[128];  /* client mode: the client_id */
	char username[128];   /* login mode: who logged in */
	char store[16];       /* the secret store backend used */
	char token_id[128];   /* the current token's id */
	long long issued_ms;  /* when it was minted */
	long long expires_ms; /* when it expires */
	char scopes[512];     /* JSON array of the token's scopes, "" unknown */
} art_client_info;

/* One route's schedule ("policy", "jobs", "jobs?scope=S"). */
typedef struct art_schedule {
	double interval_s;         /* last poll_interval_s in force, 0: none */
	long long not_before_ms;   /* no poll before this (jitter included) */
	long long server_nb_ms;    /* Core's next_poll_not_before */
	long long last_ok_ms;      /* time of the last 200/304 */
	int failures;              /* transient failures in a row */
	long long blocked_until_ms; /* TOO_MANY_ATTEMPTS: nothing before */
	int slowed;                /* the interval comes from a SLOW_DOWN */
} art_schedule;

/* The state directory (made 0700), malloc'd. */
int art_client_state_dir(char **out, art_err *e);
int art_client_open(const char *origin, art_client **out, art_err *e);
void art_client_close(art_client *c);
/* Borrowed: for hints.h's tables. */
sqlite3 *art_client_db(art_client *c);
const char *art_client_origin(const art_client *c);

/* *found 0 when Core has no entry (art-auth never ran for it). */
int art_client_info_get(art_client *c, art_client_info *out, int *found,
			art_err *e);
int art_client_info_put(art_client *c, const art_client_info *in,
			art_err *e);
int art_client_info_del(art_client *c, art_err *e);

/* A route never polled reads as all zeros. */
int art_schedule_get(art_client *c, const char *route, art_schedule *out,
		     art_err *e);
int art_schedule_put(art_client *c, const char *route,
		     const art_schedule *in, art_err *e);

/* The last policy Core sent (object with "etag" and the body), *out NULL
 * when none. */
int art_policy_get(art_client *c, json_t **out, art_err *e);
int art_policy_put(art_client *c, const json_t *policy, art_err *e);

/*
 * The one lock of token minting: held while a process checks the stored
 * token and, if it must, mints a new one.  Core keeps one active token
 * per client_id, so two processes minting at once would revoke each
 * other's.  Blocks until the lock is free, or until deadline_ms
 * (monotonic; 0: no limit), then ART_EXIT_REMOTE.  *fd to pass to unlock.
 */
int art_client_lock_tokens(art_client *c, long long deadline_ms, int *fd,
			   art_err *e);
void art_client_unlock_tokens(int fd);

/* Wall-clock now, in milliseconds. */
long long art_wall_ms(void);
#endif
