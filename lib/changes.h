/*
 * changes.h - the set of paths a scope check looks at, one record per
 * path however many times it changed.
 *
 * Changes are fed in the order they happened (commits oldest first, then
 * the index, then the working tree).  A record remembers the path's state
 * before its first change and after its last one, whether its content
 * changed on the way, its rename partners, and what each step revealed:
 * secret hits, an escaping symlink, a gitlink.  History counts: a secret
 * added and removed again is still a hit.
 */
#ifndef ART_CHANGES_H
#define ART_CHANGES_H

#include <git2.h>

#include "strmap.h"

typedef struct art_hit {
	const char *rule;   /* a secret rule id (static) */
	size_t line;        /* 1-based, 0 for a whole-file rule */
	git_oid commit;     /* the commit that added it, zero: index or tree */
} art_hit;

typedef struct art_change {
	char *path;
	char *from;          /* the old path, when this path is a rename's new one */
	char *to;            /* the new path, when this path is a rename's old one */
	unsigned base_mode;  /* before the first change, 0 when absent */
	unsigned now_mode;   /* after the last change, 0 when absent */
	git_oid base_id, now_id; /* zero when absent or unknown */
	git_oid commit;      /* the commit of the last step, zero: index or tree */
	int content;         /* some step changed the bytes, not only the mode */
	int gitlink;         /* a gitlink on some side, or an embedded repository */
	char *escape;        /* the target of a symlink that leaves the checkout */
	const char *skip;    /* why a step could not be scanned, or NULL */
	art_hit *hits;
	size_t nhits, caphits;
} art_change;

typedef struct art_changes {
	art_change *v;
	size_t n, cap;
	art_strmap idx;      /* path -> position; keys are the records' paths */
} art_changes;

/*
 * One step of path: from (old_mode, old_id) to (new_mode, new_id); a zero
 * mode is "absent", a NULL id "unknown"; commit is the step's commit, NULL
 * for the index or the working tree.  Returns the path's record.
 */
art_change *art_changes_step(art_changes *c, const char *path,
			     unsigned old_mode, const git_oid *old_id,
			     unsigned new_mode, const git_oid *new_id,
			     const git_oid *commit);

/* Record a secret hit (duplicates are dropped). */
void art_change_hit(art_change *ch, const char *rule, size_t line,
		    const git_oid *commit);

/* Note a symlink target: kept when it leaves the checkout (lexically:
 * absolute, or ".." above the top from the link's directory). */
void art_change_link(art_change *ch, const char *target, size_t len);

/*
 * The path's change, start to end: "added", "modified", "deleted",
 * "renamed", "typechange" or "mode" (only the permission bits).
 */
const char *art_change_kind(const art_change *ch);

/* Sort the records by path (bytes).  Lookups are not possible after. */
void art_changes_sort(art_changes *c);
void art_changes_free(art_changes *c);

#endif
