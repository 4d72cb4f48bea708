/*
 * replay - the journal's replay at start-up (replay.h).
 */
#include "replay.h"

#include <stdio.h>
#include <string.h>

#include <vetalliance/error.h>

#include "codec.h"

/* How many decoded events wait ahead of the one being applied: enough for
 * the prefetched hash slots to arrive, few enough to stay in the cache. */
#define REPLAY_AHEAD 16

typedef struct replay {
	state_t *st;
	char *err;
	size_t errlen;
	event_t ahead[REPLAY_AHEAD]; /* decoded, not applied yet, oldest at head */
	size_t head;
	size_t n;
	int failed; /* an event did not apply: the rest are only released */
} replay_t;

/* Release the oldest waiting event and let it go from the queue. */
static void replay__drop_oldest(replay_t *r)
{
	event_release(&r->ahead[r->head]);
	r->head = (r->head + 1) % REPLAY_AHEAD;
	r->n--;
}

/* Apply the oldest waiting event. */
static int replay__apply_oldest(replay_t *r)
{
	event_t *ev = &r->ahead[r->head];
	char why[384];
	int rc = 0;

	if (state_apply_take(r->st, ev, why, sizeof why) < 0) {
		snprintf(r->err, r->errlen, "journal event %llu: %s", (unsigned long long)ev->seq,
			 why);
		rc = -VA_FAILED_PRECONDITION;
		r->failed = 1;
	}
	replay__drop_oldest(r);
	return rc;
}

/* Apply every waiting event, in order; once one has failed, the rest are
 * only released. */
static int replay__flush(replay_t *r)
{
	int rc = 0;

	while (r->n > 0)
		if (r->failed)
			replay__drop_oldest(r);
		else
			rc = replay__apply_oldest(r);
	return rc;
}

/*
 * The journal_replay() callback: decode one record, start loading what
 * applying it will touch (state_prefetch), and apply the event decoded
 * REPLAY_AHEAD records earlier - by now its memory has arrived.  A record
 * that does not decode is reported after the events before it are
 * applied.
 */
static int replay__one(uint64_t seq, const void *bytes, size_t len, void *arg)
{
	replay_t *r = arg;
	event_t *ev;
	char why[384];
	int rc;

	if (r->n == REPLAY_AHEAD && (rc = replay__apply_oldest(r)) < 0)
		return rc;
	ev = &r->ahead[(r->head + r->n) % REPLAY_AHEAD];
	rc = codec_event_decode(bytes, len, ev, why, sizeof why);
	if (rc == 0 && ev->seq != seq) {
		snprintf(why, sizeof why, "the record holds event %llu",
			 (unsigned long long)ev->seq);
		rc = -VA_FAILED_PRECONDITION;
	}
	if (rc < 0) {
		event_release(ev);
		if (replay__flush(r) < 0)
			return -VA_FAILED_PRECONDITION;
		snprintf(r->err, r->errlen, "journal event %llu: %s", (unsigned long long)seq, why);
		return rc;
	}
	state_prefetch(r->st, ev);
	r->n++;
	return 0;
}

int replay_journal(journal_t *journal, uint64_t from_seq, state_t *st, char *err, size_t errlen)
{
	replay_t r = {.st = st, .err = err, .errlen = errlen};
	int rc = journal_replay(journal, from_seq, replay__one, &r, err, errlen);
	int failed = r.failed; /* then its message is in err already */
	int flushed = replay__flush(&r);

	return !failed && flushed < 0 ? flushed : rc;
}
