/*
 * codec/event - an Event to its journal and PUB bytes and back (codec.h).
 */
#include "codec/internal.h"

/* The Event payload case of an alliance event type, and back.  Every
 * alliance event carries the same message (Alliance). */
static const struct {
	ev_type_t type;
	Vetalliance__V1__Event__PayloadCase pcase;
} codec__alliance_events[] = {
    {EV_ALLIANCE_CREATED, VETALLIANCE__V1__EVENT__PAYLOAD_ALLIANCE_CREATED},
    {EV_ALLIANCE_MEMBER_JOINED, VETALLIANCE__V1__EVENT__PAYLOAD_ALLIANCE_MEMBER_JOINED},
    {EV_ALLIANCE_MEMBER_LEFT, VETALLIANCE__V1__EVENT__PAYLOAD_ALLIANCE_MEMBER_LEFT},
    {EV_ALLIANCE_CONTACT_DESIGNATED, VETALLIANCE__V1__EVENT__PAYLOAD_ALLIANCE_CONTACT_DESIGNATED},
    {EV_ALLIANCE_STEP_REACHED, VETALLIANCE__V1__EVENT__PAYLOAD_ALLIANCE_STEP_REACHED},
    {EV_MOU_DRAFTED, VETALLIANCE__V1__EVENT__PAYLOAD_MOU_DRAFTED},
    {EV_MOU_CHANGED, VETALLIANCE__V1__EVENT__PAYLOAD_MOU_CHANGED},
    {EV_MOU_SIGNED, VETALLIANCE__V1__EVENT__PAYLOAD_MOU_SIGNED},
    {EV_MOU_FULLY_SIGNED, VETALLIANCE__V1__EVENT__PAYLOAD_MOU_FULLY_SIGNED},
};

static Vetalliance__V1__Event__PayloadCase codec__alliance_case(ev_type_t type)
{
	for (size_t i = 0; i < sizeof codec__alliance_events / sizeof codec__alliance_events[0];
	     i++)
		if (codec__alliance_events[i].type == type)
			return codec__alliance_events[i].pcase;
	return VETALLIANCE__V1__EVENT__PAYLOAD__NOT_SET;
}

static ev_type_t codec__alliance_type(Vetalliance__V1__Event__PayloadCase pcase)
{
	for (size_t i = 0; i < sizeof codec__alliance_events / sizeof codec__alliance_events[0];
	     i++)
		if (codec__alliance_events[i].pcase == pcase)
			return codec__alliance_events[i].type;
	return EV_ALLIANCE_STEP_REACHED; /* not reached: callers pass an alliance case */
}

/* The Event payload case of a session event type, and back. */
static const struct {
	ev_type_t type;
	Vetalliance__V1__Event__PayloadCase pcase;
} codec__session_events[] = {
    {EV_SESSION_BOOKED, VETALLIANCE__V1__EVENT__PAYLOAD_SESSION_BOOKED},
    {EV_SESSION_JOINED, VETALLIANCE__V1__EVENT__PAYLOAD_SESSION_JOINED},
    {EV_SESSION_LEFT, VETALLIANCE__V1__EVENT__PAYLOAD_SESSION_LEFT},
    {EV_SESSION_CANCELLED, VETALLIANCE__V1__EVENT__PAYLOAD_SESSION_CANCELLED},
    {EV_SESSION_RESCHEDULED, VETALLIANCE__V1__EVENT__PAYLOAD_SESSION_RESCHEDULED},
    {EV_SESSION_ATTENDANCE, VETALLIANCE__V1__EVENT__PAYLOAD_SESSION_ATTENDANCE},
    {EV_SESSION_EVALUATED, VETALLIANCE__V1__EVENT__PAYLOAD_SESSION_EVALUATED},
    {EV_SESSION_REMINDER, VETALLIANCE__V1__EVENT__PAYLOAD_SESSION_REMINDER},
    {EV_DEADLINE_SET, VETALLIANCE__V1__EVENT__PAYLOAD_DEADLINE_SET},
    {EV_DEADLINE_DONE, VETALLIANCE__V1__EVENT__PAYLOAD_DEADLINE_DONE},
    {EV_DEADLINE_APPROACHING, VETALLIANCE__V1__EVENT__PAYLOAD_DEADLINE_APPROACHING},
    {EV_DEADLINE_MISSED, VETALLIANCE__V1__EVENT__PAYLOAD_DEADLINE_MISSED},
};

#define CODEC_SESSION_EVENTS (sizeof codec__session_events / sizeof codec__session_events[0])

/*
 * codec__session_event_pack - fill e's payload from a session, deadline
 * or reminder event, with wire storage in the three views.  Returns 1 when
 * ev is one of them, 0 when not, -1 on out of memory.
 */
static int codec__session_event_pack(const event_t *ev, PB(Event) * e, codec_session_t *sw,
				     PB(Deadline) * dw, PB(Reminder) * rw)
{
	size_t i;

	for (i = 0; i < CODEC_SESSION_EVENTS && codec__session_events[i].type != ev->type; i++)
		;
	if (i == CODEC_SESSION_EVENTS)
		return 0;
	e->payload_case = codec__session_events[i].pcase;
	switch (ev->type) {
	case EV_DEADLINE_SET:
	case EV_DEADLINE_DONE:
		codec__deadline_to_pb(dw, &ev->u.deadline);
		e->deadline_set = dw; /* same union slot as deadline_done */
		break;
	case EV_SESSION_REMINDER:
	case EV_DEADLINE_APPROACHING:
	case EV_DEADLINE_MISSED:
		codec__reminder_to_pb(rw, &ev->u.reminder);
		e->session_reminder = rw;
		break;
	default:
		if (codec__session_to_pb(sw, &ev->u.session) < 0)
			return -1;
		e->session_booked = &sw->msg;
		break;
	}
	return 1;
}

/* The reverse: 1 when e carries a session, deadline or reminder event. */
static int codec__session_event_decode(const PB(Event) * e, event_t *out)
{
	size_t i;

	for (i = 0; i < CODEC_SESSION_EVENTS && codec__session_events[i].pcase != e->payload_case;
	     i++)
		;
	if (i == CODEC_SESSION_EVENTS)
		return 0;
	out->type = codec__session_events[i].type;
	switch (out->type) {
	case EV_DEADLINE_SET:
	case EV_DEADLINE_DONE:
		codec__deadline_from_pb(&out->u.deadline, e->deadline_set);
		break;
	case EV_SESSION_REMINDER:
	case EV_DEADLINE_APPROACHING:
	case EV_DEADLINE_MISSED:
		codec__reminder_from_pb(&out->u.reminder, e->session_reminder);
		break;
	default:
		codec__session_from_pb(&out->u.session, e->session_booked);
		break;
	}
	return 1;
}

size_t codec_event_pack(const event_t *ev, uint8_t **buf_p, char *topic, size_t topic_len)
{
	PB(Event) e = VETALLIANCE__V1__EVENT__INIT;
	PB(Partner) partner;
	PB(Centre) centre;
	PB(Sector) sector;
	PB(SectorInterest) interest;
	PB(CommitmentState) confirmation;
	codec_alliance_t alliance = {0};
	codec_scratch_t scratch = {0};
	codec_session_t session = {0};
	PB(Deadline) deadline;
	PB(Reminder) reminder;
	size_t len = 0;
	uint8_t *buf;

	/* mobilities */
	if (codec_mobility_is_event(ev->type))
		return codec_mobility_event_pack(ev, buf_p, topic, topic_len);
	*buf_p = NULL;
	e.seq = ev->seq;
	e.time_ms = ev->time_ms;
	e.actor = codec__str_or_empty(ev->actor);
	e.request_id = codec__str_or_empty(ev->request_id);
	switch (ev->type) {
	case EV_PARTNER_REGISTERED:
	case EV_PARTNER_UPDATED:
		codec__partner_to_pb(&partner, &ev->u.partner);
		e.payload_case = ev->type == EV_PARTNER_REGISTERED
				     ? VETALLIANCE__V1__EVENT__PAYLOAD_PARTNER_REGISTERED
				     : VETALLIANCE__V1__EVENT__PAYLOAD_PARTNER_UPDATED;
		e.partner_registered = &partner; /* same union slot as partner_updated */
		break;
	case EV_CENTRE_REGISTERED:
	case EV_CENTRE_UPDATED:
		if (codec__centre_to_pb(&centre, &ev->u.centre, &scratch) < 0)
			goto out;
		e.payload_case = ev->type == EV_CENTRE_REGISTERED
				     ? VETALLIANCE__V1__EVENT__PAYLOAD_CENTRE_REGISTERED
				     : VETALLIANCE__V1__EVENT__PAYLOAD_CENTRE_UPDATED;
		e.centre_registered = &centre;
		break;
	case EV_SECTOR_DEFINED:
		codec__sector_to_pb(&sector, &ev->u.sector);
		e.payload_case = VETALLIANCE__V1__EVENT__PAYLOAD_SECTOR_DEFINED;
		e.sector_defined = &sector;
		break;
	case EV_SECTOR_INTEREST_MARKED:
		codec__interest_to_pb(&interest, &ev->u.interest);
		e.payload_case = VETALLIANCE__V1__EVENT__PAYLOAD_SECTOR_INTEREST_MARKED;
		e.sector_interest_marked = &interest;
		break;
	case EV_COMMITMENT_CONFIRMED:
	case EV_COMMITMENT_WITHDRAWN:
		codec__confirmation_to_pb(&confirmation, &ev->u.confirmation);
		e.payload_case = ev->type == EV_COMMITMENT_CONFIRMED
				     ? VETALLIANCE__V1__EVENT__PAYLOAD_COMMITMENT_CONFIRMED
				     : VETALLIANCE__V1__EVENT__PAYLOAD_COMMITMENT_WITHDRAWN;
		e.commitment_confirmed = &confirmation; /* same union slot */
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
		if (codec__alliance_to_pb(&alliance, &ev->u.alliance, NULL, 0) < 0)
			goto out;
		e.payload_case = codec__alliance_case(ev->type);
		e.alliance_created = &alliance.msg; /* same union slot */
		break;
	default:
		/* Sessions and deadlines. */
		if (codec__session_event_pack(ev, &e, &session, &deadline, &reminder) <= 0)
			goto out;
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
		codec__arena_release(&arena);
		return codec__fail(err, errlen, "malformed event");
	}
	out->seq = e->seq;
	out->time_ms = e->time_ms;
	out->actor = codec__dup_or_empty(e->actor);
	out->request_id = codec__dup_or_empty(e->request_id);
	switch (e->payload_case) {
	case VETALLIANCE__V1__EVENT__PAYLOAD_PARTNER_REGISTERED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_PARTNER_UPDATED:
		out->type = e->payload_case == VETALLIANCE__V1__EVENT__PAYLOAD_PARTNER_REGISTERED
				? EV_PARTNER_REGISTERED
				: EV_PARTNER_UPDATED;
		codec__partner_from_pb(&out->u.partner, e->partner_registered);
		break;
	case VETALLIANCE__V1__EVENT__PAYLOAD_CENTRE_REGISTERED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_CENTRE_UPDATED:
		out->type = e->payload_case == VETALLIANCE__V1__EVENT__PAYLOAD_CENTRE_REGISTERED
				? EV_CENTRE_REGISTERED
				: EV_CENTRE_UPDATED;
		codec__centre_pack_from_pb(&out->u.centre, e->centre_registered);
		break;
	case VETALLIANCE__V1__EVENT__PAYLOAD_SECTOR_DEFINED:
		out->type = EV_SECTOR_DEFINED;
		codec__sector_from_pb(&out->u.sector, e->sector_defined);
		break;
	case VETALLIANCE__V1__EVENT__PAYLOAD_SECTOR_INTEREST_MARKED:
		out->type = EV_SECTOR_INTEREST_MARKED;
		codec__interest_from_pb(&out->u.interest, e->sector_interest_marked);
		break;
	case VETALLIANCE__V1__EVENT__PAYLOAD_COMMITMENT_CONFIRMED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_COMMITMENT_WITHDRAWN:
		out->type = e->payload_case == VETALLIANCE__V1__EVENT__PAYLOAD_COMMITMENT_CONFIRMED
				? EV_COMMITMENT_CONFIRMED
				: EV_COMMITMENT_WITHDRAWN;
		codec__confirmation_from_pb(&out->u.confirmation, e->commitment_confirmed);
		break;
	case VETALLIANCE__V1__EVENT__PAYLOAD_ALLIANCE_CREATED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_ALLIANCE_MEMBER_JOINED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_ALLIANCE_MEMBER_LEFT:
	case VETALLIANCE__V1__EVENT__PAYLOAD_ALLIANCE_CONTACT_DESIGNATED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_ALLIANCE_STEP_REACHED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_MOU_DRAFTED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_MOU_CHANGED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_MOU_SIGNED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_MOU_FULLY_SIGNED:
		out->type = codec__alliance_type(e->payload_case);
		codec__alliance_from_pb(&out->u.alliance, e->alliance_created);
		break;
	/* mobilities */
	case VETALLIANCE__V1__EVENT__PAYLOAD_MOBILITY_PROPOSED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_MOBILITY_NEEDS_REVIEW:
	case VETALLIANCE__V1__EVENT__PAYLOAD_MOBILITY_REVIEWED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_MOBILITY_APPROVED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_MOBILITY_REJECTED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_MOBILITY_STARTED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_MOBILITY_COMPLETED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_MOBILITY_CERTIFIED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_MOBILITY_COUNTERSIGNED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_MOBILITY_CANCELLED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_MOBILITY_PREPARED:
		codec_mobility_event_decode(e, out);
		break;
	default:
		if (codec__session_event_decode(e, out))
			break;
		rc = codec__fail(err, errlen, "event %llu: unknown payload %d",
				 (unsigned long long)e->seq, (int)e->payload_case);
		free(out->actor);
		free(out->request_id);
		memset(out, 0, sizeof *out);
		break;
	}
	codec__arena_release(&arena);
	return rc;
}
