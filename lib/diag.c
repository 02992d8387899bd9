/* diag.c - diagnostics and exit statuses; see diag.h. */
#define ART_DIAG_IMPL
#include "diag.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *prog = "art";

void art_set_prog(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;

	if (argv0 && *argv0)
		prog = slash ? slash + 1 : argv0;
}

const char *art_prog(void)
{
	return prog;
}

int art_errv(art_err *e, int status, const char *suffix, const char *fmt,
	     va_list ap)
{
	size_t n;

	e->status = status;
	(void)vsnprintf(e->msg, sizeof e->msg, fmt, ap); /* cut if long */
	n = strlen(e->msg);
	if (suffix && n < sizeof e->msg)
		snprintf(e->msg + n, sizeof e->msg - n, ": %s", suffix);
	return status;
}

int art_errf(art_err *e, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	art_errv(e, status, NULL, fmt, ap);
	va_end(ap);
	return status;
}

int art_err_sys(art_err *e, int status, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	art_errv(e, status, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved; /* callers may still look at it */
	return status;
}

static art_diag_filter_fn filter;

void art_diag_set_filter(art_diag_filter_fn fn)
{
	filter = fn;
}

/* One line on stderr, through the filter when one is set. */
static void say(const char *msg)
{
	char *clean = filter ? filter(msg) : NULL;

	fprintf(stderr, "%s: %s\n", prog, clean ? clean : msg);
	free(clean);
}

void art_warn(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap); /* cut if long */
	va_end(ap);
	say(msg);
}

int art_report(const art_err *e)
{
	int status = e->status ? e->status : ART_EXIT_LOCAL;

	/* an empty error was already reported where it happened */
	if (e->msg[0])
		say(e->msg);
	return status;
}

int art_exit_status(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		/* EPIPE is as much a lost result as ENOSPC. */
		art_warn("cannot write to standard output: %s", strerror(errno));
		return ART_EXIT_LOCAL;
	}
	return status;
}
