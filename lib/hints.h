/*
 * hints.h - push hints (core-api.md, "Push hints"): checking one, the
 * memory of those already seen, and the two framings they come in.
 *
 * A hint is one JSON object of exactly four members:
 *	{"hint_id":"h-991","topic":"jobs","issued_at":"2026-09-01T12:00:01Z",
 *	 "ttl_s":30}
 * hint_id: 1 to 128 bytes of [A-Za-z0-9._:-]; topic: "jobs" or "policy";
 * issued_at: RFC 3339 in UTC ("T", optional fraction, "Z" or "+00:00");
 * ttl_s: an integer from 1 to 3600.  A hint is never a decision: a valid
 * one only says which topic to poll early.
 *
 * A refused payload is counted, never kept: nothing of it reaches the
 * art_hint, the art_err, the database or the SSE parser's callbacks for
 * an oversized event.  Messages name the rule, never a value or a key.
 */
#ifndef ART_HINTS_H
#define ART_HINTS_H

#include <stddef.h>
#include <jansson.h>
#include <sqlite3.h>

#include "diag.h"

#define ART_HINT_MAX 4096          /* bytes of one payload */
#define ART_HINT_ID_MAX 128        /* bytes of a hint_id */
#define ART_HINT_TTL_MAX 3600      /* seconds */
#define ART_HINT_SKEW_S 30         /* how far in the future issued_at may be */
#define ART_HINT_FRAME_MAX 16384   /* bytes of one SSE line, event or FIFO line */

typedef enum art_hint_verdict {
	ART_HINT_OK = 0,
	ART_HINT_MALFORMED,  /* too big, not JSON, not an object, a member
			      * missing, of the wrong type or out of range */
	ART_HINT_SENSITIVE,  /* a member beyond the four, whatever it is */
	ART_HINT_FUTURE,     /* issued more than ART_HINT_SKEW_S after now */
	ART_HINT_EXPIRED,    /* issued_at + ttl_s <= now */
	ART_HINT_DUPLICATE,  /* hint_id seen before, its TTL still running */
} art_hint_verdict;

/* "ok", "malformed", "sensitive", "future", "expired", "duplicate". */
const char *art_hint_verdict_name(art_hint_verdict v);

/* What art_hint_check found.  Only an OK hint fills the strings. */
typedef struct art_hint {
	art_hint_verdict verdict;
	char topic[8];                       /* "jobs", "policy"; else "" */
	char hint_id[ART_HINT_ID_MAX + 1];   /* else "" */
	long long expires_ms;                /* issued_at + ttl_s; else 0 */
} art_hint;

typedef struct art_hints art_hints;

/*
 * The dedup memory and the refusal counts, in db (borrowed: the caller
 * opens it, sets its busy timeout, and closes it after art_hints_close):
 * tables hint_seen(hint_id, expires_ms) and hint_refused(verdict, count),
 * made when missing.  Rows whose TTL ran out (wall clock) are dropped.
 */
int art_hints_open(sqlite3 *db, art_hints **out, art_err *e);
void art_hints_close(art_hints *h);

/*
 * Judge the len bytes at buf (need not be NUL-terminated) at now_ms
 * (wall clock, ms since the epoch).  Returns 0 whenever a verdict was
 * reached, in out->verdict; for a refusal e also says which rule
 * (status ART_EXIT_INPUT), for a verbose log, and the verdict's count
 * goes up.  An OK hint is remembered until it expires, atomically with
 * the duplicate test, so two processes sharing db never both take one.
 * ART_EXIT_LOCAL on a database error; out->verdict is then never OK
 * (ART_HINT_DUPLICATE when the hint could not be remembered: it could
 * not be shown new).
 */
int art_hint_check(art_hints *h, const char *buf, size_t len,
		   long long now_ms, art_hint *out, art_err *e);

/* Count one refusal that never reached art_hint_check (a frame over
 * ART_HINT_FRAME_MAX is ART_HINT_MALFORMED).  v must not be OK. */
int art_hints_count(art_hints *h, art_hint_verdict v, art_err *e);

/* Drop the rows of hints expired at now_ms.  art_hint_check does it
 * before remembering a hint; art_hints_open with the wall clock. */
int art_hints_prune(art_hints *h, long long now_ms, art_err *e);

/* {"duplicate":n,"expired":n,"future":n,"malformed":n,"sensitive":n},
 * every key present; a new reference. */
int art_hints_counts(art_hints *h, json_t **out, art_err *e);

/*
 * One message from either framing.  data is NUL-terminated (it may hold
 * other NULs: len counts them) and, like id, borrowed until the callback
 * returns.  oversize: a line or the event's data passed
 * ART_HINT_FRAME_MAX; the message was skipped, data is NULL and len 0,
 * and the caller counts it (art_hints_count, ART_HINT_MALFORMED).
 */
typedef struct art_sse_event {
	const char *data;
	size_t len;
	const char *id;   /* SSE: the last event ID, "" when none; lines: "" */
	int oversize;
} art_sse_event;

/* Nonzero stops the feed, which returns it; the parser must then be
 * reset or freed, the rest of that chunk being lost. */
typedef int (*art_sse_fn)(void *ctx, const art_sse_event *ev);

/*
 * A text/event-stream parser (WHATWG HTML, "Server-sent events"), fed
 * chunks of any size.  Lines end in LF, CRLF or CR, a CRLF split across
 * chunks being one end; a leading UTF-8 BOM is dropped.  "data:" lines
 * are joined with "\n"; one space after the colon is removed; "id:"
 * sets the last event ID unless its value holds a NUL; lines starting
 * with ':' are comments; other fields ("event", "retry" among them) are
 * ignored.  An empty line dispatches the event when it had a data line
 * (one "data:" alone dispatches ""); an event with a line or data over
 * ART_HINT_FRAME_MAX is dispatched as oversize instead.  Over-long
 * comments are ignored like short ones.
 */
typedef struct art_sse art_sse;

art_sse *art_sse_new(void);  /* aborts on out of memory */
void art_sse_free(art_sse *p);
int art_sse_feed(art_sse *p, const char *buf, size_t len, art_sse_fn fn,
		 void *ctx);
/* After a reconnection: the pending event and line are dropped (as at
 * the end of a stream), the BOM may come again; the last ID stays. */
void art_sse_reset(art_sse *p);
/* For Last-Event-ID when reconnecting: "" when none (borrowed). */
const char *art_sse_last_id(const art_sse *p);

/*
 * The FIFO framing: one hint a line, lines ending as in SSE, empty lines
 * skipped, every other line one message (id ""), a line over
 * ART_HINT_FRAME_MAX one oversize message.
 */
typedef struct art_lines art_lines;

art_lines *art_lines_new(void);  /* aborts on out of memory */
void art_lines_free(art_lines *p);
int art_lines_feed(art_lines *p, const char *buf, size_t len, art_sse_fn fn,
		   void *ctx);
/* At end of input: a last line without its line end is a message too. */
int art_lines_end(art_lines *p, art_sse_fn fn, void *ctx);

#endif
