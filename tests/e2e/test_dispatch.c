/*
 * test_dispatch.c - the server's dispatch of one request: decode, then a
 * command (decided, committed, answered after its fsync) or a query; the
 * reply barrier (a reply waits behind the events pending before it, so a
 * query sees every command sent before it); a retry answered with the
 * original seq; a malformed payload refused without harm to what follows.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>

#include "harness.h"

static vt_daemon_t d;

static void teardown(void)
{
	vt_zmq_cleanup();
	vt_daemon_cleanup(&d);
}

TestSuite(dispatch, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

static void send_req(void *s, va_request_t *req)
{
	size_t len;
	uint8_t *buf = vt_request_pack(req, &len);

	cr_assert_eq(zmq_send(s, buf, len, 0), (int)len);
	free(buf);
}

static void send_register(void *s, const char *rid, const char *id)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__CentreRegister cr = VETALLIANCE__V1__CENTRE_REGISTER__INIT;
	Vetalliance__V1__Centre c = VETALLIANCE__V1__CENTRE__INIT;

	c.id = (char *)id;
	c.name = (char *)id;
	c.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE;
	c.partner = "IEFP";
	c.country = "PT";
	cr.centre = &c;
	req.request_id = (char *)rid;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;
	req.centre_register = &cr;
	send_req(s, &req);
}

static void send_get(void *s, const char *rid, const char *id)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__CentreGet g = VETALLIANCE__V1__CENTRE_GET__INIT;

	g.id = (char *)id;
	req.request_id = (char *)rid;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_GET;
	req.centre_get = &g;
	send_req(s, &req);
}

static va_reply_t *reply(void *s, const char *rid)
{
	va_reply_t *r = vt_zmq_recv_reply(s, 10000, NULL);

	cr_assert_not_null(r, "no reply for '%s'", rid);
	cr_assert_str_eq(r->request_id, rid, "replies out of order");
	return r;
}

/* Commands and the queries behind them, sent at once on one socket: each
 * query sees the commands before it, and every reply comes in order. */
Test(dispatch, a_query_behind_commands_sees_them)
{
	void *s;
	char rid[16], id[16];

	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	s = vt_zmq_socket(ZMQ_DEALER, d.cmd_ep);
	for (int i = 0; i < 20; i++) {
		snprintf(rid, sizeof rid, "reg-%d", i);
		snprintf(id, sizeof id, "C%d", i);
		send_register(s, rid, id);
		snprintf(rid, sizeof rid, "get-%d", i);
		send_get(s, rid, id);
	}
	for (int i = 0; i < 20; i++) {
		va_reply_t *r;
		uint64_t seq;

		snprintf(rid, sizeof rid, "reg-%d", i);
		r = reply(s, rid);
		cr_assert_eq(r->status, VETALLIANCE__V1__STATUS__STATUS_OK, "%s", r->message);
		seq = r->seq;
		va_reply_free(&r);
		snprintf(rid, sizeof rid, "get-%d", i);
		r = reply(s, rid);
		cr_assert_eq(r->status, VETALLIANCE__V1__STATUS__STATUS_OK,
			     "the query did not see the command before it: %s", r->message);
		cr_assert_eq(r->result_case, VETALLIANCE__V1__REPLY__RESULT_CENTRE);
		snprintf(id, sizeof id, "C%d", i);
		cr_assert_str_eq(r->centre->id, id);
		cr_assert_geq(r->seq, seq, "the query's seq is before its command's");
		va_reply_free(&r);
	}
}

/* A retry of an applied command: OK with the original seq, no new event;
 * the same id from another request body is the same request. */
Test(dispatch, a_retry_gets_the_original_answer)
{
	void *s;
	va_reply_t *r;
	uint64_t seq;

	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	s = vt_zmq_socket(ZMQ_DEALER, d.cmd_ep);
	send_register(s, "once", "ONCE");
	r = reply(s, "once");
	cr_assert_eq(r->status, VETALLIANCE__V1__STATUS__STATUS_OK, "%s", r->message);
	seq = r->seq;
	va_reply_free(&r);
	send_register(s, "other", "OTHER");
	r = reply(s, "other");
	va_reply_free(&r);
	send_register(s, "once", "ONCE");
	r = reply(s, "once");
	cr_assert_eq(r->status, VETALLIANCE__V1__STATUS__STATUS_OK, "a retry was decided again: %s",
		     r->message);
	cr_assert_eq(r->seq, seq, "a retry got another seq");
	va_reply_free(&r);
	send_get(s, "after", "OTHER");
	r = reply(s, "after");
	cr_assert_eq(r->seq, seq + 1, "the retry produced an event");
	va_reply_free(&r);
}

/* Bytes that are not a Request: refused by name, with no request id to
 * echo; the socket and the daemon go on. */
Test(dispatch, a_malformed_payload_is_refused_and_harms_nothing)
{
	static const uint8_t junk[] = {0xff, 0xff, 0xff, 0x0f, 0x42};
	void *s;
	va_reply_t *r;

	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	s = vt_zmq_socket(ZMQ_DEALER, d.cmd_ep);
	cr_assert_eq(zmq_send(s, junk, sizeof junk, 0), (int)sizeof junk);
	r = vt_zmq_recv_reply(s, 10000, NULL);
	cr_assert_not_null(r, "no reply to a malformed payload");
	cr_assert_eq(r->status, VETALLIANCE__V1__STATUS__STATUS_INVALID_ARGUMENT);
	cr_assert(strstr(r->message, "malformed request") != NULL, "%s", r->message);
	cr_assert_str_eq(r->request_id, "");
	va_reply_free(&r);
	send_register(s, "fine", "FINE");
	r = reply(s, "fine");
	cr_assert_eq(r->status, VETALLIANCE__V1__STATUS__STATUS_OK, "%s", r->message);
	va_reply_free(&r);
	cr_assert(vt_daemon_alive(&d));
}
