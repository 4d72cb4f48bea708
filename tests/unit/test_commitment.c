/*
 * test_commitment.c - daemon/state/commitment.c through the state core:
 * the six commitments by slug, confirm and withdraw each separately with
 * who and when, every refusal (unknown centre, already confirmed, nothing
 * to withdraw, unknown commitment) leaving the state unchanged, replay of
 * the events, the wire (request decode, events and their topics) and the
 * snapshot round trip.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "codec/codec.h"
#include "statetest.h"
#include "state/commitment.h"
#include "state/model.h"
#include "state/state.h"
#include "vetalliance.pb-c.h"

#define PB(name) Vetalliance__V1__##name

static char err[256];

/* ------------------------------------------------------------ helpers */

static int run(state_t *st, cmd_t cmd, int64_t now_ms, const char *actor, evlist_t *log)
{
	return st_run(st, cmd, now_ms, actor, log, err, sizeof err);
}

static void run_ok(state_t *st, cmd_t cmd, int64_t now_ms, evlist_t *log)
{
	int rc = run(st, cmd, now_ms, "tester", log);

	cr_assert_eq(rc, 0, "command refused (%d): %s", rc, err);
}

static cmd_t commitment_cmd(cmd_type_t type, const char *centre, commitment_t c)
{
	cmd_t cmd = {.type = type};

	cmd.u.confirmation.centre = model_strdup(centre);
	cmd.u.confirmation.commitment = c;
	return cmd;
}

/* A state with partner PT, sector commerce and centres CECOA, CYL1. */
static state_t *fixture(evlist_t *log)
{
	state_t *st = state_new();
	cmd_t c = {.type = CMD_PARTNER_REGISTER};

	c.u.partner.id = model_strdup("PT");
	c.u.partner.name = model_strdup("Portugal");
	c.u.partner.country = model_strdup("PT");
	c.u.partner.time_zone = model_strdup("Europe/Lisbon");
	run_ok(st, c, 1000, log);
	for (int i = 0; i < 2; i++) {
		cmd_t cc = {.type = CMD_CENTRE_REGISTER};
		cc.u.centre.id = model_strdup(i == 0 ? "CECOA" : "CYL1");
		cc.u.centre.name = model_strdup(i == 0 ? "CECOA" : "CIFP uno");
		cc.u.centre.kind = CENTRE_KIND_VET_CENTRE;
		cc.u.centre.partner = model_strdup("PT");
		cc.u.centre.country = model_strdup("PT");
		run_ok(st, cc, 1000, log);
	}
	return st;
}

static const confirmation_t *stand(const state_t *st, const char *centre, commitment_t c,
				   confirmation_t view[COMMITMENT_MAX])
{
	commitments_view(state_commitments(st), centre, view);
	return &view[c - 1];
}

/* ------------------------------------------------------------- slugs */

Test(commitment, slugs_round_trip)
{
	cr_assert_str_eq(commitment_slug(COMMITMENT_LONG_TERM_ALLIANCE), "long-term-alliance");
	cr_assert_str_eq(commitment_slug(COMMITMENT_PROJECT_ACTIVITIES), "project-activities");
	cr_assert_str_eq(commitment_slug(COMMITMENT_UNSPECIFIED), "unspecified");
	cr_assert_str_eq(commitment_slug((commitment_t)99), "unspecified");
	for (int c = 1; c <= COMMITMENT_MAX; c++)
		cr_assert_eq(commitment_from_slug(commitment_slug((commitment_t)c)), c);
	cr_assert_eq(commitment_from_slug("world-peace"), COMMITMENT_UNSPECIFIED);
	cr_assert_eq(commitment_from_slug(NULL), COMMITMENT_UNSPECIFIED);
}

/* ------------------------------------------------------ confirm/withdraw */

Test(commitment, confirm_and_withdraw_each_separately)
{
	evlist_t log = {0};
	state_t *st = fixture(&log);
	confirmation_t view[COMMITMENT_MAX];
	const confirmation_t *s;

	run_ok(st, commitment_cmd(CMD_COMMITMENT_CONFIRM, "CECOA", COMMITMENT_LONG_TERM_ALLIANCE),
	       5000, &log);
	cr_assert_eq(log.v[log.n - 1].type, EV_COMMITMENT_CONFIRMED);
	cr_assert_str_eq(log.v[log.n - 1].u.confirmation.actor, "tester");
	cr_assert_eq(log.v[log.n - 1].u.confirmation.time_ms, 5000);
	run_ok(st, commitment_cmd(CMD_COMMITMENT_CONFIRM, "CECOA", COMMITMENT_STUDY_VISITS), 6000,
	       &log);

	s = stand(st, "CECOA", COMMITMENT_LONG_TERM_ALLIANCE, view);
	cr_assert(s->confirmed);
	cr_assert_str_eq(s->actor, "tester");
	cr_assert_eq(s->time_ms, 5000);
	cr_assert_str_eq(s->centre, "CECOA");
	s = stand(st, "CECOA", COMMITMENT_DIGITAL_CHANNELS, view);
	cr_assert_not(s->confirmed);
	cr_assert_str_eq(s->actor, "", "never acted on: no actor");
	cr_assert_eq(s->time_ms, 0);
	cr_assert_not(
	    commitments_confirmed(state_commitments(st), "CYL1", COMMITMENT_LONG_TERM_ALLIANCE),
	    "another centre is untouched");

	cr_assert_eq(
	    run(st, commitment_cmd(CMD_COMMITMENT_WITHDRAW, "CECOA", COMMITMENT_LONG_TERM_ALLIANCE),
		7000, "boss", &log),
	    0, "%s", err);
	cr_assert_eq(log.v[log.n - 1].type, EV_COMMITMENT_WITHDRAWN);
	s = stand(st, "CECOA", COMMITMENT_LONG_TERM_ALLIANCE, view);
	cr_assert_not(s->confirmed);
	cr_assert_str_eq(s->actor, "boss", "the withdrawal records who");
	cr_assert_eq(s->time_ms, 7000);
	cr_assert(stand(st, "CECOA", COMMITMENT_STUDY_VISITS, view)->confirmed,
		  "withdrawing one leaves the others");

	/* confirm again after a withdrawal */
	run_ok(st, commitment_cmd(CMD_COMMITMENT_CONFIRM, "CECOA", COMMITMENT_LONG_TERM_ALLIANCE),
	       8000, &log);
	cr_assert(stand(st, "CECOA", COMMITMENT_LONG_TERM_ALLIANCE, view)->confirmed);

	/* replay into a fresh state gives the same stands */
	{
		state_t *again = state_new();
		const confirmation_t **a = NULL, **b = NULL;
		size_t na, nb;
		for (size_t i = 0; i < log.n; i++)
			cr_assert_eq(state_apply(again, &log.v[i], err, sizeof err), 0, "%s", err);
		na = commitments_list(state_commitments(st), &a);
		nb = commitments_list(state_commitments(again), &b);
		cr_assert_eq(na, 2);
		cr_assert_eq(na, nb);
		for (size_t i = 0; i < na; i++) {
			cr_assert_str_eq(a[i]->centre, b[i]->centre);
			cr_assert_eq(a[i]->commitment, b[i]->commitment);
			cr_assert_eq(a[i]->confirmed, b[i]->confirmed);
			cr_assert_str_eq(a[i]->actor, b[i]->actor);
			cr_assert_eq(a[i]->time_ms, b[i]->time_ms);
		}
		free(a);
		free(b);
		state_free(&again);
	}
	evlist_release(&log);
	state_free(&st);
}

/* ----------------------------------------------------------- refusals */

Test(commitment, refusals_change_nothing)
{
	state_t *st = fixture(NULL);
	uint64_t seq;
	int rc;

	run_ok(st, commitment_cmd(CMD_COMMITMENT_CONFIRM, "CECOA", COMMITMENT_EVALUATIONS), 5000,
	       NULL);
	seq = state_last_seq(st);

	rc = run(st, commitment_cmd(CMD_COMMITMENT_CONFIRM, "NOPE", COMMITMENT_EVALUATIONS), 6000,
		 "tester", NULL);
	cr_assert_eq(rc, -VA_NOT_FOUND);
	cr_assert_str_eq(err, "centre 'NOPE' not found");

	rc = run(st, commitment_cmd(CMD_COMMITMENT_WITHDRAW, "NOPE", COMMITMENT_EVALUATIONS), 6000,
		 "tester", NULL);
	cr_assert_eq(rc, -VA_NOT_FOUND);

	rc = run(st, commitment_cmd(CMD_COMMITMENT_CONFIRM, "CECOA", COMMITMENT_EVALUATIONS), 6000,
		 "tester", NULL);
	cr_assert_eq(rc, -VA_ALREADY_EXISTS);
	cr_assert_str_eq(err, "centre 'CECOA' has already confirmed 'evaluations'");

	rc = run(st, commitment_cmd(CMD_COMMITMENT_WITHDRAW, "CECOA", COMMITMENT_STUDY_VISITS),
		 6000, "tester", NULL);
	cr_assert_eq(rc, -VA_FAILED_PRECONDITION);
	cr_assert_str_eq(err,
			 "centre 'CECOA' has not confirmed 'study-visits': nothing to withdraw");

	rc = run(st, commitment_cmd(CMD_COMMITMENT_CONFIRM, "CECOA", (commitment_t)42), 6000,
		 "tester", NULL);
	cr_assert_eq(rc, -VA_INVALID_ARGUMENT);
	rc = run(st, commitment_cmd(CMD_COMMITMENT_CONFIRM, "CECOA", COMMITMENT_UNSPECIFIED), 6000,
		 "tester", NULL);
	cr_assert_eq(rc, -VA_INVALID_ARGUMENT);

	cr_assert_eq(state_last_seq(st), seq, "refusals applied nothing");
	state_free(&st);
}

Test(commitment, apply_refuses_an_event_for_an_unknown_centre)
{
	state_t *st = fixture(NULL);
	event_t ev = {.seq = state_last_seq(st) + 1, .type = EV_COMMITMENT_CONFIRMED};

	ev.actor = model_strdup("a");
	ev.request_id = model_strdup("r");
	ev.u.confirmation.centre = model_strdup("GHOST");
	ev.u.confirmation.commitment = COMMITMENT_EVALUATIONS;
	ev.u.confirmation.confirmed = true;
	ev.u.confirmation.actor = model_strdup("a");
	cr_assert_eq(state_apply(st, &ev, err, sizeof err), -VA_INTERNAL);
	event_release(&ev);
	state_free(&st);
}

/* --------------------------------------------------------------- wire */

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

Test(commitment, request_decode)
{
	PB(Request) r = VETALLIANCE__V1__REQUEST__INIT;
	PB(CommitmentConfirm) cc = VETALLIANCE__V1__COMMITMENT_CONFIRM__INIT;
	PB(CommitmentWithdraw) cw = VETALLIANCE__V1__COMMITMENT_WITHDRAW__INIT;
	PB(CommitmentList) cl = VETALLIANCE__V1__COMMITMENT_LIST__INIT;
	request_t out;

	r.request_id = "r1";
	r.body_case = VETALLIANCE__V1__REQUEST__BODY_COMMITMENT_CONFIRM;
	r.commitment_confirm = &cc;
	cc.centre = "CECOA";
	cc.commitment = VETALLIANCE__V1__COMMITMENT__COMMITMENT_DIGITAL_CHANNELS;
	cr_assert_eq(decode(&r, &out), 0, "%s", err);
	cr_assert_eq(out.cmd.type, CMD_COMMITMENT_CONFIRM);
	cr_assert_str_eq(out.cmd.u.confirmation.centre, "CECOA");
	cr_assert_eq(out.cmd.u.confirmation.commitment, COMMITMENT_DIGITAL_CHANNELS);
	request_release(&out);

	cc.commitment = VETALLIANCE__V1__COMMITMENT__COMMITMENT_UNSPECIFIED;
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "commitment_confirm.commitment: must be set");
	request_release(&out);

	cc.commitment = (PB(Commitment))77;
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert(strstr(err, "commitment_confirm.commitment") != NULL, "%s", err);
	request_release(&out);

	cc.commitment = VETALLIANCE__V1__COMMITMENT__COMMITMENT_EVALUATIONS;
	cc.centre = "";
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "commitment_confirm.centre: must not be empty");
	request_release(&out);

	r.body_case = VETALLIANCE__V1__REQUEST__BODY_COMMITMENT_WITHDRAW;
	r.commitment_withdraw = &cw;
	cw.centre = "CYL1";
	cw.commitment = VETALLIANCE__V1__COMMITMENT__COMMITMENT_STUDY_VISITS;
	cr_assert_eq(decode(&r, &out), 0, "%s", err);
	cr_assert_eq(out.cmd.type, CMD_COMMITMENT_WITHDRAW);
	cr_assert_eq(out.cmd.u.confirmation.commitment, COMMITMENT_STUDY_VISITS);
	request_release(&out);

	r.body_case = VETALLIANCE__V1__REQUEST__BODY_COMMITMENT_LIST;
	r.commitment_list = &cl;
	cl.centre = "";
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "commitment_list.centre: must not be empty");
	request_release(&out);
	cl.centre = "CECOA";
	cr_assert_eq(decode(&r, &out), 0, "%s", err);
	cr_assert(out.is_query);
	cr_assert_eq(out.query.type, QUERY_COMMITMENT_LIST);
	cr_assert_str_eq(out.query.id, "CECOA");
	request_release(&out);
}

static void event_roundtrip(ev_type_t type, const char *topic_want)
{
	event_t ev = {.seq = 9, .time_ms = 1700000000123, .type = type}, out;
	uint8_t *buf = NULL;
	char topic[64];
	size_t len;

	ev.actor = model_strdup("admin");
	ev.request_id = model_strdup("req-9");
	ev.u.confirmation.centre = model_strdup("CECOA");
	ev.u.confirmation.commitment = COMMITMENT_PILOT_TEMPLATES;
	ev.u.confirmation.confirmed = type == EV_COMMITMENT_CONFIRMED;
	ev.u.confirmation.actor = model_strdup("admin");
	ev.u.confirmation.time_ms = 1700000000123;
	len = codec_event_pack(&ev, &buf, topic, sizeof topic);
	cr_assert_gt(len, 0);
	cr_assert_str_eq(topic, topic_want);
	cr_assert_eq(codec_event_decode(buf, len, &out, err, sizeof err), 0, "%s", err);
	cr_assert_eq(out.type, type);
	cr_assert_str_eq(out.u.confirmation.centre, "CECOA");
	cr_assert_eq(out.u.confirmation.commitment, COMMITMENT_PILOT_TEMPLATES);
	cr_assert_eq(out.u.confirmation.confirmed, type == EV_COMMITMENT_CONFIRMED);
	cr_assert_str_eq(out.u.confirmation.actor, "admin");
	cr_assert_eq(out.u.confirmation.time_ms, 1700000000123);
	free(buf);
	event_release(&out);
	event_release(&ev);
}

Test(commitment, events_and_topics)
{
	event_roundtrip(EV_COMMITMENT_CONFIRMED, "commitment.confirmed");
	event_roundtrip(EV_COMMITMENT_WITHDRAWN, "commitment.withdrawn");
}

Test(commitment, snapshot_round_trip)
{
	state_t *st = fixture(NULL), *back = NULL;
	const confirmation_t **a = NULL, **b = NULL;
	uint8_t *buf = NULL;
	size_t len, na, nb;

	run_ok(st, commitment_cmd(CMD_COMMITMENT_CONFIRM, "CECOA", COMMITMENT_EVALUATIONS), 5000,
	       NULL);
	run_ok(st, commitment_cmd(CMD_COMMITMENT_CONFIRM, "CYL1", COMMITMENT_LONG_TERM_ALLIANCE),
	       5100, NULL);
	run_ok(st, commitment_cmd(CMD_COMMITMENT_CONFIRM, "CYL1", COMMITMENT_STUDY_VISITS), 5200,
	       NULL);
	run_ok(st, commitment_cmd(CMD_COMMITMENT_WITHDRAW, "CYL1", COMMITMENT_STUDY_VISITS), 5300,
	       NULL);
	len = codec_snapshot_pack(st, 9999, &buf);
	cr_assert_gt(len, 0);
	cr_assert_eq(codec_snapshot_load(buf, len, &back, err, sizeof err), 0, "%s", err);
	free(buf);
	cr_assert_eq(state_last_seq(back), state_last_seq(st));
	na = commitments_list(state_commitments(st), &a);
	nb = commitments_list(state_commitments(back), &b);
	cr_assert_eq(na, 3);
	cr_assert_eq(nb, na);
	for (size_t i = 0; i < na; i++) {
		cr_assert_str_eq(a[i]->centre, b[i]->centre);
		cr_assert_eq(a[i]->commitment, b[i]->commitment);
		cr_assert_eq(a[i]->confirmed, b[i]->confirmed);
		cr_assert_str_eq(a[i]->actor, b[i]->actor);
		cr_assert_eq(a[i]->time_ms, b[i]->time_ms);
	}
	free(a);
	free(b);
	/* the restored state keeps deciding the same way */
	cr_assert_eq(run(back,
			 commitment_cmd(CMD_COMMITMENT_CONFIRM, "CECOA", COMMITMENT_EVALUATIONS),
			 6000, "tester", NULL),
		     -VA_ALREADY_EXISTS);
	state_free(&back);
	state_free(&st);
}
