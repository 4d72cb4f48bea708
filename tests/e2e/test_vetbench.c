/*
 * test_vetbench - the benchmark tools work end to end: a short run
 * against a real daemon reports every request answered, a latency run
 * matches an event to every command, docs/cold-start.sh finds its state
 * again after each restart, and the consortium state seeds and carries
 * its mix.  Figures are not judged
 * here (machines are shared and noisy); docs/BENCHMARKS.md has them.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static vt_daemon_t d;

static void teardown(void)
{
	vt_daemon_cleanup(&d);
}

TestSuite(vetbench, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

static json_t *run_json(const char *const argv[])
{
	char *out = NULL, *err = NULL;
	json_error_t jerr;
	int rc = vt_run(argv, NULL, &out, &err, 120000);
	json_t *obj;

	cr_assert_eq(rc, 0, "vetbench exit %d: %s", rc, err);
	obj = json_loads(out, 0, &jerr);
	cr_assert_not_null(obj, "not JSON (%s): %s", jerr.text, out);
	free(out);
	free(err);
	return obj;
}

Test(vetbench, throughput_run_gets_every_reply)
{
	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	const char *argv[] = {
	    VA_VETBENCH_PATH, "--endpoint", d.cmd_ep, "--clients", "4", "--window", "8",
	    "--requests",     "2000",       "--json", NULL};
	json_t *r = run_json(argv);
	cr_assert_eq(json_integer_value(json_object_get(r, "replies")), 2000);
	cr_assert_eq(json_integer_value(json_object_get(r, "ok")), 2000);
	cr_assert_eq(json_integer_value(json_object_get(r, "timeouts")), 0);
	cr_assert_gt(json_real_value(json_object_get(r, "throughput_rps")), 0.0);
	json_t *lat = json_object_get(r, "latency_us");
	cr_assert(json_real_value(json_object_get(lat, "p50")) <=
		  json_real_value(json_object_get(lat, "p99")));
	json_decref(r);
	cr_assert_eq(vt_daemon_stop(&d), 0);
}

Test(vetbench, latency_run_matches_every_event)
{
	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	const char *argv[] = {VA_VETBENCH_PATH, "--latency", "--endpoint", d.cmd_ep,
			      "--pub-endpoint", d.pub_ep,    "--rate",     "500",
			      "--requests",     "300",       "--json",     NULL};
	json_t *r = run_json(argv);
	cr_assert_str_eq(json_string_value(json_object_get(r, "mode")), "latency");
	cr_assert_eq(json_integer_value(json_object_get(r, "sent")), 300);
	cr_assert_eq(json_integer_value(json_object_get(r, "ok")), 300);
	cr_assert_eq(json_integer_value(json_object_get(r, "events")), 300);
	cr_assert_eq(json_integer_value(json_object_get(r, "missing_events")), 0);
	cr_assert_eq(json_integer_value(json_object_get(r, "duplicate_events")), 0);
	const char *keys[] = {"command_to_event_us", "command_to_reply_us"};
	for (size_t i = 0; i < 2; i++) {
		json_t *lat = json_object_get(r, keys[i]);
		cr_assert(json_is_object(lat), "%s missing", keys[i]);
		cr_assert_eq(json_integer_value(json_object_get(lat, "count")), 300);
		cr_assert(json_real_value(json_object_get(lat, "p50")) > 0.0);
		cr_assert(json_real_value(json_object_get(lat, "p50")) <=
			  json_real_value(json_object_get(lat, "p99")));
		cr_assert(json_real_value(json_object_get(lat, "p99")) <=
			  json_real_value(json_object_get(lat, "p99_9")));
	}
	json_decref(r);
	cr_assert_eq(vt_daemon_stop(&d), 0);
}

/* docs/cold-start.sh, the cold-start driver: it fills a state through
 * vetbench, restarts the daemon and finds the same last seq each time. */
Test(vetbench, cold_start_finds_the_state_again)
{
	char bin[VT_PATH_MAX], *slash, *out = NULL, *err = NULL;
	const char *argv[] = {"/bin/sh", VA_SOURCE_DIR "/docs/cold-start.sh", NULL};
	int rc;

	snprintf(bin, sizeof bin, "%s", VA_DAEMON_PATH);
	slash = strrchr(bin, '/');
	cr_assert_not_null(slash);
	*slash = '\0';
	setenv("B", bin, 1);
	setenv("EVENTS", "3000", 1);
	setenv("REPEAT", "2", 1);
	rc = vt_run(argv, NULL, &out, &err, 120000);
	unsetenv("B");
	unsetenv("EVENTS");
	unsetenv("REPEAT");
	cr_assert_eq(rc, 0, "cold-start.sh exit %d: %s%s", rc, out, err);
	cr_assert(strstr(out, "the state came back each time") != NULL, "%s", out);
	cr_assert(strstr(out, "last seq ") != NULL, "%s", out);
	free(out);
	free(err);
}

/*
 * The consortium state at a small scale, made through the daemon with
 * its clock moved year by year: every seed command is accepted (a rule
 * or a date the seed does not respect fails it), the state holds what
 * the seed says, and the consortium mix on it then gets no refusal.
 */
Test(vetbench, the_consortium_state_seeds_and_the_mix_runs_on_it)
{
	char dir[VT_PATH_MAX], clock[VT_PATH_MAX + 16];
	FILE *f;
	json_t *r;

	cr_assert_eq(vt_mkdtemp(dir, sizeof dir), 0);
	snprintf(clock, sizeof clock, "%s/clock", dir);
	f = fopen(clock, "w");
	cr_assert_not_null(f);
	fputs("1483315200000\n", f);
	cr_assert_eq(fclose(f), 0);
	setenv("VETALLIANCE_FAKE_NOW_FILE", clock, 1);
	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	{
		const char *argv[] = {VA_VETBENCH_PATH, "--seed",       "consortium", "--scale",
				      "0.01",           "--clock-file", clock,        "--endpoint",
				      d.cmd_ep,         "--json",       NULL};
		r = run_json(argv);
	}
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "sizes"), "centres")),
		     50);
	cr_assert_gt(json_integer_value(json_object_get(r, "commands")), 2000);
	json_decref(r);
	{
		char *out = VT_CTL_OUT(&d, "--json", "centre", "show", "C0050");
		cr_assert(strstr(out, "Coordinator of C0050") != NULL, "%s", out);
		free(out);
		out = VT_CTL_OUT(&d, "--json", "mobility", "show", "M2019-00001");
		cr_assert(strstr(out, "\"status\"") != NULL, "%s", out);
		free(out);
	}
	{
		const char *argv[] = {
		    VA_VETBENCH_PATH, "--mix",      "consortium", "--scale", "0.01",
		    "--clients",      "5",          "--window",   "2",       "--requests",
		    "1500",           "--endpoint", d.cmd_ep,     "--json",  NULL};
		r = run_json(argv);
	}
	cr_assert_eq(json_integer_value(json_object_get(r, "replies")), 1500);
	cr_assert_eq(json_integer_value(json_object_get(r, "ok")), 1500, "the mix was refused: %s",
		     json_dumps(json_object_get(r, "errors"), 0));
	json_decref(r);
	unsetenv("VETALLIANCE_FAKE_NOW_FILE");
	cr_assert_eq(vt_daemon_stop(&d), 0);
	vt_rm_rf(dir);
}
