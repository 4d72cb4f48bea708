/*
 * commitment - the six commitments of DOMAIN.md and which centre stands
 * where on each.  A centre confirms or withdraws each commitment
 * separately; the table keeps, per centre and commitment, the latest
 * stand with who took it and when.  Part of the pure state core: the
 * table changes only through commitments_apply (from an event).
 *
 * Slugs name the commitments on the command line and in messages:
 * "long-term-alliance", "digital-channels", "pilot-templates",
 * "study-visits", "evaluations", "project-activities".
 */
#ifndef VA_STATE_COMMITMENT_H
#define VA_STATE_COMMITMENT_H

#include <stddef.h>

#include "state/base.h"

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

/* A centre's stand on one commitment: confirmed, or withdrawn (confirmed
 * false), by `actor` at `time_ms`.  Never acted on: actor "" and 0. */
typedef struct confirmation {
	char *centre;
	commitment_t commitment;
	bool confirmed;
	char *actor;
	int64_t time_ms;
} confirmation_t;

void confirmation_release(confirmation_t *c);
void confirmation_copy(confirmation_t *dst, const confirmation_t *src);

typedef struct commitments commitments_t;

/* commitment_slug - the slug of `c`, or "unspecified" for anything else. */
const char *commitment_slug(commitment_t c);

/* commitment_from_slug - the commitment named by `slug`, or
 * COMMITMENT_UNSPECIFIED when it names none. */
commitment_t commitment_from_slug(const char *slug);

/* commitments_new - an empty table; aborts on OOM. */
commitments_t *commitments_new(void);

/* commitments_free - free the table; sets *self_p to NULL.  Idempotent. */
void commitments_free(commitments_t **self_p);

/*
 * commitments_check - whether the command `type` (CMD_COMMITMENT_CONFIRM
 * or CMD_COMMITMENT_WITHDRAW) fits the current stand of `centre` on `c`.
 * Returns 0, or -VA_ALREADY_EXISTS (already confirmed) /
 * -VA_FAILED_PRECONDITION (withdrawing what is not confirmed) with a
 * message in err.  The caller has checked that the centre exists.
 */
int commitments_check(const commitments_t *t, cmd_type_t type, const char *centre, commitment_t c,
		      char *err, size_t errlen);

/* commitments_confirmed - whether `centre` currently confirms `c`. */
int commitments_confirmed(const commitments_t *t, const char *centre, commitment_t c);

/* commitments_apply - record a stand (copied). */
void commitments_apply(commitments_t *t, const confirmation_t *c);

/*
 * commitments_view - the stand of `centre` on each commitment, in enum
 * order, into out[0..COMMITMENT_MAX-1].  The strings are borrowed (from
 * the table, or `centre` itself for one never acted on): do not release.
 */
void commitments_view(const commitments_t *t, const char *centre,
		      confirmation_t out[COMMITMENT_MAX]);

/*
 * commitments_list - every recorded stand (never-acted ones left out),
 * sorted by centre then commitment: *out_p is a malloc'd array of
 * borrowed pointers the caller frees with free().  Returns the count.
 */
size_t commitments_list(const commitments_t *t, const confirmation_t ***out_p);

#endif
