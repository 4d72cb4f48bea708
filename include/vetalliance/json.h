/*
 * vetalliance/json.h - JSON views of the wire messages.
 *
 * One generic printer walks the protobuf-c descriptors, so every message,
 * present and future, prints the same way:
 *   - field names as in the .proto (snake_case);
 *   - enums as lower-case slugs without the enum's prefix
 *     (CENTRE_KIND_VET_CENTRE -> "vet-centre", STATUS_NOT_FOUND ->
 *     "not-found"); a value the descriptor does not know (sent by a newer
 *     peer) as its number;
 *   - 64-bit integers as JSON numbers (a uint64 above INT64_MAX as a
 *     real); fields ending in "_ms" also get a sibling ending in "_at"
 *     holding the RFC 3339 UTC time with milliseconds
 *     ("2026-03-01T09:30:00.123Z"), or null when the field is 0 (unset);
 *   - repeated fields always present, as arrays; bytes as base64;
 *   - strings as UTF-8; invalid UTF-8 sequences print as U+FFFD;
 *   - scalar fields always present (proto3 defaults included), so scripts
 *     need not know the defaults; unset message fields and the unset
 *     members of a oneof are left out.
 */
#ifndef VETALLIANCE_JSON_H
#define VETALLIANCE_JSON_H

#include <protobuf-c/protobuf-c.h>
#include <vetalliance/client.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * va_json_message - a message as one line of compact JSON.
 * Returns a string the caller frees with free(), or NULL on out of memory.
 */
char *va_json_message(const ProtobufCMessage *msg);

/*
 * va_json_event - the line vetwatch prints for an event:
 *   {"seq":N,"type":"centre.registered","time":"2026-...Z","time_ms":N,
 *    "actor":"...","request_id":"...","payload":{...}}
 * The keys come in that order; "payload" is the JSON of the payload
 * member.  An event without a payload this build knows has "type" and
 * "payload" null; "time" is null when time_ms is 0.
 * Returns a string the caller frees with free(), or NULL.
 */
char *va_json_event(const va_event_t *ev);

/*
 * va_enum_slug - the slug of an enum value ("vet-centre") written to buf.
 * Returns buf, or NULL if the value is not defined in the enum or the slug
 * and its NUL do not fit in len bytes.
 */
char *va_enum_slug(const ProtobufCEnumDescriptor *desc, int value, char *buf, size_t len);

/*
 * va_enum_from_slug - the value whose slug is `slug`.  Case and '_' for
 * '-' do not matter ("VET_CENTRE" finds "vet-centre"); the enum prefix is
 * not part of a slug.
 * Returns 0 and sets *value, or -VA_INVALID_ARGUMENT (leaving *value
 * alone) if none matches.
 */
int va_enum_from_slug(const ProtobufCEnumDescriptor *desc, const char *slug, int *value);

#ifdef __cplusplus
}
#endif
#endif
