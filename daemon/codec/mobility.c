/*
 * codec_mobility - see codec_mobility.h.
 *
 * Wire messages are built on the heap (strings strdup'd, arrays malloc'd)
 * so that protobuf_c_message_free_unpacked() with the default allocator
 * frees a whole tree.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>

#include "codec/internal.h"
#include "codec/mobility.h"
#include "state/mobility.h"
#include "state/rules.h"
#include "state/state.h"

#define PB(name) Vetalliance__V1__##name

static int cm__fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int cm__fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -VA_INVALID_ARGUMENT;
}

static void *cm__alloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (p == NULL)
		abort();
	return p;
}

static char *cm__str(const char *s)
{
	char *d = strdup(s ? s : "");

	if (d == NULL)
		abort();
	return d;
}

static char **cm__strv(const strlist_t *l, size_t *n)
{
	char **v;

	*n = l->n;
	if (l->n == 0)
		return NULL;
	v = cm__alloc(l->n * sizeof *v);
	for (size_t i = 0; i < l->n; i++)
		v[i] = cm__str(l->v[i]);
	return v;
}

static void cm__strlist(strlist_t *dst, char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strlist_push(dst, v[i]);
}

static char *cm__dup(const char *s)
{
	return model_strdup(s ? s : "");
}

/* ---------------------------------------------------------- model <-> pb */

static PB(MobilityFacts) * cm__facts_to_pb(const tri_t f[FACT_COUNT])
{
	PB(MobilityFacts) *m = cm__alloc(sizeof *m);

	vetalliance__v1__mobility_facts__init(m);
	m->company_experience = (PB(Tri))f[FACT_COMPANY_EXPERIENCE];
	m->found_company = (PB(Tri))f[FACT_FOUND_COMPANY];
	m->soft_landing = (PB(Tri))f[FACT_SOFT_LANDING];
	m->host_welcome = (PB(Tri))f[FACT_HOST_WELCOME];
	m->units_agreed = (PB(Tri))f[FACT_UNITS_AGREED];
	m->skills_assessed = (PB(Tri))f[FACT_SKILLS_ASSESSED];
	m->learning_pathway = (PB(Tri))f[FACT_LEARNING_PATHWAY];
	m->documented = (PB(Tri))f[FACT_DOCUMENTED];
	return m;
}

static void cm__facts_from_pb(tri_t f[FACT_COUNT], const PB(MobilityFacts) * m)
{
	if (m == NULL)
		return;
	f[FACT_COMPANY_EXPERIENCE] = (tri_t)m->company_experience;
	f[FACT_FOUND_COMPANY] = (tri_t)m->found_company;
	f[FACT_SOFT_LANDING] = (tri_t)m->soft_landing;
	f[FACT_HOST_WELCOME] = (tri_t)m->host_welcome;
	f[FACT_UNITS_AGREED] = (tri_t)m->units_agreed;
	f[FACT_SKILLS_ASSESSED] = (tri_t)m->skills_assessed;
	f[FACT_LEARNING_PATHWAY] = (tri_t)m->learning_pathway;
	f[FACT_DOCUMENTED] = (tri_t)m->documented;
}

/* The wire form of a mobility; readiness is added when `items` is not
 * NULL.  Free with protobuf_c_message_free_unpacked(&m->base, NULL). */
static PB(Mobility) * cm__to_pb(const mobility_t *src, const readiness_item_t *items)
{
	PB(Mobility) *m = cm__alloc(sizeof *m);
	PB(Certificate) *c = cm__alloc(sizeof *c);

	vetalliance__v1__mobility__init(m);
	m->id = cm__str(src->id);
	m->participant_kind = (PB(ParticipantKind))src->kind;
	m->participant = cm__str(src->participant);
	m->sending = cm__str(src->sending);
	m->host = cm__str(src->host);
	m->sector = cm__str(src->sector);
	m->start_date = src->start;
	m->end_date = src->end;
	m->format = (PB(MobilityFormat))src->format;
	m->paid = src->paid;
	m->group = cm__str(src->group);
	m->units = cm__strv(&src->units, &m->n_units);
	m->english_level = (PB(Cefr))src->english;
	m->english_required = (PB(Cefr))src->english_required;
	m->facts = cm__facts_to_pb(src->facts);
	m->status = (PB(MobilityStatus))src->status;
	m->sending_partner = cm__str(src->sending_partner);
	m->host_partner = cm__str(src->host_partner);
	m->rules_version = cm__str(src->rules_version);
	m->n_reviews = src->n_reviews;
	m->reviews = src->n_reviews ? cm__alloc(src->n_reviews * sizeof *m->reviews) : NULL;
	for (size_t i = 0; i < src->n_reviews; i++) {
		const mobility_review_t *r = &src->reviews[i];
		PB(MobilityReview) *w = cm__alloc(sizeof *w);
		vetalliance__v1__mobility_review__init(w);
		w->partner = cm__str(r->partner);
		w->rule = cm__str(r->rule);
		w->decision = (PB(Tri))r->decision;
		w->by = cm__str(r->by);
		w->time_ms = r->time_ms;
		w->reason = cm__str(r->reason);
		m->reviews[i] = w;
	}
	m->n_history = src->n_history;
	m->history = src->n_history ? cm__alloc(src->n_history * sizeof *m->history) : NULL;
	for (size_t i = 0; i < src->n_history; i++) {
		const mobility_step_t *s = &src->history[i];
		PB(MobilityStep) *w = cm__alloc(sizeof *w);
		vetalliance__v1__mobility_step__init(w);
		w->status = (PB(MobilityStatus))s->status;
		w->time_ms = s->time_ms;
		w->actor = cm__str(s->actor);
		w->by = cm__str(s->by);
		w->reason = cm__str(s->reason);
		m->history[i] = w;
	}
	vetalliance__v1__certificate__init(c);
	c->issued_by = cm__str(src->cert.issued_by);
	c->issued_ms = src->cert.issued_ms;
	c->activities = cm__strv(&src->cert.activities, &c->n_activities);
	c->outcomes = cm__strv(&src->cert.outcomes, &c->n_outcomes);
	c->hash = cm__str(src->cert.hash);
	c->countersigned_by = cm__str(src->cert.countersigned_by);
	c->countersigned_ms = src->cert.countersigned_ms;
	m->certificate = c;
	m->days = (uint32_t)mobility_days(src);
	m->project_band = cm__str(mobility_project_band(src));
	m->erasmus_band = cm__str(mobility_erasmus_band(src));
	if (items != NULL) {
		m->n_readiness = READINESS_ITEMS;
		m->readiness = cm__alloc(READINESS_ITEMS * sizeof *m->readiness);
		for (size_t i = 0; i < READINESS_ITEMS; i++) {
			PB(ReadinessItem) *w = cm__alloc(sizeof *w);
			vetalliance__v1__readiness_item__init(w);
			w->condition = cm__str(items[i].condition);
			w->state = (PB(Tri))items[i].state;
			w->note = cm__str(items[i].note);
			m->readiness[i] = w;
		}
	}
	return m;
}

static void cm__free_pb(void *m)
{
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
}

static void cm__from_pb(mobility_t *dst, const PB(Mobility) * src)
{
	memset(dst, 0, sizeof *dst);
	dst->id = cm__dup(src->id);
	dst->kind = (participant_kind_t)src->participant_kind;
	dst->participant = cm__dup(src->participant);
	dst->sending = cm__dup(src->sending);
	dst->host = cm__dup(src->host);
	dst->sector = cm__dup(src->sector);
	dst->start = src->start_date;
	dst->end = src->end_date;
	dst->format = (mobility_format_t)src->format;
	dst->paid = src->paid;
	dst->group = cm__dup(src->group);
	cm__strlist(&dst->units, src->units, src->n_units);
	dst->english = (cefr_t)src->english_level;
	dst->english_required = (cefr_t)src->english_required;
	cm__facts_from_pb(dst->facts, src->facts);
	dst->status = (mobility_status_t)src->status;
	dst->sending_partner = cm__dup(src->sending_partner);
	dst->host_partner = cm__dup(src->host_partner);
	dst->rules_version = cm__dup(src->rules_version);
	if (src->n_reviews > 0) {
		dst->reviews = cm__alloc(src->n_reviews * sizeof *dst->reviews);
		dst->n_reviews = src->n_reviews;
	}
	for (size_t i = 0; i < src->n_reviews; i++) {
		const PB(MobilityReview) *r = src->reviews[i];
		dst->reviews[i].partner = cm__dup(r->partner);
		dst->reviews[i].rule = cm__dup(r->rule);
		dst->reviews[i].decision = (tri_t)r->decision;
		dst->reviews[i].by = cm__dup(r->by);
		dst->reviews[i].time_ms = r->time_ms;
		dst->reviews[i].reason = cm__dup(r->reason);
	}
	if (src->n_history > 0) {
		dst->history = cm__alloc(src->n_history * sizeof *dst->history);
		dst->n_history = src->n_history;
	}
	for (size_t i = 0; i < src->n_history; i++) {
		const PB(MobilityStep) *s = src->history[i];
		dst->history[i].status = (mobility_status_t)s->status;
		dst->history[i].time_ms = s->time_ms;
		dst->history[i].actor = cm__dup(s->actor);
		dst->history[i].by = cm__dup(s->by);
		dst->history[i].reason = cm__dup(s->reason);
	}
	if (src->certificate != NULL) {
		const PB(Certificate) *c = src->certificate;
		dst->cert.issued_by = cm__dup(c->issued_by);
		dst->cert.issued_ms = c->issued_ms;
		cm__strlist(&dst->cert.activities, c->activities, c->n_activities);
		cm__strlist(&dst->cert.outcomes, c->outcomes, c->n_outcomes);
		dst->cert.hash = cm__dup(c->hash);
		dst->cert.countersigned_by = cm__dup(c->countersigned_by);
		dst->cert.countersigned_ms = c->countersigned_ms;
	}
}

/* -------------------------------------------------------------- requests */

static int cm__date(int32_t d, const char *path, char *err, size_t errlen)
{
	if (!date_valid(d))
		return cm__fail(err, errlen, "%s: %d is not a calendar date (YYYYMMDD)", path,
				(int)d);
	return 0;
}

static int cm__propose(const PB(MobilityPropose) * p, cmd_t *c, char *err, size_t errlen)
{
	const PB(Mobility) *m = p->mobility;
	const char *path = "mobility_propose.mobility";
	int rc;

	if (m == NULL)
		return cm__fail(err, errlen, "%s: must be set", path);
	if ((rc = codec_check_id(m->id, "mobility_propose.mobility.id", 0, err, errlen)) < 0 ||
	    (rc = codec_check_required(m->participant, "mobility_propose.mobility.participant", err,
				       errlen)) < 0 ||
	    (rc = codec_check_id(m->sending, "mobility_propose.mobility.sending", 0, err, errlen)) <
		0 ||
	    (rc = codec_check_id(m->host, "mobility_propose.mobility.host", 0, err, errlen)) < 0 ||
	    (rc = codec_check_id(p->by, "mobility_propose.by", 0, err, errlen)) < 0)
		return rc;
	if (m->participant_kind == 0)
		return cm__fail(err, errlen, "%s.participant_kind: must be set", path);
	if (m->format == 0)
		return cm__fail(err, errlen, "%s.format: must be set", path);
	if (!codec_sector_id_ok(m->sector))
		return cm__fail(err, errlen, "%s.sector: '%s' is not a sector id", path, m->sector);
	if ((rc = cm__date(m->start_date, "mobility_propose.mobility.start_date", err, errlen)) <
		0 ||
	    (rc = cm__date(m->end_date, "mobility_propose.mobility.end_date", err, errlen)) < 0)
		return rc;
	if (m->end_date < m->start_date)
		return cm__fail(err, errlen, "%s.end_date: %d is before start_date %d", path,
				(int)m->end_date, (int)m->start_date);
	if (date_span_days(m->start_date, m->end_date) > 3 * 366)
		return cm__fail(err, errlen, "%s.end_date: more than three years after start_date",
				path);
	c->type = CMD_MOBILITY_PROPOSE;
	cm__from_pb(&c->u.mcmd.m, m);
	/* What the daemon sets is not taken from the client. */
	c->u.mcmd.m.status = MOBILITY_STATUS_UNSPECIFIED;
	c->u.mcmd.by = cm__dup(p->by);
	return 0;
}

static int cm__act(cmd_t *c, cmd_type_t type, const char *path, const PB(MobilityAct) * a,
		   int need_reason, char *err, size_t errlen)
{
	char f[96];
	int rc;

	snprintf(f, sizeof f, "%s.id", path);
	if ((rc = codec_check_id(a->id, f, 0, err, errlen)) < 0)
		return rc;
	snprintf(f, sizeof f, "%s.by", path);
	if ((rc = codec_check_id(a->by, f, 0, err, errlen)) < 0)
		return rc;
	snprintf(f, sizeof f, "%s.reason", path);
	if (need_reason && (rc = codec_check_required(a->reason, f, err, errlen)) < 0)
		return rc;
	c->type = type;
	c->u.mcmd.m.id = cm__dup(a->id);
	c->u.mcmd.by = cm__dup(a->by);
	c->u.mcmd.reason = cm__dup(a->reason);
	return 0;
}

static int cm__list_required(char **v, size_t n, const char *path, char *err, size_t errlen)
{
	if (n == 0)
		return cm__fail(err, errlen, "%s: at least one is needed", path);
	for (size_t i = 0; i < n; i++)
		if (v[i] == NULL || *v[i] == '\0')
			return cm__fail(err, errlen, "%s[%zu]: must not be empty", path, i);
	return 0;
}

int codec_mobility_request(const PB(Request) * r, request_t *out, char *err, size_t errlen)
{
	cmd_t *c = &out->cmd;
	query_t *q = &out->query;
	int rc;

	switch (r->body_case) {
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_PROPOSE:
		return cm__propose(r->mobility_propose, c, err, errlen);
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_REVIEW: {
		const PB(MobilityReviewDecision) *d = r->mobility_review;
		if ((rc = codec_check_id(d->id, "mobility_review.id", 0, err, errlen)) < 0 ||
		    (rc = codec_check_id(d->by, "mobility_review.by", 1, err, errlen)) < 0)
			return rc;
		if (!d->accept && (rc = codec_check_required(d->reason, "mobility_review.reason",
							     err, errlen)) < 0)
			return rc;
		c->type = CMD_MOBILITY_REVIEW;
		c->u.mcmd.m.id = cm__dup(d->id);
		c->u.mcmd.by = cm__dup(d->by);
		c->u.mcmd.accept = d->accept;
		c->u.mcmd.reason = cm__dup(d->reason);
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_APPROVE:
		return cm__act(c, CMD_MOBILITY_APPROVE, "mobility_approve", r->mobility_approve, 0,
			       err, errlen);
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_REJECT:
		return cm__act(c, CMD_MOBILITY_REJECT, "mobility_reject", r->mobility_reject, 1,
			       err, errlen);
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_START:
		return cm__act(c, CMD_MOBILITY_START, "mobility_start", r->mobility_start, 0, err,
			       errlen);
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_COMPLETE:
		return cm__act(c, CMD_MOBILITY_COMPLETE, "mobility_complete", r->mobility_complete,
			       0, err, errlen);
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_COUNTERSIGN:
		return cm__act(c, CMD_MOBILITY_COUNTERSIGN, "mobility_countersign",
			       r->mobility_countersign, 0, err, errlen);
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_CANCEL:
		return cm__act(c, CMD_MOBILITY_CANCEL, "mobility_cancel", r->mobility_cancel, 1,
			       err, errlen);
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_CERTIFY: {
		const PB(MobilityCertify) *k = r->mobility_certify;
		if ((rc = codec_check_id(k->id, "mobility_certify.id", 0, err, errlen)) < 0 ||
		    (rc = codec_check_id(k->by, "mobility_certify.by", 0, err, errlen)) < 0 ||
		    (rc = cm__list_required(k->activities, k->n_activities,
					    "mobility_certify.activities", err, errlen)) < 0 ||
		    (rc = cm__list_required(k->outcomes, k->n_outcomes, "mobility_certify.outcomes",
					    err, errlen)) < 0)
			return rc;
		c->type = CMD_MOBILITY_CERTIFY;
		c->u.mcmd.m.id = cm__dup(k->id);
		c->u.mcmd.by = cm__dup(k->by);
		cm__strlist(&c->u.mcmd.activities, k->activities, k->n_activities);
		cm__strlist(&c->u.mcmd.outcomes, k->outcomes, k->n_outcomes);
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_PREPARE: {
		const PB(MobilityPrepare) *k = r->mobility_prepare;
		if ((rc = codec_check_id(k->id, "mobility_prepare.id", 0, err, errlen)) < 0 ||
		    (rc = codec_check_id(k->by, "mobility_prepare.by", 0, err, errlen)) < 0)
			return rc;
		c->type = CMD_MOBILITY_PREPARE;
		c->u.mcmd.m.id = cm__dup(k->id);
		c->u.mcmd.by = cm__dup(k->by);
		cm__facts_from_pb(c->u.mcmd.m.facts, k->facts);
		c->u.mcmd.m.english = (cefr_t)k->english_level;
		c->u.mcmd.m.english_required = (cefr_t)k->english_required;
		cm__strlist(&c->u.mcmd.m.units, k->units, k->n_units);
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_GET:
		if ((rc = codec_check_required(r->mobility_get->id, "mobility_get.id", err,
					       errlen)) < 0)
			return rc;
		out->is_query = 1;
		q->type = QUERY_MOBILITY_GET;
		q->id = cm__dup(r->mobility_get->id);
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_LIST:
		out->is_query = 1;
		q->type = QUERY_MOBILITY_LIST;
		q->partner = cm__dup(r->mobility_list->partner);
		q->status = (int)r->mobility_list->status;
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_RULES_GET:
		out->is_query = 1;
		q->type = QUERY_RULES_GET;
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_RULES_RELOAD:
		out->is_query = 1;
		q->type = QUERY_RULES_RELOAD;
		return 0;
	default:
		break;
	}
	return cm__fail(err, errlen, "request: no known command or query in the body");
}

/* --------------------------------------------------------------- replies */

int codec_mobility_is_result(result_type_t type)
{
	return type == RESULT_MOBILITY || type == RESULT_MOBILITIES || type == RESULT_RULES;
}

static PB(Mobility) * cm__view(const result_t *res, const mobility_t *m)
{
	readiness_item_t items[READINESS_ITEMS];
	size_t group =
	    res->state ? mobilities_group_size(state_mobilities(res->state), m->group) : 0;

	mobility_readiness(m, group, res->rules, items);
	return cm__to_pb(m, items);
}

int codec_mobility_reply_pack(const char *request_id, int status, const char *message, uint64_t seq,
			      const result_t *res, uint8_t **buf_p, size_t *len_p)
{
	PB(Reply) reply = VETALLIANCE__V1__REPLY__INIT;
	PB(MobilityListResult) list = VETALLIANCE__V1__MOBILITY_LIST_RESULT__INIT;
	PB(RulesInfo) info = VETALLIANCE__V1__RULES_INFO__INIT;
	PB(Mobility) *one = NULL;
	char **partners = NULL;
	int rc;

	reply.request_id = (char *)(request_id ? request_id : "");
	reply.status = (PB(Status))(status < 0 ? -status : status);
	reply.message = (char *)(message ? message : "");
	reply.seq = seq;
	switch (res->type) {
	case RESULT_MOBILITY:
		one = cm__view(res, res->one);
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_MOBILITY;
		reply.mobility = one;
		break;
	case RESULT_MOBILITIES:
		list.n_mobilities = res->n;
		list.mobilities = cm__alloc((res->n + 1) * sizeof *list.mobilities);
		for (size_t i = 0; i < res->n; i++)
			list.mobilities[i] = cm__view(res, res->many[i]);
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_MOBILITIES;
		reply.mobilities = &list;
		break;
	case RESULT_RULES: {
		const rules_t *r = res->one;
		info.source = (char *)r->source;
		info.version = (char *)r->version;
		info.loaded_ms = r->loaded_ms;
		partners = cm__alloc((r->n_partners + 1) * sizeof *partners);
		for (size_t i = 0; i < r->n_partners; i++)
			partners[i] = r->partners[i].partner;
		info.n_partners = r->n_partners;
		info.partners = partners;
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_RULES;
		reply.rules = &info;
		break;
	}
	default:
		break;
	}
	rc = codec_pack(&reply.base, buf_p, len_p);
	cm__free_pb(one);
	for (size_t i = 0; i < list.n_mobilities; i++)
		cm__free_pb(list.mobilities[i]);
	free(list.mobilities);
	free(partners);
	return rc;
}

/* ---------------------------------------------------------------- events */

/* Every mobility event carries the whole mobility (event.c packs it). */
PB(Mobility) * codec_mobility_to_pb(const mobility_t *m)
{
	return cm__to_pb(m, NULL);
}

void codec_mobility_pb_free(PB(Mobility) * m)
{
	cm__free_pb(m);
}

void codec_mobility_from_pb(mobility_t *dst, const PB(Mobility) * src)
{
	cm__from_pb(dst, src);
}

/* ------------------------------------------------------------- snapshots */

int codec_mobility_snapshot_fill(const struct state *st, PB(StateSnapshot) * snap)
{
	const mobility_t **v = NULL;
	size_t n = mobilities_list(state_mobilities(st), &v);

	snap->n_mobilities = n;
	snap->mobilities = cm__alloc((n + 1) * sizeof *snap->mobilities);
	for (size_t i = 0; i < n; i++)
		snap->mobilities[i] = cm__to_pb(v[i], NULL);
	free(v);
	return 0;
}

void codec_mobility_snapshot_release(PB(StateSnapshot) * snap)
{
	for (size_t i = 0; i < snap->n_mobilities; i++)
		cm__free_pb(snap->mobilities[i]);
	free(snap->mobilities);
	snap->mobilities = NULL;
	snap->n_mobilities = 0;
}

int codec_mobility_snapshot_load(const PB(StateSnapshot) * snap, struct state *st, char *err,
				 size_t errlen)
{
	int rc = 0;

	/* Each mobility, in whatever status, as the proposal that creates it
	 * (state.h, "Restoring from a snapshot"). */
	for (size_t i = 0; rc == 0 && i < snap->n_mobilities; i++) {
		event_t ev = {.type = EV_MOBILITY_PROPOSED};
		cm__from_pb(&ev.u.mobility, snap->mobilities[i]);
		rc = codec__restore(st, &ev, err, errlen);
	}
	return rc;
}
