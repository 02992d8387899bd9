/*
 * verdict.h - the verdicts of a scope check (art-scope-check(1)): each
 * changed path against the manifest's lists, deny, then protected (unless
 * an approval for the run's ticket covers it), then allow; and what the
 * collecting found on the way: secrets, links leaving the checkout,
 * gitlinks, files that could not be scanned.
 */
#ifndef ART_VERDICT_H
#define ART_VERDICT_H

#include <jansson.h>

#include "changes.h"

/*
 * {"violations", "approved", "skipped"} (and "files" when files is set)
 * for changes, sorted by path, judged by the validated manifest m.
 */
json_t *art_verdicts(const json_t *m, const art_changes *changes, int files);

#endif
