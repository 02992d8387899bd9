/* art-claim - claim a job and see it through (art-claim(1)). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "art.h"
#include "claim.h"
#include "core.h"
#include "proc.h"
#include "secretlog.h"

static const char usage[] =
	"usage: art-claim [--core URL] [--job ID] [--grace S] [--pretty] [-v]\n"
	"                 [--run -- CMD [ARG...]]\n";

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "core", required_argument, NULL, 'c' },
		{ "job", required_argument, NULL, 'j' },
		{ "run", no_argument, NULL, 'r' },
		{ "grace", required_argument, NULL, 'g' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *core_url = NULL;
	art_claim_opts o = { .grace_s = 10 };
	int c, run = 0, rc, status = 0;
	char *end;
	long v;
	art_core *core = NULL;
	art_err e = { 0 };

	art_secretlog_harden();
	art_begin(argv[0]);
	while ((c = getopt_long(argc, argv, "+hv", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': core_url = optarg; break;
		case 'j': o.job = optarg; break;
		case 'r': run = 1; break;
		case 'g':
			v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 0 || v > 3600) {
				art_warn("--grace %s: expected 0 to 3600 seconds", optarg);
				return art_end(ART_EXIT_USAGE);
			}
			o.grace_s = (int)v;
			break;
		case 'p': o.pretty = 1; break;
		case 'v': o.verbose = 1; break;
		case 'h': fputs(usage, stdout); return art_end(0);
		default: fputs(usage, stderr); return art_end(ART_EXIT_USAGE);
		}
	}
	if (run != (optind < argc)) {
		art_warn("%s", run ? "--run needs a command: --run -- CMD [ARG...]"
			 : "a command is run only with --run");
		fputs(usage, stderr);
		return art_end(ART_EXIT_USAGE);
	}
	if (run)
		o.argv = argv + optind;
	o.stop = art_catch_stop();
	if ((rc = art_core_open(core_url, o.verbose, &core, &e)) == 0)
		rc = art_claim(core, &o, &status, &e);
	if (rc && e.status)
		art_report(&e);
	art_core_close(core);
	return art_end(rc ? rc : status);
}
