/*
 * test_json.c - the generic JSON printer of clients/lib/json.c.
 *
 * Every test prints through va_json_message() or va_json_event() and
 * parses the text back with jansson, so the assertions are about the JSON a
 * script would see, not about the exact spelling of the text.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include <vetalliance/json.h>

/* 2026-03-01T09:30:00.123Z */
#define T_MS 1772357400123LL

static const ProtobufCEnumDescriptor *const kinds = &vetalliance__v1__centre_kind__descriptor;
static const ProtobufCEnumDescriptor *const statuses = &vetalliance__v1__status__descriptor;

/* parse - the JSON text of msg, parsed; fails the test if it is not an
 * object on one line. */
static json_t *parse(char *text)
{
	json_error_t error;
	json_t *j;

	cr_assert_not_null(text, "the printer returned NULL");
	cr_assert_null(strchr(text, '\n'), "the JSON spans lines: %s", text);
	j = json_loads(text, 0, &error);
	cr_assert_not_null(j, "not JSON (%s): %s", error.text, text);
	cr_assert(json_is_object(j), "not an object: %s", text);
	free(text);
	return j;
}

static const char *str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	cr_assert(json_is_string(v), "'%s' is not a string", key);
	return json_string_value(v);
}

static json_int_t num(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	cr_assert(json_is_integer(v), "'%s' is not an integer", key);
	return json_integer_value(v);
}

Test(json, enum_slug_of_each_value)
{
	char buf[64];

	cr_assert_str_eq(va_enum_slug(kinds, VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE,
				      buf, sizeof buf),
			 "vet-centre");
	cr_assert_str_eq(va_enum_slug(kinds,
				      VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_TRAINING_ACADEMY,
				      buf, sizeof buf),
			 "training-academy");
	cr_assert_str_eq(va_enum_slug(kinds, 0, buf, sizeof buf), "unspecified");
	cr_assert_str_eq(
	    va_enum_slug(statuses, VETALLIANCE__V1__STATUS__STATUS_NOT_FOUND, buf, sizeof buf),
	    "not-found");
	cr_assert_str_eq(
	    va_enum_slug(statuses, VETALLIANCE__V1__STATUS__STATUS_OK, buf, sizeof buf), "ok");
}

Test(json, enum_slug_refuses_unknown_value_and_small_buffer)
{
	char buf[64];

	cr_assert_null(va_enum_slug(kinds, 42, buf, sizeof buf));
	cr_assert_null(va_enum_slug(kinds, -1, buf, sizeof buf));
	/* "vet-centre" needs 11 bytes */
	cr_assert_null(va_enum_slug(kinds, 1, buf, 10));
	cr_assert_not_null(va_enum_slug(kinds, 1, buf, 11));
}

Test(json, enum_from_slug)
{
	int v = -1;

	cr_assert_eq(va_enum_from_slug(kinds, "training-academy", &v), 0);
	cr_assert_eq(v, VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_TRAINING_ACADEMY);
	cr_assert_eq(va_enum_from_slug(statuses, "rule-violation", &v), 0);
	cr_assert_eq(v, VETALLIANCE__V1__STATUS__STATUS_RULE_VIOLATION);
	/* users may type the enum's own spelling */
	cr_assert_eq(va_enum_from_slug(kinds, "VET_CENTRE", &v), 0);
	cr_assert_eq(v, VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE);
}

Test(json, enum_from_slug_refuses_unknown_slug)
{
	int v = 77;

	cr_assert_eq(va_enum_from_slug(kinds, "university", &v), -VA_INVALID_ARGUMENT);
	cr_assert_eq(va_enum_from_slug(kinds, "", &v), -VA_INVALID_ARGUMENT);
	cr_assert_eq(va_enum_from_slug(kinds, "vet-centre-x", &v), -VA_INVALID_ARGUMENT);
	cr_assert_eq(va_enum_from_slug(kinds, "vet", &v), -VA_INVALID_ARGUMENT);
	/* the prefix is not part of the slug */
	cr_assert_eq(va_enum_from_slug(kinds, "centre-kind-vet-centre", &v), -VA_INVALID_ARGUMENT);
	cr_assert_eq(v, 77, "a refused slug changed the value");
}

Test(json, enum_slugs_round_trip)
{
	const ProtobufCEnumDescriptor *descs[] = {kinds, statuses};

	for (size_t d = 0; d < 2; d++) {
		for (unsigned i = 0; i < descs[d]->n_values; i++) {
			int want = descs[d]->values[i].value;
			char buf[64];
			int got = -1;

			cr_assert_not_null(va_enum_slug(descs[d], want, buf, sizeof buf));
			cr_assert_eq(va_enum_from_slug(descs[d], buf, &got), 0, "slug '%s'", buf);
			cr_assert_eq(got, want, "slug '%s'", buf);
		}
	}
}

Test(json, centre_with_sectors_and_times)
{
	Vetalliance__V1__Centre c = VETALLIANCE__V1__CENTRE__INIT;
	char *sectors[] = {"mechatronics", "logistics"};
	json_t *j, *arr;

	c.id = "CECOA";
	c.name = "CECOA Madrid";
	c.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_COMPANY;
	c.partner = "MAD";
	c.country = "ES";
	c.sectors = sectors;
	c.n_sectors = 2;
	c.registered_ms = T_MS;

	j = parse(va_json_message(&c.base));
	cr_assert_str_eq(str(j, "id"), "CECOA");
	cr_assert_str_eq(str(j, "name"), "CECOA Madrid");
	cr_assert_str_eq(str(j, "kind"), "company");
	cr_assert_str_eq(str(j, "partner"), "MAD");
	/* proto3 defaults are printed */
	cr_assert_str_eq(str(j, "region"), "");
	arr = json_object_get(j, "sectors");
	cr_assert(json_is_array(arr));
	cr_assert_eq(json_array_size(arr), 2);
	cr_assert_str_eq(json_string_value(json_array_get(arr, 0)), "mechatronics");
	cr_assert_str_eq(json_string_value(json_array_get(arr, 1)), "logistics");
	cr_assert_eq(num(j, "registered_ms"), T_MS);
	cr_assert_str_eq(str(j, "registered_at"), "2026-03-01T09:30:00.123Z");
	cr_assert_eq(num(j, "updated_ms"), 0);
	cr_assert(json_is_null(json_object_get(j, "updated_at")), "unset time is not null");
	json_decref(j);
}

Test(json, empty_repeated_is_an_empty_array)
{
	Vetalliance__V1__Centre c = VETALLIANCE__V1__CENTRE__INIT;
	json_t *j = parse(va_json_message(&c.base));
	json_t *arr = json_object_get(j, "sectors");

	cr_assert(json_is_array(arr));
	cr_assert_eq(json_array_size(arr), 0);
	cr_assert_str_eq(str(j, "kind"), "unspecified");
	json_decref(j);
}

Test(json, unknown_enum_value_prints_as_number)
{
	Vetalliance__V1__Centre c = VETALLIANCE__V1__CENTRE__INIT;
	json_t *j;

	c.kind = (Vetalliance__V1__CentreKind)42;
	j = parse(va_json_message(&c.base));
	cr_assert_eq(num(j, "kind"), 42);
	json_decref(j);
}

Test(json, reply_prints_only_the_set_oneof_member)
{
	Vetalliance__V1__Reply r = VETALLIANCE__V1__REPLY__INIT;
	Vetalliance__V1__CentreListResult list = VETALLIANCE__V1__CENTRE_LIST_RESULT__INIT;
	Vetalliance__V1__Centre a = VETALLIANCE__V1__CENTRE__INIT;
	Vetalliance__V1__Centre b = VETALLIANCE__V1__CENTRE__INIT;
	Vetalliance__V1__Centre *centres[] = {&a, &b};
	json_t *j, *res, *arr;

	a.id = "A";
	b.id = "B";
	b.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_CLUSTER;
	list.centres = centres;
	list.n_centres = 2;
	r.request_id = "r-1";
	r.seq = 57;
	r.result_case = VETALLIANCE__V1__REPLY__RESULT_CENTRES;
	r.centres = &list;

	j = parse(va_json_message(&r.base));
	cr_assert_str_eq(str(j, "request_id"), "r-1");
	cr_assert_str_eq(str(j, "status"), "ok");
	cr_assert_str_eq(str(j, "message"), "");
	cr_assert_eq(num(j, "seq"), 57);
	for (const char *const *k = (const char *const[]){"partner", "partners", "centre",
							  "sectors", "interests", NULL};
	     *k != NULL; k++)
		cr_assert_null(json_object_get(j, *k), "unset oneof member '%s' printed", *k);
	res = json_object_get(j, "centres");
	cr_assert(json_is_object(res));
	arr = json_object_get(res, "centres");
	cr_assert_eq(json_array_size(arr), 2);
	cr_assert_str_eq(str(json_array_get(arr, 0), "id"), "A");
	cr_assert_str_eq(str(json_array_get(arr, 1), "kind"), "cluster");
	json_decref(j);
}

Test(json, refusal_reply_has_status_slug_and_no_result)
{
	Vetalliance__V1__Reply r = VETALLIANCE__V1__REPLY__INIT;
	json_t *j;

	r.request_id = "r-2";
	r.status = VETALLIANCE__V1__STATUS__STATUS_FAILED_PRECONDITION;
	r.message = "centre 'X' is closed";
	/* a stale pointer in an unset oneof member must not be followed */
	r.centre = (Vetalliance__V1__Centre *)(uintptr_t)0x1;

	j = parse(va_json_message(&r.base));
	cr_assert_str_eq(str(j, "status"), "failed-precondition");
	cr_assert_str_eq(str(j, "message"), "centre 'X' is closed");
	cr_assert_eq(json_object_size(j), 4, "a result member was printed");
	json_decref(j);
}

Test(json, request_with_update_mask)
{
	Vetalliance__V1__Request req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__PartnerUpdate u = VETALLIANCE__V1__PARTNER_UPDATE__INIT;
	Vetalliance__V1__Partner p = VETALLIANCE__V1__PARTNER__INIT;
	char *mask[] = {"name", "time_zone"};
	json_t *j, *body;

	p.id = "CYL";
	p.time_zone = "Europe/Madrid";
	u.partner = &p;
	u.update_mask = mask;
	u.n_update_mask = 2;
	req.request_id = "abc";
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_UPDATE;
	req.partner_update = &u;

	j = parse(va_json_message(&req.base));
	body = json_object_get(j, "partner_update");
	cr_assert(json_is_object(body));
	cr_assert_eq(json_object_size(j), 2, "only request_id and the body");
	cr_assert_str_eq(str(json_object_get(body, "partner"), "time_zone"), "Europe/Madrid");
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(body, "update_mask"), 1)),
			 "time_zone");
	json_decref(j);
}

Test(json, event_line)
{
	Vetalliance__V1__Event ev = VETALLIANCE__V1__EVENT__INIT;
	Vetalliance__V1__Centre c = VETALLIANCE__V1__CENTRE__INIT;
	static const char *const keys[] = {"seq",   "type",       "time",   "time_ms",
					   "actor", "request_id", "payload"};
	const char *key;
	json_t *j, *v, *payload;
	size_t i = 0;

	c.id = "CECOA";
	c.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE;
	ev.seq = 57;
	ev.time_ms = T_MS;
	ev.actor = "admin";
	ev.request_id = "req-9";
	ev.payload_case = VETALLIANCE__V1__EVENT__PAYLOAD_CENTRE_REGISTERED;
	ev.centre_registered = &c;

	j = parse(va_json_event(&ev));
	json_object_foreach(j, key, v)
	{
		cr_assert_lt(i, 7, "extra key '%s'", key);
		cr_assert_str_eq(key, keys[i], "key %zu", i);
		i++;
	}
	cr_assert_eq(i, 7);
	cr_assert_eq(num(j, "seq"), 57);
	cr_assert_str_eq(str(j, "type"), "centre.registered");
	cr_assert_str_eq(str(j, "time"), "2026-03-01T09:30:00.123Z");
	cr_assert_eq(num(j, "time_ms"), T_MS);
	cr_assert_str_eq(str(j, "actor"), "admin");
	cr_assert_str_eq(str(j, "request_id"), "req-9");
	payload = json_object_get(j, "payload");
	cr_assert_str_eq(str(payload, "id"), "CECOA");
	cr_assert_str_eq(str(payload, "kind"), "vet-centre");
	json_decref(j);
}

Test(json, event_type_with_two_underscores)
{
	Vetalliance__V1__Event ev = VETALLIANCE__V1__EVENT__INIT;
	Vetalliance__V1__SectorInterest in = VETALLIANCE__V1__SECTOR_INTEREST__INIT;
	json_t *j;

	in.partner = "CYL";
	in.sector = "mechatronics";
	in.interested = 1;
	ev.payload_case = VETALLIANCE__V1__EVENT__PAYLOAD_SECTOR_INTEREST_MARKED;
	ev.sector_interest_marked = &in;

	j = parse(va_json_event(&ev));
	cr_assert_str_eq(str(j, "type"), "sector.interest_marked");
	cr_assert(json_is_true(json_object_get(json_object_get(j, "payload"), "interested")));
	json_decref(j);
}

Test(json, event_without_payload)
{
	Vetalliance__V1__Event ev = VETALLIANCE__V1__EVENT__INIT;
	json_t *j;

	ev.seq = 3;
	j = parse(va_json_event(&ev));
	cr_assert(json_is_null(json_object_get(j, "type")));
	cr_assert(json_is_null(json_object_get(j, "payload")));
	cr_assert(json_is_null(json_object_get(j, "time")));
	cr_assert_eq(num(j, "seq"), 3);
	json_decref(j);
}

Test(json, strings_are_escaped_and_round_trip)
{
	static const char *const names[] = {
	    "He said \"hi\"\nand left",
	    "back\\slash\ttab\r\x01\x1f",
	    "Castilla y Le\xc3\xb3n \xe2\x82\xac \xf0\x9f\x9a\x80",
	    "</script>",
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		Vetalliance__V1__Partner p = VETALLIANCE__V1__PARTNER__INIT;
		char *text;
		json_t *j;

		p.name = (char *)names[i];
		text = va_json_message(&p.base);
		cr_assert_not_null(text);
		for (const char *s = text; *s != '\0'; s++)
			cr_assert((unsigned char)*s >= 0x20, "raw control byte in %s", text);
		j = parse(text);
		cr_assert_str_eq(str(j, "name"), names[i]);
		json_decref(j);
	}
}

Test(json, invalid_utf8_is_replaced)
{
	Vetalliance__V1__Partner p = VETALLIANCE__V1__PARTNER__INIT;
	json_t *j;

	/* a stray continuation byte, a truncated sequence, an overlong '/' */
	p.name = "a\x80"
		 "b\xc3"
		 "c\xc0\xaf";
	j = parse(va_json_message(&p.base));
	cr_assert_str_eq(str(j, "name"), "a\xef\xbf\xbd"
					 "b\xef\xbf\xbd"
					 "c\xef\xbf\xbd\xef\xbf\xbd");
	json_decref(j);
}

Test(json, null_message)
{
	cr_assert_null(va_json_message(NULL));
	cr_assert_null(va_json_event(NULL));
}
