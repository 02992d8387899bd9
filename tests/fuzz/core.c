/*
 * core - the handlers of Core's answers (core.c, claim.c, jobrun.c,
 * auth.c, poller.c).  The bytes are an HTTP answer as art's client gets
 * it from whatever answers at the Core URL (Core, a proxy, a server in
 * its place), bodies up to ART_HTTP_BODY_MAX (1 MiB):
 *
 *	STATUS RETRY_AFTER ROUTE\n
 *	BODY
 *
 * RETRY_AFTER is the Retry-After header as http.c passes it on (-1 or 0
 * to 86400 seconds); ROUTE says which handler reads the body after
 * art_core_read_answer, the reading every call shares:
 *
 *	claim      art_lease_from (POST /jobs/{id}/claim)
 *	heartbeat  art_lease_renewed (POST /jobs/{id}/heartbeat)
 *	token      art_core_token_answer (/auth/token, login, device token)
 *	device     art_auth_device_answer (POST /auth/device)
 *	jobs       GET /jobs: next_poll_not_before, the job records
 *	policy     GET /policy: the features art-poll and art-claim test
 *	(other)    the common reading only
 *
 * Properties: the numbers a schedule is computed from are bounded, so
 * that no wait, deadline or lease computed from them overflows: poll
 * intervals and Retry-After within a day (art_poll_delay_ms,
 * art_backoff_ms get them as art-poll passes them), a lease's TTL and
 * heartbeat interval positive and within a day, token and device-code
 * lives positive and bounded.
 */
#include "fuzz.h"

#include <limits.h>

#include "auth.h"
#include "backoff.h"
#include "claim.h"
#include "core.h"
#include "jobrun.h"
#include "poller.h"
#include "timefmt.h"

#define NOW_MS 1788264010000LL /* 2026-09-01T12:00:10Z */
#define DAY_S 86400

static void claim(const json_t *body)
{
	art_lease l;
	art_err e = { 0 };

	if (art_lease_from(body, "job-1", &l, &e) != 0)
		return;
	FUZZ_ASSERT(l.ttl_s > 0 && l.ttl_s <= DAY_S, "lease ttl %g s", l.ttl_s);
	FUZZ_ASSERT(l.heartbeat_s > 0 && l.heartbeat_s <= DAY_S,
		    "heartbeat every %g s", l.heartbeat_s);
}

static void heartbeat(const json_t *body)
{
	art_lease l = { .job_id = "job-1", .lease_id = "l-1", .ttl_s = 60,
			.heartbeat_s = 15, .expires_ms = NOW_MS + 60000 };
	int cancel = 0;

	art_lease_renewed(&l, body, NOW_MS, &cancel);
	FUZZ_ASSERT(l.heartbeat_s > 0 && l.heartbeat_s <= DAY_S,
		    "heartbeat every %g s", l.heartbeat_s);
	FUZZ_ASSERT(l.expires_ms <= NOW_MS + 60000, "a heartbeat moved the lease past our count");
	FUZZ_ASSERT(cancel == 0 || cancel == 1, "cancel %d", cancel);
}

static void token(const json_t *body)
{
	const char *tok, *id;
	long long life;

	if (art_core_token_answer(body, &tok, &id, &life) != 0)
		return;
	FUZZ_ASSERT(*tok && id, "token answer");
	/* art_core_keep_token: expires_ms = now + life * 1000 */
	FUZZ_ASSERT(life > 0 && life <= (LLONG_MAX - NOW_MS) / 1000,
		    "a token life of %lld s", life);
}

static void device(const json_t *body)
{
	const char *code, *user_code, *uri;
	long long interval, expires;

	if (art_auth_device_answer(body, &code, &user_code, &uri, &interval,
				   &expires) != NULL)
		return;
	/* the flow waits interval * 1000 ms, up to now + expires * 1000,
	 * and adds 5 s to interval at each slow_down */
	FUZZ_ASSERT(interval >= 1 && interval <= DAY_S, "interval %lld s", interval);
	FUZZ_ASSERT(expires >= 0 && expires <= DAY_S, "expires_in %lld s", expires);
}

static void jobs(const json_t *body)
{
	const char *nb = json_string_value(json_object_get(body, "next_poll_not_before"));
	long long ms;
	json_t *job, *rec;
	size_t i;

	if (nb && art_parse_rfc3339_ms(nb, strlen(nb), &ms) == 0)
		FUZZ_ASSERT(ms >= -62167219200000LL && ms < 253402300800000LL,
			    "%s is %lld ms", nb, ms);
	/* each job becomes a record, as art-poll prints it */
	json_array_foreach(json_object_get(body, "jobs"), i, job) {
		if (!json_is_object(job))
			continue;
		rec = json_pack("{s:s, s:s}", "type", "job", "core", "https://core");
		json_object_update_missing(rec, job);
		FUZZ_ASSERT(!strcmp(json_string_value(json_object_get(rec, "type")), "job"),
			    "a job record of another type");
		json_decref(rec);
	}
}

static void policy(const json_t *body)
{
	static const char *const features[] = { "jobs.discovery", "jobs.claim",
						"jobs.submit", "" };

	for (size_t i = 0; i < sizeof features / sizeof *features; i++) {
		int on = art_policy_feature(body, features[i]);

		FUZZ_ASSERT(on == json_is_true(json_object_get(
				   json_object_get(body, "effective_feature_enabled"),
				   features[i])), "feature %s", features[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	char head[64] = "", route[16] = "", why[300];
	art_http_resp h = { 0 };
	art_core_res res;
	long retry = -1;

	if (!nl || (size_t)(nl - (const char *)data) >= sizeof head)
		return 0;
	memcpy(head, data, (size_t)(nl - (const char *)data));
	if (sscanf(head, "%ld %ld %15s", &h.status, &retry, route) < 2 ||
	    retry < -1 || retry > DAY_S)
		return 0;
	h.retry_after_s = retry;
	h.len = size - (size_t)(nl + 1 - (const char *)data);
	h.body = fuzz_cstr((const uint8_t *)nl + 1, h.len);
	h.json = 1;

	art_core_read_answer(&h, &res);
	FUZZ_ASSERT(res.status == h.status, "status");
	FUZZ_ASSERT(!res.body || json_is_object(res.body), "a body that is not an object");
	FUZZ_ASSERT(res.retry_after_s >= -1 && res.retry_after_s <= DAY_S,
		    "retry after %ld s", res.retry_after_s);
	FUZZ_ASSERT(res.poll_interval_s >= 0 && res.poll_interval_s <= DAY_S,
		    "poll interval %g s", res.poll_interval_s);
	/* what art-poll's schedule does with them */
	if (res.poll_interval_s > 0)
		(void)art_poll_delay_ms(res.poll_interval_s);
	(void)art_backoff_ms(3, res.retry_after_s > 0 ? res.retry_after_s * 1000LL : 0);
	art_core_describe(&res, why, sizeof why);

	if (res.body) {
		if (!strcmp(route, "claim"))
			claim(res.body);
		else if (!strcmp(route, "heartbeat"))
			heartbeat(res.body);
		else if (!strcmp(route, "token"))
			token(res.body);
		else if (!strcmp(route, "device"))
			device(res.body);
		else if (!strcmp(route, "jobs"))
			jobs(res.body);
		else if (!strcmp(route, "policy"))
			policy(res.body);
	}
	art_core_res_free(&res);
	free(h.body);
	return 0;
}
