/*
 * watch - the catch-up watcher; see vetalliance/watch.h.
 *
 * Catch-up requests are pipelined: up to PIPELINE are in flight, the
 * first asking from cursor + 1 and each next one from where the one
 * before it ends (a full page of PAGE_EVENTS later), so the daemon builds
 * a page while the previous one is handled.  A short page breaks the
 * chain: the requests after it asked for the wrong seqs, are forgotten
 * (their replies ignored) and asked again.  A page is unpacked into an
 * arena of large chunks that is reset before the next one: protobuf-c
 * allocates every string of a 10 000-event page on its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include <vetalliance/error.h>
#include <vetalliance/watch.h>

#define PAGE_EVENTS        10000
#define PAGE_BYTES         (4u << 20)
#define REQUEST_TIMEOUT_MS 5000
#define CHECKPOINT_MS      200
#define HEARTBEAT_DEFAULT  1000
#define ONCE_ATTEMPTS      3
#define PIPELINE           3
#define ARENA_CHUNK        (4u << 20)
#define SUB_BUDGET         10000
#define REPLY_BUDGET       64
#define HEARTBEAT_TOPIC    "daemon.heartbeat"

/* A catch-up request in flight: its id and the first seq it asks for. */
typedef struct inflight {
	char id[33];
	uint64_t from;
} inflight_t;

typedef struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char buf[];
} arena_chunk_t;

typedef struct arena {
	arena_chunk_t *head; /* the chunk being filled; older ones follow */
	arena_chunk_t *spare;
} arena_t;

struct va_watch {
	va_watch_opts_t o;
	char *cursor_file;
	va_watch_event_fn on_event;
	void *arg;
	void *ctx, *sub, *dealer;
	uint64_t cursor;  /* last seq handled */
	int cursor_known; /* 0 until the start position is settled */
	int start_now;    /* no cursor: start at the daemon's present */
	int fresh;        /* no cursor file: compacted history is not an error */
	uint64_t written; /* cursor value in the file */
	int64_t written_ms;
	uint64_t known_last; /* highest durable seq heard of */
	uint64_t once_target;
	inflight_t fl[PIPELINE];
	size_t nfl;
	uint64_t next_from; /* from_seq of the next pipelined request */
	int full_pages;     /* 1: the last page was full (PAGE_EVENTS events) */
	int retry;          /* 1: a refused catch-up is asked again at req_deadline */
	int64_t req_deadline;
	arena_t arena;
	int timeouts;
	int cmd_warned;
	int64_t hb_last_ms;
	int64_t hb_interval;
	int hb_warned;
	va_watch_stats_t stats;
	int result; /* 0 while going on; else what va_watch_step() returns */
};

static int64_t watch__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void watch__notice(va_watch_t *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void watch__notice(va_watch_t *w, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (w->o.notice != NULL)
		w->o.notice(w->o.notice_arg, line);
	else
		fprintf(stderr, "vetalliance: %s\n", line);
}

/* --------------------------------------------------------------- arena */

static void *watch__arena_alloc(void *data, size_t size)
{
	arena_t *a = data;
	arena_chunk_t *c = a->head;
	size_t need = (size + 15) & ~(size_t)15;
	void *p;

	if (c == NULL || c->cap - c->used < need) {
		size_t cap = need > ARENA_CHUNK ? need : ARENA_CHUNK;

		if (a->spare != NULL && a->spare->cap >= need) {
			c = a->spare;
			a->spare = c->next;
		} else {
			c = malloc(sizeof *c + cap);
			if (c == NULL)
				return NULL;
			c->cap = cap;
		}
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	p = c->buf + c->used;
	c->used += need;
	return p;
}

static void watch__arena_free(void *data, void *p)
{
	(void)data;
	(void)p; /* all at once, in watch__arena_reset() */
}

/* Forget everything allocated; keep the chunks for reuse. */
static void watch__arena_reset(arena_t *a)
{
	while (a->head != NULL) {
		arena_chunk_t *c = a->head;

		a->head = c->next;
		c->next = a->spare;
		a->spare = c;
	}
}

static void watch__arena_release(arena_t *a)
{
	watch__arena_reset(a);
	while (a->spare != NULL) {
		arena_chunk_t *c = a->spare;

		a->spare = c->next;
		free(c);
	}
}

/* ------------------------------------------------------------- cursor */

/* 1 and *seq when the file holds a cursor, 0 when it does not exist, or
 * -VA_INVALID_ARGUMENT with a message. */
static int watch__read_cursor(const char *path, uint64_t *seq, char *err, size_t errlen)
{
	char buf[64], *end;
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read the cursor '%s': %s", path, strerror(errno));
		return -VA_INVALID_ARGUMENT;
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	errno = 0;
	*seq = strtoull(buf, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	if (errno != 0 || end == buf || *end != '\0') {
		snprintf(err, errlen, "the cursor '%s' does not hold a seq", path);
		return -VA_INVALID_ARGUMENT;
	}
	return 1;
}

static int watch__write_cursor(va_watch_t *w)
{
	const char *path = w->cursor_file;
	char tmp[4096], dir[4096], text[32];
	int fd, len;

	if (path == NULL || w->written == w->cursor || !w->cursor_known)
		return 0;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	len = snprintf(text, sizeof text, "%" PRIu64 "\n", w->cursor);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, (size_t)len) != len || fsync(fd) < 0) {
		watch__notice(w, "cannot write the cursor '%s': %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -VA_INTERNAL;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		watch__notice(w, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		return -VA_INTERNAL;
	}
	snprintf(dir, sizeof dir, "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	w->written = w->cursor;
	w->written_ms = watch__now_ms();
	return 0;
}

int va_watch_checkpoint(va_watch_t *w, int force)
{
	if (!force && watch__now_ms() - w->written_ms < CHECKPOINT_MS)
		return 0;
	return watch__write_cursor(w);
}

/* ------------------------------------------------------------ events */

/* The event with seq cursor + 1: the callback decides. */
static int watch__deliver(va_watch_t *w, const va_event_t *ev, int from_page)
{
	int rc = w->on_event(w->arg, ev);

	if (rc != 0 && rc != VA_WATCH_DONE) {
		w->result = rc;
		return -1;
	}
	w->cursor = ev->seq;
	w->stats.delivered++;
	w->stats.caught_up += from_page;
	if (w->o.checkpoint_each && watch__write_cursor(w) < 0) {
		w->result = -VA_INTERNAL;
		return -1;
	}
	if (rc == VA_WATCH_DONE) {
		w->result = VA_WATCH_DONE;
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------- catch-up */

static int watch__send_one(va_watch_t *w, uint64_t from)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__EventsSince es = VETALLIANCE__V1__EVENTS_SINCE__INIT;
	inflight_t *f = &w->fl[w->nfl];
	uint8_t buf[256];
	size_t len;

	va_request_id_new(f->id);
	f->from = from;
	req.request_id = f->id;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_EVENTS_SINCE;
	req.events_since = &es;
	es.from_seq = from;
	es.max_events = PAGE_EVENTS;
	es.max_bytes = PAGE_BYTES;
	len = vetalliance__v1__request__pack(&req, buf);
	if (zmq_send(w->dealer, buf, len, ZMQ_DONTWAIT) < 0 && zmq_errno() != EAGAIN) {
		watch__notice(w, "'%s': %s", w->o.cmd_endpoint, zmq_strerror(zmq_errno()));
		w->result = -VA_INTERNAL;
		return -1;
	}
	/* On EAGAIN the deadline sends it again. */
	w->nfl++;
	w->next_from = from + PAGE_EVENTS;
	return 0;
}

/* Forget the requests in flight and ask again from cursor + 1. */
static int watch__send_catchup(va_watch_t *w)
{
	w->nfl = 0;
	w->retry = 0;
	w->req_deadline = watch__now_ms() + REQUEST_TIMEOUT_MS;
	/* "now": a seq past any, which answers with no events and the
	 * daemon's last seq. */
	return watch__send_one(w, w->start_now ? UINT64_MAX : w->cursor + 1);
}

/* Keep PIPELINE requests in flight while the daemon holds more (with
 * `once`, up to the target only). */
static int watch__fill_pipeline(va_watch_t *w)
{
	uint64_t last = w->o.once ? w->once_target : w->known_last;

	/* Pages cut short by PAGE_BYTES (large events) have no predictable
	 * end: ask one at a time then. */
	if (w->nfl == 0 || !w->cursor_known || w->start_now || !w->full_pages)
		return 0;
	while (w->nfl < PIPELINE && w->next_from <= last)
		if (watch__send_one(w, w->next_from) < 0)
			return -1;
	return 0;
}

/* Start a catch-up unless one is in flight. */
static int watch__want_catchup(va_watch_t *w)
{
	if (w->nfl > 0 || w->retry)
		return 0;
	return watch__send_catchup(w);
}

/* A page that ends before the cursor: compacted history. */
static int watch__compacted(va_watch_t *w, const Vetalliance__V1__EventPage *pg, const char *why)
{
	if (w->fresh) {
		watch__notice(w,
			      "history before seq %" PRIu64 " is no longer kept by the daemon; "
			      "starting there",
			      pg->first_seq);
		w->cursor = pg->first_seq - 1;
		w->fresh = 0;
		return watch__send_catchup(w);
	}
	watch__notice(w,
		      "events %" PRIu64 "..%" PRIu64 " are no longer kept by the daemon (history "
		      "starts at seq %" PRIu64 "): %s",
		      w->cursor + 1, pg->first_seq - 1, pg->first_seq, why);
	w->result = -VA_FAILED_PRECONDITION;
	return -1;
}

/* One reply on the DEALER.  Returns 0, or -1 to stop (w->result set). */
static int watch__on_reply(va_watch_t *w)
{
	ProtobufCAllocator alloc = {watch__arena_alloc, watch__arena_free, &w->arena};
	const Vetalliance__V1__EventPage *pg;
	zmq_msg_t m;
	va_reply_t *r;
	uint64_t from;
	size_t k;

	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, w->dealer, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&m);
		return 0;
	}
	watch__arena_reset(&w->arena); /* the previous page's memory */
	r = vetalliance__v1__reply__unpack(&alloc, zmq_msg_size(&m), zmq_msg_data(&m));
	zmq_msg_close(&m);
	if (r == NULL) {
		watch__notice(w, "malformed reply from the daemon, ignored");
		return 0;
	}
	for (k = 0; k < w->nfl && strcmp(r->request_id, w->fl[k].id) != 0; k++)
		;
	if (k == w->nfl)
		return 0; /* an answer to a request given up on */
	/* Replies come in order: one before it that got no answer is
	 * forgotten too (its events show up as a gap, asked again). */
	from = w->fl[k].from;
	memmove(w->fl, w->fl + k + 1, (w->nfl - k - 1) * sizeof w->fl[0]);
	w->nfl -= k + 1;
	w->req_deadline = watch__now_ms() + REQUEST_TIMEOUT_MS;
	w->timeouts = 0;
	if (w->cmd_warned) {
		watch__notice(w, "the daemon answers again on '%s'", w->o.cmd_endpoint);
		w->cmd_warned = 0;
	}
	pg = r->result_case == VETALLIANCE__V1__REPLY__RESULT_EVENTS ? r->events : NULL;
	if (r->status == VETALLIANCE__V1__STATUS__STATUS_FAILED_PRECONDITION && pg != NULL)
		return watch__compacted(w, pg, r->message);
	if (r->status != VETALLIANCE__V1__STATUS__STATUS_OK || pg == NULL) {
		watch__notice(w, "catch-up refused (status %d): %s; retrying", (int)r->status,
			      r->message);
		w->nfl = 0;
		w->retry = 1; /* at the deadline */
		w->req_deadline = watch__now_ms() + 1000;
		return 0;
	}
	if (pg->last_seq > w->known_last)
		w->known_last = pg->last_seq;
	if (!w->cursor_known) {
		if (w->start_now)
			w->cursor = pg->last_seq;
		w->start_now = 0;
		w->cursor_known = 1;
		w->once_target = pg->last_seq;
	}
	w->fresh = 0;
	if (w->cursor > pg->last_seq && !w->cmd_warned)
		watch__notice(w,
			      "the cursor (%" PRIu64 ") is ahead of the daemon (last seq %" PRIu64
			      "): was its state replaced?",
			      w->cursor, pg->last_seq);
	for (size_t i = 0; i < pg->n_events; i++) {
		const va_event_t *ev = pg->events[i];

		if (ev->seq <= w->cursor) {
			w->stats.duplicates++;
			continue;
		}
		if (ev->seq != w->cursor + 1) {
			w->stats.gaps++;
			w->nfl = 0;
			break; /* not with a sound daemon and in-order replies: ask again */
		}
		if (watch__deliver(w, ev, 1) < 0)
			return -1;
	}
	if (w->o.once && w->cursor >= w->once_target) {
		w->result = VA_WATCH_DONE;
		return -1;
	}
	w->full_pages = pg->n_events == PAGE_EVENTS && pg->next_seq == from + PAGE_EVENTS;
	if (!w->full_pages)
		w->nfl = 0; /* a short page: the requests after it ask for the wrong seqs */
	if (w->cursor < w->known_last) {
		if (w->nfl == 0 && watch__send_catchup(w) < 0)
			return -1;
		if (watch__fill_pipeline(w) < 0)
			return -1;
	}
	return 0;
}

/* Anything published proves the daemon is up. */
static void watch__alive(va_watch_t *w, uint64_t seq)
{
	w->hb_last_ms = watch__now_ms();
	if (w->hb_warned) {
		watch__notice(w, "the daemon is back (seq %" PRIu64 ")", seq);
		w->hb_warned = 0;
	}
}

/* Liveness, and the lost tail of a burst. */
static int watch__on_heartbeat(va_watch_t *w, const va_event_t *ev)
{
	const Vetalliance__V1__DaemonHeartbeat *hb = ev->daemon_heartbeat;

	if (hb->interval_ms > 0)
		w->hb_interval = hb->interval_ms;
	watch__alive(w, hb->last_seq);
	if (hb->last_seq > w->known_last)
		w->known_last = hb->last_seq;
	if (w->cursor_known && w->cursor < hb->last_seq)
		return watch__want_catchup(w);
	return 0;
}

/* One message on the SUB socket.  Returns 1 when one was read, 0 when
 * none was waiting, -1 to stop. */
static int watch__on_sub(va_watch_t *w)
{
	zmq_msg_t frames[2];
	size_t n = 0, extra = 0;
	va_event_t *ev = NULL;
	int more = 1, rc = 1;

	zmq_msg_init(&frames[0]);
	zmq_msg_init(&frames[1]);
	while (more) {
		zmq_msg_t *f = n < 2 ? &frames[n] : &frames[1];
		size_t more_len = sizeof more;

		if (zmq_msg_recv(f, w->sub, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
			rc = 0;
			goto out;
		}
		if (n < 2)
			n++;
		else
			extra++;
		if (zmq_getsockopt(w->sub, ZMQ_RCVMORE, &more, &more_len) < 0)
			more = 0;
	}
	if (n != 2 || extra > 0) {
		watch__notice(w, "malformed message (%zu frames, expected 2), skipped", n + extra);
		goto out;
	}
	ev = vetalliance__v1__event__unpack(NULL, zmq_msg_size(&frames[1]),
					    zmq_msg_data(&frames[1]));
	if (ev == NULL) {
		watch__notice(w, "malformed event on topic '%.*s', skipped",
			      (int)zmq_msg_size(&frames[0]),
			      (const char *)zmq_msg_data(&frames[0]));
		goto out;
	}
	if (ev->payload_case == VETALLIANCE__V1__EVENT__PAYLOAD_DAEMON_HEARTBEAT) {
		if (watch__on_heartbeat(w, ev) < 0)
			rc = -1;
		goto out;
	}
	watch__alive(w, ev->seq);
	if (!w->cursor_known && w->start_now) {
		/* Live from now: the first event seen is as good a "now" as the
		 * catch-up's answer. */
		w->cursor = ev->seq - 1;
		w->cursor_known = 1;
		w->start_now = 0;
	}
	if (ev->seq > w->known_last)
		w->known_last = ev->seq;
	if (!w->cursor_known || ev->seq <= w->cursor) {
		w->stats.duplicates++;
		goto out;
	}
	if (ev->seq != w->cursor + 1) {
		/* A gap (or a narrowed subscription): fetch the missing ones, in
		 * order; this one comes with them. */
		w->stats.gaps++;
		if (watch__want_catchup(w) < 0)
			rc = -1;
		goto out;
	}
	if (watch__deliver(w, ev, 0) < 0)
		rc = -1;
out:
	if (ev != NULL)
		vetalliance__v1__event__free_unpacked(ev, NULL);
	zmq_msg_close(&frames[0]);
	zmq_msg_close(&frames[1]);
	return rc;
}

/* A catch-up without a reply; heartbeats overdue. */
static int watch__timers(va_watch_t *w)
{
	int64_t now = watch__now_ms();

	if ((w->nfl > 0 || w->retry) && now >= w->req_deadline) {
		if (!w->retry) {
			w->timeouts++;
			if (!w->cmd_warned) {
				watch__notice(w, "no answer from the daemon on '%s'; retrying",
					      w->o.cmd_endpoint);
				w->cmd_warned = 1;
			}
			if (w->o.once && w->timeouts >= ONCE_ATTEMPTS) {
				watch__notice(w, "giving up after %d attempts", w->timeouts);
				w->result = -VA_UNAVAILABLE;
				return -1;
			}
		}
		if (watch__send_catchup(w) < 0)
			return -1;
	}
	if (w->sub != NULL && w->o.heartbeat_timeout_ms >= 0 && !w->hb_warned) {
		int64_t limit =
		    w->o.heartbeat_timeout_ms > 0 ? w->o.heartbeat_timeout_ms : 3 * w->hb_interval;
		if (now - w->hb_last_ms > limit) {
			watch__notice(w,
				      "no heartbeat from the daemon for %" PRId64
				      " ms: it may be down (waiting for it)",
				      now - w->hb_last_ms);
			w->hb_warned = 1;
		}
	}
	return 0;
}

int va_watch_step(va_watch_t *w, int timeout_ms)
{
	zmq_pollitem_t items[2] = {
	    {.socket = w->dealer, .events = ZMQ_POLLIN},
	    {.socket = w->sub, .events = ZMQ_POLLIN},
	};

	if (w->result != 0)
		return w->result;
	if (zmq_poll(items, w->sub != NULL ? 2 : 1, timeout_ms) < 0) {
		if (zmq_errno() == EINTR)
			return 0;
		return -VA_INTERNAL;
	}
	if (items[0].revents & ZMQ_POLLIN) {
		for (int i = 0; i < REPLY_BUDGET; i++) {
			int ev = 0;
			size_t elen = sizeof ev;

			if (watch__on_reply(w) < 0)
				return w->result;
			if (zmq_getsockopt(w->dealer, ZMQ_EVENTS, &ev, &elen) < 0 ||
			    !(ev & ZMQ_POLLIN))
				break;
		}
	}
	/* Drain up to a budget, so replies are not starved. */
	if (w->sub != NULL && (items[1].revents & ZMQ_POLLIN))
		for (int i = 0; i < SUB_BUDGET; i++) {
			int r = watch__on_sub(w);

			if (r < 0)
				return w->result;
			if (r == 0)
				break;
		}
	if (watch__timers(w) < 0)
		return w->result;
	return 0;
}

/* ------------------------------------------------------------ set-up */

static int watch__set_int(void *s, int opt, int v)
{
	return zmq_setsockopt(s, opt, &v, sizeof v);
}

static int watch__sockets(va_watch_t *w, char *err, size_t errlen)
{
	const va_watch_opts_t *o = &w->o;

	if ((w->ctx = zmq_ctx_new()) == NULL)
		goto zmq_fail;
	if (!o->once) {
		if ((w->sub = zmq_socket(w->ctx, ZMQ_SUB)) == NULL ||
		    watch__set_int(w->sub, ZMQ_LINGER, 0) < 0 ||
		    (o->rcvhwm > 0 && watch__set_int(w->sub, ZMQ_RCVHWM, o->rcvhwm) < 0) ||
		    (o->keys != NULL && va_keys_apply(o->keys, w->sub) < 0))
			goto zmq_fail;
		if (o->n_topics == 0) {
			if (zmq_setsockopt(w->sub, ZMQ_SUBSCRIBE, "", 0) < 0)
				goto zmq_fail;
		} else {
			for (size_t i = 0; i < o->n_topics; i++)
				if (zmq_setsockopt(w->sub, ZMQ_SUBSCRIBE, o->topics[i],
						   strlen(o->topics[i])) < 0)
					goto zmq_fail;
			if (zmq_setsockopt(w->sub, ZMQ_SUBSCRIBE, HEARTBEAT_TOPIC,
					   strlen(HEARTBEAT_TOPIC)) < 0)
				goto zmq_fail;
		}
		if (o->pub_endpoint == NULL || zmq_connect(w->sub, o->pub_endpoint) < 0) {
			snprintf(err, errlen, "invalid endpoint '%s': %s",
				 o->pub_endpoint ? o->pub_endpoint : "", zmq_strerror(zmq_errno()));
			return -VA_INVALID_ARGUMENT;
		}
	}
	if ((w->dealer = zmq_socket(w->ctx, ZMQ_DEALER)) == NULL ||
	    watch__set_int(w->dealer, ZMQ_LINGER, 0) < 0 ||
	    (o->keys != NULL && va_keys_apply(o->keys, w->dealer) < 0))
		goto zmq_fail;
	if (o->cmd_endpoint == NULL || zmq_connect(w->dealer, o->cmd_endpoint) < 0) {
		snprintf(err, errlen, "invalid endpoint '%s': %s",
			 o->cmd_endpoint ? o->cmd_endpoint : "", zmq_strerror(zmq_errno()));
		return -VA_INVALID_ARGUMENT;
	}
	return 0;
zmq_fail:
	snprintf(err, errlen, "%s", zmq_strerror(zmq_errno()));
	return -VA_INTERNAL;
}

int va_watch_new(va_watch_t **w_p, const va_watch_opts_t *opts, va_watch_event_fn on_event,
		 void *arg, char *err, size_t errlen)
{
	va_watch_t *w = calloc(1, sizeof *w);
	int rc = 0;

	*w_p = NULL;
	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return -VA_INTERNAL;
	}
	w->o = *opts;
	w->on_event = on_event;
	w->arg = arg;
	w->hb_interval = HEARTBEAT_DEFAULT;
	if (opts->cursor_file != NULL && (w->cursor_file = strdup(opts->cursor_file)) == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -VA_INTERNAL;
		goto out;
	}
	/* Where to start. */
	if (w->cursor_file != NULL) {
		rc = watch__read_cursor(w->cursor_file, &w->cursor, err, errlen);
		if (rc < 0)
			goto out;
		if (rc == 1)
			w->cursor_known = 0; /* settled by the first reply */
		else if (opts->from > 0)
			w->cursor = opts->from - 1;
		else
			w->fresh = 1;
		rc = 0;
	} else if (opts->from > 0) {
		w->cursor = opts->from - 1;
	} else if (opts->once) {
		w->fresh = 1;
	} else {
		w->start_now = 1;
	}
	w->written = w->cursor_file != NULL ? w->cursor : 0;
	if (w->cursor_file != NULL && w->fresh)
		w->written = UINT64_MAX; /* write even 0 */
	if ((rc = watch__sockets(w, err, errlen)) < 0)
		goto out;
	/* Subscribed first; now the catch-up. */
	w->hb_last_ms = watch__now_ms();
	w->written_ms = w->hb_last_ms;
	if (watch__send_catchup(w) < 0) {
		snprintf(err, errlen, "could not ask '%s' for the events",
			 opts->cmd_endpoint ? opts->cmd_endpoint : "");
		rc = w->result;
		goto out;
	}
out:
	if (rc < 0)
		va_watch_free(&w);
	*w_p = w;
	return rc;
}

uint64_t va_watch_cursor(const va_watch_t *w)
{
	return w->cursor;
}

void va_watch_stats(const va_watch_t *w, va_watch_stats_t *out)
{
	*out = w->stats;
}

void va_watch_free(va_watch_t **w_p)
{
	va_watch_t *w;

	if (w_p == NULL || *w_p == NULL)
		return;
	w = *w_p;
	if (w->sub != NULL)
		zmq_close(w->sub);
	if (w->dealer != NULL)
		zmq_close(w->dealer);
	if (w->ctx != NULL)
		while (zmq_ctx_term(w->ctx) < 0 && zmq_errno() == EINTR)
			;
	watch__arena_release(&w->arena);
	free(w->cursor_file);
	free(w);
	*w_p = NULL;
}
