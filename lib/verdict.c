/*
 * verdict.c - judging each changed path against the manifest; see
 * verdict.h.
 */
#include "verdict.h"

#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "glob.h"
#include "jsonio.h"
#include "secrets.h"

/* A glob with the literal text it must start with: most patterns, such
 * as "backend" followed by a slash and two stars, fail on one compare. */
struct pat {
	const char *glob;
	const char *lit;
	size_t litlen;
};

struct pats {
	struct pat *v;
	size_t n;
};

static void pats_init(struct pats *p, const json_t *arr)
{
	size_t i;
	json_t *v;

	p->n = 0;
	p->v = art_xmalloc((json_array_size(arr) + 1) * sizeof *p->v);
	json_array_foreach(arr, i, v) {
		const char *g = json_string_value(v);
		struct pat *t = &p->v[p->n++];

		t->glob = g;
		while (*g == '/')
			g++;
		t->lit = g;
		t->litlen = strcspn(g, "*?[\\");
	}
}

static const char *pats_match(const struct pats *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct pat *t = &p->v[i];

		if (strncmp(path, t->lit, t->litlen))
			continue;
		if (art_glob_match(t->glob, path))
			return t->glob;
	}
	return NULL;
}

struct judge {
	struct pats allow, deny, protect;
	const json_t *approvals;   /* protectedApproved, maybe NULL */
	const char *ticket;
	json_t *violations, *approved, *skipped, *files;
};

static json_t *path_json(const art_change *ch, const char *kind)
{
	json_t *o = json_object();

	json_object_set_new(o, "path", art_json_bytes(ch->path));
	json_object_set_new(o, "change", json_string(kind));
	return o;
}

static void add_rename(json_t *o, const art_change *ch)
{
	if (ch->from)
		json_object_set_new(o, "from", art_json_bytes(ch->from));
	if (ch->to)
		json_object_set_new(o, "to", art_json_bytes(ch->to));
}

static void violation(struct judge *j, const art_change *ch, const char *kind,
		      const char *reason, const char *rule, size_t line)
{
	json_t *o = path_json(ch, kind);

	json_object_set_new(o, "reason", json_string(reason));
	json_object_set_new(o, "rule", rule ? art_json_bytes(rule) : json_null());
	json_object_set_new(o, "line", line ? json_integer((json_int_t)line)
					   : json_null());
	add_rename(o, ch);
	json_array_append_new(j->violations, o);
}

/* The approval (an entry of protectedApproved for this ticket) whose
 * pattern matches path, and that pattern. */
static const json_t *approval_for(const struct judge *j, const char *path,
				  const char **pattern)
{
	size_t i, k;
	json_t *a, *p;

	json_array_foreach(j->approvals, i, a) {
		if (strcmp(json_string_value(json_object_get(a, "ticket")), j->ticket))
			continue;
		json_array_foreach(json_object_get(a, "paths"), k, p)
			if (art_glob_match(json_string_value(p), path)) {
				*pattern = json_string_value(p);
				return a;
			}
	}
	return NULL;
}

/* A commit id, or null for the index or the working tree. */
static json_t *commit_json(const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	if (git_oid_is_zero(id))
		return json_null();
	return json_string(git_oid_tostr(hex, sizeof hex, id));
}

static void judge_one(struct judge *j, const art_change *ch)
{
	const char *kind = art_change_kind(ch), *rule, *apat;
	size_t before = json_array_size(j->violations), i;
	const json_t *a;

	if ((rule = pats_match(&j->deny, ch->path))) {
		violation(j, ch, kind, "denylisted", rule, 0);
	} else if ((rule = pats_match(&j->protect, ch->path))) {
		if ((a = approval_for(j, ch->path, &apat))) {
			json_t *o = path_json(ch, kind), *by = json_object_get(a, "by");

			json_object_set_new(o, "rule", art_json_bytes(rule));
			json_object_set_new(o, "approval", art_json_bytes(apat));
			json_object_set_new(o, "ticket", json_string(j->ticket));
			json_object_set_new(o, "by", json_is_string(by) ? json_copy(by)
									 : json_null());
			json_array_append_new(j->approved, o);
		} else {
			violation(j, ch, kind, "protected", rule, 0);
		}
	} else if (!pats_match(&j->allow, ch->path)) {
		violation(j, ch, kind, "outside_allowlist", NULL, 0);
	}
	if (ch->now_mode && ch->now_mode != GIT_FILEMODE_COMMIT &&
	    art_secrets_is_env_file(ch->path)) {
		violation(j, ch, kind, "secret", "env-file", 0);
		json_object_set_new(json_array_get(j->violations,
						   json_array_size(j->violations) - 1),
				    "commit", commit_json(&ch->commit));
	}
	for (i = 0; i < ch->nhits; i++) {
		const art_hit *h = &ch->hits[i];
		json_t *o;

		violation(j, ch, kind, "secret", h->rule, h->line);
		o = json_array_get(j->violations, json_array_size(j->violations) - 1);
		json_object_set_new(o, "commit", commit_json(&h->commit));
	}
	if (ch->escape) {
		violation(j, ch, kind, "symlink_escape", NULL, 0);
		json_object_set_new(json_array_get(j->violations,
						   json_array_size(j->violations) - 1),
				    "target", art_json_bytes(ch->escape));
	}
	if (ch->gitlink)
		violation(j, ch, kind, "submodule", NULL, 0);
	if (ch->skip) {
		json_t *o = json_object();

		json_object_set_new(o, "path", art_json_bytes(ch->path));
		json_object_set_new(o, "why", json_string(ch->skip));
		json_array_append_new(j->skipped, o);
	}
	if (j->files) {
		json_t *o = path_json(ch, kind);

		json_object_set_new(o, "ok", json_boolean(json_array_size(j->violations) == before));
		add_rename(o, ch);
		json_array_append_new(j->files, o);
	}
}

json_t *art_verdicts(const json_t *m, const art_changes *changes, int files)
{
	struct judge j = { 0 };
	json_t *out;
	size_t i;

	pats_init(&j.allow, json_object_get(m, "scopeAllowlist"));
	pats_init(&j.deny, json_object_get(m, "scopeDenylist"));
	pats_init(&j.protect, json_object_get(m, "protected"));
	j.approvals = json_object_get(m, "protectedApproved");
	j.ticket = json_string_value(json_object_get(m, "ticket"));
	j.violations = json_array();
	j.approved = json_array();
	j.skipped = json_array();
	j.files = files ? json_array() : NULL;
	for (i = 0; i < changes->n; i++)
		judge_one(&j, &changes->v[i]);
	out = json_pack("{s:o, s:o, s:o}", "violations", j.violations,
			"approved", j.approved, "skipped", j.skipped);
	if (j.files)
		json_object_set_new(out, "files", j.files);
	free(j.allow.v);
	free(j.deny.v);
	free(j.protect.v);
	return out;
}
