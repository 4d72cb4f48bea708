/*
 * test_zuv.c - daemon/zuv.c, the ZeroMQ-libuv bridge: a ROUTER on a uv
 * loop in the test, wrapped by zuv with an echo callback.
 *
 *   - burst: a DEALER in another thread sends 50 000 messages without
 *     waiting, then reads; every echo must come back, in order.  A bridge
 *     that receives once per wake-up stalls here (ZMQ_FD is
 *     edge-triggered), so the DEALER's timeouts turn a stall into a
 *     failure rather than a hang.
 *   - messages of more than ZUV_MAX_FRAMES frames are dropped and
 *     counted, the ones after them delivered;
 *   - replies to an unknown identity (ROUTER_MANDATORY) are dropped and
 *     counted, and do not hold up the queue behind them;
 *   - messages already waiting when the socket is wrapped are delivered
 *     (the edge was consumed before zuv saw the socket);
 *   - the owner's own calls (init, send, flush) never deliver input: it
 *     comes on the loop's next turn;
 *   - a queue the socket pushes back on goes out, in order, when a peer
 *     arrives; closing drops what is queued;
 *   - zuv_sock_close calls its callback and leaves the loop with no
 *     handles.
 *
 * In the single-thread tests the DEALER is read by a uv timer that polls
 * it without blocking.  Endpoints are ipc:// in a mkdtemp directory.
 */
#include <criterion/criterion.h>

#include <vetalliance/error.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>
#include <zmq.h>

#include "zuv.h"

#define BURST      50000
#define MAX_REPLY  16
#define POLL_MS    2
#define WAIT_MS    10000
#define DEALER_TMO 20000 /* ms, for the burst thread's send and receive */

typedef struct reply {
	size_t nframes;
	char first[64]; /* the first frame, as a string */
	char last[64];
} reply_t;

typedef struct harness {
	char dir[256];
	char endpoint[320];
	void *ctx;
	void *router;
	void *dealer;
	void *sender; /* a bound DEALER wrapped by zuv, send-only */
	uv_loop_t loop;
	zuv_sock_t zs;
	uv_timer_t timer;
	int zs_open;
	int closed_calls;
	/* the DEALER side, read by the timer */
	reply_t replies[MAX_REPLY];
	size_t nreplies;
	size_t want;
	uint64_t deadline;
	int timed_out;
	/* echo behaviour */
	int send_unroutable_first;
	size_t echoed;
} harness_t;

static harness_t H;

/* ------------------------------------------------------------ helpers */

static void set_int(void *sock, int opt, int value)
{
	cr_assert_eq(zmq_setsockopt(sock, opt, &value, sizeof value), 0, "setsockopt %d: %s", opt,
		     zmq_strerror(zmq_errno()));
}

static void setup(void)
{
	const char *t = getenv("TMPDIR");

	memset(&H, 0, sizeof H);
	snprintf(H.dir, sizeof H.dir, "%s/test_zuv.XXXXXX", t && *t ? t : "/tmp");
	cr_assert_not_null(mkdtemp(H.dir), "mkdtemp: %s", strerror(errno));
	snprintf(H.endpoint, sizeof H.endpoint, "ipc://%s/router.sock", H.dir);
	H.ctx = zmq_ctx_new();
	cr_assert_not_null(H.ctx);
	cr_assert_eq(uv_loop_init(&H.loop), 0);
}

static void close_sock(void **sock)
{
	if (*sock != NULL) {
		set_int(*sock, ZMQ_LINGER, 0);
		zmq_close(*sock);
		*sock = NULL;
	}
}

static void teardown(void)
{
	char path[320];

	/* every socket, or zmq_ctx_term waits forever after a failure */
	close_sock(&H.dealer);
	close_sock(&H.router);
	close_sock(&H.sender);
	if (H.ctx != NULL)
		zmq_ctx_term(H.ctx);
	snprintf(path, sizeof path, "%s/router.sock", H.dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/dealer.sock", H.dir);
	unlink(path);
	rmdir(H.dir);
}

static void *router_new(void)
{
	void *r = zmq_socket(H.ctx, ZMQ_ROUTER);

	cr_assert_not_null(r);
	set_int(r, ZMQ_ROUTER_MANDATORY, 1);
	set_int(r, ZMQ_LINGER, 0);
	cr_assert_eq(zmq_bind(r, H.endpoint), 0, "bind %s: %s", H.endpoint,
		     zmq_strerror(zmq_errno()));
	return r;
}

static void *dealer_new(void *ctx, const char *endpoint)
{
	void *d = zmq_socket(ctx, ZMQ_DEALER);

	cr_assert_not_null(d);
	set_int(d, ZMQ_LINGER, 0);
	cr_assert_eq(zmq_connect(d, endpoint), 0);
	return d;
}

/* Send `n` frames "f0".."f<n-1>" as one message. */
static void send_frames(void *sock, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char f[16];
		int len = snprintf(f, sizeof f, "f%zu", i);
		int rc = zmq_send(sock, f, (size_t)len, i + 1 < n ? ZMQ_SNDMORE : 0);
		cr_assert_eq(rc, len, "send: %s", zmq_strerror(zmq_errno()));
	}
}

static void send_str(void *sock, const char *s)
{
	cr_assert_eq(zmq_send(sock, s, strlen(s), 0), (int)strlen(s));
}

/* The echo: the same frames back, identity first. */
static void on_echo(zuv_sock_t *zs, zmq_msg_t *frames, size_t nframes)
{
	harness_t *h = zs->data;
	zuv_msg_t *msg;

	if (h->send_unroutable_first) {
		msg = zuv_msg_new(2);
		cr_assert_not_null(msg);
		zmq_msg_init_size(&msg->frames[0], 7);
		memcpy(zmq_msg_data(&msg->frames[0]), "\0nobody", 7);
		zmq_msg_init_size(&msg->frames[1], 1);
		memcpy(zmq_msg_data(&msg->frames[1]), "x", 1);
		cr_assert_eq(zuv_sock_send(zs, msg), 0);
	}
	msg = zuv_msg_new(nframes);
	cr_assert_not_null(msg);
	for (size_t i = 0; i < nframes; i++)
		cr_assert_eq(zmq_msg_copy(&msg->frames[i], &frames[i]), 0);
	cr_assert_eq(zuv_sock_send(zs, msg), 0);
	h->echoed++;
}

static void on_zs_closed(zuv_sock_t *zs)
{
	harness_t *h = zs->data;

	h->closed_calls++;
}

static void stop_all(harness_t *h)
{
	if (h->zs_open) {
		h->zs_open = 0;
		zuv_sock_close(&h->zs, on_zs_closed);
	}
	if (!uv_is_closing((uv_handle_t *)&h->timer))
		uv_close((uv_handle_t *)&h->timer, NULL);
}

/* Read whatever the DEALER has, without blocking. */
static void drain_dealer(harness_t *h)
{
	for (;;) {
		zmq_msg_t f;
		reply_t r = {0};
		int more = 1;

		zmq_msg_init(&f);
		if (zmq_msg_recv(&f, h->dealer, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&f);
			cr_assert_eq(zmq_errno(), EAGAIN);
			return;
		}
		for (;;) {
			size_t len = zmq_msg_size(&f);
			if (len > sizeof r.last - 1)
				len = sizeof r.last - 1;
			memcpy(r.last, zmq_msg_data(&f), len);
			r.last[len] = '\0';
			if (r.nframes++ == 0)
				memcpy(r.first, r.last, sizeof r.first);
			more = zmq_msg_more(&f);
			zmq_msg_close(&f);
			if (!more)
				break;
			zmq_msg_init(&f);
			cr_assert_geq(zmq_msg_recv(&f, h->dealer, 0), 0);
		}
		cr_assert_lt(h->nreplies, MAX_REPLY, "more replies than expected");
		h->replies[h->nreplies++] = r;
	}
}

static void on_timer(uv_timer_t *t)
{
	harness_t *h = t->data;

	drain_dealer(h);
	if (h->nreplies >= h->want) {
		stop_all(h);
	} else if (uv_now(&h->loop) >= h->deadline) {
		h->timed_out = 1;
		stop_all(h);
	}
}

/* Run the loop until the DEALER has `want` replies (or time runs out),
 * then close the bridge and check the loop ends with no handles. */
static void run_until_replies(harness_t *h, size_t want)
{
	h->want = want;
	cr_assert_eq(uv_timer_init(&h->loop, &h->timer), 0);
	h->timer.data = h;
	uv_update_time(&h->loop);
	h->deadline = uv_now(&h->loop) + WAIT_MS;
	cr_assert_eq(uv_timer_start(&h->timer, on_timer, POLL_MS, POLL_MS), 0);
	cr_assert_eq(uv_run(&h->loop, UV_RUN_DEFAULT), 0);
	cr_assert_eq(h->closed_calls, 1, "close callback ran %d times", h->closed_calls);
	cr_assert_eq(uv_loop_close(&h->loop), 0, "handles left on the loop");
	cr_assert_not(h->timed_out, "only %zu of %zu replies arrived", h->nreplies, want);
}

static void wrap_router(harness_t *h)
{
	cr_assert_eq(zuv_sock_init(&h->loop, &h->zs, h->router, on_echo, h), 0);
	h->zs_open = 1;
}

/* ------------------------------------------------------------- burst */

typedef struct burst {
	const char *endpoint;
	void *ctx;
	uv_async_t done;
	size_t sent;
	size_t received;
	size_t out_of_order;
	int send_errno;
	int recv_errno;
} burst_t;

static void *burst_thread(void *arg)
{
	burst_t *b = arg;
	void *d = zmq_socket(b->ctx, ZMQ_DEALER);
	int tmo = DEALER_TMO, zero = 0;

	zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(d, ZMQ_SNDTIMEO, &tmo, sizeof tmo);
	zmq_setsockopt(d, ZMQ_RCVTIMEO, &tmo, sizeof tmo);
	zmq_connect(d, b->endpoint);
	/* all of it first, without reading a single reply */
	for (uint32_t i = 0; i < BURST; i++) {
		if (zmq_send(d, &i, sizeof i, 0) != sizeof i) {
			b->send_errno = zmq_errno();
			break;
		}
		b->sent++;
	}
	while (b->received < b->sent) {
		uint32_t v;
		int n = zmq_recv(d, &v, sizeof v, 0);
		if (n < 0) {
			b->recv_errno = zmq_errno();
			break;
		}
		if (n != sizeof v || v != b->received)
			b->out_of_order++;
		b->received++;
	}
	zmq_close(d);
	uv_async_send(&b->done);
	return NULL;
}

static void on_burst_done(uv_async_t *a)
{
	harness_t *h = &H;

	uv_close((uv_handle_t *)a, NULL);
	if (h->zs_open) {
		h->zs_open = 0;
		zuv_sock_close(&h->zs, on_zs_closed);
	}
}

Test(zuv, burst_of_50000_all_echoed, .init = setup, .fini = teardown)
{
	burst_t b = {.endpoint = H.endpoint, .ctx = H.ctx};
	pthread_t t;

	H.router = router_new();
	wrap_router(&H);
	cr_assert_eq(uv_async_init(&H.loop, &b.done, on_burst_done), 0);
	cr_assert_eq(pthread_create(&t, NULL, burst_thread, &b), 0);
	cr_assert_eq(uv_run(&H.loop, UV_RUN_DEFAULT), 0);
	pthread_join(t, NULL);

	cr_assert_eq(b.send_errno, 0, "the DEALER could not send: %s (sent %zu)",
		     zmq_strerror(b.send_errno), b.sent);
	cr_assert_eq(b.recv_errno, 0, "echoes stopped after %zu of %d: %s", b.received, BURST,
		     zmq_strerror(b.recv_errno));
	cr_assert_eq(b.sent, BURST);
	cr_assert_eq(b.received, BURST);
	cr_assert_eq(b.out_of_order, 0, "%zu echoes out of order", b.out_of_order);
	cr_assert_eq(H.echoed, BURST);
	cr_assert_eq(H.zs.received, BURST);
	cr_assert_eq(H.zs.sent_msgs, BURST);
	cr_assert_eq(H.zs.dropped_unroutable, 0);
	cr_assert_eq(H.zs.dropped_oversized_frames, 0);
	cr_assert_eq(H.closed_calls, 1);
	cr_assert_eq(uv_loop_close(&H.loop), 0, "handles left on the loop");
}

/* --------------------------------------------------------- frame limit */

Test(zuv, oversized_messages_dropped_and_counted, .init = setup, .fini = teardown)
{
	H.router = router_new();
	H.dealer = dealer_new(H.ctx, H.endpoint);
	/* The ROUTER sees one identity frame more than the DEALER sends. */
	send_frames(H.dealer, ZUV_MAX_FRAMES);     /* 17 at the ROUTER: dropped */
	send_frames(H.dealer, ZUV_MAX_FRAMES - 1); /* 16: the limit, delivered */
	send_frames(H.dealer, 40);                 /* dropped */
	send_str(H.dealer, "after");               /* delivered */
	wrap_router(&H);
	run_until_replies(&H, 2);

	cr_assert_eq(H.nreplies, 2);
	cr_assert_eq(H.replies[0].nframes, ZUV_MAX_FRAMES - 1);
	cr_assert_str_eq(H.replies[0].first, "f0");
	cr_assert_str_eq(H.replies[0].last, "f14");
	cr_assert_eq(H.replies[1].nframes, 1);
	cr_assert_str_eq(H.replies[1].first, "after");
	cr_assert_eq(H.zs.dropped_oversized_frames, 2);
	cr_assert_eq(H.echoed, 2);
	cr_assert_eq(H.zs.sent_msgs, 2);
}

/* ---------------------------------------------------------- unroutable */

Test(zuv, unroutable_dropped_without_blocking_the_queue, .init = setup, .fini = teardown)
{
	H.router = router_new();
	H.dealer = dealer_new(H.ctx, H.endpoint);
	H.send_unroutable_first = 1;
	wrap_router(&H);
	send_str(H.dealer, "one");
	send_str(H.dealer, "two");
	send_str(H.dealer, "three");
	run_until_replies(&H, 3);

	cr_assert_eq(H.nreplies, 3);
	cr_assert_str_eq(H.replies[0].first, "one");
	cr_assert_str_eq(H.replies[1].first, "two");
	cr_assert_str_eq(H.replies[2].first, "three");
	cr_assert_eq(H.zs.dropped_unroutable, 3);
	cr_assert_eq(H.zs.sent_msgs, 3);
}

Test(zuv, unroutable_send_from_outside_a_callback, .init = setup, .fini = teardown)
{
	zuv_msg_t *msg;

	H.router = router_new();
	wrap_router(&H);
	msg = zuv_msg_new(2);
	zmq_msg_init_size(&msg->frames[0], 5);
	memcpy(zmq_msg_data(&msg->frames[0]), "ghost", 5);
	cr_assert_eq(zuv_sock_send(&H.zs, msg), 0);
	/* judged at once: not left at the head of the queue */
	cr_assert_eq(H.zs.out_len, 0);
	cr_assert_null(H.zs.out_head);
	cr_assert_eq(H.zs.dropped_unroutable, 1);
	cr_assert_eq(H.zs.sent_msgs, 0);
	zuv_sock_close(&H.zs, on_zs_closed);
	H.zs_open = 0;
	cr_assert_eq(uv_run(&H.loop, UV_RUN_DEFAULT), 0);
	cr_assert_eq(H.closed_calls, 1);
	cr_assert_eq(uv_loop_close(&H.loop), 0);
}

/* ------------------------------------------------- waiting before init */

/*
 * Five messages "m0".."m4" waiting on a new ROUTER before zuv sees it.
 * The wait for them (zmq_poll) also consumes the edge of ZMQ_FD, so only
 * zuv's own reading of ZMQ_EVENTS can find them.
 */
static void five_waiting(void)
{
	zmq_pollitem_t item;

	H.router = router_new();
	H.dealer = dealer_new(H.ctx, H.endpoint);
	for (int i = 0; i < 5; i++) {
		char s[8];
		snprintf(s, sizeof s, "m%d", i);
		send_str(H.dealer, s);
	}
	item = (zmq_pollitem_t){.socket = H.router, .events = ZMQ_POLLIN};
	cr_assert_eq(zmq_poll(&item, 1, 5000), 1);
	usleep(50 * 1000); /* let all five arrive */
}

Test(zuv, messages_waiting_before_init_are_delivered, .init = setup, .fini = teardown)
{
	five_waiting();
	wrap_router(&H);
	run_until_replies(&H, 5);
	for (int i = 0; i < 5; i++) {
		char s[8];
		snprintf(s, sizeof s, "m%d", i);
		cr_assert_str_eq(H.replies[i].first, s);
	}
}

/*
 * The owner's own calls (init, a send from a timer or a completion, a
 * flush) never hand it input: a server releasing a batch of replies
 * would otherwise be given new requests in the middle of it.  The input
 * is received on the loop's next turn instead, with no new edge.
 */
Test(zuv, the_owners_calls_never_deliver_input, .init = setup, .fini = teardown)
{
	zuv_msg_t *msg;

	five_waiting();
	wrap_router(&H);
	cr_assert_eq(H.echoed, 0, "zuv_sock_init delivered input");
	msg = zuv_msg_new(2);
	cr_assert_not_null(msg);
	zmq_msg_init_size(&msg->frames[0], 7);
	memcpy(zmq_msg_data(&msg->frames[0]), "\0nobody", 7);
	cr_assert_eq(zuv_sock_send(&H.zs, msg), 0);
	cr_assert_eq(H.echoed, 0, "zuv_sock_send delivered input");
	zuv_sock_flush(&H.zs);
	cr_assert_eq(H.echoed, 0, "zuv_sock_flush delivered input");
	run_until_replies(&H, 5);
	cr_assert_eq(H.echoed, 5);
}

/* --------------------------------------------------- queue and closing */

static void *dealer_bound(harness_t *h)
{
	char ep[320];
	void *d = zmq_socket(h->ctx, ZMQ_DEALER);

	cr_assert_not_null(d);
	set_int(d, ZMQ_LINGER, 0);
	snprintf(ep, sizeof ep, "ipc://%s/dealer.sock", h->dir);
	cr_assert_eq(zmq_bind(d, ep), 0);
	return d;
}

static zuv_msg_t *msg_str(const char *s)
{
	zuv_msg_t *msg = zuv_msg_new(1);

	cr_assert_not_null(msg);
	zmq_msg_init_size(&msg->frames[0], strlen(s));
	memcpy(zmq_msg_data(&msg->frames[0]), s, strlen(s));
	return msg;
}

Test(zuv, queued_messages_go_out_in_order_when_a_peer_arrives, .init = setup, .fini = teardown)
{
	char ep[320];
	void *sender = H.sender = dealer_bound(&H);

	/* A DEALER with no peer pushes back (EAGAIN): the messages wait. */
	cr_assert_eq(zuv_sock_init(&H.loop, &H.zs, sender, NULL, &H), 0);
	H.zs_open = 1;
	cr_assert_eq(zuv_sock_send(&H.zs, msg_str("q0")), 0);
	cr_assert_eq(zuv_sock_send(&H.zs, msg_str("q1")), 0);
	cr_assert_eq(zuv_sock_send(&H.zs, msg_str("q2")), 0);
	cr_assert_eq(H.zs.out_len, 3);
	cr_assert_eq(H.zs.sent_msgs, 0);

	snprintf(ep, sizeof ep, "ipc://%s/dealer.sock", H.dir);
	H.dealer = dealer_new(H.ctx, ep);
	run_until_replies(&H, 3);
	cr_assert_str_eq(H.replies[0].first, "q0");
	cr_assert_str_eq(H.replies[1].first, "q1");
	cr_assert_str_eq(H.replies[2].first, "q2");
	cr_assert_eq(H.zs.sent_msgs, 3);
}

Test(zuv, close_drops_the_queue_and_calls_back_once, .init = setup, .fini = teardown)
{
	void *sender = H.sender = dealer_bound(&H);
	zuv_msg_t *late;

	cr_assert_eq(zuv_sock_init(&H.loop, &H.zs, sender, NULL, &H), 0);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(zuv_sock_send(&H.zs, msg_str("queued")), 0);
	cr_assert_eq(H.zs.out_len, 10);
	zuv_sock_close(&H.zs, on_zs_closed);
	/* what was queued is freed now (LeakSanitizer checks) */
	cr_assert_eq(H.zs.out_len, 0);
	cr_assert_null(H.zs.out_head);
	/* a send after close is refused and the message freed */
	late = msg_str("late");
	cr_assert_eq(zuv_sock_send(&H.zs, late), -VA_UNAVAILABLE);
	/* closing twice is harmless */
	zuv_sock_close(&H.zs, on_zs_closed);
	cr_assert_eq(H.closed_calls, 0, "called back before the handles closed");
	cr_assert_eq(uv_run(&H.loop, UV_RUN_DEFAULT), 0);
	cr_assert_eq(H.closed_calls, 1);
	cr_assert_eq(uv_loop_close(&H.loop), 0, "handles left on the loop");
}

Test(zuv, close_of_an_idle_router, .init = setup, .fini = teardown)
{
	H.router = router_new();
	wrap_router(&H);
	cr_assert_eq(H.zs.out_len, 0);
	zuv_sock_close(&H.zs, on_zs_closed);
	cr_assert_eq(uv_run(&H.loop, UV_RUN_DEFAULT), 0);
	cr_assert_eq(H.closed_calls, 1);
	cr_assert_eq(uv_loop_close(&H.loop), 0);
}

Test(zuv, msg_new_and_free)
{
	zuv_msg_t *msg = zuv_msg_new(ZUV_MAX_FRAMES);

	cr_assert_not_null(msg);
	cr_assert_eq(msg->nframes, ZUV_MAX_FRAMES);
	cr_assert_eq(msg->sent, 0);
	for (size_t i = 0; i < ZUV_MAX_FRAMES; i++)
		cr_assert_eq(zmq_msg_size(&msg->frames[i]), 0);
	zmq_msg_init_size(&msg->frames[3], 1000); /* replaced: must be closed by free */
	zuv_msg_free(&msg);
	cr_assert_null(msg);
	zuv_msg_free(&msg);
}
