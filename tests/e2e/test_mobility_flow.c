/*
 * test_mobility_flow.c - end-to-end through vetctl and the real daemon:
 * a long-term learner mobility from IEFP (Portugal) to Castilla y León
 * waits for IEFP's review, is approved by the host, goes under way, is
 * completed, certified by the host and countersigned by the sending
 * centre; `mobility show` gives the readiness checklist, `mobility
 * certificate` the document and its hash, `report mobilities` the counts
 * as table, CSV and JSON; every refusal has its status and names the rule
 * or the state; the mobilities survive a restart (replay) and a snapshot;
 * the rules file is reloaded by `rules reload` and SIGHUP, and a broken
 * file keeps the rules in force.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "harness.h"

static vt_daemon_t d;
static char scratch[VT_PATH_MAX];

static void teardown(void)
{
	vt_daemon_cleanup(&d);
	if (scratch[0] != '\0')
		vt_rm_rf(scratch);
	scratch[0] = '\0';
}

TestSuite(mobility_flow, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

static void start(const char *const *args)
{
	if (vt_daemon_start(&d, args) < 0) {
		vt_daemon_cleanup(&d);
		cr_assert_fail("the daemon did not start");
	}
}

/*
 * ctl - run vetctl; assert its exit status and that `needle` (if not
 * NULL) is in its stdout (exit 0) or stderr (otherwise).  Returns stdout
 * (free it).
 */
#define CTL(code, needle, ...) ctl(code, needle, (const char *const[]){__VA_ARGS__, NULL})

static char *ctl(int code, const char *needle, const char *const *args)
{
	char *out = NULL, *err = NULL;
	int rc = vt_vetctl(&d, args, &out, &err);
	const char *where = code == 0 ? out : err;

	cr_assert_eq(rc, code, "vetctl %s %s: exit %d, expected %d: %s%s", args[0], args[1], rc,
		     code, out ? out : "", err ? err : "");
	if (needle != NULL)
		cr_assert(where != NULL && strstr(where, needle) != NULL,
			  "vetctl %s %s: '%s' not in: %s", args[0], args[1], needle,
			  where ? where : "");
	free(err);
	return out;
}

#define OK(...)              free(CTL(0, NULL, __VA_ARGS__))
#define REFUSED(needle, ...) free(CTL(1, needle, __VA_ARGS__))

static void centres(void)
{
	OK("centre", "register", "--id", "CEFP-PORTO", "--name", "CEFP Porto", "--kind",
	   "vet-centre", "--partner", "IEFP", "--country", "PT", "--sector", "mechatronics");
	OK("centre", "register", "--id", "CIFP-JH", "--name", "CIFP Juan Herrera", "--kind",
	   "vet-centre", "--partner", "CYL", "--country", "ES", "--sector", "mechatronics");
	OK("centre", "register", "--id", "ACME", "--name", "Acme Automation", "--kind", "company",
	   "--partner", "CYL", "--country", "ES");
	OK("centre", "register", "--id", "STK-1", "--name", "STK school", "--kind", "vet-centre",
	   "--partner", "STK", "--country", "PL");
	OK("centre", "register", "--id", "SAMI-1", "--name", "SAMIedu", "--kind", "vet-centre",
	   "--partner", "SAMIEDU", "--country", "FI");
}

/* A learner mobility, sending and proposing centre `from`. */
#define PROPOSE(code, needle, id, from, to, start, end, format)                                    \
	free(CTL(code, needle, "mobility", "propose", "--id", id, "--kind", "learner",             \
		 "--participant", "learner-" id, "--sending", from, "--host", to, "--sector",      \
		 "mechatronics", "--start", start, "--end", end, "--format", format, "--by",       \
		 from))

static json_t *show_json(const char *id)
{
	char *out = CTL(0, NULL, "--json", "mobility", "show", id);
	json_t *j = json_loads(out, 0, NULL);

	cr_assert_not_null(j, "not JSON: %s", out);
	free(out);
	return j;
}

static const char *status_of(json_t *reply)
{
	return json_string_value(json_object_get(json_object_get(reply, "mobility"), "status"));
}

Test(mobility_flow, lifecycle_certificate_report_and_restart)
{
	char *out;
	json_t *j, *cert;
	char hash[32];

	start(NULL);
	centres();
	free(CTL(0, NULL, "mobility", "propose", "--id", "M1", "--kind", "learner", "--participant",
		 "PT-2022-017", "--sending", "CEFP-PORTO", "--host", "CIFP-JH", "--sector",
		 "mechatronics", "--start", "2022-01-10", "--end", "2022-04-20", "--format",
		 "physical", "--group", "porto-1", "--unit", "UC3 PLC programming", "--english",
		 "B2", "--english-required", "B1", "--fact", "company-experience=yes", "--fact",
		 "soft-landing=no", "--by", "CEFP-PORTO"));
	j = show_json("M1");
	cr_assert_str_eq(status_of(j), "needs-review");
	json_decref(j);
	out = CTL(0, NULL, "mobility", "show", "M1");
	cr_assert(strstr(out, "review       IEFP (sends-long-term): pending") != NULL, "%s", out);
	cr_assert(strstr(out, "met      company-experience") != NULL, "%s", out);
	cr_assert(strstr(out, "met      english-level       level B2, host requires B1") != NULL,
		  "%s", out);
	cr_assert(strstr(out, "unknown  soft-landing") != NULL, "%s", out);
	cr_assert(strstr(out, "3-6-months (project), erasmus-pro (Erasmus+)") != NULL, "%s", out);
	free(out);

	REFUSED("FAILED_PRECONDITION: mobility 'M1': cannot approve: it is needs-review; approve "
		"needs proposed",
		"mobility", "approve", "M1", "--by", "CIFP-JH");
	REFUSED("PERMISSION_DENIED: mobility 'M1': no review of partner 'CYL' is pending",
		"mobility", "review", "M1", "--by", "CYL", "--accept");
	OK("mobility", "review", "M1", "--by", "IEFP", "--accept");
	REFUSED("PERMISSION_DENIED: mobility 'M1': only the host institution ('CIFP-JH') may "
		"approve",
		"mobility", "approve", "M1", "--by", "CEFP-PORTO");
	OK("mobility", "approve", "M1", "--by", "CIFP-JH");
	REFUSED("cannot complete: it is approved; complete needs under-way", "mobility", "complete",
		"M1", "--by", "CIFP-JH");
	OK("mobility", "start", "M1", "--by", "CEFP-PORTO");
	REFUSED("FAILED_PRECONDITION: mobility 'M1': cannot certify: it is under-way; certify "
		"needs completed",
		"mobility", "certify", "M1", "--by", "CIFP-JH", "--activity", "x", "--outcome",
		"y");
	REFUSED("has no certificate yet", "mobility", "certificate", "M1");
	OK("mobility", "complete", "M1", "--by", "CIFP-JH");
	REFUSED("INVALID_ARGUMENT: mobility_certify.outcomes: at least one is needed", "mobility",
		"certify", "M1", "--by", "CIFP-JH", "--activity", "line assembly");
	OK("mobility", "certify", "M1", "--by", "CIFP-JH", "--activity",
	   "assembly of a conveyor line", "--activity", "maintenance rounds", "--outcome",
	   "programs and tests a PLC sequence");
	REFUSED("only the sending institution ('CEFP-PORTO') may countersign", "mobility",
		"countersign", "M1", "--by", "CIFP-JH");
	OK("mobility", "countersign", "M1", "--by", "CEFP-PORTO");
	REFUSED("ALREADY_EXISTS", "mobility", "countersign", "M1", "--by", "CEFP-PORTO");

	out = CTL(0, "CERTIFICATE OF PARTICIPATION", "mobility", "certificate", "M1");
	cr_assert(strstr(out, "  - programs and tests a PLC sequence") != NULL, "%s", out);
	cr_assert(strstr(out, "Countersigned by the sending institution: CEFP-PORTO") != NULL, "%s",
		  out);
	free(out);
	out = CTL(0, NULL, "--json", "mobility", "certificate", "M1");
	cert = json_loads(out, 0, NULL);
	cr_assert_not_null(cert, "%s", out);
	free(out);
	cr_assert_eq(strlen(json_string_value(json_object_get(cert, "hash"))), 16);
	snprintf(hash, sizeof hash, "%s", json_string_value(json_object_get(cert, "hash")));
	cr_assert_str_eq(json_string_value(json_object_get(cert, "start_date")), "2022-01-10");
	cr_assert_eq(json_array_size(json_object_get(cert, "activities")), 2);
	json_decref(cert);

	/* A second, virtual one, and a cancelled one. */
	PROPOSE(0, NULL, "M2", "CIFP-JH", "SAMI-1", "2021-02-01", "2021-02-12", "virtual");
	PROPOSE(0, NULL, "M3", "CIFP-JH", "ACME", "2022-03-01", "2022-03-10", "physical");
	REFUSED("INVALID_ARGUMENT: mobility_cancel.reason: must not be empty", "mobility", "cancel",
		"M3", "--by", "ACME");
	OK("mobility", "cancel", "M3", "--by", "ACME", "--reason", "the company closed");

	out = CTL(0, NULL, "report", "mobilities");
	cr_assert(
	    strstr(out, "IEFP            3-6-months      physical                 1      101") !=
		NULL,
	    "%s", out);
	cr_assert(strstr(out, "cancelled                1       10") != NULL, "%s", out);
	free(out);
	out = CTL(0, NULL, "report", "mobilities", "--csv");
	cr_assert(strstr(out, "table,partner,band,format,status,mobilities,days\n") == out, "%s",
		  out);
	cr_assert(strstr(out, "partner_band_format,CYL,under-4-weeks,virtual,,1,12\n") != NULL,
		  "%s", out);
	cr_assert(strstr(out, "status,,,,certified,1,101\n") != NULL, "%s", out);
	cr_assert(strstr(out, "partner_erasmus_band_format,IEFP,erasmus-pro,physical,,1,101\n") !=
		      NULL,
		  "%s", out);
	free(out);
	out = CTL(0, NULL, "--json", "report", "mobilities");
	j = json_loads(out, 0, NULL);
	cr_assert_not_null(j, "%s", out);
	cr_assert_eq(json_array_size(json_object_get(j, "by_status")), 3);
	cr_assert_eq(json_array_size(json_object_get(j, "by_partner_erasmus_band_format")), 2);
	json_decref(j);
	free(out);
	out = CTL(0, "M2", "mobility", "list", "--status", "proposed");
	cr_assert(strstr(out, "M1") == NULL, "%s", out);
	free(out);

	/* vetwatch: the mobility events of the host centre, in order. */
	{
		const char *argv[] = {
		    VA_VETWATCH_PATH, "--endpoint", d.pub_ep, "--cmd-endpoint", d.cmd_ep,
		    "--from",         "1",          "--once", "--centre",       "CIFP-JH",
		    "--type",         "mobility.",  NULL};
		const char *want[] = {
		    "mobility.proposed",  "mobility.needs_review",  "mobility.reviewed",
		    "mobility.approved",  "mobility.started",       "mobility.completed",
		    "mobility.certified", "mobility.countersigned", "mobility.proposed",
		    "mobility.proposed",  "mobility.cancelled"};
		char *p;
		cr_assert_eq(vt_run(argv, NULL, &out, NULL, 20000), 0);
		p = out;
		for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
			char needle[64];
			snprintf(needle, sizeof needle, "\"type\":\"%s\"", want[i]);
			p = strstr(p, needle);
			cr_assert_not_null(p, "no %s (in order) in: %s", want[i], out);
		}
		cr_assert_null(strstr(p + 1, "\"type\":\"mobility."), "more events: %s", out);
		free(out);
	}

	/* Restart: replayed from the journal, the certificate unchanged. */
	cr_assert_eq(vt_daemon_stop(&d), 0);
	cr_assert_eq(vt_daemon_restart(&d, NULL), 0);
	out = CTL(0, hash, "mobility", "certificate", "M1");
	free(out);
	j = show_json("M3");
	cr_assert_str_eq(status_of(j), "cancelled");
	json_decref(j);
}

Test(mobility_flow, rules_refuse_at_their_edges)
{
	start(NULL);
	centres();
	/* STK's learners: 4 weeks (blended: STK has no on-site mobilities). */
	PROPOSE(0, NULL, "P1", "STK-1", "CIFP-JH", "2021-03-01", "2021-03-28", "blended");
	PROPOSE(1, "RULE_VIOLATION: STK: max-abroad: its learners may be abroad at most 4 weeks",
		"P2", "STK-1", "CIFP-JH", "2021-03-01", "2021-03-29", "blended");
	/* SAMIedu's embargo on physical mobilities, with the hint. */
	PROPOSE(0, NULL, "F1", "CIFP-JH", "SAMI-1", "2021-06-01", "2021-06-10", "physical");
	PROPOSE(1, "RULE_VIOLATION: SAMIEDU: embargo 'until-summer-2021'", "F2", "CIFP-JH",
		"SAMI-1", "2021-05-25", "2021-05-31", "physical");
	PROPOSE(1, "make it virtual or blended", "F3", "CIFP-JH", "SAMI-1", "2021-05-25",
		"2021-06-03", "physical");
	/* Input and references. */
	PROPOSE(1,
		"INVALID_ARGUMENT: mobility_propose.mobility.end_date: 20210301 is before "
		"start_date 20210305",
		"E1", "CIFP-JH", "ACME", "2021-03-05", "2021-03-01", "virtual");
	PROPOSE(1, "NOT_FOUND: mobility.host: no centre 'NOWHERE'", "E2", "CIFP-JH", "NOWHERE",
		"2021-03-01", "2021-03-05", "virtual");
	REFUSED("NOT_FOUND: mobility.sector: no sector 'astrology'", "mobility", "propose", "--id",
		"E3", "--kind", "teacher", "--participant", "t-1", "--sending", "CIFP-JH", "--host",
		"ACME", "--sector", "astrology", "--start", "2021-03-01", "--end", "2021-03-05",
		"--format", "physical", "--by", "CIFP-JH");
	free(CTL(64, "invalid --start '2021-02-30'", "mobility", "propose", "--id", "E4", "--start",
		 "2021-02-30"));
	free(CTL(64, "unknown format 'hybrid'", "mobility", "propose", "--id", "E4", "--format",
		 "hybrid"));
	free(CTL(64, "needs one of --accept and --refuse", "mobility", "review", "P1", "--by",
		 "STK"));
	REFUSED("NOT_FOUND: mobility 'NOPE' not found", "mobility", "show", "NOPE");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static int log_has(const char *needle)
{
	char *log = vt_daemon_log(&d);
	int found = log != NULL && strstr(log, needle) != NULL;

	free(log);
	return found;
}

static int wait_log(const char *needle)
{
	for (int i = 0; i < 100; i++) {
		if (log_has(needle))
			return 0;
		vt_sleep_ms(50);
	}
	return -1;
}

/* The rules version `rules show` reports (into buf). */
static void rules_version(char *buf, size_t len)
{
	char *out = CTL(0, NULL, "--json", "rules", "show");
	json_t *j = json_loads(out, 0, NULL);

	cr_assert_not_null(j, "%s", out);
	snprintf(buf, len, "%s",
		 json_string_value(json_object_get(json_object_get(j, "rules"), "version")));
	json_decref(j);
	free(out);
}

#define RULES_2W                                                                                   \
	"mobility\n    long_term = 90d\npartners\n    STK\n        learners\n"                     \
	"            max_abroad = 2w\n"
#define RULES_3W                                                                                   \
	"mobility\n    long_term = 90d\npartners\n    STK\n        learners\n"                     \
	"            max_abroad = 3w\n"

Test(mobility_flow, rules_reload_keeps_the_old_rules_on_a_broken_file)
{
	char path[VT_PATH_MAX + 16], v1[32], v2[32], v3[32];
	json_t *j;

	cr_assert_eq(vt_mkdtemp(scratch, sizeof scratch), 0);
	snprintf(path, sizeof path, "%s/rules.zpl", scratch);
	write_file(path, RULES_2W);
	start((const char *const[]){"--rules", path, NULL});
	centres();
	rules_version(v1, sizeof v1);
	PROPOSE(0, NULL, "R1", "STK-1", "CIFP-JH", "2022-03-01", "2022-03-14", "physical");
	PROPOSE(1, "STK: max-abroad: its learners may be abroad at most 2 weeks", "R2", "STK-1",
		"CIFP-JH", "2022-03-01", "2022-03-15", "physical");

	/* Broken: the command says why, and the rules stay. */
	write_file(path, RULES_2W "            max_abroad_typo = 1w\n");
	REFUSED("INVALID_ARGUMENT: rules '", "rules", "reload");
	REFUSED("partners/STK/learners/max_abroad_typo: unknown key", "rules", "reload");
	rules_version(v2, sizeof v2);
	cr_assert_str_eq(v1, v2);
	PROPOSE(1, "at most 2 weeks", "R2", "STK-1", "CIFP-JH", "2022-03-01", "2022-03-15",
		"physical");
	/* SIGHUP with the broken file: logged, kept. */
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	cr_assert_eq(wait_log("partner rules not reloaded, keeping version"), 0);
	rules_version(v2, sizeof v2);
	cr_assert_str_eq(v1, v2);

	/* A good file on SIGHUP: the new rules decide from now on. */
	write_file(path, RULES_3W);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	cr_assert_eq(wait_log("partner rules reloaded"), 0);
	rules_version(v3, sizeof v3);
	cr_assert_str_neq(v1, v3);
	PROPOSE(0, NULL, "R2", "STK-1", "CIFP-JH", "2022-03-01", "2022-03-15", "physical");
	j = show_json("R2");
	cr_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(j, "mobility"), "rules_version")),
	    v3);
	json_decref(j);
	j = show_json("R1");
	cr_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(j, "mobility"), "rules_version")),
	    v1);
	json_decref(j);
	/* And by command. */
	write_file(path, RULES_2W);
	free(CTL(0, v1, "rules", "reload"));

	/* A rules file that cannot be read: --check-config says so, and the
	 * daemon does not start (78). */
	cr_assert_eq(vt_daemon_stop(&d), 0);
	cr_assert_eq(
	    vt_run((const char *const[]){VA_DAEMON_PATH, "--check-config", "--rules", path, NULL},
		   NULL, NULL, NULL, 20000),
	    0);
	write_file(path, "mobility\n    long_term = soon\n");
	{
		char *err = NULL;
		cr_assert_eq(vt_run((const char *const[]){VA_DAEMON_PATH, "--check-config",
							  "--rules", path, NULL},
				    NULL, NULL, &err, 20000),
			     78);
		cr_assert(strstr(err, "mobility/long_term: 'soon' is not a span") != NULL, "%s",
			  err);
		free(err);
	}
	cr_assert_lt(vt_daemon_restart(&d, (const char *const[]){"--rules", path, NULL}), 0);
	cr_assert_eq(d.exit_status, 78, "exit %d", d.exit_status);
}

Test(mobility_flow, mobilities_survive_a_snapshot)
{
	unsigned long long seq = 0;
	char wrote[128], *out;
	json_t *j;

	start((const char *const[]){"--snapshot-every", "0", NULL});
	centres();
	PROPOSE(0, NULL, "S1", "CEFP-PORTO", "CIFP-JH", "2022-01-10", "2022-04-20", "physical");
	OK("mobility", "review", "S1", "--by", "IEFP", "--accept");
	OK("mobility", "approve", "S1", "--by", "CIFP-JH");
	cr_assert_eq(vt_daemon_stop(&d), 0);
	/* Every event goes into a snapshot at the next start. */
	cr_assert_eq(vt_daemon_restart(&d, (const char *const[]){"--snapshot-every", "1", NULL}),
		     0);
	out = CTL(0, NULL, "mobility", "propose", "--id", "S2", "--kind", "teacher",
		  "--participant", "t-9", "--sending", "CIFP-JH", "--host", "ACME", "--sector",
		  "mechatronics", "--start", "2022-05-02", "--end", "2022-05-13", "--format",
		  "physical", "--by", "CIFP-JH");
	cr_assert_eq(sscanf(strstr(out, "(seq "), "(seq %llu)", &seq), 1, "%s", out);
	free(out);
	snprintf(wrote, sizeof wrote, "wrote a snapshot at seq %llu", seq);
	cr_assert_eq(wait_log(wrote), 0, "no snapshot of the last event");
	cr_assert_eq(vt_daemon_stop(&d), 0);
	cr_assert_eq(vt_daemon_restart(&d, NULL), 0);
	snprintf(wrote, sizeof wrote, "recovered to seq %llu: snapshot %llu + 0 journal events",
		 seq, seq);
	cr_assert(log_has(wrote), "not recovered from the snapshot alone");
	j = show_json("S1");
	cr_assert_str_eq(status_of(j), "approved");
	cr_assert_eq(json_array_size(json_object_get(json_object_get(j, "mobility"), "history")),
		     4);
	json_decref(j);
	j = show_json("S2");
	cr_assert_str_eq(status_of(j), "proposed");
	json_decref(j);
}
