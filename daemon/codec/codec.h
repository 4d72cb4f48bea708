/*
 * codec - the edge between the wire (protobuf-c, proto/vetalliance.proto)
 * and the state core's plain structs (state/model.h).  Nothing else in the
 * daemon includes the generated header.
 *
 * Decoding a request is also where untrusted input is judged: every string
 * must be valid UTF-8 within its length limit, every enum a defined value,
 * every list within its count limit, and each command's required fields
 * present and well formed.  Refusals name the field by its wire path
 * ("centre_register.centre.kind: unknown value 99").
 */
#ifndef VA_CODEC_H
#define VA_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "state/model.h"

#define CODEC_STRING_MAX 256 /* bytes, any string field */
#define CODEC_ID_MAX     32  /* bytes, object ids */
#define CODEC_LIST_MAX   64  /* entries, any repeated field */

typedef enum {
	QUERY_PARTNER_GET,
	QUERY_PARTNER_LIST,
	QUERY_CENTRE_GET,
	QUERY_CENTRE_LIST,
	QUERY_SECTOR_LIST,
	QUERY_INTEREST_LIST,
	QUERY_DAEMON_STATUS, /* operations: the daemon's health (metrics.h) */
	QUERY_METRICS,
	QUERY_EVENTS_SINCE, /* catch-up (feed.h): from_seq, max_events, max_bytes */
	QUERY_STATE_GET,
	QUERY_COMMITMENT_LIST, /* id: the centre */
	QUERY_ALLIANCE_GET,    /* id */
	QUERY_ALLIANCE_LIST,
	/* Answered by the server, not the state */
	QUERY_PRINCIPALS_RELOAD, /* administrators only */
	QUERY_WHOAMI,
	/* id; partner and status filter the list */
	QUERY_MOBILITY_GET,
	QUERY_MOBILITY_LIST,
	QUERY_RULES_GET,
	QUERY_RULES_RELOAD,    /* answered by the server: reads the rules file again */
	QUERY_CENTRE_CRITERIA, /* id: the centre */
	QUERY_CENTRE_MATCH,    /* sector; id (a centre) or country: the one left out */
	QUERY_SESSION_GET,     /* id */
	QUERY_SESSION_LIST,    /* id: the centre, "" all */
	QUERY_DEADLINE_LIST,
} query_type_t;

typedef struct query {
	query_type_t type;
	char *id;
	char *partner;
	char *country;
	char *sector;
	uint64_t from_seq; /* QUERY_EVENTS_SINCE; 0 limits: the defaults */
	uint32_t max_events;
	uint32_t max_bytes;
	int status; /* QUERY_MOBILITY_LIST: a mobility_status_t, 0 all */
} query_t;

/* A decoded request: either a command for state_decide or a query. */
typedef struct request {
	char *request_id;
	int is_query;
	cmd_t cmd;
	query_t query;
} request_t;

/*
 * codec_request_decode - unpack and validate one Request.
 * Returns 0 with *out filled (release with request_release), or
 * -VA_INVALID_ARGUMENT with a message in err; out->request_id is still set
 * when the request could be unpacked, so the refusal can carry it.
 */
int codec_request_decode(const void *buf, size_t len, request_t *out, char *err, size_t errlen);

/* The configurable bounds of the generic pass
 * (limits/string_max, limits/list_max); ids stay at CODEC_ID_MAX. */
typedef struct codec_limits {
	size_t string_max; /* bytes, any string but ids and request_id */
	size_t list_max;   /* entries, any repeated field */
} codec_limits_t;

/* codec_request_decode_limits - codec_request_decode() with these bounds
 * instead of CODEC_STRING_MAX and CODEC_LIST_MAX. */
int codec_request_decode_limits(const void *buf, size_t len, const codec_limits_t *lim,
				request_t *out, char *err, size_t errlen);

void request_release(request_t *req);

/* What a reply carries besides its status. */
typedef enum {
	RESULT_NONE,
	RESULT_PARTNER,
	RESULT_PARTNERS,
	RESULT_CENTRE,
	RESULT_CENTRES,
	RESULT_SECTORS,
	RESULT_INTERESTS,
	RESULT_STATE,               /* `one` is the const struct state *: every list */
	RESULT_DAEMON_STATUS,       /* one: a metrics_status_t */
	RESULT_METRICS,             /* one: the Prometheus text, a char string */
	RESULT_COMMITMENTS,         /* many: confirmation_t * */
	RESULT_ALLIANCE,            /* one: alliance_t *; with state and now_ms */
	RESULT_ALLIANCES,           /* many: alliance_t *; with state and now_ms */
	RESULT_PRINCIPAL,           /* one: a principal_t (principals.h) */
	RESULT_PRINCIPALS_RELOADED, /* one: a codec_reload_t */
	/* Readiness is computed with state and rules */
	RESULT_MOBILITY,   /* one: mobility_t * */
	RESULT_MOBILITIES, /* many: mobility_t * */
	RESULT_RULES,      /* one: rules_t * */
	RESULT_CRITERIA,   /* many: criterion_t * (state/criteria.h) */
	RESULT_SESSION,    /* one: session_t * */
	RESULT_SESSIONS,   /* many: session_t * */
	RESULT_DEADLINES,  /* many: deadline_t * */
} result_type_t;

/* What principals_reload reports (RESULT_PRINCIPALS_RELOADED). */
typedef struct codec_reload {
	uint32_t principals;
	uint32_t removed;
} codec_reload_t;

typedef struct result {
	result_type_t type;
	const void *one;         /* RESULT_PARTNER, RESULT_CENTRE */
	const void *const *many; /* the list results */
	size_t n;
	/* What is missing and the schedule are computed against
	 * this state at now_ms (the daemon's clock at query time). */
	const struct state *state;
	int64_t now_ms;
	const struct rules *rules; /* The rules in force */
} result_t;

/*
 * codec_reply_pack - encode a Reply: its bytes in *buf_p (malloc'd, the
 * caller frees) and their count in *len_p.  `status` is a VA_* code of
 * either sign.  Returns 0, or -VA_INTERNAL on out of memory (*buf_p NULL).
 */
int codec_reply_pack(const char *request_id, int status, const char *message, uint64_t seq,
		     const result_t *result, uint8_t **buf_p, size_t *len_p);
/*
 * codec_event_pack - encode an Event into a malloc'd buffer (*buf_p, the
 * caller frees) and write its type, the PUB topic ("centre.registered"),
 * to topic[topic_len].  Returns the encoded length, or 0 on failure.
 */
size_t codec_event_pack(const event_t *ev, uint8_t **buf_p, char *topic, size_t topic_len);

/*
 * codec_event_decode - the reverse, for replay: fills *out (release with
 * event_release).  Returns 0 or -VA_INVALID_ARGUMENT with a message.
 */
int codec_event_decode(const void *buf, size_t len, event_t *out, char *err, size_t errlen);

struct state;

/*
 * codec_snapshot_pack - the whole state as a StateSnapshot
 * (proto/snapshot.proto) in a malloc'd buffer (*buf_p, the caller frees).
 * Returns the length, or 0 on out of memory.
 */
size_t codec_snapshot_pack(const struct state *st, int64_t now_ms, uint8_t **buf_p);

/*
 * codec_snapshot_load - a new state rebuilt from snapshot bytes.
 * Returns 0 and *st_p (free with state_free), or -VA_INVALID_ARGUMENT
 * with a message when the bytes are not a snapshot this daemon reads.
 */
int codec_snapshot_load(const void *buf, size_t len, struct state **st_p, char *err, size_t errlen);

/* codec_time_zone_valid - whether `tz` names a zone in the system's tz
 * database (TZDIR or /usr/share/zoneinfo). */
int codec_time_zone_valid(const char *tz);

/* Field checks shared with codec_mobility.c; each returns 0 or
 * -VA_INVALID_ARGUMENT with a message that starts with `path`. */
int codec_check_required(const char *s, const char *path, char *err, size_t errlen);
int codec_check_id(const char *s, const char *path, int upper_only, char *err, size_t errlen);
int codec_sector_id_ok(const char *s);
/* codec_pack - any message's bytes, as codec_reply_pack gives a Reply's. */
int codec_pack(const ProtobufCMessage *m, uint8_t **buf_p, size_t *len_p);

#endif
