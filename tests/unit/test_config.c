/* test_config - daemon/config.c: defaults, the ZPL file, overrides,
 * refusals that name the key, and what a reload may change. */
#include <criterion/criterion.h>

#include <vetalliance/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops/config.h"
#include "log.h"

static char path[256];

static void write_conf(const char *text)
{
	FILE *f;

	snprintf(path, sizeof path, "%s/vt-config-%ld.conf",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void cleanup(void)
{
	if (path[0] != '\0')
		unlink(path);
}

TestSuite(config, .fini = cleanup);

Test(config, defaults)
{
	config_t c;

	cr_assert_eq(config_init(&c), 0);
	cr_expect_str_eq(c.cmd_endpoint, "tcp://127.0.0.1:7700");
	cr_expect_str_eq(c.pub_endpoint, "tcp://127.0.0.1:7701");
	cr_expect_str_eq(c.state_dir, "./var");
	cr_expect_null(c.defaults_path);
	cr_expect_eq(c.log_level, VA_LOG_INFO);
	cr_expect_eq(c.snapshot_every, 1000000u);
	cr_expect_eq(c.segment_size, 64u << 20);
	cr_expect_eq(c.max_msg_size, 65536);
	cr_expect_eq(c.dedup_window, 100000u);
	config_release(&c);
}

Test(config, file_then_overrides)
{
	config_t c;
	char err[512];
	config_override_t ov[] = {{"journal/snapshot_every", "9"}};

	write_conf("# comment\ndaemon\n    state_dir = \"/srv/va state\"\n    log_level = debug\n"
		   "journal\n    snapshot_every = 5\n    segment_size = 8192\n"
		   "limits\n    max_msg_size = 2048\n    dedup_window = 3\n");
	cr_assert_eq(config_load(&c, path, ov, 1, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(c.state_dir, "/srv/va state");
	cr_expect_eq(c.log_level, VA_LOG_DEBUG);
	cr_expect_eq(c.snapshot_every, 9u, "the flag overrides the file");
	cr_expect_eq(c.segment_size, 8192u);
	cr_expect_eq(c.max_msg_size, 2048);
	cr_expect_eq(c.dedup_window, 3u);
	config_release(&c);
}

Test(config, refusals_name_the_key)
{
	static const struct {
		const char *text, *reason;
	} bad[] = {
	    {"daemon\n    log_level = chatty\n", "'daemon/log_level': 'chatty' is not a log level"},
	    {"daemon\n    nope = 1\n", "'daemon/nope': unknown key"},
	    {"rules\n    file = x\n", "unknown section 'rules'"},
	    {"journal\n    segment_size = 100\n", "'journal/segment_size': '100' is not"},
	    {"journal\n    snapshot_every = -1\n", "'journal/snapshot_every': '-1'"},
	    {"limits\n    dedup_window = 0\n", "'limits/dedup_window': '0'"},
	    {"limits\n    max_msg_size = 99999999999\n", "'limits/max_msg_size'"},
	    {"daemon\n    cmd_endpoint = nowhere\n", "'daemon/cmd_endpoint': 'nowhere'"},
	    {"daemon\n    status_interval\n        deeper = 1\n", "two levels deep"},
	};
	config_t c;
	char err[512];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_conf(bad[i].text);
		cr_expect_eq(config_load(&c, path, NULL, 0, err, sizeof err), -VA_INVALID_ARGUMENT,
			     "case %zu", i);
		cr_expect(strstr(err, bad[i].reason) != NULL, "case %zu: '%s'", i, err);
		cr_expect(strstr(err, path) != NULL, "case %zu: no file name in '%s'", i, err);
	}
}

Test(config, missing_explicit_file_is_an_error)
{
	config_t c;
	char err[512];

	cr_expect_eq(config_load(&c, "/nonexistent/vetalliance.conf", NULL, 0, err, sizeof err),
		     -1);
	cr_expect(strstr(err, "/nonexistent/vetalliance.conf") != NULL, "%s", err);
}

Test(config, bad_override_is_refused)
{
	config_t c;
	char err[512];
	config_override_t ov[] = {{"daemon/log_level", "loud"}};

	write_conf("");
	cr_expect_eq(config_load(&c, path, ov, 1, err, sizeof err), -VA_INVALID_ARGUMENT);
	cr_expect(strstr(err, "command line") != NULL, "%s", err);
}

Test(config, reload_takes_only_the_reloadable_keys)
{
	config_t cur, next;
	char err[256];

	cr_assert_eq(config_init(&cur), 0);
	cr_assert_eq(config_init(&next), 0);
	cr_assert_eq(config_set(&next, "daemon/log_level", "debug", err, sizeof err), 0);
	cr_assert_eq(config_set(&next, "journal/snapshot_every", "0", err, sizeof err), 0);
	cr_assert_eq(config_set(&next, "daemon/status_interval", "3", err, sizeof err), 0);
	cr_assert_eq(config_set(&next, "daemon/cmd_endpoint", "ipc:///x", err, sizeof err), 0);
	cr_assert_eq(config_set(&next, "limits/max_msg_size", "4096", err, sizeof err), 0);
	cr_expect_eq(config_reload(&cur, &next), 3);
	cr_expect_eq(cur.log_level, VA_LOG_DEBUG);
	cr_expect_eq(cur.snapshot_every, 0u);
	cr_expect_eq(cur.status_interval, 3u);
	cr_expect_str_eq(cur.cmd_endpoint, "tcp://127.0.0.1:7700", "endpoints need a restart");
	cr_expect_eq(cur.max_msg_size, 65536);
	cr_expect_eq(config_reload(&cur, &next), 0, "nothing left to change");
	config_release(&cur);
	config_release(&next);
}

/* Sessions: the reminder offsets, a list of minutes. */
Test(config, session_reminders)
{
	config_t c;
	char err[256];

	write_conf("sessions\n    reminders = \"2880,60,5\"\n");
	cr_assert_eq(config_load(&c, path, NULL, 0, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(c.reminders, "2880,60,5");
	config_release(&c);
	cr_assert_eq(config_init(&c), 0);
	cr_expect_str_eq(c.reminders, "1440,60");
	cr_expect_eq(config_set(&c, "sessions/reminders", "60,-1", err, sizeof err),
		     -VA_INVALID_ARGUMENT);
	cr_expect_str_eq(err, "'sessions/reminders': '60,-1' is not a list of minutes before a "
			      "session, e.g. 1440,60");
	cr_expect_eq(config_set(&c, "sessions/reminders", "", err, sizeof err),
		     -VA_INVALID_ARGUMENT);
	cr_expect_eq(config_set(&c, "sessions/reminders", "30", err, sizeof err), 0);
	cr_expect_str_eq(c.reminders, "30");
	config_release(&c);
}
