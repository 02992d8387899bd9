/*
 * events.h - the event store: SQLite in <git common dir>/art/art.db (WAL).
 *
 * Each event is a CloudEvents-style envelope (art(7), EVENT LOG).  What is
 * stored and hashed is the exact byte string of the envelope without its
 * "hash" field; hash = hex SHA-256("art.event.v1\n" || those bytes), and
 * every envelope carries the hash of the one before as "prev", so the log
 * is a chain.  An event is on disk (synchronous=FULL) before append returns.
 */
#ifndef ART_EVENTS_H
#define ART_EVENTS_H

#include <jansson.h>

#include "diag.h"
#include "repo.h"

typedef struct art_events art_events;

/*
 * The largest event: its envelope as stored, "hash" aside (art(7),
 * LIMITS).  A larger one is refused, ART_EXIT_INPUT, whoever appends it:
 * the log is for records, and every reader of the log reads it whole.
 */
#define ART_EVENT_MAX (1u << 20)

int art_events_open(const art_repo *r, art_events **out, art_err *e);
/* Open the store for reading: *ev NULL when the repository has none yet,
 * so that looking at a repository does not create one in it. */
int art_events_open_existing(const art_repo *r, art_events **ev, art_err *e);
void art_events_close(art_events *ev);

/*
 * later: what is appended from now on is written, not yet synced; it is
 * synced with the next append made after art_events_sync_later(ev, 0).
 * For a command that reports only at its end (art-vm: the start before
 * the command runs, the end after, one sync for both): whatever it
 * reports is durable, as for every command.  A power loss before that
 * end loses the start, never the chain.
 */
int art_events_sync_later(art_events *ev, int later, art_err *e);

typedef struct art_event_in {
	const char *type;            /* "art.run.started" */
	const char *subject;         /* "TICKET/agent", or NULL */
	json_t *data;                /* borrowed; NULL: {} */
	const char *causationid;     /* NULL: none */
	const char *idempotency_key; /* NULL: none; a replay returns the first */
	long long expected_previous_seq; /* < 0: no check; mismatch: exit 4 */
} art_event_in;

/*
 * Append one event in its own transaction.  Events of type "art.run.*"
 * must be a legal transition of the run state machine (runstate.h), else
 * ART_EXIT_STATE.  *seq gets the event's sequence number.
 */
int art_event_append(art_events *ev, const art_event_in *in, long long *seq,
		     art_err *e);

/*
 * A batch in one transaction: begin, any number of art_event_append_in,
 * then commit (all are stored) or rollback (none is).
 */
int art_events_begin(art_events *ev, art_err *e);
int art_event_append_in(art_events *ev, const art_event_in *in,
			long long *seq, art_err *e);
int art_events_commit(art_events *ev, art_err *e);
void art_events_rollback(art_events *ev);

/*
 * Walk the whole log and check the chain: seq 1..n without gaps, each
 * stored "prev" the hash before it, each hash that of its bytes, each
 * body's own seq and prev those of its row.  *events gets the count and
 * head the last hash ("" for an empty log).  0 when intact; ART_EXIT_VERDICT
 * with *bad the first bad seq and why in e when not (*events and head then
 * describe the intact part before it).
 */
int art_events_verify(art_events *ev, long long *events, char head[65],
		      long long *bad, art_err *e);

/* Only events 1..upto (upto <= 0: all); the log ending before upto is
 * not a failure here: *events tells how far it went. */
int art_events_verify_upto(art_events *ev, long long upto, long long *events,
			   char head[65], long long *bad, art_err *e);

/* The last event's seq and hash (0 and "" for an empty log). */
int art_events_head(art_events *ev, long long *seq, char hash[65],
		    art_err *e);

/*
 * The full envelope ("hash" included, malloc'd, the caller's) of the event
 * the last append through ev stored, or NULL when it stored none (an
 * idempotent replay, an error): what a command prints, without reading
 * it back.
 */
char *art_event_take_last(art_events *ev);

/* The full envelope of event seq (malloc'd), or NULL when there is none
 * or it cannot be read. */
char *art_event_get(art_events *ev, long long seq);

/* Current state of run subject ("" when it has no events) and the seq of
 * the event that started it (0 when none). */
int art_run_state(art_events *ev, const char *subject, char state[16],
		  long long *started_seq, art_err *e);

/*
 * Call fn for each event with seq > since (and of subject, when not NULL),
 * in order, with the full envelope ("hash" included) as one JSON line
 * without newline.  fn returning non-zero stops the walk with that value.
 */
typedef int (*art_event_fn)(void *ctx, long long seq, const char *json,
			    size_t len);
int art_events_each(art_events *ev, long long since, const char *subject,
		    art_event_fn fn, void *ctx, art_err *e);

/* A fresh random (v4) UUID in out[37]. */
void art_uuid(char out[37]);
/* The current UTC time as RFC 3339 with milliseconds, in out[32]. */
void art_now(char out[32]);

#endif
