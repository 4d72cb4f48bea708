/*
 * log - the daemon's only way to speak: one line per message on stderr,
 * prefixed with the syslog priority in angle brackets ("<4>") so journald
 * files each line at its level.  Messages are lower-case with the subject
 * quoted: log_warn("could not open '%s': %s", path, strerror(errno)).
 */
#ifndef VA_LOG_H
#define VA_LOG_H

#include <stdnoreturn.h>

enum {
	VA_LOG_ERR = 3,
	VA_LOG_WARNING = 4,
	VA_LOG_NOTICE = 5,
	VA_LOG_INFO = 6,
	VA_LOG_DEBUG = 7,
};

/* log_set_level - messages above `level` are dropped. */
void log_set_level(int level);
int log_get_level(void);

/* log_level_parse - "error", "warning", "notice", "info" or "debug".
 * Returns the level, or -VA_INVALID_ARGUMENT for anything else. */
int log_level_parse(const char *name);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* fatal - log at error level and exit(status).  Only for states the
 * daemon must not continue from (a failed fsync). */
noreturn void fatal(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
