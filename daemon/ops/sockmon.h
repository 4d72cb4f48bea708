/*
 * sockmon - a ZeroMQ socket monitor read through the loop.
 *
 * libzmq reports a socket's transport events (accepted, disconnected,
 * failed handshakes...) on an inproc PAIR socket; sockmon connects one
 * and reads it with the zuv bridge, handing each event to a callback as
 * (event, value, endpoint).  The metrics count peers with it, auth logs
 * failed handshakes.  The struct is the caller's (embedded).
 */
#ifndef VA_SOCKMON_H
#define VA_SOCKMON_H

#include <stdint.h>
#include <uv.h>

#include "zuv.h"

typedef void (*sockmon_fn)(void *arg, uint16_t event, uint32_t value, const char *endpoint);

typedef struct sockmon {
	void *sock; /* the monitored libzmq socket */
	void *pair; /* zsock_t * reading the events */
	zuv_sock_t zs;
	int watching;
	sockmon_fn fn;
	void *arg;
	void (*done)(void *arg);
	void *done_arg;
} sockmon_t;

/*
 * sockmon_start - monitor `events` (ZMQ_EVENT_* bits) of `sock`, a socket
 * made in czmq's context; fn(arg, ...) runs on the loop for each.  *m must
 * be zeroed.  Returns 0, or -VA_INTERNAL (zmq_errno() says why; nothing is left
 * behind).
 */
int sockmon_start(sockmon_t *m, uv_loop_t *loop, void *sock, int events, sockmon_fn fn, void *arg);

/* sockmon_stop - close the loop handle; done(arg) runs once it is closed
 * (at once if not watching).  Returns 1 if later, 0 if it ran now. */
int sockmon_stop(sockmon_t *m, void (*done)(void *arg), void *arg);

/* sockmon_release - stop the monitor and free the pair socket, after the
 * loop has run out (or if sockmon_stop was never called).  Idempotent. */
void sockmon_release(sockmon_t *m);

#endif
