/*
 * test_events.c - the event store: the hash chain, idempotency keys,
 * expected_previous_seq, the run state machine at append time, batches
 * that commit all or nothing, and verify naming the first bad event.
 */
#define _GNU_SOURCE
#include "check.h"
#include "events.h"
#include "fs.h"
#include "repo.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static art_repo repo;
static char *dir;

static long long append(art_events *ev, const char *type, const char *subject,
			const char *key, long long expected, int *status)
{
	art_event_in in = { .type = type, .subject = subject,
			    .idempotency_key = key,
			    .expected_previous_seq = expected };
	art_err e = { 0 };
	long long seq = 0;

	*status = art_event_append(ev, &in, &seq, &e);
	return seq;
}

static void tamper(const char *sql)
{
	char *path = art_join(repo.commondir, "art/art.db");
	sqlite3 *db;

	CHECK(sqlite3_open(path, &db) == SQLITE_OK, "open %s", path);
	CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql,
	      sqlite3_errmsg(db));
	sqlite3_close(db);
	free(path);
}

static long long verify(art_events *ev, long long *count)
{
	char head[65];
	long long bad = 0;
	art_err e = { 0 };
	int rc = art_events_verify(ev, count, head, &bad, &e);

	CHECK(rc == 0 || rc == ART_EXIT_VERDICT, "verify status %d: %s", rc, e.msg);
	CHECK(rc != 0 || (int)strlen(head) == (*count ? 64 : 0), "head %s", head);
	return bad;
}

int main(void)
{
	git_repository *g = NULL;
	art_events *ev;
	art_err e = { 0 };
	long long seq, count;
	int status;
	char tmpl[] = "/tmp/art-test-events.XXXXXX";

	git_libgit2_init();
	if (sodium_init() < 0)
		return 1;
	dir = mkdtemp(tmpl);
	CHECK(dir && git_repository_init(&g, dir, 0) == 0, "scratch repository");
	git_repository_free(g);
	CHECK(art_repo_open(&repo, dir, &e) == 0, "open: %s", e.msg);
	CHECK(art_events_open(&repo, &ev, &e) == 0, "events: %s", e.msg);
	CHECK(verify(ev, &count) == 0 && count == 0, "an empty log verifies");

	seq = append(ev, "art.run.started", "T1/tom", NULL, -1, &status);
	CHECK(status == 0 && seq == 1, "first event: %d %lld", status, seq);
	append(ev, "art.run.started", "T1/tom", NULL, -1, &status);
	CHECK(status == ART_EXIT_STATE, "a second start is refused: %d", status);
	seq = append(ev, "art.note", "T1/tom", "k-1", -1, &status);
	CHECK(status == 0 && seq == 2, "keyed event: %lld", seq);
	seq = append(ev, "art.note", "T1/tom", "k-1", -1, &status);
	CHECK(status == 0 && seq == 2, "a replayed key returns the first seq: %lld", seq);
	append(ev, "art.note", NULL, NULL, 1, &status);
	CHECK(status == ART_EXIT_STATE, "expected_previous_seq mismatch: %d", status);
	seq = append(ev, "art.note", NULL, NULL, 2, &status);
	CHECK(status == 0 && seq == 3, "expected_previous_seq match: %lld", seq);

	/* a batch is all or nothing */
	{
		art_event_in ok = { .type = "art.note", .expected_previous_seq = -1 };
		art_event_in bad = { .type = "art.run.closed", .subject = "T9/eva",
				     .expected_previous_seq = -1 };

		CHECK(art_events_begin(ev, &e) == 0, "begin");
		CHECK(art_event_append_in(ev, &ok, &seq, &e) == 0 && seq == 4, "in batch");
		CHECK(art_event_append_in(ev, &bad, &seq, &e) == ART_EXIT_STATE,
		      "closing a run that never started");
		art_events_rollback(ev);
	}
	CHECK(verify(ev, &count) == 0 && count == 3, "rolled back: %lld events", count);
	{
		char *full = art_event_get(ev, 3);

		CHECK(full && strstr(full, "\"seq\":3,\"prev\":\"") &&
		      strstr(full, ",\"hash\":\""), "envelope: %s",
		      full ? full : "(none)");
		free(full);
		CHECK(art_event_get(ev, 99) == NULL, "no event 99");
	}

	/* tampering is found, at the first bad event */
	tamper("UPDATE events SET body = replace(body, 'T1/tom', 'T1/eva') WHERE seq = 2");
	CHECK(verify(ev, &count) == 2, "an edited body is event 2");
	tamper("UPDATE events SET body = replace(body, 'T1/eva', 'T1/tom') WHERE seq = 2");
	CHECK(verify(ev, &count) == 0, "restored");
	tamper("DELETE FROM events WHERE seq = 2");
	CHECK(verify(ev, &count) == 2, "a deleted event is named by its seq");
	tamper("UPDATE events SET seq = 2 WHERE seq = 3");
	CHECK(verify(ev, &count) == 2, "a moved event does not fit the chain");

	art_events_close(ev);
	art_repo_close(&repo);
	art_rm_rf(dir);
	git_libgit2_shutdown();
	return CHECK_DONE();
}
