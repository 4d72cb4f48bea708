/*
 * codec/request - a Request's bytes to a command or query (codec.h):
 * unpacked into an arena, validated (validate.c), copied into the
 * state's structs (convert.c).
 */
#include "codec/internal.h"

static const char *const partner_mask_names[] = {"name", "country", "time_zone", "region", NULL};

static const char *const centre_mask_names[] = {
    "name", "kind", "partner", "country", "region", "sectors",
    /* in CENTRE_F_* bit order */
    "contacts", "sends", "receives", "dual_vet", "coordinator", "excellence_network",
    "previous_experience", "integrated", "ka2_interest", "province", "teacher_hours", NULL};

/* The alliance and, when `centre_path` is not NULL, the centre of an
 * alliance command. */
static int codec__alliance_cmd(cmd_t *c, cmd_type_t type, const char *path, const char *alliance,
			       const char *centre, char *err, size_t errlen)
{
	char f[64];
	int rc;

	snprintf(f, sizeof f, "%s.alliance", path);
	if ((rc = codec__require_id(alliance, f, 0, err, errlen)) < 0)
		return rc;
	if (centre != NULL) {
		snprintf(f, sizeof f, "%s.centre", path);
		if ((rc = codec__require_id(centre, f, 0, err, errlen)) < 0)
			return rc;
	}
	c->type = type;
	c->u.acmd.alliance = model_strdup(alliance);
	c->u.acmd.centre = model_strdup(centre);
	return 0;
}

/* commitment_confirm / commitment_withdraw: the centre and a commitment. */
static int codec__commitment_cmd(const char *path, const char *centre, int commitment, cmd_t *c,
				 char *err, size_t errlen)
{
	char f[64];
	int rc;

	snprintf(f, sizeof f, "%s.centre", path);
	if ((rc = codec__require_id(centre, f, 0, err, errlen)) < 0)
		return rc;
	if (commitment <= COMMITMENT_UNSPECIFIED || commitment > COMMITMENT_MAX)
		return codec__fail(err, errlen, "%s.commitment: must be set", path);
	c->u.confirmation.centre = model_strdup(centre);
	c->u.confirmation.commitment = (commitment_t)commitment;
	return 0;
}

/* The session and deadline requests (commands and queries). */
static int codec__decode_session(const PB(Request) * r, request_t *out, char *err, size_t errlen)
{
	session_cmd_t *sc = &out->cmd.u.scmd;
	query_t *q = &out->query;
	int rc = 0;

	switch (r->body_case) {
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_BOOK:
		if ((rc = codec__session_fields(r->session_book->session, err, errlen)) < 0)
			return rc;
		out->cmd.type = CMD_SESSION_BOOK;
		codec__session_from_pb(&out->cmd.u.session, r->session_book->session);
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_JOIN: {
		const PB(SessionJoin) *j = r->session_join;
		if ((rc = CODEC_IDS(err, errlen, j->session, "session_join.session", j->centre,
				    "session_join.centre")) < 0 ||
		    (rc = codec__range(j->head_count, 1, 100000, "session_join.head_count", err,
				       errlen)) < 0)
			return rc;
		out->cmd.type = CMD_SESSION_JOIN;
		sc->session = model_strdup(j->session);
		sc->centre = model_strdup(j->centre);
		sc->head_count = j->head_count;
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_LEAVE:
		if ((rc = CODEC_IDS(err, errlen, r->session_leave->session, "session_leave.session",
				    r->session_leave->centre, "session_leave.centre")) < 0)
			return rc;
		out->cmd.type = CMD_SESSION_LEAVE;
		sc->session = model_strdup(r->session_leave->session);
		sc->centre = model_strdup(r->session_leave->centre);
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_CANCEL: {
		const PB(SessionCancel) *c = r->session_cancel;
		if ((rc = CODEC_IDS(err, errlen, c->session, "session_cancel.session", c->by,
				    "session_cancel.by")) < 0 ||
		    (rc = codec__require(c->reason, "session_cancel.reason", err, errlen)) < 0)
			return rc;
		out->cmd.type = CMD_SESSION_CANCEL;
		sc->session = model_strdup(c->session);
		sc->by = model_strdup(c->by);
		sc->reason = model_strdup(c->reason);
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_RESCHEDULE: {
		const PB(SessionReschedule) *c = r->session_reschedule;
		if ((rc = CODEC_IDS(err, errlen, c->session, "session_reschedule.session", c->by,
				    "session_reschedule.by")) < 0 ||
		    (rc = codec__range(c->duration_min, 0, CODEC_DURATION_MAX_MIN,
				       "session_reschedule.duration_min", err, errlen)) < 0)
			return rc;
		if (c->start_ms <= 0)
			return codec__fail(err, errlen, "session_reschedule.start_ms: must be set");
		out->cmd.type = CMD_SESSION_RESCHEDULE;
		sc->session = model_strdup(c->session);
		sc->by = model_strdup(c->by);
		sc->start_ms = c->start_ms;
		sc->duration_min = c->duration_min;
		sc->reason = codec__dup_or_empty(c->reason);
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_ATTENDANCE: {
		const PB(SessionAttendance) *a = r->session_attendance;
		if ((rc = CODEC_IDS(err, errlen, a->session, "session_attendance.session", a->by,
				    "session_attendance.by", a->centre,
				    "session_attendance.centre")) < 0)
			return rc;
		out->cmd.type = CMD_SESSION_ATTENDANCE;
		sc->session = model_strdup(a->session);
		sc->by = model_strdup(a->by);
		sc->centre = model_strdup(a->centre);
		sc->attended = a->attended;
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_EVALUATE: {
		const PB(SessionEvaluate) *e = r->session_evaluate;
		if ((rc = CODEC_IDS(err, errlen, e->session, "session_evaluate.session", e->centre,
				    "session_evaluate.centre")) < 0 ||
		    (rc = codec__range(e->rating, 1, 5, "session_evaluate.rating", err, errlen)) <
			0)
			return rc;
		out->cmd.type = CMD_SESSION_EVALUATE;
		sc->session = model_strdup(e->session);
		sc->centre = model_strdup(e->centre);
		sc->rating = e->rating;
		sc->comment = codec__dup_or_empty(e->comment);
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_ALLIANCE_VISIT: {
		const PB(SessionAllianceVisit) *v = r->session_alliance_visit;
		if ((rc = CODEC_IDS(err, errlen, v->alliance, "session_alliance_visit.alliance",
				    v->session, "session_alliance_visit.session", v->by,
				    "session_alliance_visit.by")) < 0)
			return rc;
		out->cmd.type = CMD_SESSION_ALLIANCE_VISIT;
		sc->alliance = model_strdup(v->alliance);
		sc->session = model_strdup(v->session);
		sc->by = model_strdup(v->by);
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_DEADLINE_SET:
		if ((rc = codec__deadline_fields(r->deadline_set->deadline, err, errlen)) < 0)
			return rc;
		out->cmd.type = CMD_DEADLINE_SET;
		codec__deadline_from_pb(&out->cmd.u.deadline, r->deadline_set->deadline);
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_DEADLINE_DONE:
		if ((rc = CODEC_IDS(err, errlen, r->deadline_done->id, "deadline_done.id",
				    r->deadline_done->by, "deadline_done.by")) < 0)
			return rc;
		out->cmd.type = CMD_DEADLINE_DONE;
		sc->session = model_strdup(r->deadline_done->id);
		sc->by = model_strdup(r->deadline_done->by);
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_GET:
		if ((rc = codec__require(r->session_get->id, "session_get.id", err, errlen)) < 0)
			return rc;
		out->is_query = 1;
		q->type = QUERY_SESSION_GET;
		q->id = model_strdup(r->session_get->id);
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_LIST:
		out->is_query = 1;
		q->type = QUERY_SESSION_LIST;
		q->id = codec__dup_or_empty(r->session_list->centre);
		return 0;
	default: /* VETALLIANCE__V1__REQUEST__BODY_DEADLINE_LIST */
		out->is_query = 1;
		q->type = QUERY_DEADLINE_LIST;
		return 0;
	}
}

static int codec__decode_body(const PB(Request) * r, request_t *out, char *err, size_t errlen)
{
	const unsigned all_partner = PARTNER_F_NAME | PARTNER_F_COUNTRY | PARTNER_F_TIME_ZONE;
	const unsigned all_centre = CENTRE_F_NAME | CENTRE_F_KIND | CENTRE_F_PARTNER |
				    CENTRE_F_COUNTRY | CENTRE_F_SECTORS | CENTRE_F_CONTACTS |
				    (CENTRE_F_FACT(CENTRE_FACTS) - CENTRE_F_FACT0) |
				    CENTRE_F_TEACHER_HOURS; /* contacts and facts */
	query_t *q = &out->query;
	cmd_t *c = &out->cmd;
	int rc;

	switch (r->body_case) {
	case VETALLIANCE__V1__REQUEST__BODY_PARTNER_REGISTER:
	case VETALLIANCE__V1__REQUEST__BODY_PARTNER_UPDATE: {
		int reg = r->body_case == VETALLIANCE__V1__REQUEST__BODY_PARTNER_REGISTER;
		const char *path = reg ? "partner_register.partner" : "partner_update.partner";
		const PB(Partner) *p =
		    reg ? r->partner_register->partner : r->partner_update->partner;
		unsigned mask = all_partner;
		char f[64];
		if (p == NULL)
			return codec__fail(err, errlen, "%s: must be set", path);
		snprintf(f, sizeof f, "%s.id", path);
		if ((rc = codec__require_id(p->id, f, 1, err, errlen)) < 0)
			return rc;
		if (!reg &&
		    (rc = codec__mask(r->partner_update->update_mask,
				      r->partner_update->n_update_mask, partner_mask_names,
				      "partner_update.update_mask", &mask, err, errlen)) < 0)
			return rc;
		if ((rc = codec__partner_fields(p, mask, path, err, errlen)) < 0)
			return rc;
		c->type = reg ? CMD_PARTNER_REGISTER : CMD_PARTNER_UPDATE;
		c->mask = mask;
		codec__partner_from_pb(&c->u.partner, p);
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER:
	case VETALLIANCE__V1__REQUEST__BODY_CENTRE_UPDATE: {
		int reg = r->body_case == VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;
		const char *path = reg ? "centre_register.centre" : "centre_update.centre";
		const PB(Centre) *ce = reg ? r->centre_register->centre : r->centre_update->centre;
		unsigned mask = all_centre;
		char f[64];
		if (ce == NULL)
			return codec__fail(err, errlen, "%s: must be set", path);
		snprintf(f, sizeof f, "%s.id", path);
		if ((rc = codec__require_id(ce->id, f, 0, err, errlen)) < 0)
			return rc;
		if (!reg && (rc = codec__mask(r->centre_update->update_mask,
					      r->centre_update->n_update_mask, centre_mask_names,
					      "centre_update.update_mask", &mask, err, errlen)) < 0)
			return rc;
		if ((rc = codec__centre_fields(ce, mask, path, err, errlen)) < 0)
			return rc;
		c->type = reg ? CMD_CENTRE_REGISTER : CMD_CENTRE_UPDATE;
		c->mask = mask;
		codec__centre_pack_from_pb(&c->u.centre, ce);
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_SECTOR_DEFINE: {
		const PB(Sector) *s = r->sector_define->sector;
		if (s == NULL)
			return codec__fail(err, errlen, "sector_define.sector: must be set");
		if (!codec__sector_id_valid(s->id))
			return codec__fail(err, errlen,
					   "sector_define.sector.id: '%s' is not a sector id "
					   "(a-z 0-9 -, 1-%d characters)",
					   s->id, CODEC_ID_MAX);
		if ((rc = codec__require(s->name, "sector_define.sector.name", err, errlen)) < 0)
			return rc;
		c->type = CMD_SECTOR_DEFINE;
		codec__sector_from_pb(&c->u.sector, s);
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_INTEREST_MARK: {
		const PB(SectorInterest) *in = r->interest_mark->interest;
		if (in == NULL)
			return codec__fail(err, errlen, "interest_mark.interest: must be set");
		if ((rc = codec__require_id(in->partner, "interest_mark.interest.partner", 1, err,
					    errlen)) < 0)
			return rc;
		if (!codec__sector_id_valid(in->sector))
			return codec__fail(err, errlen,
					   "interest_mark.interest.sector: '%s' is not a sector id",
					   in->sector);
		c->type = CMD_INTEREST_MARK;
		codec__interest_from_pb(&c->u.interest, in);
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_COMMITMENT_CONFIRM:
		c->type = CMD_COMMITMENT_CONFIRM;
		return codec__commitment_cmd("commitment_confirm", r->commitment_confirm->centre,
					     (int)r->commitment_confirm->commitment, c, err,
					     errlen);
	case VETALLIANCE__V1__REQUEST__BODY_COMMITMENT_WITHDRAW:
		c->type = CMD_COMMITMENT_WITHDRAW;
		return codec__commitment_cmd("commitment_withdraw", r->commitment_withdraw->centre,
					     (int)r->commitment_withdraw->commitment, c, err,
					     errlen);
	case VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_CREATE:
		if ((rc = codec__alliance_fields(r->alliance_create->alliance, err, errlen)) < 0)
			return rc;
		c->type = CMD_ALLIANCE_CREATE;
		codec__alliance_from_pb(&c->u.alliance, r->alliance_create->alliance);
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_JOIN:
		return codec__alliance_cmd(c, CMD_ALLIANCE_JOIN, "alliance_join",
					   r->alliance_join->alliance, r->alliance_join->centre,
					   err, errlen);
	case VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_LEAVE:
		return codec__alliance_cmd(c, CMD_ALLIANCE_LEAVE, "alliance_leave",
					   r->alliance_leave->alliance, r->alliance_leave->centre,
					   err, errlen);
	case VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_CONTACT: {
		const PB(AllianceContact) *ac = r->alliance_contact;
		if ((rc = codec__require(ac->contact, "alliance_contact.contact", err, errlen)) <
			0 ||
		    (rc = codec__alliance_cmd(c, CMD_ALLIANCE_CONTACT, "alliance_contact",
					      ac->alliance, ac->centre, err, errlen)) < 0)
			return rc;
		c->u.acmd.contact = model_strdup(ac->contact);
		for (size_t i = 0; i < ac->n_channels; i++)
			strlist_push(&c->u.acmd.channels, ac->channels[i]);
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_AGREE:
		return codec__alliance_cmd(c, CMD_ALLIANCE_AGREE, "alliance_agree",
					   r->alliance_agree->alliance, NULL, err, errlen);
	case VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_VISIT: {
		const PB(AllianceVisit) *av = r->alliance_visit;
		if ((rc = codec__alliance_cmd(c, CMD_ALLIANCE_VISIT, "alliance_visit", av->alliance,
					      NULL, err, errlen)) < 0)
			return rc;
		c->u.acmd.visit_virtual = av->is_virtual;
		c->u.acmd.visit_ms = av->date_ms;
		c->u.acmd.visit_ref = codec__dup_or_empty(av->reference);
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_MOU_DRAFT: {
		const PB(MouContent) *mc = r->mou_draft->content;
		if (mc == NULL)
			return codec__fail(err, errlen, "mou_draft.content: must be set");
		if ((rc = codec__require(mc->objectives, "mou_draft.content.objectives", err,
					 errlen)) < 0)
			return rc;
		if (mc->valid_from_ms != 0 && mc->valid_until_ms != 0 &&
		    mc->valid_until_ms < mc->valid_from_ms)
			return codec__fail(
			    err, errlen, "mou_draft.content.valid_until_ms: before valid_from_ms");
		if ((rc = codec__alliance_cmd(c, CMD_MOU_DRAFT, "mou_draft", r->mou_draft->alliance,
					      NULL, err, errlen)) < 0)
			return rc;
		codec__mou_from_pb(&c->u.acmd.mou, mc);
		c->u.acmd.mou.version = 0;
		c->u.acmd.mou.voided = 0;
		free(c->u.acmd.mou.hash);
		c->u.acmd.mou.hash = NULL;
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_MOU_SIGN:
		if ((rc = codec__require(r->mou_sign->hash, "mou_sign.hash", err, errlen)) < 0 ||
		    (rc = codec__alliance_cmd(c, CMD_MOU_SIGN, "mou_sign", r->mou_sign->alliance,
					      r->mou_sign->centre, err, errlen)) < 0)
			return rc;
		c->u.acmd.hash = model_strdup(r->mou_sign->hash);
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_BOOK:
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_JOIN:
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_LEAVE:
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_CANCEL:
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_RESCHEDULE:
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_ATTENDANCE:
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_EVALUATE:
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_GET:
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_LIST:
	case VETALLIANCE__V1__REQUEST__BODY_SESSION_ALLIANCE_VISIT:
	case VETALLIANCE__V1__REQUEST__BODY_DEADLINE_SET:
	case VETALLIANCE__V1__REQUEST__BODY_DEADLINE_DONE:
	case VETALLIANCE__V1__REQUEST__BODY_DEADLINE_LIST:
		return codec__decode_session(r, out, err, errlen);
	case VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_GET:
		if ((rc = codec__require(r->alliance_get->id, "alliance_get.id", err, errlen)) < 0)
			return rc;
		out->is_query = 1;
		q->type = QUERY_ALLIANCE_GET;
		q->id = model_strdup(r->alliance_get->id);
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_ALLIANCE_LIST:
		out->is_query = 1;
		q->type = QUERY_ALLIANCE_LIST;
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_COMMITMENT_LIST:
		if ((rc = codec__require(r->commitment_list->centre, "commitment_list.centre", err,
					 errlen)) < 0)
			return rc;
		out->is_query = 1;
		q->type = QUERY_COMMITMENT_LIST;
		q->id = model_strdup(r->commitment_list->centre);
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_PARTNER_GET:
	case VETALLIANCE__V1__REQUEST__BODY_CENTRE_GET: {
		int partner = r->body_case == VETALLIANCE__V1__REQUEST__BODY_PARTNER_GET;
		const char *id = partner ? r->partner_get->id : r->centre_get->id;
		if ((rc = codec__require(id, partner ? "partner_get.id" : "centre_get.id", err,
					 errlen)) < 0)
			return rc;
		out->is_query = 1;
		q->type = partner ? QUERY_PARTNER_GET : QUERY_CENTRE_GET;
		q->id = model_strdup(id);
		return 0;
	}
	case VETALLIANCE__V1__REQUEST__BODY_PARTNER_LIST:
		out->is_query = 1;
		q->type = QUERY_PARTNER_LIST;
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_CENTRE_LIST:
		out->is_query = 1;
		q->type = QUERY_CENTRE_LIST;
		q->partner = codec__dup_or_empty(r->centre_list->partner);
		q->country = codec__dup_or_empty(r->centre_list->country);
		q->sector = codec__dup_or_empty(r->centre_list->sector);
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_SECTOR_LIST:
		out->is_query = 1;
		q->type = QUERY_SECTOR_LIST;
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_INTEREST_LIST:
		out->is_query = 1;
		q->type = QUERY_INTEREST_LIST;
		q->partner = codec__dup_or_empty(r->interest_list->partner);
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_DAEMON_STATUS:
		out->is_query = 1;
		q->type = QUERY_DAEMON_STATUS;
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_METRICS:
		out->is_query = 1;
		q->type = QUERY_METRICS;
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_EVENTS_SINCE:
		out->is_query = 1;
		q->type = QUERY_EVENTS_SINCE;
		q->from_seq = r->events_since->from_seq;
		q->max_events = r->events_since->max_events;
		q->max_bytes = r->events_since->max_bytes;
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_STATE_GET:
		out->is_query = 1;
		q->type = QUERY_STATE_GET;
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_PRINCIPALS_RELOAD:
		out->is_query = 1;
		q->type = QUERY_PRINCIPALS_RELOAD;
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_WHOAMI:
		out->is_query = 1;
		q->type = QUERY_WHOAMI;
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_PROPOSE:
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_REVIEW:
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_APPROVE:
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_REJECT:
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_START:
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_COMPLETE:
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_CERTIFY:
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_COUNTERSIGN:
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_CANCEL:
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_PREPARE:
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_GET:
	case VETALLIANCE__V1__REQUEST__BODY_MOBILITY_LIST:
	case VETALLIANCE__V1__REQUEST__BODY_RULES_GET:
	case VETALLIANCE__V1__REQUEST__BODY_RULES_RELOAD:
		return codec_mobility_request(r, out, err, errlen);
	/* Criteria and matching. */
	case VETALLIANCE__V1__REQUEST__BODY_CENTRE_CRITERIA:
		if ((rc = codec__require(r->centre_criteria->centre, "centre_criteria.centre", err,
					 errlen)) < 0)
			return rc;
		out->is_query = 1;
		q->type = QUERY_CENTRE_CRITERIA;
		q->id = model_strdup(r->centre_criteria->centre);
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_CENTRE_MATCH:
		if ((rc = codec__require(r->centre_match->sector, "centre_match.sector", err,
					 errlen)) < 0)
			return rc;
		if (r->centre_match->centre[0] != '\0' && r->centre_match->country[0] != '\0')
			return codec__fail(err, errlen,
					   "centre_match: give centre or country, not both");
		if (r->centre_match->country[0] != '\0' &&
		    (rc = codec__country(r->centre_match->country, "centre_match.country", err,
					 errlen)) < 0)
			return rc;
		out->is_query = 1;
		q->type = QUERY_CENTRE_MATCH;
		q->sector = codec__dup_or_empty(r->centre_match->sector);
		q->id = codec__dup_or_empty(r->centre_match->centre);
		q->country = codec__dup_or_empty(r->centre_match->country);
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY__NOT_SET:
		break;
	default:
		break;
	}
	/* An empty body, or a command this daemon does not know (a newer
	 * client): proto3 skips unknown fields, leaving no body set. */
	return codec__fail(err, errlen, "request: no known command or query in the body");
}

int codec_request_decode(const void *buf, size_t len, request_t *out, char *err, size_t errlen)
{
	static const codec_limits_t defaults = {CODEC_STRING_MAX, CODEC_LIST_MAX};

	return codec_request_decode_limits(buf, len, &defaults, out, err, errlen);
}

int codec_request_decode_limits(const void *buf, size_t len, const codec_limits_t *lim,
				request_t *out, char *err, size_t errlen)
{
	codec_arena_t arena;
	ProtobufCAllocator alloc = codec__arena_allocator(&arena);
	PB(Request) * r;
	int rc;

	memset(out, 0, sizeof *out);
	r = vetalliance__v1__request__unpack(&alloc, len, buf);
	if (r == NULL) {
		codec__arena_release(&arena);
		return codec__fail(err, errlen, "malformed request: not a vetalliance.v1.Request");
	}
	/* Keep the id for the refusal only if it is itself acceptable. */
	if (r->request_id != NULL && strlen(r->request_id) <= VA_REQUEST_ID_MAX &&
	    codec__utf8_valid((const unsigned char *)r->request_id, strlen(r->request_id)))
		out->request_id = model_strdup(r->request_id);
	codec_path_t path = {.depth = 0, .lim = lim};
	rc = codec__walk(&r->base, &path, err, errlen);
	if (rc == 0 && (out->request_id == NULL || *out->request_id == '\0'))
		rc = codec__fail(err, errlen, "request_id: must not be empty");
	if (rc == 0)
		rc = codec__decode_body(r, out, err, errlen);
	codec__arena_release(&arena);
	if (rc < 0) {
		char *id = out->request_id;
		out->request_id = NULL;
		request_release(out);
		out->request_id = id;
	}
	return rc;
}

void request_release(request_t *req)
{
	free(req->request_id);
	if (req->is_query) {
		free(req->query.id);
		free(req->query.partner);
		free(req->query.country);
		free(req->query.sector);
	} else {
		cmd_release(&req->cmd);
	}
	memset(req, 0, sizeof *req);
}
