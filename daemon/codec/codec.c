/*
 * codec - see codec.h.
 *
 * Validation happens in two passes.  A generic pass walks the descriptors
 * of the unpacked message and checks every string (UTF-8, length), enum
 * (defined value) and repeated field (count), naming the field by its
 * path; it needs no change when the .proto grows.  A second pass per
 * command checks what the generic one cannot know: required fields, id
 * syntax, update masks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>

#include "clock.h"
#include "codec/codec.h"
#include "ops/metrics.h"
#include "security/principals.h"
#include "snapshot.pb-c.h"
#include "codec/mobility.h"
#include "state/alliance.h"
#include "state/commitment.h"
#include "state/criteria.h"
#include "state/session.h"
#include "state/state.h"
#include "vetalliance.pb-c.h"

#define PB(name) Vetalliance__V1__##name

static int codec__fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int codec__fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -VA_INVALID_ARGUMENT;
}

/*
 * The arena protobuf-c unpacks into: it allocates every string and
 * sub-message on its own, and replay unpacks every event of the journal,
 * so the pieces are bumps of a pointer in a block on the stack, then in
 * heap chunks (a snapshot), all freed at once.
 */
typedef struct codec_chunk {
	struct codec_chunk *next;
	size_t used;
	size_t size;
	_Alignas(16) unsigned char data[];
} codec_chunk_t;

#define CODEC_CHUNK ((size_t)1 << 20)

typedef struct codec_arena {
	size_t used;
	codec_chunk_t *chunks;
	_Alignas(16) unsigned char buf[8192];
} codec_arena_t;

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

static ProtobufCAllocator codec__arena_allocator(codec_arena_t *a)
{
	a->used = 0;
	a->chunks = NULL;
	return (ProtobufCAllocator){codec__arena_alloc, codec__arena_free, a};
}

static void codec__arena_release(codec_arena_t *a)
{
	while (a->chunks != NULL) {
		codec_chunk_t *next = a->chunks->next;
		free(a->chunks);
		a->chunks = next;
	}
	a->used = 0;
}

/* ------------------------------------------------- generic validation */

/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF, no
 * NUL (a C string would end there). */
static int codec__utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned cp;
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			n = 1;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* The path of the field being checked, formatted only for a refusal:
 * validation runs on every request and must cost no string work. */
#define CODEC_PATH_DEPTH 8

typedef struct codec_path {
	const char *name[CODEC_PATH_DEPTH];
	long index[CODEC_PATH_DEPTH]; /* -1: not a list entry */
	int depth;
	const codec_limits_t *lim;
} codec_path_t;

static const char *codec__path_str(const codec_path_t *p, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < p->depth && off < len; i++) {
		int n = snprintf(buf + off, len - off, "%s%s", i ? "." : "", p->name[i]);
		off += n > 0 ? (size_t)n : 0;
		if (p->index[i] >= 0 && off < len) {
			n = snprintf(buf + off, len - off, "[%ld]", p->index[i]);
			off += n > 0 ? (size_t)n : 0;
		}
	}
	return buf;
}

static int codec__check_string(const char *s, const codec_path_t *p, size_t max, char *err,
			       size_t errlen)
{
	size_t len = strlen(s);
	char path[256];

	if (len > max)
		return codec__fail(err, errlen, "%s: longer than %zu bytes",
				   codec__path_str(p, path, sizeof path), max);
	if (!codec__utf8_valid((const unsigned char *)s, len))
		return codec__fail(err, errlen, "%s: not valid UTF-8",
				   codec__path_str(p, path, sizeof path));
	return 0;
}

static int codec__walk(const ProtobufCMessage *msg, codec_path_t *p, char *err, size_t errlen);

static int codec__check_field(const ProtobufCFieldDescriptor *f, const void *member,
			      codec_path_t *p, char *err, size_t errlen)
{
	char path[256];

	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)member;
		size_t max = strcmp(f->name, "request_id") == 0 ? VA_REQUEST_ID_MAX
			     : strcmp(f->name, "id") == 0       ? CODEC_ID_MAX
								: p->lim->string_max;
		return s == NULL ? 0 : codec__check_string(s, p, max, err, errlen);
	}
	case PROTOBUF_C_TYPE_ENUM: {
		int v = *(const int *)member;
		if (protobuf_c_enum_descriptor_get_value(f->descriptor, v) == NULL)
			return codec__fail(err, errlen, "%s: unknown value %d",
					   codec__path_str(p, path, sizeof path), v);
		return 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)member;
		return sub == NULL ? 0 : codec__walk(sub, p, err, errlen);
	}
	default:
		return 0;
	}
}

static int codec__walk_field(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
			     codec_path_t *p, char *err, size_t errlen)
{
	const char *base = (const char *)msg;
	char path[256];
	int rc;

	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);
		if (which != f->id)
			return 0;
	}
	if (f->label != PROTOBUF_C_LABEL_REPEATED)
		return codec__check_field(f, base + f->offset, p, err, errlen);

	size_t n = *(const size_t *)(base + f->quantifier_offset);
	const void *arr = *(void *const *)(base + f->offset);
	if (n > p->lim->list_max)
		return codec__fail(err, errlen, "%s: more than %zu entries",
				   codec__path_str(p, path, sizeof path), p->lim->list_max);
	for (size_t k = 0; k < n; k++) {
		p->index[p->depth - 1] = (long)k;
		if (f->type == PROTOBUF_C_TYPE_ENUM)
			rc = codec__check_field(f, (const int *)arr + k, p, err, errlen);
		else if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
			rc = codec__check_field(f, (void *const *)arr + k, p, err, errlen);
		else
			rc = 0;
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int codec__walk(const ProtobufCMessage *msg, codec_path_t *p, char *err, size_t errlen)
{
	const ProtobufCMessageDescriptor *d = msg->descriptor;
	int rc = 0;

	/* The wire contract has no recursive types, so the depth is small. */
	if (p->depth == CODEC_PATH_DEPTH)
		return codec__fail(err, errlen, "request: nested too deeply");
	p->depth++;
	for (unsigned i = 0; i < d->n_fields && rc == 0; i++) {
		p->name[p->depth - 1] = d->fields[i].name;
		p->index[p->depth - 1] = -1;
		rc = codec__walk_field(msg, &d->fields[i], p, err, errlen);
	}
	p->depth--;
	return rc;
}

/* ------------------------------------------------ per-command checks */

static int codec__id_valid(const char *s, int upper_only)
{
	size_t len = strlen(s);

	if (len == 0 || len > CODEC_ID_MAX)
		return 0;
	for (const char *p = s; *p; p++) {
		char c = *p;
		int ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			 (!upper_only && ((c >= 'a' && c <= 'z') || c == '.'));
		if (!ok)
			return 0;
	}
	return 1;
}

static int codec__require(const char *s, const char *path, char *err, size_t errlen)
{
	if (s == NULL || *s == '\0')
		return codec__fail(err, errlen, "%s: must not be empty", path);
	return 0;
}

static int codec__require_id(const char *s, const char *path, int upper_only, char *err,
			     size_t errlen)
{
	int rc = codec__require(s, path, err, errlen);

	if (rc < 0)
		return rc;
	if (!codec__id_valid(s, upper_only))
		return codec__fail(err, errlen, "%s: '%s' is not a valid id (%s, 1-%d characters)",
				   path, s, upper_only ? "A-Z 0-9 - _" : "A-Z a-z 0-9 - _ .",
				   CODEC_ID_MAX);
	return 0;
}

static int codec__country(const char *s, const char *path, char *err, size_t errlen)
{
	if (s == NULL || strlen(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z')
		return codec__fail(err, errlen,
				   "%s: '%s' is not an ISO 3166-1 alpha-2 country code", path,
				   s ? s : "");
	return 0;
}

int codec_time_zone_valid(const char *tz)
{
	return clock_zone_valid(tz);
}

static int codec__sector_id_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > CODEC_ID_MAX)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	return 1;
}

static int codec__partner_fields(const PB(Partner) * p, unsigned mask, const char *path, char *err,
				 size_t errlen)
{
	char f[128];
	int rc;

	snprintf(f, sizeof f, "%s.name", path);
	if ((mask & PARTNER_F_NAME) && (rc = codec__require(p->name, f, err, errlen)) < 0)
		return rc;
	snprintf(f, sizeof f, "%s.country", path);
	if ((mask & PARTNER_F_COUNTRY) && (rc = codec__country(p->country, f, err, errlen)) < 0)
		return rc;
	snprintf(f, sizeof f, "%s.time_zone", path);
	if ((mask & PARTNER_F_TIME_ZONE) && !codec_time_zone_valid(p->time_zone))
		return codec__fail(err, errlen, "%s: '%s' is not a time zone of the tz database", f,
				   p->time_zone);
	return 0;
}

/* Centres: the facts of a Centre in centre_fact_t order, by
 * their .proto names. */
static const char *const codec__fact_names[CENTRE_FACTS] = {
    "sends",       "receives",           "dual_vet",
    "coordinator", "excellence_network", "previous_experience",
    "integrated",  "ka2_interest",
};

static void codec__facts_get(const PB(Centre) * c, uint8_t out[CENTRE_FACTS])
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

/* Contacts and facts: what the generic pass cannot know. */
static int codec__centre_facts(const PB(Centre) * c, unsigned mask, const char *path, char *err,
			       size_t errlen)
{
	uint8_t facts[CENTRE_FACTS];
	char f[128];
	int rc;

	for (size_t i = 0; (mask & CENTRE_F_CONTACTS) && i < c->n_contacts; i++) {
		const PB(CentreContact) *k = c->contacts[i];
		if (k->role == 0)
			return codec__fail(err, errlen,
					   "%s.contacts[%zu].role: must be set (headmaster, "
					   "coordinator, teacher, company-tutor)",
					   path, i);
		snprintf(f, sizeof f, "%s.contacts[%zu].name", path, i);
		if ((rc = codec__require(k->name, f, err, errlen)) < 0)
			return rc;
		for (size_t j = 0; j < k->n_channels; j++)
			if (k->channels[j][0] == '\0')
				return codec__fail(
				    err, errlen,
				    "%s.contacts[%zu].channels[%zu]: must not be empty", path, i,
				    j);
	}
	codec__facts_get(c, facts);
	/* These three are plain facts: nobody is "willing" to have them. */
	for (size_t i = CENTRE_FACT_EXPERIENCE; i < CENTRE_FACTS; i++)
		if ((mask & CENTRE_F_FACT(i)) && facts[i] == FACT_WILLING)
			return codec__fail(err, errlen,
					   "%s.%s: 'willing' does not apply (yes, no or unknown)",
					   path, codec__fact_names[i]);
	if ((mask & CENTRE_F_TEACHER_HOURS) && c->teacher_hours_known && c->teacher_hours > 40)
		return codec__fail(err, errlen, "%s.teacher_hours: %u is more than 40 hours a week",
				   path, (unsigned)c->teacher_hours);
	if ((mask & CENTRE_F_TEACHER_HOURS) && !c->teacher_hours_known && c->teacher_hours != 0)
		return codec__fail(err, errlen,
				   "%s.teacher_hours: given without teacher_hours_known", path);
	return 0;
}

static int codec__centre_fields(const PB(Centre) * c, unsigned mask, const char *path, char *err,
				size_t errlen)
{
	char f[128];
	int rc;

	snprintf(f, sizeof f, "%s.name", path);
	if ((mask & CENTRE_F_NAME) && (rc = codec__require(c->name, f, err, errlen)) < 0)
		return rc;
	snprintf(f, sizeof f, "%s.kind", path);
	if ((mask & CENTRE_F_KIND) && c->kind == 0)
		return codec__fail(err, errlen, "%s: must be set", f);
	snprintf(f, sizeof f, "%s.partner", path);
	if ((mask & CENTRE_F_PARTNER) &&
	    (rc = codec__require_id(c->partner, f, 1, err, errlen)) < 0)
		return rc;
	snprintf(f, sizeof f, "%s.country", path);
	if ((mask & CENTRE_F_COUNTRY) && (rc = codec__country(c->country, f, err, errlen)) < 0)
		return rc;
	if (mask & CENTRE_F_SECTORS)
		for (size_t i = 0; i < c->n_sectors; i++)
			if (!codec__sector_id_valid(c->sectors[i]))
				return codec__fail(err, errlen,
						   "%s.sectors[%zu]: '%s' is not a sector id", path,
						   i, c->sectors[i]);
	return codec__centre_facts(c, mask, path, err, errlen);
}

/* Turns an update_mask into bits; names are the .proto field names. */
static int codec__mask(char **names, size_t n, const char *const *known, const char *path,
		       unsigned *mask, char *err, size_t errlen)
{
	*mask = 0;
	if (n == 0)
		return codec__fail(err, errlen, "%s: names no field to change", path);
	for (size_t i = 0; i < n; i++) {
		unsigned bit = 0;
		for (unsigned k = 0; known[k] != NULL; k++)
			if (strcmp(names[i], known[k]) == 0)
				bit = 1u << k;
		if (bit == 0)
			return codec__fail(err, errlen, "%s: unknown field '%s'", path, names[i]);
		*mask |= bit;
	}
	return 0;
}

static const char *const partner_mask_names[] = {"name", "country", "time_zone", "region", NULL};
static const char *const centre_mask_names[] = {
    "name", "kind", "partner", "country", "region", "sectors",
    /* in CENTRE_F_* bit order */
    "contacts", "sends", "receives", "dual_vet", "coordinator", "excellence_network",
    "previous_experience", "integrated", "ka2_interest", "province", "teacher_hours", NULL};

/* ---------------------------------------------- wire -> model copies */

static char *dup_or_empty(const char *s)
{
	return model_strdup(s ? s : "");
}

static void partner_from_pb(partner_t *dst, const PB(Partner) * src)
{
	dst->id = dup_or_empty(src->id);
	dst->name = dup_or_empty(src->name);
	dst->country = dup_or_empty(src->country);
	dst->time_zone = dup_or_empty(src->time_zone);
	dst->region = dup_or_empty(src->region);
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
static void centre_pack_from_pb(centre_t *dst, const PB(Centre) * src)
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

static void sector_from_pb(sector_t *dst, const PB(Sector) * src)
{
	dst->id = dup_or_empty(src->id);
	dst->name = dup_or_empty(src->name);
	dst->focus = src->focus;
}

static void interest_from_pb(interest_t *dst, const PB(SectorInterest) * src)
{
	dst->partner = dup_or_empty(src->partner);
	dst->sector = dup_or_empty(src->sector);
	dst->interested = src->interested;
	dst->note = dup_or_empty(src->note);
}

static void confirmation_from_pb(confirmation_t *dst, const PB(CommitmentState) * src)
{
	dst->centre = dup_or_empty(src->centre);
	dst->commitment = (commitment_t)src->commitment;
	dst->confirmed = src->confirmed;
	dst->actor = dup_or_empty(src->actor);
	dst->time_ms = src->time_ms;
}

static void mou_from_pb(mou_t *dst, const PB(MouContent) * src)
{
	memset(dst, 0, sizeof *dst);
	dst->objectives = dup_or_empty(src->objectives);
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
	dst->languages = dup_or_empty(src->languages);
	dst->ecvet = dup_or_empty(src->ecvet);
	dst->valid_from_ms = src->valid_from_ms;
	dst->valid_until_ms = src->valid_until_ms;
	dst->version = src->version;
	dst->hash = dup_or_empty(src->hash);
	dst->voided = src->voided;
}

/* An Alliance from the wire (a create command, an event, a snapshot);
 * missing and schedule are not read. */
static void alliance_from_pb(alliance_t *dst, const PB(Alliance) * src)
{
	memset(dst, 0, sizeof *dst);
	dst->id = dup_or_empty(src->id);
	dst->name = dup_or_empty(src->name);
	dst->kind = (alliance_kind_t)src->kind;
	dst->sector = dup_or_empty(src->sector);
	if (src->n_members > 0) {
		dst->members = calloc(src->n_members, sizeof *dst->members);
		if (dst->members == NULL)
			abort();
	}
	for (size_t i = 0; i < src->n_members; i++) {
		const PB(AllianceMember) *m = src->members[i];
		dst->members[i].centre = dup_or_empty(m->centre);
		dst->members[i].contact = dup_or_empty(m->contact);
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
		dst->steps[step].actor = dup_or_empty(src->steps[i]->actor);
	}
	dst->visit_virtual = src->visit_virtual;
	dst->visit_ms = src->visit_ms;
	dst->visit_ref = dup_or_empty(src->visit_ref);
	for (size_t i = 0; i < src->n_members; i++) {
		dst->members[i].signed_hash = dup_or_empty(src->members[i]->signed_hash);
		dst->members[i].signed_ms = src->members[i]->signed_ms;
		dst->members[i].signed_by = dup_or_empty(src->members[i]->signed_by);
	}
	if (src->mou != NULL)
		mou_from_pb(&dst->mou, src->mou);
}

/* Checks of alliance_create.alliance the generic pass cannot make. */
static int codec__alliance_fields(const PB(Alliance) * a, char *err, size_t errlen)
{
	char f[96];
	int rc;

	if (a == NULL)
		return codec__fail(err, errlen, "alliance_create.alliance: must be set");
	if ((rc = codec__require_id(a->id, "alliance_create.alliance.id", 0, err, errlen)) < 0 ||
	    (rc = codec__require(a->name, "alliance_create.alliance.name", err, errlen)) < 0)
		return rc;
	if (a->kind == VETALLIANCE__V1__ALLIANCE_KIND__ALLIANCE_KIND_UNSPECIFIED)
		return codec__fail(err, errlen, "alliance_create.alliance.kind: must be set");
	if (a->sector != NULL && a->sector[0] != '\0' && !codec__sector_id_valid(a->sector))
		return codec__fail(err, errlen,
				   "alliance_create.alliance.sector: '%s' is not a sector id",
				   a->sector);
	for (size_t i = 0; i < a->n_members; i++) {
		snprintf(f, sizeof f, "alliance_create.alliance.members[%zu].centre", i);
		if ((rc = codec__require_id(a->members[i]->centre, f, 0, err, errlen)) < 0)
			return rc;
	}
	for (size_t i = 0; i < a->n_adopted; i++)
		if (a->adopted[i] == VETALLIANCE__V1__COMMITMENT__COMMITMENT_UNSPECIFIED)
			return codec__fail(err, errlen,
					   "alliance_create.alliance.adopted[%zu]: must be set", i);
	return 0;
}

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

/* ------------------------------------- sessions and deadlines */

#define CODEC_DURATION_MAX_MIN (7 * 24 * 60) /* a session lasts at most a week */
#define CODEC_NOTICE_MAX_MIN   (366 * 24 * 60)

static void session_from_pb(session_t *dst, const PB(Session) * src)
{
	memset(dst, 0, sizeof *dst);
	dst->id = dup_or_empty(src->id);
	dst->host = dup_or_empty(src->host);
	dst->kind = (session_kind_t)src->kind;
	dst->title = dup_or_empty(src->title);
	dst->language = dup_or_empty(src->language);
	dst->platform = dup_or_empty(src->platform);
	dst->link = dup_or_empty(src->link);
	dst->start_ms = src->start_ms;
	dst->duration_min = src->duration_min;
	dst->time_zone = dup_or_empty(src->time_zone);
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
		q->centre = dup_or_empty(p->centre);
		q->head_count = p->head_count;
		q->joined_ms = p->joined_ms;
		q->attendance_recorded = p->attendance_recorded;
		q->attended = p->attended;
		q->rating = p->rating;
		q->comment = dup_or_empty(p->comment);
		q->evaluated_ms = p->evaluated_ms;
	}
	dst->n_participants = src->n_participants;
	dst->sequence = src->sequence;
	dst->reason = dup_or_empty(src->reason);
	dst->original_start_ms = src->original_start_ms;
	dst->previous_start_ms = src->previous_start_ms;
	dst->created_ms = src->created_ms;
	dst->updated_ms = src->updated_ms;
	dst->rescheduled_ms = src->rescheduled_ms;
}

static void deadline_from_pb(deadline_t *dst, const PB(Deadline) * src)
{
	memset(dst, 0, sizeof *dst);
	dst->id = dup_or_empty(src->id);
	dst->title = dup_or_empty(src->title);
	dst->due_ms = src->due_ms;
	dst->owner = dup_or_empty(src->owner);
	for (size_t i = 0; i < src->n_remind_min && i < DEADLINE_REMIND_MAX; i++)
		dst->remind_min[dst->n_remind++] = src->remind_min[i];
	dst->done = src->done;
	dst->done_ms = src->done_ms;
	dst->created_ms = src->created_ms;
}

static void reminder_from_pb(reminder_t *dst, const PB(Reminder) * src)
{
	memset(dst, 0, sizeof *dst);
	dst->session = dup_or_empty(src->session);
	dst->deadline = dup_or_empty(src->deadline);
	dst->title = dup_or_empty(src->title);
	dst->due_ms = src->due_ms;
	dst->before_min = src->before_min;
	dst->at_ms = src->send_ms;
	dst->late = src->late;
	dst->sequence = src->sequence;
}

/* A count field within [min, max], named by path. */
static int codec__range(uint64_t v, uint64_t min, uint64_t max, const char *path, char *err,
			size_t errlen)
{
	if (v < min || v > max)
		return codec__fail(err, errlen, "%s: %llu is out of range %llu..%llu", path,
				   (unsigned long long)v, (unsigned long long)min,
				   (unsigned long long)max);
	return 0;
}

static int codec__time_zone(const char *tz, const char *path, char *err, size_t errlen)
{
	if (!codec_time_zone_valid(tz))
		return codec__fail(err, errlen, "%s: '%s' is not a time zone of the tz database",
				   path, tz ? tz : "");
	return 0;
}

static int codec__session_fields(const PB(Session) * s, char *err, size_t errlen)
{
	int rc;

	if (s == NULL)
		return codec__fail(err, errlen, "session_book.session: must be set");
	if ((rc = codec__require_id(s->id, "session_book.session.id", 0, err, errlen)) < 0 ||
	    (rc = codec__require_id(s->host, "session_book.session.host", 0, err, errlen)) < 0 ||
	    (rc = codec__require(s->title, "session_book.session.title", err, errlen)) < 0)
		return rc;
	if (s->kind == VETALLIANCE__V1__SESSION_KIND__SESSION_KIND_UNSPECIFIED)
		return codec__fail(err, errlen, "session_book.session.kind: must be set");
	if (s->link != NULL && s->link[0] != '\0' && strncmp(s->link, "https://", 8) != 0 &&
	    strncmp(s->link, "http://", 7) != 0)
		return codec__fail(
		    err, errlen, "session_book.session.link: '%s' is not an http(s) URL", s->link);
	if (s->start_ms <= 0)
		return codec__fail(err, errlen, "session_book.session.start_ms: must be set");
	if ((rc = codec__range(s->duration_min, 1, CODEC_DURATION_MAX_MIN,
			       "session_book.session.duration_min", err, errlen)) < 0 ||
	    (rc = codec__time_zone(s->time_zone, "session_book.session.time_zone", err, errlen)) <
		0 ||
	    (rc = codec__range(s->capacity, 1, 100000, "session_book.session.capacity", err,
			       errlen)) < 0 ||
	    (rc = codec__range(s->min_notice_min, 0, CODEC_NOTICE_MAX_MIN,
			       "session_book.session.min_notice_min", err, errlen)) < 0)
		return rc;
	return 0;
}

/* Required ids of a session command: each (value, path) pair in turn. */
static int codec__ids(char *err, size_t errlen, size_t n, const char *const *pairs)
{
	int rc;

	for (size_t i = 0; i < n; i++)
		if ((rc = codec__require_id(pairs[2 * i], pairs[2 * i + 1], 0, err, errlen)) < 0)
			return rc;
	return 0;
}

#define CODEC_IDS(err, errlen, ...)                                                                \
	codec__ids(err, errlen, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *) / 2,   \
		   (const char *const[]){__VA_ARGS__})

static int codec__deadline_fields(const PB(Deadline) * d, char *err, size_t errlen)
{
	char f[64];
	int rc;

	if (d == NULL)
		return codec__fail(err, errlen, "deadline_set.deadline: must be set");
	if ((rc = CODEC_IDS(err, errlen, d->id, "deadline_set.deadline.id", d->owner,
			    "deadline_set.deadline.owner")) < 0 ||
	    (rc = codec__require(d->title, "deadline_set.deadline.title", err, errlen)) < 0)
		return rc;
	if (d->due_ms <= 0)
		return codec__fail(err, errlen, "deadline_set.deadline.due_ms: must be set");
	if (d->n_remind_min > DEADLINE_REMIND_MAX)
		return codec__fail(err, errlen, "deadline_set.deadline.remind_min: more than %d",
				   DEADLINE_REMIND_MAX);
	for (size_t i = 0; i < d->n_remind_min; i++) {
		snprintf(f, sizeof f, "deadline_set.deadline.remind_min[%zu]", i);
		if ((rc = codec__range(d->remind_min[i], 1, CODEC_NOTICE_MAX_MIN, f, err, errlen)) <
		    0)
			return rc;
	}
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
		session_from_pb(&out->cmd.u.session, r->session_book->session);
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
		sc->reason = dup_or_empty(c->reason);
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
		sc->comment = dup_or_empty(e->comment);
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
		deadline_from_pb(&out->cmd.u.deadline, r->deadline_set->deadline);
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
		q->id = dup_or_empty(r->session_list->centre);
		return 0;
	default: /* VETALLIANCE__V1__REQUEST__BODY_DEADLINE_LIST */
		out->is_query = 1;
		q->type = QUERY_DEADLINE_LIST;
		return 0;
	}
}

/* --------------------------------------------------- request decode */

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
		partner_from_pb(&c->u.partner, p);
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
		centre_pack_from_pb(&c->u.centre, ce);
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
		sector_from_pb(&c->u.sector, s);
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
		interest_from_pb(&c->u.interest, in);
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
		alliance_from_pb(&c->u.alliance, r->alliance_create->alliance);
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
		c->u.acmd.visit_ref = dup_or_empty(av->reference);
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
		mou_from_pb(&c->u.acmd.mou, mc);
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
	/* Sessions and deadlines. */
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
		q->partner = dup_or_empty(r->centre_list->partner);
		q->country = dup_or_empty(r->centre_list->country);
		q->sector = dup_or_empty(r->centre_list->sector);
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_SECTOR_LIST:
		out->is_query = 1;
		q->type = QUERY_SECTOR_LIST;
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_INTEREST_LIST:
		out->is_query = 1;
		q->type = QUERY_INTEREST_LIST;
		q->partner = dup_or_empty(r->interest_list->partner);
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
	/* security */
	case VETALLIANCE__V1__REQUEST__BODY_PRINCIPALS_RELOAD:
		out->is_query = 1;
		q->type = QUERY_PRINCIPALS_RELOAD;
		return 0;
	case VETALLIANCE__V1__REQUEST__BODY_WHOAMI:
		out->is_query = 1;
		q->type = QUERY_WHOAMI;
		return 0;
	/* mobilities */
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
	/* Centres: criteria and matching. */
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
		q->sector = dup_or_empty(r->centre_match->sector);
		q->id = dup_or_empty(r->centre_match->centre);
		q->country = dup_or_empty(r->centre_match->country);
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

/* ------------------------------------------------ model -> wire views */

/* These fill wire structs whose strings point into the model (borrowed):
 * they are only packed, never freed with free_unpacked. */

static char *str_or_empty(const char *s)
{
	return (char *)(s ? s : "");
}

static void partner_to_pb(PB(Partner) * dst, const partner_t *src)
{
	vetalliance__v1__partner__init(dst);
	dst->id = str_or_empty(src->id);
	dst->name = str_or_empty(src->name);
	dst->country = str_or_empty(src->country);
	dst->time_zone = str_or_empty(src->time_zone);
	dst->region = str_or_empty(src->region);
}

/* Storage for the wire contacts of centres being packed: one
 * piece per centre that has contacts, all freed once the message is
 * packed. */
typedef struct codec_scratch {
	void **v;
	size_t n;
	size_t cap;
} codec_scratch_t;

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

static void codec__scratch_release(codec_scratch_t *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* Returns 0, or -VA_INTERNAL when the contacts find no memory. */
static int centre_to_pb(PB(Centre) * dst, const centre_t *src, codec_scratch_t *scratch)
{
	const centre_more_t *m = centre_more(src);
	PB(CentreContact) * items, **ptrs;

	vetalliance__v1__centre__init(dst);
	dst->id = str_or_empty(src->id);
	dst->name = str_or_empty(src->name);
	dst->kind = (PB(CentreKind))src->kind;
	dst->partner = str_or_empty(src->partner);
	dst->country = str_or_empty(src->country);
	dst->region = str_or_empty(src->region);
	dst->n_sectors = src->sectors.n;
	dst->sectors = src->sectors.v;
	dst->registered_ms = src->registered_ms;
	dst->updated_ms = src->updated_ms;
	dst->province = str_or_empty(m->province);
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
		items[i].name = str_or_empty(m->contacts[i].name);
		items[i].n_channels = m->contacts[i].channels.n;
		items[i].channels = m->contacts[i].channels.v;
		ptrs[i] = &items[i];
	}
	dst->n_contacts = m->n_contacts;
	dst->contacts = ptrs;
	return 0;
}

static void sector_to_pb(PB(Sector) * dst, const sector_t *src)
{
	vetalliance__v1__sector__init(dst);
	dst->id = str_or_empty(src->id);
	dst->name = str_or_empty(src->name);
	dst->focus = src->focus;
}

static void interest_to_pb(PB(SectorInterest) * dst, const interest_t *src)
{
	vetalliance__v1__sector_interest__init(dst);
	dst->partner = str_or_empty(src->partner);
	dst->sector = str_or_empty(src->sector);
	dst->interested = src->interested;
	dst->note = str_or_empty(src->note);
}

static void confirmation_to_pb(PB(CommitmentState) * dst, const confirmation_t *src)
{
	vetalliance__v1__commitment_state__init(dst);
	dst->centre = str_or_empty(src->centre);
	dst->commitment = (PB(Commitment))src->commitment;
	dst->confirmed = src->confirmed;
	dst->actor = str_or_empty(src->actor);
	dst->time_ms = src->time_ms;
}

/* The wire form of one alliance and the storage its pieces point into. */
typedef struct codec_alliance {
	PB(Alliance) msg;
	PB(AllianceMember) * members;
	PB(AllianceMember) * *mptrs;
	PB(RoadmapRecord) steps[ROADMAP_MAX + 1];
	PB(RoadmapRecord) * sptrs[ROADMAP_MAX + 1];
	PB(Commitment) adopted[COMMITMENT_MAX];
	PB(MouContent) mou;
	char missing[512];
} codec_alliance_t;

static const char *const codec__schedule[] = {"on-time", "due-soon", "late"};

/* Fills w from a (strings borrowed).  With st, also what is missing and
 * the schedule at now_ms.  Returns 0 or -VA_INTERNAL; release with
 * codec__alliance_pb_release either way. */
static int alliance_to_pb(codec_alliance_t *w, const alliance_t *a, const struct state *st,
			  int64_t now_ms)
{
	PB(Alliance) *m = &w->msg;
	size_t n = 0;

	vetalliance__v1__alliance__init(m);
	w->members = calloc(a->n_members + 1, sizeof *w->members);
	w->mptrs = calloc(a->n_members + 1, sizeof *w->mptrs);
	if (w->members == NULL || w->mptrs == NULL)
		return -VA_INTERNAL;
	m->id = str_or_empty(a->id);
	m->name = str_or_empty(a->name);
	m->kind = (PB(AllianceKind))a->kind;
	m->sector = str_or_empty(a->sector);
	for (size_t i = 0; i < a->n_members; i++) {
		vetalliance__v1__alliance_member__init(&w->members[i]);
		w->members[i].centre = str_or_empty(a->members[i].centre);
		w->members[i].contact = str_or_empty(a->members[i].contact);
		w->members[i].n_channels = a->members[i].channels.n;
		w->members[i].channels = a->members[i].channels.v;
		w->members[i].signed_hash = str_or_empty(a->members[i].signed_hash);
		w->members[i].signed_ms = a->members[i].signed_ms;
		w->members[i].signed_by = str_or_empty(a->members[i].signed_by);
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
		w->steps[n].actor = str_or_empty(a->steps[s].actor);
		w->sptrs[n] = &w->steps[n];
		n++;
	}
	m->n_steps = n;
	m->steps = w->sptrs;
	m->visit_virtual = a->visit_virtual;
	m->visit_ms = a->visit_ms;
	m->visit_ref = str_or_empty(a->visit_ref);
	vetalliance__v1__mou_content__init(&w->mou);
	w->mou.objectives = str_or_empty(a->mou.objectives);
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
	w->mou.languages = str_or_empty(a->mou.languages);
	w->mou.ecvet = str_or_empty(a->mou.ecvet);
	w->mou.valid_from_ms = a->mou.valid_from_ms;
	w->mou.valid_until_ms = a->mou.valid_until_ms;
	w->mou.version = a->mou.version;
	w->mou.hash = str_or_empty(a->mou.hash);
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

static void codec__alliance_pb_release(codec_alliance_t *w)
{
	free(w->members);
	free(w->mptrs);
	w->members = NULL;
	w->mptrs = NULL;
}

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

/* Sessions and deadlines: model -> wire views. */
typedef struct codec_session {
	PB(Session) msg;
	PB(SessionParticipant) * parts;
	PB(SessionParticipant) * *pptrs;
} codec_session_t;

static int session_to_pb(codec_session_t *w, const session_t *s)
{
	PB(Session) *m = &w->msg;

	vetalliance__v1__session__init(m);
	w->parts = calloc(s->n_participants + 1, sizeof *w->parts);
	w->pptrs = calloc(s->n_participants + 1, sizeof *w->pptrs);
	if (w->parts == NULL || w->pptrs == NULL)
		return -VA_INTERNAL;
	m->id = str_or_empty(s->id);
	m->host = str_or_empty(s->host);
	m->kind = (PB(SessionKind))s->kind;
	m->title = str_or_empty(s->title);
	m->language = str_or_empty(s->language);
	m->platform = str_or_empty(s->platform);
	m->link = str_or_empty(s->link);
	m->start_ms = s->start_ms;
	m->duration_min = s->duration_min;
	m->time_zone = str_or_empty(s->time_zone);
	m->capacity = s->capacity;
	m->min_notice_min = s->min_notice_min;
	m->status = (PB(SessionStatus))s->status;
	for (size_t i = 0; i < s->n_participants; i++) {
		const session_participant_t *p = &s->participants[i];
		PB(SessionParticipant) *q = &w->parts[i];
		vetalliance__v1__session_participant__init(q);
		q->centre = str_or_empty(p->centre);
		q->head_count = p->head_count;
		q->joined_ms = p->joined_ms;
		q->attendance_recorded = p->attendance_recorded;
		q->attended = p->attended;
		q->rating = p->rating;
		q->comment = str_or_empty(p->comment);
		q->evaluated_ms = p->evaluated_ms;
		w->pptrs[i] = q;
	}
	m->n_participants = s->n_participants;
	m->participants = w->pptrs;
	m->sequence = s->sequence;
	m->reason = str_or_empty(s->reason);
	m->original_start_ms = s->original_start_ms;
	m->previous_start_ms = s->previous_start_ms;
	m->created_ms = s->created_ms;
	m->updated_ms = s->updated_ms;
	m->rescheduled_ms = s->rescheduled_ms;
	return 0;
}

static void codec__session_pb_release(codec_session_t *w)
{
	free(w->parts);
	free(w->pptrs);
	w->parts = NULL;
	w->pptrs = NULL;
}

/* remind_min points into d. */
static void deadline_to_pb(PB(Deadline) * dst, const deadline_t *d)
{
	vetalliance__v1__deadline__init(dst);
	dst->id = str_or_empty(d->id);
	dst->title = str_or_empty(d->title);
	dst->due_ms = d->due_ms;
	dst->owner = str_or_empty(d->owner);
	dst->n_remind_min = d->n_remind;
	dst->remind_min = (uint32_t *)d->remind_min;
	dst->done = d->done;
	dst->done_ms = d->done_ms;
	dst->created_ms = d->created_ms;
}

static void reminder_to_pb(PB(Reminder) * dst, const reminder_t *r)
{
	vetalliance__v1__reminder__init(dst);
	dst->session = str_or_empty(r->session);
	dst->deadline = str_or_empty(r->deadline);
	dst->title = str_or_empty(r->title);
	dst->due_ms = r->due_ms;
	dst->before_min = r->before_min;
	dst->send_ms = r->at_ms;
	dst->late = r->late;
	dst->sequence = r->sequence;
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
		deadline_to_pb(dw, &ev->u.deadline);
		e->deadline_set = dw; /* same union slot as deadline_done */
		break;
	case EV_SESSION_REMINDER:
	case EV_DEADLINE_APPROACHING:
	case EV_DEADLINE_MISSED:
		reminder_to_pb(rw, &ev->u.reminder);
		e->session_reminder = rw;
		break;
	default:
		if (session_to_pb(sw, &ev->u.session) < 0)
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
		deadline_from_pb(&out->u.deadline, e->deadline_set);
		break;
	case EV_SESSION_REMINDER:
	case EV_DEADLINE_APPROACHING:
	case EV_DEADLINE_MISSED:
		reminder_from_pb(&out->u.reminder, e->session_reminder);
		break;
	default:
		session_from_pb(&out->u.session, e->session_booked);
		break;
	}
	return 1;
}

/* Wire storage of a reply's session or deadline result. */
typedef struct codec_session_result {
	codec_session_t *sw;
	size_t n;
	PB(Deadline) * dw;
	void **ptrs;
	PB(SessionListResult) sessions;
	PB(DeadlineListResult) deadlines;
} codec_session_result_t;

static int codec__session_result(const result_t *res, PB(Reply) * reply, codec_session_result_t *w)
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
			deadline_to_pb(&w->dw[i], res->many[i]);
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
		if (session_to_pb(&w->sw[i],
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

static void codec__session_result_release(codec_session_result_t *w)
{
	for (size_t i = 0; w->sw != NULL && i < w->n; i++)
		codec__session_pb_release(&w->sw[i]);
	free(w->sw);
	free(w->dw);
	free(w->ptrs);
	memset(w, 0, sizeof *w);
}

/* Snapshot storage of the sessions, deadlines and reminders sent. */
typedef struct codec_session_snap {
	const session_t **sessions;
	const deadline_t **deadlines;
	codec_session_result_t sres, dres;
	PB(Reminder) * rw;
	PB(Reminder) * *rptrs;
} codec_session_snap_t;

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
		return -1;
	r.type = RESULT_DEADLINES;
	r.n = sessions_deadline_list(t, &w->deadlines);
	r.many = (const void *const *)w->deadlines;
	if (codec__session_result(&r, &scratch, &w->dres) < 0)
		return -1;
	w->rw = calloc(nsent + 1, sizeof *w->rw);
	w->rptrs = calloc(nsent + 1, sizeof *w->rptrs);
	if (w->rw == NULL || w->rptrs == NULL)
		return -1;
	for (size_t i = 0; i < nsent; i++) {
		reminder_to_pb(&w->rw[i], sent[i]);
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

static void codec__session_snap_load(const PB(StateSnapshot) * snap, state_t *st)
{
	for (size_t i = 0; i < snap->n_sessions; i++) {
		session_t s;
		session_from_pb(&s, snap->sessions[i]);
		state_restore_session(st, &s);
		session_release(&s);
	}
	for (size_t i = 0; i < snap->n_deadlines; i++) {
		deadline_t d;
		deadline_from_pb(&d, snap->deadlines[i]);
		state_restore_deadline(st, &d);
		deadline_release(&d);
	}
	for (size_t i = 0; i < snap->n_reminders_sent; i++) {
		reminder_t r;
		reminder_from_pb(&r, snap->reminders_sent[i]);
		state_restore_reminder(st, &r);
		reminder_release(&r);
	}
}

static void codec__free_frame(void *data, void *hint)
{
	(void)hint;
	free(data);
}

static int codec__pack_to_frame(const ProtobufCMessage *m, zmq_msg_t *frame)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);

	if (buf == NULL) {
		zmq_msg_init(frame);
		return -VA_INTERNAL;
	}
	protobuf_c_message_pack(m, buf);
	if (zmq_msg_init_data(frame, buf, len, codec__free_frame, NULL) != 0) {
		free(buf);
		zmq_msg_init(frame);
		return -VA_INTERNAL;
	}
	return 0;
}

/* A list result: an array of wire structs and an array of pointers to
 * them, both malloc'd together. */
typedef struct codec_list {
	void **ptrs;
	void *items;
} codec_list_t;

static int codec__list(codec_list_t *l, size_t n, size_t item_size)
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
		partner_to_pb(l[0].ptrs[i], v[0][i]);
	for (size_t i = 0; i < n[1]; i++)
		sector_to_pb(l[1].ptrs[i], v[1][i]);
	for (size_t i = 0; i < n[2]; i++)
		interest_to_pb(l[2].ptrs[i], v[2][i]);
	for (size_t i = 0; i < n[3]; i++)
		if (centre_to_pb(l[3].ptrs[i], v[3][i], scratch) < 0) {
			rc = -VA_INTERNAL;
			goto out;
		}
	/* commitments and alliances */
	n[4] = commitments_list(state_commitments(st), (const confirmation_t ***)&v[4]);
	n[5] = alliances_list(state_alliances(st), (const alliance_t ***)&v[5]);
	*aw_p = calloc(n[5] + 1, sizeof **aw_p);
	if (*aw_p == NULL || codec__list(&l[4], n[4], sizeof(PB(CommitmentState))) < 0 ||
	    (sr->alliances = calloc(n[5] + 1, sizeof *sr->alliances)) == NULL) {
		rc = -VA_INTERNAL;
		goto out;
	}
	for (size_t i = 0; i < n[4]; i++)
		confirmation_to_pb(l[4].ptrs[i], v[4][i]);
	sr->n_commitments = n[4];
	sr->commitments = (PB(CommitmentState) **)l[4].ptrs;
	for (size_t i = 0; i < n[5]; i++) {
		*naw_p = i + 1;
		if ((rc = alliance_to_pb(&(*aw_p)[i], v[5][i], NULL, 0)) < 0)
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
		     const result_t *result, zmq_msg_t *frame)
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

	/* mobilities */
	if (result != NULL && codec_mobility_is_result(result->type))
		return codec_mobility_reply_pack(request_id, status, message, seq, result, frame);
	reply.request_id = str_or_empty(request_id);
	reply.status = (PB(Status))(status < 0 ? -status : status);
	reply.message = str_or_empty(message);
	reply.seq = seq;
	switch (result ? result->type : RESULT_NONE) {
	case RESULT_NONE:
		break;
	case RESULT_PARTNER:
		partner_to_pb(&partner, result->one);
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_PARTNER;
		reply.partner = &partner;
		break;
	case RESULT_CENTRE:
		if ((rc = centre_to_pb(&centre, result->one, &scratch)) < 0)
			goto out;
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_CENTRE;
		reply.centre = &centre;
		break;
	case RESULT_PARTNERS:
		if (codec__list(&list, result->n, sizeof(PB(Partner))) < 0)
			return -VA_INTERNAL;
		for (size_t i = 0; i < result->n; i++)
			partner_to_pb(list.ptrs[i], result->many[i]);
		partners.n_partners = result->n;
		partners.partners = (PB(Partner) **)list.ptrs;
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_PARTNERS;
		reply.partners = &partners;
		break;
	case RESULT_CENTRES:
		if (codec__list(&list, result->n, sizeof(PB(Centre))) < 0)
			return -VA_INTERNAL;
		for (size_t i = 0; i < result->n; i++)
			if ((rc = centre_to_pb(list.ptrs[i], result->many[i], &scratch)) < 0)
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
			sector_to_pb(list.ptrs[i], result->many[i]);
		sectors.n_sectors = result->n;
		sectors.sectors = (PB(Sector) **)list.ptrs;
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_SECTORS;
		reply.sectors = &sectors;
		break;
	case RESULT_INTERESTS:
		if (codec__list(&list, result->n, sizeof(PB(SectorInterest))) < 0)
			return -VA_INTERNAL;
		for (size_t i = 0; i < result->n; i++)
			interest_to_pb(list.ptrs[i], result->many[i]);
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
			rc = alliance_to_pb(&aw[i], a, result->state, result->now_ms);
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
			confirmation_to_pb(list.ptrs[i], result->many[i]);
		commitments.n_commitments = result->n;
		commitments.commitments = (PB(CommitmentState) **)list.ptrs;
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_COMMITMENTS;
		reply.commitments = &commitments;
		break;
	case RESULT_DAEMON_STATUS: {
		const metrics_status_t *st = result->one;
		ds.version = str_or_empty(st->version);
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
		mr.text = str_or_empty(result->one);
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
	/* security */
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
	/* Centres: the criteria of one centre. */
	case RESULT_CRITERIA:
		if (codec__list(&list, result->n, sizeof(PB(Criterion))) < 0)
			return -VA_INTERNAL;
		crit = list.items;
		for (size_t i = 0; i < result->n; i++) {
			const criterion_t *k = result->many[i];
			vetalliance__v1__criterion__init(&crit[i]);
			crit[i].id = str_or_empty(k->id);
			crit[i].group = str_or_empty(k->group);
			crit[i].status = (PB(CriterionStatus))k->status;
			crit[i].fact = (char *)k->fact;
		}
		criteria.n_criteria = result->n;
		criteria.criteria = (PB(Criterion) **)list.ptrs;
		reply.result_case = VETALLIANCE__V1__REPLY__RESULT_CRITERIA;
		reply.criteria = &criteria;
		break;
	/* mobilities: packed by codec_mobility_reply_pack above */
	case RESULT_MOBILITY:
	case RESULT_MOBILITIES:
	case RESULT_RULES:
		break;
	}
	rc = codec__pack_to_frame(&reply.base, frame);
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

/* ------------------------------------------------------------- events */

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
	e.actor = str_or_empty(ev->actor);
	e.request_id = str_or_empty(ev->request_id);
	switch (ev->type) {
	case EV_PARTNER_REGISTERED:
	case EV_PARTNER_UPDATED:
		partner_to_pb(&partner, &ev->u.partner);
		e.payload_case = ev->type == EV_PARTNER_REGISTERED
				     ? VETALLIANCE__V1__EVENT__PAYLOAD_PARTNER_REGISTERED
				     : VETALLIANCE__V1__EVENT__PAYLOAD_PARTNER_UPDATED;
		e.partner_registered = &partner; /* same union slot as partner_updated */
		break;
	case EV_CENTRE_REGISTERED:
	case EV_CENTRE_UPDATED:
		if (centre_to_pb(&centre, &ev->u.centre, &scratch) < 0)
			goto out;
		e.payload_case = ev->type == EV_CENTRE_REGISTERED
				     ? VETALLIANCE__V1__EVENT__PAYLOAD_CENTRE_REGISTERED
				     : VETALLIANCE__V1__EVENT__PAYLOAD_CENTRE_UPDATED;
		e.centre_registered = &centre;
		break;
	case EV_SECTOR_DEFINED:
		sector_to_pb(&sector, &ev->u.sector);
		e.payload_case = VETALLIANCE__V1__EVENT__PAYLOAD_SECTOR_DEFINED;
		e.sector_defined = &sector;
		break;
	case EV_SECTOR_INTEREST_MARKED:
		interest_to_pb(&interest, &ev->u.interest);
		e.payload_case = VETALLIANCE__V1__EVENT__PAYLOAD_SECTOR_INTEREST_MARKED;
		e.sector_interest_marked = &interest;
		break;
	case EV_COMMITMENT_CONFIRMED:
	case EV_COMMITMENT_WITHDRAWN:
		confirmation_to_pb(&confirmation, &ev->u.confirmation);
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
		if (alliance_to_pb(&alliance, &ev->u.alliance, NULL, 0) < 0)
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
	out->actor = dup_or_empty(e->actor);
	out->request_id = dup_or_empty(e->request_id);
	switch (e->payload_case) {
	case VETALLIANCE__V1__EVENT__PAYLOAD_PARTNER_REGISTERED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_PARTNER_UPDATED:
		out->type = e->payload_case == VETALLIANCE__V1__EVENT__PAYLOAD_PARTNER_REGISTERED
				? EV_PARTNER_REGISTERED
				: EV_PARTNER_UPDATED;
		partner_from_pb(&out->u.partner, e->partner_registered);
		break;
	case VETALLIANCE__V1__EVENT__PAYLOAD_CENTRE_REGISTERED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_CENTRE_UPDATED:
		out->type = e->payload_case == VETALLIANCE__V1__EVENT__PAYLOAD_CENTRE_REGISTERED
				? EV_CENTRE_REGISTERED
				: EV_CENTRE_UPDATED;
		centre_pack_from_pb(&out->u.centre, e->centre_registered);
		break;
	case VETALLIANCE__V1__EVENT__PAYLOAD_SECTOR_DEFINED:
		out->type = EV_SECTOR_DEFINED;
		sector_from_pb(&out->u.sector, e->sector_defined);
		break;
	case VETALLIANCE__V1__EVENT__PAYLOAD_SECTOR_INTEREST_MARKED:
		out->type = EV_SECTOR_INTEREST_MARKED;
		interest_from_pb(&out->u.interest, e->sector_interest_marked);
		break;
	case VETALLIANCE__V1__EVENT__PAYLOAD_COMMITMENT_CONFIRMED:
	case VETALLIANCE__V1__EVENT__PAYLOAD_COMMITMENT_WITHDRAWN:
		out->type = e->payload_case == VETALLIANCE__V1__EVENT__PAYLOAD_COMMITMENT_CONFIRMED
				? EV_COMMITMENT_CONFIRMED
				: EV_COMMITMENT_WITHDRAWN;
		confirmation_from_pb(&out->u.confirmation, e->commitment_confirmed);
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
		alliance_from_pb(&out->u.alliance, e->alliance_created);
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

/* ---------------------------------------------------------- snapshots */

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
		return -1;
	return centre_to_pb(sc->list.ptrs[sc->n++], c, sc->scratch) < 0 ? -1 : 0;
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
		if (alliance_to_pb(&aw[i], alls[i], NULL, 0) < 0)
			goto out;
		aptrs[i] = &aw[i].msg;
	}
	for (size_t i = 0; i < np; i++)
		partner_to_pb(lp.ptrs[i], partners[i]);
	for (size_t i = 0; i < ns; i++)
		sector_to_pb(ls.ptrs[i], sectors[i]);
	for (size_t i = 0; i < ni; i++)
		interest_to_pb(li.ptrs[i], interests[i]);
	for (size_t i = 0; i < nk; i++)
		confirmation_to_pb(lk.ptrs[i], confs[i]);
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
	codec_mobility_snapshot_fill(st, &snap); /* mobilities */
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
	codec_mobility_snapshot_release(&snap); /* mobilities */
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
	for (size_t i = 0; i < snap->n_partners; i++) {
		partner_t p = {0};
		partner_from_pb(&p, snap->partners[i]);
		state_restore_partner(st, &p);
		partner_release(&p);
	}
	for (size_t i = 0; i < snap->n_sectors; i++) {
		sector_t s = {0};
		sector_from_pb(&s, snap->sectors[i]);
		state_restore_sector(st, &s);
		sector_release(&s);
	}
	for (size_t i = 0; i < snap->n_interests; i++) {
		interest_t in = {0};
		interest_from_pb(&in, snap->interests[i]);
		state_restore_interest(st, &in);
		interest_release(&in);
	}
	state_restore_reserve(st, snap->n_centres);
	for (size_t i = 0; i < snap->n_centres; i++) {
		centre_t c = {0};
		centre_pack_from_pb(&c, snap->centres[i]);
		state_restore_centre_take(st, &c);
	}
	for (size_t i = 0; i < snap->n_commitments; i++) {
		confirmation_t k = {0};
		confirmation_from_pb(&k, snap->commitments[i]);
		state_restore_confirmation(st, &k);
		confirmation_release(&k);
	}
	for (size_t i = 0; i < snap->n_alliances; i++) {
		alliance_t a;
		alliance_from_pb(&a, snap->alliances[i]);
		state_restore_alliance(st, &a);
		alliance_release(&a);
	}
	codec_mobility_snapshot_load(snap, st);
	codec__session_snap_load(snap, st);
	for (size_t i = 0; i < snap->n_recent_requests; i++)
		state_restore_recent(st, snap->recent_requests[i]->actor,
				     snap->recent_requests[i]->request_id,
				     snap->recent_requests[i]->seq);
	state_restore_last_seq(st, snap->last_seq);
	*st_p = st;
	st = NULL;
out:
	state_free(&st);
	codec__arena_release(&arena);
	return rc;
}

/* ------------------------------------- shared with codec_mobility.c */

int codec_check_required(const char *s, const char *path, char *err, size_t errlen)
{
	return codec__require(s, path, err, errlen);
}

int codec_check_id(const char *s, const char *path, int upper_only, char *err, size_t errlen)
{
	return codec__require_id(s, path, upper_only, err, errlen);
}

int codec_sector_id_ok(const char *s)
{
	return codec__sector_id_valid(s);
}

int codec_pack_frame(const ProtobufCMessage *m, zmq_msg_t *frame)
{
	return codec__pack_to_frame(m, frame);
}
