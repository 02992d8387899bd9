/* commits.c - the conventional-commit check; see commits.h. */
#define _GNU_SOURCE
#include "commits.h"

#include <stdlib.h>
#include <string.h>

#include "jsonio.h"

static const char *const types[] = {
	"feat", "fix", "docs", "test", "chore", "refactor",
};

#define AREA_MAX 64

const char *art_commit_message_problem(const char *msg)
{
	const char *p = msg, *area;
	size_t i, n;

	for (i = 0; i < sizeof types / sizeof *types; i++) {
		n = strlen(types[i]);
		if (!strncmp(p, types[i], n) && p[n] == '(')
			break;
	}
	if (i == sizeof types / sizeof *types)
		return "does not start with type(area): where type is feat, fix, docs, test, chore or refactor";
	area = p += n + 1;
	while (*p && *p != ')' && *p != '(' && *p != ':' && *p != '\n' &&
	       *p != ' ' && *p != '\t')
		p++;
	if (*p != ')')
		return "the area must be closed by ')' and hold no space, parenthesis or colon";
	if (p == area)
		return "empty area: type(area): description";
	if (p - area > AREA_MAX)
		return "the area is longer than 64 bytes";
	if (p[1] != ':' || p[2] != ' ')
		return "expected \": \" after the area";
	p += 3;
	if (*p == '\0' || *p == '\n' || *p == ' ' || *p == '\t' || *p == '\r')
		return "empty description";
	return NULL;
}

/* The first line of a message as a JSON string (raw bytes made valid),
 * whole up to a bound, so that whoever shortens it can redact it first. */
static json_t *first_line(const char *msg)
{
	size_t n = strcspn(msg, "\n");
	char *line = strndup(msg, n > ART_SUBJECT_MAX ? ART_SUBJECT_MAX : n);
	json_t *v;

	if (!line)
		abort();
	v = art_json_bytes(line);
	free(line);
	return v;
}

int art_commits_check(git_repository *repo, const git_oid *base,
		      const git_oid *head, json_t *bad, size_t *count,
		      art_err *e)
{
	git_revwalk *walk = NULL;
	git_oid oid;
	int rc = 0, grc;

	*count = 0;
	if (git_revwalk_new(&walk, repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0 ||
	    git_revwalk_push(walk, head) < 0 ||
	    git_revwalk_hide(walk, base) < 0) {
		rc = art_err_git(e, ART_EXIT_LOCAL, "cannot walk the run's commits");
		goto out;
	}
	while ((grc = git_revwalk_next(&oid, walk)) == 0) {
		git_commit *c = NULL;
		const char *msg, *why;
		char hex[GIT_OID_HEXSZ + 1];

		if (git_commit_lookup(&c, repo, &oid) < 0) {
			rc = art_err_git(e, ART_EXIT_LOCAL, "cannot read commit %s",
					 git_oid_tostr_s(&oid));
			goto out;
		}
		(*count)++;
		msg = git_commit_message_raw(c);
		if ((why = art_commit_message_problem(msg ? msg : "")) != NULL) {
			git_oid_tostr(hex, sizeof hex, &oid);
			json_array_append_new(bad, json_pack("{s:s, s:o, s:s}",
							     "commit", hex,
							     "subject", first_line(msg ? msg : ""),
							     "why", why));
		}
		git_commit_free(c);
	}
	if (grc != GIT_ITEROVER)
		rc = art_err_git(e, ART_EXIT_LOCAL, "cannot walk the run's commits");
out:
	git_revwalk_free(walk);
	return rc;
}
