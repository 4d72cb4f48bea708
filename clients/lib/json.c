/*
 * json.c - JSON views of the wire messages, built by walking the
 * protobuf-c descriptors.
 *
 * There is one printer: message_json() visits the fields of any message in
 * descriptor order and turns each into a jansson value, recursing into
 * nested messages.  A field added to the .proto therefore shows up in
 * `vetctl --json` and in vetwatch lines with no edit here.  jansson does all
 * quoting and escaping; the only text handled by hand is the repair of
 * strings that are not valid UTF-8 (jansson refuses them; we print U+FFFD
 * in their place rather than lose the whole line).
 *
 * The rules, as documented in <vetalliance/json.h>:
 *   - field names as in the .proto;
 *   - scalars always present; message fields only when set; of a oneof only
 *     the member whose case is set; repeated fields always, as arrays;
 *   - enums as slugs (see enum_prefix()), or the bare number for a value
 *     the descriptor does not know (a newer peer);
 *   - integer fields named *_ms get a sibling *_at with the RFC 3339 UTC
 *     time, or null when the field is 0 (not set);
 *   - bytes as standard base64, as in the proto3 JSON mapping.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <vetalliance/json.h>

#define SLUG_MAX 256

static json_t *message_json(const ProtobufCMessage *msg);

/* ------------------------------------------------------------ enums */

/*
 * enum_prefix - the prefix shared by the value names of an enum: its short
 * name in UPPER_SNAKE_CASE and '_' ("CentreKind" -> "CENTRE_KIND_").
 * Returns the length written, or 0 if it does not fit.
 */
static size_t enum_prefix(const ProtobufCEnumDescriptor *desc, char *buf, size_t len)
{
	const char *s = desc->short_name;
	size_t n = 0;

	for (size_t i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned char prev = i > 0 ? (unsigned char)s[i - 1] : 0;
		unsigned char next = (unsigned char)s[i + 1];

		/* A word starts at an upper-case letter after a lower-case one
		 * or a digit ("CentreKind"), or at the last capital of an
		 * acronym ("HTTPStatus" -> HTTP_STATUS). */
		if (i > 0 && isupper(c) &&
		    (islower(prev) || isdigit(prev) || (isupper(prev) && islower(next)))) {
			if (n + 1 >= len)
				return 0;
			buf[n++] = '_';
		}
		if (n + 1 >= len)
			return 0;
		buf[n++] = (char)toupper(c);
	}
	if (n + 2 > len)
		return 0;
	buf[n++] = '_';
	buf[n] = '\0';
	return n;
}

/* value_slug - the slug of one enum value into buf; NULL if too long. */
static char *value_slug(const ProtobufCEnumDescriptor *desc, const ProtobufCEnumValue *v, char *buf,
			size_t len)
{
	char prefix[SLUG_MAX];
	size_t plen = enum_prefix(desc, prefix, sizeof prefix);
	const char *name = v->name;
	size_t n;

	if (plen > 0 && strncmp(name, prefix, plen) == 0 && name[plen] != '\0')
		name += plen;
	n = strlen(name);
	if (n + 1 > len)
		return NULL;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)name[i];
		buf[i] = c == '_' ? '-' : (char)tolower(c);
	}
	return buf;
}

char *va_enum_slug(const ProtobufCEnumDescriptor *desc, int value, char *buf, size_t len)
{
	const ProtobufCEnumValue *v;

	if (desc == NULL || buf == NULL)
		return NULL;
	v = protobuf_c_enum_descriptor_get_value(desc, value);
	if (v == NULL)
		return NULL;
	return value_slug(desc, v, buf, len);
}

/* slug_eq - compare a slug with user input, ignoring case and '_' vs '-'. */
static int slug_eq(const char *slug, const char *input)
{
	for (;; slug++, input++) {
		unsigned char a = (unsigned char)*slug;
		unsigned char b = (unsigned char)*input;

		if (b == '_')
			b = '-';
		if (a != tolower(b))
			return 0;
		if (a == '\0')
			return 1;
	}
}

int va_enum_from_slug(const ProtobufCEnumDescriptor *desc, const char *slug, int *value)
{
	char buf[SLUG_MAX];

	if (desc == NULL || slug == NULL || value == NULL)
		return -VA_INVALID_ARGUMENT;
	for (unsigned i = 0; i < desc->n_values; i++) {
		if (value_slug(desc, &desc->values[i], buf, sizeof buf) == NULL)
			continue;
		if (slug_eq(buf, slug)) {
			*value = desc->values[i].value;
			return 0;
		}
	}
	return -VA_INVALID_ARGUMENT;
}

/* ------------------------------------------------------------ values */

/*
 * utf8_seq - the length of the valid UTF-8 sequence at s (at most `left`
 * bytes), or 0 if it is invalid: a stray continuation byte, a truncated
 * sequence, an overlong form, a surrogate or a code point past U+10FFFF.
 */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* string_json - a JSON string; invalid UTF-8 sequences become U+FFFD. */
static json_t *string_json(const char *s)
{
	static const char replacement[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)s;
	size_t len, n = 0;
	char *fixed;
	json_t *j;

	if (s == NULL)
		return json_string("");
	len = strlen(s);
	j = json_stringn(s, len);
	if (j != NULL)
		return j;

	fixed = malloc(len * 3 + 1); /* each bad byte may become 3 */
	if (fixed == NULL)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_seq(p + i, len - i);
		if (k == 0) {
			memcpy(fixed + n, replacement, 3);
			n += 3;
			i++;
		} else {
			memcpy(fixed + n, p + i, k);
			n += k;
			i += k;
		}
	}
	j = json_stringn(fixed, n);
	free(fixed);
	return j;
}

/* base64_json - bytes as a standard, padded base64 JSON string. */
static json_t *base64_json(const ProtobufCBinaryData *b)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = 0;
	char *out;
	json_t *j;

	out = malloc((b->len + 2) / 3 * 4 + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < b->len; i += 3) {
		uint32_t v = (uint32_t)b->data[i] << 16;
		size_t rest = b->len - i;

		if (rest > 1)
			v |= (uint32_t)b->data[i + 1] << 8;
		if (rest > 2)
			v |= b->data[i + 2];
		out[n++] = tab[(v >> 18) & 63];
		out[n++] = tab[(v >> 12) & 63];
		out[n++] = rest > 1 ? tab[(v >> 6) & 63] : '=';
		out[n++] = rest > 2 ? tab[v & 63] : '=';
	}
	j = json_stringn(out, n);
	free(out);
	return j;
}

/* enum_json - an enum value as its slug, or as a number if unknown. */
static json_t *enum_json(const ProtobufCEnumDescriptor *desc, int value)
{
	char buf[SLUG_MAX];

	if (va_enum_slug(desc, value, buf, sizeof buf) != NULL)
		return json_string(buf);
	return json_integer(value);
}

static json_t *u64_json(uint64_t v)
{
	/* jansson integers are signed 64-bit: past that, lose precision
	 * rather than wrap to a negative number. */
	if (v > (uint64_t)INT64_MAX)
		return json_real((double)v);
	return json_integer((json_int_t)v);
}

static json_t *real_json(double v)
{
	json_t *j = json_real(v); /* NULL for NaN and infinities */

	return j != NULL ? j : json_null();
}

/*
 * time_json - a UTC instant in ms since the epoch as RFC 3339 with
 * milliseconds ("2026-03-01T09:30:00.000Z"), or null for 0 (unset).
 */
static json_t *time_json(int64_t ms)
{
	char buf[64];
	struct tm tm;
	time_t secs;
	int64_t frac;
	size_t n;

	if (ms == 0)
		return json_null();
	secs = (time_t)(ms / 1000);
	frac = ms % 1000;
	if (frac < 0) {
		frac += 1000;
		secs--;
	}
	if (gmtime_r(&secs, &tm) == NULL)
		return json_null();
	n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0)
		return json_null();
	snprintf(buf + n, sizeof buf - n, ".%03dZ", (int)frac);
	return json_string(buf);
}

/* value_json - one value of a field; `p` points at its storage. */
static json_t *value_json(const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return json_integer(*(const int32_t *)p);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return json_integer(*(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return json_integer(*(const int64_t *)p);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return u64_json(*(const uint64_t *)p);
	case PROTOBUF_C_TYPE_FLOAT:
		return real_json(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return real_json(*(const double *)p);
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM:
		return enum_json(f->descriptor, *(const int *)p);
	case PROTOBUF_C_TYPE_STRING:
		return string_json(*(char *const *)p);
	case PROTOBUF_C_TYPE_BYTES:
		return base64_json((const ProtobufCBinaryData *)p);
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
		return sub != NULL ? message_json(sub) : json_null();
	}
	}
	return json_null();
}

/* value_size - bytes one element of a repeated field occupies. */
static size_t value_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return sizeof(int32_t);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return sizeof(int64_t);
	case PROTOBUF_C_TYPE_FLOAT:
		return sizeof(float);
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	}
	return 0;
}

/* is_time_field - an integer field named *_ms, which gets a *_at sibling. */
static int is_time_field(const ProtobufCFieldDescriptor *f)
{
	size_t n = strlen(f->name);

	if (f->label == PROTOBUF_C_LABEL_REPEATED || n < 4 || strcmp(f->name + n - 3, "_ms") != 0)
		return 0;
	return f->type == PROTOBUF_C_TYPE_INT64 || f->type == PROTOBUF_C_TYPE_SINT64 ||
	       f->type == PROTOBUF_C_TYPE_SFIXED64 || f->type == PROTOBUF_C_TYPE_UINT64 ||
	       f->type == PROTOBUF_C_TYPE_FIXED64;
}

/* add - set obj[name] = v, taking v; returns 0 or -1 (v is released). */
static int add(json_t *obj, const char *name, json_t *v)
{
	if (v == NULL)
		return -1;
	return json_object_set_new(obj, name, v);
}

/* field_json - add field f of msg to obj, following the rules above. */
static int field_json(json_t *obj, const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
	const char *base = (const char *)msg;
	const void *p = base + f->offset;

	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);
		if (which != f->id)
			return 0;
	}

	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t count = *(const size_t *)(base + f->quantifier_offset);
		const char *elems = *(char *const *)p;
		size_t size = value_size(f->type);
		json_t *arr = json_array();

		if (arr == NULL)
			return -1;
		for (size_t i = 0; i < count; i++) {
			if (json_array_append_new(arr, value_json(f, elems + i * size)) < 0) {
				json_decref(arr);
				return -1;
			}
		}
		return add(obj, f->name, arr);
	}

	if (f->type == PROTOBUF_C_TYPE_MESSAGE && *(ProtobufCMessage *const *)p == NULL)
		return 0;
	if (add(obj, f->name, value_json(f, p)) < 0)
		return -1;

	if (is_time_field(f)) {
		char at[256];
		size_t n = strlen(f->name) - 3;

		if (n + sizeof "_at" > sizeof at)
			return 0;
		memcpy(at, f->name, n);
		memcpy(at + n, "_at", sizeof "_at");
		/* The int64 storage of a uint64 holds the same bits. */
		return add(obj, at, time_json(*(const int64_t *)p));
	}
	return 0;
}

static json_t *message_json(const ProtobufCMessage *msg)
{
	const ProtobufCMessageDescriptor *desc = msg->descriptor;
	json_t *obj = json_object();

	if (obj == NULL)
		return NULL;
	for (unsigned i = 0; i < desc->n_fields; i++) {
		if (field_json(obj, msg, &desc->fields[i]) < 0) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

/* dump - compact one-line text of j, taking j.  NULL on out of memory. */
static char *dump(json_t *j)
{
	char *s;

	if (j == NULL)
		return NULL;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

char *va_json_message(const ProtobufCMessage *msg)
{
	if (msg == NULL)
		return NULL;
	return dump(message_json(msg));
}

char *va_json_event(const va_event_t *ev)
{
	const ProtobufCFieldDescriptor *f = NULL;
	json_t *obj = NULL;
	json_t *payload;
	char type[128];

	if (ev == NULL)
		return NULL;
	if (ev->payload_case != VETALLIANCE__V1__EVENT__PAYLOAD__NOT_SET)
		f = protobuf_c_message_descriptor_get_field(ev->base.descriptor,
							    (unsigned)ev->payload_case);

	obj = json_object();
	if (obj == NULL)
		goto fail;
	if (add(obj, "seq", u64_json(ev->seq)) < 0)
		goto fail;
	if (add(obj, "type",
		va_event_type(ev, type, sizeof type) == 0 ? json_string(type) : json_null()) < 0)
		goto fail;
	if (add(obj, "time", time_json(ev->time_ms)) < 0)
		goto fail;
	if (add(obj, "time_ms", json_integer(ev->time_ms)) < 0)
		goto fail;
	if (add(obj, "actor", string_json(ev->actor)) < 0)
		goto fail;
	if (add(obj, "request_id", string_json(ev->request_id)) < 0)
		goto fail;
	payload = json_null();
	if (f != NULL)
		payload = value_json(f, (const char *)ev + f->offset);
	if (add(obj, "payload", payload) < 0)
		goto fail;
	return dump(obj);
fail:
	json_decref(obj);
	return NULL;
}
