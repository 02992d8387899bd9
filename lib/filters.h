/*
 * filters.h - can git's content filters change a file's bytes on its way
 * between the object store and the working tree?
 *
 * art's fast paths (checkout.c writes blobs as they are; wtscan.c hashes
 * files as they are) are only right when nothing rewrites them: no
 * core.autocrlf, core.eol or attributes file, symlinks supported.  A
 * .gitattributes inside the tree is the caller's to look for, in the tree
 * or the index it works from.
 */
#ifndef ART_FILTERS_H
#define ART_FILTERS_H

#include <git2.h>

/*
 * 1 when a filter may apply.  checkin: the direction from working tree to
 * object store (hashing), where core.autocrlf=input matters too; else
 * checkout.
 */
int art_filters_may_apply(git_repository *repo, int checkin);

#endif
