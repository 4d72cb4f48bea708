/*
 * vetctl/centre_io - what vetctl does for centres beyond one request and a
 * generic printout: contacts and selection-criteria facts on
 * the command line, the centre CSV (export and import, docs/CSV.md), the
 * partner x sector interest report, and the MoU as a document.
 *
 * Text encodings shared by the command line and the CSV:
 *   a person   NAME|CHANNEL|CHANNEL...   ("Ana Pérez|email:ana@x.es")
 *   persons    PERSON;PERSON...          (one CSV cell per role)
 * where '\' escapes a '|', ';' or '\' that belongs to a name or channel.
 * A fact is NAME=VALUE with the .proto field name: yes / willing / no /
 * unknown for the eight facts, text for province, hours or "unknown" for
 * teacher_hours.
 */
#ifndef VA_VETCTL_CENTRES_H
#define VA_VETCTL_CENTRES_H

#include <stddef.h>
#include <stdio.h>

#include <vetalliance/client.h>

/* A pool of allocations freed together (the strings and contacts a
 * request points to). */
typedef struct vx_pool {
	void **v;
	size_t n;
} vx_pool_t;

void vx_pool_release(vx_pool_t *pool);

/*
 * vx_contacts_add - append the persons of `text` (PERSON;PERSON...) with
 * role `role` to c->contacts.  Returns 0, or -1 with a message in err.
 */
int vx_contacts_add(vx_pool_t *pool, Vetalliance__V1__Centre *c, int role, const char *text,
		    char *err, size_t errlen);

/* vx_person_flag - one --person ROLE=PERSON;... value.  Returns 0 or -1. */
int vx_person_flag(vx_pool_t *pool, Vetalliance__V1__Centre *c, const char *arg, char *err,
		   size_t errlen);

/*
 * vx_fact_set - set the fact `name` of c from `value`; *field receives
 * its update_mask name (static).  Returns 0, or -1 with a message naming
 * the fact and the values it takes.
 */
int vx_fact_set(vx_pool_t *pool, Vetalliance__V1__Centre *c, const char *name, const char *value,
		const char **field, char *err, size_t errlen);

/* vx_fact_flag - one --fact NAME=VALUE.  Returns 0 or -1. */
int vx_fact_flag(vx_pool_t *pool, Vetalliance__V1__Centre *c, const char *arg, const char **field,
		 char *err, size_t errlen);

/* vx_centres_csv - the header and one record per centre.  Returns 0 or -1
 * on out of memory. */
int vx_centres_csv(FILE *out, Vetalliance__V1__Centre *const *centres, size_t n);

/*
 * vx_centre_import - register or update one centre per record of the CSV
 * file `path`, reporting each row to `out`.  `request_id`, when not NULL,
 * prefixes the request ids so that running the import again applies no
 * row twice.  Returns a sysexits code: 0 when every row was accepted,
 * 1 when the daemon or the parser refused a row, EX_NOINPUT / EX_DATAERR
 * for a file that cannot be read or whose header is wrong, EX_UNAVAILABLE
 * when the daemon does not answer.
 */
int vx_centre_import(va_client_t *client, const char *path, const char *request_id, FILE *out);

/* Output formats of the reports. */
enum vx_format { VX_TEXT, VX_CSV, VX_JSON };

/* vx_report_sectors - the partner x sector interest matrix.  Returns 0 or
 * -1 on out of memory. */
int vx_report_sectors(FILE *out, const Vetalliance__V1__StateResult *st, enum vx_format format);

/* vx_mou_show - the MoU of `a` as a document (VX_TEXT or VX_JSON).
 * Returns 0, 1 when the alliance has no MoU draft (a message on stderr),
 * or -1 on out of memory. */
int vx_mou_show(FILE *out, const Vetalliance__V1__Alliance *a, enum vx_format format);

#endif
