/*
 * quarantine.h - the objects a cage writes, kept apart from the
 * repository's own until the cage is gone.
 *
 * In art-vm's cage, git writes new objects to a quarantine directory of
 * the run (GIT_OBJECT_DIRECTORY), reading the repository's store as an
 * alternate, which stays read-only: a command in the cage can add
 * objects, never change or remove one that is there.  After the run (and
 * before the next, for what a killed art-vm left), git moves the new
 * objects into the store, hashing each: an object lands under the name
 * of its content, whatever name the cage gave it, so none can stand in
 * for one written later.  Anything else in the quarantine (a link, a
 * FIFO, a name git would not write) is removed, not moved.
 */
#ifndef ART_QUARANTINE_H
#define ART_QUARANTINE_H

#include "diag.h"

/* Move every object of the quarantine from into the store of the git
 * directory commondir (both absolute), then remove from.  *moved gets
 * how many loose objects and packs moved.  The git command must be in
 * PATH. */
int art_quarantine_release(const char *from, const char *commondir, long *moved,
			   art_err *e);

#endif
