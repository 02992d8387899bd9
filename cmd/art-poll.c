/* art-poll - discover jobs at Core's pace (art-poll(1)). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "art.h"
#include "core.h"
#include "poller.h"
#include "proc.h"
#include "secretlog.h"

static const char usage[] =
	"usage: art-poll [--core URL] [--scope S]... [--limit N] [--once] [--hints sse|FIFO]\n"
	"                [--pretty] [-v]\n"
	"       art-poll --schedule [--core URL] [--scope S]...\n";

/* Without --scope: the scopes Core granted the client's token, when it
 * said (*out NULL otherwise: Core's own default). */
static int token_scopes(art_core *core, char ***out, art_err *e)
{
	art_client_info info;
	json_t *arr, *v;
	size_t i, k = 0;
	int found, rc;

	*out = NULL;
	if ((rc = art_client_info_get(art_core_state(core), &info, &found, e)) != 0 ||
	    !found || !info.scopes[0])
		return rc;
	arr = json_loads(info.scopes, 0, NULL);
	if (json_is_array(arr) && json_array_size(arr) > 0) {
		*out = art_xmalloc((json_array_size(arr) + 1) * sizeof **out);
		json_array_foreach(arr, i, v)
			if (json_is_string(v) && json_string_length(v) > 0)
				(*out)[k++] = art_strdup(json_string_value(v));
		(*out)[k] = NULL;
	}
	json_decref(arr);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "core", required_argument, NULL, 'c' },
		{ "scope", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "once", no_argument, NULL, '1' },
		{ "hints", required_argument, NULL, 'H' },
		{ "schedule", no_argument, NULL, 'S' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *core_url = NULL;
	const char **scopes = art_xmalloc(sizeof *scopes * (size_t)argc);
	art_poll_opts o = { 0 };
	int c, n = 0, schedule = 0, rc;
	char *end;
	long v;
	art_core *core = NULL;
	json_t *out = NULL;
	char **token_scope_list = NULL;
	art_err e = { 0 };

	art_secretlog_harden();
	/* no libgit2: art-poll needs it only to read git config art.core,
	 * and core.c starts it for that (a daemon's memory, see bench/poll) */
	art_begin_base(argv[0]);
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': core_url = optarg; break;
		case 's':
			if (!*optarg || strlen(optarg) > 128) {
				art_warn("--scope %s: expected a scope name", optarg);
				free(scopes);
				return art_exit_status(ART_EXIT_USAGE);
			}
			scopes[n++] = optarg;
			break;
		case 'l':
			v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 1 || v > 1000) {
				art_warn("--limit %s: expected 1 to 1000", optarg);
				free(scopes);
				return art_exit_status(ART_EXIT_USAGE);
			}
			o.limit = (int)v;
			break;
		case '1': o.once = 1; break;
		case 'H': o.hints = optarg; break;
		case 'S': schedule = 1; break;
		case 'p': o.pretty = 1; break;
		case 'v': o.verbose = 1; break;
		case 'h': fputs(usage, stdout); free(scopes); return art_exit_status(0);
		default: fputs(usage, stderr); free(scopes); return art_exit_status(ART_EXIT_USAGE);
		}
	}
	scopes[n] = NULL;
	o.scopes = scopes;
	if (optind < argc || (o.once && o.hints) || (schedule && (o.once || o.hints))) {
		art_warn("%s", optind < argc ? "art-poll takes no arguments"
			 : o.hints && o.once ? "--hints makes no sense with --once: a hint only moves the next poll"
			 : "--schedule only reads the schedule");
		fputs(usage, stderr);
		free(scopes);
		return art_exit_status(ART_EXIT_USAGE);
	}
	if ((rc = art_core_open(core_url, o.verbose, &core, &e)) != 0)
		goto out;
	if (n == 0 && (rc = token_scopes(core, &token_scope_list, &e)) != 0)
		goto out;
	if (token_scope_list)
		o.scopes = (const char *const *)token_scope_list;
	if (schedule) {
		if ((rc = art_poll_schedule(core, &o, &out, &e)) == 0 &&
		    art_json_emit(out, o.pretty) != 0)
			rc = ART_EXIT_LOCAL;
	} else {
		rc = art_poll(core, &o, art_catch_stop(), &e);
	}
out:
	if (rc && e.status)
		art_report(&e);
	json_decref(out);
	art_core_close(core);
	free(scopes);
	if (token_scope_list)
		for (char **p = token_scope_list; *p; p++)
			free(*p);
	free(token_scope_list);
	return art_exit_status(rc);
}
