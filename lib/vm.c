/* vm.c - a run's command in the cage; see vm.h. */
#define _GNU_SOURCE
#include "vm.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "fs.h"
#include "governor.h"
#include "jsonio.h"
#include "qemu.h"
#include "redact.h"
#include "vmview.h"

/* The command line as the log and the governors get it: redacted. */
static json_t *argv_json(char *const *argv)
{
	art_err ignored;
	art_redactor *rd = art_redactor_new(environ, &ignored);
	json_t *a = json_array();

	for (; *argv; argv++) {
		char *s = rd ? art_redact(rd, *argv, strlen(*argv), NULL) : art_strdup(*argv);

		json_array_append_new(a, art_json_bytes(s));
		free(s);
	}
	art_redactor_free(rd);
	return a;
}

static json_t *strings(char *const *v)
{
	json_t *a = json_array();

	for (; v && *v; v++)
		json_array_append_new(a, art_json_bytes(*v));
	return a;
}

/* The report, art_write_atomic'd: also when the cage could not be made. */
static int write_report(const art_vm_opts *o, json_t *rep, art_err *e)
{
	char *text;
	int rc;

	if (!o->report)
		return 0;
	text = json_dumps(rep, JSON_COMPACT | JSON_PRESERVE_ORDER);
	rc = art_write_atomic(o->report, text, strlen(text), 0644, 0, e);
	free(text);
	return rc;
}

/* The report's directory exists and may be written in. */
static int report_writable(const char *path, art_err *e)
{
	char *dir = art_strdup(path), *slash = strrchr(dir, '/');
	int rc = 0;

	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (access(slash ? dir : ".", W_OK) < 0)
		rc = art_err_sys(e, ART_EXIT_INPUT, "--report %s: cannot write there", path);
	free(dir);
	return rc;
}

static json_t *report_of(const art_cage_result *res, int status, int net,
			 const char *backend, const char *accel)
{
	json_t *rep = json_pack("{s:i, s:o, s:I, s:s, s:I, s:b, s:O, s:s, s:o, s:o, s:o}",
			 "exit", status,
			 "signal", res->signal ? json_integer(res->signal) : json_null(),
			 "duration_ms", (json_int_t)res->duration_ms,
			 "backend", backend,
			 "denied", (json_int_t)res->denied,
			 "timed_out", res->timed_out,
			 "denied_calls", res->denied_calls,
			 "net", net ? "loopback" : "none",
			 "landlock", res->landlock_abi ? json_integer(res->landlock_abi) : json_false(),
			 "pids_limit", res->pids_limit ? json_string(res->pids_limit) : json_null(),
			 "pids_limit_hit", !res->pids_limit ? json_false()
			 : strcmp(res->pids_limit, "cgroup") ? json_null()
			 : json_boolean(res->pids_limit_hit));

	if (accel)
		json_object_set_new(rep, "accel", json_string(accel));
	return rep;
}

/* What art-vm does while the cage builds its view: the run must be
 * running, the governors must agree, and the start is logged. */
struct vmctx {
	const art_repo *r;
	const art_run *run;
	const art_vm_opts *o;
	art_vm_view *v;
	art_events *ev;
	json_t *argv;
	const char *backend;  /* "cage" or "qemu" */
	art_qemu_opts q;      /* the microVM's, with the accelerator used */
	int started, ended;   /* art.vm.started logged; the end too */
	int status, rc;       /* art-vm's exit status; the end's logging */
	art_err end_err;
};

static int before_exec(void *p, art_err *e)
{
	struct vmctx *x = p;
	const art_run *run = x->run;
	art_event_in in = { .type = "art.vm.started", .subject = run->subject,
			    .expected_previous_seq = -1 };
	const char *net = x->o->net_loopback ? "loopback" : "none";
	json_t *action;
	char state[16];
	long long started, seq;
	int rc;

	if ((rc = art_events_open(x->r, &x->ev, e)) != 0 ||
	    (rc = art_events_sync_later(x->ev, 1, e)) != 0 ||
	    (rc = art_run_state(x->ev, run->subject, state, &started, e)) != 0)
		return rc;
	if (strcmp(state, "running") && strcmp(state, "closing"))
		return art_errf(e, ART_EXIT_STATE, "run %s is %s: art-vm runs commands of running runs",
				run->subject, *state ? state : "not started here");
	action = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:O, s:o, s:o, s:o, s:o, s:b, s:i, s:I}",
			   "action", "vm.run", "agent", run->agent,
			   "ticket", run->ticket, "worktree", x->v->workdir,
			   "backend", x->backend, "net", net,
			   "unix", x->o->allow_unix, "argv", x->argv,
			   "writable", strings(x->v->writable.v),
			   "gitdata", strings(x->v->gitdata.v),
			   "hidden", strings(x->v->hidden.v),
			   "env", strings((char *const *)x->o->env),
			   "keep_home", x->o->keep_home,
			   "timeout", x->o->timeout_s,
			   "max_procs", (json_int_t)x->o->max_procs);
	rc = art_governors_check(x->r, x->ev, run->subject, action, e);
	json_decref(action);
	if (rc)
		return rc;
	in.data = json_pack("{s:s, s:s, s:b, s:O, s:o, s:b, s:i, s:I}", "backend", x->backend,
			    "net", net, "unix", x->o->allow_unix, "argv", x->argv,
			    "env", strings((char *const *)x->o->env),
			    "keep_home", x->o->keep_home, "timeout", x->o->timeout_s,
			    "max_procs", (json_int_t)x->o->max_procs);
	rc = art_event_append(x->ev, &in, &seq, e);
	json_decref((json_t *)in.data);
	x->started = rc == 0;
	return rc;
}

/*
 * The command's end: logged, and the report written.  Called as soon as
 * the command has ended, while the kernel tears the cage down; or after
 * the cage failed (failed: its error).  The end of a run that started is
 * logged whatever happened; a failure to log it turns the status to 125,
 * unless the cage failed already (its error is the one said).
 */
static void log_end(struct vmctx *x, const art_cage_result *res,
		    const art_err *failed)
{
	art_event_in in = { .type = "art.vm.exited", .subject = x->run->subject,
			    .expected_previous_seq = -1 };
	art_err *e = &x->end_err, ignored;
	json_t *rep;
	long long seq;

	x->ended = 1;
	x->status = failed ? 125 : art_cage_status(res);
	rep = report_of(res, x->status, x->o->net_loopback, x->backend,
			!strcmp(x->backend, "qemu") ? x->q.accel : NULL);
	if (failed)
		json_object_set_new(rep, "error", json_string(failed->msg));
	in.data = rep;
	/* this append syncs the start too (events.h) */
	if (art_events_sync_later(x->ev, 0, failed ? &ignored : e) != 0 ||
	    art_event_append(x->ev, &in, &seq, failed ? &ignored : e) != 0 ||
	    write_report(x->o, rep, failed ? &ignored : e) != 0) {
		if (!failed) {
			x->rc = e->status;
			x->status = 125;
		}
	}
	json_decref(rep);
}

static void after_end(void *p, const art_cage_result *res)
{
	log_end(p, res, NULL);
}

int art_vm_run(const art_repo *r, const art_run *run, const art_vm_opts *o,
	       int *status, art_err *e)
{
	art_vm_view v = { .qlock = -1 };
	struct vmctx x = { .r = r, .run = run, .o = o, .v = &v, .backend = "cage" };
	art_cage c = { 0 };
	art_cage_result res = { 0 };
	json_t *rep;
	int rc;

	*status = 125;
	/* auto: the microVM where it is cheap (KVM works), else the cage */
	if (o->backend && (!strcmp(o->backend, "qemu") ||
			   (!strcmp(o->backend, "auto") && art_qemu_preferred())))
		x.backend = "qemu";
	/* a report that cannot be written is known before, not after, the
	 * command: its status would be lost */
	if (o->report && (rc = report_writable(o->report, e)) != 0)
		goto out;
	if ((rc = art_vm_view_build(&v, r, run, o, e)) != 0)
		goto out;
	x.argv = argv_json(o->argv);
	c.argv = o->argv;
	c.envp = v.env.v;
	c.workdir = v.workdir;
	c.visible = (const char *const *)v.visible.v;
	c.writable = (const char *const *)v.writable.v;
	c.gitdata = (const char *const *)v.gitdata.v;
	c.pinned = (const char *const *)v.pinned.v;
	c.hidden = (const char *const *)v.hidden.v;
	c.net_loopback = o->net_loopback;
	c.allow_unix = o->allow_unix;
	c.timeout_ms = o->timeout_s * 1000;
	c.max_procs = o->max_procs;
	c.before_exec = before_exec;
	c.after_end = after_end;
	c.ctx = &x;
	if (!strcmp(x.backend, "qemu")) {
		x.q = (art_qemu_opts){ .common = v.common, .memory_mb = o->memory_mb,
				       .cpus = o->cpus };
		rc = art_qemu_run(&c, &x.q, &res, e);
	} else {
		rc = art_cage_run(&c, &res, e);
	}
	if (x.started && !x.ended)
		log_end(&x, &res, rc ? e : NULL);
	/* the cage is gone: its objects join the store, odd files leave
	 * git's data */
	if (art_vm_view_release(&v, rc ? &(art_err){ 0 } : e) != 0 && !rc)
		rc = e->status;
	if (x.ended) {
		*status = x.status;
		if (!rc && x.rc) {
			rc = x.rc;
			*e = x.end_err;
		}
	}
out:
	/* refused before anything ran: nothing to log, but the report
	 * says why */
	if (rc && !x.ended && o->report) {
		rep = json_pack("{s:i, s:s, s:s}", "exit", 125, "backend", x.backend,
				"error", e->msg);
		write_report(o, rep, &(art_err){ 0 });
		json_decref(rep);
	}
	if (rc)
		*status = 125;
	json_decref(x.argv);
	art_cage_result_free(&res);
	art_events_close(x.ev);
	art_vm_view_free(&v);
	return rc;
}
