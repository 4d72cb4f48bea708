/*
 * test_badinput.c - hostile and malformed input against the real daemon.
 *
 * Every case is sent by one DEALER to one daemon: each must get a Reply
 * with STATUS_INVALID_ARGUMENT whose message names the field (or the
 * request, for bytes that are not a Request), and the next valid request
 * on the same socket must be answered.  Messages the daemon cannot answer
 * (over --max-msg-size, too many frames) get no reply, and a client is
 * served right after.  Each test ends by stopping the daemon with SIGTERM
 * and expecting exit 0: an ASan build exits non-zero on a leak, so this
 * also shows that refusing input leaks nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <zmq.h>

#include <vetalliance/client.h>

#include "harness.h"

#define REPLY_TIMEOUT_MS   10000
#define SILENCE_TIMEOUT_MS 1000

typedef Vetalliance__V1__Request request_t;

static vt_daemon_t d;

static void start_daemon(const char *const *extra)
{
	if (vt_daemon_start(&d, extra) < 0) {
		vt_daemon_cleanup(&d); /* .fini does not run after a failed .init */
		cr_assert_fail("the daemon did not start");
	}
}

static void setup(void)
{
	start_daemon(NULL);
}

static void setup_small(void)
{
	start_daemon((const char *const[]){"--max-msg-size", "4096", NULL});
}

static void teardown(void)
{
	vt_zmq_cleanup();
	vt_daemon_cleanup(&d);
}

TestSuite(badinput, .init = setup, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

/* ------------------------------------------------------------- helpers */

/* dealer - a DEALER to the daemon, closed by .fini. */
static void *dealer(void)
{
	return vt_zmq_socket(ZMQ_DEALER, d.cmd_ep);
}

static void send_bytes(void *sock, const void *buf, size_t len)
{
	cr_assert_eq(zmq_send(sock, buf, len, 0), (int)len, "send: %s", zmq_strerror(zmq_errno()));
}

/* expect_ok - a valid request on sock is answered. */
static void expect_ok(void *sock, const char *after)
{
	request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__PartnerGet get = VETALLIANCE__V1__PARTNER_GET__INIT;
	va_reply_t *reply;
	uint8_t *buf;
	size_t len;
	char rid[64];

	snprintf(rid, sizeof rid, "ok-after-%.40s", after);
	for (char *p = rid; *p != '\0'; p++)
		if (*p == ' ')
			*p = '-';
	get.id = "CYL";
	req.request_id = rid;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_GET;
	req.partner_get = &get;
	buf = vt_request_pack(&req, &len);
	send_bytes(sock, buf, len);
	free(buf);
	reply = vt_zmq_recv_reply(sock, REPLY_TIMEOUT_MS, NULL);
	cr_assert_not_null(reply, "after '%s': a valid request got no reply", after);
	cr_expect_str_eq(reply->request_id, rid, "after '%s'", after);
	cr_expect_eq(reply->status, VETALLIANCE__V1__STATUS__STATUS_OK, "after '%s': %s", after,
		     reply->message);
	va_reply_free(&reply);
}

/*
 * expect_refused - send buf; the reply must be INVALID_ARGUMENT with
 * request_id `rid` and a message holding `what`; then a valid request is
 * answered.
 */
static void expect_refused(void *sock, const char *name, const void *buf, size_t len,
			   const char *rid, const char *what)
{
	va_reply_t *reply;

	send_bytes(sock, buf, len);
	reply = vt_zmq_recv_reply(sock, REPLY_TIMEOUT_MS, NULL);
	cr_assert_not_null(reply, "%s: no reply", name);
	cr_expect_eq(reply->status, VETALLIANCE__V1__STATUS__STATUS_INVALID_ARGUMENT,
		     "%s: status %d (%s)", name, (int)reply->status, reply->message);
	cr_expect_str_eq(reply->request_id, rid, "%s: request_id", name);
	cr_expect(strstr(reply->message, what) != NULL, "%s: message '%s' does not name '%s'", name,
		  reply->message, what);
	va_reply_free(&reply);
	expect_ok(sock, name);
}

/* refuse_request - pack req and expect_refused(). */
static void refuse_request(void *sock, const char *name, const request_t *req, const char *rid,
			   const char *what)
{
	size_t len;
	uint8_t *buf = vt_request_pack(req, &len);

	cr_assert_not_null(buf);
	expect_refused(sock, name, buf, len, rid, what);
	free(buf);
}

/* A valid centre_register request; the caller then breaks one field. */
typedef struct centre_req {
	request_t req;
	Vetalliance__V1__CentreRegister reg;
	Vetalliance__V1__Centre centre;
	char *sectors[1];
} centre_req_t;

static void centre_req_init(centre_req_t *c, char *rid)
{
	vetalliance__v1__request__init(&c->req);
	vetalliance__v1__centre_register__init(&c->reg);
	vetalliance__v1__centre__init(&c->centre);
	c->centre.id = "CECOA";
	c->centre.name = "CECOA";
	c->centre.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE;
	c->centre.partner = "IEFP";
	c->centre.country = "PT";
	c->centre.region = "Lisboa";
	c->sectors[0] = "international-commerce";
	c->centre.sectors = c->sectors;
	c->centre.n_sectors = 1;
	c->reg.centre = &c->centre;
	c->req.request_id = rid;
	c->req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;
	c->req.centre_register = &c->reg;
}

static char *repeat(char ch, size_t n)
{
	char *s = malloc(n + 1);

	cr_assert_not_null(s);
	memset(s, ch, n);
	s[n] = '\0';
	return s;
}

/* xorshift32: the same "random" bytes on every run. */
static uint32_t next_random(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* ---------------------------------------------------------- the cases */

Test(badinput, malformed_requests_are_refused_and_the_daemon_goes_on)
{
	void *s = dealer();

	expect_ok(s, "connecting");

	/* Random bytes that protobuf-c cannot unpack (checked here first, so
	 * the case means what it says). */
	{
		uint8_t buf[512];
		uint32_t state = 0x9e3779b9u;
		request_t *r = NULL;

		for (int tries = 0; tries < 100; tries++) {
			for (size_t i = 0; i < sizeof buf; i++)
				buf[i] = (uint8_t)next_random(&state);
			r = vetalliance__v1__request__unpack(NULL, sizeof buf, buf);
			if (r == NULL)
				break;
			vetalliance__v1__request__free_unpacked(r, NULL);
		}
		cr_assert_null(r, "no undecodable random bytes found");
		expect_refused(s, "random bytes", buf, sizeof buf, "", "malformed request");
	}

	/* A valid request cut short inside a nested message. */
	{
		centre_req_t c;
		uint8_t *buf;
		size_t len;
		request_t *r;

		centre_req_init(&c, "truncated");
		buf = vt_request_pack(&c.req, &len);
		r = vetalliance__v1__request__unpack(NULL, len - 5, buf);
		cr_assert_null(r, "the truncated request still unpacks");
		expect_refused(s, "truncated request", buf, len - 5, "", "malformed request");
		free(buf);
	}

	/* An empty message is a valid empty Request: no request_id. */
	expect_refused(s, "empty message", "", 0, "", "request_id");

	{
		centre_req_t c;

		centre_req_init(&c, "enum-99");
		c.centre.kind = (Vetalliance__V1__CentreKind)99;
		refuse_request(s, "unknown enum value", &c.req, "enum-99",
			       "centre_register.centre.kind");

		centre_req_init(&c, "enum-negative");
		c.centre.kind = (Vetalliance__V1__CentreKind)-1;
		refuse_request(s, "negative enum value", &c.req, "enum-negative",
			       "centre_register.centre.kind");

		centre_req_init(&c, "kind-unspecified");
		c.centre.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_UNSPECIFIED;
		refuse_request(s, "unspecified kind", &c.req, "kind-unspecified",
			       "centre_register.centre.kind");

		centre_req_init(&c, "empty-id");
		c.centre.id = "";
		refuse_request(s, "empty centre id", &c.req, "empty-id",
			       "centre_register.centre.id");

		centre_req_init(&c, "empty-name");
		c.centre.name = "";
		refuse_request(s, "empty centre name", &c.req, "empty-name",
			       "centre_register.centre.name");

		centre_req_init(&c, "no-centre");
		c.reg.centre = NULL;
		refuse_request(s, "no centre at all", &c.req, "no-centre",
			       "centre_register.centre");
	}

	/* Length limits: strings 256 bytes, ids 32, lists 64 entries. */
	{
		centre_req_t c;
		char *name10k = repeat('n', 10000);
		char *name257 = repeat('n', 257);
		char *id33 = repeat('A', 33);
		char *many[65];

		centre_req_init(&c, "name-10000");
		c.centre.name = name10k;
		refuse_request(s, "name of 10 000 bytes", &c.req, "name-10000",
			       "centre_register.centre.name");

		centre_req_init(&c, "name-257");
		c.centre.name = name257;
		refuse_request(s, "name of 257 bytes", &c.req, "name-257",
			       "centre_register.centre.name");

		centre_req_init(&c, "id-33");
		c.centre.id = id33;
		refuse_request(s, "id of 33 bytes", &c.req, "id-33", "centre_register.centre.id");

		for (size_t i = 0; i < 65; i++)
			many[i] = "it";
		centre_req_init(&c, "sectors-65");
		c.centre.sectors = many;
		c.centre.n_sectors = 65;
		refuse_request(s, "65 sectors", &c.req, "sectors-65",
			       "centre_register.centre.sectors");

		free(name10k);
		free(name257);
		free(id33);
	}

	/* Strings that are not UTF-8: invalid bytes, an overlong '/', a
	 * surrogate, a truncated sequence. */
	{
		static const char *const bad[] = {"CECOA \xff\xfe", "\xc0\xaf", "\xed\xa0\x80",
						  "ok\xe2\x82"};
		centre_req_t c;

		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			char rid[32], name[48];

			snprintf(rid, sizeof rid, "utf8-%zu", i);
			snprintf(name, sizeof name, "non-UTF-8 name %zu", i);
			centre_req_init(&c, rid);
			c.centre.name = (char *)bad[i];
			refuse_request(s, name, &c.req, rid, "centre_register.centre.name");
		}
		centre_req_init(&c, "utf8-sector");
		c.sectors[0] = "\xff";
		refuse_request(s, "non-UTF-8 list entry", &c.req, "utf8-sector",
			       "centre_register.centre.sectors[0]");

		/* A request_id that is not UTF-8 cannot be echoed. */
		centre_req_init(&c, "id\xff");
		refuse_request(s, "non-UTF-8 request_id", &c.req, "", "request_id");
	}

	/* request_id: required, at most 64 bytes. */
	{
		request_t req = VETALLIANCE__V1__REQUEST__INIT;
		Vetalliance__V1__PartnerList list = VETALLIANCE__V1__PARTNER_LIST__INIT;
		char *rid65 = repeat('r', 65);

		req.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_LIST;
		req.partner_list = &list;
		req.request_id = "";
		refuse_request(s, "empty request_id", &req, "", "request_id");
		req.request_id = rid65;
		refuse_request(s, "request_id of 65 bytes", &req, "", "request_id");
		free(rid65);
	}

	/* No command at all. */
	{
		request_t req = VETALLIANCE__V1__REQUEST__INIT;

		req.request_id = "no-body";
		refuse_request(s, "request without a body", &req, "no-body", "request");
		refuse_request(s, "request without a body (message)", &req, "no-body",
			       "no known command");
	}

	/* A command from a newer client: field 999, length-delimited, which
	 * proto3 skips, leaving no body. */
	{
		static const uint8_t buf[] = {
		    0x0a, 7,    'n', 'e', 'w', 'e', 'r', '-', '1', /* 1: request_id */
		    0xba, 0x3e, 3,   'a', 'b', 'c',                /* 999: "abc" */
		};
		request_t *r = vetalliance__v1__request__unpack(NULL, sizeof buf, buf);

		cr_assert_not_null(r, "the hand-encoded request does not unpack");
		cr_assert_eq(r->body_case, VETALLIANCE__V1__REQUEST__BODY__NOT_SET);
		vetalliance__v1__request__free_unpacked(r, NULL);
		expect_refused(s, "unknown field 999", buf, sizeof buf, "newer-1",
			       "no known command");
	}

	/* At the limits exactly, the same request is accepted. */
	{
		centre_req_t c;
		char *name256 = repeat('n', 256);
		char *id32 = repeat('B', 32);
		char *rid64 = repeat('k', 64);
		va_reply_t *reply;
		uint8_t *buf;
		size_t len;

		centre_req_init(&c, rid64);
		c.centre.name = name256;
		c.centre.id = id32;
		buf = vt_request_pack(&c.req, &len);
		send_bytes(s, buf, len);
		free(buf);
		reply = vt_zmq_recv_reply(s, REPLY_TIMEOUT_MS, NULL);
		cr_assert_not_null(reply);
		cr_expect_eq(reply->status, VETALLIANCE__V1__STATUS__STATUS_OK,
			     "at the limits: status %d (%s)", (int)reply->status, reply->message);
		cr_expect_str_eq(reply->request_id, rid64);
		va_reply_free(&reply);
		free(name256);
		free(id32);
		free(rid64);
	}

	cr_assert(vt_daemon_alive(&d));
	cr_assert_eq(vt_daemon_stop(&d), 0, "exit status %d after bad input", d.exit_status);
}

/* A DEALER that speaks for a REQ or a proxy may prefix envelope frames;
 * the daemon takes 16 frames at most, its ROUTER's identity frame
 * included. */
Test(badinput, messages_of_too_many_frames_are_dropped)
{
	void *s = dealer();
	request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__PartnerList list = VETALLIANCE__V1__PARTNER_LIST__INIT;
	static const int envelopes[] = {19, 15, 14};
	uint8_t *buf;
	size_t len;

	expect_ok(s, "connecting");
	req.request_id = "frames";
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_LIST;
	req.partner_list = &list;
	buf = vt_request_pack(&req, &len);
	for (size_t k = 0; k < sizeof envelopes / sizeof envelopes[0]; k++) {
		int n = envelopes[k];
		size_t nframes = 0;
		va_reply_t *reply;
		/* 1 (identity) + n + 1 (payload) frames at the ROUTER */
		int answered = 1 + n + 1 <= 16;

		for (int i = 0; i < n; i++)
			cr_assert_eq(zmq_send(s, "", 0, ZMQ_SNDMORE), 0);
		send_bytes(s, buf, len);
		reply = vt_zmq_recv_reply(s, answered ? REPLY_TIMEOUT_MS : SILENCE_TIMEOUT_MS,
					  &nframes);
		if (answered) {
			cr_assert_not_null(reply, "%d frames: no reply", n + 1);
			cr_expect_eq(nframes, (size_t)n + 1, "the envelope came back as %zu frames",
				     nframes);
			cr_expect_eq(reply->status, VETALLIANCE__V1__STATUS__STATUS_OK);
		} else {
			cr_expect_null(reply, "a message of %d frames was answered", n + 1);
		}
		va_reply_free(&reply);
		expect_ok(s, "a message of many frames");
	}
	free(buf);
	cr_assert_eq(vt_daemon_stop(&d), 0, "exit status %d", d.exit_status);
}

/* ------------------------------------------------------- oversized */

TestSuite(oversized, .init = setup_small, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

Test(oversized, messages_over_max_msg_size_are_dropped)
{
	void *big = dealer();
	size_t size = 100 * 1024;
	uint8_t *buf = malloc(size);
	va_reply_t *reply;

	cr_assert_not_null(buf);
	expect_ok(big, "connecting");
	memset(buf, 0x0a, size); /* any bytes: libzmq refuses them unread */
	send_bytes(big, buf, size);
	free(buf);
	reply = vt_zmq_recv_reply(big, SILENCE_TIMEOUT_MS, NULL);
	cr_expect_null(reply, "a message over --max-msg-size was answered");
	va_reply_free(&reply);

	cr_assert(vt_daemon_alive(&d), "the daemon died of a big message");
	expect_ok(dealer(), "a message of 100 KB from another client");

	/* Just under the limit is fine: a 4 000-byte message (refused for
	 * its long name, but read and answered). */
	{
		centre_req_t c;
		char *name = repeat('n', 3900);
		size_t len;
		uint8_t *small;

		centre_req_init(&c, "near-limit");
		c.centre.name = name;
		small = vt_request_pack(&c.req, &len);
		cr_assert_lt(len, 4096);
		expect_refused(dealer(), "a message just under the limit", small, len, "near-limit",
			       "centre_register.centre.name");
		free(small);
		free(name);
	}
	cr_assert_eq(vt_daemon_stop(&d), 0, "exit status %d", d.exit_status);
}
