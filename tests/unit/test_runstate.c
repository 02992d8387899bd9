/*
 * test_runstate.c - the run state machine of cli.md:
 * created -> running -> closing -> closed | failed | canceled.
 */
#include "check.h"
#include "runstate.h"

#include <string.h>

static void step(const char *from, const char *type, const char *want)
{
	const char *got = art_run_next_state(from, type);

	if (!want)
		CHECK(got == NULL, "%s from \"%s\" must be refused, got %s", type,
		      from, got);
	else
		CHECK(got && !strcmp(got, want), "%s from \"%s\": got %s, want %s",
		      type, from, got ? got : "refused", want);
}

int main(void)
{
	step("", "art.run.created", "created");
	step("", "art.run.started", "running");
	step("created", "art.run.started", "running");
	step("running", "art.run.closing", "closing");
	step("closing", "art.run.closed", "closed");
	step("closing", "art.run.failed", "failed");
	step("running", "art.run.canceled", "canceled");
	/* what the machine forbids */
	step("running", "art.run.started", NULL);
	step("closed", "art.run.started", NULL);
	step("closed", "art.run.closed", NULL);
	step("failed", "art.run.closing", NULL);
	step("canceled", "art.run.started", NULL);
	step("", "art.run.closed", NULL);
	step("running", "art.run.exploded", NULL);
	/* events outside the machine leave the state alone */
	step("running", "art.governor.denied", "running");
	step("", "art.vm.started", "");
	CHECK(art_run_is_state_event("art.run.started"), "state event");
	CHECK(!art_run_is_state_event("art.runner"), "not a state event");
	return CHECK_DONE();
}
