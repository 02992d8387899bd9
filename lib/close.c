/* close.c - ending a run; see close.h. */
#include "close.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "closecheck.h"
#include "dsse.h"
#include "events.h"
#include "fs.h"
#include "governor.h"
#include "jsonio.h"
#include "manifest.h"
#include "receipt.h"
#include "redact.h"
#include "report.h"
#include "runref.h"
#include "signkey.h"

extern char **environ;

/* Everything one close holds, freed in one place. */
struct closing {
	const art_repo *r;
	const art_run *run;
	const art_close_opts *o;
	art_err *e;
	art_events *ev;
	git_repository *wt;
	art_redactor *redact;
	art_signkey key;
	char *manifest_text;
	size_t manifest_len;
	json_t *manifest, *checks, *scope, *commits, *files, *pred;
	char *summary, *report, *receipt;
	size_t report_len, receipt_len;
	json_t *risks, *next;
	char state[16], head[GIT_OID_HEXSZ + 1], keyid[ART_KEYID_HEX];
	int lockfd, ok;
};

/* One close of a run at a time: a second one is a state conflict. */
static int lock_run(struct closing *c)
{
	char *dir, *path;
	int rc;

	if ((rc = art_repo_state_dir(c->r, &dir, c->e)) != 0)
		return rc;
	path = art_asprintf("%s/close-%s+%s.lock", dir, c->run->ticket,
			    c->run->agent);
	free(dir);
	c->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (c->lockfd < 0)
		rc = art_err_sys(c->e, ART_EXIT_LOCAL, "cannot lock %s", path);
	else if (flock(c->lockfd, LOCK_EX | LOCK_NB) < 0)
		rc = art_errf(c->e, ART_EXIT_STATE,
			      "run %s: another art-close of it is under way",
			      c->run->subject);
	free(path);
	return rc;
}

static int check_state(struct closing *c)
{
	long long started;
	int rc;

	if ((rc = art_run_state(c->ev, c->run->subject, c->state, &started, c->e)))
		return rc;
	if (!strcmp(c->state, "running") || !strcmp(c->state, "closing"))
		return 0;
	if (!*c->state)
		return art_errf(c->e, ART_EXIT_STATE,
				"run %s: no events in this repository's log: it was not started here",
				c->run->subject);
	if (!strcmp(c->state, "created"))
		return art_errf(c->e, ART_EXIT_STATE,
				"run %s is created but was never started: there is nothing to close",
				c->run->subject);
	return art_errf(c->e, ART_EXIT_STATE, "run %s is %s already; a run closes once",
			c->run->subject, c->state);
}

/* "art-close: what: PATH" on stderr, the agent's path redacted and
 * quoted as a JSON string, so that it cannot drive the terminal. */
static void warn_path(struct closing *c, const char *what, const char *path)
{
	char *red = art_redact(c->redact, path, strlen(path), NULL);
	json_t *v = art_json_bytes(red);
	char *quoted = json_dumps(v, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);

	art_warn("%s: %s", what, quoted ? quoted : "?");
	free(quoted);
	json_decref(v);
	free(red);
}

/*
 * The worktree must be there, on the run's branch, with everything
 * committed: the receipt speaks for the branch head, and work left
 * uncommitted would be in neither it nor the report.
 */
static int check_worktree(struct closing *c)
{
	const art_run *run = c->run;
	git_reference *head = NULL;
	git_status_list *st = NULL;
	git_status_options so;
	struct stat sb;
	size_t i, n, dirty = 0;
	char *want = art_asprintf("refs/heads/%s", run->branch);
	int rc = 0;

	if (lstat(run->worktree, &sb) < 0 || !S_ISDIR(sb.st_mode) ||
	    git_repository_open_ext(&c->wt, run->worktree,
				    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		rc = art_errf(c->e, ART_EXIT_STATE,
			      "run %s: its worktree %s is gone; art-close runs the definition of done there (restore it with: git worktree add %s %s)",
			      run->subject, run->worktree_rel, run->worktree_rel,
			      run->branch);
		goto out;
	}
	if (git_repository_head(&head, c->wt) < 0 ||
	    strcmp(git_reference_name(head), want)) {
		rc = art_errf(c->e, ART_EXIT_STATE,
			      "run %s: the worktree is not on its branch %s",
			      run->subject, run->branch);
		goto out;
	}
	git_oid_tostr(c->head, sizeof c->head, git_reference_target(head));
	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&st, c->wt, &so) < 0) {
		rc = art_err_git(c->e, ART_EXIT_LOCAL, "%s: cannot read its status",
				 run->worktree_rel);
		goto out;
	}
	n = git_status_list_entrycount(st);
	for (i = 0; i < n; i++) {
		const git_status_entry *s = git_status_byindex(st, i);
		const git_diff_delta *d = s->head_to_index ? s->head_to_index
							   : s->index_to_workdir;

		if (!d || art_is_run_path(d->new_file.path ? d->new_file.path
							     : d->old_file.path))
			continue;
		if (!dirty++)
			warn_path(c, "uncommitted", d->new_file.path ? d->new_file.path
							       : d->old_file.path);
	}
	if (dirty)
		rc = art_errf(c->e, ART_EXIT_STATE,
			      "run %s: %zu uncommitted change%s in %s: commit or discard them first (the receipt is for the branch head)",
			      run->subject, dirty, dirty == 1 ? "" : "s",
			      run->worktree_rel);
out:
	git_status_list_free(st);
	git_reference_free(head);
	free(want);
	return rc;
}

/* .agent/ is where the report and receipt go: a link there (to send
 * them elsewhere) is refused before the run moves; art_write_beneath
 * refuses one made later. */
static int check_agent_dir(struct closing *c)
{
	static const char *const files[] = { ".agent/REPORT.md",
					     ".agent/receipt.json" };
	char *path = art_join(c->run->worktree, ".agent");
	struct stat sb;
	size_t i;
	int rc = 0;

	if (lstat(path, &sb) == 0 && !S_ISDIR(sb.st_mode))
		rc = art_errf(c->e, ART_EXIT_INPUT,
			      "%s/.agent is not a directory (a link?): art-close writes the report there",
			      c->run->worktree_rel);
	/* a file there is replaced, a link too; a directory cannot be */
	for (i = 0; !rc && i < 2; i++) {
		free(path);
		path = art_join(c->run->worktree, files[i]);
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			rc = art_errf(c->e, ART_EXIT_INPUT,
				      "%s/%s is a directory: art-close writes a file there",
				      c->run->worktree_rel, files[i]);
	}
	free(path);
	return rc;
}

/* The checks ran on c->head: a branch that moved meanwhile (a DoD
 * command that committed) holds commits nothing checked. */
static int check_head_still(struct closing *c)
{
	git_reference *head = NULL;
	char now[GIT_OID_HEXSZ + 1] = "";
	int rc = 0;

	if (git_repository_head(&head, c->wt) == 0)
		git_oid_tostr(now, sizeof now, git_reference_target(head));
	git_reference_free(head);
	if (strcmp(now, c->head))
		rc = art_errf(c->e, ART_EXIT_STATE,
			      "run %s: the branch moved from %.12s to %.12s while the definition of done ran; the run stays closing, and art-close checks the new head",
			      c->run->subject, c->head, *now ? now : "nothing");
	return rc;
}

/* Paths are the agent's names: a secret in one is redacted too. */
static void redact_paths(struct closing *c, json_t *list)
{
	static const char *const keys[] = { "path", "from", "to", "target" };
	json_t *item;
	size_t i, k;

	json_array_foreach(list, i, item)
		for (k = 0; k < sizeof keys / sizeof *keys; k++) {
			const char *p = json_string_value(json_object_get(item, keys[k]));
			char *red;

			if (!p)
				continue;
			red = art_redact(c->redact, p, strlen(p), NULL);
			json_object_set_new(item, keys[k], art_json_bytes(red));
			free(red);
		}
}

static int state_event(struct closing *c, const char *type, json_t *data,
		       long long *seq)
{
	art_event_in in = { .type = type, .subject = c->run->subject,
			    .data = data, .expected_previous_seq = -1 };

	return art_event_append(c->ev, &in, seq, c->e);
}

static json_t *redacted_list(art_redactor *rd, const json_t *in)
{
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach(in, i, v) {
		const char *s = json_string_value(v);
		size_t n;
		char *red = art_redact(rd, s, strlen(s), &n);

		json_array_append_new(out, art_json_bytes(red));
		free(red);
	}
	return out;
}

static void sha256_hex(const void *data, size_t len, char out[65],
		       unsigned char raw[32])
{
	crypto_hash_sha256(raw, data, len);
	sodium_bin2hex(out, 65, raw, 32);
}

static int build_predicate(struct closing *c)
{
	const json_t *m = c->manifest;
	char now[32], mhex[65], loghash[65];
	unsigned char raw[32];
	long long logseq;
	int rc;

	if ((rc = art_events_head(c->ev, &logseq, loghash, c->e)) != 0)
		return rc;
	art_now(now);
	sha256_hex(c->manifest_text, c->manifest_len, mhex, raw);
	c->pred = json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:O, s:s, s:b,"
			    " s:{s:s}, s:O, s:O, s:O, s:O, s:{s:I, s:s}, s:{s:s}}",
			    "agent", c->run->agent,
			    "ticket", c->run->ticket,
			    "run", c->run->subject,
			    "branch", c->run->branch,
			    "base", json_object_get(m, "base"),
			    "head", c->head,
			    "startedAt", json_object_get(m, "createdAt") ?: json_null(),
			    "closedAt", now,
			    "ok", c->ok,
			    "manifest", "sha256", mhex,
			    "changedFiles", c->files,
			    "checks", c->checks,
			    "scope", c->scope,
			    "commits", c->commits,
			    "log", "seq", (json_int_t)logseq, "hash", loghash,
			    "generator", "art", ART_VERSION);
	if (!c->pred)
		abort();
	return 0;
}

/* REPORT.md and receipt.json in the worktree's .agent/, never through a
 * link the agent could have put there. */
static int write_run_files(struct closing *c)
{
	art_report_in in = { .pred = c->pred, .summary = c->summary,
			     .risks = c->risks, .next = c->next };
	unsigned char digest[32];
	char *dir;
	int rc = 0;

	c->report = art_report_render(&in, &c->report_len);
	crypto_hash_sha256(digest, (unsigned char *)c->report, c->report_len);
	c->receipt = art_receipt_sign(c->pred, digest, &c->key, &c->receipt_len);
	memcpy(c->keyid, c->key.keyid, sizeof c->keyid);
	art_signkey_free(&c->key); /* wiped: signed once, needed no more */
	/* an agent may have removed .agent/; a link there is refused below */
	dir = art_join(c->run->worktree, ".agent");
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		rc = art_err_sys(c->e, ART_EXIT_LOCAL, "cannot create %s", dir);
	free(dir);
	if (rc ||
	    (rc = art_write_beneath(c->run->worktree, ".agent", "REPORT.md",
				    c->report, c->report_len, 0644, c->e)) != 0 ||
	    (rc = art_write_beneath(c->run->worktree, ".agent", "receipt.json",
				    c->receipt, c->receipt_len, 0644, c->e)) != 0)
		return rc;
	return 0;
}

static int record(struct closing *c, long long *seq)
{
	art_runref_file files[3] = {
		{ "manifest.json", c->manifest_text, c->manifest_len },
		{ "REPORT.md", c->report, c->report_len },
		{ "receipt.json", c->receipt, c->receipt_len },
	};
	char *msg = art_asprintf("art: close run %s (%s)", c->run->subject,
				 c->ok ? "closed" : "failed");
	char rhex[65], ehex[65];
	unsigned char raw[32];
	json_t *data, *summary = json_array(), *chk;
	size_t i;
	int rc;

	rc = art_runref_write(c->r, c->run, files, 3, 0, msg, c->e);
	free(msg);
	if (rc) {
		json_decref(summary);
		return rc;
	}
	sha256_hex(c->report, c->report_len, rhex, raw);
	sha256_hex(c->receipt, c->receipt_len, ehex, raw);
	json_array_foreach(c->checks, i, chk)
		json_array_append_new(summary, json_pack("{s:O, s:O, s:O}",
							 "id", json_object_get(chk, "id"),
							 "ok", json_object_get(chk, "ok"),
							 "exit", json_object_get(chk, "exit")));
	data = json_pack("{s:s, s:b, s:s, s:s, s:o}", "head", c->head,
			 "ok", c->ok, "report", rhex, "receipt", ehex,
			 "checks", summary);
	rc = state_event(c, c->ok ? "art.run.closed" : "art.run.failed", data, seq);
	json_decref(data);
	return rc;
}

static json_t *result_of(struct closing *c, long long seq)
{
	json_t *checks = json_array(), *chk, *out;
	char *report = art_join(c->run->worktree, ".agent/REPORT.md");
	char *receipt = art_join(c->run->worktree, ".agent/receipt.json");
	size_t i;

	json_array_foreach(c->checks, i, chk)
		json_array_append_new(checks, json_pack("{s:O, s:O, s:O, s:O, s:O}",
							"id", json_object_get(chk, "id"),
							"title", json_object_get(chk, "title"),
							"ok", json_object_get(chk, "ok"),
							"exit", json_object_get(chk, "exit"),
							"duration_ms", json_object_get(chk, "duration_ms")));
	out = json_pack("{s:b, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:s, s:I}",
			"ok", c->ok, "agent", c->run->agent,
			"ticket", c->run->ticket, "head", c->head,
			"report", art_json_bytes(report),
			"receipt", art_json_bytes(receipt),
			"state", c->ok ? "closed" : "failed",
			"checks", checks, "keyid", c->keyid, "seq", (json_int_t)seq);
	free(report);
	free(receipt);
	return out;
}

static json_t *action_of(struct closing *c)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "action", "close",
			 "agent", c->run->agent, "ticket", c->run->ticket,
			 "branch", c->run->branch, "head", c->head,
			 "repository", art_json_bytes(c->r->main_workdir));
}

static int prepare(struct closing *c)
{
	const art_close_opts *o = c->o;
	json_t *action;
	int rc;

	if (!(c->redact = art_redactor_new(environ, c->e)))
		return c->e->status ? c->e->status : ART_EXIT_LOCAL;
	if ((rc = art_runref_read(c->r, c->run, "manifest.json", &c->manifest_text,
				  &c->manifest_len, c->e)) != 0 ||
	    (rc = art_manifest_parse(c->run->ref, c->manifest_text,
				     c->manifest_len, &c->manifest, c->e)) != 0 ||
	    (rc = art_events_open(c->r, &c->ev, c->e)) != 0 ||
	    (rc = lock_run(c)) != 0 || (rc = check_state(c)) != 0 ||
	    (rc = check_worktree(c)) != 0)
		return rc;
	action = action_of(c);
	rc = art_governors_check(c->r, c->ev, c->run->subject, action, c->e);
	json_decref(action);
	/* what signs comes before anything changes: a key that cannot be
	 * read must not leave the run closing */
	if (rc || (rc = check_agent_dir(c)) != 0 ||
	    (rc = art_signkey_load(&c->key, 1, c->e)) != 0)
		return rc;
	/* a DoD command runs as this user and can read the key file: its
	 * seed, in any of its forms, is a secret of this close */
	art_redactor_add(c->redact, (const char *)c->key.sk, crypto_sign_SEEDBYTES);
	if (o->summary) {
		c->summary = art_redact(c->redact, o->summary, strlen(o->summary), NULL);
	}
	c->risks = redacted_list(c->redact, o->risks);
	c->next = redacted_list(c->redact, o->next);
	return 0;
}

int art_close(const art_repo *r, const art_run *run, const art_close_opts *o,
	      json_t **result, art_err *e)
{
	struct closing c = { .r = r, .run = run, .o = o, .e = e, .lockfd = -1 };
	art_close_checks chk = { 0 };
	long long seq = 0;
	json_t *data;
	int rc;

	*result = NULL;
	if ((rc = prepare(&c)) != 0)
		goto out;
	/* a close that was interrupted left the run closing: take it up */
	if (!strcmp(c.state, "running")) {
		data = json_pack("{s:s}", "head", c.head);
		rc = state_event(&c, "art.run.closing", data, &seq);
		json_decref(data);
		if (rc)
			goto out;
	}
	chk.wt = c.wt;
	chk.worktree = run->worktree;
	chk.manifest = c.manifest;
	chk.base = json_string_value(json_object_get(c.manifest, "base"));
	chk.head = c.head;
	chk.timeout_s = o->timeout_s > 0 ? o->timeout_s : ART_DOD_TIMEOUT_DEFAULT;
	chk.redact = c.redact;
	chk.progress = isatty(STDERR_FILENO);
	c.checks = json_array();
	if ((rc = art_close_run_checks(&chk, c.checks, &c.scope, &c.commits,
				       &c.ok, e)) != 0 ||
	    (rc = check_head_still(&c)) != 0 ||
	    (rc = art_changed_files(c.wt, chk.base, c.head, &c.files, e)) != 0)
		goto out;
	redact_paths(&c, c.files);
	redact_paths(&c, json_object_get(c.scope, "violations"));
	redact_paths(&c, json_object_get(c.scope, "approved"));
	redact_paths(&c, json_object_get(c.scope, "skipped"));
	if ((rc = build_predicate(&c)) != 0 ||
	    (rc = write_run_files(&c)) != 0 || (rc = record(&c, &seq)) != 0)
		goto out;
	*result = result_of(&c, seq);
	if (!c.ok)
		rc = art_errf(e, ART_EXIT_VERDICT, "run %s failed its definition of done",
			      run->subject);
out:
	if (c.lockfd >= 0)
		close(c.lockfd);
	art_events_close(c.ev);
	git_repository_free(c.wt);
	art_redactor_free(c.redact);
	art_signkey_free(&c.key);
	json_decref(c.manifest);
	json_decref(c.checks);
	json_decref(c.scope);
	json_decref(c.commits);
	json_decref(c.files);
	json_decref(c.pred);
	json_decref(c.risks);
	json_decref(c.next);
	free(c.manifest_text);
	free(c.summary);
	free(c.report);
	free(c.receipt);
	return rc;
}
