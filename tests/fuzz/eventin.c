/*
 * eventin - an event as a user or a script proposes it (eventin.c): the
 * JSON objects art-log append reads from stdin, one per line, before any
 * of them reaches the event store.
 *
 * Properties: an accepted event has a type of 1 to 128 bytes starting
 * with a letter, data that is an object or absent, strings within their
 * limits, and borrows everything from the object.
 */
#include "fuzz.h"

#include <ctype.h>

#include "eventin.h"
#include "jsonio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	art_err e = { 0 };
	art_event_in in;
	json_t *o;
	int rc;

	if (art_json_parse("fuzz", (const char *)data, size, &o, &e) != 0)
		return 0;
	rc = art_event_from_json(o, "stdin:1", &in, &e);
	if (rc == 0) {
		FUZZ_ASSERT(in.type && strlen(in.type) >= 1 && strlen(in.type) <= 128 &&
			    isalpha((unsigned char)in.type[0]), "type accepted");
		FUZZ_ASSERT(!in.data || json_is_object(in.data), "data accepted");
		FUZZ_ASSERT(!in.subject || strlen(in.subject) <= 200, "subject");
		FUZZ_ASSERT(!in.causationid || strlen(in.causationid) <= 128, "causationid");
		FUZZ_ASSERT(!in.idempotency_key || strlen(in.idempotency_key) <= 256,
			    "idempotency_key");
		FUZZ_ASSERT(in.expected_previous_seq >= -1, "expected_previous_seq %lld",
			    in.expected_previous_seq);
	} else {
		FUZZ_ASSERT(rc == ART_EXIT_INPUT && e.msg[0], "status %d", rc);
	}
	json_decref(o);
	return 0;
}
