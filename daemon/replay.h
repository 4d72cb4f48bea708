/*
 * replay - the journal's replay at start-up, on two threads.
 *
 * Decoding a record (checking it, unpacking the protobuf, copying its
 * strings into the state's packed form) costs about as much as applying
 * it.  A decoder thread reads and decodes batches of records while the
 * calling thread applies the batch before, in seq order, through
 * state_apply_take(): the same path as a replay on one thread, so the
 * state built is the same.  The journal is used by the decoder thread only
 * until replay_journal() returns; the state by the calling thread only.
 */
#ifndef VA_REPLAY_H
#define VA_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "journal.h"
#include "state/state.h"

/*
 * replay_journal - apply every record of the journal with seq >= from_seq
 * to st.  Returns 0, or a negative VA_* code with a message naming the
 * event's seq in err: a record that does not decode, an event that does
 * not fit the state, or the journal's own error (journal_replay()).
 * Events applied before a failure stay applied.
 */
int replay_journal(journal_t *journal, uint64_t from_seq, state_t *st, char *err, size_t errlen);

#endif
