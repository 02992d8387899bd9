/*
 * eventin.h - an event as a user or a script proposes it (art-log(1)
 * append): validated into an art_event_in for the event store.
 */
#ifndef ART_EVENTIN_H
#define ART_EVENTIN_H

#include <jansson.h>

#include "diag.h"
#include "events.h"

/*
 * Check the event object o (members type, subject, data, causationid,
 * idempotency_key, expected_previous_seq; any other is refused, so that a
 * misspelt key is not silently ignored) and fill in, whose strings borrow
 * from o.  where names o in messages ("stdin:3", "stdin:3[1]").
 * ART_EXIT_INPUT when invalid.
 */
int art_event_from_json(const json_t *o, const char *where, art_event_in *in,
			art_err *e);

#endif
