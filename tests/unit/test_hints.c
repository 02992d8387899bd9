/*
 * test_hints.c - push hints: every verdict and the order of the checks,
 * the four-member rule and messages that never repeat a payload, the
 * bounds of ttl_s, skew and timestamps, the dedup memory across a
 * reopen and its pruning, the counts; the SSE and line framings fed in
 * every cut, CRLF split across chunks, and oversized events.
 */
#define _GNU_SOURCE
#include "check.h"
#include "fs.h"
#include "hints.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 2026-09-01T12:00:01Z */
#define T0 1788264001000LL

static char dir[256];

static char *hint(const char *id, const char *topic, const char *at, const char *ttl)
{
	return art_asprintf("{\"hint_id\":%s,\"topic\":%s,\"issued_at\":%s,\"ttl_s\":%s}",
			    id, topic, at, ttl);
}

/* The verdict of buf at now; rc must be 0, and e must not quote it. */
static art_hint_verdict verdict(art_hints *h, const char *buf, long long now,
				art_hint *out, art_err *e)
{
	art_hint tmp;
	int rc;

	if (!out)
		out = &tmp;
	memset(e, 0, sizeof *e);
	rc = art_hint_check(h, buf, strlen(buf), now, out, e);
	CHECK(rc == 0, "rc %d: %s", rc, e->msg);
	if (out->verdict != ART_HINT_OK) {
		CHECK(e->status == ART_EXIT_INPUT && !strncmp(e->msg, "hint refused: ", 14),
		      "refusal message: %d %s", e->status, e->msg);
		CHECK(!out->hint_id[0] && !out->topic[0] && !out->expires_ms,
		      "nothing of a refused hint kept: \"%s\" \"%s\"", out->hint_id,
		      out->topic);
	}
	return out->verdict;
}

static sqlite3 *memdb(void)
{
	sqlite3 *db = NULL;

	CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK, "memory database");
	return db;
}

static long long counts_of(art_hints *h, const char *key)
{
	json_t *c = NULL;
	art_err e = { 0 };
	long long n;

	CHECK(art_hints_counts(h, &c, &e) == 0, "counts: %s", e.msg);
	CHECK(json_object_size(c) == 5, "five counts");
	n = json_integer_value(json_object_get(c, key));
	json_decref(c);
	return n;
}

static void verdicts(void)
{
	sqlite3 *db = memdb();
	art_hints *h;
	art_hint out;
	art_err e = { 0 };
	char *s;

	CHECK(art_hints_open(db, &h, &e) == 0, "open: %s", e.msg);

	s = hint("\"h-991\"", "\"jobs\"", "\"2026-09-01T12:00:01Z\"", "30");
	CHECK(verdict(h, s, T0, &out, &e) == ART_HINT_OK, "the spec's example: %s", e.msg);
	CHECK(!strcmp(out.hint_id, "h-991") && !strcmp(out.topic, "jobs") &&
	      out.expires_ms == T0 + 30000, "fields %s %s %lld", out.hint_id, out.topic,
	      out.expires_ms);
	CHECK(verdict(h, s, T0 + 1000, &out, &e) == ART_HINT_DUPLICATE, "seen before");
	CHECK(!strstr(e.msg, "h-991"), "the id is not repeated: %s", e.msg);
	CHECK(verdict(h, s, T0 + 29999, NULL, &e) == ART_HINT_DUPLICATE, "till the end");
	CHECK(verdict(h, s, T0 + 30000, NULL, &e) == ART_HINT_EXPIRED,
	      "expired comes before duplicate");
	free(s);
	/* the same id once the first one's TTL has run: new again */
	s = hint("\"h-991\"", "\"policy\"", "\"2026-09-01T12:00:41Z\"", "30");
	CHECK(verdict(h, s, T0 + 40000, &out, &e) == ART_HINT_OK, "id reusable: %s", e.msg);
	CHECK(!strcmp(out.topic, "policy"), "topic %s", out.topic);
	free(s);

	/* expiry: issued_at + ttl_s <= now */
	s = hint("\"e-1\"", "\"jobs\"", "\"2026-09-01T12:00:01Z\"", "30");
	CHECK(verdict(h, s, T0 + 30000, NULL, &e) == ART_HINT_EXPIRED, "at expiry");
	CHECK(verdict(h, s, T0 + 29999, NULL, &e) == ART_HINT_OK, "a ms before: %s", e.msg);
	free(s);

	/* skew: 30 s ahead is fine, a ms more is not */
	s = hint("\"f-1\"", "\"jobs\"", "\"2026-09-01T12:00:31Z\"", "30");
	CHECK(verdict(h, s, T0, NULL, &e) == ART_HINT_OK, "30 s ahead: %s", e.msg);
	free(s);
	s = hint("\"f-2\"", "\"jobs\"", "\"2026-09-01T12:00:32Z\"", "30");
	CHECK(verdict(h, s, T0, &out, &e) == ART_HINT_FUTURE, "31 s ahead");
	free(s);
	s = hint("\"f-3\"", "\"jobs\"", "\"2026-09-01T12:00:31.001Z\"", "30");
	CHECK(verdict(h, s, T0, NULL, &e) == ART_HINT_FUTURE, "30.001 s ahead");
	free(s);
	/* future comes before expired and duplicate: f-1 is remembered */
	s = hint("\"f-1\"", "\"jobs\"", "\"2026-09-01T12:10:00Z\"", "1");
	CHECK(verdict(h, s, T0, NULL, &e) == ART_HINT_FUTURE, "future first");
	free(s);

	/* ttl_s bounds */
	s = hint("\"t-0\"", "\"jobs\"", "\"2026-09-01T12:00:01Z\"", "0");
	CHECK(verdict(h, s, T0, NULL, &e) == ART_HINT_MALFORMED, "ttl 0");
	CHECK(strstr(e.msg, "ttl_s") != NULL, "names the member: %s", e.msg);
	free(s);
	s = hint("\"t-1\"", "\"jobs\"", "\"2026-09-01T12:00:01Z\"", "1");
	CHECK(verdict(h, s, T0, NULL, &e) == ART_HINT_OK, "ttl 1: %s", e.msg);
	free(s);
	s = hint("\"t-3600\"", "\"jobs\"", "\"2026-09-01T12:00:01Z\"", "3600");
	CHECK(verdict(h, s, T0, &out, &e) == ART_HINT_OK, "ttl 3600: %s", e.msg);
	CHECK(out.expires_ms == T0 + 3600000, "expires %lld", out.expires_ms);
	free(s);
	s = hint("\"t-3601\"", "\"jobs\"", "\"2026-09-01T12:00:01Z\"", "3601");
	CHECK(verdict(h, s, T0, NULL, &e) == ART_HINT_MALFORMED, "ttl 3601");
	free(s);

	CHECK(counts_of(h, "duplicate") == 2 && counts_of(h, "expired") == 2 &&
	      counts_of(h, "future") == 3 && counts_of(h, "malformed") == 2 &&
	      counts_of(h, "sensitive") == 0, "counts so far");
	art_hints_close(h);
	sqlite3_close(db);
}

static void malformed(void)
{
	static const char *const cases[] = {
		"", " ", "{", "[]", "\"hint\"", "42", "null",
		"{\"hint_id\":\"m\",\"topic\":\"jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":30} x",
		"{\"hint_id\":\"m\",\"topic\":\"jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\"}",
		"{\"hint_id\":\"m\",\"topic\":\"jobs\",\"ttl_s\":30}",
		"{}",
		"{\"hint_id\":\"m\",\"topic\":\"jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":\"30\"}",
		"{\"hint_id\":\"m\",\"topic\":\"jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":30.0}",
		"{\"hint_id\":\"m\",\"topic\":\"jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":true}",
		"{\"hint_id\":\"m\",\"topic\":\"jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":-5}",
		"{\"hint_id\":\"m\",\"topic\":\"other\",\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":30}",
		"{\"hint_id\":\"m\",\"topic\":\"Jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":30}",
		"{\"hint_id\":\"m\",\"topic\":[\"jobs\"],\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":30}",
		"{\"hint_id\":\"\",\"topic\":\"jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":30}",
		"{\"hint_id\":\"a b\",\"topic\":\"jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":30}",
		"{\"hint_id\":\"a/b\",\"topic\":\"jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":30}",
		"{\"hint_id\":\"caf\xc3\xa9\",\"topic\":\"jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":30}",
		"{\"hint_id\":17,\"topic\":\"jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":30}",
		"{\"hint_id\":\"m\",\"topic\":\"jobs\",\"issued_at\":1788264001,\"ttl_s\":30}",
		/* a duplicate key is not JSON art takes */
		"{\"hint_id\":\"m\",\"hint_id\":\"n\",\"topic\":\"jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":30}",
	};
	static const char *const quoted[] = {
		"{\"hint_id\": hunter2}", "{\"hint_id\": \"hunter2", "{} hunter2",
		"{\"hunter2\":1,\"hunter2\":2}",
	};
	sqlite3 *db = memdb();
	art_hints *h;
	art_err e = { 0 };
	char id[160], *s;
	size_t i;

	CHECK(art_hints_open(db, &h, &e) == 0, "open: %s", e.msg);
	for (i = 0; i < sizeof cases / sizeof *cases; i++)
		CHECK(verdict(h, cases[i], T0, NULL, &e) == ART_HINT_MALFORMED,
		      "case %zu: %s", i, cases[i]);

	/* jansson's own message would quote the text near the fault */
	for (i = 0; i < sizeof quoted / sizeof *quoted; i++) {
		CHECK(verdict(h, quoted[i], T0, NULL, &e) == ART_HINT_MALFORMED,
		      "quoted %zu", i);
		CHECK(!strstr(e.msg, "hunter"), "not quoted: %s", e.msg);
	}

	/* hint_id: 128 bytes of every allowed kind, then 129 */
	memset(id, 0, sizeof id);
	id[0] = '"';
	memcpy(id + 1, "AZaz09._:-", 10);
	memset(id + 11, 'x', 118);
	id[129] = '"';
	s = hint(id, "\"jobs\"", "\"2026-09-01T12:00:01Z\"", "30");
	CHECK(verdict(h, s, T0, NULL, &e) == ART_HINT_OK, "128-byte id: %s", e.msg);
	free(s);
	id[129] = 'y';
	id[130] = '"';
	s = hint(id, "\"jobs\"", "\"2026-09-01T12:00:01Z\"", "30");
	CHECK(verdict(h, s, T0, NULL, &e) == ART_HINT_MALFORMED, "129-byte id");
	free(s);

	/* the size cap, on a payload otherwise fine: 4096 passes, 4097 not */
	{
		char big[ART_HINT_MAX + 2];
		const char *body = "{\"hint_id\":\"big\",\"topic\":\"jobs\","
				   "\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":30}";
		size_t n = strlen(body);
		art_hint out;

		memset(big, ' ', sizeof big);
		memcpy(big, body, n);
		CHECK(art_hint_check(h, big, ART_HINT_MAX + 1, T0, &out, &e) == 0 &&
		      out.verdict == ART_HINT_MALFORMED, "4097 bytes: %d", out.verdict);
		CHECK(art_hint_check(h, big, ART_HINT_MAX, T0, &out, &e) == 0 &&
		      out.verdict == ART_HINT_OK, "4096 bytes: %d %s", out.verdict, e.msg);
	}
	CHECK(counts_of(h, "malformed") == (long long)(sizeof cases / sizeof *cases +
						 sizeof quoted / sizeof *quoted) + 2,
	      "every one counted: %lld", counts_of(h, "malformed"));
	art_hints_close(h);
	sqlite3_close(db);
}

static void sensitive(void)
{
	static const char *const cases[] = {
		/* a fifth member, whatever it is */
		"{\"hint_id\":\"s-1\",\"topic\":\"jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\","
		"\"ttl_s\":30,\"token\":\"s3cr3t-value\"}",
		/* before any value is judged: missing, wrong or expired */
		"{\"password\":\"s3cr3t-value\"}",
		"{\"hint_id\":17,\"token\":\"s3cr3t-value\"}",
		"{\"hint_id\":\"s-2\",\"topic\":\"jobs\",\"issued_at\":\"2020-01-01T00:00:00Z\","
		"\"ttl_s\":30,\"transcript\":[\"s3cr3t-value\"]}",
		/* four members, one of them not a hint's */
		"{\"hint_id\":\"s-3\",\"topic\":\"jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\","
		"\"token\":\"s3cr3t-value\"}",
		"{\"hint_id\":\"s-4\",\"topic\":\"jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\","
		"\"ttl_s\":30,\"Topic\":\"s3cr3t-value\"}",
	};
	sqlite3 *db = memdb();
	art_hints *h;
	art_err e = { 0 };
	size_t i;

	CHECK(art_hints_open(db, &h, &e) == 0, "open: %s", e.msg);
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		CHECK(verdict(h, cases[i], T0, NULL, &e) == ART_HINT_SENSITIVE,
		      "case %zu", i);
		CHECK(!strstr(e.msg, "s3cr3t") && !strstr(e.msg, "token") &&
		      !strstr(e.msg, "password") && !strstr(e.msg, "transcript") &&
		      !strstr(e.msg, "Topic") && !strstr(e.msg, "s-"),
		      "case %zu: nothing of it in the message: %s", i, e.msg);
	}
	CHECK(counts_of(h, "sensitive") == (long long)(sizeof cases / sizeof *cases),
	      "counted");
	/* s-1 was not remembered: its legitimate twin is new */
	{
		const char *ok = "{\"hint_id\":\"s-1\",\"topic\":\"jobs\","
				 "\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":30}";

		CHECK(verdict(h, ok, T0, NULL, &e) == ART_HINT_OK, "twin: %s", e.msg);
	}
	art_hints_close(h);
	sqlite3_close(db);
}

static void timestamps(void)
{
	static const struct { const char *at; long long ms; } good[] = {
		{ "2026-09-01T12:00:01Z", T0 },
		{ "2026-09-01T12:00:01+00:00", T0 },
		{ "2026-09-01T12:00:01.5Z", T0 + 500 },
		{ "2026-09-01T12:00:01.25+00:00", T0 + 250 },
		{ "2026-09-01T12:00:01.123456789Z", T0 + 123 },
		{ "2026-09-01T12:00:01.999Z", T0 + 999 },
		{ "2024-02-29T00:00:00Z", 1709164800000LL },
		{ "2000-02-29T00:00:00Z", 951782400000LL },
	};
	static const char *const bad[] = {
		"2026-13-01T12:00:01Z", "2026-00-01T12:00:01Z", "2026-09-00T12:00:01Z",
		"2026-09-31T12:00:01Z", "2025-02-29T12:00:00Z", "1900-02-29T12:00:00Z",
		"2026-09-01T24:00:00Z", "2026-09-01T12:60:00Z", "2026-09-01T12:00:60Z",
		"2026-09-01T12:00:01", "2026-09-01T12:00:01Zjunk", "2026-09-01T12:00:01Z ",
		" 2026-09-01T12:00:01Z", "2026-09-01 12:00:01Z", "2026-09-01t12:00:01Z",
		"2026-09-01T12:00:01z", "2026-09-01T12:00:01+02:00", "2026-09-01T12:00:01-00:00",
		"2026-09-01T12:00:01+0000", "2026-09-01T12:00:01+00", "2026-09-01T12:00:01.Z",
		"2026-09-01T12:00:01.1234567890Z", "2026-09-01T12:00:01,5Z", "26-09-01T12:00:01Z",
		"2026-9-1T12:00:01Z", "+2026-09-01T12:00:01Z", "2026-09-01T12:00Z",
		"2026-09-01", "", "2026-09-01T1a:00:01Z",
	};
	sqlite3 *db = memdb();
	art_hints *h;
	art_hint out;
	art_err e = { 0 };
	char id[32], at[64], *s;
	size_t i;

	CHECK(art_hints_open(db, &h, &e) == 0, "open: %s", e.msg);
	for (i = 0; i < sizeof good / sizeof *good; i++) {
		snprintf(id, sizeof id, "\"ts-%zu\"", i);
		snprintf(at, sizeof at, "\"%s\"", good[i].at);
		s = hint(id, "\"jobs\"", at, "30");
		CHECK(verdict(h, s, good[i].ms, &out, &e) == ART_HINT_OK &&
		      out.expires_ms == good[i].ms + 30000, "%s: %s, expires %lld",
		      good[i].at, e.msg, out.expires_ms);
		free(s);
	}
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		snprintf(at, sizeof at, "\"%s\"", bad[i]);
		s = hint("\"tb\"", "\"jobs\"", at, "30");
		CHECK(verdict(h, s, T0, NULL, &e) == ART_HINT_MALFORMED, "\"%s\"", bad[i]);
		CHECK(strstr(e.msg, "issued_at") && !strstr(e.msg, "2026"),
		      "names the member, not the value: %s", e.msg);
		free(s);
	}
	art_hints_close(h);
	sqlite3_close(db);
}

static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *hint_at(const char *id, long long ms, int ttl)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char at[40];

	if (!gmtime_r(&t, &tm) ||
	    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		abort();
	return art_asprintf("{\"hint_id\":\"%s\",\"topic\":\"jobs\",\"issued_at\":"
			    "\"%s.%03lldZ\",\"ttl_s\":%d}", id, at, ms % 1000, ttl);
}

static long long rows(sqlite3 *db, const char *id)
{
	sqlite3_stmt *st;
	long long n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM hint_seen WHERE hint_id = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The memory is the file's, not the process's: close, reopen, still
 * there; and what has expired goes, at open and as hints come. */
static void persistence(void)
{
	char *path = art_join(dir, "client.db");
	long long now = wall_ms();
	char *live = hint_at("live", now, 3600), *gone = hint_at("gone", now - 10000, 1);
	sqlite3 *db;
	art_hints *h;
	art_err e = { 0 };

	CHECK(sqlite3_open(path, &db) == SQLITE_OK, "open the file");
	CHECK(art_hints_open(db, &h, &e) == 0, "open: %s", e.msg);
	CHECK(verdict(h, live, now, NULL, &e) == ART_HINT_OK, "live: %s", e.msg);
	/* judged at the time it was issued, it is fine; the wall clock says
	 * it expired 9 s ago */
	CHECK(verdict(h, gone, now - 10000, NULL, &e) == ART_HINT_OK, "gone: %s", e.msg);
	CHECK(verdict(h, "{\"x\":1}", now, NULL, &e) == ART_HINT_SENSITIVE, "a refusal");
	CHECK(rows(db, "gone") == 1, "stored until pruned");
	art_hints_close(h);
	sqlite3_close(db);

	CHECK(sqlite3_open(path, &db) == SQLITE_OK, "reopen the file");
	CHECK(art_hints_open(db, &h, &e) == 0, "reopen: %s", e.msg);
	CHECK(rows(db, "gone") == 0, "pruned at open");
	CHECK(rows(db, "live") == 1, "kept at open");
	CHECK(verdict(h, live, now + 1000, NULL, &e) == ART_HINT_DUPLICATE,
	      "a duplicate after a restart");
	CHECK(counts_of(h, "sensitive") == 1 && counts_of(h, "duplicate") == 1,
	      "counts survive too");
	art_hints_close(h);
	sqlite3_close(db);
	free(live);
	free(gone);
	free(path);
}

static void pruning(void)
{
	sqlite3 *db = memdb();
	art_hints *h;
	art_err e = { 0 };
	char *a = hint("\"p-a\"", "\"jobs\"", "\"2026-09-01T12:00:01Z\"", "30");
	char *b = hint("\"p-b\"", "\"jobs\"", "\"2026-09-01T12:00:01Z\"", "60");
	char *c = hint("\"p-c\"", "\"jobs\"", "\"2026-09-01T12:00:01Z\"", "60");

	CHECK(art_hints_open(db, &h, &e) == 0, "open: %s", e.msg);
	CHECK(verdict(h, a, T0, NULL, &e) == ART_HINT_OK, "a: %s", e.msg);
	CHECK(verdict(h, b, T0, NULL, &e) == ART_HINT_OK, "b: %s", e.msg);
	CHECK(art_hints_prune(h, T0 + 29999, &e) == 0 && rows(db, "p-a") == 1,
	      "kept while its TTL runs");
	CHECK(art_hints_prune(h, T0 + 30000, &e) == 0 && rows(db, "p-a") == 0 &&
	      rows(db, "p-b") == 1, "dropped when it ends");
	CHECK(verdict(h, a, T0 - 5000, NULL, &e) == ART_HINT_OK, "again: %s", e.msg);
	CHECK(rows(db, "p-a") == 1, "stored again");
	/* a new hint prunes what expired before it */
	CHECK(verdict(h, c, T0 + 45000, NULL, &e) == ART_HINT_OK, "c: %s", e.msg);
	CHECK(rows(db, "p-a") == 0 && rows(db, "p-b") == 1 && rows(db, "p-c") == 1,
	      "pruned by a check");
	art_hints_close(h);
	sqlite3_close(db);
	free(a);
	free(b);
	free(c);
}

static void database_errors(void)
{
	sqlite3 *db = memdb();
	art_hints *h;
	art_hint out;
	art_err e = { 0 };
	const char *ok = "{\"hint_id\":\"d-1\",\"topic\":\"jobs\","
			 "\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":30}";

	CHECK(art_hints_open(db, &h, &e) == 0, "open: %s", e.msg);
	CHECK(art_hints_count(h, ART_HINT_OK, &e) != 0, "OK is not a refusal");
	sqlite3_exec(db, "DROP TABLE hint_seen", NULL, NULL, NULL);
	CHECK(art_hint_check(h, ok, strlen(ok), T0, &out, &e) == ART_EXIT_LOCAL,
	      "no table: %s", e.msg);
	CHECK(out.verdict != ART_HINT_OK && !out.hint_id[0], "never OK: %d", out.verdict);
	CHECK(!strstr(e.msg, "d-1"), "not quoted: %s", e.msg);
	art_hints_close(h);
	sqlite3_close(db);
}

/* ---- framings ---- */

typedef struct got {
	int n;
	struct { char data[64]; size_t len; char id[32]; int over; } ev[16];
	int stop_at;  /* return 7 from this event on (1-based), 0: never */
} got;

static int record(void *ctx, const art_sse_event *ev)
{
	got *g = ctx;

	if (g->n < 16) {
		snprintf(g->ev[g->n].data, sizeof g->ev[g->n].data, "%s",
			 ev->data ? ev->data : "(null)");
		g->ev[g->n].len = ev->len;
		snprintf(g->ev[g->n].id, sizeof g->ev[g->n].id, "%s", ev->id);
		g->ev[g->n].over = ev->oversize;
	}
	g->n++;
	return g->stop_at && g->n >= g->stop_at ? 7 : 0;
}

static const char stream[] =
	"\xef\xbb\xbf: a comment\r\n"
	"id: h-1\r\n"
	"data: {\"a\":1}\r\n"
	"\r\n"
	"data:first\n"
	"data: second\n"
	"data\n"
	"\n"
	"event: x\n"
	"retry: 10\n"
	"foo: bar\n"
	"\n"
	"id: h-2\rdata:  two spaces\r\r"
	"data: x\n"
	"id: a\0b\n"
	"\n"
	"data: pending";

static const struct { const char *data, *id; } want[] = {
	{ "{\"a\":1}", "h-1" },
	{ "first\nsecond\n", "h-1" },
	{ " two spaces", "h-2" },
	{ "x", "h-2" },
};

static int same(const got *g, const char *how)
{
	int ok = g->n == 4;

	CHECK(g->n == 4, "%s: %d events", how, g->n);
	for (int i = 0; ok && i < 4; i++) {
		ok = !strcmp(g->ev[i].data, want[i].data) &&
		     g->ev[i].len == strlen(want[i].data) &&
		     !strcmp(g->ev[i].id, want[i].id) && !g->ev[i].over;
		CHECK(ok, "%s: event %d: \"%s\" id \"%s\"", how, i, g->ev[i].data,
		      g->ev[i].id);
	}
	return ok;
}

static void sse_cuts(void)
{
	size_t n = sizeof stream - 1, i, j;
	art_sse *p;
	got g;
	int bad = 0;

	memset(&g, 0, sizeof g);
	p = art_sse_new();
	CHECK(art_sse_feed(p, stream, n, record, &g) == 0, "one chunk");
	same(&g, "one chunk");
	CHECK(!strcmp(art_sse_last_id(p), "h-2"), "an id with a NUL is ignored: %s",
	      art_sse_last_id(p));
	/* the end of a stream: the pending line and event go; line ends
	 * after a reset dispatch nothing */
	art_sse_reset(p);
	CHECK(art_sse_feed(p, "\n\n", 2, record, &g) == 0 && g.n == 4, "pending dropped");
	CHECK(!strcmp(art_sse_last_id(p), "h-2"), "the last id survives a reset");
	art_sse_free(p);

	memset(&g, 0, sizeof g);
	p = art_sse_new();
	for (i = 0; i < n; i++)
		art_sse_feed(p, stream + i, 1, record, &g);
	same(&g, "a byte at a time");
	/* without a reset the pending event is still there */
	art_sse_feed(p, "\n\n", 2, record, &g);
	CHECK(g.n == 5 && !strcmp(g.ev[4].data, "pending"), "pending kept: %d", g.n);
	art_sse_free(p);

	/* every cut in two and three pieces */
	for (i = 0; i <= n && !bad; i++)
		for (j = i; j <= n && !bad; j += 7) {
			memset(&g, 0, sizeof g);
			p = art_sse_new();
			art_sse_feed(p, stream, i, record, &g);
			art_sse_feed(p, stream + i, j - i, record, &g);
			art_sse_feed(p, stream + j, n - j, record, &g);
			bad = !same(&g, "three pieces");
			if (bad)
				fprintf(stderr, "cut at %zu and %zu\n", i, j);
			art_sse_free(p);
		}
}

static void sse_line_ends(void)
{
	art_sse *p = art_sse_new();
	got g;

	/* a CRLF split across chunks is one line end, not a blank line */
	memset(&g, 0, sizeof g);
	art_sse_feed(p, "data: a\r", 8, record, &g);
	art_sse_feed(p, "\ndata: b\r", 9, record, &g);
	art_sse_feed(p, "\n", 1, record, &g);
	CHECK(g.n == 0, "no event yet: %d", g.n);
	art_sse_feed(p, "\r", 1, record, &g);
	art_sse_feed(p, "\n", 1, record, &g);
	CHECK(g.n == 1 && !strcmp(g.ev[0].data, "a\nb"), "one event \"%s\"", g.ev[0].data);
	/* a CR at a chunk's end followed by anything else */
	art_sse_feed(p, "data: c\r", 8, record, &g);
	art_sse_feed(p, "data: d\r", 8, record, &g);
	art_sse_feed(p, "\r", 1, record, &g);
	CHECK(g.n == 2 && !strcmp(g.ev[1].data, "c\nd"), "CR alone \"%s\"", g.ev[1].data);
	/* data with nothing: one event, empty */
	art_sse_feed(p, "data:\n\n", 7, record, &g);
	CHECK(g.n == 3 && g.ev[2].len == 0 && !g.ev[2].over, "empty data dispatched");
	art_sse_free(p);

	/* what began like a BOM and was not is text: the field is not "data" */
	p = art_sse_new();
	memset(&g, 0, sizeof g);
	art_sse_feed(p, "\xef\xbb", 2, record, &g);
	art_sse_feed(p, "data: q\n\n", 9, record, &g);
	CHECK(g.n == 0, "a broken BOM is not dropped: %d", g.n);
	/* and a BOM later in the stream is text too */
	art_sse_feed(p, "\xef\xbb\xbf" "data: r\n\ndata: s\n\n", 21, record, &g);
	CHECK(g.n == 1 && !strcmp(g.ev[0].data, "s"), "BOM only at the start: %d", g.n);
	art_sse_free(p);

	/* the callback stops the feed */
	p = art_sse_new();
	memset(&g, 0, sizeof g);
	g.stop_at = 1;
	CHECK(art_sse_feed(p, "data: 1\n\ndata: 2\n\n", 18, record, &g) == 7 && g.n == 1,
	      "stopped: %d", g.n);
	art_sse_free(p);
}

/* s is fed whole and a byte at a time, to the SSE parser or the lines. */
static void feed_both_ways(int sse, const char *s, size_t n, got *whole, got *bytes)
{
	for (int way = 0; way < 2; way++) {
		got *g = way ? bytes : whole;
		art_sse *p = sse ? art_sse_new() : NULL;
		art_lines *l = sse ? NULL : art_lines_new();
		size_t step = way ? 1 : n;

		memset(g, 0, sizeof *g);
		for (size_t i = 0; i < n; i += step) {
			size_t k = n - i < step ? n - i : step;

			if (p)
				art_sse_feed(p, s + i, k, record, g);
			else
				art_lines_feed(l, s + i, k, record, g);
		}
		if (l)
			art_lines_end(l, record, g);
		art_sse_free(p);
		art_lines_free(l);
	}
}

static char *repeat(const char *head, char c, size_t n, const char *tail)
{
	size_t a = strlen(head), b = strlen(tail);
	char *s = art_xmalloc(a + n + b + 1);

	memcpy(s, head, a);
	memset(s + a, c, n);
	memcpy(s + a + n, tail, b + 1);
	return s;
}

static void sse_oversize(void)
{
	struct { char *s; int n; int over0; const char *last; } cases[6];
	got whole, bytes;
	size_t i;
	char *three;

	/* a data line one byte over the cap, then a good event */
	cases[0].s = repeat("data: ", 'x', ART_HINT_FRAME_MAX - 5, "\n\ndata: ok\n\n");
	cases[0].n = 2, cases[0].over0 = 1, cases[0].last = "ok";
	/* a line of exactly the cap is fine */
	cases[1].s = repeat("data:", 'x', ART_HINT_FRAME_MAX - 5, "\n\ndata: ok\n\n");
	cases[1].n = 2, cases[1].over0 = 0, cases[1].last = "ok";
	/* lines each fine, the event's data not */
	three = repeat("data: ", 'y', 6000, "\n");
	cases[2].s = art_asprintf("%s%s%s\ndata: ok\n\n", three, three, three);
	cases[2].n = 2, cases[2].over0 = 1, cases[2].last = "ok";
	free(three);
	/* a long comment is only a comment */
	cases[3].s = repeat(":", 'z', 3 * ART_HINT_FRAME_MAX, "\ndata: ok\n\n");
	cases[3].n = 1, cases[3].over0 = 0, cases[3].last = "ok";
	/* an over-long id spoils its event and sets nothing */
	cases[4].s = repeat("id: ", 'i', ART_HINT_FRAME_MAX, "\r\ndata: a\r\n\r\ndata: ok\r\n\r\n");
	cases[4].n = 2, cases[4].over0 = 1, cases[4].last = "ok";

	/* good lines after the long one do not mend the event */
	cases[5].s = repeat("data: ", 'x', ART_HINT_FRAME_MAX, "\ndata: short\n\ndata: ok\n\n");
	cases[5].n = 2, cases[5].over0 = 1, cases[5].last = "ok";

	for (i = 0; i < 6; i++) {
		feed_both_ways(1, cases[i].s, strlen(cases[i].s), &whole, &bytes);
		CHECK(whole.n == cases[i].n && bytes.n == cases[i].n, "case %zu: %d and %d events",
		      i, whole.n, bytes.n);
		CHECK(whole.ev[0].over == cases[i].over0 && bytes.ev[0].over == cases[i].over0,
		      "case %zu: oversize %d %d", i, whole.ev[0].over, bytes.ev[0].over);
		if (cases[i].over0)
			CHECK(!strcmp(whole.ev[0].data, "(null)") && whole.ev[0].len == 0,
			      "case %zu: no bytes of it", i);
		else if (i == 1)
			CHECK(whole.ev[0].len == ART_HINT_FRAME_MAX - 5, "case 1: len %zu",
			      whole.ev[0].len);
		CHECK(!strcmp(whole.ev[whole.n - 1].data, cases[i].last) &&
		      !strcmp(bytes.ev[bytes.n - 1].data, cases[i].last) &&
		      !whole.ev[whole.n - 1].over && !strcmp(whole.ev[whole.n - 1].id, ""),
		      "case %zu: then the next event", i);
		free(cases[i].s);
	}
}

static void lines(void)
{
	const char s[] = "a\n\nb\r\nc\rd\r\r\ne";
	char *big = repeat("", 'x', ART_HINT_FRAME_MAX + 1, "\nf\n");
	char *edge = repeat("", 'x', ART_HINT_FRAME_MAX, "\ng");
	static const char *const want_s[] = { "a", "b", "c", "d", "e" };
	got whole, bytes;
	art_lines *l;
	int i;

	feed_both_ways(0, s, sizeof s - 1, &whole, &bytes);
	CHECK(whole.n == 5 && bytes.n == 5, "%d and %d lines", whole.n, bytes.n);
	for (i = 0; i < 5 && i < whole.n && i < bytes.n; i++)
		CHECK(!strcmp(whole.ev[i].data, want_s[i]) &&
		      !strcmp(bytes.ev[i].data, want_s[i]) && !whole.ev[i].over &&
		      !strcmp(whole.ev[i].id, ""), "line %d: %s %s", i, whole.ev[i].data,
		      bytes.ev[i].data);

	feed_both_ways(0, big, strlen(big), &whole, &bytes);
	CHECK(whole.n == 2 && bytes.n == 2 && whole.ev[0].over && bytes.ev[0].over &&
	      whole.ev[0].len == 0 && !strcmp(whole.ev[1].data, "f") &&
	      !strcmp(bytes.ev[1].data, "f"), "oversize line: %d %d", whole.n, bytes.n);
	feed_both_ways(0, edge, strlen(edge), &whole, &bytes);
	CHECK(whole.n == 2 && !whole.ev[0].over && whole.ev[0].len == ART_HINT_FRAME_MAX &&
	      !strcmp(whole.ev[1].data, "g") && bytes.n == 2 && !bytes.ev[0].over,
	      "a line of the cap: %d", whole.n);

	/* nothing pending, nothing at the end */
	l = art_lines_new();
	memset(&whole, 0, sizeof whole);
	art_lines_feed(l, "h\r", 2, record, &whole);
	art_lines_end(l, record, &whole);
	CHECK(whole.n == 1 && !strcmp(whole.ev[0].data, "h"), "end adds nothing");
	art_lines_free(l);
	free(big);
	free(edge);
}

/* The spec's stream, end to end: a hint out of an event, then a replay. */
typedef struct pipe_ctx {
	art_hints *h;
	int ok, refused;
	char topic[8];
} pipe_ctx;

static int to_check(void *ctx, const art_sse_event *ev)
{
	pipe_ctx *c = ctx;
	art_hint out;
	art_err e = { 0 };

	if (ev->oversize)
		return art_hints_count(c->h, ART_HINT_MALFORMED, &e);
	if (art_hint_check(c->h, ev->data, ev->len, T0 + 500, &out, &e))
		return 1;
	if (out.verdict == ART_HINT_OK) {
		c->ok++;
		snprintf(c->topic, sizeof c->topic, "%s", out.topic);
	} else {
		c->refused++;
	}
	return 0;
}

static void end_to_end(void)
{
	const char ev[] = "id: h-991\n"
		"data: {\"hint_id\":\"h-991\",\"topic\":\"jobs\",\"issued_at\":\"2026-09-01T12:00:01Z\",\"ttl_s\":30}\n\n";
	char *big = repeat("data: ", 'x', ART_HINT_FRAME_MAX, "\n\n");
	sqlite3 *db = memdb();
	art_sse *p = art_sse_new();
	pipe_ctx c = { 0 };
	art_err e = { 0 };

	CHECK(art_hints_open(db, &c.h, &e) == 0, "open: %s", e.msg);
	CHECK(art_sse_feed(p, ev, sizeof ev - 1, to_check, &c) == 0, "first");
	CHECK(art_sse_feed(p, ev, sizeof ev - 1, to_check, &c) == 0, "replay");
	CHECK(art_sse_feed(p, big, strlen(big), to_check, &c) == 0, "oversize");
	CHECK(c.ok == 1 && c.refused == 1 && !strcmp(c.topic, "jobs"), "%d ok, %d refused",
	      c.ok, c.refused);
	CHECK(counts_of(c.h, "duplicate") == 1 && counts_of(c.h, "malformed") == 1,
	      "counted");
	art_hints_close(c.h);
	art_sse_free(p);
	sqlite3_close(db);
	free(big);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/art-test-hints.XXXXXX",
		 tmp && *tmp == '/' ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	CHECK(!strcmp(art_hint_verdict_name(ART_HINT_SENSITIVE), "sensitive"), "names");
	verdicts();
	malformed();
	sensitive();
	timestamps();
	persistence();
	pruning();
	database_errors();
	sse_cuts();
	sse_line_ends();
	sse_oversize();
	lines();
	end_to_end();
	CHECK(art_rm_rf(dir) == 0, "cleanup");
	return CHECK_DONE();
}
