/*
 * server - see server.h.
 *
 * The ROUTER sees [identity][envelope...][payload]: a DEALER client sends
 * one frame, a REQ client adds an empty delimiter, a proxy may add more.
 * The reply echoes every frame before the payload, so all of them work.
 *
 * Batching: every reply goes into the current batch.  While the batch
 * holds no event and nothing is being committed, it is flushed at once
 * (a query or a refusal costs no sync).  Once it holds events, later
 * replies wait behind them, even refusals and queries, because their
 * answers may depend on those events.
 */
#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <vetalliance/error.h>

#include "codec.h"
#include "defaults.h"
#include "log.h"
#include "server.h"
#include "state/state.h"
#include "zuv.h"

#define SERVER_ERR_MAX 512

typedef struct pub_event {
	char topic[64];
	uint8_t *buf;
	size_t len;
} pub_event_t;

typedef struct batch {
	zuv_msg_t **replies;
	size_t n_replies;
	size_t cap_replies;
	pub_event_t *events;
	size_t n_events;
	size_t cap_events;
} batch_t;

struct server {
	uv_loop_t *loop;
	zsock_t *router;
	zsock_t *pub;
	zuv_sock_t rz;
	state_t *state;
	batch_t batch;
	evlist_t scratch; /* events of the command being decided */
	int stopping;
	uint64_t requests;
	uint64_t refused;
};

static int64_t server__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *server__xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL)
		fatal(70, "out of memory");
	return p;
}

/* ------------------------------------------------------------- batch */

static void batch__add_reply(batch_t *b, zuv_msg_t *msg)
{
	if (b->n_replies == b->cap_replies) {
		b->cap_replies = b->cap_replies ? b->cap_replies * 2 : 64;
		b->replies = server__xrealloc(b->replies, b->cap_replies * sizeof *b->replies);
	}
	b->replies[b->n_replies++] = msg;
}

static pub_event_t *batch__add_event(batch_t *b)
{
	if (b->n_events == b->cap_events) {
		b->cap_events = b->cap_events ? b->cap_events * 2 : 64;
		b->events = server__xrealloc(b->events, b->cap_events * sizeof *b->events);
	}
	memset(&b->events[b->n_events], 0, sizeof b->events[0]);
	return &b->events[b->n_events++];
}

static void batch__release(batch_t *b)
{
	for (size_t i = 0; i < b->n_replies; i++)
		zuv_msg_free(&b->replies[i]);
	for (size_t i = 0; i < b->n_events; i++)
		free(b->events[i].buf);
	free(b->replies);
	free(b->events);
	memset(b, 0, sizeof *b);
}

static void server__publish(server_t *srv, pub_event_t *ev)
{
	void *pub = zsock_resolve(srv->pub);

	/* PUB never blocks: a subscriber past its high-water mark loses the
	 * message and must catch up by seq. */
	if (zmq_send(pub, ev->topic, strlen(ev->topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(pub, ev->buf, ev->len, ZMQ_DONTWAIT) < 0)
		log_debug("could not publish an event: %s", zmq_strerror(zmq_errno()));
}

/* Sends the batch's replies, then publishes its events in seq order. */
static void server__commit(server_t *srv)
{
	batch_t *b = &srv->batch;

	for (size_t i = 0; i < b->n_replies; i++) {
		zuv_sock_send(&srv->rz, b->replies[i]);
		b->replies[i] = NULL;
	}
	b->n_replies = 0;
	for (size_t i = 0; i < b->n_events; i++) {
		server__publish(srv, &b->events[i]);
		free(b->events[i].buf);
		b->events[i].buf = NULL;
	}
	b->n_events = 0;
}

/* ----------------------------------------------------------- requests */

/* Builds [identity][envelope...][reply] from the request's frames. */
static zuv_msg_t *server__reply_msg(zmq_msg_t *frames, size_t nframes, zmq_msg_t *reply)
{
	zuv_msg_t *msg = zuv_msg_new(nframes);

	if (msg == NULL)
		return NULL;
	for (size_t i = 0; i + 1 < nframes; i++)
		zmq_msg_copy(&msg->frames[i], &frames[i]);
	zmq_msg_move(&msg->frames[nframes - 1], reply);
	return msg;
}

static void server__answer(server_t *srv, zmq_msg_t *frames, size_t nframes, const char *request_id,
			   int status, const char *message, uint64_t seq, const result_t *result)
{
	zmq_msg_t reply;
	zuv_msg_t *msg;

	if (codec_reply_pack(request_id, status, message, seq, result, &reply) < 0) {
		log_err("could not encode a reply to '%s'", request_id ? request_id : "");
		zmq_msg_close(&reply);
		return;
	}
	msg = server__reply_msg(frames, nframes, &reply);
	zmq_msg_close(&reply);
	if (msg == NULL)
		return;
	if (status != 0)
		srv->refused++;
	if (srv->batch.n_events == 0)
		zuv_sock_send(&srv->rz, msg);
	else
		batch__add_reply(&srv->batch, msg);
}

static void server__query(server_t *srv, const query_t *q, zmq_msg_t *frames, size_t nframes,
			  const char *request_id)
{
	uint64_t seq = state_last_seq(srv->state);
	result_t res = {0};
	const void **list = NULL;
	char msg[SERVER_ERR_MAX] = "";
	int status = 0;

	switch (q->type) {
	case QUERY_PARTNER_GET:
		res.type = RESULT_PARTNER;
		res.one = state_partner_get(srv->state, q->id);
		if (res.one == NULL) {
			status = VA_NOT_FOUND;
			snprintf(msg, sizeof msg, "partner '%s' not found", q->id);
			res.type = RESULT_NONE;
		}
		break;
	case QUERY_CENTRE_GET:
		res.type = RESULT_CENTRE;
		res.one = state_centre_get(srv->state, q->id);
		if (res.one == NULL) {
			status = VA_NOT_FOUND;
			snprintf(msg, sizeof msg, "centre '%s' not found", q->id);
			res.type = RESULT_NONE;
		}
		break;
	case QUERY_PARTNER_LIST:
		res.type = RESULT_PARTNERS;
		res.n = state_partner_list(srv->state, (const partner_t ***)&list);
		break;
	case QUERY_CENTRE_LIST:
		res.type = RESULT_CENTRES;
		res.n = state_centre_list(srv->state, q->partner, q->country, q->sector,
					  (const centre_t ***)&list);
		break;
	case QUERY_SECTOR_LIST:
		res.type = RESULT_SECTORS;
		res.n = state_sector_list(srv->state, (const sector_t ***)&list);
		break;
	case QUERY_INTEREST_LIST:
		res.type = RESULT_INTERESTS;
		res.n = state_interest_list(srv->state, q->partner, (const interest_t ***)&list);
		break;
	}
	res.many = (const void *const *)list;
	server__answer(srv, frames, nframes, request_id, status, msg, seq, &res);
	free(list);
}

/*
 * Decides, applies and stages one command.  Returns 0 or a negative code
 * with a message; on success *seq_p is the seq of its last event.
 */
static int server__execute(server_t *srv, const cmd_t *cmd, const state_ctx_t *ctx, uint64_t *seq_p,
			   char *err, size_t errlen)
{
	evlist_t *evs = &srv->scratch;
	int rc;

	evlist_clear(evs);
	rc = state_decide(srv->state, cmd, ctx, evs, err, errlen);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < evs->n; i++) {
		pub_event_t *pe = batch__add_event(&srv->batch);
		pe->len = codec_event_pack(&evs->v[i], &pe->buf, pe->topic, sizeof pe->topic);
		if (pe->len == 0)
			fatal(70, "could not encode event %llu", (unsigned long long)evs->v[i].seq);
		rc = state_apply(srv->state, &evs->v[i], err, errlen);
		if (rc < 0)
			fatal(70, "could not apply event %llu: %s",
			      (unsigned long long)evs->v[i].seq, err);
	}
	*seq_p = state_last_seq(srv->state);
	evlist_clear(evs);
	return 0;
}

static void server__on_request(zuv_sock_t *zs, zmq_msg_t *frames, size_t nframes)
{
	server_t *srv = zs->data;
	zmq_msg_t *payload;
	request_t req;
	char err[SERVER_ERR_MAX] = "";
	uint64_t seq = 0;
	int rc;

	/* [identity][payload] at the least; anything shorter is not from a
	 * ZeroMQ client and has no one to answer. */
	if (nframes < 2 || srv->stopping)
		return;
	srv->requests++;
	payload = &frames[nframes - 1];
	rc = codec_request_decode(zmq_msg_data(payload), zmq_msg_size(payload), &req, err,
				  sizeof err);
	if (rc < 0) {
		log_debug("refused a request: %s", err);
		server__answer(srv, frames, nframes, req.request_id, rc, err,
			       state_last_seq(srv->state), NULL);
		request_release(&req);
		return;
	}
	if (req.is_query) {
		server__query(srv, &req.query, frames, nframes, req.request_id);
	} else {
		state_ctx_t ctx = {
		    .now_ms = server__now_ms(),
		    .actor = "local",
		    .request_id = req.request_id,
		};
		rc = server__execute(srv, &req.cmd, &ctx, &seq, err, sizeof err);
		if (rc < 0)
			seq = state_last_seq(srv->state);
		server__answer(srv, frames, nframes, req.request_id, rc, rc < 0 ? err : "", seq,
			       NULL);
	}
	request_release(&req);
	if (srv->batch.n_events > 0)
		server__commit(srv);
}

/* ------------------------------------------------------------ set-up */

static int server__load_defaults(server_t *srv, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	cmd_t *cmds = NULL;
	size_t n = 0;
	uint64_t seq;
	int rc;

	if (path != NULL) {
		FILE *f = fopen(path, "r");
		long size;
		if (f == NULL) {
			snprintf(err, errlen, "could not open '%s': %s", path, strerror(errno));
			return -VA_INVALID_ARGUMENT;
		}
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		fseek(f, 0, SEEK_SET);
		text = calloc(1, (size_t)(size > 0 ? size : 0) + 1);
		if (text == NULL || (size > 0 && fread(text, 1, (size_t)size, f) != (size_t)size)) {
			snprintf(err, errlen, "could not read '%s'", path);
			fclose(f);
			free(text);
			return -VA_INVALID_ARGUMENT;
		}
		fclose(f);
	}
	rc = defaults_parse(text ? text : (const char *)va_defaults_zpl, &cmds, &n, err, errlen);
	free(text);
	if (rc < 0)
		return rc;
	state_ctx_t ctx = {.now_ms = server__now_ms(), .actor = "system", .request_id = "defaults"};
	for (size_t i = 0; i < n && rc == 0; i++) {
		char e[SERVER_ERR_MAX];
		rc = server__execute(srv, &cmds[i], &ctx, &seq, e, sizeof e);
		if (rc < 0)
			snprintf(err, errlen, "reference data: %s", e);
	}
	defaults_free(&cmds, n);
	if (rc == 0) {
		log_info("loaded the reference data: %zu events", srv->batch.n_events);
		server__commit(srv);
	}
	return rc;
}

/* Plain (unauthenticated) mode is only for endpoints nobody else can
 * reach. */
static int server__endpoint_local(const char *ep)
{
	static const char *const local[] = {"ipc://",           "inproc://",    "tcp://127.",
					    "tcp://localhost:", "tcp://[::1]:", NULL};
	for (size_t i = 0; local[i] != NULL; i++)
		if (strncmp(ep, local[i], strlen(local[i])) == 0)
			return 1;
	return 0;
}

static zsock_t *server__bind(int type, const char *endpoint, const server_options_t *opt, char *err,
			     size_t errlen)
{
	zsock_t *s = zsock_new(type);

	if (s == NULL) {
		snprintf(err, errlen, "could not create a socket");
		return NULL;
	}
	zsock_set_linger(s, 0);
	if (type == ZMQ_ROUTER) {
		zsock_set_router_mandatory(s, 1);
		zsock_set_maxmsgsize(s, opt->max_msg_size);
		zsock_set_rcvhwm(s, 100000);
		zsock_set_sndhwm(s, 100000);
	} else {
		zsock_set_sndhwm(s, 100000);
	}
	if (zsock_bind(s, "%s", endpoint) < 0) {
		snprintf(err, errlen, "could not bind '%s': %s", endpoint,
			 zmq_strerror(zmq_errno()));
		zsock_destroy(&s);
		return NULL;
	}
	return s;
}

server_t *server_new(uv_loop_t *loop, const server_options_t *opt, int *exit_code, char *err,
		     size_t errlen)
{
	server_t *srv = calloc(1, sizeof *srv);
	int rc;

	*exit_code = 70;
	if (srv == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->loop = loop;
	if (!server__endpoint_local(opt->cmd_endpoint) ||
	    !server__endpoint_local(opt->pub_endpoint)) {
		snprintf(err, errlen,
			 "refusing to listen on '%s' and '%s' without keys: plain mode is for "
			 "loopback and ipc:// endpoints only",
			 opt->cmd_endpoint, opt->pub_endpoint);
		*exit_code = 78;
		goto fail;
	}
	if (opt->state_dir != NULL && mkdir(opt->state_dir, 0750) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "could not create state directory '%s': %s", opt->state_dir,
			 strerror(errno));
		*exit_code = 73;
		goto fail;
	}
	srv->state = state_new();
	if (srv->state == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	srv->router = server__bind(ZMQ_ROUTER, opt->cmd_endpoint, opt, err, errlen);
	if (srv->router == NULL) {
		*exit_code = 69;
		goto fail;
	}
	srv->pub = server__bind(ZMQ_PUB, opt->pub_endpoint, opt, err, errlen);
	if (srv->pub == NULL) {
		*exit_code = 69;
		goto fail;
	}
	if (state_is_empty(srv->state)) {
		rc = server__load_defaults(srv, opt->defaults_path, err, errlen);
		if (rc < 0) {
			*exit_code = 78;
			goto fail;
		}
	}
	rc = zuv_sock_init(loop, &srv->rz, zsock_resolve(srv->router), server__on_request, srv);
	if (rc < 0) {
		snprintf(err, errlen, "could not watch the command socket: %s", uv_strerror(rc));
		goto fail;
	}
	log_notice("listening for commands on '%s', publishing events on '%s' (plain mode: no "
		   "authentication, local endpoints only)",
		   opt->cmd_endpoint, opt->pub_endpoint);
	log_notice("state is kept in memory only: it is lost when the daemon stops");
	return srv;
fail:
	zsock_destroy(&srv->pub);
	zsock_destroy(&srv->router);
	state_free(&srv->state);
	batch__release(&srv->batch);
	evlist_release(&srv->scratch);
	free(srv);
	return NULL;
}

void server_stop(server_t *srv)
{
	if (srv->stopping)
		return;
	srv->stopping = 1;
	server__commit(srv);
	zuv_sock_close(&srv->rz, NULL);
}

uint64_t server_last_seq(const server_t *srv)
{
	return state_last_seq(srv->state);
}

void server_free(server_t **self_p)
{
	server_t *srv;

	if (self_p == NULL || *self_p == NULL)
		return;
	srv = *self_p;
	zsock_destroy(&srv->router);
	zsock_destroy(&srv->pub);
	state_free(&srv->state);
	batch__release(&srv->batch);
	evlist_release(&srv->scratch);
	free(srv);
	*self_p = NULL;
}
