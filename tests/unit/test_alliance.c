/*
 * test_alliance.c - daemon/state/alliance.c through the state core:
 * create, join, leave, contact points, the road map (contact point ->
 * agreement -> mutual visit) with its preconditions, what is missing for
 * the next step, lateness against the 6-9 month target, replay, and every
 * refusal leaving the state unchanged; the wire (events and their
 * topics, request refusals with field paths) and the snapshot round trip.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "codec/codec.h"
#include "statetest.h"
#include "state/alliance.h"
#include "state/commitment.h"
#include "state/model.h"
#include "state/state.h"
#include "vetalliance.pb-c.h"

#define PB(name) Vetalliance__V1__##name
#define DAY_MS   (24LL * 3600 * 1000)

static char err[512];

static int run(state_t *st, cmd_t cmd, int64_t now_ms, evlist_t *log)
{
	return st_run(st, cmd, now_ms, "tester", log, err, sizeof err);
}

static void run_ok(state_t *st, cmd_t cmd, int64_t now_ms, evlist_t *log)
{
	int rc = run(st, cmd, now_ms, log);

	cr_assert_eq(rc, 0, "command refused (%d): %s", rc, err);
}

static void centre(state_t *st, const char *id, evlist_t *log)
{
	cmd_t c = {.type = CMD_CENTRE_REGISTER};

	c.u.centre.id = model_strdup(id);
	c.u.centre.name = model_strdup(id);
	c.u.centre.kind = CENTRE_KIND_VET_CENTRE;
	c.u.centre.partner = model_strdup("PT");
	c.u.centre.country = model_strdup("PT");
	run_ok(st, c, 1000, log);
}

/* Partner PT, sector commerce, centres CECOA, CYL1, CYL2. */
static state_t *fixture(evlist_t *log)
{
	state_t *st = state_new();
	cmd_t p = {.type = CMD_PARTNER_REGISTER}, s = {.type = CMD_SECTOR_DEFINE};

	p.u.partner.id = model_strdup("PT");
	p.u.partner.name = model_strdup("Portugal");
	p.u.partner.country = model_strdup("PT");
	p.u.partner.time_zone = model_strdup("Europe/Lisbon");
	run_ok(st, p, 1000, log);
	s.u.sector.id = model_strdup("commerce");
	s.u.sector.name = model_strdup("Commerce");
	run_ok(st, s, 1000, log);
	centre(st, "CECOA", log);
	centre(st, "CYL1", log);
	centre(st, "CYL2", log);
	return st;
}

/* members: NULL-terminated. */
static cmd_t create_cmd(const char *id, const char *sector, unsigned adopted,
			const char *const *members)
{
	cmd_t c = {.type = CMD_ALLIANCE_CREATE};
	size_t n = 0;

	while (members[n] != NULL)
		n++;
	c.u.alliance.id = model_strdup(id);
	c.u.alliance.name = model_strdup("Commerce alliance");
	c.u.alliance.kind = ALLIANCE_KIND_INFORMAL;
	c.u.alliance.sector = model_strdup(sector);
	c.u.alliance.adopted = adopted;
	c.u.alliance.members = calloc(n + 1, sizeof *c.u.alliance.members);
	for (size_t i = 0; i < n; i++)
		c.u.alliance.members[i].centre = model_strdup(members[i]);
	c.u.alliance.n_members = n;
	return c;
}

static cmd_t acmd(cmd_type_t type, const char *alliance, const char *centre_id)
{
	cmd_t c = {.type = type};

	c.u.acmd.alliance = model_strdup(alliance);
	c.u.acmd.centre = model_strdup(centre_id);
	return c;
}

static cmd_t contact_cmd(const char *alliance, const char *centre_id, const char *person)
{
	cmd_t c = acmd(CMD_ALLIANCE_CONTACT, alliance, centre_id);

	c.u.acmd.contact = model_strdup(person);
	strlist_push(&c.u.acmd.channels, "email:x@example.org");
	strlist_push(&c.u.acmd.channels, "teams");
	return c;
}

static cmd_t confirm_cmd(const char *centre_id, commitment_t k)
{
	cmd_t c = {.type = CMD_COMMITMENT_CONFIRM};

	c.u.confirmation.centre = model_strdup(centre_id);
	c.u.confirmation.commitment = k;
	return c;
}

static const alliance_t *get(const state_t *st, const char *id)
{
	const alliance_t *a = alliances_get(state_alliances(st), id);

	cr_assert_not_null(a, "no alliance '%s'", id);
	return a;
}

static const char *const TWO[] = {"CECOA", "CYL1", NULL};
#define ONLY_LONG_TERM (1u << COMMITMENT_LONG_TERM_ALLIANCE)

/* ---------------------------------------------------------------- flow */

Test(alliance, road_map_walk_and_replay)
{
	evlist_t log = {0};
	state_t *st = fixture(&log), *again;
	const alliance_t *a;
	char buf[256];

	run_ok(st, create_cmd("A1", "commerce", 0, TWO), 10 * DAY_MS, &log);
	cr_assert_eq(log.v[log.n - 1].type, EV_ALLIANCE_CREATED);
	a = get(st, "A1");
	cr_assert_eq(a->stage, ROADMAP_CREATED);
	cr_assert_eq(a->steps[ROADMAP_CREATED].time_ms, 10 * DAY_MS);
	cr_assert_str_eq(a->steps[ROADMAP_CREATED].actor, "tester");
	for (int k = 1; k <= COMMITMENT_MAX; k++)
		cr_assert(a->adopted & (1u << k), "all six adopted by default");
	cr_assert_str_eq(alliance_missing(a, state_commitments(st), buf, sizeof buf),
			 "contact point: a contact point for CECOA, CYL1");

	run_ok(st, acmd(CMD_ALLIANCE_JOIN, "A1", "CYL2"), 11 * DAY_MS, &log);
	cr_assert_eq(log.v[log.n - 1].type, EV_ALLIANCE_MEMBER_JOINED);
	cr_assert_eq(get(st, "A1")->n_members, 3);
	run_ok(st, acmd(CMD_ALLIANCE_LEAVE, "A1", "CYL2"), 12 * DAY_MS, &log);
	cr_assert_eq(log.v[log.n - 1].type, EV_ALLIANCE_MEMBER_LEFT);
	cr_assert_eq(get(st, "A1")->n_members, 2);

	run_ok(st, contact_cmd("A1", "CECOA", "Ana"), 13 * DAY_MS, &log);
	cr_assert_eq(log.v[log.n - 1].type, EV_ALLIANCE_CONTACT_DESIGNATED);
	cr_assert_eq(get(st, "A1")->stage, ROADMAP_CREATED, "one member still lacks one");
	run_ok(st, contact_cmd("A1", "CYL1", "Luis"), 14 * DAY_MS, &log);
	a = get(st, "A1");
	cr_assert_eq(a->stage, ROADMAP_CONTACT_POINT, "the last contact point reaches step 1");
	cr_assert_eq(a->steps[ROADMAP_CONTACT_POINT].time_ms, 14 * DAY_MS);
	cr_assert_eq(a->members[1].channels.n, 2);
	cr_assert_str_eq(a->members[1].contact, "Luis");

	for (int k = 1; k <= COMMITMENT_MAX; k++) {
		run_ok(st, confirm_cmd("CECOA", (commitment_t)k), 15 * DAY_MS, &log);
		run_ok(st, confirm_cmd("CYL1", (commitment_t)k), 15 * DAY_MS, &log);
	}
	run_ok(st, acmd(CMD_ALLIANCE_AGREE, "A1", NULL), 16 * DAY_MS, &log);
	cr_assert_eq(log.v[log.n - 1].type, EV_ALLIANCE_STEP_REACHED);
	cr_assert_eq(get(st, "A1")->stage, ROADMAP_AGREEMENT);

	{
		cmd_t v = acmd(CMD_ALLIANCE_VISIT, "A1", NULL);
		v.u.acmd.visit_virtual = true;
		v.u.acmd.visit_ref = model_strdup("session-42");
		run_ok(st, v, 17 * DAY_MS, &log);
	}
	a = get(st, "A1");
	cr_assert_eq(a->stage, ROADMAP_MUTUAL_VISIT);
	cr_assert(a->visit_virtual);
	cr_assert_str_eq(a->visit_ref, "session-42");
	cr_assert_str_eq(alliance_missing(a, state_commitments(st), buf, sizeof buf),
			 "mou: a drafted MoU signed by every member");

	/* replay gives the same alliance */
	again = state_new();
	for (size_t i = 0; i < log.n; i++)
		cr_assert_eq(state_apply(again, &log.v[i], err, sizeof err), 0, "%s", err);
	{
		const alliance_t *b = get(again, "A1");
		cr_assert_eq(b->stage, a->stage);
		cr_assert_eq(b->n_members, a->n_members);
		for (int s = 0; s <= ROADMAP_MAX; s++)
			cr_assert_eq(b->steps[s].time_ms, a->steps[s].time_ms);
		cr_assert_str_eq(b->members[0].contact, "Ana");
	}
	state_free(&again);
	evlist_release(&log);
	state_free(&st);
}

Test(alliance, contact_points_at_creation_reach_step_one)
{
	state_t *st = fixture(NULL);
	cmd_t c = create_cmd("A2", "", ONLY_LONG_TERM, TWO);

	c.u.alliance.members[0].contact = model_strdup("Ana");
	c.u.alliance.members[1].contact = model_strdup("Luis");
	run_ok(st, c, 5000, NULL);
	cr_assert_eq(get(st, "A2")->stage, ROADMAP_CONTACT_POINT);
	state_free(&st);
}

Test(alliance, lateness)
{
	state_t *st = fixture(NULL);
	const alliance_t *a;

	run_ok(st, create_cmd("A1", "", 0, TWO), 1000, NULL);
	a = get(st, "A1");
	cr_assert_eq(alliance_lateness(a, 1000 + 30 * DAY_MS), 0);
	cr_assert_eq(alliance_lateness(a, 1000 + 200 * DAY_MS), 1, "past six months");
	cr_assert_eq(alliance_lateness(a, 1000 + 300 * DAY_MS), 2, "past nine months: late");
	state_free(&st);
}

/* ------------------------------------------------------------ refusals */

Test(alliance, refusals_change_nothing)
{
	state_t *st = fixture(NULL);
	static const char *const ONE[] = {"CECOA", NULL};
	static const char *const DUP[] = {"CECOA", "CECOA", NULL};
	static const char *const GHOST[] = {"CECOA", "GHOST", NULL};
	uint64_t seq;
	int rc;

	run_ok(st, create_cmd("A1", "", ONLY_LONG_TERM, TWO), 1000, NULL);
	seq = state_last_seq(st);

	rc = run(st, create_cmd("A1", "", 0, TWO), 2000, NULL);
	cr_assert_eq(rc, -VA_ALREADY_EXISTS);
	cr_assert_str_eq(err, "alliance 'A1' already exists");
	rc = run(st, create_cmd("A9", "", 0, ONE), 2000, NULL);
	cr_assert_eq(rc, -VA_INVALID_ARGUMENT);
	cr_assert(strstr(err, "two or more members") != NULL, "%s", err);
	rc = run(st, create_cmd("A9", "", 0, DUP), 2000, NULL);
	cr_assert_eq(rc, -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "alliance.members: 'CECOA' is listed twice");
	rc = run(st, create_cmd("A9", "", 0, GHOST), 2000, NULL);
	cr_assert_eq(rc, -VA_NOT_FOUND);
	cr_assert_str_eq(err, "alliance.members: no centre 'GHOST'");
	rc = run(st, create_cmd("A9", "knitting", 0, TWO), 2000, NULL);
	cr_assert_eq(rc, -VA_NOT_FOUND);
	cr_assert_str_eq(err, "alliance.sector: no sector 'knitting'");

	rc = run(st, acmd(CMD_ALLIANCE_JOIN, "NOPE", "CYL2"), 2000, NULL);
	cr_assert_eq(rc, -VA_NOT_FOUND);
	cr_assert_str_eq(err, "alliance 'NOPE' not found");
	rc = run(st, acmd(CMD_ALLIANCE_JOIN, "A1", "GHOST"), 2000, NULL);
	cr_assert_eq(rc, -VA_NOT_FOUND);
	rc = run(st, acmd(CMD_ALLIANCE_JOIN, "A1", "CYL1"), 2000, NULL);
	cr_assert_eq(rc, -VA_ALREADY_EXISTS);
	cr_assert_str_eq(err, "alliance 'A1': centre 'CYL1' is already a member");
	rc = run(st, acmd(CMD_ALLIANCE_LEAVE, "A1", "CYL2"), 2000, NULL);
	cr_assert_eq(rc, -VA_NOT_FOUND);
	rc = run(st, acmd(CMD_ALLIANCE_LEAVE, "A1", "CYL1"), 2000, NULL);
	cr_assert_eq(rc, -VA_FAILED_PRECONDITION);
	cr_assert(strstr(err, "two or more members") != NULL, "%s", err);
	rc = run(st, contact_cmd("A1", "CYL2", "X"), 2000, NULL);
	cr_assert_eq(rc, -VA_NOT_FOUND);
	cr_assert_str_eq(err, "alliance 'A1': centre 'CYL2' is not a member");

	/* out of order: agreement before contact points, visit before agreement */
	rc = run(st, acmd(CMD_ALLIANCE_AGREE, "A1", NULL), 2000, NULL);
	cr_assert_eq(rc, -VA_FAILED_PRECONDITION);
	cr_assert_str_eq(err, "alliance 'A1': agreement needs a contact point for every member; "
			      "missing: CECOA, CYL1");
	rc = run(st, acmd(CMD_ALLIANCE_VISIT, "A1", NULL), 2000, NULL);
	cr_assert_eq(rc, -VA_FAILED_PRECONDITION);
	cr_assert(strstr(err, "mutual visit needs the agreement") != NULL, "%s", err);
	cr_assert_eq(state_last_seq(st), seq, "refusals applied nothing");

	/* agreement with a commitment missing names it and who */
	run_ok(st, contact_cmd("A1", "CECOA", "Ana"), 3000, NULL);
	run_ok(st, contact_cmd("A1", "CYL1", "Luis"), 3000, NULL);
	run_ok(st, confirm_cmd("CYL1", COMMITMENT_LONG_TERM_ALLIANCE), 3000, NULL);
	seq = state_last_seq(st);
	rc = run(st, acmd(CMD_ALLIANCE_AGREE, "A1", NULL), 4000, NULL);
	cr_assert_eq(rc, -VA_FAILED_PRECONDITION);
	cr_assert_str_eq(err, "alliance 'A1': agreement needs every member to confirm "
			      "'long-term-alliance'; missing: CECOA");
	run_ok(st, confirm_cmd("CECOA", COMMITMENT_LONG_TERM_ALLIANCE), 4000, NULL);
	run_ok(st, acmd(CMD_ALLIANCE_AGREE, "A1", NULL), 4000, NULL);
	seq = state_last_seq(st);
	rc = run(st, acmd(CMD_ALLIANCE_AGREE, "A1", NULL), 5000, NULL);
	cr_assert_eq(rc, -VA_FAILED_PRECONDITION, "a step is reached once");

	/* a visit needs a date (on site) or a reference (virtual) */
	rc = run(st, acmd(CMD_ALLIANCE_VISIT, "A1", NULL), 5000, NULL);
	cr_assert_eq(rc, -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "visit.date: an on-site visit needs a date");
	{
		cmd_t v = acmd(CMD_ALLIANCE_VISIT, "A1", NULL);
		v.u.acmd.visit_virtual = true;
		rc = run(st, v, 5000, NULL);
	}
	cr_assert_eq(rc, -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "visit.reference: a virtual visit needs a reference");
	cr_assert_eq(state_last_seq(st), seq, "refusals applied nothing");
	{
		cmd_t v = acmd(CMD_ALLIANCE_VISIT, "A1", NULL);
		v.u.acmd.visit_ms = 6000;
		run_ok(st, v, 7000, NULL);
	}
	cr_assert_eq(get(st, "A1")->stage, ROADMAP_MUTUAL_VISIT);
	cr_assert_eq(get(st, "A1")->visit_ms, 6000);
	state_free(&st);
}

/* --------------------------------------------------------------- wire */

Test(alliance, events_snapshot_round_trip)
{
	state_t *st = fixture(NULL), *back = NULL;
	const alliance_t *a, *b;
	uint8_t *buf = NULL;
	size_t len;
	evlist_t log = {0};
	static const char *const topics[] = {"alliance.created", "alliance.member_joined",
					     "alliance.contact_designated"};

	run_ok(st, create_cmd("A1", "commerce", ONLY_LONG_TERM, TWO), 1000, &log);
	run_ok(st, acmd(CMD_ALLIANCE_JOIN, "A1", "CYL2"), 2000, &log);
	run_ok(st, contact_cmd("A1", "CECOA", "Ana"), 3000, &log);
	/* each event packs to its topic and decodes to the same alliance */
	for (size_t i = 0; i < log.n; i++) {
		char topic[64];
		event_t out;
		len = codec_event_pack(&log.v[i], &buf, topic, sizeof topic);
		cr_assert_gt(len, 0);
		cr_assert_str_eq(topic, topics[i]);
		cr_assert_eq(codec_event_decode(buf, len, &out, err, sizeof err), 0, "%s", err);
		cr_assert_eq(out.type, log.v[i].type);
		cr_assert_str_eq(out.u.alliance.id, "A1");
		cr_assert_eq(out.u.alliance.n_members, log.v[i].u.alliance.n_members);
		cr_assert_eq(out.u.alliance.adopted, ONLY_LONG_TERM);
		cr_assert_eq(out.u.alliance.steps[ROADMAP_CREATED].time_ms, 1000);
		free(buf);
		event_release(&out);
	}
	evlist_release(&log);

	len = codec_snapshot_pack(st, 9999, &buf);
	cr_assert_gt(len, 0);
	cr_assert_eq(codec_snapshot_load(buf, len, &back, err, sizeof err), 0, "%s", err);
	free(buf);
	a = get(st, "A1");
	b = get(back, "A1");
	cr_assert_str_eq(b->name, a->name);
	cr_assert_str_eq(b->sector, "commerce");
	cr_assert_eq(b->kind, a->kind);
	cr_assert_eq(b->adopted, a->adopted);
	cr_assert_eq(b->stage, a->stage);
	cr_assert_eq(b->n_members, 3);
	cr_assert_str_eq(b->members[0].contact, "Ana");
	cr_assert_eq(b->members[0].channels.n, 2);
	cr_assert_str_eq(b->members[0].channels.v[1], "teams");
	cr_assert_eq(b->steps[ROADMAP_CREATED].time_ms, 1000);
	cr_assert_str_eq(b->steps[ROADMAP_CREATED].actor, "tester");
	/* the restored state decides the same way */
	cr_assert_eq(run(back, create_cmd("A1", "", 0, TWO), 5000, NULL), -VA_ALREADY_EXISTS);
	cr_assert_eq(run(back, acmd(CMD_ALLIANCE_JOIN, "A1", "CYL2"), 5000, NULL),
		     -VA_ALREADY_EXISTS);
	state_free(&back);
	state_free(&st);
}

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

Test(alliance, request_decode_refusals)
{
	PB(Request) r = VETALLIANCE__V1__REQUEST__INIT;
	PB(AllianceCreate) ac = VETALLIANCE__V1__ALLIANCE_CREATE__INIT;
	PB(Alliance) a = VETALLIANCE__V1__ALLIANCE__INIT;
	PB(AllianceMember) m0 = VETALLIANCE__V1__ALLIANCE_MEMBER__INIT, m1 = m0;
	PB(AllianceMember) * mp[] = {&m0, &m1};
	PB(Commitment) adopted[] = {VETALLIANCE__V1__COMMITMENT__COMMITMENT_UNSPECIFIED};
	PB(AllianceContact) cc = VETALLIANCE__V1__ALLIANCE_CONTACT__INIT;
	request_t out;

	r.request_id = "r";
	r.body_case = VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_CREATE;
	r.alliance_create = &ac;
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "alliance_create.alliance: must be set");
	request_release(&out);

	ac.alliance = &a;
	a.id = "A1";
	a.name = "Commerce";
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "alliance_create.alliance.kind: must be set");
	request_release(&out);

	a.kind = VETALLIANCE__V1__ALLIANCE_KIND__ALLIANCE_KIND_INFORMAL;
	a.members = mp;
	a.n_members = 2;
	m0.centre = "CECOA";
	m1.centre = "";
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "alliance_create.alliance.members[1].centre: must not be empty");
	request_release(&out);

	m1.centre = "CYL1";
	a.adopted = adopted;
	a.n_adopted = 1;
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "alliance_create.alliance.adopted[0]: must be set");
	request_release(&out);

	adopted[0] = VETALLIANCE__V1__COMMITMENT__COMMITMENT_EVALUATIONS;
	cr_assert_eq(decode(&r, &out), 0, "%s", err);
	cr_assert_eq(out.cmd.type, CMD_ALLIANCE_CREATE);
	cr_assert_eq(out.cmd.u.alliance.n_members, 2);
	cr_assert_eq(out.cmd.u.alliance.adopted, 1u << COMMITMENT_EVALUATIONS);
	request_release(&out);

	r.body_case = VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_CONTACT;
	r.alliance_contact = &cc;
	cc.alliance = "A1";
	cc.centre = "CECOA";
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "alliance_contact.contact: must not be empty");
	request_release(&out);
	cc.contact = "Ana";
	cc.alliance = "";
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "alliance_contact.alliance: must not be empty");
	request_release(&out);
}

/* ---------------------------------------------------------------- MoU */

static cmd_t draft_cmd(const char *alliance, const char *objectives, uint32_t short_term)
{
	cmd_t c = acmd(CMD_MOU_DRAFT, alliance, NULL);

	c.u.acmd.mou.objectives = model_strdup(objectives);
	c.u.acmd.mou.students[0] = short_term;
	c.u.acmd.mou.staff[0] = 2;
	strlist_push(&c.u.acmd.mou.activities, "thematic days");
	c.u.acmd.mou.languages = model_strdup("English, Portuguese, Spanish");
	c.u.acmd.mou.ecvet = model_strdup("retail units; host assesses, sender recognises");
	return c;
}

static cmd_t sign_cmd(const char *alliance, const char *centre_id, const char *hash)
{
	cmd_t c = acmd(CMD_MOU_SIGN, alliance, centre_id);

	c.u.acmd.hash = model_strdup(hash);
	return c;
}

/* An alliance of CECOA and CYL1 at the mutual-visit step. */
static state_t *at_visit(evlist_t *log)
{
	state_t *st = fixture(log);
	cmd_t v;

	run_ok(st, create_cmd("A1", "commerce", ONLY_LONG_TERM, TWO), 1000, log);
	run_ok(st, contact_cmd("A1", "CECOA", "Ana"), 2000, log);
	run_ok(st, contact_cmd("A1", "CYL1", "Luis"), 2000, log);
	run_ok(st, confirm_cmd("CECOA", COMMITMENT_LONG_TERM_ALLIANCE), 3000, log);
	run_ok(st, confirm_cmd("CYL1", COMMITMENT_LONG_TERM_ALLIANCE), 3000, log);
	run_ok(st, acmd(CMD_ALLIANCE_AGREE, "A1", NULL), 4000, log);
	v = acmd(CMD_ALLIANCE_VISIT, "A1", NULL);
	v.u.acmd.visit_ms = 5000;
	run_ok(st, v, 5000, log);
	return st;
}

Test(alliance, mou_draft_edit_voids_sign_complete)
{
	evlist_t log = {0};
	state_t *st = at_visit(&log), *again;
	char h1[17], h2[17];
	const alliance_t *a;

	run_ok(st, draft_cmd("A1", "exchange retail learners", 4), 6000, &log);
	cr_assert_eq(log.v[log.n - 1].type, EV_MOU_DRAFTED);
	a = get(st, "A1");
	cr_assert_eq(a->mou.version, 1);
	cr_assert_eq(strlen(a->mou.hash), 16);
	snprintf(h1, sizeof h1, "%s", a->mou.hash);

	run_ok(st, sign_cmd("A1", "CECOA", h1), 7000, &log);
	cr_assert_eq(log.v[log.n - 1].type, EV_MOU_SIGNED);
	a = get(st, "A1");
	cr_assert_str_eq(a->members[0].signed_hash, h1);
	cr_assert_eq(a->members[0].signed_ms, 7000);
	cr_assert_eq(a->stage, ROADMAP_MUTUAL_VISIT, "one of two signatures");

	/* editing voids the signature and says so */
	run_ok(st, draft_cmd("A1", "exchange retail learners", 6), 8000, &log);
	cr_assert_eq(log.v[log.n - 1].type, EV_MOU_CHANGED);
	a = get(st, "A1");
	cr_assert_eq(a->mou.version, 2);
	cr_assert_eq(a->mou.voided, 1);
	cr_assert(a->members[0].signed_hash == NULL || a->members[0].signed_hash[0] == '\0');
	snprintf(h2, sizeof h2, "%s", a->mou.hash);
	cr_assert_str_neq(h1, h2);

	/* the stale version is refused */
	cr_assert_eq(run(st, sign_cmd("A1", "CECOA", h1), 9000, NULL), -VA_FAILED_PRECONDITION);
	cr_assert(strstr(err, "stale MoU version") != NULL, "%s", err);

	run_ok(st, sign_cmd("A1", "CECOA", h2), 9000, &log);
	cr_assert_eq(run(st, sign_cmd("A1", "CECOA", h2), 9000, NULL), -VA_ALREADY_EXISTS);
	{
		size_t before = log.n;
		run_ok(st, sign_cmd("A1", "CYL1", h2), 10000, &log);
		cr_assert_eq(log.n, before + 2, "the last signature: signed, then fully signed");
		cr_assert_eq(log.v[before].type, EV_MOU_SIGNED);
		cr_assert_eq(log.v[before + 1].type, EV_MOU_FULLY_SIGNED);
	}
	a = get(st, "A1");
	cr_assert_eq(a->stage, ROADMAP_MOU);
	cr_assert_eq(a->kind, ALLIANCE_KIND_FORMAL, "a signed MoU makes the alliance formal");
	cr_assert_eq(a->steps[ROADMAP_MOU].time_ms, 10000);
	cr_assert_eq(alliance_lateness(a, 1000 + 400 * DAY_MS), 0, "done: never late");

	/* after completion: no more drafts, no new members */
	cr_assert_eq(run(st, draft_cmd("A1", "other", 1), 11000, NULL), -VA_FAILED_PRECONDITION);
	cr_assert_eq(run(st, acmd(CMD_ALLIANCE_JOIN, "A1", "CYL2"), 11000, NULL),
		     -VA_FAILED_PRECONDITION);

	again = state_new();
	for (size_t i = 0; i < log.n; i++)
		cr_assert_eq(state_apply(again, &log.v[i], err, sizeof err), 0, "%s", err);
	cr_assert_eq(get(again, "A1")->stage, ROADMAP_MOU);
	cr_assert_str_eq(get(again, "A1")->mou.hash, h2);
	state_free(&again);
	evlist_release(&log);
	state_free(&st);
}

Test(alliance, mou_refusals)
{
	state_t *st = fixture(NULL);
	uint64_t seq;
	const char *h;

	run_ok(st, create_cmd("A1", "", ONLY_LONG_TERM, TWO), 1000, NULL);
	cr_assert_eq(run(st, sign_cmd("A1", "CECOA", "0000000000000000"), 2000, NULL),
		     -VA_FAILED_PRECONDITION);
	cr_assert_str_eq(err, "alliance 'A1': no MoU is drafted yet");
	run_ok(st, draft_cmd("A1", "objectives", 1), 2000, NULL);
	h = get(st, "A1")->mou.hash;
	seq = state_last_seq(st);
	cr_assert_eq(run(st, sign_cmd("A1", "CYL2", h), 3000, NULL), -VA_FAILED_PRECONDITION);
	cr_assert_str_eq(err, "alliance 'A1': centre 'CYL2' is not a member; only members sign "
			      "the MoU");
	cr_assert_eq(run(st, sign_cmd("A1", "CECOA", h), 3000, NULL), -VA_FAILED_PRECONDITION);
	cr_assert(strstr(err, "mou needs the mutual visit first") != NULL, "%s", err);
	cr_assert_eq(run(st, draft_cmd("A1", "objectives", 1), 3000, NULL), -VA_ALREADY_EXISTS,
		     "the same content is not a new version");
	cr_assert_eq(run(st, sign_cmd("NOPE", "CECOA", h), 3000, NULL), -VA_NOT_FOUND);
	cr_assert_eq(state_last_seq(st), seq, "refusals applied nothing");
	state_free(&st);
}

Test(alliance, mou_events_and_snapshot)
{
	evlist_t log = {0};
	state_t *st = at_visit(NULL), *back = NULL;
	uint8_t *buf = NULL;
	size_t len;
	char topic[64];
	event_t out;

	run_ok(st, draft_cmd("A1", "objectives", 3), 6000, &log);
	run_ok(st, sign_cmd("A1", "CECOA", get(st, "A1")->mou.hash), 7000, &log);
	len = codec_event_pack(&log.v[0], &buf, topic, sizeof topic);
	cr_assert_gt(len, 0);
	cr_assert_str_eq(topic, "mou.drafted");
	cr_assert_eq(codec_event_decode(buf, len, &out, err, sizeof err), 0, "%s", err);
	cr_assert_eq(out.type, EV_MOU_DRAFTED);
	cr_assert_str_eq(out.u.alliance.mou.objectives, "objectives");
	cr_assert_eq(out.u.alliance.mou.students[0], 3);
	cr_assert_str_eq(out.u.alliance.mou.activities.v[0], "thematic days");
	free(buf);
	event_release(&out);
	len = codec_event_pack(&log.v[1], &buf, topic, sizeof topic);
	cr_assert_str_eq(topic, "mou.signed");
	free(buf);
	evlist_release(&log);

	len = codec_snapshot_pack(st, 9999, &buf);
	cr_assert_eq(codec_snapshot_load(buf, len, &back, err, sizeof err), 0, "%s", err);
	free(buf);
	cr_assert_str_eq(get(back, "A1")->mou.hash, get(st, "A1")->mou.hash);
	cr_assert_eq(get(back, "A1")->mou.version, 1);
	cr_assert_str_eq(get(back, "A1")->members[0].signed_hash, get(st, "A1")->mou.hash);
	cr_assert_eq(get(back, "A1")->members[0].signed_ms, 7000);
	cr_assert_eq(get(back, "A1")->visit_ms, 5000);
	state_free(&back);
	state_free(&st);
}
