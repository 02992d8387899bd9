/*
 * ids.h - agent and ticket identifiers (cli.md): checked before anything
 * is written, because they become directory, branch and ref names.
 */
#ifndef ART_IDS_H
#define ART_IDS_H

#include "diag.h"

/* agent: [a-z][a-z0-9_-]{0,63}.  0 or ART_EXIT_INPUT saying why. */
int art_check_agent(const char *agent, art_err *e);

/*
 * ticket: [A-Za-z0-9][A-Za-z0-9._-]{0,127}, and, because it becomes a ref
 * path component, no "..", no trailing "." and no ".lock" suffix.
 */
int art_check_ticket(const char *ticket, art_err *e);

/* An environment variable's name, [A-Za-z_][A-Za-z0-9_]{0,127}, as a
 * dod item's "env" and art-vm's --env take it: 1 when it is one. */
int art_is_env_name(const char *name);

/* A run's subject, "TICKET/agent", both valid.  0 or ART_EXIT_INPUT. */
int art_check_subject(const char *subject, art_err *e);

#endif
