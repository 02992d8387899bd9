#define _GNU_SOURCE
/* events.c - the SQLite event store; see events.h. */
#include "events.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "fs.h"
#include "runstate.h"

#define HASH_PREFIX "art.event.v1\n"

/* Statements every append runs, prepared once per handle: parsing SQL
 * was a fifth of an append's CPU time. */
enum { ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_LAST, ST_INSERT, ST_RUNS, ST_KEY,
       ST_STATE, ST_GET, ST_COUNT };

struct art_events {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	char *last;       /* the full envelope of the event last stored */
};

/* The cached statement which, ready to bind and step; NULL on error. */
static sqlite3_stmt *cached(art_events *ev, int which, const char *sql)
{
	sqlite3_stmt *st = ev->st[which];

	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	if (sqlite3_prepare_v3(ev->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &ev->st[which], NULL) != SQLITE_OK)
		return NULL;
	return ev->st[which];
}

/* Run a cached statement that returns no row. */
static int exec_cached(art_events *ev, int which, const char *sql)
{
	sqlite3_stmt *st = cached(ev, which, sql);
	int rc = st ? sqlite3_step(st) : SQLITE_ERROR;

	if (st)
		sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS events ("
	" seq INTEGER PRIMARY KEY,"
	" id TEXT NOT NULL,"             /* a random UUID: no index to keep */
	" type TEXT NOT NULL,"
	" subject TEXT,"
	" body BLOB NOT NULL,"           /* the exact bytes that are hashed */
	" hash TEXT NOT NULL,"
	" idempotency_key TEXT);"
	/* partial indexes: an event without a subject or a key writes no
	 * index page, one page less to sync per append */
	"CREATE INDEX IF NOT EXISTS events_subject ON events(subject, seq)"
	" WHERE subject IS NOT NULL;"
	"CREATE UNIQUE INDEX IF NOT EXISTS events_key ON events(idempotency_key)"
	" WHERE idempotency_key IS NOT NULL;"
	"CREATE TABLE IF NOT EXISTS runs ("
	" subject TEXT PRIMARY KEY,"
	" state TEXT NOT NULL,"
	" started_seq INTEGER NOT NULL DEFAULT 0,"
	" seq INTEGER NOT NULL);"
	"PRAGMA user_version = 1;";

static int db_error(art_events *ev, art_err *e, const char *what)
{
	return art_errf(e, ART_EXIT_LOCAL, "event store: %s: %s", what,
			sqlite3_errmsg(ev->db));
}

/*
 * Set the store up.  When several processes create the store at once,
 * switching it to WAL can fail with SQLITE_BUSY even with a busy timeout
 * (SQLite does not wait in every locking path; seen once with ten
 * concurrent first starts on a loaded machine): retry, for up to 10 s.
 */
/* The schema's version: 0 for a new store. */
static int user_version(art_events *ev, int *version)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(ev->db, "PRAGMA user_version", -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int init_db(art_events *ev)
{
	struct timespec nap = { 0, 20 * 1000 * 1000 };
	int rc, tries, version = 0;

	for (tries = 0; tries < 500; tries++) {
		/* a store set up already is not set up again: WAL is kept in
		 * the file, and setting the version would be a write, synced,
		 * at every open */
		rc = sqlite3_exec(ev->db, "PRAGMA synchronous=FULL;", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = user_version(ev, &version);
		if (rc == SQLITE_OK && version < 1)
			rc = sqlite3_exec(ev->db, "PRAGMA journal_mode=WAL;", NULL, NULL, NULL);
		if (rc == SQLITE_OK && version < 1)
			rc = sqlite3_exec(ev->db, schema, NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			return rc;
		nanosleep(&nap, NULL);
	}
	return rc;
}

int art_events_open(const art_repo *r, art_events **out, art_err *e)
{
	art_events *ev = calloc(1, sizeof *ev);
	char *dir = NULL, *path;
	int rc;

	if (!ev)
		abort();
	*out = NULL;
	if ((rc = art_repo_state_dir(r, &dir, e)) != 0) {
		free(ev);
		return rc;
	}
	path = art_join(dir, "art.db");
	free(dir);
	rc = sqlite3_open_v2(path, &ev->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOFOLLOW,
			     NULL);
	if (rc != SQLITE_OK) {
		art_errf(e, ART_EXIT_LOCAL, "event store %s: %s", path,
			 ev->db ? sqlite3_errmsg(ev->db) : sqlite3_errstr(rc));
		free(path);
		art_events_close(ev);
		return e->status;
	}
	free(path);
	sqlite3_busy_timeout(ev->db, 30000);
	/* the WAL is durable as it is: folding it into the database at every
	 * close would sync again for nothing (SQLite checkpoints as the WAL
	 * grows) */
	sqlite3_db_config(ev->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	/* WAL for concurrent readers; FULL so an acknowledged event survives
	 * a power loss, not just a crash. */
	if (init_db(ev) != SQLITE_OK) {
		db_error(ev, e, "cannot initialise");
		art_events_close(ev);
		return e->status;
	}
	*out = ev;
	return 0;
}

int art_events_sync_later(art_events *ev, int later, art_err *e)
{
	/* in WAL mode, NORMAL writes the WAL without syncing it; the next
	 * FULL commit syncs the WAL, and with it what NORMAL wrote before */
	if (sqlite3_exec(ev->db, later ? "PRAGMA synchronous=NORMAL"
				       : "PRAGMA synchronous=FULL",
			 NULL, NULL, NULL) != SQLITE_OK)
		return db_error(ev, e, "cannot set synchronous");
	return 0;
}

void art_events_close(art_events *ev)
{
	int i;

	if (!ev)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(ev->st[i]);
	sqlite3_close(ev->db);
	free(ev->last);
	free(ev);
}

void art_uuid(char out[37])
{
	unsigned char b[16];

	randombytes_buf(b, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

void art_now(char out[32])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, 24, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}

static void hash_hex(const char *body, size_t len, char out[65])
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)HASH_PREFIX,
				  sizeof HASH_PREFIX - 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)body, len);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* The correlation id a pipeline passes along, if it is a sane one. */
static const char *pipeline_correlation(void)
{
	const char *c = getenv("ART_CORRELATION_ID");
	size_t i;

	if (!c || !*c || strlen(c) > 128)
		return NULL;
	for (i = 0; c[i]; i++)
		if ((unsigned char)c[i] <= 0x20 || (unsigned char)c[i] >= 0x7f)
			return NULL;
	return c;
}

static int lookup_key(art_events *ev, const char *key, long long *seq)
{
	sqlite3_stmt *st = cached(ev, ST_KEY,
				  "SELECT seq FROM events WHERE idempotency_key = ?");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*seq = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int read_state(art_events *ev, const char *subject, char state[16],
		      long long *started)
{
	sqlite3_stmt *st = cached(ev, ST_STATE,
				  "SELECT state, started_seq FROM runs WHERE subject = ?");
	int rc;

	state[0] = '\0';
	if (started)
		*started = 0;
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, subject, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(state, 16, "%s", (const char *)sqlite3_column_text(st, 0));
		if (started)
			*started = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* The envelope without "hash": the bytes that are stored and hashed. */
static char *envelope(const art_event_in *in, long long seq, const char *prev,
		      char id[37])
{
	/* without one from the pipeline, the events of one process (one
	 * command) share one */
	static char corr[37];
	char now[32];
	const char *c = pipeline_correlation();
	json_t *env;
	char *body;

	art_uuid(id);
	if (!c) {
		if (!corr[0])
			art_uuid(corr);
		c = corr;
	}
	art_now(now);
	env = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:o, s:s, s:o, s:o}",
			"specversion", "1.0",
			"id", id,
			"source", art_prog(),
			"type", in->type,
			"time", now,
			"subject", in->subject ? json_string(in->subject) : json_null(),
			"seq", (json_int_t)seq,
			"prev", prev ? json_string(prev) : json_null(),
			"correlationid", c,
			"causationid", in->causationid ? json_string(in->causationid)
						       : json_null(),
			"data", in->data ? json_incref(in->data) : json_object());
	if (!env)
		return NULL; /* a string that is not UTF-8 */
	body = json_dumps(env, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(env);
	return body;
}

static char *full_envelope(const char *body, size_t blen, const char *hash);

/* Append inside the caller's transaction; on error the caller rolls back. */
static int append_in_tx(art_events *ev, const art_event_in *in,
			long long *seq, art_err *e)
{
	sqlite3_stmt *st;
	long long last = 0, existing;
	char prev[65] = "", hash[65], state[16], id[37];
	const char *next = NULL;
	char *body = NULL;
	int rc;

	free(ev->last);
	ev->last = NULL;
	if (in->idempotency_key) {
		rc = lookup_key(ev, in->idempotency_key, &existing);
		if (rc < 0)
			goto dberr;
		if (rc == 1) { /* a replay: the first result stands */
			*seq = existing;
			return 0;
		}
	}
	st = cached(ev, ST_LAST, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
	if (!st)
		goto dberr;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		snprintf(prev, sizeof prev, "%s",
			 (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto dberr;
	if (in->expected_previous_seq >= 0 && in->expected_previous_seq != last)
		return art_errf(e, ART_EXIT_STATE,
				"expected_previous_seq is %lld but the log ends at %lld",
				in->expected_previous_seq, last);
	if (in->subject && art_run_is_state_event(in->type)) {
		if (read_state(ev, in->subject, state, NULL) < 0)
			goto dberr;
		next = art_run_next_state(state, in->type);
		if (!next)
			return art_errf(e, ART_EXIT_STATE,
					"run %s is %s; %s is not allowed from there",
					in->subject, state[0] ? state : "unknown",
					in->type);
	}
	body = envelope(in, last + 1, prev[0] ? prev : NULL, id);
	if (!body)
		return art_errf(e, ART_EXIT_INPUT,
				"event %s: a field is not valid UTF-8", in->type);
	if (strlen(body) > ART_EVENT_MAX) {
		rc = art_errf(e, ART_EXIT_INPUT,
			      "event %s: %zu bytes, over the %u-byte limit of one event",
			      in->type, strlen(body), ART_EVENT_MAX);
		free(body);
		return rc;
	}
	hash_hex(body, strlen(body), hash);
	st = cached(ev, ST_INSERT,
		    "INSERT INTO events(seq, id, type, subject, body, hash, idempotency_key)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		goto dberr;
	sqlite3_bind_int64(st, 1, last + 1);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, in->type, -1, SQLITE_STATIC);
	if (in->subject)
		sqlite3_bind_text(st, 4, in->subject, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, body, (int)strlen(body), SQLITE_STATIC);
	sqlite3_bind_text(st, 6, hash, -1, SQLITE_STATIC);
	if (in->idempotency_key)
		sqlite3_bind_text(st, 7, in->idempotency_key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto dberr;
	if (next) {
		st = cached(ev, ST_RUNS,
			    "INSERT INTO runs(subject, state, started_seq, seq)"
			    " VALUES (?1, ?2, CASE WHEN ?2 = 'running' THEN ?3 ELSE 0 END, ?3)"
			    " ON CONFLICT(subject) DO UPDATE SET state = ?2, seq = ?3,"
			    " started_seq = CASE WHEN ?2 = 'running' AND started_seq = 0 THEN ?3 ELSE started_seq END");
		if (!st)
			goto dberr;
		sqlite3_bind_text(st, 1, in->subject, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, next, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, last + 1);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			goto dberr;
	}
	ev->last = full_envelope(body, strlen(body), hash);
	free(body);
	*seq = last + 1;
	return 0;
dberr:
	db_error(ev, e, "cannot append");
	free(body);
	return e->status;
}

int art_events_begin(art_events *ev, art_err *e)
{
	if (exec_cached(ev, ST_BEGIN, "BEGIN IMMEDIATE") < 0)
		return db_error(ev, e, "cannot begin");
	return 0;
}

int art_events_commit(art_events *ev, art_err *e)
{
	if (exec_cached(ev, ST_COMMIT, "COMMIT") < 0) {
		db_error(ev, e, "cannot commit");
		art_events_rollback(ev);
		return e->status;
	}
	return 0;
}

void art_events_rollback(art_events *ev)
{
	(void)exec_cached(ev, ST_ROLLBACK, "ROLLBACK");
}

int art_event_append_in(art_events *ev, const art_event_in *in,
			long long *seq, art_err *e)
{
	return append_in_tx(ev, in, seq, e);
}

int art_event_append(art_events *ev, const art_event_in *in, long long *seq,
		     art_err *e)
{
	int rc;

	if ((rc = art_events_begin(ev, e)) != 0)
		return rc;
	if ((rc = append_in_tx(ev, in, seq, e)) != 0) {
		art_events_rollback(ev);
		return rc;
	}
	return art_events_commit(ev, e);
}

int art_run_state(art_events *ev, const char *subject, char state[16],
		  long long *started_seq, art_err *e)
{
	if (read_state(ev, subject, state, started_seq) < 0)
		return db_error(ev, e, "cannot read run state");
	return 0;
}

/* The stored bytes with the hash added as the last member: what every
 * reader sees, never a re-serialisation.  NULL if body is not an object. */
static char *full_envelope(const char *body, size_t blen, const char *hash)
{
	if (!body || blen < 2 || body[blen - 1] != '}' || !hash)
		return NULL;
	return art_asprintf("%.*s,\"hash\":\"%s\"}", (int)(blen - 1), body, hash);
}

char *art_event_take_last(art_events *ev)
{
	char *last = ev->last;

	ev->last = NULL;
	return last;
}

char *art_event_get(art_events *ev, long long seq)
{
	sqlite3_stmt *st = cached(ev, ST_GET,
				  "SELECT body, hash FROM events WHERE seq = ?");
	char *full = NULL;

	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, seq);
	if (sqlite3_step(st) == SQLITE_ROW)
		full = full_envelope(sqlite3_column_blob(st, 0),
				     (size_t)sqlite3_column_bytes(st, 0),
				     (const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);
	return full;
}

int art_events_verify(art_events *ev, long long *events, char head[65],
		      long long *bad, art_err *e)
{
	return art_events_verify_upto(ev, 0, events, head, bad, e);
}

int art_events_verify_upto(art_events *ev, long long upto, long long *events,
			   char head[65], long long *bad, art_err *e)
{
	sqlite3_stmt *st;
	long long expect = 1;
	char prev[65] = "", hash[65], frag[128];
	int rc;

	*events = 0;
	*bad = 0;
	head[0] = '\0';
	if (sqlite3_prepare_v2(ev->db,
			       "SELECT seq, body, hash FROM events WHERE seq <= ? ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK)
		return db_error(ev, e, "cannot read");
	sqlite3_bind_int64(st, 1, upto > 0 ? upto : LLONG_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long seq = sqlite3_column_int64(st, 0);
		const char *body = sqlite3_column_blob(st, 1);
		size_t blen = (size_t)sqlite3_column_bytes(st, 1);
		const char *stored = (const char *)sqlite3_column_text(st, 2);
		const char *why = NULL;

		if (seq != expect) {
			*bad = expect;
			why = "missing: the sequence has a gap";
		} else if (!body || !stored) {
			why = "empty row";
		} else {
			hash_hex(body, blen, hash);
			/* the envelope names its own place in the chain */
			if (prev[0])
				snprintf(frag, sizeof frag, "\"seq\":%lld,\"prev\":\"%s\"",
					 seq, prev);
			else
				snprintf(frag, sizeof frag, "\"seq\":%lld,\"prev\":null", seq);
			if (strcmp(hash, stored))
				why = "its hash does not match its bytes";
			else if (!memmem(body, blen, frag, strlen(frag)))
				why = "its seq or prev does not match the chain";
		}
		if (why) {
			if (!*bad)
				*bad = seq;
			memcpy(head, prev, 65); /* the end of the intact part */
			sqlite3_finalize(st);
			return art_errf(e, ART_EXIT_VERDICT, "event %lld: %s", *bad,
					why);
		}
		memcpy(prev, hash, sizeof prev);
		expect++;
		(*events)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_error(ev, e, "cannot read");
	memcpy(head, prev, 65);
	return 0;
}

int art_events_head(art_events *ev, long long *seq, char hash[65],
		    art_err *e)
{
	sqlite3_stmt *st;
	int rc;

	*seq = 0;
	hash[0] = '\0';
	if (sqlite3_prepare_v2(ev->db,
			       "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_error(ev, e, "cannot read");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 1)) {
		*seq = sqlite3_column_int64(st, 0);
		snprintf(hash, 65, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(ev, e, "cannot read");
	return 0;
}

int art_events_open_existing(const art_repo *r, art_events **ev, art_err *e)
{
	char *path = art_join(r->commondir, "art/art.db");
	int there = access(path, F_OK) == 0;

	free(path);
	*ev = NULL;
	return there ? art_events_open(r, ev, e) : 0;
}

int art_events_each(art_events *ev, long long since, const char *subject,
		    art_event_fn fn, void *ctx, art_err *e)
{
	sqlite3_stmt *st;
	int rc, stop = 0;

	if (sqlite3_prepare_v2(ev->db,
			       subject ? "SELECT seq, body, hash FROM events WHERE seq > ? AND subject = ? ORDER BY seq"
				       : "SELECT seq, body, hash FROM events WHERE seq > ? ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK)
		return db_error(ev, e, "cannot read");
	sqlite3_bind_int64(st, 1, since);
	if (subject)
		sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *body = sqlite3_column_blob(st, 1);
		size_t blen = (size_t)sqlite3_column_bytes(st, 1);
		const char *hash = (const char *)sqlite3_column_text(st, 2);
		char *full = full_envelope(body, blen, hash);

		if (!full) {
			art_errf(e, ART_EXIT_LOCAL,
				 "event store: event %lld is not a JSON object",
				 (long long)sqlite3_column_int64(st, 0));
			sqlite3_finalize(st);
			return e->status;
		}
		stop = fn(ctx, sqlite3_column_int64(st, 0), full, strlen(full));
		free(full);
	}
	sqlite3_finalize(st);
	if (!stop && rc != SQLITE_DONE)
		return db_error(ev, e, "cannot read");
	return stop;
}
