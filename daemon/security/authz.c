/*
 * authz - see authz.h.
 *
 * Adding a command: one row in `rules`, naming the kind and the field of
 * cmd_t that holds the id of the object it acts on (the institution that
 * acts), e.g.
 *
 *   RULE(CMD_SESSION_JOIN, AUTHZ_CENTRE, u.scmd.centre),
 *
 * and a line in the table of docs/SECURITY.md.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <vetalliance/error.h>

#include "security/authz.h"
#include "state/alliance.h"
#include "state/state.h"

typedef int (*authz_extra_fn)(const principal_t *p, const struct state *st, const cmd_t *cmd,
			      char *err, size_t errlen);

typedef struct authz_rule {
	authz_kind_t kind;
	size_t offset;        /* of the char * naming the object, in cmd_t */
	authz_extra_fn extra; /* a further check, or NULL */
	const char *name;     /* "CMD_MOU_SIGN" */
} authz_rule_t;

/* One row: the command type, the kind of object, the field naming it. */
#define RULE(type, kind, field)       [type] = {kind, offsetof(cmd_t, field), NULL, #type}
#define RULE_X(type, kind, field, fn) [type] = {kind, offsetof(cmd_t, field), fn, #type}
#define RULE_ADMIN(type)              [type] = {AUTHZ_ADMIN, 0, NULL, #type}

static int authz__centre_update(const principal_t *p, const struct state *st, const cmd_t *cmd,
				char *err, size_t errlen);
static int authz__alliance_create(const principal_t *p, const struct state *st, const cmd_t *cmd,
				  char *err, size_t errlen);

static const authz_rule_t rules[] = {
    RULE_ADMIN(CMD_PARTNER_REGISTER),
    RULE(CMD_PARTNER_UPDATE, AUTHZ_PARTNER, u.partner.id),
    RULE(CMD_CENTRE_REGISTER, AUTHZ_PARTNER, u.centre.partner),
    RULE_X(CMD_CENTRE_UPDATE, AUTHZ_CENTRE, u.centre.id, authz__centre_update),
    RULE_ADMIN(CMD_SECTOR_DEFINE),
    RULE(CMD_INTEREST_MARK, AUTHZ_PARTNER, u.interest.partner),
    RULE(CMD_COMMITMENT_CONFIRM, AUTHZ_CENTRE, u.confirmation.centre),
    RULE(CMD_COMMITMENT_WITHDRAW, AUTHZ_CENTRE, u.confirmation.centre),
    RULE_X(CMD_ALLIANCE_CREATE, AUTHZ_ALLIANCE, u.alliance.id, authz__alliance_create),
    RULE(CMD_ALLIANCE_JOIN, AUTHZ_CENTRE, u.acmd.centre),
    RULE(CMD_ALLIANCE_LEAVE, AUTHZ_CENTRE, u.acmd.centre),
    RULE(CMD_ALLIANCE_CONTACT, AUTHZ_CENTRE, u.acmd.centre),
    RULE(CMD_ALLIANCE_AGREE, AUTHZ_ALLIANCE, u.acmd.alliance),
    RULE(CMD_ALLIANCE_VISIT, AUTHZ_ALLIANCE, u.acmd.alliance),
    RULE(CMD_MOU_DRAFT, AUTHZ_ALLIANCE, u.acmd.alliance),
    RULE(CMD_MOU_SIGN, AUTHZ_CENTRE, u.acmd.centre),
    /* mobilities: `by` is the acting institution; the state
     * core checks that it plays the part (sending, host) */
    RULE(CMD_MOBILITY_PROPOSE, AUTHZ_CENTRE, u.mcmd.by),
    RULE(CMD_MOBILITY_REVIEW, AUTHZ_PARTNER, u.mcmd.by),
    RULE(CMD_MOBILITY_APPROVE, AUTHZ_CENTRE, u.mcmd.by),
    RULE(CMD_MOBILITY_REJECT, AUTHZ_CENTRE, u.mcmd.by),
    RULE(CMD_MOBILITY_START, AUTHZ_CENTRE, u.mcmd.by),
    RULE(CMD_MOBILITY_COMPLETE, AUTHZ_CENTRE, u.mcmd.by),
    RULE(CMD_MOBILITY_CERTIFY, AUTHZ_CENTRE, u.mcmd.by),
    RULE(CMD_MOBILITY_COUNTERSIGN, AUTHZ_CENTRE, u.mcmd.by),
    RULE(CMD_MOBILITY_CANCEL, AUTHZ_CENTRE, u.mcmd.by),
    RULE(CMD_MOBILITY_PREPARE, AUTHZ_CENTRE, u.mcmd.by),
    /* The host books, cancels,
     * reschedules and records attendance; a participant joins, leaves and
     * evaluates; a member records the alliance visit; the owner (a centre
     * or a partner) sets and closes a deadline */
    RULE(CMD_SESSION_BOOK, AUTHZ_CENTRE, u.session.host),
    RULE(CMD_SESSION_JOIN, AUTHZ_CENTRE, u.scmd.centre),
    RULE(CMD_SESSION_LEAVE, AUTHZ_CENTRE, u.scmd.centre),
    RULE(CMD_SESSION_CANCEL, AUTHZ_CENTRE, u.scmd.by),
    RULE(CMD_SESSION_RESCHEDULE, AUTHZ_CENTRE, u.scmd.by),
    RULE(CMD_SESSION_ATTENDANCE, AUTHZ_CENTRE, u.scmd.by),
    RULE(CMD_SESSION_EVALUATE, AUTHZ_CENTRE, u.scmd.centre),
    RULE(CMD_SESSION_ALLIANCE_VISIT, AUTHZ_CENTRE, u.scmd.by),
    RULE(CMD_DEADLINE_SET, AUTHZ_INSTITUTION, u.deadline.owner),
    RULE(CMD_DEADLINE_DONE, AUTHZ_INSTITUTION, u.scmd.by),
};

#define N_RULES (sizeof rules / sizeof rules[0])

static const char *authz__field(const cmd_t *cmd, const authz_rule_t *r)
{
	const char *s = *(const char *const *)((const char *)cmd + r->offset);

	return s ? s : "";
}

static int authz__deny(const principal_t *p, const char *what, const char *id, const char *why,
		       char *err, size_t errlen)
{
	snprintf(err, errlen, "principal '%s' (%s%s%s) may not act for %s '%s'%s", p->name,
		 role_name(p->role), p->institution[0] ? " " : "", p->institution, what, id, why);
	return -VA_PERMISSION_DENIED;
}

/* The centre itself, or the coordinator of its partner. */
static int authz__for_centre(const principal_t *p, const struct state *st, const char *id)
{
	const centre_t *c;

	if (p->role == ROLE_CENTRE)
		return strcmp(p->institution, id) == 0;
	if (p->role != ROLE_PARTNER)
		return 0;
	c = state_centre_get(st, id);
	return c != NULL && c->partner != NULL && strcmp(c->partner, p->institution) == 0;
}

/* A member centre acts for its alliance, and so does its coordinator. */
static int authz__for_alliance(const principal_t *p, const struct state *st, const alliance_t *a)
{
	for (size_t i = 0; a != NULL && i < a->n_members; i++)
		if (authz__for_centre(p, st, a->members[i].centre))
			return 1;
	return 0;
}

/* A centre may edit its record but not move itself to another partner;
 * a coordinator may move its centre only to itself. */
static int authz__centre_update(const principal_t *p, const struct state *st, const cmd_t *cmd,
				char *err, size_t errlen)
{
	const char *to = cmd->u.centre.partner ? cmd->u.centre.partner : "";

	(void)st;
	if (!(cmd->mask & CENTRE_F_PARTNER))
		return 0;
	if (p->role == ROLE_PARTNER && strcmp(to, p->institution) == 0)
		return 0;
	return authz__deny(p, "partner", to,
			   ": only an administrator moves a centre between partners", err, errlen);
}

/* Whoever creates an alliance must be in it: a centre as a member, a
 * coordinator through one of its centres. */
static int authz__alliance_create(const principal_t *p, const struct state *st, const cmd_t *cmd,
				  char *err, size_t errlen)
{
	if (authz__for_alliance(p, st, &cmd->u.alliance))
		return 0;
	return authz__deny(p, "alliance", cmd->u.alliance.id ? cmd->u.alliance.id : "",
			   ": none of its members is the principal's", err, errlen);
}

authz_kind_t authz_rule_kind(cmd_type_t type)
{
	return (size_t)type < N_RULES ? rules[type].kind : AUTHZ_ADMIN;
}

int authz_check(const principal_t *p, const struct state *st, const cmd_t *cmd, char *err,
		size_t errlen)
{
	const authz_rule_t *r;
	const char *id;
	int ok = 0;

	if (p->role == ROLE_ADMIN)
		return 0;
	if ((size_t)cmd->type >= N_RULES || rules[cmd->type].name == NULL ||
	    rules[cmd->type].kind == AUTHZ_ADMIN) {
		char name[64] = "";
		/* "CMD_PARTNER_REGISTER" -> "partner_register", the request's name */
		if ((size_t)cmd->type < N_RULES && rules[cmd->type].name != NULL)
			for (size_t i = 0; rules[cmd->type].name[4 + i] && i + 1 < sizeof name; i++)
				name[i] =
				    (char)tolower((unsigned char)rules[cmd->type].name[4 + i]);
		else
			snprintf(name, sizeof name, "command type %d", (int)cmd->type);
		snprintf(err, errlen,
			 "principal '%s' (%s%s%s) may not issue %s: administrators only", p->name,
			 role_name(p->role), p->institution[0] ? " " : "", p->institution, name);
		return -VA_PERMISSION_DENIED;
	}
	r = &rules[cmd->type];
	id = authz__field(cmd, r);
	switch (r->kind) {
	case AUTHZ_CENTRE:
		if (!authz__for_centre(p, st, id))
			return authz__deny(p, "centre", id, "", err, errlen);
		break;
	case AUTHZ_PARTNER:
		if (p->role != ROLE_PARTNER || strcmp(p->institution, id) != 0)
			return authz__deny(p, "partner", id, "", err, errlen);
		break;
	case AUTHZ_INSTITUTION:
		if (!authz__for_centre(p, st, id) &&
		    !(p->role == ROLE_PARTNER && strcmp(p->institution, id) == 0))
			return authz__deny(p, "institution", id, "", err, errlen);
		break;
	case AUTHZ_ALLIANCE: {
		const alliance_t *a = alliances_get(state_alliances(st), id);
		/* A create names an alliance that does not exist yet: its own
		 * check judges the members it lists. */
		ok = r->extra != NULL && a == NULL;
		if (!ok && !authz__for_alliance(p, st, a))
			return authz__deny(p, "alliance", id, "", err, errlen);
		break;
	}
	case AUTHZ_ADMIN:
		break;
	}
	return r->extra != NULL ? r->extra(p, st, cmd, err, errlen) : 0;
}
