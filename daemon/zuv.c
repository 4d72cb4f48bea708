/*
 * zuv - see zuv.h for the shape and why it is the shape.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "log.h"
#include "zuv.h"

#define ZUV_DEFAULT_BUDGET 256

static void zuv__service(zuv_sock_t *zs, int receive);
static void zuv__on_idle(uv_idle_t *idle);
static void zuv__on_retry(uv_timer_t *t);

#define ZUV_RETRY_MS 5

zuv_msg_t *zuv_msg_new(size_t nframes)
{
	zuv_msg_t *msg;

	assert(nframes > 0 && nframes <= ZUV_MAX_FRAMES);
	msg = calloc(1, sizeof *msg + nframes * sizeof(zmq_msg_t));
	if (msg == NULL)
		return NULL;
	msg->nframes = nframes;
	for (size_t i = 0; i < nframes; i++)
		zmq_msg_init(&msg->frames[i]);
	return msg;
}

void zuv_msg_free(zuv_msg_t **msg_p)
{
	zuv_msg_t *msg;

	if (msg_p == NULL || *msg_p == NULL)
		return;
	msg = *msg_p;
	for (size_t i = 0; i < msg->nframes; i++)
		zmq_msg_close(&msg->frames[i]);
	free(msg);
	*msg_p = NULL;
}

static void zuv__idle_set(zuv_sock_t *zs, int on)
{
	if (zs->closing || on == zs->idle_active)
		return;
	zs->idle_active = on;
	if (on)
		uv_idle_start(&zs->idle, zuv__on_idle);
	else
		uv_idle_stop(&zs->idle);
}

/*
 * Try to hand `msg` to libzmq.  Returns 0 when it went (or was dropped as
 * unroutable; the caller then unlinks and frees it), -EAGAIN when the
 * socket cannot take it now.
 */
static int zuv__send_msg(zuv_sock_t *zs, zuv_msg_t *msg)
{
	while (msg->sent < msg->nframes) {
		int more = msg->sent + 1 < msg->nframes ? ZMQ_SNDMORE : 0;
		if (zmq_msg_send(&msg->frames[msg->sent], zs->handle, ZMQ_DONTWAIT | more) >= 0) {
			msg->sent++;
			continue;
		}
		int e = zmq_errno();
		if (e == EAGAIN || e == EINTR)
			return -EAGAIN;
		if (e == EHOSTUNREACH)
			zs->dropped_unroutable++;
		else
			log_warn("could not send a message: %s", zmq_strerror(e));
		break; /* drop it: libzmq discards a partial multipart */
	}
	if (msg->sent == msg->nframes)
		zs->sent_msgs++;
	return 0;
}

static zuv_msg_t *zuv__pop_head(zuv_sock_t *zs)
{
	zuv_msg_t *msg = zs->out_head;

	zs->out_head = msg->next;
	if (zs->out_head == NULL)
		zs->out_tail = NULL;
	zs->out_len--;
	msg->next = NULL;
	return msg;
}

static zuv_peer_t *zuv__find_blocked(zuv_sock_t *zs, const zuv_msg_t *msg)
{
	size_t len = zmq_msg_size((zmq_msg_t *)&msg->frames[0]);
	const void *id = zmq_msg_data((zmq_msg_t *)&msg->frames[0]);

	for (zuv_peer_t *p = zs->blocked; p != NULL; p = p->next)
		if (p->id_len == len && memcmp(p->id, id, len) == 0)
			return p;
	return NULL;
}

static void zuv__park(zuv_sock_t *zs, zuv_peer_t *p, zuv_msg_t *msg)
{
	msg->next = NULL;
	if (p->tail != NULL)
		p->tail->next = msg;
	else
		p->head = msg;
	p->tail = msg;
	p->len++;
	zs->parked++;
}

/* Retry every blocked peer's queue; a peer whose queue empties is freed. */
static void zuv__flush_blocked(zuv_sock_t *zs)
{
	zuv_peer_t **pp = &zs->blocked;

	while (*pp != NULL) {
		zuv_peer_t *p = *pp;

		while (p->head != NULL && zuv__send_msg(zs, p->head) == 0) {
			zuv_msg_t *msg = p->head;
			p->head = msg->next;
			if (p->head == NULL)
				p->tail = NULL;
			p->len--;
			zs->parked--;
			zuv_msg_free(&msg);
		}
		if (p->head == NULL) {
			*pp = p->next;
			free(p);
		} else {
			pp = &p->next;
		}
	}
}

/* Returns 1 when the main queue is empty, 0 when the socket pushed back on
 * its head (for a ROUTER, only when the peer could not be parked). */
static int zuv__flush(zuv_sock_t *zs)
{
	if (zs->blocked != NULL)
		zuv__flush_blocked(zs);
	while (zs->out_head != NULL) {
		zuv_msg_t *msg = zs->out_head;
		zuv_peer_t *p = NULL;

		/* Behind a blocked peer's earlier messages: keep the order. */
		if (zs->is_router && msg->sent == 0 && msg->nframes > 1 &&
		    (p = zuv__find_blocked(zs, msg)) != NULL) {
			zuv__park(zs, p, zuv__pop_head(zs));
			continue;
		}
		if (zuv__send_msg(zs, msg) == 0) {
			msg = zuv__pop_head(zs);
			zuv_msg_free(&msg);
			continue;
		}
		/* EAGAIN.  A message begun cannot be interleaved with others. */
		if (!zs->is_router || msg->sent != 0 || msg->nframes < 2 ||
		    zmq_msg_size(&msg->frames[0]) > sizeof p->id)
			return 0;
		p = calloc(1, sizeof *p);
		if (p == NULL)
			return 0;
		p->id_len = zmq_msg_size(&msg->frames[0]);
		memcpy(p->id, zmq_msg_data(&msg->frames[0]), p->id_len);
		p->next = zs->blocked;
		zs->blocked = p;
		zuv__park(zs, p, zuv__pop_head(zs));
	}
	return 1;
}

/*
 * Receive one multipart message.  Returns 1 when one was delivered (or
 * dropped for too many frames), 0 when none is waiting.
 */
static int zuv__recv_one(zuv_sock_t *zs)
{
	zmq_msg_t frames[ZUV_MAX_FRAMES];
	size_t n = 0;
	int more = 1, overflow = 0;

	while (more) {
		zmq_msg_t scratch, *f = n < ZUV_MAX_FRAMES ? &frames[n] : &scratch;
		zmq_msg_init(f);
		if (zmq_msg_recv(f, zs->handle, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
			zmq_msg_close(f);
			if (n == 0)
				return 0;
			/* The parts of a message arrive together, so this is an
			 * interrupted call: drop what we have. */
			overflow = 1;
			break;
		}
		more = zmq_msg_more(f);
		if (f == &scratch) {
			zmq_msg_close(f);
			overflow = 1;
		} else {
			n++;
		}
	}
	zs->received++;
	if (overflow) {
		zs->dropped_oversized_frames++;
		log_debug("dropped a message of more than %d frames", ZUV_MAX_FRAMES);
	} else if (zs->on_recv != NULL) {
		zs->on_recv(zs, frames, n);
	}
	for (size_t i = 0; i < n; i++)
		zmq_msg_close(&frames[i]);
	return 1;
}

/*
 * One pass: flush, receive up to the budget when `receive` is set, flush
 * again, re-arm.  Only the loop's own callbacks receive; a pass run for a
 * send (the owner's call) leaves waiting input to the idle handle, so the
 * owner's on_recv never runs inside the owner's own code.
 */
static void zuv__service(zuv_sock_t *zs, int receive)
{
	unsigned received = 0;
	int pushed_back = 0, events = 0;
	size_t len = sizeof events;

	if (zs->closing || zs->in_service)
		return;
	zs->in_service = 1;
	for (;;) {
		pushed_back = !zuv__flush(zs);
		if (!receive || zs->on_recv == NULL || received >= zs->budget)
			break;
		if (!zuv__recv_one(zs))
			break;
		received++;
	}
	/* Replies produced by the last callbacks. */
	pushed_back = !zuv__flush(zs);

	/* Reading ZMQ_EVENTS processes the socket's pending commands and is
	 * what re-arms ZMQ_FD; it must come after the last recv and send. */
	for (;;) {
		uint64_t progress = zs->sent_msgs + zs->dropped_unroutable;

		if (zmq_getsockopt(zs->handle, ZMQ_EVENTS, &events, &len) != 0)
			events = 0;
		/* That read may have processed the very activation a pushed-back
		 * queue waits for, and with it the edge: no new one will come.
		 * Retry the queue while that makes progress (a burst to one
		 * peer otherwise stalled at a multiple of its low-water mark). */
		if (!(events & ZMQ_POLLOUT) || (zs->out_head == NULL && zs->blocked == NULL))
			break;
		pushed_back = !zuv__flush(zs);
		if (zs->sent_msgs + zs->dropped_unroutable == progress)
			break;
		len = sizeof events;
	}
	zs->in_service = 0;

	/* More input, or the budget cut the drain short: come back on the next
	 * loop turn rather than waiting for an edge that already happened.  A
	 * queue the socket pushed back on waits for the next edge instead (a
	 * ROUTER reports POLLOUT when *any* peer is writable, so POLLOUT alone
	 * would spin on a head addressed to a slow peer). */
	int more_in = zs->on_recv != NULL && ((events & ZMQ_POLLIN) || received >= zs->budget);
	int more_out = zs->out_head != NULL && !pushed_back && (events & ZMQ_POLLOUT);
	/* A pass that did not receive cannot tell that the input a receiving
	 * pass left behind is gone, so it only ever adds the idle. */
	if (receive || more_in || more_out)
		zuv__idle_set(zs, more_in || more_out);
	/* A safety net for waiting replies: the activation of a blocked peer
	 * can be consumed by a send to another peer, and then no edge comes
	 * for it.  While anything waits, look again every few milliseconds. */
	if ((zs->blocked != NULL || (zs->out_head != NULL && pushed_back)) &&
	    !uv_is_active((uv_handle_t *)&zs->retry))
		uv_timer_start(&zs->retry, zuv__on_retry, ZUV_RETRY_MS, 0);
}

static void zuv__on_poll(uv_poll_t *poll, int status, int events)
{
	zuv_sock_t *zs = poll->data;

	(void)events;
	if (status < 0)
		log_warn("poll on a zeromq socket failed: %s", uv_strerror(status));
	zuv__service(zs, 1);
}

static void zuv__on_idle(uv_idle_t *idle)
{
	zuv__service(idle->data, 1);
}

static void zuv__on_retry(uv_timer_t *t)
{
	zuv__service(t->data, 1);
}

int zuv_sock_init(uv_loop_t *loop, zuv_sock_t *zs, void *handle, zuv_recv_cb on_recv, void *data)
{
	int fd = -1, rc;
	size_t len = sizeof fd;

	memset(zs, 0, sizeof *zs);
	zs->handle = handle;
	zs->on_recv = on_recv;
	zs->data = data;
	zs->budget = ZUV_DEFAULT_BUDGET;
	{
		int type = 0;
		size_t tlen = sizeof type;
		if (zmq_getsockopt(handle, ZMQ_TYPE, &type, &tlen) == 0 && type == ZMQ_ROUTER)
			zs->is_router = 1;
	}
	if (zmq_getsockopt(handle, ZMQ_FD, &fd, &len) != 0)
		return UV_EINVAL;
	rc = uv_poll_init(loop, &zs->poll, fd);
	if (rc < 0)
		return rc;
	zs->poll.data = zs;
	zs->open_handles++;
	rc = uv_idle_init(loop, &zs->idle);
	if (rc < 0) {
		zs->closing = 1;
		uv_close((uv_handle_t *)&zs->poll, NULL);
		return rc;
	}
	zs->idle.data = zs;
	zs->open_handles++;
	uv_timer_init(loop, &zs->retry);
	zs->retry.data = zs;
	zs->open_handles++;
	rc = uv_poll_start(&zs->poll, UV_READABLE, zuv__on_poll);
	if (rc < 0)
		return rc;
	/* Messages may already be waiting, their edge consumed: the idle
	 * handle receives them on the loop's first turn. */
	zuv__service(zs, 0);
	return 0;
}

int zuv_sock_queue(zuv_sock_t *zs, zuv_msg_t *msg)
{
	if (zs->closing) {
		zuv_msg_free(&msg);
		return -VA_UNAVAILABLE;
	}
	msg->next = NULL;
	if (zs->out_tail != NULL)
		zs->out_tail->next = msg;
	else
		zs->out_head = msg;
	zs->out_tail = msg;
	zs->out_len++;
	return 0;
}

int zuv_sock_send(zuv_sock_t *zs, zuv_msg_t *msg)
{
	if (zuv_sock_queue(zs, msg) < 0)
		return -VA_UNAVAILABLE;
	/* Inside service() the flush after the callbacks sends it. */
	if (!zs->in_service)
		zuv__service(zs, 0);
	return 0;
}

void zuv_sock_flush(zuv_sock_t *zs)
{
	zuv__service(zs, 0);
}

static void zuv__on_closed(uv_handle_t *h)
{
	zuv_sock_t *zs = h->data;

	if (--zs->open_handles == 0 && zs->on_close != NULL)
		zs->on_close(zs);
}

void zuv_sock_close(zuv_sock_t *zs, zuv_close_cb cb)
{
	if (zs->closing)
		return;
	zs->closing = 1;
	zs->on_close = cb;
	while (zs->out_head != NULL) {
		zuv_msg_t *msg = zs->out_head;
		zs->out_head = msg->next;
		zuv_msg_free(&msg);
	}
	zs->out_tail = NULL;
	zs->out_len = 0;
	while (zs->blocked != NULL) {
		zuv_peer_t *p = zs->blocked;
		zs->blocked = p->next;
		while (p->head != NULL) {
			zuv_msg_t *msg = p->head;
			p->head = msg->next;
			zuv_msg_free(&msg);
		}
		free(p);
	}
	zs->parked = 0;
	if (zs->idle_active)
		uv_idle_stop(&zs->idle);
	uv_poll_stop(&zs->poll);
	uv_close((uv_handle_t *)&zs->poll, zuv__on_closed);
	uv_close((uv_handle_t *)&zs->idle, zuv__on_closed);
	uv_timer_stop(&zs->retry);
	uv_close((uv_handle_t *)&zs->retry, zuv__on_closed);
}
