/*
 * test_criteria.c - the selection criteria of daemon/state/criteria.c:
 * each general and Castilla y León criterion met, unmet and unknown from
 * the facts behind it, CyL's criteria only for CyL centres, and the
 * province spread counted from a state.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "state/criteria.h"
#include "state/state.h"
#include "statetest.h"

static confirmation_t stand[COMMITMENT_MAX];

static void stand_none(void)
{
	for (size_t i = 0; i < COMMITMENT_MAX; i++)
		stand[i] = (confirmation_t){"C", (commitment_t)(i + 1), false, "", 0};
}

static const criterion_t *find(const criterion_t *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].id, id) == 0)
			return &v[i];
	return NULL;
}

static void expect(const criterion_t *v, size_t n, const char *id, criterion_status_t status,
		   const char *fact_part)
{
	const criterion_t *k = find(v, n, id);

	cr_assert_not_null(k, "no criterion '%s'", id);
	cr_assert_eq(k->status, status, "%s: status %d, expected %d (%s)", id, k->status, status,
		     k->fact);
	cr_assert(strstr(k->fact, fact_part) != NULL, "%s: fact '%s' lacks '%s'", id, k->fact,
		  fact_part);
}

Test(criteria, general_only_for_other_centres)
{
	centre_more_t m = {0};
	centre_t c = {
	    .id = "C", .partner = "IEFP", .country = "PT", .region = "Lisboa", .more = &m};
	criteria_input_t in = {stand, 0, 0};
	criterion_t out[CRITERIA_MAX];
	size_t n;

	stand_none();
	m.facts[CENTRE_FACT_SENDS] = FACT_YES;
	m.facts[CENTRE_FACT_RECEIVES] = FACT_WILLING;
	m.facts[CENTRE_FACT_DUAL_VET] = FACT_NO;
	n = criteria_evaluate(&c, &in, out);
	cr_assert_eq(n, 4);
	expect(out, n, "sends-receives", CRITERION_MET, "sends mobilities: yes; receives: willing");
	expect(out, n, "dual-vet", CRITERION_UNMET, "dual VET: no");
	expect(out, n, "coordinator", CRITERION_UNKNOWN, "coordinator: unknown");
	expect(out, n, "commitments", CRITERION_UNKNOWN, "0 of 6 confirmed");
	cr_assert_str_eq(out[0].group, "general");
	cr_assert_null(find(out, n, "excellence-network"));
}

Test(criteria, sends_and_receives_both_needed)
{
	centre_more_t m = {0};
	centre_t c = {.id = "C", .partner = "SBH", .more = &m};
	criteria_input_t in = {stand, 0, 0};
	criterion_t out[CRITERIA_MAX];
	size_t n;

	stand_none();
	m.facts[CENTRE_FACT_SENDS] = FACT_YES;
	n = criteria_evaluate(&c, &in, out);
	expect(out, n, "sends-receives", CRITERION_UNKNOWN, "receives: unknown");
	m.facts[CENTRE_FACT_RECEIVES] = FACT_NO;
	n = criteria_evaluate(&c, &in, out);
	expect(out, n, "sends-receives", CRITERION_UNMET, "receives: no");
}

Test(criteria, commitments_met_unmet_unknown)
{
	centre_more_t m = {0};
	centre_t c = {.id = "C", .partner = "SBH", .more = &m};
	criteria_input_t in = {stand, 0, 0};
	criterion_t out[CRITERIA_MAX];
	size_t n;

	stand_none();
	for (size_t i = 0; i < COMMITMENT_MAX; i++) {
		stand[i].confirmed = true;
		stand[i].actor = "alice";
	}
	n = criteria_evaluate(&c, &in, out);
	expect(out, n, "commitments", CRITERION_MET, "all 6 commitments confirmed");
	stand[3].confirmed = false; /* withdrawn: acted on, not confirmed */
	n = criteria_evaluate(&c, &in, out);
	expect(out, n, "commitments", CRITERION_UNMET, "study-visits (withdrawn)");
	stand[3].actor = ""; /* never acted on */
	n = criteria_evaluate(&c, &in, out);
	expect(out, n, "commitments", CRITERION_UNKNOWN, "5 of 6 confirmed; not: study-visits");
}

Test(criteria, castilla_y_leon)
{
	centre_more_t m = {.province = "segovia"};
	centre_t c = {.id = "JH", .partner = "CYL", .country = "ES", .more = &m};
	criteria_input_t in = {stand, 7, 2};
	criterion_t out[CRITERIA_MAX];
	size_t n;

	stand_none();
	m.facts[CENTRE_FACT_EXCELLENCE] = FACT_WILLING;
	m.facts[CENTRE_FACT_EXPERIENCE] = FACT_YES;
	m.facts[CENTRE_FACT_INTEGRATED] = FACT_NO;
	m.hours_known = true;
	m.teacher_hours = 1;
	n = criteria_evaluate(&c, &in, out);
	cr_assert_eq(n, 10);
	expect(out, n, "excellence-network", CRITERION_MET, "being rated");
	expect(out, n, "previous-experience", CRITERION_MET, "experience: yes");
	expect(out, n, "integrated", CRITERION_UNMET, "integrated VET centre: no");
	expect(out, n, "province-spread", CRITERION_MET, "province Segovia: 2 of the region's 7");
	expect(out, n, "teacher-hours", CRITERION_UNMET, "1 (2-3 wanted)");
	expect(out, n, "ka2-interest", CRITERION_UNKNOWN, "KA2 projects: unknown");
	cr_assert_str_eq(find(out, n, "ka2-interest")->group, "cyl");

	m.facts[CENTRE_FACT_EXCELLENCE] = FACT_NO;
	m.teacher_hours = 3;
	m.province = "Madrid";
	n = criteria_evaluate(&c, &in, out);
	expect(out, n, "excellence-network", CRITERION_UNMET, "not a member");
	expect(out, n, "teacher-hours", CRITERION_MET, "3 (2-3 wanted)");
	expect(out, n, "province-spread", CRITERION_UNMET, "'Madrid' is not one of");
	m.province = "";
	m.hours_known = false;
	n = criteria_evaluate(&c, &in, out);
	expect(out, n, "province-spread", CRITERION_UNKNOWN, "province: unknown");
	expect(out, n, "teacher-hours", CRITERION_UNKNOWN, "unknown (2-3 wanted)");
}

Test(criteria, who_is_castilla_y_leon)
{
	centre_t by_partner = {.partner = "CYL"},
		 by_region = {.partner = "X", .region = "castilla y león"},
		 other = {.partner = "SBH", .region = "Bayern"}, empty = {0};

	cr_assert(criteria_is_cyl(&by_partner));
	cr_assert(criteria_is_cyl(&by_region));
	cr_assert_not(criteria_is_cyl(&other));
	cr_assert_not(criteria_is_cyl(&empty));
	cr_assert_str_eq(criteria_cyl_province("avila"), "Ávila");
	cr_assert_str_eq(criteria_cyl_province("LEON"), "León");
	cr_assert_str_eq(criteria_cyl_province("Valladolid"), "Valladolid");
	cr_assert_null(criteria_cyl_province("Lisboa"));
	cr_assert_null(criteria_cyl_province(NULL));
}

static void add(state_t *st, const char *id, const char *partner, const char *province, int64_t t)
{
	cmd_t c = {.type = CMD_CENTRE_REGISTER};
	char err[256];

	c.u.centre = (centre_t){.id = model_strdup(id),
				.name = model_strdup(id),
				.kind = CENTRE_KIND_VET_CENTRE,
				.partner = model_strdup(partner),
				.country = model_strdup("ES"),
				.region = model_strdup("")};
	centre_more_mut(&c.u.centre)->province = model_strdup(province);
	cr_assert_eq(st_run(st, c, t, "t", NULL, err, sizeof err), 0, "%s", err);
}

Test(criteria, spread_counted_from_the_state)
{
	state_t *st = state_new();
	cmd_t c = {.type = CMD_PARTNER_REGISTER};
	criterion_t out[CRITERIA_MAX];
	size_t n;

	c.u.partner = (partner_t){model_strdup("CYL"), model_strdup("Junta"), model_strdup("ES"),
				  model_strdup("Europe/Madrid"), model_strdup("Castilla y León")};
	cr_assert_eq(st_run(st, c, 1, "t", NULL, NULL, 0), 0);
	c = (cmd_t){.type = CMD_PARTNER_REGISTER};
	c.u.partner = (partner_t){model_strdup("SBH"), model_strdup("SBH"), model_strdup("DE"),
				  model_strdup("Europe/Berlin"), model_strdup("")};
	cr_assert_eq(st_run(st, c, 2, "t", NULL, NULL, 0), 0);
	add(st, "SEG1", "CYL", "Segovia", 3);
	add(st, "SEG2", "CYL", "segovia", 4);
	add(st, "AVI", "CYL", "Ávila", 5);
	add(st, "DE1", "SBH", "Segovia", 6); /* not of the region */

	n = criteria_of(st, state_centre_get(st, "SEG1"), out);
	expect(out, n, "province-spread", CRITERION_MET, "province Segovia: 2 of the region's 3");
	n = criteria_of(st, state_centre_get(st, "AVI"), out);
	expect(out, n, "province-spread", CRITERION_MET, "province Ávila: 1 of the region's 3");
	n = criteria_of(st, state_centre_get(st, "DE1"), out);
	cr_assert_eq(n, 4);

	c = (cmd_t){.type = CMD_COMMITMENT_CONFIRM};
	c.u.confirmation.centre = model_strdup("AVI");
	c.u.confirmation.commitment = COMMITMENT_EVALUATIONS;
	cr_assert_eq(st_run(st, c, 7, "alice", NULL, NULL, 0), 0);
	n = criteria_of(st, state_centre_get(st, "AVI"), out);
	expect(out, n, "commitments", CRITERION_UNKNOWN, "1 of 6 confirmed");
	state_free(&st);
}
