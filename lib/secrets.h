/*
 * secrets.h - the secret rules of art-scope-check(1): tokens and keys that
 * must never land in a repository, looked for in the lines a change adds.
 *
 * Each rule has keywords and a pattern.  A file is first searched for the
 * keywords of all rules at once (cheap, most files have none); only a
 * line holding a rule's keyword is matched against its pattern, as
 * gitleaks does.  A match yields the rule's id, never the value: callers
 * have nothing to leak.
 */
#ifndef ART_SECRETS_H
#define ART_SECRETS_H

#include <stddef.h>

#include "diag.h"

/* Files larger than this are not scanned (listed as skipped). */
#define ART_SCAN_MAX ((size_t)32 << 20)

typedef struct art_secrets art_secrets;

/* Compile the rules (once per process).  NULL with e set on failure. */
art_secrets *art_secrets_new(art_err *e);
void art_secrets_free(art_secrets *s);

/* 1 when buf holds a keyword of some rule: the lines are worth a look.
 * Safe from any thread: it only reads the rule table. */
int art_secrets_maybe(const char *buf, size_t len);

/* The id of the first rule that matches the line (no newline), or NULL. */
const char *art_secrets_match_line(art_secrets *s, const char *line,
				   size_t len);

/*
 * Set mask[i] for every byte i of buf (len bytes) inside a token some
 * rule matches, wherever it is (no line structure needed); a private
 * key's BEGIN line marks through its END line, or to the end of buf, and
 * an END line with no BEGIN before it marks from the start of buf.
 * The number of tokens found.
 */
size_t art_secrets_mark(art_secrets *s, const char *buf, size_t len,
			unsigned char *mask);

/* 1 when path's last component starts with ".env": a secrets file, unless
 * it ends in .example, .sample, .template or .dist (a template for one). */
int art_secrets_is_env_file(const char *path);

/* 1 when buf looks binary: a NUL byte in its first 8000 bytes (git's
 * own test), so its "lines" mean nothing. */
int art_is_binary(const char *buf, size_t len);

#endif
