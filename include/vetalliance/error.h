/*
 * vetalliance/error.h - the one status code set of vetalliance.
 *
 * Every fallible function of the project returns 0 (VA_OK) or a negative
 * code -VA_<NAME>.  The positive numbers are the wire Status values of
 * proto/vetalliance.proto, so a code crosses the wire unchanged.
 */
#ifndef VETALLIANCE_ERROR_H
#define VETALLIANCE_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(NAME, number, default message) */
#define VA_STATUS_MAP(X)                                                                           \
	X(OK, 0, "ok")                                                                             \
	X(INVALID_ARGUMENT, 1, "invalid argument")                                                 \
	X(NOT_FOUND, 2, "not found")                                                               \
	X(ALREADY_EXISTS, 3, "already exists")                                                     \
	X(FAILED_PRECONDITION, 4, "failed precondition")                                           \
	X(RULE_VIOLATION, 5, "rule violation")                                                     \
	X(PERMISSION_DENIED, 6, "permission denied")                                               \
	X(UNAUTHENTICATED, 7, "unauthenticated")                                                   \
	X(RESOURCE_EXHAUSTED, 8, "resource exhausted")                                             \
	X(UNAVAILABLE, 9, "unavailable")                                                           \
	X(INTERNAL, 10, "internal error")                                                          \
	X(DEADLINE_EXCEEDED, 11, "deadline exceeded")

typedef enum {
#define VA__STATUS_ENUM(name, num, msg) VA_##name = num,
	VA_STATUS_MAP(VA__STATUS_ENUM)
#undef VA__STATUS_ENUM
	    VA_STATUS_COUNT
} va_status_t;

/*
 * va_status_name - "INVALID_ARGUMENT" for VA_INVALID_ARGUMENT or
 * -VA_INVALID_ARGUMENT.  Returns a static string ("UNKNOWN" if out of
 * range); never NULL.
 */
const char *va_status_name(int code);

/*
 * va_strerror - the default human message for a code (either sign).
 * Returns a static string; never NULL.
 */
const char *va_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
