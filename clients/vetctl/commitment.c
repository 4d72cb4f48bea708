/*
 * vetctl/commitment - the six commitments: confirm, withdraw, list.
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

/* build_commitment - confirm (1) or withdraw (0) one commitment. */
static int build_commitment(const struct options *o, struct bodies *b, va_request_t *req,
			    int confirm)
{
	int value = 0;

	if (!(o->given & BIT(F_CENTRE)) || !(o->given & BIT(F_COMMITMENT))) {
		usage_error("'commitment %s' needs --centre and --commitment",
			    confirm ? "confirm" : "withdraw");
		return EX_USAGE;
	}
	if (va_enum_from_slug(&vetalliance__v1__commitment__descriptor, o->value[F_COMMITMENT],
			      &value) < 0 ||
	    value == 0) {
		fprintf(stderr, "vetctl: unknown commitment '%s' (expected one of: ",
			o->value[F_COMMITMENT]);
		print_slugs(stderr, &vetalliance__v1__commitment__descriptor);
		fputs(")\n", stderr);
		return EX_USAGE;
	}
	if (confirm) {
		vetalliance__v1__commitment_confirm__init(&b->commitment_confirm);
		b->commitment_confirm.centre = o->value[F_CENTRE];
		b->commitment_confirm.commitment = (Vetalliance__V1__Commitment)value;
		req->body_case = VETALLIANCE__V1__REQUEST__BODY_COMMITMENT_CONFIRM;
		req->commitment_confirm = &b->commitment_confirm;
	} else {
		vetalliance__v1__commitment_withdraw__init(&b->commitment_withdraw);
		b->commitment_withdraw.centre = o->value[F_CENTRE];
		b->commitment_withdraw.commitment = (Vetalliance__V1__Commitment)value;
		req->body_case = VETALLIANCE__V1__REQUEST__BODY_COMMITMENT_WITHDRAW;
		req->commitment_withdraw = &b->commitment_withdraw;
	}
	return 0;
}

int build_commitment_confirm(const struct options *o, struct bodies *b, va_request_t *req)
{
	return build_commitment(o, b, req, 1);
}

int build_commitment_withdraw(const struct options *o, struct bodies *b, va_request_t *req)
{
	return build_commitment(o, b, req, 0);
}

int build_commitment_list(const struct options *o, struct bodies *b, va_request_t *req)
{
	if (!(o->given & BIT(F_CENTRE))) {
		usage_error("'commitment list' needs --centre");
		return EX_USAGE;
	}
	vetalliance__v1__commitment_list__init(&b->commitment_list);
	b->commitment_list.centre = o->value[F_CENTRE];
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_COMMITMENT_LIST;
	req->commitment_list = &b->commitment_list;
	return 0;
}
