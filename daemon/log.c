/*
 * log - see log.h.  The level is the one process-wide setting: it is set
 * once from the command line and read by every module.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "log.h"

static int log_level = VA_LOG_INFO;

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

int log_level_parse(const char *name)
{
	static const struct {
		const char *name;
		int level;
	} names[] = {
	    {"error", VA_LOG_ERR}, {"warning", VA_LOG_WARNING}, {"notice", VA_LOG_NOTICE},
	    {"info", VA_LOG_INFO}, {"debug", VA_LOG_DEBUG},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i].name) == 0)
			return names[i].level;
	return -VA_INVALID_ARGUMENT;
}

static void log_vemit(int level, const char *fmt, va_list ap)
{
	char line[2048];
	int n;

	if (level > log_level)
		return;
	n = snprintf(line, sizeof line, "<%d>", level);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	/* One fputs per line keeps lines whole when stderr is a pipe. */
	size_t len = strlen(line);
	if (len + 1 < sizeof line) {
		line[len] = '\n';
		line[len + 1] = '\0';
	}
	fputs(line, stderr);
}

#define LOG_FN(fn, level)                                                                          \
	void fn(const char *fmt, ...)                                                              \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		log_vemit(level, fmt, ap);                                                         \
		va_end(ap);                                                                        \
	}

LOG_FN(log_err, VA_LOG_ERR)
LOG_FN(log_warn, VA_LOG_WARNING)
LOG_FN(log_notice, VA_LOG_NOTICE)
LOG_FN(log_info, VA_LOG_INFO)
LOG_FN(log_debug, VA_LOG_DEBUG)

void fatal(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vemit(VA_LOG_ERR, fmt, ap);
	va_end(ap);
	exit(status);
}
