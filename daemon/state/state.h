/*
 * state - the pure core of the daemon: the whole alliance and mobility
 * state in memory, with no sockets, files or clocks inside.
 *
 *   state_decide(state, command, context) -> events, or an error
 *   state_apply(state, event)             -> the only way state changes
 *
 * state_decide never changes the state; the server assigns the events
 * their place in the journal and then applies them.  Replay at start-up
 * calls state_apply on the journal's events, so run time and recovery go
 * through the same code.  The read functions serve queries.
 */
#ifndef VA_STATE_H
#define VA_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "state/model.h"

typedef struct state state_t;

/* The circumstances of one command: when, by whom, for which request. */
typedef struct state_ctx {
	int64_t now_ms;
	const char *actor;
	const char *request_id;
	/* The partner rules in force (NULL: none) */
	const struct rules *rules;
} state_ctx_t;

/* state_new - an empty state (last seq 0). Returns NULL on OOM. */
state_t *state_new(void);

/* state_new_window - the same with an idempotency window of `window`
 * requests instead of STATE_DEDUP_WINDOW (the fuzz target's small
 * states). */
state_t *state_new_window(size_t window);

/* state_free - free everything; sets *self_p to NULL.  Idempotent. */
void state_free(state_t **self_p);

/*
 * state_decide - check `cmd` against the state and append the events it
 * produces to `out`, numbered from state_last_seq() + 1 + out->n.
 * Returns 0, or a negative VA_* code with a message naming the field or
 * rule in err (NUL-terminated, truncated to errlen); `out` is then
 * unchanged.
 */
int state_decide(const state_t *st, const cmd_t *cmd, const state_ctx_t *ctx, evlist_t *out,
		 char *err, size_t errlen);
/*
 * state_decide_take - the same, but the events may take what they carry
 * out of cmd instead of copying it (a centre to register).  What is taken
 * is left NULL in cmd, which still goes to cmd_release().  When it
 * refuses, cmd is as it was.
 */
int state_decide_take(const state_t *st, cmd_t *cmd, const state_ctx_t *ctx, evlist_t *out,
		      char *err, size_t errlen);

/*
 * state_apply - apply one event.  Its seq must be state_last_seq() + 1.
 * Returns 0, or -VA_INTERNAL with a message if the event does not fit the
 * state (a journal from another history); the state is then unchanged.
 */
int state_apply(state_t *st, const event_t *ev, char *err, size_t errlen);

/*
 * state_apply_take - state_apply() that may move the event's payload into
 * the state instead of copying it: afterwards *ev must only be released.
 */
int state_apply_take(state_t *st, event_t *ev, char *err, size_t errlen);

uint64_t state_last_seq(const state_t *st);
/* True when no event was ever applied (a fresh state directory). */
int state_is_empty(const state_t *st);

const partner_t *state_partner_get(const state_t *st, const char *id);
const centre_t *state_centre_get(const state_t *st, const char *id);
const sector_t *state_sector_get(const state_t *st, const char *id);

/* List functions: *out_p receives a malloc'd array of borrowed pointers,
 * sorted by id, that the caller frees with free() (the objects stay the
 * state's).  Return the count.  A NULL or empty filter matches all. */
size_t state_partner_list(const state_t *st, const partner_t ***out_p);
size_t state_centre_list(const state_t *st, const char *partner, const char *country,
			 const char *sector, const centre_t ***out_p);
size_t state_sector_list(const state_t *st, const sector_t ***out_p);
size_t state_interest_list(const state_t *st, const char *partner, const interest_t ***out_p);

size_t state_centre_count(const state_t *st);

/* state_centre_each - call fn for every centre in the order they were
 * first registered (no sorting, no list: for snapshots of millions);
 * stops at fn's first non-zero return value and returns it, else 0. */
int state_centre_each(const state_t *st, int (*fn)(const centre_t *c, void *arg), void *arg);

/* state_commitments - the centres' commitment stands (state/commitment.h),
 * for queries and snapshots. */
const struct commitments *state_commitments(const state_t *st);

/* state_alliances - the alliances (state/alliance.h). */
const struct alliances *state_alliances(const state_t *st);

/* state_mobilities - the mobilities (state/mobility.h). */
const struct mobilities *state_mobilities(const state_t *st);

/* state_sessions - sessions, deadlines and reminders sent (state/session.h). */
const struct sessions *state_sessions(const state_t *st);

/*
 * Recent requests (idempotency).  Applying an event records its (actor,
 * request_id) with the event's seq, so the table is rebuilt by replay and
 * travels in snapshots: it is durable state.  The oldest entries are
 * forgotten once more than `window` requests are remembered (default
 * STATE_DEDUP_WINDOW).
 */
#define STATE_DEDUP_WINDOW 100000

void state_set_dedup_window(state_t *st, size_t window);

/* state_request_seen - 1 and *seq_p = the seq of the last event of that
 * request when (actor, request_id) produced events recently, else 0. */
int state_request_seen(const state_t *st, const char *actor, const char *request_id,
		       uint64_t *seq_p);

/*
 * state_replay_begin / state_replay_end - bracket a replay of the journal
 * at start-up.  In between, the idempotency table keeps only its ring of
 * entries (no hash lookups per event) and state_request_seen() must not
 * be called; state_replay_end() builds the lookup table once.
 */
void state_replay_begin(state_t *st);
void state_replay_end(state_t *st);

/* state_recent_count - how many requests are remembered. */
size_t state_recent_count(const state_t *st);

/* state_recent_each - call fn for each remembered request, oldest first. */
void state_recent_each(const state_t *st,
		       void (*fn)(const char *actor, const char *request_id, uint64_t seq,
				  void *arg),
		       void *arg);

/*
 * Restoring from a snapshot.  There is no second way into a state: each
 * object a snapshot holds is handed to state_restore() as the event that
 * creates it - a partner as partner_registered, a centre as
 * centre_registered, a commitment stand as commitment_confirmed (or
 * withdrawn), an alliance as alliance_created, a mobility in any status as
 * mobility_proposed, a session as session_booked, a deadline as
 * deadline_set, a reminder sent as session_reminder - each carrying the
 * object whole, as every event of this state does, and applied by
 * state_apply_take()'s own code without its seq check.  Then
 * state_restore_recent() for each remembered request and
 * state_restore_end() with the seq the snapshot reflects.  Only on an
 * empty state_new().
 *
 * state_restore - apply ev (its seq is ignored; its payload may be moved
 * into the state).  Returns 0, or -VA_INTERNAL with a message when the
 * object does not fit (a second partner of one id, a stand of an unknown
 * centre...): the snapshot is not sound.
 */
int state_restore(state_t *st, event_t *ev, char *err, size_t errlen);

/* state_restore_recent - one remembered request of the idempotency
 * table, oldest first. */
void state_restore_recent(state_t *st, const char *actor, const char *request_id, uint64_t seq);

/* state_restore_end - the seq the snapshot reflects. */
void state_restore_end(state_t *st, uint64_t last_seq);

#endif
