/*
 * partner - a regional VET body of the consortium (the reference data).
 */
#ifndef VA_STATE_PARTNER_H
#define VA_STATE_PARTNER_H

#include "state/base.h"

typedef struct partner {
	char *id;
	char *name;
	char *country;
	char *time_zone;
	char *region;
} partner_t;

/* update masks: which fields an update command changes */
enum {
	PARTNER_F_NAME = 1u << 0,
	PARTNER_F_COUNTRY = 1u << 1,
	PARTNER_F_TIME_ZONE = 1u << 2,
	PARTNER_F_REGION = 1u << 3,
};

void partner_release(partner_t *p);
void partner_copy(partner_t *dst, const partner_t *src);

#endif
