/*
 * dedup - the idempotency table of the state: which (actor, request_id)
 * produced events, and the seq of the last of them, for the most recent
 * `window` requests.  A retry of a request in it gets the original
 * answer instead of being applied again (docs/PROTOCOL.md).
 *
 * It is part of the state (snapshots carry it), so a retry after a crash
 * is still recognised.  During a replay only the ring is kept: the events
 * of one request are consecutive, so comparing with the newest entry
 * finds them, and the map is built once at the end (dedup_replay_end).
 */
#ifndef VA_STATE_DEDUP_H
#define VA_STATE_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "state/hmap.h"

typedef struct dedup_entry dedup_entry_t;

/* Zeroed, then sized by dedup_set_window(). */
typedef struct dedup {
	hmap_t map; /* key -> dedup_entry_t *; not kept up during replay */
	int replaying;
	dedup_entry_t **ring;
	size_t cap;
	size_t head; /* oldest */
	size_t n;
} dedup_t;

/* dedup_set_window - remember the newest `window` requests (the oldest
 * are forgotten when it shrinks).  Aborts on out of memory. */
void dedup_set_window(dedup_t *d, size_t window);

/* dedup_put - request_id of actor produced the event `seq` (empty ids
 * are not remembered). */
void dedup_put(dedup_t *d, const char *actor, const char *request_id, uint64_t seq);

/* dedup_seen - 1 and *seq_p when the request is remembered, else 0. */
int dedup_seen(const dedup_t *d, const char *actor, const char *request_id, uint64_t *seq_p);

/* dedup_replay_begin / _end - around a replay (see above). */
void dedup_replay_begin(dedup_t *d);
void dedup_replay_end(dedup_t *d);

/* dedup_count, dedup_each - the entries, oldest first (for snapshots);
 * the strings are lent for the call. */
size_t dedup_count(const dedup_t *d);
void dedup_each(const dedup_t *d,
		void (*fn)(const char *actor, const char *request_id, uint64_t seq, void *arg),
		void *arg);

/* dedup_release - free every entry; the table is left empty, window 0. */
void dedup_release(dedup_t *d);

#endif
