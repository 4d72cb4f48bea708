/*
 * error.c - names and default messages of the vetalliance status codes.
 *
 * Both tables are generated from VA_STATUS_MAP in <vetalliance/error.h>, so
 * a code added there gets its name and message here without an edit.  The
 * functions accept a code of either sign, since callers hold -VA_<NAME>
 * from a return value as often as VA_<NAME> from a wire Status.
 */
#include <stddef.h>

#include <vetalliance/error.h>

static const char *const status_names[] = {
#define VA__STATUS_NAME(name, num, msg) [num] = #name,
    VA_STATUS_MAP(VA__STATUS_NAME)
#undef VA__STATUS_NAME
};

static const char *const status_messages[] = {
#define VA__STATUS_MSG(name, num, msg) [num] = msg,
    VA_STATUS_MAP(VA__STATUS_MSG)
#undef VA__STATUS_MSG
};

/* index_of - the table index of a code of either sign, or -1 if unknown. */
static int index_of(int code)
{
	if (code < 0) {
		/* -INT_MIN overflows; no code is that large anyway. */
		if (code < -(int)VA_STATUS_COUNT)
			return -1;
		code = -code;
	}
	if (code >= (int)VA_STATUS_COUNT)
		return -1;
	return code;
}

const char *va_status_name(int code)
{
	int i = index_of(code);

	if (i < 0 || status_names[i] == NULL)
		return "UNKNOWN";
	return status_names[i];
}

const char *va_strerror(int code)
{
	int i = index_of(code);

	if (i < 0 || status_messages[i] == NULL)
		return "unknown status";
	return status_messages[i];
}
