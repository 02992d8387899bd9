/*
 * glob.h - the path matcher: gitignore-style globs anchored at the
 * repository root, with the semantics of git's ':(glob)' pathspecs, so
 * that a pattern means in art exactly what it means to git.
 *
 *   *        any run of characters inside one path segment
 *   ?        one character other than '/'
 *   [...]    a class inside one segment: ranges, [!...] or [^...],
 *            [:alpha:] and the other POSIX classes
 *   \x       x itself
 *   **       as a whole segment, any number of segments: a leading one
 *            matches at any depth, a trailing one everything below, a
 *            middle one zero or more directories; elsewhere, like '*'
 *            (art-registry(5) has examples)
 *
 * A pattern also matches everything below a directory it names literally
 * ("docs" and "docs/" match docs/a.md), as a git pathspec does.  A leading
 * '/' is ignored: every pattern is anchored at the root anyway.
 */
#ifndef ART_GLOB_H
#define ART_GLOB_H

/* 1 when path (relative, '/'-separated, no leading '/') matches pattern. */
int art_glob_match(const char *pattern, const char *path);

/* NULL when pattern is usable, else why not (a static string). */
const char *art_glob_invalid(const char *pattern);

#endif
