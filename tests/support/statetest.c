/*
 * statetest - see statetest.h.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "statetest.h"
#include "vetalliance.pb-c.h"

int st_run(state_t *st, cmd_t cmd, int64_t now_ms, const char *actor, evlist_t *log, char *err,
	   size_t errlen)
{
	state_ctx_t ctx = {.now_ms = now_ms, .actor = actor, .request_id = "req"};

	return st_run_ctx(st, cmd, &ctx, log, err, errlen);
}

int st_run_ctx(state_t *st, cmd_t cmd, const state_ctx_t *ctx, evlist_t *log, char *err,
	       size_t errlen)
{
	evlist_t out = {0};
	int rc;

	rc = state_decide(st, &cmd, ctx, &out, err, errlen);
	cmd_release(&cmd);
	if (rc < 0) {
		cr_assert_eq(out.n, 0, "a refused command produced %zu events", out.n);
		evlist_release(&out);
		return rc;
	}
	for (size_t i = 0; i < out.n; i++) {
		char aerr[256];
		cr_assert_eq(state_apply(st, &out.v[i], aerr, sizeof aerr), 0, "apply: %s", aerr);
		if (log != NULL) {
			/* move the event into the log */
			*evlist_push(log) = out.v[i];
			memset(&out.v[i], 0, sizeof out.v[i]);
		}
	}
	if (log != NULL)
		out.n = 0;
	evlist_release(&out);
	return 0;
}

/* Sessions. */
int st_decode(const struct ProtobufCMessage *request, struct request *out, char *err, size_t errlen)
{
	size_t len = protobuf_c_message_get_packed_size(request);
	uint8_t *buf = malloc(len + 1);
	int rc;

	cr_assert_not_null(buf);
	protobuf_c_message_pack(request, buf);
	rc = codec_request_decode(buf, len, out, err, errlen);
	free(buf);
	return rc;
}
