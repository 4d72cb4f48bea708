/*
 * codec/reply - a Reply's bytes from a status, message, seq and result
 * (codec.h).
 */
#include "codec/internal.h"

int codec__session_result(const result_t *res, PB(Reply) * reply, codec_session_result_t *w)
{
	w->n = res->type == RESULT_SESSION ? 1 : res->n;
	w->ptrs = calloc(w->n + 1, sizeof *w->ptrs);
	if (w->ptrs == NULL)
		return -VA_INTERNAL;
	if (res->type == RESULT_DEADLINES) {
		w->dw = calloc(w->n + 1, sizeof *w->dw);
		if (w->dw == NULL)
			return -VA_INTERNAL;
		for (size_t i = 0; i < w->n; i++) {
			codec__deadline_to_pb(&w->dw[i], res->many[i]);
			w->ptrs[i] = &w->dw[i];
		}
		vetalliance__v1__deadline_list_result__init(&w->deadlines);
		w->deadlines.n_deadlines = w->n;
		w->deadlines.deadlines = (PB(Deadline) **)w->ptrs;
		reply->result_case = VETALLIANCE__V1__REPLY__RESULT_DEADLINES;
		reply->deadlines = &w->deadlines;
		return 0;
	}
	w->sw = calloc(w->n + 1, sizeof *w->sw);
	if (w->sw == NULL)
		return -VA_INTERNAL;
	for (size_t i = 0; i < w->n; i++) {
		if (codec__session_to_pb(&w->sw[i],
					 res->type == RESULT_SESSION ? res->one : res->many[i]) < 0)
			return -VA_INTERNAL;
		w->ptrs[i] = &w->sw[i].msg;
	}
	if (res->type == RESULT_SESSION) {
		reply->result_case = VETALLIANCE__V1__REPLY__RESULT_SESSION;
		reply->session = &w->sw[0].msg;
		return 0;
	}
	vetalliance__v1__session_list_result__init(&w->sessions);
	w->sessions.n_sessions = w->n;
	w->sessions.sessions = (PB(Session) **)w->ptrs;
	reply->result_case = VETALLIANCE__V1__REPLY__RESULT_SESSIONS;
	reply->sessions = &w->sessions;
	return 0;
}

void codec__session_result_release(codec_session_result_t *w)
{
	for (size_t i = 0; w->sw != NULL && i < w->n; i++)
		codec__session_pb_release(&w->sw[i]);
	free(w->sw);
	free(w->dw);
	free(w->ptrs);
	memset(w, 0, sizeof *w);
}

int codec_pack(const ProtobufCMessage *m, uint8_t **buf_p, size_t *len_p)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);

	*buf_p = NULL;
	*len_p = 0;
	if (buf == NULL)
		return -VA_INTERNAL;
	protobuf_c_message_pack(m, buf);
	*buf_p = buf;
	*len_p = len;
	return 0;
}

/* StateResult: the lists of the state, each in its list query's order;
 * the alliances' wire forms go to *aw_p (*naw_p of them). */
static int codec__state_result(const struct state *st, PB(StateResult) * sr, codec_list_t l[5],
			       codec_scratch_t *scratch, codec_alliance_t **aw_p, size_t *naw_p)
{
	const void **v[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
	size_t n[6];
	int rc = 0;

	n[0] = state_partner_list(st, (const partner_t ***)&v[0]);
	n[1] = state_sector_list(st, (const sector_t ***)&v[1]);
	n[2] = state_interest_list(st, "", (const interest_t ***)&v[2]);
	n[3] = state_centre_list(st, "", "", "", (const centre_t ***)&v[3]);
	if (codec__list(&l[0], n[0], sizeof(PB(Partner))) < 0 ||
	    codec__list(&l[1], n[1], sizeof(PB(Sector))) < 0 ||
	    codec__list(&l[2], n[2], sizeof(PB(SectorInterest))) < 0 ||
	    codec__list(&l[3], n[3], sizeof(PB(Centre))) < 0) {
		rc = -VA_INTERNAL;
		goto out;
	}
	for (size_t i = 0; i < n[0]; i++)
		codec__partner_to_pb(l[0].ptrs[i], v[0][i]);
	for (size_t i = 0; i < n[1]; i++)
		codec__sector_to_pb(l[1].ptrs[i], v[1][i]);
	for (size_t i = 0; i < n[2]; i++)
		codec__interest_to_pb(l[2].ptrs[i], v[2][i]);
	for (size_t i = 0; i < n[3]; i++)
		if (codec__centre_to_pb(l[3].ptrs[i], v[3][i], scratch) < 0) {
			rc = -VA_INTERNAL;
			goto out;
		}
	n[4] = commitments_list(state_commitments(st), (const confirmation_t ***)&v[4]);
	n[5] = alliances_list(state_alliances(st), (const alliance_t ***)&v[5]);
	*aw_p = calloc(n[5] + 1, sizeof **aw_p);
	if (*aw_p == NULL || codec__list(&l[4], n[4], sizeof(PB(CommitmentState))) < 0 ||
	    (sr->alliances = calloc(n[5] + 1, sizeof *sr->alliances)) == NULL) {
		rc = -VA_INTERNAL;
		goto out;
	}
	for (size_t i = 0; i < n[4]; i++)
		codec__confirmation_to_pb(l[4].ptrs[i], v[4][i]);
	sr->n_commitments = n[4];
	sr->commitments = (PB(CommitmentState) **)l[4].ptrs;
	for (size_t i = 0; i < n[5]; i++) {
		*naw_p = i + 1;
		if ((rc = codec__alliance_to_pb(&(*aw_p)[i], v[5][i], NULL, 0)) < 0)
			goto out;
		sr->alliances[i] = &(*aw_p)[i].msg;
	}
	sr->n_alliances = n[5];
	sr->n_partners = n[0];
	sr->partners = (PB(Partner) **)l[0].ptrs;
	sr->n_sectors = n[1];
	sr->sectors = (PB(Sector) **)l[1].ptrs;
	sr->n_interests = n[2];
	sr->interests = (PB(SectorInterest) **)l[2].ptrs;
	sr->n_centres = n[3];
	sr->centres = (PB(Centre) **)l[3].ptrs;
out:
	for (size_t i = 0; i < 6; i++)
		free(v[i]);
	return rc;
}

int codec_reply_pack(const char *request_id, int status, const char *message, uint64_t seq,
		     const result_t *result, uint8_t **buf_p, size_t *len_p)
{
	PB(StateResult) state_res = VETALLIANCE__V1__STATE_RESULT__INIT;
	codec_list_t state_lists[5] = {{0}};
	codec_scratch_t scratch = {0};
	PB(CriteriaResult) criteria = VETALLIANCE__V1__CRITERIA_RESULT__INIT;
	PB(Criterion) *crit = NULL;
	PB(Reply) reply = VETALLIANCE__V1__REPLY__INIT;
	PB(Partner) partner;
	PB(Centre) centre;
	PB(PartnerListResult) partners = VETALLIANCE__V1__PARTNER_LIST_RESULT__INIT;
	PB(CentreListResult) centres = VETALLIANCE__V1__CENTRE_LIST_RESULT__INIT;
	PB(SectorListResult) sectors = VETALLIANCE__V1__SECTOR_LIST_RESULT__INIT;
	PB(InterestListResult) interests = VETALLIANCE__V1__INTEREST_LIST_RESULT__INIT;
	PB(DaemonStatus) ds = VETALLIANCE__V1__DAEMON_STATUS__INIT;
	PB(MetricsResult) mr = VETALLIANCE__V1__METRICS_RESULT__INIT;
	PB(CommitmentListResult) commitments = VETALLIANCE__V1__COMMITMENT_LIST_RESULT__INIT;
	PB(AllianceListResult) alliances = VETALLIANCE__V1__ALLIANCE_LIST_RESULT__INIT;
	PB(Principal) principal = VETALLIANCE__V1__PRINCIPAL__INIT;
	PB(PrincipalsReloadResult) reloaded = VETALLIANCE__V1__PRINCIPALS_RELOAD_RESULT__INIT;
	codec_alliance_t *aw = NULL;
	size_t naw = 0;
	codec_list_t list = {0};
	codec_session_result_t sres = {0};
	int rc;

	if (result != NULL && codec_mobility_is_result(result->type))
		return codec_mobility_reply_pack(request_id, status, message, seq, result, buf_p,
						 len_p);
	reply.request_id = codec__str_or_empty(request_id);
	reply.status = (PB(Status))(status < 0 ? -status : status);
	reply.message = codec__str_or_empty(message);
	reply.seq = seq;
	switch (result ? result->type : RESULT_NONE) {
	case RESULT_NONE:
		break;
	case RESULT_PARTNER:
		codec__partner_to_pb(&partner, result->one);
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_PARTNER;
		reply.partner = &partner;
		break;
	case RESULT_CENTRE:
		if ((rc = codec__centre_to_pb(&centre, result->one, &scratch)) < 0)
			goto out;
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_CENTRE;
		reply.centre = &centre;
		break;
	case RESULT_PARTNERS:
		if (codec__list(&list, result->n, sizeof(PB(Partner))) < 0)
			return -VA_INTERNAL;
		for (size_t i = 0; i < result->n; i++)
			codec__partner_to_pb(list.ptrs[i], result->many[i]);
		partners.n_partners = result->n;
		partners.partners = (PB(Partner) **)list.ptrs;
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_PARTNERS;
		reply.partners = &partners;
		break;
	case RESULT_CENTRES:
		if (codec__list(&list, result->n, sizeof(PB(Centre))) < 0)
			return -VA_INTERNAL;
		for (size_t i = 0; i < result->n; i++)
			if ((rc = codec__centre_to_pb(list.ptrs[i], result->many[i], &scratch)) < 0)
				goto out;
		centres.n_centres = result->n;
		centres.centres = (PB(Centre) **)list.ptrs;
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_CENTRES;
		reply.centres = &centres;
		break;
	case RESULT_SECTORS:
		if (codec__list(&list, result->n, sizeof(PB(Sector))) < 0)
			return -VA_INTERNAL;
		for (size_t i = 0; i < result->n; i++)
			codec__sector_to_pb(list.ptrs[i], result->many[i]);
		sectors.n_sectors = result->n;
		sectors.sectors = (PB(Sector) **)list.ptrs;
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_SECTORS;
		reply.sectors = &sectors;
		break;
	case RESULT_INTERESTS:
		if (codec__list(&list, result->n, sizeof(PB(SectorInterest))) < 0)
			return -VA_INTERNAL;
		for (size_t i = 0; i < result->n; i++)
			codec__interest_to_pb(list.ptrs[i], result->many[i]);
		interests.n_interests = result->n;
		interests.interests = (PB(SectorInterest) **)list.ptrs;
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_INTERESTS;
		reply.interests = &interests;
		break;
	case RESULT_ALLIANCE:
	case RESULT_ALLIANCES:
		naw = result->type == RESULT_ALLIANCE ? 1 : result->n;
		aw = calloc(naw + 1, sizeof *aw);
		list.ptrs = calloc(naw + 1, sizeof *list.ptrs);
		rc = aw == NULL || list.ptrs == NULL ? -VA_INTERNAL : 0;
		for (size_t i = 0; rc == 0 && i < naw; i++) {
			const alliance_t *a =
			    result->type == RESULT_ALLIANCE ? result->one : result->many[i];
			rc = codec__alliance_to_pb(&aw[i], a, result->state, result->now_ms);
			list.ptrs[i] = &aw[i].msg;
		}
		if (rc < 0)
			goto out;
		if (result->type == RESULT_ALLIANCE) {
			reply.result_case = VETALLIANCE__V1__REPLY__RESULT_ALLIANCE;
			reply.alliance = &aw[0].msg;
		} else {
			alliances.n_alliances = naw;
			alliances.alliances = (PB(Alliance) **)list.ptrs;
			reply.result_case = VETALLIANCE__V1__REPLY__RESULT_ALLIANCES;
			reply.alliances = &alliances;
		}
		break;
	case RESULT_COMMITMENTS:
		if (codec__list(&list, result->n, sizeof(PB(CommitmentState))) < 0)
			return -VA_INTERNAL;
		for (size_t i = 0; i < result->n; i++)
			codec__confirmation_to_pb(list.ptrs[i], result->many[i]);
		commitments.n_commitments = result->n;
		commitments.commitments = (PB(CommitmentState) **)list.ptrs;
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_COMMITMENTS;
		reply.commitments = &commitments;
		break;
	case RESULT_DAEMON_STATUS: {
		const metrics_status_t *st = result->one;
		ds.version = codec__str_or_empty(st->version);
		ds.uptime_s = st->uptime_ms / 1000;
		ds.last_seq = st->last_seq;
		ds.journal_bytes = st->journal_bytes;
		ds.journal_segments = st->journal_segments;
		ds.journal_age_s = st->journal_age_ms < 0 ? -1 : st->journal_age_ms / 1000;
		ds.snapshot_seq = st->snapshot_seq;
		ds.snapshot_bytes = st->snapshot_bytes;
		ds.snapshot_age_s = st->snapshot_age_ms < 0 ? -1 : st->snapshot_age_ms / 1000;
		ds.peers = st->peers;
		ds.commands_per_second = st->commands_per_second;
		ds.sync_p50_us = st->sync_p50_us;
		ds.sync_p99_us = st->sync_p99_us;
		ds.requests = st->requests;
		ds.commits = st->commits;
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_DAEMON_STATUS;
		reply.daemon_status = &ds;
		break;
	}
	case RESULT_METRICS:
		mr.text = codec__str_or_empty(result->one);
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_METRICS;
		reply.metrics = &mr;
		break;
	case RESULT_SESSION:
	case RESULT_SESSIONS:
	case RESULT_DEADLINES:
		if ((rc = codec__session_result(result, &reply, &sres)) < 0)
			goto out;
		break;
	case RESULT_STATE:
		rc = codec__state_result(result->one, &state_res, state_lists, &scratch, &aw, &naw);
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_STATE;
		reply.state = &state_res;
		if (rc < 0)
			goto out;
		break;
	case RESULT_PRINCIPAL: {
		const principal_t *p = result->one;
		principal.name = (char *)p->name;
		principal.role = (char *)role_name(p->role);
		principal.institution = (char *)p->institution;
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_PRINCIPAL;
		reply.principal = &principal;
		break;
	}
	case RESULT_PRINCIPALS_RELOADED: {
		const codec_reload_t *r = result->one;
		reloaded.principals = r->principals;
		reloaded.removed = r->removed;
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_PRINCIPALS_RELOADED;
		reply.principals_reloaded = &reloaded;
		break;
	}
	/* The criteria of one centre. */
	case RESULT_CRITERIA:
		if (codec__list(&list, result->n, sizeof(PB(Criterion))) < 0)
			return -VA_INTERNAL;
		crit = list.items;
		for (size_t i = 0; i < result->n; i++) {
			const criterion_t *k = result->many[i];
			vetalliance__v1__criterion__init(&crit[i]);
			crit[i].id = codec__str_or_empty(k->id);
			crit[i].group = codec__str_or_empty(k->group);
			crit[i].status = (PB(CriterionStatus))k->status;
			crit[i].fact = (char *)k->fact;
		}
		criteria.n_criteria = result->n;
		criteria.criteria = (PB(Criterion) **)list.ptrs;
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_CRITERIA;
		reply.criteria = &criteria;
		break;
	/* Packed by codec_mobility_reply_pack above */
	case RESULT_MOBILITY:
	case RESULT_MOBILITIES:
	case RESULT_RULES:
		break;
	}
	rc = codec_pack(&reply.base, buf_p, len_p);
out:
	for (size_t i = 0; i < 5; i++) {
		free(state_lists[i].ptrs);
		free(state_lists[i].items);
	}
	free(state_res.alliances);
	codec__scratch_release(&scratch);
	for (size_t i = 0; aw != NULL && i < naw; i++)
		codec__alliance_pb_release(&aw[i]);
	free(aw);
	free(list.ptrs);
	free(list.items);
	codec__session_result_release(&sres);
	return rc;
}
