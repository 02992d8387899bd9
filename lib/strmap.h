/*
 * strmap.h - a string-keyed hash map to size_t (open addressing), for the
 * path sets of a scope check: tens of thousands of paths, looked up once
 * or twice each.  Keys are borrowed: they must outlive the map.
 */
#ifndef ART_STRMAP_H
#define ART_STRMAP_H

#include <stddef.h>

typedef struct art_strmap {
	const char **keys;
	size_t *vals;
	size_t cap, n;   /* cap: a power of two, 0 when empty */
} art_strmap;

/* Pointer to the value of key, or NULL. */
size_t *art_strmap_get(const art_strmap *m, const char *key);
/* Insert key (not present) with val. */
void art_strmap_put(art_strmap *m, const char *key, size_t val);
void art_strmap_free(art_strmap *m);

#endif
