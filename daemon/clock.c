/*
 * clock - see clock.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vetalliance/error.h>

#include "clock.h"

/* The instant in the fake clock file, or -1. */
static int64_t clock__fake(const char *path)
{
	char buf[32], *end;
	long long v;
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -VA_INVALID_ARGUMENT;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno != 0 || end == buf || v <= 0 || (*end != '\0' && *end != '\n'))
		return -VA_INVALID_ARGUMENT;
	return (int64_t)v;
}

void clock_init(va_clock_t *c)
{
	const char *fake = getenv(CLOCK_FAKE_ENV);

	c->fake_file = fake != NULL && fake[0] != '\0' ? fake : NULL;
}

int64_t clock_now_ms(const va_clock_t *c)
{
	struct timespec ts;

	if (c->fake_file != NULL) {
		int64_t v = clock__fake(c->fake_file);
		if (v > 0)
			return v;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int clock_zone_valid(const char *tz)
{
	const char *dir = getenv("TZDIR");
	char path[512], magic[4];
	int fd, ok = 0;

	if (tz == NULL || *tz == '\0' || *tz == '/' || strstr(tz, "..") != NULL)
		return 0;
	if (dir == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, tz) >= sizeof path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (read(fd, magic, 4) == 4 && memcmp(magic, "TZif", 4) == 0)
		ok = 1;
	close(fd);
	return ok;
}
