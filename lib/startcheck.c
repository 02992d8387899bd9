/* startcheck.c - start checks; see startcheck.h. */
#include "startcheck.h"

#include <ctype.h>
#include <string.h>

#include "fs.h"
#include "jsonio.h"
#include "secrets.h"

#define ENV_SCAN_MAX (1u << 20)

/*
 * The first line (1-based) that assigns a value, NAME=value or
 * export NAME=value, or 0.  Empty values, "" and '' do not count.
 */
static size_t first_assignment(const char *p, size_t len)
{
	const char *end = p + len;
	size_t line = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q = p;

		if (!eol)
			eol = end;
		line++;
		while (q < eol && isblank((unsigned char)*q))
			q++;
		/* cppcheck-suppress knownConditionTrueFalse ; false positive:
		 * cppcheck takes eol (memchr's) for the line's start */
		if (eol - q > 7 && !strncmp(q, "export", 6) &&
		    isblank((unsigned char)q[6]))
			for (q += 6; q < eol && isblank((unsigned char)*q); q++)
				;
		if (q < eol && (isalpha((unsigned char)*q) || *q == '_')) {
			while (q < eol && (isalnum((unsigned char)*q) || *q == '_'))
				q++;
			while (q < eol && isblank((unsigned char)*q))
				q++;
			if (q < eol && *q == '=') {
				const char *v = q + 1, *ve = eol;

				while (v < ve && isblank((unsigned char)*v))
					v++;
				while (ve > v && isspace((unsigned char)ve[-1]))
					ve--;
				if (ve > v && *v != '#' &&
				    !(ve - v == 2 && (*v == '"' || *v == '\'') &&
				      v[1] == *v))
					return line;
			}
		}
		p = eol + 1;
	}
	return 0;
}

struct walk {
	git_repository *repo;
	json_t *reasons;
};

static int visit(const char *root, const git_tree_entry *te, void *payload)
{
	struct walk *w = payload;
	const char *name = git_tree_entry_name(te);
	git_blob *blob;
	char *path;
	size_t line = 0;
	int too_big = 0;

	if (!*root && !strcmp(name, ".agent")) {
		json_array_append_new(w->reasons,
			json_pack("{s:s, s:s, s:s}", "check", "agent_dir",
				  "path", ".agent", "message",
				  "the base tree has .agent, which art keeps for the run's own files"));
		return 0;
	}
	if (git_tree_entry_type(te) != GIT_OBJECT_BLOB || !art_secrets_is_env_file(name))
		return 0;
	if (git_tree_entry_filemode(te) == GIT_FILEMODE_LINK) {
		/* the link itself is harmless; what it opens is not */
		path = art_asprintf("%s%s", root, name);
		json_array_append_new(w->reasons,
			json_pack("{s:s, s:o, s:s}", "check", "env_file",
				  "path", art_json_bytes(path), "message",
				  "a .env symlink is in the tree: it would open a secrets file outside the run"));
		free(path);
		return 0;
	}
	if (git_blob_lookup(&blob, w->repo, git_tree_entry_id(te)) < 0)
		return -1;
	if ((size_t)git_blob_rawsize(blob) > ENV_SCAN_MAX)
		too_big = 1;
	else
		line = first_assignment(git_blob_rawcontent(blob),
					(size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	if (!line && !too_big)
		return 0;
	path = art_asprintf("%s%s", root, name);
	if (too_big)
		json_array_append_new(w->reasons,
			json_pack("{s:s, s:o, s:s}", "check", "env_file",
				  "path", art_json_bytes(path), "message",
				  "a .env file too large to scan is in the tree"));
	else
		json_array_append_new(w->reasons,
			json_pack("{s:s, s:o, s:I, s:s}", "check", "env_file",
				  "path", art_json_bytes(path), "line", (json_int_t)line,
				  "message",
				  "a .env file with a value is in the tree; secrets do not belong in git"));
	free(path);
	return 0;
}

int art_start_checks(git_repository *repo, const git_commit *base,
		     json_t *allowlist, json_t *reasons, art_err *e)
{
	struct walk w = { repo, reasons };
	git_tree *tree;
	int rc;

	if (json_array_size(allowlist) == 0)
		json_array_append_new(reasons,
			json_pack("{s:s, s:s}", "check", "scope_allowlist",
				  "message",
				  "the agent's scopeAllowlist is empty: it could change nothing"));
	if (git_commit_tree(&tree, base) < 0)
		return art_err_git(e, ART_EXIT_LOCAL, "cannot read the base tree");
	rc = git_tree_walk(tree, GIT_TREEWALK_PRE, visit, &w);
	git_tree_free(tree);
	if (rc < 0)
		return art_err_git(e, ART_EXIT_LOCAL, "cannot scan the base tree");
	return 0;
}
