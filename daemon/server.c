/*
 * server - see server.h: the requests' dispatch and the daemon's life.
 *
 * The ROUTER sees [identity][envelope...][payload]: a DEALER client sends
 * one frame, a REQ client adds an empty delimiter, a proxy may add more.
 * The reply echoes every frame before the payload, so all of them work.
 *
 * A request is authenticated (auth.h), counted in flight per principal,
 * decoded, authorized, and then a command is decided and staged in the
 * open batch (commit.c), a query answered (query.c).  A reply that carries
 * no event (a query, a refusal) goes out at once when nothing is pending,
 * and otherwise waits behind the pending events, because its answer may
 * depend on them.
 *
 * Idempotency: the state remembers which (actor, request_id) produced
 * events; a repeat is answered OK with the original seq, behind the same
 * durability barrier, and changes nothing.
 */
#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdnoreturn.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "server_internal.h"

int64_t server__now_ms(const server_t *srv)
{
	return clock_now_ms(&srv->clock);
}

void *server__xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL)
		fatal(70, "out of memory");
	return p;
}

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

/* `barrier`: the reply must wait for the pending events (it reports or
 * depends on them).  Without one it may go out while a full disk holds a
 * batch back. */
static void server__free_bytes(void *data, void *hint)
{
	(void)hint;
	free(data);
}

void server__answer(server_t *srv, reply_to_t *to, int status, const char *message, uint64_t seq,
		    const result_t *result, int barrier)
{
	zmq_msg_t reply;
	zuv_msg_t *msg;
	uint8_t *buf;
	size_t len;

	if (codec_reply_pack(to->request_id, status, message, seq, result, &buf, &len) < 0) {
		log_err("could not encode a reply to '%s'", to->request_id ? to->request_id : "");
		return;
	}
	/* The frame owns the bytes from here on. */
	if (zmq_msg_init_data(&reply, buf, len, server__free_bytes, NULL) != 0) {
		free(buf);
		log_err("could not frame a reply to '%s'", to->request_id ? to->request_id : "");
		return;
	}
	msg = server__reply_msg(to->frames, to->nframes, &reply);
	zmq_msg_close(&reply);
	if (msg == NULL)
		return;
	if (status != 0)
		srv->refused++;
	if ((srv->cur->n_events == 0 && srv->syncing == NULL) || (srv->disk_full && !barrier)) {
		zuv_sock_send(&srv->rz, msg);
	} else {
		/* The reply waits: its request stays in flight until then. */
		assert(srv->cur != srv->releasing);
		server__batch_add_reply(srv->cur, msg, to->pending ? to->slot : NO_SLOT);
		to->pending = 0;
	}
}

static void server__command(server_t *srv, const principal_t *p, request_t *req, reply_to_t *to)
{
	const char *actor = p->name;
	char err[SERVER_ERR_MAX] = "";
	uint64_t seq = 0;
	int rc;

	/* A retry of a request that already took effect: its original answer,
	 * once that is durable. */
	if (state_request_seen(srv->state, actor, req->request_id, &seq)) {
		server__answer(srv, to, 0, "", seq, NULL, 1);
		return;
	}
	if (srv->disk_full) {
		server__answer(srv, to, -VA_RESOURCE_EXHAUSTED,
			       "journal: the disk is full; commands are refused until space "
			       "returns (queries are served)",
			       state_last_seq(srv->state), NULL, 0);
		return;
	}
	state_ctx_t ctx = {.now_ms = server__now_ms(srv),
			   .actor = actor,
			   .request_id = req->request_id,
			   .rules = srv->rules};
	rc = authz_check(p, srv->state, &req->cmd, err, sizeof err);
	if (rc == 0)
		rc = bounds_check(srv->state, &req->cmd, srv->opt.alliance_members_max, err,
				  sizeof err);
	if (rc < 0)
		log_info("refused '%s' from '%s': %s", req->request_id, actor, err);
	if (rc == 0)
		rc = server__execute(srv, &req->cmd, &ctx, &seq, err, sizeof err);
	if (rc < 0)
		seq = state_last_seq(srv->state);
	server__answer(srv, to, rc, rc < 0 ? err : "", seq, NULL, rc == 0);
}

static void server__on_request(zuv_sock_t *zs, zmq_msg_t *frames, size_t nframes)
{
	server_t *srv = zs->data;
	const principal_t *p;
	zmq_msg_t *payload;
	request_t req;
	reply_to_t to = {.frames = frames, .nframes = nframes, .slot = NO_SLOT};
	char err[SERVER_ERR_MAX] = "";
	int rc;

	/* [identity][payload] at the least; anything shorter is not from a
	 * ZeroMQ client and has no one to answer. */
	if (nframes < 2)
		return;
	srv->requests++;
	metrics_request(srv->metrics);
	payload = &frames[nframes - 1];
	/* Per message, not per connection: a key removed by a reload is
	 * refused on a connection it opened before. */
	p = auth_principal(srv->auth, payload);
	rc = codec_request_decode_limits(zmq_msg_data(payload), zmq_msg_size(payload),
					 &srv->codec_limits, &req, err, sizeof err);
	to.request_id = req.request_id;
	if (p == NULL) {
		const char *key = zmq_msg_gets(payload, "User-Id");
		log_warn("refused a request from key '%s': not among the principals (removed by a "
			 "reload?)",
			 key ? key : "");
		server__answer(srv, &to, -VA_UNAUTHENTICATED,
			       "unauthenticated: this key is not among the daemon's principals",
			       state_last_seq(srv->state), NULL, 0);
		request_release(&req);
		return;
	}
	to.slot = inflight_slot(srv->inflight, p->name);
	if (inflight_acquire(srv->inflight, to.slot, srv->opt.in_flight_max, err, sizeof err) < 0) {
		server__answer(srv, &to, -VA_RESOURCE_EXHAUSTED, err, state_last_seq(srv->state),
			       NULL, 0);
		request_release(&req);
		return;
	}
	to.pending = 1;
	if (rc < 0) {
		log_debug("refused a request: %s", err);
		server__answer(srv, &to, rc, err, state_last_seq(srv->state), NULL, 0);
	} else if (srv->stopping) {
		server__answer(srv, &to, -VA_UNAVAILABLE, "the daemon is stopping; retry later",
			       state_last_seq(srv->state), NULL, 0);
	} else if (req.is_query && server__admin_query(p, &req.query, err, sizeof err) < 0) {
		server__answer(srv, &to, -VA_PERMISSION_DENIED, err, state_last_seq(srv->state),
			       NULL, 0);
	} else if (req.is_query &&
		   (req.query.type == QUERY_PRINCIPALS_RELOAD || req.query.type == QUERY_WHOAMI)) {
		server__security_query(srv, p, &req.query, &to);
	} else if (req.is_query) {
		server__query(srv, &req.query, &to);
	} else {
		server__command(srv, p, &req, &to);
	}
	/* Answered at once (or not here, as a catch-up page): no longer in
	 * flight. */
	if (to.pending)
		inflight_release(srv->inflight, to.slot);
	request_release(&req);
}

/* Every reminder due now and not sent
 * yet goes out as the daemon's own command. */
static void server__reminder_tick(uv_timer_t *t)
{
	server_t *srv = t->data;
	int64_t now = server__now_ms(srv);
	reminder_t *due = NULL;
	char err[SERVER_ERR_MAX];
	size_t n;

	if (srv->stopping || srv->disk_full)
		return;
	n = sessions_due(state_sessions(srv->state), now, srv->opt.reminder_offsets,
			 srv->opt.n_reminder_offsets, &due);
	for (size_t i = 0; i < n; i++) {
		cmd_t cmd = {.type = CMD_REMINDER_SEND};
		state_ctx_t ctx = {.now_ms = now, .actor = "system", .request_id = "reminder"};
		uint64_t seq;
		cmd.u.reminder = due[i];
		if (server__execute(srv, &cmd, &ctx, &seq, err, sizeof err) < 0)
			log_warn("reminder for '%s' not sent: %s",
				 due[i].session && due[i].session[0] ? due[i].session
								     : due[i].deadline,
				 err);
		reminder_release(&due[i]);
	}
	free(due);
}

static zsock_t *server__bind(server_t *srv, int type, const char *endpoint,
			     const server_options_t *opt, char *err, size_t errlen)
{
	/* zsock_new: czmq's context, the one zauth guards. */
	zsock_t *s = zsock_new(type);

	if (s == NULL) {
		snprintf(err, errlen, "could not create a socket");
		return NULL;
	}
	zsock_set_linger(s, 0);
	if (auth_secure(srv->auth, s, err, errlen) < 0) {
		zsock_destroy(&s);
		return NULL;
	}
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

static void server__handle_closed(uv_handle_t *h)
{
	server_t *srv = h->data;

	srv->open_handles--;
}

static void server__zuv_closed(zuv_sock_t *zs)
{
	server_t *srv = zs->data;

	srv->open_handles--;
}

static void server__metrics_closed(void *arg)
{
	server_t *srv = arg;

	srv->open_handles--;
}

static void server__feed_closed(void *arg)
{
	server_t *srv = arg;

	srv->open_handles--;
}

static void server__auth_closed(void *arg)
{
	server_t *srv = arg;

	srv->open_handles--;
}

static void server__router_event(void *arg, uint16_t event, uint32_t value, const char *endpoint)
{
	server_t *srv = arg;

	auth_monitor_event(srv->router_peers, event, value, endpoint);
}

server_t *server_new(uv_loop_t *loop, const server_options_t *opt, int *exit_code, char *err,
		     size_t errlen)
{
	server_t *srv = calloc(1, sizeof *srv);
	int rc;

	*exit_code = 70;
	err[0] = '\0';
	if (srv == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->loop = loop;
	srv->opt = *opt;
	clock_init(&srv->clock);
	if (srv->opt.dedup_window == 0)
		srv->opt.dedup_window = STATE_DEDUP_WINDOW;
	srv->state_dir = strdup(opt->state_dir ? opt->state_dir : "./var");
	srv->batches[0].jb = journal_batch_new();
	srv->batches[1].jb = journal_batch_new();
	srv->cur = &srv->batches[0];
	srv->metrics = metrics_new(loop, srv->state_dir ? srv->state_dir : ".");
	if (srv->state_dir == NULL || srv->batches[0].jb == NULL || srv->batches[1].jb == NULL ||
	    srv->metrics == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (srv->opt.string_max == 0)
		srv->opt.string_max = CODEC_STRING_MAX;
	if (srv->opt.list_max == 0)
		srv->opt.list_max = CODEC_LIST_MAX;
	if (srv->opt.alliance_members_max == 0)
		srv->opt.alliance_members_max = BOUNDS_ALLIANCE_MEMBERS;
	if (srv->opt.in_flight_max == 0)
		srv->opt.in_flight_max = BOUNDS_IN_FLIGHT;
	srv->codec_limits.string_max = srv->opt.string_max;
	srv->codec_limits.list_max = srv->opt.list_max;
	srv->inflight = inflight_new();
	srv->router_peers = auth_peers_new("command");
	if (srv->inflight == NULL || srv->router_peers == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	{
		auth_options_t aopt = {.cmd_endpoint = opt->cmd_endpoint,
				       .pub_endpoint = opt->pub_endpoint,
				       .server_key = opt->server_key,
				       .principals = opt->principals,
				       .require_keys = opt->require_keys};
		srv->auth = auth_new(loop, &aopt, err, errlen);
		if (srv->auth == NULL) {
			*exit_code = 78;
			goto fail;
		}
	}
	if (mkdir(srv->state_dir, 0750) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "could not create state directory '%s': %s", srv->state_dir,
			 strerror(errno));
		*exit_code = 73;
		goto fail;
	}
	/* The partner rules; unreadable is a config error */
	if (rules_load(opt->rules_path, &srv->rules, err, errlen) < 0) {
		*exit_code = 78;
		goto fail;
	}
	srv->rules->loaded_ms = server__now_ms(srv);
	log_info("partner rules '%s' version %s", srv->rules->source, srv->rules->version);
	rc = server__recover(srv, err, errlen);
	if (rc != 0) {
		*exit_code = rc;
		goto fail;
	}
	srv->router = server__bind(srv, ZMQ_ROUTER, opt->cmd_endpoint, opt, err, errlen);
	if (srv->router == NULL) {
		*exit_code = 69;
		goto fail;
	}
	srv->pub = server__bind(srv, ZMQ_PUB, opt->pub_endpoint, opt, err, errlen);
	if (srv->pub == NULL) {
		*exit_code = 69;
		goto fail;
	}
	if (state_is_empty(srv->state)) {
		rc = server__load_defaults(srv, opt->defaults_path, err, errlen);
		if (rc < 0) {
			/* bad reference data: configuration; else the disk */
			*exit_code = rc == -VA_INVALID_ARGUMENT ? 78 : 74;
			goto fail;
		}
	}
	srv->durable_seq = state_last_seq(srv->state);
	uv_prepare_init(loop, &srv->prepare);
	srv->prepare.data = srv;
	uv_prepare_start(&srv->prepare, server__on_prepare);
	uv_timer_init(loop, &srv->retry);
	srv->retry.data = srv;
	uv_timer_init(loop, &srv->snap_timer);
	srv->snap_timer.data = srv;
	uv_timer_init(loop, &srv->reminder_timer);
	srv->reminder_timer.data = srv;
	uv_timer_start(&srv->reminder_timer, server__reminder_tick, 0, SERVER_REMINDER_TICK_MS);
	srv->open_handles = 4;
	rc = zuv_sock_init(loop, &srv->rz, zsock_resolve(srv->router), server__on_request, srv);
	if (rc < 0) {
		snprintf(err, errlen, "could not watch the command socket: %s", uv_strerror(rc));
		goto fail;
	}
	srv->open_handles++;
	if (auth_curve(srv->auth))
		metrics_on_event(srv->metrics, server__router_event, srv);
	if (metrics_watch(srv->metrics, zsock_resolve(srv->router)) == 0)
		srv->open_handles++;
	if (auth_curve(srv->auth) && auth_watch_pub(srv->auth, zsock_resolve(srv->pub)) == 0)
		srv->open_handles++;
	srv->feed = feed_new(loop, &srv->rz, zsock_resolve(srv->pub), opt->heartbeat_ms);
	if (srv->feed == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	srv->open_handles++;
	feed_set_position(srv->feed, journal_first_seq(srv->journal), srv->durable_seq);
	log_notice("listening for commands on '%s', publishing events on '%s' (%s)",
		   opt->cmd_endpoint, opt->pub_endpoint,
		   auth_curve(srv->auth) ? "CURVE: principals only"
					 : "plain mode: no authentication, local endpoints only");
	return srv;
fail:
	if (srv->open_handles > 0) {
		/* Handles were initialised: close them and let them go. */
		uv_close((uv_handle_t *)&srv->prepare, NULL);
		uv_close((uv_handle_t *)&srv->retry, NULL);
		uv_close((uv_handle_t *)&srv->snap_timer, NULL);
		uv_close((uv_handle_t *)&srv->reminder_timer, NULL);
		uv_run(loop, UV_RUN_NOWAIT);
	}
	zsock_destroy(&srv->pub);
	zsock_destroy(&srv->router);
	auth_free(&srv->auth);
	auth_peers_free(&srv->router_peers);
	inflight_free(&srv->inflight);
	journal_free(&srv->journal);
	state_free(&srv->state);
	server__batch_release(&srv->batches[0]);
	server__batch_release(&srv->batches[1]);
	evlist_release(&srv->scratch);
	metrics_free(&srv->metrics);
	rules_free(&srv->rules);
	free(srv->state_dir);
	free(srv);
	return NULL;
}

/* Closes the handles once nothing is in flight; the loop then runs out. */
void server__maybe_finish(server_t *srv)
{
	if (!srv->stopping || srv->closed)
		return;
	if (srv->sync_running)
		return;
	if (srv->syncing != NULL && !srv->disk_full)
		return;
	if (srv->snap != NULL) {
		snapshot_job_t *job = srv->snap;
		if (job->pid > 0) {
			/* A snapshot only shortens the next start; stopping need
			 * not wait for a large one.  Its temp file goes at the
			 * next prune. */
			kill(job->pid, SIGKILL);
			waitpid(job->pid, NULL, 0);
			log_info("stopped the snapshot at seq %llu in progress",
				 (unsigned long long)job->seq);
			uv_timer_stop(&srv->snap_timer);
			free(job);
			srv->snap = NULL;
			job = NULL;
		} else if (job->queued) {
			return; /* its rename finishes first */
		}
	}
	if (srv->snap != NULL) {
		snapshot_job_t *job = srv->snap;
		if (job->ready && !srv->disk_full && srv->durable_seq >= job->seq) {
			server__maybe_write_snapshot(srv);
			return;
		}
		if (srv->disk_full || (srv->syncing == NULL && srv->cur->n_events == 0)) {
			/* Its events will not reach the disk now: leave the temp
			 * file for the next prune. */
			free(job);
			srv->snap = NULL;
		}
	}
	if (srv->syncing != NULL && srv->disk_full)
		log_err("stopping with %zu event(s) that could not be written for lack of space; "
			"their commands were never acknowledged",
			journal_batch_count(srv->syncing->jb) + journal_batch_count(srv->cur->jb));
	if (srv->syncing == NULL && srv->cur->n_events > 0) {
		server__start_sync(srv);
		return;
	}
	if (srv->syncing == NULL)
		server__release_batch(srv, srv->cur);
	srv->closed = 1;
	uv_timer_stop(&srv->retry);
	uv_close((uv_handle_t *)&srv->prepare, server__handle_closed);
	uv_close((uv_handle_t *)&srv->retry, server__handle_closed);
	uv_timer_stop(&srv->snap_timer);
	uv_close((uv_handle_t *)&srv->snap_timer, server__handle_closed);
	uv_timer_stop(&srv->reminder_timer);
	uv_close((uv_handle_t *)&srv->reminder_timer, server__handle_closed);
	/* Replies still queued for a slow peer are dropped with the socket;
	 * their commands are durable and a retry finds them. */
	zuv_sock_close(&srv->rz, server__zuv_closed);
	metrics_unwatch(srv->metrics, server__metrics_closed, srv);
	auth_unwatch(srv->auth, server__auth_closed, srv);
	feed_close(srv->feed, server__feed_closed, srv);
}

void server_stop(server_t *srv)
{
	if (srv->stopping)
		return;
	srv->stopping = 1;
	log_info("requests %llu (refused %llu), commits %llu of %llu events (%.1f per commit)",
		 (unsigned long long)srv->requests, (unsigned long long)srv->refused,
		 (unsigned long long)srv->commits, (unsigned long long)srv->committed_events,
		 srv->commits ? (double)srv->committed_events / (double)srv->commits : 0.0);
	server__maybe_finish(srv);
}

uint64_t server_last_seq(const server_t *srv)
{
	return state_last_seq(srv->state);
}

void server_status(server_t *srv, metrics_status_t *st)
{
	memset(st, 0, sizeof *st);
	st->version = VA_VERSION;
	st->last_seq = state_last_seq(srv->state);
	st->requests = srv->requests;
	st->refused = srv->refused;
	st->commits = srv->commits;
	st->committed_events = srv->committed_events;
	st->disk_full = srv->disk_full;
	st->log_level = log_get_level();
	st->snapshot_every = srv->opt.snapshot_every;
	metrics_fill(srv->metrics, st);
}

void server_set_snapshot_policy(server_t *srv, uint64_t every, uint64_t bytes)
{
	srv->opt.snapshot_every = every;
	srv->opt.snapshot_bytes = bytes;
	server__maybe_snapshot(srv);
}

void server_free(server_t **self_p)
{
	server_t *srv;

	if (self_p == NULL || *self_p == NULL)
		return;
	srv = *self_p;
	free(srv->snap);
	metrics_free(&srv->metrics);
	feed_free(&srv->feed);
	zsock_destroy(&srv->router);
	zsock_destroy(&srv->pub);
	auth_free(&srv->auth);
	auth_peers_free(&srv->router_peers);
	inflight_free(&srv->inflight);
	journal_free(&srv->journal);
	state_free(&srv->state);
	server__batch_release(&srv->batches[0]);
	server__batch_release(&srv->batches[1]);
	evlist_release(&srv->scratch);
	rules_free(&srv->rules);
	free(srv->state_dir);
	free(srv);
	*self_p = NULL;
}

int server_reload_principals(server_t *srv, size_t *count, size_t *removed, char *err,
			     size_t errlen)
{
	char *endpoint;
	int rc;

	if ((rc = auth_reload(srv->auth, count, removed, err, errlen)) < 0)
		return rc;
	if (*removed == 0 || srv->pub == NULL)
		return 0;
	/* PUB has no per-message check: drop every subscriber (unbinding
	 * closes the connections it accepted) and let them reconnect through
	 * the new handshake.  They catch up by seq (PROTOCOL.md). */
	endpoint = zsock_last_endpoint(srv->pub);
	if (endpoint == NULL)
		return 0;
	rc = zsock_unbind(srv->pub, "%s", endpoint);
	/* libzmq closes the listener on its I/O thread: the port may stay
	 * taken for a moment after zmq_unbind returns. */
	for (int tries = 1; rc == 0; tries++) {
		int port = zsock_bind(srv->pub, "%s", endpoint);
		if (port >= 0)
			break;
		if (zmq_errno() != EADDRINUSE || tries == 200)
			rc = -1;
		else
			zclock_sleep(5);
	}
	if (rc < 0)
		log_err("could not bind the event endpoint '%s' again: %s", endpoint,
			zmq_strerror(zmq_errno()));
	else
		log_notice("bound the event endpoint '%s' again: subscribers reconnect with the "
			   "new principals",
			   endpoint);
	free(endpoint);
	return 0;
}

int server_rules_reload(server_t *srv, char *err, size_t errlen)
{
	rules_t *next = NULL;
	int rc;

	rc = rules_load(srv->opt.rules_path, &next, err, errlen);
	if (rc < 0) {
		log_err("partner rules not reloaded, keeping version %s: %s", srv->rules->version,
			err);
		return rc;
	}
	next->loaded_ms = server__now_ms(srv);
	log_notice("partner rules reloaded from '%s': version %s (was %s)", next->source,
		   next->version, srv->rules->version);
	rules_free(&srv->rules);
	srv->rules = next;
	return 0;
}
