/*
 * hintwait.h - art-poll's wait between polls, cut short by push hints.
 *
 * Hints come from Core's event stream (GET /hints, "sse") or from a FIFO
 * a webhook receiver or a mobile push bridge writes to, one JSON object
 * a line.  Both are checked by the same rules (hints.h): exactly four
 * fields, not seen before, not expired, not from the future.  A valid
 * hint calls fn with its topic; nothing else of it is used.  Hints count
 * only while Core's policy has push.hints on: the stream is opened only
 * then and closed when it turns off, and FIFO hints are dropped.
 */
#ifndef ART_HINTWAIT_H
#define ART_HINTWAIT_H
#include <jansson.h>
#include "core.h"
#include "diag.h"

typedef struct art_hintwait art_hintwait;
typedef void (*art_hint_fn)(void *ctx, const char *topic);

int art_hintwait_open(art_core *c, const char *source, int verbose,
		      art_hint_fn fn, void *ctx, art_hintwait **out,
		      art_err *e);
/* Wait up to wait_ms (less when a hint comes or *stop is set). */
int art_hintwait_wait(art_hintwait *hw, const json_t *policy,
		      long long wait_ms, volatile int *stop, art_err *e);
void art_hintwait_close(art_hintwait *hw);
/* Add "hints": the counts of refused hints, to out. */
int art_hintwait_counts(art_core *c, json_t *out, art_err *e);
#endif
