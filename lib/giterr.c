/* giterr.c - libgit2's errors in art's diagnostics; see diag.h. */
#define ART_DIAG_IMPL
#include "diag.h"

#include <git2.h>

int art_err_git(art_err *e, int status, const char *fmt, ...)
{
	const git_error *ge = git_error_last();
	va_list ap;

	va_start(ap, fmt);
	art_errv(e, status, ge && ge->message ? ge->message : "unknown git error",
		 fmt, ap);
	va_end(ap);
	return status;
}
