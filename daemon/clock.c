/*
 * clock - see clock.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"

/* The instant in the fake clock file, or -1. */
static int64_t clock__fake(const char *path)
{
	char buf[32], *end;
	long long v;
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno != 0 || end == buf || v <= 0 || (*end != '\0' && *end != '\n'))
		return -1;
	return (int64_t)v;
}

int64_t clock_now_ms(void)
{
	const char *fake = getenv(CLOCK_FAKE_ENV);
	struct timespec ts;

	if (fake != NULL && fake[0] != '\0') {
		int64_t v = clock__fake(fake);
		if (v > 0)
			return v;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
