/*
 * criteria - the selection criteria of a centre (DOMAIN.md, "Centres and
 * selection criteria"), evaluated from the facts the centre states and
 * its commitment stands.  Each criterion comes out met, unmet or unknown
 * with the fact behind it in words; nothing is scored.
 *
 * General criteria apply to every centre: sends and receives mobilities,
 * dual VET, an internationalisation coordinator (each met by yes or
 * willing), and the six commitments (met when all are confirmed, unmet
 * when one was withdrawn, unknown while some were never acted on).
 * Castilla y León's apply to its centres only (partner "CYL", or region
 * "Castilla y León"): the excellence network (member or being rated),
 * previous internationalisation experience, an integrated VET centre, the
 * province (one of the nine; the fact counts the region's centres there,
 * for the spread), 2-3 teacher hours a week for internationalisation (at
 * least 2 meets it), and interest in future KA2 projects.
 *
 * criteria_evaluate is pure; criteria_of gathers its inputs from a state.
 */
#ifndef VA_STATE_CRITERIA_H
#define VA_STATE_CRITERIA_H

#include <stdbool.h>
#include <stddef.h>

#include "state/centre.h"
#include "state/commitment.h"

struct state;

/* Wire numbers of CriterionStatus. */
typedef enum {
	CRITERION_MET = 1,
	CRITERION_UNMET = 2,
	CRITERION_UNKNOWN = 3,
} criterion_status_t;

#define CRITERIA_MAX       10
#define CRITERION_FACT_MAX 192

typedef struct criterion {
	const char *id;    /* "sends-receives", ... (static) */
	const char *group; /* "general" or "cyl" (static) */
	criterion_status_t status;
	char fact[CRITERION_FACT_MAX];
} criterion_t;

/* criteria_input - what the evaluation needs besides the centre. */
typedef struct criteria_input {
	const confirmation_t *stand; /* [COMMITMENT_MAX], in enum order */
	size_t cyl_centres;          /* centres of Castilla y León in all */
	size_t same_province;        /* of them, in the centre's province (itself included) */
} criteria_input_t;

/* criteria_is_cyl - whether Castilla y León's criteria apply to `c`. */
bool criteria_is_cyl(const centre_t *c);

/* criteria_cyl_province - the canonical name of one of Castilla y León's
 * nine provinces, matched without regard to case or accents' absence
 * ("avila" -> "Ávila"), or NULL. */
const char *criteria_cyl_province(const char *name);

/*
 * criteria_evaluate - the criteria of `c` into out[0..CRITERIA_MAX-1].
 * Returns how many were written: 4 general, plus 6 for a CyL centre.
 */
size_t criteria_evaluate(const centre_t *c, const criteria_input_t *in,
			 criterion_t out[CRITERIA_MAX]);

/* criteria_of - criteria_evaluate with the inputs read from `st`. */
size_t criteria_of(const struct state *st, const centre_t *c, criterion_t out[CRITERIA_MAX]);

#endif
