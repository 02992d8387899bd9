/* secretlog.c - keeping this process's secrets out of its output; see
 * secretlog.h. */
#include "secretlog.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <jansson.h>
#include <sodium.h>

#include "diag.h"
#include "fs.h"
#include "redact.h"

extern char **environ;

static art_redactor *rd;

static art_redactor *redactor(void)
{
	art_err e = { 0 };

	if (!rd)
		rd = art_redactor_new(environ, &e);
	return rd;
}

static char *filter(const char *msg)
{
	return art_secretlog_scrub(msg);
}

/*
 * jansson's memory, wiped when jansson frees it: token answers and
 * request bodies with secrets pass through it.  Plain malloc, so that a
 * string json_dumps made may still be released with free(3) anywhere
 * (that copy is not wiped: callers holding secrets wipe it themselves).
 */
static void wiping_free(void *p)
{
	if (!p)
		return;
	sodium_memzero(p, malloc_usable_size(p));
	free(p);
}

void art_secretlog_harden(void)
{
	struct rlimit none = { 0, 0 };

	json_set_alloc_funcs(malloc, wiping_free);

	/* A core dump of a process holding a token is the token on disk. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	setrlimit(RLIMIT_CORE, &none);
	redactor();
	art_diag_set_filter(filter);
}

void art_secretlog_add(const char *secret, size_t len)
{
	art_redactor_add(redactor(), secret, len);
}

char *art_secretlog_scrub_n(const char *s, size_t len, size_t *out_len)
{
	if (!s)
		return NULL;
	return art_redact(redactor(), s, len, out_len);
}

char *art_secretlog_scrub(const char *s)
{
	return s ? art_secretlog_scrub_n(s, strlen(s), NULL) : NULL;
}

void art_secretlog_free_text(char *s)
{
	if (s) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}
