/*
 * replay - the journal's replay at start-up: every record is decoded and
 * applied through state_apply_take(), the event's payload moved into the
 * state rather than copied, one record at a time on the loop's thread.
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
