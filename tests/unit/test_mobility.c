/*
 * test_mobility.c - daemon/state/mobility.c and state/rules.c through
 * the state core, with the shipped rules (daemon/data/rules.zpl) and
 * rules written for a test: every partner rule at its edge (the last day
 * allowed and the next), the paid-holiday-internship exception inside and
 * outside its window, each embargo edge, needs-review routing and the
 * reviews, the lifecycle with who may take each step, certificates,
 * readiness, the derived bands, replay without rules, the wire (request
 * refusals, events and topics) and the snapshot round trip.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "codec/codec.h"
#include "ops/rules_file.h"
#include "state/mobility.h"
#include "state/model.h"
#include "state/rules.h"
#include "state/state.h"
#include "statetest.h"
#include "vetalliance.pb-c.h"

#define PB(name) Vetalliance__V1__##name

static char err[1024];
static rules_t *shipped;

static void setup(void)
{
	cr_assert_eq(rules_load(NULL, &shipped, err, sizeof err), 0, "%s", err);
}

static void teardown(void)
{
	rules_free(&shipped);
}

/* Decide with `rules` in the context, then apply, as the server does. */
static int run_rules(state_t *st, cmd_t cmd, const rules_t *rules, evlist_t *log)
{
	state_ctx_t ctx = {.now_ms = 5000, .actor = "tester", .request_id = "req", .rules = rules};

	err[0] = '\0';
	return st_run_ctx(st, cmd, &ctx, log, err, sizeof err);
}

static void ok(int rc)
{
	cr_assert_eq(rc, 0, "refused (%d): %s", rc, err);
}

static void refused(int rc, int code, const char *needle)
{
	cr_assert_eq(rc, -code, "expected %d, got %d: %s", -code, rc, err);
	cr_assert_not_null(strstr(err, needle), "'%s' not in '%s'", needle, err);
}

static void setup_cmd(state_t *st, cmd_t c, evlist_t *log)
{
	char e[256];

	cr_assert_eq(st_run(st, c, 1000, "system", log, e, sizeof e), 0, "%s", e);
}

static void partner(state_t *st, const char *id, evlist_t *log)
{
	cmd_t c = {.type = CMD_PARTNER_REGISTER};

	c.u.partner.id = model_strdup(id);
	c.u.partner.name = model_strdup(id);
	c.u.partner.country = model_strdup("ES");
	c.u.partner.time_zone = model_strdup("Europe/Madrid");
	setup_cmd(st, c, log);
}

static void centre(state_t *st, const char *id, const char *p, centre_kind_t kind, evlist_t *log)
{
	cmd_t c = {.type = CMD_CENTRE_REGISTER};

	c.u.centre.id = model_strdup(id);
	c.u.centre.name = model_strdup(id);
	c.u.centre.kind = kind;
	c.u.centre.partner = model_strdup(p);
	c.u.centre.country = model_strdup("ES");
	setup_cmd(st, c, log);
}

/* The five partners, one centre each (and a company in CyL), a sector. */
static state_t *fixture(evlist_t *log)
{
	state_t *st = state_new();
	cmd_t s = {.type = CMD_SECTOR_DEFINE};
	static const char *const partners[][2] = {{"CYL", "CYL1"},
						  {"SBH", "SBH1"},
						  {"STK", "STK1"},
						  {"IEFP", "IEFP1"},
						  {"SAMIEDU", "SAMI1"}};

	for (size_t i = 0; i < 5; i++) {
		partner(st, partners[i][0], log);
		centre(st, partners[i][1], partners[i][0], CENTRE_KIND_VET_CENTRE, log);
	}
	centre(st, "ACME", "CYL", CENTRE_KIND_COMPANY, log);
	s.u.sector.id = model_strdup("mechatronics");
	s.u.sector.name = model_strdup("Mechatronics");
	setup_cmd(st, s, log);
	return st;
}

static cmd_t propose_cmd(const char *id, participant_kind_t kind, const char *sending,
			 const char *host, int32_t start, int32_t end, mobility_format_t format,
			 bool paid)
{
	cmd_t c = {.type = CMD_MOBILITY_PROPOSE};
	mobility_t *m = &c.u.mcmd.m;

	m->id = model_strdup(id);
	m->kind = kind;
	m->participant = model_strdup("learner-17");
	m->sending = model_strdup(sending);
	m->host = model_strdup(host);
	m->sector = model_strdup("mechatronics");
	m->start = start;
	m->end = end;
	m->format = format;
	m->paid = paid;
	m->group = model_strdup("");
	c.u.mcmd.by = model_strdup(sending);
	return c;
}

/* A learner's physical, unpaid mobility proposed by the sending centre. */
static int learner(state_t *st, const rules_t *r, const char *id, const char *sending,
		   const char *host, int32_t start, int32_t end)
{
	return run_rules(st,
			 propose_cmd(id, PARTICIPANT_LEARNER, sending, host, start, end,
				     MOBILITY_FORMAT_PHYSICAL, false),
			 r, NULL);
}

static cmd_t act(cmd_type_t type, const char *id, const char *by, const char *reason)
{
	cmd_t c = {.type = type};

	c.u.mcmd.m.id = model_strdup(id);
	c.u.mcmd.by = model_strdup(by);
	c.u.mcmd.reason = model_strdup(reason);
	return c;
}

static cmd_t review(const char *id, const char *by, bool accept, const char *reason)
{
	cmd_t c = act(CMD_MOBILITY_REVIEW, id, by, reason);

	c.u.mcmd.accept = accept;
	return c;
}

static cmd_t certify(const char *id, const char *by)
{
	cmd_t c = act(CMD_MOBILITY_CERTIFY, id, by, NULL);

	strlist_push(&c.u.mcmd.activities, "assembly of a conveyor line");
	strlist_push(&c.u.mcmd.outcomes, "sets up and tests a PLC program");
	return c;
}

static const mobility_t *get(const state_t *st, const char *id)
{
	const mobility_t *m = mobilities_get(state_mobilities(st), id);

	cr_assert_not_null(m, "no mobility '%s'", id);
	return m;
}

static rules_t *parse(const char *text)
{
	rules_t *r = NULL;

	cr_assert_eq(rules_parse(text, "test.zpl", &r, err, sizeof err), 0, "%s", err);
	return r;
}

TestSuite(mobility, .init = setup, .fini = teardown);

/* ------------------------------------------------------------ dates */

Test(mobility, dates_and_spans)
{
	rules_span_t four_weeks = {4, 'w'}, three_months = {3, 'm'}, ninety = {90, 'd'};

	cr_assert(date_valid(20240229));
	cr_assert_not(date_valid(20230229));
	cr_assert_not(date_valid(20211301));
	cr_assert_not(date_valid(20210431));
	cr_assert_eq(date_from_days(date_days(20210315)), 20210315);
	cr_assert_eq(date_days(19700101), 0);
	cr_assert_eq(date_span_days(20210101, 20211231), 365);
	cr_assert_eq(rules_span_last(20210301, four_weeks), 20210328);
	cr_assert_eq(rules_span_last(20210621, three_months), 20210920);
	cr_assert_eq(rules_span_last(20211130, three_months), 20220227); /* 02-28 clamped, -1 */
	cr_assert_eq(rules_span_last(20210101, ninety), 20210331);
	cr_assert_eq(date_add_months(20200131, 1), 20200229);
}

Test(mobility, bands_at_their_edges)
{
	mobility_t m = {.kind = PARTICIPANT_LEARNER, .start = 20210101};

	m.end = 20210127; /* 27 days */
	cr_assert_str_eq(mobility_project_band(&m), "under-4-weeks");
	m.end = 20210128; /* 28 */
	cr_assert_str_eq(mobility_project_band(&m), "4-12-weeks");
	m.end = 20210325; /* 84 */
	cr_assert_str_eq(mobility_project_band(&m), "4-12-weeks");
	m.end = 20210326; /* 85 */
	cr_assert_str_eq(mobility_project_band(&m), "3-6-months");
	m.end = 20210630; /* six calendar months */
	cr_assert_str_eq(mobility_project_band(&m), "3-6-months");
	m.end = 20210701;
	cr_assert_str_eq(mobility_project_band(&m), "over-6-months");

	m.end = 20210109; /* 9 days */
	cr_assert_str_eq(mobility_erasmus_band(&m), "none");
	m.end = 20210110;
	cr_assert_str_eq(mobility_erasmus_band(&m), "short-term");
	m.end = 20210330; /* 89 */
	cr_assert_str_eq(mobility_erasmus_band(&m), "short-term");
	m.end = 20210331; /* 90 */
	cr_assert_str_eq(mobility_erasmus_band(&m), "erasmus-pro");
	m.end = 20211231; /* 365 */
	cr_assert_str_eq(mobility_erasmus_band(&m), "erasmus-pro");
	m.end = 20220101;
	cr_assert_str_eq(mobility_erasmus_band(&m), "none");
	m.kind = PARTICIPANT_TEACHER;
	m.end = 20210101;
	cr_assert_str_eq(mobility_erasmus_band(&m), "none");
	m.end = 20210102;
	cr_assert_str_eq(mobility_erasmus_band(&m), "staff-short");
	m.end = 20210301; /* 60 */
	cr_assert_str_eq(mobility_erasmus_band(&m), "staff-short");
	m.end = 20210302;
	cr_assert_str_eq(mobility_erasmus_band(&m), "staff-teaching");
}

/* ----------------------------------------------------- shipped rules */

Test(mobility, shipped_rules_hold_the_seed)
{
	const partner_rules_t *stk = rules_partner(shipped, "STK");
	const partner_rules_t *sbh = rules_partner(shipped, "SBH");
	const partner_rules_t *iefp = rules_partner(shipped, "IEFP");
	const partner_rules_t *fi = rules_partner(shipped, "SAMIEDU");

	cr_assert_str_eq(shipped->source, RULES_BUILT_IN);
	cr_assert_eq(strlen(shipped->version), 16);
	cr_assert_eq(shipped->long_term.n, 90);
	cr_assert_not_null(rules_partner(shipped, "CYL"));
	cr_assert(stk && sbh && iefp && fi);
	cr_assert_eq(stk->max_abroad.n, 4);
	cr_assert_eq(stk->max_abroad.unit, 'w');
	cr_assert_eq(stk->holiday_max.n, 3);
	cr_assert_eq(stk->holiday_max.unit, 'm');
	cr_assert_eq(stk->n_staff_windows, 1);
	cr_assert_eq(sbh->sends_long_term, POLICY_NOT_ALLOWED);
	cr_assert_eq(sbh->receives_long_term, POLICY_NEEDS_REVIEW);
	cr_assert_eq(iefp->sends_long_term, POLICY_NEEDS_REVIEW);
	cr_assert_eq(iefp->receives_long_term, POLICY_ALLOWED);
	cr_assert_eq(fi->sends_long_term, POLICY_NEEDS_REVIEW);
	cr_assert_eq(fi->receives_long_term, POLICY_ALLOWED);
	cr_assert_eq(fi->n_embargoes, 1);
	cr_assert_eq(fi->embargoes[0].until, 20210531);
	cr_assert_eq(sbh->embargoes[0].from, 20210101);
	cr_assert_eq(sbh->embargoes[0].until, 20211231);
}

/* ----------------------------------------------------- partner rules */

Test(mobility, stk_four_week_cap_at_its_edge)
{
	state_t *st = fixture(NULL);

	/* Before STK's embargo (27 Oct 2020): physical. */
	ok(learner(st, shipped, "M1", "STK1", "CYL1", 20190301, 20190328)); /* 28 days */
	refused(learner(st, shipped, "M2", "STK1", "CYL1", 20190301, 20190329), VA_RULE_VIOLATION,
		"STK: max-abroad");
	cr_assert_null(mobilities_get(state_mobilities(st), "M2"));
	/* Blended during the embargo: the cap still applies. */
	ok(run_rules(st,
		     propose_cmd("M3", PARTICIPANT_LEARNER, "STK1", "CYL1", 20210301, 20210328,
				 MOBILITY_FORMAT_BLENDED, false),
		     shipped, NULL));
	refused(run_rules(st,
			  propose_cmd("M4", PARTICIPANT_LEARNER, "STK1", "CYL1", 20210301, 20210329,
				      MOBILITY_FORMAT_BLENDED, false),
			  shipped, NULL),
		VA_RULE_VIOLATION, "STK: max-abroad");
	/* Virtual is not abroad; other partners' learners are not STK's. */
	ok(run_rules(st,
		     propose_cmd("M5", PARTICIPANT_LEARNER, "STK1", "CYL1", 20210301, 20210501,
				 MOBILITY_FORMAT_VIRTUAL, false),
		     shipped, NULL));
	ok(learner(st, shipped, "M6", "CYL1", "ACME", 20190301, 20190501));
	state_free(&st);
}

Test(mobility, holiday_internship_inside_and_outside_its_window)
{
	state_t *st = fixture(NULL);

	/* Paid, inside the summer holidays (06-21..08-31): up to 3 months. */
	ok(run_rules(st,
		     propose_cmd("H1", PARTICIPANT_LEARNER, "STK1", "CYL1", 20190621, 20190831,
				 MOBILITY_FORMAT_PHYSICAL, true),
		     shipped, NULL));
	cr_assert_not_null(strstr(get(st, "H1")->history[0].reason, "holiday-internship"));
	/* Unpaid: practical training, the 4-week cap. */
	refused(learner(st, shipped, "H2", "STK1", "CYL1", 20190621, 20190831), VA_RULE_VIOLATION,
		"STK: max-abroad");
	/* Paid, one day before the window / one day after. */
	refused(run_rules(st,
			  propose_cmd("H3", PARTICIPANT_LEARNER, "STK1", "CYL1", 20190620, 20190731,
				      MOBILITY_FORMAT_PHYSICAL, true),
			  shipped, NULL),
		VA_RULE_VIOLATION, "only a paid internship within the holidays (06-21..08-31)");
	refused(run_rules(st,
			  propose_cmd("H4", PARTICIPANT_LEARNER, "STK1", "CYL1", 20190801, 20190901,
				      MOBILITY_FORMAT_PHYSICAL, true),
			  shipped, NULL),
		VA_RULE_VIOLATION, "STK: max-abroad");
	state_free(&st);
}

Test(mobility, holiday_internship_maximum_at_its_edge)
{
	rules_t *r =
	    parse("mobility\n    long_term = 90d\npartners\n    STK\n        learners\n"
		  "            max_abroad = 4w\n            holiday_internship\n"
		  "                max = 3m\n                windows = \"06-01..09-30\"\n");
	state_t *st = fixture(NULL);

	ok(run_rules(st,
		     propose_cmd("H1", PARTICIPANT_LEARNER, "STK1", "CYL1", 20190601, 20190831,
				 MOBILITY_FORMAT_PHYSICAL, true),
		     r, NULL));
	refused(run_rules(st,
			  propose_cmd("H2", PARTICIPANT_LEARNER, "STK1", "CYL1", 20190601, 20190901,
				      MOBILITY_FORMAT_PHYSICAL, true),
			  r, NULL),
		VA_RULE_VIOLATION, "STK: holiday-internship");
	state_free(&st);
	rules_free(&r);
}

Test(mobility, embargo_edges)
{
	state_t *st = fixture(NULL);

	/* SAMIedu: 2020-10-27 .. 2021-05-31, either direction. */
	ok(learner(st, shipped, "F1", "CYL1", "SAMI1", 20201017, 20201026));
	refused(learner(st, shipped, "F2", "CYL1", "SAMI1", 20201018, 20201027), VA_RULE_VIOLATION,
		"SAMIEDU: embargo 'until-summer-2021'");
	cr_assert_not_null(strstr(err, "make it virtual or blended"));
	refused(learner(st, shipped, "F3", "SAMI1", "CYL1", 20210531, 20210609), VA_RULE_VIOLATION,
		"SAMIEDU: embargo");
	ok(learner(st, shipped, "F4", "SAMI1", "CYL1", 20210601, 20210610));
	/* SBH: the year 2021. */
	ok(learner(st, shipped, "D1", "CYL1", "SBH1", 20201222, 20201231));
	refused(learner(st, shipped, "D2", "CYL1", "SBH1", 20201225, 20210101), VA_RULE_VIOLATION,
		"SBH: embargo 'no-on-site-2021'");
	refused(learner(st, shipped, "D3", "CYL1", "SBH1", 20211231, 20220109), VA_RULE_VIOLATION,
		"SBH: embargo");
	ok(learner(st, shipped, "D4", "CYL1", "SBH1", 20220101, 20220110));
	/* STK: open-ended from 2020-10-27. */
	ok(learner(st, shipped, "P1", "CYL1", "STK1", 20201017, 20201026));
	refused(learner(st, shipped, "P2", "CYL1", "STK1", 20301017, 20301026), VA_RULE_VIOLATION,
		"STK: embargo 'no-on-site-2020': no physical mobilities from 2020-10-27 on");
	/* Virtual and blended are the way around it. */
	ok(run_rules(st,
		     propose_cmd("V1", PARTICIPANT_LEARNER, "CYL1", "SAMI1", 20210101, 20210110,
				 MOBILITY_FORMAT_VIRTUAL, false),
		     shipped, NULL));
	ok(run_rules(st,
		     propose_cmd("V2", PARTICIPANT_LEARNER, "CYL1", "SBH1", 20210101, 20210110,
				 MOBILITY_FORMAT_BLENDED, false),
		     shipped, NULL));
	state_free(&st);
}

Test(mobility, staff_periods_of_stk)
{
	state_t *st = fixture(NULL);

	ok(run_rules(st,
		     propose_cmd("T1", PARTICIPANT_TEACHER, "STK1", "CYL1", 20210614, 20210620,
				 MOBILITY_FORMAT_BLENDED, false),
		     shipped, NULL));
	refused(run_rules(st,
			  propose_cmd("T2", PARTICIPANT_TEACHER, "STK1", "CYL1", 20210615, 20210621,
				      MOBILITY_FORMAT_BLENDED, false),
			  shipped, NULL),
		VA_RULE_VIOLATION, "STK: staff-periods");
	cr_assert_not_null(strstr(err, "2021-06-21 is outside"));
	refused(run_rules(st,
			  propose_cmd("T3", PARTICIPANT_STAFF, "STK1", "CYL1", 20210831, 20210906,
				      MOBILITY_FORMAT_BLENDED, false),
			  shipped, NULL),
		VA_RULE_VIOLATION, "STK: staff-periods");
	ok(run_rules(st,
		     propose_cmd("T4", PARTICIPANT_STAFF, "STK1", "CYL1", 20210901, 20210906,
				 MOBILITY_FORMAT_BLENDED, false),
		     shipped, NULL));
	/* Staff of other partners may go in July. */
	ok(run_rules(st,
		     propose_cmd("T5", PARTICIPANT_TEACHER, "CYL1", "IEFP1", 20210705, 20210709,
				 MOBILITY_FORMAT_PHYSICAL, false),
		     shipped, NULL));
	state_free(&st);
}

Test(mobility, long_term_sending_and_receiving)
{
	state_t *st = fixture(NULL);
	evlist_t log = {0};
	const mobility_t *m;

	/* SBH does not send long-term learners: 90 days refused, 89 not long-term. */
	refused(learner(st, shipped, "L1", "SBH1", "CYL1", 20220101, 20220331), VA_RULE_VIOLATION,
		"SBH: sends-long-term");
	ok(learner(st, shipped, "L2", "SBH1", "CYL1", 20220101, 20220330));
	cr_assert_eq(get(st, "L2")->status, MOBILITY_PROPOSED);
	/* IEFP sending long-term: accepted, waits for IEFP. */
	ok(run_rules(st,
		     propose_cmd("L3", PARTICIPANT_LEARNER, "IEFP1", "CYL1", 20220101, 20220331,
				 MOBILITY_FORMAT_PHYSICAL, false),
		     shipped, &log));
	cr_assert_eq(log.n, 2);
	cr_assert_eq(log.v[0].type, EV_MOBILITY_PROPOSED);
	cr_assert_eq(log.v[1].type, EV_MOBILITY_NEEDS_REVIEW);
	m = get(st, "L3");
	cr_assert_eq(m->status, MOBILITY_NEEDS_REVIEW);
	cr_assert_eq(m->n_reviews, 1);
	cr_assert_str_eq(m->reviews[0].partner, "IEFP");
	cr_assert_str_eq(m->reviews[0].rule, "sends-long-term");
	cr_assert_str_eq(m->rules_version, shipped->version);
	/* SAMIedu sends: needs review (the seed contradicts itself); receives: allowed. */
	ok(learner(st, shipped, "L4", "SAMI1", "CYL1", 20220101, 20220331));
	cr_assert_eq(get(st, "L4")->status, MOBILITY_NEEDS_REVIEW);
	cr_assert_str_eq(get(st, "L4")->reviews[0].partner, "SAMIEDU");
	ok(learner(st, shipped, "L5", "CYL1", "SAMI1", 20220101, 20220331));
	cr_assert_eq(get(st, "L5")->status, MOBILITY_PROPOSED);
	/* IEFP to SBH: both must decide. */
	ok(learner(st, shipped, "L6", "IEFP1", "SBH1", 20220101, 20220331));
	m = get(st, "L6");
	cr_assert_eq(m->n_reviews, 2);
	cr_assert_str_eq(m->reviews[1].partner, "SBH");
	cr_assert_str_eq(m->reviews[1].rule, "receives-long-term");
	/* Teachers are not learners: no long-term rule. */
	ok(run_rules(st,
		     propose_cmd("L7", PARTICIPANT_TEACHER, "SBH1", "CYL1", 20220101, 20220630,
				 MOBILITY_FORMAT_PHYSICAL, false),
		     shipped, NULL));
	evlist_release(&log);
	state_free(&st);
}

Test(mobility, reviews_route_to_the_named_partner)
{
	state_t *st = fixture(NULL);

	ok(learner(st, shipped, "R1", "IEFP1", "SBH1", 20220101, 20220331));
	refused(run_rules(st, act(CMD_MOBILITY_APPROVE, "R1", "SBH1", NULL), shipped, NULL),
		VA_FAILED_PRECONDITION,
		"cannot approve: it is needs-review; approve needs proposed");
	refused(run_rules(st, review("R1", "STK", true, NULL), shipped, NULL), VA_PERMISSION_DENIED,
		"no review of partner 'STK' is pending");
	ok(run_rules(st, review("R1", "IEFP", true, NULL), shipped, NULL));
	cr_assert_eq(get(st, "R1")->status, MOBILITY_NEEDS_REVIEW); /* SBH still pending */
	refused(run_rules(st, review("R1", "IEFP", true, NULL), shipped, NULL),
		VA_PERMISSION_DENIED, "no review of partner 'IEFP' is pending");
	ok(run_rules(st, review("R1", "SBH", true, NULL), shipped, NULL));
	cr_assert_eq(get(st, "R1")->status, MOBILITY_PROPOSED);
	refused(run_rules(st, act(CMD_MOBILITY_APPROVE, "R1", "IEFP1", NULL), shipped, NULL),
		VA_PERMISSION_DENIED, "only the host institution ('SBH1') may approve");
	ok(run_rules(st, act(CMD_MOBILITY_APPROVE, "R1", "SBH1", NULL), shipped, NULL));
	cr_assert_eq(get(st, "R1")->status, MOBILITY_APPROVED);

	/* A refusal rejects, with the partner and the rule in the reason. */
	ok(learner(st, shipped, "R2", "IEFP1", "CYL1", 20220101, 20220331));
	ok(run_rules(st, review("R2", "IEFP", false, "no tutor available"), shipped, NULL));
	cr_assert_eq(get(st, "R2")->status, MOBILITY_REJECTED);
	cr_assert_not_null(strstr(get(st, "R2")->history[2].reason,
				  "IEFP refused (sends-long-term): no tutor available"));
	state_free(&st);
}

/* ---------------------------------------------------------- lifecycle */

Test(mobility, lifecycle_roles_and_certificate)
{
	state_t *st = fixture(NULL), *again = state_new();
	evlist_t log = {0};
	const mobility_t *m;

	ok(run_rules(st,
		     propose_cmd("C1", PARTICIPANT_LEARNER, "CYL1", "ACME", 20220110, 20220204,
				 MOBILITY_FORMAT_PHYSICAL, false),
		     shipped, &log));
	refused(run_rules(st, act(CMD_MOBILITY_START, "C1", "CYL1", NULL), shipped, NULL),
		VA_FAILED_PRECONDITION, "cannot start: it is proposed; start needs approved");
	ok(run_rules(st, act(CMD_MOBILITY_APPROVE, "C1", "ACME", NULL), shipped, &log));
	refused(run_rules(st, act(CMD_MOBILITY_START, "C1", "SBH1", NULL), shipped, NULL),
		VA_PERMISSION_DENIED, "only the sending ('CYL1') or the host ('ACME')");
	ok(run_rules(st, act(CMD_MOBILITY_START, "C1", "CYL1", NULL), shipped, &log));
	refused(run_rules(st, certify("C1", "ACME"), shipped, NULL), VA_FAILED_PRECONDITION,
		"cannot certify: it is under-way; certify needs completed");
	refused(run_rules(st, act(CMD_MOBILITY_COUNTERSIGN, "C1", "CYL1", NULL), shipped, NULL),
		VA_FAILED_PRECONDITION, "countersign needs certified");
	ok(run_rules(st, act(CMD_MOBILITY_COMPLETE, "C1", "ACME", NULL), shipped, &log));
	refused(run_rules(st, certify("C1", "CYL1"), shipped, NULL), VA_PERMISSION_DENIED,
		"only the host institution ('ACME') may certify");
	ok(run_rules(st, certify("C1", "ACME"), shipped, &log));
	m = get(st, "C1");
	cr_assert_eq(m->status, MOBILITY_CERTIFIED);
	cr_assert_str_eq(m->cert.issued_by, "ACME");
	cr_assert_eq(strlen(m->cert.hash), 16);
	refused(run_rules(st, act(CMD_MOBILITY_COUNTERSIGN, "C1", "ACME", NULL), shipped, NULL),
		VA_PERMISSION_DENIED, "only the sending institution ('CYL1') may countersign");
	ok(run_rules(st, act(CMD_MOBILITY_COUNTERSIGN, "C1", "CYL1", NULL), shipped, &log));
	refused(run_rules(st, act(CMD_MOBILITY_COUNTERSIGN, "C1", "CYL1", NULL), shipped, NULL),
		VA_ALREADY_EXISTS, "already countersigned");
	refused(run_rules(st, act(CMD_MOBILITY_CANCEL, "C1", "CYL1", "late"), shipped, NULL),
		VA_FAILED_PRECONDITION, "cannot cancel: it is certified");
	m = get(st, "C1");
	cr_assert_eq(m->n_history, 5); /* proposed approved under-way completed certified */
	cr_assert_str_eq(m->history[1].by, "ACME");

	/* Replay, without any rules: the same mobility. */
	for (size_t i = 0; i < log.n; i++) {
		char e[256];
		log.v[i].seq = state_last_seq(again) + 1;
		cr_assert_eq(state_apply(again, &log.v[i], e, sizeof e), 0, "%s", e);
	}
	cr_assert_str_eq(get(again, "C1")->cert.hash, m->cert.hash);
	cr_assert_eq(get(again, "C1")->status, MOBILITY_CERTIFIED);
	evlist_release(&log);
	state_free(&again);
	state_free(&st);
}

Test(mobility, cancel_reject_and_refusals)
{
	state_t *st = fixture(NULL);

	ok(learner(st, shipped, "X1", "CYL1", "IEFP1", 20220110, 20220120));
	refused(learner(st, shipped, "X1", "CYL1", "IEFP1", 20220110, 20220120), VA_ALREADY_EXISTS,
		"mobility 'X1' already exists");
	refused(learner(st, shipped, "X2", "CYL9", "IEFP1", 20220110, 20220120), VA_NOT_FOUND,
		"mobility.sending: no centre 'CYL9'");
	refused(learner(st, shipped, "X2", "CYL1", "NOPE", 20220110, 20220120), VA_NOT_FOUND,
		"mobility.host: no centre 'NOPE'");
	refused(learner(st, shipped, "X2", "CYL1", "CYL1", 20220110, 20220120), VA_INVALID_ARGUMENT,
		"the same centre");
	{
		cmd_t c = propose_cmd("X2", PARTICIPANT_LEARNER, "CYL1", "IEFP1", 20220110,
				      20220120, MOBILITY_FORMAT_PHYSICAL, false);
		free(c.u.mcmd.m.sector);
		c.u.mcmd.m.sector = model_strdup("astronomy");
		refused(run_rules(st, c, shipped, NULL), VA_NOT_FOUND,
			"mobility.sector: no sector 'astronomy'");
	}
	{
		cmd_t c = propose_cmd("X2", PARTICIPANT_LEARNER, "CYL1", "IEFP1", 20220110,
				      20220120, MOBILITY_FORMAT_PHYSICAL, false);
		free(c.u.mcmd.by);
		c.u.mcmd.by = model_strdup("SBH1");
		refused(run_rules(st, c, shipped, NULL), VA_PERMISSION_DENIED,
			"may propose it, not 'SBH1'");
	}
	refused(run_rules(st, act(CMD_MOBILITY_APPROVE, "NOPE", "IEFP1", NULL), shipped, NULL),
		VA_NOT_FOUND, "mobility 'NOPE' not found");
	refused(run_rules(st, act(CMD_MOBILITY_REJECT, "X1", "CYL1", "no"), shipped, NULL),
		VA_PERMISSION_DENIED, "only the host");
	ok(run_rules(st, act(CMD_MOBILITY_REJECT, "X1", "IEFP1", "no place left"), shipped, NULL));
	cr_assert_eq(get(st, "X1")->status, MOBILITY_REJECTED);
	cr_assert_str_eq(get(st, "X1")->history[1].reason, "no place left");
	refused(run_rules(st, act(CMD_MOBILITY_APPROVE, "X1", "IEFP1", NULL), shipped, NULL),
		VA_FAILED_PRECONDITION, "it is rejected");
	ok(learner(st, shipped, "X3", "CYL1", "IEFP1", 20220110, 20220120));
	ok(run_rules(st, act(CMD_MOBILITY_CANCEL, "X3", "CYL1", "learner ill"), shipped, NULL));
	cr_assert_eq(get(st, "X3")->status, MOBILITY_CANCELLED);
	state_free(&st);
}

Test(mobility, proposal_cannot_set_what_the_daemon_sets)
{
	state_t *st = fixture(NULL);
	cmd_t c = propose_cmd("I1", PARTICIPANT_LEARNER, "IEFP1", "CYL1", 20220101, 20220331,
			      MOBILITY_FORMAT_PHYSICAL, false);
	const mobility_t *m;

	c.u.mcmd.m.status = MOBILITY_CERTIFIED;
	c.u.mcmd.m.history = calloc(1, sizeof *c.u.mcmd.m.history);
	c.u.mcmd.m.history[0].status = MOBILITY_APPROVED;
	c.u.mcmd.m.history[0].by = model_strdup("CYL1");
	c.u.mcmd.m.n_history = 1;
	c.u.mcmd.m.reviews = calloc(1, sizeof *c.u.mcmd.m.reviews);
	c.u.mcmd.m.reviews[0].partner = model_strdup("IEFP");
	c.u.mcmd.m.reviews[0].decision = TRI_YES;
	c.u.mcmd.m.n_reviews = 1;
	c.u.mcmd.m.cert.issued_by = model_strdup("CYL1");
	c.u.mcmd.m.cert.issued_ms = 1;
	c.u.mcmd.m.sending_partner = model_strdup("SBH");
	c.u.mcmd.m.rules_version = model_strdup("forged");
	ok(run_rules(st, c, shipped, NULL));
	m = get(st, "I1");
	cr_assert_eq(m->status, MOBILITY_NEEDS_REVIEW);
	cr_assert_eq(m->n_history, 2);
	cr_assert_eq(m->history[0].status, MOBILITY_PROPOSED);
	cr_assert_eq(m->n_reviews, 1);
	cr_assert_eq(m->reviews[0].decision, TRI_UNKNOWN);
	cr_assert_eq(m->cert.issued_ms, 0);
	cr_assert_str_eq(m->sending_partner, "IEFP");
	cr_assert_str_eq(m->rules_version, shipped->version);
	state_free(&st);
}

/* ---------------------------------------------------------- readiness */

Test(mobility, readiness_checklist)
{
	rules_t *r = parse("mobility\n    long_term = 90d\n    small_group_max = 2\n");
	state_t *st = fixture(NULL);
	readiness_item_t it[READINESS_ITEMS];
	cmd_t c = propose_cmd("G1", PARTICIPANT_LEARNER, "CYL1", "IEFP1", 20220110, 20220120,
			      MOBILITY_FORMAT_PHYSICAL, false);
	const mobility_t *m;

	free(c.u.mcmd.m.group);
	c.u.mcmd.m.group = model_strdup("g");
	c.u.mcmd.m.english = CEFR_B1;
	c.u.mcmd.m.english_required = CEFR_B2;
	c.u.mcmd.m.facts[FACT_COMPANY_EXPERIENCE] = TRI_YES;
	c.u.mcmd.m.facts[FACT_SOFT_LANDING] = TRI_NO;
	c.u.mcmd.m.facts[FACT_HOST_WELCOME] = TRI_YES;
	ok(run_rules(st, c, r, NULL));
	m = get(st, "G1");
	mobility_readiness(m, mobilities_group_size(state_mobilities(st), "g"), r, it);
	cr_assert_str_eq(it[0].condition, "company-experience");
	cr_assert_eq(it[0].state, TRI_YES);
	cr_assert_str_eq(it[1].condition, "english-level");
	cr_assert_eq(it[1].state, TRI_NO);
	cr_assert_eq(it[2].state, TRI_UNKNOWN);
	cr_assert_eq(it[3].state, TRI_YES); /* group of 1, at most 2 */
	cr_assert_eq(it[4].state, TRI_YES); /* host welcome instead of soft landing */
	cr_assert_eq(it[5].state, TRI_UNKNOWN);

	/* Prepare: B2 now; units agreed. */
	c = act(CMD_MOBILITY_PREPARE, "G1", "IEFP1", NULL);
	c.u.mcmd.m.english = CEFR_B2;
	c.u.mcmd.m.facts[FACT_UNITS_AGREED] = TRI_YES;
	strlist_push(&c.u.mcmd.m.units, "UC1: assembly");
	ok(run_rules(st, c, r, NULL));
	m = get(st, "G1");
	mobility_readiness(m, 1, r, it);
	cr_assert_eq(it[1].state, TRI_YES);
	cr_assert_eq(it[5].state, TRI_YES);
	cr_assert_eq(it[0].state, TRI_YES, "an unknown fact in prepare keeps the value");
	/* Three in the group: no longer small; no limit set: unknown. */
	mobility_readiness(m, 3, r, it);
	cr_assert_eq(it[3].state, TRI_NO);
	mobility_readiness(m, 3, shipped, it);
	cr_assert_eq(it[3].state, TRI_UNKNOWN);
	state_free(&st);
	rules_free(&r);
}

/* -------------------------------------------------------- rules files */

static void parse_fails(const char *text, const char *needle)
{
	rules_t *r = NULL;

	cr_assert_eq(rules_parse(text, "bad.zpl", &r, err, sizeof err), -VA_INVALID_ARGUMENT,
		     "parsed: %s", text);
	cr_assert_null(r);
	cr_assert_not_null(strstr(err, needle), "'%s' not in '%s'", needle, err);
	cr_assert_not_null(strstr(err, "rules 'bad.zpl'"), "%s", err);
}

#define LT "mobility\n    long_term = 90d\n"

Test(mobility, rules_file_errors)
{
	rules_t *r = NULL;

	parse_fails("partners\n    STK\n", "mobility/long_term: must be set");
	parse_fails("mobility\n    long_term = 90x\n", "mobility/long_term: '90x' is not a span");
	parse_fails(LT "mobility2\n", "mobility2: unknown section");
	parse_fails(LT "partners\n    stk\n", "partners/stk: not a partner id");
	parse_fails(LT "partners\n    STK\n        learners\n            max_abroad = 4weeks\n",
		    "partners/STK/learners/max_abroad: '4weeks' is not a span");
	parse_fails(LT "partners\n    STK\n        learners\n            max_abrod = 4w\n",
		    "partners/STK/learners/max_abrod: unknown key");
	parse_fails(LT "partners\n    SBH\n        learners\n            sends_long_term = maybe\n",
		    "'maybe' is not allowed, needs-review or not-allowed");
	parse_fails(LT "partners\n    STK\n        learners\n            holiday_internship\n"
		       "                max = 3m\n",
		    "needs both max and windows");
	parse_fails(LT "partners\n    STK\n        staff\n            windows = \"13-01..06-20\"\n",
		    "is not a list of windows");
	parse_fails(LT "partners\n    FI\n        embargo\n            e\n"
		       "                from = 2021-02-30\n",
		    "partners/FI/embargo/e/from: '2021-02-30' is not a date");
	parse_fails(LT "partners\n    FI\n        embargo\n            e\n"
		       "                from = 2021-06-01\n                until = 2021-05-31\n",
		    "until is before from");
	parse_fails(LT "partners\n    FI\n        embargo\n            e\n"
		       "                note = x\n",
		    "needs a from date");
	parse_fails(LT "partners\n    FI\n        canteen\n",
		    "partners/FI/canteen: unknown section");
	parse_fails(LT "partners\n    FI\n    FI\n", "partners/FI: listed twice");
	cr_assert_eq(rules_load("/nonexistent/rules.zpl", &r, err, sizeof err), -VA_NOT_FOUND);
	cr_assert_not_null(strstr(err, "'/nonexistent/rules.zpl'"));
	r = parse(LT "partners\n    FI\n        staff\n            windows = \"09-01..06-20, "
		     "07-10..07-20\"\n");
	cr_assert_eq(rules_partner(r, "FI")->n_staff_windows, 2);
	cr_assert(rules_windows_cover(rules_partner(r, "FI")->staff_windows, 2, 20211230,
				      20220105)); /* across the new year */
	cr_assert_not(
	    rules_windows_cover(rules_partner(r, "FI")->staff_windows, 2, 20210620, 20210621));
	rules_free(&r);
}

/* ---------------------------------------------------------------- wire */

static int decode(const PB(Request) * r, request_t *out)
{
	size_t len = vetalliance__v1__request__get_packed_size(r);
	uint8_t *buf = malloc(len + 1);
	int rc;

	vetalliance__v1__request__pack(r, buf);
	rc = codec_request_decode(buf, len, out, err, sizeof err);
	free(buf);
	return rc;
}

static void decode_fails(const PB(Request) * r, const char *needle)
{
	request_t out;

	cr_assert_eq(decode(r, &out), -VA_INVALID_ARGUMENT, "decoded");
	cr_assert_not_null(strstr(err, needle), "'%s' not in '%s'", needle, err);
	request_release(&out);
}

Test(mobility, request_decode_refusals)
{
	PB(Request) r = VETALLIANCE__V1__REQUEST__INIT;
	PB(MobilityPropose) p = VETALLIANCE__V1__MOBILITY_PROPOSE__INIT;
	PB(Mobility) m = VETALLIANCE__V1__MOBILITY__INIT;
	PB(MobilityAct) a = VETALLIANCE__V1__MOBILITY_ACT__INIT;
	PB(MobilityCertify) k = VETALLIANCE__V1__MOBILITY_CERTIFY__INIT;
	request_t out;

	r.request_id = "r";
	r.body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_PROPOSE;
	r.mobility_propose = &p;
	decode_fails(&r, "mobility_propose.mobility: must be set");
	p.mobility = &m;
	m.id = "M1";
	m.participant = "l-1";
	m.sending = "CYL1";
	m.host = "IEFP1";
	m.sector = "mechatronics";
	m.participant_kind = VETALLIANCE__V1__PARTICIPANT_KIND__PARTICIPANT_KIND_LEARNER;
	m.format = VETALLIANCE__V1__MOBILITY_FORMAT__MOBILITY_FORMAT_PHYSICAL;
	m.start_date = 20210105;
	m.end_date = 20210101;
	decode_fails(&r, "mobility_propose.by: must not be empty");
	p.by = "CYL1";
	decode_fails(&r, "mobility_propose.mobility.end_date: 20210101 is before start_date "
			 "20210105");
	m.end_date = 20210230;
	decode_fails(&r, "mobility_propose.mobility.end_date: 20210230 is not a calendar date");
	m.end_date = 20210110;
	m.format = 0;
	decode_fails(&r, "mobility_propose.mobility.format: must be set");
	m.format = 7;
	decode_fails(&r, "mobility_propose.mobility.format: unknown value 7");
	m.format = VETALLIANCE__V1__MOBILITY_FORMAT__MOBILITY_FORMAT_VIRTUAL;
	m.sector = "Not A Sector";
	decode_fails(&r, "mobility_propose.mobility.sector");
	m.sector = "mechatronics";
	cr_assert_eq(decode(&r, &out), 0, "%s", err);
	cr_assert_eq(out.cmd.type, CMD_MOBILITY_PROPOSE);
	cr_assert_eq(out.cmd.u.mcmd.m.end, 20210110);
	request_release(&out);

	r.body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_CANCEL;
	r.mobility_cancel = &a;
	a.id = "M1";
	a.by = "CYL1";
	decode_fails(&r, "mobility_cancel.reason: must not be empty");
	r.body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_REJECT;
	r.mobility_reject = &a;
	decode_fails(&r, "mobility_reject.reason: must not be empty");
	r.body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_CERTIFY;
	r.mobility_certify = &k;
	k.id = "M1";
	k.by = "IEFP1";
	decode_fails(&r, "mobility_certify.activities: at least one is needed");
}

Test(mobility, events_topics_and_snapshot_round_trip)
{
	state_t *st = fixture(NULL), *back = NULL;
	evlist_t log = {0};
	uint8_t *buf = NULL;
	char topic[64];
	size_t len;
	event_t ev;
	const mobility_t *a, *b;

	ok(learner(st, shipped, "S1", "IEFP1", "CYL1", 20220101, 20220331));
	ok(run_rules(st, review("S1", "IEFP", true, NULL), shipped, NULL));
	ok(run_rules(st, act(CMD_MOBILITY_APPROVE, "S1", "CYL1", NULL), shipped, NULL));
	ok(run_rules(st, act(CMD_MOBILITY_START, "S1", "CYL1", NULL), shipped, NULL));
	ok(run_rules(st, act(CMD_MOBILITY_COMPLETE, "S1", "CYL1", NULL), shipped, NULL));
	ok(run_rules(st, certify("S1", "CYL1"), shipped, &log));
	ok(learner(st, shipped, "S2", "SAMI1", "CYL1", 20220101, 20220331));

	len = codec_event_pack(&log.v[0], &buf, topic, sizeof topic);
	cr_assert_gt(len, 0);
	cr_assert_str_eq(topic, "mobility.certified");
	cr_assert_eq(codec_event_decode(buf, len, &ev, err, sizeof err), 0, "%s", err);
	cr_assert_eq(ev.type, EV_MOBILITY_CERTIFIED);
	cr_assert_str_eq(ev.u.mobility.cert.outcomes.v[0], "sets up and tests a PLC program");
	cr_assert_str_eq(ev.u.mobility.cert.hash, get(st, "S1")->cert.hash);
	event_release(&ev);
	free(buf);

	len = codec_snapshot_pack(st, 9999, &buf);
	cr_assert_gt(len, 0);
	cr_assert_eq(codec_snapshot_load(buf, len, &back, err, sizeof err), 0, "%s", err);
	free(buf);
	a = get(st, "S1");
	b = get(back, "S1");
	cr_assert_eq(b->status, a->status);
	cr_assert_eq(b->start, a->start);
	cr_assert_eq(b->end, a->end);
	cr_assert_str_eq(b->sending_partner, "IEFP");
	cr_assert_str_eq(b->rules_version, a->rules_version);
	cr_assert_eq(b->n_reviews, 1);
	cr_assert_eq(b->reviews[0].decision, TRI_YES);
	cr_assert_eq(b->n_history, a->n_history);
	cr_assert_str_eq(b->cert.hash, a->cert.hash);
	cr_assert_str_eq(b->cert.activities.v[0], "assembly of a conveyor line");
	cr_assert_eq(get(back, "S2")->status, MOBILITY_NEEDS_REVIEW);
	/* The restored state goes on: review and approve S2. */
	ok(run_rules(back, review("S2", "SAMIEDU", true, NULL), shipped, NULL));
	ok(run_rules(back, act(CMD_MOBILITY_APPROVE, "S2", "CYL1", NULL), shipped, NULL));
	evlist_release(&log);
	state_free(&back);
	state_free(&st);
}

Test(mobility, replies_carry_readiness_and_rules)
{
	state_t *st = fixture(NULL);
	result_t res = {.type = RESULT_MOBILITY};
	PB(Reply) * reply;
	uint8_t *bytes;
	size_t len;

	ok(learner(st, shipped, "Q1", "IEFP1", "CYL1", 20220101, 20220331));
	res.one = get(st, "Q1");
	res.state = st;
	res.rules = shipped;
	cr_assert_eq(codec_reply_pack("r1", 0, "", 9, &res, &bytes, &len), 0);
	reply = vetalliance__v1__reply__unpack(NULL, len, bytes);
	cr_assert_not_null(reply);
	cr_assert_str_eq(reply->request_id, "r1");
	cr_assert_eq(reply->result_case, VETALLIANCE__V1__REPLY__RESULT_MOBILITY);
	cr_assert_eq(reply->mobility->n_readiness, READINESS_ITEMS);
	cr_assert_str_eq(reply->mobility->readiness[1]->condition, "english-level");
	cr_assert_str_eq(reply->mobility->project_band, "3-6-months");
	cr_assert_eq(reply->mobility->days, 90);
	cr_assert_eq(reply->mobility->n_reviews, 1);
	vetalliance__v1__reply__free_unpacked(reply, NULL);
	free(bytes);

	res = (result_t){.type = RESULT_RULES, .one = shipped};
	cr_assert_eq(codec_reply_pack("r2", 0, "", 9, &res, &bytes, &len), 0);
	reply = vetalliance__v1__reply__unpack(NULL, len, bytes);
	cr_assert_not_null(reply);
	cr_assert_eq(reply->result_case, VETALLIANCE__V1__REPLY__RESULT_RULES);
	cr_assert_str_eq(reply->rules->version, shipped->version);
	cr_assert_str_eq(reply->rules->source, "built-in");
	cr_assert_eq(reply->rules->n_partners, 5);
	vetalliance__v1__reply__free_unpacked(reply, NULL);
	free(bytes);
	state_free(&st);
}

Test(mobility, prepare_only_while_open)
{
	state_t *st = fixture(NULL);
	cmd_t c;

	ok(learner(st, shipped, "O1", "CYL1", "IEFP1", 20220110, 20220120));
	ok(run_rules(st, act(CMD_MOBILITY_CANCEL, "O1", "IEFP1", "no budget"), shipped, NULL));
	c = act(CMD_MOBILITY_PREPARE, "O1", "CYL1", NULL);
	c.u.mcmd.m.facts[FACT_DOCUMENTED] = TRI_YES;
	refused(run_rules(st, c, shipped, NULL), VA_FAILED_PRECONDITION,
		"cannot prepare: it is cancelled; prepare needs proposed or needs-review or "
		"approved or under-way or completed");
	refused(run_rules(st, act(CMD_MOBILITY_PREPARE, "O1", "SBH1", NULL), shipped, NULL),
		VA_FAILED_PRECONDITION, "it is cancelled");
	state_free(&st);
}
