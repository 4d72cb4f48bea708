/*
 * server_internal - what the server's files share: the server struct,
 * its batches and snapshot job, and the functions each file offers the
 * others.  server.c dispatches, commit.c batches and syncs, snapshot.c
 * snapshots and compacts, query.c answers, recover.c starts up.
 */
#ifndef VA_SERVER_INTERNAL_H
#define VA_SERVER_INTERNAL_H

#include <czmq.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

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
	metrics_t *metrics;          /* status and metrics queries (metrics.h) */
	uint64_t sync_ns;            /* duration of the last journal_write */
	feed_t *feed;                /* catch-up pages and heartbeats (feed.h) */
	auth_t *auth;                /* CURVE or plain; principals */
	auth_peers_t *router_peers;  /* addresses for failed handshakes */
	inflight_t *inflight;        /* requests in flight per principal */
	codec_limits_t codec_limits; /* string and list bounds */
	rules_t *rules;              /* partner rules in force */
	uv_timer_t reminder_timer;   /* reminders due */
	va_clock_t clock;            /* the wall clock (injectable for tests) */
};

#define NO_SLOT UINT32_MAX

/*
 * Who a reply goes to: the request's frames (the identity and the
 * envelope to echo), its id, and the principal's in-flight slot.  While
 * `pending` is set the slot is held for this request; a reply that waits
 * behind pending events takes the slot with it into the batch (released
 * when the batch is), one sent at once leaves it to the caller.
 */
typedef struct reply_to {
	zmq_msg_t *frames;
	size_t nframes;
	const char *request_id;
	uint32_t slot;
	int pending;
} reply_to_t;

/* server.c */
int64_t server__now_ms(const server_t *srv);
void *server__xrealloc(void *p, size_t n);
void server__answer(server_t *srv, reply_to_t *to, int status, const char *message, uint64_t seq,
		    const result_t *result, int barrier);
void server__maybe_finish(server_t *srv);

/* commit.c */
void server__batch_add_reply(batch_t *b, zuv_msg_t *msg, uint32_t slot);
void server__batch_release(batch_t *b);
void server__release_batch(server_t *srv, batch_t *b);
void server__start_sync(server_t *srv);
void server__feed(server_t *srv);
void server__on_prepare(uv_prepare_t *prepare);
int server__execute(server_t *srv, cmd_t *cmd, const state_ctx_t *ctx, uint64_t *seq_p, char *err,
		    size_t errlen);

/* snapshot.c */
void server__compact(server_t *srv);
void server__maybe_write_snapshot(server_t *srv);
void server__maybe_snapshot(server_t *srv);

/* query.c */
void server__query(server_t *srv, const query_t *q, reply_to_t *to);
int server__admin_query(const principal_t *p, const query_t *q, char *err, size_t errlen);
void server__security_query(server_t *srv, const principal_t *p, const query_t *q, reply_to_t *to);

/* recover.c */
int server__recover(server_t *srv, char *err, size_t errlen);
int server__load_defaults(server_t *srv, const char *path, char *err, size_t errlen);

#endif
