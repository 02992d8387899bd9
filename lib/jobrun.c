/* jobrun.c - a claimed job's command, its heartbeats and its end; see
 * jobrun.h. */
#define _GNU_SOURCE /* pipe2, execvpe */
#include "jobrun.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>

#include "backoff.h"
#include "clientstate.h"
#include "fs.h"
#include "proc.h"
#include "timefmt.h"

/* How often the loop looks at the command when nothing else happens. */
#define TICK_MS 100

/* What points at art's secret store is not the command's business. */
static int withheld(const char *kv)
{
	static const char *const names[] = {
		"ART_STORE=", "ART_STORE_KEY_FILE=", "CREDENTIALS_DIRECTORY=",
	};

	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strncmp(kv, names[i], strlen(names[i])) == 0)
			return 1;
	return 0;
}

/* environ plus the job's two variables (replacing any inherited ones). */
static char **job_env(const art_lease *l)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = art_xmalloc((n + 3) * sizeof *env);
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "ART_JOB_ID=", 11) != 0 &&
		    strncmp(environ[i], "ART_LEASE_ID=", 13) != 0 &&
		    !withheld(environ[i]))
			env[k++] = environ[i];
	env[k++] = art_asprintf("ART_JOB_ID=%s", l->job_id);
	env[k++] = art_asprintf("ART_LEASE_ID=%s", l->lease_id);
	env[k] = NULL;
	return env;
}

static void event(const art_jobrun_opts *o, const char *type, json_t *data)
{
	art_event_in in = { .type = type, .subject = o->subject, .data = data,
			    .expected_previous_seq = -1 };
	art_err e = { 0 };
	long long seq;

	if (o->ev && art_event_append(o->ev, &in, &seq, &e) != 0)
		art_report(&e); /* the job goes on: the log is not the job */
	json_decref(data);
}

typedef struct child {
	pid_t pid;
	int in, out;          /* our ends of its stdin and stdout */
	char *payload;
	size_t payload_len, written;
	int done;
	int wstatus;
} child;

/* Read what the command wrote; keep the head, drain the rest. */
static void drain(child *ch, art_jobrun_result *res)
{
	char buf[8192];
	ssize_t n;

	while (ch->out >= 0) {
		n = read(ch->out, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 || errno != EAGAIN) {
				close(ch->out);
				ch->out = -1;
			}
			return;
		}
		if (res->out_len < ART_JOBRUN_OUT_MAX) {
			size_t keep = (size_t)n;

			if (keep > ART_JOBRUN_OUT_MAX - res->out_len)
				keep = ART_JOBRUN_OUT_MAX - res->out_len;
			memcpy(res->out + res->out_len, buf, keep);
			res->out_len += keep;
			res->out[res->out_len] = '\0';
		}
	}
}

/* Feed the payload as the pipe takes it. */
static void feed(child *ch)
{
	ssize_t n;

	while (ch->in >= 0 && ch->written < ch->payload_len) {
		n = write(ch->in, ch->payload + ch->written, ch->payload_len - ch->written);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN) {
				close(ch->in); /* EPIPE: it does not read its stdin */
				ch->in = -1;
			}
			return;
		}
		ch->written += (size_t)n;
	}
	if (ch->in >= 0 && ch->written == ch->payload_len) {
		close(ch->in);
		ch->in = -1;
	}
}

/* One look: the pipes, then whether it ended; waits up to ms. */
static void step(child *ch, art_jobrun_result *res, int ms)
{
	struct pollfd p[2];
	int n = 0;

	if (ch->out >= 0)
		p[n++] = (struct pollfd){ .fd = ch->out, .events = POLLIN };
	if (ch->in >= 0)
		p[n++] = (struct pollfd){ .fd = ch->in, .events = POLLOUT };
	if (n)
		poll(p, (nfds_t)n, ms);
	else
		art_sleep_ms(ms, NULL);
	drain(ch, res);
	feed(ch);
	if (!ch->done && waitpid(ch->pid, &ch->wstatus, WNOHANG) == ch->pid)
		ch->done = 1;
}

/*
 * Reap what has ended: the command (its status kept) and any of its
 * processes that were reparented here, so that a group whose members are
 * all gone reads as gone.
 */
static void reap(child *ch)
{
	int st;
	pid_t p;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (p == ch->pid) {
			ch->wstatus = st;
			ch->done = 1;
		}
}

/* True while a process of the command's group is alive. */
static int group_alive(const child *ch)
{
	return kill(-ch->pid, 0) == 0 || errno != ESRCH;
}

/*
 * TERM to its group, then the grace period for the whole group, not only
 * the command: a shell that dies at once on TERM must not cut short the
 * art-vm it started, which is stopping its cage and logging its end.
 * Then KILL for whatever is left; what left the group is the subreaper's
 * (art_kill_descendants).
 */
static void stop_child(child *ch, art_jobrun_result *res, int grace_s)
{
	long long until = art_mono_ms() + grace_s * 1000LL;

	if (!ch->done)
		kill(-ch->pid, SIGTERM);
	while (art_mono_ms() < until && (!ch->done || group_alive(ch))) {
		step(ch, res, TICK_MS);
		reap(ch);
	}
	kill(-ch->pid, SIGKILL);
	while (!ch->done) {
		step(ch, res, TICK_MS);
		reap(ch);
	}
}

/*
 * The command runs as the user who holds Core's secrets: the kernel
 * keyring that holds them (or the key of the file that does) is shut to
 * it and everything it starts, by a seccomp filter no process can lift.
 * (The key file named by ART_STORE_KEY_FILE stays readable to the same
 * user: art-claim(1) says to keep such a command in art-vm's cage.)
 */
static int deny_keyrings(void)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
	int rc = -1;

	if (f && seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(keyctl), 0) == 0 &&
	    seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(add_key), 0) == 0 &&
	    seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(request_key), 0) == 0 &&
	    seccomp_attr_set(f, SCMP_FLTATR_CTL_NNP, 1) == 0 &&
	    seccomp_load(f) == 0)
		rc = 0;
	seccomp_release(f);
	return rc;
}

static int start(child *ch, const art_lease *l, const art_jobrun_opts *o,
		 art_err *e)
{
	int in[2], out[2];
	char **env = job_env(l);
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return art_err_sys(e, ART_EXIT_LOCAL, "pipe");
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return art_err_sys(e, ART_EXIT_LOCAL, "pipe");
	}
	if ((pid = fork()) < 0) {
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		return art_err_sys(e, ART_EXIT_LOCAL, "fork");
	}
	if (pid == 0) {
		struct sigaction dfl = { .sa_handler = SIG_DFL };

		setpgid(0, 0);
		sigaction(SIGPIPE, &dfl, NULL);
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
		sigaction(SIGHUP, &dfl, NULL);
		/* the pipes as stdin and stdout, and none of art-claim's
		 * descriptors (its connection to Core), or no command */
		if (dup2(in[0], STDIN_FILENO) < 0 ||
		    dup2(out[1], STDOUT_FILENO) < 0 ||
		    close_range(3, ~0U, 0) < 0 || deny_keyrings() != 0)
			_exit(126);
		execvpe(o->argv[0], o->argv, env);
		_exit(errno == ENOENT ? 127 : 126);
	}
	setpgid(pid, pid); /* both sides: no race with the kill */
	close(in[0]);
	close(out[1]);
	for (char **p = env; *p; p++)
		if (strncmp(*p, "ART_JOB_ID=", 11) == 0 || strncmp(*p, "ART_LEASE_ID=", 13) == 0)
			free(*p);
	free(env);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	ch->pid = pid;
	ch->in = in[1];
	ch->out = out[0];
	ch->payload = o->payload ? json_dumps(o->payload, JSON_COMPACT) : art_strdup("{}");
	ch->payload_len = strlen(ch->payload);
	return 0;
}

void art_lease_renewed(art_lease *l, const json_t *answer, long long now,
		       int *cancel)
{
	const char *exp;
	long long core_exp, ours;
	json_t *v;

	if ((v = json_object_get(answer, "heartbeat_interval_s")) && art_core_seconds(v) > 0)
		l->heartbeat_s = art_core_seconds(v);
	ours = now + (long long)(l->ttl_s * 1000);
	exp = json_string_value(json_object_get(answer, "lease_expires_at"));
	/* the earlier of Core's word and our own count: a clock that
	 * runs ahead of Core's must not keep us working too long */
	if (exp && art_parse_rfc3339_ms(exp, strlen(exp), &core_exp) == 0 &&
	    core_exp < ours)
		ours = core_exp;
	l->expires_ms = ours;
	*cancel = json_is_true(json_object_get(answer, "cancel_requested"));
}

/* POST heartbeat.  1: renewed; 0: failed, try again; -1: lease gone. */
static int heartbeat(art_core *c, art_lease *l, int *cancel, art_err *e)
{
	art_core_req rq = { 0 };
	art_core_res res = { 0 };
	char *path = art_asprintf("/jobs/%s/heartbeat", l->job_id);
	json_t *body = json_pack("{s:s}", "lease_id", l->lease_id);
	long long now = art_wall_ms();
	int rc, verdict = 0;

	rq.method = "POST";
	rq.path = path;
	rq.route = "POST /jobs/{id}/heartbeat";
	rq.body = body;
	rc = art_core_call(c, &rq, &res, e);
	if (!rc && res.status == 200 && res.body) {
		verdict = 1;
		art_lease_renewed(l, res.body, now, cancel);
	} else if (!rc && res.status == 409) {
		verdict = -1;
	} else if (!rc) {
		char why[300];

		art_core_describe(&res, why, sizeof why);
		art_errf(e, ART_EXIT_REMOTE, "heartbeat: %s", why);
	}
	art_core_res_free(&res);
	json_decref(body);
	free(path);
	return verdict;
}

int art_jobrun(art_core *c, art_lease *l, const art_jobrun_opts *o,
	       art_jobrun_result *res, art_err *e)
{
	child ch = { .in = -1, .out = -1 };
	long long next_hb, now;
	int failures = 0, cancel = 0, rc, hb;
	art_err hbe;

	memset(res, 0, sizeof *res);
	res->out = art_xmalloc(ART_JOBRUN_OUT_MAX + 1);
	res->out[0] = '\0';
	art_subreaper();
	if ((rc = start(&ch, l, o, e)) != 0)
		return rc;
	next_hb = art_wall_ms() + (long long)(l->heartbeat_s * 1000);
	while (!ch.done) {
		step(&ch, res, TICK_MS);
		if (ch.done)
			break;
		if (o->stop && *o->stop) {
			res->interrupted = 1;
			break;
		}
		now = art_wall_ms();
		/* never work on a lease that may be gone */
		if (now >= l->expires_ms - (long long)(l->heartbeat_s * 1000) &&
		    now >= next_hb && failures) {
			res->lease_lost = 1;
			event(o, "art.job.lease_lost", json_pack("{s:s, s:s, s:s}", "job", l->job_id,
							     "lease", l->lease_id, "why", "heartbeats failed"));
			break;
		}
		if (now < next_hb)
			continue;
		memset(&hbe, 0, sizeof hbe);
		/* a heartbeat (and a token mint it may need) ends before the
		 * point where the lease is given up, whatever Core does */
		art_core_set_deadline(c, art_mono_ms() +
				      (l->expires_ms - (long long)(l->heartbeat_s * 1000)) - now);
		hb = heartbeat(c, l, &cancel, &hbe);
		art_core_set_deadline(c, 0);
		if (hb < 0) {
			res->lease_lost = 1;
			event(o, "art.job.lease_lost", json_pack("{s:s, s:s, s:s}", "job", l->job_id,
							     "lease", l->lease_id, "why", "LEASE_EXPIRED"));
			break;
		}
		if (hb == 0) {
			failures++;
			if (o->verbose || failures == 1)
				art_report(&hbe);
			event(o, "art.job.heartbeat_failed",
			      json_pack("{s:s, s:s, s:i}", "job", l->job_id, "lease", l->lease_id,
					"failures", failures));
			next_hb = art_wall_ms() + art_backoff_ms(failures, 0);
			/* the next try comes before the give-up point, or is it */
			if (next_hb > l->expires_ms - (long long)(l->heartbeat_s * 1000))
				next_hb = l->expires_ms - (long long)(l->heartbeat_s * 1000);
			continue;
		}
		failures = 0;
		next_hb = art_wall_ms() + (long long)(l->heartbeat_s * 1000);
		if (cancel) {
			res->canceled = 1;
			event(o, "art.job.cancel_requested",
			      json_pack("{s:s, s:s}", "job", l->job_id, "lease", l->lease_id));
			break;
		}
	}
	/* a command that ended by itself leaves nothing worth a grace period */
	stop_child(&ch, res, ch.done ? 0 : o->grace_s);
	/* what it wrote before it ended is in the pipe; a process it left
	 * behind holding the pipe open must not keep us here: it dies now */
	drain(&ch, res);
	art_kill_descendants();
	drain(&ch, res);
	if (ch.out >= 0)
		close(ch.out);
	if (ch.in >= 0)
		close(ch.in);
	free(ch.payload);
	res->exited = WIFEXITED(ch.wstatus);
	res->status = res->exited ? WEXITSTATUS(ch.wstatus) : WTERMSIG(ch.wstatus);
	return 0;
}

void art_jobrun_result_free(art_jobrun_result *res)
{
	free(res->out);
	memset(res, 0, sizeof *res);
}

int art_jobrun_status(const art_jobrun_result *res)
{
	return res->exited ? res->status : 128 + res->status;
}
