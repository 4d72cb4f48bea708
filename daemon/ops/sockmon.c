/*
 * sockmon - see sockmon.h.  Each event is two frames:
 * [u16 event, u32 value][endpoint].
 */
#include <czmq.h>
#include <stdio.h>
#include <string.h>

#include <vetalliance/error.h>

#include "ops/sockmon.h"

static void sockmon__on_event(zuv_sock_t *zs, zmq_msg_t *frames, size_t nframes)
{
	sockmon_t *m = zs->data;
	char endpoint[256] = "";
	uint16_t event;
	uint32_t value;
	size_t n;

	if (nframes < 1 || zmq_msg_size(&frames[0]) < sizeof event + sizeof value)
		return;
	memcpy(&event, zmq_msg_data(&frames[0]), sizeof event);
	memcpy(&value, (const char *)zmq_msg_data(&frames[0]) + sizeof event, sizeof value);
	n = nframes > 1 ? zmq_msg_size(&frames[1]) : 0;
	if (n >= sizeof endpoint)
		n = sizeof endpoint - 1;
	if (n > 0)
		memcpy(endpoint, zmq_msg_data(&frames[1]), n);
	endpoint[n] = '\0';
	m->fn(m->arg, event, value, endpoint);
}

int sockmon_start(sockmon_t *m, uv_loop_t *loop, void *sock, int events, sockmon_fn fn, void *arg)
{
	char ep[64];
	zsock_t *pair = NULL;

	snprintf(ep, sizeof ep, "inproc://vetalliance-monitor-%p", (void *)m);
	if (zmq_socket_monitor(sock, ep, events) < 0)
		return -VA_INTERNAL;
	m->sock = sock;
	m->fn = fn;
	m->arg = arg;
	pair = zsock_new(ZMQ_PAIR);
	if (pair == NULL)
		goto fail;
	m->pair = pair;
	zsock_set_linger(pair, 0);
	if (zsock_connect(pair, "%s", ep) < 0 ||
	    zuv_sock_init(loop, &m->zs, zsock_resolve(pair), sockmon__on_event, m) < 0)
		goto fail;
	m->watching = 1;
	return 0;
fail:
	sockmon_release(m);
	return -VA_INTERNAL;
}

static void sockmon__closed(zuv_sock_t *zs)
{
	sockmon_t *m = zs->data;

	sockmon_release(m);
	if (m->done != NULL)
		m->done(m->done_arg);
}

int sockmon_stop(sockmon_t *m, void (*done)(void *arg), void *arg)
{
	if (!m->watching) {
		if (done != NULL)
			done(arg);
		return 0;
	}
	m->watching = 0;
	m->done = done;
	m->done_arg = arg;
	zuv_sock_close(&m->zs, sockmon__closed);
	return 1;
}

void sockmon_release(sockmon_t *m)
{
	zsock_t *pair = m->pair;

	if (m->sock != NULL)
		zmq_socket_monitor(m->sock, NULL, 0);
	m->sock = NULL;
	zsock_destroy(&pair);
	m->pair = NULL;
}
