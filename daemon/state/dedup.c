/*
 * dedup - see dedup.h.
 *
 * A hash map for lookups and a ring of entries in the order they were
 * first seen, for forgetting the oldest.  An entry is one allocation: the
 * seq, the key "actor\x1frequest_id" and the key's hash.
 */
#include <stdlib.h>
#include <string.h>

#include "state/dedup.h"

struct dedup_entry {
	uint64_t seq;
	size_t hash; /* hmap_hash(key) */
	char key[];
};

#define DEDUP_KEY_MAX 512

static void dedup__key(char *key, size_t len, const char *actor, const char *request_id)
{
	size_t a = actor ? strlen(actor) : 0, r = request_id ? strlen(request_id) : 0;

	/* Both parts are length-checked at the edge; cut rather than overflow. */
	if (a > len / 2 - 1)
		a = len / 2 - 1;
	if (r > len - a - 2)
		r = len - a - 2;
	memcpy(key, actor ? actor : "", a);
	key[a] = '\x1f';
	memcpy(key + a + 1, request_id ? request_id : "", r);
	key[a + 1 + r] = '\0';
}

static void dedup__drop_oldest(dedup_t *r)
{
	dedup_entry_t *e = r->ring[r->head];

	/* The map may hold a newer entry of the same key (see replay). */
	if (!r->replaying && hmap_get(&r->map, e->key) == e)
		hmap_del(&r->map, e->key);
	free(e);
	r->ring[r->head] = NULL;
	r->head = (r->head + 1) % r->cap;
	r->n--;
}

void dedup_put(dedup_t *r, const char *actor, const char *request_id, uint64_t seq)
{
	char key[DEDUP_KEY_MAX];
	dedup_entry_t *e;
	size_t len;

	if (request_id == NULL || *request_id == '\0' || r->cap == 0)
		return;
	dedup__key(key, sizeof key, actor, request_id);
	if (r->replaying) {
		/* Replay keeps only the ring: the events of one request are
		 * consecutive, so comparing with the newest entry finds them;
		 * the map is built once at the end (dedup_replay_end). */
		e = r->n > 0 ? r->ring[(r->head + r->n - 1) % r->cap] : NULL;
		if (e != NULL && strcmp(e->key, key) == 0) {
			e->seq = seq;
			return;
		}
	} else if ((e = hmap_get(&r->map, key)) != NULL) {
		e->seq = seq;
		return;
	}
	if (r->n == r->cap)
		dedup__drop_oldest(r);
	len = strlen(key) + 1;
	e = malloc(sizeof *e + len);
	if (e == NULL)
		abort();
	e->seq = seq;
	e->hash = hmap_hash(key);
	memcpy(e->key, key, len);
	if (!r->replaying)
		hmap_put(&r->map, e->key, e);
	r->ring[(r->head + r->n) % r->cap] = e;
	r->n++;
}

void dedup_set_window(dedup_t *r, size_t window)
{
	dedup_entry_t **ring;
	size_t keep = r->n < window ? r->n : window;

	/* Keep the newest `keep` entries, in order, in a ring of the new size. */
	while (r->n > keep)
		dedup__drop_oldest(r);
	ring = calloc(window ? window : 1, sizeof *ring);
	if (ring == NULL)
		abort();
	for (size_t i = 0; i < r->n; i++)
		ring[i] = r->ring[(r->head + i) % r->cap];
	free(r->ring);
	r->ring = ring;
	r->cap = window;
	r->head = 0;
	hmap_reserve(&r->map, window);
}

int dedup_seen(const dedup_t *r, const char *actor, const char *request_id, uint64_t *seq_p)
{
	char key[DEDUP_KEY_MAX];
	const dedup_entry_t *e;

	dedup__key(key, sizeof key, actor, request_id);
	e = hmap_get(&r->map, key);
	if (e == NULL)
		return 0;
	*seq_p = e->seq;
	return 1;
}

void dedup_replay_begin(dedup_t *r)
{
	r->replaying = 1;
}

void dedup_replay_end(dedup_t *r)
{

	if (!r->replaying)
		return;
	r->replaying = 0;
	hmap_release(&r->map);
	hmap_reserve(&r->map, r->cap);
	/* Oldest first, so a key seen twice maps to its newest entry. */
	for (size_t i = 0; i < r->n; i++) {
		dedup_entry_t *e = r->ring[(r->head + i) % r->cap];
		hmap_put(&r->map, e->key, e);
	}
}

size_t dedup_count(const dedup_t *r)
{
	return r->n;
}

void dedup_each(const dedup_t *r,
		void (*fn)(const char *actor, const char *request_id, uint64_t seq, void *arg),
		void *arg)
{

	for (size_t i = 0; i < r->n; i++) {
		const dedup_entry_t *e = r->ring[(r->head + i) % r->cap];
		const char *sep = strchr(e->key, '\x1f');
		char actor[DEDUP_KEY_MAX];
		size_t alen = sep ? (size_t)(sep - e->key) : 0;
		if (sep == NULL)
			continue;
		memcpy(actor, e->key, alen);
		actor[alen] = '\0';
		fn(actor, sep + 1, e->seq, arg);
	}
}

void dedup_release(dedup_t *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->ring[(r->head + i) % r->cap]);
	free(r->ring);
	hmap_release(&r->map);
	memset(r, 0, sizeof *r);
}
