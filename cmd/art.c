/*
 * art - run art-<verb> like git runs git-<verb>; art --version;
 * art help [verb] opens the manual page.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "art.h"

static const char usage[] =
	"usage: art <verb> [args...]\n"
	"       art help [verb]\n"
	"       art --version\n"
	"verbs: init start prompt scope-check close verify log vm auth poll claim doctor\n"
	"       (see art help; art(7) lists them all)\n";

/* The directory art itself was run from, so a build tree or a prefix
 * finds its own commands and manuals first. */
static char *self_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return art_strdup(buf);
}

static int verb_ok(const char *v)
{
	size_t i;

	if (!v[0] || !(v[0] >= 'a' && v[0] <= 'z') || strlen(v) > 32)
		return 0;
	for (i = 1; v[i]; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') ||
		      v[i] == '-'))
			return 0;
	return 1;
}

/* Exec path if it is an executable file: returns only on failure, with
 * 0 when there is no such executable (look further), else errno. */
static int try_exec(const char *path, char **args)
{
	if (access(path, X_OK) < 0)
		return 0;
	execv(path, args);
	return errno ? errno : EACCES;
}

static int run_verb(const char *verb, int argc, char **argv)
{
	char *dir = self_dir(), *name = art_asprintf("art-%s", verb);
	char **args = calloc((size_t)argc + 1, sizeof *args);
	const char *path_env = getenv("PATH");
	char *paths = art_strdup(path_env && *path_env ? path_env : "/usr/local/bin:/usr/bin:/bin");
	char *failed = NULL, *d, *save = NULL;
	int i, err = 0;

	if (!args)
		abort();
	args[0] = name;
	for (i = 1; i < argc; i++)
		args[i] = argv[i];
	/* beside art first, then PATH; a directory that cannot be searched
	 * is no reason to stop looking */
	if (dir) {
		failed = art_join(dir, name);
		err = try_exec(failed, args);
	}
	for (d = strtok_r(paths, ":", &save); !err && d; d = strtok_r(NULL, ":", &save)) {
		free(failed);
		failed = art_join(*d ? d : ".", name);
		err = try_exec(failed, args);
	}
	if (err)
		art_warn("cannot run %s: %s", failed, strerror(err));
	else
		art_warn("'%s' is not an art command (no %s found%s PATH)", verb,
			 name, dir ? " beside art or in" : " in");
	free(failed);
	free(paths);
	free(args);
	free(name);
	free(dir);
	return err ? ART_EXIT_LOCAL : ART_EXIT_USAGE;
}

static int help(const char *verb)
{
	static const char *const sections[] = { "1", "5", "7" };
	char *dir, *page;
	size_t i;

	if (verb && !verb_ok(verb)) {
		art_warn("no manual for '%s'", verb);
		return ART_EXIT_USAGE;
	}
	dir = self_dir();
	page = verb ? art_asprintf("art-%s", verb) : art_strdup("art");
	for (i = 0; dir && i < sizeof sections / sizeof *sections; i++) {
		char *path = art_asprintf("%s/../share/man/man%s/%s.%s", dir,
					  sections[i], page, sections[i]);

		if (access(path, R_OK) == 0) {
			execlp("man", "man", "-l", path, (char *)NULL);
			execlp("mandoc", "mandoc", path, (char *)NULL);
			art_warn("cannot show %s: install man-db or mandoc", path);
			free(path);
			goto out;
		}
		free(path);
	}
	/* installed elsewhere: let man search its own path */
	execlp("man", "man", page, (char *)NULL);
	art_warn("cannot show the manual of %s: install man-db or mandoc", page);
out:
	free(page);
	free(dir);
	return ART_EXIT_LOCAL;
}

int main(int argc, char **argv)
{
	art_set_prog("art");
	if (argc < 2) {
		fputs(usage, stderr);
		return ART_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage, stdout);
		return art_exit_status(0);
	}
	if (!strcmp(argv[1], "--version")) {
		printf("art %s\n", ART_VERSION);
		return art_exit_status(0);
	}
	if (!strcmp(argv[1], "help")) {
		if (argc > 3) {
			fputs(usage, stderr);
			return ART_EXIT_USAGE;
		}
		return help(argc == 3 ? argv[2] : NULL);
	}
	if (argv[1][0] == '-' || !verb_ok(argv[1])) {
		art_warn("unknown option or verb: %s", argv[1]);
		fputs(usage, stderr);
		return ART_EXIT_USAGE;
	}
	return run_verb(argv[1], argc - 1, argv + 1);
}
