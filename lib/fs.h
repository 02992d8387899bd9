/*
 * fs.h - file helpers that never leave half-written files and never follow
 * a symlink out of bounds.
 *
 * Strings returned through char ** are malloc'd; the caller frees them.
 */
#ifndef ART_FS_H
#define ART_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "diag.h"

/*
 * Read the file at rel, a relative path below the directory root, without
 * following any symlink (every component is opened O_NOFOLLOW) and without
 * "..": a path from a repository or a manifest cannot leave root.  At most
 * max bytes; a larger file is ART_EXIT_INPUT.  *buf is NUL-terminated.
 * A missing file is ART_EXIT_INPUT with errno left at ENOENT; rel names
 * the file in messages.
 */
int art_read_beneath(const char *root, const char *rel, size_t max,
		     char **buf, size_t *len, art_err *e);

/* Read a whole file by path (follows links; for paths the user named). */
int art_read_path(const char *path, size_t max, char **buf, size_t *len,
		  art_err *e);

/*
 * Write data to path atomically: a temporary file in the same directory,
 * fsync, rename over path.  With excl, refuse (ART_EXIT_STATE) when path
 * exists, and never replace it, even in a race.
 */
int art_write_atomic(const char *path, const void *data, size_t len,
		     mode_t mode, int excl, art_err *e);

/*
 * Write data to root/dir/name atomically, as art_write_atomic does, but
 * reaching dir (relative, "" for root) one component at a time without
 * following a symlink: a directory someone replaced by a link is refused
 * (ART_EXIT_INPUT), and a link at name is replaced, not followed.
 */
int art_write_beneath(const char *root, const char *dir, const char *name,
		      const void *data, size_t len, mode_t mode, art_err *e);

/* write(2) all of data, through short writes and EINTR; -1 with errno. */
int art_write_all(int fd, const void *data, size_t len);

/*
 * How deep art goes, recursively, into a directory tree whose depth it
 * does not choose (art_rm_rf, the untracked files of a worktree): each
 * level costs a stack frame and an open descriptor, so a tree made
 * deeper on purpose must end in an error, not in a crash.  1024: the
 * usual soft limit of descriptors, which would stop the walk there too.
 */
#define ART_TREE_DEPTH_MAX 1024

/*
 * Remove path and everything below it, never following symlinks (a link
 * is removed, not its target).  Used only on directories art created.
 * -1 with errno, ENAMETOOLONG below ART_TREE_DEPTH_MAX levels.
 */
int art_rm_rf(const char *path);

/* True when rel is a safe relative path: not empty, not absolute, no "."
 * or ".." component, no empty component, no NUL. */
int art_rel_path_ok(const char *rel);

/*
 * The user's directory for art under an XDG base directory: $var/art when
 * var names an absolute path (a relative one is invalid there and
 * ignored), else $HOME/fallback/art ("~/.config", "~/.local/state").
 * Not created.  ART_EXIT_INPUT when neither is set; what names the
 * directory's use in that message.
 */
int art_user_dir(const char *var, const char *fallback, const char *what,
		 char **out, art_err *e);
/* mkdir -p dir, every directory it makes 0700, as the XDG base
 * directory rules ask (dir holds keys and secrets). */
int art_mkdir_private(const char *dir, art_err *e);
/* malloc'd "a/b"; aborts on out of memory like every art allocation. */
char *art_join(const char *a, const char *b);
char *art_strdup(const char *s);
char *art_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *art_xmalloc(size_t n);
void *art_xrealloc(void *p, size_t n);
/* Grow the array *v (pass &v) of *cap elements of size bytes so that it
 * holds at least need; capacities double. */
void art_grow(void *v, size_t *cap, size_t need, size_t size);

#endif
