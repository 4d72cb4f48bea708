/*
 * authz - who may issue which command on which object.
 *
 * One table, keyed by the command type (state/model.h cmd_type_t), says
 * what kind of object a command acts on and where in the command its id
 * is.  A rule of kind
 *
 *   AUTHZ_ADMIN     only an administrator (reference data);
 *   AUTHZ_CENTRE    the field names a centre: the centre itself, the
 *                   coordinator of the partner the centre belongs to, or
 *                   an administrator;
 *   AUTHZ_PARTNER   the field names a partner: that partner's coordinator
 *                   or an administrator;
 *   AUTHZ_ALLIANCE  the field names an alliance: a member centre, the
 *                   coordinator of a member's partner, or an administrator;
 *   AUTHZ_INSTITUTION  the field names a centre or a partner: as
 *                   AUTHZ_CENTRE for a centre, as AUTHZ_PARTNER for a
 *                   partner.
 *
 * A row may add a check of its own (a centre update that moves the centre
 * to another partner; an alliance created by someone who is not in it).
 * A command type without a row is refused to everyone but an
 * administrator, so a new command is closed until its row is written.
 * Queries are open to every authenticated principal.  The rules read the
 * state (a centre's partner, an alliance's members) but never change it.
 */
#ifndef VA_AUTHZ_H
#define VA_AUTHZ_H

#include <stddef.h>

#include "security/principals.h"
#include "state/model.h"

struct state;

typedef enum {
	AUTHZ_ADMIN = 0, /* the zero value: a missing row is admin-only */
	AUTHZ_CENTRE,
	AUTHZ_PARTNER,
	AUTHZ_ALLIANCE,
	AUTHZ_INSTITUTION,
} authz_kind_t;

/*
 * authz_check - may principal `p` issue `cmd` against state `st`?
 * Returns 0, or -VA_PERMISSION_DENIED with a message naming the principal
 * and the object in err.
 */
int authz_check(const principal_t *p, const struct state *st, const cmd_t *cmd, char *err,
		size_t errlen);

/* authz_rule_kind - the kind of the row for a command type (AUTHZ_ADMIN
 * for a type without a row).  For the documentation test. */
authz_kind_t authz_rule_kind(cmd_type_t type);

#endif
