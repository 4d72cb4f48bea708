/*
 * test_defaults.c - daemon/defaults.c: the compiled-in reference data
 * parses into the five partners, ten sectors and the interest matrix of
 * the project's spreadsheet, in the order they must run; those commands
 * load into a fresh state; broken ZPL and bad entries are refused with a
 * message naming the entry.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "defaults.h"
#include "state/model.h"
#include "state/state.h"

#define N_PARTNERS  5
#define N_SECTORS   10
#define N_INTERESTS 34

static char err[512];

static void parse_builtin(cmd_t **cmds, size_t *n)
{
	int rc = defaults_parse((const char *)va_defaults_zpl, cmds, n, err, sizeof err);

	cr_assert_eq(rc, 0, "built-in reference data refused: %s", err);
	cr_assert_not_null(*cmds);
}

static const interest_t *cell(const cmd_t *cmds, size_t n, const char *partner, const char *sector)
{
	const interest_t *found = NULL;

	for (size_t i = 0; i < n; i++) {
		const interest_t *in = &cmds[i].u.interest;
		if (cmds[i].type != CMD_INTEREST_MARK || strcmp(in->partner, partner) != 0 ||
		    strcmp(in->sector, sector) != 0)
			continue;
		cr_assert_null(found, "cell %s/%s listed twice", partner, sector);
		found = in;
	}
	return found;
}

Test(defaults, builtin_text_is_nul_terminated)
{
	cr_assert_gt(va_defaults_zpl_len, 0);
	cr_assert_eq(va_defaults_zpl[va_defaults_zpl_len], '\0');
	cr_assert_eq(strlen((const char *)va_defaults_zpl), va_defaults_zpl_len);
}

Test(defaults, builtin_partners_sectors_interests_in_order)
{
	cmd_t *cmds;
	size_t n;

	parse_builtin(&cmds, &n);
	cr_assert_eq(n, N_PARTNERS + N_SECTORS + N_INTERESTS, "%zu commands", n);
	for (size_t i = 0; i < n; i++) {
		cmd_type_t want = i < N_PARTNERS               ? CMD_PARTNER_REGISTER
				  : i < N_PARTNERS + N_SECTORS ? CMD_SECTOR_DEFINE
							       : CMD_INTEREST_MARK;
		cr_assert_eq(cmds[i].type, want, "command %zu has type %d", i, (int)cmds[i].type);
	}
	defaults_free(&cmds, n);
	cr_assert_null(cmds);
	defaults_free(&cmds, 0); /* idempotent */
}

Test(defaults, builtin_partners)
{
	static const char *const ids[N_PARTNERS] = {"CYL", "SBH", "STK", "IEFP", "SAMIEDU"};
	static const char *const countries[N_PARTNERS] = {"ES", "DE", "PL", "PT", "FI"};
	static const char *const zones[N_PARTNERS] = {
	    "Europe/Madrid", "Europe/Berlin", "Europe/Warsaw", "Europe/Lisbon", "Europe/Helsinki"};
	cmd_t *cmds;
	size_t n;

	parse_builtin(&cmds, &n);
	for (size_t i = 0; i < N_PARTNERS; i++) {
		const partner_t *p = &cmds[i].u.partner;
		cr_assert_str_eq(p->id, ids[i]);
		cr_assert_str_eq(p->country, countries[i]);
		cr_assert_str_eq(p->time_zone, zones[i]);
		cr_assert_neq(p->name[0], '\0');
		cr_assert_not_null(p->region);
	}
	cr_assert_str_eq(cmds[0].u.partner.name, "Junta de Castilla y León");
	cr_assert_str_eq(cmds[0].u.partner.region, "Castilla y León");
	cr_assert_str_eq(cmds[1].u.partner.region, "");
	cr_assert_str_eq(cmds[3].u.partner.name,
			 "IEFP - Instituto do Emprego e Formação Profissional");
	defaults_free(&cmds, n);
}

Test(defaults, builtin_sectors)
{
	static const char *const ids[N_SECTORS] = {"logistics",
						   "international-commerce",
						   "mechatronics",
						   "railway-electric-power",
						   "it",
						   "electronics",
						   "food-processing",
						   "sports-animation",
						   "child-education",
						   "care-assistance"};
	static const bool focus[N_SECTORS] = {false, true,  true,  false, true,
					      false, false, false, false, false};
	cmd_t *cmds;
	size_t n;

	parse_builtin(&cmds, &n);
	for (size_t i = 0; i < N_SECTORS; i++) {
		const sector_t *s = &cmds[N_PARTNERS + i].u.sector;
		cr_assert_str_eq(s->id, ids[i]);
		cr_assert_eq(s->focus, focus[i], "sector %s focus %d", s->id, s->focus);
		cr_assert_neq(s->name[0], '\0');
	}
	cr_assert_str_eq(cmds[N_PARTNERS + 1].u.sector.name, "International commerce & marketing");
	cr_assert_str_eq(cmds[N_PARTNERS + 9].u.sector.name,
			 "Assistance to people in need of care");
	defaults_free(&cmds, n);
}

Test(defaults, builtin_interest_matrix)
{
	cmd_t *cmds;
	size_t n;
	const interest_t *in;

	parse_builtin(&cmds, &n);
	in = cell(cmds, n, "CYL", "international-commerce");
	cr_assert_not_null(in);
	cr_assert_str_eq(in->note, "Segovia");
	cr_assert(in->interested);
	in = cell(cmds, n, "CYL", "sports-animation");
	cr_assert_not_null(in);
	cr_assert_str_eq(in->note, "Segovia, Ávila");
	cr_assert_str_eq(cell(cmds, n, "CYL", "food-processing")->note, "Salamanca");
	cr_assert_str_eq(cell(cmds, n, "CYL", "mechatronics")->note, "*");
	in = cell(cmds, n, "CYL", "electronics");
	cr_assert_not_null(in);
	cr_assert_str_eq(in->note, "");
	cr_assert_null(cell(cmds, n, "CYL", "logistics"));
	cr_assert_null(cell(cmds, n, "CYL", "it"));

	cr_assert_null(cell(cmds, n, "SBH", "railway-electric-power"));
	cr_assert_not_null(cell(cmds, n, "SBH", "logistics"));
	/* Finland (SAMIEDU) has logistics */
	cr_assert_not_null(cell(cmds, n, "SAMIEDU", "logistics"));
	cr_assert_null(cell(cmds, n, "SAMIEDU", "food-processing"));
	cr_assert_not_null(cell(cmds, n, "STK", "it"));
	cr_assert_null(cell(cmds, n, "IEFP", "logistics"));

	/* every cell is a mark, and the per-partner counts of the sheet */
	size_t per[N_PARTNERS] = {0};
	static const char *const ids[N_PARTNERS] = {"CYL", "SBH", "STK", "IEFP", "SAMIEDU"};
	static const size_t want[N_PARTNERS] = {8, 7, 5, 6, 8};
	for (size_t i = N_PARTNERS + N_SECTORS; i < n; i++) {
		cr_assert(cmds[i].u.interest.interested);
		for (size_t k = 0; k < N_PARTNERS; k++)
			if (strcmp(cmds[i].u.interest.partner, ids[k]) == 0)
				per[k]++;
	}
	for (size_t k = 0; k < N_PARTNERS; k++)
		cr_assert_eq(per[k], want[k], "%s has %zu cells", ids[k], per[k]);
	defaults_free(&cmds, n);
}

Test(defaults, builtin_loads_into_a_fresh_state)
{
	state_t *st = state_new();
	state_ctx_t ctx = {.now_ms = 1700000000000, .actor = "system", .request_id = "defaults"};
	const partner_t **ps;
	const sector_t **ss;
	const interest_t **is;
	cmd_t *cmds;
	size_t n;

	parse_builtin(&cmds, &n);
	cr_assert(state_is_empty(st));
	for (size_t i = 0; i < n; i++) {
		evlist_t out = {0};
		cr_assert_eq(state_decide(st, &cmds[i], &ctx, &out, err, sizeof err), 0,
			     "command %zu refused: %s", i, err);
		cr_assert_eq(out.n, 1);
		cr_assert_str_eq(out.v[0].actor, "system");
		cr_assert_eq(state_apply(st, &out.v[0], err, sizeof err), 0, "command %zu: %s", i,
			     err);
		evlist_release(&out);
	}
	cr_assert_eq(state_last_seq(st), n);
	cr_assert_eq(state_partner_list(st, &ps), N_PARTNERS);
	cr_assert_str_eq(ps[4]->id, "SAMIEDU");
	free(ps);
	cr_assert_eq(state_sector_list(st, &ss), N_SECTORS);
	cr_assert_str_eq(ss[0]->id, "logistics");
	free(ss);
	cr_assert_eq(state_interest_list(st, NULL, &is), N_INTERESTS);
	free(is);
	cr_assert_eq(state_interest_list(st, "CYL", &is), 8);
	free(is);
	cr_assert_eq(state_centre_count(st), 0);

	/* loading a second time collides with the first partner */
	{
		evlist_t out = {0};
		cr_assert_eq(state_decide(st, &cmds[0], &ctx, &out, err, sizeof err),
			     -VA_ALREADY_EXISTS);
		cr_assert(strstr(err, "'CYL'") != NULL, "message: %s", err);
		evlist_release(&out);
	}
	defaults_free(&cmds, n);
	state_free(&st);
}

/* ------------------------------------------------------------ refusals */

static void refused(const char *zpl, const char *msg)
{
	static cmd_t dummy;
	cmd_t *cmds = &dummy; /* not NULL: must be reset */
	size_t n = 99;
	int rc;

	err[0] = '\0';
	rc = defaults_parse(zpl, &cmds, &n, err, sizeof err);
	cr_assert_eq(rc, -VA_INVALID_ARGUMENT, "accepted (rc %d): %s", rc, zpl);
	cr_assert_str_eq(err, msg);
	cr_assert_null(cmds);
	cr_assert_eq(n, 0);
}

Test(defaults, broken_zpl)
{
	const char *bad[] = {
	    "partners\n  CYL\n",                              /* indent of 2 */
	    "partners\n    CYL\n        name = \"unclosed\n", /* quote */
	    "partners\n\tCYL\n",                              /* tab */
	    "a\n        b\n",                                 /* indent jump */
	    "partners\n    CYL\n        name = \"x\"\n    !bad\n",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		refused(bad[i], "reference data: not valid ZPL");
}

Test(defaults, partner_with_invalid_time_zone)
{
	refused("partners\n"
		"    CYL\n"
		"        name = \"Castilla\"\n"
		"        country = \"ES\"\n"
		"        time_zone = \"Europe/Madrid\"\n"
		"    MARS\n"
		"        name = \"Mars base\"\n"
		"        country = \"MA\"\n"
		"        time_zone = \"Mars/Olympus\"\n",
		"reference data: partners/MARS/time_zone: 'Mars/Olympus' is not a time zone of "
		"the tz database");
	refused("partners\n"
		"    EVIL\n"
		"        name = \"x\"\n"
		"        country = \"ES\"\n"
		"        time_zone = \"../../etc/passwd\"\n",
		"reference data: partners/EVIL/time_zone: '../../etc/passwd' is not a time zone "
		"of the tz database");
	refused("partners\n"
		"    NOZONE\n"
		"        name = \"x\"\n"
		"        country = \"ES\"\n",
		"reference data: partners/NOZONE/time_zone: '' is not a time zone of the tz "
		"database");
}

Test(defaults, partner_without_name_or_country)
{
	refused("partners\n"
		"    X\n"
		"        country = \"ES\"\n"
		"        time_zone = \"Europe/Madrid\"\n",
		"reference data: partners/X needs a name and a country");
	refused("partners\n"
		"    Y\n"
		"        name = \"y\"\n"
		"        country = \"ESP\"\n"
		"        time_zone = \"Europe/Madrid\"\n",
		"reference data: partners/Y needs a name and a country");
}

Test(defaults, sector_without_name)
{
	refused("sectors\n"
		"    logistics\n"
		"        name = \"Logistics\"\n"
		"    food\n"
		"        focus = 1\n",
		"reference data: sectors/food needs a name");
}

Test(defaults, small_custom_data)
{
	cmd_t *cmds;
	size_t n;
	state_t *st = state_new();
	state_ctx_t ctx = {.now_ms = 1, .actor = "system", .request_id = "defaults"};
	int rc;

	rc = defaults_parse("partners\n"
			    "    AB\n"
			    "        name = \"A B\"\n"
			    "        country = \"FI\"\n"
			    "        time_zone = \"Europe/Helsinki\"\n"
			    "sectors\n"
			    "    it\n"
			    "        name = \"IT\"\n"
			    "        focus = 1\n"
			    "interest\n"
			    "    it\n"
			    "        AB = \"Oulu\"\n"
			    "        ZZ\n",
			    &cmds, &n, err, sizeof err);
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_eq(n, 4);
	cr_assert_eq(cmds[0].type, CMD_PARTNER_REGISTER);
	cr_assert_str_eq(cmds[0].u.partner.region, "");
	cr_assert_eq(cmds[1].type, CMD_SECTOR_DEFINE);
	cr_assert(cmds[1].u.sector.focus);
	cr_assert_eq(cmds[2].type, CMD_INTEREST_MARK);
	cr_assert_str_eq(cmds[2].u.interest.note, "Oulu");
	cr_assert_str_eq(cmds[3].u.interest.partner, "ZZ");

	/* the parser does not cross-check; the state core refuses the cell of
	 * an undeclared partner */
	for (size_t i = 0; i < 3; i++) {
		evlist_t out = {0};
		cr_assert_eq(state_decide(st, &cmds[i], &ctx, &out, err, sizeof err), 0, "%s", err);
		cr_assert_eq(state_apply(st, &out.v[0], err, sizeof err), 0, "%s", err);
		evlist_release(&out);
	}
	{
		evlist_t out = {0};
		cr_assert_eq(state_decide(st, &cmds[3], &ctx, &out, err, sizeof err),
			     -VA_NOT_FOUND);
		cr_assert(strstr(err, "'ZZ'") != NULL, "message: %s", err);
		evlist_release(&out);
	}
	defaults_free(&cmds, n);
	state_free(&st);
}
