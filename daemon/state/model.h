/*
 * model - the commands and events of the state core, as plain C structs;
 * each noun's own types are in its header (partner, sector, centre,
 * commitment, alliance, mobility, session).  No protobuf-c type crosses into daemon/state/: the
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

#include "state/alliance.h"
#include "state/base.h"
#include "state/centre.h"
#include "state/commitment.h"
#include "state/mobility.h"
#include "state/partner.h"
#include "state/sector.h"
#include "state/session.h"

typedef struct cmd {
	cmd_type_t type;
	unsigned mask; /* *_F_* bits, for updates */
	union {
		partner_t partner;
		centre_t centre;
		sector_t sector;
		interest_t interest;
		confirmation_t confirmation;
		alliance_t alliance;
		alliance_cmd_t acmd;
		mobility_cmd_t mcmd;
		session_t session;
		session_cmd_t scmd;
		deadline_t deadline;
		reminder_t reminder;
	} u;
} cmd_t;

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
		confirmation_t confirmation;
		alliance_t alliance;
		mobility_t mobility;
		session_t session;
		deadline_t deadline;
		reminder_t reminder;
	} u;
} event_t;

/* A growable list of events; owns them. */
typedef struct evlist {
	event_t *v;
	size_t n;
	size_t cap;
} evlist_t;

void cmd_release(cmd_t *cmd);
void event_release(event_t *ev);

/* evlist_push - append a zeroed event and return it (aborts on OOM). */
event_t *evlist_push(evlist_t *l);
/* evlist_release - release every event and the array. */
void evlist_release(evlist_t *l);
/* evlist_clear - release the events, keep the array for reuse. */
void evlist_clear(evlist_t *l);

#endif
