/*
 * wtdiff.c - the working tree against its index through libgit2's diff:
 * slower than wtscan.c's own scan, but it applies content filters
 * (autocrlf, eol, attributes) as git does.  See wtscan.h.
 */
#define _GNU_SOURCE
#include "wtscan.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "run.h"
#include "secrets.h"

int art_wt_diff(git_repository *repo, git_index *index, art_wt_changes *out,
		art_err *e)
{
	const char *workdir = git_repository_workdir(repo);
	git_diff_options o;
	git_diff *diff = NULL;
	size_t i, n;

	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS |
		  GIT_DIFF_INCLUDE_TYPECHANGE | GIT_DIFF_DISABLE_PATHSPEC_MATCH;
	if (git_diff_index_to_workdir(&diff, repo, index, &o) < 0)
		return art_err_git(e, ART_EXIT_LOCAL, "working tree against the index");
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *p = d->new_file.path;
		size_t plen = strlen(p);
		art_wt_change *ch;
		char *buf = NULL;
		size_t len = 0;
		art_err ignore = { 0 };

		if (d->status == GIT_DELTA_UNTRACKED && art_is_run_path(p))
			continue; /* the run's own files */
		ch = art_wt_push(out, plen && p[plen - 1] == '/'
					      ? strndup(p, plen - 1) : art_strdup(p));
		if (d->status != GIT_DELTA_UNTRACKED) {
			ch->old_mode = d->old_file.mode;
			git_oid_cpy(&ch->old_id, &d->old_file.id);
		}
		if (d->status == GIT_DELTA_DELETED)
			continue;
		if (plen && p[plen - 1] == '/') { /* a nested repository */
			ch->new_mode = GIT_FILEMODE_COMMIT;
			continue;
		}
		ch->new_mode = d->new_file.mode;
		git_oid_cpy(&ch->new_id, &d->new_file.id);
		/* libgit2 leaves the id out when it did not need it (a mode
		 * change): hash it, filters applied, to tell "mode" apart */
		if (git_oid_is_zero(&ch->new_id) &&
		    (d->new_file.mode & 0170000) == 0100000 &&
		    git_repository_hashfile(&ch->new_id, repo, p, GIT_OBJECT_BLOB, NULL) < 0)
			memset(&ch->new_id, 0, sizeof ch->new_id);
		if (d->new_file.mode == GIT_FILEMODE_LINK) {
			char t[PATH_MAX];
			char *full = art_join(workdir, p);
			ssize_t k = readlink(full, t, sizeof t - 1);

			free(full);
			if (k >= 0) {
				ch->data = strndup(t, (size_t)k);
				ch->len = (size_t)k;
			}
		} else if (art_read_beneath(workdir, p, ART_SCAN_MAX, &buf, &len,
					    &ignore) != 0) {
			ch->skip = ignore.status == ART_EXIT_INPUT && errno != ENOENT
					   ? ART_WT_TOO_LARGE : ART_WT_UNREADABLE;
		} else if (art_is_binary(buf, len)) {
			ch->skip = ART_WT_BINARY;
			free(buf);
		} else if (art_secrets_maybe(buf, len)) {
			ch->data = buf;
			ch->len = len;
		} else {
			free(buf);
		}
	}
	git_diff_free(diff);
	return 0;
}
