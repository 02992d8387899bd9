/*
 * poller.h - art-poll(1): discovering jobs at the pace Core sets.
 *
 * Two routes are polled, each on its own schedule kept in the client
 * state (clientstate.h), so that it holds across processes: GET /policy
 * (with If-None-Match) and GET /jobs (once per scope).  A route is polled
 * no earlier than the poll_interval_s of its last 200 plus a random 0-20 %,
 * and never before Core's next_poll_not_before.  SLOW_DOWN, Retry-After,
 * TOO_MANY_ATTEMPTS and transient failures push the schedule back as
 * backoff.h says.  The policy is strict: /jobs is polled only while
 * effective_feature_enabled["jobs.discovery"] is true.
 *
 * Push hints (hints.h) never decide anything: a valid one moves the
 * route's next poll to the earliest instant these rules allow.
 */
#ifndef ART_POLL_H
#define ART_POLL_H
#include "core.h"
#include "diag.h"

typedef struct art_poll_opts {
	const char *const *scopes; /* NULL-terminated; none: Core's default */
	int limit;                 /* 0: Core's default */
	int once;                  /* at most one poll of each route, then return */
	const char *hints;         /* NULL, "sse", or the path of a FIFO */
	int pretty;
	int verbose;
} art_poll_opts;

/*
 * Poll until *stop is set (or once).  Records go to stdout as they come:
 * {"type":"policy",...} when the policy changes, {"type":"job",...} for
 * each job listed.  ART_EXIT_DENIED when jobs.discovery is off (once) ...
 */
int art_poll(art_core *c, const art_poll_opts *o, volatile int *stop,
	     art_err *e);
/* The schedule of every route of this Core and the hint counts, for
 * art-poll --schedule. */
int art_poll_schedule(art_core *c, const art_poll_opts *o, json_t **out,
		      art_err *e);
/* The policy in force: the cached one, polled again first when its
 * schedule allows (or none is cached).  A new reference. */
int art_poll_current_policy(art_core *c, json_t **out, art_err *e);
/* 1 when the cached policy turns feature on (strict: true, nothing else). */
int art_policy_feature(const json_t *policy, const char *feature);
#endif
