/*
 * embedded.h - the default templates of share/art/, built into every
 * binary (see tools/embed.c), each a NUL-terminated string.
 */
#ifndef ART_EMBEDDED_H
#define ART_EMBEDDED_H

extern const char art_embedded_prompt_md[];
extern const char art_embedded_registry_json[];
extern const char art_embedded_profile_json[];
/* share/art/hooks/art-hook: the client-side git hook (hooks.h). */
extern const char art_embedded_hook_sh[];

#endif
