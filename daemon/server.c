/*
 * server - see server.h.
 *
 * The ROUTER sees [identity][envelope...][payload]: a DEALER client sends
 * one frame, a REQ client adds an empty delimiter, a proxy may add more.
 * The reply echoes every frame before the payload, so all of them work.
 *
 * Batches.  `cur` collects the events (framed for the journal and packed
 * for PUB) and the replies of the commands decided since the last commit
 * started; `syncing` is the one batch being written and fdatasync'ed on
 * the threadpool, if any.  A uv_prepare handle, which runs just before the
 * loop blocks for I/O, starts the next commit when no other is in flight,
 * so every command read in one loop turn (and all that arrive while a
 * sync runs) share one fdatasync.  (Not uv_check: commands read in the
 * idle phase, when the bridge drains a burst, would then wait for the
 * next wake-up, since the loop may block before any check runs.)
 *
 * A reply that carries no event (a query, a refusal) goes out at once when
 * nothing is pending, and otherwise waits behind the pending events,
 * because its answer may depend on them.
 *
 * Failures of a commit: a full disk (or a file-size limit) keeps the batch
 * and retries it every second, refusing new commands with
 * RESOURCE_EXHAUSTED and answering queries meanwhile; any other write or
 * fdatasync error is fatal (exit 74), since after a failed fsync the
 * kernel may have dropped the dirty pages and a retry could report a
 * success that is not on disk.
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

#include <vetalliance/error.h>

#include "security/auth.h"
#include "security/authz.h"
#include "clock.h"
#include "codec/codec.h"
#include "defaults.h"
#include "ops/feed.h"
#include "journal.h"
#include "security/bounds.h"
#include "log.h"
#include "ops/metrics.h"
#include "replay.h"
#include "server.h"
#include "snapfile.h"
#include "state/alliance.h"
#include "state/commitment.h"
#include "ops/rules_file.h"
#include "state/mobility.h"
#include "state/criteria.h"
#include "state/session.h"
#include "state/state.h"
#include "zuv.h"

#define SERVER_ERR_MAX          512
#define SERVER_RETRY_MS         1000
#define SERVER_SNAPSHOTS_KEPT   2
#define SERVER_REMINDER_TICK_MS 250 /* how often due reminders are looked for */

typedef struct pub_event {
	char topic[64];
	uint8_t *buf;
	size_t len;
} pub_event_t;

typedef struct batch {
	journal_batch_t *jb;
	zuv_msg_t **replies;
	uint32_t *slots; /* per reply: its principal's in-flight slot, or NO_SLOT */
	size_t n_replies;
	size_t cap_replies;
	pub_event_t *events;
	size_t n_events;
	size_t cap_events;
} batch_t;

/*
 * A snapshot is taken by a forked child: it serialises its copy-on-write
 * image of the state and writes the temp file while the loop goes on
 * serving (serialising a large state in the loop would stall every client
 * for as long).  The parent polls for the child's exit, and renames the
 * file into place only once the journal is durable up to the snapshot's
 * seq, so a snapshot never runs ahead of the journal.
 */
typedef struct snapshot_job {
	uv_work_t work;
	server_t *srv;
	uint64_t seq;
	pid_t pid;  /* the child, while it runs */
	int ready;  /* the temp file is written */
	int queued; /* the commit is on the threadpool */
	int rc;
	uint64_t t_fork; /* uv_hrtime() at the fork */
	uint64_t t_exit; /* and when the child was seen to exit */
	double cpu_s;    /* the child's CPU time, user and system */
	char err[SERVER_ERR_MAX];
} snapshot_job_t;

struct server {
	uv_loop_t *loop;
	server_options_t opt;
	char *state_dir;
	zsock_t *router;
	zsock_t *pub;
	zuv_sock_t rz;
	uv_prepare_t prepare;
	uv_timer_t retry;
	state_t *state;
	journal_t *journal;
	batch_t batches[2];
	batch_t *cur;
	batch_t *syncing;   /* NULL when no commit is in flight */
	batch_t *releasing; /* the batch whose replies and events go out now */
	uv_work_t sync_work;
	int sync_running; /* the worker owns the journal */
	int sync_rc;
	char sync_err[SERVER_ERR_MAX];
	int disk_full;
	snapshot_job_t *snap;                      /* taken, not yet in place */
	uv_timer_t snap_timer;                     /* polls the snapshot child */
	uint64_t durable_seq;                      /* last seq on disk */
	uint64_t snap_seqs[SERVER_SNAPSHOTS_KEPT]; /* newest first */
	uint64_t since_snapshot;                   /* events */
	uint64_t since_snapshot_bytes;             /* journal bytes */
	uint64_t compact_upto;
	evlist_t scratch; /* events of the command being decided */
	int stopping;
	int closed;
	int open_handles;
	uint64_t requests;
	uint64_t refused;
	uint64_t commits;
	uint64_t committed_events;
	metrics_t *metrics; /* status and metrics queries (metrics.h) */
	uint64_t sync_ns;   /* duration of the last journal_write */
	feed_t *feed;       /* catch-up pages and heartbeats (feed.h) */
	/* security */
	auth_t *auth;                /* CURVE or plain; principals */
	auth_peers_t *router_peers;  /* addresses for failed handshakes */
	inflight_t *inflight;        /* requests in flight per principal */
	uint32_t answer_slot;        /* the request being handled: its slot */
	int answer_pending;          /* ...counted, its reply not yet placed */
	codec_limits_t codec_limits; /* string and list bounds */
	rules_t *rules;              /* partner rules in force */
	uv_timer_t reminder_timer;   /* reminders due */
	va_clock_t clock;            /* the wall clock (injectable for tests) */
};

#define NO_SLOT UINT32_MAX

static void server__maybe_finish(server_t *srv);
static void server__start_sync(server_t *srv);
static void server__feed(server_t *srv);

static int64_t server__now_ms(const server_t *srv)
{
	return clock_now_ms(&srv->clock);
}

static void *server__xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL)
		fatal(70, "out of memory");
	return p;
}

/* ------------------------------------------------------------- batch */

static void batch__add_reply(batch_t *b, zuv_msg_t *msg, uint32_t slot)
{
	if (b->n_replies == b->cap_replies) {
		b->cap_replies = b->cap_replies ? b->cap_replies * 2 : 64;
		b->replies = server__xrealloc(b->replies, b->cap_replies * sizeof *b->replies);
		b->slots = server__xrealloc(b->slots, b->cap_replies * sizeof *b->slots);
	}
	b->slots[b->n_replies] = slot;
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
static void server__release_batch(server_t *srv, batch_t *b)
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

/* ---------------------------------------------------------- snapshots */

static void server__snapshot_work(uv_work_t *w)
{
	snapshot_job_t *job = w->data;

	job->rc = snapfile_commit(job->srv->state_dir, job->seq, job->err, sizeof job->err);
	if (job->rc == 0)
		job->rc = snapfile_prune(job->srv->state_dir, SERVER_SNAPSHOTS_KEPT, NULL, job->err,
					 sizeof job->err);
}

static void server__compact(server_t *srv)
{
	char err[SERVER_ERR_MAX];
	size_t removed = 0;

	if (srv->compact_upto == 0 || srv->sync_running || srv->journal == NULL)
		return;
	if (journal_compact(srv->journal, srv->compact_upto, &removed, err, sizeof err) < 0)
		log_warn("could not compact the journal: %s", err);
	else if (removed > 0)
		log_info("compacted the journal: %zu segment(s) up to seq %llu removed", removed,
			 (unsigned long long)srv->compact_upto);
	srv->compact_upto = 0;
}

static void server__snapshot_done(uv_work_t *w, int status)
{
	snapshot_job_t *job = w->data;
	server_t *srv = job->srv;

	(void)status;
	if (job->rc < 0) {
		log_warn("could not put the snapshot at seq %llu in place: %s",
			 (unsigned long long)job->seq, job->err);
	} else {
		log_info("wrote a snapshot at seq %llu (the child ran %.2f s with %.2f s of CPU, "
			 "in place %.2f s after the fork)",
			 (unsigned long long)job->seq, (double)(job->t_exit - job->t_fork) / 1e9,
			 job->cpu_s, (double)(uv_hrtime() - job->t_fork) / 1e9);
		/* Segments are removed only up to the older snapshot kept, so a
		 * damaged newest snapshot can still fall back to it. */
		srv->snap_seqs[1] = srv->snap_seqs[0];
		srv->snap_seqs[0] = job->seq;
		if (srv->snap_seqs[1] > 0)
			srv->compact_upto = srv->snap_seqs[1];
		server__compact(srv);
	}
	free(job);
	srv->snap = NULL;
	server__maybe_finish(srv);
}

/* Puts a written snapshot in place once the journal has reached its seq. */
static void server__maybe_write_snapshot(server_t *srv)
{
	snapshot_job_t *job = srv->snap;

	if (job == NULL || !job->ready || job->queued || srv->durable_seq < job->seq)
		return;
	job->queued = 1;
	job->work.data = job;
	uv_queue_work(srv->loop, &job->work, server__snapshot_work, server__snapshot_done);
}

static void server__snapshot_poll(uv_timer_t *t)
{
	server_t *srv = t->data;
	snapshot_job_t *job = srv->snap;
	struct rusage ru;
	int status = 0;
	pid_t pid;

	if (job == NULL || job->pid <= 0) {
		uv_timer_stop(t);
		return;
	}
	pid = wait4(job->pid, &status, WNOHANG, &ru);
	if (pid == 0)
		return;
	job->cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		     (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	uv_timer_stop(t);
	job->pid = 0;
	job->t_exit = uv_hrtime();
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warn("the snapshot at seq %llu failed (the child's status %d)",
			 (unsigned long long)job->seq, status);
		free(job);
		srv->snap = NULL;
		server__maybe_finish(srv);
		return;
	}
	job->ready = 1;
	server__maybe_write_snapshot(srv);
	server__maybe_finish(srv);
}

/*
 * In the child: serialise and write, then leave without running any exit
 * handler (the sockets, the loop and the journal are the parent's).  The
 * child should finish soon: while it lives, every page the parent writes
 * that the two still share is copied on the write (ARCHITECTURE.md).
 */
static noreturn void server__snapshot_child(server_t *srv, uint64_t seq)
{
	char err[SERVER_ERR_MAX];
	uint8_t *buf = NULL;
	size_t len = codec_snapshot_pack(srv->state, server__now_ms(srv), &buf);

	if (len == 0) {
		log_warn("could not encode a snapshot at seq %llu", (unsigned long long)seq);
		_exit(1);
	}
	if (snapfile_write_tmp(srv->state_dir, seq, buf, len, err, sizeof err) < 0) {
		log_warn("could not write the snapshot at seq %llu: %s", (unsigned long long)seq,
			 err);
		_exit(1);
	}
	log_debug("snapshot child: %zu bytes at seq %llu", len, (unsigned long long)seq);
	_exit(0);
}

static void server__maybe_snapshot(server_t *srv)
{
	snapshot_job_t *job;
	pid_t pid;

	int due =
	    (srv->opt.snapshot_every > 0 && srv->since_snapshot >= srv->opt.snapshot_every) ||
	    (srv->opt.snapshot_bytes > 0 && srv->since_snapshot_bytes >= srv->opt.snapshot_bytes);
	if (!due || srv->snap != NULL || srv->stopping || srv->closed)
		return;
	job = calloc(1, sizeof *job);
	if (job == NULL)
		return;
	job->srv = srv;
	job->seq = state_last_seq(srv->state);
	job->t_fork = uv_hrtime();
	pid = fork();
	if (pid < 0) {
		log_warn("could not fork to take a snapshot: %s", strerror(errno));
		free(job);
		return;
	}
	if (pid == 0)
		server__snapshot_child(srv, job->seq);
	job->pid = pid;
	srv->snap = job;
	srv->since_snapshot = 0;
	srv->since_snapshot_bytes = 0;
	uv_timer_start(&srv->snap_timer, server__snapshot_poll, 10, 10);
}

/* ------------------------------------------------------- group commit */

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

static void server__start_sync(server_t *srv)
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
static void server__feed(server_t *srv)
{
	if (srv->feed == NULL || srv->sync_running || srv->journal == NULL)
		return;
	feed_set_position(srv->feed, journal_first_seq(srv->journal), srv->durable_seq);
	feed_serve(srv->feed, srv->journal, srv->durable_seq);
}

static void server__on_prepare(uv_prepare_t *prepare)
{
	server_t *srv = prepare->data;

	if (srv->feed != NULL && feed_pending(srv->feed) > 0)
		server__feed(srv);

	if (srv->syncing == NULL && srv->cur->n_events > 0)
		server__start_sync(srv);
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

/* `barrier`: the reply must wait for the pending events (it reports or
 * depends on them).  Without one it may go out while a full disk holds a
 * batch back. */
static void server__answer(server_t *srv, zmq_msg_t *frames, size_t nframes, const char *request_id,
			   int status, const char *message, uint64_t seq, const result_t *result,
			   int barrier)
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
	if ((srv->cur->n_events == 0 && srv->syncing == NULL) || (srv->disk_full && !barrier)) {
		zuv_sock_send(&srv->rz, msg);
	} else {
		/* The reply waits: its request stays in flight until then. */
		assert(srv->cur != srv->releasing);
		batch__add_reply(srv->cur, msg, srv->answer_pending ? srv->answer_slot : NO_SLOT);
		srv->answer_pending = 0;
	}
}

/*
 * Centres: the centres offering q->sector outside the country
 * of centre q->id, or outside q->country; *list_p gets them (sorted by
 * id).  Returns 0 or a VA_* code with a message naming what is unknown.
 */
static int server__centre_match(server_t *srv, const query_t *q, result_t *res,
				const void ***list_p, char *msg, size_t msglen)
{
	const char *country = q->country;
	const centre_t **v;
	size_t n, k = 0;

	if (state_sector_get(srv->state, q->sector) == NULL) {
		snprintf(msg, msglen, "centre_match.sector: no sector '%s'", q->sector);
		return VA_NOT_FOUND;
	}
	if (q->id[0] != '\0') {
		const centre_t *c = state_centre_get(srv->state, q->id);
		if (c == NULL) {
			snprintf(msg, msglen, "centre '%s' not found", q->id);
			return VA_NOT_FOUND;
		}
		country = c->country;
	}
	n = state_centre_list(srv->state, "", "", q->sector, &v);
	for (size_t i = 0; i < n; i++)
		if (country[0] == '\0' || strcmp(v[i]->country, country) != 0)
			v[k++] = v[i];
	res->type = RESULT_CENTRES;
	res->n = k;
	*list_p = (const void **)v;
	return 0;
}

static void server__query(server_t *srv, const query_t *q, zmq_msg_t *frames, size_t nframes,
			  const char *request_id)
{
	uint64_t seq = state_last_seq(srv->state);
	result_t res = {0};
	const void **list = NULL;
	char msg[SERVER_ERR_MAX] = "";
	confirmation_t view[COMMITMENT_MAX];
	criterion_t crit[CRITERIA_MAX];
	metrics_status_t st;
	char *text = NULL;
	int status = 0;

	switch (q->type) {
	/* mobilities */
	case QUERY_MOBILITY_GET:
		res.one = mobilities_get(state_mobilities(srv->state), q->id);
		if (res.one == NULL) {
			status = VA_NOT_FOUND;
			snprintf(msg, sizeof msg, "mobility '%s' not found", q->id);
			break;
		}
		res.type = RESULT_MOBILITY;
		res.state = srv->state;
		res.rules = srv->rules;
		break;
	case QUERY_MOBILITY_LIST: {
		size_t n =
		    mobilities_list(state_mobilities(srv->state), (const mobility_t ***)&list);
		for (size_t i = 0; i < n; i++) {
			const mobility_t *m = list[i];
			int keep = (q->status == 0 || (int)m->status == q->status) &&
				   (q->partner == NULL || *q->partner == '\0' ||
				    strcmp(m->sending_partner, q->partner) == 0 ||
				    strcmp(m->host_partner, q->partner) == 0);
			if (keep)
				list[res.n++] = m;
		}
		res.type = RESULT_MOBILITIES;
		res.state = srv->state;
		res.rules = srv->rules;
		break;
	}
	case QUERY_RULES_RELOAD:
		if (server_rules_reload(srv, msg, sizeof msg) < 0) {
			status = VA_INVALID_ARGUMENT;
			break;
		}
		res.type = RESULT_RULES;
		res.one = srv->rules;
		break;
	case QUERY_RULES_GET:
		res.type = RESULT_RULES;
		res.one = srv->rules;
		break;
	case QUERY_ALLIANCE_GET:
		res.one = alliances_get(state_alliances(srv->state), q->id);
		if (res.one == NULL) {
			status = VA_NOT_FOUND;
			snprintf(msg, sizeof msg, "alliance '%s' not found", q->id);
			break;
		}
		res.type = RESULT_ALLIANCE;
		res.state = srv->state;
		res.now_ms = server__now_ms(srv);
		break;
	case QUERY_ALLIANCE_LIST:
		res.type = RESULT_ALLIANCES;
		res.n = alliances_list(state_alliances(srv->state), (const alliance_t ***)&list);
		res.state = srv->state;
		res.now_ms = server__now_ms(srv);
		break;
	case QUERY_SESSION_GET:
		res.one = sessions_get(state_sessions(srv->state), q->id);
		if (res.one == NULL) {
			status = VA_NOT_FOUND;
			snprintf(msg, sizeof msg, "session '%s' not found", q->id);
			break;
		}
		res.type = RESULT_SESSION;
		break;
	case QUERY_SESSION_LIST:
		res.type = RESULT_SESSIONS;
		res.n =
		    sessions_list(state_sessions(srv->state), q->id, (const session_t ***)&list);
		break;
	case QUERY_DEADLINE_LIST:
		res.type = RESULT_DEADLINES;
		res.n =
		    sessions_deadline_list(state_sessions(srv->state), (const deadline_t ***)&list);
		break;
	case QUERY_COMMITMENT_LIST:
		if (state_centre_get(srv->state, q->id) == NULL) {
			status = VA_NOT_FOUND;
			snprintf(msg, sizeof msg, "centre '%s' not found", q->id);
			break;
		}
		commitments_view(state_commitments(srv->state), q->id, view);
		list = calloc(COMMITMENT_MAX, sizeof *list);
		if (list == NULL) {
			status = VA_INTERNAL;
			snprintf(msg, sizeof msg, "out of memory");
			break;
		}
		for (size_t i = 0; i < COMMITMENT_MAX; i++)
			list[i] = &view[i];
		res.type = RESULT_COMMITMENTS;
		res.n = COMMITMENT_MAX;
		break;
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
	case QUERY_DAEMON_STATUS:
		server_status(srv, &st);
		res.type = RESULT_DAEMON_STATUS;
		res.one = &st;
		break;
	case QUERY_EVENTS_SINCE:
		/* Answered from the journal when no commit holds it. */
		feed_request(srv->feed, frames, nframes, request_id, q->from_seq, q->max_events,
			     q->max_bytes);
		server__feed(srv);
		return;
	case QUERY_STATE_GET:
		res.type = RESULT_STATE;
		res.one = srv->state;
		break;
	/* Centres: criteria and matching. */
	case QUERY_CENTRE_CRITERIA: {
		const centre_t *c = state_centre_get(srv->state, q->id);
		if (c == NULL) {
			status = VA_NOT_FOUND;
			snprintf(msg, sizeof msg, "centre '%s' not found", q->id);
			break;
		}
		res.n = criteria_of(srv->state, c, crit);
		list = calloc(CRITERIA_MAX, sizeof *list);
		if (list == NULL) {
			status = VA_INTERNAL;
			snprintf(msg, sizeof msg, "out of memory");
			break;
		}
		for (size_t i = 0; i < res.n; i++)
			list[i] = &crit[i];
		res.type = RESULT_CRITERIA;
		break;
	}
	case QUERY_CENTRE_MATCH:
		status = server__centre_match(srv, q, &res, &list, msg, sizeof msg);
		break;
	case QUERY_METRICS:
		server_status(srv, &st);
		text = metrics_text(&st);
		if (text == NULL) {
			status = VA_INTERNAL;
			snprintf(msg, sizeof msg, "out of memory");
			break;
		}
		res.type = RESULT_METRICS;
		res.one = text;
		break;
	/* security: answered by server__security_query */
	case QUERY_PRINCIPALS_RELOAD:
	case QUERY_WHOAMI:
		return;
	}
	res.many = (const void *const *)list;
	server__answer(srv, frames, nframes, request_id, status, msg, seq, &res, 0);
	free(list);
	free(text);
}

/*
 * Decides, applies and stages one command.  Returns 0 or a negative code
 * with a message; on success *seq_p is the seq of its last event.  What
 * the events take out of cmd is gone from it (state_decide_take).
 */
static int server__execute(server_t *srv, cmd_t *cmd, const state_ctx_t *ctx, uint64_t *seq_p,
			   char *err, size_t errlen)
{
	evlist_t *evs = &srv->scratch;
	int rc;

	assert(srv->releasing == NULL);
	evlist_clear(evs);
	rc = state_decide_take(srv->state, cmd, ctx, evs, err, errlen);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < evs->n; i++) {
		pub_event_t *pe = batch__add_event(srv->cur);
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

/* Security: the requests that change how the daemon runs are
 * the administrator's; every other query is open to every principal. */
static int server__admin_query(const principal_t *p, const query_t *q, char *err, size_t errlen)
{
	const char *name = q->type == QUERY_PRINCIPALS_RELOAD ? "principals_reload"
			   : q->type == QUERY_RULES_RELOAD    ? "rules_reload"
							      : NULL;

	if (name == NULL || p->role == ROLE_ADMIN)
		return 0;
	snprintf(err, errlen, "principal '%s' (%s %s) may not issue %s: administrators only",
		 p->name, role_name(p->role), p->institution, name);
	return -VA_PERMISSION_DENIED;
}

/* Security: the queries about principals. */
static void server__security_query(server_t *srv, const principal_t *p, const query_t *q,
				   zmq_msg_t *frames, size_t nframes, const char *request_id)
{
	char err[SERVER_ERR_MAX] = "";
	result_t res = {0};
	codec_reload_t reload = {0};
	size_t count = 0, removed = 0;
	int status = 0;

	if (q->type == QUERY_WHOAMI) {
		res.type = RESULT_PRINCIPAL;
		res.one = p;
	} else if (server_reload_principals(srv, &count, &removed, err, sizeof err) < 0) {
		status = -VA_FAILED_PRECONDITION;
	} else {
		reload.principals = (uint32_t)count;
		reload.removed = (uint32_t)removed;
		res.type = RESULT_PRINCIPALS_RELOADED;
		res.one = &reload;
	}
	server__answer(srv, frames, nframes, request_id, status, err, state_last_seq(srv->state),
		       &res, 0);
}

static void server__command(server_t *srv, const principal_t *p, request_t *req, zmq_msg_t *frames,
			    size_t nframes)
{
	const char *actor = p->name;
	char err[SERVER_ERR_MAX] = "";
	uint64_t seq = 0;
	int rc;

	/* A retry of a request that already took effect: its original answer,
	 * once that is durable. */
	if (state_request_seen(srv->state, actor, req->request_id, &seq)) {
		server__answer(srv, frames, nframes, req->request_id, 0, "", seq, NULL, 1);
		return;
	}
	if (srv->disk_full) {
		server__answer(srv, frames, nframes, req->request_id, -VA_RESOURCE_EXHAUSTED,
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
	server__answer(srv, frames, nframes, req->request_id, rc, rc < 0 ? err : "", seq, NULL,
		       rc == 0);
}

static void server__on_request(zuv_sock_t *zs, zmq_msg_t *frames, size_t nframes)
{
	server_t *srv = zs->data;
	const principal_t *p;
	zmq_msg_t *payload;
	request_t req;
	char err[SERVER_ERR_MAX] = "";
	uint32_t slot;
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
	if (p == NULL) {
		const char *key = zmq_msg_gets(payload, "User-Id");
		log_warn("refused a request from key '%s': not among the principals (removed by a "
			 "reload?)",
			 key ? key : "");
		server__answer(srv, frames, nframes, req.request_id, -VA_UNAUTHENTICATED,
			       "unauthenticated: this key is not among the daemon's principals",
			       state_last_seq(srv->state), NULL, 0);
		request_release(&req);
		return;
	}
	slot = inflight_slot(srv->inflight, p->name);
	if (inflight_acquire(srv->inflight, slot, srv->opt.in_flight_max, err, sizeof err) < 0) {
		server__answer(srv, frames, nframes, req.request_id, -VA_RESOURCE_EXHAUSTED, err,
			       state_last_seq(srv->state), NULL, 0);
		request_release(&req);
		return;
	}
	srv->answer_slot = slot;
	srv->answer_pending = 1;
	if (rc < 0) {
		log_debug("refused a request: %s", err);
		server__answer(srv, frames, nframes, req.request_id, rc, err,
			       state_last_seq(srv->state), NULL, 0);
	} else if (srv->stopping) {
		server__answer(srv, frames, nframes, req.request_id, -VA_UNAVAILABLE,
			       "the daemon is stopping; retry later", state_last_seq(srv->state),
			       NULL, 0);
	} else if (req.is_query && server__admin_query(p, &req.query, err, sizeof err) < 0) {
		server__answer(srv, frames, nframes, req.request_id, -VA_PERMISSION_DENIED, err,
			       state_last_seq(srv->state), NULL, 0);
	} else if (req.is_query &&
		   (req.query.type == QUERY_PRINCIPALS_RELOAD || req.query.type == QUERY_WHOAMI)) {
		server__security_query(srv, p, &req.query, frames, nframes, req.request_id);
	} else if (req.is_query) {
		server__query(srv, &req.query, frames, nframes, req.request_id);
	} else {
		server__command(srv, p, &req, frames, nframes);
	}
	/* Answered at once (or not here, as a catch-up page): no longer in
	 * flight. */
	if (srv->answer_pending)
		inflight_release(srv->inflight, slot);
	srv->answer_pending = 0;
	request_release(&req);
}

/* ---------------------------------------------------------- reminders */

/* Sessions and deadlines: every reminder due now and not sent
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

/* ------------------------------------------------------------ set-up */

/* Loads the snapshot and replays the journal.  Returns 0 or an exit code. */
static int server__recover(server_t *srv, char *err, size_t errlen)
{
	journal_options_t jopt = {.segment_max_bytes = srv->opt.segment_max_bytes};
	journal_report_t report;
	snapfile_report_t sreport;
	uint64_t snap_seq = 0, replayed;
	void *bytes = NULL;
	size_t len = 0;
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&sreport, 0, sizeof sreport);
	rc = snapfile_load_newest(srv->state_dir, &snap_seq, &bytes, &len, &sreport, err, errlen);
	if (rc < 0)
		return 74;
	if (sreport.skipped > 0)
		log_warn("passed over %zu damaged snapshot(s): %s", sreport.skipped,
			 sreport.detail);
	if (bytes != NULL) {
		rc = codec_snapshot_load(bytes, len, &srv->state, err, errlen);
		free(bytes);
		if (rc < 0)
			return 65;
		srv->snap_seqs[0] = snap_seq;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		log_info("loaded the snapshot at seq %llu (%zu bytes) in %.3f s",
			 (unsigned long long)snap_seq, len,
			 (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	} else {
		srv->state = state_new();
		if (srv->state == NULL) {
			snprintf(err, errlen, "out of memory");
			return 70;
		}
	}
	state_set_dedup_window(srv->state, srv->opt.dedup_window);

	memset(&report, 0, sizeof report);
	rc = journal_open(srv->state_dir, &jopt, &srv->journal, &report, err, errlen);
	if (rc == -VA_FAILED_PRECONDITION)
		return 65;
	if (rc == -VA_UNAVAILABLE)
		return 75;
	if (rc < 0)
		return 74;
	if (report.torn)
		log_warn("journal: cut off a torn write at the end of '%s': %llu byte(s) from "
			 "offset %llu (%s)",
			 report.torn_file, (unsigned long long)report.torn_bytes,
			 (unsigned long long)report.torn_offset, report.torn_reason);
	if (report.records > 0 && journal_first_seq(srv->journal) > snap_seq + 1) {
		snprintf(err, errlen,
			 "the journal starts at seq %llu but the newest snapshot ends at seq %llu: "
			 "events are missing",
			 (unsigned long long)journal_first_seq(srv->journal),
			 (unsigned long long)snap_seq);
		return 65;
	}
	if (journal_last_seq(srv->journal) > 0 && journal_last_seq(srv->journal) < snap_seq) {
		snprintf(err, errlen,
			 "the snapshot at seq %llu is newer than the end of the journal (seq %llu)",
			 (unsigned long long)snap_seq,
			 (unsigned long long)journal_last_seq(srv->journal));
		return 65;
	}
	/* Room for as many centres as there are events to replay (capped):
	 * growing the table while replaying costs more than the slack. */
	if (report.records > 0)
		state_restore_reserve(srv->state,
				      state_centre_count(srv->state) +
					  (report.records < 4000000 ? report.records : 4000000));
	state_replay_begin(srv->state);
	rc = replay_journal(srv->journal, snap_seq + 1, srv->state, err, errlen);
	state_replay_end(srv->state);
	if (rc != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "the journal does not replay onto the snapshot");
		return 65;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	replayed = state_last_seq(srv->state) - snap_seq;
	if (replayed > 0 || snap_seq > 0)
		log_notice("recovered to seq %llu: snapshot %llu + %llu journal events in %.3f s",
			   (unsigned long long)state_last_seq(srv->state),
			   (unsigned long long)snap_seq, (unsigned long long)replayed,
			   (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	srv->since_snapshot = replayed;
	return 0;
}

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
	state_ctx_t ctx = {
	    .now_ms = server__now_ms(srv), .actor = "system", .request_id = "defaults"};
	for (size_t i = 0; i < n && rc == 0; i++) {
		char e[SERVER_ERR_MAX];
		rc = server__execute(srv, &cmds[i], &ctx, &seq, e, sizeof e);
		if (rc < 0)
			snprintf(err, errlen, "reference data: %s", e);
	}
	defaults_free(&cmds, n);
	if (rc < 0)
		return -VA_INVALID_ARGUMENT;
	/* Before the loop runs: write it here, blocking. */
	rc = journal_write(srv->journal, srv->cur->jb, err, errlen);
	if (rc < 0)
		return rc == -VA_INVALID_ARGUMENT ? -VA_INTERNAL : rc;
	log_info("loaded the reference data: %zu events", srv->cur->n_events);
	srv->since_snapshot += srv->cur->n_events;
	server__release_batch(srv, srv->cur);
	return 0;
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

/* security */
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
	/* mobilities: the partner rules; unreadable is a config error */
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
	batch__release(&srv->batches[0]);
	batch__release(&srv->batches[1]);
	evlist_release(&srv->scratch);
	metrics_free(&srv->metrics);
	rules_free(&srv->rules);
	free(srv->state_dir);
	free(srv);
	return NULL;
}

/* Closes the handles once nothing is in flight; the loop then runs out. */
static void server__maybe_finish(server_t *srv)
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
	batch__release(&srv->batches[0]);
	batch__release(&srv->batches[1]);
	evlist_release(&srv->scratch);
	rules_free(&srv->rules);
	free(srv->state_dir);
	free(srv);
	*self_p = NULL;
}

/* security */
int server_reload_principals(server_t *srv, size_t *count, size_t *removed, char *err,
			     size_t errlen)
{
	char *endpoint;
	int rc;

	if (auth_reload(srv->auth, count, removed, err, errlen) < 0)
		return -1;
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

/* mobilities */
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
