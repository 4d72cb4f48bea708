/*
 * vetalliance/json.h - JSON views of the wire messages.
 *
 * One generic printer walks the protobuf-c descriptors, so every message,
 * present and future, prints the same way:
 *   - field names as in the .proto (snake_case);
 *   - enums as lower-case slugs without the enum's prefix
 *     (CENTRE_KIND_VET_CENTRE -> "vet-centre", STATUS_NOT_FOUND ->
 *     "not-found");
 *   - 64-bit integers as JSON numbers; fields ending in "_ms" also get a
 *     sibling ending in "_at" holding the RFC 3339 UTC time;
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
 * Returns a string the caller frees with free(), or NULL.
 */
char *va_json_event(const va_event_t *ev);

/*
 * va_enum_slug - the slug of an enum value ("vet-centre") written to buf.
 * Returns buf, or NULL if the value is not defined in the enum.
 */
char *va_enum_slug(const ProtobufCEnumDescriptor *desc, int value, char *buf, size_t len);

/*
 * va_enum_from_slug - the value whose slug is `slug`.
 * Returns 0 and sets *value, or -VA_INVALID_ARGUMENT if none matches.
 */
int va_enum_from_slug(const ProtobufCEnumDescriptor *desc, const char *slug, int *value);

#ifdef __cplusplus
}
#endif
#endif
