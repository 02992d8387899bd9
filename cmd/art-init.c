/* art-init - set a repository up for art (art-init(1)). */
#include <getopt.h>
#include <stdio.h>

#include "art.h"
#include "hooks.h"
#include "init.h"

static const char usage[] =
	"usage: art-init [--agent NAME] [--pretty]\n"
	"       art-init --hooks [--uninstall] [--pretty]\n";

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "agent", required_argument, NULL, 'a' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "hooks", no_argument, NULL, 'H' },
		{ "uninstall", no_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *agent = "tom", *misuse = NULL;
	json_t *result = NULL;
	art_repo repo = { 0 };
	art_err e = { 0 };
	int c, pretty = 0, hooks = 0, uninstall = 0, agent_given = 0;
	int rc, relative = 0;

	art_begin(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': agent = optarg; agent_given = 1; break;
		case 'p': pretty = 1; break;
		case 'H': hooks = 1; break;
		case 'U': uninstall = 1; break;
		case 'h': fputs(usage, stdout); return art_end(0);
		default: fputs(usage, stderr); return art_end(ART_EXIT_USAGE);
		}
	}
	if (optind < argc)
		misuse = "unexpected argument";
	else if (uninstall && !hooks)
		misuse = "--uninstall goes with --hooks";
	else if (hooks && agent_given)
		misuse = "--hooks sets up the hooks alone: it takes no --agent";
	if (misuse) {
		if (optind < argc)
			art_warn("%s: %s", misuse, argv[optind]);
		else
			art_warn("%s", misuse);
		fputs(usage, stderr);
		return art_end(ART_EXIT_USAGE);
	}
	if ((rc = art_repo_open(&repo, NULL, &e)) == 0)
		rc = !hooks ? art_init(&repo, agent, &result, &e)
		     : uninstall ? art_hooks_uninstall(&repo, &result, &e)
				 : art_hooks_install(&repo, &result, &relative, &e);
	if (rc == 0 && relative)
		art_warn("core.hooksPath is relative: git looks for it in each worktree's own checkout, so agent worktrees run these hooks only once they are committed there");
	if (rc == 0 && art_json_emit(result, pretty) != 0)
		rc = ART_EXIT_LOCAL; /* art_end says why */
	else if (rc)
		art_report(&e);
	json_decref(result);
	art_repo_close(&repo);
	return art_end(rc);
}
