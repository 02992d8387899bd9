/* art-doctor - what art needs of this machine, checked (art-doctor(1)). */
#include <getopt.h>
#include <stdio.h>

#include "art.h"
#include "doctor.h"

static const char usage[] = "usage: art-doctor [--core URL] [--pretty]\n";

static int emit(void *ctx, const json_t *record)
{
	return art_json_emit(record, *(int *)ctx);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "core", required_argument, NULL, 'c' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	art_doctor_opts o = { 0 };
	int c, pretty = 0, failed = 0, rc;

	art_begin(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o.core_url = optarg; break;
		case 'p': pretty = 1; break;
		case 'h': fputs(usage, stdout); return art_end(0);
		default: fputs(usage, stderr); return art_end(ART_EXIT_USAGE);
		}
	}
	if (optind < argc) {
		art_warn("%s: unexpected argument", argv[optind]);
		fputs(usage, stderr);
		return art_end(ART_EXIT_USAGE);
	}
	rc = art_doctor_run(&o, emit, &pretty, &failed);
	if (!rc && failed)
		rc = ART_EXIT_VERDICT;
	return art_end(rc);
}
