/*
 * codec_mobility - the wire side of mobilities and partner rules (issue
 * 5): Request bodies 100-129 into commands and queries, the Mobility
 * message both ways (events, replies, snapshots) and the RulesInfo reply.
 * Part of the codec edge (codec.h); called from codec.c's dispatch.
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
 * Reply packed into frame (like codec_reply_pack). */
int codec_mobility_is_result(result_type_t type);
int codec_mobility_reply_pack(const char *request_id, int status, const char *message, uint64_t seq,
			      const result_t *result, zmq_msg_t *frame);

/* codec_mobility_event_pack - whether `type` is a mobility event; its
 * packing (like codec_event_pack); and its decoding (0, or -1 when the
 * payload is not a mobility's). */
int codec_mobility_is_event(ev_type_t type);
size_t codec_mobility_event_pack(const event_t *ev, uint8_t **buf_p, char *topic, size_t topic_len);
int codec_mobility_event_decode(const Vetalliance__V1__Event *e, event_t *out);

/* Snapshots: fill snap->mobilities (codec_mobility_snapshot_release frees
 * them after packing), and restore them into a state. */
int codec_mobility_snapshot_fill(const struct state *st, Vetalliance__V1__StateSnapshot *snap);
void codec_mobility_snapshot_release(Vetalliance__V1__StateSnapshot *snap);
void codec_mobility_snapshot_load(const Vetalliance__V1__StateSnapshot *snap, struct state *st);

#endif
