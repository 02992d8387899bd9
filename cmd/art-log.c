/* art-log - the append-only event log (art-log(1)). */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "art.h"
#include "eventin.h"

static const char usage[] =
	"usage: art-log append [--pretty] | show [--run T/A] [--since SEQ] [--follow] [--pretty] | verify [--pretty] | replay --run T/A\n";

struct opts {
	const char *run;
	long long since;
	int follow, pretty;
};

/* --- append --------------------------------------------------------------- */

/* Print the stored envelope (hash included) as one line: body, or the
 * one read back for seq (an idempotent replay). */
static int print_event(art_events *ev, char *body, long long seq, int pretty,
		       art_err *e)
{
	json_t *v;
	int rc;

	if (!body && !(body = art_event_get(ev, seq)))
		return art_errf(e, ART_EXIT_LOCAL, "event %lld cannot be read back", seq);
	if (!pretty) {
		rc = puts(body) == EOF ? ART_EXIT_LOCAL : 0;
	} else {
		v = json_loads(body, 0, NULL);
		rc = v ? art_json_emit(v, 1) : ART_EXIT_LOCAL;
		json_decref(v);
	}
	free(body);
	return rc;
}

/*
 * One line of input: an event or an array of them, one transaction, the
 * governors asked first.  Its envelopes are printed once it is durable.
 */
static int append_line(const art_repo *r, art_events *ev, json_t *line,
		       unsigned long lineno, int pretty, art_err *e)
{
	json_t *list = json_is_array(line) ? json_incref(line) : json_pack("[O]", line);
	size_t n = json_array_size(list), i;
	art_event_in *ins = art_xmalloc((n ? n : 1) * sizeof *ins);
	long long *seqs = art_xmalloc((n ? n : 1) * sizeof *seqs);
	char **full = art_xmalloc((n ? n : 1) * sizeof *full); /* envelopes */
	json_t *action = NULL;
	char where[64];
	int rc = 0;

	memset(full, 0, (n ? n : 1) * sizeof *full);
	if (!n)
		rc = art_errf(e, ART_EXIT_INPUT, "stdin:%lu: an empty batch", lineno);
	for (i = 0; i < n && !rc; i++) {
		if (json_is_array(line))
			snprintf(where, sizeof where, "stdin:%lu[%zu]", lineno, i);
		else
			snprintf(where, sizeof where, "stdin:%lu", lineno);
		rc = art_event_from_json(json_array_get(list, i), where, &ins[i], e);
	}
	if (!rc) {
		action = json_pack("{s:s, s:O}", "action", "log.append", "events", list);
		rc = art_governors_check(r, ev, n == 1 ? ins[0].subject : NULL,
					 action, e);
	}
	if (!rc && (rc = art_events_begin(ev, e)) == 0) {
		for (i = 0; i < n && !rc; i++)
			if ((rc = art_event_append_in(ev, &ins[i], &seqs[i], e)) == 0)
				full[i] = art_event_take_last(ev);
		if (rc == ART_EXIT_INPUT) { /* too large, say: name its place */
			char why[sizeof e->msg];

			memcpy(why, e->msg, sizeof why);
			if (json_is_array(line))
				art_errf(e, rc, "stdin:%lu[%zu]: %s", lineno, i - 1, why);
			else
				art_errf(e, rc, "stdin:%lu: %s", lineno, why);
		}
		if (rc)
			art_events_rollback(ev);
		else
			rc = art_events_commit(ev, e);
	}
	for (i = 0; i < n && !rc; i++) {
		rc = print_event(ev, full[i], seqs[i], pretty, e);
		full[i] = NULL; /* print_event freed it */
	}
	/* acknowledged only once the consumer can see it */
	if (!rc && fflush(stdout) == EOF)
		rc = ART_EXIT_LOCAL;
	for (i = 0; i < n; i++) /* those not printed */
		free(full[i]);
	json_decref(action);
	json_decref(list);
	free(ins);
	free(seqs);
	free(full);
	return rc;
}

static int cmd_append(const art_repo *r, const struct opts *o, art_err *e)
{
	art_events *ev = NULL;
	art_ndjson in;
	json_t *line;
	int rc;

	if ((rc = art_events_open(r, &ev, e)) != 0)
		return rc;
	art_ndjson_init(&in, stdin, "stdin");
	while ((rc = art_ndjson_next(&in, &line, e)) == 0 && line) {
		rc = append_line(r, ev, line, in.line, o->pretty, e);
		json_decref(line);
		if (rc)
			break;
	}
	art_ndjson_free(&in);
	art_events_close(ev);
	return rc;
}

/* --- show, replay -------------------------------------------------------- */

struct printer {
	int pretty;
	long long last;
};

static int print_line(void *ctx, long long seq, const char *json, size_t len)
{
	struct printer *p = ctx;
	json_t *v;
	int rc = 0;

	p->last = seq;
	if (!p->pretty)
		return fwrite(json, 1, len, stdout) != len || putchar('\n') == EOF
			       ? ART_EXIT_LOCAL : 0;
	v = json_loadb(json, len, 0, NULL);
	rc = v ? art_json_emit(v, 1) : ART_EXIT_LOCAL;
	json_decref(v);
	return rc;
}

/* Has the reader of standard output gone (a pipe closed behind it)? */
static int reader_gone(void)
{
	struct pollfd pf = { .fd = STDOUT_FILENO, .events = 0 };

	return poll(&pf, 1, 0) == 1 && (pf.revents & (POLLERR | POLLHUP));
}

static int cmd_show(const art_repo *r, const struct opts *o, art_err *e)
{
	struct printer p = { o->pretty, o->since };
	struct timespec nap = { 0, 100 * 1000 * 1000 };
	art_events *ev = NULL;
	int rc;

	do {
		if (!ev && (rc = art_events_open_existing(r, &ev, e)) != 0)
			return rc;
		if (ev)
			rc = art_events_each(ev, p.last, o->run, print_line, &p, e);
		if (!rc && fflush(stdout) == EOF)
			rc = ART_EXIT_LOCAL;
		/* --follow: the store is shared by every process; poll it,
		 * until whoever reads us is gone: then the job is done */
		if (o->follow && ((rc == ART_EXIT_LOCAL && errno == EPIPE) ||
				  (!rc && reader_gone()))) {
			__fpurge(stdout);
			clearerr(stdout);
			rc = 0;
			break;
		}
		if (!rc && o->follow)
			nanosleep(&nap, NULL);
	} while (!rc && o->follow);
	art_events_close(ev);
	return rc;
}

static int cmd_replay(const art_repo *r, const struct opts *o, art_err *e)
{
	struct printer p = { 0, 0 };
	art_events *ev = NULL;
	int rc;

	if ((rc = art_events_open_existing(r, &ev, e)) != 0)
		return rc;
	if (ev)
		rc = art_events_each(ev, 0, o->run, print_line, &p, e);
	if (!rc && !p.last)
		rc = art_errf(e, ART_EXIT_INPUT, "run %s has no events", o->run);
	art_events_close(ev);
	return rc;
}

/* --- verify -------------------------------------------------------------- */

static int cmd_verify(const art_repo *r, const struct opts *o, art_err *e)
{
	art_events *ev = NULL;
	long long events = 0, bad = 0;
	char head[65] = "";
	json_t *out;
	int rc;

	if ((rc = art_events_open_existing(r, &ev, e)) != 0)
		return rc;
	if (ev) /* no log yet is an intact, empty one */
		rc = art_events_verify(ev, &events, head, &bad, e);
	art_events_close(ev);
	if (rc && rc != ART_EXIT_VERDICT)
		return rc;
	out = json_pack("{s:b, s:I, s:s}", "ok", rc == 0, "events",
			(json_int_t)events, "head", head);
	if (rc) {
		json_object_set_new(out, "bad_seq", json_integer(bad));
		json_object_set_new(out, "why", json_string(e->msg));
	}
	if (art_json_emit(out, o->pretty) != 0)
		rc = ART_EXIT_LOCAL;
	json_decref(out);
	return rc;
}

/* --- options ------------------------------------------------------------- */

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "since", required_argument, NULL, 's' },
		{ "follow", no_argument, NULL, 'f' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct {
		const char *name;
		int (*fn)(const art_repo *, const struct opts *, art_err *);
		int flags; /* which options apply: 1 --run, 2 --since,
			      4 --follow, 8 --pretty */
	} cmds[] = {
		{ "append", cmd_append, 8 },
		{ "show", cmd_show, 15 },
		{ "verify", cmd_verify, 8 },
		{ "replay", cmd_replay, 1 }, /* the stored bytes, as they are */
	};
	struct opts o = { NULL, 0, 0, 0 };
	art_repo repo = { 0 };
	art_err e = { 0 };
	art_err bad_run = { 0 };
	int c, rc, used = 0;
	size_t k;
	char *end;

	art_begin(argv[0]);
	/* options before the subcommand: only --help ('+': stop at it) */
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return art_end(0);
		}
		fputs(usage, stderr);
		return art_end(ART_EXIT_USAGE);
	}
	if (optind >= argc) {
		art_warn("a subcommand is needed: append, show, verify or replay");
		fputs(usage, stderr);
		return art_end(ART_EXIT_USAGE);
	}
	for (k = 0; k < sizeof cmds / sizeof *cmds; k++)
		if (!strcmp(argv[optind], cmds[k].name))
			break;
	if (k == sizeof cmds / sizeof *cmds) {
		art_warn("unknown subcommand: %s", argv[optind]);
		fputs(usage, stderr);
		return art_end(ART_EXIT_USAGE);
	}
	optind++;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o.run = optarg; used |= 1; break;
		case 's':
			o.since = strtoll(optarg, &end, 10);
			if (!*optarg || *end || o.since < 0) {
				art_warn("--since %s: expected a sequence number", optarg);
				return art_end(ART_EXIT_USAGE);
			}
			used |= 2;
			break;
		case 'f': o.follow = 1; used |= 4; break;
		case 'p': o.pretty = 1; used |= 8; break;
		case 'h': fputs(usage, stdout); return art_end(0);
		default: fputs(usage, stderr); return art_end(ART_EXIT_USAGE);
		}
	}
	if (optind < argc || (used & ~cmds[k].flags) ||
	    (cmds[k].fn == cmd_replay && !o.run) ||
	    (o.run && art_check_subject(o.run, &bad_run))) {
		if (optind < argc)
			art_warn("unexpected argument: %s", argv[optind]);
		else if (bad_run.status)
			art_warn("--run %s: %s", o.run, bad_run.msg);
		else
			art_warn("%s: %s", cmds[k].name,
				 used & ~cmds[k].flags ? "an option it does not take"
						       : "--run T/A is needed");
		fputs(usage, stderr);
		return art_end(ART_EXIT_USAGE);
	}
	if ((rc = art_repo_open(&repo, NULL, &e)) == 0)
		rc = cmds[k].fn(&repo, &o, &e);
	if (rc && (rc != ART_EXIT_VERDICT || cmds[k].fn != cmd_verify))
		art_report(&e);
	art_repo_close(&repo);
	return art_end(rc);
}
