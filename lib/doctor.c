/*
 * doctor.c - art-doctor's checks of the libraries, git, art's own files
 * and Core, and their order; the kernel's are in doctorsys.c.  See
 * doctor.h.
 */
#define _GNU_SOURCE
#include "doctor.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <curl/curl.h>
#include <git2.h>
#include <keyutils.h>
#include <pcre2.h>
#include <seccomp.h>
#include <sodium.h>
#include <sqlite3.h>

#include "clientstate.h"
#include "core.h"
#include "doctorsys.h"
#include "fs.h"
#include "http.h"
#include "proc.h"
#include "registry.h"
#include "repo.h"
#include "signkey.h"
#include "store.h"
#include "timefmt.h"

/*
 * The oldest git art works with.  art-vm gives git in the cage the user's
 * configuration (and so the name and email its commits need) through
 * GIT_CONFIG_GLOBAL, which git reads since 2.32; an older git ignores it
 * and an agent's commit in the cage fails.
 */
#define GIT_MIN "2.32.0"

json_t *art_doctor_record(const char *check, int ok, int needed,
			  json_t *value, const char *fix)
{
	json_t *r = json_pack("{s:s, s:b, s:b, s:o}", "check", check, "ok", ok,
			      "needed", needed, "value", value ? value : json_null());

	if (fix)
		json_object_set_new(r, "fix", json_string(fix));
	return r;
}

/* A record for a check that does not apply here, saying why. */
static json_t *skipped(const char *check, const char *why)
{
	json_t *r = art_doctor_record(check, 1, 0, NULL, NULL);

	json_object_set_new(r, "skipped", json_string(why));
	return r;
}

/* The first three numbers of a version ("keyutils-1.6.3",
 * "2.39.5.windows.1", "10.42 2022-12-11"); those missing are 0. */
static void version_parts(const char *s, long out[3])
{
	char *end;
	int i;

	out[0] = out[1] = out[2] = 0;
	while (*s && !isdigit((unsigned char)*s))
		s++;
	for (i = 0; i < 3 && isdigit((unsigned char)*s); i++) {
		out[i] = strtol(s, &end, 10);
		if (*end != '.')
			break;
		s = end + 1;
	}
}

/* <0, 0 or >0 as version a is older than, as old as, newer than b. */
static int vercmp(const char *a, const char *b)
{
	long x[3], y[3];
	int i;

	version_parts(a, x);
	version_parts(b, y);
	for (i = 0; i < 3; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* --- the libraries --------------------------------------------------------- */

/*
 * One record per library art is linked with: the version that answered
 * and the one art was built against (NULL when the library's header says
 * none).  A library older than its headers was swapped under art: what
 * art was built to call may not be there.
 */
static json_t *library(const char *name, const char *version, const char *built)
{
	int ok = !built || vercmp(version, built) >= 0;
	json_t *v = json_pack("{s:s, s:s?}", "version", version, "built_with", built);
	char *fix = ok ? NULL
		    : art_asprintf("%s %s is older than the %s art was built with: install "
				   "%s %s or later, or rebuild art against this one",
				   name, version, built, name, built);
	json_t *r = art_doctor_record(name, ok, 1, v, fix);

	free(fix);
	return r;
}

static int libraries(art_doctor_emit_fn emit, void *ctx, json_t *failed)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	const struct scmp_version *sv = seccomp_version();
	char built[64], now[64], pcre[64] = "";
	json_t *recs[8], *curl;
	int maj, min, rev, rc = 0;
	size_t i, n = 0;

	git_libgit2_version(&maj, &min, &rev);
	snprintf(now, sizeof now, "%d.%d.%d", maj, min, rev);
	recs[n++] = library("libgit2", now, LIBGIT2_VERSION);
	recs[n++] = library("jansson", jansson_version_str(), JANSSON_VERSION);
	curl = library("libcurl", cv->version, LIBCURL_VERSION);
	/* TLS is what an https Core needs of it */
	json_object_set_new(json_object_get(curl, "value"), "tls",
			    cv->ssl_version ? json_string(cv->ssl_version) : json_null());
	recs[n++] = curl;
	recs[n++] = library("libsodium", sodium_version_string(), SODIUM_VERSION_STRING);
	snprintf(now, sizeof now, "%u.%u.%u", sv->major, sv->minor, sv->micro);
	snprintf(built, sizeof built, "%d.%d.%d", SCMP_VER_MAJOR, SCMP_VER_MINOR,
		 SCMP_VER_MICRO);
	recs[n++] = library("libseccomp", now, built);
	recs[n++] = library("sqlite", sqlite3_libversion(), SQLITE_VERSION);
	pcre2_config(PCRE2_CONFIG_VERSION, pcre);
	snprintf(built, sizeof built, "%d.%d", PCRE2_MAJOR, PCRE2_MINOR);
	recs[n++] = library("pcre2", pcre, built);
	recs[n++] = library("keyutils", keyutils_version_string, NULL);
	for (i = 0; i < n; i++) {
		if (!json_is_true(json_object_get(recs[i], "ok")))
			json_array_append(failed, json_object_get(recs[i], "check"));
		if (!rc)
			rc = emit(ctx, recs[i]);
		json_decref(recs[i]);
	}
	return rc;
}

/* --- git -------------------------------------------------------------------- */

static json_t *git_check(void)
{
	char *path = art_doctor_which("git"), *argv[] = { path, "--version", NULL };
	art_spawn s = { .argv = argv, .keep = 256, .timeout_ms = 10000 };
	art_spawn_result res = { 0 };
	art_err e = { 0 };
	const char *ver;
	json_t *v, *r;
	char *fix = NULL;
	int ok = 0;

	if (!path)
		return art_doctor_record("git", 0, 1,
					 json_pack("{s:n, s:n, s:s}", "path", "version",
						   "minimum", GIT_MIN),
					 "install git " GIT_MIN " or later in PATH: art-vm moves a "
					 "run's objects with git pack-objects and index-pack");
	v = json_pack("{s:s, s:n, s:s}", "path", path, "version", "minimum", GIT_MIN);
	if (art_spawn_run(&s, &res, &e) != 0) {
		fix = art_asprintf("%s does not run: %s", path, e.msg);
	} else if (!res.exited || res.status != 0 ||
		   strncmp(res.out, "git version ", 12) != 0) {
		fix = art_asprintf("%s --version did not answer as git does: reinstall git", path);
	} else {
		ver = res.out + 12;
		json_object_set_new(v, "version", json_stringn(ver, strcspn(ver, " \n")));
		ok = vercmp(ver, GIT_MIN) >= 0;
		if (!ok)
			fix = art_strdup("upgrade git to " GIT_MIN " or later: art-vm gives git in "
					 "the cage the user's configuration with GIT_CONFIG_GLOBAL, "
					 "which older git ignores, and the agent's commits fail");
	}
	r = art_doctor_record("git", ok, 1, v, fix);
	art_spawn_result_free(&res);
	free(fix);
	free(path);
	return r;
}

/* --- the secret store and the signing key ---------------------------------- */

/* Which backend opens here; nothing is read from it. */
static json_t *store_check(void)
{
	art_store *s = NULL;
	art_err e = { 0 };
	json_t *v, *r;
	char *fix;

	if (art_store_open(NULL, &s, &e) == 0) {
		v = json_pack("{s:s}", "backend", art_store_backend(s));
		art_store_close(s);
		return art_doctor_record("store", 1, 0, v, NULL);
	}
	v = json_pack("{s:s}", "error", e.msg);
	fix = art_asprintf("no secret store works here (%s): on a headless host, "
			   "ART_STORE=file with a 0600 key file named by ART_STORE_KEY_FILE "
			   "or a systemd credential art-store-key (art-auth(1), SECRET STORES); "
			   "only Core's credentials need it", e.msg);
	r = art_doctor_record("store", 0, 0, v, fix);
	free(fix);
	return r;
}

/* The key's file, looked at and never opened: made on first use by
 * art-close, refused by it when others may read or replace it. */
static json_t *signkey_check(void)
{
	struct stat st;
	art_err e = { 0 };
	char *path = NULL, *fix = NULL;
	json_t *v, *r;
	int ok = 1;

	if (art_signkey_path(&path, &e) != 0)
		return art_doctor_record("signing_key", 0, 1, json_pack("{s:s}", "error", e.msg),
					 "set HOME or XDG_CONFIG_HOME: the signing key lives below it");
	v = json_pack("{s:s}", "path", path);
	if (lstat(path, &st) < 0) {
		json_object_set_new(v, "exists", json_false());
		if (errno == ENOENT) {
			json_object_set_new(v, "note", json_string("made on first use by art-close"));
		} else {
			ok = 0;
			json_object_set_new(v, "error", json_string(strerror(errno)));
			fix = art_asprintf("%s cannot be looked at: make its directory the user's, 0700",
					   path);
		}
	} else {
		json_object_set_new(v, "exists", json_true());
		json_object_set_new(v, "mode", json_sprintf("%04o", (unsigned)(st.st_mode & 07777)));
		ok = 0;
		if (S_ISLNK(st.st_mode))
			fix = art_asprintf("%s is a symbolic link, which art refuses: put the key "
					   "file itself there", path);
		else if (!S_ISREG(st.st_mode))
			fix = art_asprintf("%s is not a regular file: remove it, art-close makes "
					   "a new key", path);
		else if (st.st_uid != geteuid())
			fix = art_asprintf("%s belongs to uid %u: it must be yours (chown it, or "
					   "remove it and let art-close make a new key)",
					   path, (unsigned)st.st_uid);
		else if (st.st_mode & 077)
			fix = art_asprintf("others may read or change %s: chmod 600 it, and consider "
					   "the key exposed (remove it to make a new one)", path);
		else
			ok = 1;
	}
	r = art_doctor_record("signing_key", ok, 1, v, fix);
	free(fix);
	free(path);
	return r;
}

/* --- the registry ------------------------------------------------------------ */

/* The error names the file and the field; the fix repeats them. */
static json_t *registry_invalid(json_t *v, const art_err *e)
{
	char *fix = art_asprintf("%s: correct it (art-registry(5)) and commit it", e->msg);
	json_t *r;

	json_object_set_new(v, "error", json_string(e->msg));
	r = art_doctor_record("registry", 0, 1, v, fix);
	free(fix);
	return r;
}

/* The registry of the repository, and every profile it lists, validated
 * as art-start reads them. */
static json_t *registry_check(const art_repo *r, const art_err *why)
{
	art_registry reg;
	art_profile p;
	art_err e = { 0 };
	struct stat st;
	char *path = NULL, *full;
	json_t *v, *a;
	size_t i;
	int gone;

	if (!r)
		return why->status == ART_EXIT_INPUT
			? skipped("registry", why->msg)
			: art_doctor_record("registry", 0, 1, json_pack("{s:s}", "error", why->msg),
					    "art cannot open this repository: fix what the error says");
	if (art_registry_path(r, &path, &e) != 0)
		return registry_invalid(json_object(), &e);
	v = json_pack("{s:s}", "path", path);
	full = art_join(r->main_workdir, path);
	gone = lstat(full, &st) < 0 && errno == ENOENT;
	free(full);
	if (gone) {
		free(path);
		return art_doctor_record("registry", 0, 0, v,
					 "no registry: run art init, then commit agents/ (art-init(1))");
	}
	free(path);
	if (art_registry_load(r, &reg, &e) != 0)
		return registry_invalid(v, &e);
	json_array_foreach(reg.agents, i, a) {
		if (art_profile_load(r, &reg, json_string_value(json_object_get(a, "agent")),
				     &p, &e) != 0) {
			art_registry_free(&reg);
			return registry_invalid(v, &e);
		}
		art_profile_free(&p);
	}
	json_object_set_new(v, "agents", json_integer((json_int_t)json_array_size(reg.agents)));
	art_registry_free(&reg);
	return art_doctor_record("registry", 1, 1, v, NULL);
}

/* --- Core ------------------------------------------------------------------ */

/* Where the Core URL comes from, as core.c finds it; NULL: nowhere. */
static const char *core_source(const char *flag, const art_repo *r, char **url)
{
	const char *env = getenv("ART_CORE_URL");
	git_config *cfg = NULL;
	git_buf buf = { 0 };

	*url = NULL;
	if (flag) {
		*url = art_strdup(flag);
		return "--core";
	}
	if (env && *env) {
		*url = art_strdup(env);
		return "ART_CORE_URL";
	}
	if (r) {
		*url = art_repo_config(r, "art.core");
	} else if (git_config_open_default(&cfg) == 0 &&
		   git_config_get_string_buf(&buf, cfg, "art.core") == 0) {
		*url = art_strdup(buf.ptr);
	}
	git_buf_dispose(&buf);
	git_config_free(cfg);
	if (*url && **url)
		return "git config art.core";
	free(*url);
	*url = NULL;
	return NULL;
}

/* How art authenticates there, from the client state alone: never the
 * store, where the secrets are. */
static json_t *auth_info(art_core *c, int *usable, art_err *e)
{
	art_client_info info;
	char exp[32];
	int found, expired;
	json_t *a;

	*usable = 0;
	if (art_client_info_get(art_core_state(c), &info, &found, e) != 0 || !found)
		return json_null();
	art_rfc3339_ms(info.expires_ms, exp);
	expired = art_wall_ms() >= info.expires_ms;
	/* a client token is minted again with the stored secret; a
	 * person's is not */
	*usable = !strcmp(info.mode, "client") || !expired;
	a = json_pack("{s:s, s:s, s:s, s:b, s:s}", "mode", info.mode, "token_id",
		      info.token_id, "expires_at", exp, "expired", expired, "store",
		      info.store);
	if (info.client_id[0])
		json_object_set_new(a, "client_id", json_string(info.client_id));
	if (info.username[0])
		json_object_set_new(a, "username", json_string(info.username));
	return a;
}

/* One anonymous GET of the base URL: any HTTP answer is "reachable". */
static int reach(const char *url, long *status, art_err *e)
{
	art_http *h = NULL;
	art_http_req rq = { .method = "GET", .url = url };
	art_http_resp rs = { 0 };
	int rc;

	if ((rc = art_http_new(0, &h, e)) != 0)
		return rc;
	if ((rc = art_http_do(h, &rq, &rs, e)) == 0)
		*status = rs.status;
	art_http_resp_free(&rs);
	art_http_free(h);
	return rc;
}

static json_t *core_check(const char *flag, const art_repo *r)
{
	const char *from;
	char *url, *fix = NULL;
	art_core *c = NULL;
	art_err e = { 0 }, ae = { 0 };
	json_t *v, *auth, *rec;
	long status = 0;
	int usable = 0, reachable;

	if (!(from = core_source(flag, r, &url)))
		return skipped("core", "no Core configured (--core, ART_CORE_URL, git config art.core)");
	v = json_pack("{s:s, s:s}", "url", url, "from", from);
	free(url);
	if (art_core_open(flag, 0, &c, &e) != 0) {
		json_object_set_new(v, "error", json_string(e.msg));
		fix = art_asprintf("%s: give an https:// URL (http:// only for a loopback "
				   "address), without credentials, query or fragment", from);
		rec = art_doctor_record("core", 0, 0, v, fix);
		free(fix);
		return rec;
	}
	reachable = reach(art_core_url(c), &status, &e) == 0;
	auth = auth_info(c, &usable, &ae);
	json_object_set_new(v, "reachable", json_boolean(reachable));
	if (reachable)
		json_object_set_new(v, "http_status", json_integer(status));
	else
		json_object_set_new(v, "error", json_string(e.msg));
	json_object_set_new(v, "auth", auth);
	if (!reachable)
		fix = art_asprintf("Core did not answer at %s: check the URL, the network, the "
				   "proxy variables and ART_CORE_CA", art_core_url(c));
	else if (ae.status)
		fix = art_asprintf("the client state cannot be read: %s", ae.msg);
	else if (json_is_null(auth))
		fix = art_asprintf("not logged in to %s: art auth client --client-id ID "
				   "--secret-file F (a machine) or art auth login (a person)",
				   art_core_url(c));
	else if (!usable)
		fix = art_strdup("the token has expired, and a person's is not renewed: "
				 "art auth login again");
	rec = art_doctor_record("core", fix == NULL, 0, v, fix);
	free(fix);
	art_core_close(c);
	return rec;
}

/* --- all of them ----------------------------------------------------------- */

int art_doctor_run(const art_doctor_opts *o, art_doctor_emit_fn emit,
		   void *ctx, int *failed)
{
	json_t *names = json_array(), *rec, *sum;
	art_repo repo;
	art_err why = { 0 };
	int in_repo, rc, i;

	in_repo = art_repo_open(&repo, NULL, &why) == 0;
	rc = libraries(emit, ctx, names);
	for (i = 0; !rc; i++) {
		switch (i) {
		case 0: rec = git_check(); break;
		case 1: rec = art_doctor_userns(); break;
		case 2: rec = art_doctor_seccomp(); break;
		case 3: rec = art_doctor_landlock(); break;
		case 4: rec = art_doctor_kvm(); break;
		case 5: rec = art_doctor_qemu(); break;
		case 6: rec = store_check(); break;
		case 7: rec = signkey_check(); break;
		case 8: rec = registry_check(in_repo ? &repo : NULL, &why); break;
		case 9: rec = core_check(o->core_url, in_repo ? &repo : NULL); break;
		default: rec = NULL; break;
		}
		if (!rec)
			break;
		if (!json_is_true(json_object_get(rec, "ok")) &&
		    json_is_true(json_object_get(rec, "needed")))
			json_array_append(names, json_object_get(rec, "check"));
		rc = emit(ctx, rec);
		json_decref(rec);
	}
	*failed = (int)json_array_size(names);
	if (!rc) {
		sum = json_pack("{s:s, s:b, s:O}", "check", "summary", "ok", *failed == 0,
				"failed", names);
		rc = emit(ctx, sum);
		json_decref(sum);
	}
	json_decref(names);
	if (in_repo)
		art_repo_close(&repo);
	return rc;
}
