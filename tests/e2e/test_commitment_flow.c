/*
 * test_commitment_flow.c - end-to-end: commitments through the real daemon
 * with vetctl and vetwatch.  A centre confirms and withdraws commitments
 * one by one; `vetctl commitment list` shows each with who and when; every
 * refusal has its status and exit code; the stands survive a restart
 * (journal replay); vetwatch sees commitment.confirmed and
 * commitment.withdrawn in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "harness.h"

static vt_daemon_t d;

static void setup(void)
{
	if (vt_daemon_start(&d, NULL) < 0) {
		vt_daemon_cleanup(&d);
		cr_assert_fail("the daemon did not start");
	}
}

static void teardown(void)
{
	vt_daemon_cleanup(&d);
}

TestSuite(commitment_flow, .init = setup, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

#define CTL(out, err, ...) VT_CTL(&d, out, err, __VA_ARGS__)
#define CTL_OK(...)        VT_CTL_OK(&d, __VA_ARGS__)

static void register_centres(void)
{
	CTL_OK("centre", "register", "--id", "CECOA", "--name", "CECOA", "--kind", "vet-centre",
	       "--partner", "IEFP", "--country", "PT", "--sector", "international-commerce");
	CTL_OK("centre", "register", "--id", "CIFP-SEG", "--name", "CIFP Segovia", "--kind",
	       "vet-centre", "--partner", "CYL", "--country", "ES", "--region", "Segovia",
	       "--sector", "international-commerce");
}

/* The JSON of `vetctl --json commitment list --centre ID` (decref it). */
static json_t *list_json(const char *centre)
{
	char *out = NULL, *err = NULL;
	json_t *obj;
	int rc = CTL(&out, &err, "--json", "commitment", "list", "--centre", centre);

	cr_assert_eq(rc, 0, "commitment list: exit %d: %s", rc, err);
	obj = json_loads(out, 0, NULL);
	cr_assert_not_null(obj, "not JSON: %s", out);
	free(out);
	free(err);
	return obj;
}

/* The entry for `slug` in a list reply. */
static json_t *entry(json_t *reply, const char *slug)
{
	json_t *list = json_object_get(json_object_get(reply, "commitments"), "commitments");
	size_t i;
	json_t *e;

	cr_assert(json_is_array(list), "no commitments list");
	cr_assert_eq(json_array_size(list), 6, "all six commitments are listed");
	json_array_foreach(list, i, e)
	{
		json_t *c = json_object_get(e, "commitment");
		if (json_is_string(c) && strcmp(json_string_value(c), slug) == 0)
			return e;
	}
	cr_assert_fail("no entry for '%s'", slug);
	return NULL;
}

static int confirmed(json_t *e)
{
	return json_is_true(json_object_get(e, "confirmed"));
}

Test(commitment_flow, confirm_withdraw_list_and_replay)
{
	char *out = NULL, *err = NULL;
	json_t *r;
	int rc;

	register_centres();
	rc = CTL(&out, &err, "commitment", "confirm", "--centre", "CECOA", "--commitment",
		 "long-term-alliance");
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert(strstr(out, "confirmed commitment 'long-term-alliance' for centre 'CECOA'") !=
		      NULL,
		  "%s", out);
	free(out);
	free(err);
	CTL_OK("commitment", "confirm", "--centre", "CECOA", "--commitment", "digital-channels");
	CTL_OK("commitment", "confirm", "--centre", "CECOA", "--commitment", "study-visits");
	CTL_OK("commitment", "withdraw", "--centre", "CECOA", "--commitment", "study-visits");

	r = list_json("CECOA");
	cr_assert(confirmed(entry(r, "long-term-alliance")));
	cr_assert(confirmed(entry(r, "digital-channels")));
	cr_assert_not(confirmed(entry(r, "study-visits")), "withdrawn");
	cr_assert_not(confirmed(entry(r, "evaluations")), "never confirmed");
	cr_assert(json_is_string(json_object_get(entry(r, "long-term-alliance"), "actor")));
	json_decref(r);

	/* the text table: one header and six rows */
	out = err = NULL;
	rc = CTL(&out, &err, "commitment", "list", "--centre", "CECOA");
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert(strstr(out, "COMMITMENT") != NULL, "%s", out);
	cr_assert(strstr(out, "pilot-templates") != NULL, "%s", out);
	free(out);
	free(err);

	/* the other centre is untouched */
	r = list_json("CIFP-SEG");
	cr_assert_not(confirmed(entry(r, "long-term-alliance")));
	json_decref(r);

	/* replay: the stands survive a restart */
	cr_assert_eq(vt_daemon_stop(&d), 0);
	cr_assert_eq(vt_daemon_restart(&d, NULL), 0);
	r = list_json("CECOA");
	cr_assert(confirmed(entry(r, "long-term-alliance")));
	cr_assert_not(confirmed(entry(r, "study-visits")));
	json_decref(r);

	/* vetwatch catches up and sees the four events in order */
	{
		const char *argv[] = {VA_VETWATCH_PATH, "--endpoint",  d.pub_ep, "--cmd-endpoint",
				      d.cmd_ep,         "--from",      "1",      "--once",
				      "--type",         "commitment.", NULL};
		const char *want[] = {"commitment.confirmed", "commitment.confirmed",
				      "commitment.confirmed", "commitment.withdrawn"};
		const char *p;
		out = err = NULL;
		rc = vt_run(argv, NULL, &out, &err, 20000);
		cr_assert_eq(rc, 0, "vetwatch exit %d: %s", rc, err);
		p = out;
		for (size_t i = 0; i < 4; i++) {
			p = strstr(p, want[i]);
			cr_assert_not_null(p, "vetwatch: event %zu '%s' missing in order:\n%s", i,
					   want[i], out);
			p++;
		}
		cr_assert_null(strstr(p, "commitment."), "more than four events:\n%s", out);
		free(out);
		free(err);
	}
}

Test(commitment_flow, refusals)
{
	char *out = NULL, *err = NULL;
	int rc;

	register_centres();
	CTL_OK("commitment", "confirm", "--centre", "CECOA", "--commitment", "evaluations");

	rc = CTL(&out, &err, "commitment", "confirm", "--centre", "NOPE", "--commitment",
		 "evaluations");
	cr_assert_eq(rc, 1);
	cr_assert(strstr(err, "NOT_FOUND") && strstr(err, "centre 'NOPE' not found"), "%s", err);
	free(out);
	free(err);

	rc = CTL(&out, &err, "commitment", "confirm", "--centre", "CECOA", "--commitment",
		 "evaluations");
	cr_assert_eq(rc, 1);
	cr_assert(strstr(err, "ALREADY_EXISTS") &&
		      strstr(err, "centre 'CECOA' has already confirmed 'evaluations'"),
		  "%s", err);
	free(out);
	free(err);

	rc = CTL(&out, &err, "commitment", "withdraw", "--centre", "CECOA", "--commitment",
		 "pilot-templates");
	cr_assert_eq(rc, 1);
	cr_assert(strstr(err, "FAILED_PRECONDITION") && strstr(err, "nothing to withdraw"), "%s",
		  err);
	free(out);
	free(err);

	/* an unknown commitment is a usage error, naming the known ones */
	rc = CTL(&out, &err, "commitment", "confirm", "--centre", "CECOA", "--commitment",
		 "world-peace");
	cr_assert_eq(rc, 64);
	cr_assert(strstr(err, "unknown commitment 'world-peace'") &&
		      strstr(err, "long-term-alliance"),
		  "%s", err);
	free(out);
	free(err);

	rc = CTL(&out, &err, "commitment", "list", "--centre", "NOPE");
	cr_assert_eq(rc, 1);
	cr_assert(strstr(err, "NOT_FOUND"), "%s", err);
	free(out);
	free(err);

	rc = CTL(&out, &err, "commitment", "list");
	cr_assert_eq(rc, 64, "--centre is required");
	free(out);
	free(err);
}
