/*
 * metrics - see metrics.h.
 *
 * The peer count comes from a socket monitor (sockmon.h): libzmq
 * publishes the ROUTER's transport events on an inproc PAIR socket, which
 * the zuv bridge reads like any other socket.
 */
#include <czmq.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <vetalliance/error.h>

#include "log.h"
#include "ops/metrics.h"
#include "ops/sockmon.h"

struct metrics {
	uv_loop_t *loop;
	char *state_dir;
	int64_t started_ms; /* monotonic */

	uint64_t sync_ns[METRICS_SYNC_RING];
	size_t sync_n; /* samples in the ring, up to METRICS_SYNC_RING */
	size_t sync_next;
	uint64_t sync_count;
	double sync_sum_s;

	uint64_t rate[METRICS_RATE_WINDOW];
	int64_t rate_sec[METRICS_RATE_WINDOW]; /* the second each slot counts */

	sockmon_t mon; /* the command ROUTER's connections */
	int peers;
	metrics_event_fn on_event;
	void *on_event_arg;
};

static int64_t metrics__mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t metrics__real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

metrics_t *metrics_new(uv_loop_t *loop, const char *state_dir)
{
	metrics_t *m = calloc(1, sizeof *m);

	if (m == NULL)
		return NULL;
	m->loop = loop;
	m->state_dir = strdup(state_dir);
	if (m->state_dir == NULL) {
		free(m);
		return NULL;
	}
	m->started_ms = metrics__mono_ms();
	for (size_t i = 0; i < METRICS_RATE_WINDOW; i++)
		m->rate_sec[i] = -1;
	return m;
}

/* ------------------------------------------------------------ monitor */

static void metrics__on_event(void *arg, uint16_t event, uint32_t value, const char *endpoint)
{
	metrics_t *m = arg;

	if (event == ZMQ_EVENT_ACCEPTED)
		m->peers++;
	else if (event == ZMQ_EVENT_DISCONNECTED && m->peers > 0)
		m->peers--;
	if (m->on_event != NULL)
		m->on_event(m->on_event_arg, event, value, endpoint);
}

void metrics_on_event(metrics_t *m, metrics_event_fn fn, void *arg)
{
	m->on_event = fn;
	m->on_event_arg = arg;
}

int metrics_watch(metrics_t *m, void *router)
{
	int events = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED;

	if (m->on_event != NULL)
		events |= ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
			  ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
	if (sockmon_start(&m->mon, m->loop, router, events, metrics__on_event, m) < 0) {
		log_warn("could not monitor the command socket, peers will read 0: %s",
			 zmq_strerror(zmq_errno()));
		return -VA_INTERNAL;
	}
	return 0;
}

int metrics_unwatch(metrics_t *m, void (*done)(void *arg), void *arg)
{
	return sockmon_stop(&m->mon, done, arg);
}

void metrics_free(metrics_t **self_p)
{
	metrics_t *m;

	if (self_p == NULL || *self_p == NULL)
		return;
	m = *self_p;
	sockmon_release(&m->mon);
	free(m->state_dir);
	free(m);
	*self_p = NULL;
}

/* ----------------------------------------------------------- counting */

void metrics_request(metrics_t *m)
{
	int64_t sec = metrics__mono_ms() / 1000;
	size_t slot = (size_t)(sec % METRICS_RATE_WINDOW);

	if (m->rate_sec[slot] != sec) {
		m->rate_sec[slot] = sec;
		m->rate[slot] = 0;
	}
	m->rate[slot]++;
}

void metrics_sync(metrics_t *m, uint64_t ns)
{
	m->sync_ns[m->sync_next] = ns;
	m->sync_next = (m->sync_next + 1) % METRICS_SYNC_RING;
	if (m->sync_n < METRICS_SYNC_RING)
		m->sync_n++;
	m->sync_count++;
	m->sync_sum_s += (double)ns / 1e9;
}

static int metrics__cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t metrics_percentile(uint64_t *v, size_t n, double p)
{
	size_t rank;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, metrics__cmp_u64);
	/* nearest rank: ceil(p/100 * n) */
	rank = (size_t)(p / 100.0 * (double)n);
	if ((double)rank < p / 100.0 * (double)n)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

/* The journal's segments (total size, newest mtime) and the newest
 * snapshot (by seq in its name). */
static void metrics__scan(const metrics_t *m, metrics_status_t *st, int64_t now_ms)
{
	char path[4096];
	int64_t journal_mtime = -1, snap_mtime = -1;
	DIR *dir = opendir(m->state_dir);
	struct dirent *e;
	struct stat sb;

	st->journal_age_ms = -1;
	st->snapshot_age_ms = -1;
	if (dir == NULL)
		return;
	while ((e = readdir(dir)) != NULL) {
		int journal =
		    strncmp(e->d_name, "journal-", 8) == 0 && strstr(e->d_name, ".log") != NULL;
		int snap = strncmp(e->d_name, "snapshot-", 9) == 0 && strlen(e->d_name) > 5 &&
			   strcmp(e->d_name + strlen(e->d_name) - 5, ".snap") == 0;
		if (!journal && !snap)
			continue;
		snprintf(path, sizeof path, "%s/%s", m->state_dir, e->d_name);
		if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode))
			continue;
		int64_t mtime = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
		if (journal) {
			st->journal_bytes += (uint64_t)sb.st_size;
			st->journal_segments++;
			if (mtime > journal_mtime)
				journal_mtime = mtime;
		} else {
			uint64_t seq = strtoull(e->d_name + 9, NULL, 10);
			if (seq > st->snapshot_seq) {
				st->snapshot_seq = seq;
				st->snapshot_bytes = (uint64_t)sb.st_size;
				snap_mtime = mtime;
			}
		}
	}
	closedir(dir);
	if (journal_mtime >= 0)
		st->journal_age_ms = now_ms > journal_mtime ? now_ms - journal_mtime : 0;
	if (snap_mtime >= 0)
		st->snapshot_age_ms = now_ms > snap_mtime ? now_ms - snap_mtime : 0;
}

void metrics_fill(metrics_t *m, metrics_status_t *st)
{
	int64_t now = metrics__mono_ms();
	int64_t sec = now / 1000;
	uint64_t sorted[METRICS_SYNC_RING];
	uint64_t sum = 0;

	st->uptime_ms = now - m->started_ms;
	st->journal_bytes = 0;
	st->journal_segments = 0;
	st->snapshot_seq = 0;
	st->snapshot_bytes = 0;
	metrics__scan(m, st, metrics__real_ms());
	st->peers = m->peers > 0 ? (uint32_t)m->peers : 0;

	/* The last METRICS_RATE_WINDOW whole seconds, not the current one. */
	for (size_t i = 0; i < METRICS_RATE_WINDOW; i++)
		if (m->rate_sec[i] < sec && m->rate_sec[i] >= sec - METRICS_RATE_WINDOW)
			sum += m->rate[i];
	st->commands_per_second = (double)sum / METRICS_RATE_WINDOW;

	memcpy(sorted, m->sync_ns, m->sync_n * sizeof sorted[0]);
	st->sync_p50_us = metrics_percentile(sorted, m->sync_n, 50) / 1000;
	st->sync_p99_us = metrics_percentile(sorted, m->sync_n, 99) / 1000;
	st->sync_count = m->sync_count;
	st->sync_sum_s = m->sync_sum_s;
}

/* ---------------------------------------------------------- exposition */

typedef struct metrics_buf {
	char *s;
	size_t len, cap;
	int oom;
} metrics_buf_t;

static void metrics__printf(metrics_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void metrics__printf(metrics_buf_t *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap * 2 + (size_t)n;
		char *s = realloc(b->s, cap);
		if (s == NULL) {
			b->oom = 1;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

static void metrics__one(metrics_buf_t *b, const char *name, const char *type, const char *help,
			 double value)
{
	metrics__printf(
	    b, "# HELP vetalliance_%s %s\n# TYPE vetalliance_%s %s\nvetalliance_%s %.15g\n", name,
	    help, name, type, name, value);
}

char *metrics_text(const metrics_status_t *st)
{
	metrics_buf_t b = {.cap = 4096};

	b.s = malloc(b.cap);
	if (b.s == NULL)
		return NULL;
	b.s[0] = '\0';
	metrics__printf(&b,
			"# HELP vetalliance_build_info The daemon's version.\n"
			"# TYPE vetalliance_build_info gauge\n"
			"vetalliance_build_info{version=\"%s\"} 1\n",
			st->version ? st->version : "");
	metrics__one(&b, "uptime_seconds", "gauge", "Seconds since the daemon started.",
		     (double)st->uptime_ms / 1000.0);
	metrics__one(&b, "last_seq", "gauge", "Seq of the last applied event.",
		     (double)st->last_seq);
	metrics__one(&b, "requests_total", "counter", "Requests received since start.",
		     (double)st->requests);
	metrics__one(&b, "refused_total", "counter", "Requests answered with an error status.",
		     (double)st->refused);
	metrics__one(&b, "commits_total", "counter", "Group commits (write and fdatasync).",
		     (double)st->commits);
	metrics__one(&b, "committed_events_total", "counter", "Events made durable since start.",
		     (double)st->committed_events);
	metrics__one(&b, "requests_per_second", "gauge",
		     "Requests per second over the last 10 whole seconds.",
		     st->commands_per_second);
	metrics__one(&b, "peers", "gauge", "Connections to the command endpoint.",
		     (double)st->peers);
	metrics__one(&b, "journal_bytes", "gauge", "Size of all journal segments.",
		     (double)st->journal_bytes);
	metrics__one(&b, "journal_segments", "gauge", "Number of journal segments.",
		     (double)st->journal_segments);
	metrics__one(&b, "journal_age_seconds", "gauge",
		     "Seconds since the newest journal segment was written (-1: none).",
		     st->journal_age_ms < 0 ? -1.0 : (double)st->journal_age_ms / 1000.0);
	metrics__one(&b, "snapshot_seq", "gauge", "Seq of the newest snapshot (0: none).",
		     (double)st->snapshot_seq);
	metrics__one(&b, "snapshot_bytes", "gauge", "Size of the newest snapshot.",
		     (double)st->snapshot_bytes);
	metrics__one(&b, "snapshot_age_seconds", "gauge",
		     "Seconds since the newest snapshot was written (-1: none).",
		     st->snapshot_age_ms < 0 ? -1.0 : (double)st->snapshot_age_ms / 1000.0);
	metrics__one(&b, "disk_full", "gauge", "1 while journal writes fail for lack of space.",
		     st->disk_full ? 1.0 : 0.0);
	metrics__printf(&b,
			"# HELP vetalliance_sync_seconds Duration of one group commit (write and "
			"fdatasync); quantiles over the last %d commits.\n"
			"# TYPE vetalliance_sync_seconds summary\n"
			"vetalliance_sync_seconds{quantile=\"0.5\"} %.6f\n"
			"vetalliance_sync_seconds{quantile=\"0.99\"} %.6f\n"
			"vetalliance_sync_seconds_sum %.6f\n"
			"vetalliance_sync_seconds_count %llu\n",
			METRICS_SYNC_RING, (double)st->sync_p50_us / 1e6,
			(double)st->sync_p99_us / 1e6, st->sync_sum_s,
			(unsigned long long)st->sync_count);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}
