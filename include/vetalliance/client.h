/*
 * vetalliance/client.h - libvetalliance, the client side of the wire
 * contract.
 *
 * A va_client_t holds one DEALER socket connected to the daemon's command
 * endpoint.  va_client_call() sends one Request and waits for the Reply
 * with the same request_id; when no reply comes within the timeout it
 * sends the same bytes again (same request_id, so the daemon applies the
 * command at most once) until the attempts are used up.  Replies to
 * earlier, abandoned requests are recognised by their request_id and
 * dropped.
 *
 * The request and reply types are the protobuf-c structs generated from
 * proto/vetalliance.proto (header vetalliance.pb-c.h).
 *
 * Not thread-safe: use one client per thread.
 */
#ifndef VETALLIANCE_CLIENT_H
#define VETALLIANCE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "vetalliance.pb-c.h"
#include <vetalliance/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VA_DEFAULT_CMD_ENDPOINT "tcp://127.0.0.1:7700"
#define VA_DEFAULT_PUB_ENDPOINT "tcp://127.0.0.1:7701"
#define VA_REQUEST_ID_MAX       64

typedef Vetalliance__V1__Request va_request_t;
typedef Vetalliance__V1__Reply va_reply_t;
typedef Vetalliance__V1__Event va_event_t;

typedef struct va_client va_client_t;

/*
 * va_client_new - connect to the daemon's command endpoint.
 *   endpoint    ZeroMQ endpoint; NULL means VA_DEFAULT_CMD_ENDPOINT.
 *   timeout_ms  how long one attempt waits for its reply (> 0).
 *   attempts    how many times a request is sent at most (>= 1).
 * Connecting is asynchronous: an unreachable daemon shows up as
 * -VA_DEADLINE_EXCEEDED from va_client_call().
 * Returns a client to release with va_client_free(), or NULL if the
 * endpoint is malformed or out of memory.
 */
va_client_t *va_client_new(const char *endpoint, int timeout_ms, int attempts);

/* va_client_free - close the socket and free; sets *self_p to NULL.
 * Idempotent: NULL or *self_p == NULL is fine. */
void va_client_free(va_client_t **self_p);

/*
 * va_client_call - send one request and wait for its reply.
 *   req       the request; if req->request_id is empty a fresh random id
 *             is generated (the pointer stays owned by the client and
 *             lives until the next call).
 *   reply_p   on 0, receives a reply whatever its status; the caller
 *             frees it with va_reply_free().
 * Returns 0 when a reply arrived, -VA_DEADLINE_EXCEEDED when none came
 * after every attempt, -VA_INVALID_ARGUMENT if the request cannot be
 * encoded, -VA_INTERNAL on a socket failure.
 */
int va_client_call(va_client_t *self, va_request_t *req, va_reply_t **reply_p);

/* va_reply_free - free a reply from va_client_call(); sets *reply_p to
 * NULL.  Idempotent. */
void va_reply_free(va_reply_t **reply_p);

/*
 * va_request_id_new - write a fresh random request id (32 hex digits and a
 * NUL) into buf, which must hold 33 bytes.  Returns buf.
 */
char *va_request_id_new(char buf[33]);

/*
 * va_event_type - the type (and PUB topic) of an event payload field:
 * the oneof field name with its first '_' replaced by '.', e.g.
 * "centre.registered".  Writes a NUL-terminated string to buf.
 * Returns 0, or -VA_INVALID_ARGUMENT if the event has no payload or buf
 * is too small.
 */
int va_event_type(const va_event_t *ev, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
