/*
 * prompt.h - the agent's instructions (art-prompt(1)), rendered from a
 * template: {{name}} is replaced by a value of the run.  Scalars:
 * agent displayName role ticket branch base worktreePath prompt.  Lists,
 * one "- " line per item ("- (none)" when empty): scopeAllowlist
 * scopeDenylist protected dod.  Any other {{...}} is an error naming the
 * template's line.
 */
#ifndef ART_PROMPT_H
#define ART_PROMPT_H

#include <jansson.h>

#include "diag.h"

/* The template built into art (share/art/prompt.md). */
const char *art_prompt_default_template(void);

/*
 * Render tmpl (named name in messages) for the manifest; profile_prompt
 * is the profile's "prompt" text.  *out is malloc'd.
 */
int art_prompt_render(const char *name, const char *tmpl, json_t *manifest,
		      const char *profile_prompt, char **out, art_err *e);

#endif
