/*
 * vetctl/alliance - alliances and their MoU: create, join, leave, contact,
 * agree, visit, mou-draft, mou-sign, show, list, mou show.
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

/* alliance_id - the alliance of an alliance command: --id or the argument. */
static int alliance_id(const struct options *o, char **id)
{
	if (show_id(o, id) != 0)
		return EX_USAGE;
	return 0;
}

int build_alliance_create(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__Alliance *a = &b->alliance;
	int value;

	vetalliance__v1__alliance__init(a);
	a->id = flag_or_empty(o, F_ID);
	a->name = flag_or_empty(o, F_NAME);
	a->kind = VETALLIANCE__V1__ALLIANCE_KIND__ALLIANCE_KIND_INFORMAL;
	if (o->given & BIT(F_KIND)) {
		if (va_enum_from_slug(&vetalliance__v1__alliance_kind__descriptor, o->value[F_KIND],
				      &value) < 0 ||
		    value == 0) {
			fprintf(stderr, "vetctl: unknown alliance kind '%s' (expected one of: ",
				o->value[F_KIND]);
			print_slugs(stderr, &vetalliance__v1__alliance_kind__descriptor);
			fputs(")\n", stderr);
			return EX_USAGE;
		}
		a->kind = (Vetalliance__V1__AllianceKind)value;
	}
	if (o->n_sectors > 0)
		a->sector = o->sectors[0];
	b->alliance_members = calloc(o->n_members + 1, sizeof *b->alliance_members);
	b->alliance_mptrs = calloc(o->n_members + 1, sizeof *b->alliance_mptrs);
	if (b->alliance_members == NULL || b->alliance_mptrs == NULL) {
		fputs("vetctl: out of memory\n", stderr);
		return EX_SOFTWARE;
	}
	for (size_t i = 0; i < o->n_members; i++) {
		vetalliance__v1__alliance_member__init(&b->alliance_members[i]);
		b->alliance_members[i].centre = o->members[i];
		b->alliance_mptrs[i] = &b->alliance_members[i];
	}
	a->n_members = o->n_members;
	a->members = b->alliance_mptrs;
	if (o->n_adopts > sizeof b->adopted / sizeof b->adopted[0]) {
		usage_error("too many --adopt");
		return EX_USAGE;
	}
	for (size_t i = 0; i < o->n_adopts; i++) {
		if (va_enum_from_slug(&vetalliance__v1__commitment__descriptor, o->adopts[i],
				      &value) < 0 ||
		    value == 0) {
			fprintf(stderr,
				"vetctl: unknown commitment '%s' (expected one of: ", o->adopts[i]);
			print_slugs(stderr, &vetalliance__v1__commitment__descriptor);
			fputs(")\n", stderr);
			return EX_USAGE;
		}
		b->adopted[i] = (Vetalliance__V1__Commitment)value;
	}
	a->n_adopted = o->n_adopts;
	a->adopted = b->adopted;
	vetalliance__v1__alliance_create__init(&b->alliance_create);
	b->alliance_create.alliance = a;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_CREATE;
	req->alliance_create = &b->alliance_create;
	return 0;
}

int build_alliance_contact(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__AllianceContact *c = &b->alliance_contact;

	vetalliance__v1__alliance_contact__init(c);
	if (alliance_id(o, &c->alliance) != 0)
		return EX_USAGE;
	c->centre = flag_or_empty(o, F_CENTRE);
	c->contact = flag_or_empty(o, F_CONTACT);
	c->n_channels = o->n_channels;
	c->channels = o->channels;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_CONTACT;
	req->alliance_contact = c;
	return 0;
}

/* parse_date - YYYY-MM-DD as UTC midnight in ms; returns 0 or -1. */
static int parse_date(const char *s, int64_t *ms)
{
	struct tm tm = {0};
	int y, m, d;
	char tail;

	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 ||
	    d > 31 || y < 1970)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	*ms = (int64_t)timegm(&tm) * 1000;
	return 0;
}

int build_alliance_visit(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__AllianceVisit *v = &b->alliance_visit;

	vetalliance__v1__alliance_visit__init(v);
	if (alliance_id(o, &v->alliance) != 0)
		return EX_USAGE;
	if (!!(o->given & BIT(F_DATE)) == !!(o->given & BIT(F_REFERENCE))) {
		usage_error("'alliance visit' needs --date YYYY-MM-DD (on site) or --reference REF "
			    "(virtual)");
		return EX_USAGE;
	}
	if (o->given & BIT(F_DATE)) {
		if (parse_date(o->value[F_DATE], &v->date_ms) < 0) {
			usage_error("invalid --date '%s': expected YYYY-MM-DD", o->value[F_DATE]);
			return EX_USAGE;
		}
	} else {
		v->is_virtual = 1;
		v->reference = o->value[F_REFERENCE];
	}
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_VISIT;
	req->alliance_visit = v;
	return 0;
}

/* parse_counts - "n,n,..." into exactly n uint32 values; returns 0 or -1. */
static int parse_counts(const char *s, uint32_t *out, size_t n)
{
	const char *p = s;

	for (size_t i = 0; i < n; i++) {
		char *end;
		unsigned long v;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno != 0 || end == p || v > 100000 || *p == '-')
			return -1;
		out[i] = (uint32_t)v;
		if (i + 1 < n && *end != ',')
			return -1;
		p = end + 1;
		if (i + 1 == n && *end != '\0')
			return -1;
	}
	return 0;
}

int build_mou_draft(const struct options *o, struct bodies *b, va_request_t *req)
{
	Vetalliance__V1__MouContent *m = &b->mou;
	uint32_t st[5] = {0}, sf[4] = {0};

	vetalliance__v1__mou_content__init(m);
	vetalliance__v1__mou_draft__init(&b->mou_draft);
	if (alliance_id(o, &b->mou_draft.alliance) != 0)
		return EX_USAGE;
	if ((o->given & BIT(F_STUDENTS)) && parse_counts(o->value[F_STUDENTS], st, 5) < 0) {
		usage_error("invalid --students '%s': expected five counts N,N,N,N,N (< 4 weeks, "
			    "4-12 weeks, 3-6 months, > 6 months, special needs)",
			    o->value[F_STUDENTS]);
		return EX_USAGE;
	}
	if ((o->given & BIT(F_STAFF)) && parse_counts(o->value[F_STAFF], sf, 4) < 0) {
		usage_error("invalid --staff '%s': expected four counts N,N,N,N (job shadowing, "
			    "teaching, preparation, company experts)",
			    o->value[F_STAFF]);
		return EX_USAGE;
	}
	if ((o->given & BIT(F_VALID_FROM)) &&
	    parse_date(o->value[F_VALID_FROM], &m->valid_from_ms) < 0) {
		usage_error("invalid --valid-from '%s': expected YYYY-MM-DD",
			    o->value[F_VALID_FROM]);
		return EX_USAGE;
	}
	if ((o->given & BIT(F_VALID_UNTIL)) &&
	    parse_date(o->value[F_VALID_UNTIL], &m->valid_until_ms) < 0) {
		usage_error("invalid --valid-until '%s': expected YYYY-MM-DD",
			    o->value[F_VALID_UNTIL]);
		return EX_USAGE;
	}
	m->objectives = flag_or_empty(o, F_OBJECTIVES);
	m->students_under_4_weeks = st[0];
	m->students_4_to_12_weeks = st[1];
	m->students_3_to_6_months = st[2];
	m->students_over_6_months = st[3];
	m->students_special_needs = st[4];
	m->staff_job_shadowing = sf[0];
	m->staff_teaching = sf[1];
	m->staff_preparation = sf[2];
	m->staff_company_experts = sf[3];
	m->n_joint_activities = o->n_activities;
	m->joint_activities = o->activities;
	m->languages = flag_or_empty(o, F_LANGUAGES);
	m->ecvet = flag_or_empty(o, F_ECVET);
	b->mou_draft.content = m;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOU_DRAFT;
	req->mou_draft = &b->mou_draft;
	return 0;
}

int print_mou_show(const struct options *o, const va_reply_t *reply)
{
	if (reply->alliance == NULL)
		return -1;
	return vx_mou_show(stdout, reply->alliance, o->json ? VX_JSON : VX_TEXT);
}
