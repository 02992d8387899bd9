/* verify.c - checking receipts; see verify.h. */
#include "verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dsse.h"
#include "events.h"
#include "fs.h"
#include "jsonio.h"
#include "receipt.h"
#include "run.h"
#include "runref.h"

struct verdict {
	json_t *why;   /* the problems found, in order */
};

static void problem(struct verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct verdict *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap); /* cut if long */
	va_end(ap);
	json_array_append_new(v->why, art_json_bytes(msg));
}

/*
 * Where the run's branch is here: the local branch, else a remote's
 * tracking branch (a clone in CI has only those).  The full ref name
 * (malloc'd) and its tip, or NULL.
 */
static char *find_branch(git_repository *repo, const char *branch,
			 git_oid *tip)
{
	git_strarray remotes = { 0 };
	char *ref = art_asprintf("refs/heads/%s", branch);
	size_t i;

	if (git_reference_name_to_id(tip, repo, ref) == 0)
		return ref;
	free(ref);
	ref = NULL;
	if (git_remote_list(&remotes, repo) < 0)
		return NULL;
	for (i = 0; i < remotes.count && !ref; i++) {
		ref = art_asprintf("refs/remotes/%s/%s", remotes.strings[i], branch);
		if (git_reference_name_to_id(tip, repo, ref) < 0) {
			free(ref);
			ref = NULL;
		}
	}
	git_strarray_dispose(&remotes);
	return ref;
}

/* The commit must exist and be the branch's head or behind it; a branch
 * deleted after a merge leaves the commit to speak for itself. */
static json_t *check_commit(git_repository *repo, const art_run *run,
			    const char *hex, struct verdict *v)
{
	git_oid id, tip;
	git_commit *c = NULL;
	char *ref = NULL;
	json_t *o = json_pack("{s:s, s:{s:s}}", "name", run->branch,
			      "digest", "gitCommit", hex);
	const char *branch = "missing";
	int ok = 1;

	if (git_oid_fromstrp(&id, hex) < 0 || strlen(hex) != GIT_OID_HEXSZ ||
	    git_commit_lookup(&c, repo, &id) < 0) {
		ok = 0;
		problem(v, "commit %s is not in this repository", hex);
	} else if ((ref = find_branch(repo, run->branch, &tip)) != NULL) {
		if (git_oid_equal(&tip, &id))
			branch = "head";
		else if (git_graph_descendant_of(repo, &tip, &id) == 1)
			branch = "ancestor";
		else {
			ok = 0;
			problem(v, "commit %s is not on %s (was it rewritten?)",
				hex, ref);
		}
	}
	json_object_set_new(o, "ok", json_boolean(ok));
	json_object_set_new(o, "branch", json_string(ok ? branch : "off"));
	json_object_set_new(o, "ref", ref ? json_string(ref) : json_null());
	git_commit_free(c);
	free(ref);
	return o;
}

/* The report: every copy that exists (the run record's, the worktree's)
 * must have the digest, and one must exist. */
static json_t *check_report(const art_repo *r, const art_run *run,
			    const char *hex, struct verdict *v)
{
	json_t *o = json_pack("{s:s, s:{s:s}}", "name", ART_REPORT_SUBJECT,
			      "digest", "sha256", hex);
	json_t *seen = json_array();
	char *buf = NULL, *where;
	size_t len;
	art_err ignored;
	int ok = 1;

	for (int k = 0; k < 2; k++) {
		unsigned char d[32];
		char got[65];

		if (k == 0) {
			where = art_asprintf("%s:REPORT.md", run->ref);
			if (art_runref_read(r, run, "REPORT.md", &buf, &len, &ignored))
				buf = NULL;
		} else {
			where = art_asprintf("%s/%s", run->worktree_rel,
					     ART_REPORT_SUBJECT);
			if (art_read_beneath(run->worktree, ART_REPORT_SUBJECT,
					     ART_RECEIPT_MAX, &buf, &len, &ignored))
				buf = NULL;
		}
		if (buf) {
			crypto_hash_sha256(d, (unsigned char *)buf, len);
			sodium_bin2hex(got, sizeof got, d, sizeof d);
			if (strcmp(got, hex)) {
				ok = 0;
				problem(v, "%s does not have the receipt's digest", where);
			}
			json_array_append_new(seen, art_json_bytes(where));
		}
		free(buf);
		buf = NULL;
		free(where);
	}
	if (!json_array_size(seen)) {
		ok = 0;
		problem(v, "no report of run %s here (neither the run record nor the worktree has one)", run->subject);
	}
	json_object_set_new(o, "ok", json_boolean(ok));
	json_object_set_new(o, "checked", seen);
	return o;
}

static json_t *check_subjects(const art_repo *r, const art_run *run,
			      const json_t *st, struct verdict *v)
{
	const char *head = json_string_value(json_object_get(
		json_object_get(st, "predicate"), "head"));
	json_t *out = json_array(), *s;
	int commits = 0, reports = 0;
	size_t i;

	json_array_foreach(json_object_get(st, "subject"), i, s) {
		const json_t *d = json_object_get(s, "digest");
		const char *name = json_string_value(json_object_get(s, "name"));
		const char *commit = json_string_value(json_object_get(d, "gitCommit"));
		const char *sha = json_string_value(json_object_get(d, "sha256"));

		if (commit && !strcmp(name, run->branch)) {
			if (strcmp(commit, head))
				problem(v, "the commit subject %s is not the predicate's head %s",
					commit, head);
			json_array_append_new(out, check_commit(r->main, run, commit, v));
			commits++;
		} else if (sha && !strcmp(name, ART_REPORT_SUBJECT)) {
			json_array_append_new(out, check_report(r, run, sha, v));
			reports++;
		} else {
			problem(v, "subject \"%s\": art does not know how to check it", name);
			json_array_append_new(out, json_pack("{s:o, s:O, s:b}", "name",
							     art_json_bytes(name),
							     "digest", d, "ok", 0));
		}
	}
	/* a receipt speaks for one commit and one report, or says nothing */
	if (commits != 1)
		problem(v, "the receipt has %d commit subjects for branch %s, not one",
			commits, run->branch);
	if (reports != 1)
		problem(v, "the receipt has %d %s subjects, not one", reports,
			ART_REPORT_SUBJECT);
	return out;
}

/* The run record's manifest is the one the run was checked against. */
static json_t *check_manifest(const art_repo *r, const art_run *run,
			      const json_t *st, struct verdict *v)
{
	const char *want = json_string_value(json_object_get(json_object_get(
		json_object_get(st, "predicate"), "manifest"), "sha256"));
	json_t *o = json_pack("{s:s?}", "sha256", want);
	unsigned char d[crypto_hash_sha256_BYTES];
	char got[2 * crypto_hash_sha256_BYTES + 1];
	char *buf = NULL;
	size_t len;
	art_err ignored;

	if (art_runref_read(r, run, "manifest.json", &buf, &len, &ignored)) {
		/* no record here (a receipt checked elsewhere) cannot say; a
		 * record without its manifest was tampered with */
		int record = art_runref_exists(r, run) == 1;

		if (record)
			problem(v, "%s has no manifest.json", run->ref);
		json_object_set_new(o, "checked", json_boolean(record));
		if (record)
			json_object_set_new(o, "ok", json_false());
		return o;
	}
	crypto_hash_sha256(d, (unsigned char *)buf, len);
	sodium_bin2hex(got, sizeof got, d, sizeof d);
	free(buf);
	json_object_set_new(o, "checked", json_true());
	json_object_set_new(o, "ok", json_boolean(want && !strcmp(got, want)));
	if (!want || strcmp(got, want))
		problem(v, "%s:manifest.json is not the manifest the run was closed with",
			run->ref);
	return o;
}

/* The first close event of the run after the receipt's log event. */
struct close_event {
	json_t *data;      /* its data, a new reference; NULL: none found */
	long long seq;
};

static int find_close(void *ctx, long long seq, const char *json, size_t len)
{
	struct close_event *ce = ctx;
	json_t *env = json_loadb(json, len, 0, NULL);
	const char *type = json_string_value(json_object_get(env, "type"));

	if (type && (!strcmp(type, "art.run.closed") ||
		     !strcmp(type, "art.run.failed"))) {
		ce->data = json_incref(json_object_get(env, "data"));
		ce->seq = seq;
	}
	json_decref(env);
	return ce->data != NULL;
}

/* Is the hash of event seq want? */
static int event_hash_is(art_events *ev, long long seq, const char *want)
{
	char *env = art_event_get(ev, seq);
	json_t *j = env ? json_loads(env, 0, NULL) : NULL;
	int same = j && !strcmp(json_string_value(json_object_get(j, "hash")) ?: "",
				want);

	json_decref(j);
	free(env);
	return same;
}

/*
 * The log: intact from its first event to the close art-close logged
 * after the receipt's event (that close included, so that it cannot be
 * edited alone); the receipt's event the one the receipt saw; and the
 * close recording this very receipt, by digest: a statement re-signed by
 * anyone else who held the key is not the receipt art-close wrote.  A
 * repository without a log (a clone in CI) cannot say.
 */
static json_t *check_log(const art_repo *r, const art_run *run,
			 const json_t *st, const char *receipt_hex,
			 struct verdict *v)
{
	struct stat sb;
	int worked_here = lstat(run->wt_gitdir, &sb) == 0;
	const json_t *log = json_object_get(json_object_get(st, "predicate"), "log");
	long long seq = json_integer_value(json_object_get(log, "seq")), n, bad;
	const char *want = json_string_value(json_object_get(log, "hash"));
	struct close_event ce = { NULL, 0 };
	art_events *ev = NULL;
	art_err le = { 0 };
	char head[65];
	json_t *o = json_pack("{s:I, s:s}", "seq", (json_int_t)seq, "hash", want);
	size_t before = json_array_size(v->why);
	int rc;

	if (art_events_open_existing(r, &ev, &le) != 0) {
		problem(v, "event log: %s", le.msg);
		json_object_set_new(o, "checked", json_false());
		json_object_set_new(o, "ok", json_false());
		return o;
	}
	if (!ev) {
		/* the repository the run worked in had a log, and losing it
		 * hides whatever it held */
		if (worked_here)
			problem(v, "event log: there is none, but run %s was worked on in this repository (its worktree is here)",
				run->subject);
		json_object_set_new(o, "checked", json_false());
		json_object_set_new(o, "ok", json_boolean(!worked_here));
		json_object_set_new(o, "why", json_string("this repository has no event log"));
		return o;
	}
	json_object_set_new(o, "checked", json_true());
	art_events_each(ev, seq, run->subject, find_close, &ce, &le);
	if (le.status) {
		problem(v, "event log: %s", le.msg);
		goto out;
	}
	rc = art_events_verify_upto(ev, ce.data ? ce.seq : seq, &n, head, &bad, &le);
	if (rc == ART_EXIT_VERDICT) {
		problem(v, "event log: %s", le.msg);
		json_object_set_new(o, "bad", json_integer(bad));
	} else if (rc) {
		problem(v, "event log: %s", le.msg);
	} else if (n < seq) {
		problem(v, "event log: it ends before event %lld, the one the receipt names", seq);
	} else if (!event_hash_is(ev, seq, want)) {
		problem(v, "event log: event %lld is not the one the receipt saw (the log was rewritten, or it is another log)", seq);
	} else if (!ce.data) {
		problem(v, "event log: no close of run %s after event %lld: art-close did not finish this receipt",
			run->subject, seq);
	} else {
		json_object_set_new(o, "close", json_integer(ce.seq));
		if (strcmp(json_string_value(json_object_get(ce.data, "receipt")) ?: "",
			   receipt_hex))
			problem(v, "event log: the close of run %s (event %lld) records another receipt than this one",
				run->subject, ce.seq);
	}
out:
	json_object_set_new(o, "ok", json_boolean(json_array_size(v->why) == before));
	json_decref(ce.data);
	art_events_close(ev);
	return o;
}

int art_verify(const art_repo *r, const art_verify_opts *o, json_t **out,
	       art_err *e)
{
	struct verdict v = { json_array() };
	const json_t *p;
	json_t *st = NULL, *subjects, *log, *manifest;
	char keyid[ART_KEYID_HEX], receipt_hex[2 * crypto_hash_sha256_BYTES + 1];
	unsigned char digest[crypto_hash_sha256_BYTES];
	art_run run = { 0 };
	int rc;

	*out = NULL;
	art_dsse_keyid(o->pk, keyid);
	rc = art_receipt_open(o->name, o->buf, o->len, o->pk, &st, e);
	if (rc == ART_EXIT_VERDICT) {
		*out = json_pack("{s:b, s:s, s:[s]}", "ok", 0, "keyid", keyid,
				 "why", e->msg);
		json_decref(v.why);
		return rc;
	}
	if (rc) {
		json_decref(v.why);
		return rc;
	}
	p = json_object_get(st, "predicate");
	if ((rc = art_run_init(&run, r, json_string_value(json_object_get(p, "agent")),
			       json_string_value(json_object_get(p, "ticket")), e)))
		goto out;
	if (o->want_subject && strcmp(o->want_subject, run.subject))
		problem(&v, "the receipt is about run %s, not %s", run.subject,
			o->want_subject);
	subjects = check_subjects(r, &run, st, &v);
	manifest = check_manifest(r, &run, st, &v);
	crypto_hash_sha256(digest, (const unsigned char *)o->buf, o->len);
	sodium_bin2hex(receipt_hex, sizeof receipt_hex, digest, sizeof digest);
	log = check_log(r, &run, st, receipt_hex, &v);
	*out = json_pack("{s:b, s:s, s:s, s:s, s:O, s:s, s:o, s:o, s:o}",
			 "ok", json_array_size(v.why) == 0, "keyid", keyid,
			 "agent", run.agent, "ticket", run.ticket,
			 "head", json_object_get(p, "head"),
			 "state", json_is_true(json_object_get(p, "ok")) ? "closed" : "failed",
			 "subjects", subjects, "manifest", manifest, "log", log);
	if (json_array_size(v.why)) {
		rc = art_errf(e, ART_EXIT_VERDICT, "%s: %s", o->name,
			      json_string_value(json_array_get(v.why, 0)));
		json_object_set(*out, "why", v.why);
	}
out:
	art_run_free(&run);
	json_decref(st);
	json_decref(v.why);
	return rc;
}
