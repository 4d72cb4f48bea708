/*
 * test_vetctl_commands.c - every vetctl command whose request is built
 * from its table row (clients/vetctl/build.c) reaches the daemon and gets
 * an answer: exit 0, or 1 for a refusal of the daemon's (an unknown id) -
 * never a crash, an internal error or a usage error from a row that names
 * a field the .proto does not have.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "harness.h"

static vt_daemon_t d;

static void teardown(void)
{
	vt_daemon_cleanup(&d);
}

TestSuite(vetctl_commands, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

Test(vetctl_commands, every_row_built_from_the_descriptors_is_answered)
{
	static const char *const cmds[][6] = {
	    {"status"},
	    {"metrics"},
	    {"whoami"},
	    {"principals", "reload"},
	    {"rules", "show"},
	    {"rules", "reload"},
	    {"partner", "show", "CYL"},
	    {"partner", "list"},
	    {"centre", "show", "NOPE"},
	    {"centre", "criteria", "NOPE"},
	    {"sector", "list"},
	    {"interest", "list", "--partner", "CYL"},
	    {"alliance", "join", "A9", "--centre", "NOPE"},
	    {"alliance", "leave", "A9", "--centre", "NOPE"},
	    {"alliance", "agree", "A9"},
	    {"alliance", "mou-sign", "A9", "--centre", "NOPE", "--hash"},
	    {"alliance", "show", "A9"},
	    {"alliance", "list"},
	    {"report", "alliances"},
	    {"mou", "show", "A9"},
	    {"mobility", "approve", "M9", "--by", "NOPE"},
	    {"mobility", "reject", "M9", "--by", "NOPE", "--reason"},
	    {"mobility", "start", "M9", "--by", "NOPE"},
	    {"mobility", "complete", "M9", "--by", "NOPE"},
	    {"mobility", "countersign", "M9", "--by", "NOPE"},
	    {"mobility", "cancel", "M9", "--by", "NOPE", "--reason"},
	    {"mobility", "show", "M9"},
	    {"mobility", "certificate", "M9"},
	    {"report", "sectors"},
	};

	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		const char *args[8];
		char *out = NULL, *err = NULL;
		size_t n = 0;
		int rc;

		for (size_t k = 0; k < 6 && cmds[i][k] != NULL; k++)
			args[n++] = cmds[i][k];
		/* a value for a trailing flag that takes one */
		if (n > 0 &&
		    (strcmp(args[n - 1], "--hash") == 0 || strcmp(args[n - 1], "--reason") == 0))
			args[n++] = "0123456789abcdef";
		args[n] = NULL;
		rc = vt_vetctl(&d, args, &out, &err);
		cr_assert(rc == 0 || rc == 1, "'%s %s' exited %d: %s", cmds[i][0],
			  cmds[i][1] ? cmds[i][1] : "", rc, err);
		if (rc == 1)
			cr_assert(strstr(err, "NOT_FOUND") != NULL ||
				      strstr(err, "FAILED_PRECONDITION") != NULL,
				  "'%s %s' refused for another reason: %s", cmds[i][0],
				  cmds[i][1] ? cmds[i][1] : "", err);
		free(out);
		free(err);
	}
}
