/*
 * claim.h - art-claim(1): claim a job, and with --run see it through.
 *
 * Mutating calls go out only after a read that showed a compatible state
 * (core-api.md): GET /jobs/{id} shows the job queued before the claim,
 * and claimed under our lease before submit or fail.  Claim, submit and
 * fail each carry one Idempotency-Key for all their retries; submit and
 * fail are retried for up to ten minutes.  The policy is strict:
 * jobs.claim and jobs.submit must be on.  Governors are asked before each
 * of the three ("claim", "submit", "fail").
 */
#ifndef ART_CLAIM_H
#define ART_CLAIM_H
#include "core.h"
#include "diag.h"
#include "jobrun.h"

#define ART_CLAIM_RETRY_MS 600000LL /* submit and fail: ten minutes */

typedef struct art_claim_opts {
	const char *job;       /* --job ID, or NULL: job records on stdin */
	char *const *argv;     /* --run's command, or NULL */
	int grace_s;           /* TERM to KILL */
	int pretty;
	int verbose;
	volatile int *stop;
} art_claim_opts;

/*
 * Claim, and run when asked.  *status is art-claim's exit status when 0
 * is returned: 0 (claimed; or the command succeeded and was submitted),
 * the command's own status, or ART_EXIT_STATE when the lease was lost.
 */
int art_claim(art_core *c, const art_claim_opts *o, int *status, art_err *e);
/* The lease of Core's answer to a claim of job id (lease_id,
 * lease_ttl_s, heartbeat_interval_s, lease_expires_at): ART_EXIT_REMOTE
 * when it has none.  Pure, apart for tests/fuzz. */
int art_lease_from(const json_t *claim, const char *id, art_lease *l,
		   art_err *e);
#endif
