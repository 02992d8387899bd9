/* runstate.c - the run state machine; see runstate.h. */
#include "runstate.h"

#include <string.h>

static const struct {
	const char *type;
	const char *from[4]; /* "" stands for a run with no events yet */
	const char *to;
} transitions[] = {
	{ "art.run.created", { "" }, "created" },
	{ "art.run.started", { "", "created" }, "running" },
	{ "art.run.closing", { "running" }, "closing" },
	{ "art.run.closed", { "running", "closing" }, "closed" },
	{ "art.run.failed", { "running", "closing" }, "failed" },
	{ "art.run.canceled", { "created", "running", "closing" }, "canceled" },
};

int art_run_is_state_event(const char *type)
{
	return !strncmp(type, "art.run.", 8);
}

const char *art_run_next_state(const char *from, const char *type)
{
	size_t i, j;

	if (!art_run_is_state_event(type))
		return from;
	for (i = 0; i < sizeof transitions / sizeof *transitions; i++) {
		if (strcmp(transitions[i].type, type))
			continue;
		for (j = 0; j < 4 && transitions[i].from[j]; j++)
			if (!strcmp(transitions[i].from[j], from))
				return transitions[i].to;
		return NULL;
	}
	return NULL; /* an art.run.* type the machine does not know: refused */
}
