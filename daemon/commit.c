/*
 * commit - group commit: the two batches and the reply barrier.
 *
 * `cur` collects the events (framed for the journal and packed for PUB)
 * and the replies of the commands decided since the last commit started;
 * `syncing` is the one batch being written and fdatasync'ed on the
 * threadpool, if any.  A uv_prepare handle, which runs just before the
 * loop blocks for I/O, starts the next commit when no other is in flight,
 * so every command read in one loop turn (and all that arrive while a
 * sync runs) share one fdatasync.  (Not uv_check: commands read in the
 * idle phase, when the bridge drains a burst, would then wait for the
 * next wake-up, since the loop may block before any check runs.)
 *
 * Failures of a commit: a full disk (or a file-size limit) keeps the batch
 * and retries it every second, refusing new commands with
 * RESOURCE_EXHAUSTED and answering queries meanwhile; any other write or
 * fdatasync error is fatal (exit 74), since after a failed fsync the
 * kernel may have dropped the dirty pages and a retry could report a
 * success that is not on disk.
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

void server__batch_add_reply(batch_t *b, zuv_msg_t *msg, uint32_t slot)
{
	if (b->n_replies == b->cap_replies) {
		b->cap_replies = b->cap_replies ? b->cap_replies * 2 : 64;
		b->replies = server__xrealloc(b->replies, b->cap_replies * sizeof *b->replies);
		b->slots = server__xrealloc(b->slots, b->cap_replies * sizeof *b->slots);
	}
	b->slots[b->n_replies] = slot;
	b->replies[b->n_replies++] = msg;
}

static pub_event_t *server__batch_add_event(batch_t *b)
{
	if (b->n_events == b->cap_events) {
		b->cap_events = b->cap_events ? b->cap_events * 2 : 64;
		b->events = server__xrealloc(b->events, b->cap_events * sizeof *b->events);
	}
	memset(&b->events[b->n_events], 0, sizeof b->events[0]);
	return &b->events[b->n_events++];
}

void server__batch_release(batch_t *b)
{
	for (size_t i = 0; i < b->n_replies; i++)
		zuv_msg_free(&b->replies[i]);
	for (size_t i = 0; i < b->n_events; i++)
		free(b->events[i].buf);
	free(b->replies);
	free(b->slots);
	free(b->events);
	journal_batch_free(&b->jb);
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

/*
 * The batch is durable: replies first, then the events in seq order.
 * Nothing may be added to a batch while it is released (the bridge never
 * hands the server a request from inside a send, zuv.h): a command added
 * here would have its reply dropped and its event published, never
 * written.
 */
void server__release_batch(server_t *srv, batch_t *b)
{
	assert(srv->releasing == NULL);
	srv->releasing = b;
	for (size_t i = 0; i < b->n_replies; i++) {
		if (srv->closed)
			zuv_msg_free(&b->replies[i]);
		else
			zuv_sock_queue(&srv->rz, b->replies[i]);
		b->replies[i] = NULL;
		if (b->slots[i] != NO_SLOT && srv->inflight != NULL)
			inflight_release(srv->inflight, b->slots[i]);
	}
	/* One service pass for the whole batch: it flushes the replies and,
	 * as after any send, re-reads the socket's state. */
	if (b->n_replies > 0 && !srv->closed)
		zuv_sock_flush(&srv->rz);
	b->n_replies = 0;
	for (size_t i = 0; i < b->n_events; i++) {
		if (srv->pub != NULL)
			server__publish(srv, &b->events[i]);
		free(b->events[i].buf);
		b->events[i].buf = NULL;
	}
	b->n_events = 0;
	journal_batch_reset(b->jb);
	srv->releasing = NULL;
}

static void server__sync_work(uv_work_t *w)
{
	server_t *srv = w->data;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	srv->sync_rc =
	    journal_write(srv->journal, srv->syncing->jb, srv->sync_err, sizeof srv->sync_err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	srv->sync_ns =
	    (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
}

static void server__retry_cb(uv_timer_t *t)
{
	server_t *srv = t->data;

	if (srv->syncing != NULL && !srv->sync_running)
		server__start_sync(srv);
}

static void server__sync_done(uv_work_t *w, int status)
{
	server_t *srv = w->data;
	batch_t *b = srv->syncing;

	(void)status;
	srv->sync_running = 0;
	if (srv->sync_rc == -VA_RESOURCE_EXHAUSTED) {
		if (!srv->disk_full)
			log_err("journal write failed, refusing commands until it succeeds: %s",
				srv->sync_err);
		srv->disk_full = 1;
		if (srv->stopping) {
			server__maybe_finish(srv);
			return;
		}
		uv_timer_start(&srv->retry, server__retry_cb, SERVER_RETRY_MS, 0);
		return;
	}
	if (srv->sync_rc < 0)
		fatal(74, "journal write failed: %s", srv->sync_err);
	if (srv->disk_full) {
		log_notice("journal writes resumed");
		srv->disk_full = 0;
	}
	srv->commits++;
	metrics_sync(srv->metrics, srv->sync_ns);
	srv->committed_events += b->n_events;
	srv->since_snapshot += b->n_events;
	srv->since_snapshot_bytes += journal_batch_bytes(b->jb);
	srv->durable_seq = journal_batch_last_seq(b->jb);
	srv->syncing = NULL;
	server__release_batch(srv, b);
	server__compact(srv);
	server__feed(srv);
	if (srv->cur->n_events > 0)
		server__start_sync(srv);
	else
		server__release_batch(srv, srv->cur); /* replies that waited */
	server__maybe_snapshot(srv);
	server__maybe_write_snapshot(srv);
	server__maybe_finish(srv);
}

void server__start_sync(server_t *srv)
{
	if (srv->syncing == NULL) {
		if (srv->cur->n_events == 0)
			return;
		srv->syncing = srv->cur;
		srv->cur = srv->cur == &srv->batches[0] ? &srv->batches[1] : &srv->batches[0];
	}
	srv->sync_running = 1;
	srv->sync_work.data = srv;
	uv_queue_work(srv->loop, &srv->sync_work, server__sync_work, server__sync_done);
}

/* Catch-up reads the journal, so only while no commit owns it (journal.h). */
void server__feed(server_t *srv)
{
	if (srv->feed == NULL || srv->sync_running || srv->journal == NULL)
		return;
	feed_set_position(srv->feed, journal_first_seq(srv->journal), srv->durable_seq);
	feed_serve(srv->feed, srv->journal, srv->durable_seq);
}

void server__on_prepare(uv_prepare_t *prepare)
{
	server_t *srv = prepare->data;

	if (srv->feed != NULL && feed_pending(srv->feed) > 0)
		server__feed(srv);

	if (srv->syncing == NULL && srv->cur->n_events > 0)
		server__start_sync(srv);
}

/*
 * Decides, applies and stages one command.  Returns 0 or a negative code
 * with a message; on success *seq_p is the seq of its last event.  What
 * the events take out of cmd is gone from it (state_decide_take).
 */
int server__execute(server_t *srv, cmd_t *cmd, const state_ctx_t *ctx, uint64_t *seq_p, char *err,
		    size_t errlen)
{
	evlist_t *evs = &srv->scratch;
	int rc;

	assert(srv->releasing == NULL);
	evlist_clear(evs);
	rc = state_decide_take(srv->state, cmd, ctx, evs, err, errlen);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < evs->n; i++) {
		pub_event_t *pe = server__batch_add_event(srv->cur);
		pe->len = codec_event_pack(&evs->v[i], &pe->buf, pe->topic, sizeof pe->topic);
		if (pe->len == 0)
			fatal(70, "could not encode event %llu", (unsigned long long)evs->v[i].seq);
		if (journal_batch_add(srv->cur->jb, evs->v[i].seq, pe->buf, pe->len) < 0)
			fatal(70, "could not stage event %llu", (unsigned long long)evs->v[i].seq);
		rc = state_apply_take(srv->state, &evs->v[i], err, errlen);
		if (rc < 0)
			fatal(70, "could not apply event %llu: %s",
			      (unsigned long long)evs->v[i].seq, err);
	}
	*seq_p = state_last_seq(srv->state);
	evlist_clear(evs);
	return 0;
}
