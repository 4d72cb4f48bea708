/*
 * notify - the sd_notify(3) protocol without libsystemd: state changes
 * for the service manager as AF_UNIX datagrams to $NOTIFY_SOCKET.
 *
 *   READY=1       state loaded and both endpoints bound
 *   STATUS=...    a one-line summary, shown by `systemctl status`
 *   WATCHDOG=1    from a loop timer at half $WATCHDOG_USEC, so a stuck
 *                 loop stops the pings and systemd restarts the daemon
 *   RELOADING=1   SIGHUP received (READY=1 follows once it is handled)
 *   STOPPING=1    SIGTERM received, draining
 *
 * A $NOTIFY_SOCKET starting with '@' names an abstract socket (the '@'
 * becomes a NUL byte); the address length is offsetof(sun_path) plus the
 * name's length, never sizeof(struct sockaddr_un), or an abstract name
 * would carry trailing NULs and name a different socket.  Without
 * $NOTIFY_SOCKET every call is a no-op.  The watchdog runs only when
 * $WATCHDOG_USEC is set and $WATCHDOG_PID, if set, is our pid.
 */
#ifndef VA_NOTIFY_H
#define VA_NOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <uv.h>

typedef struct notify {
	int fd; /* -1: no service manager to tell */
	struct sockaddr_un addr;
	socklen_t addr_len;
	uint64_t watchdog_usec; /* 0: no watchdog */
	uv_timer_t watchdog;
	int timer_init;
	uint64_t sent; /* datagrams sent */
} notify_t;

/*
 * notify_init - read $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID and
 * open the datagram socket.  Returns 0 (also when $NOTIFY_SOCKET is unset:
 * n is then disabled), or -VA_INVALID_ARGUMENT (or -VA_INTERNAL) with a message in err when the
 * variable is set but unusable (the daemon logs it and runs on without notifying).
 */
int notify_init(notify_t *n, char *err, size_t errlen);

/* notify_send - send one datagram: newline-separated "KEY=value"
 * assignments.  Returns 0 (also when disabled), or -VA_INTERNAL if it failed. */
int notify_send(notify_t *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* notify_watchdog_start - send WATCHDOG=1 every watchdog_usec / 2 from a
 * timer on loop; nothing when there is no watchdog. */
void notify_watchdog_start(notify_t *n, uv_loop_t *loop);

/* notify_release - close the timer (the loop must run once more to
 * finish closing it) and the socket.  Idempotent. */
void notify_release(notify_t *n);

/*
 * notify_address - fill *sa and *len from a $NOTIFY_SOCKET value: an
 * absolute path, or '@' and an abstract name.  Returns 0, or -VA_INVALID_ARGUMENT if the
 * value is empty, relative, or too long.
 */
int notify_address(const char *value, struct sockaddr_un *sa, socklen_t *len);

/*
 * notify_watchdog_usec - the watchdog interval from the values of
 * $WATCHDOG_USEC and $WATCHDOG_PID (either may be NULL) for process
 * `self`.  Returns 0 when there is no watchdog for us: no or a malformed
 * interval, or a pid that is not ours.
 */
uint64_t notify_watchdog_usec(const char *usec, const char *pid, pid_t self);

#endif
