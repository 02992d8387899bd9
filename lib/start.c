/*
 * start.c - opening a run; see start.h.
 *
 * Order matters: everything that can be refused for bad input is checked
 * before the first write; the writes happen under one repository lock
 * (taken first of all for --resume, which must not see a half-made run) in
 * the order info/exclude (idempotent, never undone), parent directories,
 * branch, worktree, manifest, run record, event; any failure undoes all
 * but the exclude lines, so a refusal leaves no run behind.
 */
#define _GNU_SOURCE
#include "start.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "checkout.h"
#include "events.h"
#include "exclude.h"
#include "fs.h"
#include "governor.h"
#include "jsonio.h"
#include "manifest.h"
#include "registry.h"
#include "run.h"
#include "runref.h"
#include "startcheck.h"

/* What has been created so far, for the undo. */
struct undo {
	int root_dir, ticket_dir, branch, worktree, ref;
};

static int resolve_base(const art_repo *r, const char *base,
			git_commit **out, art_err *e)
{
	git_object *obj = NULL;
	int rc;

	if (!base) {
		rc = git_repository_head_unborn(r->here);
		if (rc == 1)
			return art_errf(e, ART_EXIT_INPUT,
					"HEAD has no commit yet (unborn branch); commit something first or pass --base");
		base = "HEAD";
	}
	rc = git_revparse_single(&obj, r->here, base);
	if (rc == 0) {
		git_object *peeled = NULL;

		/* resolved where the user stands, used in the main repository,
		 * which owns the refs and worktrees */
		rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
		if (rc == 0)
			rc = git_commit_lookup(out, r->main, git_object_id(peeled));
		git_object_free(peeled);
		git_object_free(obj);
	}
	if (rc < 0)
		return art_errf(e, ART_EXIT_INPUT,
				"base \"%s\" does not resolve to a commit", base);
	return 0;
}

static char *default_by(const art_repo *r)
{
	char *name = art_repo_config(r, "user.name");
	const char *u;

	if (name && *name)
		return name;
	free(name);
	u = getenv("USER");
	if (!u || !*u)
		u = getenv("LOGNAME");
	return art_strdup(u && *u ? u : "unknown");
}

static int lock_repo(const art_repo *r, int *fd, art_err *e)
{
	char *dir, *path;
	int rc;

	if ((rc = art_repo_state_dir(r, &dir, e)) != 0)
		return rc;
	path = art_join(dir, "start.lock");
	free(dir);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0 || flock(*fd, LOCK_EX) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot lock %s", path);
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
	free(path);
	return rc;
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static char *parent_dir(const char *path)
{
	char *p = art_strdup(path), *slash = strrchr(p, '/');

	if (slash && slash != p)
		*slash = '\0';
	return p;
}

static void undo(const art_repo *r, const art_run *run, const struct undo *u)
{
	char *ticket_dir = parent_dir(run->worktree);
	char *root_dir = parent_dir(ticket_dir);

	if (u->ref) {
		git_reference *ref;

		if (git_reference_lookup(&ref, r->main, run->ref) == 0) {
			git_reference_delete(ref);
			git_reference_free(ref);
		}
	}
	if (u->worktree) {
		art_rm_rf(run->worktree);
		art_rm_rf(run->wt_gitdir);
	}
	if (u->branch) {
		git_reference *b;

		if (git_branch_lookup(&b, r->main, run->branch,
				      GIT_BRANCH_LOCAL) == 0) {
			git_branch_delete(b);
			git_reference_free(b);
		}
	}
	if (u->ticket_dir)
		rmdir(ticket_dir);
	if (u->root_dir)
		rmdir(root_dir);
	free(ticket_dir);
	free(root_dir);
}

/*
 * A worktree root inside the checkout is created and entered component by
 * component; a symlink there (committed, say) would put the agent's only
 * writable place anywhere.  An absolute art.worktreeRoot is the user's own
 * choice and is taken as it is.
 */
static int check_no_symlink(const art_repo *r, const art_run *run, art_err *e)
{
	char *rel, *p;
	int rc = 0;

	if (run->worktree_rel[0] == '/')
		return 0;
	rel = art_strdup(run->worktree_rel);
	for (p = rel; !rc && (p = strchr(p, '/')) != NULL; p++) {
		char *path;
		struct stat st;

		*p = '\0';
		path = art_join(r->main_workdir, rel);
		if (lstat(path, &st) == 0 && !S_ISDIR(st.st_mode))
			rc = art_errf(e, ART_EXIT_INPUT,
				      "%s is %s; art puts a worktree only in a real directory of the checkout",
				      rel, S_ISLNK(st.st_mode) ? "a symbolic link"
							       : "not a directory");
		free(path);
		*p = '/';
	}
	free(rel);
	return rc;
}

/* Under the lock: is the run's room still free? */
static int check_free(const art_repo *r, art_events *ev, const art_run *run,
		      art_err *e)
{
	git_reference *b = NULL;
	char state[16];
	int rc;

	rc = art_runref_exists(r, run);
	if (rc < 0)
		return art_err_git(e, ART_EXIT_LOCAL, "run record %s", run->ref);
	if (rc == 1)
		return art_errf(e, ART_EXIT_STATE,
				"run %s already exists (%s); use --resume to print it",
				run->subject, run->ref);
	rc = git_branch_lookup(&b, r->main, run->branch, GIT_BRANCH_LOCAL);
	git_reference_free(b);
	if (rc == 0)
		return art_errf(e, ART_EXIT_STATE,
				"branch %s already exists; not reusing it",
				run->branch);
	if ((rc = check_no_symlink(r, run, e)) != 0)
		return rc;
	if (exists(run->worktree))
		return art_errf(e, ART_EXIT_STATE,
				"%s already exists; not reusing it",
				run->worktree_rel);
	if (exists(run->wt_gitdir))
		return art_errf(e, ART_EXIT_STATE,
				"git already has a worktree named %s (see git worktree list)",
				run->wt_name);
	if ((rc = art_run_state(ev, run->subject, state, NULL, e)) != 0)
		return rc;
	if (state[0])
		return art_errf(e, ART_EXIT_STATE,
				"run %s is already in the event log (%s); a ticket and agent pair is one run",
				run->subject, state);
	return 0;
}

static int make_parents(const art_run *run, struct undo *u, art_err *e)
{
	char *ticket_dir = parent_dir(run->worktree);
	char *root_dir = parent_dir(ticket_dir);
	int rc = 0;

	if (!exists(root_dir)) {
		if (mkdir(root_dir, 0755) < 0)
			rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot create %s", root_dir);
		else
			u->root_dir = 1;
	}
	if (!rc && !exists(ticket_dir)) {
		if (mkdir(ticket_dir, 0755) < 0)
			rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot create %s",
					 ticket_dir);
		else
			u->ticket_dir = 1;
	}
	free(ticket_dir);
	free(root_dir);
	return rc;
}

static int add_worktree(const art_repo *r, const art_run *run,
			const git_commit *base, struct undo *u, art_err *e)
{
	git_reference *branch = NULL;
	int rc;

	rc = git_branch_create(&branch, r->main, run->branch, base, 0);
	if (rc == GIT_EEXISTS)
		return art_errf(e, ART_EXIT_STATE, "branch %s already exists",
				run->branch);
	if (rc < 0)
		return art_err_git(e, ART_EXIT_LOCAL, "cannot create branch %s",
				   run->branch);
	u->branch = 1;
	u->worktree = 1; /* both paths were checked free under the lock */
	rc = art_worktree_create(r, run->wt_name, run->worktree, branch, base, e);
	git_reference_free(branch);
	return rc;
}

static int write_manifest(const art_run *run, const char *text, art_err *e)
{
	char *dir = art_join(run->worktree, ".agent");
	int rc = 0;

	if (mkdir(dir, 0755) < 0)
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot create %s", dir);
	else
		rc = art_write_atomic(run->manifest_path, text, strlen(text),
				      0644, 1, e);
	free(dir);
	return rc;
}

static json_t *result_of(json_t *manifest, const art_run *run, long long seq)
{
	json_t *res = json_deep_copy(manifest);

	json_object_set_new(res, "worktree", art_json_bytes(run->worktree));
	json_object_set_new(res, "seq", json_integer(seq));
	return res;
}

/* --resume of a run that exists: its manifest, worktree and start seq. */
static int existing(const art_repo *r, const art_run *run, json_t **result,
		    art_err *e)
{
	art_events *ev = NULL;
	json_t *m = NULL;
	char state[16], *buf;
	long long seq = 0;
	size_t len;
	int rc;

	/* the record, never the worktree copy the agent could have edited */
	if ((rc = art_runref_read(r, run, "manifest.json", &buf, &len, e)) != 0)
		return rc;
	rc = art_manifest_parse(run->ref, buf, len, &m, e);
	free(buf);
	if (rc)
		return rc;
	if ((rc = art_events_open(r, &ev, e)) == 0)
		rc = art_run_state(ev, run->subject, state, &seq, e);
	art_events_close(ev);
	if (rc == 0)
		*result = result_of(m, run, seq);
	json_decref(m);
	return rc;
}

static json_t *action_of(const art_run *run, const char *base,
			 const char *by, const art_repo *r)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s}",
			 "action", "start", "agent", run->agent,
			 "ticket", run->ticket, "base", base, "by", by,
			 "repository", art_json_bytes(r->main_workdir),
			 "branch", run->branch);
}

static int create(const art_repo *r, art_events *ev, const art_run *run,
		  const git_commit *base, json_t *manifest, const char *by,
		  long long *seq, art_err *e)
{
	struct undo u = { 0 };
	const char *lines[2];
	size_t nlines = art_exclude_lines(r, lines);
	char *text = json_dumps(manifest, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *msg = art_asprintf("art: start run %s", run->subject);
	char base_hex[GIT_OID_HEXSZ + 1];
	art_event_in in = { .type = "art.run.started", .subject = run->subject,
			    .expected_previous_seq = -1 };
	art_runref_file f;
	size_t tlen;
	int rc;

	text = realloc(text, (tlen = strlen(text)) + 2);
	if (!text)
		abort();
	memcpy(text + tlen, "\n", 2);
	f = (art_runref_file){ "manifest.json", text, tlen + 1 };
	git_oid_tostr(base_hex, sizeof base_hex, git_commit_id(base));
	in.data = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "agent", run->agent,
			    "ticket", run->ticket, "branch", run->branch,
			    "base", base_hex,
			    "worktree", art_json_bytes(run->worktree_rel),
			    "by", by);
	if (tlen + 1 > ART_CONFIG_MAX) { /* no command could read it */
		rc = art_errf(e, ART_EXIT_INPUT,
			      "the manifest of run %s would be %zu bytes, over the %u-byte limit: shorten the lists of the registry and the profile",
			      run->subject, tlen + 1, ART_CONFIG_MAX);
		goto out;
	}
	if ((rc = check_free(r, ev, run, e)) != 0 ||
	    (rc = art_exclude_ensure(r, lines, nlines, NULL, e)) != 0 ||
	    (rc = make_parents(run, &u, e)) != 0 ||
	    (rc = add_worktree(r, run, base, &u, e)) != 0 ||
	    (rc = write_manifest(run, text, e)) != 0)
		goto out;
	rc = art_runref_write(r, run, &f, 1, 1, msg, e);
	if (rc)
		goto out;
	u.ref = 1;
	rc = art_event_append(ev, &in, seq, e);
out:
	if (rc)
		undo(r, run, &u);
	json_decref(in.data);
	free(text);
	free(msg);
	return rc;
}

/*
 * create() with the usual termination signals held back: an interrupted
 * start would leave a branch and half a worktree that block the run for
 * good.  A signal that arrives meanwhile acts once the start is complete
 * or undone.  (SIGKILL cannot be held back; nothing can undo after it.)
 */
static int create_atomically(const art_repo *r, art_events *ev,
			     const art_run *run, const git_commit *base,
			     json_t *manifest, const char *by, long long *seq,
			     art_err *e)
{
	sigset_t block, old;
	int rc;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &old);
	rc = create(r, ev, run, base, manifest, by, seq, e);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int art_start(const art_repo *r, const art_start_opts *o, json_t **result,
	      art_err *e)
{
	art_registry reg = { 0 };
	art_profile prof = { 0 };
	art_events *ev = NULL;
	git_commit *base = NULL;
	json_t *manifest = NULL, *reasons = NULL, *action = NULL;
	char here_agent[65], here_ticket[129], base_hex[GIT_OID_HEXSZ + 1];
	char *by = NULL;
	art_run run;
	long long seq = 0;
	int rc, lockfd = -1;

	*result = NULL;
	if ((rc = art_run_init(&run, r, o->agent, o->ticket, e)) != 0)
		return rc;
	if (art_here_is_agent_worktree(r, here_agent, here_ticket)) {
		if (o->resume && !strcmp(here_agent, run.agent) &&
		    !strcmp(here_ticket, run.ticket)) {
			rc = existing(r, &run, result, e);
			goto out;
		}
		rc = art_errf(e, ART_EXIT_DENIED,
			      "this is the worktree of run %s/%s: an agent does not open runs; run art-start from the main checkout",
			      here_ticket, here_agent);
		goto out;
	}
	/* a resume must not see a run another start is still making */
	if (o->resume && (rc = lock_repo(r, &lockfd, e)) != 0)
		goto out;
	/* an existing run is its own record: the registry may have moved on */
	if (art_runref_exists(r, &run) == 1) {
		if (o->resume)
			rc = existing(r, &run, result, e);
		else
			rc = art_errf(e, ART_EXIT_STATE,
				      "run %s already exists (%s); use --resume to print it",
				      run.subject, run.ref);
		goto out;
	}
	if ((rc = art_registry_load(r, &reg, e)) != 0 ||
	    (rc = art_profile_load(r, &reg, run.agent, &prof, e)) != 0 ||
	    (rc = resolve_base(r, o->base, &base, e)) != 0)
		goto out;
	git_oid_tostr(base_hex, sizeof base_hex, git_commit_id(base));
	by = o->by ? art_strdup(o->by) : default_by(r);
	if (!(manifest = art_manifest_build(&run, &reg, &prof, base_hex, by, e))) {
		rc = e->status;
		goto out;
	}
	reasons = json_array();
	if ((rc = art_start_checks(r->main, base, prof.allow, reasons, e)) != 0)
		goto out;
	if (json_array_size(reasons)) {
		*result = json_pack("{s:b, s:s, s:s, s:O}", "ok", 0,
				    "agent", run.agent, "ticket", run.ticket,
				    "reasons", reasons);
		rc = art_errf(e, ART_EXIT_VERDICT,
			      "run %s not started: the start checks failed",
			      run.subject);
		goto out;
	}
	if ((rc = art_events_open(r, &ev, e)) != 0)
		goto out;
	action = action_of(&run, base_hex, by, r);
	if ((rc = art_governors_check(r, ev, run.subject, action, e)) != 0 ||
	    (lockfd < 0 && (rc = lock_repo(r, &lockfd, e)) != 0))
		goto out;
	rc = create_atomically(r, ev, &run, base, manifest, by, &seq, e);
	if (rc == 0)
		*result = result_of(manifest, &run, seq);
out:
	if (lockfd >= 0)
		close(lockfd); /* releases the lock */
	art_events_close(ev);
	json_decref(action);
	json_decref(reasons);
	json_decref(manifest);
	git_commit_free(base);
	art_profile_free(&prof);
	art_registry_free(&reg);
	art_run_free(&run);
	free(by);
	return rc;
}
