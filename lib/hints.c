/* hints.c - push hints: checking, dedup memory, framings; see hints.h. */
#include "hints.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs.h"
#include "timefmt.h"

struct art_hints {
	sqlite3 *db;
	sqlite3_stmt *remember, *count, *prune, *counts;
};

static const char *const verdict_names[] = {
	[ART_HINT_OK] = "ok",
	[ART_HINT_MALFORMED] = "malformed",
	[ART_HINT_SENSITIVE] = "sensitive",
	[ART_HINT_FUTURE] = "future",
	[ART_HINT_EXPIRED] = "expired",
	[ART_HINT_DUPLICATE] = "duplicate",
};

const char *art_hint_verdict_name(art_hint_verdict v)
{
	if ((unsigned)v >= sizeof verdict_names / sizeof *verdict_names)
		return "unknown";
	return verdict_names[v];
}

/* ---- one payload ---- */

static int id_ok(const char *s, size_t n)
{
	if (n < 1 || n > ART_HINT_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' ||
		      s[i] == ':' || s[i] == '-'))
			return 0;
	return 1;
}

static int str_is(const json_t *v, const char *want)
{
	size_t n = strlen(want);

	return json_string_length(v) == n && !memcmp(json_string_value(v), want, n);
}

/*
 * The verdict of everything but the dedup, *why the rule for a refusal.
 * On OK, *id and *topic point into root (borrowed) and *expires is set:
 * nothing is copied out of a payload before it is known to be a hint.
 */
static art_hint_verdict judge(const json_t *root, long long now_ms,
			      const char **id, const char **topic,
			      long long *expires, const char **why)
{
	static const char *const members[] = { "hint_id", "topic", "issued_at", "ttl_s" };
	const json_t *vid, *vtopic, *vat, *vttl;
	const char *key;
	json_t *val;
	long long issued, ttl;

	if (!json_is_object(root)) {
		*why = "not a JSON object";
		return ART_HINT_MALFORMED;
	}
	/* First, before any value is looked at: an unknown key may itself
	 * be the secret, so the message does not name it either. */
	json_object_foreach((json_t *)root, key, val) {
		size_t i;

		for (i = 0; i < 4 && strcmp(key, members[i]); i++)
			;
		if (i == 4) {
			*why = "a member other than hint_id, topic, issued_at and "
			       "ttl_s (the payload is not logged)";
			return ART_HINT_SENSITIVE;
		}
	}
	vid = json_object_get(root, "hint_id");
	vtopic = json_object_get(root, "topic");
	vat = json_object_get(root, "issued_at");
	vttl = json_object_get(root, "ttl_s");
	if (!json_is_string(vid) ||
	    !id_ok(json_string_value(vid), json_string_length(vid))) {
		*why = "hint_id is not a string of 1 to 128 of [A-Za-z0-9._:-]";
		return ART_HINT_MALFORMED;
	}
	if (!json_is_string(vtopic) ||
	    !(str_is(vtopic, "jobs") || str_is(vtopic, "policy"))) {
		*why = "topic is not \"jobs\" or \"policy\"";
		return ART_HINT_MALFORMED;
	}
	if (!json_is_string(vat) ||
	    art_parse_rfc3339_ms(json_string_value(vat), json_string_length(vat), &issued)) {
		*why = "issued_at is not an RFC 3339 time in UTC";
		return ART_HINT_MALFORMED;
	}
	if (!json_is_integer(vttl) || json_integer_value(vttl) < 1 ||
	    json_integer_value(vttl) > ART_HINT_TTL_MAX) {
		*why = "ttl_s is not an integer from 1 to 3600";
		return ART_HINT_MALFORMED;
	}
	ttl = json_integer_value(vttl);
	if (issued - now_ms > ART_HINT_SKEW_S * 1000LL) {
		*why = "issued_at is more than 30 s ahead of this clock";
		return ART_HINT_FUTURE;
	}
	if (issued + ttl * 1000 <= now_ms) {
		*why = "expired";
		return ART_HINT_EXPIRED;
	}
	*id = json_string_value(vid);
	*topic = json_string_value(vtopic);
	*expires = issued + ttl * 1000;
	return ART_HINT_OK;
}

/* ---- the database ---- */

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS hint_seen ("
	" hint_id TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS hint_refused ("
	" verdict TEXT PRIMARY KEY, count INTEGER NOT NULL);";

static int db_err(sqlite3 *db, art_err *e, const char *what)
{
	return art_errf(e, ART_EXIT_LOCAL, "hint memory: %s: %s", what,
			sqlite3_errmsg(db));
}

/* Run st to its end and make it ready again; 0 or ART_EXIT_LOCAL. */
static int run(art_hints *h, sqlite3_stmt *st, const char *what, art_err *e)
{
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_err(h->db, e, what);

	sqlite3_reset(st);
	/* the bound hint_id points into a payload about to be freed */
	sqlite3_clear_bindings(st);
	return rc;
}

int art_hints_open(sqlite3 *db, art_hints **out, art_err *e)
{
	art_hints *h = art_xmalloc(sizeof *h);
	struct timespec ts;
	int rc;

	memset(h, 0, sizeof *h);
	h->db = db;
	if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(db, e, "cannot set up");
		goto fail;
	}
	/* One statement both tests and remembers: between a SELECT and an
	 * INSERT another art-poll could take the same hint. */
	if (sqlite3_prepare_v2(db,
			"INSERT INTO hint_seen (hint_id, expires_ms) VALUES (?1, ?2)"
			" ON CONFLICT (hint_id) DO UPDATE SET expires_ms = excluded.expires_ms"
			" WHERE hint_seen.expires_ms <= ?3", -1, &h->remember, NULL) ||
	    sqlite3_prepare_v2(db,
			"INSERT INTO hint_refused (verdict, count) VALUES (?1, 1)"
			" ON CONFLICT (verdict) DO UPDATE SET count = count + 1",
			-1, &h->count, NULL) ||
	    sqlite3_prepare_v2(db, "DELETE FROM hint_seen WHERE expires_ms <= ?1",
			       -1, &h->prune, NULL) ||
	    sqlite3_prepare_v2(db, "SELECT verdict, count FROM hint_refused",
			       -1, &h->counts, NULL)) {
		rc = db_err(db, e, "cannot prepare");
		goto fail;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	if ((rc = art_hints_prune(h, (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
				  e)) != 0)
		goto fail;
	*out = h;
	return 0;
fail:
	art_hints_close(h);
	return rc;
}

void art_hints_close(art_hints *h)
{
	if (!h)
		return;
	sqlite3_finalize(h->remember);
	sqlite3_finalize(h->count);
	sqlite3_finalize(h->prune);
	sqlite3_finalize(h->counts);
	free(h);
}

int art_hints_prune(art_hints *h, long long now_ms, art_err *e)
{
	sqlite3_bind_int64(h->prune, 1, now_ms);
	return run(h, h->prune, "cannot prune", e);
}

int art_hints_count(art_hints *h, art_hint_verdict v, art_err *e)
{
	if (v == ART_HINT_OK || (unsigned)v >= sizeof verdict_names / sizeof *verdict_names)
		return art_errf(e, ART_EXIT_LOCAL, "hint memory: no count for verdict %d",
				(int)v);
	sqlite3_bind_text(h->count, 1, verdict_names[v], -1, SQLITE_STATIC);
	return run(h, h->count, "cannot count a refused hint", e);
}

int art_hints_counts(art_hints *h, json_t **out, art_err *e)
{
	static const art_hint_verdict keys[] = { ART_HINT_DUPLICATE, ART_HINT_EXPIRED,
		ART_HINT_FUTURE, ART_HINT_MALFORMED, ART_HINT_SENSITIVE };
	json_t *o = json_object();
	size_t i;
	int rc;

	for (i = 0; i < sizeof keys / sizeof *keys; i++)
		json_object_set_new(o, verdict_names[keys[i]], json_integer(0));
	while ((rc = sqlite3_step(h->counts)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(h->counts, 0);

		/* a verdict this version does not know stays out */
		if (v && json_object_get(o, v))
			json_object_set_new(o, v,
					    json_integer(sqlite3_column_int64(h->counts, 1)));
	}
	sqlite3_reset(h->counts);
	if (rc != SQLITE_DONE) {
		json_decref(o);
		return db_err(h->db, e, "cannot read the counts");
	}
	*out = o;
	return 0;
}

int art_hint_check(art_hints *h, const char *buf, size_t len,
		   long long now_ms, art_hint *out, art_err *e)
{
	art_hint_verdict v = ART_HINT_MALFORMED;
	const char *why = buf ? "larger than 4096 bytes" : "no payload";
	const char *id = NULL, *topic = NULL;
	long long expires = 0;
	json_t *root = NULL;
	json_error_t jerr;
	int rc;

	memset(out, 0, sizeof *out);
	if (buf && len <= ART_HINT_MAX) {
		/* jerr is never shown: jansson quotes the text near a fault */
		root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
		why = "not JSON";
		if (root)
			v = judge(root, now_ms, &id, &topic, &expires, &why);
	}
	if (v == ART_HINT_OK) {
		if ((rc = art_hints_prune(h, now_ms, e)) != 0)
			goto dropped;
		sqlite3_bind_text(h->remember, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(h->remember, 2, expires);
		sqlite3_bind_int64(h->remember, 3, now_ms);
		if ((rc = run(h, h->remember, "cannot remember a hint", e)) != 0)
			goto dropped;
		if (sqlite3_changes(h->db) == 0) {
			v = ART_HINT_DUPLICATE;
			why = "seen before, its TTL still running";
		}
	}
	if (v == ART_HINT_OK) {
		out->verdict = v;
		snprintf(out->topic, sizeof out->topic, "%s", topic);
		snprintf(out->hint_id, sizeof out->hint_id, "%s", id);
		out->expires_ms = expires;
		json_decref(root);
		return 0;
	}
	json_decref(root);
	out->verdict = v;
	if ((rc = art_hints_count(h, v, e)) != 0)
		return rc;
	art_errf(e, ART_EXIT_INPUT, "hint refused: %s", why);
	return 0;
dropped:
	/* not remembered, so not shown new: never OK */
	json_decref(root);
	out->verdict = ART_HINT_DUPLICATE;
	return rc;
}

/* ---- framings ---- */

/*
 * Lines of at most ART_HINT_FRAME_MAX bytes out of chunks.  A longer
 * line keeps its head (enough to tell a comment) and is flagged over;
 * the rest of it is dropped as it comes, so memory stays bounded.
 */
typedef struct splitter {
	char buf[ART_HINT_FRAME_MAX + 1];
	size_t len;
	int cr;    /* the last byte was a CR: an LF now ends nothing */
	int over;
} splitter;

typedef int (*line_fn)(void *self, const char *line, size_t len, int over,
		       art_sse_fn fn, void *ctx);

static void append(splitter *s, const char *p, size_t n)
{
	size_t room = ART_HINT_FRAME_MAX - s->len;

	if (n > room) {
		n = room;
		s->over = 1;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

static int end_line(splitter *s, line_fn on_line, void *self, art_sse_fn fn,
		    void *ctx)
{
	int rc;

	s->buf[s->len] = '\0';
	rc = on_line(self, s->buf, s->len, s->over, fn, ctx);
	s->len = 0;
	s->over = 0;
	return rc;
}

static int split(splitter *s, const char *buf, size_t len, line_fn on_line,
		 void *self, art_sse_fn fn, void *ctx)
{
	size_t i = 0, j;
	int rc;

	while (i < len) {
		if (s->cr) {
			s->cr = 0;
			if (buf[i] == '\n') {
				i++;
				continue;
			}
		}
		for (j = i; j < len && buf[j] != '\n' && buf[j] != '\r'; j++)
			;
		append(s, buf + i, j - i);
		if (j == len)
			break;
		s->cr = buf[j] == '\r';
		i = j + 1;
		if ((rc = end_line(s, on_line, self, fn, ctx)) != 0)
			return rc;
	}
	return 0;
}

struct art_sse {
	splitter s;
	char data[ART_HINT_FRAME_MAX + 1];
	size_t dlen;
	int has_data;  /* a data line came, even an empty one */
	int over;      /* this event passed the cap: it is only counted */
	char id[ART_HINT_FRAME_MAX + 1];
	int bom;       /* bytes of the BOM matched so far; -1: past it */
};

art_sse *art_sse_new(void)
{
	art_sse *p = art_xmalloc(sizeof *p);

	memset(p, 0, sizeof *p);
	return p;
}

void art_sse_free(art_sse *p)
{
	free(p);
}

const char *art_sse_last_id(const art_sse *p)
{
	return p->id;
}

static void sse_clear_event(art_sse *p)
{
	p->dlen = 0;
	p->data[0] = '\0';
	p->has_data = 0;
	p->over = 0;
}

void art_sse_reset(art_sse *p)
{
	sse_clear_event(p);
	p->s.len = 0;
	p->s.over = 0;
	p->s.cr = 0;
	p->bom = 0;
}

static int sse_line(void *self, const char *line, size_t len, int over,
		    art_sse_fn fn, void *ctx)
{
	art_sse *p = self;
	art_sse_event ev = { NULL, 0, p->id, 0 };
	const char *colon, *val;
	size_t flen, vlen;
	int rc = 0;

	if (len == 0) {
		if (p->over) {
			ev.oversize = 1;
			rc = fn(ctx, &ev);
		} else if (p->has_data) {
			ev.data = p->data;
			ev.len = p->dlen;
			rc = fn(ctx, &ev);
		}
		sse_clear_event(p);
		return rc;
	}
	if (line[0] == ':')
		return 0;
	if (over) {
		/* whatever field it was, the event cannot be trusted whole */
		p->over = 1;
		return 0;
	}
	if ((colon = memchr(line, ':', len)) != NULL) {
		flen = (size_t)(colon - line);
		val = colon + 1;
		vlen = len - flen - 1;
		if (vlen && *val == ' ') {
			val++;
			vlen--;
		}
	} else {
		flen = len;
		val = line + len;
		vlen = 0;
	}
	if (flen == 4 && !memcmp(line, "data", 4)) {
		size_t need = vlen + (p->has_data ? 1 : 0);

		if (p->over || p->dlen + need > ART_HINT_FRAME_MAX) {
			p->over = 1;
			return 0;
		}
		if (p->has_data)
			p->data[p->dlen++] = '\n';
		memcpy(p->data + p->dlen, val, vlen);
		p->dlen += vlen;
		p->data[p->dlen] = '\0';
		p->has_data = 1;
	} else if (flen == 2 && !memcmp(line, "id", 2) && !memchr(val, '\0', vlen)) {
		memcpy(p->id, val, vlen);
		p->id[vlen] = '\0';
	}
	return 0;
}

int art_sse_feed(art_sse *p, const char *buf, size_t len, art_sse_fn fn,
		 void *ctx)
{
	static const char bom[] = "\xef\xbb\xbf";
	int rc;

	/* the BOM may come split across chunks like anything else */
	while (p->bom >= 0 && len > 0) {
		if (*buf == bom[p->bom]) {
			buf++;
			len--;
			if (++p->bom == 3)
				p->bom = -1;
			continue;
		}
		/* not a BOM after all: what looked like its start is text */
		rc = split(&p->s, bom, (size_t)p->bom, sse_line, p, fn, ctx);
		p->bom = -1;
		if (rc)
			return rc;
	}
	return split(&p->s, buf, len, sse_line, p, fn, ctx);
}

struct art_lines {
	splitter s;
};

art_lines *art_lines_new(void)
{
	art_lines *p = art_xmalloc(sizeof *p);

	memset(p, 0, sizeof *p);
	return p;
}

void art_lines_free(art_lines *p)
{
	free(p);
}

static int one_line(void *self, const char *line, size_t len, int over,
		    art_sse_fn fn, void *ctx)
{
	art_sse_event ev = { line, len, "", 0 };

	(void)self;
	if (over) {
		ev.data = NULL;
		ev.len = 0;
		ev.oversize = 1;
	} else if (len == 0) {
		return 0;
	}
	return fn(ctx, &ev);
}

int art_lines_feed(art_lines *p, const char *buf, size_t len, art_sse_fn fn,
		   void *ctx)
{
	return split(&p->s, buf, len, one_line, p, fn, ctx);
}

int art_lines_end(art_lines *p, art_sse_fn fn, void *ctx)
{
	p->s.cr = 0;
	if (p->s.len == 0 && !p->s.over)
		return 0;
	return end_line(&p->s, one_line, p, fn, ctx);
}
