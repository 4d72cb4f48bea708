/*
 * codec/validate - the checks every request passes before it becomes a
 * command (codec.h).
 *
 * Two passes.  A generic one walks the descriptors of the unpacked
 * message and checks every string (UTF-8, length), enum (defined value)
 * and repeated field (count), naming the field by its path; it needs no
 * change when the .proto grows.  A second pass per command checks what
 * the generic one cannot know: required fields, id syntax, update masks,
 * ranges and time zones.
 */
#include "codec/internal.h"

/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF, no
 * NUL (a C string would end there). */
int codec__utf8_valid(const unsigned char *s, size_t len)
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

int codec__walk(const ProtobufCMessage *msg, codec_path_t *p, char *err, size_t errlen)
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

int codec__require(const char *s, const char *path, char *err, size_t errlen)
{
	if (s == NULL || *s == '\0')
		return codec__fail(err, errlen, "%s: must not be empty", path);
	return 0;
}

int codec__require_id(const char *s, const char *path, int upper_only, char *err, size_t errlen)
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

int codec__country(const char *s, const char *path, char *err, size_t errlen)
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

int codec__sector_id_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > CODEC_ID_MAX)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	return 1;
}

int codec__partner_fields(const PB(Partner) * p, unsigned mask, const char *path, char *err,
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

int codec__centre_fields(const PB(Centre) * c, unsigned mask, const char *path, char *err,
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
int codec__mask(char **names, size_t n, const char *const *known, const char *path, unsigned *mask,
		char *err, size_t errlen)
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

/* Checks of alliance_create.alliance the generic pass cannot make. */
int codec__alliance_fields(const PB(Alliance) * a, char *err, size_t errlen)
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

/* A count field within [min, max], named by path. */
int codec__range(uint64_t v, uint64_t min, uint64_t max, const char *path, char *err, size_t errlen)
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

int codec__session_fields(const PB(Session) * s, char *err, size_t errlen)
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
int codec__ids(char *err, size_t errlen, size_t n, const char *const *pairs)
{
	int rc;

	for (size_t i = 0; i < n; i++)
		if ((rc = codec__require_id(pairs[2 * i], pairs[2 * i + 1], 0, err, errlen)) < 0)
			return rc;
	return 0;
}

int codec__deadline_fields(const PB(Deadline) * d, char *err, size_t errlen)
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
