/*
 * doctor.h - art-doctor(1): what art needs of this machine and of the
 * repository it runs in, checked one thing at a time, each check a record
 * that says what it found and, when something is wrong, how to fix it.
 *
 * A record: {"check", "ok", "needed", "value", "fix"?, ...}.  "needed" is
 * whether art cannot work without the thing checked (a library, git, what
 * art-vm's cage needs, a valid registry); the others (KVM, QEMU, the
 * secret store, Core) only say what a part of art will do.  The checks
 * only look: nothing is created, except the client state of a Core that
 * is configured (as any art-auth would), and no secret is ever read into
 * a record.
 */
#ifndef ART_DOCTOR_H
#define ART_DOCTOR_H

#include <jansson.h>

#include "diag.h"

/* Receives each record as it is made, the summary last: 0, or a status
 * that stops the checks (stdout lost). */
typedef int (*art_doctor_emit_fn)(void *ctx, const json_t *record);

typedef struct art_doctor_opts {
	const char *core_url; /* --core, or NULL: ART_CORE_URL, git config */
} art_doctor_opts;

/*
 * Run every check in order, then hand over the summary,
 * {"check":"summary","ok","failed":[names of needed checks that failed]}.
 * *failed: how many there are.  A check that cannot be made is a record
 * that says why, never an error: 0, or the status emit returned.
 */
int art_doctor_run(const art_doctor_opts *o, art_doctor_emit_fn emit,
		   void *ctx, int *failed);

/* A record {"check", "ok", "needed", "value"}, with "fix" when fix is
 * not NULL; value is stolen (NULL: JSON null).  Shared with doctorsys.c. */
json_t *art_doctor_record(const char *check, int ok, int needed,
			  json_t *value, const char *fix);

#endif
