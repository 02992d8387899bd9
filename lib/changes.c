/* changes.c - one record per changed path; see changes.h. */
#include "changes.h"

#include <stdlib.h>
#include <string.h>

#include "fs.h"

art_change *art_changes_step(art_changes *c, const char *path,
			     unsigned old_mode, const git_oid *old_id,
			     unsigned new_mode, const git_oid *new_id,
			     const git_oid *commit)
{
	size_t *at = art_strmap_get(&c->idx, path);
	art_change *ch;

	if (at) {
		ch = &c->v[*at];
	} else {
		art_grow(&c->v, &c->cap, c->n + 1, sizeof *c->v);
		ch = &c->v[c->n];
		memset(ch, 0, sizeof *ch);
		ch->path = art_strdup(path);
		ch->base_mode = old_mode;
		if (old_mode && old_id)
			git_oid_cpy(&ch->base_id, old_id);
		art_strmap_put(&c->idx, ch->path, c->n++);
	}
	ch->now_mode = new_mode;
	memset(&ch->now_id, 0, sizeof ch->now_id);
	memset(&ch->commit, 0, sizeof ch->commit);
	if (commit)
		git_oid_cpy(&ch->commit, commit);
	if (new_mode && new_id)
		git_oid_cpy(&ch->now_id, new_id);
	if (!old_mode || !new_mode || !old_id || !new_id ||
	    !git_oid_equal(old_id, new_id))
		ch->content = 1;
	if (old_mode == GIT_FILEMODE_COMMIT || new_mode == GIT_FILEMODE_COMMIT)
		ch->gitlink = 1;
	return ch;
}

void art_change_hit(art_change *ch, const char *rule, size_t line,
		    const git_oid *commit)
{
	git_oid zero = { { 0 } };
	size_t i;

	if (!commit)
		commit = &zero;
	for (i = 0; i < ch->nhits; i++)
		if (ch->hits[i].rule == rule && ch->hits[i].line == line &&
		    git_oid_equal(&ch->hits[i].commit, commit))
			return;
	art_grow(&ch->hits, &ch->caphits, ch->nhits + 1, sizeof *ch->hits);
	ch->hits[ch->nhits].rule = rule;
	ch->hits[ch->nhits].line = line;
	git_oid_cpy(&ch->hits[ch->nhits].commit, commit);
	ch->nhits++;
}

/* Does target, read from a link at path, leave the top of the checkout? */
static int escapes(const char *path, const char *target, size_t len)
{
	long depth = 0;
	const char *p, *end = target + len, *seg;

	if (!len || target[0] == '/')
		return len != 0;
	for (p = path; (p = strchr(p, '/')); p++)
		depth++; /* the link's directory, in levels below the top */
	for (seg = target; seg < end;) {
		const char *slash = memchr(seg, '/', (size_t)(end - seg));
		size_t n = slash ? (size_t)(slash - seg) : (size_t)(end - seg);

		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			if (--depth < 0)
				return 1;
		} else if (n && !(n == 1 && seg[0] == '.')) {
			depth++;
		}
		seg += n + 1;
	}
	return 0;
}

void art_change_link(art_change *ch, const char *target, size_t len)
{
	if (ch->escape || !escapes(ch->path, target, len))
		return;
	ch->escape = art_xmalloc(len + 1);
	memcpy(ch->escape, target, len);
	ch->escape[len] = '\0';
}

const char *art_change_kind(const art_change *ch)
{
	unsigned b = ch->base_mode, n = ch->now_mode;

	if ((ch->to && !n) || (ch->from && !b))
		return "renamed";
	if (!b)
		return n ? "added" : "deleted"; /* added, then deleted */
	if (!n)
		return "deleted";
	if ((b & 0170000) != (n & 0170000))
		return "typechange";
	if (b != n && !ch->content)
		return "mode";
	return "modified";
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const art_change *)a)->path, ((const art_change *)b)->path);
}

void art_changes_sort(art_changes *c)
{
	art_strmap_free(&c->idx);
	if (c->n > 1)
		qsort(c->v, c->n, sizeof *c->v, by_path);
}

void art_changes_free(art_changes *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].from);
		free(c->v[i].to);
		free(c->v[i].escape);
		free(c->v[i].hits);
	}
	free(c->v);
	art_strmap_free(&c->idx);
	memset(c, 0, sizeof *c);
}
