/*
 * criteria - see criteria.h.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "state/commitment.h"
#include "state/criteria.h"
#include "state/model.h"
#include "state/state.h"

static const char *const criteria__provinces[][2] = {
    {"Ávila", "avila"},       {"Burgos", "burgos"},         {"León", "leon"},
    {"Palencia", "palencia"}, {"Salamanca", "salamanca"},   {"Segovia", "segovia"},
    {"Soria", "soria"},       {"Valladolid", "valladolid"}, {"Zamora", "zamora"},
};

bool criteria_is_cyl(const centre_t *c)
{
	const char *region = c->region ? c->region : "";

	return (c->partner != NULL && strcmp(c->partner, "CYL") == 0) ||
	       strcasecmp(region, "Castilla y León") == 0 ||
	       strcasecmp(region, "Castilla y Leon") == 0;
}

const char *criteria_cyl_province(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof criteria__provinces / sizeof criteria__provinces[0]; i++)
		if (strcmp(name, criteria__provinces[i][0]) == 0 ||
		    strcasecmp(name, criteria__provinces[i][1]) == 0 ||
		    strcasecmp(name, criteria__provinces[i][0]) == 0)
			return criteria__provinces[i][0];
	return NULL;
}

static const char *criteria__word(unsigned fact)
{
	switch (fact) {
	case FACT_YES:
		return "yes";
	case FACT_WILLING:
		return "willing";
	case FACT_NO:
		return "no";
	default:
		return "unknown";
	}
}

static criterion_t *criteria__add(criterion_t *out, size_t *n, const char *id, const char *group,
				  criterion_status_t status)
{
	criterion_t *k = &out[(*n)++];

	k->id = id;
	k->group = group;
	k->status = status;
	k->fact[0] = '\0';
	return k;
}

/* A fact met by yes (and, when `willing_meets`, by willing). */
static criterion_status_t criteria__status(unsigned fact, bool willing_meets)
{
	if (fact == FACT_YES || (willing_meets && fact == FACT_WILLING))
		return CRITERION_MET;
	if (fact == FACT_NO || fact == FACT_WILLING)
		return CRITERION_UNMET;
	return CRITERION_UNKNOWN;
}

static void criteria__simple(const centre_t *c, centre_fact_t f, const char *id, const char *group,
			     bool willing_meets, const char *what, criterion_t *out, size_t *n)
{
	const centre_more_t *m = centre_more(c);
	criterion_t *k =
	    criteria__add(out, n, id, group, criteria__status(m->facts[f], willing_meets));

	snprintf(k->fact, sizeof k->fact, "%s: %s", what, criteria__word(m->facts[f]));
}

static void criteria__commitments(const criteria_input_t *in, criterion_t *out, size_t *n)
{
	size_t confirmed = 0, withdrawn = 0;
	char rest[128] = "";
	size_t off = 0;
	criterion_t *k;

	for (size_t i = 0; i < COMMITMENT_MAX; i++) {
		const confirmation_t *s = &in->stand[i];
		bool acted = s->actor != NULL && s->actor[0] != '\0';
		if (s->confirmed) {
			confirmed++;
			continue;
		}
		if (acted)
			withdrawn++;
		if (off < sizeof rest) {
			int w =
			    snprintf(rest + off, sizeof rest - off, "%s%s%s", off ? ", " : "",
				     commitment_slug(s->commitment), acted ? " (withdrawn)" : "");
			off += w > 0 ? (size_t)w : 0;
		}
	}
	k = criteria__add(out, n, "commitments", "general",
			  confirmed == COMMITMENT_MAX ? CRITERION_MET
			  : withdrawn > 0             ? CRITERION_UNMET
						      : CRITERION_UNKNOWN);
	if (confirmed == COMMITMENT_MAX)
		snprintf(k->fact, sizeof k->fact, "all %d commitments confirmed", COMMITMENT_MAX);
	else
		snprintf(k->fact, sizeof k->fact, "%zu of %d confirmed; not: %s", confirmed,
			 COMMITMENT_MAX, rest);
}

size_t criteria_evaluate(const centre_t *c, const criteria_input_t *in,
			 criterion_t out[CRITERIA_MAX])
{
	const centre_more_t *m = centre_more(c);
	unsigned sends = m->facts[CENTRE_FACT_SENDS], receives = m->facts[CENTRE_FACT_RECEIVES];
	criterion_status_t s1 = criteria__status(sends, true),
			   s2 = criteria__status(receives, true);
	const char *province;
	criterion_t *k;
	size_t n = 0;

	/* Sending and receiving: both are needed. */
	k = criteria__add(out, &n, "sends-receives", "general",
			  s1 == CRITERION_UNMET || s2 == CRITERION_UNMET ? CRITERION_UNMET
			  : s1 == CRITERION_MET && s2 == CRITERION_MET   ? CRITERION_MET
									 : CRITERION_UNKNOWN);
	snprintf(k->fact, sizeof k->fact, "sends mobilities: %s; receives: %s",
		 criteria__word(sends), criteria__word(receives));
	criteria__simple(c, CENTRE_FACT_DUAL_VET, "dual-vet", "general", true, "dual VET", out, &n);
	criteria__simple(c, CENTRE_FACT_COORDINATOR, "coordinator", "general", true,
			 "internationalisation coordinator", out, &n);
	criteria__commitments(in, out, &n);
	if (!criteria_is_cyl(c))
		return n;

	k = criteria__add(out, &n, "excellence-network", "cyl",
			  criteria__status(m->facts[CENTRE_FACT_EXCELLENCE], true));
	snprintf(k->fact, sizeof k->fact, "VET excellence network: %s",
		 m->facts[CENTRE_FACT_EXCELLENCE] == FACT_YES       ? "member"
		 : m->facts[CENTRE_FACT_EXCELLENCE] == FACT_WILLING ? "being rated"
		 : m->facts[CENTRE_FACT_EXCELLENCE] == FACT_NO      ? "not a member"
								    : "unknown");
	criteria__simple(c, CENTRE_FACT_EXPERIENCE, "previous-experience", "cyl", false,
			 "previous internationalisation experience", out, &n);
	criteria__simple(c, CENTRE_FACT_INTEGRATED, "integrated", "cyl", false,
			 "integrated VET centre", out, &n);

	province = criteria_cyl_province(m->province);
	if (m->province == NULL || m->province[0] == '\0') {
		k = criteria__add(out, &n, "province-spread", "cyl", CRITERION_UNKNOWN);
		snprintf(k->fact, sizeof k->fact, "province: unknown");
	} else if (province == NULL) {
		k = criteria__add(out, &n, "province-spread", "cyl", CRITERION_UNMET);
		snprintf(k->fact, sizeof k->fact,
			 "province '%.64s' is not one of Castilla y León's", m->province);
	} else {
		k = criteria__add(out, &n, "province-spread", "cyl", CRITERION_MET);
		snprintf(k->fact, sizeof k->fact, "province %s: %zu of the region's %zu centres",
			 province, in->same_province, in->cyl_centres);
	}

	if (!m->hours_known) {
		k = criteria__add(out, &n, "teacher-hours", "cyl", CRITERION_UNKNOWN);
		snprintf(k->fact, sizeof k->fact, "teacher hours a week: unknown (2-3 wanted)");
	} else {
		k = criteria__add(out, &n, "teacher-hours", "cyl",
				  m->teacher_hours >= 2 ? CRITERION_MET : CRITERION_UNMET);
		snprintf(k->fact, sizeof k->fact, "teacher hours a week: %u (2-3 wanted)",
			 (unsigned)m->teacher_hours);
	}
	criteria__simple(c, CENTRE_FACT_KA2, "ka2-interest", "cyl", false,
			 "interested in future KA2 projects", out, &n);
	return n;
}

/* Counts the region's centres and those in one province. */
typedef struct criteria_count {
	const char *province; /* canonical; NULL: count none */
	size_t cyl;
	size_t same;
} criteria_count_t;

static int criteria__count(const centre_t *c, void *arg)
{
	criteria_count_t *cnt = arg;
	const centre_more_t *m = centre_more(c);

	if (!criteria_is_cyl(c))
		return 0;
	cnt->cyl++;
	if (cnt->province != NULL && criteria_cyl_province(m->province) == cnt->province)
		cnt->same++;
	return 0;
}

size_t criteria_of(const struct state *st, const centre_t *c, criterion_t out[CRITERIA_MAX])
{
	const centre_more_t *m = centre_more(c);
	confirmation_t stand[COMMITMENT_MAX];
	criteria_count_t cnt = {criteria_cyl_province(m->province), 0, 0};
	criteria_input_t in = {stand, 0, 0};

	commitments_view(state_commitments(st), c->id, stand);
	if (criteria_is_cyl(c))
		state_centre_each(st, criteria__count, &cnt);
	in.cyl_centres = cnt.cyl;
	in.same_province = cnt.same;
	return criteria_evaluate(c, &in, out);
}
