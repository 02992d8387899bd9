/* art-start - open a run: branch, worktree, manifest (art-start(1)). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "art.h"
#include "start.h"

static const char usage[] =
	"usage: art-start --agent A --ticket T [--base REF] [--by NAME] [--resume] [--pretty]\n";

/* An optional string field of the stdin object; present but not a
 * string is invalid input, not silently ignored. */
static int str_field(json_t *in, const char *key, const char **out, art_err *e)
{
	json_t *v = json_object_get(in, key);

	if (v && !json_is_string(v))
		return art_errf(e, ART_EXIT_INPUT,
				"stdin: field \"%s\": expected a string, got %s",
				key, art_json_kind(v));
	if (v && !*out)
		*out = json_string_value(v);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "agent", required_argument, NULL, 'a' },
		{ "ticket", required_argument, NULL, 't' },
		{ "base", required_argument, NULL, 'b' },
		{ "by", required_argument, NULL, 'B' },
		{ "resume", no_argument, NULL, 'r' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	art_start_opts o = { 0 };
	json_t *input = NULL, *result = NULL;
	art_repo repo = { 0 };
	art_run run = { 0 };
	art_err e = { 0 };
	int c, pretty = 0, rc, nothing = 0;

	art_begin(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': o.agent = optarg; break;
		case 't': o.ticket = optarg; break;
		case 'b': o.base = optarg; break;
		case 'B': o.by = optarg; break;
		case 'r': o.resume = 1; break;
		case 'p': pretty = 1; break;
		case 'h': fputs(usage, stdout); return art_end(0);
		default: fputs(usage, stderr); return art_end(ART_EXIT_USAGE);
		}
	}
	if (optind < argc) {
		art_warn("unexpected argument: %s", argv[optind]);
		fputs(usage, stderr);
		return art_end(ART_EXIT_USAGE);
	}
	/* flags, else the job record on stdin, else this agent worktree */
	if ((rc = art_repo_open(&repo, NULL, &e)) != 0 ||
	    (rc = art_run_locate(&run, &repo, o.agent, o.ticket, &input,
				 &nothing, &e)) != 0 || nothing)
		goto out;
	o.agent = run.agent;
	o.ticket = run.ticket;
	if (input && ((rc = str_field(input, "base", &o.base, &e)) != 0 ||
		      (rc = str_field(input, "by", &o.by, &e)) != 0))
		goto out;
	rc = art_start(&repo, &o, &result, &e);
	if (result && art_json_emit(result, pretty) != 0 && rc == 0)
		rc = ART_EXIT_LOCAL; /* art_end says why */
out:
	if (rc)
		art_report(&e);
	json_decref(result);
	json_decref(input);
	art_run_free(&run);
	art_repo_close(&repo);
	return art_end(rc);
}
