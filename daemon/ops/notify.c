/*
 * notify - see notify.h.  The socket is non-blocking: the service manager
 * reads its notification socket promptly, and a message it cannot take
 * must not stall the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vetalliance/error.h>

#include "log.h"
#include "ops/notify.h"

int notify_address(const char *value, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n;

	if (value == NULL || (value[0] != '/' && value[0] != '@'))
		return -VA_INVALID_ARGUMENT;
	n = strlen(value);
	if (n < 2 || n > sizeof sa->sun_path)
		return -VA_INVALID_ARGUMENT;
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, value, n);
	if (sa->sun_path[0] == '@')
		sa->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	return 0;
}

uint64_t notify_watchdog_usec(const char *usec, const char *pid, pid_t self)
{
	unsigned long long v;
	char *end;

	if (usec == NULL || usec[0] < '0' || usec[0] > '9')
		return 0;
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0)
		return 0;
	if (pid != NULL && pid[0] != '\0') {
		long p = strtol(pid, &end, 10);
		if (*end != '\0' || p != (long)self)
			return 0;
	}
	return v;
}

int notify_init(notify_t *n, char *err, size_t errlen)
{
	const char *path = getenv("NOTIFY_SOCKET");

	memset(n, 0, sizeof *n);
	n->fd = -1;
	if (path == NULL || path[0] == '\0')
		return 0;
	if (notify_address(path, &n->addr, &n->addr_len) < 0) {
		snprintf(err, errlen, "NOTIFY_SOCKET '%s' is not an absolute path or '@' name",
			 path);
		return -VA_INVALID_ARGUMENT;
	}
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n->fd < 0) {
		snprintf(err, errlen, "could not open a socket for '%s': %s", path,
			 strerror(errno));
		return -VA_INTERNAL;
	}
	n->watchdog_usec =
	    notify_watchdog_usec(getenv("WATCHDOG_USEC"), getenv("WATCHDOG_PID"), getpid());
	return 0;
}

int notify_send(notify_t *n, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int len;

	if (n->fd < 0)
		return 0;
	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -VA_INTERNAL;
	if ((size_t)len >= sizeof buf)
		len = (int)sizeof buf - 1;
	if (sendto(n->fd, buf, (size_t)len, MSG_NOSIGNAL, (const struct sockaddr *)&n->addr,
		   n->addr_len) < 0) {
		log_debug("could not notify the service manager: %s", strerror(errno));
		return -VA_INTERNAL;
	}
	n->sent++;
	return 0;
}

static void notify__ping(uv_timer_t *t)
{
	notify_send(t->data, "WATCHDOG=1");
}

void notify_watchdog_start(notify_t *n, uv_loop_t *loop)
{
	uint64_t ms;

	if (n->fd < 0 || n->watchdog_usec == 0 || n->timer_init)
		return;
	ms = n->watchdog_usec / 2000;
	if (ms == 0)
		ms = 1;
	uv_timer_init(loop, &n->watchdog);
	n->watchdog.data = n;
	n->timer_init = 1;
	notify_send(n, "WATCHDOG=1");
	uv_timer_start(&n->watchdog, notify__ping, ms, ms);
	log_info("watchdog: pinging the service manager every %llu ms", (unsigned long long)ms);
}

void notify_release(notify_t *n)
{
	if (n->timer_init) {
		uv_timer_stop(&n->watchdog);
		uv_close((uv_handle_t *)&n->watchdog, NULL);
		n->timer_init = 0;
	}
	if (n->fd >= 0) {
		close(n->fd);
		n->fd = -1;
	}
}
