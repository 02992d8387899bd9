/* art-prompt - print the agent's instructions (art-prompt(1)). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "art.h"
#include "prompt.h"

static const char usage[] =
	"usage: art-prompt [--agent A --ticket T] [--template FILE] [-r|--raw] [--pretty]\n";

static int render(const art_repo *r, const art_run *run, const char *tmpl_path,
		  char **text, art_err *e)
{
	art_registry reg = { 0 };
	art_profile prof = { 0 };
	json_t *m = NULL;
	char *tmpl = NULL;
	int rc;

	if ((rc = art_manifest_load(r, run, &m, e)) != 0)
		return rc;
	/* the profile's prose lives in the main checkout, the scope in the
	 * manifest: the run keeps the scope it started with */
	if ((rc = art_registry_load(r, &reg, e)) == 0 &&
	    (rc = art_profile_load(r, &reg, run->agent, &prof, e)) == 0 &&
	    (!tmpl_path ||
	     (rc = art_read_path(tmpl_path, ART_CONFIG_MAX, &tmpl, NULL, e)) == 0))
		rc = art_prompt_render(tmpl_path ? tmpl_path : "built-in template",
				       tmpl ? tmpl : art_prompt_default_template(),
				       m, prof.prompt, text, e);
	free(tmpl);
	art_profile_free(&prof);
	art_registry_free(&reg);
	json_decref(m);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "agent", required_argument, NULL, 'a' },
		{ "ticket", required_argument, NULL, 't' },
		{ "template", required_argument, NULL, 'T' },
		{ "raw", no_argument, NULL, 'r' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *agent = NULL, *ticket = NULL, *tmpl = NULL;
	json_t *input = NULL, *out = NULL;
	art_repo repo = { 0 };
	art_run run = { 0 };
	art_err e = { 0 };
	char *text = NULL;
	int c, pretty = 0, raw = 0, rc, nothing = 0;

	art_begin(argv[0]);
	while ((c = getopt_long(argc, argv, "hr", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': agent = optarg; break;
		case 't': ticket = optarg; break;
		case 'T': tmpl = optarg; break;
		case 'r': raw = 1; break;
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
	if ((rc = art_repo_open(&repo, NULL, &e)) != 0 ||
	    (rc = art_run_locate(&run, &repo, agent, ticket, &input, &nothing,
				 &e)) != 0 ||
	    nothing ||
	    (rc = render(&repo, &run, tmpl, &text, &e)) != 0)
		goto out;
	if (raw) {
		if (fputs(text, stdout) == EOF)
			rc = ART_EXIT_LOCAL; /* art_end says why */
	} else {
		out = json_pack("{s:s, s:s, s:o}", "agent", run.agent,
				"ticket", run.ticket, "prompt", art_json_bytes(text));
		if (art_json_emit(out, pretty) != 0)
			rc = ART_EXIT_LOCAL; /* art_end says why */
	}
out:
	if (rc)
		art_report(&e);
	free(text);
	json_decref(out);
	json_decref(input);
	art_run_free(&run);
	art_repo_close(&repo);
	return art_end(rc);
}
