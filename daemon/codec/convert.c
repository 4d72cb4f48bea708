/*
 * codec/convert - wire messages to the state's structs and back, and the
 * arena protobuf-c unpacks into.  The *_to_pb views borrow the model's
 * strings: they are packed, never freed with free_unpacked.
 */
#include "codec/internal.h"

int codec__fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -VA_INVALID_ARGUMENT;
}

static void *codec__arena_alloc(void *data, size_t size)
{
	codec_arena_t *a = data;
	codec_chunk_t *c = a->chunks;
	size_t need = (size + 15) & ~(size_t)15;
	void *p;

	if (need <= sizeof a->buf - a->used) {
		p = a->buf + a->used;
		a->used += need;
		return p;
	}
	if (c == NULL || c->size - c->used < need) {
		size_t size_c = need > CODEC_CHUNK ? need : CODEC_CHUNK;
		if ((c = malloc(sizeof *c + size_c)) == NULL)
			return NULL;
		c->next = a->chunks;
		c->used = 0;
		c->size = size_c;
		a->chunks = c;
	}
	p = c->data + c->used;
	c->used += need;
	return p;
}

static void codec__arena_free(void *data, void *p)
{
	(void)data;
	(void)p; /* freed with the whole arena */
}

ProtobufCAllocator codec__arena_allocator(codec_arena_t *a)
{
	a->used = 0;
	a->chunks = NULL;
	return (ProtobufCAllocator){codec__arena_alloc, codec__arena_free, a};
}

void codec__arena_release(codec_arena_t *a)
{
	while (a->chunks != NULL) {
		codec_chunk_t *next = a->chunks->next;
		free(a->chunks);
		a->chunks = next;
	}
	a->used = 0;
}

/* The facts of a Centre in centre_fact_t order, by
 * their .proto names. */
const char *const codec__fact_names[CENTRE_FACTS] = {
    "sends",       "receives",           "dual_vet",
    "coordinator", "excellence_network", "previous_experience",
    "integrated",  "ka2_interest",
};

void codec__facts_get(const PB(Centre) * c, uint8_t out[CENTRE_FACTS])
{
	const int v[CENTRE_FACTS] = {c->sends,       c->receives,           c->dual_vet,
				     c->coordinator, c->excellence_network, c->previous_experience,
				     c->integrated,  c->ka2_interest};

	for (size_t i = 0; i < CENTRE_FACTS; i++)
		out[i] = (uint8_t)v[i];
}

static void codec__facts_set(PB(Centre) * c, const uint8_t in[CENTRE_FACTS])
{
	c->sends = (PB(Fact))in[CENTRE_FACT_SENDS];
	c->receives = (PB(Fact))in[CENTRE_FACT_RECEIVES];
	c->dual_vet = (PB(Fact))in[CENTRE_FACT_DUAL_VET];
	c->coordinator = (PB(Fact))in[CENTRE_FACT_COORDINATOR];
	c->excellence_network = (PB(Fact))in[CENTRE_FACT_EXCELLENCE];
	c->previous_experience = (PB(Fact))in[CENTRE_FACT_EXPERIENCE];
	c->integrated = (PB(Fact))in[CENTRE_FACT_INTEGRATED];
	c->ka2_interest = (PB(Fact))in[CENTRE_FACT_KA2];
}

char *codec__dup_or_empty(const char *s)
{
	return model_strdup(s ? s : "");
}

void codec__partner_from_pb(partner_t *dst, const PB(Partner) * src)
{
	dst->id = codec__dup_or_empty(src->id);
	dst->name = codec__dup_or_empty(src->name);
	dst->country = codec__dup_or_empty(src->country);
	dst->time_zone = codec__dup_or_empty(src->time_zone);
	dst->region = codec__dup_or_empty(src->region);
}

/* The contacts of a wire centre as a view into `buf` (strings borrowed);
 * the generic pass keeps their number within CODEC_LIST_MAX. */
static void centre_contacts_view(centre_t *view, const PB(Centre) * src,
				 centre_contact_t buf[CODEC_LIST_MAX], centre_more_t *more)
{
	size_t n = src->n_contacts < CODEC_LIST_MAX ? src->n_contacts : CODEC_LIST_MAX;

	for (size_t i = 0; i < n; i++) {
		buf[i].role = (contact_role_t)src->contacts[i]->role;
		buf[i].name = src->contacts[i]->name;
		buf[i].channels.v = src->contacts[i]->channels;
		buf[i].channels.n = src->contacts[i]->n_channels;
	}
	more->contacts = n ? buf : NULL;
	more->n_contacts = (uint16_t)n;
	more->province = src->province;
	codec__facts_get(src, more->facts);
	more->hours_known = src->teacher_hours_known;
	more->teacher_hours = (uint8_t)(src->teacher_hours > 255 ? 255 : src->teacher_hours);
	view->more = more;
}

/* A packed centre straight from the wire struct (one allocation). */
void codec__centre_pack_from_pb(centre_t *dst, const PB(Centre) * src)
{
	centre_contact_t contacts[CODEC_LIST_MAX];
	centre_more_t more;
	centre_t view = {
	    .id = src->id,
	    .name = src->name,
	    .kind = (centre_kind_t)src->kind,
	    .partner = src->partner,
	    .country = src->country,
	    .region = src->region,
	    .sectors = {.v = src->sectors, .n = src->n_sectors},
	    .registered_ms = src->registered_ms,
	    .updated_ms = src->updated_ms,
	};

	centre_contacts_view(&view, src, contacts, &more);
	centre_pack(dst, &view);
}

void codec__sector_from_pb(sector_t *dst, const PB(Sector) * src)
{
	dst->id = codec__dup_or_empty(src->id);
	dst->name = codec__dup_or_empty(src->name);
	dst->focus = src->focus;
}

void codec__interest_from_pb(interest_t *dst, const PB(SectorInterest) * src)
{
	dst->partner = codec__dup_or_empty(src->partner);
	dst->sector = codec__dup_or_empty(src->sector);
	dst->interested = src->interested;
	dst->note = codec__dup_or_empty(src->note);
}

void codec__confirmation_from_pb(confirmation_t *dst, const PB(CommitmentState) * src)
{
	dst->centre = codec__dup_or_empty(src->centre);
	dst->commitment = (commitment_t)src->commitment;
	dst->confirmed = src->confirmed;
	dst->actor = codec__dup_or_empty(src->actor);
	dst->time_ms = src->time_ms;
}

void codec__mou_from_pb(mou_t *dst, const PB(MouContent) * src)
{
	memset(dst, 0, sizeof *dst);
	dst->objectives = codec__dup_or_empty(src->objectives);
	dst->students[0] = src->students_under_4_weeks;
	dst->students[1] = src->students_4_to_12_weeks;
	dst->students[2] = src->students_3_to_6_months;
	dst->students[3] = src->students_over_6_months;
	dst->students[4] = src->students_special_needs;
	dst->staff[0] = src->staff_job_shadowing;
	dst->staff[1] = src->staff_teaching;
	dst->staff[2] = src->staff_preparation;
	dst->staff[3] = src->staff_company_experts;
	for (size_t i = 0; i < src->n_joint_activities; i++)
		strlist_push(&dst->activities, src->joint_activities[i]);
	dst->languages = codec__dup_or_empty(src->languages);
	dst->ecvet = codec__dup_or_empty(src->ecvet);
	dst->valid_from_ms = src->valid_from_ms;
	dst->valid_until_ms = src->valid_until_ms;
	dst->version = src->version;
	dst->hash = codec__dup_or_empty(src->hash);
	dst->voided = src->voided;
}

/* An Alliance from the wire (a create command, an event, a snapshot);
 * missing and schedule are not read. */
void codec__alliance_from_pb(alliance_t *dst, const PB(Alliance) * src)
{
	memset(dst, 0, sizeof *dst);
	dst->id = codec__dup_or_empty(src->id);
	dst->name = codec__dup_or_empty(src->name);
	dst->kind = (alliance_kind_t)src->kind;
	dst->sector = codec__dup_or_empty(src->sector);
	if (src->n_members > 0) {
		dst->members = calloc(src->n_members, sizeof *dst->members);
		if (dst->members == NULL)
			abort();
	}
	for (size_t i = 0; i < src->n_members; i++) {
		const PB(AllianceMember) *m = src->members[i];
		dst->members[i].centre = codec__dup_or_empty(m->centre);
		dst->members[i].contact = codec__dup_or_empty(m->contact);
		for (size_t j = 0; j < m->n_channels; j++)
			strlist_push(&dst->members[i].channels, m->channels[j]);
	}
	dst->n_members = src->n_members;
	for (size_t i = 0; i < src->n_adopted; i++)
		if ((int)src->adopted[i] >= 1 && (int)src->adopted[i] <= (int)COMMITMENT_MAX)
			dst->adopted |= 1u << (int)src->adopted[i];
	dst->stage = src->stage >= 1 && src->stage <= ROADMAP_MAX + 1
			 ? (roadmap_step_t)(src->stage - 1)
			 : ROADMAP_CREATED;
	for (size_t i = 0; i < src->n_steps; i++) {
		int step = (int)src->steps[i]->step - 1;
		if (step < 0 || step > ROADMAP_MAX)
			continue;
		dst->steps[step].time_ms = src->steps[i]->time_ms;
		free(dst->steps[step].actor);
		dst->steps[step].actor = codec__dup_or_empty(src->steps[i]->actor);
	}
	dst->visit_virtual = src->visit_virtual;
	dst->visit_ms = src->visit_ms;
	dst->visit_ref = codec__dup_or_empty(src->visit_ref);
	for (size_t i = 0; i < src->n_members; i++) {
		dst->members[i].signed_hash = codec__dup_or_empty(src->members[i]->signed_hash);
		dst->members[i].signed_ms = src->members[i]->signed_ms;
		dst->members[i].signed_by = codec__dup_or_empty(src->members[i]->signed_by);
	}
	if (src->mou != NULL)
		codec__mou_from_pb(&dst->mou, src->mou);
}

void codec__session_from_pb(session_t *dst, const PB(Session) * src)
{
	memset(dst, 0, sizeof *dst);
	dst->id = codec__dup_or_empty(src->id);
	dst->host = codec__dup_or_empty(src->host);
	dst->kind = (session_kind_t)src->kind;
	dst->title = codec__dup_or_empty(src->title);
	dst->language = codec__dup_or_empty(src->language);
	dst->platform = codec__dup_or_empty(src->platform);
	dst->link = codec__dup_or_empty(src->link);
	dst->start_ms = src->start_ms;
	dst->duration_min = src->duration_min;
	dst->time_zone = codec__dup_or_empty(src->time_zone);
	dst->capacity = src->capacity;
	dst->min_notice_min = src->min_notice_min;
	dst->status = (session_status_t)src->status;
	if (src->n_participants > 0) {
		dst->participants = calloc(src->n_participants, sizeof *dst->participants);
		if (dst->participants == NULL)
			abort();
	}
	for (size_t i = 0; i < src->n_participants; i++) {
		const PB(SessionParticipant) *p = src->participants[i];
		session_participant_t *q = &dst->participants[i];
		q->centre = codec__dup_or_empty(p->centre);
		q->head_count = p->head_count;
		q->joined_ms = p->joined_ms;
		q->attendance_recorded = p->attendance_recorded;
		q->attended = p->attended;
		q->rating = p->rating;
		q->comment = codec__dup_or_empty(p->comment);
		q->evaluated_ms = p->evaluated_ms;
	}
	dst->n_participants = src->n_participants;
	dst->sequence = src->sequence;
	dst->reason = codec__dup_or_empty(src->reason);
	dst->original_start_ms = src->original_start_ms;
	dst->previous_start_ms = src->previous_start_ms;
	dst->created_ms = src->created_ms;
	dst->updated_ms = src->updated_ms;
	dst->rescheduled_ms = src->rescheduled_ms;
}

void codec__deadline_from_pb(deadline_t *dst, const PB(Deadline) * src)
{
	memset(dst, 0, sizeof *dst);
	dst->id = codec__dup_or_empty(src->id);
	dst->title = codec__dup_or_empty(src->title);
	dst->due_ms = src->due_ms;
	dst->owner = codec__dup_or_empty(src->owner);
	for (size_t i = 0; i < src->n_remind_min && i < DEADLINE_REMIND_MAX; i++)
		dst->remind_min[dst->n_remind++] = src->remind_min[i];
	dst->done = src->done;
	dst->done_ms = src->done_ms;
	dst->created_ms = src->created_ms;
}

void codec__reminder_from_pb(reminder_t *dst, const PB(Reminder) * src)
{
	memset(dst, 0, sizeof *dst);
	dst->session = codec__dup_or_empty(src->session);
	dst->deadline = codec__dup_or_empty(src->deadline);
	dst->title = codec__dup_or_empty(src->title);
	dst->due_ms = src->due_ms;
	dst->before_min = src->before_min;
	dst->at_ms = src->send_ms;
	dst->late = src->late;
	dst->sequence = src->sequence;
}

/* These fill wire structs whose strings point into the model (borrowed):
 * they are only packed, never freed with free_unpacked. */

char *codec__str_or_empty(const char *s)
{
	return (char *)(s ? s : "");
}

void codec__partner_to_pb(PB(Partner) * dst, const partner_t *src)
{
	vetalliance__v1__partner__init(dst);
	dst->id = codec__str_or_empty(src->id);
	dst->name = codec__str_or_empty(src->name);
	dst->country = codec__str_or_empty(src->country);
	dst->time_zone = codec__str_or_empty(src->time_zone);
	dst->region = codec__str_or_empty(src->region);
}

static void *codec__scratch(codec_scratch_t *s, size_t size)
{
	void *p;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		void **v = realloc(s->v, cap * sizeof *v);
		if (v == NULL)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	p = calloc(1, size);
	if (p != NULL)
		s->v[s->n++] = p;
	return p;
}

void codec__scratch_release(codec_scratch_t *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* Returns 0, or -VA_INTERNAL when the contacts find no memory. */
int codec__centre_to_pb(PB(Centre) * dst, const centre_t *src, codec_scratch_t *scratch)
{
	const centre_more_t *m = centre_more(src);
	PB(CentreContact) * items, **ptrs;

	vetalliance__v1__centre__init(dst);
	dst->id = codec__str_or_empty(src->id);
	dst->name = codec__str_or_empty(src->name);
	dst->kind = (PB(CentreKind))src->kind;
	dst->partner = codec__str_or_empty(src->partner);
	dst->country = codec__str_or_empty(src->country);
	dst->region = codec__str_or_empty(src->region);
	dst->n_sectors = src->sectors.n;
	dst->sectors = src->sectors.v;
	dst->registered_ms = src->registered_ms;
	dst->updated_ms = src->updated_ms;
	dst->province = codec__str_or_empty(m->province);
	codec__facts_set(dst, m->facts);
	dst->teacher_hours_known = m->hours_known;
	dst->teacher_hours = m->teacher_hours;
	if (m->n_contacts == 0)
		return 0;
	ptrs = codec__scratch(scratch, m->n_contacts * (sizeof *ptrs + sizeof *items));
	if (ptrs == NULL)
		return -VA_INTERNAL;
	items = (PB(CentreContact) *)(ptrs + m->n_contacts);
	for (size_t i = 0; i < m->n_contacts; i++) {
		vetalliance__v1__centre_contact__init(&items[i]);
		items[i].role = (PB(ContactRole))m->contacts[i].role;
		items[i].name = codec__str_or_empty(m->contacts[i].name);
		items[i].n_channels = m->contacts[i].channels.n;
		items[i].channels = m->contacts[i].channels.v;
		ptrs[i] = &items[i];
	}
	dst->n_contacts = m->n_contacts;
	dst->contacts = ptrs;
	return 0;
}

void codec__sector_to_pb(PB(Sector) * dst, const sector_t *src)
{
	vetalliance__v1__sector__init(dst);
	dst->id = codec__str_or_empty(src->id);
	dst->name = codec__str_or_empty(src->name);
	dst->focus = src->focus;
}

void codec__interest_to_pb(PB(SectorInterest) * dst, const interest_t *src)
{
	vetalliance__v1__sector_interest__init(dst);
	dst->partner = codec__str_or_empty(src->partner);
	dst->sector = codec__str_or_empty(src->sector);
	dst->interested = src->interested;
	dst->note = codec__str_or_empty(src->note);
}

void codec__confirmation_to_pb(PB(CommitmentState) * dst, const confirmation_t *src)
{
	vetalliance__v1__commitment_state__init(dst);
	dst->centre = codec__str_or_empty(src->centre);
	dst->commitment = (PB(Commitment))src->commitment;
	dst->confirmed = src->confirmed;
	dst->actor = codec__str_or_empty(src->actor);
	dst->time_ms = src->time_ms;
}

static const char *const codec__schedule[] = {"on-time", "due-soon", "late"};

/* Fills w from a (strings borrowed).  With st, also what is missing and
 * the schedule at now_ms.  Returns 0 or -VA_INTERNAL; release with
 * codec__alliance_pb_release either way. */
int codec__alliance_to_pb(codec_alliance_t *w, const alliance_t *a, const struct state *st,
			  int64_t now_ms)
{
	PB(Alliance) *m = &w->msg;
	size_t n = 0;

	vetalliance__v1__alliance__init(m);
	w->members = calloc(a->n_members + 1, sizeof *w->members);
	w->mptrs = calloc(a->n_members + 1, sizeof *w->mptrs);
	if (w->members == NULL || w->mptrs == NULL)
		return -VA_INTERNAL;
	m->id = codec__str_or_empty(a->id);
	m->name = codec__str_or_empty(a->name);
	m->kind = (PB(AllianceKind))a->kind;
	m->sector = codec__str_or_empty(a->sector);
	for (size_t i = 0; i < a->n_members; i++) {
		vetalliance__v1__alliance_member__init(&w->members[i]);
		w->members[i].centre = codec__str_or_empty(a->members[i].centre);
		w->members[i].contact = codec__str_or_empty(a->members[i].contact);
		w->members[i].n_channels = a->members[i].channels.n;
		w->members[i].channels = a->members[i].channels.v;
		w->members[i].signed_hash = codec__str_or_empty(a->members[i].signed_hash);
		w->members[i].signed_ms = a->members[i].signed_ms;
		w->members[i].signed_by = codec__str_or_empty(a->members[i].signed_by);
		w->mptrs[i] = &w->members[i];
	}
	m->n_members = a->n_members;
	m->members = w->mptrs;
	for (int k = 1; k <= COMMITMENT_MAX; k++)
		if (a->adopted & (1u << k))
			w->adopted[n++] = (PB(Commitment))k;
	m->n_adopted = n;
	m->adopted = w->adopted;
	m->stage = (PB(RoadmapStep))(a->stage + 1);
	n = 0;
	for (int s = 0; s <= ROADMAP_MAX; s++) {
		if (a->steps[s].time_ms == 0 && a->steps[s].actor == NULL)
			continue;
		vetalliance__v1__roadmap_record__init(&w->steps[n]);
		w->steps[n].step = (PB(RoadmapStep))(s + 1);
		w->steps[n].time_ms = a->steps[s].time_ms;
		w->steps[n].actor = codec__str_or_empty(a->steps[s].actor);
		w->sptrs[n] = &w->steps[n];
		n++;
	}
	m->n_steps = n;
	m->steps = w->sptrs;
	m->visit_virtual = a->visit_virtual;
	m->visit_ms = a->visit_ms;
	m->visit_ref = codec__str_or_empty(a->visit_ref);
	vetalliance__v1__mou_content__init(&w->mou);
	w->mou.objectives = codec__str_or_empty(a->mou.objectives);
	w->mou.students_under_4_weeks = a->mou.students[0];
	w->mou.students_4_to_12_weeks = a->mou.students[1];
	w->mou.students_3_to_6_months = a->mou.students[2];
	w->mou.students_over_6_months = a->mou.students[3];
	w->mou.students_special_needs = a->mou.students[4];
	w->mou.staff_job_shadowing = a->mou.staff[0];
	w->mou.staff_teaching = a->mou.staff[1];
	w->mou.staff_preparation = a->mou.staff[2];
	w->mou.staff_company_experts = a->mou.staff[3];
	w->mou.n_joint_activities = a->mou.activities.n;
	w->mou.joint_activities = a->mou.activities.v;
	w->mou.languages = codec__str_or_empty(a->mou.languages);
	w->mou.ecvet = codec__str_or_empty(a->mou.ecvet);
	w->mou.valid_from_ms = a->mou.valid_from_ms;
	w->mou.valid_until_ms = a->mou.valid_until_ms;
	w->mou.version = a->mou.version;
	w->mou.hash = codec__str_or_empty(a->mou.hash);
	w->mou.voided = a->mou.voided;
	m->mou = &w->mou;
	if (st != NULL) {
		m->missing =
		    alliance_missing(a, state_commitments(st), w->missing, sizeof w->missing);
		m->schedule = a->stage == ROADMAP_MOU
				  ? (char *)"done"
				  : (char *)codec__schedule[alliance_lateness(a, now_ms)];
	}
	return 0;
}

void codec__alliance_pb_release(codec_alliance_t *w)
{
	free(w->members);
	free(w->mptrs);
	w->members = NULL;
	w->mptrs = NULL;
}

int codec__session_to_pb(codec_session_t *w, const session_t *s)
{
	PB(Session) *m = &w->msg;

	vetalliance__v1__session__init(m);
	w->parts = calloc(s->n_participants + 1, sizeof *w->parts);
	w->pptrs = calloc(s->n_participants + 1, sizeof *w->pptrs);
	if (w->parts == NULL || w->pptrs == NULL)
		return -VA_INTERNAL;
	m->id = codec__str_or_empty(s->id);
	m->host = codec__str_or_empty(s->host);
	m->kind = (PB(SessionKind))s->kind;
	m->title = codec__str_or_empty(s->title);
	m->language = codec__str_or_empty(s->language);
	m->platform = codec__str_or_empty(s->platform);
	m->link = codec__str_or_empty(s->link);
	m->start_ms = s->start_ms;
	m->duration_min = s->duration_min;
	m->time_zone = codec__str_or_empty(s->time_zone);
	m->capacity = s->capacity;
	m->min_notice_min = s->min_notice_min;
	m->status = (PB(SessionStatus))s->status;
	for (size_t i = 0; i < s->n_participants; i++) {
		const session_participant_t *p = &s->participants[i];
		PB(SessionParticipant) *q = &w->parts[i];
		vetalliance__v1__session_participant__init(q);
		q->centre = codec__str_or_empty(p->centre);
		q->head_count = p->head_count;
		q->joined_ms = p->joined_ms;
		q->attendance_recorded = p->attendance_recorded;
		q->attended = p->attended;
		q->rating = p->rating;
		q->comment = codec__str_or_empty(p->comment);
		q->evaluated_ms = p->evaluated_ms;
		w->pptrs[i] = q;
	}
	m->n_participants = s->n_participants;
	m->participants = w->pptrs;
	m->sequence = s->sequence;
	m->reason = codec__str_or_empty(s->reason);
	m->original_start_ms = s->original_start_ms;
	m->previous_start_ms = s->previous_start_ms;
	m->created_ms = s->created_ms;
	m->updated_ms = s->updated_ms;
	m->rescheduled_ms = s->rescheduled_ms;
	return 0;
}

void codec__session_pb_release(codec_session_t *w)
{
	free(w->parts);
	free(w->pptrs);
	w->parts = NULL;
	w->pptrs = NULL;
}

/* remind_min points into d. */
void codec__deadline_to_pb(PB(Deadline) * dst, const deadline_t *d)
{
	vetalliance__v1__deadline__init(dst);
	dst->id = codec__str_or_empty(d->id);
	dst->title = codec__str_or_empty(d->title);
	dst->due_ms = d->due_ms;
	dst->owner = codec__str_or_empty(d->owner);
	dst->n_remind_min = d->n_remind;
	dst->remind_min = (uint32_t *)d->remind_min;
	dst->done = d->done;
	dst->done_ms = d->done_ms;
	dst->created_ms = d->created_ms;
}

void codec__reminder_to_pb(PB(Reminder) * dst, const reminder_t *r)
{
	vetalliance__v1__reminder__init(dst);
	dst->session = codec__str_or_empty(r->session);
	dst->deadline = codec__str_or_empty(r->deadline);
	dst->title = codec__str_or_empty(r->title);
	dst->due_ms = r->due_ms;
	dst->before_min = r->before_min;
	dst->send_ms = r->at_ms;
	dst->late = r->late;
	dst->sequence = r->sequence;
}

int codec__list(codec_list_t *l, size_t n, size_t item_size)
{
	l->ptrs = calloc(n ? n : 1, sizeof(void *));
	l->items = calloc(n ? n : 1, item_size);
	if (l->ptrs == NULL || l->items == NULL) {
		free(l->ptrs);
		free(l->items);
		return -VA_INTERNAL;
	}
	for (size_t i = 0; i < n; i++)
		l->ptrs[i] = (char *)l->items + i * item_size;
	return 0;
}
