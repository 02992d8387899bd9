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
	if ((rc = art_repo_open(&repo, NULL, &e)) != 0)
		goto out;
	if (!o.agent && !o.ticket) {
		/* the rest of the run-finding rule: stdin, then the worktree */
		art_run run;

		rc = art_run_locate(&run, &repo, NULL, NULL, &input, &nothing, &e);
		if (rc || nothing)
			goto out;
		art_run_free(&run);
		if (input) {
			if ((rc = str_field(input, "agent", &o.agent, &e)) ||
			    (rc = str_field(input, "ticket", &o.ticket, &e)) ||
			    (rc = str_field(input, "base", &o.base, &e)) ||
			    (rc = str_field(input, "by", &o.by, &e)))
				goto out;
		} else {
			static char a[65], t[129];

			art_here_is_agent_worktree(&repo, a, t);
			o.agent = a;
			o.ticket = t;
		}
	} else if (!o.agent || !o.ticket) {
		art_warn("--agent and --ticket go together");
		fputs(usage, stderr);
		rc = ART_EXIT_USAGE;
		goto out;
	}
	rc = art_start(&repo, &o, &result, &e);
	if (result && art_json_emit(result, pretty) != 0 && rc == 0)
		rc = art_errf(&e, ART_EXIT_LOCAL, "cannot write to standard output");
out:
	if (rc && rc != ART_EXIT_USAGE)
		art_report(&e);
	else if (rc == ART_EXIT_USAGE && e.msg[0])
		art_report(&e);
	json_decref(result);
	json_decref(input);
	art_repo_close(&repo);
	return art_end(rc);
}
