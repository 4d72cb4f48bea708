/*
 * clock - the daemon's wall clock.  Every instant the daemon stamps on a
 * command (state_ctx_t.now_ms) and every reminder it finds due comes from
 * clock_now_ms(), so one function decides what "now" is.
 *
 * Test facility: when the environment variable VETALLIANCE_FAKE_NOW_FILE
 * names a file holding a decimal count of milliseconds since the Unix
 * epoch, that count is the time; the file is read again on every call, so
 * a test moves the clock by rewriting it (reminders due a day ahead are
 * tested without waiting a day).  An unreadable or malformed file means
 * the real clock.  Not for production use.  The variable is looked up once,
 * by clock_init(): the clock is read for every command.
 */
#ifndef VA_CLOCK_H
#define VA_CLOCK_H

#include <stdint.h>

#define CLOCK_FAKE_ENV "VETALLIANCE_FAKE_NOW_FILE"

typedef struct va_clock {
	const char *fake_file; /* NULL: the real clock */
} va_clock_t;

/* clock_init - look up the test clock file in the environment. */
void clock_init(va_clock_t *c);

/* clock_now_ms - milliseconds since the Unix epoch (UTC). */
int64_t clock_now_ms(const va_clock_t *c);

/* clock_zone_valid - whether `tz` names a zone of the system's tz
 * database (a TZif file under TZDIR, else /usr/share/zoneinfo). */
int clock_zone_valid(const char *tz);

#endif
