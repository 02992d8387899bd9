/*
 * wtscan.h - what changed in a working tree against its index: modified,
 * deleted, type- and mode-changed tracked files, and untracked files that
 * are not ignored (git status's second half).
 *
 * libgit2's diff does this one file at a time, through full paths: on a
 * 50,000-file tree it spends most of its time in the kernel resolving
 * every path again.  Like git itself, art trusts the index's stat data
 * (a file whose stat matches its entry and is not racily clean is
 * unchanged), stats each directory's files relative to that directory's
 * descriptor, and spreads the directories over a few threads.  When a
 * content filter may apply (autocrlf, eol, attributes), the bytes on disk
 * are not what git hashes: then it asks libgit2's diff instead.
 */
#ifndef ART_WTSCAN_H
#define ART_WTSCAN_H

#include <git2.h>

#include "diag.h"

enum art_wt_skip {
	ART_WT_SCANNED = 0,     /* content looked at (or nothing to scan) */
	ART_WT_BINARY,
	ART_WT_TOO_LARGE,
	ART_WT_UNREADABLE,
};

typedef struct art_wt_change {
	char *path;             /* relative to the top of the checkout */
	unsigned old_mode;      /* the index's mode, 0 when untracked */
	git_oid old_id;         /* the index's blob */
	unsigned new_mode;      /* 0 when deleted; GIT_FILEMODE_COMMIT for an
				   untracked directory holding a repository */
	git_oid new_id;         /* the content's blob id, zero when unknown */
	/*
	 * What a secret scan needs, read once: the target of a symlink, or
	 * the content of a text file holding a keyword of a secret rule
	 * (NULL when it holds none: nothing to scan).
	 */
	char *data;
	size_t len;
	enum art_wt_skip skip;
} art_wt_change;

typedef struct art_wt_changes {
	art_wt_change *v;
	size_t n, cap;
} art_wt_changes;

typedef struct art_wt_scan art_wt_scan;

/*
 * A scan of the checkout of repo (not bare), in three calls so that the
 * slow parts overlap other work:
 *   art_wt_scan_new     reads what it needs of repo (calling thread);
 *   art_wt_scan_start   starts threads comparing the working tree with
 *                       index (the repository's, or another such as
 *                       git's GIT_INDEX_FILE); it touches neither repo nor
 *                       an error, so it may run in any thread;
 *   art_wt_scan_finish  waits for them, lists the untracked files (the
 *                       ignore rules need repo: calling thread) and frees
 *                       the scan.  It must be called, started or not; not
 *                       started, it returns nothing.
 * index must not change until then.  The keyword test of
 * art_secrets_maybe decides which contents are kept.  Nothing inside a
 * .git, and nothing below the top-level .agent/ (run files), is a change.
 */
int art_wt_scan_new(git_repository *repo, art_wt_scan **out, art_err *e);
void art_wt_scan_start(art_wt_scan *w, git_index *index);
int art_wt_scan_finish(art_wt_scan *w, art_wt_changes *out, art_err *e);
void art_wt_changes_free(art_wt_changes *c);

/*
 * The same comparison through libgit2's diff, all at once: what
 * art_wt_scan_finish falls back to when a content filter may apply
 * (wtdiff.c).
 */
int art_wt_diff(git_repository *repo, git_index *index, art_wt_changes *out,
		art_err *e);

/* Append a change for path (malloc'd, taken over) to c, zeroed. */
art_wt_change *art_wt_push(art_wt_changes *c, char *path);

#endif
