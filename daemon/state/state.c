/*
 * state - see state.h.
 *
 * Storage: partners, sectors and interests are few (tens) and kept in
 * arrays in the order they were defined, which is also the order the
 * reference tables are shown in.  Centres can be many and live in a hash
 * table keyed by id; lists are sorted on the way out.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "state/alliance.h"
#include "state/commitment.h"
#include "state/dedup.h"
#include "state/hmap.h"
#include "state/mobility.h"
#include "state/session.h"
#include "state/state.h"

struct state {
	uint64_t last_seq;
	partner_t *partners;
	size_t n_partners;
	sector_t *sectors;
	size_t n_sectors;
	interest_t *interests;
	size_t n_interests;
	hmap_t centres; /* id -> centre_t *, keyed by the centre's own id */
	/* The centres in the order they were registered (snapshots and
	 * lists start from it); each is one allocation that stays where it
	 * is when the centre is updated. */
	centre_t **centre_order;
	size_t n_centres;
	size_t cap_centres;
	commitments_t *commitments;
	alliances_t *alliances;
	mobilities_t *mobilities;
	dedup_t recent;       /* the idempotency table */
	sessions_t *sessions; /* sessions, deadlines, reminders sent */
};

void state_set_dedup_window(state_t *st, size_t window)
{
	dedup_set_window(&st->recent, window);
}

int state_request_seen(const state_t *st, const char *actor, const char *request_id,
		       uint64_t *seq_p)
{
	return dedup_seen(&st->recent, actor, request_id, seq_p);
}

void state_replay_begin(state_t *st)
{
	dedup_replay_begin(&st->recent);
}

void state_replay_end(state_t *st)
{
	dedup_replay_end(&st->recent);
}

size_t state_recent_count(const state_t *st)
{
	return dedup_count(&st->recent);
}

void state_recent_each(const state_t *st,
		       void (*fn)(const char *actor, const char *request_id, uint64_t seq,
				  void *arg),
		       void *arg)
{
	dedup_each(&st->recent, fn, arg);
}

state_t *state_new(void)
{
	return state_new_window(STATE_DEDUP_WINDOW);
}

state_t *state_new_window(size_t window)
{
	state_t *st = calloc(1, sizeof *st);

	if (st == NULL)
		return NULL;
	state_set_dedup_window(st, window);
	st->commitments = commitments_new();
	st->alliances = alliances_new();
	st->mobilities = mobilities_new();
	st->sessions = sessions_new();
	return st;
}

void state_free(state_t **self_p)
{
	state_t *st;

	if (self_p == NULL || *self_p == NULL)
		return;
	st = *self_p;
	for (size_t i = 0; i < st->n_partners; i++)
		partner_release(&st->partners[i]);
	free(st->partners);
	for (size_t i = 0; i < st->n_sectors; i++)
		sector_release(&st->sectors[i]);
	free(st->sectors);
	for (size_t i = 0; i < st->n_interests; i++)
		interest_release(&st->interests[i]);
	free(st->interests);
	for (size_t i = 0; i < st->n_centres; i++) {
		centre_release(st->centre_order[i]);
		free(st->centre_order[i]);
	}
	free(st->centre_order);
	hmap_release(&st->centres);
	commitments_free(&st->commitments);
	alliances_free(&st->alliances);
	mobilities_free(&st->mobilities);
	sessions_free(&st->sessions);
	dedup_release(&st->recent);
	free(st);
	*self_p = NULL;
}

uint64_t state_last_seq(const state_t *st)
{
	return st->last_seq;
}

int state_is_empty(const state_t *st)
{
	return st->last_seq == 0;
}

size_t state_centre_count(const state_t *st)
{
	return st->n_centres; /* a centre is never removed */
}

int state_centre_each(const state_t *st, int (*fn)(const centre_t *c, void *arg), void *arg)
{
	for (size_t i = 0; i < st->n_centres; i++) {
		int rc = fn(st->centre_order[i], arg);

		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------- lookups */

const partner_t *state_partner_get(const state_t *st, const char *id)
{
	for (size_t i = 0; i < st->n_partners; i++)
		if (strcmp(st->partners[i].id, id) == 0)
			return &st->partners[i];
	return NULL;
}

const sector_t *state_sector_get(const state_t *st, const char *id)
{
	for (size_t i = 0; i < st->n_sectors; i++)
		if (strcmp(st->sectors[i].id, id) == 0)
			return &st->sectors[i];
	return NULL;
}

/* The centre stored under id, or NULL. */
static centre_t *state__centre_find(const state_t *st, const char *id)
{
	return hmap_get(&st->centres, id);
}

const centre_t *state_centre_get(const state_t *st, const char *id)
{
	return state__centre_find(st, id);
}

static interest_t *state__interest_find(const state_t *st, const char *partner, const char *sector)
{
	for (size_t i = 0; i < st->n_interests; i++)
		if (strcmp(st->interests[i].partner, partner) == 0 &&
		    strcmp(st->interests[i].sector, sector) == 0)
			return &st->interests[i];
	return NULL;
}

static void *state__xalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (p == NULL)
		abort();
	return p;
}

size_t state_partner_list(const state_t *st, const partner_t ***out_p)
{
	const partner_t **out = state__xalloc(st->n_partners, sizeof *out);

	for (size_t i = 0; i < st->n_partners; i++)
		out[i] = &st->partners[i];
	*out_p = out;
	return st->n_partners;
}

size_t state_sector_list(const state_t *st, const sector_t ***out_p)
{
	const sector_t **out = state__xalloc(st->n_sectors, sizeof *out);

	for (size_t i = 0; i < st->n_sectors; i++)
		out[i] = &st->sectors[i];
	*out_p = out;
	return st->n_sectors;
}

size_t state_interest_list(const state_t *st, const char *partner, const interest_t ***out_p)
{
	const interest_t **out = state__xalloc(st->n_interests, sizeof *out);
	size_t n = 0;

	for (size_t i = 0; i < st->n_interests; i++)
		if (partner == NULL || *partner == '\0' ||
		    strcmp(st->interests[i].partner, partner) == 0)
			out[n++] = &st->interests[i];
	*out_p = out;
	return n;
}

static int state__centre_cmp(const void *a, const void *b)
{
	const centre_t *const *x = a, *const *y = b;

	return strcmp((*x)->id, (*y)->id);
}

static int state__filter_match(const char *filter, const char *value)
{
	return filter == NULL || *filter == '\0' || (value != NULL && strcmp(filter, value) == 0);
}

size_t state_centre_list(const state_t *st, const char *partner, const char *country,
			 const char *sector, const centre_t ***out_p)
{
	const centre_t **out = state__xalloc(st->n_centres, sizeof *out);
	size_t n = 0;

	for (size_t i = 0; i < st->n_centres; i++) {
		const centre_t *c = st->centre_order[i];

		if (!state__filter_match(partner, c->partner) ||
		    !state__filter_match(country, c->country))
			continue;
		if (sector != NULL && *sector != '\0' && !strlist_contains(&c->sectors, sector))
			continue;
		out[n++] = c;
	}
	qsort(out, n, sizeof *out, state__centre_cmp);
	*out_p = out;
	return n;
}

/* ------------------------------------------------------------- decide */

static event_t *state__event(const state_t *st, const state_ctx_t *ctx, evlist_t *out,
			     ev_type_t type)
{
	event_t *ev = evlist_push(out);

	ev->seq = st->last_seq + out->n;
	ev->time_ms = ctx->now_ms;
	ev->actor = model_strdup(ctx->actor ? ctx->actor : "");
	ev->request_id = model_strdup(ctx->request_id ? ctx->request_id : "");
	ev->type = type;
	return ev;
}

/* Referential checks shared by register and update of a centre. */
static int state__centre_check(const state_t *st, const centre_t *c, const char *what, char *err,
			       size_t errlen)
{
	if (state_partner_get(st, c->partner) == NULL)
		return model_fail(err, errlen, VA_NOT_FOUND, "%s.partner: no partner '%s'", what,
				  c->partner);
	for (size_t i = 0; i < c->sectors.n; i++) {
		if (state_sector_get(st, c->sectors.v[i]) == NULL)
			return model_fail(err, errlen, VA_NOT_FOUND, "%s.sectors: no sector '%s'",
					  what, c->sectors.v[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->sectors.v[i], c->sectors.v[j]) == 0)
				return model_fail(err, errlen, VA_INVALID_ARGUMENT,
						  "%s.sectors: '%s' is listed twice", what,
						  c->sectors.v[i]);
	}
	return 0;
}

static void state__merge_str(char **dst, const char *src)
{
	free(*dst);
	*dst = model_strdup(src);
}

static int state__decide_partner(const state_t *st, const cmd_t *cmd, const state_ctx_t *ctx,
				 evlist_t *out, char *err, size_t errlen)
{
	const partner_t *in = &cmd->u.partner, *cur = state_partner_get(st, in->id);
	event_t *ev;

	if (cmd->type == CMD_PARTNER_REGISTER) {
		if (cur != NULL)
			return model_fail(err, errlen, VA_ALREADY_EXISTS,
					  "partner '%s' already exists", in->id);
		ev = state__event(st, ctx, out, EV_PARTNER_REGISTERED);
		partner_copy(&ev->u.partner, in);
		return 0;
	}
	if (cur == NULL)
		return model_fail(err, errlen, VA_NOT_FOUND, "partner '%s' not found", in->id);
	ev = state__event(st, ctx, out, EV_PARTNER_UPDATED);
	partner_copy(&ev->u.partner, cur);
	if (cmd->mask & PARTNER_F_NAME)
		state__merge_str(&ev->u.partner.name, in->name);
	if (cmd->mask & PARTNER_F_COUNTRY)
		state__merge_str(&ev->u.partner.country, in->country);
	if (cmd->mask & PARTNER_F_TIME_ZONE)
		state__merge_str(&ev->u.partner.time_zone, in->time_zone);
	if (cmd->mask & PARTNER_F_REGION)
		state__merge_str(&ev->u.partner.region, in->region);
	return 0;
}

/* `take`: NULL, or the command's centre, to move into the event of a
 * registration instead of copying it (state_decide_take()). */
static int state__decide_centre(const state_t *st, const cmd_t *cmd, const state_ctx_t *ctx,
				centre_t *take, evlist_t *out, char *err, size_t errlen)
{
	const centre_t *in = &cmd->u.centre, *cur = state_centre_get(st, in->id);
	centre_t merged = {0};
	event_t *ev;
	int rc;

	if (cmd->type == CMD_CENTRE_REGISTER) {
		if (cur != NULL)
			return model_fail(err, errlen, VA_ALREADY_EXISTS,
					  "centre '%s' already exists", in->id);
		rc = state__centre_check(st, in, "centre", err, errlen);
		if (rc < 0)
			return rc;
		ev = state__event(st, ctx, out, EV_CENTRE_REGISTERED);
		if (take != NULL) {
			ev->u.centre = *take;
			memset(take, 0, sizeof *take);
		} else {
			centre_copy(&ev->u.centre, in);
		}
		ev->u.centre.registered_ms = ctx->now_ms;
		ev->u.centre.updated_ms = ctx->now_ms;
		return 0;
	}
	if (cur == NULL)
		return model_fail(err, errlen, VA_NOT_FOUND, "centre '%s' not found", in->id);
	centre_copy(&merged, cur);
	if (cmd->mask & CENTRE_F_NAME)
		state__merge_str(&merged.name, in->name);
	if (cmd->mask & CENTRE_F_KIND)
		merged.kind = in->kind;
	if (cmd->mask & CENTRE_F_PARTNER)
		state__merge_str(&merged.partner, in->partner);
	if (cmd->mask & CENTRE_F_COUNTRY)
		state__merge_str(&merged.country, in->country);
	if (cmd->mask & CENTRE_F_REGION)
		state__merge_str(&merged.region, in->region);
	if (cmd->mask & CENTRE_F_SECTORS) {
		strlist_release(&merged.sectors);
		strlist_copy(&merged.sectors, &in->sectors);
	}
	/* contacts and facts */
	if (cmd->mask & (CENTRE_F_CONTACTS | (CENTRE_F_FACT(CENTRE_FACTS) - CENTRE_F_FACT0) |
			 CENTRE_F_PROVINCE | CENTRE_F_TEACHER_HOURS)) {
		const centre_more_t *im = centre_more(in);
		centre_more_t *m = centre_more_mut(&merged);
		if (cmd->mask & CENTRE_F_CONTACTS) {
			centre_contacts_release(m);
			centre_contacts_copy(m, im);
		}
		for (size_t f = 0; f < CENTRE_FACTS; f++)
			if (cmd->mask & CENTRE_F_FACT(f))
				m->facts[f] = im->facts[f];
		if (cmd->mask & CENTRE_F_PROVINCE)
			state__merge_str(&m->province, im->province);
		if (cmd->mask & CENTRE_F_TEACHER_HOURS) {
			m->hours_known = im->hours_known;
			m->teacher_hours = im->teacher_hours;
		}
		centre_more_trim(&merged);
	}
	rc = state__centre_check(st, &merged, "centre", err, errlen);
	if (rc < 0) {
		centre_release(&merged);
		return rc;
	}
	merged.updated_ms = ctx->now_ms;
	ev = state__event(st, ctx, out, EV_CENTRE_UPDATED);
	ev->u.centre = merged; /* moved */
	return 0;
}

static int state__decide_commitment(const state_t *st, const cmd_t *cmd, const state_ctx_t *ctx,
				    evlist_t *out, char *err, size_t errlen)
{
	const confirmation_t *in = &cmd->u.confirmation;
	event_t *ev;
	int rc;

	if (state_centre_get(st, in->centre) == NULL)
		return model_fail(err, errlen, VA_NOT_FOUND, "centre '%s' not found", in->centre);
	rc = commitments_check(st->commitments, cmd->type, in->centre, in->commitment, err, errlen);
	if (rc < 0)
		return rc;
	ev = state__event(st, ctx, out,
			  cmd->type == CMD_COMMITMENT_CONFIRM ? EV_COMMITMENT_CONFIRMED
							      : EV_COMMITMENT_WITHDRAWN);
	ev->u.confirmation.centre = model_strdup(in->centre);
	ev->u.confirmation.commitment = in->commitment;
	ev->u.confirmation.confirmed = cmd->type == CMD_COMMITMENT_CONFIRM;
	ev->u.confirmation.actor = model_strdup(ctx->actor ? ctx->actor : "");
	ev->u.confirmation.time_ms = ctx->now_ms;
	return 0;
}

static int state__centre_exists(const void *arg, const char *id)
{
	return state_centre_get(arg, id) != NULL;
}

static int state__sector_exists(const void *arg, const char *id)
{
	return state_sector_get(arg, id) != NULL;
}

static int state__decide_alliance(const state_t *st, const cmd_t *cmd, const state_ctx_t *ctx,
				  evlist_t *out, char *err, size_t errlen)
{
	alliance_env_t env = {
	    .centre_exists = state__centre_exists,
	    .sector_exists = state__sector_exists,
	    .arg = st,
	    .commitments = st->commitments,
	    .now_ms = ctx->now_ms,
	    .actor = ctx->actor,
	};
	alliance_t after = {0};
	ev_type_t type = EV_ALLIANCE_CREATED;
	event_t *ev;
	int rc;

	rc = alliance_decide(st->alliances, cmd, &env, &after, &type, err, errlen);
	if (rc < 0)
		return rc;
	ev = state__event(st, ctx, out, type);
	if (type == EV_MOU_SIGNED && after.stage == ROADMAP_MOU) {
		/* The last signature: mou.signed, then mou.fully_signed. */
		alliance_copy(&ev->u.alliance, &after);
		ev = state__event(st, ctx, out, EV_MOU_FULLY_SIGNED);
	}
	ev->u.alliance = after; /* moved */
	return 0;
}

static const centre_t *state__centre_lookup(const void *arg, const char *id)
{
	return state_centre_get(arg, id);
}

static int state__decide_mobility(const state_t *st, const cmd_t *cmd, const state_ctx_t *ctx,
				  evlist_t *out, char *err, size_t errlen)
{
	mobility_env_t env = {
	    .centre_get = state__centre_lookup,
	    .sector_exists = state__sector_exists,
	    .arg = st,
	    .rules = ctx->rules,
	    .now_ms = ctx->now_ms,
	    .actor = ctx->actor,
	};
	mobility_t after = {0};
	ev_type_t type = EV_MOBILITY_PROPOSED;
	event_t *ev;
	int rc;

	rc = mobility_decide(st->mobilities, cmd, &env, &after, &type, err, errlen);
	if (rc < 0)
		return rc;
	ev = state__event(st, ctx, out, type);
	if (type == EV_MOBILITY_PROPOSED && after.status == MOBILITY_NEEDS_REVIEW) {
		/* Accepted, and waiting for a partner: proposed, then needs_review. */
		mobility_copy(&ev->u.mobility, &after);
		ev = state__event(st, ctx, out, EV_MOBILITY_NEEDS_REVIEW);
	}
	ev->u.mobility = after; /* moved */
	return 0;
}

static int state__partner_exists(const void *arg, const char *id)
{
	return state_partner_get(arg, id) != NULL;
}

/* A virtual visit session attended by every member, recorded as the
 * alliance's mutual visit: the alliance's own visit command, checked
 * against the session first. */
static int state__decide_session_visit(const state_t *st, const cmd_t *cmd, const state_ctx_t *ctx,
				       evlist_t *out, char *err, size_t errlen)
{
	const session_cmd_t *in = &cmd->u.scmd;
	const alliance_t *a = alliances_get(st->alliances, in->alliance);
	const char **members;
	cmd_t visit = {.type = CMD_ALLIANCE_VISIT};
	int rc, member = 0;

	if (a == NULL)
		return model_fail(err, errlen, VA_NOT_FOUND, "alliance '%s' not found",
				  in->alliance);
	members = state__xalloc(a->n_members, sizeof *members);
	for (size_t i = 0; i < a->n_members; i++) {
		members[i] = a->members[i].centre;
		member |= strcmp(members[i], in->by) == 0;
	}
	rc = member ? session_visit_check(st->sessions, in->session, members, a->n_members,
					  ctx->now_ms, err, errlen)
		    : model_fail(err, errlen, VA_PERMISSION_DENIED,
				 "session_alliance_visit.by: '%s' is not a member of alliance '%s'",
				 in->by, a->id);
	free(members);
	if (rc < 0)
		return rc;
	visit.u.acmd.alliance = in->alliance;
	visit.u.acmd.visit_virtual = true;
	visit.u.acmd.visit_ref = in->session;
	return state__decide_alliance(st, &visit, ctx, out, err, errlen);
}

static int state__decide_session(const state_t *st, const cmd_t *cmd, const state_ctx_t *ctx,
				 evlist_t *out, char *err, size_t errlen)
{
	session_env_t env = {
	    .centre_exists = state__centre_exists,
	    .partner_exists = state__partner_exists,
	    .arg = st,
	    .now_ms = ctx->now_ms,
	};
	session_out_t res = {0};
	event_t *ev;
	int rc;

	if (cmd->type == CMD_SESSION_ALLIANCE_VISIT)
		return state__decide_session_visit(st, cmd, ctx, out, err, errlen);
	rc = session_decide(st->sessions, cmd, &env, &res, err, errlen);
	if (rc < 0)
		return rc;
	ev = state__event(st, ctx, out, res.type);
	switch (res.type) {
	case EV_DEADLINE_SET:
	case EV_DEADLINE_DONE:
		ev->u.deadline = res.deadline; /* moved */
		memset(&res.deadline, 0, sizeof res.deadline);
		break;
	case EV_SESSION_REMINDER:
	case EV_DEADLINE_APPROACHING:
	case EV_DEADLINE_MISSED:
		ev->u.reminder = res.reminder;
		memset(&res.reminder, 0, sizeof res.reminder);
		break;
	default:
		ev->u.session = res.session;
		memset(&res.session, 0, sizeof res.session);
		break;
	}
	session_out_release(&res);
	return 0;
}

/* `take`: NULL, or cmd's own centre (state_decide_take()). */
static int state__decide(const state_t *st, const cmd_t *cmd, const state_ctx_t *ctx,
			 centre_t *take, evlist_t *out, char *err, size_t errlen)
{
	event_t *ev;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	switch (cmd->type) {
	case CMD_PARTNER_REGISTER:
	case CMD_PARTNER_UPDATE:
		return state__decide_partner(st, cmd, ctx, out, err, errlen);
	case CMD_CENTRE_REGISTER:
	case CMD_CENTRE_UPDATE:
		return state__decide_centre(st, cmd, ctx, take, out, err, errlen);
	case CMD_SECTOR_DEFINE:
		if (state_sector_get(st, cmd->u.sector.id) != NULL)
			return model_fail(err, errlen, VA_ALREADY_EXISTS,
					  "sector '%s' already exists", cmd->u.sector.id);
		ev = state__event(st, ctx, out, EV_SECTOR_DEFINED);
		sector_copy(&ev->u.sector, &cmd->u.sector);
		return 0;
	case CMD_INTEREST_MARK:
		if (state_partner_get(st, cmd->u.interest.partner) == NULL)
			return model_fail(err, errlen, VA_NOT_FOUND,
					  "interest.partner: no partner '%s'",
					  cmd->u.interest.partner);
		if (state_sector_get(st, cmd->u.interest.sector) == NULL)
			return model_fail(err, errlen, VA_NOT_FOUND,
					  "interest.sector: no sector '%s'",
					  cmd->u.interest.sector);
		ev = state__event(st, ctx, out, EV_SECTOR_INTEREST_MARKED);
		interest_copy(&ev->u.interest, &cmd->u.interest);
		return 0;
	case CMD_COMMITMENT_CONFIRM:
	case CMD_COMMITMENT_WITHDRAW:
		return state__decide_commitment(st, cmd, ctx, out, err, errlen);
	case CMD_ALLIANCE_CREATE:
	case CMD_ALLIANCE_JOIN:
	case CMD_ALLIANCE_LEAVE:
	case CMD_ALLIANCE_CONTACT:
	case CMD_ALLIANCE_AGREE:
	case CMD_ALLIANCE_VISIT:
	case CMD_MOU_DRAFT:
	case CMD_MOU_SIGN:
		return state__decide_alliance(st, cmd, ctx, out, err, errlen);
	case CMD_MOBILITY_PROPOSE:
	case CMD_MOBILITY_REVIEW:
	case CMD_MOBILITY_APPROVE:
	case CMD_MOBILITY_REJECT:
	case CMD_MOBILITY_START:
	case CMD_MOBILITY_COMPLETE:
	case CMD_MOBILITY_CERTIFY:
	case CMD_MOBILITY_COUNTERSIGN:
	case CMD_MOBILITY_CANCEL:
	case CMD_MOBILITY_PREPARE:
		return state__decide_mobility(st, cmd, ctx, out, err, errlen);
	case CMD_SESSION_BOOK:
	case CMD_SESSION_JOIN:
	case CMD_SESSION_LEAVE:
	case CMD_SESSION_CANCEL:
	case CMD_SESSION_RESCHEDULE:
	case CMD_SESSION_ATTENDANCE:
	case CMD_SESSION_EVALUATE:
	case CMD_SESSION_ALLIANCE_VISIT:
	case CMD_DEADLINE_SET:
	case CMD_DEADLINE_DONE:
	case CMD_REMINDER_SEND:
		return state__decide_session(st, cmd, ctx, out, err, errlen);
	}
	return model_fail(err, errlen, VA_INVALID_ARGUMENT, "unknown command");
}

int state_decide(const state_t *st, const cmd_t *cmd, const state_ctx_t *ctx, evlist_t *out,
		 char *err, size_t errlen)
{
	return state__decide(st, cmd, ctx, NULL, out, err, errlen);
}

int state_decide_take(const state_t *st, cmd_t *cmd, const state_ctx_t *ctx, evlist_t *out,
		      char *err, size_t errlen)
{
	return state__decide(st, cmd, ctx, cmd->type == CMD_CENTRE_REGISTER ? &cmd->u.centre : NULL,
			     out, err, errlen);
}

/* -------------------------------------------------------------- apply */

static void *state__grow(void *v, size_t n, size_t size)
{
	v = realloc(v, (n + 1) * size);
	if (v == NULL)
		abort();
	return v;
}

static void state__apply_interest(state_t *st, const interest_t *in)
{
	interest_t *cur = state__interest_find(st, in->partner, in->sector);

	if (!in->interested) {
		/* Unmarking removes the cell, keeping the others in order. */
		if (cur != NULL) {
			size_t i = (size_t)(cur - st->interests);
			interest_release(cur);
			memmove(cur, cur + 1, (st->n_interests - i - 1) * sizeof *cur);
			st->n_interests--;
		}
		return;
	}
	if (cur != NULL) {
		interest_release(cur);
	} else {
		st->interests = state__grow(st->interests, st->n_interests, sizeof *st->interests);
		cur = &st->interests[st->n_interests++];
	}
	interest_copy(cur, in);
}

/*
 * Stores *c (moved; *c is zeroed) under its id in place of `old`, the
 * centre stored under that id now (NULL: none).  An update keeps the
 * centre's allocation, so pointers to it stay valid.
 */
static void state__centre_store(state_t *st, centre_t *old, centre_t *c)
{
	centre_t prev;

	if (old == NULL) {
		if (st->n_centres == st->cap_centres) {
			st->cap_centres = st->cap_centres ? st->cap_centres * 2 : 64;
			st->centre_order =
			    realloc(st->centre_order, st->cap_centres * sizeof *st->centre_order);
			if (st->centre_order == NULL)
				abort();
		}
		old = state__xalloc(1, sizeof *old);
		st->centre_order[st->n_centres++] = old;
	}
	prev = *old;
	*old = *c;
	memset(c, 0, sizeof *c);
	/* The map's key is the stored id: point it at the new one before
	 * the old one is freed. */
	hmap_put(&st->centres, old->id, old);
	centre_release(&prev);
}

/* `take`: the event's centre is moved into the state instead of copied
 * (replay and the server's own events need no second copy). */
static int state__apply(state_t *st, event_t *ev, int take, char *err, size_t errlen)
{
	partner_t *p;
	centre_t *c;

	if (ev->seq != st->last_seq + 1)
		return model_fail(err, errlen, VA_INTERNAL, "event seq %llu follows seq %llu",
				  (unsigned long long)ev->seq, (unsigned long long)st->last_seq);
	switch (ev->type) {
	case EV_PARTNER_REGISTERED:
		if (state_partner_get(st, ev->u.partner.id) != NULL)
			return model_fail(err, errlen, VA_INTERNAL,
					  "event %llu registers partner '%s' twice",
					  (unsigned long long)ev->seq, ev->u.partner.id);
		st->partners = state__grow(st->partners, st->n_partners, sizeof *st->partners);
		partner_copy(&st->partners[st->n_partners++], &ev->u.partner);
		break;
	case EV_PARTNER_UPDATED:
		p = (partner_t *)state_partner_get(st, ev->u.partner.id);
		if (p == NULL)
			return model_fail(err, errlen, VA_INTERNAL,
					  "event %llu updates unknown partner '%s'",
					  (unsigned long long)ev->seq, ev->u.partner.id);
		partner_release(p);
		partner_copy(p, &ev->u.partner);
		break;
	case EV_CENTRE_REGISTERED:
	case EV_CENTRE_UPDATED:
		c = state__centre_find(st, ev->u.centre.id);
		if ((ev->type == EV_CENTRE_REGISTERED) != (c == NULL))
			return model_fail(err, errlen, VA_INTERNAL,
					  "event %llu does not fit centre '%s'",
					  (unsigned long long)ev->seq, ev->u.centre.id);
		if (take) {
			state__centre_store(st, c, &ev->u.centre);
		} else {
			centre_t packed = {0};

			centre_pack(&packed, &ev->u.centre);
			state__centre_store(st, c, &packed);
		}
		break;
	case EV_SECTOR_DEFINED:
		if (state_sector_get(st, ev->u.sector.id) != NULL)
			return model_fail(err, errlen, VA_INTERNAL,
					  "event %llu defines sector '%s' twice",
					  (unsigned long long)ev->seq, ev->u.sector.id);
		st->sectors = state__grow(st->sectors, st->n_sectors, sizeof *st->sectors);
		sector_copy(&st->sectors[st->n_sectors++], &ev->u.sector);
		break;
	case EV_SECTOR_INTEREST_MARKED:
		state__apply_interest(st, &ev->u.interest);
		break;
	case EV_COMMITMENT_CONFIRMED:
	case EV_COMMITMENT_WITHDRAWN:
		if (state_centre_get(st, ev->u.confirmation.centre) == NULL ||
		    (int)ev->u.confirmation.commitment < 1 ||
		    (int)ev->u.confirmation.commitment > COMMITMENT_MAX)
			return model_fail(err, errlen, VA_INTERNAL,
					  "event %llu does not fit centre '%s'",
					  (unsigned long long)ev->seq, ev->u.confirmation.centre);
		commitments_apply(st->commitments, &ev->u.confirmation);
		break;
	case EV_ALLIANCE_CREATED:
	case EV_ALLIANCE_MEMBER_JOINED:
	case EV_ALLIANCE_MEMBER_LEFT:
	case EV_ALLIANCE_CONTACT_DESIGNATED:
	case EV_ALLIANCE_STEP_REACHED:
	case EV_MOU_DRAFTED:
	case EV_MOU_CHANGED:
	case EV_MOU_SIGNED:
	case EV_MOU_FULLY_SIGNED:
		if (ev->u.alliance.id == NULL ||
		    (ev->type == EV_ALLIANCE_CREATED) !=
			(alliances_get(st->alliances, ev->u.alliance.id) == NULL))
			return model_fail(err, errlen, VA_INTERNAL,
					  "event %llu does not fit alliance '%s'",
					  (unsigned long long)ev->seq,
					  ev->u.alliance.id ? ev->u.alliance.id : "");
		alliances_put(st->alliances, &ev->u.alliance);
		break;
	/* The event carries the whole mobility */
	case EV_MOBILITY_PROPOSED:
	case EV_MOBILITY_NEEDS_REVIEW:
	case EV_MOBILITY_REVIEWED:
	case EV_MOBILITY_APPROVED:
	case EV_MOBILITY_REJECTED:
	case EV_MOBILITY_STARTED:
	case EV_MOBILITY_COMPLETED:
	case EV_MOBILITY_CERTIFIED:
	case EV_MOBILITY_COUNTERSIGNED:
	case EV_MOBILITY_CANCELLED:
	case EV_MOBILITY_PREPARED:
		if (ev->u.mobility.id == NULL ||
		    (ev->type == EV_MOBILITY_PROPOSED) !=
			(mobilities_get(st->mobilities, ev->u.mobility.id) == NULL))
			return model_fail(err, errlen, VA_INTERNAL,
					  "event %llu does not fit mobility '%s'",
					  (unsigned long long)ev->seq,
					  ev->u.mobility.id ? ev->u.mobility.id : "");
		mobilities_put(st->mobilities, &ev->u.mobility);
		break;
	case EV_SESSION_BOOKED:
	case EV_SESSION_JOINED:
	case EV_SESSION_LEFT:
	case EV_SESSION_CANCELLED:
	case EV_SESSION_RESCHEDULED:
	case EV_SESSION_ATTENDANCE:
	case EV_SESSION_EVALUATED:
		if (ev->u.session.id == NULL ||
		    (ev->type == EV_SESSION_BOOKED) !=
			(sessions_get(st->sessions, ev->u.session.id) == NULL))
			return model_fail(
			    err, errlen, VA_INTERNAL, "event %llu does not fit session '%s'",
			    (unsigned long long)ev->seq, ev->u.session.id ? ev->u.session.id : "");
		sessions_put(st->sessions, &ev->u.session);
		break;
	case EV_DEADLINE_SET:
	case EV_DEADLINE_DONE:
		if (ev->u.deadline.id == NULL ||
		    (ev->type == EV_DEADLINE_DONE &&
		     sessions_deadline_get(st->sessions, ev->u.deadline.id) == NULL))
			return model_fail(err, errlen, VA_INTERNAL,
					  "event %llu does not fit deadline '%s'",
					  (unsigned long long)ev->seq,
					  ev->u.deadline.id ? ev->u.deadline.id : "");
		sessions_deadline_put(st->sessions, &ev->u.deadline);
		break;
	case EV_SESSION_REMINDER:
	case EV_DEADLINE_APPROACHING:
	case EV_DEADLINE_MISSED:
		sessions_reminder_mark(st->sessions, &ev->u.reminder);
		break;
	default:
		return model_fail(err, errlen, VA_INTERNAL, "event %llu has unknown type %d",
				  (unsigned long long)ev->seq, (int)ev->type);
	}
	st->last_seq = ev->seq;
	dedup_put(&st->recent, ev->actor, ev->request_id, ev->seq);
	return 0;
}

int state_apply(state_t *st, const event_t *ev, char *err, size_t errlen)
{
	/* Without `take` the event is only read. */
	return state__apply(st, (event_t *)ev, 0, err, errlen);
}

int state_apply_take(state_t *st, event_t *ev, char *err, size_t errlen)
{
	return state__apply(st, ev, 1, err, errlen);
}

/* ------------------------------------------------------------ restore */

const struct commitments *state_commitments(const state_t *st)
{
	return st->commitments;
}

const struct alliances *state_alliances(const state_t *st)
{
	return st->alliances;
}

const struct mobilities *state_mobilities(const state_t *st)
{
	return st->mobilities;
}

int state_restore(state_t *st, event_t *ev, char *err, size_t errlen)
{
	/* The objects come in no history: each takes the next seq, and the
	 * snapshot's own is set at the end.  No request id: the idempotency
	 * table comes from the snapshot's own list. */
	ev->seq = st->last_seq + 1;
	free(ev->request_id);
	ev->request_id = NULL;
	return state__apply(st, ev, 1, err, errlen);
}

void state_restore_recent(state_t *st, const char *actor, const char *request_id, uint64_t seq)
{
	dedup_put(&st->recent, actor, request_id, seq);
}

void state_restore_end(state_t *st, uint64_t last_seq)
{
	st->last_seq = last_seq;
}

const struct sessions *state_sessions(const state_t *st)
{
	return st->sessions;
}
