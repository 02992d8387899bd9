/*
 * checkout.h - creating a linked worktree for a run, fast.
 *
 * libgit2's checkout resolves every file's attributes through realpath()
 * and writes one file at a time: twice the time of git worktree add on a
 * large tree.  A new worktree is an empty directory, so nothing needs
 * comparing: when no content filter can apply (no .gitattributes in the
 * tree, no attributes file, no core.autocrlf or core.eol, symlinks
 * supported, no submodule), art writes the blobs itself from a few
 * threads and builds the index from what it wrote.  Otherwise it falls
 * back to libgit2's worktree add, filters and all.
 */
#ifndef ART_CHECKOUT_H
#define ART_CHECKOUT_H

#include <git2.h>

#include "diag.h"
#include "repo.h"

/*
 * Create the linked worktree name at path (absolute, must not exist) on
 * the existing local branch, checked out from commit.  On failure,
 * whatever was created may remain: the caller removes path and
 * <common dir>/worktrees/<name>.
 */
int art_worktree_create(const art_repo *r, const char *name, const char *path,
			git_reference *branch, const git_commit *commit,
			art_err *e);

#endif
