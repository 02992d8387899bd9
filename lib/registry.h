/*
 * registry.h - the agents registry and agent profiles (art-registry(5)).
 *
 * Both are read from the main checkout, never through a symlink, and
 * validated on load: every error names the file and the field.  Unknown
 * fields are kept and ignored, so newer files work with older art.
 * Pointers inside the structs borrow from root and live as long as it;
 * absent optional lists are filled in root with their defaults.
 */
#ifndef ART_REGISTRY_H
#define ART_REGISTRY_H

#include <jansson.h>

#include "diag.h"
#include "repo.h"

#define ART_REGISTRY_DEFAULT "agents/agents_registry.json"
#define ART_CONFIG_MAX (1u << 20)  /* registry, profile, manifest: 1 MiB */
#define ART_PATTERNS_MAX 1000      /* patterns in one list */
#define ART_DOD_TIMEOUT_MAX 86400  /* a dod item's "timeout": one day */

typedef struct art_registry {
	char *path;         /* relative to the main checkout */
	json_t *root;
	json_t *agents;     /* array of {"agent", "profile"?} */
	json_t *protected;  /* array of pattern strings (default if absent) */
	json_t *approvals;  /* protectedApprovals: array, maybe empty */
	json_t *dod;        /* array of definition-of-done items, maybe empty */
} art_registry;

typedef struct art_profile {
	char *path;
	json_t *root;
	const char *agent;
	const char *display_name;  /* defaults to agent */
	const char *role;          /* "" when absent */
	const char *prompt;        /* "" when absent */
	json_t *allow;             /* scopeAllowlist: array of strings */
	json_t *deny;              /* scopeDenylist: array, maybe empty */
	json_t *dod;               /* array, maybe empty */
} art_profile;

/* The protected list used when the registry has none (seed 001 §4.3). */
json_t *art_default_protected(void);

/* The registry's path: git config art.registry, else the default; it
 * must be relative and inside the checkout (ART_EXIT_INPUT).  Malloc'd. */
int art_registry_path(const art_repo *r, char **out, art_err *e);

int art_registry_load(const art_repo *r, art_registry *reg, art_err *e);
void art_registry_free(art_registry *reg);

/* The profile of agent; an agent the registry does not list: exit 3. */
int art_profile_load(const art_repo *r, const art_registry *reg,
		     const char *agent, art_profile *p, art_err *e);
void art_profile_free(art_profile *p);

/*
 * Validate an array of glob patterns at field of file: 0 or ART_EXIT_INPUT.
 * Shared with the manifest, which carries the same lists.
 */
int art_check_patterns(const char *file, const char *field, json_t *v,
		       int required, art_err *e);
/*
 * Validate an array of protected-file approvals ({"ticket", "paths",
 * "by"?, "reason"?}): the registry's protectedApprovals and the
 * manifest's protectedApproved.  Absent is fine.
 */
int art_check_approvals(const char *file, const char *field, json_t *v,
			art_err *e);
/* Validate a definition-of-done array (ids unique, run string or argv,
 * timeout a number of seconds). */
int art_check_dod(const char *file, const char *field, json_t *v,
		  art_err *e);

#endif
