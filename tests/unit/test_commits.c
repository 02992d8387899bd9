/*
 * test_commits.c - the conventional-commit rule of art-close: the
 * messages it accepts and each way a message can miss it.
 */
#include "check.h"
#include "commits.h"

#include <string.h>

static void ok(const char *msg)
{
	const char *why = art_commit_message_problem(msg);

	CHECK(why == NULL, "\"%s\": refused: %s", msg, why);
}

/* refused, for a reason that mentions hint */
static void bad(const char *msg, const char *hint)
{
	const char *why = art_commit_message_problem(msg);

	CHECK(why && strstr(why, hint), "\"%s\": got %s, want a reason with \"%s\"",
	      msg, why ? why : "accepted", hint);
}

int main(void)
{
	static const char *const types[] = { "feat", "fix", "docs", "test",
					     "chore", "refactor" };
	char msg[128];
	size_t i;

	for (i = 0; i < sizeof types / sizeof *types; i++) {
		snprintf(msg, sizeof msg, "%s(core): do a thing", types[i]);
		ok(msg);
	}
	ok("feat(scope-check): a body follows\n\nWhy it was done.\n");
	ok("fix(lib/glob.c): areas may hold dots and slashes");
	ok("docs(a): x");
	/* 64 bytes of area is the most */
	snprintf(msg, sizeof msg, "feat(%.*s): x", 64,
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	ok(msg);
	snprintf(msg, sizeof msg, "feat(%.*s): x", 65,
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	bad(msg, "longer than 64");

	bad("wip stuff", "does not start with type(area)");
	bad("feat: no area", "does not start with type(area)");
	bad("Feat(core): capital", "does not start with type(area)");
	bad("style(core): not a type here", "does not start with type(area)");
	bad("feature(core): a longer word", "does not start with type(area)");
	bad("", "does not start with type(area)");
	bad("feat(): x", "empty area");
	bad("feat(a b): x", "closed by ')'");
	bad("feat(a(b)): x", "closed by ')'");
	bad("feat(a:b): x", "closed by ')'");
	bad("feat(core", "closed by ')'");
	bad("feat(core\n): x", "closed by ')'");
	bad("feat(core):x", "\": \"");
	bad("feat(core) : x", "\": \"");
	bad("feat(core)!: breaking", "\": \"");
	bad("feat(core): ", "empty description");
	bad("feat(core):  two spaces", "empty description");
	bad("feat(core): \nbody", "empty description");
	return CHECK_DONE();
}
