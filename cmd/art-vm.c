/* art-vm - run a command in the cage or the microVM of a run, and build
 * the microVM's image (art-vm(1)). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "art.h"
#include "gitpaths.h"
#include "jsonio.h"
#include "vm.h"
#include "vmfind.h"
#include "vmimage.h"

static const char usage[] =
	"usage: art-vm run [--agent A --ticket T] [--backend cage|qemu|auto] [--net none|loopback]\n"
	"                  [--allow-write PATH]... [--hide PATH]... [--env NAME]... [--keep-home] [--allow-unix]\n"
	"                  [--timeout SECONDS] [--max-procs N] [--memory MIB] [--cpus N]\n"
	"                  [--report FILE] -- CMD [ARG...]\n"
	"       art-vm image build [--kernel RELEASE]\n"
	"       art-vm image status\n";

/* art-vm's own failures are 125 (cli.md): the statuses below belong to
 * the command.  art-vm is built without libgit2 (gitpaths.h says why). */
#define FAILED 125

/* A list option's values, NULL-terminated. */
struct strs {
	const char **v;
	size_t n, cap;
};

static void push(struct strs *s, const char *v)
{
	art_grow(&s->v, &s->cap, s->n + 2, sizeof *s->v);
	s->v[s->n++] = v;
	s->v[s->n] = NULL;
}

static int number(const char *s, long min, long max, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* art-vm image build | status: the microVM's image (vmimage.h).  build
 * prints the image's record; status prints what is there and exits 1
 * when it is missing or not what was built. */
static int image(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *release = NULL;
	art_err e = { 0 };
	json_t *out = NULL;
	int c, rc, build;

	if (argc < 3 || (strcmp(argv[2], "build") && strcmp(argv[2], "status"))) {
		fputs(usage, stderr);
		return ART_EXIT_USAGE;
	}
	build = !strcmp(argv[2], "build");
	optind = 3;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return art_exit_status(0);
		}
		if (c != 'k' || !build) { /* status has no options */
			fputs(usage, stderr);
			return ART_EXIT_USAGE;
		}
		release = optarg;
	}
	if (optind < argc) {
		art_warn("%s: unexpected argument", argv[optind]);
		fputs(usage, stderr);
		return ART_EXIT_USAGE;
	}
	rc = build ? art_vm_image_build(release, &out, &e) : art_vm_image_status(&out, &e);
	if (rc) {
		art_report(&e);
		return FAILED;
	}
	art_json_emit(out, 1);
	rc = !build && !json_is_true(json_object_get(out, "ok"));
	json_decref(out);
	return art_exit_status(rc);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "agent", required_argument, NULL, 'a' },
		{ "ticket", required_argument, NULL, 't' },
		{ "backend", required_argument, NULL, 'b' },
		{ "net", required_argument, NULL, 'n' },
		{ "allow-write", required_argument, NULL, 'w' },
		{ "hide", required_argument, NULL, 'H' },
		{ "env", required_argument, NULL, 'e' },
		{ "keep-home", no_argument, NULL, 'k' },
		{ "allow-unix", no_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "max-procs", required_argument, NULL, 'P' },
		{ "report", required_argument, NULL, 'r' },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *agent = NULL, *ticket = NULL, *backend = "cage", *net = "none";
	struct strs writable = { 0 }, hide = { 0 }, env = { 0 };
	art_vm_opts o = { 0 };
	art_repo repo = { 0 };
	art_run run = { 0 };
	art_err e = { 0 };
	long v;
	int c, status = FAILED, nothing = 0;

	art_begin_base(argv[0]);
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage, stdout);
		return art_exit_status(0);
	}
	if (argc > 1 && !strcmp(argv[1], "image"))
		return image(argc, argv);
	if (argc < 2 || strcmp(argv[1], "run")) {
		fputs(usage, stderr);
		return ART_EXIT_USAGE;
	}
	optind = 2;
	/* "+": the first operand is the command, even without "--" */
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': agent = optarg; break;
		case 't': ticket = optarg; break;
		case 'b': backend = optarg; break;
		case 'n': net = optarg; break;
		case 'w': push(&writable, optarg); break;
		case 'H': push(&hide, optarg); break;
		case 'e':
			if (!art_is_env_name(optarg)) {
				art_warn("--env %s: not a variable name", optarg);
				goto usage_out;
			}
			push(&env, optarg);
			break;
		case 'k': o.keep_home = 1; break;
		case 'u': o.allow_unix = 1; break;
		case 'T':
			if (number(optarg, 1, 7 * 86400, &v) < 0) {
				art_warn("--timeout %s: expected seconds from 1 to 604800", optarg);
				goto usage_out;
			}
			o.timeout_s = (int)v;
			break;
		case 'P':
			if (number(optarg, 1, 1000000, &o.max_procs) < 0) {
				art_warn("--max-procs %s: expected a number from 1 to 1000000", optarg);
				goto usage_out;
			}
			break;
		case 'r': o.report = optarg; break;
		case 'm':
			if (number(optarg, 64, 1024 * 1024, &v) < 0) {
				art_warn("--memory %s: expected MiB from 64 to 1048576", optarg);
				goto usage_out;
			}
			o.memory_mb = (int)v;
			break;
		case 'c':
			if (number(optarg, 1, 256, &v) < 0) {
				art_warn("--cpus %s: expected a number from 1 to 256", optarg);
				goto usage_out;
			}
			o.cpus = (int)v;
			break;
		case 'h': fputs(usage, stdout); status = art_exit_status(0); goto done;
		default: goto usage_out;
		}
	}
	if (optind >= argc) {
		art_warn("no command: art-vm run [options] -- CMD [ARG...]");
		goto usage_out;
	}
	if (strcmp(net, "none") && strcmp(net, "loopback")) {
		art_warn("--net %s: expected none or loopback", net);
		goto usage_out;
	}
	if (strcmp(backend, "cage") && strcmp(backend, "qemu") && strcmp(backend, "auto")) {
		art_warn("--backend %s: expected cage, qemu or auto", backend);
		goto usage_out;
	}
	o.argv = argv + optind;
	o.backend = backend;
	o.allow_write = writable.v;
	o.hide = hide.v;
	o.env = env.v;
	o.net_loopback = !strcmp(net, "loopback");
	if (art_gitpaths_find(&repo, &e) != 0 ||
	    art_vm_locate(&run, &repo, agent, ticket, &nothing, &e) != 0 ||
	    (!nothing && art_vm_run(&repo, &run, &o, &status, &e) != 0)) {
		art_report(&e);
		status = FAILED;
	} else if (nothing) {
		status = 0; /* empty stdin in a pipeline: nothing to do */
	}
	goto done;
usage_out:
	fputs(usage, stderr);
	status = FAILED;
done:
	free(writable.v);
	free(hide.v);
	free(env.v);
	art_run_free(&run);
	art_gitpaths_free(&repo);
	/* stdout is the command's, not art-vm's to check */
	return status;
}
