/*
 * centre - a training centre (or company, academy, cluster) of a
 * partner's network: what it offers, its contacts and the facts its
 * selection criteria are judged on (state/criteria.h).
 */
#ifndef VA_STATE_CENTRE_H
#define VA_STATE_CENTRE_H

#include "state/base.h"

/* Wire numbers of CentreKind. */
typedef enum {
	CENTRE_KIND_UNSPECIFIED = 0,
	CENTRE_KIND_VET_CENTRE = 1,
	CENTRE_KIND_TRAINING_ACADEMY = 2,
	CENTRE_KIND_COMPANY = 3,
	CENTRE_KIND_CLUSTER = 4,
	CENTRE_KIND_ASSOCIATION = 5,
	CENTRE_KIND_MAX = CENTRE_KIND_ASSOCIATION,
} centre_kind_t;

/* Wire numbers of Fact and ContactRole. */
typedef enum {
	FACT_UNKNOWN = 0,
	FACT_YES = 1,
	FACT_WILLING = 2, /* not yet, but wants to; excellence network: being rated */
	FACT_NO = 3,
	FACT_MAX = FACT_NO,
} fact_t;

typedef enum {
	CONTACT_ROLE_UNSPECIFIED = 0,
	CONTACT_ROLE_HEADMASTER = 1,
	CONTACT_ROLE_COORDINATOR = 2, /* internationalisation coordinator */
	CONTACT_ROLE_TEACHER = 3,
	CONTACT_ROLE_COMPANY_TUTOR = 4,
	CONTACT_ROLE_MAX = CONTACT_ROLE_COMPANY_TUTOR,
} contact_role_t;

/* The selection-criteria facts of a centre, in wire field order
 * (Centre.sends .. Centre.ka2_interest). */
typedef enum {
	CENTRE_FACT_SENDS,
	CENTRE_FACT_RECEIVES,
	CENTRE_FACT_DUAL_VET,
	CENTRE_FACT_COORDINATOR,
	CENTRE_FACT_EXCELLENCE, /* willing: being rated */
	CENTRE_FACT_EXPERIENCE, /* yes / no / unknown from here on */
	CENTRE_FACT_INTEGRATED,
	CENTRE_FACT_KA2,
	CENTRE_FACTS
} centre_fact_t;

typedef struct centre_contact {
	contact_role_t role;
	char *name;
	strlist_t channels; /* "email:x@y", "phone:+34...", "teams" */
} centre_contact_t;

/* The contacts and selection-criteria facts of a centre, kept apart so
 * that a centre stating none costs one NULL pointer (centre_more()). */
typedef struct centre_more {
	centre_contact_t *contacts;
	char *province;
	uint16_t n_contacts;         /* at most CODEC_LIST_MAX */
	uint8_t facts[CENTRE_FACTS]; /* a fact_t per centre_fact_t */
	bool hours_known;            /* teacher_hours is stated */
	uint8_t teacher_hours;       /* a week, for internationalisation */
} centre_more_t;

typedef struct centre {
	char *id;
	char *name;
	centre_kind_t kind;
	char *partner;
	char *country;
	char *region;
	strlist_t sectors;
	int64_t registered_ms;
	int64_t updated_ms;
	/* contacts and facts; NULL when it states none.  Read it
	 * with centre_more(), change it with centre_more_mut(). */
	centre_more_t *more;
	/* Non-NULL for a packed centre: every string and the sector list
	 * live in this one allocation (see centre_pack) and must not be
	 * freed or replaced one by one. */
	void *block;
} centre_t;

enum {
	CENTRE_F_NAME = 1u << 0,
	CENTRE_F_KIND = 1u << 1,
	CENTRE_F_PARTNER = 1u << 2,
	CENTRE_F_COUNTRY = 1u << 3,
	CENTRE_F_REGION = 1u << 4,
	CENTRE_F_SECTORS = 1u << 5,
	/* contacts and facts; one bit per fact from CENTRE_F_FACT0 */
	CENTRE_F_CONTACTS = 1u << 6,
	CENTRE_F_FACT0 = 1u << 7,
	CENTRE_F_PROVINCE = 1u << (7 + CENTRE_FACTS),
	CENTRE_F_TEACHER_HOURS = 1u << (8 + CENTRE_FACTS),
};
#define CENTRE_F_FACT(f) (CENTRE_F_FACT0 << (f))

void centre_release(centre_t *c);
void centre_copy(centre_t *dst, const centre_t *src);
/* centre_more - the contacts and facts of c: never NULL (a centre that
 * states none gives an all-zero one). */
const centre_more_t *centre_more(const centre_t *c);
/* centre_more_mut - the same, to change, allocated when c has none; c must
 * not be packed. */
centre_more_t *centre_more_mut(centre_t *c);
/* centre_more_empty - no contact, no fact, no province, no hours. */
bool centre_more_empty(const centre_more_t *m);
/* centre_more_trim - free c->more when it is empty (c not packed). */
void centre_more_trim(centre_t *c);
/* centre_contacts_copy - deep copy of src's contacts into dst (whose own
 * contacts must be none or already freed). */
void centre_contacts_copy(centre_more_t *dst, const centre_more_t *src);
/* centre_contacts_release - free the contacts of an unpacked centre. */
void centre_contacts_release(centre_more_t *m);
/*
 * centre_pack - a packed deep copy: one allocation holds the strings, the
 * sector list and the contacts with their channels (the state stores many
 * centres; one block each keeps memory and allocation cost down).  src's
 * strings may be borrowed from anywhere; NULL strings become "".
 */
void centre_pack(centre_t *dst, const centre_t *src);

#endif
