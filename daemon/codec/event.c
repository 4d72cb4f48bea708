/*
 * codec/event - an Event to its journal and PUB bytes and back (codec.h).
 *
 * The kinds and their payloads come from EV_MAP (state/model.h): a kind's
 * wire payload case has its name, and every kind of one payload uses the
 * same slot of the Event's payload union, so packing and unpacking go by
 * payload, not by kind.
 */
#include "codec/internal.h"

/* The wire's payload case of an event kind. */
static PB(Event__PayloadCase) codec__payload_case(ev_type_t type)
{
	switch (type) {
#define CODEC__CASE(name, payload)                                                                 \
	case EV_##name:                                                                            \
		return VETALLIANCE__V1__EVENT__PAYLOAD_##name;
		EV_MAP(CODEC__CASE)
#undef CODEC__CASE
	case EV_COUNT:
		break;
	}
	return VETALLIANCE__V1__EVENT__PAYLOAD__NOT_SET;
}

/* The event kind of a wire payload case: 0 and *type, or -VA_NOT_FOUND for
 * a case that is no event of the state (a heartbeat, or one unknown). */
static int codec__event_type(PB(Event__PayloadCase) pcase, ev_type_t *type)
{
	switch (pcase) {
#define CODEC__TYPE(name, payload)                                                                 \
	case VETALLIANCE__V1__EVENT__PAYLOAD_##name:                                               \
		*type = EV_##name;                                                                 \
		return 0;
		EV_MAP(CODEC__TYPE)
#undef CODEC__TYPE
	default:
		return -VA_NOT_FOUND;
	}
}

size_t codec_event_pack(const event_t *ev, uint8_t **buf_p, char *topic, size_t topic_len)
{
	PB(Event) e = VETALLIANCE__V1__EVENT__INIT;
	PB(Partner) partner;
	PB(Centre) centre;
	PB(Sector) sector;
	PB(SectorInterest) interest;
	PB(CommitmentState) confirmation;
	PB(Mobility) *mobility = NULL;
	codec_alliance_t alliance = {0};
	codec_scratch_t scratch = {0};
	codec_session_t session = {0};
	PB(Deadline) deadline;
	PB(Reminder) reminder;
	size_t len = 0;
	uint8_t *buf;

	*buf_p = NULL;
	e.seq = ev->seq;
	e.time_ms = ev->time_ms;
	e.actor = codec__str_or_empty(ev->actor);
	e.request_id = codec__str_or_empty(ev->request_id);
	e.payload_case = codec__payload_case(ev->type);
	if (e.payload_case == VETALLIANCE__V1__EVENT__PAYLOAD__NOT_SET)
		return 0;
	/* One union slot per payload: the first kind's member names it. */
	switch (ev_payload(ev->type)) {
	case EVP_PARTNER:
		codec__partner_to_pb(&partner, &ev->u.partner);
		e.partner_registered = &partner;
		break;
	case EVP_CENTRE:
		if (codec__centre_to_pb(&centre, &ev->u.centre, &scratch) < 0)
			goto out;
		e.centre_registered = &centre;
		break;
	case EVP_SECTOR:
		codec__sector_to_pb(&sector, &ev->u.sector);
		e.sector_defined = &sector;
		break;
	case EVP_INTEREST:
		codec__interest_to_pb(&interest, &ev->u.interest);
		e.sector_interest_marked = &interest;
		break;
	case EVP_CONFIRMATION:
		codec__confirmation_to_pb(&confirmation, &ev->u.confirmation);
		e.commitment_confirmed = &confirmation;
		break;
	case EVP_ALLIANCE:
		if (codec__alliance_to_pb(&alliance, &ev->u.alliance, NULL, 0) < 0)
			goto out;
		e.alliance_created = &alliance.msg;
		break;
	case EVP_MOBILITY:
		if ((mobility = codec_mobility_to_pb(&ev->u.mobility)) == NULL)
			goto out;
		e.mobility_proposed = mobility;
		break;
	case EVP_SESSION:
		if (codec__session_to_pb(&session, &ev->u.session) < 0)
			goto out;
		e.session_booked = &session.msg;
		break;
	case EVP_DEADLINE:
		codec__deadline_to_pb(&deadline, &ev->u.deadline);
		e.deadline_set = &deadline;
		break;
	case EVP_REMINDER:
		codec__reminder_to_pb(&reminder, &ev->u.reminder);
		e.session_reminder = &reminder;
		break;
	}
	if (va_event_type(&e, topic, topic_len) < 0)
		goto out;
	len = vetalliance__v1__event__get_packed_size(&e);
	buf = malloc(len ? len : 1);
	if (buf == NULL) {
		len = 0;
		goto out;
	}
	vetalliance__v1__event__pack(&e, buf);
	*buf_p = buf;
out:
	codec__alliance_pb_release(&alliance);
	codec__scratch_release(&scratch);
	codec__session_pb_release(&session);
	codec_mobility_pb_free(mobility);
	return len;
}

int codec_event_decode(const void *buf, size_t len, event_t *out, char *err, size_t errlen)
{
	codec_arena_t arena;
	ProtobufCAllocator alloc = codec__arena_allocator(&arena);
	PB(Event) * e;
	int rc = 0;

	memset(out, 0, sizeof *out);
	e = vetalliance__v1__event__unpack(&alloc, len, buf);
	if (e == NULL) {
		rc = codec__fail(err, errlen, "malformed event");
		goto out;
	}
	if (codec__event_type(e->payload_case, &out->type) < 0) {
		rc = codec__fail(err, errlen, "event %llu: unknown payload %d",
				 (unsigned long long)e->seq, (int)e->payload_case);
		goto out;
	}
	out->seq = e->seq;
	out->time_ms = e->time_ms;
	out->actor = codec__dup_or_empty(e->actor);
	out->request_id = codec__dup_or_empty(e->request_id);
	switch (ev_payload(out->type)) {
	case EVP_PARTNER:
		codec__partner_from_pb(&out->u.partner, e->partner_registered);
		break;
	case EVP_CENTRE:
		codec__centre_pack_from_pb(&out->u.centre, e->centre_registered);
		break;
	case EVP_SECTOR:
		codec__sector_from_pb(&out->u.sector, e->sector_defined);
		break;
	case EVP_INTEREST:
		codec__interest_from_pb(&out->u.interest, e->sector_interest_marked);
		break;
	case EVP_CONFIRMATION:
		codec__confirmation_from_pb(&out->u.confirmation, e->commitment_confirmed);
		break;
	case EVP_ALLIANCE:
		codec__alliance_from_pb(&out->u.alliance, e->alliance_created);
		break;
	case EVP_MOBILITY:
		codec_mobility_from_pb(&out->u.mobility, e->mobility_proposed);
		break;
	case EVP_SESSION:
		codec__session_from_pb(&out->u.session, e->session_booked);
		break;
	case EVP_DEADLINE:
		codec__deadline_from_pb(&out->u.deadline, e->deadline_set);
		break;
	case EVP_REMINDER:
		codec__reminder_from_pb(&out->u.reminder, e->session_reminder);
		break;
	}
out:
	codec__arena_release(&arena);
	return rc;
}
