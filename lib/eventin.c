/* eventin.c - a proposed event, validated; see eventin.h. */
#include "eventin.h"

#include <ctype.h>
#include <string.h>

#include "ids.h"
#include "jsonio.h"

static int type_ok(const char *t)
{
	size_t n = strlen(t), i;

	if (n < 1 || n > 128 || !isalpha((unsigned char)t[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && !strchr("._-", t[i]))
			return 0;
	return 1;
}

static const char *string_member(const json_t *o, const char *key,
				 size_t max, const char *where, int *bad,
				 art_err *e)
{
	json_t *v = json_object_get(o, key);

	if (!v || *bad)
		return NULL;
	if (!json_is_string(v) || !json_string_length(v) ||
	    json_string_length(v) > max) {
		*bad = art_errf(e, ART_EXIT_INPUT,
				"%s: member \"%s\": expected a string of 1 to %zu bytes",
				where, key, max);
		return NULL;
	}
	return json_string_value(v);
}

int art_event_from_json(const json_t *o, const char *where, art_event_in *in,
			art_err *e)
{
	static const char *const known[] = { "type", "subject", "data",
					     "causationid", "idempotency_key",
					     "expected_previous_seq" };
	const char *key;
	json_t *v;
	art_err why = { 0 };
	int bad = 0;
	size_t i;

	memset(in, 0, sizeof *in);
	in->expected_previous_seq = -1;
	if (!json_is_object(o))
		return art_errf(e, ART_EXIT_INPUT, "%s: expected an event object, got %s",
				where, art_json_kind(o));
	json_object_foreach((json_t *)o, key, v) {
		for (i = 0; i < sizeof known / sizeof *known; i++)
			if (!strcmp(key, known[i]))
				break;
		if (i == sizeof known / sizeof *known)
			return art_errf(e, ART_EXIT_INPUT,
					"%s: unknown member \"%.64s\" (known: type, subject, data, causationid, idempotency_key, expected_previous_seq)",
					where, key);
	}
	in->type = string_member(o, "type", 128, where, &bad, e);
	if (!bad && (!in->type || !type_ok(in->type)))
		return art_errf(e, ART_EXIT_INPUT,
				"%s: member \"type\": %s", where,
				in->type ? "expected letters, digits, '.', '_' or '-', starting with a letter"
					 : "missing");
	in->subject = string_member(o, "subject", 200, where, &bad, e);
	if (!bad && in->subject && art_check_subject(in->subject, &why))
		return art_errf(e, ART_EXIT_INPUT, "%s: member \"subject\": %s",
				where, why.msg);
	in->causationid = string_member(o, "causationid", 128, where, &bad, e);
	in->idempotency_key = string_member(o, "idempotency_key", 256, where,
					    &bad, e);
	if (bad)
		return bad;
	v = json_object_get(o, "data");
	if (v && !json_is_object(v))
		return art_errf(e, ART_EXIT_INPUT,
				"%s: member \"data\": expected an object, got %s",
				where, art_json_kind(v));
	in->data = v;
	v = json_object_get(o, "expected_previous_seq");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return art_errf(e, ART_EXIT_INPUT,
					"%s: member \"expected_previous_seq\": expected an integer >= 0",
					where);
		in->expected_previous_seq = json_integer_value(v);
	}
	return 0;
}
