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
#include "state/model.h"

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
