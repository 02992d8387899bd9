/*
 * manifest.h - the run manifest (art-manifest(5)): seed 001 §9.1 fields
 * plus schema, base, protected, dod.  It is the run's contract, recorded
 * at refs/art/runs/<TICKET>/<agent>:manifest.json; the copy in
 * <worktree>/.agent/manifest.json is for the agent to read.  Commands read
 * the record, not the registry, so a registry edited mid-run (or a copy
 * the agent edited) changes nothing for that run.
 */
#ifndef ART_MANIFEST_H
#define ART_MANIFEST_H

#include <jansson.h>

#include "diag.h"
#include "registry.h"
#include "repo.h"
#include "run.h"

#define ART_MANIFEST_SCHEMA "art.manifest.v1"

/*
 * A new manifest for run, from the registry and the agent's profile.
 * dod = the registry's items, then the profile's, each with "from"; an id
 * used by both is ART_EXIT_INPUT.  Returns NULL with e set on error.
 */
json_t *art_manifest_build(const art_run *run, const art_registry *reg,
			   const art_profile *prof, const char *base,
			   const char *by, art_err *e);

/* Parse and validate manifest bytes; name is used in messages. */
int art_manifest_parse(const char *name, const char *buf, size_t len,
		       json_t **out, art_err *e);
/*
 * Read and validate the manifest of run: from its run record in git when
 * there is one (what the agent cannot edit), else from its worktree.
 */
int art_manifest_load(const art_repo *r, const art_run *run, json_t **out,
		      art_err *e);

#endif
