/*
 * scope.c - the scope check; see scope.h.
 *
 * Collect every change into one record per path (changes.h), scanning
 * the lines each change adds as it goes; then judge each path
 * (verdict.h).  The working tree is compared by wtscan.c, the rest by
 * libgit2's tree and index diffs.
 */
#include "scope.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changes.h"
#include "run.h"
#include "fs.h"
#include "jsonio.h"
#include "secrets.h"
#include "verdict.h"
#include "strmap.h"
#include "wtscan.h"

struct ctx {
	const art_scope_opts *o;
	git_repository *repo;
	art_secrets *secrets;
	art_changes changes;
	git_diff_options dopts;
	art_err *e;
};

/* --- scanning added lines ----------------------------------------------- */

struct lines_ctx {
	art_secrets *s;
	art_change *ch;
	const git_oid *commit;
};

static void scan_line(struct lines_ctx *l, const char *p, size_t n,
		      size_t lineno)
{
	const char *rule;

	while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	if ((rule = art_secrets_match_line(l->s, p, n)))
		art_change_hit(l->ch, rule, lineno, l->commit);
}

/* Every line of a new file is an added line. */
static void scan_all(struct lines_ctx *l, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	size_t lineno = 1;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		scan_line(l, p, n, lineno++);
		p += n + 1;
	}
}

static int added_line(const git_diff_delta *d, const git_diff_hunk *h,
		      const git_diff_line *line, void *payload)
{
	(void)d;
	(void)h;
	if (line->origin == GIT_DIFF_LINE_ADDITION && line->new_lineno > 0)
		scan_line(payload, line->content, line->content_len,
			  (size_t)line->new_lineno);
	return 0;
}

/*
 * The blob of a regular file (*out NULL for anything else, or no blob).
 * A blob the object store lacks is an error: what it holds cannot be
 * vouched for.
 */
static int load_blob(struct ctx *c, const char *path, unsigned mode,
		     const git_oid *id, git_blob **out)
{
	*out = NULL;
	if ((mode & 0170000) != 0100000 || git_oid_is_zero(id))
		return 0;
	if (git_blob_lookup(out, c->repo, id) < 0)
		return art_err_git(c->e, ART_EXIT_LOCAL,
				   "%s: blob %s is not in the object store", path,
				   git_oid_tostr_s(id));
	return 0;
}

/* The previous version of a file, NULL when there is none or it is gone
 * (then every line of the new one is scanned). */
static git_blob *old_blob(struct ctx *c, unsigned mode, const git_oid *id)
{
	git_blob *b = NULL;

	if ((mode & 0170000) == 0100000 && !git_oid_is_zero(id) &&
	    git_blob_lookup(&b, c->repo, id) < 0)
		b = NULL;
	return b;
}

/* Lines diffed against a version that was never scanned (binary, too
 * large, missing) would hide what it held: scan everything instead. */
static int scanned_before(const git_blob *old)
{
	size_t n = old ? (size_t)git_blob_rawsize(old) : 0;

	return n && n <= ART_SCAN_MAX && !art_is_binary(git_blob_rawcontent(old), n);
}

/*
 * Scan what the step old -> (buf, len) added.  old is the previous
 * version's blob (NULL when the file is new).
 */
static int scan_added(struct ctx *c, art_change *ch, git_blob *old,
		      const char *buf, size_t len, const git_oid *commit)
{
	struct lines_ctx l = { c->secrets, ch, commit };
	git_diff_options o;

	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	if (!art_secrets_maybe(buf, len))
		return 0;
	if (!scanned_before(old)) {
		scan_all(&l, buf, len);
		return 0;
	}
	o.context_lines = 0;
	o.flags = GIT_DIFF_FORCE_TEXT;
	if (git_diff_blob_to_buffer(old, NULL, buf, len, NULL, &o, NULL, NULL,
				    NULL, added_line, &l) < 0)
		return art_err_git(c->e, ART_EXIT_LOCAL, "diff of %s", ch->path);
	return 0;
}

/*
 * A symlink's target: it may leave the checkout, and it is text the agent
 * chose, so it is scanned like a line (and not printed when it matches).
 */
static void link_step(struct ctx *c, art_change *ch, const char *target,
		      size_t len, const git_oid *commit)
{
	const char *rule = art_secrets_match_line(c->secrets, target, len);

	if (rule)
		art_change_hit(ch, rule, 1, commit);
	art_change_link(ch, target, len);
	if (rule && ch->escape) {
		free(ch->escape);
		ch->escape = art_strdup("[REDACTED]");
	}
}

/* The new side of a step, read from the object store. */
static int scan_blob_step(struct ctx *c, art_change *ch,
			  const git_diff_file *of, const git_diff_file *nf,
			  const git_oid *commit)
{
	git_blob *nb, *ob;
	const char *buf;
	size_t len;
	int rc;

	if (nf->mode == GIT_FILEMODE_LINK) {
		if (git_blob_lookup(&nb, c->repo, &nf->id) < 0)
			return art_err_git(c->e, ART_EXIT_LOCAL,
					   "%s: blob %s is not in the object store",
					   nf->path, git_oid_tostr_s(&nf->id));
		link_step(c, ch, git_blob_rawcontent(nb),
			  (size_t)git_blob_rawsize(nb), commit);
		git_blob_free(nb);
		return 0;
	}
	if ((of->mode & 0170000) == 0100000 && git_oid_equal(&of->id, &nf->id))
		return 0; /* a mode change adds no line */
	if ((rc = load_blob(c, nf->path, nf->mode, &nf->id, &nb)) != 0 || !nb)
		return rc;
	buf = git_blob_rawcontent(nb);
	len = (size_t)git_blob_rawsize(nb);
	if (len > ART_SCAN_MAX)
		ch->skip = "too large";
	else if (art_is_binary(buf, len))
		ch->skip = "binary";
	else if (art_secrets_maybe(buf, len)) {
		ob = old_blob(c, of->mode, &of->id);
		rc = scan_added(c, ch, ob, buf, len, commit);
		git_blob_free(ob);
	}
	git_blob_free(nb);
	return rc;
}

/* --- collecting changes -------------------------------------------------- */

/*
 * One delta of a tree or index diff; commit is NULL for the index.
 * Everything committed or staged counts, .agent/ included: the run's own
 * files are never added, so what is there the agent put there.
 */
static int add_delta(struct ctx *c, const git_diff_delta *d,
		     const git_oid *commit)
{
	const git_diff_file *of = &d->old_file, *nf = &d->new_file;
	art_change *ch;

	if (d->status == GIT_DELTA_RENAMED) {
		art_change *src = art_changes_step(&c->changes, of->path, of->mode,
						   &of->id, 0, NULL, commit);

		free(src->to);
		src->to = art_strdup(nf->path);
		/* the new path appears: from nothing to its content */
		ch = art_changes_step(&c->changes, nf->path, 0, NULL, nf->mode,
				      &nf->id, commit);
		free(ch->from);
		ch->from = art_strdup(of->path);
		/* only what the rename added is new */
		return scan_blob_step(c, ch, of, nf, commit);
	}
	ch = art_changes_step(&c->changes, nf->path,
			      d->status == GIT_DELTA_ADDED ? 0 : of->mode, &of->id,
			      d->status == GIT_DELTA_DELETED ? 0 : nf->mode,
			      &nf->id, commit);
	if (d->status == GIT_DELTA_DELETED)
		return 0;
	return scan_blob_step(c, ch, of, nf, commit);
}

/* The paths diff changes, into m (for the other parents of a merge). */
static void paths_of(git_diff *diff, art_strmap *m)
{
	size_t k, n = git_diff_num_deltas(diff);

	for (k = 0; k < n; k++)
		art_strmap_put(m, git_diff_get_delta(diff, k)->new_file.path, k);
}

static int add_diff(struct ctx *c, git_diff *diff, const git_oid *commit,
		    git_diff **others, size_t nothers)
{
	art_strmap *sets = nothers ? art_xmalloc(nothers * sizeof *sets) : NULL;
	size_t i, j, n = git_diff_num_deltas(diff);
	int rc = 0;

	for (j = 0; j < nothers; j++) {
		memset(&sets[j], 0, sizeof sets[j]);
		paths_of(others[j], &sets[j]);
	}
	for (i = 0; i < n && !rc; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		/* a merge changes what differs from every parent */
		for (j = 0; j < nothers; j++)
			if (!art_strmap_get(&sets[j], d->new_file.path))
				break;
		if (j == nothers)
			rc = add_delta(c, d, commit);
	}
	for (j = 0; j < nothers; j++)
		art_strmap_free(&sets[j]);
	free(sets);
	return rc;
}

static int find_renames(struct ctx *c, git_diff *diff)
{
	git_diff_find_options fo;

	git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION);
	fo.flags = GIT_DIFF_FIND_RENAMES;
	if (git_diff_find_similar(diff, &fo) < 0)
		return art_err_git(c->e, ART_EXIT_LOCAL, "rename detection");
	return 0;
}

static int add_commit(struct ctx *c, const git_oid *id)
{
	git_commit *cm = NULL, *parent = NULL;
	git_tree *tree = NULL, *ptree = NULL;
	git_diff *diffs[8] = { NULL };
	unsigned np, i, nd = 0;
	int rc = 0;

	if (git_commit_lookup(&cm, c->repo, id) < 0 ||
	    git_commit_tree(&tree, cm) < 0) {
		rc = art_err_git(c->e, ART_EXIT_LOCAL, "commit %s", git_oid_tostr_s(id));
		goto out;
	}
	np = git_commit_parentcount(cm);
	if (np > sizeof diffs / sizeof diffs[0]) {
		rc = art_errf(c->e, ART_EXIT_INPUT, "commit %s: a merge of %u parents is more than art checks",
			      git_oid_tostr_s(id), np);
		goto out;
	}
	for (i = 0; i < (np ? np : 1) && !rc; i++) {
		if (np && (git_commit_parent(&parent, cm, i) < 0 ||
			   git_commit_tree(&ptree, parent) < 0))
			rc = art_err_git(c->e, ART_EXIT_LOCAL, "parent of %s",
					 git_oid_tostr_s(id));
		else if (git_diff_tree_to_tree(&diffs[nd], c->repo, ptree, tree,
					       &c->dopts) < 0)
			rc = art_err_git(c->e, ART_EXIT_LOCAL, "diff of %s",
					 git_oid_tostr_s(id));
		else
			nd++;
		git_tree_free(ptree);
		git_commit_free(parent);
		ptree = NULL;
		parent = NULL;
	}
	/* renames in ordinary commits; a merge's paths are compared as they are */
	if (!rc && nd == 1)
		rc = find_renames(c, diffs[0]);
	if (!rc)
		rc = add_diff(c, diffs[0], id, diffs + 1, nd ? nd - 1 : 0);
out:
	for (i = 0; i < nd; i++)
		git_diff_free(diffs[i]);
	git_tree_free(tree);
	git_commit_free(cm);
	return rc;
}

/* The commits reachable from head and not from base, oldest first. */
static int add_commits(struct ctx *c, const git_oid *base, const git_oid *head)
{
	git_revwalk *w = NULL;
	git_oid id;
	int rc = 0, err;

	if (git_revwalk_new(&w, c->repo) < 0 ||
	    git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0 ||
	    git_revwalk_push(w, head) < 0 ||
	    (base && git_revwalk_hide(w, base) < 0)) {
		git_revwalk_free(w);
		return art_err_git(c->e, ART_EXIT_LOCAL, "walking the commits");
	}
	while (!rc && (err = git_revwalk_next(&id, w)) == 0)
		rc = add_commit(c, &id);
	if (!rc && err != GIT_ITEROVER)
		rc = art_err_git(c->e, ART_EXIT_LOCAL, "walking the commits");
	git_revwalk_free(w);
	return rc;
}

static int add_index(struct ctx *c, git_commit *head, git_index *index)
{
	git_tree *tree = NULL;
	git_diff *diff = NULL;
	int rc;

	if (git_commit_tree(&tree, head) < 0 ||
	    git_diff_tree_to_index(&diff, c->repo, tree, index, &c->dopts) < 0) {
		git_tree_free(tree);
		return art_err_git(c->e, ART_EXIT_LOCAL, "the index against HEAD");
	}
	if ((rc = find_renames(c, diff)) == 0)
		rc = add_diff(c, diff, NULL, NULL, 0);
	git_diff_free(diff);
	git_tree_free(tree);
	return rc;
}

static int add_worktree(struct ctx *c, art_wt_scan *scan)
{
	static const char *const skips[] = { NULL, "binary", "too large",
					     "unreadable" };
	art_wt_changes wt;
	size_t i;
	int rc;

	if ((rc = art_wt_scan_finish(scan, &wt, c->e)) != 0)
		return rc;
	for (i = 0; i < wt.n && !rc; i++) {
		art_wt_change *w = &wt.v[i];
		art_change *ch;
		git_blob *old;

		if (!w->old_mode && art_is_run_path(w->path))
			continue;
		ch = art_changes_step(&c->changes, w->path, w->old_mode,
				      w->old_mode ? &w->old_id : NULL, w->new_mode,
				      git_oid_is_zero(&w->new_id) ? NULL : &w->new_id,
				      NULL);
		if (w->skip)
			ch->skip = skips[w->skip];
		if (w->new_mode == GIT_FILEMODE_LINK && w->data) {
			link_step(c, ch, w->data, w->len, NULL);
		} else if (w->data) {
			old = old_blob(c, w->old_mode, &w->old_id);
			rc = scan_added(c, ch, old, w->data, w->len, NULL);
			git_blob_free(old);
		}
	}
	art_wt_changes_free(&wt);
	return rc;
}

/* --- resolving what to compare ------------------------------------------- */

static int resolve_range(struct ctx *c, git_oid *base, git_oid *head)
{
	git_revspec spec = { 0 };
	git_object *from = NULL, *to = NULL;
	int rc = 0;

	if (git_revparse(&spec, c->repo, c->o->range) < 0) {
		rc = art_err_git(c->e, ART_EXIT_INPUT, "--range %s", c->o->range);
		/* libgit2 keeps the left side it resolved before failing */
		git_object_free(spec.from);
		git_object_free(spec.to);
		return rc;
	}
	if (!(spec.flags & GIT_REVSPEC_RANGE)) {
		rc = art_errf(c->e, ART_EXIT_INPUT,
			      "--range %s: expected a range A..B", c->o->range);
	} else if (git_object_peel(&from, spec.from, GIT_OBJECT_COMMIT) < 0 ||
		   git_object_peel(&to, spec.to, GIT_OBJECT_COMMIT) < 0) {
		rc = art_err_git(c->e, ART_EXIT_INPUT, "--range %s", c->o->range);
	} else {
		git_oid_cpy(base, git_object_id(from));
		git_oid_cpy(head, git_object_id(to));
		if ((spec.flags & GIT_REVSPEC_MERGE_BASE) &&
		    git_merge_base(base, c->repo, git_object_id(from),
				   git_object_id(to)) < 0)
			rc = art_err_git(c->e, ART_EXIT_INPUT,
					 "--range %s: no merge base", c->o->range);
	}
	git_object_free(from);
	git_object_free(to);
	git_object_free(spec.from);
	git_object_free(spec.to);
	return rc;
}

static int manifest_base(struct ctx *c, git_oid *base)
{
	const char *hex = json_string_value(json_object_get(c->o->manifest, "base"));
	git_commit *cm = NULL;

	if (git_oid_fromstr(base, hex) < 0 ||
	    git_commit_lookup(&cm, c->repo, base) < 0)
		return art_errf(c->e, ART_EXIT_INPUT,
				"the manifest's base %s is not a commit of this repository",
				hex);
	git_commit_free(cm);
	return 0;
}

/*
 * Reading a 50,000-entry index takes libgit2 tens of milliseconds: it is
 * read (and the working-tree scan started from it) in a thread of its own
 * while the calling thread reads the history.  A standalone index, not
 * the repository's, so that the two threads share nothing.  Afterwards
 * the index diff reads it while the scan's workers still read its
 * entries: both only read (libgit2 sorts an index on load, and a sorted
 * one is not written to by a diff).
 */
struct index_job {
	char *path;
	git_index *index;
	art_wt_scan *scan;   /* started once the index is read, or NULL */
	char why[256];       /* libgit2's message, kept from that thread */
};

static void *index_main(void *arg)
{
	struct index_job *j = arg;
	const git_error *ge;

	if (git_index_open(&j->index, j->path) < 0) {
		ge = git_error_last();
		snprintf(j->why, sizeof j->why, "%s", ge ? ge->message : "failed");
		return NULL;
	}
	if (j->scan)
		art_wt_scan_start(j->scan, j->index);
	return NULL;
}

/* The index to check: git's GIT_INDEX_FILE (a hook during "git commit
 * -a") when the checkout is git's current one, else the checkout's own. */
static char *index_path(const art_scope_opts *o, git_repository *repo)
{
	const char *env = o->env_index ? getenv("GIT_INDEX_FILE") : NULL;

	return env && *env ? art_strdup(env)
			   : art_join(git_repository_path(repo), "index");
}

static int collect(struct ctx *c, git_oid *base, git_oid *head)
{
	git_commit *hc = NULL;
	struct index_job job = { 0 };
	pthread_t tid;
	int rc, r2, threaded;

	if (c->o->mode == ART_SCOPE_RANGE) {
		if ((rc = resolve_range(c, base, head)) == 0)
			rc = add_commits(c, base, head);
		return rc;
	}
	if ((rc = manifest_base(c, base)) != 0)
		return rc;
	if (git_reference_name_to_id(head, c->repo, "HEAD") < 0 ||
	    git_commit_lookup(&hc, c->repo, head) < 0)
		return art_err_git(c->e, ART_EXIT_INPUT, "HEAD of the checkout");
	if (c->o->mode == ART_SCOPE_WORKTREE &&
	    (rc = art_wt_scan_new(c->repo, &job.scan, c->e)) != 0) {
		git_commit_free(hc);
		return rc;
	}
	job.path = index_path(c->o, c->repo);
	threaded = pthread_create(&tid, NULL, index_main, &job) == 0;
	if (!threaded)
		index_main(&job);
	if (c->o->mode == ART_SCOPE_WORKTREE)
		rc = add_commits(c, base, head);
	if (threaded)
		pthread_join(tid, NULL);
	if (!job.index && !rc)
		rc = art_errf(c->e, ART_EXIT_LOCAL, "%s: %s", job.path, job.why);
	if (!rc)
		rc = add_index(c, hc, job.index);
	/* always called: it joins the scan's threads */
	if (job.scan && (r2 = add_worktree(c, job.scan)) != 0 && !rc)
		rc = r2;
	git_index_free(job.index);
	free(job.path);
	git_commit_free(hc);
	return rc;
}

int art_scope_check(const art_scope_opts *o, json_t **out, art_err *e)
{
	struct ctx c = { 0 };
	git_oid base, head;
	char bhex[GIT_OID_HEXSZ + 1], hhex[GIT_OID_HEXSZ + 1];
	const json_t *m = o->manifest;
	json_t *v;
	int rc;

	*out = NULL;
	c.o = o;
	c.repo = o->repo;
	c.e = e;
	git_diff_options_init(&c.dopts, GIT_DIFF_OPTIONS_VERSION);
	c.dopts.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	if (!(c.secrets = art_secrets_new(e)))
		return ART_EXIT_LOCAL;
	memset(&base, 0, sizeof base);
	memset(&head, 0, sizeof head);
	if ((rc = collect(&c, &base, &head)) != 0)
		goto done;
	art_changes_sort(&c.changes);
	v = art_verdicts(m, &c.changes, o->files);
	git_oid_tostr(bhex, sizeof bhex, &base);
	git_oid_tostr(hhex, sizeof hhex, &head);
	*out = json_pack("{s:b, s:O, s:O, s:s, s:s, s:s, s:I}",
			 "ok", json_array_size(json_object_get(v, "violations")) == 0,
			 "agent", json_object_get(m, "agent"),
			 "ticket", json_object_get(m, "ticket"),
			 "base", bhex,
			 "head", hhex,
			 "mode", o->mode == ART_SCOPE_WORKTREE ? "worktree"
				 : o->mode == ART_SCOPE_STAGED ? "staged" : "range",
			 "checked", (json_int_t)c.changes.n);
	json_object_update(*out, v); /* violations, approved, skipped, files */
	json_decref(v);
done:
	art_changes_free(&c.changes);
	art_secrets_free(c.secrets);
	return rc;
}
