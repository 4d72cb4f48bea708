/*
 * sector - see sector.h.
 */
#include <stdlib.h>
#include <string.h>

#include "state/sector.h"

void sector_release(sector_t *s)
{
	free(s->id);
	free(s->name);
	memset(s, 0, sizeof *s);
}

void sector_copy(sector_t *dst, const sector_t *src)
{
	dst->id = model_strdup(src->id);
	dst->name = model_strdup(src->name);
	dst->focus = src->focus;
}

void interest_release(interest_t *i)
{
	free(i->partner);
	free(i->sector);
	free(i->note);
	memset(i, 0, sizeof *i);
}

void interest_copy(interest_t *dst, const interest_t *src)
{
	dst->partner = model_strdup(src->partner);
	dst->sector = model_strdup(src->sector);
	dst->interested = src->interested;
	dst->note = model_strdup(src->note);
}
