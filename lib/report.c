/* report.c - REPORT.md; see report.h. */
#define _GNU_SOURCE
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* A byte in caret notation when it is a control character ("^[" for
 * ESC, "^?" for DEL), so the text stays printable; else the byte. */
static void put_byte(FILE *f, unsigned char c)
{
	if (c < 0x20 && c != '\t' && c != '\n')
		fprintf(f, "^%c", c + 0x40);
	else if (c == 0x7f)
		fputs("^?", f);
	else
		fputc(c, f);
}

/* A byte of free text: '<' as an entity, so that no HTML (a comment
 * that would hide the rest of the report) comes through. */
static void put_text_byte(FILE *f, unsigned char c)
{
	if (c == '<')
		fputs("&lt;", f);
	else
		put_byte(f, c);
}

/* Three backticks or tildes after at most three spaces: a code fence
 * that would swallow the sections after it. */
static int opens_fence(const char *line, size_t n)
{
	size_t i = 0;

	while (i < n && i < 3 && line[i] == ' ')
		i++;
	return i + 3 <= n && (line[i] == '`' || line[i] == '~') &&
	       line[i + 1] == line[i] && line[i + 2] == line[i];
}

/* One line of free text: newlines and tabs become spaces. */
static void put_inline(FILE *f, const char *s)
{
	if (opens_fence(s, strlen(s)))
		fputc('\\', f);
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			fputc(' ', f);
		else
			put_text_byte(f, (unsigned char)*s);
}

/* The longest run of c in s. */
static size_t longest_run(const char *s, char c)
{
	size_t best = 0, n = 0;

	for (; *s; s++) {
		n = *s == c ? n + 1 : 0;
		if (n > best)
			best = n;
	}
	return best;
}

/*
 * A path as a code span.  Bytes git would quote (controls, '"', '\\')
 * are shown as git shows them, in a quoted string, so a name cannot
 * smuggle a newline into the list; the span's fence is longer than any
 * backtick run in the name.
 */
static void put_code(FILE *f, const char *path)
{
	size_t fence = longest_run(path, '`') + 1, i;
	int quote = 0;
	const char *p;

	for (p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '"' || *p == '\\' ||
		    *p == 0x7f)
			quote = 1;
	for (i = 0; i < fence; i++)
		fputc('`', f);
	if (path[0] == '`' || quote)
		fputc(' ', f);
	if (quote) {
		fputc('"', f);
		for (p = path; *p; p++) {
			unsigned char c = (unsigned char)*p;

			if (c == '\n')
				fputs("\\n", f);
			else if (c == '\t')
				fputs("\\t", f);
			else if (c == '"' || c == '\\')
				fprintf(f, "\\%c", c);
			else if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\%03o", c);
			else
				fputc(c, f);
		}
		fputc('"', f);
	} else {
		fputs(path, f);
	}
	if (path[0] && (path[strlen(path) - 1] == '`' || quote))
		fputc(' ', f);
	for (i = 0; i < fence; i++)
		fputc('`', f);
}

/*
 * A line of the summary that Markdown would read as a heading or a
 * thematic break, or as the underline of a setext heading: it could fake
 * a section of the report.  Escaped with a backslash.
 */
static int looks_structural(const char *line, size_t n)
{
	size_t i = 0, k;

	while (i < n && i < 3 && line[i] == ' ')
		i++;
	if (i < n && line[i] == '#')
		return 1;
	if (i < n && (line[i] == '=' || line[i] == '-' || line[i] == '_' ||
		      line[i] == '*')) {
		for (k = i; k < n && (line[k] == line[i] || line[k] == ' '); k++)
			;
		return k == n;
	}
	return 0;
}

static void put_summary(FILE *f, const char *s)
{
	while (*s) {
		size_t n = strcspn(s, "\n"), i;

		if (looks_structural(s, n) || opens_fence(s, n))
			fputc('\\', f);
		for (i = 0; i < n; i++)
			if (s[i] != '\r' || (i + 1 < n))
				put_text_byte(f, (unsigned char)s[i]);
		fputc('\n', f);
		s += n + (s[n] == '\n');
	}
}

/* Output in a fence longer than any backtick run inside it. */
static void put_fenced(FILE *f, const char *text)
{
	size_t fence = longest_run(text, '`') + 1, i;
	const char *p;

	if (fence < 3)
		fence = 3;
	for (i = 0; i < fence; i++)
		fputc('`', f);
	fputc('\n', f);
	for (p = text; *p; p++)
		if (!(*p == '\r' && p[1] == '\n'))
			put_byte(f, (unsigned char)*p);
	if (p > text && p[-1] != '\n')
		fputc('\n', f);
	for (i = 0; i < fence; i++)
		fputc('`', f);
	fputc('\n', f);
}

static void put_items(FILE *f, const json_t *items, const char *box)
{
	size_t i;
	json_t *v;

	if (!json_array_size(items)) {
		fputs("- None.\n", f);
		return;
	}
	json_array_foreach(items, i, v) {
		fputs(box, f);
		put_inline(f, json_string_value(v) ? json_string_value(v) : "");
		fputc('\n', f);
	}
}

static void metadata(FILE *f, const json_t *p)
{
	fputs("## Metadata\n", f);
	fprintf(f, "- **Agent**: %s\n", str(p, "agent"));
	fprintf(f, "- **Ticket**: %s\n", str(p, "ticket"));
	fputs("- **Started**: ", f);
	put_inline(f, *str(p, "startedAt") ? str(p, "startedAt") : "unknown");
	fprintf(f, "\n- **Closed**: %s\n", str(p, "closedAt"));
	fprintf(f, "- **Branch**: %s\n", str(p, "branch"));
	fprintf(f, "- **Base**: %s\n", str(p, "base"));
	fprintf(f, "- **Head**: %s\n", str(p, "head"));
	fprintf(f, "- **Result**: %s\n",
		json_is_true(json_object_get(p, "ok")) ? "every check passed"
						       : "some checks failed");
}

static void files(FILE *f, const json_t *p)
{
	const json_t *list = json_object_get(p, "changedFiles");
	size_t i;
	json_t *c;

	fputs("\n## Files Modified\n", f);
	if (!json_array_size(list))
		fputs("- None.\n", f);
	json_array_foreach(list, i, c) {
		const char *kind = str(c, "change");

		fputs("- ", f);
		put_code(f, str(c, "path"));
		if (!strcmp(kind, "renamed")) {
			fputs(" (renamed from ", f);
			put_code(f, str(c, "from"));
			fputc(')', f);
		} else if (strcmp(kind, "modified")) {
			fprintf(f, " (%s)", kind);
		}
		fputc('\n', f);
	}
}

static void checklist(FILE *f, const json_t *p)
{
	const json_t *checks = json_object_get(p, "checks");
	size_t i;
	json_t *c;

	fputs("\n## DoD Checklist\n", f);
	json_array_foreach(checks, i, c) {
		int ok = json_is_true(json_object_get(c, "ok"));

		fprintf(f, "- [%c] ", ok ? 'x' : ' ');
		put_inline(f, *str(c, "title") ? str(c, "title") : str(c, "id"));
		if (json_is_true(json_object_get(c, "timed_out")))
			fputs(" (timed out", f);
		else if (!ok)
			fprintf(f, " (exit %lld",
				(long long)json_integer_value(json_object_get(c, "exit")));
		if (!ok)
			fprintf(f, ", %.1f s)",
				(double)json_integer_value(json_object_get(c, "duration_ms")) / 1000);
		fputc('\n', f);
	}
}

static void violations(FILE *f, const json_t *p)
{
	const json_t *v = json_object_get(json_object_get(p, "scope"), "violations");
	size_t i;
	json_t *o;

	if (!json_array_size(v))
		return;
	fputs("\n## Scope Violations\n", f);
	json_array_foreach(v, i, o) {
		fputs("- ", f);
		put_code(f, str(o, "path"));
		fprintf(f, ": %s", str(o, "reason"));
		if (*str(o, "rule")) {
			fputs(" (", f);
			put_inline(f, str(o, "rule"));
			if (json_integer_value(json_object_get(o, "line")))
				fprintf(f, ", line %lld",
					(long long)json_integer_value(json_object_get(o, "line")));
			fputc(')', f);
		}
		fputc('\n', f);
	}
}

static void bad_commits(FILE *f, const json_t *p)
{
	const json_t *v = json_object_get(json_object_get(p, "commits"),
					  "nonconventional");
	size_t i;
	json_t *o;

	if (!json_array_size(v))
		return;
	fputs("\n## Non-conventional Commits\n", f);
	json_array_foreach(v, i, o) {
		fprintf(f, "- %.12s ", str(o, "commit"));
		put_code(f, str(o, "subject"));
		fputs(": ", f);
		put_inline(f, str(o, "why"));
		fputc('\n', f);
	}
}

/* The output tail of each failed command, the evidence a reviewer needs. */
static void outputs(FILE *f, const json_t *p)
{
	const json_t *checks = json_object_get(p, "checks");
	size_t i;
	json_t *c;
	int any = 0;

	json_array_foreach(checks, i, c) {
		if (json_is_true(json_object_get(c, "ok")) || !*str(c, "output"))
			continue;
		if (!any++)
			fputs("\n## Check Output\n", f);
		fputs("\n### ", f);
		put_inline(f, *str(c, "title") ? str(c, "title") : str(c, "id"));
		fputs("\n\n", f);
		put_fenced(f, str(c, "output"));
	}
}

char *art_report_render(const art_report_in *in, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (!f)
		abort();
	fputs("# Agent Run Report\n\n", f);
	metadata(f, in->pred);
	fputs("\n## Summary\n", f);
	if (in->summary && *in->summary)
		put_summary(f, in->summary);
	else
		fputs("No summary given.\n", f);
	files(f, in->pred);
	checklist(f, in->pred);
	fputs("\n## Risks & Notes\n", f);
	put_items(f, in->risks, "- ");
	fputs("\n## Next Actions\n", f);
	put_items(f, in->next, "- [ ] ");
	violations(f, in->pred);
	bad_commits(f, in->pred);
	outputs(f, in->pred);
	if (fclose(f) != 0 || !buf)
		abort();
	*len = n;
	return buf;
}
