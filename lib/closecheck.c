/* closecheck.c - the checks of art-close; see closecheck.h. */
#include "closecheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commits.h"
#include "dodrun.h"
#include "fs.h"
#include "jsonio.h"
#include "proc.h"
#include "scope.h"

/* Bytes of a non-conventional commit's subject shown. */
#define SUBJECT_SHOWN 200

static json_t *check_of(const char *id, const char *title, const char *kind,
			int ok, int status, long long ms)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:i, s:I, s:b, s:I, s:s}",
			 "id", id, "title", title, "kind", kind, "ok", ok,
			 "exit", status, "duration_ms", (json_int_t)ms,
			 "timed_out", 0, "output_bytes", (json_int_t)0,
			 "output", "");
}

static void progress(const art_close_checks *c, const char *title)
{
	if (c->progress)
		art_warn("checking: %s", title);
}

static int run_command(const art_close_checks *c, const json_t *item,
		       json_t *checks, int *ok, art_err *e)
{
	const char *id = json_string_value(json_object_get(item, "id"));
	const char *title = json_string_value(json_object_get(item, "title"));
	const json_t *from = json_object_get(item, "from");
	const json_t *limit = json_object_get(item, "timeout");
	art_dod_cmd cmd = { 0 };
	art_dod_result res = { 0 };
	json_t *o;
	int rc;

	if (!title)
		title = id;
	progress(c, title);
	cmd.run = json_object_get(item, "run");
	cmd.env = json_object_get(item, "env");
	cmd.cwd = c->worktree;
	cmd.timeout_ms = 1000 * (json_is_integer(limit)
				 ? (int)json_integer_value(limit) : c->timeout_s);
	cmd.redact = c->redact;
	if ((rc = art_dod_run(&cmd, &res, e)) != 0) {
		art_dod_result_free(&res);
		return rc;
	}
	o = check_of(id, title, "command", res.exit == 0 && !res.timed_out,
		     res.exit, res.duration_ms);
	if (json_is_string(from))
		json_object_set(o, "from", (json_t *)from);
	json_object_set_new(o, "timed_out", json_boolean(res.timed_out));
	json_object_set_new(o, "output_bytes", json_integer((json_int_t)res.output_bytes));
	json_object_set_new(o, "output", art_json_bytes(res.tail));
	if (!json_is_true(json_object_get(o, "ok")))
		*ok = 0;
	json_array_append_new(checks, o);
	art_dod_result_free(&res);
	return 0;
}

static int run_scope(const art_close_checks *c, json_t *checks, json_t **out,
		     int *ok, art_err *e)
{
	char *range = art_asprintf("%s..%s", c->base, c->head);
	art_scope_opts o = { .mode = ART_SCOPE_RANGE, .range = range,
			     .repo = c->wt, .manifest = c->manifest };
	long long t0 = art_mono_ms();
	json_t *res = NULL;
	int rc, pass;

	progress(c, "Scope check OK");
	rc = art_scope_check(&o, &res, e);
	free(range);
	if (rc)
		return rc;
	pass = json_is_true(json_object_get(res, "ok"));
	*out = json_pack("{s:b, s:O, s:O, s:O, s:O}", "ok", pass,
			 "checked", json_object_get(res, "checked"),
			 "violations", json_object_get(res, "violations"),
			 "approved", json_object_get(res, "approved"),
			 "skipped", json_object_get(res, "skipped"));
	json_decref(res);
	if (!pass)
		*ok = 0;
	json_array_append_new(checks, check_of(ART_CHECK_SCOPE, "Scope check OK",
					       "scope", pass, !pass,
					       art_mono_ms() - t0));
	return 0;
}

static int run_commits(const art_close_checks *c, json_t *checks,
		       json_t **out, int *ok, art_err *e)
{
	git_oid base, head;
	json_t *bad = json_array(), *o;
	long long t0 = art_mono_ms();
	size_t n = 0, i;
	int rc, pass;

	progress(c, "Conventional commits");
	git_oid_fromstr(&base, c->base);
	git_oid_fromstr(&head, c->head);
	if ((rc = art_commits_check(c->wt, &base, &head, bad, &n, e)) != 0) {
		json_decref(bad);
		return rc;
	}
	/* a commit subject is the agent's text: it may quote a secret */
	json_array_foreach(bad, i, o) {
		const char *subj = json_string_value(json_object_get(o, "subject"));
		size_t len;
		char *red = art_redact(c->redact, subj, strlen(subj), &len);

		if (len > SUBJECT_SHOWN) /* shortened once redacted, not before */
			red[SUBJECT_SHOWN] = '\0';
		json_object_set_new(o, "subject", art_json_bytes(red));
		free(red);
	}
	pass = json_array_size(bad) == 0;
	*out = json_pack("{s:b, s:I, s:o}", "ok", pass, "checked", (json_int_t)n,
			 "nonconventional", bad);
	if (!pass)
		*ok = 0;
	json_array_append_new(checks, check_of(ART_CHECK_COMMITS,
					       "Conventional commits", "commits",
					       pass, !pass, art_mono_ms() - t0));
	return 0;
}

int art_close_run_checks(const art_close_checks *c, json_t *checks,
			 json_t **scope, json_t **commits, int *ok,
			 art_err *e)
{
	const json_t *dod = json_object_get(c->manifest, "dod");
	size_t i;
	json_t *item;
	int rc;

	*scope = *commits = NULL;
	*ok = 1;
	json_array_foreach(dod, i, item)
		if ((rc = run_command(c, item, checks, ok, e)) != 0)
			return rc;
	if ((rc = run_scope(c, checks, scope, ok, e)) != 0 ||
	    (rc = run_commits(c, checks, commits, ok, e)) != 0) {
		json_decref(*scope);
		*scope = NULL;
		return rc;
	}
	return 0;
}

/* The change of a delta, in art-scope-check's words. */
static const char *kind_of(const git_diff_delta *d)
{
	if (d->status == GIT_DELTA_MODIFIED &&
	    git_oid_equal(&d->old_file.id, &d->new_file.id) &&
	    d->old_file.mode != d->new_file.mode)
		return "mode";
	switch (d->status) {
	case GIT_DELTA_ADDED: return "added";
	case GIT_DELTA_DELETED: return "deleted";
	case GIT_DELTA_RENAMED: return "renamed";
	case GIT_DELTA_TYPECHANGE: return "typechange";
	default: return "modified";
	}
}

int art_changed_files(git_repository *repo, const char *base,
		      const char *head, json_t **out, art_err *e)
{
	git_commit *bc = NULL, *hc = NULL;
	git_tree *bt = NULL, *ht = NULL;
	git_diff *diff = NULL;
	git_diff_options dopts;
	git_diff_find_options fopts;
	git_oid bo, ho;
	size_t i, n;
	int rc = 0;

	*out = NULL;
	git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
	dopts.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);
	fopts.flags = GIT_DIFF_FIND_RENAMES;
	if (git_oid_fromstr(&bo, base) < 0 || git_oid_fromstr(&ho, head) < 0 ||
	    git_commit_lookup(&bc, repo, &bo) < 0 ||
	    git_commit_lookup(&hc, repo, &ho) < 0 ||
	    git_commit_tree(&bt, bc) < 0 || git_commit_tree(&ht, hc) < 0 ||
	    git_diff_tree_to_tree(&diff, repo, bt, ht, &dopts) < 0 ||
	    git_diff_find_similar(diff, &fopts) < 0) {
		rc = art_err_git(e, ART_EXIT_LOCAL, "cannot diff %.12s..%.12s",
				 base, head);
		goto out;
	}
	*out = json_array();
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *path = d->status == GIT_DELTA_DELETED ? d->old_file.path
								  : d->new_file.path;
		json_t *o = json_pack("{s:o, s:s}", "path", art_json_bytes(path),
				      "change", kind_of(d));

		if (d->status == GIT_DELTA_RENAMED)
			json_object_set_new(o, "from", art_json_bytes(d->old_file.path));
		json_array_append_new(*out, o);
	}
out:
	git_diff_free(diff);
	git_tree_free(bt);
	git_tree_free(ht);
	git_commit_free(bc);
	git_commit_free(hc);
	return rc;
}
