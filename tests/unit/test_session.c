/*
 * test_session.c - daemon/state/session.c through the state core: booking
 * rules (past start, minimum notice, host and participant overlap at the
 * exact boundary, capacity), join and leave, cancel and reschedule (who
 * may, the sequence and the link to the previous start), attendance and
 * evaluation (only after the end, once), deadlines, the reminders due at
 * each instant and sent once, a virtual visit recorded as an alliance's
 * mutual visit; the wire (event topics, request refusals naming the
 * field, an unknown time zone) and the snapshot round trip.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "codec/codec.h"
#include "state/alliance.h"
#include "state/model.h"
#include "state/session.h"
#include "state/state.h"
#include "statetest.h"
#include "vetalliance.pb-c.h"

#define PB(name) Vetalliance__V1__##name
#define MIN_MS   (60LL * 1000)
#define HOUR_MS  (60 * MIN_MS)
#define DAY_MS   (24 * HOUR_MS)
/* 2026-03-02 00:00 UTC: "today" of the tests; sessions are on later days. */
#define T0 1772409600000LL
/* 09:00 UTC on day d after T0. */
#define AT(d, h, m) (T0 + (d)*DAY_MS + (h)*HOUR_MS + (m)*MIN_MS)

static char err[512];

static int run(state_t *st, cmd_t cmd, int64_t now_ms, evlist_t *log)
{
	return st_run(st, cmd, now_ms, "tester", log, err, sizeof err);
}

static void run_ok(state_t *st, cmd_t cmd, int64_t now_ms, evlist_t *log)
{
	int rc = run(st, cmd, now_ms, log);

	cr_assert_eq(rc, 0, "command refused (%d): %s", rc, err);
}

static void centre(state_t *st, const char *id, const char *partner)
{
	cmd_t c = {.type = CMD_CENTRE_REGISTER};

	c.u.centre.id = model_strdup(id);
	c.u.centre.name = model_strdup(id);
	c.u.centre.kind = CENTRE_KIND_VET_CENTRE;
	c.u.centre.partner = model_strdup(partner);
	c.u.centre.country = model_strdup(partner);
	run_ok(st, c, T0, NULL);
}

/* Partner FI with the host SAMI; PT with CECOA; PL with STK1. */
static state_t *fixture(void)
{
	static const char *const partners[][2] = {
	    {"FI", "Europe/Helsinki"}, {"PT", "Europe/Lisbon"}, {"PL", "Europe/Warsaw"}};
	state_t *st = state_new();

	for (size_t i = 0; i < 3; i++) {
		cmd_t p = {.type = CMD_PARTNER_REGISTER};
		p.u.partner.id = model_strdup(partners[i][0]);
		p.u.partner.name = model_strdup(partners[i][0]);
		p.u.partner.country = model_strdup(partners[i][0]);
		p.u.partner.time_zone = model_strdup(partners[i][1]);
		run_ok(st, p, T0, NULL);
	}
	centre(st, "SAMI", "FI");
	centre(st, "CECOA", "PT");
	centre(st, "STK1", "PL");
	return st;
}

static cmd_t book(const char *id, const char *host, int64_t start, uint32_t minutes,
		  uint32_t capacity)
{
	cmd_t c = {.type = CMD_SESSION_BOOK};
	session_t *s = &c.u.session;

	s->id = model_strdup(id);
	s->host = model_strdup(host);
	s->kind = SESSION_KIND_VIRTUAL_VISIT;
	s->title = model_strdup("Virtual visit");
	s->language = model_strdup("en");
	s->platform = model_strdup("teams");
	s->link = model_strdup("https://teams.example/x");
	s->start_ms = start;
	s->duration_min = minutes;
	s->time_zone = model_strdup("Europe/Helsinki");
	s->capacity = capacity;
	s->min_notice_min = 120;
	return c;
}

static cmd_t scmd(cmd_type_t type, const char *session, const char *centre, const char *by)
{
	cmd_t c = {.type = type};

	c.u.scmd.session = model_strdup(session);
	c.u.scmd.centre = model_strdup(centre);
	c.u.scmd.by = model_strdup(by);
	return c;
}

static cmd_t join(const char *session, const char *centre_id, uint32_t heads)
{
	cmd_t c = scmd(CMD_SESSION_JOIN, session, centre_id, NULL);

	c.u.scmd.head_count = heads;
	return c;
}

static cmd_t reschedule(const char *session, const char *by, int64_t start)
{
	cmd_t c = scmd(CMD_SESSION_RESCHEDULE, session, NULL, by);

	c.u.scmd.start_ms = start;
	c.u.scmd.reason = model_strdup("strike");
	return c;
}

static cmd_t evaluate(const char *session, const char *centre_id, uint32_t rating)
{
	cmd_t c = scmd(CMD_SESSION_EVALUATE, session, centre_id, NULL);

	c.u.scmd.rating = rating;
	c.u.scmd.comment = model_strdup("useful");
	return c;
}

static cmd_t attendance(const char *session, const char *by, const char *centre_id,
			uint32_t attended)
{
	cmd_t c = scmd(CMD_SESSION_ATTENDANCE, session, centre_id, by);

	c.u.scmd.attended = attended;
	return c;
}

static const session_t *get(const state_t *st, const char *id)
{
	const session_t *s = sessions_get(state_sessions(st), id);

	cr_assert_not_null(s, "no session '%s'", id);
	return s;
}

/* ------------------------------------------------------------ booking */

Test(session, book_rules_and_host_overlap_boundary)
{
	state_t *st = fixture();
	uint64_t seq;

	run_ok(st, book("S1", "SAMI", AT(5, 9, 0), 60, 20), T0, NULL);
	cr_assert_eq(get(st, "S1")->status, SESSION_SCHEDULED);
	cr_assert_eq(get(st, "S1")->original_start_ms, AT(5, 9, 0));
	cr_assert_eq(get(st, "S1")->created_ms, T0);
	seq = state_last_seq(st);

	cr_assert_eq(run(st, book("S1", "SAMI", AT(6, 9, 0), 60, 20), T0, NULL),
		     -VA_ALREADY_EXISTS);
	cr_assert_eq(run(st, book("S2", "NOBODY", AT(6, 9, 0), 60, 20), T0, NULL), -VA_NOT_FOUND);
	cr_assert_str_eq(err, "session.host: no centre 'NOBODY'");
	/* nothing in the past, nor at now */
	cr_assert_eq(run(st, book("S2", "SAMI", T0 - MIN_MS, 60, 20), T0, NULL),
		     -VA_RULE_VIOLATION);
	cr_assert(strncmp(err, "past start:", 11) == 0, "%s", err);
	cr_assert_eq(run(st, book("S2", "SAMI", T0, 60, 20), T0, NULL), -VA_RULE_VIOLATION);
	/* minimum notice: 120 minutes; 119 is refused, 120 is fine */
	cr_assert_eq(run(st, book("S2", "SAMI", T0 + 119 * MIN_MS, 60, 20), T0, NULL),
		     -VA_RULE_VIOLATION);
	cr_assert(strncmp(err, "minimum notice:", 15) == 0, "%s", err);
	/* the host: one that starts at 09:59, before S1 ends at 10:00, is refused */
	cr_assert_eq(run(st, book("S2", "SAMI", AT(5, 9, 59), 60, 20), T0, NULL),
		     -VA_RULE_VIOLATION);
	cr_assert(strstr(err, "host overlap: 'SAMI' is already in session 'S1'") != NULL, "%s",
		  err);
	/* one that ends as S1 starts, too */
	cr_assert_eq(run(st, book("S2", "SAMI", AT(5, 8, 30), 31, 20), T0, NULL),
		     -VA_RULE_VIOLATION);
	cr_assert_eq(state_last_seq(st), seq, "refusals applied nothing");
	/* ends 10:00, the next starts 10:00: allowed; and one ending 09:00 too */
	run_ok(st, book("S2", "SAMI", AT(5, 10, 0), 60, 20), T0, NULL);
	run_ok(st, book("S3", "SAMI", AT(5, 8, 0), 60, 20), T0, NULL);
	run_ok(st, book("S4", "SAMI", T0 + 120 * MIN_MS, 30, 20), T0, NULL);
	state_free(&st);
}

Test(session, join_capacity_overlap_and_leave)
{
	state_t *st = fixture();
	const session_t *s;

	run_ok(st, book("S1", "SAMI", AT(5, 9, 0), 60, 10), T0, NULL);
	run_ok(st, book("P1", "CECOA", AT(5, 10, 0), 60, 10), T0, NULL);
	run_ok(st, book("P2", "CECOA", AT(5, 7, 0), 120, 10), T0, NULL);
	run_ok(st, join("S1", "STK1", 6), T0, NULL);
	s = get(st, "S1");
	cr_assert_eq(s->n_participants, 1);
	cr_assert_eq(s->participants[0].head_count, 6);
	cr_assert_eq(s->participants[0].joined_ms, T0);

	/* capacity: 4 seats left */
	cr_assert_eq(run(st, join("S1", "CECOA", 5), T0, NULL), -VA_RULE_VIOLATION);
	cr_assert_str_eq(err, "capacity: session 'S1' has 4 of 10 seats left, 5 asked");
	/* the participant CECOA hosts P2 until 09:00 and P1 from 10:00: fine */
	run_ok(st, join("S1", "CECOA", 4), T0, NULL);
	cr_assert_eq(run(st, join("S1", "CECOA", 1), T0, NULL), -VA_ALREADY_EXISTS);
	/* full now */
	run_ok(st, book("S2", "SAMI", AT(6, 9, 0), 60, 10), T0, NULL);
	cr_assert_eq(run(st, join("S1", "SAMI", 1), T0, NULL), -VA_FAILED_PRECONDITION);
	/* a participant may not be in two overlapping sessions: STK1 is in S1
	 * 09:00-10:00; P1 at 10:00 is fine, a session at 09:59 is not */
	run_ok(st, join("P1", "STK1", 1), T0, NULL);
	run_ok(st, book("S5", "SAMI", AT(7, 9, 0), 60, 10), T0, NULL);
	run_ok(st, book("Q1", "CECOA", AT(7, 9, 59), 60, 10), T0, NULL);
	run_ok(st, join("S5", "STK1", 1), T0, NULL);
	cr_assert_eq(run(st, join("Q1", "STK1", 1), T0, NULL), -VA_RULE_VIOLATION);
	cr_assert(strstr(err, "participant overlap: 'STK1' is already in session 'S5'") != NULL,
		  "%s", err);
	/* the minimum notice closes joining too */
	cr_assert_eq(run(st, join("S2", "STK1", 1), AT(6, 7, 1), NULL), -VA_RULE_VIOLATION);
	cr_assert(strncmp(err, "minimum notice:", 15) == 0, "%s", err);
	cr_assert_eq(run(st, join("NOPE", "STK1", 1), T0, NULL), -VA_NOT_FOUND);
	cr_assert_eq(run(st, join("S2", "NOBODY", 1), T0, NULL), -VA_NOT_FOUND);

	/* leave frees the seats; not after the start; not twice */
	run_ok(st, scmd(CMD_SESSION_LEAVE, "S1", "CECOA", NULL), T0, NULL);
	cr_assert_eq(get(st, "S1")->n_participants, 1);
	cr_assert_eq(run(st, scmd(CMD_SESSION_LEAVE, "S1", "CECOA", NULL), T0, NULL),
		     -VA_NOT_FOUND);
	cr_assert_eq(run(st, scmd(CMD_SESSION_LEAVE, "S1", "STK1", NULL), AT(5, 9, 0), NULL),
		     -VA_FAILED_PRECONDITION);
	run_ok(st, join("S1", "CECOA", 4), T0, NULL);
	state_free(&st);
}

/* Two clients race for the last seat: the daemon decides one command at a
 * time, so the first wins and the second is refused by capacity. */
Test(session, last_seat_goes_once)
{
	state_t *st = fixture();

	run_ok(st, book("S1", "SAMI", AT(5, 9, 0), 60, 3), T0, NULL);
	run_ok(st, join("S1", "STK1", 2), T0, NULL);
	run_ok(st, join("S1", "CECOA", 1), T0, NULL);
	centre(st, "ATEC", "PT");
	cr_assert_eq(run(st, join("S1", "ATEC", 1), T0, NULL), -VA_RULE_VIOLATION);
	cr_assert_str_eq(err, "capacity: session 'S1' has 0 of 3 seats left, 1 asked");
	state_free(&st);
}

Test(session, cancel_and_reschedule)
{
	state_t *st = fixture();
	const session_t *s;

	run_ok(st, book("S1", "SAMI", AT(5, 9, 0), 60, 10), T0, NULL);
	run_ok(st, join("S1", "STK1", 2), T0, NULL);
	run_ok(st, book("Q1", "CECOA", AT(6, 9, 0), 60, 10), T0, NULL);
	run_ok(st, join("Q1", "STK1", 1), T0, NULL);

	/* only the host */
	cr_assert_eq(run(st, reschedule("S1", "CECOA", AT(5, 12, 0)), T0, NULL),
		     -VA_PERMISSION_DENIED);
	cr_assert(strstr(err, "only the host 'SAMI'") != NULL, "%s", err);
	/* the new time is checked for every participant: STK1 is in Q1 */
	cr_assert_eq(run(st, reschedule("S1", "SAMI", AT(6, 9, 30)), T0, NULL), -VA_RULE_VIOLATION);
	cr_assert(strncmp(err, "participant overlap:", 20) == 0, "%s", err);
	cr_assert_eq(run(st, reschedule("S1", "SAMI", T0 - HOUR_MS), T0, NULL), -VA_RULE_VIOLATION);
	/* the same id, sequence + 1, the previous start kept */
	run_ok(st, reschedule("S1", "SAMI", AT(6, 10, 0)), T0 + HOUR_MS, NULL);
	s = get(st, "S1");
	cr_assert_eq(s->start_ms, AT(6, 10, 0));
	cr_assert_eq(s->previous_start_ms, AT(5, 9, 0));
	cr_assert_eq(s->original_start_ms, AT(5, 9, 0));
	cr_assert_eq(s->sequence, 1);
	cr_assert_eq(s->rescheduled_ms, T0 + HOUR_MS);
	cr_assert_str_eq(s->reason, "strike");
	/* the old slot is free again for the host */
	run_ok(st, book("S2", "SAMI", AT(5, 9, 0), 60, 10), T0 + HOUR_MS, NULL);

	/* cancel: only the host, with its reason; then nothing more */
	cmd_t c = scmd(CMD_SESSION_CANCEL, "S1", NULL, "STK1");
	c.u.scmd.reason = model_strdup("no teacher");
	cr_assert_eq(run(st, c, T0, NULL), -VA_PERMISSION_DENIED);
	c = scmd(CMD_SESSION_CANCEL, "S1", NULL, "SAMI");
	c.u.scmd.reason = model_strdup("no teacher");
	run_ok(st, c, T0 + 2 * HOUR_MS, NULL);
	s = get(st, "S1");
	cr_assert_eq(s->status, SESSION_CANCELLED);
	cr_assert_eq(s->sequence, 2);
	cr_assert_str_eq(s->reason, "no teacher");
	cr_assert_eq(run(st, reschedule("S1", "SAMI", AT(8, 10, 0)), T0 + 3 * HOUR_MS, NULL),
		     -VA_FAILED_PRECONDITION);
	cr_assert_str_eq(err, "session 'S1' is cancelled");
	c = scmd(CMD_SESSION_CANCEL, "S1", NULL, "SAMI");
	c.u.scmd.reason = model_strdup("again");
	cr_assert_eq(run(st, c, T0 + 3 * HOUR_MS, NULL), -VA_FAILED_PRECONDITION);
	cr_assert_eq(run(st, join("S1", "CECOA", 1), T0 + 3 * HOUR_MS, NULL),
		     -VA_FAILED_PRECONDITION);
	/* a cancelled session blocks no one: STK1 can take that slot */
	run_ok(st, book("Q2", "CECOA", AT(6, 10, 0), 60, 10), T0 + 3 * HOUR_MS, NULL);
	run_ok(st, join("Q2", "STK1", 1), T0 + 3 * HOUR_MS, NULL);
	state_free(&st);
}

Test(session, attendance_and_evaluation)
{
	state_t *st = fixture();
	const int64_t start = AT(5, 9, 0), end = AT(5, 10, 0);
	const session_t *s;

	run_ok(st, book("S1", "SAMI", start, 60, 10), T0, NULL);
	run_ok(st, join("S1", "STK1", 3), T0, NULL);

	cr_assert_eq(run(st, attendance("S1", "SAMI", "STK1", 2), start - 1, NULL),
		     -VA_FAILED_PRECONDITION);
	cr_assert_eq(run(st, attendance("S1", "STK1", "STK1", 2), start, NULL),
		     -VA_PERMISSION_DENIED);
	cr_assert_eq(run(st, attendance("S1", "SAMI", "STK1", 4), start, NULL),
		     -VA_INVALID_ARGUMENT);
	cr_assert_eq(run(st, attendance("S1", "SAMI", "CECOA", 1), start, NULL), -VA_NOT_FOUND);
	run_ok(st, attendance("S1", "SAMI", "STK1", 2), start + MIN_MS, NULL);
	s = get(st, "S1");
	cr_assert(s->participants[0].attendance_recorded);
	cr_assert_eq(s->participants[0].attended, 2);

	/* evaluation before the end: refused; at the end: once */
	cr_assert_eq(run(st, evaluate("S1", "STK1", 4), end - 1, NULL), -VA_FAILED_PRECONDITION);
	cr_assert(strncmp(err, "evaluation before the end:", 26) == 0, "%s", err);
	cr_assert_eq(run(st, evaluate("S1", "CECOA", 4), end, NULL), -VA_PERMISSION_DENIED);
	cr_assert_eq(run(st, evaluate("S1", "SAMI", 4), end, NULL), -VA_PERMISSION_DENIED);
	run_ok(st, evaluate("S1", "STK1", 4), end, NULL);
	s = get(st, "S1");
	cr_assert_eq(s->participants[0].rating, 4);
	cr_assert_str_eq(s->participants[0].comment, "useful");
	cr_assert_eq(s->participants[0].evaluated_ms, end);
	cr_assert_eq(run(st, evaluate("S1", "STK1", 5), end + HOUR_MS, NULL), -VA_ALREADY_EXISTS);
	cr_assert(strstr(err, "once per participant") != NULL, "%s", err);
	cr_assert_eq(get(st, "S1")->participants[0].rating, 4);
	state_free(&st);
}

/* ---------------------------------------------------------- reminders */

static const uint32_t OFFSETS[] = {1440, 60};

static size_t due(const state_t *st, int64_t now, reminder_t **out)
{
	return sessions_due(state_sessions(st), now, OFFSETS, 2, out);
}

static void free_due(reminder_t *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		reminder_release(&r[i]);
	free(r);
}

/* Sends what is due at now, as the daemon does; returns how many. */
static size_t send_due(state_t *st, int64_t now, evlist_t *log)
{
	reminder_t *r;
	size_t n = due(st, now, &r);

	for (size_t i = 0; i < n; i++) {
		cmd_t c = {.type = CMD_REMINDER_SEND};
		reminder_copy(&c.u.reminder, &r[i]);
		run_ok(st, c, now, log);
	}
	free_due(r, n);
	return n;
}

Test(session, reminders_due_once_and_late)
{
	state_t *st = fixture();
	const int64_t start = AT(5, 9, 0);
	evlist_t log = {0};
	reminder_t *r;
	size_t n;

	run_ok(st, book("S1", "SAMI", start, 60, 10), T0, NULL);
	cr_assert_eq(due(st, start - DAY_MS - 1, &r), 0);
	free(r);
	/* 24 h before: one, on time */
	cr_assert_eq(send_due(st, start - DAY_MS, &log), 1);
	cr_assert_eq(log.v[0].type, EV_SESSION_REMINDER);
	cr_assert_str_eq(log.v[0].u.reminder.session, "S1");
	cr_assert_eq(log.v[0].u.reminder.before_min, 1440);
	cr_assert_eq(log.v[0].u.reminder.at_ms, start - DAY_MS);
	cr_assert_not(log.v[0].u.reminder.late);
	cr_assert_str_eq(log.v[0].actor, "tester");
	/* never twice */
	cr_assert_eq(send_due(st, start - DAY_MS + MIN_MS, &log), 0);
	{
		cmd_t c = {.type = CMD_REMINDER_SEND};
		reminder_copy(&c.u.reminder, &log.v[0].u.reminder);
		cr_assert_eq(run(st, c, start - 2 * HOUR_MS, NULL), -VA_ALREADY_EXISTS);
	}
	/* the 1 h one, found 30 minutes late (the daemon was down): late */
	cr_assert_eq(send_due(st, start - 30 * MIN_MS, &log), 1);
	cr_assert_eq(log.v[1].u.reminder.before_min, 60);
	cr_assert(log.v[1].u.reminder.late);
	/* after the start nothing more */
	n = due(st, start + MIN_MS, &r);
	cr_assert_eq(n, 0);
	free(r);

	/* a reschedule arms new reminders (sequence 1); a reminder that fell
	 * due before the reschedule was made is not sent */
	run_ok(st, reschedule("S1", "SAMI", start + 3 * HOUR_MS), start - 20 * MIN_MS, NULL);
	cr_assert_eq(send_due(st, start + 2 * HOUR_MS, &log), 1);
	cr_assert_eq(log.v[2].u.reminder.sequence, 1);
	cr_assert_eq(log.v[2].u.reminder.before_min, 60);
	/* a booking made 2 h before its start gets only the 1 h reminder */
	run_ok(st, book("S2", "CECOA", AT(9, 12, 0), 60, 10), AT(9, 10, 0), NULL);
	cr_assert_eq(send_due(st, AT(9, 11, 0), &log), 1);
	cr_assert_eq(log.v[3].u.reminder.before_min, 60);
	/* a cancelled session: nothing */
	run_ok(st, book("S3", "CECOA", AT(12, 12, 0), 60, 10), T0, NULL);
	cmd_t c = scmd(CMD_SESSION_CANCEL, "S3", NULL, "CECOA");
	c.u.scmd.reason = model_strdup("none");
	run_ok(st, c, T0, NULL);
	cr_assert_eq(send_due(st, AT(12, 11, 30), &log), 0);
	evlist_release(&log);
	state_free(&st);
}

static cmd_t deadline(const char *id, const char *owner, int64_t due_ms, uint32_t remind)
{
	cmd_t c = {.type = CMD_DEADLINE_SET};

	c.u.deadline.id = model_strdup(id);
	c.u.deadline.title = model_strdup("Intermediate progress report");
	c.u.deadline.owner = model_strdup(owner);
	c.u.deadline.due_ms = due_ms;
	if (remind > 0)
		c.u.deadline.remind_min[c.u.deadline.n_remind++] = remind;
	return c;
}

Test(session, deadlines_approaching_missed_done)
{
	state_t *st = fixture();
	/* the intermediate progress report, due 28 February 2027 */
	const int64_t due_ms = 1803772800000LL;
	evlist_t log = {0};

	cr_assert_eq(run(st, deadline("R1", "NOBODY", due_ms, 0), T0, NULL), -VA_NOT_FOUND);
	cr_assert_eq(run(st, deadline("R1", "FI", T0 - 1, 0), T0, NULL), -VA_RULE_VIOLATION);
	cr_assert(strncmp(err, "past due:", 9) == 0, "%s", err);
	run_ok(st, deadline("R1", "FI", due_ms, 7 * 1440), T0, NULL);
	cr_assert_eq(run(st, deadline("R1", "PT", due_ms, 0), T0, NULL), -VA_PERMISSION_DENIED);
	cr_assert_eq(send_due(st, due_ms - 8 * DAY_MS, &log), 0);
	cr_assert_eq(send_due(st, due_ms - 7 * DAY_MS, &log), 1);
	cr_assert_eq(log.v[0].type, EV_DEADLINE_APPROACHING);
	cr_assert_str_eq(log.v[0].u.reminder.deadline, "R1");
	cr_assert_eq(send_due(st, due_ms - DAY_MS, &log), 0, "only its own offsets");
	cr_assert_eq(send_due(st, due_ms, &log), 1);
	cr_assert_eq(log.v[1].type, EV_DEADLINE_MISSED);
	cr_assert_eq(send_due(st, due_ms + DAY_MS, &log), 0);

	/* done: by the owner only, once; a done deadline is not missed */
	run_ok(st, deadline("R2", "CECOA", due_ms, 0), T0, NULL);
	cr_assert_eq(run(st, scmd(CMD_DEADLINE_DONE, "R2", NULL, "FI"), T0, NULL),
		     -VA_PERMISSION_DENIED);
	run_ok(st, scmd(CMD_DEADLINE_DONE, "R2", NULL, "CECOA"), T0 + 1, NULL);
	cr_assert(sessions_deadline_get(state_sessions(st), "R2")->done);
	cr_assert_eq(run(st, scmd(CMD_DEADLINE_DONE, "R2", NULL, "CECOA"), T0, NULL),
		     -VA_FAILED_PRECONDITION);
	cr_assert_eq(run(st, scmd(CMD_DEADLINE_DONE, "R9", NULL, "CECOA"), T0, NULL),
		     -VA_NOT_FOUND);
	cr_assert_eq(send_due(st, due_ms + 2 * DAY_MS, &log), 0);
	evlist_release(&log);
	state_free(&st);
}

/* ------------------------------------------------------ alliance link */

static cmd_t alliance_cmd(cmd_type_t type, const char *centre_id, const char *contact)
{
	cmd_t c = {.type = type};

	c.u.acmd.alliance = model_strdup("A1");
	c.u.acmd.centre = model_strdup(centre_id);
	c.u.acmd.contact = model_strdup(contact);
	return c;
}

static cmd_t visit(const char *session, const char *by)
{
	cmd_t c = scmd(CMD_SESSION_ALLIANCE_VISIT, session, NULL, by);

	c.u.scmd.alliance = model_strdup("A1");
	return c;
}

Test(session, virtual_visit_is_the_alliance_mutual_visit)
{
	state_t *st = fixture();
	cmd_t c = {.type = CMD_ALLIANCE_CREATE};
	const int64_t start = AT(5, 9, 0), end = AT(5, 10, 0);
	const alliance_t *a;

	c.u.alliance.id = model_strdup("A1");
	c.u.alliance.name = model_strdup("Mechatronics");
	c.u.alliance.kind = ALLIANCE_KIND_INFORMAL;
	c.u.alliance.adopted = 1u << COMMITMENT_LONG_TERM_ALLIANCE;
	c.u.alliance.members = calloc(2, sizeof *c.u.alliance.members);
	c.u.alliance.members[0].centre = model_strdup("SAMI");
	c.u.alliance.members[1].centre = model_strdup("STK1");
	c.u.alliance.n_members = 2;
	run_ok(st, c, T0, NULL);
	run_ok(st, alliance_cmd(CMD_ALLIANCE_CONTACT, "SAMI", "Aino"), T0, NULL);
	run_ok(st, alliance_cmd(CMD_ALLIANCE_CONTACT, "STK1", "Jan"), T0, NULL);
	for (size_t i = 0; i < 2; i++) {
		cmd_t k = {.type = CMD_COMMITMENT_CONFIRM};
		k.u.confirmation.centre = model_strdup(i ? "STK1" : "SAMI");
		k.u.confirmation.commitment = COMMITMENT_LONG_TERM_ALLIANCE;
		run_ok(st, k, T0, NULL);
	}
	run_ok(st, alliance_cmd(CMD_ALLIANCE_AGREE, NULL, NULL), T0, NULL);

	run_ok(st, book("V1", "SAMI", start, 60, 10), T0, NULL);
	run_ok(st, join("V1", "STK1", 2), T0, NULL);
	run_ok(st, join("V1", "CECOA", 2), T0, NULL);
	cr_assert_eq(run(st, visit("V1", "CECOA"), end, NULL), -VA_PERMISSION_DENIED);
	cr_assert_eq(run(st, visit("V1", "STK1"), end - 1, NULL), -VA_FAILED_PRECONDITION);
	cr_assert_str_eq(err, "session 'V1' has not ended yet");
	cr_assert_eq(run(st, visit("V1", "STK1"), end, NULL), -VA_RULE_VIOLATION);
	cr_assert_str_eq(err, "mutual visit: member 'STK1' did not attend session 'V1'");
	run_ok(st, attendance("V1", "SAMI", "STK1", 0), start, NULL);
	cr_assert_eq(run(st, visit("V1", "STK1"), end, NULL), -VA_RULE_VIOLATION);
	cr_assert_eq(run(st, visit("NOPE", "STK1"), end, NULL), -VA_NOT_FOUND);
	/* another kind of session does not count */
	run_ok(st, book("J1", "SAMI", AT(6, 9, 0), 60, 10), T0, NULL);
	cmd_t k = book("J2", "CECOA", AT(6, 12, 0), 60, 10);
	k.u.session.kind = SESSION_KIND_JOINT_CLASS;
	run_ok(st, k, T0, NULL);
	cr_assert_eq(run(st, visit("J2", "STK1"), AT(7, 0, 0), NULL), -VA_FAILED_PRECONDITION);
	cr_assert(strstr(err, "not a virtual visit") != NULL, "%s", err);

	run_ok(st, attendance("V1", "SAMI", "STK1", 2), start, NULL);
	run_ok(st, visit("V1", "STK1"), end, NULL);
	a = alliances_get(state_alliances(st), "A1");
	cr_assert_eq(a->stage, ROADMAP_MUTUAL_VISIT);
	cr_assert(a->visit_virtual);
	cr_assert_str_eq(a->visit_ref, "V1");
	state_free(&st);
}

/* --------------------------------------------------------------- wire */

Test(session, events_and_snapshot_round_trip)
{
	state_t *st = fixture(), *back = NULL;
	static const char *const topics[] = {
	    "session.booked",    "session.joined",   "session.rescheduled", "session.attendance",
	    "session.evaluated", "session.reminder", "deadline.set"};
	const session_t *a, *b;
	const reminder_t *const *sent;
	evlist_t log = {0};
	uint8_t *buf = NULL;
	size_t len;

	run_ok(st, book("S1", "SAMI", AT(5, 9, 0), 60, 10), T0, &log);
	run_ok(st, join("S1", "STK1", 3), T0, &log);
	run_ok(st, reschedule("S1", "SAMI", AT(6, 9, 0)), T0, &log);
	run_ok(st, attendance("S1", "SAMI", "STK1", 3), AT(6, 9, 0), &log);
	run_ok(st, evaluate("S1", "STK1", 5), AT(6, 10, 0), &log);
	/* a second session for its reminder */
	run_ok(st, book("S2", "CECOA", AT(8, 9, 0), 60, 10), T0, NULL);
	cr_assert_eq(send_due(st, AT(7, 9, 0), &log), 1);
	run_ok(st, deadline("R1", "FI", AT(30, 0, 0), 60), T0, &log);
	cr_assert_eq(log.n, sizeof topics / sizeof topics[0]);
	for (size_t i = 0; i < log.n; i++) {
		char topic[64];
		event_t out;
		len = codec_event_pack(&log.v[i], &buf, topic, sizeof topic);
		cr_assert_gt(len, 0);
		cr_assert_str_eq(topic, topics[i]);
		cr_assert_eq(codec_event_decode(buf, len, &out, err, sizeof err), 0, "%s", err);
		cr_assert_eq(out.type, log.v[i].type);
		if (i < 5) {
			cr_assert_str_eq(out.u.session.id, "S1");
			cr_assert_eq(out.u.session.n_participants,
				     log.v[i].u.session.n_participants);
			cr_assert_eq(out.u.session.sequence, log.v[i].u.session.sequence);
		}
		free(buf);
		event_release(&out);
	}
	evlist_release(&log);

	len = codec_snapshot_pack(st, 9999, &buf);
	cr_assert_gt(len, 0);
	cr_assert_eq(codec_snapshot_load(buf, len, &back, err, sizeof err), 0, "%s", err);
	free(buf);
	a = get(st, "S1");
	b = get(back, "S1");
	cr_assert_str_eq(b->title, a->title);
	cr_assert_str_eq(b->time_zone, "Europe/Helsinki");
	cr_assert_str_eq(b->link, a->link);
	cr_assert_eq(b->kind, a->kind);
	cr_assert_eq(b->start_ms, AT(6, 9, 0));
	cr_assert_eq(b->previous_start_ms, AT(5, 9, 0));
	cr_assert_eq(b->sequence, 1);
	cr_assert_eq(b->capacity, 10);
	cr_assert_eq(b->min_notice_min, 120);
	cr_assert_eq(b->n_participants, 1);
	cr_assert_eq(b->participants[0].rating, 5);
	cr_assert_eq(b->participants[0].attended, 3);
	cr_assert(b->participants[0].attendance_recorded);
	cr_assert_str_eq(b->participants[0].comment, "useful");
	cr_assert_eq(sessions_deadline_get(state_sessions(back), "R1")->remind_min[0], 60);
	cr_assert_eq(sessions_sent_list(state_sessions(back), &sent), 1);
	cr_assert_str_eq(sent[0]->session, "S2");
	/* the restored state decides the same way: no reminder twice, no
	 * second evaluation, no overlap */
	{
		reminder_t *r;
		cr_assert_eq(due(back, AT(7, 9, 0), &r), 0);
		free(r);
	}
	cr_assert_eq(run(back, evaluate("S1", "STK1", 2), AT(9, 0, 0), NULL), -VA_ALREADY_EXISTS);
	cr_assert_eq(run(back, book("S3", "SAMI", AT(6, 9, 30), 60, 10), T0, NULL),
		     -VA_RULE_VIOLATION);
	state_free(&back);
	state_free(&st);
}

static int decode(const PB(Request) * r, request_t *out)
{
	return st_decode(&r->base, out, err, sizeof err);
}

Test(session, request_decode_refusals)
{
	PB(Request) r = VETALLIANCE__V1__REQUEST__INIT;
	PB(SessionBook) sb = VETALLIANCE__V1__SESSION_BOOK__INIT;
	PB(Session) s = VETALLIANCE__V1__SESSION__INIT;
	PB(SessionEvaluate) ev = VETALLIANCE__V1__SESSION_EVALUATE__INIT;
	PB(SessionJoin) sj = VETALLIANCE__V1__SESSION_JOIN__INIT;
	request_t out;

	r.request_id = "r";
	r.body_case = VETALLIANCE__V1__REQUEST__BODY_SESSION_BOOK;
	r.session_book = &sb;
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "session_book.session: must be set");
	request_release(&out);
	sb.session = &s;
	s.id = "S1";
	s.host = "SAMI";
	s.title = "Visit";
	s.kind = VETALLIANCE__V1__SESSION_KIND__SESSION_KIND_VIRTUAL_VISIT;
	s.start_ms = AT(5, 9, 0);
	s.duration_min = 60;
	s.capacity = 10;
	s.time_zone = "Europe/Helsinky";
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "session_book.session.time_zone: 'Europe/Helsinky' is not a time "
			      "zone of the tz database");
	request_release(&out);
	s.time_zone = "../../etc/passwd";
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	request_release(&out);
	s.time_zone = "Europe/Helsinki";
	s.duration_min = 0;
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert(strncmp(err, "session_book.session.duration_min:", 34) == 0, "%s", err);
	request_release(&out);
	s.duration_min = 60;
	s.link = "javascript:alert(1)";
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert(strncmp(err, "session_book.session.link:", 26) == 0, "%s", err);
	request_release(&out);
	s.link = "https://meet.example/abc";
	cr_assert_eq(decode(&r, &out), 0, "%s", err);
	cr_assert_eq(out.cmd.type, CMD_SESSION_BOOK);
	cr_assert_str_eq(out.cmd.u.session.time_zone, "Europe/Helsinki");
	request_release(&out);

	r.body_case = VETALLIANCE__V1__REQUEST__BODY_SESSION_EVALUATE;
	r.session_evaluate = &ev;
	ev.session = "S1";
	ev.centre = "STK1";
	ev.rating = 6;
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "session_evaluate.rating: 6 is out of range 1..5");
	request_release(&out);
	ev.rating = 0;
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	request_release(&out);

	r.body_case = VETALLIANCE__V1__REQUEST__BODY_SESSION_JOIN;
	r.session_join = &sj;
	sj.session = "S1";
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert_str_eq(err, "session_join.centre: must not be empty");
	request_release(&out);
	sj.centre = "STK1";
	cr_assert_eq(decode(&r, &out), -VA_INVALID_ARGUMENT);
	cr_assert(strncmp(err, "session_join.head_count:", 24) == 0, "%s", err);
	request_release(&out);
}

Test(session, offsets_parse)
{
	uint32_t o[REMINDER_OFFSETS_MAX];

	cr_assert_eq(session_offsets_parse("1440,60", o, REMINDER_OFFSETS_MAX), 2);
	cr_assert_eq(o[0], 1440);
	cr_assert_eq(o[1], 60);
	cr_assert_eq(session_offsets_parse("5", o, REMINDER_OFFSETS_MAX), 1);
	cr_assert_eq(session_offsets_parse("", o, REMINDER_OFFSETS_MAX), -VA_INVALID_ARGUMENT);
	cr_assert_eq(session_offsets_parse("0", o, REMINDER_OFFSETS_MAX), -VA_INVALID_ARGUMENT);
	cr_assert_eq(session_offsets_parse("60,", o, REMINDER_OFFSETS_MAX), -VA_INVALID_ARGUMENT);
	cr_assert_eq(session_offsets_parse("-5", o, REMINDER_OFFSETS_MAX), -VA_INVALID_ARGUMENT);
	cr_assert_eq(session_offsets_parse("1,2,3", o, 2), -VA_INVALID_ARGUMENT);
}
