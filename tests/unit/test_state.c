/*
 * test_state.c - daemon/state/state.c: decide is pure and apply is the only
 * mutator, event seq numbering, partner and centre registration and
 * update (update masks, referential checks, timestamps), the list
 * filters and their order, the interest matrix, and determinism: the
 * same events replayed into a fresh state give the same answers.
 *
 * The whole observable state is rendered as text (state_dump) so "did
 * not change" and "is the same" are one string comparison.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "codec/codec.h"
#include "statetest.h"
#include "state/model.h"
#include "state/state.h"

static char err[256];

/* ------------------------------------------------------------ helpers */

static cmd_t partner_cmd(cmd_type_t type, unsigned mask, const char *id, const char *name,
			 const char *country, const char *tz, const char *region)
{
	cmd_t c = {.type = type, .mask = mask};

	c.u.partner.id = model_strdup(id);
	c.u.partner.name = model_strdup(name);
	c.u.partner.country = model_strdup(country);
	c.u.partner.time_zone = model_strdup(tz);
	c.u.partner.region = model_strdup(region);
	return c;
}

/* `sectors` is a NULL-terminated list. */
static cmd_t centre_cmd(cmd_type_t type, unsigned mask, const char *id, const char *name,
			centre_kind_t kind, const char *partner, const char *country,
			const char *region, const char *const *sectors)
{
	cmd_t c = {.type = type, .mask = mask};

	c.u.centre.id = model_strdup(id);
	c.u.centre.name = model_strdup(name);
	c.u.centre.kind = kind;
	c.u.centre.partner = model_strdup(partner);
	c.u.centre.country = model_strdup(country);
	c.u.centre.region = model_strdup(region);
	for (size_t i = 0; sectors != NULL && sectors[i] != NULL; i++)
		strlist_push(&c.u.centre.sectors, sectors[i]);
	return c;
}

static cmd_t sector_cmd(const char *id, const char *name, bool focus)
{
	cmd_t c = {.type = CMD_SECTOR_DEFINE};

	c.u.sector.id = model_strdup(id);
	c.u.sector.name = model_strdup(name);
	c.u.sector.focus = focus;
	return c;
}

static cmd_t interest_cmd(const char *partner, const char *sector, bool interested,
			  const char *note)
{
	cmd_t c = {.type = CMD_INTEREST_MARK};

	c.u.interest.partner = model_strdup(partner);
	c.u.interest.sector = model_strdup(sector);
	c.u.interest.interested = interested;
	c.u.interest.note = model_strdup(note);
	return c;
}

/*
 * Decide and apply one command (taking ownership of it), as the server
 * does.  Returns decide's result.  The events are appended to `log` when
 * it is not NULL, so a test can replay them.
 */
static int run(state_t *st, cmd_t cmd, int64_t now_ms, evlist_t *log)
{
	return st_run(st, cmd, now_ms, "tester", log, err, sizeof err);
}

static void run_ok(state_t *st, cmd_t cmd, int64_t now_ms, evlist_t *log)
{
	int rc = run(st, cmd, now_ms, log);

	cr_assert_eq(rc, 0, "command refused (%d): %s", rc, err);
}

static const char *const NO_SECTORS[] = {NULL};

/* Two partners, four sectors. */
static state_t *fixture(evlist_t *log)
{
	state_t *st = state_new();

	cr_assert_not_null(st);
	run_ok(st,
	       partner_cmd(CMD_PARTNER_REGISTER, 0, "CYL", "Castilla y León", "ES", "Europe/Madrid",
			   "Castilla y León"),
	       1000, log);
	run_ok(st, partner_cmd(CMD_PARTNER_REGISTER, 0, "SBH", "SBH", "DE", "Europe/Berlin", ""),
	       1001, log);
	run_ok(st, sector_cmd("logistics", "Logistics", false), 1002, log);
	run_ok(st, sector_cmd("mechatronics", "Mechatronics", true), 1003, log);
	run_ok(st, sector_cmd("it", "IT", true), 1004, log);
	run_ok(st, sector_cmd("electronics", "Electronics", false), 1005, log);
	return st;
}

/* Centres registered out of id order, across partners, countries and
 * sectors. */
static void add_centres(state_t *st, evlist_t *log)
{
	const char *const s_mech_it[] = {"mechatronics", "it", NULL};
	const char *const s_log[] = {"logistics", NULL};
	const char *const s_it[] = {"it", NULL};
	const char *const s_elec_mech[] = {"electronics", "mechatronics", NULL};

	run_ok(st,
	       centre_cmd(CMD_CENTRE_REGISTER, 0, "ZAMORA-1", "CIFP Zamora", CENTRE_KIND_VET_CENTRE,
			  "CYL", "ES", "Zamora", s_mech_it),
	       2000, log);
	run_ok(st,
	       centre_cmd(CMD_CENTRE_REGISTER, 0, "berlin.tech", "Berlin Tech", CENTRE_KIND_COMPANY,
			  "SBH", "DE", "Berlin", s_log),
	       2001, log);
	run_ok(st,
	       centre_cmd(CMD_CENTRE_REGISTER, 0, "AVILA", "CIFP Ávila", CENTRE_KIND_VET_CENTRE,
			  "CYL", "ES", "Ávila", s_it),
	       2002, log);
	run_ok(st,
	       centre_cmd(CMD_CENTRE_REGISTER, 0, "MUNICH", "Munich Cluster", CENTRE_KIND_CLUSTER,
			  "SBH", "DE", "Bayern", s_elec_mech),
	       2003, log);
	/* A CYL centre located abroad: country and partner filters differ. */
	run_ok(st,
	       centre_cmd(CMD_CENTRE_REGISTER, 0, "LISBOA", "Lisbon Office",
			  CENTRE_KIND_ASSOCIATION, "CYL", "PT", "Lisboa", NO_SECTORS),
	       2004, log);
}

static const char *str_or_null(const char *s)
{
	return s != NULL ? s : "(null)";
}

/* Everything a query can see, as text; the caller frees. */
static char *state_dump(const state_t *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const partner_t **ps;
	const sector_t **ss;
	const centre_t **cs;
	const interest_t **is;
	size_t n;

	cr_assert_not_null(f);
	fprintf(f, "last_seq %llu empty %d centres %zu\n", (unsigned long long)state_last_seq(st),
		state_is_empty(st), state_centre_count(st));
	n = state_partner_list(st, &ps);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "partner %s|%s|%s|%s|%s\n", ps[i]->id, str_or_null(ps[i]->name),
			str_or_null(ps[i]->country), str_or_null(ps[i]->time_zone),
			str_or_null(ps[i]->region));
	free(ps);
	n = state_sector_list(st, &ss);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "sector %s|%s|%d\n", ss[i]->id, str_or_null(ss[i]->name), ss[i]->focus);
	free(ss);
	n = state_centre_list(st, NULL, NULL, NULL, &cs);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "centre %s|%s|%d|%s|%s|%s|%lld|%lld|", cs[i]->id,
			str_or_null(cs[i]->name), (int)cs[i]->kind, str_or_null(cs[i]->partner),
			str_or_null(cs[i]->country), str_or_null(cs[i]->region),
			(long long)cs[i]->registered_ms, (long long)cs[i]->updated_ms);
		for (size_t k = 0; k < cs[i]->sectors.n; k++)
			fprintf(f, "%s,", cs[i]->sectors.v[k]);
		fputc('\n', f);
	}
	free(cs);
	n = state_interest_list(st, NULL, &is);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "interest %s|%s|%d|%s\n", is[i]->partner, is[i]->sector,
			is[i]->interested, str_or_null(is[i]->note));
	free(is);
	fclose(f);
	return buf;
}

/* ------------------------------------------------------ decide is pure */

Test(state, decide_never_mutates_the_state)
{
	state_t *st = fixture(NULL);
	const char *const s_it[] = {"it", NULL};
	const char *const s_bad[] = {"it", "astrology", NULL};
	state_ctx_t ctx = {.now_ms = 5000, .actor = "a", .request_id = "r"};
	char *before, *after;
	cmd_t cmds[8];
	size_t ncmds = 0;

	add_centres(st, NULL);
	run_ok(st, interest_cmd("CYL", "it", true, "Segovia"), 3000, NULL);
	before = state_dump(st);

	/* accepted commands of every kind, and refused ones */
	cmds[ncmds++] =
	    partner_cmd(CMD_PARTNER_REGISTER, 0, "STK", "STK", "PL", "Europe/Warsaw", "");
	cmds[ncmds++] = partner_cmd(CMD_PARTNER_UPDATE, PARTNER_F_NAME | PARTNER_F_REGION, "CYL",
				    "Junta", "", "", "Segovia");
	cmds[ncmds++] = centre_cmd(CMD_CENTRE_REGISTER, 0, "NEW", "New", CENTRE_KIND_COMPANY, "SBH",
				   "DE", "", s_it);
	cmds[ncmds++] = centre_cmd(CMD_CENTRE_UPDATE, CENTRE_F_NAME | CENTRE_F_SECTORS, "AVILA",
				   "Renamed", CENTRE_KIND_UNSPECIFIED, "", "", "", NO_SECTORS);
	cmds[ncmds++] = sector_cmd("food", "Food", false);
	cmds[ncmds++] = interest_cmd("CYL", "it", false, "");
	cmds[ncmds++] = interest_cmd("SBH", "logistics", true, "x");
	cmds[ncmds++] =
	    centre_cmd(CMD_CENTRE_UPDATE, CENTRE_F_SECTORS, "AVILA", "", 0, "", "", "", s_bad);

	for (size_t i = 0; i < ncmds; i++) {
		evlist_t out = {0};
		int rc = state_decide(st, &cmds[i], &ctx, &out, err, sizeof err);
		after = state_dump(st);
		cr_assert_str_eq(after, before, "decide of command %zu (rc %d) changed the state",
				 i, rc);
		free(after);
		cr_assert_eq(rc < 0, i == ncmds - 1, "command %zu: rc %d: %s", i, rc, err);
		cr_assert_eq(out.n, rc < 0 ? 0u : 1u);
		evlist_release(&out);
		cmd_release(&cmds[i]);
	}
	free(before);
	state_free(&st);
}

Test(state, apply_is_the_only_mutator)
{
	state_t *st = state_new();
	cmd_t c = partner_cmd(CMD_PARTNER_REGISTER, 0, "CYL", "Castilla y León", "ES",
			      "Europe/Madrid", "");
	state_ctx_t ctx = {.now_ms = 42, .actor = "admin", .request_id = "r-1"};
	evlist_t out = {0};

	cr_assert_eq(state_decide(st, &c, &ctx, &out, err, sizeof err), 0, "%s", err);
	cr_assert_eq(out.n, 1);
	cr_assert_eq(out.v[0].type, EV_PARTNER_REGISTERED);
	cr_assert_eq(out.v[0].time_ms, 42);
	cr_assert_str_eq(out.v[0].actor, "admin");
	cr_assert_str_eq(out.v[0].request_id, "r-1");
	cr_assert_str_eq(out.v[0].u.partner.id, "CYL");
	cr_assert_str_eq(out.v[0].u.partner.time_zone, "Europe/Madrid");

	/* decided but not applied: nothing there yet */
	cr_assert_null(state_partner_get(st, "CYL"));
	cr_assert_eq(state_last_seq(st), 0);
	cr_assert(state_is_empty(st));

	cr_assert_eq(state_apply(st, &out.v[0], err, sizeof err), 0, "%s", err);
	cr_assert_not_null(state_partner_get(st, "CYL"));
	cr_assert_str_eq(state_partner_get(st, "CYL")->name, "Castilla y León");
	cr_assert_eq(state_last_seq(st), 1);
	cr_assert_not(state_is_empty(st));

	/* the state holds its own copy: releasing the event changes nothing */
	evlist_release(&out);
	cr_assert_str_eq(state_partner_get(st, "CYL")->country, "ES");
	cmd_release(&c);
	state_free(&st);
	cr_assert_null(st);
	state_free(&st); /* idempotent */
}

/* ---------------------------------------------------------- seq numbers */

Test(state, decide_numbers_from_last_seq_plus_one)
{
	state_t *st = fixture(NULL); /* 6 events */
	state_ctx_t ctx = {.now_ms = 1, .actor = "a", .request_id = "r"};
	cmd_t a = sector_cmd("food", "Food", false);
	cmd_t b = sector_cmd("care", "Care", false);
	evlist_t out = {0};

	cr_assert_eq(state_last_seq(st), 6);
	cr_assert_eq(state_decide(st, &a, &ctx, &out, err, sizeof err), 0, "%s", err);
	cr_assert_eq(out.v[0].seq, 7);
	/* a second decision into the same batch continues the numbering */
	cr_assert_eq(state_decide(st, &b, &ctx, &out, err, sizeof err), 0, "%s", err);
	cr_assert_eq(out.n, 2);
	cr_assert_eq(out.v[1].seq, 8);
	/* decide sees only the state, not the undecided batch: "food" again
	 * is accepted here and caught by apply below */
	cr_assert_eq(state_decide(st, &a, &ctx, &out, err, sizeof err), 0);
	cr_assert_eq(out.n, 3);
	cr_assert_eq(out.v[2].seq, 9);
	cr_assert_eq(state_apply(st, &out.v[0], err, sizeof err), 0, "%s", err);
	cr_assert_eq(state_apply(st, &out.v[1], err, sizeof err), 0, "%s", err);
	cr_assert_eq(state_last_seq(st), 8);
	/* the third one (food again) is now a conflict at apply time */
	cr_assert_eq(state_apply(st, &out.v[2], err, sizeof err), -VA_INTERNAL);
	cr_assert(strstr(err, "food") != NULL, "message: %s", err);
	cr_assert_eq(state_last_seq(st), 8);
	/* a refusal leaves the batch as it was */
	cr_assert_eq(state_decide(st, &a, &ctx, &out, err, sizeof err), -VA_ALREADY_EXISTS);
	cr_assert_eq(out.n, 3);
	evlist_release(&out);
	cmd_release(&a);
	cmd_release(&b);
	state_free(&st);
}

/* decide_take moves a centre to register into its event; a refusal, and
 * any other command, leave the command as it was. */
Test(state, decide_take_moves_a_centre_to_register_and_nothing_else)
{
	const char *const s_it[] = {"it", NULL};
	state_t *st = fixture(NULL), *copy = fixture(NULL);
	state_ctx_t ctx = {.now_ms = 7, .actor = "a", .request_id = "r"};
	cmd_t c = centre_cmd(CMD_CENTRE_REGISTER, 0, "AVILA", "CIFP Ávila", CENTRE_KIND_VET_CENTRE,
			     "CYL", "ES", "Ávila", s_it);
	cmd_t same = centre_cmd(CMD_CENTRE_REGISTER, 0, "AVILA", "CIFP Ávila",
				CENTRE_KIND_VET_CENTRE, "CYL", "ES", "Ávila", s_it);
	cmd_t again = centre_cmd(CMD_CENTRE_REGISTER, 0, "AVILA", "Other", CENTRE_KIND_COMPANY,
				 "CYL", "ES", "", s_it);
	cmd_t upd =
	    centre_cmd(CMD_CENTRE_UPDATE, CENTRE_F_NAME, "AVILA", "Renamed", 0, "", "", "", NULL);
	cmd_t bad = centre_cmd(CMD_CENTRE_REGISTER, 0, "SORIA", "CIFP Soria",
			       CENTRE_KIND_VET_CENTRE, "XX", "ES", "", s_it);
	evlist_t out = {0}, ref = {0};
	char *a, *b;

	cr_assert_eq(state_decide_take(st, &c, &ctx, &out, err, sizeof err), 0, "%s", err);
	cr_assert_eq(out.n, 1);
	cr_assert_null(c.u.centre.id, "the centre stayed in the command");
	cr_assert_null(c.u.centre.sectors.v);
	cr_assert_str_eq(out.v[0].u.centre.id, "AVILA");
	cr_assert_str_eq(out.v[0].u.centre.region, "Ávila");
	cr_assert_eq(out.v[0].u.centre.registered_ms, 7);
	cr_assert_eq(out.v[0].u.centre.updated_ms, 7);
	cmd_release(&c); /* what is left of it */

	/* The same as state_decide gives, once applied. */
	cr_assert_eq(state_decide(copy, &same, &ctx, &ref, err, sizeof err), 0, "%s", err);
	cr_assert_eq(state_apply_take(st, &out.v[0], err, sizeof err), 0, "%s", err);
	cr_assert_eq(state_apply_take(copy, &ref.v[0], err, sizeof err), 0, "%s", err);
	a = state_dump(st);
	b = state_dump(copy);
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
	evlist_clear(&out);

	/* Refusals keep the command whole. */
	cr_assert_eq(state_decide_take(st, &again, &ctx, &out, err, sizeof err),
		     -VA_ALREADY_EXISTS);
	cr_assert_str_eq(again.u.centre.name, "Other");
	cr_assert_eq(state_decide_take(st, &bad, &ctx, &out, err, sizeof err), -VA_NOT_FOUND, "%s",
		     err);
	cr_assert(strstr(err, "XX") != NULL, "message: %s", err);
	cr_assert_str_eq(bad.u.centre.id, "SORIA");
	cr_assert_eq(out.n, 0);

	/* An update copies: the command keeps its centre. */
	cr_assert_eq(state_decide_take(st, &upd, &ctx, &out, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(upd.u.centre.name, "Renamed");
	cr_assert_str_eq(out.v[0].u.centre.name, "Renamed");
	cr_assert_str_eq(out.v[0].u.centre.region, "Ávila");

	evlist_release(&out);
	evlist_release(&ref);
	cmd_release(&same);
	cmd_release(&again);
	cmd_release(&upd);
	cmd_release(&bad);
	state_free(&st);
	state_free(&copy);
}

Test(state, apply_refuses_a_wrong_seq)
{
	state_t *st = fixture(NULL);
	state_ctx_t ctx = {.now_ms = 1, .actor = "a", .request_id = "r"};
	cmd_t c = sector_cmd("food", "Food", false);
	evlist_t out = {0};
	char *before = state_dump(st);
	char *after;

	cr_assert_eq(state_decide(st, &c, &ctx, &out, err, sizeof err), 0, "%s", err);
	cr_assert_eq(out.v[0].seq, 7);

	uint64_t wrong[] = {0, 6, 8, 100};
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		out.v[0].seq = wrong[i];
		err[0] = '\0';
		cr_assert_eq(state_apply(st, &out.v[0], err, sizeof err), -VA_INTERNAL,
			     "seq %llu was accepted after 6", (unsigned long long)wrong[i]);
		cr_assert_neq(err[0], '\0');
		after = state_dump(st);
		cr_assert_str_eq(after, before);
		free(after);
	}
	cr_assert_null(state_sector_get(st, "food"));
	out.v[0].seq = 7;
	cr_assert_eq(state_apply(st, &out.v[0], err, sizeof err), 0, "%s", err);
	cr_assert_not_null(state_sector_get(st, "food"));
	cr_assert_eq(state_last_seq(st), 7);

	free(before);
	evlist_release(&out);
	cmd_release(&c);
	state_free(&st);
}

Test(state, apply_refuses_events_that_do_not_fit)
{
	state_t *st = fixture(NULL);
	event_t ev = {.seq = 7, .type = EV_PARTNER_REGISTERED};
	event_t up = {.seq = 7, .type = EV_CENTRE_UPDATED};
	char *before = state_dump(st), *after;

	ev.u.partner.id = model_strdup("CYL");
	cr_assert_eq(state_apply(st, &ev, err, sizeof err), -VA_INTERNAL);
	cr_assert(strstr(err, "CYL") != NULL, "message: %s", err);
	up.u.centre.id = model_strdup("NOPE");
	cr_assert_eq(state_apply(st, &up, err, sizeof err), -VA_INTERNAL);
	cr_assert(strstr(err, "NOPE") != NULL, "message: %s", err);
	after = state_dump(st);
	cr_assert_str_eq(after, before);
	free(after);
	free(before);
	event_release(&ev);
	event_release(&up);
	state_free(&st);
}

/* ------------------------------------------------------------- partners */

Test(state, partner_register_and_get)
{
	state_t *st = fixture(NULL);
	const partner_t *p = state_partner_get(st, "CYL");

	cr_assert_not_null(p);
	cr_assert_str_eq(p->id, "CYL");
	cr_assert_str_eq(p->name, "Castilla y León");
	cr_assert_str_eq(p->country, "ES");
	cr_assert_str_eq(p->time_zone, "Europe/Madrid");
	cr_assert_str_eq(p->region, "Castilla y León");
	cr_assert_null(state_partner_get(st, "cyl"));
	cr_assert_null(state_partner_get(st, "STK"));
	state_free(&st);
}

Test(state, partner_duplicate_is_already_exists)
{
	state_t *st = fixture(NULL);
	int rc =
	    run(st, partner_cmd(CMD_PARTNER_REGISTER, 0, "CYL", "Other", "PT", "Europe/Lisbon", ""),
		9, NULL);

	cr_assert_eq(rc, -VA_ALREADY_EXISTS, "rc %d", rc);
	cr_assert(strstr(err, "'CYL'") != NULL, "message does not name the id: %s", err);
	cr_assert_str_eq(state_partner_get(st, "CYL")->name, "Castilla y León");
	cr_assert_eq(state_last_seq(st), 6);
	state_free(&st);
}

Test(state, partner_update_changes_only_masked_fields)
{
	state_t *st = fixture(NULL);
	const partner_t *p;

	/* Every field of the command differs; only name is in the mask. */
	run_ok(st,
	       partner_cmd(CMD_PARTNER_UPDATE, PARTNER_F_NAME, "CYL", "Junta de CyL", "PT",
			   "Europe/Lisbon", "Elsewhere"),
	       10, NULL);
	p = state_partner_get(st, "CYL");
	cr_assert_str_eq(p->name, "Junta de CyL");
	cr_assert_str_eq(p->country, "ES");
	cr_assert_str_eq(p->time_zone, "Europe/Madrid");
	cr_assert_str_eq(p->region, "Castilla y León");

	run_ok(st,
	       partner_cmd(CMD_PARTNER_UPDATE, PARTNER_F_TIME_ZONE | PARTNER_F_REGION, "CYL", "",
			   "XX", "Atlantic/Canary", "Canarias"),
	       11, NULL);
	p = state_partner_get(st, "CYL");
	cr_assert_str_eq(p->name, "Junta de CyL");
	cr_assert_str_eq(p->country, "ES");
	cr_assert_str_eq(p->time_zone, "Atlantic/Canary");
	cr_assert_str_eq(p->region, "Canarias");

	run_ok(st, partner_cmd(CMD_PARTNER_UPDATE, PARTNER_F_COUNTRY, "CYL", "", "PT", "", ""), 12,
	       NULL);
	p = state_partner_get(st, "CYL");
	cr_assert_str_eq(p->country, "PT");
	cr_assert_str_eq(p->name, "Junta de CyL");
	cr_assert_str_eq(p->region, "Canarias");

	/* the other partner is untouched */
	cr_assert_str_eq(state_partner_get(st, "SBH")->country, "DE");
	state_free(&st);
}

Test(state, partner_update_event_carries_the_full_object)
{
	state_t *st = fixture(NULL);
	cmd_t c = partner_cmd(CMD_PARTNER_UPDATE, PARTNER_F_REGION, "SBH", "", "", "", "Hessen");
	state_ctx_t ctx = {.now_ms = 1, .actor = "a", .request_id = "r"};
	evlist_t out = {0};

	cr_assert_eq(state_decide(st, &c, &ctx, &out, err, sizeof err), 0, "%s", err);
	cr_assert_eq(out.v[0].type, EV_PARTNER_UPDATED);
	cr_assert_str_eq(out.v[0].u.partner.id, "SBH");
	cr_assert_str_eq(out.v[0].u.partner.name, "SBH");
	cr_assert_str_eq(out.v[0].u.partner.country, "DE");
	cr_assert_str_eq(out.v[0].u.partner.time_zone, "Europe/Berlin");
	cr_assert_str_eq(out.v[0].u.partner.region, "Hessen");
	evlist_release(&out);
	cmd_release(&c);
	state_free(&st);
}

Test(state, partner_update_unknown_is_not_found)
{
	state_t *st = fixture(NULL);
	int rc = run(st, partner_cmd(CMD_PARTNER_UPDATE, PARTNER_F_NAME, "STK", "x", "", "", ""), 1,
		     NULL);

	cr_assert_eq(rc, -VA_NOT_FOUND);
	cr_assert(strstr(err, "'STK'") != NULL, "message: %s", err);
	cr_assert_null(state_partner_get(st, "STK"));
	state_free(&st);
}

/* -------------------------------------------------------------- sectors */

Test(state, sector_define_and_duplicate)
{
	state_t *st = fixture(NULL);
	const sector_t *s = state_sector_get(st, "mechatronics");
	int rc;

	cr_assert_not_null(s);
	cr_assert_str_eq(s->name, "Mechatronics");
	cr_assert(s->focus);
	cr_assert_not(state_sector_get(st, "logistics")->focus);
	rc = run(st, sector_cmd("it", "Information technology", false), 1, NULL);
	cr_assert_eq(rc, -VA_ALREADY_EXISTS);
	cr_assert(strstr(err, "'it'") != NULL, "message: %s", err);
	cr_assert_str_eq(state_sector_get(st, "it")->name, "IT");
	state_free(&st);
}

Test(state, sector_list_keeps_definition_order)
{
	state_t *st = fixture(NULL);
	const sector_t **ss;
	size_t n = state_sector_list(st, &ss);

	cr_assert_eq(n, 4);
	cr_assert_str_eq(ss[0]->id, "logistics");
	cr_assert_str_eq(ss[1]->id, "mechatronics");
	cr_assert_str_eq(ss[2]->id, "it");
	cr_assert_str_eq(ss[3]->id, "electronics");
	free(ss);
	state_free(&st);
}

/* -------------------------------------------------------------- centres */

Test(state, centre_register_sets_timestamps)
{
	state_t *st = fixture(NULL);
	const centre_t *c;

	add_centres(st, NULL);
	c = state_centre_get(st, "ZAMORA-1");
	cr_assert_not_null(c);
	cr_assert_str_eq(c->name, "CIFP Zamora");
	cr_assert_eq(c->kind, CENTRE_KIND_VET_CENTRE);
	cr_assert_str_eq(c->partner, "CYL");
	cr_assert_eq(c->sectors.n, 2);
	cr_assert_str_eq(c->sectors.v[0], "mechatronics");
	cr_assert_str_eq(c->sectors.v[1], "it");
	cr_assert_eq(c->registered_ms, 2000);
	cr_assert_eq(c->updated_ms, 2000);
	cr_assert_eq(state_centre_count(st), 5);
	state_free(&st);
}

Test(state, centre_register_ignores_client_timestamps)
{
	state_t *st = fixture(NULL);
	cmd_t c = centre_cmd(CMD_CENTRE_REGISTER, 0, "X", "X", CENTRE_KIND_COMPANY, "SBH", "DE", "",
			     NO_SECTORS);

	c.u.centre.registered_ms = 1;
	c.u.centre.updated_ms = 2;
	run_ok(st, c, 7777, NULL);
	cr_assert_eq(state_centre_get(st, "X")->registered_ms, 7777);
	cr_assert_eq(state_centre_get(st, "X")->updated_ms, 7777);
	state_free(&st);
}

Test(state, centre_duplicate_is_already_exists)
{
	state_t *st = fixture(NULL);
	int rc;

	add_centres(st, NULL);
	rc = run(st,
		 centre_cmd(CMD_CENTRE_REGISTER, 0, "AVILA", "again", CENTRE_KIND_COMPANY, "SBH",
			    "DE", "", NO_SECTORS),
		 1, NULL);
	cr_assert_eq(rc, -VA_ALREADY_EXISTS);
	cr_assert(strstr(err, "'AVILA'") != NULL, "message: %s", err);
	cr_assert_str_eq(state_centre_get(st, "AVILA")->partner, "CYL");
	state_free(&st);
}

Test(state, centre_unknown_partner_is_not_found)
{
	state_t *st = fixture(NULL);
	int rc = run(st,
		     centre_cmd(CMD_CENTRE_REGISTER, 0, "X", "X", CENTRE_KIND_COMPANY, "STK", "PL",
				"", NO_SECTORS),
		     1, NULL);

	cr_assert_eq(rc, -VA_NOT_FOUND, "rc %d", rc);
	cr_assert(strncmp(err, "centre.partner", 14) == 0, "message: %s", err);
	cr_assert(strstr(err, "'STK'") != NULL, "message: %s", err);
	cr_assert_null(state_centre_get(st, "X"));
	cr_assert_eq(state_centre_count(st), 0);
	state_free(&st);
}

Test(state, centre_unknown_sector_is_not_found)
{
	state_t *st = fixture(NULL);
	const char *const s[] = {"it", "astrology", NULL};
	int rc = run(
	    st,
	    centre_cmd(CMD_CENTRE_REGISTER, 0, "X", "X", CENTRE_KIND_COMPANY, "SBH", "DE", "", s),
	    1, NULL);

	cr_assert_eq(rc, -VA_NOT_FOUND, "rc %d", rc);
	cr_assert(strncmp(err, "centre.sectors", 14) == 0, "message: %s", err);
	cr_assert(strstr(err, "'astrology'") != NULL, "message: %s", err);
	cr_assert_null(state_centre_get(st, "X"));
	state_free(&st);
}

Test(state, centre_duplicate_sector_is_invalid_argument)
{
	state_t *st = fixture(NULL);
	const char *const s[] = {"it", "logistics", "it", NULL};
	int rc = run(
	    st,
	    centre_cmd(CMD_CENTRE_REGISTER, 0, "X", "X", CENTRE_KIND_COMPANY, "SBH", "DE", "", s),
	    1, NULL);

	cr_assert_eq(rc, -VA_INVALID_ARGUMENT, "rc %d", rc);
	cr_assert(strncmp(err, "centre.sectors", 14) == 0, "message: %s", err);
	cr_assert(strstr(err, "'it'") != NULL, "message: %s", err);
	cr_assert_null(state_centre_get(st, "X"));
	state_free(&st);
}

Test(state, centre_update_unknown_is_not_found)
{
	state_t *st = fixture(NULL);
	int rc = run(st,
		     centre_cmd(CMD_CENTRE_UPDATE, CENTRE_F_NAME, "GHOST", "Ghost", 0, "", "", "",
				NO_SECTORS),
		     1, NULL);

	cr_assert_eq(rc, -VA_NOT_FOUND, "rc %d", rc);
	cr_assert(strstr(err, "'GHOST'") != NULL, "message: %s", err);
	cr_assert_null(state_centre_get(st, "GHOST"));
	state_free(&st);
}

Test(state, centre_update_keeps_registered_ms_and_sets_updated_ms)
{
	state_t *st = fixture(NULL);
	const centre_t *c;

	add_centres(st, NULL);
	run_ok(st,
	       centre_cmd(CMD_CENTRE_UPDATE, CENTRE_F_NAME, "AVILA", "CIFP Ávila II",
			  CENTRE_KIND_COMPANY, "SBH", "DE", "Nowhere", NO_SECTORS),
	       9000, NULL);
	c = state_centre_get(st, "AVILA");
	cr_assert_eq(c->registered_ms, 2002);
	cr_assert_eq(c->updated_ms, 9000);
	cr_assert_str_eq(c->name, "CIFP Ávila II");
	/* not in the mask: unchanged */
	cr_assert_eq(c->kind, CENTRE_KIND_VET_CENTRE);
	cr_assert_str_eq(c->partner, "CYL");
	cr_assert_str_eq(c->country, "ES");
	cr_assert_str_eq(c->region, "Ávila");
	cr_assert_eq(c->sectors.n, 1);
	cr_assert_str_eq(c->sectors.v[0], "it");
	state_free(&st);
}

Test(state, centre_update_masked_fields_and_sector_replacement)
{
	state_t *st = fixture(NULL);
	const char *const s_new[] = {"logistics", "electronics", NULL};
	const centre_t *c;

	add_centres(st, NULL);
	run_ok(st,
	       centre_cmd(CMD_CENTRE_UPDATE,
			  CENTRE_F_KIND | CENTRE_F_PARTNER | CENTRE_F_COUNTRY | CENTRE_F_SECTORS,
			  "ZAMORA-1", "ignored", CENTRE_KIND_TRAINING_ACADEMY, "SBH", "DE",
			  "ignored", s_new),
	       9100, NULL);
	c = state_centre_get(st, "ZAMORA-1");
	cr_assert_str_eq(c->name, "CIFP Zamora");
	cr_assert_str_eq(c->region, "Zamora");
	cr_assert_eq(c->kind, CENTRE_KIND_TRAINING_ACADEMY);
	cr_assert_str_eq(c->partner, "SBH");
	cr_assert_str_eq(c->country, "DE");
	cr_assert_eq(c->sectors.n, 2);
	cr_assert_str_eq(c->sectors.v[0], "logistics");
	cr_assert_str_eq(c->sectors.v[1], "electronics");
	cr_assert_eq(c->registered_ms, 2000);
	cr_assert_eq(c->updated_ms, 9100);

	/* sectors in the mask with an empty list clears them */
	run_ok(st,
	       centre_cmd(CMD_CENTRE_UPDATE, CENTRE_F_SECTORS, "ZAMORA-1", "", 0, "", "", "",
			  NO_SECTORS),
	       9200, NULL);
	cr_assert_eq(state_centre_get(st, "ZAMORA-1")->sectors.n, 0);
	state_free(&st);
}

Test(state, centre_update_checks_the_merged_result)
{
	state_t *st = fixture(NULL);
	const char *const dup[] = {"it", "it", NULL};
	int rc;

	add_centres(st, NULL);
	rc = run(st,
		 centre_cmd(CMD_CENTRE_UPDATE, CENTRE_F_PARTNER, "AVILA", "", 0, "STK", "", "",
			    NO_SECTORS),
		 1, NULL);
	cr_assert_eq(rc, -VA_NOT_FOUND, "rc %d", rc);
	cr_assert(strncmp(err, "centre.partner", 14) == 0, "message: %s", err);
	rc = run(st,
		 centre_cmd(CMD_CENTRE_UPDATE, CENTRE_F_SECTORS, "AVILA", "", 0, "", "", "", dup),
		 1, NULL);
	cr_assert_eq(rc, -VA_INVALID_ARGUMENT, "rc %d", rc);
	cr_assert_str_eq(state_centre_get(st, "AVILA")->partner, "CYL");
	cr_assert_eq(state_centre_get(st, "AVILA")->updated_ms, 2002);
	state_free(&st);
}

/* ---------------------------------------------------------------- lists */

static void check_centre_list(const state_t *st, const char *partner, const char *country,
			      const char *sector, const char *expected)
{
	const centre_t **cs;
	size_t n = state_centre_list(st, partner, country, sector, &cs);
	char got[256] = "";

	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(got, " ");
		strcat(got, cs[i]->id);
	}
	free(cs);
	cr_assert_str_eq(got, expected, "filter partner=%s country=%s sector=%s",
			 str_or_null(partner), str_or_null(country), str_or_null(sector));
}

Test(state, centre_list_filters_and_sorts_by_id)
{
	state_t *st = fixture(NULL);

	add_centres(st, NULL);
	/* strcmp order: upper case sorts before lower case */
	check_centre_list(st, NULL, NULL, NULL, "AVILA LISBOA MUNICH ZAMORA-1 berlin.tech");
	check_centre_list(st, "", "", "", "AVILA LISBOA MUNICH ZAMORA-1 berlin.tech");
	check_centre_list(st, "CYL", NULL, NULL, "AVILA LISBOA ZAMORA-1");
	check_centre_list(st, "SBH", NULL, NULL, "MUNICH berlin.tech");
	check_centre_list(st, NULL, "ES", NULL, "AVILA ZAMORA-1");
	check_centre_list(st, NULL, "PT", NULL, "LISBOA");
	check_centre_list(st, NULL, NULL, "mechatronics", "MUNICH ZAMORA-1");
	check_centre_list(st, NULL, NULL, "it", "AVILA ZAMORA-1");
	check_centre_list(st, "CYL", "ES", "mechatronics", "ZAMORA-1");
	check_centre_list(st, "SBH", "ES", NULL, "");
	check_centre_list(st, "STK", NULL, NULL, "");
	check_centre_list(st, NULL, NULL, "food", "");
	check_centre_list(st, NULL, "es", NULL, "");
	state_free(&st);
}

Test(state, centre_list_follows_updates)
{
	state_t *st = fixture(NULL);
	const char *const s[] = {"logistics", NULL};

	add_centres(st, NULL);
	run_ok(st,
	       centre_cmd(CMD_CENTRE_UPDATE, CENTRE_F_PARTNER | CENTRE_F_SECTORS, "AVILA", "", 0,
			  "SBH", "", "", s),
	       1, NULL);
	check_centre_list(st, "CYL", NULL, NULL, "LISBOA ZAMORA-1");
	check_centre_list(st, "SBH", NULL, NULL, "AVILA MUNICH berlin.tech");
	check_centre_list(st, NULL, NULL, "it", "ZAMORA-1");
	check_centre_list(st, NULL, NULL, "logistics", "AVILA berlin.tech");
	cr_assert_eq(state_centre_count(st), 5);
	state_free(&st);
}

Test(state, partner_list_in_registration_order)
{
	state_t *st = fixture(NULL);
	const partner_t **ps;
	size_t n = state_partner_list(st, &ps);

	cr_assert_eq(n, 2);
	cr_assert_str_eq(ps[0]->id, "CYL");
	cr_assert_str_eq(ps[1]->id, "SBH");
	free(ps);
	state_free(&st);
}

Test(state, empty_state_lists_are_empty)
{
	state_t *st = state_new();
	const partner_t **ps;
	const centre_t **cs;
	const sector_t **ss;
	const interest_t **is;

	cr_assert(state_is_empty(st));
	cr_assert_eq(state_last_seq(st), 0);
	cr_assert_eq(state_partner_list(st, &ps), 0);
	cr_assert_eq(state_centre_list(st, NULL, NULL, NULL, &cs), 0);
	cr_assert_eq(state_sector_list(st, &ss), 0);
	cr_assert_eq(state_interest_list(st, NULL, &is), 0);
	free(ps);
	free(cs);
	free(ss);
	free(is);
	cr_assert_null(state_partner_get(st, "CYL"));
	cr_assert_null(state_centre_get(st, "X"));
	cr_assert_null(state_sector_get(st, "it"));
	state_free(&st);
}

/* ------------------------------------------------------------ interests */

static void check_interests(const state_t *st, const char *partner, const char *expected)
{
	const interest_t **is;
	size_t n = state_interest_list(st, partner, &is);
	char got[512] = "";

	for (size_t i = 0; i < n; i++) {
		char cell[96];
		cr_assert(is[i]->interested, "a listed cell is not interested");
		snprintf(cell, sizeof cell, "%s%s/%s=%s", i ? " " : "", is[i]->partner,
			 is[i]->sector, is[i]->note);
		strcat(got, cell);
	}
	free(is);
	cr_assert_str_eq(got, expected, "partner filter %s", str_or_null(partner));
}

Test(state, interest_mark_unmark_and_list)
{
	state_t *st = fixture(NULL);

	run_ok(st, interest_cmd("CYL", "it", true, "Segovia"), 1, NULL);
	run_ok(st, interest_cmd("SBH", "logistics", true, ""), 2, NULL);
	run_ok(st, interest_cmd("CYL", "mechatronics", true, "*"), 3, NULL);
	check_interests(st, NULL, "CYL/it=Segovia SBH/logistics= CYL/mechatronics=*");
	check_interests(st, "", "CYL/it=Segovia SBH/logistics= CYL/mechatronics=*");
	check_interests(st, "CYL", "CYL/it=Segovia CYL/mechatronics=*");
	check_interests(st, "SBH", "SBH/logistics=");
	check_interests(st, "STK", "");

	/* marking again replaces the note, not a second cell */
	run_ok(st, interest_cmd("CYL", "it", true, "Ávila"), 4, NULL);
	check_interests(st, "CYL", "CYL/it=Ávila CYL/mechatronics=*");

	/* interested = false removes the cell, keeping the others' order */
	run_ok(st, interest_cmd("CYL", "it", false, ""), 5, NULL);
	check_interests(st, NULL, "SBH/logistics= CYL/mechatronics=*");
	check_interests(st, "CYL", "CYL/mechatronics=*");

	/* unmarking an absent cell is accepted and changes nothing */
	run_ok(st, interest_cmd("SBH", "it", false, ""), 6, NULL);
	check_interests(st, NULL, "SBH/logistics= CYL/mechatronics=*");
	cr_assert_eq(state_last_seq(st), 12);

	run_ok(st, interest_cmd("SBH", "logistics", false, ""), 7, NULL);
	run_ok(st, interest_cmd("CYL", "mechatronics", false, ""), 8, NULL);
	check_interests(st, NULL, "");
	state_free(&st);
}

Test(state, interest_unknown_partner_or_sector)
{
	state_t *st = fixture(NULL);
	int rc;

	rc = run(st, interest_cmd("STK", "it", true, ""), 1, NULL);
	cr_assert_eq(rc, -VA_NOT_FOUND);
	cr_assert(strncmp(err, "interest.partner", 16) == 0, "message: %s", err);
	cr_assert(strstr(err, "'STK'") != NULL, "message: %s", err);
	rc = run(st, interest_cmd("CYL", "astrology", true, ""), 1, NULL);
	cr_assert_eq(rc, -VA_NOT_FOUND);
	cr_assert(strncmp(err, "interest.sector", 15) == 0, "message: %s", err);
	check_interests(st, NULL, "");
	state_free(&st);
}

/* ---------------------------------------------------------- determinism */

static void script(state_t *st, evlist_t *log)
{
	const char *const s[] = {"it", "electronics", NULL};

	add_centres(st, log);
	run_ok(st, interest_cmd("CYL", "it", true, "Segovia"), 3000, log);
	run_ok(st, interest_cmd("SBH", "it", true, ""), 3001, log);
	run_ok(st, interest_cmd("CYL", "mechatronics", true, "*"), 3002, log);
	run_ok(st, interest_cmd("CYL", "it", false, ""), 3003, log);
	run_ok(st,
	       partner_cmd(CMD_PARTNER_UPDATE, PARTNER_F_NAME, "SBH", "SBH Bildung", "", "", ""),
	       3004, log);
	run_ok(st,
	       centre_cmd(CMD_CENTRE_UPDATE, CENTRE_F_SECTORS | CENTRE_F_REGION, "MUNICH", "", 0,
			  "", "", "München", s),
	       3005, log);
	run_ok(st, sector_cmd("food", "Food", false), 3006, log);
}

Test(state, replay_gives_identical_answers)
{
	evlist_t log = {0};
	state_t *live = fixture(&log), *replayed = state_new(), *again = NULL;
	char *a, *b, *c;

	script(live, &log);
	cr_assert_eq(log.n, state_last_seq(live));
	for (size_t i = 0; i < log.n; i++) {
		cr_assert_eq(log.v[i].seq, i + 1);
		cr_assert_eq(state_apply(replayed, &log.v[i], err, sizeof err), 0, "event %zu: %s",
			     i + 1, err);
	}
	a = state_dump(live);
	b = state_dump(replayed);
	cr_assert_str_eq(b, a);
	/* and the commands themselves are deterministic */
	again = fixture(NULL);
	script(again, NULL);
	c = state_dump(again);
	cr_assert_str_eq(c, a);

	/* replay that moves the payloads (state_apply_take) agrees too */
	{
		evlist_t log2 = {0};
		state_t *live2 = fixture(&log2), *taken = state_new();
		char *d;
		script(live2, &log2);
		for (size_t i = 0; i < log2.n; i++)
			cr_assert_eq(state_apply_take(taken, &log2.v[i], err, sizeof err), 0,
				     "event %zu: %s", i + 1, err);
		evlist_release(&log2); /* what is left of the events */
		d = state_dump(taken);
		cr_assert_str_eq(d, a);
		free(d);
		state_free(&taken);
		state_free(&live2);
	}

	/* a replay that skips an event is refused */
	state_free(&replayed);
	replayed = state_new();
	cr_assert_eq(state_apply(replayed, &log.v[0], err, sizeof err), 0);
	cr_assert_eq(state_apply(replayed, &log.v[2], err, sizeof err), -VA_INTERNAL);
	cr_assert_eq(state_last_seq(replayed), 1);

	free(a);
	free(b);
	free(c);
	evlist_release(&log);
	state_free(&live);
	state_free(&replayed);
	state_free(&again);
}

Test(state, is_empty_until_the_first_apply)
{
	state_t *st = state_new();
	cmd_t c = sector_cmd("it", "IT", true);
	state_ctx_t ctx = {.now_ms = 1, .actor = "system", .request_id = "defaults"};
	evlist_t out = {0};

	cr_assert(state_is_empty(st));
	cr_assert_eq(state_decide(st, &c, &ctx, &out, err, sizeof err), 0, "%s", err);
	cr_assert(state_is_empty(st));
	cr_assert_eq(state_apply(st, &out.v[0], err, sizeof err), 0, "%s", err);
	cr_assert_not(state_is_empty(st));
	state_free(&st);
	st = fixture(NULL);
	cr_assert_not(state_is_empty(st));
	evlist_release(&out);
	cmd_release(&c);
	state_free(&st);
}

Test(state, decide_fills_actor_and_request_id)
{
	state_t *st = fixture(NULL);
	cmd_t c = sector_cmd("food", "Food", false);
	state_ctx_t ctx = {.now_ms = 123456789012345, .actor = NULL, .request_id = NULL};
	evlist_t out = {0};

	cr_assert_eq(state_decide(st, &c, &ctx, &out, err, sizeof err), 0, "%s", err);
	cr_assert_not_null(out.v[0].actor);
	cr_assert_str_eq(out.v[0].actor, "");
	cr_assert_str_eq(out.v[0].request_id, "");
	cr_assert_eq(out.v[0].time_ms, 123456789012345);
	evlist_release(&out);
	cmd_release(&c);
	state_free(&st);
}

/* Replays the events of `log`, with request ids r0, r1, ... into st. */
static void replay_with_ids(state_t *st, evlist_t *log, const char *const *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char aerr[256];
		free(log->v[i].request_id);
		log->v[i].request_id = model_strdup(ids[i]);
		cr_assert_eq(state_apply(st, &log->v[i], aerr, sizeof aerr), 0, "apply: %s", aerr);
	}
}

Test(state, replay_mode_builds_the_request_table_at_the_end)
{
	/* seq:                     1     2     3     4     5     6     7 */
	static const char *ids[] = {"a", "b", "b", "c", "d", "e", "f"};
	evlist_t log = {0};
	state_t *src = fixture(&log), *st = state_new();
	uint64_t seq = 0;

	add_centres(src, &log);
	cr_assert_geq(log.n, 7);
	state_set_dedup_window(st, 4);
	state_replay_begin(st);
	replay_with_ids(st, &log, ids, 7); /* the first seven events are enough */
	state_replay_end(st);

	/* The four newest distinct requests, each with the seq of its last
	 * event; the consecutive events of "b" count once. */
	cr_assert_eq(state_recent_count(st), 4);
	cr_assert(state_request_seen(st, "tester", "f", &seq));
	cr_assert_eq(seq, 7);
	cr_assert(state_request_seen(st, "tester", "c", &seq));
	cr_assert_eq(seq, 4);
	cr_assert(!state_request_seen(st, "tester", "b", &seq), "'b' should be forgotten");
	cr_assert(!state_request_seen(st, "tester", "a", &seq));

	/* After the replay the table works as usual again. */
	evlist_t more = {0};
	run_ok(st, sector_cmd("food-processing", "Food processing", false), 2000, &more);
	cr_assert(state_request_seen(st, "tester", "req", &seq));
	cr_assert_eq(seq, state_last_seq(st));
	cr_assert(!state_request_seen(st, "tester", "c", &seq), "the oldest was not evicted");

	evlist_release(&more);
	evlist_release(&log);
	state_free(&st);
	state_free(&src);
}

struct last_seen {
	const centre_t *last;
	size_t n;
};

static int note_centre(const centre_t *c, void *arg)
{
	struct last_seen *ls = arg;

	ls->last = c;
	ls->n++;
	return 0;
}

/* An update replaces a centre where it is stored: lookups find the new
 * version at the same address, it is counted and visited once, and a
 * new registration goes after every older one (ASan checks that the
 * replaced versions are freed once, and nothing leaks). */
Test(state, an_updated_centre_keeps_its_place_and_is_counted_once)
{
	const char *const s_it[] = {"it", NULL};
	state_t *st = fixture(NULL);
	state_ctx_t ctx = {.now_ms = 3000, .actor = "tester"};
	const centre_t *avila;
	struct last_seen ls = {0};
	char rid[16];
	size_t before;

	add_centres(st, NULL);
	before = state_centre_count(st);
	avila = state_centre_get(st, "AVILA");
	cr_assert_not_null(avila);
	for (int i = 0; i < 3; i++) {
		snprintf(rid, sizeof rid, "u%d", i);
		ctx.request_id = rid;
		ctx.now_ms = 3000 + i;
		cr_assert_eq(
		    st_run_ctx(st,
			       centre_cmd(CMD_CENTRE_UPDATE, CENTRE_F_NAME, "AVILA",
					  i == 2 ? "CIFP Ávila (final)" : "renamed",
					  CENTRE_KIND_VET_CENTRE, "CYL", "ES", "Ávila", s_it),
			       &ctx, NULL, err, sizeof err),
		    0, "%s", err);
	}
	cr_assert_eq(state_centre_get(st, "AVILA"), avila, "the update moved the centre");
	cr_assert_str_eq(avila->name, "CIFP Ávila (final)");
	cr_assert_eq(state_centre_count(st), before);
	cr_assert_eq(state_centre_each(st, note_centre, &ls), 0);
	cr_assert_eq(ls.n, before, "an updated centre is visited once");
	ctx.request_id = "r-new";
	cr_assert_eq(st_run_ctx(st,
				centre_cmd(CMD_CENTRE_REGISTER, 0, "BURGOS", "CIFP Burgos",
					   CENTRE_KIND_VET_CENTRE, "CYL", "ES", "Burgos", s_it),
				&ctx, NULL, err, sizeof err),
		     0, "%s", err);
	ctx.request_id = "r-twice";
	cr_assert_eq(st_run_ctx(st,
				centre_cmd(CMD_CENTRE_REGISTER, 0, "BURGOS", "twice",
					   CENTRE_KIND_VET_CENTRE, "CYL", "ES", "Burgos", s_it),
				&ctx, NULL, err, sizeof err),
		     -VA_ALREADY_EXISTS, "a second registration: %s", err);
	cr_assert_str_eq(state_centre_get(st, "BURGOS")->name, "CIFP Burgos");
	cr_assert_eq(state_centre_count(st), before + 1);
	ls = (struct last_seen){0};
	cr_assert_eq(state_centre_each(st, note_centre, &ls), 0);
	cr_assert_eq(ls.n, before + 1);
	cr_assert_str_eq(ls.last->id, "BURGOS", "the newest centre is not stored last");
	state_free(&st);
}

struct five {
	const centre_t **seen;
	size_t *pos;
};

static int first_five(const centre_t *c, void *arg)
{
	struct five *f = arg;

	if (*f->pos < 5)
		f->seen[(*f->pos)++] = c;
	return 0;
}

/* A snapshot loads back whole and in the same storage order, and damaged
 * bytes are refused - never a crash or a leak. */
Test(state, a_snapshot_loads_back_whole_and_damage_is_refused)
{
	const char *const s_it[] = {"it", NULL};
	state_t *st = fixture(NULL), *back = NULL;
	uint8_t *buf = NULL;
	char *want, *got, id[32];
	size_t len, refused = 0;

	add_centres(st, NULL);
	for (int i = 0; i < 300; i++) {
		snprintf(id, sizeof id, "MANY-%03d", i);
		run_ok(st,
		       centre_cmd(CMD_CENTRE_REGISTER, 0, id, "Many", CENTRE_KIND_VET_CENTRE, "SBH",
				  "DE", "Bayern", s_it),
		       5000 + i, NULL);
	}
	len = codec_snapshot_pack(st, 9999, &buf);
	cr_assert_gt(len, 0);
	cr_assert_eq(codec_snapshot_load(buf, len, &back, err, sizeof err), 0, "%s", err);
	want = state_dump(st);
	got = state_dump(back);
	cr_assert_str_eq(got, want);
	cr_assert_eq(state_last_seq(back), state_last_seq(st));
	/* Storage order: the order centres were registered in. */
	{
		size_t pos = 0;
		const char *order[] = {"ZAMORA-1", "berlin.tech", "AVILA", "MUNICH", "LISBOA"};
		const centre_t *seen[5];

		cr_assert_eq(state_centre_each(back, first_five, &(struct five){seen, &pos}), 0);
		for (size_t i = 0; i < 5; i++)
			cr_assert_str_eq(seen[i]->id, order[i]);
	}
	state_free(&back);
	free(got);

	/* Cut short anywhere in the last part (the centres): refused. */
	for (size_t cut = len - 1; cut > len - 400; cut -= 7) {
		err[0] = '\0';
		if (codec_snapshot_load(buf, cut, &back, err, sizeof err) != 0) {
			cr_assert_null(back);
			cr_assert(strstr(err, "snapshot") != NULL, "%s", err);
			refused++;
		} else {
			state_free(&back); /* ended on a field boundary: a shorter state */
		}
	}
	cr_assert_gt(refused, 30, "only %zu of the cut snapshots were refused", refused);
	/* Centres field as a number, and a centre whose bytes are not a
	 * Centre: refused. */
	{
		const uint8_t as_number[] = {0x38, 0x01};
		const uint8_t not_a_centre[] = {0x08, 0x01, 0x3a, 0x03, 0x0a, 0x05, 0x41};

		cr_assert_neq(
		    codec_snapshot_load(as_number, sizeof as_number, &back, err, sizeof err), 0);
		cr_assert_null(back);
		cr_assert(strstr(err, "not a vetalliance.v1.StateSnapshot") != NULL, "%s", err);
		cr_assert_neq(
		    codec_snapshot_load(not_a_centre, sizeof not_a_centre, &back, err, sizeof err),
		    0);
		cr_assert_null(back);
		cr_assert(strstr(err, "not a vetalliance.v1.StateSnapshot") != NULL, "%s", err);
	}
	free(want);
	free(buf);
	state_free(&st);
}

/* ----------------------------------------- decide is pure, every noun */

#include "ops/rules_file.h"
#include "snapshot.pb-c.h"
#include "vetalliance.pb-c.h"

#define PBN(name) Vetalliance__V1__##name

/* The state as a snapshot's bytes: every noun, the idempotency table and
 * the last seq (the caller frees). */
static uint8_t *snapshot_bytes(const state_t *st, size_t *len)
{
	uint8_t *buf = NULL;

	*len = codec_snapshot_pack(st, 1, &buf);
	cr_assert_gt(*len, 0);
	return buf;
}

struct pure_run {
	state_t *st;
	rules_t *rules;
	int apply;       /* 1: the set-up (each must be accepted, and is applied) */
	size_t accepted; /* checks: decided with events */
	size_t refused;
	size_t n;
};

/* One request: decoded as the server decodes it, then decided (and, in
 * the set-up, applied). */
static void pure_step(struct pure_run *r, PBN(Request) * req)
{
	state_ctx_t ctx = {.now_ms = 1790000000000, .actor = "admin", .rules = r->rules};
	struct request dec;
	evlist_t out = {0};
	uint8_t *before = NULL, *after = NULL;
	size_t blen = 0, alen = 0;
	char rid[16];
	int rc;

	snprintf(rid, sizeof rid, "p-%zu", r->n++);
	req->request_id = rid;
	ctx.request_id = rid;
	cr_assert_eq(st_decode(&req->base, &dec, err, sizeof err), 0, "%s: %s", rid, err);
	if (!r->apply)
		before = snapshot_bytes(r->st, &blen);
	rc = state_decide(r->st, &dec.cmd, &ctx, &out, err, sizeof err);
	if (r->apply) {
		cr_assert_eq(rc, 0, "set-up %s (body %d) refused: %s", rid, (int)req->body_case,
			     err);
		for (size_t i = 0; i < out.n; i++)
			cr_assert_eq(state_apply(r->st, &out.v[i], err, sizeof err), 0, "%s", err);
	} else {
		after = snapshot_bytes(r->st, &alen);
		cr_assert(blen == alen && memcmp(before, after, blen) == 0,
			  "deciding %s (body %d, rc %d) changed the state", rid,
			  (int)req->body_case, rc);
		if (rc == 0)
			r->accepted++;
		else
			r->refused++;
	}
	free(before);
	free(after);
	evlist_release(&out);
	request_release(&dec);
}

#define PURE(r, field, body, value)                                                                \
	do {                                                                                       \
		PBN(Request) req_ = VETALLIANCE__V1__REQUEST__INIT;                                \
		req_.body_case = VETALLIANCE__V1__REQUEST__BODY_##body;                            \
		req_.field = (value);                                                              \
		pure_step((r), &req_);                                                             \
	} while (0)

/* Centres CECOA (IEFP) and SBHC (SBH); alliance A1 of both with an MoU;
 * mobility M1 proposed, M2 approved, M3 under way; session S1 with SBHC;
 * deadline D1.  Then `checks` decides every kind of command on it. */
static void pure_commands(struct pure_run *r, int checks)
{
	PBN(Centre) c1 = VETALLIANCE__V1__CENTRE__INIT, c2 = VETALLIANCE__V1__CENTRE__INIT;
	PBN(CentreRegister) reg1 = VETALLIANCE__V1__CENTRE_REGISTER__INIT, reg2 = reg1;
	PBN(CentreUpdate) upd = VETALLIANCE__V1__CENTRE_UPDATE__INIT;
	PBN(AllianceMember)
	m1 = VETALLIANCE__V1__ALLIANCE_MEMBER__INIT, m2 = m1, *ms[] = {&m1, &m2};
	PBN(Alliance) al = VETALLIANCE__V1__ALLIANCE__INIT;
	PBN(AllianceCreate) acre = VETALLIANCE__V1__ALLIANCE_CREATE__INIT;
	PBN(AllianceJoin) ajoin = VETALLIANCE__V1__ALLIANCE_JOIN__INIT;
	PBN(AllianceLeave) aleave = VETALLIANCE__V1__ALLIANCE_LEAVE__INIT;
	PBN(AllianceContact) acon = VETALLIANCE__V1__ALLIANCE_CONTACT__INIT;
	PBN(AllianceAgree) agree = VETALLIANCE__V1__ALLIANCE_AGREE__INIT;
	PBN(AllianceVisit) visit = VETALLIANCE__V1__ALLIANCE_VISIT__INIT;
	PBN(MouContent) mou = VETALLIANCE__V1__MOU_CONTENT__INIT;
	PBN(MouDraft) draft = VETALLIANCE__V1__MOU_DRAFT__INIT;
	PBN(MouSign) sign = VETALLIANCE__V1__MOU_SIGN__INIT;
	PBN(CommitmentConfirm) conf = VETALLIANCE__V1__COMMITMENT_CONFIRM__INIT;
	PBN(CommitmentWithdraw) wdr = VETALLIANCE__V1__COMMITMENT_WITHDRAW__INIT;
	PBN(Mobility) mob = VETALLIANCE__V1__MOBILITY__INIT;
	PBN(MobilityPropose) prop = VETALLIANCE__V1__MOBILITY_PROPOSE__INIT;
	PBN(MobilityAct) act = VETALLIANCE__V1__MOBILITY_ACT__INIT;
	PBN(MobilityCertify) cert = VETALLIANCE__V1__MOBILITY_CERTIFY__INIT;
	PBN(MobilityReviewDecision) rev = VETALLIANCE__V1__MOBILITY_REVIEW_DECISION__INIT;
	PBN(MobilityPrepare) prep = VETALLIANCE__V1__MOBILITY_PREPARE__INIT;
	PBN(Session) se = VETALLIANCE__V1__SESSION__INIT;
	PBN(SessionBook) book = VETALLIANCE__V1__SESSION_BOOK__INIT;
	PBN(SessionJoin) join = VETALLIANCE__V1__SESSION_JOIN__INIT;
	PBN(SessionLeave) leave = VETALLIANCE__V1__SESSION_LEAVE__INIT;
	PBN(SessionCancel) cancel = VETALLIANCE__V1__SESSION_CANCEL__INIT;
	PBN(SessionReschedule) resch = VETALLIANCE__V1__SESSION_RESCHEDULE__INIT;
	PBN(Deadline) dl = VETALLIANCE__V1__DEADLINE__INIT;
	PBN(DeadlineSet) dset = VETALLIANCE__V1__DEADLINE_SET__INIT;
	PBN(DeadlineDone) ddone = VETALLIANCE__V1__DEADLINE_DONE__INIT;
	char *sectors[] = {"it"}, *mask[] = {"name"}, *acts[] = {"workshop"}, *outs[] = {"unit 1"};
	char *teams[] = {"teams"};
	static const char *const mobs[] = {"M1", "M2", "M3"};

	c1.id = "CECOA", c1.name = "CECOA", c1.partner = "IEFP", c1.country = "PT";
	c2.id = "SBHC", c2.name = "SBH Centre", c2.partner = "SBH", c2.country = "DE";
	c1.kind = c2.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE;
	c1.sectors = c2.sectors = sectors;
	c1.n_sectors = c2.n_sectors = 1;
	reg1.centre = &c1;
	reg2.centre = &c2;
	m1.centre = "CECOA", m2.centre = "SBHC";
	al.id = "A1", al.name = "First", al.members = ms, al.n_members = 2;
	al.kind = VETALLIANCE__V1__ALLIANCE_KIND__ALLIANCE_KIND_FORMAL;
	acre.alliance = &al;
	mou.objectives = "Exchange apprentices";
	draft.alliance = "A1", draft.content = &mou;
	mob.participant_kind = VETALLIANCE__V1__PARTICIPANT_KIND__PARTICIPANT_KIND_LEARNER;
	mob.participant = "P-1", mob.sending = "CECOA", mob.host = "SBHC", mob.sector = "it";
	mob.start_date = 20261102, mob.end_date = 20261115;
	mob.format = VETALLIANCE__V1__MOBILITY_FORMAT__MOBILITY_FORMAT_VIRTUAL;
	prop.mobility = &mob, prop.by = "CECOA";
	se.id = "S1", se.host = "CECOA", se.title = "English class", se.duration_min = 60;
	se.kind = VETALLIANCE__V1__SESSION_KIND__SESSION_KIND_JOINT_CLASS;
	se.start_ms = 1800000000000, se.time_zone = "Europe/Lisbon", se.capacity = 20;
	book.session = &se;
	dl.id = "D1", dl.title = "Interim report", dl.owner = "CECOA", dl.due_ms = 1800000000000;
	dset.deadline = &dl;

	if (!checks) {
		PURE(r, centre_register, CENTRE_REGISTER, &reg1);
		PURE(r, centre_register, CENTRE_REGISTER, &reg2);
		PURE(r, alliance_create, ALLIANCE_CREATE, &acre);
		PURE(r, mou_draft, MOU_DRAFT, &draft);
		for (int i = 0; i < 3; i++) {
			mob.id = (char *)mobs[i];
			PURE(r, mobility_propose, MOBILITY_PROPOSE, &prop);
		}
		act.by = "SBHC";
		for (int i = 1; i < 3; i++) {
			act.id = (char *)mobs[i];
			PURE(r, mobility_approve, MOBILITY_APPROVE, &act);
		}
		act.id = "M3", act.by = "CECOA";
		PURE(r, mobility_start, MOBILITY_START, &act);
		PURE(r, session_book, SESSION_BOOK, &book);
		join.session = "S1", join.centre = "SBHC", join.head_count = 2;
		PURE(r, session_join, SESSION_JOIN, &join);
		PURE(r, deadline_set, DEADLINE_SET, &dset);
		return;
	}
	/* Accepted ones, of every noun. */
	c1.name = "CECOA renamed";
	upd.centre = &c1, upd.update_mask = mask, upd.n_update_mask = 1;
	PURE(r, centre_update, CENTRE_UPDATE, &upd);
	conf.centre = "CECOA",
	conf.commitment = VETALLIANCE__V1__COMMITMENT__COMMITMENT_EVALUATIONS;
	PURE(r, commitment_confirm, COMMITMENT_CONFIRM, &conf);
	acon.alliance = "A1", acon.centre = "CECOA", acon.contact = "Ana";
	acon.channels = teams, acon.n_channels = 1;
	PURE(r, alliance_contact, ALLIANCE_CONTACT, &acon);
	visit.alliance = "A1", visit.is_virtual = 1, visit.reference = "session S0";
	PURE(r, alliance_visit, ALLIANCE_VISIT, &visit);
	mou.objectives = "Exchange apprentices and teachers";
	PURE(r, mou_draft, MOU_DRAFT, &draft);
	act.id = "M1", act.by = "SBHC";
	PURE(r, mobility_approve, MOBILITY_APPROVE, &act);
	act.reason = "no tutor free";
	PURE(r, mobility_reject, MOBILITY_REJECT, &act);
	act.id = "M2", act.by = "CECOA", act.reason = NULL;
	PURE(r, mobility_start, MOBILITY_START, &act);
	act.reason = "the participant withdrew";
	PURE(r, mobility_cancel, MOBILITY_CANCEL, &act);
	act.id = "M3", act.reason = NULL;
	PURE(r, mobility_complete, MOBILITY_COMPLETE, &act);
	prep.id = "M2", prep.by = "CECOA", prep.english_level = VETALLIANCE__V1__CEFR__CEFR_B1;
	PURE(r, mobility_prepare, MOBILITY_PREPARE, &prep);
	mob.id = "M4";
	PURE(r, mobility_propose, MOBILITY_PROPOSE, &prop);
	se.id = "S2", se.start_ms = 1800100000000;
	PURE(r, session_book, SESSION_BOOK, &book);
	leave.session = "S1", leave.centre = "SBHC";
	PURE(r, session_leave, SESSION_LEAVE, &leave);
	resch.session = "S1", resch.by = "CECOA", resch.start_ms = 1800200000000;
	resch.reason = "a holiday";
	PURE(r, session_reschedule, SESSION_RESCHEDULE, &resch);
	cancel.session = "S1", cancel.by = "CECOA", cancel.reason = "no teacher";
	PURE(r, session_cancel, SESSION_CANCEL, &cancel);
	ddone.id = "D1", ddone.by = "CECOA";
	PURE(r, deadline_done, DEADLINE_DONE, &ddone);
	/* Refused ones, of every noun. */
	wdr.centre = "CECOA", wdr.commitment = VETALLIANCE__V1__COMMITMENT__COMMITMENT_EVALUATIONS;
	PURE(r, commitment_withdraw, COMMITMENT_WITHDRAW, &wdr); /* never confirmed */
	PURE(r, alliance_create, ALLIANCE_CREATE, &acre);        /* exists */
	ajoin.alliance = "A1", ajoin.centre = "SBHC";
	PURE(r, alliance_join, ALLIANCE_JOIN, &ajoin); /* a member already */
	aleave.alliance = "A9", aleave.centre = "SBHC";
	PURE(r, alliance_leave, ALLIANCE_LEAVE, &aleave); /* no such alliance */
	agree.alliance = "A1";
	PURE(r, alliance_agree, ALLIANCE_AGREE, &agree); /* commitments missing */
	sign.alliance = "A1", sign.centre = "CECOA", sign.hash = "0000000000000000";
	PURE(r, mou_sign, MOU_SIGN, &sign); /* another version */
	cert.id = "M1", cert.by = "SBHC", cert.activities = acts, cert.n_activities = 1;
	cert.outcomes = outs, cert.n_outcomes = 1;
	PURE(r, mobility_certify, MOBILITY_CERTIFY, &cert); /* not completed */
	act.id = "M1", act.by = "CECOA";
	PURE(r, mobility_countersign, MOBILITY_COUNTERSIGN, &act); /* not certified */
	rev.id = "M1", rev.by = "IEFP", rev.accept = 1;
	PURE(r, mobility_review, MOBILITY_REVIEW, &rev); /* no review pending */
	PURE(r, mobility_propose, MOBILITY_PROPOSE, &prop);
	mob.id = "M1";
	PURE(r, mobility_propose, MOBILITY_PROPOSE, &prop); /* exists */
	se.id = "S1";
	PURE(r, session_book, SESSION_BOOK, &book); /* exists */
	join.session = "S9", join.centre = "SBHC", join.head_count = 1;
	PURE(r, session_join, SESSION_JOIN, &join); /* no such session */
	dl.due_ms = 1000;
	dl.id = "D2";
	PURE(r, deadline_set, DEADLINE_SET, &dset); /* in the past */
}

/* Deciding any command - accepted or refused, of any noun - changes
 * nothing a snapshot holds: applying events is the only way state
 * changes. */
Test(state, decide_never_mutates_any_noun)
{
	struct pure_run r = {0};

	r.st = fixture(NULL);
	cr_assert_eq(rules_load(NULL, &r.rules, err, sizeof err), 0, "%s", err);
	{
		cmd_t c =
		    partner_cmd(CMD_PARTNER_REGISTER, 0, "IEFP", "IEFP", "PT", "Europe/Lisbon", "");
		cr_assert_eq(st_run(r.st, c, 1500, "admin", NULL, err, sizeof err), 0, "%s", err);
	}
	r.apply = 1;
	pure_commands(&r, 0);
	r.apply = 0;
	pure_commands(&r, 1);
	cr_assert_geq(r.accepted, 15, "only %zu commands were accepted", r.accepted);
	cr_assert_geq(r.refused, 12, "only %zu commands were refused", r.refused);
	rules_free(&r.rules);
	state_free(&r.st);
}

/* A snapshot whose objects do not fit together - two partners of one id,
 * a commitment stand of a centre it does not hold - is refused by the
 * path every object takes (state_restore), not loaded half. */
Test(state, a_snapshot_whose_objects_do_not_fit_is_refused)
{
	Vetalliance__V1__StateSnapshot snap = VETALLIANCE__V1__STATE_SNAPSHOT__INIT;
	Vetalliance__V1__Partner p = VETALLIANCE__V1__PARTNER__INIT, *ps[] = {&p, &p};
	Vetalliance__V1__CommitmentState k = VETALLIANCE__V1__COMMITMENT_STATE__INIT, *ks[] = {&k};
	uint8_t buf[512];
	size_t len;
	state_t *back = NULL;

	p.id = "CYL", p.name = "Junta", p.country = "ES", p.time_zone = "Europe/Madrid";
	snap.format = 1;
	snap.last_seq = 7;
	snap.partners = ps;
	snap.n_partners = 2;
	len = vetalliance__v1__state_snapshot__pack(&snap, buf);
	cr_assert_neq(codec_snapshot_load(buf, len, &back, err, sizeof err), 0);
	cr_assert_null(back);
	cr_assert(strstr(err, "snapshot: ") != NULL && strstr(err, "'CYL' twice") != NULL, "%s",
		  err);

	snap.n_partners = 1;
	k.centre = "NOWHERE";
	k.commitment = VETALLIANCE__V1__COMMITMENT__COMMITMENT_EVALUATIONS;
	k.confirmed = 1;
	snap.commitments = ks;
	snap.n_commitments = 1;
	len = vetalliance__v1__state_snapshot__pack(&snap, buf);
	cr_assert_neq(codec_snapshot_load(buf, len, &back, err, sizeof err), 0);
	cr_assert_null(back);
	cr_assert(strstr(err, "NOWHERE") != NULL, "%s", err);

	/* The same snapshot without the stand loads, at its own seq. */
	snap.n_commitments = 0;
	len = vetalliance__v1__state_snapshot__pack(&snap, buf);
	cr_assert_eq(codec_snapshot_load(buf, len, &back, err, sizeof err), 0, "%s", err);
	cr_assert_eq(state_last_seq(back), 7);
	cr_assert_not_null(state_partner_get(back, "CYL"));
	state_free(&back);
}
