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

#include "state/model.h"
#include "state/rules.h"

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
