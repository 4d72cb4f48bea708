/* test_clock - daemon/clock.c: the real clock, the test clock file
 * (VETALLIANCE_FAKE_NOW_FILE) and what falls back to the real clock, and
 * the tz database check. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

static char path[256];

static void write_now(const char *text)
{
	FILE *f;

	snprintf(path, sizeof path, "%s/vt-clock-%ld", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		 (long)getpid());
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	setenv(CLOCK_FAKE_ENV, path, 1);
}

static void cleanup(void)
{
	unsetenv(CLOCK_FAKE_ENV);
	if (path[0] != '\0')
		unlink(path);
}

TestSuite(clock, .fini = cleanup);

/* The clock as the daemon sets it up, with the environment as it is now. */
static int64_t now_ms(void)
{
	va_clock_t c;

	clock_init(&c);
	return clock_now_ms(&c);
}

static int near_real(int64_t ms)
{
	int64_t real = (int64_t)time(NULL) * 1000;

	return ms > real - 5000 && ms < real + 5000;
}

Test(clock, real_and_fake)
{
	unsetenv(CLOCK_FAKE_ENV);
	cr_assert(near_real(now_ms()));
	write_now("1772409600000\n");
	cr_assert_eq(now_ms(), 1772409600000LL);
	/* the file is read again on every call */
	{
		va_clock_t c;
		clock_init(&c);
		write_now("1772409600001");
		cr_assert_eq(clock_now_ms(&c), 1772409600001LL);
	}
	/* anything unusable means the real clock */
	write_now("soon\n");
	cr_assert(near_real(now_ms()));
	write_now("-5\n");
	cr_assert(near_real(now_ms()));
	write_now("12x\n");
	cr_assert(near_real(now_ms()));
	setenv(CLOCK_FAKE_ENV, "/nonexistent/now", 1);
	cr_assert(near_real(now_ms()));
}

Test(clock, zone_valid)
{
	cr_assert(clock_zone_valid("Europe/Helsinki"));
	cr_assert(clock_zone_valid("Europe/Lisbon"));
	cr_assert(clock_zone_valid("UTC"));
	cr_assert_not(clock_zone_valid("Europe/Helsinky"));
	cr_assert_not(clock_zone_valid(""));
	cr_assert_not(clock_zone_valid(NULL));
	cr_assert_not(clock_zone_valid("/etc/passwd"));
	cr_assert_not(clock_zone_valid("../../etc/passwd"));
	cr_assert_not(clock_zone_valid("Europe")); /* a directory, not a TZif file */
}
