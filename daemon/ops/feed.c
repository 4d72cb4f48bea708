/*
 * feed - catch-up pages and heartbeats; see feed.h.
 *
 * This file is part of the codec edge for the two messages it builds by
 * itself (the EventPage appended to a Reply, and the heartbeat Event):
 * both are daemon-level and never reach the state core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vetalliance/error.h>

#include "codec/codec.h"
#include "ops/feed.h"
#include "log.h"
#include "vetalliance.pb-c.h"

/* Room kept in front of a page for the packed Reply and the field header:
 * a request id (<= 64 bytes), a message (< 512), a status and a seq. */
#define FEED_HEADROOM 1024
/* The EventPage scalars after the events: 4 tags and 3 varints. */
#define FEED_TRAILER 40

/* Wire tags: (field << 3) | wire type. */
#define TAG_PAGE_EVENTS    0x0a /* EventPage.events = 1, length-delimited */
#define TAG_PAGE_NEXT      0x10 /* 2, varint */
#define TAG_PAGE_FIRST     0x18
#define TAG_PAGE_LAST      0x20
#define TAG_PAGE_MORE      0x28
#define FIELD_REPLY_EVENTS 40u /* Reply.events */

typedef struct feed_req {
	struct feed_req *next;
	zuv_msg_t *msg; /* the envelope; the last frame receives the reply */
	char *request_id;
	uint64_t from_seq;
	uint32_t max_events;
	uint32_t max_bytes;
} feed_req_t;

struct feed {
	uv_timer_t timer;
	zuv_sock_t *router;
	void *pub;
	uint32_t heartbeat_ms;
	int64_t started_ms;
	uint64_t first_seq;
	uint64_t durable_seq;
	feed_req_t *head;
	feed_req_t *tail;
	size_t pending;
	int timer_init;
	void (*close_cb)(void *arg);
	void *close_arg;
	uint64_t pages;
	uint64_t events_sent;
};

/* A page under construction. */
typedef struct page {
	uint8_t *buf; /* FEED_HEADROOM bytes, then the EventPage body */
	size_t len;   /* bytes used, headroom included */
	size_t cap;
	uint64_t durable_seq;
	uint64_t next_seq;
	uint32_t n;
	uint32_t max_events;
	size_t event_bytes;
	size_t max_bytes;
	int oom;
} page_t;

static int64_t feed__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int page__reserve(page_t *pg, size_t more)
{
	if (pg->len + more <= pg->cap)
		return 0;
	size_t cap = pg->cap ? pg->cap : 64 * 1024;
	while (cap < pg->len + more)
		cap *= 2;
	uint8_t *p = realloc(pg->buf, cap);
	if (p == NULL) {
		pg->oom = 1;
		return -VA_RESOURCE_EXHAUSTED;
	}
	pg->buf = p;
	pg->cap = cap;
	return 0;
}

/* v as a protobuf varint at p (room for 10 bytes); the bytes written. */
static size_t feed__varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static int page__add(uint64_t seq, const void *bytes, size_t len, void *arg)
{
	page_t *pg = arg;

	if (seq > pg->durable_seq || pg->n >= pg->max_events)
		return 1;
	/* At least one event per page, however large, so a reader always
	 * makes progress. */
	if (pg->n > 0 && pg->event_bytes + len > pg->max_bytes)
		return 1;
	if (page__reserve(pg, len + 11 + FEED_TRAILER) < 0)
		return -VA_RESOURCE_EXHAUSTED;
	pg->buf[pg->len++] = TAG_PAGE_EVENTS;
	pg->len += feed__varint(pg->buf + pg->len, len);
	memcpy(pg->buf + pg->len, bytes, len);
	pg->len += len;
	pg->event_bytes += len;
	pg->n++;
	pg->next_seq = seq + 1;
	return 0;
}

static void page__scalar(page_t *pg, uint8_t tag, uint64_t v)
{
	if (v == 0)
		return; /* proto3: a zero scalar is not written */
	pg->buf[pg->len++] = tag;
	pg->len += feed__varint(pg->buf + pg->len, v);
}

static void feed__free_buf(void *data, void *hint)
{
	(void)data;
	free(hint);
}

/*
 * Finish the page: pack the Reply in front of it, then the header of
 * field 40, and send [envelope...][reply + page] to the peer.
 */
static void feed__reply(feed_t *f, feed_req_t *r, page_t *pg, int status, const char *message,
			uint64_t first_seq)
{
	size_t body_start = FEED_HEADROOM, body_len, hdr_len, start, reply_len = 0;
	uint8_t *reply = NULL, hdr[16];

	page__scalar(pg, TAG_PAGE_NEXT, pg->next_seq);
	page__scalar(pg, TAG_PAGE_FIRST, first_seq);
	page__scalar(pg, TAG_PAGE_LAST, pg->durable_seq);
	page__scalar(pg, TAG_PAGE_MORE, pg->next_seq <= pg->durable_seq);
	body_len = pg->len - body_start;
	hdr_len = feed__varint(hdr, (FIELD_REPLY_EVENTS << 3) | 2);
	hdr_len += feed__varint(hdr + hdr_len, body_len);

	if (codec_reply_pack(r->request_id, status, message, pg->durable_seq, NULL, &reply,
			     &reply_len) < 0 ||
	    reply_len + hdr_len > FEED_HEADROOM) {
		log_err("could not encode a catch-up reply to '%s'", r->request_id);
		free(reply);
		return;
	}
	start = body_start - hdr_len - reply_len;
	memcpy(pg->buf + start, reply, reply_len);
	memcpy(pg->buf + body_start - hdr_len, hdr, hdr_len);
	free(reply);

	zmq_msg_t *last = &r->msg->frames[r->msg->nframes - 1];
	zmq_msg_close(last);
	if (zmq_msg_init_data(last, pg->buf + start, pg->len - start, feed__free_buf, pg->buf) !=
	    0) {
		zmq_msg_init(last);
		return;
	}
	pg->buf = NULL; /* the frame owns it now */
	f->pages++;
	f->events_sent += pg->n;
	zuv_sock_send(f->router, r->msg);
	r->msg = NULL;
}

static void feed__answer(feed_t *f, feed_req_t *r, journal_t *journal, uint64_t durable_seq)
{
	page_t pg = {0};
	char err[512] = "";
	uint64_t from = r->from_seq ? r->from_seq : 1;
	uint64_t first = journal_first_seq(journal);
	int rc;

	if (first == 0)
		first = durable_seq + 1; /* nothing kept: history starts after it */
	pg.durable_seq = durable_seq;
	pg.max_events = r->max_events ? r->max_events : FEED_PAGE_EVENTS_DEFAULT;
	if (pg.max_events > FEED_PAGE_EVENTS_MAX)
		pg.max_events = FEED_PAGE_EVENTS_MAX;
	pg.max_bytes = r->max_bytes ? r->max_bytes : FEED_PAGE_BYTES_DEFAULT;
	if (pg.max_bytes > FEED_PAGE_BYTES_MAX)
		pg.max_bytes = FEED_PAGE_BYTES_MAX;
	pg.next_seq = from;
	pg.len = FEED_HEADROOM;
	if (page__reserve(&pg, FEED_TRAILER) < 0)
		goto oom;

	if (from < first) {
		char msg[256];

		pg.next_seq = first;
		snprintf(msg, sizeof msg,
			 "events_since.from_seq: events before seq %llu are no longer kept "
			 "(compacted after a snapshot); history is available from seq %llu; "
			 "read the current state with state_get",
			 (unsigned long long)first, (unsigned long long)first);
		feed__reply(f, r, &pg, -VA_FAILED_PRECONDITION, msg, first);
		free(pg.buf);
		return;
	}
	if (from <= durable_seq) {
		rc = journal_replay(journal, from, page__add, &pg, err, sizeof err);
		if (pg.oom)
			goto oom;
		if (rc < 0) {
			log_err("catch-up from seq %llu: %s", (unsigned long long)from, err);
			pg.len = FEED_HEADROOM;
			pg.n = 0;
			pg.next_seq = from;
			feed__reply(f, r, &pg, -VA_INTERNAL,
				    "catch-up: the journal could not be read", first);
			free(pg.buf);
			return;
		}
	}
	feed__reply(f, r, &pg, 0, "", first);
	free(pg.buf);
	return;
oom:
	log_err("out of memory for a catch-up page");
	free(pg.buf);
}

static void feed__req_free(feed_req_t *r)
{
	zuv_msg_free(&r->msg);
	free(r->request_id);
	free(r);
}

void feed_request(feed_t *f, zmq_msg_t *frames, size_t nframes, const char *request_id,
		  uint64_t from_seq, uint32_t max_events, uint32_t max_bytes)
{
	feed_req_t *r = calloc(1, sizeof *r);

	if (r == NULL)
		return;
	r->msg = zuv_msg_new(nframes);
	r->request_id = strdup(request_id ? request_id : "");
	if (r->msg == NULL || r->request_id == NULL) {
		feed__req_free(r);
		return;
	}
	for (size_t i = 0; i + 1 < nframes; i++)
		zmq_msg_copy(&r->msg->frames[i], &frames[i]);
	r->from_seq = from_seq;
	r->max_events = max_events;
	r->max_bytes = max_bytes;
	if (f->tail != NULL)
		f->tail->next = r;
	else
		f->head = r;
	f->tail = r;
	f->pending++;
}

size_t feed_pending(const feed_t *f)
{
	return f->pending;
}

void feed_serve(feed_t *f, journal_t *journal, uint64_t durable_seq)
{
	while (f->head != NULL) {
		feed_req_t *r = f->head;

		f->head = r->next;
		if (f->head == NULL)
			f->tail = NULL;
		f->pending--;
		if (journal != NULL)
			feed__answer(f, r, journal, durable_seq);
		feed__req_free(r);
	}
}

void feed_set_position(feed_t *f, uint64_t first_seq, uint64_t durable_seq)
{
	f->first_seq = first_seq ? first_seq : durable_seq + 1;
	f->durable_seq = durable_seq;
}

/* --------------------------------------------------------- heartbeats */

static void feed__heartbeat(uv_timer_t *t)
{
	feed_t *f = t->data;
	Vetalliance__V1__Event ev = VETALLIANCE__V1__EVENT__INIT;
	Vetalliance__V1__DaemonHeartbeat hb = VETALLIANCE__V1__DAEMON_HEARTBEAT__INIT;
	uint8_t buf[128];
	size_t len;

	hb.last_seq = f->durable_seq;
	hb.first_seq = f->first_seq;
	hb.interval_ms = f->heartbeat_ms;
	hb.started_ms = f->started_ms;
	ev.seq = 0;
	ev.time_ms = feed__now_ms();
	ev.actor = "system";
	ev.request_id = "";
	ev.payload_case = VETALLIANCE__V1__EVENT__PAYLOAD_DAEMON_HEARTBEAT;
	ev.daemon_heartbeat = &hb;
	if (protobuf_c_message_get_packed_size(&ev.base) > sizeof buf)
		return;
	len = protobuf_c_message_pack(&ev.base, buf);
	/* Like every publication: never block; a subscriber past its
	 * high-water mark misses it. */
	if (zmq_send(f->pub, FEED_HEARTBEAT_TOPIC, strlen(FEED_HEARTBEAT_TOPIC),
		     ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(f->pub, buf, len, ZMQ_DONTWAIT) < 0)
		log_debug("could not publish a heartbeat: %s", zmq_strerror(zmq_errno()));
}

feed_t *feed_new(uv_loop_t *loop, zuv_sock_t *router, void *pub, uint32_t heartbeat_ms)
{
	feed_t *f = calloc(1, sizeof *f);

	if (f == NULL)
		return NULL;
	f->router = router;
	f->pub = pub;
	f->heartbeat_ms = heartbeat_ms;
	f->started_ms = feed__now_ms();
	uv_timer_init(loop, &f->timer);
	f->timer.data = f;
	f->timer_init = 1;
	if (heartbeat_ms > 0)
		uv_timer_start(&f->timer, feed__heartbeat, heartbeat_ms, heartbeat_ms);
	return f;
}

static void feed__closed(uv_handle_t *h)
{
	feed_t *f = h->data;

	if (f->close_cb != NULL)
		f->close_cb(f->close_arg);
}

void feed_close(feed_t *f, void (*cb)(void *arg), void *arg)
{
	feed_serve(f, NULL, 0); /* drop what is queued */
	f->close_cb = cb;
	f->close_arg = arg;
	uv_timer_stop(&f->timer);
	uv_close((uv_handle_t *)&f->timer, feed__closed);
}

void feed_free(feed_t **f_p)
{
	if (f_p == NULL || *f_p == NULL)
		return;
	feed_serve(*f_p, NULL, 0);
	free(*f_p);
	*f_p = NULL;
}
