/*
 * vetalliance/watch.h - follow the daemon's events and never miss one.
 *
 * The Clone pattern (docs/PROTOCOL.md, "Catch-up") in one object: a SUB
 * socket on the event endpoint is subscribed first, then a DEALER on the
 * command endpoint asks for the events after the cursor (EventsSince, in
 * pipelined pages) until it reaches the daemon's last durable seq.  The
 * cursor is the last seq handled; then
 *
 *   - a live event with seq <= cursor is a duplicate and is dropped;
 *   - seq == cursor + 1 is handed to the callback at once;
 *   - seq > cursor + 1 is a gap (PUB dropped something at its high-water
 *     mark, or the subscription is narrowed to some topics): a catch-up
 *     from cursor + 1 fetches it with what is missing, in order;
 *   - a heartbeat whose last_seq is past the cursor also starts a
 *     catch-up (the lost tail of a burst), and heartbeats tell a quiet
 *     daemon from a dead one: after three intervals without one the
 *     notice callback is told, and again when they come back.
 *
 * ZeroMQ reconnects both sockets after a daemon restart; a catch-up that
 * gets no reply is asked again.  With a cursor file the cursor survives
 * the watcher's own restarts: it is read at start and replaced atomically
 * (temp file, fsync, rename, fsync of the directory) by
 * va_watch_checkpoint(), or after every event with `checkpoint_each`.
 *
 *   va_watch_t *w;
 *   va_watch_new(&w, &opts, on_event, arg, err, sizeof err);
 *   while ((rc = va_watch_step(w, 100)) == 0)
 *           va_watch_checkpoint(w, 0);
 *   va_watch_checkpoint(w, 1);
 *   va_watch_free(&w);
 *
 * Functions return 0 or a negative VA_* code (vetalliance/error.h).
 */
#ifndef VETALLIANCE_WATCH_H
#define VETALLIANCE_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include <vetalliance/client.h>

typedef struct va_watch va_watch_t;

/*
 * The event callback: `ev` is the event with seq cursor + 1 (borrowed for
 * the call).  Return 0 to move the cursor past it; VA_WATCH_DONE to move
 * past it and stop; VA_WATCH_STOP to stop before it (it is delivered again
 * next time); or a negative VA_* code to fail (the cursor stays before
 * it).  va_watch_step() then returns that value.
 */
typedef int (*va_watch_event_fn)(void *arg, const va_event_t *ev);

/* What the watcher has to say to a person (the daemon is quiet, answers
 * again, history was compacted...): one line, no newline. */
typedef void (*va_watch_notice_fn)(void *arg, const char *line);

#define VA_WATCH_STOP 1
#define VA_WATCH_DONE 2

/* The strings and lists in the options are borrowed: they must live as
 * long as the watcher. */
typedef struct va_watch_opts {
	const char *pub_endpoint; /* events; NULL with `once` (no SUB) */
	const char *cmd_endpoint; /* catch-up */
	const va_keys_t *keys;    /* CURVE, or NULL */
	/* Topic prefixes to subscribe to (the event types, "mobility."); none:
	 * all.  Catch-up still delivers every event: filter in the callback. */
	const char *const *topics;
	size_t n_topics;
	const char *cursor_file;   /* NULL: the cursor lives in memory only */
	uint64_t from;             /* first seq wanted when there is no cursor; 0: none */
	int once;                  /* stop (VA_WATCH_STOP) at the daemon's last seq at start */
	int checkpoint_each;       /* write the cursor file after every event */
	int heartbeat_timeout_ms;  /* quiet this long is reported; 0: three intervals, <0: never */
	int rcvhwm;                /* the SUB socket's, 0: libzmq's default */
	va_watch_notice_fn notice; /* NULL: notices go to stderr */
	void *notice_arg;
} va_watch_opts_t;

/* Counters since va_watch_new(). */
typedef struct va_watch_stats {
	uint64_t delivered; /* events handed to the callback and accepted */
	uint64_t caught_up; /* of those, from catch-up pages */
	uint64_t duplicates;
	uint64_t gaps;
} va_watch_stats_t;

/*
 * va_watch_new - connect and start the catch-up.  Where it starts: the
 * cursor file's seq; else opts->from; else, with `once`, the oldest event
 * the daemon keeps; else the daemon's present (live events only).
 * Returns 0 and *w_p, or -VA_INVALID_ARGUMENT (a bad endpoint, an
 * unreadable or malformed cursor file) with a message in err.
 */
int va_watch_new(va_watch_t **w_p, const va_watch_opts_t *opts, va_watch_event_fn on_event,
		 void *arg, char *err, size_t errlen);

/*
 * va_watch_step - wait at most timeout_ms for events or replies, and
 * handle what came.  Returns 0 (go on), VA_WATCH_STOP or VA_WATCH_DONE
 * (the callback asked to stop; `once` reached its end: VA_WATCH_DONE), -VA_FAILED_PRECONDITION (the
 * events after the cursor are no longer kept: read the state and start again), -VA_UNAVAILABLE
 * (with `once`, the daemon did not answer three times), or another negative code (the callback's,
 * or a socket error).
 */
int va_watch_step(va_watch_t *w, int timeout_ms);

/* va_watch_cursor - the last seq handled (0: none yet). */
uint64_t va_watch_cursor(const va_watch_t *w);

/*
 * va_watch_checkpoint - write the cursor file if the cursor moved and
 * `force` is set or 200 ms passed since the last write.  Flush what the
 * callback printed first: the cursor must not run ahead of it.  Returns 0,
 * or -VA_INTERNAL when the file cannot be written (the notice says why).
 */
int va_watch_checkpoint(va_watch_t *w, int force);

/* va_watch_stats - the counters. */
void va_watch_stats(const va_watch_t *w, va_watch_stats_t *out);

/* va_watch_free - close the sockets and free; sets *w_p to NULL.  Does not
 * write the cursor: call va_watch_checkpoint(w, 1) first. */
void va_watch_free(va_watch_t **w_p);

#endif
