/*
 * session - see session.h.
 *
 * Storage: sessions and deadlines are kept in arrays of pointers in the
 * order they were created (hundreds, not millions); lists are sorted on
 * the way out.  The reminders sent are a log in sending order (for
 * snapshots) with a hash on their key "kind\x1fid\x1f..." for lookups.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "state/hmap.h"
#include "state/objtab.h"
#include "state/session.h"
#include "state/model.h"

#define MINUTE_MS (60 * 1000LL)

typedef struct sent {
	reminder_t r;
	char *key;
} sent_t;

struct sessions {
	objtab_t sessions;  /* of session_t */
	objtab_t deadlines; /* of deadline_t */
	sent_t **sent;
	reminder_t **sent_view; /* &sent[i]->r, for sessions_sent_list */
	size_t nsent;
	hmap_t sent_keys; /* key -> sent_t * */
};

static const char *const session__kinds[SESSION_KIND_MAX + 1] = {
    [SESSION_KIND_UNSPECIFIED] = "unknown",
    [SESSION_KIND_VIRTUAL_VISIT] = "virtual-visit",
    [SESSION_KIND_JOINT_CLASS] = "joint-class",
    [SESSION_KIND_SKILLS_TRAINING] = "skills-training",
    [SESSION_KIND_COMPETITION_PREPARATION] = "competition-preparation",
    [SESSION_KIND_GET_TO_KNOW] = "get-to-know",
    [SESSION_KIND_MEETING] = "meeting",
};

static void *session__xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		abort();
	return p;
}

const char *session_kind_slug(session_kind_t k)
{
	if ((int)k < 1 || (int)k > SESSION_KIND_MAX)
		return "unknown";
	return session__kinds[k];
}

int64_t session_end_ms(const session_t *s)
{
	return s->start_ms + (int64_t)s->duration_min * MINUTE_MS;
}

int session_offsets_parse(const char *s, uint32_t *out, size_t max)
{
	size_t n = 0;

	if (s == NULL || *s == '\0')
		return -VA_INVALID_ARGUMENT;
	for (;;) {
		char *end;
		unsigned long v;
		if (*s < '0' || *s > '9' || n == max)
			return -VA_INVALID_ARGUMENT;
		v = strtoul(s, &end, 10);
		if (v < 1 || v > 527040)
			return -VA_INVALID_ARGUMENT;
		out[n++] = (uint32_t)v;
		if (*end == '\0')
			return (int)n;
		if (*end != ',')
			return -VA_INVALID_ARGUMENT;
		s = end + 1;
	}
}

/* ------------------------------------------------------- copy, release */

void session_release(session_t *s)
{
	free(s->id);
	free(s->host);
	free(s->title);
	free(s->language);
	free(s->platform);
	free(s->link);
	free(s->time_zone);
	for (size_t i = 0; i < s->n_participants; i++) {
		free(s->participants[i].centre);
		free(s->participants[i].comment);
	}
	free(s->participants);
	free(s->reason);
	memset(s, 0, sizeof *s);
}

void session_copy(session_t *dst, const session_t *src)
{
	*dst = *src;
	dst->id = model_strdup(src->id);
	dst->host = model_strdup(src->host);
	dst->title = model_strdup(src->title);
	dst->language = model_strdup(src->language);
	dst->platform = model_strdup(src->platform);
	dst->link = model_strdup(src->link);
	dst->time_zone = model_strdup(src->time_zone);
	dst->reason = model_strdup(src->reason);
	dst->participants = NULL;
	if (src->n_participants > 0) {
		dst->participants =
		    session__xrealloc(NULL, src->n_participants * sizeof *dst->participants);
		for (size_t i = 0; i < src->n_participants; i++) {
			dst->participants[i] = src->participants[i];
			dst->participants[i].centre = model_strdup(src->participants[i].centre);
			dst->participants[i].comment = model_strdup(src->participants[i].comment);
		}
	}
}

void session_cmd_release(session_cmd_t *c)
{
	free(c->session);
	free(c->centre);
	free(c->by);
	free(c->alliance);
	free(c->reason);
	free(c->comment);
	memset(c, 0, sizeof *c);
}

void deadline_release(deadline_t *d)
{
	free(d->id);
	free(d->title);
	free(d->owner);
	memset(d, 0, sizeof *d);
}

void deadline_copy(deadline_t *dst, const deadline_t *src)
{
	*dst = *src;
	dst->id = model_strdup(src->id);
	dst->title = model_strdup(src->title);
	dst->owner = model_strdup(src->owner);
}

void reminder_release(reminder_t *r)
{
	free(r->session);
	free(r->deadline);
	free(r->title);
	memset(r, 0, sizeof *r);
}

void reminder_copy(reminder_t *dst, const reminder_t *src)
{
	*dst = *src;
	dst->session = model_strdup(src->session);
	dst->deadline = model_strdup(src->deadline);
	dst->title = model_strdup(src->title);
}

void session_out_release(session_out_t *o)
{
	session_release(&o->session);
	deadline_release(&o->deadline);
	reminder_release(&o->reminder);
}

/* ------------------------------------------------------------- tables */

sessions_t *sessions_new(void)
{
	sessions_t *t = calloc(1, sizeof *t);

	if (t == NULL)
		abort();
	t->sessions = (objtab_t)OBJTAB_INIT(session_t, session_copy, session_release);
	t->deadlines = (objtab_t)OBJTAB_INIT(deadline_t, deadline_copy, deadline_release);
	return t;
}

void sessions_free(sessions_t **self_p)
{
	sessions_t *t;

	if (self_p == NULL || *self_p == NULL)
		return;
	t = *self_p;
	objtab_release(&t->sessions);
	objtab_release(&t->deadlines);
	for (size_t i = 0; i < t->nsent; i++) {
		reminder_release(&t->sent[i]->r);
		free(t->sent[i]->key);
		free(t->sent[i]);
	}
	free(t->sent);
	free(t->sent_view);
	hmap_release(&t->sent_keys);
	free(t);
	*self_p = NULL;
}

const session_t *sessions_get(const sessions_t *t, const char *id)
{
	return objtab_get(&t->sessions, id);
}

static const session_participant_t *session__participant(const session_t *s, const char *centre)
{
	for (size_t i = 0; centre != NULL && i < s->n_participants; i++)
		if (strcmp(s->participants[i].centre, centre) == 0)
			return &s->participants[i];
	return NULL;
}

/* Whether `centre` hosts or joined s. */
static int session__involves(const session_t *s, const char *centre)
{
	return strcmp(s->host, centre) == 0 || session__participant(s, centre) != NULL;
}

static int session__cmp(const void *a, const void *b)
{
	const session_t *const *x = a, *const *y = b;

	if ((*x)->start_ms != (*y)->start_ms)
		return (*x)->start_ms < (*y)->start_ms ? -1 : 1;
	return strcmp((*x)->id, (*y)->id);
}

size_t sessions_list(const sessions_t *t, const char *centre, const session_t ***out_p)
{
	const session_t **out = session__xrealloc(NULL, (t->sessions.n + 1) * sizeof *out);
	size_t n = 0;

	for (size_t i = 0; i < t->sessions.n; i++)
		if (centre == NULL || *centre == '\0' ||
		    session__involves(t->sessions.v[i], centre))
			out[n++] = t->sessions.v[i];
	qsort(out, n, sizeof *out, session__cmp);
	*out_p = out;
	return n;
}

void sessions_put(sessions_t *t, const session_t *s)
{
	objtab_put(&t->sessions, s);
}

const deadline_t *sessions_deadline_get(const sessions_t *t, const char *id)
{
	return objtab_get(&t->deadlines, id);
}

static int session__deadline_cmp(const void *a, const void *b)
{
	const deadline_t *const *x = a, *const *y = b;

	if ((*x)->due_ms != (*y)->due_ms)
		return (*x)->due_ms < (*y)->due_ms ? -1 : 1;
	return strcmp((*x)->id, (*y)->id);
}

size_t sessions_deadline_list(const sessions_t *t, const deadline_t ***out_p)
{
	void **v;
	size_t n = objtab_list(&t->deadlines, session__deadline_cmp, &v);

	*out_p = (const deadline_t **)v;
	return n;
}

void sessions_deadline_put(sessions_t *t, const deadline_t *d)
{
	objtab_put(&t->deadlines, d);
}

/* ---------------------------------------------------------- reminders */

/* The identity of a reminder: what it is about and which occurrence. */
static void session__reminder_key(const reminder_t *r, char *buf, size_t len)
{
	if (r->session != NULL && r->session[0] != '\0')
		snprintf(buf, len, "s\x1f%s\x1f%u\x1f%u", r->session, r->sequence, r->before_min);
	else
		snprintf(buf, len, "d\x1f%s\x1f%lld\x1f%u", r->deadline ? r->deadline : "",
			 (long long)r->due_ms, r->before_min);
}

int sessions_reminder_sent(const sessions_t *t, const reminder_t *r)
{
	char key[160];

	session__reminder_key(r, key, sizeof key);
	return hmap_get(&t->sent_keys, key) != NULL;
}

void sessions_reminder_mark(sessions_t *t, const reminder_t *r)
{
	char key[160];
	sent_t *s;

	session__reminder_key(r, key, sizeof key);
	if (hmap_get(&t->sent_keys, key) != NULL)
		return;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		abort();
	reminder_copy(&s->r, r);
	s->key = model_strdup(key);
	t->sent = session__xrealloc(t->sent, (t->nsent + 1) * sizeof *t->sent);
	t->sent_view = session__xrealloc(t->sent_view, (t->nsent + 1) * sizeof *t->sent_view);
	t->sent[t->nsent] = s;
	/* sent_t pointers are stable, so the view stays valid on growth. */
	for (size_t i = 0; i <= t->nsent; i++)
		t->sent_view[i] = &t->sent[i]->r;
	t->nsent++;
	hmap_put(&t->sent_keys, s->key, s);
}

size_t sessions_sent_list(const sessions_t *t, const reminder_t *const **out_p)
{
	*out_p = (const reminder_t *const *)t->sent_view;
	return t->nsent;
}

static void session__due_push(reminder_t **out_p, size_t *n, const reminder_t *r)
{
	*out_p = session__xrealloc(*out_p, (*n + 1) * sizeof **out_p);
	reminder_copy(&(*out_p)[(*n)++], r);
}

size_t sessions_due(const sessions_t *t, int64_t now_ms, const uint32_t *offsets, size_t n_offsets,
		    reminder_t **out_p)
{
	size_t n = 0;

	*out_p = NULL;
	for (size_t i = 0; i < t->sessions.n; i++) {
		const session_t *s = t->sessions.v[i];
		int64_t armed = s->rescheduled_ms > 0 ? s->rescheduled_ms : s->created_ms;
		if (s->status != SESSION_SCHEDULED || now_ms >= s->start_ms)
			continue;
		for (size_t k = 0; k < n_offsets; k++) {
			reminder_t r = {
			    .session = s->id,
			    .title = s->title,
			    .due_ms = s->start_ms,
			    .before_min = offsets[k],
			    .at_ms = s->start_ms - (int64_t)offsets[k] * MINUTE_MS,
			    .sequence = s->sequence,
			};
			if (r.at_ms <= now_ms && r.at_ms >= armed && !sessions_reminder_sent(t, &r))
				session__due_push(out_p, &n, &r);
		}
	}
	for (size_t i = 0; i < t->deadlines.n; i++) {
		const deadline_t *d = t->deadlines.v[i];
		const uint32_t *offs = d->n_remind > 0 ? d->remind_min : offsets;
		size_t noffs = d->n_remind > 0 ? d->n_remind : n_offsets;
		if (d->done)
			continue;
		/* k == noffs: the missed reminder, at the due instant. */
		for (size_t k = 0; k <= noffs; k++) {
			reminder_t r = {
			    .deadline = d->id,
			    .title = d->title,
			    .due_ms = d->due_ms,
			    .before_min = k < noffs ? offs[k] : 0,
			};
			r.at_ms = d->due_ms - (int64_t)r.before_min * MINUTE_MS;
			if (k < noffs && (offs[k] == 0 || now_ms >= d->due_ms))
				continue;
			if (r.at_ms <= now_ms && r.at_ms >= d->created_ms &&
			    !sessions_reminder_sent(t, &r))
				session__due_push(out_p, &n, &r);
		}
	}
	return n;
}

/* ------------------------------------------------------------- decide */

/*
 * The booking rules about time for institution `who` in a session over
 * [start, end): no other scheduled session it hosts or joined may overlap.
 * `self` is the session being changed (skipped).  `rule` names the rule in
 * the refusal.
 */
static int session__overlap(const sessions_t *t, const char *self, const char *who, int64_t start,
			    int64_t end, const char *rule, char *err, size_t errlen)
{
	for (size_t i = 0; i < t->sessions.n; i++) {
		const session_t *o = t->sessions.v[i];
		if (o->status != SESSION_SCHEDULED || (self != NULL && strcmp(o->id, self) == 0))
			continue;
		if (!session__involves(o, who))
			continue;
		if (o->start_ms < end && start < session_end_ms(o))
			return model_fail(err, errlen, VA_RULE_VIOLATION,
					  "%s: '%s' is already in session '%s', which overlaps "
					  "(%lld-%lld ms)",
					  rule, who, o->id, (long long)o->start_ms,
					  (long long)session_end_ms(o));
	}
	return 0;
}

/* Past start and minimum notice, for book, join and reschedule. */
static int session__notice(const session_t *s, int64_t start_ms, int64_t now_ms, char *err,
			   size_t errlen)
{
	if (start_ms <= now_ms)
		return model_fail(err, errlen, VA_RULE_VIOLATION,
				  "past start: session '%s' starts at %lld ms, not after now "
				  "(%lld ms)",
				  s->id, (long long)start_ms, (long long)now_ms);
	if (start_ms - now_ms < (int64_t)s->min_notice_min * MINUTE_MS)
		return model_fail(err, errlen, VA_RULE_VIOLATION,
				  "minimum notice: session '%s' needs %u minutes' notice, %lld "
				  "left",
				  s->id, s->min_notice_min,
				  (long long)((start_ms - now_ms) / MINUTE_MS));
	return 0;
}

static uint32_t session__seats_taken(const session_t *s)
{
	uint32_t n = 0;

	for (size_t i = 0; i < s->n_participants; i++)
		n += s->participants[i].head_count;
	return n;
}

static int session__decide_book(const sessions_t *t, const session_t *in, const session_env_t *env,
				session_out_t *out, char *err, size_t errlen)
{
	int rc;

	if (sessions_get(t, in->id) != NULL)
		return model_fail(err, errlen, VA_ALREADY_EXISTS, "session '%s' already exists",
				  in->id);
	if (!env->centre_exists(env->arg, in->host))
		return model_fail(err, errlen, VA_NOT_FOUND, "session.host: no centre '%s'",
				  in->host);
	if ((rc = session__notice(in, in->start_ms, env->now_ms, err, errlen)) < 0)
		return rc;
	rc = session__overlap(t, NULL, in->host, in->start_ms, session_end_ms(in), "host overlap",
			      err, errlen);
	if (rc < 0)
		return rc;
	session_copy(&out->session, in);
	for (size_t i = 0; i < out->session.n_participants; i++) {
		free(out->session.participants[i].centre);
		free(out->session.participants[i].comment);
	}
	free(out->session.participants);
	out->session.participants = NULL;
	out->session.n_participants = 0;
	out->session.status = SESSION_SCHEDULED;
	out->session.sequence = 0;
	free(out->session.reason);
	out->session.reason = model_strdup("");
	out->session.original_start_ms = in->start_ms;
	out->session.previous_start_ms = 0;
	out->session.rescheduled_ms = 0;
	out->session.created_ms = env->now_ms;
	out->session.updated_ms = env->now_ms;
	out->type = EV_SESSION_BOOKED;
	return 0;
}

/* The host check of cancel, reschedule and attendance. */
static int session__by_host(const session_t *s, const char *by, const char *what, char *err,
			    size_t errlen)
{
	if (by == NULL || strcmp(by, s->host) != 0)
		return model_fail(err, errlen, VA_PERMISSION_DENIED,
				  "%s.by: only the host '%s' may do this to session '%s', not "
				  "'%s'",
				  what, s->host, s->id, by ? by : "");
	return 0;
}

static int session__decide_join(const sessions_t *t, const session_t *s, const session_cmd_t *in,
				const session_env_t *env, session_out_t *out, char *err,
				size_t errlen)
{
	session_participant_t *p;
	uint32_t taken = session__seats_taken(s);
	int rc;

	if (!env->centre_exists(env->arg, in->centre))
		return model_fail(err, errlen, VA_NOT_FOUND, "session_join.centre: no centre '%s'",
				  in->centre);
	if (strcmp(in->centre, s->host) == 0)
		return model_fail(err, errlen, VA_FAILED_PRECONDITION,
				  "session_join.centre: '%s' hosts session '%s'", in->centre,
				  s->id);
	if (session__participant(s, in->centre) != NULL)
		return model_fail(err, errlen, VA_ALREADY_EXISTS,
				  "session '%s': '%s' has already joined", s->id, in->centre);
	if ((rc = session__notice(s, s->start_ms, env->now_ms, err, errlen)) < 0)
		return rc;
	if (taken + in->head_count > s->capacity)
		return model_fail(err, errlen, VA_RULE_VIOLATION,
				  "capacity: session '%s' has %u of %u seats left, %u asked", s->id,
				  s->capacity - taken, s->capacity, in->head_count);
	rc = session__overlap(t, s->id, in->centre, s->start_ms, session_end_ms(s),
			      "participant overlap", err, errlen);
	if (rc < 0)
		return rc;
	session_copy(&out->session, s);
	out->session.participants =
	    session__xrealloc(out->session.participants, (out->session.n_participants + 1) *
							     sizeof *out->session.participants);
	p = &out->session.participants[out->session.n_participants++];
	memset(p, 0, sizeof *p);
	p->centre = model_strdup(in->centre);
	p->comment = model_strdup("");
	p->head_count = in->head_count;
	p->joined_ms = env->now_ms;
	out->type = EV_SESSION_JOINED;
	return 0;
}

static int session__decide_leave(const session_t *s, const session_cmd_t *in,
				 const session_env_t *env, session_out_t *out, char *err,
				 size_t errlen)
{
	size_t k;

	if (session__participant(s, in->centre) == NULL)
		return model_fail(err, errlen, VA_NOT_FOUND, "session '%s': '%s' has not joined",
				  s->id, in->centre);
	if (env->now_ms >= s->start_ms)
		return model_fail(err, errlen, VA_FAILED_PRECONDITION,
				  "session '%s' has already started", s->id);
	session_copy(&out->session, s);
	for (k = 0; strcmp(out->session.participants[k].centre, in->centre) != 0; k++)
		;
	free(out->session.participants[k].centre);
	free(out->session.participants[k].comment);
	memmove(&out->session.participants[k], &out->session.participants[k + 1],
		(out->session.n_participants - k - 1) * sizeof *out->session.participants);
	out->session.n_participants--;
	out->type = EV_SESSION_LEFT;
	return 0;
}

static int session__decide_reschedule(const sessions_t *t, const session_t *s,
				      const session_cmd_t *in, const session_env_t *env,
				      session_out_t *out, char *err, size_t errlen)
{
	session_t moved = *s;
	int64_t end;
	int rc;

	if ((rc = session__by_host(s, in->by, "session_reschedule", err, errlen)) < 0)
		return rc;
	if (env->now_ms >= s->start_ms)
		return model_fail(err, errlen, VA_FAILED_PRECONDITION,
				  "session '%s' has already started", s->id);
	moved.start_ms = in->start_ms;
	if (in->duration_min > 0)
		moved.duration_min = in->duration_min;
	if ((rc = session__notice(&moved, moved.start_ms, env->now_ms, err, errlen)) < 0)
		return rc;
	end = session_end_ms(&moved);
	rc = session__overlap(t, s->id, s->host, moved.start_ms, end, "host overlap", err, errlen);
	for (size_t i = 0; rc == 0 && i < s->n_participants; i++)
		rc = session__overlap(t, s->id, s->participants[i].centre, moved.start_ms, end,
				      "participant overlap", err, errlen);
	if (rc < 0)
		return rc;
	session_copy(&out->session, s);
	out->session.previous_start_ms = s->start_ms;
	out->session.start_ms = moved.start_ms;
	out->session.duration_min = moved.duration_min;
	out->session.sequence++;
	free(out->session.reason);
	out->session.reason = model_strdup(in->reason ? in->reason : "");
	out->session.rescheduled_ms = env->now_ms;
	out->type = EV_SESSION_RESCHEDULED;
	return 0;
}

static int session__decide_after_start(const session_t *s, const cmd_t *cmd,
				       const session_env_t *env, session_out_t *out, char *err,
				       size_t errlen)
{
	const session_cmd_t *in = &cmd->u.scmd;
	session_participant_t *p;
	int rc;

	if (session__participant(s, in->centre) == NULL)
		return model_fail(
		    err, errlen,
		    cmd->type == CMD_SESSION_EVALUATE ? VA_PERMISSION_DENIED : VA_NOT_FOUND,
		    "%s.centre: '%s' is not a participant of session '%s'",
		    cmd->type == CMD_SESSION_EVALUATE ? "session_evaluate" : "session_attendance",
		    in->centre, s->id);
	if (cmd->type == CMD_SESSION_ATTENDANCE) {
		if ((rc = session__by_host(s, in->by, "session_attendance", err, errlen)) < 0)
			return rc;
		if (env->now_ms < s->start_ms)
			return model_fail(err, errlen, VA_FAILED_PRECONDITION,
					  "session '%s' has not started yet: attendance is "
					  "recorded from the start",
					  s->id);
		if (in->attended > session__participant(s, in->centre)->head_count)
			return model_fail(
			    err, errlen, VA_INVALID_ARGUMENT,
			    "session_attendance.attended: %u is more than the %u '%s' booked",
			    in->attended, session__participant(s, in->centre)->head_count,
			    in->centre);
	} else {
		if (env->now_ms < session_end_ms(s))
			return model_fail(err, errlen, VA_FAILED_PRECONDITION,
					  "evaluation before the end: session '%s' ends at %lld "
					  "ms",
					  s->id, (long long)session_end_ms(s));
		if (session__participant(s, in->centre)->rating > 0)
			return model_fail(err, errlen, VA_ALREADY_EXISTS,
					  "session '%s': '%s' has already evaluated it (once "
					  "per participant)",
					  s->id, in->centre);
	}
	session_copy(&out->session, s);
	p = (session_participant_t *)session__participant(&out->session, in->centre);
	if (cmd->type == CMD_SESSION_ATTENDANCE) {
		p->attendance_recorded = true;
		p->attended = in->attended;
		out->type = EV_SESSION_ATTENDANCE;
	} else {
		p->rating = in->rating;
		free(p->comment);
		p->comment = model_strdup(in->comment ? in->comment : "");
		p->evaluated_ms = env->now_ms;
		out->type = EV_SESSION_EVALUATED;
	}
	return 0;
}

static int session__decide_session(const sessions_t *t, const cmd_t *cmd, const session_env_t *env,
				   session_out_t *out, char *err, size_t errlen)
{
	const session_cmd_t *in = &cmd->u.scmd;
	const session_t *s = sessions_get(t, in->session);
	int rc;

	if (s == NULL)
		return model_fail(err, errlen, VA_NOT_FOUND, "session '%s' not found", in->session);
	if (s->status == SESSION_CANCELLED)
		return model_fail(err, errlen, VA_FAILED_PRECONDITION, "session '%s' is cancelled",
				  s->id);
	switch (cmd->type) {
	case CMD_SESSION_JOIN:
		return session__decide_join(t, s, in, env, out, err, errlen);
	case CMD_SESSION_LEAVE:
		return session__decide_leave(s, in, env, out, err, errlen);
	case CMD_SESSION_RESCHEDULE:
		return session__decide_reschedule(t, s, in, env, out, err, errlen);
	case CMD_SESSION_CANCEL:
		if ((rc = session__by_host(s, in->by, "session_cancel", err, errlen)) < 0)
			return rc;
		if (env->now_ms >= session_end_ms(s))
			return model_fail(err, errlen, VA_FAILED_PRECONDITION,
					  "session '%s' has already ended", s->id);
		session_copy(&out->session, s);
		out->session.status = SESSION_CANCELLED;
		out->session.sequence++;
		free(out->session.reason);
		out->session.reason = model_strdup(in->reason ? in->reason : "");
		out->session.updated_ms = env->now_ms;
		out->type = EV_SESSION_CANCELLED;
		return 0;
	default:
		return session__decide_after_start(s, cmd, env, out, err, errlen);
	}
}

static int session__decide_deadline(const sessions_t *t, const cmd_t *cmd, const session_env_t *env,
				    session_out_t *out, char *err, size_t errlen)
{
	const deadline_t *in = &cmd->u.deadline, *cur;

	if (cmd->type == CMD_DEADLINE_DONE) {
		cur = sessions_deadline_get(t, cmd->u.scmd.session);
		if (cur == NULL)
			return model_fail(err, errlen, VA_NOT_FOUND, "deadline '%s' not found",
					  cmd->u.scmd.session);
		if (strcmp(cur->owner, cmd->u.scmd.by) != 0)
			return model_fail(err, errlen, VA_PERMISSION_DENIED,
					  "deadline_done.by: only the owner '%s' may mark "
					  "deadline '%s' done, not '%s'",
					  cur->owner, cur->id, cmd->u.scmd.by);
		if (cur->done)
			return model_fail(err, errlen, VA_FAILED_PRECONDITION,
					  "deadline '%s' is already done", cur->id);
		deadline_copy(&out->deadline, cur);
		out->deadline.done = true;
		out->deadline.done_ms = env->now_ms;
		out->type = EV_DEADLINE_DONE;
		return 0;
	}
	cur = sessions_deadline_get(t, in->id);
	if (!env->centre_exists(env->arg, in->owner) && !env->partner_exists(env->arg, in->owner))
		return model_fail(err, errlen, VA_NOT_FOUND,
				  "deadline.owner: no centre or partner '%s'", in->owner);
	if (cur != NULL && strcmp(cur->owner, in->owner) != 0)
		return model_fail(err, errlen, VA_PERMISSION_DENIED,
				  "deadline.owner: deadline '%s' belongs to '%s'", cur->id,
				  cur->owner);
	if (cur != NULL && cur->done)
		return model_fail(err, errlen, VA_FAILED_PRECONDITION,
				  "deadline '%s' is already done", cur->id);
	if (in->due_ms <= env->now_ms)
		return model_fail(err, errlen, VA_RULE_VIOLATION,
				  "past due: deadline '%s' is due at %lld ms, not after now "
				  "(%lld ms)",
				  in->id, (long long)in->due_ms, (long long)env->now_ms);
	deadline_copy(&out->deadline, in);
	out->deadline.done = false;
	out->deadline.done_ms = 0;
	out->deadline.created_ms = env->now_ms;
	out->type = EV_DEADLINE_SET;
	return 0;
}

/* A reminder the daemon found due: still owed, not sent, when it is sent. */
static int session__decide_reminder(const sessions_t *t, const reminder_t *in,
				    const session_env_t *env, session_out_t *out, char *err,
				    size_t errlen)
{
	if (sessions_reminder_sent(t, in))
		return model_fail(err, errlen, VA_ALREADY_EXISTS, "reminder already sent");
	if (in->session != NULL && in->session[0] != '\0') {
		const session_t *s = sessions_get(t, in->session);
		if (s == NULL || s->status != SESSION_SCHEDULED || s->sequence != in->sequence ||
		    s->start_ms != in->due_ms)
			return model_fail(err, errlen, VA_FAILED_PRECONDITION,
					  "reminder: session '%s' changed", in->session);
		out->type = EV_SESSION_REMINDER;
	} else {
		const deadline_t *d = sessions_deadline_get(t, in->deadline);
		if (d == NULL || d->done || d->due_ms != in->due_ms)
			return model_fail(err, errlen, VA_FAILED_PRECONDITION,
					  "reminder: deadline '%s' changed",
					  in->deadline ? in->deadline : "");
		out->type = in->before_min > 0 ? EV_DEADLINE_APPROACHING : EV_DEADLINE_MISSED;
	}
	if (in->at_ms > env->now_ms)
		return model_fail(err, errlen, VA_FAILED_PRECONDITION,
				  "reminder: not due before %lld ms", (long long)in->at_ms);
	reminder_copy(&out->reminder, in);
	out->reminder.late = env->now_ms - in->at_ms > REMINDER_GRACE_MS;
	return 0;
}

int session_decide(const sessions_t *t, const cmd_t *cmd, const session_env_t *env,
		   session_out_t *out, char *err, size_t errlen)
{
	switch (cmd->type) {
	case CMD_SESSION_BOOK:
		return session__decide_book(t, &cmd->u.session, env, out, err, errlen);
	case CMD_SESSION_JOIN:
	case CMD_SESSION_LEAVE:
	case CMD_SESSION_CANCEL:
	case CMD_SESSION_RESCHEDULE:
	case CMD_SESSION_ATTENDANCE:
	case CMD_SESSION_EVALUATE:
		return session__decide_session(t, cmd, env, out, err, errlen);
	case CMD_DEADLINE_SET:
	case CMD_DEADLINE_DONE:
		return session__decide_deadline(t, cmd, env, out, err, errlen);
	case CMD_REMINDER_SEND:
		return session__decide_reminder(t, &cmd->u.reminder, env, out, err, errlen);
	default:
		return model_fail(err, errlen, VA_INVALID_ARGUMENT, "not a session command");
	}
}

int session_visit_check(const sessions_t *t, const char *id, const char *const *members,
			size_t n_members, int64_t now_ms, char *err, size_t errlen)
{
	const session_t *s = sessions_get(t, id);

	if (s == NULL)
		return model_fail(err, errlen, VA_NOT_FOUND, "session '%s' not found", id);
	if (s->kind != SESSION_KIND_VIRTUAL_VISIT)
		return model_fail(err, errlen, VA_FAILED_PRECONDITION,
				  "session '%s' is a %s, not a virtual visit", id,
				  session_kind_slug(s->kind));
	if (s->status != SESSION_SCHEDULED)
		return model_fail(err, errlen, VA_FAILED_PRECONDITION, "session '%s' is cancelled",
				  id);
	if (now_ms < session_end_ms(s))
		return model_fail(err, errlen, VA_FAILED_PRECONDITION,
				  "session '%s' has not ended yet", id);
	for (size_t i = 0; i < n_members; i++) {
		const session_participant_t *p = session__participant(s, members[i]);
		if (strcmp(members[i], s->host) == 0)
			continue;
		if (p == NULL || !p->attendance_recorded || p->attended == 0)
			return model_fail(err, errlen, VA_RULE_VIOLATION,
					  "mutual visit: member '%s' did not attend session '%s'",
					  members[i], id);
	}
	return 0;
}
