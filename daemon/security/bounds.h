/*
 * bounds - the bounds the daemon puts on what one principal may ask for
 * (docs/SECURITY.md, "Limits").  Sizes of strings and lists are judged by
 * the codec when a request is decoded (codec_limits_t); the bounds that
 * depend on the state or on traffic are judged here:
 *
 *   - members per alliance: an alliance_create listing more, or an
 *     alliance_join past it, is RESOURCE_EXHAUSTED;
 *   - requests in flight per principal: requests whose replies wait for a
 *     group commit (or behind one).  Past the bound a new request is
 *     RESOURCE_EXHAUSTED at once; the client retries later.
 *
 * An inflight_t counts per principal name, in slots that are never freed
 * (there are as many as principals ever seen), so a reply that outlives a
 * reload of the principals still finds its counter.
 */
#ifndef VA_BOUNDS_H
#define VA_BOUNDS_H

#include <stddef.h>
#include <stdint.h>

#include "state/model.h"

struct state;

#define BOUNDS_ALLIANCE_MEMBERS 64
#define BOUNDS_IN_FLIGHT        100000

/*
 * bounds_check - the state-dependent bounds for one command.
 * Returns 0, or -VA_RESOURCE_EXHAUSTED with a message naming the limit.
 */
int bounds_check(const struct state *st, const cmd_t *cmd, size_t members_max, char *err,
		 size_t errlen);

typedef struct inflight inflight_t;

inflight_t *inflight_new(void);
void inflight_free(inflight_t **self_p);

/* inflight_slot - the counter of principal `name` (created at 0). */
uint32_t inflight_slot(inflight_t *self, const char *name);

/*
 * inflight_acquire - count one more request of a slot.  Returns 0, or
 * -VA_RESOURCE_EXHAUSTED with a message when `max` are already in flight
 * (nothing counted then).
 */
int inflight_acquire(inflight_t *self, uint32_t slot, size_t max, char *err, size_t errlen);

/* inflight_release - one request of the slot is answered. */
void inflight_release(inflight_t *self, uint32_t slot);

/* inflight_count - requests of the slot in flight. */
size_t inflight_count(const inflight_t *self, uint32_t slot);

#endif
