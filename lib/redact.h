/*
 * redact.h - keeping secrets out of what art writes: reports, receipts,
 * the output of definition-of-done commands.
 *
 * A redactor holds the secrets it was given (from the environment, or
 * added one by one) in each form they are likely to be printed in: as
 * they are, base64 (both alphabets, at the three alignments a secret can
 * have inside a longer encoded text), hexadecimal, URL-encoded and
 * JSON-escaped, and each line of a multi-line value.  art_redact
 * replaces every occurrence of any of them, and every token of a format
 * art-scope-check's secret rules know (secrets.h), with "[REDACTED]".
 *
 * Which environment variables hold secrets is decided by name, as CI
 * systems do: a name containing TOKEN, SECRET, PASSWORD, PASSWD,
 * PASSPHRASE, CREDENTIAL or PRIVATE, or ending in KEY (case ignored).
 * Values shorter than ART_REDACT_MIN bytes are not secrets worth the
 * noise of redacting every such word.  The copies live in libsodium's
 * guarded memory and are wiped when the redactor is freed.
 */
#ifndef ART_REDACT_H
#define ART_REDACT_H

#include <stddef.h>

#include "diag.h"

#define ART_REDACTED "[REDACTED]"
#define ART_REDACT_MIN 6

typedef struct art_redactor art_redactor;

/* A redactor for the secrets of env (an environ-style array, NULL
 * allowed).  Never NULL (e is kept for callers that check). */
art_redactor *art_redactor_new(char *const *env, art_err *e);

/* Add one secret, in all its forms (values under ART_REDACT_MIN bytes
 * are ignored). */
void art_redactor_add(art_redactor *rd, const char *secret, size_t len);

/* 1 when name is the name of an environment variable that holds a
 * secret. */
int art_redact_env_name(const char *name, size_t len);

/* The longest text a single redaction can replace: a caller that keeps
 * the tail of a stream keeps this much more, so that a secret cut by the
 * start of the tail is still found whole. */
size_t art_redactor_reach(const art_redactor *rd);

/*
 * s (len bytes, NUL bytes allowed) with every secret replaced: a new,
 * NUL-terminated string, *out_len bytes (out_len may be NULL).  Bytes
 * before skip are matched but not copied (unless part of a redaction,
 * which shows as one marker): the caller's look-behind.  (rd is not
 * const: the secret rules are compiled when a text first needs them.)
 */
char *art_redact_from(art_redactor *rd, const char *s, size_t len,
		      size_t skip, size_t *out_len);
char *art_redact(art_redactor *rd, const char *s, size_t len,
		 size_t *out_len);

void art_redactor_free(art_redactor *rd);

#endif
