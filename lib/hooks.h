/*
 * hooks.h - art's git hooks (art-init(1) --hooks): one script,
 * share/art/hooks/art-hook, installed as pre-commit, commit-msg and
 * pre-push in the repository's hooks directory (core.hooksPath when
 * set), chained to the hooks that were there before.
 *
 * A hook that is not art's is kept as <name>.art-chained, which art's
 * hook runs first; uninstalling renames it back, so that it comes back
 * with its content, mode and (for a symlink) target untouched.  A hook
 * is art's when a line of its first kilobyte starts with
 * "# art:hook-dispatcher".
 */
#ifndef ART_HOOKS_H
#define ART_HOOKS_H

#include <jansson.h>

#include "diag.h"
#include "repo.h"

/* The suffix of a hook art chains to. */
#define ART_HOOK_CHAINED ".art-chained"

/*
 * The hooks directory of r: core.hooksPath (a relative one is taken
 * from the top of the main checkout, as git does there, and *relative
 * says so), else <git common dir>/hooks.  Malloc'd, no trailing '/'.
 */
int art_hooks_dir(const art_repo *r, char **dir, int *relative, art_err *e);

/*
 * Install art's hooks, chaining to the ones there; installing again
 * changes nothing.  Everything is checked before anything is written:
 * a hook that is not art's whose .art-chained name is taken, or a hook
 * that is not a file, is ART_EXIT_STATE; a hooks directory that cannot
 * be created or written ART_EXIT_LOCAL, with its path.  When a write
 * fails half-way, what was done is undone.  *result:
 * {"hooks":[{"name","path","chained","changed"}],"hooksPath"}.
 * *relative as art_hooks_dir's.  Refused inside an agent worktree
 * (ART_EXIT_DENIED).
 */
int art_hooks_install(const art_repo *r, json_t **result, int *relative,
		      art_err *e);

/*
 * Remove art's hooks and put the chained ones back.  A hook that is
 * not art's stays; if its .art-chained one waits to be restored over
 * it, ART_EXIT_STATE before anything is changed.  *result:
 * {"hooks":[{"name","path","removed","restored"}],"hooksPath"}.
 */
int art_hooks_uninstall(const art_repo *r, json_t **result, art_err *e);

#endif
