/*
 * test_session_flow.c - end-to-end: virtual-mobility sessions through the
 * real daemon and vetctl, with the daemon's clock injected through
 * VETALLIANCE_FAKE_NOW_FILE.  A session hosted in Helsinki and joined from
 * Lisbon and Warsaw shows the right local times on both sides of the
 * March and October DST changes; two vetctl processes racing for the last
 * seat: exactly one wins, every round; reminders go out at the right
 * moments, never twice across restarts, and one that fell due while the
 * daemon was down goes out once, late; the .ics export parses with
 * Python's icalendar and reflects reschedule and cancel; a virtual visit
 * attended by both members becomes the alliance's mutual visit; `report
 * sessions`; refusals with their status (unknown time zone, boundaries).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <zmq.h>

#include "harness.h"

static vt_daemon_t d;
static char clock_dir[VT_PATH_MAX];
static char clock_file[VT_PATH_MAX + 8];

#define MIN_MS  (60LL * 1000)
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS  (24 * HOUR_MS)
/* 2026-03-01 00:00 UTC */
#define MARCH_1 1772323200000LL

static void set_clock(int64_t ms)
{
	char tmp[VT_PATH_MAX + 16];
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.tmp", clock_file);
	f = fopen(tmp, "w");
	cr_assert_not_null(f);
	fprintf(f, "%lld\n", (long long)ms);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(rename(tmp, clock_file), 0);
}

static void setup(void)
{
	cr_assert_eq(vt_mkdtemp(clock_dir, sizeof clock_dir), 0);
	snprintf(clock_file, sizeof clock_file, "%s/now", clock_dir);
	set_clock(MARCH_1);
	setenv("VETALLIANCE_FAKE_NOW_FILE", clock_file, 1);
	if (vt_daemon_start(&d, NULL) < 0) {
		vt_daemon_cleanup(&d);
		cr_assert_fail("the daemon did not start");
	}
}

static void teardown(void)
{
	vt_daemon_cleanup(&d);
	vt_rm_rf(clock_dir);
}

static void teardown_zmq(void)
{
	vt_zmq_cleanup();
	teardown();
}

TestSuite(session_flow, .init = setup, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

#define CTL(out, err, ...) VT_CTL(&d, out, err, __VA_ARGS__)
#define CTL_OK(...)        VT_CTL_OK(&d, __VA_ARGS__)
#define CTL_OUT(...)       VT_CTL_OUT(&d, __VA_ARGS__)

/* A refusal: exit `code` and stderr containing `text`. */
#define CTL_FAILS(code, text, ...) ctl_fails(code, text, (const char *const[]){__VA_ARGS__, NULL})

static void ctl_fails(int code, const char *text, const char *const *args)
{
	char *out = NULL, *err = NULL;
	int rc = vt_vetctl(&d, args, &out, &err);

	cr_assert_eq(rc, code, "vetctl %s %s: exit %d, expected %d: %s", args[0], args[1], rc, code,
		     err);
	cr_assert(strstr(err, text) != NULL, "expected '%s', got: %s", text, err);
	free(out);
	free(err);
}

/* SAMI (Helsinki), CECOA (Lisbon), ZSP (Warsaw), ATEC (Lisbon). */
static void register_centres(void)
{
	CTL_OK("centre", "register", "--id", "SAMI", "--name", "Samiedu", "--kind", "vet-centre",
	       "--partner", "SAMIEDU", "--country", "FI");
	CTL_OK("centre", "register", "--id", "CECOA", "--name", "CECOA", "--kind", "vet-centre",
	       "--partner", "IEFP", "--country", "PT");
	CTL_OK("centre", "register", "--id", "ZSP", "--name", "ZSP", "--kind", "vet-centre",
	       "--partner", "STK", "--country", "PL");
	CTL_OK("centre", "register", "--id", "ATEC", "--name", "ATEC", "--kind", "vet-centre",
	       "--partner", "IEFP", "--country", "PT");
}

static void book(const char *id, const char *start, const char *capacity)
{
	CTL_OK("session", "book", "--id", id, "--host", "SAMI", "--kind", "virtual-visit",
	       "--title", "Virtual visit to Samiedu", "--start", start, "--duration", "60",
	       "--time-zone", "Europe/Helsinki", "--capacity", capacity, "--platform", "teams",
	       "--link", "https://teams.example/samiedu", "--notice", "60");
}

/* `session show ID --as C`: the line starting with `key`. */
static void expect_line(const char *id, const char *as, const char *key, const char *want)
{
	char *out = CTL_OUT("session", "show", id, "--as", as);
	char *line = strstr(out, key);

	cr_assert_not_null(line, "no '%s' in: %s", key, out);
	cr_assert(strncmp(line + strlen(key), want, strlen(want)) == 0,
		  "%s as %s: expected '%s%s', got: %.60s", id, as, key, want, line);
	free(out);
}

Test(session_flow, helsinki_session_seen_from_lisbon_and_warsaw_across_dst)
{
	register_centres();
	/* 10:00 in Helsinki the day before and on the last Sunday of March
	 * (summer time from 01:00 UTC), and around the last Sunday of October */
	book("MAR28", "2026-03-28T10:00", "10");
	book("MAR29", "2026-03-29T10:00", "10");
	book("OCT24", "2026-10-24T10:00", "10");
	book("OCT25", "2026-10-25T10:00", "10");
	CTL_OK("session", "join", "MAR28", "--centre", "CECOA", "--heads", "2");
	CTL_OK("session", "join", "MAR28", "--centre", "ZSP", "--heads", "2");

	expect_line("MAR28", "CECOA", "start:       ", "2026-03-28 08:00 WET (UTC+00:00)");
	expect_line("MAR28", "ZSP", "start:       ", "2026-03-28 09:00 CET (UTC+01:00)");
	expect_line("MAR28", "SAMI", "start:       ", "2026-03-28 10:00 EET (UTC+02:00)");
	expect_line("MAR29", "CECOA", "start:       ", "2026-03-29 08:00 WEST (UTC+01:00)");
	expect_line("MAR29", "ZSP", "start:       ", "2026-03-29 09:00 CEST (UTC+02:00)");
	expect_line("MAR29", "SAMI", "start:       ", "2026-03-29 10:00 EEST (UTC+03:00)");
	expect_line("OCT24", "CECOA", "start:       ", "2026-10-24 08:00 WEST (UTC+01:00)");
	expect_line("OCT24", "ZSP", "start:       ", "2026-10-24 09:00 CEST (UTC+02:00)");
	expect_line("OCT25", "CECOA", "start:       ", "2026-10-25 08:00 WET (UTC+00:00)");
	expect_line("OCT25", "ZSP", "start:       ", "2026-10-25 09:00 CET (UTC+01:00)");
	expect_line("OCT25", "SAMI", "host time:   ", "2026-10-25 10:00 EET (UTC+02:00)");
	/* --tz wins over --as; the stored instants are UTC */
	{
		char *out = CTL_OUT("session", "show", "MAR29", "--tz", "UTC", "--as", "ZSP");
		cr_assert(strstr(out, "start:       2026-03-29 07:00 UTC") != NULL, "%s", out);
		free(out);
		out = CTL_OUT("session", "show", "MAR28", "--json");
		cr_assert(strstr(out, "\"start_at\":\"2026-03-28T08:00:00.000Z\"") != NULL, "%s",
			  out);
		free(out);
	}
	/* a local time the clocks skip is refused by vetctl */
	CTL_FAILS(64, "does not exist in Europe/Helsinki", "session", "book", "--id", "GAP",
		  "--host", "SAMI", "--kind", "meeting", "--title", "x", "--start",
		  "2026-03-29T03:30", "--duration", "30", "--time-zone", "Europe/Helsinki",
		  "--capacity", "5");
	CTL_FAILS(64, "not a time zone", "session", "list", "--tz", "Mars/Olympus");
}

Test(session_flow, refusals_and_boundaries)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__SessionBook sb = VETALLIANCE__V1__SESSION_BOOK__INIT;
	Vetalliance__V1__Session s = VETALLIANCE__V1__SESSION__INIT;
	va_reply_t *reply = NULL;

	register_centres();
	/* the daemon names the field of an unknown zone */
	s.id = "TZ1";
	s.host = "SAMI";
	s.kind = VETALLIANCE__V1__SESSION_KIND__SESSION_KIND_MEETING;
	s.title = "Meeting";
	s.start_ms = MARCH_1 + 10 * DAY_MS;
	s.duration_min = 60;
	s.capacity = 5;
	s.time_zone = "Europe/Atlantis";
	sb.session = &s;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_SESSION_BOOK;
	req.session_book = &sb;
	cr_assert_eq(vt_call(&d, &req, &reply), 0);
	cr_assert_eq(reply->status, VETALLIANCE__V1__STATUS__STATUS_INVALID_ARGUMENT);
	cr_assert_str_eq(reply->message, "session_book.session.time_zone: 'Europe/Atlantis' is "
					 "not a time zone of the tz database");
	va_reply_free(&reply);
	CTL_FAILS(64, "not a time zone", "session", "book", "--id", "TZ2", "--host", "SAMI",
		  "--kind", "meeting", "--title", "x", "--start", "2026-03-10T10:00", "--duration",
		  "30", "--time-zone", "Europe/Atlantis", "--capacity", "5");

	/* past start, minimum notice (60 min; the clock is 1 March 00:00 UTC) */
	CTL_FAILS(1, "RULE_VIOLATION: past start", "session", "book", "--id", "P1", "--host",
		  "SAMI", "--kind", "meeting", "--title", "x", "--start", "2026-02-27T10:00Z",
		  "--duration", "30", "--time-zone", "Europe/Helsinki", "--capacity", "5");
	CTL_FAILS(1, "RULE_VIOLATION: minimum notice", "session", "book", "--id", "P1", "--host",
		  "SAMI", "--kind", "meeting", "--title", "x", "--start", "2026-03-01T00:59Z",
		  "--duration", "30", "--time-zone", "Europe/Helsinki", "--capacity", "5",
		  "--notice", "60");
	/* ends 10:00, the next starts 10:00: allowed; 09:59: refused */
	book("B1", "2026-03-10T09:00", "2");
	book("B2", "2026-03-10T10:00", "2");
	CTL_FAILS(1, "host overlap", "session", "book", "--id", "B3", "--host", "SAMI", "--kind",
		  "meeting", "--title", "x", "--start", "2026-03-10T09:59", "--duration", "30",
		  "--time-zone", "Europe/Helsinki", "--capacity", "5");
	CTL_OK("session", "join", "B1", "--centre", "ZSP", "--heads", "2");
	CTL_OK("session", "join", "B2", "--centre", "ZSP", "--heads", "1");
	/* capacity reached */
	CTL_FAILS(1, "RULE_VIOLATION: capacity: session 'B1' has 0 of 2 seats left", "session",
		  "join", "B1", "--centre", "CECOA");
	/* evaluation before the end, then once */
	CTL_FAILS(1, "FAILED_PRECONDITION: evaluation before the end", "session", "evaluate", "B1",
		  "--centre", "ZSP", "--rating", "4");
	set_clock(MARCH_1 + 9 * DAY_MS + 8 * HOUR_MS); /* 10:00 Helsinki, 10 March */
	CTL_OK("session", "evaluate", "B1", "--centre", "ZSP", "--rating", "4", "--comment",
	       "good, clear");
	CTL_FAILS(1, "ALREADY_EXISTS", "session", "evaluate", "B1", "--centre", "ZSP", "--rating",
		  "5");
	/* only the host cancels; a cancelled session is not rescheduled */
	CTL_FAILS(1, "PERMISSION_DENIED", "session", "cancel", "B2", "--by", "ZSP", "--reason",
		  "x");
	CTL_OK("session", "cancel", "B2", "--by", "SAMI", "--reason", "teacher ill");
	CTL_FAILS(1, "FAILED_PRECONDITION: session 'B2' is cancelled", "session", "reschedule",
		  "B2", "--by", "SAMI", "--start", "2026-03-20T10:00");
	CTL_FAILS(64, "expected a whole number 0..5", "session", "evaluate", "B1", "--centre",
		  "ZSP", "--rating", "9");
}

/* Two vetctl processes join the last seat at once, round after round. */
Test(session_flow, race_for_the_last_seat)
{
	char err_a[VT_PATH_MAX + 8], err_b[VT_PATH_MAX + 8];
	const int rounds = 12;

	register_centres();
	snprintf(err_a, sizeof err_a, "%s/a.err", clock_dir);
	snprintf(err_b, sizeof err_b, "%s/b.err", clock_dir);
	for (int r = 0; r < rounds; r++) {
		char id[16], start[32];
		vt_proc_t a = {0}, b = {0};
		int sa, sb;
		char *ea, *eb, *out;
		snprintf(id, sizeof id, "R%d", r);
		snprintf(start, sizeof start, "2026-04-%02dT10:00", r + 1);
		book(id, start, "3");
		CTL_OK("session", "join", id, "--centre", "ZSP", "--heads", "2");
		const char *const argv_a[] = {VA_VETCTL_PATH, "--endpoint", d.cmd_ep,
					      "session",      "join",       id,
					      "--centre",     "CECOA",      NULL};
		const char *const argv_b[] = {VA_VETCTL_PATH, "--endpoint", d.cmd_ep,
					      "session",      "join",       id,
					      "--centre",     "ATEC",       NULL};
		cr_assert_eq(vt_proc_start(&a, argv_a, NULL, err_a), 0);
		cr_assert_eq(vt_proc_start(&b, argv_b, NULL, err_b), 0);
		sa = vt_proc_wait(&a, 20000);
		sb = vt_proc_wait(&b, 20000);
		ea = vt_read_file(err_a);
		eb = vt_read_file(err_b);
		cr_assert((sa == 0 && sb == 1) || (sa == 1 && sb == 0),
			  "round %d: exits %d and %d (%s / %s)", r, sa, sb, ea, eb);
		cr_assert(strstr(sa == 1 ? ea : eb, "RULE_VIOLATION: capacity: session") != NULL,
			  "round %d: the loser's message: %s", r, sa == 1 ? ea : eb);
		free(ea);
		free(eb);
		out = CTL_OUT("session", "show", id);
		cr_assert(strstr(out, sa == 0 ? "participant: CECOA, 1 people"
					      : "participant: ATEC, 1 people") != NULL,
			  "%s", out);
		cr_assert_null(strstr(out, sa == 0 ? "ATEC" : "CECOA"), "%s", out);
		free(out);
	}
}

/* The session.reminder events so far: their count, the late ones in *late. */
static size_t reminders(size_t *late)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__EventsSince es = VETALLIANCE__V1__EVENTS_SINCE__INIT;
	va_reply_t *reply = NULL;
	size_t n = 0;

	*late = 0;
	es.from_seq = 1;
	es.max_events = 10000;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_EVENTS_SINCE;
	req.events_since = &es;
	cr_assert_eq(vt_call(&d, &req, &reply), 0);
	cr_assert_eq(reply->status, VETALLIANCE__V1__STATUS__STATUS_OK, "%s", reply->message);
	for (size_t i = 0; i < reply->events->n_events; i++) {
		const Vetalliance__V1__Event *e = reply->events->events[i];
		if (e->payload_case != VETALLIANCE__V1__EVENT__PAYLOAD_SESSION_REMINDER)
			continue;
		n++;
		*late += e->session_reminder->late;
	}
	va_reply_free(&reply);
	return n;
}

/* Waits (up to 5 s) until there are n reminders. */
static void wait_reminders(size_t n, size_t want_late)
{
	size_t got = 0, late = 0;

	for (int i = 0; i < 100 && (got = reminders(&late)) < n; i++)
		vt_sleep_ms(50);
	cr_assert_eq(got, n, "expected %zu reminders, got %zu", n, got);
	cr_assert_eq(late, want_late, "expected %zu late, got %zu", want_late, late);
}

Test(session_flow, reminders_at_the_right_moments_and_once_across_restarts)
{
	/* 12 March 10:00 Helsinki = 08:00 UTC */
	const int64_t start = MARCH_1 + 11 * DAY_MS + 8 * HOUR_MS;
	size_t late;

	register_centres();
	book("REM", "2026-03-12T10:00", "5");
	set_clock(start - DAY_MS - MIN_MS);
	vt_sleep_ms(700);
	cr_assert_eq(reminders(&late), 0, "nothing before 24 h");
	set_clock(start - DAY_MS + 1000);
	wait_reminders(1, 0);
	/* a restart does not send it again */
	cr_assert_eq(vt_daemon_stop(&d), 0);
	cr_assert_eq(vt_daemon_restart(&d, NULL), 0);
	vt_sleep_ms(700);
	wait_reminders(1, 0);
	/* the 1 h reminder falls due while the daemon is down: once, late */
	cr_assert_eq(vt_daemon_stop(&d), 0);
	set_clock(start - 30 * MIN_MS);
	cr_assert_eq(vt_daemon_restart(&d, NULL), 0);
	wait_reminders(2, 1);
	vt_daemon_kill(&d);
	cr_assert_eq(vt_daemon_restart(&d, NULL), 0);
	vt_sleep_ms(700);
	wait_reminders(2, 1);
}

/* Parses the .ics on stdin with python3-icalendar; prints one line per
 * event: UID SEQUENCE STATUS DTSTART DTEND URL SUMMARY. */
static const char ics_script[] =
    "import sys, icalendar\n"
    "data = sys.stdin.buffer.read()\n"
    "for line in data.split(b'\\r\\n')[:-1]:\n"
    "    assert len(line) <= 75, line\n"
    "    assert b'\\n' not in line\n"
    "cal = icalendar.Calendar.from_ical(data)\n"
    "assert str(cal['VERSION']) == '2.0'\n"
    "for e in cal.walk('VEVENT'):\n"
    "    print(e['UID'], int(e['SEQUENCE']), e['STATUS'],\n"
    "          e.decoded('DTSTART').strftime('%Y-%m-%dT%H:%M%z'),\n"
    "          e.decoded('DTEND').strftime('%H:%M'), e['URL'], e['SUMMARY'],\n"
    "          e.decoded('DTSTAMP').year)\n";

static char *parse_ics(const char *ics)
{
	const char *const argv[] = {"/usr/bin/python3", "-c", ics_script, NULL};
	char *out = NULL, *err = NULL;
	int rc = vt_run(argv, ics, &out, &err, 20000);

	cr_assert_eq(rc, 0, "python3 icalendar: exit %d: %s\n%s", rc, err, ics);
	free(err);
	return out;
}

Test(session_flow, ics_export_reflects_reschedule_and_cancel)
{
	char *ics, *out;

	register_centres();
	CTL_OK("session", "book", "--id", "ICS1", "--host", "SAMI", "--kind", "joint-class",
	       "--title",
	       "English class shared by FI, PT and PL; topic: \"working abroad\" \\ "
	       "Työturvallisuus ja yrittäjyys – a long title to fold",
	       "--start", "2026-03-20T10:00", "--duration", "90", "--time-zone", "Europe/Helsinki",
	       "--capacity", "30", "--link", "https://teams.example/ics1");
	CTL_OK("session", "join", "ICS1", "--centre", "CECOA", "--heads", "12");
	ics = CTL_OUT("session", "ics", "ICS1");
	cr_assert(strstr(ics, "BEGIN:VCALENDAR\r\n") == ics, "%s", ics);
	out = parse_ics(ics);
	cr_assert(strstr(out, "ICS1@vetalliance 0 CONFIRMED 2026-03-20T08:00+0000 09:30 "
			      "https://teams.example/ics1 English class shared by FI, PT and PL; "
			      "topic: \"working abroad\" \\ Työturvallisuus ja yrittäjyys – a long "
			      "title to fold 2026") == out,
		  "%s", out);
	free(out);
	free(ics);

	CTL_OK("session", "reschedule", "ICS1", "--by", "SAMI", "--start", "2026-03-27T11:00",
	       "--reason", "exam week");
	ics = CTL_OUT("session", "ics", "ICS1");
	out = parse_ics(ics);
	cr_assert(strstr(out, "ICS1@vetalliance 1 CONFIRMED 2026-03-27T09:00+0000 10:30") == out,
		  "%s", out);
	free(out);
	free(ics);

	book("ICS2", "2026-03-21T10:00", "5");
	CTL_OK("session", "cancel", "ICS1", "--by", "SAMI", "--reason", "no teacher");
	ics = CTL_OUT("session", "ics", "--all");
	out = parse_ics(ics);
	cr_assert(strstr(out, "ICS2@vetalliance 0 CONFIRMED 2026-03-21T08:00+0000") != NULL, "%s",
		  out);
	cr_assert(strstr(out, "ICS1@vetalliance 2 CANCELLED 2026-03-27T09:00+0000") != NULL, "%s",
		  out);
	free(out);
	free(ics);
	/* --participant: only the sessions CECOA joined */
	ics = CTL_OUT("session", "ics", "--participant", "CECOA");
	out = parse_ics(ics);
	cr_assert(strstr(out, "ICS1@vetalliance") != NULL && strstr(out, "ICS2") == NULL, "%s",
		  out);
	free(out);
	free(ics);
	CTL_FAILS(64, "takes one of", "session", "ics", "ICS1", "--all");
}

Test(session_flow, virtual_visit_alliance_step_and_report)
{
	char *out;
	json_t *j, *row;
	size_t i;

	register_centres();
	CTL_OK("alliance", "create", "--id", "A1", "--name", "Mechatronics", "--member", "SAMI",
	       "--member", "ZSP", "--adopt", "long-term-alliance");
	CTL_OK("alliance", "contact", "A1", "--centre", "SAMI", "--contact", "Aino");
	CTL_OK("alliance", "contact", "A1", "--centre", "ZSP", "--contact", "Jan");
	CTL_OK("commitment", "confirm", "--centre", "SAMI", "--commitment", "long-term-alliance");
	CTL_OK("commitment", "confirm", "--centre", "ZSP", "--commitment", "long-term-alliance");
	CTL_OK("alliance", "agree", "A1");
	book("V1", "2026-03-05T10:00", "10");
	CTL_OK("session", "join", "V1", "--centre", "ZSP", "--heads", "3");
	CTL_OK("session", "join", "V1", "--centre", "CECOA", "--heads", "4");
	CTL_FAILS(1, "FAILED_PRECONDITION: session 'V1' has not ended yet", "session", "visit",
		  "V1", "--alliance", "A1", "--by", "ZSP");
	set_clock(MARCH_1 + 4 * DAY_MS + 9 * HOUR_MS); /* 11:00 Helsinki, after the end */
	CTL_FAILS(1, "RULE_VIOLATION: mutual visit: member 'ZSP' did not attend", "session",
		  "visit", "V1", "--alliance", "A1", "--by", "ZSP");
	CTL_OK("session", "attendance", "V1", "--by", "SAMI", "--centre", "ZSP", "--attended", "3");
	CTL_OK("session", "attendance", "V1", "--by", "SAMI", "--centre", "CECOA", "--attended",
	       "2");
	CTL_FAILS(1, "PERMISSION_DENIED", "session", "visit", "V1", "--alliance", "A1", "--by",
		  "CECOA");
	CTL_OK("session", "visit", "V1", "--alliance", "A1", "--by", "ZSP");
	out = CTL_OUT("alliance", "show", "A1", "--json");
	cr_assert(strstr(out, "\"stage\":\"mutual-visit\"") != NULL, "%s", out);
	cr_assert(strstr(out, "\"visit_ref\":\"V1\"") != NULL, "%s", out);
	free(out);

	CTL_OK("session", "evaluate", "V1", "--centre", "ZSP", "--rating", "5");
	CTL_OK("session", "evaluate", "V1", "--centre", "CECOA", "--rating", "2");
	out = CTL_OUT("report", "sessions", "--json");
	j = json_loads(out, 0, NULL);
	cr_assert_not_null(j, "%s", out);
	json_array_foreach(json_object_get(j, "sessions"), i, row)
	{
		if (strcmp(json_string_value(json_object_get(row, "kind")), "virtual-visit") != 0)
			continue;
		cr_assert_eq(json_integer_value(json_object_get(row, "held")), 1);
		cr_assert_eq(json_integer_value(json_object_get(row, "booked")), 7);
		cr_assert_eq(json_integer_value(json_object_get(row, "attended")), 5);
		cr_assert_eq(json_integer_value(json_object_get(row, "evaluations")), 2);
		cr_assert_float_eq(json_real_value(json_object_get(row, "average_rating")), 3.5,
				   1e-9);
	}
	json_decref(j);
	free(out);
	out = CTL_OUT("report", "sessions");
	cr_assert(strstr(out, "virtual-visit") != NULL && strstr(out, "3.50") != NULL, "%s", out);
	free(out);
}

/* The deadline events so far, as "type:late" words in seq order. */
static char *deadline_events(void)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__EventsSince es = VETALLIANCE__V1__EVENTS_SINCE__INIT;
	va_reply_t *reply = NULL;
	char *buf = calloc(1, 4096);

	es.from_seq = 1;
	es.max_events = 10000;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_EVENTS_SINCE;
	req.events_since = &es;
	cr_assert_eq(vt_call(&d, &req, &reply), 0);
	for (size_t i = 0; i < reply->events->n_events; i++) {
		const Vetalliance__V1__Event *e = reply->events->events[i];
		const char *t =
		    e->payload_case == VETALLIANCE__V1__EVENT__PAYLOAD_DEADLINE_APPROACHING
			? "approaching"
		    : e->payload_case == VETALLIANCE__V1__EVENT__PAYLOAD_DEADLINE_MISSED ? "missed"
											 : NULL;
		if (t != NULL)
			snprintf(buf + strlen(buf), 4096 - strlen(buf), "%s%s:%d",
				 buf[0] ? " " : "", t, (int)e->deadline_approaching->late);
	}
	va_reply_free(&reply);
	return buf;
}

static void wait_deadline_events(const char *want)
{
	char *got = NULL;

	for (int i = 0; i < 100; i++) {
		free(got);
		got = deadline_events();
		if (strcmp(got, want) == 0)
			break;
		vt_sleep_ms(50);
	}
	cr_assert_str_eq(got, want);
	free(got);
}

static int log_has(const char *text)
{
	char *log = vt_daemon_log(&d);
	int found = log != NULL && strstr(log, text) != NULL;

	free(log);
	return found;
}

Test(session_flow, deadline_reminders_and_snapshot_restart)
{
	/* the intermediate progress report, due 28 February 2027 (UTC midnight) */
	const int64_t due = 1803772800000LL;
	const char *const snap_args[] = {"--snapshot-every", "1", NULL};
	char *out;

	register_centres();
	CTL_OK("deadline", "set", "--id", "IPR", "--title", "Intermediate progress report", "--due",
	       "2027-02-28", "--owner", "SAMIEDU", "--remind", "10080", "--remind", "1440");
	CTL_OK("deadline", "set", "--id", "DONE1", "--title", "Partner survey", "--due",
	       "2027-02-28", "--owner", "CECOA");
	CTL_OK("deadline", "done", "DONE1", "--by", "CECOA");
	CTL_FAILS(1, "PERMISSION_DENIED", "deadline", "done", "IPR", "--by", "CECOA");
	CTL_FAILS(1, "RULE_VIOLATION: past due", "deadline", "set", "--id", "OLD", "--title", "x",
		  "--due", "2026-01-01", "--owner", "CECOA");
	out = CTL_OUT("deadline", "list", "--as", "SAMI");
	cr_assert(strstr(out, "IPR              2027-02-28 02:00 EET (UTC+02:00)") != NULL, "%s",
		  out);
	free(out);
	book("SNAP", "2027-03-12T10:00", "5");

	set_clock(due - 7 * DAY_MS + 1000);
	wait_deadline_events("approaching:0");
	/* restart from a snapshot: the one sent is remembered */
	cr_assert_eq(vt_daemon_stop(&d), 0);
	cr_assert_eq(vt_daemon_restart(&d, snap_args), 0);
	CTL_OK("session", "join", "SNAP", "--centre", "ZSP"); /* a snapshot after it */
	for (int i = 0; i < 100 && !log_has("wrote a snapshot"); i++)
		vt_sleep_ms(50);
	vt_daemon_kill(&d);
	set_clock(due - 12 * HOUR_MS);
	cr_assert_eq(vt_daemon_restart(&d, NULL), 0);
	cr_assert(log_has("loaded the snapshot"), "the restart did not load a snapshot");
	wait_deadline_events("approaching:0 approaching:1");
	set_clock(due + 1000);
	wait_deadline_events("approaching:0 approaching:1 missed:0");
	out = CTL_OUT("session", "show", "SNAP");
	cr_assert(strstr(out, "participant: ZSP, 1 people") != NULL, "%s", out);
	free(out);
	vt_sleep_ms(600);
	wait_deadline_events("approaching:0 approaching:1 missed:0");
}

/* Sixteen DEALER clients send their joins at once for five seats, round
 * after round: exactly five succeed, the others are refused by capacity. */
#define RACERS 16
#define SEATS  5

Test(session_flow, many_clients_race_for_few_seats, .fini = teardown_zmq)
{
	void *sock[RACERS];
	char ids[RACERS][16];

	register_centres();
	for (int i = 0; i < RACERS; i++) {
		va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
		Vetalliance__V1__CentreRegister cr = VETALLIANCE__V1__CENTRE_REGISTER__INIT;
		Vetalliance__V1__Centre c = VETALLIANCE__V1__CENTRE__INIT;
		va_reply_t *reply = NULL;
		snprintf(ids[i], sizeof ids[i], "RC%02d", i);
		c.id = ids[i];
		c.name = ids[i];
		c.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE;
		c.partner = "STK";
		c.country = "PL";
		cr.centre = &c;
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;
		req.centre_register = &cr;
		cr_assert_eq(vt_call(&d, &req, &reply), 0);
		cr_assert_eq(reply->status, VETALLIANCE__V1__STATUS__STATUS_OK, "%s",
			     reply->message);
		va_reply_free(&reply);
		sock[i] = vt_zmq_socket(ZMQ_DEALER, d.cmd_ep);
	}
	for (int r = 0; r < 5; r++) {
		char id[16], start[32], rid[32];
		int won = 0, lost = 0;
		snprintf(id, sizeof id, "M%d", r);
		snprintf(start, sizeof start, "2026-05-%02dT10:00", r + 1);
		book(id, start, "5");
		for (int i = 0; i < RACERS; i++) {
			va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
			Vetalliance__V1__SessionJoin j = VETALLIANCE__V1__SESSION_JOIN__INIT;
			size_t len;
			uint8_t *buf;
			snprintf(rid, sizeof rid, "race-%d-%d", r, i);
			j.session = id;
			j.centre = ids[i];
			j.head_count = 1;
			req.request_id = rid;
			req.body_case = VETALLIANCE__V1__REQUEST__BODY_SESSION_JOIN;
			req.session_join = &j;
			buf = vt_request_pack(&req, &len);
			cr_assert_eq(zmq_send(sock[i], buf, len, 0), (int)len);
			free(buf);
		}
		for (int i = 0; i < RACERS; i++) {
			va_reply_t *reply = vt_zmq_recv_reply(sock[i], 20000, NULL);
			cr_assert_not_null(reply, "round %d: no reply for racer %d", r, i);
			if (reply->status == VETALLIANCE__V1__STATUS__STATUS_OK) {
				won++;
			} else {
				cr_assert_eq(reply->status,
					     VETALLIANCE__V1__STATUS__STATUS_RULE_VIOLATION);
				cr_assert(strncmp(reply->message, "capacity: session", 17) == 0,
					  "%s", reply->message);
				lost++;
			}
			va_reply_free(&reply);
		}
		cr_assert_eq(won, SEATS, "round %d: %d joined", r, won);
		cr_assert_eq(lost, RACERS - SEATS);
	}
}
