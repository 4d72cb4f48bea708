/*
 * vetctl/partner - the partner commands: register, update, show, list.
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

static void fill_partner(const struct options *o, partner_t *p)
{
	vetalliance__v1__partner__init(p);
	p->id = flag_or_empty(o, F_ID);
	p->name = flag_or_empty(o, F_NAME);
	p->country = flag_or_empty(o, F_COUNTRY);
	p->time_zone = flag_or_empty(o, F_TIME_ZONE);
	p->region = flag_or_empty(o, F_REGION);
}

int build_partner_register(const struct options *o, struct bodies *b, va_request_t *req)
{
	fill_partner(o, &b->partner);
	vetalliance__v1__partner_register__init(&b->partner_register);
	b->partner_register.partner = &b->partner;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_REGISTER;
	req->partner_register = &b->partner_register;
	return 0;
}

int build_partner_update(const struct options *o, struct bodies *b, va_request_t *req)
{
	static const enum flag flags[] = {F_NAME, F_COUNTRY, F_TIME_ZONE, F_REGION};
	static const char *const fields[] = {"name", "country", "time_zone", "region"};
	Vetalliance__V1__PartnerUpdate *u = &b->partner_update;

	fill_partner(o, &b->partner);
	vetalliance__v1__partner_update__init(u);
	u->partner = &b->partner;
	u->update_mask = b->mask;
	u->n_update_mask = build_mask(o, b, flags, fields, sizeof flags / sizeof flags[0]);
	if (u->n_update_mask == 0) {
		usage_error("nothing to update: give at least one of --name, --country, "
			    "--time-zone, --region");
		return EX_USAGE;
	}
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_UPDATE;
	req->partner_update = u;
	return 0;
}
