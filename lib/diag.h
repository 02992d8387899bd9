/*
 * diag.h - exit statuses and the one diagnostics family of art.
 *
 * Library functions never print and never exit: they fill an art_err and
 * return its status.  Only main() reports (art_report) and exits.  Every
 * message has the shape "art-<verb>: <what failed>: <why>".
 */
#ifndef ART_DIAG_H
#define ART_DIAG_H

#include <stdarg.h>

/* The exit-status table of cli.md, shared by every command. */
enum {
	ART_OK = 0,
	ART_EXIT_VERDICT = 1, /* negative verdict: violations, failed check */
	ART_EXIT_USAGE = 2,   /* unknown flag, missing argument */
	ART_EXIT_INPUT = 3,   /* malformed JSON, invalid registry, bad id */
	ART_EXIT_STATE = 4,   /* run exists, wrong state, lost race */
	ART_EXIT_DENIED = 5,  /* a governor or a protection said no */
	ART_EXIT_REMOTE = 6,  /* Core unreachable, credentials refused */
	ART_EXIT_LOCAL = 7,   /* I/O, git, database */
};

typedef struct art_err {
	int status;      /* one of the ART_EXIT_* values, 0 when unset */
	char msg[1024];  /* "<what failed>: <why>", no program prefix */
} art_err;

/* Fill e with status and a formatted message; return status. */
int art_errf(art_err *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, with ": <strerror(errno)>" appended (errno read on entry). */
int art_err_sys(art_err *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, with ": <suffix>" appended when suffix is not NULL. */
int art_errv(art_err *e, int status, const char *suffix, const char *fmt,
	     va_list ap) __attribute__((format(printf, 4, 0)));
/* Same, with ": <libgit2's last error>" appended (giterr.c: the one
 * diagnostic that needs libgit2, apart so that art-vm does without). */
int art_err_git(art_err *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * For clang's static analyzer (make analyze), which reads one file at a
 * time: the three above return the status they are given.  Not knowing
 * it, it follows error paths as if they had succeeded.  diag.c and
 * giterr.c, which define them, do without (ART_DIAG_IMPL).
 */
#if defined(__clang_analyzer__) && !defined(ART_DIAG_IMPL)
static inline int art_err_returns_(int ignored, int status)
{
	(void)ignored;
	return status;
}
#define art_errf(e, status, ...) \
	art_err_returns_(art_errf(e, status, __VA_ARGS__), status)
#define art_err_sys(e, status, ...) \
	art_err_returns_(art_err_sys(e, status, __VA_ARGS__), status)
#define art_err_git(e, status, ...) \
	art_err_returns_(art_err_git(e, status, __VA_ARGS__), status)
#endif

/* Program name for diagnostics ("art-start"), from argv[0]. */
void art_set_prog(const char *argv0);
const char *art_prog(void);

/*
 * Every diagnostic passes through fn when one is set: a command holding
 * secrets (secretlog.h) has them replaced before anything is printed.
 * fn returns a malloc'd replacement, or NULL to print msg as it is.
 */
typedef char *(*art_diag_filter_fn)(const char *msg);
void art_diag_set_filter(art_diag_filter_fn fn);
/* "art-<verb>: <msg>" on stderr. */
void art_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print e on stderr (nothing when its message is empty: reported
 * already); return its status (ART_EXIT_LOCAL when unset). */
int art_report(const art_err *e);

/*
 * Flush and close stdout; a lost write in a pipeline is a failure.
 * Returns status unchanged when stdout was fine, else ART_EXIT_LOCAL
 * (after saying so on stderr).
 */
int art_exit_status(int status);

#endif
