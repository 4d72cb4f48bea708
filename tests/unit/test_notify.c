/* test_notify - daemon/notify.c: the $NOTIFY_SOCKET address and the
 * watchdog settings, and one datagram end to end. */
#include <criterion/criterion.h>

#include <vetalliance/error.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ops/notify.h"

Test(notify, abstract_address_length_is_offset_plus_name)
{
	struct sockaddr_un sa;
	socklen_t len = 0;

	cr_assert_eq(notify_address("@vt/notify", &sa, &len), 0);
	cr_expect_eq(sa.sun_family, AF_UNIX);
	cr_expect_eq(sa.sun_path[0], '\0', "the '@' becomes a NUL");
	cr_expect_eq(memcmp(sa.sun_path + 1, "vt/notify", 9), 0);
	cr_expect_eq(len, offsetof(struct sockaddr_un, sun_path) + strlen("@vt/notify"),
		     "not sizeof(sockaddr_un): %u", (unsigned)len);
}

Test(notify, path_address_and_refusals)
{
	struct sockaddr_un sa;
	socklen_t len = 0;
	char long_path[200];

	cr_assert_eq(notify_address("/run/systemd/notify", &sa, &len), 0);
	cr_expect_str_eq(sa.sun_path, "/run/systemd/notify");
	cr_expect_eq(len, offsetof(struct sockaddr_un, sun_path) + strlen("/run/systemd/notify"));
	cr_expect_eq(notify_address("", &sa, &len), -VA_INVALID_ARGUMENT);
	cr_expect_eq(notify_address("@", &sa, &len), -VA_INVALID_ARGUMENT);
	cr_expect_eq(notify_address("relative/notify", &sa, &len), -VA_INVALID_ARGUMENT);
	cr_expect_eq(notify_address(NULL, &sa, &len), -VA_INVALID_ARGUMENT);
	memset(long_path, 'a', sizeof long_path - 1);
	long_path[0] = '/';
	long_path[sizeof long_path - 1] = '\0';
	cr_expect_eq(notify_address(long_path, &sa, &len), -VA_INVALID_ARGUMENT);
}

Test(notify, watchdog_usec_and_pid)
{
	cr_expect_eq(notify_watchdog_usec("30000000", NULL, 42), 30000000u);
	cr_expect_eq(notify_watchdog_usec("30000000", "42", 42), 30000000u);
	cr_expect_eq(notify_watchdog_usec("30000000", "43", 42), 0, "another process's watchdog");
	cr_expect_eq(notify_watchdog_usec("30000000", "", 42), 30000000u);
	cr_expect_eq(notify_watchdog_usec(NULL, "42", 42), 0);
	cr_expect_eq(notify_watchdog_usec("0", NULL, 42), 0);
	cr_expect_eq(notify_watchdog_usec("-5", NULL, 42), 0);
	cr_expect_eq(notify_watchdog_usec("12s", NULL, 42), 0);
}

Test(notify, disabled_without_notify_socket)
{
	notify_t n;
	char err[256];

	unsetenv("NOTIFY_SOCKET");
	cr_assert_eq(notify_init(&n, err, sizeof err), 0);
	cr_expect_eq(n.fd, -1);
	cr_expect_eq(notify_send(&n, "READY=1"), 0);
	cr_expect_eq(n.sent, 0);
	notify_release(&n);
}

Test(notify, sends_a_datagram_to_an_abstract_socket)
{
	struct sockaddr_un sa;
	socklen_t len;
	char name[64], buf[256], err[256];
	notify_t n;
	int fd;

	snprintf(name, sizeof name, "@vt-unit-notify-%ld", (long)getpid());
	cr_assert_eq(notify_address(name, &sa, &len), 0);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, len), 0);
	setenv("NOTIFY_SOCKET", name, 1);
	setenv("WATCHDOG_USEC", "500000", 1);
	cr_assert_eq(notify_init(&n, err, sizeof err), 0, "%s", err);
	cr_expect_eq(n.watchdog_usec, 500000u);
	cr_assert_eq(notify_send(&n, "READY=1\nSTATUS=%s", "hello"), 0);
	ssize_t got = recv(fd, buf, sizeof buf - 1, 0);
	cr_assert_gt(got, 0);
	buf[got] = '\0';
	cr_expect_str_eq(buf, "READY=1\nSTATUS=hello");
	notify_release(&n);
	close(fd);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
}
