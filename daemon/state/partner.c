/*
 * partner - see partner.h.
 */
#include <stdlib.h>
#include <string.h>

#include "state/partner.h"

void partner_release(partner_t *p)
{
	free(p->id);
	free(p->name);
	free(p->country);
	free(p->time_zone);
	free(p->region);
	memset(p, 0, sizeof *p);
}

void partner_copy(partner_t *dst, const partner_t *src)
{
	dst->id = model_strdup(src->id);
	dst->name = model_strdup(src->name);
	dst->country = model_strdup(src->country);
	dst->time_zone = model_strdup(src->time_zone);
	dst->region = model_strdup(src->region);
}
