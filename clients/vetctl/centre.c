/*
 * vetctl/centre - the centre commands: register, update (contacts and
 * facts through centre_io.c), show, list, criteria, match, import.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <czmq.h>
#include <jansson.h>
#include <sys/stat.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>
#include <vetalliance/json.h>

#include "vetctl/vetctl.h"

char *flag_or_empty(const struct options *o, enum flag f)
{
	return (o->given & BIT(f)) ? o->value[f] : (char *)protobuf_c_empty_string;
}

/* show_id - the id of a show command: the argument or --id, not both. */
int show_id(const struct options *o, char **id)
{
	if (o->n_args > 0 && (o->given & BIT(F_ID)) && strcmp(o->args[0], o->value[F_ID]) != 0) {
		usage_error("both an id argument and a different --id given");
		return EX_USAGE;
	}
	if (o->n_args > 0)
		*id = o->args[0];
	else if (o->given & BIT(F_ID))
		*id = o->value[F_ID];
	else {
		usage_error("missing the id to show");
		return EX_USAGE;
	}
	return 0;
}

static int fill_centre(const struct options *o, centre_t *c)
{
	vetalliance__v1__centre__init(c);
	c->id = flag_or_empty(o, F_ID);
	c->name = flag_or_empty(o, F_NAME);
	c->partner = flag_or_empty(o, F_PARTNER);
	c->country = flag_or_empty(o, F_COUNTRY);
	c->region = flag_or_empty(o, F_REGION);
	c->sectors = o->sectors;
	c->n_sectors = o->n_sectors;
	if (o->given & BIT(F_KIND)) {
		int kind;

		if (va_enum_from_slug(&vetalliance__v1__centre_kind__descriptor, o->value[F_KIND],
				      &kind) < 0) {
			fprintf(stderr, "vetctl: unknown centre kind '%s' (expected one of: ",
				o->value[F_KIND]);
			print_kinds(stderr);
			fputs(")\n", stderr);
			return EX_USAGE;
		}
		c->kind = (Vetalliance__V1__CentreKind)kind;
	}
	return 0;
}

/*
 * build_mask - the update_mask for the flags given, in `fields` order; a
 * field is named by its .proto name.  Returns its length.
 */
size_t build_mask(const struct options *o, struct bodies *b, const enum flag *flags,
		  const char *const *fields, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (o->given & BIT(flags[i]))
			b->mask[len++] = (char *)fields[i];
	}
	return len;
}

/*
 * centre_extras - the --person and --fact flags into c; each
 * names what it changes in mask[*n] when mask is not NULL.
 */
static int centre_extras(const struct options *o, struct bodies *b, centre_t *c, char **mask,
			 size_t *n)
{
	const char *field;
	char err[512];

	for (size_t i = 0; i < o->n_persons; i++)
		if (vx_person_flag(&b->pool, c, o->persons[i], err, sizeof err) < 0) {
			usage_error("%s", err);
			return EX_USAGE;
		}
	if (mask != NULL && (o->given & (BIT(F_PERSON) | BIT(F_CLEAR_CONTACTS))))
		mask[(*n)++] = "contacts";
	for (size_t i = 0; i < o->n_facts; i++) {
		if (vx_fact_flag(&b->pool, c, o->facts[i], &field, err, sizeof err) < 0) {
			usage_error("%s", err);
			return EX_USAGE;
		}
		if (mask == NULL)
			continue;
		for (size_t k = 0; k < *n && field != NULL; k++)
			if (strcmp(mask[k], field) == 0)
				field = NULL;
		if (field != NULL)
			mask[(*n)++] = (char *)field;
	}
	return 0;
}

int build_centre_register(const struct options *o, struct bodies *b, va_request_t *req)
{
	if (fill_centre(o, &b->centre) != 0 || centre_extras(o, b, &b->centre, NULL, NULL) != 0)
		return EX_USAGE;
	vetalliance__v1__centre_register__init(&b->centre_register);
	b->centre_register.centre = &b->centre;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;
	req->centre_register = &b->centre_register;
	return 0;
}

int build_centre_update(const struct options *o, struct bodies *b, va_request_t *req)
{
	static const enum flag flags[] = {F_NAME, F_KIND, F_PARTNER, F_COUNTRY, F_REGION};
	static const char *const fields[] = {"name", "kind", "partner", "country", "region"};
	Vetalliance__V1__CentreUpdate *u = &b->centre_update;

	if ((o->given & BIT(F_SECTOR)) && (o->given & BIT(F_CLEAR_SECTORS))) {
		usage_error("--sector and --clear-sectors exclude each other");
		return EX_USAGE;
	}
	if (fill_centre(o, &b->centre) != 0)
		return EX_USAGE;
	vetalliance__v1__centre_update__init(u);
	u->centre = &b->centre;
	u->update_mask = b->mask;
	u->n_update_mask = build_mask(o, b, flags, fields, sizeof flags / sizeof flags[0]);
	if (o->given & (BIT(F_SECTOR) | BIT(F_CLEAR_SECTORS)))
		b->mask[u->n_update_mask++] = "sectors";
	if ((o->given & BIT(F_PERSON)) && (o->given & BIT(F_CLEAR_CONTACTS))) {
		usage_error("--person and --clear-contacts exclude each other");
		return EX_USAGE;
	}
	if (centre_extras(o, b, &b->centre, b->mask, &u->n_update_mask) != 0)
		return EX_USAGE;
	if (u->n_update_mask == 0) {
		usage_error("nothing to update: give at least one of --name, --kind, --partner, "
			    "--country, --region, --sector, --clear-sectors, --person, "
			    "--clear-contacts, --fact");
		return EX_USAGE;
	}
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_UPDATE;
	req->centre_update = u;
	return 0;
}

int build_centre_list(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__CentreList *l = &b->centre_list;

	vetalliance__v1__centre_list__init(l);
	l->partner = flag_or_empty(o, F_PARTNER);
	l->country = flag_or_empty(o, F_COUNTRY);
	if (o->n_sectors > 0)
		l->sector = o->sectors[0];
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_LIST;
	req->centre_list = l;
	return 0;
}

int build_centre_match(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__CentreMatch *m = &b->centre_match;

	if (o->n_sectors == 0) {
		usage_error("'centre match' needs --sector");
		return EX_USAGE;
	}
	if ((o->given & BIT(F_CENTRE)) && (o->given & BIT(F_COUNTRY))) {
		usage_error("--centre and --country exclude each other");
		return EX_USAGE;
	}
	vetalliance__v1__centre_match__init(m);
	m->sector = o->sectors[0];
	m->centre = flag_or_empty(o, F_CENTRE);
	m->country = flag_or_empty(o, F_COUNTRY);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_MATCH;
	req->centre_match = m;
	return 0;
}

/* The printers below follow `printers`: 0, 1 (refused) or -1. */

int print_centre_list(const struct options *o, const va_reply_t *reply)
{
	const Vetalliance__V1__CentreListResult *r = reply->centres;
	char *json;

	if (o->given & BIT(F_CSV))
		return vx_centres_csv(stdout, r != NULL ? r->centres : NULL,
				      r != NULL ? r->n_centres : 0);
	if (!o->json)
		return print_result(reply);
	json = va_json_message(&reply->base);
	if (json == NULL)
		return -1;
	printf("%s\n", json);
	free(json);
	return 0;
}

int run_centre_import(const struct options *o, va_client_t *client)
{
	if (o->n_args != 1) {
		usage_error("'centre import' needs the CSV file to read");
		return EX_USAGE;
	}
	return vx_centre_import(client, o->args[0], o->request_id, stdout);
}
