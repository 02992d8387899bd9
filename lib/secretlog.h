/*
 * secretlog.h - the secrets this process holds, kept out of everything it
 * writes.
 *
 * A command that handles Core's secrets (a password, a client secret, a
 * token) registers each one as soon as it has it.  From then on every
 * diagnostic (diag.h), every curl debug trace, every event and every
 * message sent to Core goes through art_secretlog_scrub, which replaces
 * the secret and its base64, hex, URL- and JSON-escaped forms (redact.h)
 * with "[REDACTED]".  Secrets from the environment (by name, as redact.h
 * decides) are registered too.
 *
 * art_secretlog_harden makes the process undumpable (no core file, no
 * ptrace by other processes of the user, /proc/PID/mem closed) for as
 * long as it holds secrets: for its whole life.
 */
#ifndef ART_SECRETLOG_H
#define ART_SECRETLOG_H
#include <stddef.h>

/* Undumpable, no core files, diagnostics filtered, jansson's memory
 * wiped when jansson frees it; once, first thing in main. */
void art_secretlog_harden(void);
/* Add one secret (len bytes; values shorter than ART_REDACT_MIN are not
 * worth redacting and are ignored). */
void art_secretlog_add(const char *secret, size_t len);
/* s with every registered secret replaced: a new NUL-terminated string
 * (malloc'd).  NULL s gives NULL. */
char *art_secretlog_scrub(const char *s);
char *art_secretlog_scrub_n(const char *s, size_t len, size_t *out_len);
/* free(3) a malloc'd text (json_dumps's) that may hold a secret, wiped
 * first. */
void art_secretlog_free_text(char *s);
#endif
