/*
 * json.c - JSON views of the wire messages, built by walking the
 * protobuf-c descriptors.
 *
 * There is one printer: message_json() visits the fields of any message in
 * descriptor order and writes each as JSON text, recursing into nested
 * messages.  A field added to the .proto therefore shows up in
 * `vetctl --json` and in vetwatch lines with no edit here.  The text is
 * written straight into one growing buffer (no tree of values per message:
 * vetwatch prints hundreds of thousands of events a second), and is
 * exactly what jansson's json_dumps(JSON_COMPACT) printed when it built
 * the lines: the same escapes (\" \\ \b \f \n \r \t, other control
 * characters as \u00XX, everything else as UTF-8), integers in decimal,
 * reals with 17 significant digits and always a '.' or an exponent.
 * Strings that are not valid UTF-8 are repaired: each bad byte prints as
 * U+FFFD rather than losing the whole line.
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

#include <vetalliance/json.h>

#define SLUG_MAX 256

/* The text being written; `oom` is set (and further output dropped) when
 * it cannot grow. */
typedef struct jbuf {
	char *p;
	size_t len, cap;
	int oom;
} jbuf_t;

static void message_json(jbuf_t *b, const ProtobufCMessage *msg);

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

/* ------------------------------------------------------------ output */

static int jb_reserve(jbuf_t *b, size_t more)
{
	if (b->oom)
		return -1;
	if (b->cap - b->len >= more)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < more)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (p == NULL) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static void jb_put(jbuf_t *b, const char *s, size_t n)
{
	if (jb_reserve(b, n) < 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void jb_putc(jbuf_t *b, char c)
{
	if (jb_reserve(b, 1) < 0)
		return;
	b->p[b->len++] = c;
}

#define JB_LIT(b, s) jb_put((b), (s), sizeof(s) - 1)

/* jb_key - "name": (field names are plain ASCII, never escaped) */
static void jb_key(jbuf_t *b, const char *name)
{
	size_t n = strlen(name);

	if (jb_reserve(b, n + 3) < 0)
		return;
	b->p[b->len++] = '"';
	memcpy(b->p + b->len, name, n);
	b->len += n;
	b->p[b->len++] = '"';
	b->p[b->len++] = ':';
}

static void jb_u64(jbuf_t *b, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (jb_reserve(b, n) < 0)
		return;
	while (n > 0)
		b->p[b->len++] = tmp[--n];
}

static void jb_i64(jbuf_t *b, int64_t v)
{
	if (v < 0) {
		jb_putc(b, '-');
		jb_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		jb_u64(b, (uint64_t)v);
	}
}

/*
 * jb_real - as jansson prints a real: "%.17g", then ".0" when that looks
 * like an integer, and the exponent without '+' or leading zeros ("1e20",
 * "1e-7").  NaN and infinities, which JSON lacks, print as null.
 */
static void jb_real(jbuf_t *b, double v)
{
	char buf[64];
	int n;

	if (v != v || v > 1.7976931348623157e308 || v < -1.7976931348623157e308) {
		JB_LIT(b, "null");
		return;
	}
	n = snprintf(buf, sizeof buf, "%.17g", v);
	if (n < 0 || (size_t)n >= sizeof buf - 3) {
		JB_LIT(b, "null");
		return;
	}
	for (int i = 0; i < n; i++)
		if (buf[i] == ',')
			buf[i] = '.'; /* a locale's decimal comma */
	char *e = strchr(buf, 'e');
	if (e == NULL) {
		if (strchr(buf, '.') == NULL) {
			memcpy(buf + n, ".0", 3);
			n += 2;
		}
		jb_put(b, buf, (size_t)n);
		return;
	}
	jb_put(b, buf, (size_t)(e - buf) + 1);
	e++;
	if (*e == '-') {
		jb_putc(b, '-');
		e++;
	} else if (*e == '+') {
		e++;
	}
	while (*e == '0' && e[1] != '\0')
		e++;
	jb_put(b, e, strlen(e));
}

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

/* string_json - a JSON string; invalid UTF-8 bytes become U+FFFD. */
static void string_json(jbuf_t *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t len = strlen((const char *)p), i = 0;

	/* Worst case: every byte becomes \u00XX (6) or U+FFFD (3). */
	if (jb_reserve(b, len * 6 + 2) < 0)
		return;
	char *o = b->p + b->len;
	*o++ = '"';
	while (i < len) {
		unsigned char c = p[i];

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			*o++ = (char)c;
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t k = utf8_seq(p + i, len - i);

			if (k == 0) {
				memcpy(o, "\xef\xbf\xbd", 3);
				o += 3;
				i++;
			} else {
				memcpy(o, p + i, k);
				o += k;
				i += k;
			}
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"':
		case '\\':
			*o++ = (char)c;
			break;
		case '\b':
			*o++ = 'b';
			break;
		case '\f':
			*o++ = 'f';
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '\t':
			*o++ = 't';
			break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[c >> 4];
			o[4] = hex[c & 15];
			o += 5;
		}
		i++;
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

/* base64_json - bytes as a standard, padded base64 JSON string. */
static void base64_json(jbuf_t *b, const ProtobufCBinaryData *bin)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	if (jb_reserve(b, (bin->len + 2) / 3 * 4 + 2) < 0)
		return;
	char *o = b->p + b->len;
	*o++ = '"';
	for (size_t i = 0; i < bin->len; i += 3) {
		uint32_t v = (uint32_t)bin->data[i] << 16;
		size_t rest = bin->len - i;

		if (rest > 1)
			v |= (uint32_t)bin->data[i + 1] << 8;
		if (rest > 2)
			v |= bin->data[i + 2];
		*o++ = tab[(v >> 18) & 63];
		*o++ = tab[(v >> 12) & 63];
		*o++ = rest > 1 ? tab[(v >> 6) & 63] : '=';
		*o++ = rest > 2 ? tab[v & 63] : '=';
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

/* enum_json - an enum value as its slug, or as a number if unknown. */
static void enum_json(jbuf_t *b, const ProtobufCEnumDescriptor *desc, int value)
{
	char buf[SLUG_MAX];

	if (va_enum_slug(desc, value, buf, sizeof buf) != NULL)
		string_json(b, buf);
	else
		jb_i64(b, value);
}

static void u64_json(jbuf_t *b, uint64_t v)
{
	/* As when jansson, whose integers are signed 64-bit, printed them:
	 * past that, a real rather than a negative number. */
	if (v > (uint64_t)INT64_MAX)
		jb_real(b, (double)v);
	else
		jb_u64(b, v);
}

/* civil - the proleptic Gregorian date of a day count since 1970-01-01
 * (H. Hinnant's days_from_civil, inverted). */
static void civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static char *put2(char *o, unsigned v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
	return o + 2;
}

/*
 * time_json - a UTC instant in ms since the epoch as RFC 3339 with
 * milliseconds ("2026-03-01T09:30:00.000Z"), or null for 0 (unset).
 * Years 1000..9999 are formatted here (gmtime_r and strftime cost more
 * than the rest of an event); others as strftime's %Y writes them.
 */
static void time_json(jbuf_t *b, int64_t ms)
{
	char buf[64], *o = buf;
	struct tm tm;
	time_t secs;
	int64_t frac, days, sod, y;
	unsigned mo, d;
	size_t n;

	if (ms == 0) {
		JB_LIT(b, "null");
		return;
	}
	secs = (time_t)(ms / 1000);
	frac = ms % 1000;
	if (frac < 0) {
		frac += 1000;
		secs--;
	}
	days = (int64_t)secs / 86400;
	sod = (int64_t)secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	civil(days, &y, &mo, &d);
	if (y >= 1000 && y <= 9999) {
		*o++ = '"';
		o = put2(o, (unsigned)(y / 100));
		o = put2(o, (unsigned)(y % 100));
		*o++ = '-';
		o = put2(o, mo);
		*o++ = '-';
		o = put2(o, d);
		*o++ = 'T';
		o = put2(o, (unsigned)(sod / 3600));
		*o++ = ':';
		o = put2(o, (unsigned)(sod / 60 % 60));
		*o++ = ':';
		o = put2(o, (unsigned)(sod % 60));
		*o++ = '.';
		*o++ = (char)('0' + frac / 100);
		o = put2(o, (unsigned)(frac % 100));
		*o++ = 'Z';
		*o++ = '"';
		jb_put(b, buf, (size_t)(o - buf));
		return;
	}
	if (gmtime_r(&secs, &tm) == NULL) {
		JB_LIT(b, "null");
		return;
	}
	n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0) {
		JB_LIT(b, "null");
		return;
	}
	snprintf(buf + n, sizeof buf - n, ".%03dZ", (int)frac);
	string_json(b, buf);
}

/* value_json - one value of a field; `p` points at its storage. */
static void value_json(jbuf_t *b, const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		jb_i64(b, *(const int32_t *)p);
		return;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		jb_u64(b, *(const uint32_t *)p);
		return;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		jb_i64(b, *(const int64_t *)p);
		return;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		u64_json(b, *(const uint64_t *)p);
		return;
	case PROTOBUF_C_TYPE_FLOAT:
		jb_real(b, *(const float *)p);
		return;
	case PROTOBUF_C_TYPE_DOUBLE:
		jb_real(b, *(const double *)p);
		return;
	case PROTOBUF_C_TYPE_BOOL:
		if (*(const protobuf_c_boolean *)p)
			JB_LIT(b, "true");
		else
			JB_LIT(b, "false");
		return;
	case PROTOBUF_C_TYPE_ENUM:
		enum_json(b, f->descriptor, *(const int *)p);
		return;
	case PROTOBUF_C_TYPE_STRING:
		string_json(b, *(char *const *)p);
		return;
	case PROTOBUF_C_TYPE_BYTES:
		base64_json(b, (const ProtobufCBinaryData *)p);
		return;
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
		if (sub != NULL)
			message_json(b, sub);
		else
			JB_LIT(b, "null");
		return;
	}
	}
	JB_LIT(b, "null");
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
	size_t n;

	if (f->label == PROTOBUF_C_LABEL_REPEATED ||
	    !(f->type == PROTOBUF_C_TYPE_INT64 || f->type == PROTOBUF_C_TYPE_SINT64 ||
	      f->type == PROTOBUF_C_TYPE_SFIXED64 || f->type == PROTOBUF_C_TYPE_UINT64 ||
	      f->type == PROTOBUF_C_TYPE_FIXED64))
		return 0;
	n = strlen(f->name);
	return n >= 4 && strcmp(f->name + n - 3, "_ms") == 0;
}

/* field_json - write field f of msg, following the rules above, preceded
 * by a ',' unless it is the first member (*first). */
static void field_json(jbuf_t *b, const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
		       int *first)
{
	const char *base = (const char *)msg;
	const void *p = base + f->offset;

	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);
		if (which != f->id)
			return;
	}
	if (f->label != PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE &&
	    *(ProtobufCMessage *const *)p == NULL)
		return;
	if (!*first)
		jb_putc(b, ',');
	*first = 0;
	jb_key(b, f->name);

	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t count = *(const size_t *)(base + f->quantifier_offset);
		const char *elems = *(char *const *)p;
		size_t size = value_size(f->type);

		jb_putc(b, '[');
		for (size_t i = 0; i < count; i++) {
			if (i > 0)
				jb_putc(b, ',');
			value_json(b, f, elems + i * size);
		}
		jb_putc(b, ']');
		return;
	}

	value_json(b, f, p);
	if (is_time_field(f)) {
		char at[256];
		size_t n = strlen(f->name) - 3;

		if (n + sizeof "_at" > sizeof at)
			return;
		memcpy(at, f->name, n);
		memcpy(at + n, "_at", sizeof "_at");
		jb_putc(b, ',');
		jb_key(b, at);
		/* The int64 storage of a uint64 holds the same bits. */
		time_json(b, *(const int64_t *)p);
	}
}

static void message_json(jbuf_t *b, const ProtobufCMessage *msg)
{
	const ProtobufCMessageDescriptor *desc = msg->descriptor;
	int first = 1;

	jb_putc(b, '{');
	for (unsigned i = 0; i < desc->n_fields; i++)
		field_json(b, msg, &desc->fields[i], &first);
	jb_putc(b, '}');
}

/* finish - the text of b as a C string, or NULL (b freed) on out of
 * memory. */
static char *finish(jbuf_t *b)
{
	jb_putc(b, '\0');
	if (b->oom) {
		free(b->p);
		return NULL;
	}
	return b->p;
}

char *va_json_message(const ProtobufCMessage *msg)
{
	jbuf_t b = {0};

	if (msg == NULL)
		return NULL;
	message_json(&b, msg);
	return finish(&b);
}

char *va_json_event(const va_event_t *ev)
{
	const ProtobufCFieldDescriptor *f = NULL;
	jbuf_t b = {0};
	char type[128];

	if (ev == NULL)
		return NULL;
	if (ev->payload_case != VETALLIANCE__V1__EVENT__PAYLOAD__NOT_SET)
		f = protobuf_c_message_descriptor_get_field(ev->base.descriptor,
							    (unsigned)ev->payload_case);
	if (jb_reserve(&b, 512) < 0)
		return NULL;
	JB_LIT(&b, "{\"seq\":");
	u64_json(&b, ev->seq);
	JB_LIT(&b, ",\"type\":");
	if (va_event_type(ev, type, sizeof type) == 0)
		string_json(&b, type);
	else
		JB_LIT(&b, "null");
	JB_LIT(&b, ",\"time\":");
	time_json(&b, ev->time_ms);
	JB_LIT(&b, ",\"time_ms\":");
	jb_i64(&b, ev->time_ms);
	JB_LIT(&b, ",\"actor\":");
	string_json(&b, ev->actor);
	JB_LIT(&b, ",\"request_id\":");
	string_json(&b, ev->request_id);
	JB_LIT(&b, ",\"payload\":");
	if (f != NULL)
		value_json(&b, f, (const char *)ev + f->offset);
	else
		JB_LIT(&b, "null");
	jb_putc(&b, '}');
	return finish(&b);
}
