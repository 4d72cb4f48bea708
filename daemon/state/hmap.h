/*
 * hmap - a string-keyed hash map for the state core: open addressing with
 * linear probing and backward-shift deletion, FNV-1a hashing, at most 50%
 * full.  The map stores the key pointer and the value; both stay the
 * caller's (typically the key lives inside the value).  Lookups cost one
 * hash and, on average, about one key comparison.
 */
#ifndef VA_STATE_HMAP_H
#define VA_STATE_HMAP_H

#include <stddef.h>

typedef struct hmap_slot {
	const char *key; /* NULL: empty */
	void *value;
	size_t hash;
} hmap_slot_t;

typedef struct hmap {
	hmap_slot_t *slots;
	size_t cap; /* a power of two, or 0 */
	size_t n;
} hmap_t;

/* hmap_release - free the table (not the keys or values); zeroes *m. */
void hmap_release(hmap_t *m);

/* hmap_get - the value stored under key, or NULL. */
void *hmap_get(const hmap_t *m, const char *key);

/*
 * hmap_put - store value under key (the pointer is kept: it must live as
 * long as the entry).  Returns the value it replaced, or NULL.  Aborts on
 * out of memory.
 */
void *hmap_put(hmap_t *m, const char *key, void *value);

/* hmap_hash - the hash the map gives key (what hmap_slot_t.hash holds). */
size_t hmap_hash(const char *key);

/* hmap_reserve - make room for n entries without growing. */
void hmap_reserve(hmap_t *m, size_t n);

/* hmap_del - remove key; returns its value, or NULL if absent. */
void *hmap_del(hmap_t *m, const char *key);

/* Iteration: for (size_t i = 0; i < m->cap; i++) if (m->slots[i].key) ... */

#endif
