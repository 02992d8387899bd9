/*
 * report.h - .agent/REPORT.md, the note a run closes with, in the layout
 * of seed 001 §7.2: Metadata, Summary, Files Modified, DoD Checklist,
 * Risks & Notes, Next Actions; then, when there is something to show,
 * Scope Violations, Non-conventional Commits and Check Output.
 *
 * Everything that did not come from art itself is made inert first: a
 * summary cannot open a section of its own (a heading line is escaped),
 * one-line items cannot break their line, paths are code spans quoted as
 * git quotes them, output goes in fences it cannot close, and control
 * characters are shown in caret notation, so cat(1) on a report cannot
 * drive the terminal.
 */
#ifndef ART_REPORT_H
#define ART_REPORT_H

#include <jansson.h>
#include <stddef.h>

typedef struct art_report_in {
	const json_t *pred;   /* the receipt predicate (art-receipt(5)) */
	const char *summary;  /* redacted; NULL or "": none given */
	const json_t *risks;  /* array of strings, redacted; NULL: none */
	const json_t *next;   /* array of strings, redacted; NULL: none */
} art_report_in;

/* The report (malloc'd, NUL-terminated, *len bytes). */
char *art_report_render(const art_report_in *in, size_t *len);

#endif
