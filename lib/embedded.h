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

/* guest/init.c, linked statically: /init of art-vm's microVM image
 * (vmimage.h).  In art-vm only. */
extern const char art_embedded_vm_init[];
extern const unsigned long art_embedded_vm_init_size;
/* Its SHA-256, hex: an image made with another init is refused. */
extern const char art_embedded_vm_init_sha256[];

#endif
