/*
 * glob.c - the path matcher; see glob.h.
 *
 * The algorithm is the classic recursive wildcard matcher with two early
 * exits that keep it polynomial: ABORT_ALL (the text ran out, no later
 * start can help) and ABORT_TO_STARSTAR (a one-segment '*' reached a '/',
 * only an enclosing '**' can go on).
 */
#include "glob.h"

#include <ctype.h>
#include <string.h>

enum { NOMATCH = 0, MATCH = 1, ABORT_ALL = -1, ABORT_TO_STARSTAR = -2 };

#define ART_GLOB_MAX 4096

static int class_has(const unsigned char *name, size_t len, unsigned char c)
{
	static const struct {
		const char *name;
		int (*is)(int);
	} classes[] = {
		{ "alnum", isalnum }, { "alpha", isalpha }, { "blank", isblank },
		{ "cntrl", iscntrl }, { "digit", isdigit }, { "graph", isgraph },
		{ "lower", islower }, { "print", isprint }, { "punct", ispunct },
		{ "space", isspace }, { "upper", isupper }, { "xdigit", isxdigit },
	};
	size_t i;

	for (i = 0; i < sizeof classes / sizeof classes[0]; i++)
		if (strlen(classes[i].name) == len &&
		    !memcmp(classes[i].name, name, len))
			return classes[i].is(c) ? 1 : 0;
	return -1; /* unknown class name */
}

/*
 * Match the bracket expression starting just after '[' at *pp against c.
 * On return *pp points at the closing ']'.  Returns 1/0, or ABORT_ALL for
 * an unterminated or malformed class.
 */
static int match_class(const unsigned char **pp, unsigned char c)
{
	const unsigned char *p = *pp;
	unsigned char pc = *p, prev = 0;
	int negated = 0, matched = 0;

	if (pc == '^')
		pc = '!';
	if (pc == '!') {
		negated = 1;
		pc = *++p;
	}
	do {
		if (!pc)
			return ABORT_ALL;
		if (pc == '\\') {
			pc = *++p;
			if (!pc)
				return ABORT_ALL;
			if (c == pc)
				matched = 1;
		} else if (pc == '-' && prev && p[1] && p[1] != ']') {
			pc = *++p;
			if (pc == '\\') {
				pc = *++p;
				if (!pc)
					return ABORT_ALL;
			}
			if (c >= prev && c <= pc)
				matched = 1;
			pc = 0; /* a range cannot start another range */
		} else if (pc == '[' && p[1] == ':') {
			const unsigned char *name = p + 2, *q = name;
			int r;

			while (*q && *q != ']')
				q++;
			if (!*q)
				return ABORT_ALL;
			if (q == name || q[-1] != ':') {
				/* no ":]": the '[' is an ordinary member */
				if (c == '[')
					matched = 1;
			} else {
				r = class_has(name, (size_t)(q - 1 - name), c);
				if (r < 0)
					return ABORT_ALL;
				if (r)
					matched = 1;
				p = q;
				pc = 0;
			}
		} else if (c == pc) {
			matched = 1;
		}
		prev = pc;
		pc = *++p;
	} while (pc != ']');
	*pp = p;
	return matched != negated;
}

/* Recursive, once per '*' of the pattern (art_glob_match: at most
 * ART_GLOB_MAX bytes).  NOLINTNEXTLINE(misc-no-recursion) */
static int wild(const unsigned char *start, const unsigned char *p,
		const unsigned char *t)
{
	for (; *p; p++, t++) {
		unsigned char pc = *p;
		int any_depth, r;

		if (!*t && pc != '*')
			return ABORT_ALL;
		switch (pc) {
		case '\\':
			pc = *++p;
			/* a trailing backslash matches nothing */
			if (!pc || *t != pc)
				return NOMATCH;
			break;
		case '?':
			if (*t == '/')
				return NOMATCH;
			break;
		case '[':
			p++;
			r = match_class(&p, *t);
			if (r == ABORT_ALL)
				return ABORT_ALL;
			if (!r || *t == '/')
				return NOMATCH;
			break;
		case '*':
			any_depth = 0;
			if (p[1] == '*') {
				int seg_start = p == start || p[-1] == '/';

				while (p[1] == '*')
					p++;
				/*
				 * '**' spans segments only as a whole segment;
				 * like git, an escaped '/' also ends one.
				 */
				if (seg_start &&
				    (p[1] == '\0' || p[1] == '/' ||
				     (p[1] == '\\' && p[2] == '/'))) {
					/* a run of whole-segment double stars is
					 * one: trying each would be exponential */
					while (p[1] == '/' && p[2] == '*' && p[3] == '*' &&
					       (p[4] == '/' || p[4] == '\0'))
						p += 3;
					if (p[1] == '/') { /* zero segments */
						r = wild(start, p + 2, t);
						if (r == MATCH || r == ABORT_ALL)
							return r;
					}
					any_depth = 1;
				}
			}
			p++;
			if (!*p)
				return any_depth || !strchr((const char *)t, '/')
					? MATCH : NOMATCH;
			if (!any_depth && *p == '/') {
				/* '*' then '/': jump to the segment's end */
				const char *slash = strchr((const char *)t, '/');

				if (!slash)
					return NOMATCH;
				t = (const unsigned char *)slash;
				break;
			}
			for (; *t; t++) {
				r = wild(start, p, t);
				if (r != NOMATCH) {
					if (!any_depth || r != ABORT_TO_STARSTAR)
						return r;
				} else if (!any_depth && *t == '/') {
					return ABORT_TO_STARSTAR;
				}
			}
			return ABORT_ALL;
		default:
			if (*t != pc)
				return NOMATCH;
			break;
		}
	}
	return *t ? NOMATCH : MATCH;
}

/* Paths in git have no empty, "." or ".." segment: a pattern with one
 * would silently match nothing. */
static const char *bad_segment(const char *p)
{
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0)
			return "empty path segment ('//')";
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return "'.' or '..' segment (patterns start at the top of the repository)";
		p += n;
		if (*p == '/')
			p++;
	}
	return NULL;
}

const char *art_glob_invalid(const char *pattern)
{
	if (!pattern || !*pattern)
		return "empty pattern";
	if (strlen(pattern) > ART_GLOB_MAX)
		return "pattern longer than 4096 bytes";
	if (!strcmp(pattern, "/"))
		return "pattern is only '/'";
	return bad_segment(*pattern == '/' ? pattern + 1 : pattern);
}

int art_glob_match(const char *pattern, const char *path)
{
	size_t n;

	if (*pattern == '/')
		pattern++;
	n = strlen(pattern);
	if (n > ART_GLOB_MAX) /* invalid: and wild's depth is bounded */
		return 0;
	/* A literal directory name covers what is below it (git pathspec). */
	if (n && !strncmp(pattern, path, n) &&
	    (path[n] == '\0' || path[n] == '/' || pattern[n - 1] == '/'))
		return 1;
	return wild((const unsigned char *)pattern,
		    (const unsigned char *)pattern,
		    (const unsigned char *)path) == MATCH;
}
