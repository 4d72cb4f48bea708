/*
 * statetest.h - running commands through the pure state core in unit
 * tests: state_decide, then state_apply of every event, the way the
 * server does it.
 */
#ifndef VA_TEST_STATETEST_H
#define VA_TEST_STATETEST_H

#include <stddef.h>
#include <stdint.h>

#include "state/state.h"

/*
 * st_run - decide `cmd` (which it releases) as `actor` at now_ms with
 * request id "req", and apply its events.
 *   log   if not NULL, receives the events (moved), else they are freed.
 *   err   receives the refusal message.
 * Returns 0, or the negative code of a refusal; asserts that a refusal
 * produced no event and that every event applies.
 */
int st_run(state_t *st, cmd_t cmd, int64_t now_ms, const char *actor, evlist_t *log, char *err,
	   size_t errlen);

/* st_run_ctx - st_run with a whole context (e.g. the partner rules of
 * mobilities). */
int st_run_ctx(state_t *st, cmd_t cmd, const state_ctx_t *ctx, evlist_t *log, char *err,
	       size_t errlen);

/* Sessions. */
struct request;
struct ProtobufCMessage;

/*
 * st_decode - pack a wire Request (a Vetalliance__V1__Request, passed as
 * its base) and decode it with codec_request_decode into *out.  Returns
 * what codec_request_decode returns; the refusal message goes to err.
 */
int st_decode(const struct ProtobufCMessage *request, struct request *out, char *err,
	      size_t errlen);

#endif
