/*
 * config - registry, profile and manifest validation (registry.c,
 * manifest.c).  The first byte says which file the rest is:
 *
 *	r  agents/agents_registry.json (art_registry_load)
 *	p  agents/profiles/fuzz_agent.json under a fixed registry
 *	   (art_profile_load), then the manifest built from both
 *	m  a run manifest (art_manifest_parse), as read from a run record
 *	   or from .agent/manifest.json, which the agent can write
 *
 * The registry and profiles are files of the repository: anyone who can
 * push can write them, and art reads them on every start.  They are
 * written into a scratch repository and read back the way art reads
 * them (through art_read_beneath, under the 1 MiB limit).
 *
 * Properties: a registry that loads has its defaults filled in; a
 * manifest built from a registry and a profile that load is itself a
 * valid manifest.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "jsonio.h"
#include "manifest.h"
#include "registry.h"

static art_repo repo;
static const char *top;

/* The registry the profiles are read under: agent "fuzz", with items
 * a profile could clash with. */
static const char fixed_registry[] =
	"{\"version\":1,\"agents\":[{\"agent\":\"fuzz\"}],"
	"\"protectedApprovals\":[{\"ticket\":\"T-1\",\"paths\":[\"Makefile\"]}],"
	"\"dod\":[{\"id\":\"test\",\"run\":\"make check\"}]}";

static void put(const char *rel, const void *data, size_t size)
{
	char *path;
	int fd;

	if (asprintf(&path, "%s/%s", top, rel) < 0)
		abort();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || close(fd))
		abort();
	free(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	git_repository *g;
	art_err e = { 0 };
	char *dir;

	(void)argc;
	(void)argv;
	top = fuzz_tmpdir("config");
	git_libgit2_init();
	if (git_repository_init(&g, top, 0) < 0)
		abort();
	git_repository_free(g);
	if (asprintf(&dir, "%s/agents", top) < 0 || mkdir(dir, 0755) < 0)
		abort();
	free(dir);
	if (asprintf(&dir, "%s/agents/profiles", top) < 0 || mkdir(dir, 0755) < 0)
		abort();
	free(dir);
	if (art_repo_open(&repo, top, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		abort();
	}
	return 0;
}

static void manifest(const uint8_t *data, size_t size)
{
	art_err e = { 0 };
	json_t *m;

	if (art_manifest_parse("manifest.json", (const char *)data, size, &m, &e) == 0)
		json_decref(m);
	else
		FUZZ_ASSERT(e.status == ART_EXIT_INPUT, "status %d", e.status);
}

static void registry(void)
{
	art_registry reg;
	art_err e = { 0 };

	if (art_registry_load(&repo, &reg, &e) != 0) {
		FUZZ_ASSERT(e.status == ART_EXIT_INPUT, "status %d: %s", e.status, e.msg);
		return;
	}
	FUZZ_ASSERT(json_is_array(reg.agents) && json_is_array(reg.protected) &&
		    json_is_array(reg.approvals) && json_is_array(reg.dod),
		    "a loaded registry without its lists");
	art_registry_free(&reg);
}

/* A profile that loads, and the manifest built from it. */
static void profile(void)
{
	art_registry reg;
	art_profile prof;
	art_run run = { .agent = "fuzz", .ticket = "T-1", .subject = "T-1/fuzz" };
	art_err e = { 0 };
	json_t *m, *back;
	char *s;

	if (art_registry_load(&repo, &reg, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		abort();
	}
	if (art_profile_load(&repo, &reg, "fuzz", &prof, &e) != 0) {
		FUZZ_ASSERT(e.status == ART_EXIT_INPUT, "status %d: %s", e.status, e.msg);
		art_registry_free(&reg);
		return;
	}
	run.branch = "feat/T-1-fuzz";
	run.worktree_rel = ".worktrees/T-1/fuzz";
	m = art_manifest_build(&run, &reg, &prof,
			       "0123456789abcdef0123456789abcdef01234567", "fuzz", &e);
	if (m) {
		s = json_dumps(m, JSON_COMPACT);
		FUZZ_ASSERT(art_manifest_parse("built", s, strlen(s), &back, &e) == 0,
			    "a built manifest does not parse: %s", e.msg);
		json_decref(back);
		free(s);
		json_decref(m);
	} else {
		/* only a definition-of-done id the registry has too */
		FUZZ_ASSERT(strstr(e.msg, "already a registry"), "%s", e.msg);
	}
	art_profile_free(&prof);
	art_registry_free(&reg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0]) {
	case 'r':
		put("agents/agents_registry.json", data + 1, size - 1);
		registry();
		break;
	case 'p':
		put("agents/agents_registry.json", fixed_registry,
		    sizeof fixed_registry - 1);
		put("agents/profiles/fuzz_agent.json", data + 1, size - 1);
		profile();
		break;
	default:
		manifest(data + 1, size - 1);
		break;
	}
	return 0;
}
