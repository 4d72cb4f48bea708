/*
 * The fast path for centre events in daemon/codec.c: codec_event_decode
 * (fast path first) must give what codec_event_decode_generic (protobuf-c
 * only) gives, for packed centre events of every simple shape, for
 * hand-built bytes the fast path must leave to protobuf-c (other order,
 * unknown fields, repeated fields, contacts, odd varints, NUL bytes,
 * invalid UTF-8, two payloads), for truncated and damaged bytes, and the
 * same refusal where protobuf-c refuses.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "state/model.h"

/* ------------------------------------------------------------ helpers */

/* A deterministic generator (xorshift64*): the same events every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static size_t rng_below(size_t n)
{
	return (size_t)(rng() % n);
}

static void strs_equal(const char *what, const char *a, const char *b)
{
	cr_assert_not_null(a, "%s: NULL from the fast path", what);
	cr_assert_not_null(b, "%s: NULL from protobuf-c", what);
	cr_assert_str_eq(a, b, "%s differs", what);
}

static void strlists_equal(const char *what, const strlist_t *a, const strlist_t *b)
{
	cr_assert_eq(a->n, b->n, "%s: %zu entries, protobuf-c %zu", what, a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		strs_equal(what, a->v[i], b->v[i]);
}

static void centres_equal(const centre_t *a, const centre_t *b)
{
	const centre_more_t *ma = centre_more(a), *mb = centre_more(b);

	strs_equal("id", a->id, b->id);
	strs_equal("name", a->name, b->name);
	cr_assert_eq((long long)a->kind, (long long)b->kind, "kind");
	strs_equal("partner", a->partner, b->partner);
	strs_equal("country", a->country, b->country);
	strs_equal("region", a->region, b->region);
	strlists_equal("sectors", &a->sectors, &b->sectors);
	cr_assert_eq(a->registered_ms, b->registered_ms, "registered_ms");
	cr_assert_eq(a->updated_ms, b->updated_ms, "updated_ms");
	cr_assert_eq(a->more == NULL, b->more == NULL, "more: one NULL, one not");
	strs_equal("province", ma->province ? ma->province : "", mb->province ? mb->province : "");
	cr_assert_eq(memcmp(ma->facts, mb->facts, sizeof ma->facts), 0, "facts");
	cr_assert_eq(ma->hours_known, mb->hours_known, "teacher_hours_known");
	cr_assert_eq(ma->teacher_hours, mb->teacher_hours, "teacher_hours");
	cr_assert_eq(ma->n_contacts, mb->n_contacts, "contacts");
	for (size_t i = 0; i < ma->n_contacts; i++) {
		cr_assert_eq(ma->contacts[i].role, mb->contacts[i].role, "contact role");
		strs_equal("contact name", ma->contacts[i].name, mb->contacts[i].name);
		strlists_equal("contact channels", &ma->contacts[i].channels,
			       &mb->contacts[i].channels);
	}
}

/* Every field of two decoded events, sector by sector. */
static void events_equal(const event_t *a, const event_t *b)
{
	cr_assert_eq(a->seq, b->seq, "seq %llu, protobuf-c %llu", (unsigned long long)a->seq,
		     (unsigned long long)b->seq);
	cr_assert_eq(a->time_ms, b->time_ms, "time_ms");
	strs_equal("actor", a->actor, b->actor);
	strs_equal("request_id", a->request_id, b->request_id);
	cr_assert_eq(a->type, b->type, "type %d, protobuf-c %d", (int)a->type, (int)b->type);
	if (a->type == EV_CENTRE_REGISTERED || a->type == EV_CENTRE_UPDATED)
		centres_equal(&a->u.centre, &b->u.centre);
}

/* Decodes buf both ways and checks that the outcomes are the same.
 * Returns the return code, with *out the event when it is 0 (the caller
 * releases it). */
static int decode_both(const void *buf, size_t len, event_t *out)
{
	event_t generic;
	char err[256], gerr[256];
	int rc, grc;

	memset(out, 0xA5, sizeof *out); /* the fast path must set every field */
	err[0] = gerr[0] = '\0';
	rc = codec_event_decode(buf, len, out, err, sizeof err);
	grc = codec_event_decode_generic(buf, len, &generic, gerr, sizeof gerr);
	cr_assert_eq(rc, grc, "return %d, protobuf-c %d (%s)", rc, grc, gerr);
	if (rc < 0) {
		cr_assert_str_eq(err, gerr, "another refusal message");
		return rc;
	}
	events_equal(out, &generic);
	event_release(&generic);
	return rc;
}

static void decode_both_release(const void *buf, size_t len)
{
	event_t ev;

	if (decode_both(buf, len, &ev) == 0)
		event_release(&ev);
}

static size_t pack(const event_t *ev, uint8_t **buf)
{
	char topic[64];
	size_t len = codec_event_pack(ev, buf, topic, sizeof topic);

	cr_assert_gt(len, 0, "the event does not pack");
	return len;
}

/* ---------------------------------------------- random centre events */

#define TEXT_MAX 1600

/* Pieces of text: ASCII and multi-byte UTF-8 (2, 3 and 4 bytes). */
static const char *const pieces[] = {"a",      "Z",   "0",    "-",     " ",      "León",
				     "Zürich", "ñ",   "Łódź", "東京",  "\u20ac", "😀",
				     "Ávila",  "x_y", "CE",   "Porto", "Braşov", "Ελλάδα"};

/* Random text of up to `max` bytes in buf; empty one time in four. */
static char *text(char *buf, size_t max)
{
	size_t len = 0, want = rng_below(4) == 0 ? 0 : rng_below(max);

	buf[0] = '\0';
	while (len < want) {
		const char *p = pieces[rng_below(sizeof pieces / sizeof pieces[0])];
		size_t n = strlen(p);
		if (len + n >= max)
			break;
		memcpy(buf + len, p, n + 1);
		len += n;
	}
	return buf;
}

static int64_t random_time(void)
{
	static const int64_t edges[] = {0, 1, -1, INT64_MIN, INT64_MAX, 1700000000000LL};

	switch (rng_below(3)) {
	case 0:
		return edges[rng_below(sizeof edges / sizeof edges[0])];
	case 1:
		return (int64_t)(rng() % 4000000000000ULL);
	default:
		return (int64_t)rng();
	}
}

static centre_kind_t random_kind(void)
{
	static const int32_t odd[] = {6, 99, -1, INT32_MAX, INT32_MIN, 1 << 20};

	if (rng_below(4) == 0)
		return (centre_kind_t)odd[rng_below(sizeof odd / sizeof odd[0])];
	return (centre_kind_t)rng_below(CENTRE_KIND_MAX + 1);
}

typedef struct random_event {
	event_t ev;
	char actor[64], request_id[64], id[64], name[TEXT_MAX], partner[64], country[16],
	    region[TEXT_MAX];
	char sector_text[CODEC_LIST_MAX + 8][24];
	char *sectors[CODEC_LIST_MAX + 8];
	centre_more_t more;
	centre_contact_t contacts[3];
	char contact_name[3][32], channel_text[3][2][32], province[32];
	char *channels[3][2];
} random_event_t;

/* Contacts, facts, a province and hours, each or all at random. */
static void random_more(random_event_t *r)
{
	centre_more_t *m = &r->more;

	memset(m, 0, sizeof *m);
	m->n_contacts = (uint16_t)rng_below(4);
	for (size_t i = 0; i < m->n_contacts; i++) {
		centre_contact_t *k = &r->contacts[i];
		k->role = (contact_role_t)(rng_below(8) == 0 ? -1 : (int)rng_below(4));
		k->name = text(r->contact_name[i], sizeof r->contact_name[i]);
		k->channels.n = rng_below(3);
		for (size_t j = 0; j < k->channels.n; j++)
			r->channels[i][j] =
			    text(r->channel_text[i][j], sizeof r->channel_text[i][j]);
		k->channels.v = k->channels.n ? r->channels[i] : NULL;
	}
	m->contacts = m->n_contacts ? r->contacts : NULL;
	for (size_t i = 0; i < CENTRE_FACTS; i++)
		m->facts[i] = (uint8_t)(rng_below(2) ? 0 : rng_below(4));
	m->province = rng_below(3) ? NULL : text(r->province, sizeof r->province);
	m->hours_known = rng_below(2);
	m->teacher_hours = (uint8_t)(rng_below(2) ? rng_below(41) : rng_below(256));
	r->ev.u.centre.more = m;
}

/* A centre event with random content; now and then one with long text
 * or more sectors than the fast path takes. */
static void random_event(random_event_t *r)
{
	centre_t *c = &r->ev.u.centre;
	size_t long_text = rng_below(50) == 0 ? TEXT_MAX : 48;
	size_t n_sectors = rng_below(10) == 0 ? rng_below(CODEC_LIST_MAX + 8) : rng_below(5);

	memset(&r->ev, 0, sizeof r->ev);
	r->ev.seq = rng_below(8) == 0 ? UINT64_MAX - rng_below(3) : rng_below(1u << 30);
	r->ev.time_ms = random_time();
	r->ev.actor = text(r->actor, sizeof r->actor);
	r->ev.request_id = text(r->request_id, sizeof r->request_id);
	r->ev.type = rng_below(2) ? EV_CENTRE_REGISTERED : EV_CENTRE_UPDATED;
	c->id = text(r->id, sizeof r->id);
	c->name = text(r->name, long_text);
	c->kind = random_kind();
	c->partner = text(r->partner, sizeof r->partner);
	c->country = text(r->country, sizeof r->country);
	c->region = text(r->region, long_text);
	for (size_t i = 0; i < n_sectors; i++)
		r->sectors[i] = text(r->sector_text[i], sizeof r->sector_text[i]);
	c->sectors.v = n_sectors ? r->sectors : NULL;
	c->sectors.n = n_sectors;
	c->registered_ms = random_time();
	c->updated_ms = random_time();
	if (rng_below(8) == 0)
		random_more(r);
}

Test(codec_fast, random_centre_events_decode_as_protobuf_c_does)
{
	random_event_t *r = malloc(sizeof *r);

	cr_assert_not_null(r);
	for (int i = 0; i < 4000; i++) {
		uint8_t *buf = NULL;
		size_t len;
		event_t out;

		random_event(r);
		len = pack(&r->ev, &buf);
		cr_assert_eq(decode_both(buf, len, &out), 0, "event %d does not decode", i);
		/* And both are the event that was packed. */
		events_equal(&out, &r->ev);
		event_release(&out);
		free(buf);
	}
	free(r);
}

/* Centre events are packed without protobuf-c: the same bytes and the
 * same topic as protobuf-c gives, for every shape, contacts and facts
 * included. */
Test(codec_fast, random_centre_events_pack_as_protobuf_c_does)
{
	random_event_t *r = malloc(sizeof *r);

	cr_assert_not_null(r);
	for (int i = 0; i < 4000; i++) {
		uint8_t *buf = NULL, *gbuf = NULL;
		char topic[64], gtopic[64];
		size_t len, glen;

		random_event(r);
		if (i % 2 == 0)
			random_more(r);
		len = codec_event_pack(&r->ev, &buf, topic, sizeof topic);
		glen = codec_event_pack_generic(&r->ev, &gbuf, gtopic, sizeof gtopic);
		cr_assert_gt(glen, 0, "event %d: protobuf-c does not pack it", i);
		cr_assert_eq(len, glen, "event %d: %zu bytes, protobuf-c %zu", i, len, glen);
		cr_assert_eq(memcmp(buf, gbuf, len), 0, "event %d: other bytes than protobuf-c's",
			     i);
		cr_assert_str_eq(topic, gtopic);
		free(buf);
		free(gbuf);
	}
	free(r);
}

Test(codec_fast, a_centre_event_packs_only_into_a_topic_that_fits)
{
	event_t ev = {.seq = 1, .type = EV_CENTRE_UPDATED, .u.centre = {.id = "CECOA"}};
	uint8_t *buf = (uint8_t *)"untouched";
	char topic[64];

	cr_assert_eq(codec_event_pack(&ev, &buf, topic, 14), 0, "\"centre.updated\" needs 15");
	cr_assert_null(buf);
	cr_assert_gt(codec_event_pack(&ev, &buf, topic, 15), 0);
	cr_assert_str_eq(topic, "centre.updated");
	free(buf);
}

/* Random damage to packed events: flipped, dropped and inserted bytes. */
Test(codec_fast, damaged_events_decode_as_protobuf_c_does)
{
	random_event_t *r = malloc(sizeof *r);

	cr_assert_not_null(r);
	for (int i = 0; i < 3000; i++) {
		uint8_t *buf = NULL, *bad;
		size_t len, at;

		random_event(r);
		len = pack(&r->ev, &buf);
		bad = malloc(len + 1);
		cr_assert_not_null(bad);
		memcpy(bad, buf, len);
		at = rng_below(len);
		switch (rng_below(3)) {
		case 0:
			bad[at] ^= (uint8_t)(1u << rng_below(8));
			break;
		case 1:
			memmove(bad + at, bad + at + 1, len - at - 1);
			len--;
			break;
		default:
			memmove(bad + at + 1, bad + at, len - at);
			bad[at] = (uint8_t)rng();
			len++;
			break;
		}
		decode_both_release(bad, len);
		free(bad);
		free(buf);
	}
	free(r);
}

/* ---------------------------------------------------- hand-built bytes */

typedef struct wire {
	uint8_t b[1024];
	size_t n;
} wire_t;

static void put_varint(wire_t *w, uint64_t v)
{
	cr_assert_leq(w->n + 10, sizeof w->b);
	w->n += codec_varint_put(w->b + w->n, v);
}

static void put_raw(wire_t *w, const void *p, size_t n)
{
	cr_assert_leq(w->n + n, sizeof w->b);
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void put_uint(wire_t *w, unsigned field, uint64_t v)
{
	put_varint(w, (uint64_t)field << 3);
	put_varint(w, v);
}

static void put_bytes(wire_t *w, unsigned field, const void *p, size_t n)
{
	put_varint(w, (uint64_t)field << 3 | 2);
	put_varint(w, n);
	put_raw(w, p, n);
}

static void put_str(wire_t *w, unsigned field, const char *s)
{
	put_bytes(w, field, s, strlen(s));
}

static void put_msg(wire_t *w, unsigned field, const wire_t *sub)
{
	put_bytes(w, field, sub->b, sub->n);
}

/* A Centre of the simple shape, in field order. */
static void simple_centre(wire_t *c)
{
	c->n = 0;
	put_str(c, 1, "CECOA");
	put_str(c, 2, "Centro León");
	put_uint(c, 3, 1);
	put_str(c, 4, "CYL");
	put_str(c, 5, "ES");
	put_str(c, 6, "León");
	put_str(c, 7, "commerce");
	put_str(c, 7, "it");
	put_uint(c, 8, 1700000000000);
	put_uint(c, 9, 1700000000001);
}

/* The Event fields before the payload. */
static void event_head(wire_t *e)
{
	e->n = 0;
	put_uint(e, 1, 42);
	put_uint(e, 2, 1700000000000);
	put_str(e, 3, "cecoa");
	put_str(e, 4, "req-1");
}

/* An Event of the head and a centre_registered of c. */
static void centre_event(wire_t *e, const wire_t *c)
{
	event_head(e);
	put_msg(e, 20, c);
}

static void check(const wire_t *w)
{
	decode_both_release(w->b, w->n);
}

/* Decodes w both ways; both must accept it, and *out is the event. */
static void check_ok(const wire_t *w, event_t *out)
{
	cr_assert_eq(decode_both(w->b, w->n, out), 0, "protobuf-c refuses the bytes");
}

Test(codec_fast, simple_shape)
{
	wire_t c, e;
	event_t ev;

	simple_centre(&c);
	event_head(&e);
	put_msg(&e, 21, &c);
	check_ok(&e, &ev);
	cr_assert_eq(ev.type, EV_CENTRE_UPDATED);
	cr_assert_eq(ev.seq, 42);
	event_release(&ev);
	/* ... and it is the fast path that reads it. */
	cr_assert_eq(codec_event_decode_fast(e.b, e.n, &ev), 1, "the fast path stepped aside");
	cr_assert_str_eq(ev.u.centre.region, "León");
	cr_assert_eq(ev.u.centre.sectors.n, 2);
	cr_assert_str_eq(ev.u.centre.sectors.v[1], "it");
	cr_assert_null(ev.u.centre.more);
	event_release(&ev);

	/* Only a payload, an empty Centre: everything empty. */
	e.n = 0;
	c.n = 0;
	put_msg(&e, 20, &c);
	check_ok(&e, &ev);
	cr_assert_eq(ev.type, EV_CENTRE_REGISTERED);
	cr_assert_str_eq(ev.actor, "");
	cr_assert_str_eq(ev.u.centre.id, "");
	cr_assert_eq(ev.u.centre.sectors.n, 0);
	event_release(&ev);
}

Test(codec_fast, fields_out_of_order)
{
	wire_t c, e;

	c.n = 0;
	put_uint(&c, 9, 7);
	put_str(&c, 7, "it");
	put_str(&c, 6, "Norte");
	put_uint(&c, 3, 2);
	put_str(&c, 7, "commerce");
	put_str(&c, 1, "ATEC");
	put_str(&c, 2, "Academia");
	e.n = 0;
	put_msg(&e, 20, &c);
	put_str(&e, 4, "req-2");
	put_uint(&e, 1, 9);
	put_str(&e, 3, "iefp");
	put_uint(&e, 2, 5);
	check(&e);
}

Test(codec_fast, unknown_fields)
{
	wire_t c, e;
	event_t ev;

	/* In the Centre: a varint field, and a bytes field. */
	simple_centre(&c);
	put_uint(&c, 30, 1);
	put_str(&c, 99, "later");
	centre_event(&e, &c);
	check_ok(&e, &ev);
	cr_assert_str_eq(ev.u.centre.name, "Centro León");
	event_release(&ev);

	/* In the Event, after the payload. */
	simple_centre(&c);
	centre_event(&e, &c);
	put_uint(&e, 5, 3);
	check_ok(&e, &ev);
	event_release(&ev);
}

Test(codec_fast, repeated_singular_fields)
{
	wire_t c, e;
	event_t ev;

	/* protobuf-c keeps the last name. */
	simple_centre(&c);
	put_str(&c, 2, "Second name");
	centre_event(&e, &c);
	check_ok(&e, &ev);
	cr_assert_str_eq(ev.u.centre.name, "Second name");
	event_release(&ev);

	simple_centre(&c);
	put_uint(&c, 3, 4);
	centre_event(&e, &c);
	check_ok(&e, &ev);
	cr_assert_eq(ev.u.centre.kind, CENTRE_KIND_CLUSTER);
	event_release(&ev);

	simple_centre(&c);
	event_head(&e);
	put_str(&e, 3, "other-actor");
	put_uint(&e, 1, 43);
	put_msg(&e, 20, &c);
	check_ok(&e, &ev);
	cr_assert_str_eq(ev.actor, "other-actor");
	cr_assert_eq(ev.seq, 43);
	event_release(&ev);
}

Test(codec_fast, two_payloads)
{
	wire_t c1, c2, e;
	event_t ev;

	simple_centre(&c1);
	c2.n = 0;
	put_str(&c2, 1, "SBHC");
	event_head(&e);
	put_msg(&e, 20, &c1);
	put_msg(&e, 21, &c2);
	check_ok(&e, &ev);
	cr_assert_eq(ev.type, EV_CENTRE_UPDATED); /* the last one of the oneof */
	event_release(&ev);

	/* The same field twice: protobuf-c keeps the last. */
	event_head(&e);
	put_msg(&e, 21, &c1);
	put_msg(&e, 21, &c2);
	check(&e);

	/* A payload and a sector_defined (field 30). */
	event_head(&e);
	put_msg(&e, 20, &c1);
	put_msg(&e, 30, &c2);
	check(&e);
}

Test(codec_fast, contacts_and_facts)
{
	char *channels[] = {"email:a@b.es", "teams"};
	char *sectors[] = {"commerce"};
	centre_contact_t contact = {
	    .role = CONTACT_ROLE_COORDINATOR, .name = "Ana", .channels = {.v = channels, .n = 2}};
	centre_more_t more = {.contacts = &contact, .n_contacts = 1, .province = ""};
	event_t ev = {.seq = 3,
		      .time_ms = 1700000000000,
		      .actor = "cecoa",
		      .request_id = "r",
		      .type = EV_CENTRE_REGISTERED};
	event_t back;
	uint8_t *buf = NULL;
	size_t len;

	ev.u.centre = (centre_t){.id = "CECOA",
				 .name = "Centro",
				 .kind = CENTRE_KIND_VET_CENTRE,
				 .partner = "CYL",
				 .country = "ES",
				 .region = "",
				 .sectors = {.v = sectors, .n = 1},
				 .more = &more};
	len = pack(&ev, &buf);
	memset(&back, 0xa5, sizeof back);
	cr_assert_eq(codec_event_decode_fast(buf, len, &back), 0,
		     "contacts are the generic path's");
	cr_assert_eq(back.seq, 0xa5a5a5a5a5a5a5a5ULL, "the fast path wrote into *out");
	cr_assert_eq(decode_both(buf, len, &back), 0);
	cr_assert_not_null(back.u.centre.more);
	cr_assert_eq(back.u.centre.more->n_contacts, 1);
	cr_assert_str_eq(back.u.centre.more->contacts[0].channels.v[1], "teams");
	event_release(&back);
	free(buf);

	/* A fact and no contact. */
	more = (centre_more_t){.province = "León", .hours_known = true, .teacher_hours = 4};
	more.facts[CENTRE_FACT_SENDS] = FACT_YES;
	len = pack(&ev, &buf);
	cr_assert_eq(decode_both(buf, len, &back), 0);
	cr_assert_not_null(back.u.centre.more);
	cr_assert_str_eq(back.u.centre.more->province, "León");
	event_release(&back);
	free(buf);
}

Test(codec_fast, truncated_bytes_are_refused_alike)
{
	wire_t c, e;
	event_t ev;

	simple_centre(&c);
	centre_event(&e, &c);
	for (size_t n = 0; n < e.n; n++)
		cr_assert_lt(decode_both(e.b, n, &ev), 0, "%zu of %zu bytes decode", n, e.n);
}

Test(codec_fast, varints)
{
	static const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
					 0x80, 0x80, 0x80, 0x80, 0x01};
	static const uint8_t padded[] = {0xAA, 0x80, 0x00}; /* 42, not minimal */
	static const uint8_t wide[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
				       0xFF, 0xFF, 0xFF, 0xFF, 0x7F}; /* past 64 bits */
	wire_t c, e;
	event_t ev;

	simple_centre(&c);

	/* Longer than 10 bytes: protobuf-c refuses. */
	e.n = 0;
	put_varint(&e, 1 << 3);
	put_raw(&e, eleven, sizeof eleven);
	put_msg(&e, 20, &c);
	cr_assert_lt(decode_both(e.b, e.n, &ev), 0);

	/* Padded with a zero byte: the same value. */
	e.n = 0;
	put_varint(&e, 1 << 3);
	put_raw(&e, padded, sizeof padded);
	put_msg(&e, 20, &c);
	check_ok(&e, &ev);
	cr_assert_eq(ev.seq, 42);
	event_release(&ev);

	/* Ten bytes with bits past 64: protobuf-c drops them. */
	e.n = 0;
	put_varint(&e, 2 << 3);
	put_raw(&e, wide, sizeof wide);
	put_msg(&e, 20, &c);
	check_ok(&e, &ev);
	event_release(&ev);

	/* A padded tag; a padded length. */
	e.n = 0;
	put_raw(&e, (const uint8_t[]){0x88, 0x00, 0x05}, 3); /* seq 5 */
	put_msg(&e, 20, &c);
	check(&e);
	e.n = 0;
	put_varint(&e, 20 << 3 | 2);
	put_raw(&e, (const uint8_t[]){(uint8_t)(c.n | 0x80), 0x00}, 2);
	put_raw(&e, c.b, c.n);
	check(&e);

	/* Negative and huge kinds, times below zero. */
	c.n = 0;
	put_uint(&c, 3, (uint64_t)-1);
	put_uint(&c, 8, (uint64_t)INT64_MIN);
	put_uint(&c, 9, (uint64_t)-2);
	centre_event(&e, &c);
	check_ok(&e, &ev);
	cr_assert_eq((int)ev.u.centre.kind, -1);
	cr_assert_eq(ev.u.centre.registered_ms, INT64_MIN);
	cr_assert_eq(ev.u.centre.updated_ms, -2);
	event_release(&ev);
	c.n = 0;
	put_uint(&c, 3, 0x1234567890ULL); /* low 32 bits: 0x34567890 */
	centre_event(&e, &c);
	check_ok(&e, &ev);
	cr_assert_eq((int)ev.u.centre.kind, 0x34567890);
	event_release(&ev);
}

Test(codec_fast, wrong_wire_types)
{
	wire_t c, e;

	simple_centre(&c);
	e.n = 0;
	put_bytes(&e, 1, "x", 1); /* seq as bytes */
	put_msg(&e, 20, &c);
	check(&e);

	c.n = 0;
	put_uint(&c, 2, 5); /* name as a varint */
	centre_event(&e, &c);
	check(&e);

	c.n = 0;
	put_str(&c, 3, "x"); /* kind as bytes (a packed enum) */
	centre_event(&e, &c);
	check(&e);

	simple_centre(&c);
	event_head(&e);
	put_uint(&e, 20, 1); /* the payload as a varint */
	check(&e);
}

Test(codec_fast, strings_with_a_nul_byte)
{
	wire_t c, e;
	event_t ev;

	simple_centre(&c);
	put_bytes(&c, 2, "ab\0cd", 5);
	event_head(&e);
	put_bytes(&e, 3, "ac\0tor", 6);
	put_msg(&e, 20, &c);
	check_ok(&e, &ev);
	/* protobuf-c copies the bytes; the C string ends at the NUL. */
	cr_assert_str_eq(ev.u.centre.name, "ab");
	cr_assert_str_eq(ev.actor, "ac");
	event_release(&ev);
}

Test(codec_fast, invalid_utf8)
{
	static const char bad[] = "\xff\xfe\xc0\x80 \xed\xa0\x80";
	wire_t c, e;
	event_t ev;

	c.n = 0;
	put_str(&c, 1, "X");
	put_str(&c, 2, bad);
	put_str(&c, 7, "\x80");
	centre_event(&e, &c);
	/* protobuf-c 1.4.1 does not check UTF-8 when it unpacks: the bytes
	 * come through as they are, on both paths. */
	check_ok(&e, &ev);
	cr_assert_str_eq(ev.u.centre.name, bad);
	cr_assert_str_eq(ev.u.centre.sectors.v[0], "\x80");
	event_release(&ev);
}

Test(codec_fast, bytes_that_are_no_event)
{
	static const uint8_t junk[] = {0x00, 0x01, 0x02};
	wire_t c, e;
	event_t ev;

	cr_assert_lt(decode_both(junk, 0, &ev), 0);
	cr_assert_lt(decode_both(junk, sizeof junk, &ev), 0);
	event_head(&e); /* no payload */
	cr_assert_lt(decode_both(e.b, e.n, &ev), 0);

	/* A payload length past the end of the Event. */
	simple_centre(&c);
	event_head(&e);
	put_varint(&e, 20 << 3 | 2);
	put_varint(&e, c.n + 1);
	put_raw(&e, c.b, c.n);
	cr_assert_lt(decode_both(e.b, e.n, &ev), 0);

	/* A string length past the end of the Centre, within the Event. */
	c.n = 0;
	put_varint(&c, 2 << 3 | 2);
	put_varint(&c, 4);
	put_raw(&c, "ab", 2);
	centre_event(&e, &c);
	put_str(&e, 5, "tail");
	cr_assert_lt(decode_both(e.b, e.n, &ev), 0);
}
