/* art-close - end a run: definition of done, report, receipt (art-close(1)). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "art.h"
#include "close.h"

static const char usage[] =
	"usage: art-close [--agent A --ticket T] [--summary TEXT | --summary-file F] [--risk TEXT]... [--next TEXT]... [--timeout SECONDS] [--pretty]\n";

/* Fields of the stdin object a flag did not already give. */
static int from_input(json_t *in, const char **summary, json_t *risks,
		      json_t *next, art_err *e)
{
	static const char *const lists[] = { "risks", "next" };
	json_t *v = json_object_get(in, "summary"), *item;
	size_t i, k;

	if (v && !json_is_string(v))
		return art_errf(e, ART_EXIT_INPUT,
				"stdin: field \"summary\": expected a string, got %s",
				art_json_kind(v));
	if (v && !*summary)
		*summary = json_string_value(v);
	for (k = 0; k < 2; k++) {
		json_t *into = k ? next : risks;

		v = json_object_get(in, lists[k]);
		if (!v)
			continue;
		if (!json_is_array(v))
			return art_errf(e, ART_EXIT_INPUT,
					"stdin: field \"%s\": expected an array of strings, got %s",
					lists[k], art_json_kind(v));
		json_array_foreach(v, i, item)
			if (!json_is_string(item))
				return art_errf(e, ART_EXIT_INPUT,
						"stdin: field \"%s[%zu]\": expected a string, got %s",
						lists[k], i, art_json_kind(item));
		if (!json_array_size(into))
			json_array_extend(into, v);
	}
	return 0;
}

static int parse_timeout(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 1 || v > ART_DOD_TIMEOUT_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "agent", required_argument, NULL, 'a' },
		{ "ticket", required_argument, NULL, 't' },
		{ "summary", required_argument, NULL, 's' },
		{ "summary-file", required_argument, NULL, 'S' },
		{ "risk", required_argument, NULL, 'r' },
		{ "next", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *agent = NULL, *ticket = NULL, *summary = NULL, *sfile = NULL;
	json_t *risks = json_array(), *next = json_array();
	json_t *input = NULL, *result = NULL;
	art_close_opts o = { 0 };
	art_repo repo = { 0 };
	art_run run = { 0 };
	art_err e = { 0 };
	char *text = NULL;
	int c, pretty = 0, rc, nothing = 0;

	art_begin(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': agent = optarg; break;
		case 't': ticket = optarg; break;
		case 's': summary = optarg; break;
		case 'S': sfile = optarg; break;
		case 'r': json_array_append_new(risks, art_json_bytes(optarg)); break;
		case 'n': json_array_append_new(next, art_json_bytes(optarg)); break;
		case 'T':
			if (parse_timeout(optarg, &o.timeout_s) == 0)
				break;
			art_warn("--timeout %s: expected a number of seconds from 1 to %d",
				 optarg, ART_DOD_TIMEOUT_MAX);
			rc = ART_EXIT_USAGE;
			goto usage_out;
		case 'p': pretty = 1; break;
		case 'h': fputs(usage, stdout); rc = 0; goto early;
		default: rc = ART_EXIT_USAGE; goto usage_out;
		}
	}
	if (optind < argc) {
		art_warn("unexpected argument: %s", argv[optind]);
		rc = ART_EXIT_USAGE;
		goto usage_out;
	}
	if (summary && sfile) {
		art_warn("--summary and --summary-file: give one");
		rc = ART_EXIT_USAGE;
		goto usage_out;
	}
	if (sfile) {
		size_t len;

		if ((rc = art_read_path(sfile, ART_CONFIG_MAX, &text, &len, &e)) != 0)
			goto out;
		if (memchr(text, '\0', len)) {
			rc = art_errf(&e, ART_EXIT_INPUT,
				      "%s: a NUL byte: the summary is text", sfile);
			goto out;
		}
		summary = text;
	}
	if ((rc = art_repo_open(&repo, NULL, &e)) != 0 ||
	    (rc = art_run_locate(&run, &repo, agent, ticket, &input, &nothing,
				 &e)) != 0 || nothing)
		goto out;
	if (input && (rc = from_input(input, &summary, risks, next, &e)) != 0)
		goto out;
	o.summary = summary;
	o.risks = risks;
	o.next = next;
	rc = art_close(&repo, &run, &o, &result, &e);
	if (result && art_json_emit(result, pretty) != 0 && !rc)
		rc = ART_EXIT_LOCAL; /* art_end says why */
	goto out;
usage_out:
	fputs(usage, stderr);
	goto early;
out:
	if (rc)
		art_report(&e);
early:
	json_decref(result);
	json_decref(input);
	json_decref(risks);
	json_decref(next);
	free(text);
	art_run_free(&run);
	art_repo_close(&repo);
	return art_end(rc);
}
