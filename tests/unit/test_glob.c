/*
 * test_glob.c - art_glob_match and art_glob_invalid, table-driven.
 *
 * The expected answers are git's (git ls-files ':(glob)PATTERN'); the
 * bats file tests/glob.bats checks the same matcher against git itself
 * on a generated repository.  The one place where art deliberately does
 * not follow git is marked below.
 */
#include "check.h"
#include "glob.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *pattern, *path;
	int want;
} cases[] = {
	/* literal: anchored at the root, whole path, case-sensitive */
	{ "a.md", "a.md", 1 },
	{ "a.md", "b.md", 0 },
	{ "a.md", "a.mdx", 0 },
	{ "a.md", "x/a.md", 0 },
	{ "src/main.c", "src/main.c", 1 },
	{ "src/main.c", "src/main.cc", 0 },
	{ "Src/main.c", "src/main.c", 0 },
	{ "main.c", "src/main.c", 0 },

	/* '*': any run inside one segment, never '/' */
	{ "*.c", "main.c", 1 },
	{ "*.c", "src/main.c", 0 },
	{ "*", "a", 1 },
	{ "*", "a/b", 0 },
	{ "src/*", "src/a", 1 },
	{ "src/*", "src/a/b", 0 },
	{ "src/*.c", "src/.c", 1 },
	{ "a*b", "ab", 1 },
	{ "a*b", "axxb", 1 },
	{ "a*b", "a/b", 0 },
	{ "a*b", "ax/yb", 0 },
	{ "*/*.py", "a/b.py", 1 },
	{ "*/*.py", "a/b/c.py", 0 },
	{ "a/*/c.py", "a/b/c.py", 1 },
	{ "a/*/c.py", "a/c.py", 0 },
	{ "a/*/c.py", "a/x/y/c.py", 0 },
	{ "tools/ssot_*.py", "tools/ssot_a.py", 1 },
	{ "tools/ssot_*.py", "tools/ssot_.py", 1 },
	{ "tools/ssot_*.py", "tools/sub/ssot_x.py", 0 },
	{ "tools/ssot_*.py", "tools/ssot_/x.py", 0 },
	{ "tools/ssot_*.py", "tools/ssot_a.sh", 0 },

	/* '?': exactly one byte, not '/' */
	{ "?.c", "a.c", 1 },
	{ "?.c", "ab.c", 0 },
	{ "?.c", ".c", 0 },
	{ "a?b", "a/b", 0 },
	{ "file?", "file1", 1 },
	{ "file?", "file", 0 },

	/* bracket expressions */
	{ "[abc].c", "b.c", 1 },
	{ "[abc].c", "d.c", 0 },
	{ "[a-z].c", "q.c", 1 },
	{ "[a-z].c", "Q.c", 0 },
	{ "[a-z0-9]x", "5x", 1 },
	{ "[z-a]", "m", 0 },
	{ "[!a].c", "a.c", 0 },
	{ "[!a].c", "b.c", 1 },
	{ "[^a].c", "a.c", 0 },
	{ "[^a].c", "b.c", 1 },
	{ "[]]", "]", 1 },
	{ "[]a]", "a", 1 },
	{ "[]a]", "b", 0 },
	{ "[!]]", "]", 0 },
	{ "[!]]", "x", 1 },
	{ "[a-]", "-", 1 },
	{ "[-a]", "-", 1 },
	{ "[\\]]", "]", 1 },
	{ "[a\\-z]", "-", 1 },
	{ "[a\\-z]", "m", 0 },
	{ "a[/]b", "a/b", 0 },
	{ "a[!x]b", "a/b", 0 },
	{ "[a-c", "a", 0 },
	{ "[[:alpha:]]", "x", 1 },
	{ "[[:alpha:]]", "1", 0 },
	{ "[[:digit:]]x", "7x", 1 },
	{ "[[:digit:]]", "a", 0 },
	{ "[[:upper:][:digit:]]", "Q", 1 },
	{ "[[:upper:][:digit:]]", "7", 1 },
	{ "[[:upper:][:digit:]]", "q", 0 },
	{ "[![:digit:]]", "a", 1 },
	{ "[![:digit:]]", "5", 0 },
	{ "[[:alnum:]_]*", "_x", 1 },
	{ "[[:space:]]*", " lead", 1 },
	{ "[[:punct:]]*", "#hash", 1 },
	{ "[[:xdigit:]][[:xdigit:]]", "fA", 1 },
	{ "[[:xdigit:]]", "g", 0 },
	{ "[[:bogus:]]", "b", 0 },  /* unknown class: no match at all */
	{ "[[:alpha:]", "a", 0 },   /* unterminated */
	{ "[[:]x]", ":x]", 1 },      /* no ":]": the class is [[:] */
	{ "[[:]x]", "[x]", 1 },
	{ "[[:]x]", "x", 0 },

	/* backslash escapes */
	{ "\\*", "*", 1 },
	{ "\\*", "a", 0 },
	{ "a\\?b", "a?b", 1 },
	{ "a\\?b", "axb", 0 },
	{ "\\[x]", "[x]", 1 },
	{ "\\[x]", "x", 0 },
	{ "[x]", "x", 1 },
	{ "[x]", "[x]", 1 },         /* the literal rule: the name itself */
	{ "a\\b", "ab", 1 },
	{ "ab\\", "ab", 0 },         /* a trailing backslash matches nothing */
	{ "back\\\\slash", "back\\slash", 1 },
	{ "a\\ b", "a b", 1 },

	/* '**' as a whole segment */
	{ "**", "a", 1 },
	{ "**", "a/b/c", 1 },
	{ "***", "a/b", 1 },
	{ "**/c.py", "c.py", 1 },
	{ "**/c.py", "a/b/c.py", 1 },
	{ "**/c.py", "a/bc.py", 0 },
	{ "**/*.md", "README.md", 1 },
	{ "**/*.md", "docs/x/y.md", 1 },
	{ "a/**", "a/b", 1 },
	{ "a/**", "a/b/c", 1 },
	{ "a/**", "a", 0 },
	{ "a/**", "ab/c", 0 },
	{ "a/**/b", "a/b", 1 },
	{ "a/**/b", "a/x/b", 1 },
	{ "a/**/b", "a/x/y/b", 1 },
	{ "a/**/b", "a/xb", 0 },
	{ "a/**/b", "ab", 0 },
	{ "a/***/b", "a/x/y/b", 1 },
	{ "a/**/b/c.py", "a/b/c.py", 1 },
	{ "a/**/b/c.py", "a/x/y/b/c.py", 1 },
	{ "**/x/**", "a/x/b", 1 },
	{ "**/x/**", "x/b", 1 },
	{ "**/x/**", "ax/b", 0 },
	{ "**/", "a/b", 0 },         /* only a directory could end in '/' */
	{ "docs/**/*.md", "docs/a.md", 1 },
	{ "docs/**/*.md", "docs/40-security/x.md", 1 },
	{ "docs/**/*.md", "docs/40-security/x.txt", 0 },
	{ "backend_django/apps/**", "backend_django/apps/x", 1 },
	{ "backend_django/apps/**", "backend_django/apps/a/b/c", 1 },
	{ "backend_django/apps/**", "backend_django/apps_evil/x", 0 },
	{ "backend_django/apps/**", "backend_django/apps", 0 },
	/* "**\/" (escaped slash) still closes a whole-segment '**' in git */
	{ "a/**\\/c.py", "a/b/c.py", 1 },
	{ "a/**\\/c.py", "a/x/b/c.py", 1 },
	{ "a/**\\/c.py", "a/c.py", 0 },

	/* '**' inside a segment is '*' */
	{ "a**b", "axb", 1 },
	{ "a**b", "a/b", 0 },
	{ "a**b", "ax/yb", 0 },
	{ "**b", "xb", 1 },
	{ "**b", "x/b", 0 },
	{ "a?**", "axc", 1 },
	{ "a?**", "axc/d", 0 },
	{ "a/**b/c", "a/xb/c", 1 },
	{ "a/**b/c", "a/x/b/c", 0 },
	/*
	 * Deliberately not git: git matches the literal part before the
	 * first wildcard with strncmp and hands the rest to wildmatch, so in
	 * "a/b**" the '**' looks to wildmatch like a leading whole segment
	 * and git lists a/bc/d.  gitglossary(7) calls such '**' invalid;
	 * art keeps the documented rule, '*'.
	 */
	{ "a/b**", "a/bc", 1 },
	{ "a/b**", "a/bc/d", 0 },

	/* the literal-directory rule of git pathspecs */
	{ "docs", "docs/a.md", 1 },
	{ "docs/", "docs/a.md", 1 },
	{ "docs", "docs", 1 },
	{ "docs/", "docs", 0 },
	{ "doc", "docs/a.md", 0 },
	{ "docs", "docsx/a.md", 0 },
	{ "docs/40-security", "docs/40-security/x.md", 1 },
	{ "docs/40-security", "docs/40-security-old/x.md", 0 },
	{ "doc*", "docs/a.md", 0 },  /* only a literal name covers below */
	{ "doc*", "docs", 1 },

	/* a leading '/' is ignored */
	{ "/docs", "docs/a.md", 1 },
	{ "/a.md", "a.md", 1 },
	{ "/*.md", "a.md", 1 },
	{ "/*.md", "x/a.md", 0 },
	{ "/**/c.py", "a/c.py", 1 },

	/* dotfiles are ordinary names */
	{ "*", ".env", 1 },
	{ ".*", ".env", 1 },
	{ "?env", ".env", 1 },
	{ "[.]env", ".env", 1 },
	{ "*.local", "sub/.env.local", 0 },
	{ "*/.env*", "sub/.env.local", 1 },
	{ "**/.env*", ".env", 1 },
	{ "**/.env*", "sub/.env.local", 1 },
	{ "**/.env*", "sub/deep/.envrc", 1 },

	/* spaces and UTF-8 (bytes: '?' is one byte) */
	{ "my docs/*.md", "my docs/a b.md", 1 },
	{ "my docs", "my docs/a b.md", 1 },
	{ "* *", "a b", 1 },
	{ "*\\ *", "a b", 1 },
	{ "* *", "ab", 0 },
	{ "caf\xc3\xa9/*", "caf\xc3\xa9/menu.txt", 1 },
	{ "caf?/*", "caf\xc3\xa9/menu.txt", 0 },
	{ "caf?" "?/*", "caf\xc3\xa9/menu.txt", 1 },
	{ "caf*", "caf\xc3\xa9", 1 },
	{ "*.txt", "\xe6\x97\xa5\xe6\x9c\xac.txt", 1 },
	{ "???.txt", "\xe6\x97\xa5.txt", 1 },
	{ "?.txt", "\xe6\x97\xa5.txt", 0 },
	{ "[[:alpha:]]*", "\xc3\xa9toile", 0 },
	{ "[\xc3][\xa9]*", "\xc3\xa9toile", 1 },
};

static char *repeat(char c, size_t n, const char *tail)
{
	size_t t = strlen(tail);
	char *s = malloc(n + t + 1);

	if (!s)
		abort();
	memset(s, c, n);
	memcpy(s + n, tail, t + 1);
	return s;
}

int main(void)
{
	size_t i;
	char *as, *asb, *deep, *long_ok, *long_bad;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int got = art_glob_match(cases[i].pattern, cases[i].path);

		CHECK(got == cases[i].want, "\"%s\" vs \"%s\": got %d, want %d",
		      cases[i].pattern, cases[i].path, got, cases[i].want);
	}

	/* pathological patterns: must stay polynomial (ASan runs see them) */
	as = repeat('a', 2000, "");
	asb = repeat('a', 2000, "b");
	CHECK(!art_glob_match("a*a*a*a*a*a*a*a*a*b", as), "a*...*b vs a^2000");
	CHECK(art_glob_match("a*a*a*a*a*a*a*a*a*b", asb), "a*...*b vs a^2000b");
	CHECK(!art_glob_match("*a*a*a*a*a*a*a*a*a*a*c", asb), "*a*...*c");
	deep = repeat('/', 0, "a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/c");
	CHECK(!art_glob_match("**/a/**/a/**/a/**/a/**/a/**/b", deep),
	      "nested '**' against a deep path");
	CHECK(art_glob_match("**/a/**/a/**/a/**/a/**/a/**/c", deep),
	      "nested '**' against a deep path, matching");
	CHECK(!art_glob_match("**/*a*a*a*a*a*a*b", as), "'**' then stars");

	/* art_glob_invalid */
	long_ok = repeat('x', 4096, "");
	long_bad = repeat('x', 4097, "");
	CHECK(art_glob_invalid("") != NULL, "empty pattern accepted");
	CHECK(art_glob_invalid("/") != NULL, "\"/\" accepted");
	CHECK(art_glob_invalid(NULL) != NULL, "NULL accepted");
	CHECK(art_glob_invalid(long_bad) != NULL, "4097 bytes accepted");
	CHECK(art_glob_invalid(long_ok) == NULL, "4096 bytes refused");
	CHECK(art_glob_invalid("docs/**/*.md") == NULL, "docs/**/*.md refused");
	CHECK(art_glob_invalid("**") == NULL, "** refused");
	CHECK(art_glob_invalid("/docs") == NULL, "/docs refused");
	CHECK(art_glob_invalid("docs/") == NULL, "docs/ refused");
	CHECK(art_glob_invalid("./Makefile") != NULL, "./Makefile accepted");
	CHECK(art_glob_invalid("src//x") != NULL, "src//x accepted");
	CHECK(art_glob_invalid("a/../b") != NULL, "a/../b accepted");
	CHECK(art_glob_invalid("a/.") != NULL, "a/. accepted");
	CHECK(art_glob_invalid(".github/**") == NULL, ".github/** refused");
	/* a run of whole-segment '**' is one '**' */
	CHECK(art_glob_match("**/**/**/x", "x"), "**/**/**/x vs x");
	CHECK(art_glob_match("**/**/**/x", "a/b/c/d/x"), "**/**/**/x vs a/b/c/d/x");
	CHECK(!art_glob_match("**/**/**/x", "a/b/y"), "**/**/**/x vs a/b/y");
	CHECK(art_glob_match("a/**/**", "a/b/c"), "a/**/** vs a/b/c");
	CHECK(art_glob_match(long_ok, long_ok), "4096-byte literal");

	free(as);
	free(asb);
	free(deep);
	free(long_ok);
	free(long_bad);
	return CHECK_DONE();
}
