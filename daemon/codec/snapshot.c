/*
 * codec/snapshot - the whole state to a StateSnapshot's bytes and back
 * (codec.h; snapfile.c holds the file around them).  Loading goes through
 * the state's restore functions, in the order the snapshot lists them.
 */
#include "codec/internal.h"

static int codec__session_snap_pack(const struct state *st, PB(StateSnapshot) * snap,
				    codec_session_snap_t *w)
{
	const sessions_t *t = state_sessions(st);
	const reminder_t *const *sent;
	result_t r = {0};
	PB(Reply) scratch;
	size_t nsent = sessions_sent_list(t, &sent);

	r.type = RESULT_SESSIONS;
	r.n = sessions_list(t, NULL, &w->sessions);
	r.many = (const void *const *)w->sessions;
	if (codec__session_result(&r, &scratch, &w->sres) < 0)
		return -VA_INTERNAL;
	r.type = RESULT_DEADLINES;
	r.n = sessions_deadline_list(t, &w->deadlines);
	r.many = (const void *const *)w->deadlines;
	if (codec__session_result(&r, &scratch, &w->dres) < 0)
		return -VA_INTERNAL;
	w->rw = calloc(nsent + 1, sizeof *w->rw);
	w->rptrs = calloc(nsent + 1, sizeof *w->rptrs);
	if (w->rw == NULL || w->rptrs == NULL)
		return -VA_INTERNAL;
	for (size_t i = 0; i < nsent; i++) {
		codec__reminder_to_pb(&w->rw[i], sent[i]);
		w->rptrs[i] = &w->rw[i];
	}
	snap->n_sessions = w->sres.n;
	snap->sessions = (PB(Session) **)w->sres.ptrs;
	snap->n_deadlines = w->dres.n;
	snap->deadlines = (PB(Deadline) **)w->dres.ptrs;
	snap->n_reminders_sent = nsent;
	snap->reminders_sent = w->rptrs;
	return 0;
}

static void codec__session_snap_release(codec_session_snap_t *w)
{
	codec__session_result_release(&w->sres);
	codec__session_result_release(&w->dres);
	free(w->sessions);
	free(w->deadlines);
	free(w->rw);
	free(w->rptrs);
}

/*
 * Hands one object to the state as the event that creates it (state.h,
 * "Restoring from a snapshot") and lets the event go.  Returns 0, or
 * -VA_INVALID_ARGUMENT when the object does not fit the state.
 */
int codec__restore(state_t *st, event_t *ev, char *err, size_t errlen)
{
	char why[256];
	int rc = state_restore(st, ev, why, sizeof why);

	event_release(ev);
	if (rc < 0)
		return codec__fail(err, errlen, "snapshot: %s", why);
	return 0;
}

static int codec__session_snap_load(const PB(StateSnapshot) * snap, state_t *st, char *err,
				    size_t errlen)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < snap->n_sessions; i++) {
		event_t ev = {.type = EV_SESSION_BOOKED};
		codec__session_from_pb(&ev.u.session, snap->sessions[i]);
		rc = codec__restore(st, &ev, err, errlen);
	}
	for (size_t i = 0; rc == 0 && i < snap->n_deadlines; i++) {
		event_t ev = {.type = EV_DEADLINE_SET};
		codec__deadline_from_pb(&ev.u.deadline, snap->deadlines[i]);
		rc = codec__restore(st, &ev, err, errlen);
	}
	for (size_t i = 0; rc == 0 && i < snap->n_reminders_sent; i++) {
		event_t ev = {.type = EV_SESSION_REMINDER};
		codec__reminder_from_pb(&ev.u.reminder, snap->reminders_sent[i]);
		rc = codec__restore(st, &ev, err, errlen);
	}
	return rc;
}

typedef struct snap_recent {
	PB(RecentRequest) * items;
	PB(RecentRequest) * *ptrs;
	size_t n;
	size_t cap;
} snap_recent_t;

static void codec__recent_add(const char *actor, const char *request_id, uint64_t seq, void *arg)
{
	snap_recent_t *r = arg;

	if (r->n == r->cap)
		return;
	vetalliance__v1__recent_request__init(&r->items[r->n]);
	r->items[r->n].actor = (char *)actor;
	r->items[r->n].request_id = (char *)request_id;
	r->items[r->n].seq = seq;
	r->n++;
}

/* The recent-request callback lends strings that live only during the
 * call, so the table is copied first. */
static void codec__recent_copy(const char *actor, const char *request_id, uint64_t seq, void *arg)
{
	codec__recent_add(model_strdup(actor), model_strdup(request_id), seq, arg);
}

/* The centres of a snapshot, as wire views, in storage order. */
typedef struct snap_centres {
	codec_list_t list;
	codec_scratch_t *scratch;
	size_t n;
	size_t cap;
} snap_centres_t;

static int codec__snap_centre(const centre_t *c, void *arg)
{
	snap_centres_t *sc = arg;

	if (sc->n == sc->cap)
		return -VA_INTERNAL;
	return codec__centre_to_pb(sc->list.ptrs[sc->n++], c, sc->scratch);
}

size_t codec_snapshot_pack(const struct state *st, int64_t now_ms, uint8_t **buf_p)
{
	PB(StateSnapshot) snap = VETALLIANCE__V1__STATE_SNAPSHOT__INIT;
	const partner_t **partners = NULL;
	const sector_t **sectors = NULL;
	const interest_t **interests = NULL;
	const confirmation_t **confs = NULL;
	const alliance_t **alls = NULL;
	codec_alliance_t *aw = NULL;
	PB(Alliance) **aptrs = NULL;
	codec_list_t lp = {0}, ls = {0}, li = {0}, lk = {0};
	snap_centres_t centres = {0};
	snap_recent_t recent = {0};
	codec_scratch_t scratch = {0};
	uint8_t *buf = NULL;
	codec_session_snap_t sessions = {0};
	size_t np, ns, ni, nk, na, len = 0;

	*buf_p = NULL;
	np = state_partner_list(st, &partners);
	ns = state_sector_list(st, &sectors);
	ni = state_interest_list(st, NULL, &interests);
	nk = commitments_list(state_commitments(st), &confs);
	na = alliances_list(state_alliances(st), &alls);
	aw = calloc(na + 1, sizeof *aw);
	aptrs = calloc(na + 1, sizeof *aptrs);
	recent.cap = state_recent_count(st);
	recent.items = calloc(recent.cap + 1, sizeof *recent.items);
	recent.ptrs = calloc(recent.cap + 1, sizeof *recent.ptrs);
	if (recent.items == NULL || recent.ptrs == NULL ||
	    codec__list(&lp, np, sizeof(PB(Partner))) < 0 ||
	    codec__list(&ls, ns, sizeof(PB(Sector))) < 0 ||
	    codec__list(&li, ni, sizeof(PB(SectorInterest))) < 0 ||
	    codec__list(&lk, nk, sizeof(PB(CommitmentState))) < 0 || aw == NULL || aptrs == NULL)
		goto out;
	for (size_t i = 0; i < na; i++) {
		if (codec__alliance_to_pb(&aw[i], alls[i], NULL, 0) < 0)
			goto out;
		aptrs[i] = &aw[i].msg;
	}
	for (size_t i = 0; i < np; i++)
		codec__partner_to_pb(lp.ptrs[i], partners[i]);
	for (size_t i = 0; i < ns; i++)
		codec__sector_to_pb(ls.ptrs[i], sectors[i]);
	for (size_t i = 0; i < ni; i++)
		codec__interest_to_pb(li.ptrs[i], interests[i]);
	for (size_t i = 0; i < nk; i++)
		codec__confirmation_to_pb(lk.ptrs[i], confs[i]);
	state_recent_each(st, codec__recent_copy, &recent);
	for (size_t i = 0; i < recent.n; i++)
		recent.ptrs[i] = &recent.items[i];

	snap.format = 1;
	snap.last_seq = state_last_seq(st);
	snap.taken_ms = now_ms;
	snap.n_partners = np;
	snap.partners = (PB(Partner) **)lp.ptrs;
	snap.n_sectors = ns;
	snap.sectors = (PB(Sector) **)ls.ptrs;
	snap.n_interests = ni;
	snap.interests = (PB(SectorInterest) **)li.ptrs;
	snap.n_recent_requests = recent.n;
	snap.recent_requests = recent.ptrs;
	snap.n_commitments = nk;
	snap.commitments = (PB(CommitmentState) **)lk.ptrs;
	snap.n_alliances = na;
	snap.alliances = aptrs;
	codec_mobility_snapshot_fill(st, &snap);
	if (codec__session_snap_pack(st, &snap, &sessions) < 0)
		goto out;

	centres.cap = state_centre_count(st);
	centres.scratch = &scratch;
	if (codec__list(&centres.list, centres.cap, sizeof(PB(Centre))) < 0 ||
	    state_centre_each(st, codec__snap_centre, &centres) != 0)
		goto out;
	snap.n_centres = centres.n;
	snap.centres = (PB(Centre) **)centres.list.ptrs;
	len = vetalliance__v1__state_snapshot__get_packed_size(&snap);
	if ((buf = malloc(len > 0 ? len : 1)) == NULL) {
		len = 0;
		goto out;
	}
	vetalliance__v1__state_snapshot__pack(&snap, buf);
	*buf_p = buf;
out:
	free(centres.list.ptrs);
	free(centres.list.items);
	codec_mobility_snapshot_release(&snap);
	for (size_t i = 0; i < recent.n; i++) {
		free(recent.items[i].actor);
		free(recent.items[i].request_id);
	}
	free(recent.items);
	free(recent.ptrs);
	free(lp.ptrs);
	free(lp.items);
	free(ls.ptrs);
	free(ls.items);
	free(li.ptrs);
	free(li.items);
	codec__scratch_release(&scratch);
	free(lk.ptrs);
	free(lk.items);
	free(confs);
	for (size_t i = 0; aw != NULL && i < na; i++)
		codec__alliance_pb_release(&aw[i]);
	free(aw);
	free(aptrs);
	free(alls);
	free(partners);
	free(sectors);
	free(interests);
	codec__session_snap_release(&sessions);
	return len;
}

int codec_snapshot_load(const void *buf, size_t len, struct state **st_p, char *err, size_t errlen)
{
	codec_arena_t arena;
	ProtobufCAllocator alloc = codec__arena_allocator(&arena);
	PB(StateSnapshot) * snap;
	state_t *st = NULL;
	int rc = 0;

	*st_p = NULL;
	snap = vetalliance__v1__state_snapshot__unpack(&alloc, len, buf);
	if (snap == NULL) {
		rc = codec__fail(err, errlen, "snapshot: not a vetalliance.v1.StateSnapshot");
		goto out;
	}
	if (snap->format != 1) {
		rc = codec__fail(err, errlen, "snapshot: unknown format %u", snap->format);
		goto out;
	}
	if ((st = state_new()) == NULL) {
		rc = codec__fail(err, errlen, "snapshot: out of memory");
		goto out;
	}
	/* Every object as the event that creates it, in the order the
	 * snapshot lists them (a stand names its centre, a mobility its
	 * centres...). */
	for (size_t i = 0; rc == 0 && i < snap->n_partners; i++) {
		event_t ev = {.type = EV_PARTNER_REGISTERED};
		codec__partner_from_pb(&ev.u.partner, snap->partners[i]);
		rc = codec__restore(st, &ev, err, errlen);
	}
	for (size_t i = 0; rc == 0 && i < snap->n_sectors; i++) {
		event_t ev = {.type = EV_SECTOR_DEFINED};
		codec__sector_from_pb(&ev.u.sector, snap->sectors[i]);
		rc = codec__restore(st, &ev, err, errlen);
	}
	for (size_t i = 0; rc == 0 && i < snap->n_interests; i++) {
		event_t ev = {.type = EV_SECTOR_INTEREST_MARKED};
		codec__interest_from_pb(&ev.u.interest, snap->interests[i]);
		rc = codec__restore(st, &ev, err, errlen);
	}
	for (size_t i = 0; rc == 0 && i < snap->n_centres; i++) {
		event_t ev = {.type = EV_CENTRE_REGISTERED};
		codec__centre_pack_from_pb(&ev.u.centre, snap->centres[i]);
		rc = codec__restore(st, &ev, err, errlen);
	}
	for (size_t i = 0; rc == 0 && i < snap->n_commitments; i++) {
		event_t ev = {.type = EV_COMMITMENT_CONFIRMED};
		codec__confirmation_from_pb(&ev.u.confirmation, snap->commitments[i]);
		if (!ev.u.confirmation.confirmed)
			ev.type = EV_COMMITMENT_WITHDRAWN;
		rc = codec__restore(st, &ev, err, errlen);
	}
	for (size_t i = 0; rc == 0 && i < snap->n_alliances; i++) {
		event_t ev = {.type = EV_ALLIANCE_CREATED};
		codec__alliance_from_pb(&ev.u.alliance, snap->alliances[i]);
		rc = codec__restore(st, &ev, err, errlen);
	}
	if (rc == 0)
		rc = codec_mobility_snapshot_load(snap, st, err, errlen);
	if (rc == 0)
		rc = codec__session_snap_load(snap, st, err, errlen);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < snap->n_recent_requests; i++)
		state_restore_recent(st, snap->recent_requests[i]->actor,
				     snap->recent_requests[i]->request_id,
				     snap->recent_requests[i]->seq);
	state_restore_end(st, snap->last_seq);
	*st_p = st;
	st = NULL;
out:
	state_free(&st);
	codec__arena_release(&arena);
	return rc;
}
