/*
 * test_codec.c - daemon/codec.c: every command and query decoded from a
 * Request built and packed with the generated protobuf-c code, the
 * refusals of untrusted input with their exact field paths (malformed
 * and truncated bytes, enums, ids, lengths, UTF-8, countries, time
 * zones, update masks, list sizes, no body), replies packed by the codec
 * and read back with the generated code, and events packed and decoded
 * for every type, with their PUB topics.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>

#include "codec/codec.h"
#include "state/model.h"
#include "vetalliance.pb-c.h"

#define PB(name) Vetalliance__V1__##name

static char err[512];

/* ------------------------------------------------------------ helpers */

static uint8_t *pack(const PB(Request) * r, size_t *len)
{
	uint8_t *buf;

	*len = vetalliance__v1__request__get_packed_size(r);
	buf = malloc(*len ? *len : 1);
	cr_assert_not_null(buf);
	cr_assert_eq(vetalliance__v1__request__pack(r, buf), *len);
	return buf;
}

/* Pack `r`, decode it into *out; returns the decoder's result. */
static int decode(const PB(Request) * r, request_t *out)
{
	size_t len;
	uint8_t *buf = pack(r, &len);
	int rc;

	err[0] = '\0';
	rc = codec_request_decode(buf, len, out, err, sizeof err);
	free(buf);
	return rc;
}

/* Expect a refusal whose message is exactly `msg` (or starts with it when
 * `prefix_only`), and return with out->request_id as the decoder left it
 * (the caller releases). */
static void refused(const PB(Request) * r, request_t *out, const char *msg, int prefix_only)
{
	int rc = decode(r, out);

	cr_assert_eq(rc, -VA_INVALID_ARGUMENT, "accepted (rc %d), expected '%s'", rc, msg);
	if (prefix_only)
		cr_assert(strncmp(err, msg, strlen(msg)) == 0, "message '%s', expected '%s...'",
			  err, msg);
	else
		cr_assert_str_eq(err, msg);
}

/* Refused, and the request_id "r-1" survives for the reply. */
static void refused_keeps_id(const PB(Request) * r, const char *msg, int prefix_only)
{
	request_t out;

	refused(r, &out, msg, prefix_only);
	cr_assert_not_null(out.request_id, "request_id lost on refusal '%s'", err);
	cr_assert_str_eq(out.request_id, "r-1");
	request_release(&out);
}

static void accepted(const PB(Request) * r, request_t *out)
{
	int rc = decode(r, out);

	cr_assert_eq(rc, 0, "refused (rc %d): %s", rc, err);
	cr_assert_str_eq(out->request_id, "r-1");
}

/* A valid partner, and a request registering it, on the caller's stack. */
#define PARTNER_REQUEST(req, reg, p)                                                               \
	PB(Partner) p = VETALLIANCE__V1__PARTNER__INIT;                                            \
	PB(PartnerRegister) reg = VETALLIANCE__V1__PARTNER_REGISTER__INIT;                         \
	PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;                                          \
	p.id = "CYL";                                                                              \
	p.name = "Junta de Castilla y León";                                                       \
	p.country = "ES";                                                                          \
	p.time_zone = "Europe/Madrid";                                                             \
	p.region = "Castilla y León";                                                              \
	reg.partner = &p;                                                                          \
	req.request_id = "r-1";                                                                    \
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_REGISTER;                           \
	req.partner_register = &reg

#define CENTRE_REQUEST(req, reg, c)                                                                \
	PB(Centre) c = VETALLIANCE__V1__CENTRE__INIT;                                              \
	PB(CentreRegister) reg = VETALLIANCE__V1__CENTRE_REGISTER__INIT;                           \
	PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;                                          \
	char *c##_sectors[] = {"mechatronics", "it"};                                              \
	c.id = "cifp.zamora-1";                                                                    \
	c.name = "CIFP Zamora";                                                                    \
	c.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE;                             \
	c.partner = "CYL";                                                                         \
	c.country = "ES";                                                                          \
	c.region = "Zamora";                                                                       \
	c.n_sectors = 2;                                                                           \
	c.sectors = c##_sectors;                                                                   \
	reg.centre = &c;                                                                           \
	req.request_id = "r-1";                                                                    \
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;                            \
	req.centre_register = &reg

/* ------------------------------------------------ commands and queries */

Test(codec, partner_register)
{
	PARTNER_REQUEST(req, reg, p);
	request_t out;

	accepted(&req, &out);
	cr_assert_not(out.is_query);
	cr_assert_eq(out.cmd.type, CMD_PARTNER_REGISTER);
	cr_assert_str_eq(out.cmd.u.partner.id, "CYL");
	cr_assert_str_eq(out.cmd.u.partner.name, "Junta de Castilla y León");
	cr_assert_str_eq(out.cmd.u.partner.country, "ES");
	cr_assert_str_eq(out.cmd.u.partner.time_zone, "Europe/Madrid");
	cr_assert_str_eq(out.cmd.u.partner.region, "Castilla y León");
	request_release(&out);
}

Test(codec, partner_register_without_region)
{
	PARTNER_REQUEST(req, reg, p);
	request_t out;

	p.region = "";
	accepted(&req, &out);
	cr_assert_not_null(out.cmd.u.partner.region);
	cr_assert_str_eq(out.cmd.u.partner.region, "");
	request_release(&out);
}

Test(codec, partner_update_mask_to_bits)
{
	PB(Partner) p = VETALLIANCE__V1__PARTNER__INIT;
	PB(PartnerUpdate) up = VETALLIANCE__V1__PARTNER_UPDATE__INIT;
	PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;
	char *mask[] = {"region", "name"};
	request_t out;

	p.id = "SBH";
	p.name = "SBH Nord";
	p.region = "Hamburg";
	/* not in the mask, so not checked: an empty country and zone */
	up.partner = &p;
	up.n_update_mask = 2;
	up.update_mask = mask;
	req.request_id = "r-1";
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_UPDATE;
	req.partner_update = &up;
	accepted(&req, &out);
	cr_assert_eq(out.cmd.type, CMD_PARTNER_UPDATE);
	cr_assert_eq(out.cmd.mask, PARTNER_F_NAME | PARTNER_F_REGION);
	cr_assert_str_eq(out.cmd.u.partner.id, "SBH");
	cr_assert_str_eq(out.cmd.u.partner.name, "SBH Nord");
	cr_assert_str_eq(out.cmd.u.partner.region, "Hamburg");
	request_release(&out);

	char *mask2[] = {"country", "time_zone"};
	up.update_mask = mask2;
	p.country = "DE";
	p.time_zone = "Europe/Berlin";
	accepted(&req, &out);
	cr_assert_eq(out.cmd.mask, PARTNER_F_COUNTRY | PARTNER_F_TIME_ZONE);
	request_release(&out);

	/* a masked field is checked */
	p.time_zone = "Mars/Olympus";
	refused_keeps_id(&req, "partner_update.partner.time_zone: 'Mars/Olympus'", 1);
	char *mask3[] = {"name"};
	up.update_mask = mask3;
	up.n_update_mask = 1;
	p.name = "";
	refused_keeps_id(&req, "partner_update.partner.name: must not be empty", 0);
}

Test(codec, centre_register)
{
	CENTRE_REQUEST(req, reg, c);
	request_t out;

	accepted(&req, &out);
	cr_assert_not(out.is_query);
	cr_assert_eq(out.cmd.type, CMD_CENTRE_REGISTER);
	cr_assert_str_eq(out.cmd.u.centre.id, "cifp.zamora-1");
	cr_assert_str_eq(out.cmd.u.centre.name, "CIFP Zamora");
	cr_assert_eq(out.cmd.u.centre.kind, CENTRE_KIND_VET_CENTRE);
	cr_assert_str_eq(out.cmd.u.centre.partner, "CYL");
	cr_assert_str_eq(out.cmd.u.centre.country, "ES");
	cr_assert_str_eq(out.cmd.u.centre.region, "Zamora");
	cr_assert_eq(out.cmd.u.centre.sectors.n, 2);
	cr_assert_str_eq(out.cmd.u.centre.sectors.v[0], "mechatronics");
	cr_assert_str_eq(out.cmd.u.centre.sectors.v[1], "it");
	request_release(&out);
}

Test(codec, centre_update_mask_to_bits)
{
	PB(Centre) c = VETALLIANCE__V1__CENTRE__INIT;
	PB(CentreUpdate) up = VETALLIANCE__V1__CENTRE_UPDATE__INIT;
	PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;
	char *mask[] = {"sectors", "kind", "region"};
	char *sectors[] = {"logistics"};
	request_t out;

	c.id = "AVILA";
	c.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_CLUSTER;
	c.n_sectors = 1;
	c.sectors = sectors;
	c.region = "Ávila";
	up.centre = &c;
	up.n_update_mask = 3;
	up.update_mask = mask;
	req.request_id = "r-1";
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_UPDATE;
	req.centre_update = &up;
	accepted(&req, &out);
	cr_assert_eq(out.cmd.type, CMD_CENTRE_UPDATE);
	cr_assert_eq(out.cmd.mask, CENTRE_F_SECTORS | CENTRE_F_KIND | CENTRE_F_REGION);
	cr_assert_eq(out.cmd.u.centre.kind, CENTRE_KIND_CLUSTER);
	cr_assert_eq(out.cmd.u.centre.sectors.n, 1);
	cr_assert_str_eq(out.cmd.u.centre.region, "Ávila");
	request_release(&out);

	char *all[] = {"name", "kind", "partner", "country", "region", "sectors"};
	up.update_mask = all;
	up.n_update_mask = 6;
	c.name = "x";
	c.partner = "CYL";
	c.country = "ES";
	accepted(&req, &out);
	cr_assert_eq(out.cmd.mask, CENTRE_F_NAME | CENTRE_F_KIND | CENTRE_F_PARTNER |
				       CENTRE_F_COUNTRY | CENTRE_F_REGION | CENTRE_F_SECTORS);
	request_release(&out);

	/* kind in the mask must be set */
	c.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_UNSPECIFIED;
	refused_keeps_id(&req, "centre_update.centre.kind: must be set", 0);
}

Test(codec, sector_define)
{
	PB(Sector) s = VETALLIANCE__V1__SECTOR__INIT;
	PB(SectorDefine) def = VETALLIANCE__V1__SECTOR_DEFINE__INIT;
	PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;
	request_t out;

	s.id = "railway-electric-power";
	s.name = "Railway & electric power";
	s.focus = 1;
	def.sector = &s;
	req.request_id = "r-1";
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_SECTOR_DEFINE;
	req.sector_define = &def;
	accepted(&req, &out);
	cr_assert_eq(out.cmd.type, CMD_SECTOR_DEFINE);
	cr_assert_str_eq(out.cmd.u.sector.id, "railway-electric-power");
	cr_assert_str_eq(out.cmd.u.sector.name, "Railway & electric power");
	cr_assert(out.cmd.u.sector.focus);
	request_release(&out);

	s.id = "Mechatronics";
	refused_keeps_id(&req, "sector_define.sector.id: 'Mechatronics' is not a sector id", 1);
	s.id = "it";
	s.name = "";
	refused_keeps_id(&req, "sector_define.sector.name: must not be empty", 0);
	def.sector = NULL;
	refused_keeps_id(&req, "sector_define.sector: must be set", 0);
}

Test(codec, interest_mark)
{
	PB(SectorInterest) in = VETALLIANCE__V1__SECTOR_INTEREST__INIT;
	PB(InterestMark) mark = VETALLIANCE__V1__INTEREST_MARK__INIT;
	PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;
	request_t out;

	in.partner = "CYL";
	in.sector = "international-commerce";
	in.interested = 1;
	in.note = "Segovia";
	mark.interest = &in;
	req.request_id = "r-1";
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_INTEREST_MARK;
	req.interest_mark = &mark;
	accepted(&req, &out);
	cr_assert_eq(out.cmd.type, CMD_INTEREST_MARK);
	cr_assert_str_eq(out.cmd.u.interest.partner, "CYL");
	cr_assert_str_eq(out.cmd.u.interest.sector, "international-commerce");
	cr_assert(out.cmd.u.interest.interested);
	cr_assert_str_eq(out.cmd.u.interest.note, "Segovia");
	request_release(&out);

	in.interested = 0;
	in.note = "";
	accepted(&req, &out);
	cr_assert_not(out.cmd.u.interest.interested);
	request_release(&out);

	in.partner = "cyl";
	refused_keeps_id(&req, "interest_mark.interest.partner: 'cyl' is not a valid id", 1);
	in.partner = "CYL";
	in.sector = "IT";
	refused_keeps_id(&req, "interest_mark.interest.sector: 'IT' is not a sector id", 1);
}

Test(codec, queries)
{
	PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;
	PB(PartnerGet) pg = VETALLIANCE__V1__PARTNER_GET__INIT;
	PB(PartnerList) pl = VETALLIANCE__V1__PARTNER_LIST__INIT;
	PB(CentreGet) cg = VETALLIANCE__V1__CENTRE_GET__INIT;
	PB(CentreList) cl = VETALLIANCE__V1__CENTRE_LIST__INIT;
	PB(SectorList) sl = VETALLIANCE__V1__SECTOR_LIST__INIT;
	PB(InterestList) il = VETALLIANCE__V1__INTEREST_LIST__INIT;
	request_t out;

	req.request_id = "r-1";
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_GET;
	pg.id = "CYL";
	req.partner_get = &pg;
	accepted(&req, &out);
	cr_assert(out.is_query);
	cr_assert_eq(out.query.type, QUERY_PARTNER_GET);
	cr_assert_str_eq(out.query.id, "CYL");
	request_release(&out);
	pg.id = "";
	refused_keeps_id(&req, "partner_get.id: must not be empty", 0);

	req.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_LIST;
	req.partner_list = &pl;
	accepted(&req, &out);
	cr_assert(out.is_query);
	cr_assert_eq(out.query.type, QUERY_PARTNER_LIST);
	request_release(&out);

	req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_GET;
	cg.id = "berlin.tech";
	req.centre_get = &cg;
	accepted(&req, &out);
	cr_assert(out.is_query);
	cr_assert_eq(out.query.type, QUERY_CENTRE_GET);
	cr_assert_str_eq(out.query.id, "berlin.tech");
	request_release(&out);
	cg.id = "";
	refused_keeps_id(&req, "centre_get.id: must not be empty", 0);

	req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_LIST;
	req.centre_list = &cl;
	accepted(&req, &out);
	cr_assert(out.is_query);
	cr_assert_eq(out.query.type, QUERY_CENTRE_LIST);
	cr_assert_str_eq(out.query.partner, "");
	cr_assert_str_eq(out.query.country, "");
	cr_assert_str_eq(out.query.sector, "");
	request_release(&out);
	cl.partner = "CYL";
	cl.country = "ES";
	cl.sector = "it";
	accepted(&req, &out);
	cr_assert_str_eq(out.query.partner, "CYL");
	cr_assert_str_eq(out.query.country, "ES");
	cr_assert_str_eq(out.query.sector, "it");
	request_release(&out);

	req.body_case = VETALLIANCE__V1__REQUEST__BODY_SECTOR_LIST;
	req.sector_list = &sl;
	accepted(&req, &out);
	cr_assert(out.is_query);
	cr_assert_eq(out.query.type, QUERY_SECTOR_LIST);
	request_release(&out);

	req.body_case = VETALLIANCE__V1__REQUEST__BODY_INTEREST_LIST;
	req.interest_list = &il;
	accepted(&req, &out);
	cr_assert(out.is_query);
	cr_assert_eq(out.query.type, QUERY_INTEREST_LIST);
	cr_assert_str_eq(out.query.partner, "");
	request_release(&out);
	il.partner = "SAMIEDU";
	accepted(&req, &out);
	cr_assert_str_eq(out.query.partner, "SAMIEDU");
	request_release(&out);
}

/* ------------------------------------------------------------ refusals */

Test(codec, malformed_bytes)
{
	static const struct {
		const char *bytes;
		size_t len;
	} bad[] = {
	    {"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11}, /* varint overflow */
	    {"\x0f", 1},                                          /* wire type 7 */
	    {"\x0a\x05"
	     "ab",
	     4}, /* string past the end */
	    {"not a protobuf at all", 21},
	    {"\x52\x80", 2}, /* length varint cut */
	};
	request_t out;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = codec_request_decode(bad[i].bytes, bad[i].len, &out, err, sizeof err);
		cr_assert_eq(rc, -VA_INVALID_ARGUMENT, "input %zu accepted", i);
		cr_assert_str_eq(err, "malformed request: not a vetalliance.v1.Request");
		cr_assert_null(out.request_id);
		request_release(&out);
	}
}

Test(codec, truncated_message)
{
	PARTNER_REQUEST(req, reg, p);
	size_t len, body = 2 + strlen(req.request_id); /* where the body field starts */
	uint8_t *buf = pack(&req, &len);
	request_t out;

	cr_assert_eq(buf[body], (10 << 3) | 2, "unexpected layout");
	cr_assert_eq(codec_request_decode(buf, len, &out, err, sizeof err), 0, "%s", err);
	request_release(&out);
	for (size_t cut = body + 1; cut < len; cut++) {
		int rc = codec_request_decode(buf, cut, &out, err, sizeof err);
		cr_assert_eq(rc, -VA_INVALID_ARGUMENT, "cut at %zu of %zu accepted", cut, len);
		cr_assert_str_eq(err, "malformed request: not a vetalliance.v1.Request");
		request_release(&out);
	}
	/* cut exactly before the body: a request with none */
	cr_assert_eq(codec_request_decode(buf, body, &out, err, sizeof err), -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "request: no known command or query in the body");
	cr_assert_str_eq(out.request_id, "r-1");
	request_release(&out);
	free(buf);
}

Test(codec, unknown_enum_value)
{
	CENTRE_REQUEST(req, reg, c);

	c.kind = 99;
	refused_keeps_id(&req, "centre_register.centre.kind: unknown value 99", 0);
	c.kind = -1;
	refused_keeps_id(&req, "centre_register.centre.kind: unknown value -1", 0);
	c.kind = 0;
	refused_keeps_id(&req, "centre_register.centre.kind: must be set", 0);
	c.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_ASSOCIATION;
	request_t out;
	accepted(&req, &out);
	cr_assert_eq(out.cmd.u.centre.kind, CENTRE_KIND_ASSOCIATION);
	request_release(&out);
}

Test(codec, request_id_empty_or_too_long)
{
	PARTNER_REQUEST(req, reg, p);
	char id[80];
	request_t out;

	req.request_id = "";
	refused(&req, &out, "request_id: must not be empty", 0);
	request_release(&out);

	memset(id, 'x', 65);
	id[65] = '\0';
	req.request_id = id;
	refused(&req, &out, "request_id: longer than 64 bytes", 0);
	cr_assert_null(out.request_id, "a refused request_id was kept for the reply");
	request_release(&out);

	id[64] = '\0';
	cr_assert_eq(decode(&req, &out), 0, "%s", err);
	cr_assert_str_eq(out.request_id, id);
	request_release(&out);

	/* an id that is not UTF-8 is not echoed either */
	req.request_id = "r-\xC0\xAF";
	refused(&req, &out, "request_id: not valid UTF-8", 0);
	cr_assert_null(out.request_id);
	request_release(&out);

	/* an empty input is an empty Request */
	cr_assert_eq(codec_request_decode("", 0, &out, err, sizeof err), -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "request_id: must not be empty");
	request_release(&out);
}

Test(codec, id_with_bad_characters)
{
	PARTNER_REQUEST(req, reg, p);
	const char *bad[] = {"cyl", "CY L", "CYL!", "C/L", "CYL.1", "ÑU"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char msg[128];
		p.id = (char *)bad[i];
		snprintf(msg, sizeof msg, "partner_register.partner.id: '%s' is not a valid id",
			 bad[i]);
		refused_keeps_id(&req, msg, 1);
	}
	p.id = "";
	refused_keeps_id(&req, "partner_register.partner.id: must not be empty", 0);
	p.id = "IEFP_PT-2";
	request_t out;
	accepted(&req, &out);
	request_release(&out);
}

Test(codec, centre_id_allows_lower_case_and_dot)
{
	CENTRE_REQUEST(req, reg, c);
	char id[40];
	request_t out;

	c.id = "berlin.tech_2-a";
	accepted(&req, &out);
	request_release(&out);
	c.id = "a/b";
	refused_keeps_id(&req, "centre_register.centre.id: 'a/b' is not a valid id", 1);
	memset(id, 'A', 33);
	id[33] = '\0';
	c.id = id;
	refused_keeps_id(&req, "centre_register.centre.id: longer than 32 bytes", 0);
	id[32] = '\0';
	accepted(&req, &out);
	request_release(&out);
}

Test(codec, string_over_256_bytes)
{
	PARTNER_REQUEST(req, reg, p);
	char name[300];
	request_t out;

	memset(name, 'n', 257);
	name[257] = '\0';
	p.name = name;
	refused_keeps_id(&req, "partner_register.partner.name: longer than 256 bytes", 0);
	name[256] = '\0';
	accepted(&req, &out);
	cr_assert_eq(strlen(out.cmd.u.partner.name), 256);
	request_release(&out);

	/* the limit is in bytes: 129 two-byte characters are 258 bytes */
	for (int i = 0; i < 129; i++)
		memcpy(name + 2 * i, "\xC3\xB3", 2);
	name[258] = '\0';
	p.region = name;
	p.name = "x";
	refused_keeps_id(&req, "partner_register.partner.region: longer than 256 bytes", 0);
}

Test(codec, non_utf8_strings)
{
	PARTNER_REQUEST(req, reg, p);
	const char *bad[] = {
	    "overlong \xC0\xAF",               /* '/' in two bytes */
	    "overlong \xE0\x80\xAF",           /* '/' in three bytes */
	    "overlong \xF0\x80\x80\xAF",       /* '/' in four bytes */
	    "surrogate \xED\xA0\x80",          /* U+D800 */
	    "surrogate \xED\xBF\xBF",          /* U+DFFF */
	    "lone continuation \x80",          /* */
	    "five bytes \xF8\x88\x80\x80\x80", /* */
	    "six bytes \xFC\x84\x80\x80\x80\x80",
	    "above U+10FFFF \xF4\x90\x80\x80",
	    "cut short \xC3",
	    "cut short \xE2\x82 x",
	    "byte FF \xFF",
	};
	request_t out;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p.name = (char *)bad[i];
		refused_keeps_id(&req, "partner_register.partner.name: not valid UTF-8", 0);
	}
	/* and nested deeper, in a list */
	{
		CENTRE_REQUEST(creq, creg, c);
		char *sectors[] = {"it", "\xED\xA0\x80"};
		c.sectors = sectors;
		refused_keeps_id(&creq, "centre_register.centre.sectors[1]: not valid UTF-8", 0);
	}

	const char *good[] = {
	    "Castilla y León",      "€ 2 bytes ß, 3 bytes \xE2\x82\xAC",   "emoji \xF0\x9F\x98\x80",
	    "max \xF4\x8F\xBF\xBF", "last before surrogates \xED\x9F\xBF", "after \xEE\x80\x80"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		p.name = (char *)good[i];
		accepted(&req, &out);
		cr_assert_str_eq(out.cmd.u.partner.name, good[i]);
		request_release(&out);
	}
}

Test(codec, country_two_upper_case_letters)
{
	PARTNER_REQUEST(req, reg, p);
	const char *bad[] = {"es", "eS", "Es", "E", "ESP", "", "E1", "1E", "É"};
	request_t out;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char msg[128];
		p.country = (char *)bad[i];
		snprintf(msg, sizeof msg,
			 "partner_register.partner.country: '%s' is not an ISO 3166-1 alpha-2 "
			 "country code",
			 bad[i]);
		refused_keeps_id(&req, msg, 0);
	}
	{
		CENTRE_REQUEST(creq, creg, c);
		c.country = "de";
		refused_keeps_id(&creq, "centre_register.centre.country: 'de'", 1);
	}
	p.country = "FI";
	accepted(&req, &out);
	request_release(&out);
}

Test(codec, time_zones)
{
	PARTNER_REQUEST(req, reg, p);
	const char *bad[] = {"Mars/Olympus", "../etc/passwd", "Europe/../../../etc/passwd",
			     "/etc/localtime", "Europe", "", "zone.tab", "Europe/Helsinki/",
			     /* these two resolve to real zone files: refused for the ".." */
			     "Europe/../UTC", "../zoneinfo/Europe/Madrid"};
	request_t out;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char msg[160];
		p.time_zone = (char *)bad[i];
		snprintf(msg, sizeof msg,
			 "partner_register.partner.time_zone: '%s' is not a time zone of the tz "
			 "database",
			 bad[i]);
		refused_keeps_id(&req, msg, 0);
		cr_assert_not(codec_time_zone_valid(bad[i]), "'%s' is valid", bad[i]);
	}
	p.time_zone = "Europe/Helsinki";
	accepted(&req, &out);
	cr_assert_str_eq(out.cmd.u.partner.time_zone, "Europe/Helsinki");
	request_release(&out);
	cr_assert(codec_time_zone_valid("Europe/Madrid"));
	cr_assert(codec_time_zone_valid("UTC"));
	cr_assert(codec_time_zone_valid("America/Argentina/Buenos_Aires"));
	cr_assert_not(codec_time_zone_valid(NULL));
}

Test(codec, update_mask_empty_or_unknown)
{
	PB(Partner) p = VETALLIANCE__V1__PARTNER__INIT;
	PB(PartnerUpdate) up = VETALLIANCE__V1__PARTNER_UPDATE__INIT;
	PB(Centre) c = VETALLIANCE__V1__CENTRE__INIT;
	PB(CentreUpdate) cup = VETALLIANCE__V1__CENTRE_UPDATE__INIT;
	PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;
	char *unknown[] = {"name", "colour"};
	char *centre_only[] = {"sectors"};

	p.id = "CYL";
	p.name = "x";
	up.partner = &p;
	req.request_id = "r-1";
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_UPDATE;
	req.partner_update = &up;
	refused_keeps_id(&req, "partner_update.update_mask: names no field to change", 0);
	up.update_mask = unknown;
	up.n_update_mask = 2;
	refused_keeps_id(&req, "partner_update.update_mask: unknown field 'colour'", 0);
	up.update_mask = centre_only;
	up.n_update_mask = 1;
	refused_keeps_id(&req, "partner_update.update_mask: unknown field 'sectors'", 0);
	up.partner = NULL;
	refused_keeps_id(&req, "partner_update.partner: must be set", 0);

	c.id = "AVILA";
	cup.centre = &c;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_UPDATE;
	req.centre_update = &cup;
	refused_keeps_id(&req, "centre_update.update_mask: names no field to change", 0);
	char *tz[] = {"time_zone"};
	cup.update_mask = tz;
	cup.n_update_mask = 1;
	refused_keeps_id(&req, "centre_update.update_mask: unknown field 'time_zone'", 0);
}

Test(codec, repeated_list_over_64_entries)
{
	CENTRE_REQUEST(req, reg, c);
	char *sectors[65];
	request_t out;

	for (size_t i = 0; i < 65; i++)
		sectors[i] = "it";
	c.sectors = sectors;
	c.n_sectors = 65;
	refused_keeps_id(&req, "centre_register.centre.sectors: more than 64 entries", 0);
	c.n_sectors = 64;
	accepted(&req, &out);
	cr_assert_eq(out.cmd.u.centre.sectors.n, 64);
	request_release(&out);

	/* the same limit on an update mask */
	PB(Partner) p = VETALLIANCE__V1__PARTNER__INIT;
	PB(PartnerUpdate) up = VETALLIANCE__V1__PARTNER_UPDATE__INIT;
	PB(Request) preq = VETALLIANCE__V1__REQUEST__INIT;
	char *mask[65];
	for (size_t i = 0; i < 65; i++)
		mask[i] = "name";
	p.id = "CYL";
	p.name = "x";
	up.partner = &p;
	up.update_mask = mask;
	up.n_update_mask = 65;
	preq.request_id = "r-1";
	preq.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_UPDATE;
	preq.partner_update = &up;
	refused_keeps_id(&preq, "partner_update.update_mask: more than 64 entries", 0);
}

Test(codec, no_body)
{
	PB(Request) req = VETALLIANCE__V1__REQUEST__INIT;
	/* request_id "r-1", then field 99 (varint 1), from a newer client */
	static const uint8_t newer[] = {0x0a, 3, 'r', '-', '1', 0x98, 0x06, 0x01};
	request_t out;

	req.request_id = "r-1";
	refused_keeps_id(&req, "request: no known command or query in the body", 0);
	cr_assert_eq(codec_request_decode(newer, sizeof newer, &out, err, sizeof err),
		     -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "request: no known command or query in the body");
	cr_assert_str_eq(out.request_id, "r-1");
	request_release(&out);

	/* a body whose object is missing */
	PB(PartnerRegister) reg = VETALLIANCE__V1__PARTNER_REGISTER__INIT;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_REGISTER;
	req.partner_register = &reg;
	refused_keeps_id(&req, "partner_register.partner: must be set", 0);
	PB(CentreRegister) creg = VETALLIANCE__V1__CENTRE_REGISTER__INIT;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;
	req.centre_register = &creg;
	refused_keeps_id(&req, "centre_register.centre: must be set", 0);
	PB(InterestMark) mark = VETALLIANCE__V1__INTEREST_MARK__INIT;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_INTEREST_MARK;
	req.interest_mark = &mark;
	refused_keeps_id(&req, "interest_mark.interest: must be set", 0);
}

Test(codec, refusal_keeps_request_id_and_releases_the_rest)
{
	CENTRE_REQUEST(req, reg, c);

	/* refused late, after the generic pass: the command parts must not
	 * leak (ASan) and the id must survive */
	c.partner = "cyl";
	refused_keeps_id(&req, "centre_register.centre.partner: 'cyl' is not a valid id", 1);
	c.partner = "CYL";
	c.name = "";
	refused_keeps_id(&req, "centre_register.centre.name: must not be empty", 0);
	c.name = "x";
	char *sectors[] = {"it", "Bad Sector"};
	c.sectors = sectors;
	refused_keeps_id(&req, "centre_register.centre.sectors[1]: 'Bad Sector' is not a sector id",
			 0);
}

/* --------------------------------------------------------------- replies */

static PB(Reply) * reply_roundtrip(const char *request_id, int status, const char *message,
				   uint64_t seq, const result_t *result)
{
	uint8_t *bytes;
	size_t len;
	PB(Reply) * r;

	cr_assert_eq(codec_reply_pack(request_id, status, message, seq, result, &bytes, &len), 0);
	r = vetalliance__v1__reply__unpack(NULL, len, bytes);
	free(bytes);
	cr_assert_not_null(r, "the packed reply does not unpack");
	return r;
}

Test(codec, reply_status_message_seq)
{
	PB(Reply) *r = reply_roundtrip("r-1", -VA_NOT_FOUND, "centre 'X' not found", 42, NULL);

	cr_assert_str_eq(r->request_id, "r-1");
	cr_assert_eq(r->status, VETALLIANCE__V1__STATUS__STATUS_NOT_FOUND);
	cr_assert_str_eq(r->message, "centre 'X' not found");
	cr_assert_eq(r->seq, 42);
	cr_assert_eq(r->result_case, VETALLIANCE__V1__REPLY__RESULT__NOT_SET);
	vetalliance__v1__reply__free_unpacked(r, NULL);

	/* either sign of the code; NULL strings go out empty */
	r = reply_roundtrip(NULL, VA_RESOURCE_EXHAUSTED, NULL, UINT64_MAX, NULL);
	cr_assert_str_eq(r->request_id, "");
	cr_assert_eq(r->status, VETALLIANCE__V1__STATUS__STATUS_RESOURCE_EXHAUSTED);
	cr_assert_str_eq(r->message, "");
	cr_assert_eq(r->seq, UINT64_MAX);
	vetalliance__v1__reply__free_unpacked(r, NULL);

	result_t none = {.type = RESULT_NONE};
	r = reply_roundtrip("r-2", 0, "", 7, &none);
	cr_assert_eq(r->status, VETALLIANCE__V1__STATUS__STATUS_OK);
	cr_assert_eq(r->seq, 7);
	cr_assert_eq(r->result_case, VETALLIANCE__V1__REPLY__RESULT__NOT_SET);
	vetalliance__v1__reply__free_unpacked(r, NULL);
}

static partner_t P1 = {"CYL", "Junta", "ES", "Europe/Madrid", "Castilla y León"};
static partner_t P2 = {"SBH", "SBH", "DE", "Europe/Berlin", NULL};
static sector_t S1 = {"it", "IT", true};
static sector_t S2 = {"logistics", "Logistics", false};
static interest_t I1 = {"CYL", "it", true, "Segovia"};
static interest_t I2 = {"SBH", "logistics", true, NULL};

static centre_t make_centre(void)
{
	static char *sectors[] = {"mechatronics", "it"};
	centre_t c = {.id = "AVILA",
		      .name = "CIFP Ávila",
		      .kind = CENTRE_KIND_TRAINING_ACADEMY,
		      .partner = "CYL",
		      .country = "ES",
		      .region = "Ávila",
		      .sectors = {sectors, 2},
		      .registered_ms = 1700000000000,
		      .updated_ms = 1700000000123};
	return c;
}

static void check_partner(const PB(Partner) * w, const partner_t *m)
{
	cr_assert_str_eq(w->id, m->id);
	cr_assert_str_eq(w->name, m->name);
	cr_assert_str_eq(w->country, m->country);
	cr_assert_str_eq(w->time_zone, m->time_zone);
	cr_assert_str_eq(w->region, m->region ? m->region : "");
}

static void check_centre(const PB(Centre) * w, const centre_t *m)
{
	cr_assert_str_eq(w->id, m->id);
	cr_assert_str_eq(w->name, m->name);
	cr_assert_eq((int)w->kind, (int)m->kind);
	cr_assert_str_eq(w->partner, m->partner);
	cr_assert_str_eq(w->country, m->country);
	cr_assert_str_eq(w->region, m->region);
	cr_assert_eq(w->n_sectors, m->sectors.n);
	for (size_t i = 0; i < m->sectors.n; i++)
		cr_assert_str_eq(w->sectors[i], m->sectors.v[i]);
	cr_assert_eq(w->registered_ms, m->registered_ms);
	cr_assert_eq(w->updated_ms, m->updated_ms);
}

Test(codec, reply_results)
{
	centre_t c1 = make_centre(), c2 = make_centre();
	const void *partners[] = {&P1, &P2};
	const void *centres[] = {&c1, &c2};
	const void *sectors[] = {&S1, &S2};
	const void *interests[] = {&I1, &I2};
	result_t res;
	PB(Reply) * r;

	c2.id = "ZAMORA";
	c2.sectors.n = 0;

	res = (result_t){.type = RESULT_PARTNER, .one = &P2};
	r = reply_roundtrip("q", 0, "", 3, &res);
	cr_assert_eq(r->result_case, VETALLIANCE__V1__REPLY__RESULT_PARTNER);
	check_partner(r->partner, &P2);
	vetalliance__v1__reply__free_unpacked(r, NULL);

	res = (result_t){.type = RESULT_PARTNERS, .many = partners, .n = 2};
	r = reply_roundtrip("q", 0, "", 3, &res);
	cr_assert_eq(r->result_case, VETALLIANCE__V1__REPLY__RESULT_PARTNERS);
	cr_assert_eq(r->partners->n_partners, 2);
	check_partner(r->partners->partners[0], &P1);
	check_partner(r->partners->partners[1], &P2);
	vetalliance__v1__reply__free_unpacked(r, NULL);

	res = (result_t){.type = RESULT_CENTRE, .one = &c1};
	r = reply_roundtrip("q", 0, "", 3, &res);
	cr_assert_eq(r->result_case, VETALLIANCE__V1__REPLY__RESULT_CENTRE);
	check_centre(r->centre, &c1);
	vetalliance__v1__reply__free_unpacked(r, NULL);

	res = (result_t){.type = RESULT_CENTRES, .many = centres, .n = 2};
	r = reply_roundtrip("q", 0, "", 3, &res);
	cr_assert_eq(r->result_case, VETALLIANCE__V1__REPLY__RESULT_CENTRES);
	cr_assert_eq(r->centres->n_centres, 2);
	check_centre(r->centres->centres[0], &c1);
	check_centre(r->centres->centres[1], &c2);
	vetalliance__v1__reply__free_unpacked(r, NULL);

	/* an empty list is still a list result */
	res = (result_t){.type = RESULT_CENTRES, .many = centres, .n = 0};
	r = reply_roundtrip("q", 0, "", 3, &res);
	cr_assert_eq(r->result_case, VETALLIANCE__V1__REPLY__RESULT_CENTRES);
	cr_assert_eq(r->centres->n_centres, 0);
	vetalliance__v1__reply__free_unpacked(r, NULL);

	res = (result_t){.type = RESULT_SECTORS, .many = sectors, .n = 2};
	r = reply_roundtrip("q", 0, "", 3, &res);
	cr_assert_eq(r->result_case, VETALLIANCE__V1__REPLY__RESULT_SECTORS);
	cr_assert_eq(r->sectors->n_sectors, 2);
	cr_assert_str_eq(r->sectors->sectors[0]->id, "it");
	cr_assert_str_eq(r->sectors->sectors[0]->name, "IT");
	cr_assert(r->sectors->sectors[0]->focus);
	cr_assert_str_eq(r->sectors->sectors[1]->id, "logistics");
	cr_assert_not(r->sectors->sectors[1]->focus);
	vetalliance__v1__reply__free_unpacked(r, NULL);

	res = (result_t){.type = RESULT_INTERESTS, .many = interests, .n = 2};
	r = reply_roundtrip("q", 0, "", 3, &res);
	cr_assert_eq(r->result_case, VETALLIANCE__V1__REPLY__RESULT_INTERESTS);
	cr_assert_eq(r->interests->n_interests, 2);
	cr_assert_str_eq(r->interests->interests[0]->partner, "CYL");
	cr_assert_str_eq(r->interests->interests[0]->sector, "it");
	cr_assert(r->interests->interests[0]->interested);
	cr_assert_str_eq(r->interests->interests[0]->note, "Segovia");
	cr_assert_str_eq(r->interests->interests[1]->note, "");
	vetalliance__v1__reply__free_unpacked(r, NULL);
}

/* ---------------------------------------------------------------- events */

static event_t base_event(ev_type_t type)
{
	event_t ev = {.seq = 12345, .time_ms = 1700000000999, .type = type};

	ev.actor = model_strdup("admin");
	ev.request_id = model_strdup("req-7");
	return ev;
}

/* Pack, check the topic and the wire payload case, decode, return the
 * decoded event (the caller releases). */
static event_t event_roundtrip(const event_t *ev, const char *topic_want, int payload_case)
{
	uint8_t *buf = NULL;
	char topic[64];
	size_t len = codec_event_pack(ev, &buf, topic, sizeof topic);
	event_t out;
	PB(Event) * w;

	cr_assert_gt(len, 0, "event did not pack");
	cr_assert_not_null(buf);
	cr_assert_str_eq(topic, topic_want);
	w = vetalliance__v1__event__unpack(NULL, len, buf);
	cr_assert_not_null(w);
	cr_assert_eq((int)w->payload_case, payload_case);
	cr_assert_eq(w->seq, ev->seq);
	vetalliance__v1__event__free_unpacked(w, NULL);

	cr_assert_eq(codec_event_decode(buf, len, &out, err, sizeof err), 0, "%s", err);
	free(buf);
	cr_assert_eq(out.type, ev->type);
	cr_assert_eq(out.seq, ev->seq);
	cr_assert_eq(out.time_ms, ev->time_ms);
	cr_assert_str_eq(out.actor, ev->actor);
	cr_assert_str_eq(out.request_id, ev->request_id);
	return out;
}

static void partner_event(ev_type_t type, const char *topic, int pcase)
{
	event_t ev = base_event(type), out;

	partner_copy(&ev.u.partner, &P1);
	out = event_roundtrip(&ev, topic, pcase);
	cr_assert_str_eq(out.u.partner.id, "CYL");
	cr_assert_str_eq(out.u.partner.name, "Junta");
	cr_assert_str_eq(out.u.partner.country, "ES");
	cr_assert_str_eq(out.u.partner.time_zone, "Europe/Madrid");
	cr_assert_str_eq(out.u.partner.region, "Castilla y León");
	event_release(&out);
	event_release(&ev);
}

static void centre_event(ev_type_t type, const char *topic, int pcase)
{
	centre_t c = make_centre();
	event_t ev = base_event(type), out;

	centre_copy(&ev.u.centre, &c);
	out = event_roundtrip(&ev, topic, pcase);
	cr_assert_str_eq(out.u.centre.id, "AVILA");
	cr_assert_str_eq(out.u.centre.name, "CIFP Ávila");
	cr_assert_eq(out.u.centre.kind, CENTRE_KIND_TRAINING_ACADEMY);
	cr_assert_str_eq(out.u.centre.partner, "CYL");
	cr_assert_str_eq(out.u.centre.country, "ES");
	cr_assert_str_eq(out.u.centre.region, "Ávila");
	cr_assert_eq(out.u.centre.sectors.n, 2);
	cr_assert_str_eq(out.u.centre.sectors.v[0], "mechatronics");
	cr_assert_str_eq(out.u.centre.sectors.v[1], "it");
	cr_assert_eq(out.u.centre.registered_ms, 1700000000000);
	cr_assert_eq(out.u.centre.updated_ms, 1700000000123);
	event_release(&out);
	event_release(&ev);
}

Test(codec, event_partner_registered)
{
	partner_event(EV_PARTNER_REGISTERED, "partner.registered",
		      VETALLIANCE__V1__EVENT__PAYLOAD_PARTNER_REGISTERED);
}

Test(codec, event_partner_updated)
{
	partner_event(EV_PARTNER_UPDATED, "partner.updated",
		      VETALLIANCE__V1__EVENT__PAYLOAD_PARTNER_UPDATED);
}

Test(codec, event_centre_registered)
{
	centre_event(EV_CENTRE_REGISTERED, "centre.registered",
		     VETALLIANCE__V1__EVENT__PAYLOAD_CENTRE_REGISTERED);
}

Test(codec, event_centre_updated)
{
	centre_event(EV_CENTRE_UPDATED, "centre.updated",
		     VETALLIANCE__V1__EVENT__PAYLOAD_CENTRE_UPDATED);
}

Test(codec, event_sector_defined)
{
	event_t ev = base_event(EV_SECTOR_DEFINED), out;

	sector_copy(&ev.u.sector, &S1);
	out =
	    event_roundtrip(&ev, "sector.defined", VETALLIANCE__V1__EVENT__PAYLOAD_SECTOR_DEFINED);
	cr_assert_str_eq(out.u.sector.id, "it");
	cr_assert_str_eq(out.u.sector.name, "IT");
	cr_assert(out.u.sector.focus);
	event_release(&out);
	event_release(&ev);
}

Test(codec, event_sector_interest_marked)
{
	event_t ev = base_event(EV_SECTOR_INTEREST_MARKED), out;

	interest_copy(&ev.u.interest, &I1);
	out = event_roundtrip(&ev, "sector.interest_marked",
			      VETALLIANCE__V1__EVENT__PAYLOAD_SECTOR_INTEREST_MARKED);
	cr_assert_str_eq(out.u.interest.partner, "CYL");
	cr_assert_str_eq(out.u.interest.sector, "it");
	cr_assert(out.u.interest.interested);
	cr_assert_str_eq(out.u.interest.note, "Segovia");
	event_release(&out);
	event_release(&ev);

	/* an unmark: interested false, no note */
	ev = base_event(EV_SECTOR_INTEREST_MARKED);
	interest_copy(&ev.u.interest, &I2);
	ev.u.interest.interested = false;
	out = event_roundtrip(&ev, "sector.interest_marked",
			      VETALLIANCE__V1__EVENT__PAYLOAD_SECTOR_INTEREST_MARKED);
	cr_assert_not(out.u.interest.interested);
	cr_assert_str_eq(out.u.interest.note, "");
	event_release(&out);
	event_release(&ev);
}

Test(codec, event_topic_buffer_too_small)
{
	event_t ev = base_event(EV_SECTOR_INTEREST_MARKED);
	uint8_t *buf = (uint8_t *)"sentinel";
	char topic[8];

	interest_copy(&ev.u.interest, &I1);
	cr_assert_eq(codec_event_pack(&ev, &buf, topic, sizeof topic), 0);
	cr_assert_null(buf);
	event_release(&ev);
}

Test(codec, event_decode_refusals)
{
	PB(Event) e = VETALLIANCE__V1__EVENT__INIT;
	uint8_t buf[64];
	size_t len;
	event_t out;

	cr_assert_eq(codec_event_decode("\x0f", 1, &out, err, sizeof err), -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "malformed event");
	cr_assert_null(out.actor);

	/* an event with no payload (or one from a newer daemon) */
	e.seq = 9;
	e.actor = "a";
	len = vetalliance__v1__event__pack(&e, buf);
	cr_assert_eq(codec_event_decode(buf, len, &out, err, sizeof err), -VA_INVALID_ARGUMENT);
	cr_assert(strncmp(err, "event 9: unknown payload", 24) == 0, "message: %s", err);
	cr_assert_null(out.actor, "a refused event keeps its strings");
	cr_assert_null(out.request_id);
}

/* Every kind of EV_MAP goes to the wire and comes back as itself, under
 * a topic that names it, and the wire's other payloads (a heartbeat) are
 * refused as no event of the state. */
Test(codec, every_event_kind_round_trips_through_the_wire)
{
	for (int t = 0; t < EV_COUNT; t++) {
		event_t ev = {.seq = 7, .time_ms = 1000, .type = (ev_type_t)t}, back;
		char topic[64];
		uint8_t *buf = NULL;
		size_t len = codec_event_pack(&ev, &buf, topic, sizeof topic);

		cr_assert_gt(len, 0, "kind %d does not pack", t);
		cr_assert(strchr(topic, '.') != NULL, "kind %d: topic '%s'", t, topic);
		cr_assert_eq(codec_event_decode(buf, len, &back, err, sizeof err), 0, "kind %d: %s",
			     t, err);
		cr_assert_eq(back.type, (ev_type_t)t, "kind %d came back as %d", t, back.type);
		cr_assert_eq(back.seq, 7);
		event_release(&back);
		free(buf);
	}
	{
		Vetalliance__V1__Event e = VETALLIANCE__V1__EVENT__INIT;
		Vetalliance__V1__DaemonHeartbeat hb = VETALLIANCE__V1__DAEMON_HEARTBEAT__INIT;
		uint8_t buf[64];
		size_t len;
		event_t back;

		e.seq = 0;
		e.payload_case = VETALLIANCE__V1__EVENT__PAYLOAD_DAEMON_HEARTBEAT;
		e.daemon_heartbeat = &hb;
		len = vetalliance__v1__event__pack(&e, buf);
		cr_assert_neq(codec_event_decode(buf, len, &back, err, sizeof err), 0);
		cr_assert(strstr(err, "unknown payload") != NULL, "%s", err);
	}
}
