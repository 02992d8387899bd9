/*
 * art.h - the one small library behind every art command.
 *
 * Adding a command, the checklist:
 *   1. cmd/art-<verb>.c: main(), option parsing, nothing of substance;
 *      the logic goes in lib/, in a file of its own with its own header.
 *   2. Makefile: add <verb> to COMMANDS.
 *   3. man/art-<verb>.1 (mdoc), with the EXIT STATUS table of diag.h.
 *   4. completions/art.bash and completions/_art: the verb and its flags.
 *   5. tests/art-<verb>.bats: every exit status, every refusal.
 *
 * Conventions: functions return 0 or an ART_EXIT_* status and fill an
 * art_err; only main() prints diagnostics and exits.  Strings and JSON
 * returned to the caller are owned by the caller unless a header says
 * "borrowed".
 */
#ifndef ART_H
#define ART_H

#include "diag.h"
#include "events.h"
#include "fs.h"
#include "glob.h"
#include "governor.h"
#include "ids.h"
#include "jsonio.h"
#include "manifest.h"
#include "registry.h"
#include "repo.h"
#include "run.h"

#ifndef ART_VERSION
#define ART_VERSION "0.0.0-dev"
#endif

/* Start of every main(): program name, SIGPIPE ignored (a closed pipe is
 * exit 7, not a silent death), libgit2 and libsodium ready. */
void art_begin(const char *argv0);
/* The same without libgit2 (base.c), for art-vm (see gitpaths.h). */
void art_begin_base(const char *argv0);
/* End of every main(): libraries released, stdout checked; the status. */
int art_end(int status);

#endif
