/*
 * sector - a key sector, and a partner's interest in one (the reference
 * data's partner x sector matrix).
 */
#ifndef VA_STATE_SECTOR_H
#define VA_STATE_SECTOR_H

#include "state/base.h"

typedef struct sector {
	char *id;
	char *name;
	bool focus;
} sector_t;

typedef struct interest {
	char *partner;
	char *sector;
	bool interested;
	char *note;
} interest_t;

void sector_release(sector_t *s);
void sector_copy(sector_t *dst, const sector_t *src);
void interest_release(interest_t *i);
void interest_copy(interest_t *dst, const interest_t *src);

#endif
