/* registry.c - registry and profile loading; see registry.h. */
#include "registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "glob.h"
#include "ids.h"
#include "jsonio.h"

static const char *const default_protected[] = {
	/* seed 001 §4.3 */
	".github/workflows/**", "scripts/guards/**", "tools/ssot_*.py",
	"tools/agent_runtime.py", "docs/40-security/**", "Makefile",
	".gitignore",
	/* an agent must not widen its own scope or silence the governors */
	"agents/agents_registry.json", "agents/profiles/**", ".art/**",
};

json_t *art_default_protected(void)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < sizeof default_protected / sizeof *default_protected; i++)
		json_array_append_new(a, json_string(default_protected[i]));
	return a;
}

static int field_error(art_err *e, const char *file, const char *field,
		       const char *what, const json_t *got)
{
	if (got)
		return art_errf(e, ART_EXIT_INPUT,
				"%s: field \"%s\": %s, got %s", file, field,
				what, art_json_kind(got));
	return art_errf(e, ART_EXIT_INPUT, "%s: field \"%s\": %s", file, field,
			what);
}

static int opt_string(const char *file, json_t *obj, const char *key,
		      const char **out, const char *dflt, art_err *e)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		*out = dflt;
		return 0;
	}
	if (!json_is_string(v))
		return field_error(e, file, key, "expected a string", v);
	*out = json_string_value(v);
	return 0;
}

int art_check_patterns(const char *file, const char *field, json_t *v,
		       int required, art_err *e)
{
	size_t i;
	json_t *p;

	if (!v)
		return required ? field_error(e, file, field,
					      "missing (an array of glob patterns)",
					      NULL) : 0;
	if (!json_is_array(v))
		return field_error(e, file, field,
				   "expected an array of glob patterns", v);
	if (json_array_size(v) > ART_PATTERNS_MAX)
		return art_errf(e, ART_EXIT_INPUT,
				"%s: field \"%s\": more than %u patterns", file,
				field, ART_PATTERNS_MAX);
	json_array_foreach(v, i, p) {
		const char *why;

		if (!json_is_string(p))
			return art_errf(e, ART_EXIT_INPUT,
					"%s: field \"%s[%zu]\": expected a string, got %s",
					file, field, i, art_json_kind(p));
		if ((why = art_glob_invalid(json_string_value(p))) != NULL)
			return art_errf(e, ART_EXIT_INPUT,
					"%s: field \"%s[%zu]\": %s", file, field,
					i, why);
	}
	return 0;
}

int art_check_approvals(const char *file, const char *field, json_t *v,
			art_err *e)
{
	static const char *const optional[] = { "by", "reason" };
	size_t i, k;
	json_t *a, *t;

	if (!v)
		return 0;
	if (!json_is_array(v))
		return field_error(e, file, field,
				   "expected an array of approvals", v);
	if (json_array_size(v) > ART_PATTERNS_MAX)
		return art_errf(e, ART_EXIT_INPUT,
				"%s: field \"%s\": more than %u approvals", file,
				field, ART_PATTERNS_MAX);
	json_array_foreach(v, i, a) {
		art_err id_err;
		char sub[64];

		if (!json_is_object(a))
			return art_errf(e, ART_EXIT_INPUT,
					"%s: field \"%s[%zu]\": expected an object, got %s",
					file, field, i, art_json_kind(a));
		t = json_object_get(a, "ticket");
		if (!json_is_string(t))
			return art_errf(e, ART_EXIT_INPUT,
					"%s: field \"%s[%zu].ticket\": expected a ticket id string%s",
					file, field, i, t ? "" : " (missing)");
		if (art_check_ticket(json_string_value(t), &id_err))
			return art_errf(e, ART_EXIT_INPUT,
					"%s: field \"%s[%zu].ticket\": %s", file,
					field, i, id_err.msg);
		snprintf(sub, sizeof sub, "%s[%zu].paths", field, i);
		if (art_check_patterns(file, sub, json_object_get(a, "paths"), 1, e))
			return e->status;
		if (!json_array_size(json_object_get(a, "paths")))
			return art_errf(e, ART_EXIT_INPUT,
					"%s: field \"%s\": empty (an approval names at least one pattern)",
					file, sub);
		for (k = 0; k < sizeof optional / sizeof *optional; k++) {
			t = json_object_get(a, optional[k]);
			if (t && !json_is_string(t))
				return art_errf(e, ART_EXIT_INPUT,
						"%s: field \"%s[%zu].%s\": expected a string, got %s",
						file, field, i, optional[k],
						art_json_kind(t));
		}
	}
	return 0;
}

/* Item i of a definition-of-done array, but for the uniqueness of its id. */
static int check_dod_item(const char *file, const char *field, size_t i,
			  json_t *item, art_err *e)
{
	json_t *id, *title, *run, *arg, *var;
	size_t k;

	if (!json_is_object(item))
		return art_errf(e, ART_EXIT_INPUT,
				"%s: field \"%s[%zu]\": expected an object, got %s",
				file, field, i, art_json_kind(item));
	id = json_object_get(item, "id");
	title = json_object_get(item, "title");
	run = json_object_get(item, "run");
	if (!json_is_string(id) || !*json_string_value(id))
		return art_errf(e, ART_EXIT_INPUT,
				"%s: field \"%s[%zu].id\": expected a non-empty string",
				file, field, i);
	if (title && !json_is_string(title))
		return art_errf(e, ART_EXIT_INPUT,
				"%s: field \"%s[%zu].title\": expected a string, got %s",
				file, field, i, art_json_kind(title));
	if (json_is_string(run)) {
		if (!*json_string_value(run))
			return art_errf(e, ART_EXIT_INPUT,
					"%s: field \"%s[%zu].run\": empty command",
					file, field, i);
	} else if (json_is_array(run) && json_array_size(run) > 0) {
		json_array_foreach(run, k, arg)
			if (!json_is_string(arg))
				return art_errf(e, ART_EXIT_INPUT,
						"%s: field \"%s[%zu].run[%zu]\": expected a string, got %s",
						file, field, i, k,
						art_json_kind(arg));
	} else {
		return art_errf(e, ART_EXIT_INPUT,
				"%s: field \"%s[%zu].run\": expected a command string or a non-empty argv array%s",
				file, field, i, run ? "" : " (missing)");
	}
	arg = json_object_get(item, "env");
	if (arg && !json_is_array(arg))
		return art_errf(e, ART_EXIT_INPUT,
				"%s: field \"%s[%zu].env\": expected an array of variable names, got %s",
				file, field, i, art_json_kind(arg));
	json_array_foreach(arg, k, var) {
		if (!art_is_env_name(json_string_value(var)))
			return art_errf(e, ART_EXIT_INPUT,
					"%s: field \"%s[%zu].env[%zu]\": expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)",
					file, field, i, k);
	}
	arg = json_object_get(item, "timeout");
	if (arg && (!json_is_integer(arg) || json_integer_value(arg) < 1 ||
		    json_integer_value(arg) > ART_DOD_TIMEOUT_MAX))
		return art_errf(e, ART_EXIT_INPUT,
				"%s: field \"%s[%zu].timeout\": expected a number of seconds from 1 to %d",
				file, field, i, ART_DOD_TIMEOUT_MAX);
	return 0;
}

int art_check_dod(const char *file, const char *field, json_t *v, art_err *e)
{
	json_t *item, *ids, *seen;
	const char *id;
	size_t i;
	int rc = 0;

	if (!v)
		return 0;
	if (!json_is_array(v))
		return field_error(e, file, field,
				   "expected an array of definition-of-done items", v);
	/* the ids so far, as a set: a long list is not quadratic */
	ids = json_object();
	json_array_foreach(v, i, item) {
		if ((rc = check_dod_item(file, field, i, item, e)) != 0)
			break;
		id = json_string_value(json_object_get(item, "id"));
		if ((seen = json_object_get(ids, id)) != NULL) {
			rc = art_errf(e, ART_EXIT_INPUT,
				      "%s: field \"%s[%zu].id\": \"%s\" is already the id of item %zu",
				      file, field, i, id, (size_t)json_integer_value(seen));
			break;
		}
		json_object_set_new(ids, id, json_integer((json_int_t)i));
	}
	json_decref(ids);
	return rc;
}

static int load_object(const art_repo *r, const char *path, json_t **out,
		       art_err *e)
{
	char *buf;
	size_t len;
	int rc;

	if ((rc = art_read_beneath(r->main_workdir, path, ART_CONFIG_MAX, &buf,
				   &len, e)) != 0)
		return rc;
	rc = art_json_parse(path, buf, len, out, e);
	free(buf);
	if (rc)
		return rc;
	if (!json_is_object(*out)) {
		rc = art_errf(e, ART_EXIT_INPUT,
			      "%s: expected a JSON object, got %s", path,
			      art_json_kind(*out));
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* Entry i of the agents array, but for the uniqueness of its id. */
static int check_agent_entry(const char *f, size_t i, json_t *a, art_err *e)
{
	json_t *id, *prof;
	art_err id_err;

	if (!json_is_object(a))
		return art_errf(e, ART_EXIT_INPUT,
				"%s: field \"agents[%zu]\": expected an object, got %s",
				f, i, art_json_kind(a));
	id = json_object_get(a, "agent");
	if (!json_is_string(id))
		return art_errf(e, ART_EXIT_INPUT,
				"%s: field \"agents[%zu].agent\": expected an agent id string%s",
				f, i, id ? "" : " (missing)");
	if (art_check_agent(json_string_value(id), &id_err))
		return art_errf(e, ART_EXIT_INPUT,
				"%s: field \"agents[%zu].agent\": %s", f,
				i, id_err.msg);
	prof = json_object_get(a, "profile");
	if (prof && (!json_is_string(prof) ||
		     !art_rel_path_ok(json_string_value(prof))))
		return art_errf(e, ART_EXIT_INPUT,
				"%s: field \"agents[%zu].profile\": expected a relative path inside the repository",
				f, i);
	return 0;
}

static int check_registry(art_registry *reg, art_err *e)
{
	const char *f = reg->path;
	json_t *v = json_object_get(reg->root, "version"), *a, *ids;
	const char *id;
	size_t i;
	int rc = 0;

	if (!v)
		return field_error(e, f, "version", "missing (must be 1)", NULL);
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		return field_error(e, f, "version",
				   "unsupported (this art reads version 1)", NULL);
	reg->agents = json_object_get(reg->root, "agents");
	if (!reg->agents)
		return field_error(e, f, "agents", "missing (an array of agents)",
				   NULL);
	if (!json_is_array(reg->agents))
		return field_error(e, f, "agents", "expected an array", reg->agents);
	/* the ids so far, as a set: a long list is not quadratic */
	ids = json_object();
	json_array_foreach(reg->agents, i, a) {
		if ((rc = check_agent_entry(f, i, a, e)) != 0)
			break;
		id = json_string_value(json_object_get(a, "agent"));
		if (json_object_get(ids, id)) {
			rc = art_errf(e, ART_EXIT_INPUT,
				      "%s: field \"agents[%zu].agent\": \"%s\" is listed twice",
				      f, i, id);
			break;
		}
		json_object_set_new(ids, id, json_true());
	}
	json_decref(ids);
	if (rc)
		return rc;
	v = json_object_get(reg->root, "protected");
	if (art_check_patterns(f, "protected", v, 0, e))
		return e->status;
	if (!v)
		json_object_set_new(reg->root, "protected",
				    art_default_protected());
	reg->protected = json_object_get(reg->root, "protected");
	v = json_object_get(reg->root, "protectedApprovals");
	if (art_check_approvals(f, "protectedApprovals", v, e))
		return e->status;
	if (!v)
		json_object_set_new(reg->root, "protectedApprovals", json_array());
	reg->approvals = json_object_get(reg->root, "protectedApprovals");
	v = json_object_get(reg->root, "dod");
	if (art_check_dod(f, "dod", v, e))
		return e->status;
	if (!v)
		json_object_set_new(reg->root, "dod", json_array());
	reg->dod = json_object_get(reg->root, "dod");
	return 0;
}

int art_registry_path(const art_repo *r, char **out, art_err *e)
{
	char *path = art_repo_config(r, "art.registry");

	if (!path)
		path = art_strdup(ART_REGISTRY_DEFAULT);
	if (!art_rel_path_ok(path)) {
		art_errf(e, ART_EXIT_INPUT,
			 "git config art.registry \"%s\": expected a relative path inside the repository",
			 path);
		free(path);
		return e->status;
	}
	*out = path;
	return 0;
}

int art_registry_load(const art_repo *r, art_registry *reg, art_err *e)
{
	int rc;

	memset(reg, 0, sizeof *reg);
	if ((rc = art_registry_path(r, &reg->path, e)) != 0)
		return rc;
	errno = 0;
	if ((rc = load_object(r, reg->path, &reg->root, e)) != 0 ||
	    (rc = check_registry(reg, e)) != 0) {
		if (!reg->root && errno == ENOENT)
			/* say what to do about a missing registry */
			snprintf(e->msg + strlen(e->msg),
				 sizeof e->msg - strlen(e->msg),
				 " (run 'art init' to create one)");
		art_registry_free(reg);
		return rc;
	}
	return 0;
}

void art_registry_free(art_registry *reg)
{
	free(reg->path);
	json_decref(reg->root);
	memset(reg, 0, sizeof *reg);
}

static json_t *find_agent(const art_registry *reg, const char *agent)
{
	size_t i;
	json_t *a;

	json_array_foreach(reg->agents, i, a)
		if (!strcmp(json_string_value(json_object_get(a, "agent")), agent))
			return a;
	return NULL;
}

static int check_profile(art_profile *p, const char *agent, art_err *e)
{
	const char *f = p->path;
	json_t *v = json_object_get(p->root, "agent");

	if (!json_is_string(v))
		return field_error(e, f, "agent",
				   v ? "expected the agent id string"
				     : "missing (the agent id)", v);
	p->agent = json_string_value(v);
	if (strcmp(p->agent, agent))
		return art_errf(e, ART_EXIT_INPUT,
				"%s: field \"agent\": \"%s\" does not match the registry entry \"%s\"",
				f, p->agent, agent);
	if (opt_string(f, p->root, "displayName", &p->display_name, p->agent, e) ||
	    opt_string(f, p->root, "role", &p->role, "", e) ||
	    opt_string(f, p->root, "prompt", &p->prompt, "", e))
		return e->status;
	p->allow = json_object_get(p->root, "scopeAllowlist");
	if (art_check_patterns(f, "scopeAllowlist", p->allow, 1, e))
		return e->status;
	v = json_object_get(p->root, "scopeDenylist");
	if (art_check_patterns(f, "scopeDenylist", v, 0, e))
		return e->status;
	if (!v)
		json_object_set_new(p->root, "scopeDenylist", json_array());
	p->deny = json_object_get(p->root, "scopeDenylist");
	v = json_object_get(p->root, "dod");
	if (art_check_dod(f, "dod", v, e))
		return e->status;
	if (!v)
		json_object_set_new(p->root, "dod", json_array());
	p->dod = json_object_get(p->root, "dod");
	return 0;
}

int art_profile_load(const art_repo *r, const art_registry *reg,
		     const char *agent, art_profile *p, art_err *e)
{
	json_t *entry = find_agent(reg, agent), *path;
	int rc;

	memset(p, 0, sizeof *p);
	if (!entry) {
		char names[256] = "";
		size_t i, n = 0;
		json_t *a;

		json_array_foreach(reg->agents, i, a) {
			int w = snprintf(names + n, sizeof names - n, "%s%s",
					 i ? ", " : "",
					 json_string_value(json_object_get(a, "agent")));
			if (w < 0 || (size_t)w >= sizeof names - n)
				break;
			n += (size_t)w;
		}
		return art_errf(e, ART_EXIT_INPUT,
				"unknown agent \"%s\": %s lists %s", agent,
				reg->path, n ? names : "no agents");
	}
	path = json_object_get(entry, "profile");
	p->path = path ? art_strdup(json_string_value(path))
		       : art_asprintf("agents/profiles/%s_agent.json", agent);
	if ((rc = load_object(r, p->path, &p->root, e)) != 0 ||
	    (rc = check_profile(p, agent, e)) != 0) {
		art_profile_free(p);
		return rc;
	}
	return 0;
}

void art_profile_free(art_profile *p)
{
	free(p->path);
	json_decref(p->root);
	memset(p, 0, sizeof *p);
}
