/*
 * metrics - what the daemon knows about its own health, for `vetctl
 * status`, `vetctl metrics` (Prometheus text) and the STATUS= line sent to
 * systemd.
 *
 * It keeps:
 *   - the duration of each group commit (journal_write: write + fdatasync)
 *     in a ring of the last METRICS_SYNC_RING samples, from which p50 and
 *     p99 are computed on demand, plus a running sum and count;
 *   - requests per second over the last METRICS_RATE_WINDOW whole seconds
 *     (one counter per second of a ring, indexed by the monotonic second);
 *   - the number of connected peers on the command ROUTER, from a ZeroMQ
 *     socket monitor (ACCEPTED +1, DISCONNECTED -1) read through the zuv
 *     bridge: these are transport connections, so a client counts from its
 *     connect to its close whether or not it sends anything;
 *   - the journal's and the newest snapshot's size and age, read from the
 *     state directory when asked (a handful of stat calls).
 *
 * All functions run on the loop thread.
 */
#ifndef VA_METRICS_H
#define VA_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define METRICS_SYNC_RING   1024
#define METRICS_RATE_WINDOW 10 /* seconds */

typedef struct metrics metrics_t;

/* Everything `vetctl status` shows, and what the metrics add. */
typedef struct metrics_status {
	const char *version;
	int64_t uptime_ms;
	uint64_t last_seq;
	uint64_t journal_bytes;
	uint32_t journal_segments;
	int64_t journal_age_ms; /* -1: no segment */
	uint64_t snapshot_seq;  /* 0: no snapshot */
	uint64_t snapshot_bytes;
	int64_t snapshot_age_ms; /* -1: no snapshot */
	uint32_t peers;
	double commands_per_second;
	uint64_t sync_p50_us;
	uint64_t sync_p99_us;
	uint64_t sync_count; /* commits timed since start */
	double sync_sum_s;   /* their total duration */
	uint64_t requests;
	uint64_t refused;
	uint64_t commits;
	uint64_t committed_events;
	int disk_full;
	int log_level;
	uint64_t snapshot_every;
} metrics_status_t;

/* metrics_new - counters for a daemon whose state lives in state_dir
 * (copied).  Returns NULL on out of memory; free with metrics_free(). */
metrics_t *metrics_new(uv_loop_t *loop, const char *state_dir);

/* metrics_free - stop watching if still watching; sets *self_p to NULL.
 * The loop must have run out (call metrics_unwatch() first). */
void metrics_free(metrics_t **self_p);

/*
 * metrics_watch - count the connections of `router` (a libzmq socket made
 * in czmq's context) with a socket monitor.  Returns 0, or -VA_INTERNAL when the
 * monitor cannot be set up (peers then stay 0; the daemon works on).
 */
int metrics_watch(metrics_t *m, void *router);

/* metrics_on_event - also hand each monitor event (its number, value and
 * endpoint frame) to fn, with the failed handshakes added to the events
 * watched (security, auth logs them).  Call before
 * metrics_watch(). */
typedef void (*metrics_event_fn)(void *arg, uint16_t event, uint32_t value, const char *endpoint);
void metrics_on_event(metrics_t *m, metrics_event_fn fn, void *arg);

/* metrics_unwatch - stop the monitor; `done(arg)` runs once its loop
 * handles are closed (at once, synchronously, if not watching).
 * Returns 1 if `done` will run later from the loop, 0 if it ran now. */
int metrics_unwatch(metrics_t *m, void (*done)(void *arg), void *arg);

/* metrics_request - count one request (any kind) now. */
void metrics_request(metrics_t *m);

/* metrics_sync - record the duration of one group commit. */
void metrics_sync(metrics_t *m, uint64_t ns);

/* metrics_fill - fill the fields metrics owns: uptime, journal, snapshot,
 * peers, rate, latencies.  The caller sets version, last_seq, requests,
 * refused, commits, committed_events, disk_full, log_level,
 * snapshot_every. */
void metrics_fill(metrics_t *m, metrics_status_t *st);

/*
 * metrics_text - st in the Prometheus text exposition format (version
 * 0.0.4: "# HELP", "# TYPE", one sample per line).  Returns a malloc'd
 * string (the caller frees), or NULL on out of memory.
 */
char *metrics_text(const metrics_status_t *st);

/* metrics_percentile - the p-th percentile (0 < p <= 100, nearest rank)
 * of n samples (sorted in place).  0 when n is 0.  For tests. */
uint64_t metrics_percentile(uint64_t *v, size_t n, double p);

#endif
