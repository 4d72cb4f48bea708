/*
 * vetctl/sector - the sectors, the partner x sector interests, the state
 * and the sector report.
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

static int build_interest(const struct options *o, struct bodies *b, va_request_t *req,
			  int interested)
{
	interest_t *in = &b->interest;

	vetalliance__v1__sector_interest__init(in);
	in->partner = flag_or_empty(o, F_PARTNER);
	if (o->n_sectors > 0)
		in->sector = o->sectors[0];
	in->interested = interested;
	in->note = flag_or_empty(o, F_NOTE);
	vetalliance__v1__interest_mark__init(&b->interest_mark);
	b->interest_mark.interest = in;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_INTEREST_MARK;
	req->interest_mark = &b->interest_mark;
	return 0;
}

int build_interest_mark(const struct options *o, struct bodies *b, va_request_t *req)
{
	return build_interest(o, b, req, 1);
}

int build_interest_unmark(const struct options *o, struct bodies *b, va_request_t *req)
{
	return build_interest(o, b, req, 0);
}

int build_report_sectors(const struct options *o, struct bodies *b, va_request_t *req)
{
	if (o->json && (o->given & BIT(F_CSV))) {
		usage_error("--csv and --json exclude each other");
		return EX_USAGE;
	}
	return build_from_spec(BODY0("state_get", NULL), o, b, req);
}

int print_report_sectors(const struct options *o, const va_reply_t *reply)
{
	static const Vetalliance__V1__StateResult empty = VETALLIANCE__V1__STATE_RESULT__INIT;
	enum vx_format f = o->json ? VX_JSON : (o->given & BIT(F_CSV)) ? VX_CSV : VX_TEXT;

	return vx_report_sectors(stdout, reply->state != NULL ? reply->state : &empty, f);
}
