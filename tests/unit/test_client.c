/*
 * test_client.c - va_client_t of clients/lib/client.c, and the small
 * helpers beside it (status names, request ids, event types).
 *
 * The daemon is played by a ROUTER on an ipc:// endpoint in a fresh
 * temporary directory, served from a thread.  Each scenario is a `mode`
 * of that server: answer, ignore the first attempt, send junk before the
 * answer, answer every attempt late.  The server records what it
 * received, and the test checks both sides after joining it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <zmq.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>

#define MAX_SEEN 8

enum mode {
	ANSWER,       /* answer each request at once */
	IGNORE_FIRST, /* drop the first attempt, answer the second */
	JUNK_FIRST,   /* a stale reply and an undecodable frame, then the answer */
	ANSWER_LATE,  /* wait for a second attempt, then answer both */
};

struct server {
	enum mode mode;
	int serve; /* requests to take before the thread ends */
	void *ctx;
	void *router;
	pthread_t thread;
	char dir[64];
	char endpoint[128];
	const char *error; /* the first failure inside the thread */
	/* what arrived, in order */
	int n_seen;
	char ids[MAX_SEEN][VA_REQUEST_ID_MAX + 1];
	size_t sizes[MAX_SEEN];
	unsigned char bytes[MAX_SEEN][256];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Criterion asserts belong to the test's thread; the server thread records
 * its first failure for the test to assert on after the join. */
#define CHECK(s, cond)                                                                             \
	do {                                                                                       \
		if (!(cond) && (s)->error == NULL)                                                 \
			(s)->error = #cond;                                                        \
	} while (0)

/* send_reply - [identity][Reply] with the given request id and status. */
static void send_reply(struct server *s, zmq_msg_t *identity, const char *request_id,
		       Vetalliance__V1__Status status, uint64_t seq)
{
	Vetalliance__V1__Reply r = VETALLIANCE__V1__REPLY__INIT;
	unsigned char buf[512];
	size_t len;

	r.request_id = (char *)request_id;
	r.status = status;
	r.seq = seq;
	len = vetalliance__v1__reply__get_packed_size(&r);
	CHECK(s, len <= sizeof buf);
	if (len > sizeof buf)
		return;
	vetalliance__v1__reply__pack(&r, buf);
	CHECK(s, zmq_send(s->router, zmq_msg_data(identity), zmq_msg_size(identity), ZMQ_SNDMORE) >=
		     0);
	CHECK(s, zmq_send(s->router, buf, len, 0) >= 0);
}

/* take - receive one request (up to 5 s); records it, returns 0 or -1. */
static int take(struct server *s, zmq_msg_t *identity)
{
	zmq_pollitem_t item = {.socket = s->router, .events = ZMQ_POLLIN};
	Vetalliance__V1__Request *req = NULL;
	zmq_msg_t payload;
	int i = s->n_seen;
	int rc = -1;

	if (zmq_poll(&item, 1, 5000) <= 0 || i >= MAX_SEEN)
		return -1;
	zmq_msg_init(&payload);
	if (zmq_msg_recv(identity, s->router, 0) < 0 || !zmq_msg_more(identity) ||
	    zmq_msg_recv(&payload, s->router, 0) < 0) {
		CHECK(s, !"a request is [identity][payload]");
		goto out;
	}
	/* a DEALER request is one frame */
	CHECK(s, !zmq_msg_more(&payload));
	req =
	    vetalliance__v1__request__unpack(NULL, zmq_msg_size(&payload), zmq_msg_data(&payload));
	CHECK(s, req != NULL);
	if (req == NULL || zmq_msg_size(&payload) > sizeof s->bytes[i])
		goto out;
	snprintf(s->ids[i], sizeof s->ids[i], "%s", req->request_id);
	s->sizes[i] = zmq_msg_size(&payload);
	memcpy(s->bytes[i], zmq_msg_data(&payload), s->sizes[i]);
	s->n_seen++;
	rc = 0;
out:
	if (req != NULL)
		vetalliance__v1__request__free_unpacked(req, NULL);
	zmq_msg_close(&payload);
	return rc;
}

static void *serve(void *arg)
{
	struct server *s = arg;
	zmq_msg_t id1, id2;

	zmq_msg_init(&id1);
	zmq_msg_init(&id2);
	for (int done = 0; done < s->serve; done++) {
		int first = s->n_seen;

		if (take(s, &id1) < 0)
			break;
		switch (s->mode) {
		case ANSWER:
			send_reply(s, &id1, s->ids[first], VETALLIANCE__V1__STATUS__STATUS_OK,
				   (uint64_t)first + 1);
			break;
		case IGNORE_FIRST:
			if (first == 0)
				done--; /* not served */
			else
				send_reply(s, &id1, s->ids[first],
					   VETALLIANCE__V1__STATUS__STATUS_OK, 7);
			break;
		case JUNK_FIRST:
			send_reply(s, &id1, "someone-elses-id",
				   VETALLIANCE__V1__STATUS__STATUS_ALREADY_EXISTS, 1);
			CHECK(s, zmq_send(s->router, zmq_msg_data(&id1), zmq_msg_size(&id1),
					  ZMQ_SNDMORE) >= 0);
			CHECK(s, zmq_send(s->router, "\xff\xff\xff not a reply", 16, 0) >= 0);
			send_reply(s, &id1, s->ids[first], VETALLIANCE__V1__STATUS__STATUS_OK, 2);
			break;
		case ANSWER_LATE:
			if (first == 0) {
				/* both attempts of the first call, then two answers */
				if (take(s, &id2) < 0)
					goto out;
				send_reply(s, &id1, s->ids[0], VETALLIANCE__V1__STATUS__STATUS_OK,
					   10);
				send_reply(s, &id2, s->ids[1], VETALLIANCE__V1__STATUS__STATUS_OK,
					   11);
			} else {
				send_reply(s, &id1, s->ids[first],
					   VETALLIANCE__V1__STATUS__STATUS_OK, 20);
			}
			break;
		}
	}
out:
	zmq_msg_close(&id1);
	zmq_msg_close(&id2);
	return NULL;
}

/* server_start - bind the ROUTER; with serve > 0 start the thread. */
static void server_start(struct server *s, enum mode mode, int n)
{
	int linger = 0;

	memset(s, 0, sizeof *s);
	s->mode = mode;
	s->serve = n;
	snprintf(s->dir, sizeof s->dir, "/tmp/va-test-client-XXXXXX");
	cr_assert_not_null(mkdtemp(s->dir));
	snprintf(s->endpoint, sizeof s->endpoint, "ipc://%s/cmd.sock", s->dir);
	s->ctx = zmq_ctx_new();
	cr_assert_not_null(s->ctx);
	s->router = zmq_socket(s->ctx, ZMQ_ROUTER);
	cr_assert_not_null(s->router);
	zmq_setsockopt(s->router, ZMQ_LINGER, &linger, sizeof linger);
	cr_assert_eq(zmq_bind(s->router, s->endpoint), 0, "bind '%s': %s", s->endpoint,
		     zmq_strerror(zmq_errno()));
	if (n > 0)
		cr_assert_eq(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
	char path[128];

	if (s->serve > 0)
		pthread_join(s->thread, NULL);
	zmq_close(s->router);
	zmq_ctx_term(s->ctx);
	snprintf(path, sizeof path, "%s/cmd.sock", s->dir);
	unlink(path);
	rmdir(s->dir);
	cr_assert_null(s->error, "server: %s", s->error);
}

/* centre_get - a small request for `id`. */
static void centre_get(va_request_t *req, Vetalliance__V1__CentreGet *get, const char *id)
{
	vetalliance__v1__request__init(req);
	vetalliance__v1__centre_get__init(get);
	get->id = (char *)id;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_GET;
	req->centre_get = get;
}

Test(client, call_gets_the_reply)
{
	Vetalliance__V1__CentreGet get;
	struct server s;
	va_request_t req;
	va_reply_t *reply = NULL;
	va_client_t *c;

	server_start(&s, ANSWER, 1);
	c = va_client_new(s.endpoint, 2000, 1);
	cr_assert_not_null(c);
	centre_get(&req, &get, "CECOA");
	req.request_id = "req-1";
	cr_assert_eq(va_client_call(c, &req, &reply), 0);
	cr_assert_not_null(reply);
	cr_assert_str_eq(reply->request_id, "req-1");
	cr_assert_eq(reply->status, VETALLIANCE__V1__STATUS__STATUS_OK);
	cr_assert_eq(reply->seq, 1);
	va_reply_free(&reply);
	cr_assert_null(reply);
	va_reply_free(&reply); /* idempotent */
	va_client_free(&c);
	cr_assert_null(c);
	va_client_free(&c);
	server_stop(&s);
	cr_assert_eq(s.n_seen, 1);
	cr_assert_str_eq(s.ids[0], "req-1");
}

Test(client, empty_request_id_is_generated)
{
	char id[VA_REQUEST_ID_MAX + 1];
	Vetalliance__V1__CentreGet get;
	struct server s;
	va_request_t req;
	va_reply_t *reply = NULL;
	va_client_t *c;

	server_start(&s, ANSWER, 2);
	c = va_client_new(s.endpoint, 2000, 1);
	cr_assert_not_null(c);
	centre_get(&req, &get, "CECOA");
	cr_assert_str_eq(req.request_id, "");
	cr_assert_eq(va_client_call(c, &req, &reply), 0);
	cr_assert_eq(strlen(req.request_id), 32, "generated id '%s'", req.request_id);
	cr_assert_eq(strspn(req.request_id, "0123456789abcdef"), 32);
	cr_assert_str_eq(reply->request_id, req.request_id);
	snprintf(id, sizeof id, "%s", req.request_id);
	va_reply_free(&reply);

	/* the same struct again: the generated id died with the first call */
	cr_assert_eq(va_client_call(c, &req, &reply), 0);
	cr_assert_str_neq(req.request_id, id, "the generated id was reused");
	cr_assert_str_eq(reply->request_id, req.request_id);
	va_reply_free(&reply);

	va_client_free(&c); /* req.request_id pointed into it */
	server_stop(&s);
	cr_assert_eq(s.n_seen, 2);
	cr_assert_str_eq(s.ids[0], id, "the server saw another id");
	cr_assert_str_neq(s.ids[1], id);
}

Test(client, retry_resends_the_same_request)
{
	Vetalliance__V1__CentreGet get;
	struct server s;
	va_request_t req;
	va_reply_t *reply = NULL;
	va_client_t *c;
	int64_t start;

	server_start(&s, IGNORE_FIRST, 1);
	c = va_client_new(s.endpoint, 200, 3);
	cr_assert_not_null(c);
	centre_get(&req, &get, "CECOA");
	start = now_ms();
	cr_assert_eq(va_client_call(c, &req, &reply), 0);
	cr_assert_geq(now_ms() - start, 190, "answered before the first attempt timed out");
	cr_assert_eq(reply->seq, 7);
	cr_assert_str_eq(reply->request_id, req.request_id);
	va_reply_free(&reply);
	va_client_free(&c);
	server_stop(&s);
	cr_assert_eq(s.n_seen, 2, "the server saw %d attempts", s.n_seen);
	cr_assert_str_eq(s.ids[0], s.ids[1], "a retry changed the request id");
	cr_assert_eq(s.sizes[0], s.sizes[1]);
	cr_assert_eq(memcmp(s.bytes[0], s.bytes[1], s.sizes[0]), 0, "a retry changed the bytes");
}

Test(client, stale_and_undecodable_replies_are_dropped)
{
	Vetalliance__V1__CentreGet get;
	struct server s;
	va_request_t req;
	va_reply_t *reply = NULL;
	va_client_t *c;

	server_start(&s, JUNK_FIRST, 1);
	c = va_client_new(s.endpoint, 2000, 1);
	cr_assert_not_null(c);
	centre_get(&req, &get, "CECOA");
	req.request_id = "mine";
	cr_assert_eq(va_client_call(c, &req, &reply), 0);
	cr_assert_str_eq(reply->request_id, "mine");
	cr_assert_eq(reply->status, VETALLIANCE__V1__STATUS__STATUS_OK, "took the stale reply");
	cr_assert_eq(reply->seq, 2);
	va_reply_free(&reply);
	va_client_free(&c);
	server_stop(&s);
	cr_assert_eq(s.n_seen, 1, "retried although the answer came");
}

Test(client, late_duplicate_reply_does_not_answer_the_next_call)
{
	Vetalliance__V1__CentreGet get;
	struct server s;
	va_request_t req;
	va_reply_t *reply = NULL;
	va_client_t *c;

	server_start(&s, ANSWER_LATE, 2);
	c = va_client_new(s.endpoint, 150, 3);
	cr_assert_not_null(c);

	centre_get(&req, &get, "A");
	req.request_id = "first";
	cr_assert_eq(va_client_call(c, &req, &reply), 0);
	cr_assert_str_eq(reply->request_id, "first");
	cr_assert_eq(reply->seq, 10, "not the answer to the first attempt");
	va_reply_free(&reply);

	/* The answer to the second attempt of "first" is now queued. */
	centre_get(&req, &get, "B");
	req.request_id = "second";
	cr_assert_eq(va_client_call(c, &req, &reply), 0);
	cr_assert_str_eq(reply->request_id, "second");
	cr_assert_eq(reply->seq, 20);
	va_reply_free(&reply);

	va_client_free(&c);
	server_stop(&s);
	cr_assert_eq(s.n_seen, 3);
	cr_assert_str_eq(s.ids[2], "second");
}

Test(client, no_server_is_deadline_exceeded)
{
	Vetalliance__V1__CentreGet get;
	char dir[] = "/tmp/va-test-client-XXXXXX";
	char endpoint[128];
	va_request_t req;
	va_reply_t *reply = NULL;
	va_client_t *c;
	int64_t start, took;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(endpoint, sizeof endpoint, "ipc://%s/nobody.sock", dir);
	c = va_client_new(endpoint, 100, 3);
	cr_assert_not_null(c);
	centre_get(&req, &get, "CECOA");
	start = now_ms();
	cr_assert_eq(va_client_call(c, &req, &reply), -VA_DEADLINE_EXCEEDED);
	took = now_ms() - start;
	cr_assert_null(reply);
	cr_assert_geq(took, 290, "gave up after %lld ms", (long long)took);
	cr_assert_lt(took, 1500, "took %lld ms for 3 x 100 ms", (long long)took);
	va_client_free(&c);
	rmdir(dir);
}

Test(client, refuses_an_overlong_request_id)
{
	Vetalliance__V1__CentreGet get;
	char id[VA_REQUEST_ID_MAX + 2];
	va_request_t req;
	va_reply_t *reply = NULL;
	va_client_t *c;

	c = va_client_new("ipc:///tmp/va-test-client-unused.sock", 100, 1);
	cr_assert_not_null(c);
	memset(id, 'x', sizeof id - 1);
	id[sizeof id - 1] = '\0';
	centre_get(&req, &get, "CECOA");
	req.request_id = id;
	cr_assert_eq(va_client_call(c, &req, &reply), -VA_INVALID_ARGUMENT);
	cr_assert_null(reply);
	va_client_free(&c);
}

Test(client, malformed_endpoint)
{
	cr_assert_null(va_client_new("nonsense", 100, 1));
	cr_assert_null(va_client_new("carrier-pigeon://x", 100, 1));
}

Test(client, request_ids_are_random_hex)
{
	char a[33], b[33];

	cr_assert_eq(va_request_id_new(a), a);
	va_request_id_new(b);
	cr_assert_eq(strlen(a), 32);
	cr_assert_eq(strspn(a, "0123456789abcdef"), 32, "'%s'", a);
	cr_assert_str_neq(a, b);
}

Test(client, event_type)
{
	Vetalliance__V1__Event ev = VETALLIANCE__V1__EVENT__INIT;
	Vetalliance__V1__Centre c = VETALLIANCE__V1__CENTRE__INIT;
	Vetalliance__V1__SectorInterest in = VETALLIANCE__V1__SECTOR_INTEREST__INIT;
	char buf[64];

	cr_assert_eq(va_event_type(&ev, buf, sizeof buf), -VA_INVALID_ARGUMENT, "no payload");

	ev.payload_case = VETALLIANCE__V1__EVENT__PAYLOAD_CENTRE_REGISTERED;
	ev.centre_registered = &c;
	cr_assert_eq(va_event_type(&ev, buf, sizeof buf), 0);
	cr_assert_str_eq(buf, "centre.registered");

	ev.payload_case = VETALLIANCE__V1__EVENT__PAYLOAD_PARTNER_UPDATED;
	cr_assert_eq(va_event_type(&ev, buf, sizeof buf), 0);
	cr_assert_str_eq(buf, "partner.updated");

	/* only the first '_' becomes '.' */
	ev.payload_case = VETALLIANCE__V1__EVENT__PAYLOAD_SECTOR_INTEREST_MARKED;
	ev.sector_interest_marked = &in;
	cr_assert_eq(va_event_type(&ev, buf, sizeof buf), 0);
	cr_assert_str_eq(buf, "sector.interest_marked");

	/* "sector.interest_marked" needs 23 bytes */
	cr_assert_eq(va_event_type(&ev, buf, 22), -VA_INVALID_ARGUMENT);
	cr_assert_eq(va_event_type(&ev, buf, 23), 0);

	ev.payload_case = (Vetalliance__V1__Event__PayloadCase)999;
	cr_assert_eq(va_event_type(&ev, buf, sizeof buf), -VA_INVALID_ARGUMENT);
}

Test(error, names_and_messages)
{
	cr_assert_str_eq(va_status_name(VA_OK), "OK");
	cr_assert_str_eq(va_status_name(VA_NOT_FOUND), "NOT_FOUND");
	cr_assert_str_eq(va_status_name(-VA_NOT_FOUND), "NOT_FOUND");
	cr_assert_str_eq(va_status_name(-VA_DEADLINE_EXCEEDED), "DEADLINE_EXCEEDED");
	cr_assert_str_eq(va_status_name(VA_STATUS_COUNT), "UNKNOWN");
	cr_assert_str_eq(va_status_name(-1000), "UNKNOWN");
	cr_assert_str_eq(va_strerror(-VA_INTERNAL), "internal error");
	cr_assert_str_eq(va_strerror(VA_PERMISSION_DENIED), "permission denied");
	cr_assert_str_eq(va_strerror(12345), "unknown status");
	/* the C codes are the wire numbers */
	cr_assert_eq(VA_RULE_VIOLATION, VETALLIANCE__V1__STATUS__STATUS_RULE_VIOLATION);
	cr_assert_eq(VA_DEADLINE_EXCEEDED, VETALLIANCE__V1__STATUS__STATUS_DEADLINE_EXCEEDED);
	cr_assert_eq(VA_STATUS_COUNT, vetalliance__v1__status__descriptor.n_values);
}
