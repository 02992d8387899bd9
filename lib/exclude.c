/* exclude.c - info/exclude upkeep; see exclude.h. */
#include "exclude.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "run.h"

static int has_line(const char *buf, const char *line)
{
	size_t n = strlen(line);
	const char *p = buf;

	while (p && *p) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		while (len && (p[len - 1] == ' ' || p[len - 1] == '\r'))
			len--;
		if (len == n && !memcmp(p, line, n))
			return 1;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

size_t art_exclude_lines(const art_repo *r, const char *out[2])
{
	static char root_line[512];
	char *root = NULL;
	art_err ignored;
	size_t n = 0;

	/* an invalid root is refused where it is used; an absolute one is
	 * outside git's view, or the user's call */
	if (art_worktree_root(r, &root, &ignored) == 0 && root[0] != '/' &&
	    strlen(root) < sizeof root_line - 3) {
		/* the default is the line cli.md names; others are anchored */
		snprintf(root_line, sizeof root_line, "%s%s/",
			 strcmp(root, ".worktrees") ? "/" : "", root);
		out[n++] = root_line;
	}
	free(root);
	out[n++] = ".agent/";
	return n;
}

int art_exclude_ensure(const art_repo *r, const char *const *lines,
		       size_t n, json_t **added, art_err *e)
{
	char *info = art_join(r->commondir, "info");
	char *path = art_join(info, "exclude");
	char *buf = NULL, *out;
	size_t len = 0, i, olen, need;
	int rc = 0, changed = 0;

	if (added)
		*added = json_array();
	if (mkdir(info, 0755) < 0 && errno != EEXIST) {
		rc = art_err_sys(e, ART_EXIT_LOCAL, "cannot create %s", info);
		goto out;
	}
	if (access(path, F_OK) < 0 && errno == ENOENT)
		buf = art_strdup("");
	else if ((rc = art_read_path(path, ART_EXCLUDE_MAX, &buf, &len, e)) != 0)
		goto out;
	olen = len;
	for (i = 0, need = len + 2; i < n; i++)
		need += strlen(lines[i]) + 2;
	out = art_xmalloc(need);
	memcpy(out, buf, len);
	for (i = 0; i < n; i++) {
		if (has_line(buf, lines[i]))
			continue;
		if (olen && out[olen - 1] != '\n')
			out[olen++] = '\n';
		olen += (size_t)sprintf(out + olen, "%s\n", lines[i]);
		changed = 1;
		if (added)
			json_array_append_new(*added, json_string(lines[i]));
	}
	if (changed)
		rc = art_write_atomic(path, out, olen, 0644, 0, e);
	free(out);
out:
	free(buf);
	free(info);
	free(path);
	return rc;
}
