/*
 * replay - the journal's replay at start-up (replay.h).
 */
#include "replay.h"

#include <stdio.h>
#include <string.h>

#include <vetalliance/error.h>

#include "codec/codec.h"

typedef struct replay {
	state_t *st;
	char *err;
	size_t errlen;
} replay_t;

/* The journal_replay() callback: decode one record and apply it. */
static int replay__one(uint64_t seq, const void *bytes, size_t len, void *arg)
{
	replay_t *r = arg;
	event_t ev;
	char why[384];
	int rc;

	rc = codec_event_decode(bytes, len, &ev, why, sizeof why);
	if (rc == 0 && ev.seq != seq) {
		snprintf(why, sizeof why, "the record holds event %llu",
			 (unsigned long long)ev.seq);
		rc = -VA_FAILED_PRECONDITION;
	}
	if (rc == 0 && state_apply_take(r->st, &ev, why, sizeof why) < 0)
		rc = -VA_FAILED_PRECONDITION;
	if (rc < 0)
		snprintf(r->err, r->errlen, "journal event %llu: %s", (unsigned long long)seq, why);
	event_release(&ev);
	return rc;
}

int replay_journal(journal_t *journal, uint64_t from_seq, state_t *st, char *err, size_t errlen)
{
	replay_t r = {.st = st, .err = err, .errlen = errlen};

	return journal_replay(journal, from_seq, replay__one, &r, err, errlen);
}
