/*
 * session - virtual-mobility sessions, deadlines and the reminders sent
 * for them (DOMAIN.md, "Virtual-mobility sessions" and "Deadlines").
 * Part of the pure state core.
 *
 * A session is booked by its host and is then scheduled until the host
 * cancels it; a reschedule keeps the id, moves the start, raises the
 * sequence (iCalendar SEQUENCE) and keeps the start it replaced in
 * previous_start_ms.  Booking rules, checked on book, join and
 * reschedule against the sessions still scheduled:
 *
 *   past start      the start must be after now;
 *   minimum notice  book and join close min_notice_min before the start;
 *   host overlap    a host runs no two sessions whose [start, end) meet;
 *   participant     an institution is in no two overlapping sessions
 *   overlap         (hosted or joined); ends 10:00 / starts 10:00 is fine;
 *   capacity        the participants' head-counts add up to at most the
 *                   capacity.
 *
 * Attendance is recorded by the host from the start on; each participant
 * evaluates once (1-5 and a comment), after the end.
 *
 * Reminders: sessions_due() lists the reminders due at a given instant
 * that were not sent yet - `offsets` minutes before each scheduled
 * session that has not started, the deadline's own offsets (or the same
 * defaults) before an open deadline, and "missed" at its due instant.  A
 * reminder armed after it fell due (booked or rescheduled later) is not
 * sent.  The daemon turns each into a CMD_REMINDER_SEND; applying the
 * event records it as sent, so across a restart none goes out twice, and
 * one that fell due while the daemon was down goes out once, late.
 */
#ifndef VA_STATE_SESSION_H
#define VA_STATE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "state/base.h"

/* Sessions and deadlines (state/session.h).  Wire numbers of
 * SessionKind and SessionStatus. */
typedef enum {
	SESSION_KIND_UNSPECIFIED = 0,
	SESSION_KIND_VIRTUAL_VISIT = 1,
	SESSION_KIND_JOINT_CLASS = 2,
	SESSION_KIND_SKILLS_TRAINING = 3,
	SESSION_KIND_COMPETITION_PREPARATION = 4,
	SESSION_KIND_GET_TO_KNOW = 5,
	SESSION_KIND_MEETING = 6,
	SESSION_KIND_MAX = SESSION_KIND_MEETING,
} session_kind_t;

typedef enum {
	SESSION_STATUS_UNSPECIFIED = 0,
	SESSION_SCHEDULED = 1,
	SESSION_CANCELLED = 2,
} session_status_t;

typedef struct session_participant {
	char *centre;
	uint32_t head_count;
	int64_t joined_ms;
	bool attendance_recorded;
	uint32_t attended; /* people present; 0: absent */
	uint32_t rating;   /* 1-5; 0: not evaluated */
	char *comment;
	int64_t evaluated_ms;
} session_participant_t;

typedef struct session {
	char *id;
	char *host;
	session_kind_t kind;
	char *title;
	char *language;
	char *platform;
	char *link;
	int64_t start_ms;
	uint32_t duration_min;
	char *time_zone; /* the host's IANA zone */
	uint32_t capacity;
	uint32_t min_notice_min;
	session_status_t status;
	session_participant_t *participants;
	size_t n_participants;
	uint32_t sequence; /* +1 per reschedule and on cancel */
	char *reason;      /* of the last reschedule or the cancel */
	int64_t original_start_ms;
	int64_t previous_start_ms; /* before the last reschedule; 0: none */
	int64_t created_ms;
	int64_t updated_ms;
	int64_t rescheduled_ms; /* when the last reschedule was made; 0: none */
} session_t;

/* Arguments of the session commands but book (which takes a session_t),
 * and of deadline_done (session: the deadline id). */
typedef struct session_cmd {
	char *session;
	char *centre; /* join, leave, attendance, evaluate */
	char *by;     /* cancel, reschedule, attendance, alliance visit, deadline done */
	char *alliance;
	uint32_t head_count;
	char *reason;
	int64_t start_ms;
	uint32_t duration_min;
	uint32_t attended;
	uint32_t rating;
	char *comment;
} session_cmd_t;

#define DEADLINE_REMIND_MAX 8
typedef struct deadline {
	char *id;
	char *title;
	int64_t due_ms;
	char *owner;
	uint32_t remind_min[DEADLINE_REMIND_MAX];
	size_t n_remind; /* 0: the daemon's default offsets */
	bool done;
	int64_t done_ms;
	int64_t created_ms;
} deadline_t;

/* A reminder: of a session (session set) or a deadline. */
typedef struct reminder {
	char *session;
	char *deadline;
	char *title;
	int64_t due_ms;
	uint32_t before_min; /* 0: deadline missed */
	int64_t at_ms;
	bool late;
	uint32_t sequence;
} reminder_t;

void session_release(session_t *s);
void session_copy(session_t *dst, const session_t *src);
void session_cmd_release(session_cmd_t *c);
void deadline_release(deadline_t *d);
void deadline_copy(deadline_t *dst, const deadline_t *src);
void reminder_release(reminder_t *r);
void reminder_copy(reminder_t *dst, const reminder_t *src);

typedef struct sessions sessions_t;

/* A reminder sent more than this after it was due is marked late. */
#define REMINDER_GRACE_MS (2 * 60 * 1000)

/* The default reminder offsets, in minutes before the start (24 h, 1 h). */
#define REMINDER_DEFAULT_OFFSETS "1440,60"
#define REMINDER_OFFSETS_MAX     8

/* session_offsets_parse - "1440,60" (minutes, each 1..527040, at most
 * REMINDER_OFFSETS_MAX) into out.  Returns the count, or -VA_INVALID_ARGUMENT. */
int session_offsets_parse(const char *s, uint32_t *out, size_t max);

sessions_t *sessions_new(void);
void sessions_free(sessions_t **self_p);

const session_t *sessions_get(const sessions_t *t, const char *id);

/* sessions_list - the sessions `centre` hosts or joined (NULL or "": all),
 * sorted by start then id: a malloc'd array of borrowed pointers (free()
 * it).  Returns the count. */
size_t sessions_list(const sessions_t *t, const char *centre, const session_t ***out_p);

/* sessions_put - store a copy of `s`, replacing the one with its id. */
void sessions_put(sessions_t *t, const session_t *s);

const deadline_t *sessions_deadline_get(const sessions_t *t, const char *id);
/* sessions_deadline_list - by due instant then id; as sessions_list. */
size_t sessions_deadline_list(const sessions_t *t, const deadline_t ***out_p);
void sessions_deadline_put(sessions_t *t, const deadline_t *d);

/* sessions_reminder_sent - whether this reminder went out already. */
int sessions_reminder_sent(const sessions_t *t, const reminder_t *r);
/* sessions_reminder_mark - record a reminder as sent. */
void sessions_reminder_mark(sessions_t *t, const reminder_t *r);
/* sessions_sent_list - the reminders sent, oldest first (borrowed array,
 * valid until the next change). */
size_t sessions_sent_list(const sessions_t *t, const reminder_t *const **out_p);

/* What session_decide needs to know about the rest of the state. */
typedef struct session_env {
	int (*centre_exists)(const void *arg, const char *id);
	int (*partner_exists)(const void *arg, const char *id);
	const void *arg;
	int64_t now_ms;
} session_env_t;

/* What a session command produces: the event type and its payload (the
 * member that fits the type). */
typedef struct session_out {
	ev_type_t type;
	session_t session;
	deadline_t deadline;
	reminder_t reminder;
} session_out_t;

void session_out_release(session_out_t *o);

/*
 * session_decide - check a session, deadline or reminder command and
 * build its event into *out (zeroed storage; release it with
 * session_out_release unless its payload is moved).  Returns 0, or a
 * negative VA_* code with a message in err (nothing to release then).
 * CMD_SESSION_ALLIANCE_VISIT is checked with session_visit_check.
 */
int session_decide(const sessions_t *t, const cmd_t *cmd, const session_env_t *env,
		   session_out_t *out, char *err, size_t errlen);

/*
 * session_visit_check - whether session `id` can stand for the mutual
 * visit of an alliance with these member centres: a virtual visit, not
 * cancelled, ended at now_ms, and attended by every member (the host, or
 * a participant whose recorded attendance is at least one person).
 * Returns 0 or a negative VA_* code with a message.
 */
int session_visit_check(const sessions_t *t, const char *id, const char *const *members,
			size_t n_members, int64_t now_ms, char *err, size_t errlen);

/*
 * sessions_due - append to *out_p (a malloc'd array the caller releases
 * with reminder_release on each and free) the reminders due at now_ms and
 * not sent yet; `offsets` are the session defaults in minutes.  Returns
 * the count.
 */
size_t sessions_due(const sessions_t *t, int64_t now_ms, const uint32_t *offsets, size_t n_offsets,
		    reminder_t **out_p);

/* session_end_ms - the end instant of a session. */
int64_t session_end_ms(const session_t *s);

/* session_kind_slug - "virtual-visit", "joint-class"...; "unknown". */
const char *session_kind_slug(session_kind_t k);

#endif
