/*
 * sse - push hints (hints.c): the text/event-stream parser, the FIFO
 * line framing, and the check of each payload.  The bytes are what
 * art-poll --hints reads: an SSE stream from Core (or whatever answers in
 * its place: a proxy, a server that is not Core) or lines written into a
 * FIFO by any local process that can open it.  Both framings get the
 * stream whole and again in chunks whose sizes come from the first byte,
 * as the network would cut it; every message then goes to art_hint_check
 * with the dedup memory in an in-memory database, at a fixed "now"
 * (2026-09-01T12:00:10Z).
 *
 * Properties: the chunking changes nothing (the same messages, ids and
 * oversize flags, in order); a message is never longer than
 * ART_HINT_FRAME_MAX; a hint accepted once is a duplicate the second
 * time; an accepted hint is of topic "jobs" or "policy", not expired.
 */
#include "fuzz.h"

#include <sqlite3.h>

#include "hints.h"

#define NOW_MS 1788264010000LL

static sqlite3 *db;
static art_hints *memory;

/* What a feed produced, folded into a hash (FNV-1a) and a count. */
typedef struct seen {
	unsigned long long hash;
	size_t n;
	int check;  /* judge each message (the whole feed only) */
} seen;

static void fold(seen *s, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		s->hash = (s->hash ^ b[i]) * 1099511628211ULL;
}

static void judge(const char *data, size_t len)
{
	art_err e = { 0 };
	art_hint h, again;

	FUZZ_ASSERT(art_hint_check(memory, data, len, NOW_MS, &h, &e) == 0,
		    "hint check failed: %s", e.msg);
	if (h.verdict != ART_HINT_OK) {
		FUZZ_ASSERT(e.status == ART_EXIT_INPUT && h.topic[0] == '\0' &&
			    h.hint_id[0] == '\0', "a refusal with a hint in it");
		return;
	}
	FUZZ_ASSERT(!strcmp(h.topic, "jobs") || !strcmp(h.topic, "policy"),
		    "topic %s", h.topic);
	FUZZ_ASSERT(h.hint_id[0] && h.expires_ms > NOW_MS, "accepted hint");
	FUZZ_ASSERT(art_hint_check(memory, data, len, NOW_MS, &again, &e) == 0 &&
		    again.verdict == ART_HINT_DUPLICATE, "the same hint twice: %s",
		    art_hint_verdict_name(again.verdict));
}

static int on_message(void *ctx, const art_sse_event *ev)
{
	seen *s = ctx;

	FUZZ_ASSERT(ev->len <= ART_HINT_FRAME_MAX, "message of %zu bytes", ev->len);
	FUZZ_ASSERT(!ev->oversize || (!ev->data && !ev->len), "oversize with data");
	fold(s, &ev->len, sizeof ev->len);
	fold(s, &ev->oversize, sizeof ev->oversize);
	if (ev->data) {
		FUZZ_ASSERT(ev->data[ev->len] == '\0', "data not NUL-terminated");
		fold(s, ev->data, ev->len);
	}
	fold(s, ev->id, strlen(ev->id) + 1);
	s->n++;
	if (s->check && ev->data)
		judge(ev->data, ev->len);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	art_err e = { 0 };

	(void)argc;
	(void)argv;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    art_hints_open(db, &memory, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		abort();
	}
	return 0;
}

/* The next chunk size: 1 to max bytes, from a small generator. */
static size_t next_chunk(unsigned *x, unsigned max)
{
	*x = *x * 1103515245u + 12345u;
	return 1 + (*x >> 16) % max;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	seen whole = { 14695981039346656037ULL, 0, 1 };
	seen cut = { 14695981039346656037ULL, 0, 0 };
	seen lw = { 14695981039346656037ULL, 0, 1 }, lc = lw;
	const char *buf = (const char *)data + 1;
	unsigned x, max;
	size_t len, at, n;
	art_sse *p;
	art_lines *l;

	if (size < 1)
		return 0;
	x = data[0];
	max = data[0] & 0x80 ? 4096 : (data[0] & 0x0f) + 1;
	len = size - 1;
	sqlite3_exec(db, "DELETE FROM hint_seen; DELETE FROM hint_refused", NULL, NULL, NULL);

	/* SSE: whole, then in chunks, then again after a reset */
	p = art_sse_new();
	art_sse_feed(p, buf, len, on_message, &whole);
	art_sse_free(p);
	p = art_sse_new();
	for (at = 0; at < len; at += n) {
		n = next_chunk(&x, max);
		if (n > len - at)
			n = len - at;
		art_sse_feed(p, buf + at, n, on_message, &cut);
	}
	FUZZ_ASSERT(whole.n == cut.n && whole.hash == cut.hash,
		    "SSE: %zu messages whole, %zu in chunks, or not the same",
		    whole.n, cut.n);
	art_sse_reset(p);
	art_sse_feed(p, buf, len, on_message, &cut);
	art_sse_free(p);

	/* the FIFO framing, whole and in chunks */
	lc.check = 0;
	l = art_lines_new();
	art_lines_feed(l, buf, len, on_message, &lw);
	art_lines_end(l, on_message, &lw);
	art_lines_free(l);
	l = art_lines_new();
	for (at = 0; at < len; at += n) {
		n = next_chunk(&x, max);
		if (n > len - at)
			n = len - at;
		art_lines_feed(l, buf + at, n, on_message, &lc);
	}
	art_lines_end(l, on_message, &lc);
	art_lines_free(l);
	FUZZ_ASSERT(lw.n == lc.n && lw.hash == lc.hash,
		    "lines: %zu messages whole, %zu in chunks, or not the same",
		    lw.n, lc.n);
	return 0;
}
