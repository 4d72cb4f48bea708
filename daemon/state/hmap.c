/*
 * hmap - see hmap.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "state/hmap.h"

/*
 * Large tables are probed at random, so each lookup is a cache miss and,
 * with 4 KiB pages, a TLB miss too: tables of 2 MiB and more are mapped
 * on their own, aligned for and advised to use transparent huge pages
 * where the kernel offers them (a hint; without it they are ordinary
 * pages).  A fresh mapping reads as zeroes, so it is not cleared again.
 */
#define HMAP_HUGE ((size_t)2 << 20)

static size_t hmap__bytes(size_t cap)
{
	size_t bytes = cap * sizeof(hmap_slot_t);

	return bytes < HMAP_HUGE ? bytes : (bytes + HMAP_HUGE - 1) & ~(HMAP_HUGE - 1);
}

static hmap_slot_t *hmap__alloc_slots(size_t cap)
{
	size_t bytes = hmap__bytes(cap);
	char *p, *aligned;
	size_t lead;

	if (bytes < HMAP_HUGE)
		return calloc(cap, sizeof(hmap_slot_t));
	/* Map one huge page more than needed and unmap the unaligned ends. */
	p = mmap(NULL, bytes + HMAP_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	if (p == MAP_FAILED)
		return NULL;
	aligned = (char *)(((uintptr_t)p + HMAP_HUGE - 1) & ~(uintptr_t)(HMAP_HUGE - 1));
	lead = (size_t)(aligned - p);
	if (lead > 0)
		munmap(p, lead);
	munmap(aligned + bytes, HMAP_HUGE - lead);
#ifdef MADV_HUGEPAGE
	madvise(aligned, bytes, MADV_HUGEPAGE);
#endif
	return (hmap_slot_t *)aligned;
}

static void hmap__free_slots(hmap_slot_t *slots, size_t cap)
{
	size_t bytes = hmap__bytes(cap);

	if (bytes < HMAP_HUGE)
		free(slots);
	else if (slots != NULL)
		munmap(slots, bytes);
}

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
	hmap__free_slots(m->slots, m->cap);
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

void hmap_prefetch(const hmap_t *m, const char *key)
{
	hmap_prefetch_hash(m, hmap_hash(key));
}

void hmap_prefetch_hash(const hmap_t *m, size_t hash)
{
	if (m->cap > 0)
		__builtin_prefetch(&m->slots[hash & (m->cap - 1)]);
}

static void hmap__resize(hmap_t *m, size_t cap)
{
	hmap_t bigger = {0};

	bigger.cap = cap;
	bigger.slots = hmap__alloc_slots(cap);
	if (bigger.slots == NULL) {
		fputs("<2>out of memory\n", stderr);
		abort();
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key != NULL)
			*hmap__find(&bigger, m->slots[i].key, m->slots[i].hash) = m->slots[i];
	bigger.n = m->n;
	hmap__free_slots(m->slots, m->cap);
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
