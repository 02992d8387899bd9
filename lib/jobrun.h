/*
 * jobrun.h - art-claim --run: a claimed job's command, seen through.
 *
 * The command runs in its own process group with the job's payload on
 * its stdin and ART_JOB_ID and ART_LEASE_ID in its environment (never a
 * token: it has none of Core's credentials).  Its stdout is kept (the
 * first ART_JOBRUN_OUT_MAX bytes) for the result; its stderr passes
 * through.  While it works the lease is renewed every
 * heartbeat_interval_s.  It is stopped (SIGTERM to its group, the grace
 * period, SIGKILL) when Core asks to cancel, when the lease is lost (409
 * LEASE_EXPIRED, or heartbeats failing until lease_expires_at minus one
 * interval: art never works on a lease it may have lost), or when
 * art-claim itself is told to stop.  art-claim is the subreaper: what the
 * command leaves behind dies with it.
 */
#ifndef ART_JOBRUN_H
#define ART_JOBRUN_H
#include <jansson.h>
#include "core.h"
#include "diag.h"
#include "events.h"

#define ART_JOBRUN_OUT_MAX (1u << 20)

typedef struct art_lease {
	char job_id[128];
	char lease_id[128];
	long long expires_ms;      /* wall clock, the earlier of Core's and ours */
	double heartbeat_s;
	double ttl_s;
} art_lease;

/* The lease after Core's answer to a heartbeat at now (wall clock ms):
 * heartbeat_interval_s, lease_expires_at, cancel_requested.  Pure,
 * apart for tests/fuzz. */
void art_lease_renewed(art_lease *l, const json_t *answer, long long now,
		       int *cancel);

typedef struct art_jobrun_result {
	int exited;       /* 1: exit status in status; 0: signal in status */
	int status;
	int canceled;     /* Core asked to cancel */
	int lease_lost;   /* the lease is gone or may be */
	int interrupted;  /* art-claim was told to stop */
	char *out;        /* stdout's head, NUL-terminated */
	size_t out_len;
} art_jobrun_result;

typedef struct art_jobrun_opts {
	char *const *argv;
	const json_t *payload;
	int grace_s;
	int verbose;
	art_events *ev;          /* NULL: no event log here */
	const char *subject;     /* events' subject, or NULL */
	volatile int *stop;      /* set by art-claim's signal handler */
} art_jobrun_opts;

/* 0 when the command ran (whatever became of it); else why not. */
int art_jobrun(art_core *c, art_lease *l, const art_jobrun_opts *o,
	       art_jobrun_result *res, art_err *e);
void art_jobrun_result_free(art_jobrun_result *res);
/* The command's status as a shell reports it (128+n for signal n). */
int art_jobrun_status(const art_jobrun_result *res);
#endif
