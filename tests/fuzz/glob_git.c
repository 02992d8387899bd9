/*
 * glob_git - the path matcher against git itself (differential).  The
 * input is one pattern, as a registry or profile would hold it; the
 * paths are a fixed set of 912 names in the index of a scratch
 * repository, made of segments that the pattern alphabet (glob_git.dict)
 * can hit: letters, dots, spaces, '[', ']', '*', '?', '\', '-', UTF-8.
 * For each pattern the paths art_glob_match accepts must be exactly those
 * `git ls-files -z -- ':(glob)PATTERN'` lists: git's own matcher, run as
 * a process (about 2 ms a pattern).
 *
 * Not compared (the same cases as tests/glob.bats; see its header):
 *  - a pattern art refuses (art_glob_invalid: '//', '.', '..' segments,
 *    empty, longer than 4096 bytes): git normalizes those as paths;
 *  - a leading '/' is dropped for git (git reads it as an absolute path;
 *    art ignores it);
 *  - '**' that is the first wildcard of the pattern but not a whole
 *    segment, followed by '/' or the end ("a/b**", "ab**\/c"): git
 *    matches the wildcard-free head with strncmp and hands the rest to
 *    wildmatch, which then takes '**' for a whole segment; gitglossary(7)
 *    calls such a '**' invalid, and art keeps the documented rule ('*').
 */
#include "fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include "glob.h"

extern char **environ;

static const char *const leaves[] = {
	"a", "b", "ab", "a.c", "b.c", "a.md", ".env", "x y", "[x]", "*", "q?",
	"\\", "-", "]", "\xc3\xa9", "a[b]",
};
static const char *const dirs[] = {
	"d", "dd", "ad", "d.d", "[d]", "d d", "d\xc3\xa9", "*d",
};
#define NLEAVES (sizeof leaves / sizeof *leaves)
#define NDIRS (sizeof dirs / sizeof *dirs)
#define NDEEP 4 /* the first dirs, as second and third level */
#define NPATHS (NLEAVES + NDIRS * NLEAVES + NDIRS * NDEEP * NLEAVES + \
		NDIRS * NDEEP * NDEEP * 2)

static char *paths[NPATHS];
static size_t npaths;
static const char *top;
static char *env[8];

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add(const char *a, const char *b, const char *c, const char *d)
{
	char *p;

	if (asprintf(&p, "%s%s%s%s%s%s%s", a, b ? "/" : "", b ? b : "",
		     c ? "/" : "", c ? c : "", d ? "/" : "", d ? d : "") < 0)
		abort();
	paths[npaths++] = p;
}

/*
 * Run git with args in top, stdin from in_path (or /dev/null); its
 * stdout into *out (malloc'd, *len bytes).  The exit status, -1 when
 * it did not exit.
 */
static int git(const char *const *args, const char *in_path, char **out,
	       size_t *len)
{
	posix_spawn_file_actions_t fa;
	char *argv[16];
	int pfd[2], st, n = 0;
	size_t cap = 65536;
	ssize_t r;
	pid_t pid;

	argv[n++] = "git";
	argv[n++] = "-C";
	argv[n++] = (char *)top;
	while (*args)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		abort();
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in_path ? in_path : "/dev/null",
					 O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	if (posix_spawnp(&pid, "git", &fa, NULL, argv, env) != 0) {
		perror("fuzz: git");
		abort();
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	*len = 0;
	*out = malloc(cap);
	while (*out && (r = read(pfd[0], *out + *len, cap - *len)) != 0) {
		/* libFuzzer's timers interrupt */
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			abort();
		*len += (size_t)r;
		if (*len == cap)
			*out = realloc(*out, cap *= 2);
	}
	if (!*out)
		abort();
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			abort();
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The scratch repository: every path in the index, as an empty blob. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const init[] = { "init", "-q", NULL };
	static const char *const blob[] = { "hash-object", "-w", "--stdin", NULL };
	static const char *const update[] = { "update-index", "-z", "--index-info", NULL };
	char *out, *list, *pathenv;
	size_t len, i, j, k;
	FILE *f;

	(void)argc;
	(void)argv;
	top = fuzz_tmpdir("glob_git");
	/* git's own defaults: no user or system configuration */
	if (asprintf(&pathenv, "PATH=%s", getenv("PATH") ? getenv("PATH")
							 : "/usr/bin:/bin") < 0 ||
	    asprintf(&env[1], "HOME=%s", top) < 0)
		abort();
	env[0] = pathenv;
	env[2] = "GIT_CONFIG_NOSYSTEM=1";
	env[3] = "GIT_CONFIG_GLOBAL=/dev/null";
	env[4] = "LC_ALL=C";
	env[5] = NULL;
	for (i = 0; i < NLEAVES; i++)
		add(leaves[i], NULL, NULL, NULL);
	for (i = 0; i < NDIRS; i++)
		for (j = 0; j < NLEAVES; j++) {
			add(dirs[i], leaves[j], NULL, NULL);
			for (k = 0; k < NDEEP; k++)
				add(dirs[i], dirs[k], leaves[j], NULL);
		}
	for (i = 0; i < NDIRS; i++)
		for (j = 0; j < NDEEP; j++)
			for (k = 0; k < NDEEP; k++) {
				add(dirs[i], dirs[j], dirs[k], leaves[0]);
				add(dirs[i], dirs[j], dirs[k], leaves[7]);
			}
	qsort(paths, npaths, sizeof *paths, by_name);
	if (git(init, NULL, &out, &len) != 0)
		abort();
	free(out);
	if (git(blob, NULL, &out, &len) != 0 || len < 40)
		abort();
	out[40] = '\0';
	if (asprintf(&list, "%s/index-info", top) < 0 || !(f = fopen(list, "w")))
		abort();
	for (i = 0; i < npaths; i++)
		fprintf(f, "100644 %s\t%s%c", out, paths[i], 0);
	if (fclose(f))
		abort();
	free(out);
	if (git(update, list, &out, &len) != 0)
		abort();
	free(out);
	free(list);
	return 0;
}

/* The documented divergence: '**' first, mid-segment, then '/' or end. */
static int starstar_head(const char *p)
{
	size_t n = strcspn(p, "*?[\\");

	if (n == 0 || p[n] != '*' || p[n + 1] != '*' || p[n - 1] == '/')
		return 0;
	n += strspn(p + n, "*");
	return p[n] == '\0' || p[n] == '/' || (p[n] == '\\' && p[n + 1] == '/');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *pattern = fuzz_cstr(data, size), *spec, *out;
	const char *gitpat;
	const char *args[5] = { "ls-files", "-z", "--", NULL, NULL };
	unsigned char *git_has;
	size_t len, i, at;
	int st;

	if (strlen(pattern) != size || art_glob_invalid(pattern)) {
		free(pattern);
		return 0;
	}
	gitpat = pattern + (pattern[0] == '/');
	if (starstar_head(gitpat)) {
		free(pattern);
		return 0;
	}
	if (asprintf(&spec, ":(glob)%s", gitpat) < 0)
		abort();
	args[3] = spec;
	st = git(args, NULL, &out, &len);
	FUZZ_ASSERT(st == 0, "git ls-files refused pattern '%s' (status %d)",
		    pattern, st);
	git_has = calloc(npaths, 1);
	for (at = 0; at < len; at += strlen(out + at) + 1) {
		const char *name = out + at;
		char **hit;

		FUZZ_ASSERT(memchr(out + at, '\0', len - at), "unterminated output");
		hit = bsearch(&name, paths, npaths, sizeof *paths, by_name);
		FUZZ_ASSERT(hit, "git listed '%s', not a path of the index", name);
		git_has[hit - paths] = 1;
	}
	for (i = 0; i < npaths; i++) {
		int art = art_glob_match(pattern, paths[i]);

		FUZZ_ASSERT(art == git_has[i],
			    "pattern '%s' (git ':(glob)%s'), path '%s': art %s, git %s",
			    pattern, gitpat, paths[i], art ? "matches" : "does not",
			    git_has[i] ? "matches" : "does not");
	}
	free(git_has);
	free(out);
	free(spec);
	free(pattern);
	return 0;
}
