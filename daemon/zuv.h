/*
 * zuv - the one bridge between ZeroMQ sockets and the libuv loop.  Nothing
 * else in the daemon touches ZMQ_FD or ZMQ_EVENTS.
 *
 * ZMQ_FD is not a "message ready" signal: it becomes readable when the
 * socket's command mailbox has something, and reading ZMQ_EVENTS (or
 * receiving) consumes that.  A loop that receives one message per wake-up
 * therefore loses the rest of a burst.  The shape that works:
 *
 *   - one uv_poll_t (UV_READABLE) on ZMQ_FD per socket;
 *   - service(): flush the outbound queue while the socket takes it, then
 *     receive with ZMQ_DONTWAIT up to a budget, handing each multipart
 *     message to the owner's callback, then re-read ZMQ_EVENTS;
 *   - when input remains (budget used up, or ZMQ_EVENTS still says
 *     POLLIN) a uv_idle_t calls service() again on the next loop turn, so
 *     one busy socket cannot starve timers and other sockets;
 *   - every send goes through zuv_sock_send(), which queues, flushes and
 *     re-reads ZMQ_EVENTS, so a send from a timer or a threadpool
 *     completion never swallows the edge.
 *
 * Input is received only from the loop's own callbacks (the poll, the
 * idle, the retry timer), never inside a call the owner makes: a send
 * that finds input waiting starts the idle handle instead.  So the
 * owner's on_recv never runs in the middle of the owner's own work (a
 * server releasing a batch of replies cannot be handed new requests
 * into that batch).
 *
 * Outbound messages that meet EAGAIN (ROUTER_MANDATORY with a peer at its
 * high-water mark) stay queued, in order, and go out when the socket
 * signals again.  On a ROUTER the queue is per peer: a message that meets
 * EAGAIN moves to its peer's own queue (zuv_peer_t), later messages to
 * that peer follow it there, and messages to other peers go on, so one
 * slow reader (a big catch-up it does not read) holds up nobody else.
 * The blocked peers are retried on every service() (each write-side
 * edge).  A queue is not bounded here: a peer gets only the replies to
 * what it asked, so its own requests bound it.  A message to a peer that is gone (EHOSTUNREACH) is
 * dropped and counted.
 */
#ifndef VA_ZUV_H
#define VA_ZUV_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>
#include <zmq.h>

#define ZUV_MAX_FRAMES 16

/* A multipart message: frames[0..nframes).  Owned by whoever holds it. */
typedef struct zuv_msg {
	struct zuv_msg *next;
	size_t nframes;
	size_t sent; /* frames already handed to libzmq */
	zmq_msg_t frames[];
} zuv_msg_t;

typedef struct zuv_sock zuv_sock_t;

/* A ROUTER peer that pushed back (EAGAIN): its messages wait here, in
 * order, so that messages to other peers are not held up behind them. */
typedef struct zuv_peer {
	struct zuv_peer *next;
	zuv_msg_t *head;
	zuv_msg_t *tail;
	size_t len;
	size_t id_len;
	uint8_t id[256]; /* the routing id (first frame), at most 255 bytes */
} zuv_peer_t;

/* Called for each complete inbound message.  The frames are borrowed for
 * the call; the callback may zmq_msg_move() any of them into its own
 * messages. */
typedef void (*zuv_recv_cb)(zuv_sock_t *zs, zmq_msg_t *frames, size_t nframes);
typedef void (*zuv_close_cb)(zuv_sock_t *zs);

struct zuv_sock {
	uv_poll_t poll;
	uv_idle_t idle;
	uv_timer_t retry; /* re-services while replies wait for a blocked peer */
	void *handle;     /* the libzmq socket; owned by the caller */
	zuv_recv_cb on_recv;
	zuv_close_cb on_close;
	void *data; /* for the owner */
	zuv_msg_t *out_head;
	zuv_msg_t *out_tail;
	size_t out_len;
	int is_router;       /* ROUTER: frame 0 is the peer; queue per blocked peer */
	zuv_peer_t *blocked; /* peers at their high-water mark, with their messages */
	size_t parked;       /* messages waiting in `blocked` */
	unsigned budget;     /* messages received per service() */
	int in_service;
	int idle_active;
	int closing;
	int open_handles;
	uint64_t received;
	uint64_t sent_msgs;
	uint64_t dropped_unroutable;
	uint64_t dropped_oversized_frames;
};

/* zuv_msg_new - a message of `nframes` empty frames, or NULL. */
zuv_msg_t *zuv_msg_new(size_t nframes);

/* zuv_msg_free - close every frame and free; sets *msg_p to NULL. */
void zuv_msg_free(zuv_msg_t **msg_p);

/*
 * zuv_sock_init - watch `handle` on `loop`; `on_recv` may be NULL for a
 * send-only socket; `data` is stored in zs->data.  Messages already
 * waiting are received on the loop's first turn, not here.  Returns 0 or
 * a negative libuv error code.
 */
int zuv_sock_init(uv_loop_t *loop, zuv_sock_t *zs, void *handle, zuv_recv_cb on_recv, void *data);

/*
 * zuv_sock_send - queue `msg` (ownership passes to zs) and try to send.
 * Returns 0, or -VA_UNAVAILABLE when the socket is closing (msg is then
 * freed).
 */
int zuv_sock_send(zuv_sock_t *zs, zuv_msg_t *msg);

/*
 * zuv_sock_queue - queue `msg` without sending yet; the caller must call
 * zuv_sock_flush() after the last one (a batch of replies then costs one
 * pass instead of one each).  Returns as zuv_sock_send().
 */
int zuv_sock_queue(zuv_sock_t *zs, zuv_msg_t *msg);

/* zuv_sock_flush - send what is queued and re-arm; never receives. */
void zuv_sock_flush(zuv_sock_t *zs);

/*
 * zuv_sock_close - stop watching, drop what is still queued, and call
 * `cb` (may be NULL) once both libuv handles are closed.  The libzmq
 * socket itself stays the caller's to close.
 */
void zuv_sock_close(zuv_sock_t *zs, zuv_close_cb cb);

#endif
