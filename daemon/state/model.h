/*
 * model - the domain objects, commands and events of the state core, as
 * plain C structs.  No protobuf-c type crosses into daemon/state/: the
 * codec (daemon/codec.c) translates at the edge.
 *
 * Ownership: every char * in these structs is heap memory owned by the
 * struct; *_release() frees the members (not the struct itself) and
 * leaves it zeroed; *_copy() deep-copies into zeroed storage.
 *
 * A command is what a client asks for; an event is what happened.  Each
 * command yields one or more events; applying events is the only way the
 * state changes, at run time and at replay alike.
 */
#ifndef VA_STATE_MODEL_H
#define VA_STATE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

typedef struct strlist {
	char **v;
	size_t n;
} strlist_t;

typedef struct partner {
	char *id;
	char *name;
	char *country;
	char *time_zone;
	char *region;
} partner_t;

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
	/* Non-NULL for a packed centre: every string and the sector list
	 * live in this one allocation (see centre_pack) and must not be
	 * freed or replaced one by one. */
	void *block;
} centre_t;

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

/* update masks: which fields an update command changes */
enum {
	PARTNER_F_NAME = 1u << 0,
	PARTNER_F_COUNTRY = 1u << 1,
	PARTNER_F_TIME_ZONE = 1u << 2,
	PARTNER_F_REGION = 1u << 3,
};
enum {
	CENTRE_F_NAME = 1u << 0,
	CENTRE_F_KIND = 1u << 1,
	CENTRE_F_PARTNER = 1u << 2,
	CENTRE_F_COUNTRY = 1u << 3,
	CENTRE_F_REGION = 1u << 4,
	CENTRE_F_SECTORS = 1u << 5,
};

typedef enum {
	CMD_PARTNER_REGISTER,
	CMD_PARTNER_UPDATE,
	CMD_CENTRE_REGISTER,
	CMD_CENTRE_UPDATE,
	CMD_SECTOR_DEFINE,
	CMD_INTEREST_MARK,
} cmd_type_t;

typedef struct cmd {
	cmd_type_t type;
	unsigned mask; /* *_F_* bits, for updates */
	union {
		partner_t partner;
		centre_t centre;
		sector_t sector;
		interest_t interest;
	} u;
} cmd_t;

typedef enum {
	EV_PARTNER_REGISTERED,
	EV_PARTNER_UPDATED,
	EV_CENTRE_REGISTERED,
	EV_CENTRE_UPDATED,
	EV_SECTOR_DEFINED,
	EV_SECTOR_INTEREST_MARKED,
} ev_type_t;

typedef struct event {
	uint64_t seq;
	int64_t time_ms;
	char *actor;
	char *request_id;
	ev_type_t type;
	union {
		partner_t partner; /* full object after the change */
		centre_t centre;
		sector_t sector;
		interest_t interest;
	} u;
} event_t;

/* A growable list of events; owns them. */
typedef struct evlist {
	event_t *v;
	size_t n;
	size_t cap;
} evlist_t;

char *model_strdup(const char *s); /* NULL stays NULL; aborts on OOM */

void strlist_release(strlist_t *l);
void strlist_copy(strlist_t *dst, const strlist_t *src);
void strlist_push(strlist_t *l, const char *s);
bool strlist_contains(const strlist_t *l, const char *s);

void partner_release(partner_t *p);
void partner_copy(partner_t *dst, const partner_t *src);
void centre_release(centre_t *c);
void centre_copy(centre_t *dst, const centre_t *src);
/*
 * centre_pack - a packed deep copy: one allocation holds the strings and
 * the sector list (the state stores many centres; one block each keeps
 * memory and allocation cost down).  src's strings may be borrowed from
 * anywhere; NULL strings become "".
 */
void centre_pack(centre_t *dst, const centre_t *src);
void sector_release(sector_t *s);
void sector_copy(sector_t *dst, const sector_t *src);
void interest_release(interest_t *i);
void interest_copy(interest_t *dst, const interest_t *src);

void cmd_release(cmd_t *cmd);
void event_release(event_t *ev);

/* evlist_push - append a zeroed event and return it (aborts on OOM). */
event_t *evlist_push(evlist_t *l);
/* evlist_release - release every event and the array. */
void evlist_release(evlist_t *l);
/* evlist_clear - release the events, keep the array for reuse. */
void evlist_clear(evlist_t *l);

#endif
