/* test_config_security - daemon/ops/config.c: the security keys
 * (limits/string_max, list_max, alliance_members, in_flight and the
 * security section), their bounds, and the systemd credentials that
 * stand in for an unset server key and principals file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops/config.h"

static char dir[256], path[300];

static void setup(void)
{
	snprintf(dir, sizeof dir, "%s/vt-config-sec-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/vetalliance.conf", dir);
}

static void teardown(void)
{
	char p[320];

	unsetenv("CREDENTIALS_DIRECTORY");
	unlink(path);
	snprintf(p, sizeof p, "%s/server.key_secret", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/principals", dir);
	unlink(p);
	rmdir(dir);
}

TestSuite(config_security, .init = setup, .fini = teardown);

static void write_file(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(config_security, defaults_and_file)
{
	config_t c;
	char err[512];

	cr_assert_eq(config_init(&c), 0);
	cr_expect_eq(c.string_max, 256u);
	cr_expect_eq(c.list_max, 64u);
	cr_expect_eq(c.alliance_members, 64u);
	cr_expect_eq(c.in_flight, 100000u);
	cr_expect_null(c.server_key);
	cr_expect_null(c.principals);
	cr_expect_eq(c.require_keys, 0u);
	config_release(&c);

	write_file(path, "limits\n    string_max = 40\n    list_max = 3\n"
			 "    alliance_members = 2\n    in_flight = 1\n"
			 "security\n    server_key = \"/k/server.key_secret\"\n"
			 "    principals = \"/k/principals\"\n    require_keys = 1\n");
	cr_assert_eq(config_load(&c, path, NULL, 0, err, sizeof err), 0, "%s", err);
	cr_expect_eq(c.string_max, 40u);
	cr_expect_eq(c.list_max, 3u);
	cr_expect_eq(c.alliance_members, 2u);
	cr_expect_eq(c.in_flight, 1u);
	cr_expect_str_eq(c.server_key, "/k/server.key_secret");
	cr_expect_str_eq(c.principals, "/k/principals");
	cr_expect_eq(c.require_keys, 1u);
	config_release(&c);
}

Test(config_security, bounds_name_the_key)
{
	config_t c;
	char err[512];

	cr_assert_eq(config_init(&c), 0);
	cr_expect_lt(config_set(&c, "limits/string_max", "31", err, sizeof err), 0);
	cr_expect(strstr(err, "'limits/string_max'") != NULL, "%s", err);
	cr_expect_eq(config_set(&c, "limits/string_max", "32", err, sizeof err), 0);
	cr_expect_lt(config_set(&c, "limits/in_flight", "0", err, sizeof err), 0);
	cr_expect_lt(config_set(&c, "limits/alliance_members", "1", err, sizeof err), 0);
	cr_expect_lt(config_set(&c, "security/require_keys", "2", err, sizeof err), 0);
	cr_expect_lt(config_set(&c, "security/server_key", "", err, sizeof err), 0);
	config_release(&c);
}

Test(config_security, systemd_credentials_fill_unset_keys)
{
	config_t c;
	char err[512], p[320];

	snprintf(p, sizeof p, "%s/server.key_secret", dir);
	write_file(p, "x");
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	write_file(path, "daemon\n");
	cr_assert_eq(config_load(&c, path, NULL, 0, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(c.server_key, p);
	cr_expect_null(c.principals, "no principals credential, no principals");
	config_release(&c);
	/* An explicit key wins over the credential. */
	write_file(path, "security\n    server_key = \"/elsewhere\"\n");
	cr_assert_eq(config_load(&c, path, NULL, 0, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(c.server_key, "/elsewhere");
	config_release(&c);
}
