/* poller.c - art-poll: jobs and policy at Core's pace; see poller.h. */
#include "poller.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "backoff.h"
#include "clientstate.h"
#include "fs.h"
#include "hintwait.h"
#include "jsonio.h"
#include "timefmt.h"

/* reschedule's word for a SLOW_DOWN obeyed: nothing to report. */
#define ART_SLOWED (-1)

/* Until Core has said how often: the spec's example interval. */
#define DEFAULT_INTERVAL_S 30.0
/* A continuous poller re-reads the clock at least this often. */
#define MAX_WAIT_MS 60000LL

typedef struct poller {
	art_core *c;
	const art_poll_opts *o;
	json_t *policy;     /* the cached {"etag", "policy"} or NULL */
	art_hintwait *hw;   /* push hints, NULL when none */
	int quiet;          /* art-claim's look at the policy prints nothing */
} poller;

int art_policy_feature(const json_t *policy, const char *feature)
{
	json_t *fe = json_object_get(policy, "effective_feature_enabled");

	/* strict: a feature that is false or absent is off */
	return json_is_true(json_object_get(fe, feature));
}

static const json_t *current_policy(const poller *p)
{
	return p->policy ? json_object_get(p->policy, "policy") : NULL;
}

static char *jobs_route(const char *scope)
{
	return scope ? art_asprintf("jobs?scope=%s", scope) : art_strdup("jobs");
}

static int emit(const json_t *v, int pretty, art_err *e)
{
	if (art_json_emit(v, pretty) != 0 || fflush(stdout) != 0)
		return art_err_sys(e, ART_EXIT_LOCAL, "standard output");
	return 0;
}

/* The interval a route falls back on before Core named one. */
static double default_interval(const poller *p)
{
	double iv = art_core_seconds(json_object_get(current_policy(p), "poll_interval_s"));

	return iv > 0 ? iv : DEFAULT_INTERVAL_S;
}

/* When a route may be polled next (0: now). */
static long long due_ms(const art_schedule *s)
{
	return s->not_before_ms > s->blocked_until_ms ? s->not_before_ms
						       : s->blocked_until_ms;
}

/* The earliest instant the rules allow, for a hint: the jitter is the
 * only part of the schedule a hint may skip. */
static long long earliest_ms(const art_schedule *s)
{
	long long t;

	if (s->failures || s->slowed || !s->last_ok_ms)
		return due_ms(s);
	t = s->last_ok_ms + (long long)(s->interval_s * 1000);
	if (s->server_nb_ms > t)
		t = s->server_nb_ms;
	if (s->blocked_until_ms > t)
		t = s->blocked_until_ms;
	return t;
}

/*
 * The schedule after an answer (or none).  0: the poll succeeded;
 * ART_EXIT_REMOTE when it failed in a way time cures (the schedule says
 * when to try again); anything else is for the caller to stop on.
 */
static int reschedule(poller *p, art_schedule *s, int rc,
		      const art_core_res *res, long long server_nb, art_err *e)
{
	long long now = art_wall_ms();
	double iv;
	char why[300];

	if (rc == 0 && !res->transient && (res->status == 200 || res->status == 304)) {
		iv = res->status == 200 && res->poll_interval_s > 0 ? res->poll_interval_s
			: s->interval_s > 0 ? s->interval_s : default_interval(p);
		s->interval_s = iv;
		s->slowed = 0;
		s->failures = 0;
		s->last_ok_ms = now;
		s->server_nb_ms = server_nb;
		s->not_before_ms = now + art_poll_delay_ms(iv);
		if (server_nb > s->not_before_ms)
			s->not_before_ms = server_nb;
		return 0;
	}
	if (rc == 0 && res->status == 429 && strcmp(res->code, "SLOW_DOWN") == 0) {
		/* max(body, Retry-After, old + 5 s), kept until a 200 */
		iv = (s->interval_s > 0 ? s->interval_s : default_interval(p)) + 5;
		if (res->poll_interval_s > iv)
			iv = res->poll_interval_s;
		if ((double)res->retry_after_s > iv)
			iv = (double)res->retry_after_s;
		s->interval_s = iv;
		s->slowed = 1;
		s->not_before_ms = now + art_poll_delay_ms(iv);
		/* not a failure: the schedule now says when */
		art_warn("%s asked to slow down: polling every %.0f s", art_core_origin(p->c), iv);
		return ART_SLOWED;
	}
	if (rc == 0 && res->status == 429 && strcmp(res->code, "TOO_MANY_ATTEMPTS") == 0) {
		/* core.c has closed the route until its time, plus jitter */
		s->failures++;
		s->not_before_ms = now + (res->retry_after_s > 0 ? res->retry_after_s * 1000LL : 0);
		return art_errf(e, ART_EXIT_REMOTE, "Core refused: too many attempts; not before %ld s",
				res->retry_after_s);
	}
	if (res->transient) {
		s->failures++;
		s->not_before_ms = now + art_backoff_ms(s->failures, res->retry_after_s > 0
							 ? res->retry_after_s * 1000LL : 0);
		if (rc)
			return rc; /* e says what */
		art_core_describe(res, why, sizeof why);
		return art_errf(e, ART_EXIT_REMOTE, "%s: %s", art_core_origin(p->c), why);
	}
	/* anything else: not before the interval, and longer each time, so
	 * that a refusal is never polled again at once */
	s->failures++;
	iv = s->interval_s > 0 ? s->interval_s : default_interval(p);
	s->not_before_ms = now + art_backoff_ms(s->failures, (long long)(iv * 1000));
	if (rc)
		return rc;
	art_core_describe(res, why, sizeof why);
	if (res->status == 403)
		return art_errf(e, ART_EXIT_DENIED, "%s: %s", art_core_origin(p->c), why);
	return art_errf(e, ART_EXIT_REMOTE, "%s: %s", art_core_origin(p->c), why);
}

/* GET /policy; a changed policy is printed. */
static int poll_policy(poller *p, art_err *e)
{
	art_core_req rq = { 0 };
	art_core_res res = { 0 };
	art_schedule s;
	const char *etag = p->policy ? json_string_value(json_object_get(p->policy, "etag")) : NULL;
	const json_t *old = current_policy(p);
	json_t *body, *rec, *cached;
	int rc, changed;

	if ((rc = art_schedule_get(art_core_state(p->c), "policy", &s, e)) != 0)
		return rc;
	rq.method = "GET";
	rq.path = "/policy";
	rq.route = "GET /policy";
	rq.if_none_match = etag && *etag ? etag : NULL;
	rc = art_core_call(p->c, &rq, &res, e);
	if ((rc = reschedule(p, &s, rc, &res, 0, e)) == ART_SLOWED)
		rc = 0;
	if (art_schedule_put(art_core_state(p->c), "policy", &s, e) != 0) {
		art_core_res_free(&res);
		return ART_EXIT_LOCAL;
	}
	if (rc == 0 && res.status == 200 && res.body) {
		body = json_deep_copy(res.body);
		json_object_del(body, "request_id");
		changed = !old || !json_equal(json_object_get(old, "policy_version"),
					      json_object_get(body, "policy_version")) ||
			  !json_equal(json_object_get(old, "effective_feature_enabled"),
				      json_object_get(body, "effective_feature_enabled"));
		cached = json_pack("{s:s, s:o}", "etag", res.etag, "policy", body);
		if ((rc = art_policy_put(art_core_state(p->c), cached, e)) == 0) {
			json_decref(p->policy);
			p->policy = cached;
			if (changed && !p->quiet) {
				/* s:o: the record owns its reference, taken here or
				 * the new empty object's own */
				rec = json_pack("{s:s, s:s, s:O, s:O, s:o, s:s}", "type", "policy",
						"core", art_core_url(p->c),
						"policy_version", json_object_get(body, "policy_version") ?: json_null(),
						"poll_interval_s", json_object_get(body, "poll_interval_s") ?: json_null(),
						"effective_feature_enabled",
						json_incref(json_object_get(body, "effective_feature_enabled")) ?: json_object(),
						"etag", res.etag);
				rc = emit(rec, p->o->pretty, e);
				json_decref(rec);
			}
		} else {
			json_decref(cached);
		}
	}
	art_core_res_free(&res);
	return rc;
}

/* GET /jobs for one scope; every job listed is printed. */
static int poll_jobs(poller *p, const char *scope, art_err *e)
{
	art_core_req rq = { 0 };
	art_core_res res = { 0 };
	art_schedule s;
	char *route = jobs_route(scope), *path, *esc = NULL;
	json_t *jobs, *job, *rec;
	const char *nb;
	long long server_nb = 0;
	size_t i;
	int rc;

	if ((rc = art_schedule_get(art_core_state(p->c), route, &s, e)) != 0) {
		free(route);
		return rc;
	}
	if (scope)
		esc = curl_easy_escape(NULL, scope, 0);
	if (esc && p->o->limit > 0)
		path = art_asprintf("/jobs?scope=%s&limit=%d", esc, p->o->limit);
	else if (esc)
		path = art_asprintf("/jobs?scope=%s", esc);
	else if (p->o->limit > 0)
		path = art_asprintf("/jobs?limit=%d", p->o->limit);
	else
		path = art_strdup("/jobs");
	curl_free(esc);
	rq.method = "GET";
	rq.path = path;
	rq.route = "GET /jobs";
	rc = art_core_call(p->c, &rq, &res, e);
	if (rc == 0 && res.status == 200 && res.body &&
	    (nb = json_string_value(json_object_get(res.body, "next_poll_not_before"))))
		art_parse_rfc3339_ms(nb, strlen(nb), &server_nb);
	if ((rc = reschedule(p, &s, rc, &res, server_nb, e)) == ART_SLOWED)
		rc = 0;
	if (art_schedule_put(art_core_state(p->c), route, &s, e) != 0)
		rc = ART_EXIT_LOCAL;
	if (rc == 0 && res.status == 200 && res.body) {
		jobs = json_object_get(res.body, "jobs");
		json_array_foreach(jobs, i, job) {
			if (!json_is_object(job))
				continue;
			rec = json_pack("{s:s, s:s}", "type", "job", "core", art_core_url(p->c));
			json_object_update_missing(rec, job);
			rc = emit(rec, p->o->pretty, e);
			json_decref(rec);
			if (rc)
				break;
		}
	}
	art_core_res_free(&res);
	free(route);
	free(path);
	return rc;
}

static int scope_count(const art_poll_opts *o)
{
	int n = 0;

	while (o->scopes && o->scopes[n])
		n++;
	return n;
}

/* The scope of slot i (NULL: Core's default, when none was given). */
static const char *scope_at(const art_poll_opts *o, int i)
{
	return scope_count(o) ? o->scopes[i] : NULL;
}

/* A hint moved a route up: its next poll is the earliest allowed. */
void art_poll_hinted(void *ctx, const char *topic)
{
	poller *p = ctx;
	art_schedule s;
	art_err ignored = { 0 };
	int n = scope_count(p->o) ? scope_count(p->o) : 1;
	char *route;

	for (int i = 0; i < n; i++) {
		route = strcmp(topic, "policy") == 0 ? art_strdup("policy")
						     : jobs_route(scope_at(p->o, i));
		if (art_schedule_get(art_core_state(p->c), route, &s, &ignored) == 0 &&
		    earliest_ms(&s) < s.not_before_ms) {
			s.not_before_ms = earliest_ms(&s);
			art_schedule_put(art_core_state(p->c), route, &s, &ignored);
		}
		free(route);
		if (strcmp(topic, "policy") == 0)
			break;
	}
}

/* One pass: every route that is due.  *next: when the next is due. */
static int pass(poller *p, long long *next, art_err *e)
{
	art_schedule s;
	long long now = art_wall_ms(), t;
	int n = scope_count(p->o) ? scope_count(p->o) : 1, rc;
	char *route;

	*next = now + MAX_WAIT_MS;
	if ((rc = art_schedule_get(art_core_state(p->c), "policy", &s, e)) != 0)
		return rc;
	/* the policy's schedule holds even when none is known yet (after a
	 * SLOW_DOWN or a failure of the very first poll) */
	if (due_ms(&s) <= now) {
		rc = poll_policy(p, e);
		if (rc && (!p->policy || rc != ART_EXIT_REMOTE))
			return rc; /* without a policy no feature is on */
		if (rc)
			art_report(e);
		if ((rc = art_schedule_get(art_core_state(p->c), "policy", &s, e)) != 0)
			return rc;
	}
	if (due_ms(&s) < *next)
		*next = due_ms(&s);
	if (!p->policy) {
		char nb[32];

		art_rfc3339_ms(due_ms(&s), nb);
		art_warn("no policy from %s yet: the next try is not before %s",
			 art_core_origin(p->c), nb);
		return 0;
	}
	if (!art_policy_feature(current_policy(p), "jobs.discovery"))
		return art_errf(e, ART_EXIT_DENIED,
				"Core's policy has jobs.discovery off: not polling /jobs");
	for (int i = 0; i < n; i++) {
		route = jobs_route(scope_at(p->o, i));
		rc = art_schedule_get(art_core_state(p->c), route, &s, e);
		free(route);
		if (rc)
			return rc;
		if (due_ms(&s) <= now) {
			rc = poll_jobs(p, scope_at(p->o, i), e);
			if (rc && (rc != ART_EXIT_REMOTE || p->o->once))
				return rc;
			if (rc)
				art_report(e);
			route = jobs_route(scope_at(p->o, i));
			rc = art_schedule_get(art_core_state(p->c), route, &s, e);
			free(route);
			if (rc)
				return rc;
		}
		t = due_ms(&s);
		if (t < *next)
			*next = t;
	}
	return 0;
}

int art_poll(art_core *c, const art_poll_opts *o, volatile int *stop, art_err *e)
{
	poller p = { .c = c, .o = o };
	long long next, wait;
	char said[sizeof e->msg] = "";
	int rc;

	if ((rc = art_policy_get(art_core_state(c), &p.policy, e)) != 0)
		return rc;
	if (o->hints && (rc = art_hintwait_open(c, o->hints, o->verbose,
						 art_poll_hinted, &p, &p.hw, e)) != 0) {
		json_decref(p.policy);
		return rc;
	}
	for (;;) {
		rc = pass(&p, &next, e);
		if (o->once || *stop)
			break;
		if (rc == ART_EXIT_DENIED && p.policy) {
			/* a feature off waits for the next policy, not for ever;
			 * said once, not at every wake-up */
			if (strcmp(said, e->msg) != 0)
				art_report(e);
			snprintf(said, sizeof said, "%s", e->msg);
			rc = 0;
		} else if (rc) {
			break;
		} else {
			said[0] = '\0';
		}
		wait = next - art_wall_ms();
		if (wait < 0)
			wait = 0;
		if (wait > MAX_WAIT_MS)
			wait = MAX_WAIT_MS;
		if (p.hw) {
			if ((rc = art_hintwait_wait(p.hw, current_policy(&p), wait, stop, e)) != 0)
				break;
		} else {
			art_sleep_ms(wait, stop);
		}
		if (*stop)
			break;
	}
	art_hintwait_close(p.hw);
	json_decref(p.policy);
	return rc;
}

int art_poll_schedule(art_core *c, const art_poll_opts *o, json_t **out,
		      art_err *e)
{
	int n = scope_count(o) ? scope_count(o) : 1, rc;
	json_t *routes = json_object(), *r;
	art_schedule s;
	char nb[32];
	char *route;

	for (int i = -1; i < n; i++) {
		route = i < 0 ? art_strdup("policy") : jobs_route(scope_at(o, i));
		if ((rc = art_schedule_get(art_core_state(c), route, &s, e)) != 0) {
			free(route);
			json_decref(routes);
			return rc;
		}
		art_rfc3339_ms(due_ms(&s), nb);
		r = json_pack("{s:f, s:s, s:I, s:i, s:b}", "interval_s", s.interval_s,
			      "next_poll_not_before", nb, "next_poll_ms", (json_int_t)due_ms(&s),
			      "failures", s.failures, "slowed", s.slowed);
		json_object_set_new(routes, route, r);
		free(route);
	}
	*out = json_pack("{s:s, s:o}", "core", art_core_url(c), "routes", routes);
	return art_hintwait_counts(c, *out, e);
}

int art_poll_current_policy(art_core *c, json_t **out, art_err *e)
{
	art_poll_opts o = { 0 };
	poller p = { .c = c, .o = &o, .quiet = 1 };
	art_schedule s;
	int rc;

	*out = NULL;
	if ((rc = art_policy_get(art_core_state(c), &p.policy, e)) != 0 ||
	    (rc = art_schedule_get(art_core_state(c), "policy", &s, e)) != 0)
		return rc;
	/* polled only when the schedule allows, like any poll */
	if (due_ms(&s) <= art_wall_ms()) {
		rc = poll_policy(&p, e);
		if (rc && !p.policy)
			return rc;
	}
	if (!p.policy) {
		char nb[32];

		art_rfc3339_ms(due_ms(&s), nb);
		return art_errf(e, ART_EXIT_REMOTE,
				"no policy from %s yet, and none may be asked for before %s",
				art_core_origin(c), nb);
	}
	*out = json_incref(json_object_get(p.policy, "policy"));
	json_decref(p.policy);
	return 0;
}
