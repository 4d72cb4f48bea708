/*
 * feed - what the daemon offers watchers beyond the live PUB stream:
 * catch-up pages read from the journal (EventsSince) and heartbeats.
 *
 * Catch-up.  A request names the first seq wanted and page limits.  The
 * journal's threading contract (journal.h) forbids journal_replay() while
 * a group commit runs on the threadpool, so requests are queued here and
 * answered by feed_serve(), which the server calls only when no
 * journal_write() is in flight: on completion of a commit (before the
 * next one starts), from its prepare handle, or at once when the journal
 * is idle.  Only records up to the durable seq the server passes are
 * returned, so a page never shows an event that a crash could undo.
 *
 * Reply encoding.  A journal record is the packed Event, and the wire form
 * of `repeated Event events = 1` is each element's bytes behind a tag and
 * a length, so a page is built by copying records, without decoding them:
 * the Reply (request id, status, seq) comes from codec_reply_pack() and
 * the EventPage field (Reply.events = 40) is appended to it, which
 * protobuf defines as merging the field into the message.
 *
 * Heartbeats.  A libuv timer publishes, every interval, an Event with
 * seq 0 and a DaemonHeartbeat payload on topic "daemon.heartbeat".  It is
 * not journaled and never part of a catch-up page.
 *
 * Replies go out through the server's zuv socket (zuv_sock_send), whose
 * per-peer queues keep a slow reader from holding up anyone else.
 */
#ifndef VA_FEED_H
#define VA_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>
#include <zmq.h>

#include "journal.h"
#include "zuv.h"

#define FEED_PAGE_EVENTS_DEFAULT 1000u
#define FEED_PAGE_EVENTS_MAX     10000u
#define FEED_PAGE_BYTES_DEFAULT  (1u << 20)
#define FEED_PAGE_BYTES_MAX      (4u << 20)
#define FEED_HEARTBEAT_TOPIC     "daemon.heartbeat"

typedef struct feed feed_t;

/*
 * feed_new - a feed that answers through `router` and publishes
 * heartbeats on the libzmq PUB socket `pub` every heartbeat_ms (0: no
 * heartbeats).  Both stay the caller's.  Returns NULL when out of memory.
 */
feed_t *feed_new(uv_loop_t *loop, zuv_sock_t *router, void *pub, uint32_t heartbeat_ms);

/*
 * feed_request - queue one EventsSince request.  `frames` are the
 * request's frames (identity, envelope, payload), copied; the reply
 * echoes all but the last.  Answered by the next feed_serve().
 */
void feed_request(feed_t *f, zmq_msg_t *frames, size_t nframes, const char *request_id,
		  uint64_t from_seq, uint32_t max_events, uint32_t max_bytes);

/* feed_pending - the number of requests waiting for feed_serve(). */
size_t feed_pending(const feed_t *f);

/*
 * feed_serve - answer every queued request from `journal`, returning
 * records with seq <= durable_seq only.  The caller guarantees that no
 * journal_write() runs (see journal.h).
 */
void feed_serve(feed_t *f, journal_t *journal, uint64_t durable_seq);

/*
 * feed_set_position - the durable seq and the oldest seq still in the
 * journal, for the heartbeats (which must not read the journal).  The
 * server calls it after each commit and compaction.
 */
void feed_set_position(feed_t *f, uint64_t first_seq, uint64_t durable_seq);

/* feed_close - stop the heartbeat timer and drop queued requests; `cb`
 * runs (with `arg`) once the timer handle is closed.  Then feed_free(). */
void feed_close(feed_t *f, void (*cb)(void *arg), void *arg);

/* feed_free - free a feed that is closed (or whose loop never ran); sets
 * *f_p to NULL. */
void feed_free(feed_t **f_p);

#endif
