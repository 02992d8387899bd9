/*
 * quarantine.c - a cage's new objects into the store; see quarantine.h.
 *
 * git itself does the moving, because it hashes: the loose objects are
 * packed (git pack-objects, reading the quarantine) and the pack is
 * indexed into the store (git index-pack --stdin), which names every
 * object by the hash of its content and installs the pack atomically;
 * a pack the cage wrote goes through index-pack the same way.  Bytes
 * planted under another object's name end up under their own.
 */
#define _GNU_SOURCE
#include "quarantine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs.h"

static int all_hex(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

/* git's environment for the move: the user's, less what would point git
 * elsewhere, plus the repository and where the objects are read. */
static char **git_env(const char *commondir, const char *quarantine)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = art_xmalloc((n + 4) * sizeof *env);
	for (n = 0; environ[n]; n++)
		if (strncmp(environ[n], "GIT_", 4))
			env[k++] = art_strdup(environ[n]);
	env[k++] = art_asprintf("GIT_DIR=%s", commondir);
	if (quarantine) {
		env[k++] = art_asprintf("GIT_OBJECT_DIRECTORY=%s", quarantine);
		env[k++] = art_asprintf("GIT_ALTERNATE_OBJECT_DIRECTORIES=%s/objects",
					commondir);
	}
	env[k] = NULL;
	return env;
}

/* git ARGS with stdin and stdout from and to files (NULL: /dev/null);
 * 0 when it exited 0. */
static int git(char *const *argv, char **env, const char *in, const char *out)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st = 0, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in ? in : "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
					 out ? O_WRONLY | O_CREAT | O_TRUNC : O_WRONLY, 0600);
	rc = posix_spawnp(&pid, "git", &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* The names of the loose objects of the quarantine, one a line, into
 * file list; how many. */
static long list_loose(const char *from, const char *list)
{
	FILE *f = fopen(list, "we");
	DIR *d = opendir(from), *sub;
	struct dirent *de, *o;
	long n = 0;

	while (f && d && (de = readdir(d)) != NULL) {
		char *path;

		if (!all_hex(de->d_name, 2))
			continue;
		path = art_join(from, de->d_name);
		if ((sub = opendir(path)) != NULL) {
			while ((o = readdir(sub)) != NULL)
				/* SHA-1 or SHA-256 names */
				if ((all_hex(o->d_name, 38) || all_hex(o->d_name, 62)) &&
				    o->d_type == DT_REG) {
					fprintf(f, "%s%s\n", de->d_name, o->d_name);
					n++;
				}
			closedir(sub);
		}
		free(path);
	}
	if (d)
		closedir(d);
	if (!f || fclose(f) != 0)
		return -1;
	return n;
}

/* Every pack the cage wrote in the quarantine, indexed into the store. */
static int index_packs(const char *from, char **env, long *moved)
{
	char *dir = art_join(from, "pack"), *path;
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	while (d && (de = readdir(d)) != NULL && !rc) {
		char *argv[] = { "git", "index-pack", "--stdin", NULL };
		size_t n = strlen(de->d_name);

		if (n < 5 || strcmp(de->d_name + n - 5, ".pack") || de->d_type != DT_REG)
			continue;
		path = art_join(dir, de->d_name);
		rc = git(argv, env, path, NULL);
		(*moved)++;
		free(path);
	}
	if (d)
		closedir(d);
	free(dir);
	return rc;
}

int art_quarantine_release(const char *from, const char *commondir, long *moved,
			   art_err *e)
{
	char *list = art_join(from, ".art-list"), *pack = art_join(from, ".art-pack");
	char **read_env = git_env(commondir, from), **store_env = git_env(commondir, NULL);
	char *pack_objects[] = { "git", "pack-objects", "-q", "--stdout", NULL };
	char *index_pack[] = { "git", "index-pack", "--stdin", NULL };
	struct stat st;
	long n;
	int rc = 0;
	size_t i;

	*moved = 0;
	if (lstat(from, &st) < 0 || !S_ISDIR(st.st_mode))
		goto out; /* nothing there: nothing to move */
	if ((n = list_loose(from, list)) < 0) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot list the objects of %s", from);
		goto out;
	}
	if (n > 0 && (git(pack_objects, read_env, list, pack) < 0 ||
		      git(index_pack, store_env, pack, NULL) < 0)) {
		rc = art_errf(e, ART_EXIT_LOCAL,
			      "git could not move the %ld new objects of %s into %s/objects (a corrupt object?)",
			      n, from, commondir);
		goto out;
	}
	*moved = n;
	if (index_packs(from, store_env, moved) < 0) {
		rc = art_errf(e, ART_EXIT_LOCAL, "git could not index a pack of %s into %s/objects",
			      from, commondir);
		goto out;
	}
	/* moved, or never git's: nothing of it stays */
	art_rm_rf(from);
out:
	for (i = 0; read_env[i]; i++)
		free(read_env[i]);
	for (i = 0; store_env[i]; i++)
		free(store_env[i]);
	free(read_env);
	free(store_env);
	free(list);
	free(pack);
	return rc;
}
