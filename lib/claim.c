/* claim.c - claim a job and see it through; see claim.h. */
#include "claim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "fs.h"
#include "governor.h"
#include "ids.h"
#include "jobrun.h"
#include "jsonio.h"
#include "poller.h"
#include "repo.h"
#include "secretlog.h"
#include "timefmt.h"

/* Reads and claims retry transient failures this long. */
#define READ_BUDGET_MS 60000LL

typedef struct claimer {
	art_core *c;
	const art_claim_opts *o;
	art_repo repo;
	int have_repo;
	art_events *ev;
	json_t *policy;
} claimer;

/* A job id Core gave goes into a URL path: refuse what could bend it. */
static int job_id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 127)
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return 0;
	return strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

/* "TICKET/agent" from a payload, when it names a valid run. */
static char *payload_subject(const json_t *payload)
{
	const char *agent = json_string_value(json_object_get(payload, "agent"));
	const char *ticket = json_string_value(json_object_get(payload, "ticket"));
	art_err ignored = { 0 };

	if (!agent || !ticket || art_check_agent(agent, &ignored) != 0 ||
	    art_check_ticket(ticket, &ignored) != 0)
		return NULL;
	return art_asprintf("%s/%s", ticket, agent);
}

static void event(claimer *cl, const char *type, const char *subject, json_t *data)
{
	art_event_in in = { .type = type, .subject = subject, .data = data,
			    .expected_previous_seq = -1 };
	art_err e = { 0 };
	long long seq;

	if (cl->ev && art_event_append(cl->ev, &in, &seq, &e) != 0)
		art_report(&e);
	json_decref(data);
}

/* Ask the governors about action on job; extra (taken, NULL allowed)
 * adds fields to what they are shown. */
static int governors(claimer *cl, const char *action, const char *job,
		     const char *subject, json_t *extra, art_err *e)
{
	json_t *a = json_pack("{s:s, s:s, s:s}", "action", action, "job", job,
			      "core", art_core_url(cl->c));
	int rc;

	if (extra) {
		json_object_update(a, extra);
		json_decref(extra); /* taken */
	}
	if (subject)
		json_object_set_new(a, "subject", json_string(subject));
	rc = art_governors_check(cl->have_repo ? &cl->repo : NULL, cl->ev, subject, a, e);
	json_decref(a);
	return rc;
}

/* GET /jobs/{id}: *job the answer (NULL when Core does not know it). */
static int read_job(claimer *cl, const char *id, json_t **job, art_err *e)
{
	art_core_req rq = { 0 };
	art_core_res res = { 0 };
	char *path = art_asprintf("/jobs/%s", id), why[300];
	int rc;

	*job = NULL;
	rq.method = "GET";
	rq.path = path;
	rq.route = "GET /jobs/{id}";
	rq.budget_ms = READ_BUDGET_MS;
	rc = art_core_call(cl->c, &rq, &res, e);
	if (!rc && res.status == 200 && res.body) {
		*job = json_incref(res.body);
	} else if (!rc && res.status != 404) {
		art_core_describe(&res, why, sizeof why);
		rc = art_errf(e, res.status == 403 ? ART_EXIT_DENIED : ART_EXIT_REMOTE,
			      "GET /jobs/%s: %s", id, why);
	}
	art_core_res_free(&res);
	free(path);
	return rc;
}

static int feature(claimer *cl, const char *name, art_err *e)
{
	if (!art_policy_feature(cl->policy, name))
		return art_errf(e, ART_EXIT_DENIED,
				"Core's policy has %s off: not calling it", name);
	return 0;
}

/*
 * Try to claim one job.  0 with *lease set: ours.  0 with *lease NULL:
 * not claimable (not queued, claimed by another, unknown); go on.
 */
static int try_claim(claimer *cl, const char *id, json_t **lease, art_err *e)
{
	art_core_req rq = { 0 };
	art_core_res res = { 0 };
	char *path, key[37], host[256], why[300], *instance;
	json_t *job, *body;
	const char *state;
	int rc;

	*lease = NULL;
	if ((rc = read_job(cl, id, &job, e)) != 0)
		return rc;
	state = job ? json_string_value(json_object_get(job, "state")) : NULL;
	if (!state || strcmp(state, "queued") != 0) {
		if (cl->o->verbose)
			art_warn("job %s: %s, not claiming", id, state ? state : "unknown to Core");
		json_decref(job);
		return 0;
	}
	json_decref(job);
	if ((rc = governors(cl, "claim", id, NULL, NULL, e)) != 0)
		return rc;
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';
	instance = art_asprintf("%s/pid-%ld", host, (long)getpid());
	body = json_pack("{s:s}", "client_instance_id", instance);
	free(instance);
	path = art_asprintf("/jobs/%s/claim", id);
	art_uuid(key);
	rq.method = "POST";
	rq.path = path;
	rq.route = "POST /jobs/{id}/claim";
	rq.body = body;
	rq.idempotency_key = key;
	rq.budget_ms = READ_BUDGET_MS;
	rc = art_core_call(cl->c, &rq, &res, e);
	if (!rc && res.status == 200 && res.body) {
		*lease = json_incref(res.body);
	} else if (!rc && (res.status == 409 || res.status == 404)) {
		if (cl->o->verbose)
			art_warn("job %s: %s, next", id, res.code[0] ? res.code : "gone");
	} else if (!rc) {
		art_core_describe(&res, why, sizeof why);
		rc = art_errf(e, res.status == 403 ? ART_EXIT_DENIED : ART_EXIT_REMOTE,
			      "claim %s: %s", id, why);
	}
	art_core_res_free(&res);
	json_decref(body);
	free(path);
	return rc;
}

/* The next candidate id: --job, or the next job record on stdin. */
static int next_candidate(claimer *cl, art_ndjson *in, int *used_job,
			  char **id, art_err *e)
{
	json_t *rec;
	const char *type, *v;
	int rc;

	*id = NULL;
	if (cl->o->job) {
		if (!*used_job)
			*id = art_strdup(cl->o->job);
		*used_job = 1;
		return 0;
	}
	for (;;) {
		if ((rc = art_ndjson_next(in, &rec, e)) != 0 || !rec)
			return rc;
		type = json_string_value(json_object_get(rec, "type"));
		v = json_string_value(json_object_get(rec, "id"));
		if (json_is_object(rec) && (!type || strcmp(type, "job") == 0) && v) {
			*id = art_strdup(v);
			json_decref(rec);
			return 0;
		}
		json_decref(rec); /* policy records and others: not jobs */
	}
}

/* The result of a successful command: the last JSON object it printed. */
static json_t *result_of(const art_jobrun_result *r)
{
	char *copy = art_strdup(r->out), *line, *save = NULL;
	json_t *last = NULL, *v;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		v = json_loads(line, 0, NULL);
		if (json_is_object(v)) {
			json_decref(last);
			last = v;
		} else {
			json_decref(v);
		}
	}
	free(copy);
	return last ? last : json_pack("{s:s}", "summary", "exit status 0");
}

/* Why a command failed, as one of Core's reason codes. */
static const char *reason_of(const art_jobrun_result *r, const json_t *out,
			     int *retryable)
{
	json_t *viol = json_object_get(out, "violations");

	*retryable = 1;
	if (r->canceled) {
		*retryable = 0;
		return "CANCELED";
	}
	if (r->exited && r->status == 124)
		return "TIMEOUT";
	/* art's own commands say what went wrong in their output */
	if (json_is_array(viol) && json_array_size(viol) > 0) {
		*retryable = 0;
		return "SCOPE_VIOLATION";
	}
	if (json_is_false(json_object_get(out, "ok")) && json_object_get(out, "checks")) {
		*retryable = 0;
		return "DOD_FAILED";
	}
	return "EXEC_ERROR";
}

/* The policy again, when its schedule allows: a job can outlast it. */
static int refresh_policy(claimer *cl, art_err *e)
{
	json_t *now;
	int rc;

	if ((rc = art_poll_current_policy(cl->c, &now, e)) != 0)
		return rc;
	json_decref(cl->policy);
	cl->policy = now;
	return 0;
}

/* Before submit or fail: the job still claimed under our lease? */
static int still_ours(claimer *cl, const char *id, const char *lease_id,
		      int *ours, art_err *e)
{
	json_t *job;
	const char *state, *lid;
	int rc;

	*ours = 0;
	if ((rc = read_job(cl, id, &job, e)) != 0)
		return rc;
	state = json_string_value(json_object_get(job, "state"));
	lid = json_string_value(json_object_get(job, "lease_id"));
	*ours = state && lid && strcmp(state, "claimed") == 0 && strcmp(lid, lease_id) == 0;
	json_decref(job);
	return 0;
}

/* POST submit or fail under one key, for up to ten minutes. */
static int finish(claimer *cl, const char *what, const char *id, json_t *body,
		  json_t **answer, int *lost, art_err *e)
{
	art_core_req rq = { 0 };
	art_core_res res = { 0 };
	char *path = art_asprintf("/jobs/%s/%s", id, what), *route, key[37], why[300];
	int rc;

	*lost = 0;
	*answer = NULL;
	route = art_asprintf("POST /jobs/{id}/%s", what);
	art_uuid(key);
	rq.method = "POST";
	rq.path = path;
	rq.route = route;
	rq.body = body;
	rq.idempotency_key = key;
	rq.budget_ms = ART_CLAIM_RETRY_MS;
	rc = art_core_call(cl->c, &rq, &res, e);
	if (!rc && res.status == 200 && res.body) {
		*answer = json_incref(res.body);
	} else if (!rc && res.status == 409 && strcmp(res.code, "LEASE_EXPIRED") == 0) {
		*lost = 1;
	} else if (!rc) {
		art_core_describe(&res, why, sizeof why);
		rc = art_errf(e, res.status == 403 ? ART_EXIT_DENIED : ART_EXIT_REMOTE,
			      "%s %s: %s", what, id, why);
	}
	art_core_res_free(&res);
	free(path);
	free(route);
	return rc;
}

int art_lease_from(const json_t *claim, const char *id, art_lease *l, art_err *e)
{
	const char *lid = json_string_value(json_object_get(claim, "lease_id"));
	const char *exp = json_string_value(json_object_get(claim, "lease_expires_at"));
	json_t *ttl = json_object_get(claim, "lease_ttl_s");
	json_t *hb = json_object_get(claim, "heartbeat_interval_s");
	long long now = art_wall_ms(), core_exp;

	if (!lid || art_core_seconds(ttl) <= 0)
		return art_errf(e, ART_EXIT_REMOTE,
				"claim %s: Core answered without lease_id and lease_ttl_s", id);
	memset(l, 0, sizeof *l);
	snprintf(l->job_id, sizeof l->job_id, "%s", id);
	snprintf(l->lease_id, sizeof l->lease_id, "%s", lid);
	l->ttl_s = art_core_seconds(ttl);
	l->heartbeat_s = art_core_seconds(hb) > 0 ? art_core_seconds(hb) : l->ttl_s / 4;
	l->expires_ms = now + (long long)(l->ttl_s * 1000);
	if (exp && art_parse_rfc3339_ms(exp, strlen(exp), &core_exp) == 0 &&
	    core_exp < l->expires_ms)
		l->expires_ms = core_exp;
	return 0;
}

/* --run: the command, then submit or fail. */
static int run_job(claimer *cl, const char *id, const json_t *claim, int *status,
		   art_err *e)
{
	const json_t *payload = json_object_get(claim, "payload");
	art_jobrun_opts jo = { 0 };
	art_jobrun_result r;
	art_lease l;
	json_t *out = NULL, *body, *answer = NULL, *rec;
	char *subject = payload_subject(payload), *msg, *clean, *why = NULL;
	const char *reason = NULL, *what;
	int rc, ours, lost = 0, retryable = 0;

	if ((rc = art_lease_from(claim, id, &l, e)) != 0) {
		free(subject);
		return rc;
	}
	jo.argv = cl->o->argv;
	jo.payload = payload;
	jo.grace_s = cl->o->grace_s;
	jo.verbose = cl->o->verbose;
	jo.ev = cl->ev;
	jo.subject = subject;
	jo.stop = cl->o->stop;
	if ((rc = art_jobrun(cl->c, &l, &jo, &r, e)) != 0) {
		free(subject);
		return rc;
	}
	*status = art_jobrun_status(&r);
	if (r.lease_lost) {
		*status = ART_EXIT_STATE;
		rc = art_errf(e, ART_EXIT_STATE, "job %s: lease %s lost; the command was stopped and nothing is submitted",
			      id, l.lease_id);
		goto done;
	}
	/* read before write: still claimed, under our lease */
	if ((rc = still_ours(cl, id, l.lease_id, &ours, e)) != 0)
		goto done;
	if (!ours) {
		*status = ART_EXIT_STATE;
		event(cl, "art.job.lease_lost", subject,
		      json_pack("{s:s, s:s, s:s}", "job", id, "lease", l.lease_id,
				"why", "no longer claimed under this lease"));
		rc = art_errf(e, ART_EXIT_STATE, "job %s: no longer claimed under lease %s; nothing is submitted",
			      id, l.lease_id);
		goto done;
	}
	out = result_of(&r);
	what = *status == 0 && !r.canceled && !r.interrupted ? "submit" : "fail";
	if (strcmp(what, "submit") == 0 && refresh_policy(cl, e) != 0)
		art_report(e); /* the policy known before the claim holds */
	if (strcmp(what, "submit") == 0 &&
	    (feature(cl, "jobs.submit", e) != 0 ||
	     governors(cl, "submit", id, subject, NULL, e) != 0)) {
		/* the work cannot be handed in: give the job back rather than
		 * let it sit on a lease nobody renews */
		art_report(e);
		why = art_asprintf("the result could not be submitted: %s", e->msg);
		what = "fail";
	}
	if (strcmp(what, "submit") == 0) {
		body = json_pack("{s:s, s:O}", "lease_id", l.lease_id, "result", out);
	} else {
		reason = r.interrupted || why ? "EXEC_ERROR" : reason_of(&r, out, &retryable);
		if (r.interrupted || why)
			retryable = 1;
		msg = why ? art_strdup(why)
			: r.interrupted ? art_strdup("art-claim was stopped")
			: r.exited ? art_asprintf("exit status %d", r.status)
			: art_asprintf("killed by signal %d", r.status);
		clean = art_secretlog_scrub(msg); /* art redacts message */
		free(msg);
		if ((rc = governors(cl, "fail", id, subject,
				    json_pack("{s:s}", "reason_code", reason), e)) != 0) {
			free(clean);
			goto done;
		}
		body = json_pack("{s:s, s:s, s:s, s:b}", "lease_id", l.lease_id,
				 "reason_code", reason, "message", clean, "retryable", retryable);
		free(clean);
	}
	rc = finish(cl, what, id, body, &answer, &lost, e);
	json_decref(body);
	if (rc)
		goto done;
	if (lost) {
		*status = ART_EXIT_STATE;
		event(cl, "art.job.lease_lost", subject,
		      json_pack("{s:s, s:s, s:s}", "job", id, "lease", l.lease_id, "why", "LEASE_EXPIRED"));
		rc = art_errf(e, ART_EXIT_STATE, "job %s: %s refused, the lease expired", id, what);
		goto done;
	}
	if (why)
		*status = ART_EXIT_DENIED; /* handed back, not done */
	event(cl, strcmp(what, "submit") == 0 ? "art.job.submitted" : "art.job.failed", subject,
	      reason ? json_pack("{s:s, s:s, s:s, s:i, s:O}", "job", id, "lease", l.lease_id,
				 "reason_code", reason, "exit", *status,
				 "state", json_object_get(answer, "state") ?: json_null())
		     : json_pack("{s:s, s:s, s:i, s:O}", "job", id, "lease", l.lease_id,
				 "exit", *status,
				 "state", json_object_get(answer, "state") ?: json_null()));
	rec = json_pack("{s:s, s:s, s:s, s:s, s:O, s:i}", "type", "result", "job_id", id,
			"lease_id", l.lease_id, "action", what,
			"state", json_object_get(answer, "state") ?: json_null(),
			"exit", *status);
	if (reason)
		json_object_set_new(rec, "reason_code", json_string(reason));
	if (art_json_emit(rec, cl->o->pretty) != 0)
		rc = art_err_sys(e, ART_EXIT_LOCAL, "standard output");
	json_decref(rec);
done:
	free(why);
	json_decref(out);
	json_decref(answer);
	art_jobrun_result_free(&r);
	free(subject);
	return rc;
}

int art_claim(art_core *c, const art_claim_opts *o, int *status, art_err *e)
{
	claimer cl = { .c = c, .o = o };
	art_ndjson in;
	art_err ignored = { 0 };
	json_t *lease = NULL, *rec;
	char *id = NULL, *subject;
	int rc, used_job = 0, tried = 0;

	*status = 0;
	art_ndjson_init(&in, stdin, "standard input");
	/* the event log and governors of the repository we are in, if any */
	if (art_repo_open(&cl.repo, NULL, &ignored) == 0) {
		cl.have_repo = 1;
		if (art_events_open(&cl.repo, &cl.ev, e) != 0)
			art_report(e);
	}
	if (!o->job && isatty(STDIN_FILENO)) {
		rc = art_errf(e, ART_EXIT_USAGE,
			      "no job: give --job ID, or pipe art-poll's records in");
		goto out;
	}
	/* empty input is nothing to do, before anything is asked of Core */
	if ((rc = next_candidate(&cl, &in, &used_job, &id, e)) != 0 || !id)
		goto out;
	/* strict policy: a job that could not be submitted is not claimed */
	if ((rc = art_poll_current_policy(c, &cl.policy, e)) != 0 ||
	    (rc = feature(&cl, "jobs.claim", e)) != 0 ||
	    (o->argv && (rc = feature(&cl, "jobs.submit", e)) != 0))
		goto out;
	for (;; free(id), id = NULL) {
		if (!id && ((rc = next_candidate(&cl, &in, &used_job, &id, e)) != 0 || !id))
			break;
		tried++;
		if (!job_id_ok(id)) {
			/* not echoed: it could carry anything, escapes included */
			art_warn("a job id that is not 1 to 127 of [A-Za-z0-9._-]: not a job id art puts in a URL; skipped");
			continue;
		}
		if ((rc = try_claim(&cl, id, &lease, e)) != 0 || lease)
			break;
	}
	if (rc)
		goto out;
	if (!lease) {
		if (tried)
			rc = art_errf(e, ART_EXIT_STATE, "no job could be claimed (%d tried)", tried);
		goto out; /* empty input: nothing to do */
	}
	/* one correlation id for the job's events, the command's included,
	 * unless the caller's pipeline already set one */
	if (!getenv("ART_CORRELATION_ID") || !*getenv("ART_CORRELATION_ID")) {
		char *corr = art_asprintf("job-%s", id);

		setenv("ART_CORRELATION_ID", corr, 1);
		free(corr);
	}
	subject = payload_subject(json_object_get(lease, "payload"));
	event(&cl, "art.job.claimed", subject,
	      json_pack("{s:s, s:O, s:s}", "job", id,
			"lease", json_object_get(lease, "lease_id") ?: json_null(),
			"core", art_core_url(c)));
	free(subject);
	if (o->argv) {
		rc = run_job(&cl, id, lease, status, e);
	} else {
		rec = json_pack("{s:s, s:s, s:s}", "type", "lease", "core", art_core_url(c),
				"job_id", id);
		json_object_update_missing(rec, lease);
		json_object_del(rec, "request_id");
		if (art_json_emit(rec, o->pretty) != 0)
			rc = art_err_sys(e, ART_EXIT_LOCAL, "standard output");
		json_decref(rec);
	}
out:
	json_decref(lease);
	json_decref(cl.policy);
	free(id);
	art_ndjson_free(&in);
	art_events_close(cl.ev);
	if (cl.have_repo)
		art_repo_close(&cl.repo);
	return rc;
}
