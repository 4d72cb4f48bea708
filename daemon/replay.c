/*
 * replay - the journal's replay at start-up, on two threads (replay.h).
 *
 * The decoder thread fills batches of decoded events and queues them; the
 * calling thread applies each batch and hands it back.  A fixed pool of
 * batches bounds the memory in flight.  Either side stops the other: the
 * decoder by finishing (done), the applier by failing (stop).
 */
#include "replay.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "codec.h"

#define REPLAY_BATCH 512 /* events per batch */
#define REPLAY_POOL  4   /* batches: one decoding, one applying, two queued */
#define REPLAY_ERR   512

typedef struct replay_batch {
	event_t ev[REPLAY_BATCH];
	size_t n;
} replay_batch_t;

typedef struct replay {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	replay_batch_t *pool[REPLAY_POOL]; /* every batch, to free them */
	replay_batch_t *free[REPLAY_POOL]; /* empty batches */
	size_t n_free;
	replay_batch_t *queue[REPLAY_POOL]; /* full batches, oldest first */
	size_t head, n_queued;
	int done; /* the decoder has queued its last batch */
	int stop; /* the applier failed: the decoder stops */

	/* The decoder thread's own. */
	state_t *serial; /* no second thread: apply each batch when full */
	int serial_rc;
	journal_t *journal;
	uint64_t from_seq;
	replay_batch_t *cur;
	int dec_rc;
	char dec_err[REPLAY_ERR];
} replay_t;

/* replay__get_free - an empty batch, or NULL once the applier stopped. */
static replay_batch_t *replay__get_free(replay_t *r)
{
	replay_batch_t *b = NULL;

	pthread_mutex_lock(&r->mu);
	while (r->n_free == 0 && !r->stop)
		pthread_cond_wait(&r->cv, &r->mu);
	if (!r->stop)
		b = r->free[--r->n_free];
	pthread_mutex_unlock(&r->mu);
	return b;
}

static void replay__batch_clear(replay_batch_t *b)
{
	for (size_t i = 0; i < b->n; i++)
		event_release(&b->ev[i]);
	b->n = 0;
}

/* replay__apply - apply b to st; 0 or a negative code with err set. */
static int replay__apply(state_t *st, replay_batch_t *b, char *err, size_t errlen)
{
	char why[REPLAY_ERR - 64];

	for (size_t i = 0; i < b->n; i++) {
		if (state_apply_take(st, &b->ev[i], why, sizeof why) < 0) {
			snprintf(err, errlen, "journal event %llu: %s",
				 (unsigned long long)b->ev[i].seq, why);
			return -VA_FAILED_PRECONDITION;
		}
	}
	return 0;
}

static void replay__queue(replay_t *r, replay_batch_t *b)
{
	if (r->serial != NULL) {
		if (r->serial_rc == 0)
			r->serial_rc = replay__apply(r->serial, b, r->dec_err, sizeof r->dec_err);
		replay__batch_clear(b);
		if (r->serial_rc < 0)
			r->stop = 1;
		r->free[r->n_free++] = b;
		return;
	}
	pthread_mutex_lock(&r->mu);
	r->queue[(r->head + r->n_queued++) % REPLAY_POOL] = b;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* The journal_replay() callback, on the decoder thread. */
static int replay__decode(uint64_t seq, const void *bytes, size_t len, void *arg)
{
	replay_t *r = arg;
	char err[REPLAY_ERR - 64];
	event_t *ev;
	int rc;

	if (r->cur == NULL && (r->cur = replay__get_free(r)) == NULL)
		return 1;
	ev = &r->cur->ev[r->cur->n];
	rc = codec_event_decode(bytes, len, ev, err, sizeof err);
	if (rc == 0 && ev->seq != seq) {
		snprintf(err, sizeof err, "the record holds event %llu",
			 (unsigned long long)ev->seq);
		event_release(ev);
		rc = -VA_FAILED_PRECONDITION;
	}
	if (rc < 0) {
		snprintf(r->dec_err, sizeof r->dec_err, "journal event %llu: %s",
			 (unsigned long long)seq, err);
		return rc;
	}
	if (++r->cur->n == REPLAY_BATCH) {
		replay__queue(r, r->cur);
		r->cur = NULL;
	}
	return 0;
}

static void *replay__decoder(void *arg)
{
	replay_t *r = arg;
	int rc = journal_replay(r->journal, r->from_seq, replay__decode, r, r->dec_err,
				sizeof r->dec_err);

	if (r->cur != NULL && r->cur->n > 0) {
		replay__queue(r, r->cur);
		r->cur = NULL;
	}
	pthread_mutex_lock(&r->mu);
	r->dec_rc = rc < 0 ? rc : 0; /* > 0: stopped by the applier */
	r->done = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* replay__next - the oldest full batch, or NULL when the decoder is done
 * and everything it queued was taken. */
static replay_batch_t *replay__next(replay_t *r)
{
	replay_batch_t *b = NULL;

	pthread_mutex_lock(&r->mu);
	while (r->n_queued == 0 && !r->done)
		pthread_cond_wait(&r->cv, &r->mu);
	if (r->n_queued > 0) {
		b = r->queue[r->head];
		r->head = (r->head + 1) % REPLAY_POOL;
		r->n_queued--;
	}
	pthread_mutex_unlock(&r->mu);
	return b;
}

int replay_journal(journal_t *journal, uint64_t from_seq, state_t *st, char *err, size_t errlen)
{
	replay_t *r = calloc(1, sizeof *r);
	replay_batch_t *b;
	pthread_t tid;
	int rc = 0;

	if (r == NULL)
		goto oom;
	for (size_t i = 0; i < REPLAY_POOL; i++) {
		if ((r->pool[i] = calloc(1, sizeof *r->pool[i])) == NULL)
			goto oom;
		r->free[r->n_free++] = r->pool[i];
	}
	r->journal = journal;
	r->from_seq = from_seq;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&tid, NULL, replay__decoder, r) != 0) {
		/* No second thread: decode and apply on this one. */
		r->serial = st;
		replay__decoder(r);
		if (r->serial_rc < 0) {
			rc = r->serial_rc;
			snprintf(err, errlen, "%s", r->dec_err);
		}
	} else {
		while ((b = replay__next(r)) != NULL) {
			if (rc == 0)
				rc = replay__apply(st, b, err, errlen);
			replay__batch_clear(b);
			pthread_mutex_lock(&r->mu);
			r->free[r->n_free++] = b;
			if (rc < 0)
				r->stop = 1;
			pthread_cond_broadcast(&r->cv);
			pthread_mutex_unlock(&r->mu);
		}
		pthread_join(tid, NULL);
	}
	if (rc == 0 && r->dec_rc < 0) {
		rc = r->dec_rc;
		snprintf(err, errlen, "%s", r->dec_err);
	}
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	for (size_t i = 0; i < REPLAY_POOL; i++)
		free(r->pool[i]);
	free(r);
	return rc;
oom:
	if (r != NULL)
		for (size_t i = 0; i < REPLAY_POOL; i++)
			free(r->pool[i]);
	free(r);
	snprintf(err, errlen, "out of memory");
	return -VA_RESOURCE_EXHAUSTED;
}
