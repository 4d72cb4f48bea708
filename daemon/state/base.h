/*
 * base - what every noun of the state core shares: string lists, the
 * kinds of command and event (EV_MAP), allocation that aborts (the state
 * cannot stay consistent without memory, and a half-applied event would
 * be worse than a restart from the journal) and refusals.
 *
 * Ownership, for every noun: every char * in its structs is heap memory
 * owned by the struct; *_release() frees the members (not the struct
 * itself) and leaves it zeroed; *_copy() deep-copies into zeroed storage.
 */
#ifndef VA_STATE_BASE_H
#define VA_STATE_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct strlist {
	char **v;
	size_t n;
} strlist_t;

typedef enum {
	CMD_PARTNER_REGISTER,
	CMD_PARTNER_UPDATE,
	CMD_CENTRE_REGISTER,
	CMD_CENTRE_UPDATE,
	CMD_SECTOR_DEFINE,
	CMD_INTEREST_MARK,
	CMD_COMMITMENT_CONFIRM, /* u.confirmation: centre, commitment */
	CMD_COMMITMENT_WITHDRAW,
	CMD_ALLIANCE_CREATE, /* u.alliance */
	CMD_ALLIANCE_JOIN,   /* u.acmd from here on */
	CMD_ALLIANCE_LEAVE,
	CMD_ALLIANCE_CONTACT,
	CMD_ALLIANCE_AGREE,
	CMD_ALLIANCE_VISIT,
	CMD_MOU_DRAFT,
	CMD_MOU_SIGN,
	/* u.mcmd */
	CMD_MOBILITY_PROPOSE,
	CMD_MOBILITY_REVIEW,
	CMD_MOBILITY_APPROVE,
	CMD_MOBILITY_REJECT,
	CMD_MOBILITY_START,
	CMD_MOBILITY_COMPLETE,
	CMD_MOBILITY_CERTIFY,
	CMD_MOBILITY_COUNTERSIGN,
	CMD_MOBILITY_CANCEL,
	CMD_MOBILITY_PREPARE,
	CMD_SESSION_BOOK, /* u.session */
	CMD_SESSION_JOIN, /* u.scmd from here on */
	CMD_SESSION_LEAVE,
	CMD_SESSION_CANCEL,
	CMD_SESSION_RESCHEDULE,
	CMD_SESSION_ATTENDANCE,
	CMD_SESSION_EVALUATE,
	CMD_SESSION_ALLIANCE_VISIT,
	CMD_DEADLINE_SET,  /* u.deadline */
	CMD_DEADLINE_DONE, /* u.scmd: session is the deadline id */
	CMD_REMINDER_SEND, /* u.reminder; the daemon's own, never from the wire */
} cmd_type_t;

/*
 * EV_MAP - every kind of event: X(NAME, PAYLOAD).  NAME is the kind as
 * the wire names it (EV_PARTNER_REGISTERED is vetalliance.v1.Event's
 * partner_registered, topic "partner.registered"); PAYLOAD says which
 * member of event_t's union it carries (EVP_PARTNER: u.partner).  Every
 * event carries its object whole, after the change: a mobility event the
 * whole mobility, a session event the whole session.  The enum, each
 * kind's payload (ev_payload) and the codec's mapping to the wire are all
 * made from this one table.
 */
#define EV_MAP(X)                                                                                  \
	X(PARTNER_REGISTERED, PARTNER)                                                             \
	X(PARTNER_UPDATED, PARTNER)                                                                \
	X(CENTRE_REGISTERED, CENTRE)                                                               \
	X(CENTRE_UPDATED, CENTRE)                                                                  \
	X(SECTOR_DEFINED, SECTOR)                                                                  \
	X(SECTOR_INTEREST_MARKED, INTEREST)                                                        \
	X(COMMITMENT_CONFIRMED, CONFIRMATION) /* with actor and time */                            \
	X(COMMITMENT_WITHDRAWN, CONFIRMATION)                                                      \
	X(ALLIANCE_CREATED, ALLIANCE)                                                              \
	X(ALLIANCE_MEMBER_JOINED, ALLIANCE)                                                        \
	X(ALLIANCE_MEMBER_LEFT, ALLIANCE)                                                          \
	X(ALLIANCE_CONTACT_DESIGNATED, ALLIANCE)                                                   \
	X(ALLIANCE_STEP_REACHED, ALLIANCE)                                                         \
	X(MOU_DRAFTED, ALLIANCE)                                                                   \
	X(MOU_CHANGED, ALLIANCE) /* mou.voided: the signatures the change voided */                \
	X(MOU_SIGNED, ALLIANCE)                                                                    \
	X(MOU_FULLY_SIGNED, ALLIANCE) /* the alliance is at stage mou, kind formal */              \
	X(MOBILITY_PROPOSED, MOBILITY)                                                             \
	X(MOBILITY_NEEDS_REVIEW, MOBILITY)                                                         \
	X(MOBILITY_REVIEWED, MOBILITY)                                                             \
	X(MOBILITY_APPROVED, MOBILITY)                                                             \
	X(MOBILITY_REJECTED, MOBILITY)                                                             \
	X(MOBILITY_STARTED, MOBILITY)                                                              \
	X(MOBILITY_COMPLETED, MOBILITY)                                                            \
	X(MOBILITY_CERTIFIED, MOBILITY)                                                            \
	X(MOBILITY_COUNTERSIGNED, MOBILITY)                                                        \
	X(MOBILITY_CANCELLED, MOBILITY)                                                            \
	X(MOBILITY_PREPARED, MOBILITY)                                                             \
	X(SESSION_BOOKED, SESSION)                                                                 \
	X(SESSION_JOINED, SESSION)                                                                 \
	X(SESSION_LEFT, SESSION)                                                                   \
	X(SESSION_CANCELLED, SESSION)                                                              \
	X(SESSION_RESCHEDULED, SESSION)                                                            \
	X(SESSION_ATTENDANCE, SESSION)                                                             \
	X(SESSION_EVALUATED, SESSION)                                                              \
	X(SESSION_REMINDER, REMINDER)                                                              \
	X(DEADLINE_SET, DEADLINE)                                                                  \
	X(DEADLINE_DONE, DEADLINE)                                                                 \
	X(DEADLINE_APPROACHING, REMINDER)                                                          \
	X(DEADLINE_MISSED, REMINDER)

#define EV__ENUM(name, payload) EV_##name,
typedef enum { EV_MAP(EV__ENUM) EV_COUNT } ev_type_t;
#undef EV__ENUM

/* Which member of event_t's union an event carries (EV_MAP). */
typedef enum {
	EVP_PARTNER,
	EVP_CENTRE,
	EVP_SECTOR,
	EVP_INTEREST,
	EVP_CONFIRMATION,
	EVP_ALLIANCE,
	EVP_MOBILITY,
	EVP_SESSION,
	EVP_DEADLINE,
	EVP_REMINDER,
} ev_payload_t;

/* ev_payload - the payload of an event kind. */
ev_payload_t ev_payload(ev_type_t type);

/* The command and the event (state/model.h), for the nouns' decide
 * functions. */
typedef struct cmd cmd_t;
typedef struct event event_t;

/* model_xrealloc - realloc that aborts on out of memory. */
void *model_xrealloc(void *p, size_t size);

char *model_strdup(const char *s); /* NULL stays NULL; aborts on OOM */

/* model_fail - a refusal: the message into err (NUL-terminated, cut to
 * errlen; err may be NULL), returns -code. */
int model_fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void strlist_release(strlist_t *l);
void strlist_copy(strlist_t *dst, const strlist_t *src);
void strlist_push(strlist_t *l, const char *s);
bool strlist_contains(const strlist_t *l, const char *s);

#endif
