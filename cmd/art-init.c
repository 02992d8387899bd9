/* art-init - set a repository up for art (art-init(1)). */
#include <getopt.h>
#include <stdio.h>

#include "art.h"
#include "init.h"

static const char usage[] = "usage: art-init [--agent NAME] [--pretty]\n";

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "agent", required_argument, NULL, 'a' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *agent = "tom";
	json_t *result = NULL;
	art_repo repo = { 0 };
	art_err e = { 0 };
	int c, pretty = 0, rc;

	art_begin(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': agent = optarg; break;
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
	if ((rc = art_repo_open(&repo, NULL, &e)) == 0 &&
	    (rc = art_init(&repo, agent, &result, &e)) == 0 &&
	    (rc = art_json_emit(result, pretty)) != 0)
		rc = ART_EXIT_LOCAL; /* art_end says why */
	if (rc)
		art_report(&e);
	json_decref(result);
	art_repo_close(&repo);
	return art_end(rc);
}
