/*
 * hmap - see hmap.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state/hmap.h"

size_t hmap_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 29));
}

void hmap_release(hmap_t *m)
{
	free(m->slots);
	memset(m, 0, sizeof *m);
}

static hmap_slot_t *hmap__find(const hmap_t *m, const char *key, size_t hash)
{
	size_t mask = m->cap - 1;

	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		hmap_slot_t *s = &m->slots[i];
		if (s->key == NULL || (s->hash == hash && strcmp(s->key, key) == 0))
			return s;
	}
}

void *hmap_get(const hmap_t *m, const char *key)
{
	hmap_slot_t *s;

	if (m->n == 0)
		return NULL;
	s = hmap__find(m, key, hmap_hash(key));
	return s->key != NULL ? s->value : NULL;
}

static void hmap__resize(hmap_t *m, size_t cap)
{
	hmap_t bigger = {0};

	bigger.cap = cap;
	bigger.slots = calloc(cap, sizeof *bigger.slots);
	if (bigger.slots == NULL)
		abort(); /* the state has no way to go on without memory */
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key != NULL)
			*hmap__find(&bigger, m->slots[i].key, m->slots[i].hash) = m->slots[i];
	bigger.n = m->n;
	free(m->slots);
	*m = bigger;
}

void *hmap_put(hmap_t *m, const char *key, void *value)
{
	size_t hash = hmap_hash(key);
	hmap_slot_t *s;
	void *old;

	if ((m->n + 1) * 2 > m->cap)
		hmap__resize(m, m->cap ? m->cap * 2 : 64);
	s = hmap__find(m, key, hash);
	if (s->key != NULL) {
		old = s->value;
		s->key = key;
		s->value = value;
		return old;
	}
	s->key = key;
	s->value = value;
	s->hash = hash;
	m->n++;
	return NULL;
}

void hmap_reserve(hmap_t *m, size_t n)
{
	size_t cap = m->cap ? m->cap : 64;

	while (n * 2 > cap)
		cap *= 2;
	if (cap > m->cap)
		hmap__resize(m, cap);
}

void *hmap_del(hmap_t *m, const char *key)
{
	size_t mask, i, j;
	hmap_slot_t *s;
	void *value;

	if (m->n == 0)
		return NULL;
	mask = m->cap - 1;
	s = hmap__find(m, key, hmap_hash(key));
	if (s->key == NULL)
		return NULL;
	value = s->value;
	/* Backward shift: pull later entries of the run into the hole so no
	 * tombstones are needed. */
	i = (size_t)(s - m->slots);
	j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (m->slots[j].key == NULL)
			break;
		size_t home = m->slots[j].hash & mask;
		/* Move j into i if its home is not in (i, j] cyclically. */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].key = NULL;
	m->slots[i].value = NULL;
	m->n--;
	return value;
}
