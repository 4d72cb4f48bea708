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

/* Wire numbers of Commitment: the six commitments a centre confirms
 * (DOMAIN.md, "Centres and selection criteria"). */
typedef enum {
	COMMITMENT_UNSPECIFIED = 0,
	COMMITMENT_LONG_TERM_ALLIANCE = 1,
	COMMITMENT_DIGITAL_CHANNELS = 2,
	COMMITMENT_PILOT_TEMPLATES = 3,
	COMMITMENT_STUDY_VISITS = 4,
	COMMITMENT_EVALUATIONS = 5,
	COMMITMENT_PROJECT_ACTIVITIES = 6,
	COMMITMENT_MAX = COMMITMENT_PROJECT_ACTIVITIES,
} commitment_t;

typedef struct strlist {
	char **v;
	size_t n;
} strlist_t;

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
	/* contacts and facts; NULL when it states none.  Read it
	 * with centre_more(), change it with centre_more_mut(). */
	centre_more_t *more;
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

/* A centre's stand on one commitment: confirmed, or withdrawn (confirmed
 * false), by `actor` at `time_ms`.  Never acted on: actor "" and 0. */
typedef struct confirmation {
	char *centre;
	commitment_t commitment;
	bool confirmed;
	char *actor;
	int64_t time_ms;
} confirmation_t;

/* An alliance (state/alliance.h).  Its road map steps, in order. */
typedef enum {
	ALLIANCE_KIND_UNSPECIFIED = 0,
	ALLIANCE_KIND_INFORMAL = 1,
	ALLIANCE_KIND_FORMAL = 2,
	ALLIANCE_KIND_MAX = ALLIANCE_KIND_FORMAL,
} alliance_kind_t;

typedef enum {
	ROADMAP_CREATED = 0,
	ROADMAP_CONTACT_POINT = 1,
	ROADMAP_AGREEMENT = 2,
	ROADMAP_MUTUAL_VISIT = 3,
	ROADMAP_MOU = 4,
	ROADMAP_MAX = ROADMAP_MOU,
} roadmap_step_t;

typedef struct alliance_member {
	char *centre;
	char *contact;      /* the contact point (a person); NULL or "": none yet */
	strlist_t channels; /* e.g. "email:x@y", "teams" */
	char *signed_hash;  /* the MoU version it signed; NULL or "": none */
	int64_t signed_ms;
	char *signed_by;
} alliance_member_t;

/* The MoU of an alliance (DOMAIN.md, "MoU content"). */
#define MOU_BANDS 5 /* students: < 4 weeks, 4-12 weeks, 3-6 months, > 6 months, special needs */
#define MOU_STAFF 4 /* staff: job shadowing, teaching, preparation, company experts */
typedef struct mou {
	char *objectives;
	uint32_t students[MOU_BANDS];
	uint32_t staff[MOU_STAFF];
	strlist_t activities; /* joint international activities */
	char *languages;      /* language and culture interchange */
	char *ecvet;          /* qualifications / units; who assesses, validates, recognises */
	int64_t valid_from_ms;
	int64_t valid_until_ms;
	uint32_t version; /* 0: no draft yet; set by the state core */
	char *hash;       /* content hash of this version, hex; set by the state core */
	uint32_t voided;  /* signatures the last change voided */
} mou_t;

typedef struct roadmap_record {
	int64_t time_ms; /* 0: not reached */
	char *actor;
} roadmap_record_t;

typedef struct alliance {
	char *id;
	char *name;
	alliance_kind_t kind;
	char *sector; /* "" or NULL: not sectorial */
	alliance_member_t *members;
	size_t n_members;
	unsigned adopted; /* bit (1u << c) per commitment_t c the alliance adopted */
	roadmap_step_t stage;
	roadmap_record_t steps[ROADMAP_MAX + 1]; /* [ROADMAP_CREATED]: creation */
	bool visit_virtual;                      /* the recorded mutual visit */
	int64_t visit_ms;                        /* on site: its date */
	char *visit_ref;                         /* virtual: a reference (session id, link) */
	mou_t mou;
} alliance_t;

/* Arguments of the alliance commands but create (which takes an alliance_t). */
typedef struct alliance_cmd {
	char *alliance;
	char *centre;       /* join, leave, contact */
	char *contact;      /* contact */
	strlist_t channels; /* contact */
	bool visit_virtual; /* visit */
	int64_t visit_ms;
	char *visit_ref;
	mou_t mou;  /* mou draft: the content */
	char *hash; /* mou sign: the version signed */
} alliance_cmd_t;

/* state/mobility.h. */
typedef enum {
	PARTICIPANT_UNSPECIFIED = 0,
	PARTICIPANT_LEARNER = 1,
	PARTICIPANT_RECENT_GRADUATE = 2,
	PARTICIPANT_TEACHER = 3,
	PARTICIPANT_STAFF = 4,
	PARTICIPANT_COMPANY_EXPERT = 5,
	PARTICIPANT_MAX = PARTICIPANT_COMPANY_EXPERT,
} participant_kind_t;

typedef enum {
	MOBILITY_FORMAT_UNSPECIFIED = 0,
	MOBILITY_FORMAT_PHYSICAL = 1,
	MOBILITY_FORMAT_VIRTUAL = 2,
	MOBILITY_FORMAT_BLENDED = 3,
	MOBILITY_FORMAT_MAX = MOBILITY_FORMAT_BLENDED,
} mobility_format_t;

typedef enum {
	MOBILITY_STATUS_UNSPECIFIED = 0,
	MOBILITY_PROPOSED = 1,
	MOBILITY_NEEDS_REVIEW = 2,
	MOBILITY_APPROVED = 3,
	MOBILITY_UNDER_WAY = 4,
	MOBILITY_COMPLETED = 5,
	MOBILITY_CERTIFIED = 6,
	MOBILITY_REJECTED = 7,
	MOBILITY_CANCELLED = 8,
	MOBILITY_STATUS_MAX = MOBILITY_CANCELLED,
} mobility_status_t;

/* A fact that may not be known yet (wire enum Tri). */
typedef enum { TRI_UNKNOWN = 0, TRI_YES = 1, TRI_NO = 2, TRI_MAX = TRI_NO } tri_t;

/* CEFR levels (wire enum Cefr); 0: not known. */
typedef enum { CEFR_UNKNOWN = 0, CEFR_A1, CEFR_A2, CEFR_B1, CEFR_B2, CEFR_C1, CEFR_C2 } cefr_t;
#define CEFR_MAX CEFR_C2

/* The facts behind the favourable conditions (DOMAIN.md), in wire order. */
typedef enum {
	FACT_COMPANY_EXPERIENCE, /* previous experience in a company */
	FACT_FOUND_COMPANY,      /* the learner took part in finding companies */
	FACT_SOFT_LANDING,       /* accompanied during the first days */
	FACT_HOST_WELCOME,       /* host welcome organised with the sending peers */
	FACT_UNITS_AGREED,       /* units of competence agreed by both tutors */
	FACT_SKILLS_ASSESSED,    /* knows / lacks, by the sending tutor */
	FACT_LEARNING_PATHWAY,   /* individual pathway by both tutors */
	FACT_DOCUMENTED,         /* process, tasks and learning outcomes */
	FACT_COUNT
} mobility_fact_t;

/* A partner's decision a proposal waits for (decision TRI_UNKNOWN:
 * pending, TRI_YES accepted, TRI_NO refused). */
typedef struct mobility_review {
	char *partner;
	char *rule; /* the rule that asks for it, e.g. "sends-long-term" */
	tri_t decision;
	char *by;
	int64_t time_ms;
	char *reason;
} mobility_review_t;

/* One lifecycle step: the status reached, when, by whom, why. */
typedef struct mobility_step {
	mobility_status_t status;
	int64_t time_ms;
	char *actor; /* the principal */
	char *by;    /* the acting institution (centre or partner id) */
	char *reason;
} mobility_step_t;

/* The certificate of participation: issued by the host, countersigned by
 * the sending side.  issued_ms 0: none yet. */
typedef struct certificate {
	char *issued_by;
	int64_t issued_ms;
	strlist_t activities;
	strlist_t outcomes;
	char *hash; /* content hash, 16 hex digits */
	char *countersigned_by;
	int64_t countersigned_ms;
} certificate_t;

typedef struct mobility {
	char *id;
	participant_kind_t kind;
	char *participant; /* a reference, no personal data */
	char *sending;     /* centre ids */
	char *host;
	char *sending_partner; /* their partners at proposal time */
	char *host_partner;
	char *sector;
	int32_t start; /* calendar dates, YYYYMMDD, both days included */
	int32_t end;
	mobility_format_t format;
	bool paid;
	char *group; /* the group it travels with; "" alone */
	strlist_t units;
	cefr_t english;
	cefr_t english_required;
	tri_t facts[FACT_COUNT];
	mobility_status_t status;
	char *rules_version; /* hash of the rules that decided the proposal */
	mobility_review_t *reviews;
	size_t n_reviews;
	mobility_step_t *history;
	size_t n_history;
	certificate_t cert;
} mobility_t;

/* Arguments of every mobility command: propose and prepare use `m`
 * (prepare: id, facts, english, units), the others id, by, reason. */
typedef struct mobility_cmd {
	char *by; /* the acting institution */
	char *reason;
	bool accept; /* review */
	strlist_t activities;
	strlist_t outcomes;
	mobility_t m;
} mobility_cmd_t;

/* Sessions and deadlines (state/session.h).  Wire numbers of
 * SessionKind and SessionStatus. */
typedef enum {
	SESSION_KIND_UNSPECIFIED = 0,
	SESSION_KIND_VIRTUAL_VISIT = 1,
	SESSION_KIND_JOINT_CLASS = 2,
	SESSION_KIND_SKILLS_TRAINING = 3,
	SESSION_KIND_COMPETITION_PREPARATION = 4,
	SESSION_KIND_GET_TO_KNOW = 5,
	SESSION_KIND_MEETING = 6,
	SESSION_KIND_MAX = SESSION_KIND_MEETING,
} session_kind_t;

typedef enum {
	SESSION_STATUS_UNSPECIFIED = 0,
	SESSION_SCHEDULED = 1,
	SESSION_CANCELLED = 2,
} session_status_t;

typedef struct session_participant {
	char *centre;
	uint32_t head_count;
	int64_t joined_ms;
	bool attendance_recorded;
	uint32_t attended; /* people present; 0: absent */
	uint32_t rating;   /* 1-5; 0: not evaluated */
	char *comment;
	int64_t evaluated_ms;
} session_participant_t;

typedef struct session {
	char *id;
	char *host;
	session_kind_t kind;
	char *title;
	char *language;
	char *platform;
	char *link;
	int64_t start_ms;
	uint32_t duration_min;
	char *time_zone; /* the host's IANA zone */
	uint32_t capacity;
	uint32_t min_notice_min;
	session_status_t status;
	session_participant_t *participants;
	size_t n_participants;
	uint32_t sequence; /* +1 per reschedule and on cancel */
	char *reason;      /* of the last reschedule or the cancel */
	int64_t original_start_ms;
	int64_t previous_start_ms; /* before the last reschedule; 0: none */
	int64_t created_ms;
	int64_t updated_ms;
	int64_t rescheduled_ms; /* when the last reschedule was made; 0: none */
} session_t;

/* Arguments of the session commands but book (which takes a session_t),
 * and of deadline_done (session: the deadline id). */
typedef struct session_cmd {
	char *session;
	char *centre; /* join, leave, attendance, evaluate */
	char *by;     /* cancel, reschedule, attendance, alliance visit, deadline done */
	char *alliance;
	uint32_t head_count;
	char *reason;
	int64_t start_ms;
	uint32_t duration_min;
	uint32_t attended;
	uint32_t rating;
	char *comment;
} session_cmd_t;

#define DEADLINE_REMIND_MAX 8
typedef struct deadline {
	char *id;
	char *title;
	int64_t due_ms;
	char *owner;
	uint32_t remind_min[DEADLINE_REMIND_MAX];
	size_t n_remind; /* 0: the daemon's default offsets */
	bool done;
	int64_t done_ms;
	int64_t created_ms;
} deadline_t;

/* A reminder: of a session (session set) or a deadline. */
typedef struct reminder {
	char *session;
	char *deadline;
	char *title;
	int64_t due_ms;
	uint32_t before_min; /* 0: deadline missed */
	int64_t at_ms;
	bool late;
	uint32_t sequence;
} reminder_t;

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
	/* contacts and facts; one bit per fact from CENTRE_F_FACT0 */
	CENTRE_F_CONTACTS = 1u << 6,
	CENTRE_F_FACT0 = 1u << 7,
	CENTRE_F_PROVINCE = 1u << (7 + CENTRE_FACTS),
	CENTRE_F_TEACHER_HOURS = 1u << (8 + CENTRE_FACTS),
};
#define CENTRE_F_FACT(f) (CENTRE_F_FACT0 << (f))

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

char *model_strdup(const char *s); /* NULL stays NULL; aborts on OOM */

/* model_fail - a refusal: the message into err (NUL-terminated, cut to
 * errlen; err may be NULL), returns -code. */
int model_fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void strlist_release(strlist_t *l);
void strlist_copy(strlist_t *dst, const strlist_t *src);
void strlist_push(strlist_t *l, const char *s);
bool strlist_contains(const strlist_t *l, const char *s);

void partner_release(partner_t *p);
void partner_copy(partner_t *dst, const partner_t *src);
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
void sector_release(sector_t *s);
void sector_copy(sector_t *dst, const sector_t *src);
void interest_release(interest_t *i);
void interest_copy(interest_t *dst, const interest_t *src);

void confirmation_release(confirmation_t *c);
void confirmation_copy(confirmation_t *dst, const confirmation_t *src);

void alliance_release(alliance_t *a);
void alliance_copy(alliance_t *dst, const alliance_t *src);
void alliance_cmd_release(alliance_cmd_t *c);
void mou_release(mou_t *m);
void mou_copy(mou_t *dst, const mou_t *src);

/* Defined in state/mobility.c */
void mobility_release(mobility_t *m);
void mobility_copy(mobility_t *dst, const mobility_t *src);
void mobility_cmd_release(mobility_cmd_t *c);

void session_release(session_t *s);
void session_copy(session_t *dst, const session_t *src);
void session_cmd_release(session_cmd_t *c);
void deadline_release(deadline_t *d);
void deadline_copy(deadline_t *dst, const deadline_t *src);
void reminder_release(reminder_t *r);
void reminder_copy(reminder_t *dst, const reminder_t *src);

void cmd_release(cmd_t *cmd);
void event_release(event_t *ev);

/* evlist_push - append a zeroed event and return it (aborts on OOM). */
event_t *evlist_push(evlist_t *l);
/* evlist_release - release every event and the array. */
void evlist_release(evlist_t *l);
/* evlist_clear - release the events, keep the array for reuse. */
void evlist_clear(evlist_t *l);

#endif
