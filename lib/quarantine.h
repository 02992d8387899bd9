/*
 * quarantine.h - the objects a cage writes, kept apart from the
 * repository's own until the cage is gone.
 *
 * In art-vm's cage, git writes new objects to a quarantine directory of
 * the run (GIT_OBJECT_DIRECTORY), reading the repository's store as an
 * alternate, which stays read-only: a command in the cage can add
 * objects, never change or remove one that is there.  After the run (and
 * before the next, for what a killed art-vm left), the new objects move
 * into the store, next to the existing ones, never over them: loose
 * objects by name (two hex digits / 38), packs as .pack before their .idx.
 * Anything else in the quarantine (a link, a FIFO, a name git would not
 * write) is removed, not moved.  The objects are not hashed again: one
 * whose bytes do not match its name is a corrupt object only the run's
 * own branch can reach.
 */
#ifndef ART_QUARANTINE_H
#define ART_QUARANTINE_H

#include "diag.h"

/* Move every object of the quarantine from into the store to (both
 * absolute paths); from is left empty.  *moved gets how many files
 * moved. */
int art_quarantine_release(const char *from, const char *to, long *moved,
			   art_err *e);

#endif
