/*
 * vetbench/mix - the consortium mix; see mix.h.
 *
 * A client's own mobilities live in a table of MIX_MOBS; each is at a
 * stage (proposed .. certified) and at most one request works on it at a
 * time.  Its sessions likewise, each with the joins sent so far.  The
 * commitment cursor walks the (centre, commitment) pairs of its block in
 * order, so a pair is in flight at most once while the window is smaller
 * than the block's pairs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vetbench/mix.h"
#include "vetbench/vetbench.h"
#include "vetbench/seed.h"

#define PB(name) Vetalliance__V1__##name

#define MIX_MOBS     4096
#define MIX_SESSIONS 1024
#define MIX_JOINS    4
#define HOUR_MS      (3600LL * 1000)
#define DAY_MS       (24 * HOUR_MS)

const char *const mix_op_names[MIX_OPS] = {
    [MIX_OP_PROPOSE] = "mobility_propose", [MIX_OP_STEP] = "mobility_step",
    [MIX_OP_BOOK] = "session_book",        [MIX_OP_JOIN] = "session_join",
    [MIX_OP_COMMITMENT] = "commitment",    [MIX_OP_CENTRE] = "centre_update",
    [MIX_OP_QUERY] = "query_get",          [MIX_OP_LIST] = "query_list",
};

enum { STAGE_PROPOSED, STAGE_APPROVED, STAGE_STARTED, STAGE_COMPLETED, STAGE_CERTIFIED };

struct mix_mob {
	uint32_t sending, host; /* seeded centre indices */
	uint8_t stage;
	uint8_t busy;
	uint8_t used;
};

struct mix_session {
	uint32_t host;
	uint8_t joins; /* sent */
	int8_t booked; /* 0: booking in flight, 1: booked, -1: refused */
};

struct mix_client {
	unsigned idx;
	char prefix[16];
	struct seed_sizes z;
	unsigned first, per; /* the block of seeded centres */
	struct mix_mob mobs[MIX_MOBS];
	uint32_t next_mob; /* mobilities made so far */
	uint32_t active;   /* a mobility not yet certified, where the search starts */
	struct mix_session sessions[MIX_SESSIONS];
	uint32_t next_session;
	int64_t session_base_ms;
	uint32_t pair;      /* the commitment cursor */
	uint8_t *confirmed; /* per pair of the block */
	uint32_t updates;
};

mix_client_t *mix_client_new(unsigned idx, unsigned clients, double scale, const char *prefix)
{
	mix_client_t *c = calloc(1, sizeof *c);
	struct timespec ts;

	if (c == NULL)
		return NULL;
	seed_sizes(scale, &c->z);
	c->per = c->z.centres / clients;
	if (c->per < 2 * SEED_PARTNERS) {
		free(c);
		return NULL;
	}
	c->idx = idx;
	c->first = idx * c->per;
	snprintf(c->prefix, sizeof c->prefix, "%s", prefix);
	c->confirmed = calloc(c->per * 6, 1);
	if (c->confirmed == NULL) {
		free(c);
		return NULL;
	}
	/* The seed confirmed the six commitments of every other centre. */
	for (unsigned i = 0; i < c->per * 6; i++)
		c->confirmed[i] = (c->first + i / 6) % 2 == 0;
	/* Sessions from 40 days ahead (and further by the prefix, so that
	 * runs on one state seldom meet), three hours apart: none of a
	 * client's overlap, and no client shares a centre with another. */
	clock_gettime(CLOCK_REALTIME, &ts);
	{
		uint32_t h = 2166136261u;
		for (const char *p = prefix; *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
		c->session_base_ms =
		    ((int64_t)ts.tv_sec * 1000 / DAY_MS + 40 + h % 3650) * DAY_MS + 8 * HOUR_MS;
	}
	return c;
}

void mix_client_free(mix_client_t **self_p)
{
	if (self_p == NULL || *self_p == NULL)
		return;
	free((*self_p)->confirmed);
	free(*self_p);
	*self_p = NULL;
}

enum mix_op mix_choose(mix_client_t *c, uint64_t *rng)
{
	uint32_t r = rng_below(rng, 100);

	(void)c;
	if (r < 40)
		return r < 8 ? MIX_OP_PROPOSE : MIX_OP_STEP;
	if (r < 70)
		return r < 46 ? MIX_OP_BOOK : MIX_OP_JOIN;
	if (r < 80)
		return MIX_OP_COMMITMENT;
	if (r < 90)
		return MIX_OP_CENTRE;
	return r < 98 ? MIX_OP_QUERY : MIX_OP_LIST;
}

/* A mobility of the client's whose next step may be sent, or -1. */
static int mix__steppable(mix_client_t *c)
{
	uint32_t n = c->next_mob < MIX_MOBS ? c->next_mob : MIX_MOBS;

	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = (c->active + k) % n;
		const struct mix_mob *m = &c->mobs[i];

		if (m->used && !m->busy && m->stage < STAGE_CERTIFIED)
			return (int)i;
	}
	return -1;
}

static void mix__mobility_id(const mix_client_t *c, char *buf, size_t len, uint32_t i)
{
	snprintf(buf, len, "vb%s-M%u-%u", c->prefix, c->idx, i);
}

static void mix__session_id(const mix_client_t *c, char *buf, size_t len, uint32_t i)
{
	snprintf(buf, len, "vb%s-S%u-%u", c->prefix, c->idx, i);
}

static enum mix_op mix__propose(mix_client_t *c, uint64_t *rng, va_request_t *req, mix_req_t *r,
				uint32_t *item)
{
	uint32_t i = c->next_mob % MIX_MOBS;
	struct mix_mob *m = &c->mobs[i];
	unsigned sp, hp;

	/* The slot of a mobility still being worked on is not taken over:
	 * the table is big enough that this means steps are lagging. */
	if (m->used && (m->busy || m->stage < STAGE_CERTIFIED))
		return MIX_OPS;
	m->sending = c->first + rng_below(rng, c->per);
	sp = m->sending % SEED_PARTNERS;
	hp = (sp + 1 + rng_below(rng, SEED_PARTNERS - 1)) % SEED_PARTNERS;
	m->host = (rng_below(rng, c->z.centres / SEED_PARTNERS)) * SEED_PARTNERS + hp;
	m->stage = STAGE_PROPOSED;
	m->busy = 1;
	m->used = 1;
	mix__mobility_id(c, r->id, sizeof r->id, c->next_mob);
	seed_centre_id(r->a, sizeof r->a, m->sending);
	seed_centre_id(r->b, sizeof r->b, m->host);
	snprintf(r->text, sizeof r->text, "P-vb%s-%u-%u", c->prefix, c->idx, c->next_mob);
	vetalliance__v1__mobility_propose__init(&r->u.propose);
	vetalliance__v1__mobility__init(&r->mobility);
	r->mobility.id = r->id;
	r->mobility.participant_kind = VETALLIANCE__V1__PARTICIPANT_KIND__PARTICIPANT_KIND_LEARNER;
	r->mobility.participant = r->text;
	r->mobility.sending = r->a;
	r->mobility.host = r->b;
	r->mobility.sector = "it";
	/* Begun and ended already, so every step is one a coordinator could
	 * take today; virtual where STK (under an embargo) takes part. */
	r->mobility.start_date = 20261102;
	r->mobility.end_date = 20261115;
	r->mobility.format = sp == 2 || hp == 2
				 ? VETALLIANCE__V1__MOBILITY_FORMAT__MOBILITY_FORMAT_VIRTUAL
				 : VETALLIANCE__V1__MOBILITY_FORMAT__MOBILITY_FORMAT_PHYSICAL;
	r->u.propose.mobility = &r->mobility;
	r->u.propose.by = r->a;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_PROPOSE;
	req->mobility_propose = &r->u.propose;
	*item = i;
	c->next_mob++;
	return MIX_OP_PROPOSE;
}

static enum mix_op mix__step(mix_client_t *c, int i, va_request_t *req, mix_req_t *r,
			     uint32_t *item)
{
	static char *activities[1] = {"workshop practice"}, *outcomes[1] = {"unit of competence 1"};
	struct mix_mob *m = &c->mobs[i];
	/* The mobility's number: the newest one that uses slot i. */
	uint32_t number = c->next_mob - 1 - (c->next_mob - 1 - (uint32_t)i) % MIX_MOBS;

	mix__mobility_id(c, r->id, sizeof r->id, number);
	seed_centre_id(r->a, sizeof r->a, m->sending);
	seed_centre_id(r->b, sizeof r->b, m->host);
	m->busy = 1;
	*item = (uint32_t)i;
	if (m->stage == STAGE_COMPLETED) {
		vetalliance__v1__mobility_certify__init(&r->u.certify);
		r->u.certify.id = r->id;
		r->u.certify.by = r->b;
		r->u.certify.activities = activities;
		r->u.certify.n_activities = 1;
		r->u.certify.outcomes = outcomes;
		r->u.certify.n_outcomes = 1;
		req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_CERTIFY;
		req->mobility_certify = &r->u.certify;
		return MIX_OP_STEP;
	}
	vetalliance__v1__mobility_act__init(&r->u.act);
	r->u.act.id = r->id;
	switch (m->stage) {
	case STAGE_PROPOSED:
		r->u.act.by = r->b;
		req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_APPROVE;
		req->mobility_approve = &r->u.act;
		break;
	case STAGE_APPROVED:
		r->u.act.by = r->a;
		req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_START;
		req->mobility_start = &r->u.act;
		break;
	default:
		r->u.act.by = r->a;
		req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_COMPLETE;
		req->mobility_complete = &r->u.act;
		break;
	}
	return MIX_OP_STEP;
}

static enum mix_op mix__book(mix_client_t *c, va_request_t *req, mix_req_t *r, uint32_t *item)
{
	uint32_t i = c->next_session % MIX_SESSIONS;
	struct mix_session *s = &c->sessions[i];

	if (c->next_session >= MIX_SESSIONS && s->booked == 0)
		return MIX_OPS; /* its booking is still in flight */
	s->host = c->first + c->next_session % c->per;
	s->joins = 0;
	s->booked = 0;
	mix__session_id(c, r->id, sizeof r->id, c->next_session);
	seed_centre_id(r->a, sizeof r->a, s->host);
	snprintf(r->text, sizeof r->text, "Joint class %u of client %u", c->next_session, c->idx);
	vetalliance__v1__session_book__init(&r->u.book);
	vetalliance__v1__session__init(&r->session);
	r->session.id = r->id;
	r->session.host = r->a;
	r->session.kind = VETALLIANCE__V1__SESSION_KIND__SESSION_KIND_JOINT_CLASS;
	r->session.title = r->text;
	r->session.language = "en";
	r->session.platform = "teams";
	r->session.link = "https://meet.example/vet";
	r->session.start_ms = c->session_base_ms + (int64_t)c->next_session * 3 * HOUR_MS;
	r->session.duration_min = 60;
	r->session.time_zone = "Europe/Lisbon";
	r->session.capacity = 40;
	r->session.min_notice_min = 60;
	r->u.book.session = &r->session;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_SESSION_BOOK;
	req->session_book = &r->u.book;
	*item = i;
	c->next_session++;
	return MIX_OP_BOOK;
}

/* The newest booked session with joins left, or -1. */
static int mix__joinable(const mix_client_t *c)
{
	uint32_t n = c->next_session < MIX_SESSIONS ? c->next_session : MIX_SESSIONS;

	for (uint32_t k = 1; k <= n && k <= 8; k++) {
		uint32_t i = (c->next_session - k) % MIX_SESSIONS;

		if (c->sessions[i].booked == 1 && c->sessions[i].joins < MIX_JOINS)
			return (int)i;
	}
	return -1;
}

static enum mix_op mix__join(mix_client_t *c, int i, va_request_t *req, mix_req_t *r,
			     uint32_t *item)
{
	struct mix_session *s = &c->sessions[i];
	uint32_t number = c->next_session - 1 - (c->next_session - 1 - (uint32_t)i) % MIX_SESSIONS;
	uint32_t who = c->first + (s->host - c->first + 1 + s->joins) % c->per;

	mix__session_id(c, r->id, sizeof r->id, number);
	seed_centre_id(r->a, sizeof r->a, who);
	vetalliance__v1__session_join__init(&r->u.join);
	r->u.join.session = r->id;
	r->u.join.centre = r->a;
	r->u.join.head_count = 1;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_SESSION_JOIN;
	req->session_join = &r->u.join;
	s->joins++;
	*item = (uint32_t)i;
	return MIX_OP_JOIN;
}

static enum mix_op mix__commitment(mix_client_t *c, va_request_t *req, mix_req_t *r, uint32_t *item)
{
	uint32_t p = c->pair++ % (c->per * 6);

	seed_centre_id(r->a, sizeof r->a, c->first + p / 6);
	if (c->confirmed[p]) {
		vetalliance__v1__commitment_withdraw__init(&r->u.withdraw);
		r->u.withdraw.centre = r->a;
		r->u.withdraw.commitment = (PB(Commitment))(p % 6 + 1);
		req->body_case = VETALLIANCE__V1__REQUEST__BODY_COMMITMENT_WITHDRAW;
		req->commitment_withdraw = &r->u.withdraw;
	} else {
		vetalliance__v1__commitment_confirm__init(&r->u.confirm);
		r->u.confirm.centre = r->a;
		r->u.confirm.commitment = (PB(Commitment))(p % 6 + 1);
		req->body_case = VETALLIANCE__V1__REQUEST__BODY_COMMITMENT_CONFIRM;
		req->commitment_confirm = &r->u.confirm;
	}
	*item = p;
	return MIX_OP_COMMITMENT;
}

static enum mix_op mix__centre(mix_client_t *c, uint64_t *rng, va_request_t *req, mix_req_t *r)
{
	static char *mask[1] = {"region"};
	static const char *const regions[] = {"Norte", "Centro", "Sur", "Este", "Oeste"};
	uint32_t i = c->first + rng_below(rng, c->per);

	seed_centre_id(r->a, sizeof r->a, i);
	vetalliance__v1__centre_update__init(&r->u.update);
	vetalliance__v1__centre__init(&r->centre);
	r->centre.id = r->a;
	r->centre.region = (char *)regions[c->updates++ % 5];
	r->u.update.centre = &r->centre;
	r->u.update.update_mask = mask;
	r->u.update.n_update_mask = 1;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_UPDATE;
	req->centre_update = &r->u.update;
	return MIX_OP_CENTRE;
}

static enum mix_op mix__query(mix_client_t *c, uint64_t *rng, va_request_t *req, mix_req_t *r)
{
	uint32_t q = rng_below(rng, 10), year = 2017 + rng_below(rng, 10);

	if (q < 4) {
		seed_mobility_id(r->id, sizeof r->id, year,
				 rng_below(rng, c->z.mobilities_per_year));
		vetalliance__v1__mobility_get__init(&r->u.mobility_get);
		r->u.mobility_get.id = r->id;
		req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_GET;
		req->mobility_get = &r->u.mobility_get;
	} else if (q < 7) {
		seed_centre_id(r->id, sizeof r->id, rng_below(rng, c->z.centres));
		vetalliance__v1__centre_get__init(&r->u.centre_get);
		r->u.centre_get.id = r->id;
		req->body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_GET;
		req->centre_get = &r->u.centre_get;
	} else {
		seed_session_id(r->id, sizeof r->id, year, rng_below(rng, c->z.sessions_per_year));
		vetalliance__v1__session_get__init(&r->u.session_get);
		r->u.session_get.id = r->id;
		req->body_case = VETALLIANCE__V1__REQUEST__BODY_SESSION_GET;
		req->session_get = &r->u.session_get;
	}
	return MIX_OP_QUERY;
}

static enum mix_op mix__list(mix_client_t *c, uint64_t *rng, va_request_t *req, mix_req_t *r)
{
	(void)c;
	if (rng_below(rng, 2) == 0) {
		vetalliance__v1__mobility_list__init(&r->u.mobility_list);
		r->u.mobility_list.status =
		    VETALLIANCE__V1__MOBILITY_STATUS__MOBILITY_STATUS_UNDER_WAY;
		r->u.mobility_list.partner = (char *)seed_centre_partner(rng_below(rng, 5));
		req->body_case = VETALLIANCE__V1__REQUEST__BODY_MOBILITY_LIST;
		req->mobility_list = &r->u.mobility_list;
	} else {
		vetalliance__v1__alliance_list__init(&r->u.alliance_list);
		req->body_case = VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_LIST;
		req->alliance_list = &r->u.alliance_list;
	}
	return MIX_OP_LIST;
}

enum mix_op mix_build(mix_client_t *c, enum mix_op op, uint64_t *rng, va_request_t *req,
		      mix_req_t *r, uint32_t *item)
{
	enum mix_op built = MIX_OPS;
	int i;

	*item = 0;
	switch (op) {
	case MIX_OP_STEP:
		if ((i = mix__steppable(c)) >= 0)
			return mix__step(c, i, req, r, item);
		/* nothing to step: propose one */
		__attribute__((fallthrough));
	case MIX_OP_PROPOSE:
		built = mix__propose(c, rng, req, r, item);
		break;
	case MIX_OP_JOIN:
		if ((i = mix__joinable(c)) >= 0)
			return mix__join(c, i, req, r, item);
		/* nothing to join: book one */
		__attribute__((fallthrough));
	case MIX_OP_BOOK:
		built = mix__book(c, req, r, item);
		break;
	case MIX_OP_COMMITMENT:
		return mix__commitment(c, req, r, item);
	case MIX_OP_CENTRE:
		return mix__centre(c, rng, req, r);
	case MIX_OP_LIST:
		return mix__list(c, rng, req, r);
	case MIX_OP_QUERY:
	default:
		break;
	}
	/* A table slot still busy: a query instead. */
	return built != MIX_OPS ? built : mix__query(c, rng, req, r);
}

void mix_done(mix_client_t *c, enum mix_op op, uint32_t item, int ok)
{
	switch (op) {
	case MIX_OP_PROPOSE:
	case MIX_OP_STEP: {
		struct mix_mob *m = &c->mobs[item % MIX_MOBS];

		m->busy = 0;
		if (!ok)
			m->stage = STAGE_CERTIFIED; /* leave it be */
		else if (op == MIX_OP_STEP)
			m->stage++;
		if (m->stage == STAGE_CERTIFIED && item == c->active)
			c->active = (c->active + 1) % MIX_MOBS;
		break;
	}
	case MIX_OP_BOOK:
		c->sessions[item % MIX_SESSIONS].booked = ok ? 1 : -1;
		break;
	case MIX_OP_COMMITMENT:
		if (ok)
			c->confirmed[item] = !c->confirmed[item];
		break;
	default:
		break;
	}
}
