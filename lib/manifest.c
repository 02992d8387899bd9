/* manifest.c - the run manifest; see manifest.h. */
#include "manifest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "fs.h"
#include "jsonio.h"
#include "runref.h"

static int append_dod(json_t *out, json_t *items, const char *from,
		      const char *file, art_err *e)
{
	size_t i, j;
	json_t *it, *have, *ids = json_object();

	/* the ids out has, as a set: long lists are not quadratic (each
	 * list's own ids are unique already) */
	json_array_foreach(out, j, have)
		json_object_set_new(ids, json_string_value(json_object_get(have, "id")),
				    json_true());
	json_array_foreach(items, i, it) {
		const char *id = json_string_value(json_object_get(it, "id"));
		json_t *title = json_object_get(it, "title");
		json_t *copy;

		if (json_object_get(ids, id)) {
			json_decref(ids);
			return art_errf(e, ART_EXIT_INPUT,
					"%s: field \"dod[%zu].id\": \"%s\" is already a registry definition-of-done id",
					file, i, id);
		}
		copy = json_deep_copy(it);
		if (!title)
			json_object_set_new(copy, "title", json_string(id));
		json_object_set_new(copy, "from", json_string(from));
		json_array_append_new(out, copy);
	}
	json_decref(ids);
	return 0;
}

/* The registry's approvals of protected files for this run's ticket. */
static json_t *approvals_for(const art_registry *reg, const char *ticket)
{
	json_t *out = json_array(), *a;
	size_t i;

	json_array_foreach(reg->approvals, i, a)
		if (!strcmp(json_string_value(json_object_get(a, "ticket")), ticket))
			json_array_append_new(out, json_deep_copy(a));
	return out;
}

json_t *art_manifest_build(const art_run *run, const art_registry *reg,
			   const art_profile *prof, const char *base,
			   const char *by, art_err *e)
{
	json_t *dod = json_array(), *m;
	char now[32];

	if (append_dod(dod, reg->dod, "registry", reg->path, e) ||
	    append_dod(dod, prof->dod, "profile", prof->path, e)) {
		json_decref(dod);
		return NULL;
	}
	art_now(now);
	m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
		      " s:O, s:O, s:O, s:o, s:o, s:s, s:s}",
		      "schema", ART_MANIFEST_SCHEMA,
		      "agent", run->agent,
		      "displayName", prof->display_name,
		      "role", prof->role,
		      "ticket", run->ticket,
		      "branch", run->branch,
		      "worktreePath", run->worktree_rel,
		      "base", base,
		      "scopeAllowlist", prof->allow,
		      "scopeDenylist", prof->deny,
		      "protected", reg->protected,
		      "protectedApproved", approvals_for(reg, run->ticket),
		      "dod", dod,
		      "createdAt", now,
		      "createdBy", by);
	if (!m)
		art_errf(e, ART_EXIT_INPUT,
			 "cannot build the manifest: a field is not valid UTF-8");
	return m;
}

static int need_string(const char *name, json_t *m, const char *key,
		       art_err *e)
{
	json_t *v = json_object_get(m, key);

	if (!json_is_string(v))
		return art_errf(e, ART_EXIT_INPUT, "%s: field \"%s\": %s%s",
				name, key,
				v ? "expected a string, got " : "missing",
				v ? art_json_kind(v) : "");
	return 0;
}

int art_manifest_parse(const char *name, const char *buf, size_t len,
		       json_t **out, art_err *e)
{
	static const char *const strings[] = { "schema", "agent", "ticket",
					       "branch", "base" };
	json_t *m, *schema;
	const char *base;
	size_t i;
	int rc;

	*out = NULL;
	/* wherever it comes from: a run record can be fetched from anyone */
	if (len > ART_CONFIG_MAX)
		return art_errf(e, ART_EXIT_INPUT, "%s: larger than the %u-byte limit",
				name, ART_CONFIG_MAX);
	if ((rc = art_json_parse(name, buf, len, &m, e)) != 0)
		return rc;
	if (!json_is_object(m)) {
		rc = art_errf(e, ART_EXIT_INPUT, "%s: expected a JSON object, got %s",
			      name, art_json_kind(m));
		goto bad;
	}
	for (i = 0; i < sizeof strings / sizeof *strings; i++)
		if ((rc = need_string(name, m, strings[i], e)) != 0)
			goto bad;
	base = json_string_value(json_object_get(m, "base"));
	if (strlen(base) != 40 || strspn(base, "0123456789abcdef") != 40) {
		rc = art_errf(e, ART_EXIT_INPUT,
			      "%s: field \"base\": \"%s\" is not a full commit id (40 hexadecimal digits)",
			      name, base);
		goto bad;
	}
	schema = json_object_get(m, "schema");
	if (strcmp(json_string_value(schema), ART_MANIFEST_SCHEMA)) {
		rc = art_errf(e, ART_EXIT_INPUT,
			      "%s: field \"schema\": \"%s\" is not %s", name,
			      json_string_value(schema), ART_MANIFEST_SCHEMA);
		goto bad;
	}
	if ((rc = art_check_patterns(name, "scopeAllowlist",
				     json_object_get(m, "scopeAllowlist"), 1, e)) ||
	    (rc = art_check_patterns(name, "scopeDenylist",
				     json_object_get(m, "scopeDenylist"), 1, e)) ||
	    (rc = art_check_patterns(name, "protected",
				     json_object_get(m, "protected"), 1, e)) ||
	    (rc = art_check_approvals(name, "protectedApproved",
				      json_object_get(m, "protectedApproved"), e)) ||
	    (rc = art_check_dod(name, "dod", json_object_get(m, "dod"), e)))
		goto bad;
	*out = m;
	return 0;
bad:
	json_decref(m);
	return rc;
}

int art_manifest_load(const art_repo *r, const art_run *run, json_t **out,
		      art_err *e)
{
	char *buf, *name;
	size_t len;
	int rc;

	/* The run record in git is the contract; the worktree copy is the
	 * agent's to read, and the agent could edit it. */
	rc = art_runref_exists(r, run);
	if (rc < 0)
		return art_err_git(e, ART_EXIT_LOCAL, "run record %s", run->ref);
	if (rc == 1) {
		if ((rc = art_runref_read(r, run, "manifest.json", &buf, &len, e)) != 0)
			return rc;
		rc = art_manifest_parse(run->ref, buf, len, out, e);
		free(buf);
		return rc;
	}
	name = art_join(run->worktree_rel, ".agent/manifest.json");
	rc = art_read_beneath(run->worktree, ".agent/manifest.json",
			      ART_CONFIG_MAX, &buf, &len, e);
	if (rc == 0) {
		rc = art_manifest_parse(name, buf, len, out, e);
		free(buf);
	} else if (errno == ENOENT && access(run->worktree, F_OK) < 0) {
		art_errf(e, ART_EXIT_INPUT,
			 "run %s does not exist (no %s, no %s)", run->subject,
			 run->ref, run->worktree_rel);
	} else {
		char why[sizeof e->msg];

		memcpy(why, e->msg, sizeof why);
		art_errf(e, rc, "run %s: cannot read its manifest %s (%s)",
			 run->subject, name, why);
	}
	free(name);
	return rc;
}
