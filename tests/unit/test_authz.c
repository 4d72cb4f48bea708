/*
 * test_authz.c - daemon/authz.c: the authorization table against a small
 * state (partners PT and DE; centres CECOA and ATEC of PT, SBHC of DE;
 * alliance A1 of CECOA and SBHC).  A centre acts for itself, a partner
 * coordinator for its own centres and its own record, an administrator
 * for all; a command without a row is for administrators only.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "security/authz.h"
#include "statetest.h"
#include "state/model.h"
#include "state/state.h"

static char err[512];
static state_t *st;

static const principal_t cecoa = {
    .name = "cecoa-office", .role = ROLE_CENTRE, .institution = "CECOA"};
static const principal_t atec = {.name = "atec", .role = ROLE_CENTRE, .institution = "ATEC"};
static const principal_t pt = {.name = "pt-coord", .role = ROLE_PARTNER, .institution = "PT"};
static const principal_t de = {.name = "de-coord", .role = ROLE_PARTNER, .institution = "DE"};
static const principal_t admin = {.name = "secretariat", .role = ROLE_ADMIN};

static void ok(cmd_t c)
{
	cr_assert_eq(st_run(st, c, 1000, "admin", NULL, err, sizeof err), 0, "%s", err);
}

static void partner(const char *id, const char *tz)
{
	cmd_t p = {.type = CMD_PARTNER_REGISTER};

	p.u.partner.id = model_strdup(id);
	p.u.partner.name = model_strdup(id);
	p.u.partner.country = model_strdup(id);
	p.u.partner.time_zone = model_strdup(tz);
	ok(p);
}

static void centre(const char *id, const char *partner_id)
{
	cmd_t c = {.type = CMD_CENTRE_REGISTER};

	c.u.centre.id = model_strdup(id);
	c.u.centre.name = model_strdup(id);
	c.u.centre.kind = CENTRE_KIND_VET_CENTRE;
	c.u.centre.partner = model_strdup(partner_id);
	c.u.centre.country = model_strdup(partner_id);
	ok(c);
}

static cmd_t alliance(const char *id, const char *a, const char *b)
{
	cmd_t c = {.type = CMD_ALLIANCE_CREATE};

	c.u.alliance.id = model_strdup(id);
	c.u.alliance.name = model_strdup(id);
	c.u.alliance.kind = ALLIANCE_KIND_INFORMAL;
	c.u.alliance.members = calloc(2, sizeof *c.u.alliance.members);
	c.u.alliance.members[0].centre = model_strdup(a);
	c.u.alliance.members[1].centre = model_strdup(b);
	c.u.alliance.n_members = 2;
	return c;
}

static void setup(void)
{
	st = state_new();
	partner("PT", "Europe/Lisbon");
	partner("DE", "Europe/Berlin");
	centre("CECOA", "PT");
	centre("ATEC", "PT");
	centre("SBHC", "DE");
	ok(alliance("A1", "CECOA", "SBHC"));
}

static void teardown(void)
{
	state_free(&st);
}

TestSuite(authz, .init = setup, .fini = teardown);

static int check(const principal_t *p, cmd_t c)
{
	int rc = authz_check(p, st, &c, err, sizeof err);

	cmd_release(&c);
	return rc;
}

static cmd_t confirm(const char *centre_id)
{
	cmd_t c = {.type = CMD_COMMITMENT_CONFIRM};

	c.u.confirmation.centre = model_strdup(centre_id);
	c.u.confirmation.commitment = COMMITMENT_EVALUATIONS;
	return c;
}

static cmd_t sign(const char *alliance_id, const char *centre_id)
{
	cmd_t c = {.type = CMD_MOU_SIGN};

	c.u.acmd.alliance = model_strdup(alliance_id);
	c.u.acmd.centre = model_strdup(centre_id);
	c.u.acmd.hash = model_strdup("0123456789abcdef");
	return c;
}

static void denied(const principal_t *p, cmd_t c, const char *needle)
{
	cr_assert_eq(check(p, c), -VA_PERMISSION_DENIED, "allowed %s", p->name);
	cr_assert(strstr(err, p->name) != NULL, "message '%s' does not name the principal", err);
	cr_assert(strstr(err, needle) != NULL, "message '%s' lacks '%s'", err, needle);
}

Test(authz, a_centre_acts_for_itself_only)
{
	cr_assert_eq(check(&cecoa, confirm("CECOA")), 0, "%s", err);
	denied(&cecoa, confirm("ATEC"), "may not act for centre 'ATEC'");
	cr_assert_eq(check(&cecoa, sign("A1", "CECOA")), 0, "%s", err);
	denied(&cecoa, sign("A1", "SBHC"), "centre 'SBHC'");
	denied(&atec, sign("A1", "CECOA"), "centre 'CECOA'");
}

Test(authz, a_coordinator_acts_for_its_own_centres_only)
{
	cr_assert_eq(check(&pt, confirm("CECOA")), 0, "%s", err);
	cr_assert_eq(check(&pt, confirm("ATEC")), 0, "%s", err);
	denied(&pt, confirm("SBHC"), "centre 'SBHC'");
	cr_assert_eq(check(&de, confirm("SBHC")), 0, "%s", err);
	denied(&de, confirm("CECOA"), "centre 'CECOA'");
	cr_assert_eq(check(&pt, sign("A1", "CECOA")), 0, "%s", err);
	denied(&pt, sign("A1", "SBHC"), "centre 'SBHC'");
	/* unknown centre: nobody's but the administrator's */
	denied(&pt, confirm("NOPE"), "centre 'NOPE'");
}

Test(authz, partner_records_and_interests_belong_to_their_coordinator)
{
	cmd_t up = {.type = CMD_PARTNER_UPDATE, .mask = PARTNER_F_NAME};
	cmd_t up2, mark = {.type = CMD_INTEREST_MARK}, reg = {.type = CMD_CENTRE_REGISTER};

	up.u.partner.id = model_strdup("PT");
	up.u.partner.name = model_strdup("Portugal");
	up2 = up;
	up2.u.partner.id = model_strdup("PT");
	up2.u.partner.name = model_strdup("Portugal");
	cr_assert_eq(check(&pt, up), 0, "%s", err);
	denied(&de, up2, "partner 'PT'");
	mark.u.interest.partner = model_strdup("DE");
	mark.u.interest.sector = model_strdup("it");
	denied(&cecoa, mark, "partner 'DE'");
	reg.u.centre.id = model_strdup("NEW");
	reg.u.centre.partner = model_strdup("DE");
	denied(&pt, reg, "partner 'DE'");
}

Test(authz, moving_a_centre_between_partners_is_for_the_administrator)
{
	cmd_t c = {.type = CMD_CENTRE_UPDATE, .mask = CENTRE_F_NAME};

	c.u.centre.id = model_strdup("CECOA");
	c.u.centre.name = model_strdup("CECOA Lisboa");
	cr_assert_eq(check(&cecoa, c), 0, "%s", err);
	c = (cmd_t){.type = CMD_CENTRE_UPDATE, .mask = CENTRE_F_PARTNER};
	c.u.centre.id = model_strdup("CECOA");
	c.u.centre.partner = model_strdup("DE");
	denied(&cecoa, c, "only an administrator moves a centre");
	c = (cmd_t){.type = CMD_CENTRE_UPDATE, .mask = CENTRE_F_PARTNER};
	c.u.centre.id = model_strdup("CECOA");
	c.u.centre.partner = model_strdup("DE");
	cr_assert_eq(check(&admin, c), 0, "%s", err);
}

Test(authz, an_alliance_is_acted_on_by_its_members_and_created_by_one)
{
	cmd_t agree = {.type = CMD_ALLIANCE_AGREE};

	agree.u.acmd.alliance = model_strdup("A1");
	cr_assert_eq(check(&cecoa, agree), 0, "%s", err);
	agree = (cmd_t){.type = CMD_ALLIANCE_AGREE};
	agree.u.acmd.alliance = model_strdup("A1");
	denied(&atec, agree, "alliance 'A1'");
	cr_assert_eq(check(&atec, alliance("A2", "ATEC", "SBHC")), 0, "%s", err);
	cr_assert_eq(check(&de, alliance("A2", "ATEC", "SBHC")), 0, "%s", err);
	denied(&cecoa, alliance("A2", "ATEC", "SBHC"), "none of its members");
}

static cmd_t mobility_by(cmd_type_t type, const char *by)
{
	cmd_t c = {.type = type};

	c.u.mcmd.by = model_strdup(by);
	return c;
}

Test(authz, mobility_steps_are_taken_by_the_institution_named_in_by)
{
	cr_assert_eq(check(&cecoa, mobility_by(CMD_MOBILITY_PROPOSE, "CECOA")), 0, "%s", err);
	denied(&cecoa, mobility_by(CMD_MOBILITY_APPROVE, "SBHC"), "centre 'SBHC'");
	cr_assert_eq(check(&de, mobility_by(CMD_MOBILITY_APPROVE, "SBHC")), 0, "%s", err);
	cr_assert_eq(check(&pt, mobility_by(CMD_MOBILITY_REVIEW, "PT")), 0, "%s", err);
	denied(&pt, mobility_by(CMD_MOBILITY_REVIEW, "DE"), "partner 'DE'");
	denied(&cecoa, mobility_by(CMD_MOBILITY_REVIEW, "PT"), "partner 'PT'");
}

Test(authz, a_deadline_belongs_to_a_centre_or_a_partner)
{
	cmd_t c = {.type = CMD_DEADLINE_DONE};

	c.u.scmd.by = model_strdup("CECOA");
	cr_assert_eq(check(&pt, c), 0, "%s", err);
	c = (cmd_t){.type = CMD_DEADLINE_DONE};
	c.u.scmd.by = model_strdup("PT");
	cr_assert_eq(check(&pt, c), 0, "%s", err);
	c = (cmd_t){.type = CMD_DEADLINE_DONE};
	c.u.scmd.by = model_strdup("PT");
	denied(&cecoa, c, "institution 'PT'");
	c = (cmd_t){.type = CMD_DEADLINE_DONE};
	c.u.scmd.by = model_strdup("SBHC");
	denied(&pt, c, "institution 'SBHC'");
}

Test(authz, reference_data_and_unknown_commands_are_for_administrators)
{
	cmd_t reg = {.type = CMD_PARTNER_REGISTER};
	cmd_t future = {.type = (cmd_type_t)9999};

	reg.u.partner.id = model_strdup("FI");
	denied(&pt, reg, "may not issue partner_register: administrators only");
	cr_assert_eq(authz_check(&cecoa, st, &future, err, sizeof err), -VA_PERMISSION_DENIED);
	cr_assert(strstr(err, "command type 9999") != NULL, "%s", err);
	cr_assert_eq(authz_check(&admin, st, &future, err, sizeof err), 0);
	cr_assert_eq(authz_rule_kind((cmd_type_t)9999), AUTHZ_ADMIN);
	cr_assert_eq(authz_rule_kind(CMD_MOU_SIGN), AUTHZ_CENTRE);
	cr_assert_eq(authz_rule_kind(CMD_MOBILITY_PROPOSE), AUTHZ_CENTRE);
	cr_assert_eq(authz_rule_kind(CMD_MOBILITY_REVIEW), AUTHZ_PARTNER);
	cr_assert_eq(authz_rule_kind(CMD_SESSION_BOOK), AUTHZ_CENTRE);
	cr_assert_eq(authz_rule_kind(CMD_DEADLINE_SET), AUTHZ_INSTITUTION);
}
