/*
 * fuzz_request.c - libFuzzer target: one input is the payload frame of a
 * command, driven the way the server drives it:
 *
 *   codec_request_decode_limits -> authz_check -> bounds_check
 *     -> state_decide -> codec_event_pack / codec_event_decode -> state_apply
 *
 * on a fresh state holding the reference data, three centres (CECOA and
 * ATEC of IEFP, SBHC of SBH) and an alliance A1 of CECOA and SBHC.  The
 * first byte of the input picks the acting principal (a centre, a
 * partner coordinator or the administrator); the rest is the Request.
 * After the events, the state goes through a snapshot and back.  The
 * same bytes after the first are also read as a journal record, an
 * Event: one that decodes must pack and decode again to the same
 * event.  Any crash, leak, sanitizer report or broken invariant (an
 * event that does not apply, a snapshot that does not load, a round trip
 * that changes an event) is a finding.
 *
 * Build and run: tests/ci/fuzz.sh (clang, -fsanitize=fuzzer,address,undefined).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security/authz.h"
#include "security/bounds.h"
#include "codec/codec.h"
#include "defaults.h"
#include "security/principals.h"
#include "ops/rules_file.h"
#include "state/rules.h"
#include "state/model.h"
#include "state/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cmd_t *setup_cmds;
static size_t n_setup;
static rules_t *rules; /* the compiled-in partner rules (mobilities) */

static const principal_t principals[] = {
    {.name = "cecoa", .role = ROLE_CENTRE, .institution = "CECOA"},
    {.name = "iefp", .role = ROLE_PARTNER, .institution = "IEFP"},
    {.name = "admin", .role = ROLE_ADMIN},
};

static void fail(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_request: %s: %s\n", what, err);
	abort();
}

/* Returns the number of events applied. */
static size_t run(state_t *st, const cmd_t *cmd, const char *actor, int must_succeed)
{
	state_ctx_t ctx = {
	    .now_ms = 1700000000000, .actor = actor, .request_id = "fuzz", .rules = rules};
	evlist_t evs = {0};
	char err[512];
	size_t n;

	if (state_decide(st, cmd, &ctx, &evs, err, sizeof err) < 0) {
		if (must_succeed)
			fail("setup command refused", err);
		evlist_release(&evs);
		return 0;
	}
	for (size_t i = 0; i < evs.n; i++) {
		char topic[64];
		uint8_t *buf = NULL;
		size_t len = codec_event_pack(&evs.v[i], &buf, topic, sizeof topic);
		event_t back;

		if (len == 0)
			fail("event", "could not be packed");
		if (codec_event_decode(buf, len, &back, err, sizeof err) < 0)
			fail("a packed event does not decode", err);
		free(buf);
		if (state_apply_take(st, &back, err, sizeof err) < 0)
			fail("a decided event does not apply", err);
		event_release(&back);
	}
	n = evs.n;
	evlist_release(&evs);
	return n;
}

/* The bytes as a journal record: an event that decodes packs again to
 * bytes that decode to the same event (packed the same). */
static void event_round_trip(const uint8_t *data, size_t size)
{
	event_t ev, back;
	char err[512], topic[64], btopic[64];
	uint8_t *a = NULL, *b = NULL;
	size_t alen, blen;

	if (codec_event_decode(data, size, &ev, err, sizeof err) < 0)
		return;
	alen = codec_event_pack(&ev, &a, topic, sizeof topic);
	if (alen == 0)
		fail("a decoded event", "could not be packed");
	if (codec_event_decode(a, alen, &back, err, sizeof err) < 0)
		fail("a packed event does not decode", err);
	if (back.type != ev.type)
		fail("event round trip", "another event type");
	blen = codec_event_pack(&back, &b, btopic, sizeof btopic);
	if (blen != alen || memcmp(a, b, alen) != 0 || strcmp(topic, btopic) != 0)
		fail("event round trip", "other bytes the second time");
	free(a);
	free(b);
	event_release(&ev);
	event_release(&back);
}

static cmd_t centre_cmd(const char *id, const char *partner)
{
	cmd_t c = {.type = CMD_CENTRE_REGISTER};

	c.u.centre.id = model_strdup(id);
	c.u.centre.name = model_strdup(id);
	c.u.centre.kind = CENTRE_KIND_VET_CENTRE;
	c.u.centre.partner = model_strdup(partner);
	c.u.centre.country = model_strdup(strcmp(partner, "SBH") == 0 ? "DE" : "PT");
	return c;
}

static void setup_once(void)
{
	char err[512];
	cmd_t *cmds;
	size_t n;

	if (setup_cmds != NULL)
		return;
	if (defaults_parse((const char *)va_defaults_zpl, &cmds, &n, err, sizeof err) < 0)
		fail("reference data", err);
	if (rules_load(NULL, &rules, err, sizeof err) < 0)
		fail("partner rules", err);
	setup_cmds = calloc(n + 4, sizeof *setup_cmds);
	if (setup_cmds == NULL)
		abort();
	memcpy(setup_cmds, cmds, n * sizeof *cmds);
	free(cmds); /* the commands moved into setup_cmds */
	setup_cmds[n++] = centre_cmd("CECOA", "IEFP");
	setup_cmds[n++] = centre_cmd("ATEC", "IEFP");
	setup_cmds[n++] = centre_cmd("SBHC", "SBH");
	{
		cmd_t a = {.type = CMD_ALLIANCE_CREATE};
		a.u.alliance.id = model_strdup("A1");
		a.u.alliance.name = model_strdup("A1");
		a.u.alliance.kind = ALLIANCE_KIND_INFORMAL;
		a.u.alliance.members = calloc(2, sizeof *a.u.alliance.members);
		if (a.u.alliance.members == NULL)
			abort();
		a.u.alliance.members[0].centre = model_strdup("CECOA");
		a.u.alliance.members[1].centre = model_strdup("SBHC");
		a.u.alliance.n_members = 2;
		setup_cmds[n++] = a;
	}
	n_setup = n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const codec_limits_t lim = {CODEC_STRING_MAX, CODEC_LIST_MAX};
	const principal_t *p;
	state_t *st, *back = NULL;
	request_t req;
	char err[512];
	uint8_t *snap = NULL;
	size_t len;

	setup_once();
	if (size < 1)
		return 0;
	event_round_trip(data + 1, size - 1);
	p = &principals[data[0] % (sizeof principals / sizeof principals[0])];
	if (codec_request_decode_limits(data + 1, size - 1, &lim, &req, err, sizeof err) < 0) {
		request_release(&req);
		return 0;
	}
	/* A small idempotency window: the default one is sized for a daemon
	 * and would dominate the cost of each input. */
	st = state_new_window(64);
	if (st == NULL)
		abort();
	for (size_t i = 0; i < n_setup; i++)
		run(st, &setup_cmds[i], "system", 1);
	if (req.is_query || authz_check(p, st, &req.cmd, err, sizeof err) < 0 ||
	    bounds_check(st, &req.cmd, BOUNDS_ALLIANCE_MEMBERS, err, sizeof err) < 0 ||
	    run(st, &req.cmd, p->name, 0) == 0)
		goto out;
	/* The change survives a snapshot (a daemon's restart). */
	len = codec_snapshot_pack(st, 1700000000000, &snap);
	if (len == 0)
		fail("snapshot", "could not be packed");
	if (codec_snapshot_load(snap, len, &back, err, sizeof err) < 0)
		fail("a snapshot does not load", err);
	if (state_last_seq(back) != state_last_seq(st))
		fail("snapshot", "the loaded state has another last seq");
out:
	free(snap);
	state_free(&back);
	state_free(&st);
	request_release(&req);
	return 0;
}
