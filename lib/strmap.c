/* strmap.c - string-keyed hash map; see strmap.h. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"

static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return (size_t)(h ^ (h >> 32));
}

size_t *art_strmap_get(const art_strmap *m, const char *key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = hash(key) & (m->cap - 1); m->keys[i];
	     i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->keys[i], key))
			return &m->vals[i];
	return NULL;
}

/* Insert into a map with room for one more. */
static void insert(art_strmap *m, const char *key, size_t val)
{
	size_t i;

	for (i = hash(key) & (m->cap - 1); m->keys[i];
	     i = (i + 1) & (m->cap - 1))
		;
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
}

static void grow(art_strmap *m)
{
	art_strmap bigger = { 0 };
	size_t i;

	bigger.cap = m->cap ? m->cap * 2 : 64;
	bigger.keys = art_xmalloc(bigger.cap * sizeof *bigger.keys);
	bigger.vals = art_xmalloc(bigger.cap * sizeof *bigger.vals);
	memset(bigger.keys, 0, bigger.cap * sizeof *bigger.keys);
	for (i = 0; i < m->cap; i++)
		if (m->keys[i])
			insert(&bigger, m->keys[i], m->vals[i]);
	free(m->keys);
	free(m->vals);
	m->keys = bigger.keys;
	m->vals = bigger.vals;
	m->cap = bigger.cap;
}

void art_strmap_put(art_strmap *m, const char *key, size_t val)
{
	if ((m->n + 1) * 2 > m->cap) /* at most half full */
		grow(m);
	insert(m, key, val);
}

void art_strmap_free(art_strmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}
