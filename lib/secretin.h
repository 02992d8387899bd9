/*
 * secretin.h - reading a secret from where a user may give one: a file,
 * an open file descriptor, or the terminal with echo off.  Never argv,
 * never the environment (cli.md, art-auth).  The secret lands in guarded
 * memory (store.h) and is registered with the secret log at once.
 */
#ifndef ART_SECRETIN_H
#define ART_SECRETIN_H
#include <stddef.h>
#include "diag.h"

#define ART_SECRET_MAX 4096

/* From file path ("-": standard input).  One trailing newline (LF or
 * CRLF) is dropped; an empty secret is ART_EXIT_INPUT naming path. */
int art_secret_from_file(const char *path, char **out, size_t *len,
			 art_err *e);
/* From an open descriptor (read to its end, then closed). */
int art_secret_from_fd(int fd, char **out, size_t *len, art_err *e);
/* From the controlling terminal, prompt shown there, echo off. */
int art_secret_from_tty(const char *prompt, char **out, size_t *len,
			art_err *e);
#endif
