/*
 * codec/internal - what the codec's files share (not for the rest of the
 * daemon: codec.h is its face).  The files: validate (the checks of a
 * request), convert (wire <-> state structs, the unpacking arena),
 * request, reply, event and snapshot (one message each), mobility (the
 * mobilities' and rules' side of all of these).
 */
#ifndef VA_CODEC_INTERNAL_H
#define VA_CODEC_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>

#include "clock.h"
#include "codec/codec.h"
#include "codec/mobility.h"
#include "ops/metrics.h"
#include "security/principals.h"
#include "snapshot.pb-c.h"
#include "state/alliance.h"
#include "state/commitment.h"
#include "state/criteria.h"
#include "state/session.h"
#include "state/state.h"
#include "vetalliance.pb-c.h"

#define PB(name) Vetalliance__V1__##name

/*
 * The arena protobuf-c unpacks into: it allocates every string and
 * sub-message on its own, and replay unpacks every event of the journal,
 * so the pieces are bumps of a pointer in a block on the stack, then in
 * heap chunks (a snapshot), all freed at once.
 */
typedef struct codec_chunk {
	struct codec_chunk *next;
	size_t used;
	size_t size;
	_Alignas(16) unsigned char data[];
} codec_chunk_t;

#define CODEC_CHUNK ((size_t)1 << 20)

typedef struct codec_arena {
	size_t used;
	codec_chunk_t *chunks;
	_Alignas(16) unsigned char buf[8192];
} codec_arena_t;

/* The path of the field being checked, formatted only for a refusal:
 * validation runs on every request and must cost no string work. */
#define CODEC_PATH_DEPTH 8
typedef struct codec_path {
	const char *name[CODEC_PATH_DEPTH];
	long index[CODEC_PATH_DEPTH]; /* -1: not a list entry */
	int depth;
	const codec_limits_t *lim;
} codec_path_t;

/* Storage for the wire contacts of centres being packed: one
 * piece per centre that has contacts, all freed once the message is
 * packed. */
typedef struct codec_scratch {
	void **v;
	size_t n;
	size_t cap;
} codec_scratch_t;

/* The wire form of one alliance and the storage its pieces point into. */
typedef struct codec_alliance {
	PB(Alliance) msg;
	PB(AllianceMember) * members;
	PB(AllianceMember) * *mptrs;
	PB(RoadmapRecord) steps[ROADMAP_MAX + 1];
	PB(RoadmapRecord) * sptrs[ROADMAP_MAX + 1];
	PB(Commitment) adopted[COMMITMENT_MAX];
	PB(MouContent) mou;
	char missing[512];
} codec_alliance_t;

/* Model -> wire views. */
typedef struct codec_session {
	PB(Session) msg;
	PB(SessionParticipant) * parts;
	PB(SessionParticipant) * *pptrs;
} codec_session_t;

/* Wire storage of a reply's session or deadline result. */
typedef struct codec_session_result {
	codec_session_t *sw;
	size_t n;
	PB(Deadline) * dw;
	void **ptrs;
	PB(SessionListResult) sessions;
	PB(DeadlineListResult) deadlines;
} codec_session_result_t;

/* Snapshot storage of the sessions, deadlines and reminders sent. */
typedef struct codec_session_snap {
	const session_t **sessions;
	const deadline_t **deadlines;
	codec_session_result_t sres, dres;
	PB(Reminder) * rw;
	PB(Reminder) * *rptrs;
} codec_session_snap_t;

/* A list result: an array of wire structs and an array of pointers to
 * them, both malloc'd together. */
typedef struct codec_list {
	void **ptrs;
	void *items;
} codec_list_t;

#define CODEC_DURATION_MAX_MIN (7 * 24 * 60) /* a session lasts at most a week */
#define CODEC_NOTICE_MAX_MIN   (366 * 24 * 60)
#define CODEC_IDS(err, errlen, ...)                                                                \
	codec__ids(err, errlen, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *) / 2,   \
		   (const char *const[]){__VA_ARGS__})

/* The names of a centre's facts, in CENTRE_F_* order (convert.c). */
extern const char *const codec__fact_names[CENTRE_FACTS];

/* A refusal: the message in err; returns -VA_INVALID_ARGUMENT. */
int codec__fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* validate.c */
int codec__ids(char *err, size_t errlen, size_t n, const char *const *pairs);
int codec__utf8_valid(const unsigned char *s, size_t len);
int codec__walk(const ProtobufCMessage *msg, codec_path_t *p, char *err, size_t errlen);
int codec__require(const char *s, const char *path, char *err, size_t errlen);
int codec__require_id(const char *s, const char *path, int upper_only, char *err, size_t errlen);
int codec__country(const char *s, const char *path, char *err, size_t errlen);
int codec__sector_id_valid(const char *s);
int codec__partner_fields(const PB(Partner) * p, unsigned mask, const char *path, char *err,
			  size_t errlen);
int codec__centre_fields(const PB(Centre) * c, unsigned mask, const char *path, char *err,
			 size_t errlen);
int codec__mask(char **names, size_t n, const char *const *known, const char *path, unsigned *mask,
		char *err, size_t errlen);
int codec__alliance_fields(const PB(Alliance) * a, char *err, size_t errlen);
int codec__range(uint64_t v, uint64_t min, uint64_t max, const char *path, char *err,
		 size_t errlen);
int codec__session_fields(const PB(Session) * s, char *err, size_t errlen);
int codec__deadline_fields(const PB(Deadline) * d, char *err, size_t errlen);

/* convert.c */
ProtobufCAllocator codec__arena_allocator(codec_arena_t *a);
void codec__arena_release(codec_arena_t *a);
void codec__facts_get(const PB(Centre) * c, uint8_t out[CENTRE_FACTS]);
char *codec__dup_or_empty(const char *s);
void codec__partner_from_pb(partner_t *dst, const PB(Partner) * src);
void codec__centre_pack_from_pb(centre_t *dst, const PB(Centre) * src);
void codec__sector_from_pb(sector_t *dst, const PB(Sector) * src);
void codec__interest_from_pb(interest_t *dst, const PB(SectorInterest) * src);
void codec__confirmation_from_pb(confirmation_t *dst, const PB(CommitmentState) * src);
void codec__mou_from_pb(mou_t *dst, const PB(MouContent) * src);
void codec__alliance_from_pb(alliance_t *dst, const PB(Alliance) * src);
void codec__session_from_pb(session_t *dst, const PB(Session) * src);
void codec__deadline_from_pb(deadline_t *dst, const PB(Deadline) * src);
void codec__reminder_from_pb(reminder_t *dst, const PB(Reminder) * src);
char *codec__str_or_empty(const char *s);
void codec__partner_to_pb(PB(Partner) * dst, const partner_t *src);
void codec__scratch_release(codec_scratch_t *s);
int codec__centre_to_pb(PB(Centre) * dst, const centre_t *src, codec_scratch_t *scratch);
void codec__sector_to_pb(PB(Sector) * dst, const sector_t *src);
void codec__interest_to_pb(PB(SectorInterest) * dst, const interest_t *src);
void codec__confirmation_to_pb(PB(CommitmentState) * dst, const confirmation_t *src);
int codec__alliance_to_pb(codec_alliance_t *w, const alliance_t *a, const struct state *st,
			  int64_t now_ms);
void codec__alliance_pb_release(codec_alliance_t *w);
int codec__session_to_pb(codec_session_t *w, const session_t *s);
void codec__session_pb_release(codec_session_t *w);
void codec__deadline_to_pb(PB(Deadline) * dst, const deadline_t *d);
void codec__reminder_to_pb(PB(Reminder) * dst, const reminder_t *r);
int codec__list(codec_list_t *l, size_t n, size_t item_size);

/* reply.c */
int codec__session_result(const result_t *res, PB(Reply) * reply, codec_session_result_t *w);
void codec__session_result_release(codec_session_result_t *w);

/* snapshot.c */
int codec__restore(state_t *st, event_t *ev, char *err, size_t errlen);

#endif
