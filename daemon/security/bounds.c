/*
 * bounds - see bounds.h.
 */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "security/bounds.h"
#include "state/alliance.h"
#include "state/state.h"

int bounds_check(const struct state *st, const cmd_t *cmd, size_t members_max, char *err,
		 size_t errlen)
{
	const alliance_t *a;

	switch (cmd->type) {
	case CMD_ALLIANCE_CREATE:
		if (cmd->u.alliance.n_members <= members_max)
			return 0;
		snprintf(
		    err, errlen,
		    "alliance_create.alliance.members: %zu members, more than the limit of %zu "
		    "per alliance (limits/alliance_members)",
		    cmd->u.alliance.n_members, members_max);
		return -VA_RESOURCE_EXHAUSTED;
	case CMD_ALLIANCE_JOIN:
		a = alliances_get(state_alliances(st), cmd->u.acmd.alliance);
		if (a == NULL || a->n_members < members_max)
			return 0;
		snprintf(err, errlen,
			 "alliance '%s' already has %zu members, the limit per alliance "
			 "(limits/alliance_members)",
			 a->id, a->n_members);
		return -VA_RESOURCE_EXHAUSTED;
	default:
		return 0;
	}
}

struct inflight {
	zhashx_t *by_name; /* name -> slot + 1 */
	size_t *count;
	char **names;
	size_t n, cap;
};

inflight_t *inflight_new(void)
{
	inflight_t *self = calloc(1, sizeof *self);

	if (self == NULL)
		return NULL;
	self->by_name = zhashx_new();
	if (self->by_name == NULL) {
		free(self);
		return NULL;
	}
	return self;
}

void inflight_free(inflight_t **self_p)
{
	inflight_t *self;

	if (self_p == NULL || *self_p == NULL)
		return;
	self = *self_p;
	zhashx_destroy(&self->by_name);
	for (size_t i = 0; i < self->n; i++)
		free(self->names[i]);
	free(self->names);
	free(self->count);
	free(self);
	*self_p = NULL;
}

uint32_t inflight_slot(inflight_t *self, const char *name)
{
	uintptr_t v = (uintptr_t)zhashx_lookup(self->by_name, name);

	if (v != 0)
		return (uint32_t)(v - 1);
	if (self->n == self->cap) {
		size_t cap = self->cap ? self->cap * 2 : 16;
		size_t *count = realloc(self->count, cap * sizeof *count);
		char **names;
		if (count == NULL)
			abort();
		self->count = count;
		names = realloc(self->names, cap * sizeof *names);
		if (names == NULL)
			abort();
		self->names = names;
		self->cap = cap;
	}
	self->names[self->n] = strdup(name);
	if (self->names[self->n] == NULL)
		abort();
	self->count[self->n] = 0;
	zhashx_insert(self->by_name, name, (void *)(uintptr_t)(self->n + 1));
	return (uint32_t)self->n++;
}

int inflight_acquire(inflight_t *self, uint32_t slot, size_t max, char *err, size_t errlen)
{
	if (self->count[slot] >= max) {
		snprintf(err, errlen,
			 "principal '%s' has %zu requests in flight, the limit "
			 "(limits/in_flight); retry once replies arrive",
			 self->names[slot], self->count[slot]);
		return -VA_RESOURCE_EXHAUSTED;
	}
	self->count[slot]++;
	return 0;
}

void inflight_release(inflight_t *self, uint32_t slot)
{
	if (slot < self->n && self->count[slot] > 0)
		self->count[slot]--;
}

size_t inflight_count(const inflight_t *self, uint32_t slot)
{
	return slot < self->n ? self->count[slot] : 0;
}
