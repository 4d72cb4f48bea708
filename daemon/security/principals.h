/*
 * principals - who may connect, and as whom: the principals file.
 *
 * A principal is one CURVE public key with a name, a role and the
 * institution it acts as.  The file is ZPL (czmq's zconfig), one section
 * per principal, named by the principal's label:
 *
 *   cecoa-office
 *       key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
 *       role = centre
 *       institution = "CECOA"
 *   iefp-coordinator
 *       key = "..."
 *       role = partner
 *       institution = "IEFP"
 *   secretariat
 *       key = "..."
 *       role = admin
 *
 * `key` is the Z85 text of the public key (40 characters; `vetctl keygen`
 * prints it).  `role` is centre, partner (a partner coordinator) or admin.
 * `institution` names the centre or partner id; an administrator has
 * none.  Labels and keys are unique; the label is the actor recorded in
 * the principal's events.  Anything else in the file is an error, so a
 * typo never silently grants or drops access.
 */
#ifndef VA_PRINCIPALS_H
#define VA_PRINCIPALS_H

#include <stddef.h>

#define PRINCIPAL_KEY_LEN  40 /* Z85 text of a 32-byte CURVE key */
#define PRINCIPAL_NAME_MAX 64

typedef enum {
	ROLE_CENTRE = 1,
	ROLE_PARTNER = 2,
	ROLE_ADMIN = 3,
} role_t;

typedef struct principal {
	char name[PRINCIPAL_NAME_MAX + 1];
	role_t role;
	char institution[33];            /* centre or partner id; "" for admin */
	char key[PRINCIPAL_KEY_LEN + 1]; /* Z85 public key; "" in plain mode */
} principal_t;

typedef struct principals principals_t;

/*
 * principals_load - read and check a principals file.  Returns the table
 * (free with principals_free), or NULL with a message naming the file,
 * the section and the rule in err.
 */
principals_t *principals_load(const char *path, char *err, size_t errlen);

/* principals_parse - the same from text; `what` names it in messages. */
principals_t *principals_parse(const char *text, const char *what, char *err, size_t errlen);

void principals_free(principals_t **self_p);

/* principals_find - the principal with this Z85 public key, or NULL. */
const principal_t *principals_find(const principals_t *self, const char *key);

size_t principals_count(const principals_t *self);
const principal_t *principals_at(const principals_t *self, size_t i);

/* principals_removed - how many keys of `old` are not in `next`. */
size_t principals_removed(const principals_t *old, const principals_t *next);

/* role_name - "centre", "partner" or "admin". */
const char *role_name(role_t role);

#endif
