/*
 * mobility - mobilities of learners and staff between centres, checked
 * against the partners' rules, with their lifecycle, readiness checklist
 * and certificate (DOMAIN.md, "Mobilities").  Part of the pure state core.
 *
 * The lifecycle, and which institution of the mobility acts (`by`):
 *
 *   propose  (sending or host) -> proposed, or needs-review when a rule
 *            asks a partner's decision (the proposal is accepted and waits)
 *   review   (the partner named by the pending review): accept -> proposed
 *            once no review is pending; refuse -> rejected
 *   approve  (host): proposed -> approved
 *   reject   (host, with a reason): proposed | needs-review -> rejected
 *   start    (sending or host): approved -> under-way
 *   complete (sending or host): under-way -> completed
 *   certify  (host, activities and learning outcomes): completed -> certified
 *   countersign (sending): certified, once
 *   cancel   (sending or host, with a reason): proposed | needs-review |
 *            approved | under-way -> cancelled
 *   prepare  (sending or host): readiness facts, English levels and units,
 *            while the mobility is neither closed nor certified
 *
 * A step from the wrong status is FAILED_PRECONDITION naming the current
 * and the wanted status; the wrong institution is PERMISSION_DENIED.
 *
 * Rules: a proposal is checked against the rules in force at decide time
 * (state_ctx_t.rules), in this order - embargoes (physical only, sending
 * and host partner), staff periods (teachers and staff of the sending
 * partner), the sending partner's maximum time abroad for its learners
 * with its paid-holiday-internship exception, then long-term sending and
 * receiving (learners; physical and blended).  A violation is
 * RULE_VIOLATION "PARTNER: rule: ...".  The event records the rules'
 * version and any pending reviews, so replay never checks rules again.
 *
 * Every mobility event carries the whole mobility after the change;
 * applying one replaces it.
 */
#ifndef VA_STATE_MOBILITY_H
#define VA_STATE_MOBILITY_H

#include <stddef.h>
#include <stdint.h>

#include "state/base.h"
#include "state/centre.h"
#include "state/rules.h"

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

/* Defined in state/mobility.c */
void mobility_release(mobility_t *m);
void mobility_copy(mobility_t *dst, const mobility_t *src);
void mobility_cmd_release(mobility_cmd_t *c);

typedef struct mobilities mobilities_t;

mobilities_t *mobilities_new(void);
void mobilities_free(mobilities_t **self_p);

const mobility_t *mobilities_get(const mobilities_t *t, const char *id);

/* mobilities_list - every mobility sorted by id: a malloc'd array of
 * borrowed pointers (free() it).  Returns the count. */
size_t mobilities_list(const mobilities_t *t, const mobility_t ***out_p);

/* mobilities_put - store a copy of `m`, replacing the one with its id. */
void mobilities_put(mobilities_t *t, const mobility_t *m);

/* mobilities_group_size - mobilities of `group` that are not rejected or
 * cancelled (0 for the empty group). */
size_t mobilities_group_size(const mobilities_t *t, const char *group);

/* What mobility_decide needs from the rest of the state. */
typedef struct mobility_env {
	const centre_t *(*centre_get)(const void *arg, const char *id);
	int (*sector_exists)(const void *arg, const char *id);
	const void *arg;
	const rules_t *rules; /* NULL: no partner rules */
	int64_t now_ms;
	const char *actor;
} mobility_env_t;

/*
 * mobility_decide - check a mobility command and build the mobility after
 * it in *after (zeroed storage; release it on success) and the event type
 * in *type.  A proposal that needs review has status needs-review in
 * *after.  Returns 0, or a negative VA_* code with a message in err.
 */
int mobility_decide(const mobilities_t *t, const cmd_t *cmd, const mobility_env_t *env,
		    mobility_t *after, ev_type_t *type, char *err, size_t errlen);

/* Slugs: "proposed", "needs-review", ...; "learner", "teacher", ...;
 * "physical", "virtual", "blended"; "A1".."C2" ("unknown" for 0). */
const char *mobility_status_slug(mobility_status_t s);
const char *mobility_kind_slug(participant_kind_t k);
const char *mobility_format_slug(mobility_format_t f);
const char *mobility_cefr_slug(cefr_t c);

/* Derived from the dates (both days included). */
int64_t mobility_days(const mobility_t *m);
/* "under-4-weeks" (< 28 days), "4-12-weeks" (28-84 days), "3-6-months"
 * (more than 84 days, up to 6 calendar months), "over-6-months". */
const char *mobility_project_band(const mobility_t *m);
/* The Erasmus+ VET band (DOMAIN.md): learners and recent graduates
 * "short-term" (10-89 days) or "erasmus-pro" (90-365 days); teachers,
 * staff and company experts "staff-short" (2-60 days: job shadowing or
 * teaching) or "staff-teaching" (61-365 days: teaching only); else "none". */
const char *mobility_erasmus_band(const mobility_t *m);

/* One line of the readiness checklist. */
typedef struct readiness_item {
	const char *condition; /* slug, static */
	tri_t state;           /* TRI_YES met, TRI_NO unmet, TRI_UNKNOWN unknown */
	char note[96];
} readiness_item_t;

#define READINESS_ITEMS 9

/*
 * mobility_readiness - the favourable conditions of DOMAIN.md for `m`:
 * soft checks, never refusals.  group_size is the size of its group
 * (mobilities_group_size); the rules give the small-group limit.
 */
void mobility_readiness(const mobility_t *m, size_t group_size, const rules_t *rules,
			readiness_item_t out[READINESS_ITEMS]);

/* mobility_certificate_hash - the content hash of a certificate: who,
 * where, dates, activities, learning outcomes, issuer and date. */
void mobility_certificate_hash(const mobility_t *m, const certificate_t *c, char out[17]);

#endif
