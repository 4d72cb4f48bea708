/*
 * vetctl/mobility - the mobility commands (the lifecycle, review, certify,
 * prepare, show, list) and their printers (mobility_print.c).
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

/* mobility_enum - a required enum value from its slug; 0 is refused. */
static int mobility_enum(const ProtobufCEnumDescriptor *d, const char *what, const char *v,
			 int *out)
{
	if (va_enum_from_slug(d, v, out) < 0 || *out == 0) {
		fprintf(stderr, "vetctl: unknown %s '%s' (expected one of: ", what, v);
		print_slugs(stderr, d);
		fputs(")\n", stderr);
		return EX_USAGE;
	}
	return 0;
}

/* mobility_date - --start / --end as YYYYMMDD. */
static int mobility_date(const struct options *o, enum flag f, int32_t *out)
{
	if (!(o->given & BIT(f)))
		return 0;
	*out = vetctl_parse_ymd(o->value[f]);
	if (*out == 0) {
		usage_error("invalid --%s '%s': expected a date YYYY-MM-DD", flag_names[f],
			    o->value[f]);
		return EX_USAGE;
	}
	return 0;
}

/* mobility_levels - --english and --english-required (CEFR). */
static int mobility_levels(const struct options *o, Vetalliance__V1__Cefr *level,
			   Vetalliance__V1__Cefr *required)
{
	int v;

	if ((o->given & BIT(F_ENGLISH)) &&
	    mobility_enum(&vetalliance__v1__cefr__descriptor, "CEFR level", o->value[F_ENGLISH],
			  &v) != 0)
		return EX_USAGE;
	if (o->given & BIT(F_ENGLISH))
		*level = (Vetalliance__V1__Cefr)v;
	if ((o->given & BIT(F_ENGLISH_REQUIRED)) &&
	    mobility_enum(&vetalliance__v1__cefr__descriptor, "CEFR level",
			  o->value[F_ENGLISH_REQUIRED], &v) != 0)
		return EX_USAGE;
	if (o->given & BIT(F_ENGLISH_REQUIRED))
		*required = (Vetalliance__V1__Cefr)v;
	return 0;
}

/* mobility_facts - every --fact NAME=yes|no|unknown into a MobilityFacts:
 * NAME is a field of the message, '-' for '_' ("company-experience"). */
static int mobility_facts(const struct options *o, Vetalliance__V1__MobilityFacts *f)
{
	const ProtobufCMessageDescriptor *d = &vetalliance__v1__mobility_facts__descriptor;

	vetalliance__v1__mobility_facts__init(f);
	for (size_t i = 0; i < o->n_facts; i++) {
		const char *eq = strchr(o->facts[i], '=');
		const ProtobufCFieldDescriptor *fd = NULL;
		char name[64];
		int v;

		if (eq != NULL && (size_t)(eq - o->facts[i]) < sizeof name) {
			memcpy(name, o->facts[i], (size_t)(eq - o->facts[i]));
			name[eq - o->facts[i]] = '\0';
			for (char *p = name; *p; p++)
				*p = *p == '-' ? '_' : *p;
			fd = protobuf_c_message_descriptor_get_field_by_name(d, name);
		}
		if (fd == NULL ||
		    va_enum_from_slug(&vetalliance__v1__tri__descriptor, eq + 1, &v) < 0) {
			usage_error(
			    "invalid --fact '%s': expected NAME=yes|no|unknown, NAME one of "
			    "company-experience, found-company, soft-landing, host-welcome, "
			    "units-agreed, skills-assessed, learning-pathway, documented",
			    o->facts[i]);
			return EX_USAGE;
		}
		*(Vetalliance__V1__Tri *)((char *)f + fd->offset) = (Vetalliance__V1__Tri)v;
	}
	return 0;
}

int build_mobility_propose(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__Mobility *m = &b->mobility;
	int v;

	vetalliance__v1__mobility__init(m);
	m->id = flag_or_empty(o, F_ID);
	m->participant = flag_or_empty(o, F_PARTICIPANT);
	m->sending = flag_or_empty(o, F_SENDING);
	m->host = flag_or_empty(o, F_HOST);
	m->sector = o->n_sectors > 0 ? o->sectors[0] : (char *)protobuf_c_empty_string;
	m->group = flag_or_empty(o, F_GROUP);
	m->paid = (o->given & BIT(F_PAID)) != 0;
	m->units = o->units;
	m->n_units = o->n_units;
	if (o->given & BIT(F_KIND)) {
		if (mobility_enum(&vetalliance__v1__participant_kind__descriptor,
				  "participant kind", o->value[F_KIND], &v) != 0)
			return EX_USAGE;
		m->participant_kind = (Vetalliance__V1__ParticipantKind)v;
	}
	if (o->given & BIT(F_FORMAT)) {
		if (mobility_enum(&vetalliance__v1__mobility_format__descriptor, "format",
				  o->value[F_FORMAT], &v) != 0)
			return EX_USAGE;
		m->format = (Vetalliance__V1__MobilityFormat)v;
	}
	if (mobility_date(o, F_START, &m->start_date) != 0 ||
	    mobility_date(o, F_END, &m->end_date) != 0 ||
	    mobility_levels(o, &m->english_level, &m->english_required) != 0 ||
	    mobility_facts(o, &b->facts) != 0)
		return EX_USAGE;
	m->facts = &b->facts;
	vetalliance__v1__mobility_propose__init(&b->mobility_propose);
	b->mobility_propose.mobility = m;
	b->mobility_propose.by = flag_or_empty(o, F_BY);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_PROPOSE;
	req->mobility_propose = &b->mobility_propose;
	return 0;
}

/* A lifecycle step: every MobilityAct body shares the oneof's one slot. */
int build_mobility_review(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__MobilityReviewDecision *d = &b->mobility_review;

	vetalliance__v1__mobility_review_decision__init(d);
	if (show_id(o, &d->id) != 0)
		return EX_USAGE;
	if (!(o->given & BIT(F_ACCEPT)) == !(o->given & BIT(F_REFUSE))) {
		usage_error("'mobility review' needs one of --accept and --refuse");
		return EX_USAGE;
	}
	d->accept = (o->given & BIT(F_ACCEPT)) != 0;
	d->by = flag_or_empty(o, F_BY);
	d->reason = flag_or_empty(o, F_REASON);
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_REVIEW;
	req->mobility_review = d;
	return 0;
}

int build_mobility_certify(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__MobilityCertify *k = &b->mobility_certify;

	vetalliance__v1__mobility_certify__init(k);
	if (show_id(o, &k->id) != 0)
		return EX_USAGE;
	k->by = flag_or_empty(o, F_BY);
	k->activities = o->activities;
	k->n_activities = o->n_activities;
	k->outcomes = o->outcomes;
	k->n_outcomes = o->n_outcomes;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_CERTIFY;
	req->mobility_certify = k;
	return 0;
}

int build_mobility_prepare(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__MobilityPrepare *p = &b->mobility_prepare;

	vetalliance__v1__mobility_prepare__init(p);
	if (show_id(o, &p->id) != 0 ||
	    mobility_levels(o, &p->english_level, &p->english_required) ||
	    mobility_facts(o, &b->facts) != 0)
		return EX_USAGE;
	p->by = flag_or_empty(o, F_BY);
	p->facts = &b->facts;
	p->units = o->units;
	p->n_units = o->n_units;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_PREPARE;
	req->mobility_prepare = p;
	return 0;
}

int build_mobility_list(const struct options *o, struct bodies *b, va_request_t *req)
{
	int v;

	vetalliance__v1__mobility_list__init(&b->mobility_list);
	b->mobility_list.partner = flag_or_empty(o, F_PARTNER);
	if (o->given & BIT(F_STATUS)) {
		if (mobility_enum(&vetalliance__v1__mobility_status__descriptor, "status",
				  o->value[F_STATUS], &v) != 0)
			return EX_USAGE;
		b->mobility_list.status = (Vetalliance__V1__MobilityStatus)v;
	}
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_LIST;
	req->mobility_list = &b->mobility_list;
	return 0;
}

int print_mobility_show(const struct options *o, const va_reply_t *reply)
{
	return vetctl_mobility_show(reply, o->json);
}

int print_mobility_certificate(const struct options *o, const va_reply_t *reply)
{
	return vetctl_mobility_certificate(reply, o->json);
}

int print_mobility_report(const struct options *o, const va_reply_t *reply)
{
	return vetctl_mobility_report(reply, o->json, (o->given & BIT(F_CSV)) != 0);
}
