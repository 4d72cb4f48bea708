/*
 * test_feed.c - daemon/ops/feed.c, catch-up pages from the journal: a
 * real journal in a temporary directory, a ROUTER wrapped by zuv whose
 * callback hands each EventsSince to the feed and serves it, and a DEALER
 * that asks and reads the page.  Pages are in seq order, never past the
 * durable seq, bounded by events and bytes (yet never empty while there
 * is one), empty past the end, and refused for compacted history.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>
#include <zmq.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>

#include "codec/codec.h"
#include "harness.h"
#include "journal.h"
#include "ops/feed.h"
#include "state/model.h"
#include "zuv.h"

#define EVENTS 12

typedef struct harness {
	char dir[256];
	char endpoint[320];
	void *ctx, *router, *dealer;
	uv_loop_t loop;
	uv_timer_t timer;
	zuv_sock_t zs;
	feed_t *feed;
	journal_t *journal;
	uint64_t durable; /* what the server would pass as durable */
	va_reply_t *reply;
	int64_t deadline;
	int closed;
} harness_t;

static harness_t H;

/* Centre registrations 1..n, one batch of `per_batch` events each write. */
static void write_events(size_t n, size_t per_batch)
{
	journal_batch_t *b = journal_batch_new();
	char err[256], id[16];

	cr_assert_not_null(b);
	for (size_t i = 1; i <= n; i++) {
		event_t ev = {.seq = i, .time_ms = 1000 + (int64_t)i, .type = EV_CENTRE_REGISTERED};
		char topic[64];
		uint8_t *buf = NULL;
		size_t len;

		snprintf(id, sizeof id, "C%zu", i);
		ev.u.centre.id = id;
		ev.u.centre.name = id;
		ev.u.centre.partner = "IEFP";
		ev.u.centre.country = "PT";
		len = codec_event_pack(&ev, &buf, topic, sizeof topic);
		cr_assert_gt(len, 0);
		cr_assert_eq(journal_batch_add(b, i, buf, len), 0);
		free(buf);
		if (i % per_batch == 0 || i == n) {
			cr_assert_eq(journal_write(H.journal, b, err, sizeof err), 0, "%s", err);
			journal_batch_reset(b);
		}
	}
	journal_batch_free(&b);
}

static void on_request(zuv_sock_t *zs, zmq_msg_t *frames, size_t nframes)
{
	harness_t *h = zs->data;
	request_t req;
	char err[256];
	zmq_msg_t *payload = &frames[nframes - 1];

	cr_assert_eq(codec_request_decode(zmq_msg_data(payload), zmq_msg_size(payload), &req, err,
					  sizeof err),
		     0, "%s", err);
	cr_assert(req.is_query && req.query.type == QUERY_EVENTS_SINCE);
	feed_request(h->feed, frames, nframes, req.request_id, req.query.from_seq,
		     req.query.max_events, req.query.max_bytes);
	/* The journal is idle: serve at once, as the server does. */
	feed_serve(h->feed, h->journal, h->durable);
	request_release(&req);
}

static void setup_with(uint64_t segment_bytes)
{
	journal_options_t opts = {.segment_max_bytes = segment_bytes};
	char err[256];
	int zero = 0, one = 1;

	memset(&H, 0, sizeof H);
	cr_assert_eq(vt_mkdtemp(H.dir, sizeof H.dir), 0);
	snprintf(H.endpoint, sizeof H.endpoint, "ipc://%s/router.sock", H.dir);
	cr_assert_eq(journal_open(H.dir, &opts, &H.journal, NULL, err, sizeof err), 0, "%s", err);
	H.ctx = zmq_ctx_new();
	H.router = zmq_socket(H.ctx, ZMQ_ROUTER);
	H.dealer = zmq_socket(H.ctx, ZMQ_DEALER);
	cr_assert(H.router != NULL && H.dealer != NULL);
	zmq_setsockopt(H.router, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(H.dealer, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(H.router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
	cr_assert_eq(zmq_bind(H.router, H.endpoint), 0);
	cr_assert_eq(zmq_connect(H.dealer, H.endpoint), 0);
	cr_assert_eq(uv_loop_init(&H.loop), 0);
	cr_assert_eq(zuv_sock_init(&H.loop, &H.zs, H.router, on_request, &H), 0);
	H.feed = feed_new(&H.loop, &H.zs, NULL, 0);
	cr_assert_not_null(H.feed);
}

static void setup(void)
{
	setup_with(0);
}

static void on_closed(void *arg)
{
	(void)arg;
	H.closed++;
}

static void teardown(void)
{
	if (H.feed != NULL) {
		feed_close(H.feed, on_closed, NULL);
		zuv_sock_close(&H.zs, NULL);
		uv_run(&H.loop, UV_RUN_DEFAULT);
		feed_free(&H.feed);
		uv_loop_close(&H.loop);
	}
	va_reply_free(&H.reply);
	if (H.dealer != NULL)
		zmq_close(H.dealer);
	if (H.router != NULL)
		zmq_close(H.router);
	if (H.ctx != NULL)
		zmq_ctx_term(H.ctx);
	journal_free(&H.journal);
	if (H.dir[0] != '\0')
		vt_rm_rf(H.dir);
}

TestSuite(feed, .fini = teardown, .timeout = 30);

static void on_timer(uv_timer_t *t)
{
	va_reply_t *r = NULL;
	zmq_msg_t m;

	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, H.dealer, ZMQ_DONTWAIT) >= 0) {
		r = vetalliance__v1__reply__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
		cr_assert_not_null(r, "a reply that is not a Reply");
		H.reply = r;
	}
	zmq_msg_close(&m);
	if (H.reply != NULL || (int64_t)uv_now(&H.loop) > H.deadline)
		uv_timer_stop(t);
}

/* One EventsSince through the feed; the reply (NULL on a timeout). */
static va_reply_t *ask(uint64_t from, uint32_t max_events, uint32_t max_bytes)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__EventsSince es = VETALLIANCE__V1__EVENTS_SINCE__INIT;
	uint8_t buf[128];
	size_t len;

	va_reply_free(&H.reply);
	es.from_seq = from;
	es.max_events = max_events;
	es.max_bytes = max_bytes;
	req.request_id = "since";
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_EVENTS_SINCE;
	req.events_since = &es;
	len = vetalliance__v1__request__pack(&req, buf);
	cr_assert_eq(zmq_send(H.dealer, buf, len, 0), (int)len);
	uv_update_time(&H.loop);
	H.deadline = (int64_t)uv_now(&H.loop) + 5000;
	uv_timer_init(&H.loop, &H.timer);
	uv_timer_start(&H.timer, on_timer, 1, 1);
	while (uv_is_active((uv_handle_t *)&H.timer))
		uv_run(&H.loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&H.timer, NULL);
	uv_run(&H.loop, UV_RUN_NOWAIT);
	cr_assert_not_null(H.reply, "no reply to events_since from %llu", (unsigned long long)from);
	cr_assert_str_eq(H.reply->request_id, "since");
	return H.reply;
}

static void expect_page(const va_reply_t *r, uint64_t first_event, size_t n, uint64_t next,
			int more)
{
	const Vetalliance__V1__EventPage *pg;

	cr_assert_eq(r->status, VETALLIANCE__V1__STATUS__STATUS_OK, "%s", r->message);
	cr_assert_eq(r->result_case, VETALLIANCE__V1__REPLY__RESULT_EVENTS);
	pg = r->events;
	cr_assert_eq(pg->n_events, n, "%zu events, not %zu", pg->n_events, n);
	for (size_t i = 0; i < n; i++) {
		char id[16];

		cr_assert_eq(pg->events[i]->seq, first_event + i);
		snprintf(id, sizeof id, "C%llu", (unsigned long long)(first_event + i));
		cr_assert_str_eq(pg->events[i]->centre_registered->id, id);
	}
	cr_assert_eq(pg->next_seq, next);
	cr_assert_eq(pg->more, more);
	cr_assert_eq(pg->last_seq, H.durable);
}

Test(feed, pages_come_in_order_and_bounded_by_events)
{
	setup();
	write_events(EVENTS, 4);
	H.durable = EVENTS;
	expect_page(ask(1, 5, 0), 1, 5, 6, 1);
	expect_page(ask(6, 5, 0), 6, 5, 11, 1);
	expect_page(ask(11, 5, 0), 11, 2, 13, 0);
	/* Past the end: nothing, and where the end is. */
	expect_page(ask(13, 5, 0), 0, 0, 13, 0);
	/* 0 means 1. */
	expect_page(ask(0, 2, 0), 1, 2, 3, 1);
}

/* Records past the durable seq are in the journal but not shown. */
Test(feed, a_page_never_shows_what_is_not_durable)
{
	setup();
	write_events(EVENTS, 4);
	H.durable = 7;
	expect_page(ask(1, 100, 0), 1, 7, 8, 0);
	expect_page(ask(8, 100, 0), 0, 0, 8, 0);
}

/* A byte limit smaller than one event still gives that event. */
Test(feed, a_byte_limit_cuts_the_page_but_never_to_nothing)
{
	setup();
	write_events(EVENTS, 4);
	H.durable = EVENTS;
	expect_page(ask(3, 100, 1), 3, 1, 4, 1);
}

/* History compacted away: refused with the oldest seq kept. */
Test(feed, compacted_history_is_refused_with_where_it_starts)
{
	size_t removed = 0;
	char err[256];
	const va_reply_t *r;

	setup_with(256); /* a segment per batch */
	write_events(EVENTS, 4);
	H.durable = EVENTS;
	cr_assert_gt(journal_segment_count(H.journal), 1);
	cr_assert_eq(journal_compact(H.journal, 8, &removed, err, sizeof err), 0, "%s", err);
	cr_assert_gt(removed, 0);
	r = ask(1, 10, 0);
	cr_assert_eq(r->status, VETALLIANCE__V1__STATUS__STATUS_FAILED_PRECONDITION, "%s",
		     r->message);
	cr_assert_eq(r->result_case, VETALLIANCE__V1__REPLY__RESULT_EVENTS);
	cr_assert_eq(r->events->first_seq, journal_first_seq(H.journal));
	cr_assert_gt(r->events->first_seq, 1);
	/* From the first kept seq on, it is served. */
	r = ask(journal_first_seq(H.journal), 100, 0);
	cr_assert_eq(r->status, VETALLIANCE__V1__STATUS__STATUS_OK, "%s", r->message);
	cr_assert_eq(r->events->events[r->events->n_events - 1]->seq, EVENTS);
}
