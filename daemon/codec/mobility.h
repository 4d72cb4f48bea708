/*
 * codec/mobility - the wire side of mobilities and partner rules: Request
 * bodies 100-129 into commands and queries, the Mobility message both ways
 * (events, replies, snapshots) and the RulesInfo reply.  Part of the codec
 * (codec.h); called from request.c, reply.c, event.c and snapshot.c.
 */
#ifndef VA_CODEC_MOBILITY_H
#define VA_CODEC_MOBILITY_H

#include <stddef.h>
#include <stdint.h>

#include "codec/codec.h"
#include "snapshot.pb-c.h"
#include "vetalliance.pb-c.h"

/* codec_mobility_request - decode and validate a mobility or rules body.
 * Returns 0, or -VA_INVALID_ARGUMENT with the field path in err. */
int codec_mobility_request(const Vetalliance__V1__Request *r, request_t *out, char *err,
			   size_t errlen);

/* codec_mobility_reply - whether `type` is a mobility result, and its
 * Reply's bytes (like codec_reply_pack). */
int codec_mobility_is_result(result_type_t type);
int codec_mobility_reply_pack(const char *request_id, int status, const char *message, uint64_t seq,
			      const result_t *result, uint8_t **buf_p, size_t *len_p);

/* The payload of a mobility event, to the wire and back: codec_mobility_to_pb's
 * result is freed with codec_mobility_pb_free. */
Vetalliance__V1__Mobility *codec_mobility_to_pb(const mobility_t *m);
void codec_mobility_pb_free(Vetalliance__V1__Mobility *m);
void codec_mobility_from_pb(mobility_t *dst, const Vetalliance__V1__Mobility *src);

/* Snapshots: fill snap->mobilities (codec_mobility_snapshot_release frees
 * them after packing), and restore them into a state. */
int codec_mobility_snapshot_fill(const struct state *st, Vetalliance__V1__StateSnapshot *snap);
void codec_mobility_snapshot_release(Vetalliance__V1__StateSnapshot *snap);
/* codec_mobility_snapshot_load - the snapshot's mobilities into st.
 * Returns 0, or -VA_INVALID_ARGUMENT (a mobility that does not fit). */
int codec_mobility_snapshot_load(const Vetalliance__V1__StateSnapshot *snap, struct state *st,
				 char *err, size_t errlen);

#endif
