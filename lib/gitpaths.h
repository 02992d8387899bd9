/*
 * gitpaths.h - where a repository's files are, read from git's layout
 * without opening the repository.
 *
 * Why not libgit2 here: art-vm starts every command an agent runs in its
 * cage, and merely loading libgit2 (its shared library and the TLS set-up
 * of git_libgit2_init) costs 5 ms, more than the whole cage.  So art-vm
 * is built without libgit2, and finds its way with the little of git's
 * layout it needs: the .git directory of a main checkout, the .git file
 * of a linked worktree naming <common dir>/worktrees/<name>, its
 * "commondir" and "gitdir" files, and a ref's existence (loose, or in
 * packed-refs).  Anything else is refused with a message: GIT_DIR set,
 * a bare repository, a linked worktree of a repository whose git
 * directory is not its main checkout's .git, reftable refs.  (A main
 * checkout with a separate git directory is followed.)  Every other
 * command reads repositories with libgit2.
 */
#ifndef ART_GITPATHS_H
#define ART_GITPATHS_H

#include "diag.h"
#include "repo.h"

/*
 * The repository the current directory is in: r gets commondir,
 * main_workdir, here_workdir and linked (here and main stay NULL: r is
 * only for the functions that need its paths, such as the event log and
 * the governors).  Free with art_gitpaths_free.
 */
int art_gitpaths_find(art_repo *r, art_err *e);
void art_gitpaths_free(art_repo *r);

/* The git directory of the checkout r is in (malloc'd): <common dir>/
 * worktrees/<name> for a linked worktree; NULL when it cannot be read. */
char *art_gitpaths_gitdir(const art_repo *r);

/* 1 when ref (a full name, "refs/art/runs/T/A") exists in commondir,
 * loose or packed; else 0. */
int art_gitpaths_ref_exists(const char *commondir, const char *ref);

/* The top of the linked worktree registered under name (malloc'd), from
 * <commondir>/worktrees/<name>/gitdir, or NULL. */
char *art_gitpaths_worktree(const char *commondir, const char *name);

#endif
