/*
 * alliance - strategic alliances between centres and their road map
 * (DOMAIN.md, "Strategic alliances").  Part of the pure state core.
 *
 * The road map is a state machine; the stage only moves forward, one step
 * at a time, and each step records when and by whom it was reached:
 *
 *   created --(every member has a contact point)--> contact-point
 *           --(agree: every member confirms the adopted commitments)--> agreement
 *           --(visit: a mutual visit on site with a date, or virtual with a
 *              reference)--> mutual-visit
 *           --(the MoU signed by every member, each the same version)--> mou
 *
 * The contact-point step is reached by the contact designation that
 * completes the set, in the same command.  The MoU: drafting sets its
 * content, a new version and its content hash; changing the content voids
 * every signature collected so far (mou.voided counts them).  A member
 * signs one exact version (by hash); the last signature reaches the mou
 * step and makes the alliance formal.  Every alliance event carries
 * the whole alliance after the change; applying one replaces it.
 */
#ifndef VA_STATE_ALLIANCE_H
#define VA_STATE_ALLIANCE_H

#include <stddef.h>
#include <stdint.h>

#include "state/commitment.h"
#include "state/base.h"

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

void alliance_release(alliance_t *a);
void alliance_copy(alliance_t *dst, const alliance_t *src);
void alliance_cmd_release(alliance_cmd_t *c);
void mou_release(mou_t *m);
void mou_copy(mou_t *dst, const mou_t *src);

typedef struct alliances alliances_t;

/* The 6-9 month target from creation to MoU, in milliseconds. */
#define ALLIANCE_TARGET_MIN_MS (183LL * 24 * 3600 * 1000)
#define ALLIANCE_TARGET_MAX_MS (274LL * 24 * 3600 * 1000)

/* roadmap_step_slug - "created", "contact-point", "agreement",
 * "mutual-visit", "mou"; "unknown" for anything else. */
const char *roadmap_step_slug(roadmap_step_t s);

alliances_t *alliances_new(void);
void alliances_free(alliances_t **self_p);

const alliance_t *alliances_get(const alliances_t *t, const char *id);

/* alliances_list - every alliance sorted by id: a malloc'd array of
 * borrowed pointers (free() it).  Returns the count. */
size_t alliances_list(const alliances_t *t, const alliance_t ***out_p);

/* alliances_put - store a copy of `a`, replacing the one with its id. */
void alliances_put(alliances_t *t, const alliance_t *a);

/* What alliance_decide needs to know about the rest of the state. */
typedef struct alliance_env {
	int (*centre_exists)(const void *arg, const char *id);
	int (*sector_exists)(const void *arg, const char *id);
	const void *arg;
	const commitments_t *commitments;
	int64_t now_ms;
	const char *actor;
} alliance_env_t;

/*
 * alliance_decide - check an alliance command and build the alliance
 * after it in *after (zeroed storage; release it on success), and the
 * event type in *type.  Returns 0, or a negative VA_* code with a
 * message in err (nothing to release then).
 */
int alliance_decide(const alliances_t *t, const cmd_t *cmd, const alliance_env_t *env,
		    alliance_t *after, ev_type_t *type, char *err, size_t errlen);

/* alliance_mou_hash - the content hash of an MoU (16 hex digits + NUL);
 * version, hash and voided are not part of the content. */
void alliance_mou_hash(const mou_t *m, char out[17]);

/*
 * alliance_missing - what the alliance still needs for its next step, as
 * text ("" when at the last step), into buf.  Returns buf.
 */
char *alliance_missing(const alliance_t *a, const commitments_t *c, char *buf, size_t len);

/* alliance_lateness - at `now_ms`, before its MoU: 0 on time, 1 past six
 * months (due soon), 2 past nine months (late).  0 once the MoU is done. */
int alliance_lateness(const alliance_t *a, int64_t now_ms);

#endif
