/*
 * test_changes.c - one record per path across steps: the change a path
 * shows from start to end, rename partners, secret hits kept once, and
 * which symlink targets leave the checkout.
 */
#include "changes.h"
#include "check.h"

#include <string.h>

static git_oid A, B;

static const char *kind_after(unsigned m0, const git_oid *i0, unsigned m1,
			      const git_oid *i1, unsigned m2, const git_oid *i2)
{
	static char buf[32];
	art_changes c = { 0 };
	art_change *ch = art_changes_step(&c, "p", m0, i0, m1, i1, NULL);

	if (m2 != 1)
		ch = art_changes_step(&c, "p", m1, i1, m2, i2, NULL);
	snprintf(buf, sizeof buf, "%s", art_change_kind(ch));
	art_changes_free(&c);
	return buf;
}

static void kind(const char *want, unsigned m0, const git_oid *i0,
		 unsigned m1, const git_oid *i1, unsigned m2, const git_oid *i2)
{
	const char *got = kind_after(m0, i0, m1, i1, m2, i2);

	CHECK(!strcmp(got, want), "%06o -> %06o -> %06o: got %s, want %s", m0,
	      m1, m2, got, want);
}

static int escapes(const char *path, const char *target)
{
	art_changes c = { 0 };
	art_change *ch = art_changes_step(&c, path, 0, NULL, GIT_FILEMODE_LINK, &A, NULL);
	int r;

	art_change_link(ch, target, strlen(target));
	r = ch->escape != NULL;
	art_changes_free(&c);
	return r;
}

int main(void)
{
	const unsigned F = GIT_FILEMODE_BLOB, X = GIT_FILEMODE_BLOB_EXECUTABLE,
		       L = GIT_FILEMODE_LINK;
	art_changes c = { 0 };
	art_change *ch;

	memset(&A, 0xaa, sizeof A);
	memset(&B, 0xbb, sizeof B);

	/* one step (third mode 1: no second step) */
	kind("added", 0, NULL, F, &A, 1, NULL);
	kind("deleted", F, &A, 0, NULL, 1, NULL);
	kind("modified", F, &A, F, &B, 1, NULL);
	kind("mode", F, &A, X, &A, 1, NULL);
	kind("modified", F, &A, X, &B, 1, NULL);
	kind("typechange", F, &A, L, &B, 1, NULL);
	/* two steps */
	kind("added", 0, NULL, F, &A, F, &B);
	kind("deleted", 0, NULL, F, &A, 0, NULL);      /* added, then removed */
	kind("modified", F, &A, F, &B, F, &A);         /* changed back: still touched */
	kind("mode", F, &A, X, &A, X, &A);
	kind("modified", F, &A, F, NULL, F, &A);       /* unknown content */

	/* a rename: both paths, each pointing at the other */
	ch = art_changes_step(&c, "old", F, &A, 0, NULL, NULL);
	ch->to = strdup("new");
	ch = art_changes_step(&c, "new", 0, NULL, F, &A, NULL);
	ch->from = strdup("old");
	art_changes_sort(&c);
	CHECK(c.n == 2 && !strcmp(c.v[0].path, "new") && !strcmp(c.v[1].path, "old"),
	      "sorted by path");
	CHECK(!strcmp(art_change_kind(&c.v[0]), "renamed"), "new side renamed");
	CHECK(!strcmp(art_change_kind(&c.v[1]), "renamed"), "old side renamed");
	art_changes_free(&c);

	/* hits: once each (rule, line, commit) */
	ch = art_changes_step(&c, "s", 0, NULL, F, &A, NULL);
	art_change_hit(ch, "jwt", 3, NULL);
	art_change_hit(ch, "jwt", 3, NULL);
	art_change_hit(ch, "jwt", 3, &B);
	art_change_hit(ch, "npm-token", 3, NULL);
	CHECK(ch->nhits == 3, "hits: %zu", ch->nhits);
	/* a gitlink on either side is remembered */
	ch = art_changes_step(&c, "mod", 0, NULL, GIT_FILEMODE_COMMIT, &A, NULL);
	CHECK(ch->gitlink, "gitlink");
	art_changes_free(&c);

	CHECK(escapes("a/l", "/etc/passwd"), "absolute");
	CHECK(escapes("a/l", "../../x"), "two up from one down");
	CHECK(escapes("l", "../x"), "one up from the top");
	CHECK(escapes("a/b/l", "../../../other-worktree/x"), "three up");
	CHECK(escapes("a/l", "x/../../../y"), "down, then further up");
	CHECK(!escapes("a/l", "../x"), "to the top");
	CHECK(!escapes("a/b/l", "../c/./d"), "sideways");
	CHECK(!escapes("l", "a/b/../c"), "down and back");
	CHECK(!escapes("a/l", "x"), "beside it");
	CHECK(!escapes("a/l", ""), "empty");
	return CHECK_DONE();
}
