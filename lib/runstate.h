/*
 * runstate.h - the run state machine of cli.md, in one place:
 *   created -> running -> closing -> closed | failed | canceled
 * Every "art.run.*" event moves a run; an event that breaks the machine
 * is refused (ART_EXIT_STATE) before it is stored.
 */
#ifndef ART_RUNSTATE_H
#define ART_RUNSTATE_H

/*
 * The state a run in state from ("" for a run with no events) enters on
 * an event of type, or NULL when the machine forbids it.  Types outside
 * "art.run." leave the state alone: the result is from itself.
 */
const char *art_run_next_state(const char *from, const char *type);

/* 1 when type is a run state event ("art.run.<something>"). */
int art_run_is_state_event(const char *type);

#endif
