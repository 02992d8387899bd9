/*
 * glob - the path matcher (glob.c) on any pattern and path.  Patterns
 * come from the registry, profiles and manifests (scopeAllowlist,
 * scopeDenylist, protected: anyone who can push writes them); paths
 * from git (a change's file names: whoever made the change chose them).
 * The input is PATTERN NUL PATH (no NUL: the path is empty).
 *
 * Looks for crashes and for patterns that make matching slow (a timeout
 * is a finding: the classic matcher is exponential without its aborts).
 * Properties: a leading '/' changes nothing; a pattern without wildcard
 * characters matches exactly itself and what is below it.
 */
#include "fuzz.h"

#include "glob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *pattern = fuzz_cstr(data, size), *rooted;
	size_t plen = strlen(pattern);
	const char *path = plen < size ? pattern + plen + 1 : "";
	int m;

	/* the rest may hold NULs too: the path ends at the next one */
	if (art_glob_invalid(pattern)) {
		free(pattern);
		return 0;
	}
	m = art_glob_match(pattern, path);
	if (pattern[0] != '/') {
		if (asprintf(&rooted, "/%s", pattern) < 0)
			abort();
		if (!art_glob_invalid(rooted))
			FUZZ_ASSERT(art_glob_match(rooted, path) == m,
				    "'/' changes the answer");
		free(rooted);
	}
	if (!strpbrk(pattern, "*?[\\")) {
		const char *lit = pattern + (pattern[0] == '/');
		size_t n = strlen(lit);
		int want = !strncmp(lit, path, n) &&
			   (path[n] == '\0' || path[n] == '/' || lit[n - 1] == '/');

		FUZZ_ASSERT(m == want, "literal pattern: %d, not %d", m, want);
	}
	free(pattern);
	return 0;
}
