/*
 * mobility - see mobility.h.
 *
 * Storage: mobilities are kept in an array of pointers in proposal order
 * (hundreds per project at most); lists are sorted by id on the way out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "state/mobility.h"
#include "state/model.h"
#include "state/objtab.h"

struct mobilities {
	objtab_t tab; /* of mobility_t */
};

static void *mobility__xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (p == NULL)
		abort();
	return p;
}

/* ------------------------------------------------------------- memory */

static void mobility__review_release(mobility_review_t *r)
{
	free(r->partner);
	free(r->rule);
	free(r->by);
	free(r->reason);
}

static void mobility__step_release(mobility_step_t *s)
{
	free(s->actor);
	free(s->by);
	free(s->reason);
}

static void mobility__cert_release(certificate_t *c)
{
	free(c->issued_by);
	strlist_release(&c->activities);
	strlist_release(&c->outcomes);
	free(c->hash);
	free(c->countersigned_by);
	memset(c, 0, sizeof *c);
}

static void mobility__cert_copy(certificate_t *dst, const certificate_t *src)
{
	dst->issued_by = model_strdup(src->issued_by);
	dst->issued_ms = src->issued_ms;
	strlist_copy(&dst->activities, &src->activities);
	strlist_copy(&dst->outcomes, &src->outcomes);
	dst->hash = model_strdup(src->hash);
	dst->countersigned_by = model_strdup(src->countersigned_by);
	dst->countersigned_ms = src->countersigned_ms;
}

void mobility_release(mobility_t *m)
{
	free(m->id);
	free(m->participant);
	free(m->sending);
	free(m->host);
	free(m->sending_partner);
	free(m->host_partner);
	free(m->sector);
	free(m->group);
	strlist_release(&m->units);
	free(m->rules_version);
	for (size_t i = 0; i < m->n_reviews; i++)
		mobility__review_release(&m->reviews[i]);
	free(m->reviews);
	for (size_t i = 0; i < m->n_history; i++)
		mobility__step_release(&m->history[i]);
	free(m->history);
	mobility__cert_release(&m->cert);
	memset(m, 0, sizeof *m);
}

void mobility_copy(mobility_t *dst, const mobility_t *src)
{
	*dst = *src; /* the scalars */
	dst->id = model_strdup(src->id);
	dst->participant = model_strdup(src->participant);
	dst->sending = model_strdup(src->sending);
	dst->host = model_strdup(src->host);
	dst->sending_partner = model_strdup(src->sending_partner);
	dst->host_partner = model_strdup(src->host_partner);
	dst->sector = model_strdup(src->sector);
	dst->group = model_strdup(src->group);
	memset(&dst->units, 0, sizeof dst->units);
	strlist_copy(&dst->units, &src->units);
	dst->rules_version = model_strdup(src->rules_version);
	dst->reviews =
	    src->n_reviews ? mobility__xcalloc(src->n_reviews, sizeof *dst->reviews) : NULL;
	for (size_t i = 0; i < src->n_reviews; i++) {
		const mobility_review_t *r = &src->reviews[i];
		dst->reviews[i] = *r;
		dst->reviews[i].partner = model_strdup(r->partner);
		dst->reviews[i].rule = model_strdup(r->rule);
		dst->reviews[i].by = model_strdup(r->by);
		dst->reviews[i].reason = model_strdup(r->reason);
	}
	dst->history =
	    src->n_history ? mobility__xcalloc(src->n_history, sizeof *dst->history) : NULL;
	for (size_t i = 0; i < src->n_history; i++) {
		const mobility_step_t *s = &src->history[i];
		dst->history[i] = *s;
		dst->history[i].actor = model_strdup(s->actor);
		dst->history[i].by = model_strdup(s->by);
		dst->history[i].reason = model_strdup(s->reason);
	}
	memset(&dst->cert, 0, sizeof dst->cert);
	mobility__cert_copy(&dst->cert, &src->cert);
}

void mobility_cmd_release(mobility_cmd_t *c)
{
	free(c->by);
	free(c->reason);
	strlist_release(&c->activities);
	strlist_release(&c->outcomes);
	mobility_release(&c->m);
	memset(c, 0, sizeof *c);
}

/* -------------------------------------------------------------- table */

mobilities_t *mobilities_new(void)
{
	mobilities_t *t = mobility__xcalloc(1, sizeof(mobilities_t));

	t->tab = (objtab_t)OBJTAB_INIT(mobility_t, mobility_copy, mobility_release);
	return t;
}

void mobilities_free(mobilities_t **self_p)
{
	if (self_p == NULL || *self_p == NULL)
		return;
	objtab_release(&(*self_p)->tab);
	free(*self_p);
	*self_p = NULL;
}

const mobility_t *mobilities_get(const mobilities_t *t, const char *id)
{
	return objtab_get(&t->tab, id);
}

size_t mobilities_list(const mobilities_t *t, const mobility_t ***out_p)
{
	void **v;
	size_t n = objtab_list(&t->tab, NULL, &v);

	*out_p = (const mobility_t **)v;
	return n;
}

void mobilities_put(mobilities_t *t, const mobility_t *m)
{
	objtab_put(&t->tab, m);
}

size_t mobilities_group_size(const mobilities_t *t, const char *group)
{
	mobility_t *const *v = (mobility_t *const *)t->tab.v;
	size_t n = 0;

	if (group == NULL || *group == '\0')
		return 0;
	for (size_t i = 0; i < t->tab.n; i++)
		if (v[i]->group != NULL && strcmp(v[i]->group, group) == 0 &&
		    v[i]->status != MOBILITY_REJECTED && v[i]->status != MOBILITY_CANCELLED)
			n++;
	return n;
}

/* -------------------------------------------------------------- slugs */

const char *mobility_status_slug(mobility_status_t s)
{
	static const char *const v[] = {"unspecified", "proposed",  "needs-review",
					"approved",    "under-way", "completed",
					"certified",   "rejected",  "cancelled"};

	return (int)s >= 0 && s <= MOBILITY_STATUS_MAX ? v[s] : "unknown";
}

const char *mobility_kind_slug(participant_kind_t k)
{
	static const char *const v[] = {"unspecified", "learner", "recent-graduate",
					"teacher",     "staff",   "company-expert"};

	return (int)k >= 0 && k <= PARTICIPANT_MAX ? v[k] : "unknown";
}

const char *mobility_format_slug(mobility_format_t f)
{
	static const char *const v[] = {"unspecified", "physical", "virtual", "blended"};

	return (int)f >= 0 && f <= MOBILITY_FORMAT_MAX ? v[f] : "unknown";
}

const char *mobility_cefr_slug(cefr_t c)
{
	static const char *const v[] = {"unknown", "A1", "A2", "B1", "B2", "C1", "C2"};

	return (int)c >= 0 && c <= CEFR_MAX ? v[c] : "unknown";
}

/* ------------------------------------------------------------ derived */

int64_t mobility_days(const mobility_t *m)
{
	if (!date_valid(m->start) || !date_valid(m->end))
		return 0;
	return date_span_days(m->start, m->end);
}

const char *mobility_project_band(const mobility_t *m)
{
	int64_t days = mobility_days(m);
	rules_span_t six_months = {6, 'm'};

	if (days < 28)
		return "under-4-weeks";
	if (days <= 84)
		return "4-12-weeks";
	if (rules_span_fits(m->start, m->end, six_months))
		return "3-6-months";
	return "over-6-months";
}

static int mobility__is_learner(participant_kind_t k)
{
	return k == PARTICIPANT_LEARNER || k == PARTICIPANT_RECENT_GRADUATE;
}

const char *mobility_erasmus_band(const mobility_t *m)
{
	int64_t days = mobility_days(m);

	if (mobility__is_learner(m->kind)) {
		if (days >= 10 && days <= 89)
			return "short-term";
		if (days >= 90 && days <= 365)
			return "erasmus-pro";
		return "none";
	}
	if (days >= 2 && days <= 60)
		return "staff-short";
	if (days >= 61 && days <= 365)
		return "staff-teaching";
	return "none";
}

/* ----------------------------------------------------------- readiness */

static void mobility__item(readiness_item_t *it, const char *condition, tri_t state,
			   const char *note)
{
	it->condition = condition;
	it->state = state;
	snprintf(it->note, sizeof it->note, "%s", note ? note : "");
}

void mobility_readiness(const mobility_t *m, size_t group_size, const rules_t *rules,
			readiness_item_t out[READINESS_ITEMS])
{
	const tri_t *f = m->facts;
	char note[96];
	tri_t t;

	mobility__item(&out[0], "company-experience", f[FACT_COMPANY_EXPERIENCE],
		       "previous experience in a company");
	if (m->english == CEFR_UNKNOWN || m->english_required == CEFR_UNKNOWN) {
		snprintf(note, sizeof note, "level %s, host requires %s",
			 mobility_cefr_slug(m->english), mobility_cefr_slug(m->english_required));
		t = TRI_UNKNOWN;
	} else {
		snprintf(note, sizeof note, "level %s, host requires %s",
			 mobility_cefr_slug(m->english), mobility_cefr_slug(m->english_required));
		t = m->english >= m->english_required ? TRI_YES : TRI_NO;
	}
	mobility__item(&out[1], "english-level", t, note);
	mobility__item(&out[2], "finding-companies", f[FACT_FOUND_COMPANY],
		       "the learner took part in finding companies");
	if (m->group == NULL || *m->group == '\0') {
		mobility__item(&out[3], "small-group", TRI_NO, "travels alone");
	} else if (rules == NULL || rules->small_group_max == 0) {
		snprintf(note, sizeof note, "group '%s' of %zu; the rules set no small-group size",
			 m->group, group_size);
		mobility__item(&out[3], "small-group", TRI_UNKNOWN, note);
	} else {
		snprintf(note, sizeof note, "group '%s' of %zu (small: at most %u)", m->group,
			 group_size, rules->small_group_max);
		mobility__item(&out[3], "small-group",
			       group_size <= rules->small_group_max ? TRI_YES : TRI_NO, note);
	}
	if (f[FACT_SOFT_LANDING] == TRI_YES || f[FACT_HOST_WELCOME] == TRI_YES)
		t = TRI_YES;
	else if (f[FACT_SOFT_LANDING] == TRI_NO && f[FACT_HOST_WELCOME] == TRI_NO)
		t = TRI_NO;
	else
		t = TRI_UNKNOWN;
	mobility__item(&out[4], "soft-landing", t,
		       "accompanied first days, or a host welcome with the sending peers");
	snprintf(note, sizeof note, "%zu unit%s of competence listed", m->units.n,
		 m->units.n == 1 ? "" : "s");
	t = f[FACT_UNITS_AGREED];
	if (t == TRI_YES && m->units.n == 0)
		t = TRI_UNKNOWN; /* agreed on nothing listed */
	mobility__item(&out[5], "units-agreed", t, note);
	mobility__item(&out[6], "skills-assessment", f[FACT_SKILLS_ASSESSED],
		       "what the learner knows and lacks, by the sending tutor");
	mobility__item(&out[7], "learning-pathway", f[FACT_LEARNING_PATHWAY],
		       "an individual pathway by both tutors");
	mobility__item(&out[8], "documented", f[FACT_DOCUMENTED],
		       "process, tasks and learning outcomes documented");
}

/* --------------------------------------------------------- certificate */

static void mobility__cat(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s ? s : "") + 1;

	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = realloc(*buf, *cap);
		if (*buf == NULL)
			abort();
	}
	memcpy(*buf + *len, s ? s : "", n - 1);
	*len += n;
	(*buf)[*len - 1] = '\x1f'; /* unit separator between fields */
	(*buf)[*len] = '\0';
}

void mobility_certificate_hash(const mobility_t *m, const certificate_t *c, char out[17])
{
	char *buf = NULL, num[64];
	size_t len = 0, cap = 0;

	mobility__cat(&buf, &len, &cap, m->id);
	mobility__cat(&buf, &len, &cap, mobility_kind_slug(m->kind));
	mobility__cat(&buf, &len, &cap, m->participant);
	mobility__cat(&buf, &len, &cap, m->sending);
	mobility__cat(&buf, &len, &cap, m->host);
	mobility__cat(&buf, &len, &cap, m->sector);
	snprintf(num, sizeof num, "%d..%d %s", (int)m->start, (int)m->end,
		 mobility_format_slug(m->format));
	mobility__cat(&buf, &len, &cap, num);
	snprintf(num, sizeof num, "activities %zu", c->activities.n);
	mobility__cat(&buf, &len, &cap, num);
	for (size_t i = 0; i < c->activities.n; i++)
		mobility__cat(&buf, &len, &cap, c->activities.v[i]);
	snprintf(num, sizeof num, "outcomes %zu", c->outcomes.n);
	mobility__cat(&buf, &len, &cap, num);
	for (size_t i = 0; i < c->outcomes.n; i++)
		mobility__cat(&buf, &len, &cap, c->outcomes.v[i]);
	mobility__cat(&buf, &len, &cap, c->issued_by);
	snprintf(num, sizeof num, "%lld", (long long)c->issued_ms);
	mobility__cat(&buf, &len, &cap, num);
	rules_hash_text(buf, out);
	free(buf);
}

/* -------------------------------------------------------------- rules */

static int mobility__abroad(const mobility_t *m)
{
	return m->format == MOBILITY_FORMAT_PHYSICAL || m->format == MOBILITY_FORMAT_BLENDED;
}

static int mobility__overlaps(const rules_embargo_t *e, const mobility_t *m)
{
	return m->end >= e->from && (e->until == 0 || m->start <= e->until);
}

/* Embargo windows of one partner on physical mobilities. */
static int mobility__check_embargo(const partner_rules_t *pr, const mobility_t *m, char *err,
				   size_t errlen)
{
	char from[16], until[16];

	if (pr == NULL || m->format != MOBILITY_FORMAT_PHYSICAL)
		return 0;
	for (size_t i = 0; i < pr->n_embargoes; i++) {
		const rules_embargo_t *e = &pr->embargoes[i];
		if (!mobility__overlaps(e, m))
			continue;
		date_text(e->from, from, sizeof from);
		if (e->until != 0)
			date_text(e->until, until, sizeof until);
		return model_fail(err, errlen, VA_RULE_VIOLATION,
				  "%s: embargo '%s': no physical mobilities from %s%s%s%s%s; "
				  "make it virtual or blended",
				  pr->partner, e->name, from, e->until ? " until " : " on",
				  e->until ? until : "", e->note && *e->note ? " - " : "",
				  e->note ? e->note : "");
	}
	return 0;
}

/* The first day of start..end outside every window (for the message). */
static int32_t mobility__first_outside(const rules_window_t *w, size_t n, int32_t start,
				       int32_t end)
{
	for (int64_t d = date_days(start); d <= date_days(end); d++) {
		int32_t day = date_from_days(d);
		if (!rules_windows_cover(w, n, day, day))
			return day;
	}
	return end;
}

static int mobility__check_staff(const partner_rules_t *pr, const mobility_t *m, char *err,
				 size_t errlen)
{
	char windows[128], day[16];

	if (pr == NULL || pr->n_staff_windows == 0 || !mobility__abroad(m) ||
	    (m->kind != PARTICIPANT_TEACHER && m->kind != PARTICIPANT_STAFF))
		return 0;
	if (rules_windows_cover(pr->staff_windows, pr->n_staff_windows, m->start, m->end))
		return 0;
	rules_windows_text(pr->staff_windows, pr->n_staff_windows, windows, sizeof windows);
	date_text(mobility__first_outside(pr->staff_windows, pr->n_staff_windows, m->start, m->end),
		  day, sizeof day);
	return model_fail(err, errlen, VA_RULE_VIOLATION,
			  "%s: staff-periods: its teachers and staff may go only within %s; "
			  "%s is outside",
			  pr->partner, windows, day);
}

/* The sending partner's maximum time abroad for its learners.  *note
 * receives the exception used, if any. */
static int mobility__check_max_abroad(const partner_rules_t *pr, const mobility_t *m, char *note,
				      size_t notelen, char *err, size_t errlen)
{
	char max[32], hmax[32], windows[128], last[16];
	int64_t days = mobility_days(m);

	if (pr == NULL || pr->max_abroad.n == 0 || m->kind != PARTICIPANT_LEARNER ||
	    !mobility__abroad(m) || rules_span_fits(m->start, m->end, pr->max_abroad))
		return 0;
	rules_span_text(pr->max_abroad, max, sizeof max);
	date_text(rules_span_last(m->start, pr->max_abroad), last, sizeof last);
	if (pr->holiday_max.n == 0)
		return model_fail(err, errlen, VA_RULE_VIOLATION,
				  "%s: max-abroad: its learners may be abroad at most %s "
				  "(from this start, until %s); this mobility lasts %lld days",
				  pr->partner, max, last, (long long)days);
	rules_span_text(pr->holiday_max, hmax, sizeof hmax);
	rules_windows_text(pr->holidays, pr->n_holidays, windows, sizeof windows);
	if (m->paid && rules_windows_cover(pr->holidays, pr->n_holidays, m->start, m->end) &&
	    rules_span_fits(m->start, m->end, pr->holiday_max)) {
		snprintf(note, notelen,
			 "%s: holiday-internship: a paid internship in the holidays "
			 "may last up to %s",
			 pr->partner, hmax);
		return 0;
	}
	if (m->paid && rules_windows_cover(pr->holidays, pr->n_holidays, m->start, m->end))
		return model_fail(
		    err, errlen, VA_RULE_VIOLATION,
		    "%s: holiday-internship: a paid internship in the holidays "
		    "may last at most %s (until %s); this one lasts %lld days",
		    pr->partner, hmax,
		    date_text(rules_span_last(m->start, pr->holiday_max), last, sizeof last),
		    (long long)days);
	return model_fail(err, errlen, VA_RULE_VIOLATION,
			  "%s: max-abroad: its learners may be abroad at most %s (from this "
			  "start, until %s); this mobility lasts %lld days; only a paid "
			  "internship within the holidays (%s) may last up to %s",
			  pr->partner, max, last, (long long)days, windows, hmax);
}

static void mobility__add_review(mobility_t *m, const char *partner, const char *rule)
{
	mobility_review_t *r;

	m->reviews = realloc(m->reviews, (m->n_reviews + 1) * sizeof *m->reviews);
	if (m->reviews == NULL)
		abort();
	r = &m->reviews[m->n_reviews++];
	memset(r, 0, sizeof *r);
	r->partner = model_strdup(partner);
	r->rule = model_strdup(rule);
}

/* Long-term learners: the sending partner's and the host partner's policy. */
static int mobility__check_long_term(const rules_t *rules, const partner_rules_t *send,
				     const partner_rules_t *host, mobility_t *m, char *err,
				     size_t errlen)
{
	char lt[32];
	const struct {
		const partner_rules_t *pr;
		rules_policy_t policy;
		const char *rule, *verb;
	} sides[2] = {
	    {send, send ? send->sends_long_term : POLICY_ALLOWED, "sends-long-term", "send"},
	    {host, host ? host->receives_long_term : POLICY_ALLOWED, "receives-long-term",
	     "receive"},
	};

	/* Long-term: lasting at least the span. */
	if (m->kind != PARTICIPANT_LEARNER || !mobility__abroad(m) || rules->long_term.n == 0 ||
	    m->end < rules_span_last(m->start, rules->long_term))
		return 0;
	rules_span_text(rules->long_term, lt, sizeof lt);
	for (int i = 0; i < 2; i++) {
		if (sides[i].pr == NULL || sides[i].policy != POLICY_NOT_ALLOWED)
			continue;
		return model_fail(err, errlen, VA_RULE_VIOLATION,
				  "%s: %s: it does not %s learners on long-term mobilities "
				  "(%s or more); this one lasts %lld days",
				  sides[i].pr->partner, sides[i].rule, sides[i].verb, lt,
				  (long long)mobility_days(m));
	}
	for (int i = 0; i < 2; i++)
		if (sides[i].pr != NULL && sides[i].policy == POLICY_NEEDS_REVIEW)
			mobility__add_review(m, sides[i].pr->partner, sides[i].rule);
	return 0;
}

/* ------------------------------------------------------------- decide */

static void mobility__step(mobility_t *m, mobility_status_t status, const mobility_env_t *env,
			   const char *by, const char *reason)
{
	mobility_step_t *s;

	m->history = realloc(m->history, (m->n_history + 1) * sizeof *m->history);
	if (m->history == NULL)
		abort();
	s = &m->history[m->n_history++];
	s->status = status;
	s->time_ms = env->now_ms;
	s->actor = model_strdup(env->actor ? env->actor : "");
	s->by = model_strdup(by ? by : "");
	s->reason = model_strdup(reason ? reason : "");
	m->status = status;
}

static int mobility__decide_propose(const mobilities_t *t, const mobility_cmd_t *in,
				    const mobility_env_t *env, mobility_t *after, ev_type_t *type,
				    char *err, size_t errlen)
{
	const mobility_t *m = &in->m;
	const centre_t *send, *host;
	const partner_rules_t *psend, *phost;
	char note[256] = "";
	int rc;

	if (mobilities_get(t, m->id) != NULL)
		return model_fail(err, errlen, VA_ALREADY_EXISTS, "mobility '%s' already exists",
				  m->id);
	if ((send = env->centre_get(env->arg, m->sending)) == NULL)
		return model_fail(err, errlen, VA_NOT_FOUND, "mobility.sending: no centre '%s'",
				  m->sending);
	if ((host = env->centre_get(env->arg, m->host)) == NULL)
		return model_fail(err, errlen, VA_NOT_FOUND, "mobility.host: no centre '%s'",
				  m->host);
	if (!env->sector_exists(env->arg, m->sector))
		return model_fail(err, errlen, VA_NOT_FOUND, "mobility.sector: no sector '%s'",
				  m->sector);
	if (strcmp(m->sending, m->host) == 0)
		return model_fail(err, errlen, VA_INVALID_ARGUMENT,
				  "mobility.host: the same centre as the sending one ('%s')",
				  m->host);
	if (strcmp(in->by, m->sending) != 0 && strcmp(in->by, m->host) != 0)
		return model_fail(err, errlen, VA_PERMISSION_DENIED,
				  "mobility '%s': only the sending ('%s') or the host ('%s') "
				  "institution may propose it, not '%s'",
				  m->id, m->sending, m->host, in->by);
	mobility_copy(after, m);
	free(after->sending_partner);
	free(after->host_partner);
	after->sending_partner = model_strdup(send->partner);
	after->host_partner = model_strdup(host->partner);
	/* What the daemon sets is never taken from the proposal. */
	after->status = MOBILITY_STATUS_UNSPECIFIED;
	for (size_t i = 0; i < after->n_reviews; i++)
		mobility__review_release(&after->reviews[i]);
	free(after->reviews);
	after->reviews = NULL;
	after->n_reviews = 0;
	for (size_t i = 0; i < after->n_history; i++)
		mobility__step_release(&after->history[i]);
	free(after->history);
	after->history = NULL;
	after->n_history = 0;
	mobility__cert_release(&after->cert);
	free(after->rules_version);
	after->rules_version = model_strdup(env->rules ? env->rules->version : "");

	psend = rules_partner(env->rules, send->partner);
	phost = rules_partner(env->rules, host->partner);
	if ((rc = mobility__check_embargo(psend, after, err, errlen)) < 0 ||
	    (phost != psend && (rc = mobility__check_embargo(phost, after, err, errlen)) < 0) ||
	    (rc = mobility__check_staff(psend, after, err, errlen)) < 0 ||
	    (rc = mobility__check_max_abroad(psend, after, note, sizeof note, err, errlen)) < 0 ||
	    (env->rules != NULL &&
	     (rc = mobility__check_long_term(env->rules, psend, phost, after, err, errlen)) < 0)) {
		mobility_release(after);
		return rc;
	}
	mobility__step(after, MOBILITY_PROPOSED, env, in->by, note);
	if (after->n_reviews > 0) {
		char why[256] = "";
		for (size_t i = 0; i < after->n_reviews; i++) {
			size_t off = strlen(why);
			snprintf(why + off, sizeof why - off, "%s%s: %s", i ? "; " : "",
				 after->reviews[i].partner, after->reviews[i].rule);
		}
		mobility__step(after, MOBILITY_NEEDS_REVIEW, env, in->by, why);
	}
	*type = EV_MOBILITY_PROPOSED;
	return 0;
}

/* Which institution of the mobility may take a step. */
enum { ROLE_HOST, ROLE_SENDING, ROLE_EITHER };

static const struct mobility_rule {
	cmd_type_t cmd;
	const char *verb;
	unsigned from;        /* bit (1u << status) of each status it starts from */
	mobility_status_t to; /* 0: stays */
	int role;
	ev_type_t ev;
} mobility__steps[] = {
    {CMD_MOBILITY_APPROVE, "approve", 1u << MOBILITY_PROPOSED, MOBILITY_APPROVED, ROLE_HOST,
     EV_MOBILITY_APPROVED},
    {CMD_MOBILITY_REJECT, "reject", 1u << MOBILITY_PROPOSED | 1u << MOBILITY_NEEDS_REVIEW,
     MOBILITY_REJECTED, ROLE_HOST, EV_MOBILITY_REJECTED},
    {CMD_MOBILITY_START, "start", 1u << MOBILITY_APPROVED, MOBILITY_UNDER_WAY, ROLE_EITHER,
     EV_MOBILITY_STARTED},
    {CMD_MOBILITY_COMPLETE, "complete", 1u << MOBILITY_UNDER_WAY, MOBILITY_COMPLETED, ROLE_EITHER,
     EV_MOBILITY_COMPLETED},
    {CMD_MOBILITY_CERTIFY, "certify", 1u << MOBILITY_COMPLETED, MOBILITY_CERTIFIED, ROLE_HOST,
     EV_MOBILITY_CERTIFIED},
    {CMD_MOBILITY_COUNTERSIGN, "countersign", 1u << MOBILITY_CERTIFIED, 0, ROLE_SENDING,
     EV_MOBILITY_COUNTERSIGNED},
    {CMD_MOBILITY_CANCEL, "cancel",
     1u << MOBILITY_PROPOSED | 1u << MOBILITY_NEEDS_REVIEW | 1u << MOBILITY_APPROVED |
	 1u << MOBILITY_UNDER_WAY,
     MOBILITY_CANCELLED, ROLE_EITHER, EV_MOBILITY_CANCELLED},
    {CMD_MOBILITY_PREPARE, "prepare",
     1u << MOBILITY_PROPOSED | 1u << MOBILITY_NEEDS_REVIEW | 1u << MOBILITY_APPROVED |
	 1u << MOBILITY_UNDER_WAY | 1u << MOBILITY_COMPLETED,
     0, ROLE_EITHER, EV_MOBILITY_PREPARED},
};

/* "proposed or needs-review" */
static void mobility__statuses(unsigned mask, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int s = 1; s <= MOBILITY_STATUS_MAX; s++) {
		size_t off = strlen(buf);
		if (mask & (1u << s))
			snprintf(buf + off, len - off, "%s%s", off ? " or " : "",
				 mobility_status_slug((mobility_status_t)s));
	}
}

static int mobility__check_role(const mobility_t *cur, const struct mobility_rule *r,
				const char *by, char *err, size_t errlen)
{
	int host = strcmp(by, cur->host) == 0, sending = strcmp(by, cur->sending) == 0;

	if ((r->role == ROLE_HOST && host) || (r->role == ROLE_SENDING && sending) ||
	    (r->role == ROLE_EITHER && (host || sending)))
		return 0;
	if (r->role == ROLE_EITHER)
		return model_fail(err, errlen, VA_PERMISSION_DENIED,
				  "mobility '%s': only the sending ('%s') or the host ('%s') "
				  "institution may %s it, not '%s'",
				  cur->id, cur->sending, cur->host, r->verb, by);
	return model_fail(err, errlen, VA_PERMISSION_DENIED,
			  "mobility '%s': only the %s institution ('%s') may %s it, not '%s'",
			  cur->id, r->role == ROLE_HOST ? "host" : "sending",
			  r->role == ROLE_HOST ? cur->host : cur->sending, r->verb, by);
}

static int mobility__decide_review(const mobility_t *cur, const mobility_cmd_t *in,
				   const mobility_env_t *env, mobility_t *after, ev_type_t *type,
				   char *err, size_t errlen)
{
	mobility_review_t *r = NULL;
	size_t pending = 0;
	char why[256];

	if (cur->status != MOBILITY_NEEDS_REVIEW)
		return model_fail(err, errlen, VA_FAILED_PRECONDITION,
				  "mobility '%s': cannot review: it is %s; review needs "
				  "needs-review",
				  cur->id, mobility_status_slug(cur->status));
	mobility_copy(after, cur);
	for (size_t i = 0; i < after->n_reviews; i++) {
		if (after->reviews[i].decision != TRI_UNKNOWN)
			continue;
		if (r == NULL && strcmp(after->reviews[i].partner, in->by) == 0)
			r = &after->reviews[i];
		else
			pending++;
	}
	if (r == NULL) {
		mobility_release(after);
		return model_fail(err, errlen, VA_PERMISSION_DENIED,
				  "mobility '%s': no review of partner '%s' is pending", cur->id,
				  in->by);
	}
	r->decision = in->accept ? TRI_YES : TRI_NO;
	free(r->by);
	free(r->reason);
	r->by = model_strdup(in->by);
	r->time_ms = env->now_ms;
	r->reason = model_strdup(in->reason ? in->reason : "");
	*type = EV_MOBILITY_REVIEWED;
	if (!in->accept) {
		snprintf(why, sizeof why, "%s refused (%s)%s%s", r->partner, r->rule,
			 in->reason && *in->reason ? ": " : "", in->reason ? in->reason : "");
		mobility__step(after, MOBILITY_REJECTED, env, in->by, why);
	} else if (pending == 0) {
		mobility__step(after, MOBILITY_PROPOSED, env, in->by, "every review accepted");
	}
	return 0;
}

static int mobility__decide_step(const mobility_t *cur, const cmd_t *cmd, const mobility_env_t *env,
				 mobility_t *after, ev_type_t *type, char *err, size_t errlen)
{
	const mobility_cmd_t *in = &cmd->u.mcmd;
	const struct mobility_rule *r = NULL;
	char want[96], hash[17];
	int rc;

	for (size_t i = 0; i < sizeof mobility__steps / sizeof mobility__steps[0]; i++)
		if (mobility__steps[i].cmd == cmd->type)
			r = &mobility__steps[i];
	if (r == NULL)
		return model_fail(err, errlen, VA_INVALID_ARGUMENT, "unknown mobility command");
	if (!(r->from & (1u << cur->status))) {
		mobility__statuses(r->from, want, sizeof want);
		return model_fail(err, errlen, VA_FAILED_PRECONDITION,
				  "mobility '%s': cannot %s: it is %s; %s needs %s", cur->id,
				  r->verb, mobility_status_slug(cur->status), r->verb, want);
	}
	if ((rc = mobility__check_role(cur, r, in->by, err, errlen)) < 0)
		return rc;
	if (cmd->type == CMD_MOBILITY_COUNTERSIGN && cur->cert.countersigned_ms != 0)
		return model_fail(err, errlen, VA_ALREADY_EXISTS,
				  "mobility '%s': the certificate is already countersigned by "
				  "'%s'",
				  cur->id, cur->cert.countersigned_by);
	mobility_copy(after, cur);
	*type = r->ev;
	switch (cmd->type) {
	case CMD_MOBILITY_CERTIFY:
		mobility__cert_release(&after->cert);
		after->cert.issued_by = model_strdup(in->by);
		after->cert.issued_ms = env->now_ms;
		strlist_copy(&after->cert.activities, &in->activities);
		strlist_copy(&after->cert.outcomes, &in->outcomes);
		mobility_certificate_hash(after, &after->cert, hash);
		after->cert.hash = model_strdup(hash);
		break;
	case CMD_MOBILITY_COUNTERSIGN:
		free(after->cert.countersigned_by);
		after->cert.countersigned_by = model_strdup(in->by);
		after->cert.countersigned_ms = env->now_ms;
		break;
	case CMD_MOBILITY_PREPARE:
		for (int f = 0; f < FACT_COUNT; f++)
			if (in->m.facts[f] != TRI_UNKNOWN)
				after->facts[f] = in->m.facts[f];
		if (in->m.english != CEFR_UNKNOWN)
			after->english = in->m.english;
		if (in->m.english_required != CEFR_UNKNOWN)
			after->english_required = in->m.english_required;
		if (in->m.units.n > 0) {
			strlist_release(&after->units);
			strlist_copy(&after->units, &in->m.units);
		}
		break;
	default:
		break;
	}
	if (r->to != MOBILITY_STATUS_UNSPECIFIED)
		mobility__step(after, r->to, env, in->by, in->reason);
	return 0;
}

int mobility_decide(const mobilities_t *t, const cmd_t *cmd, const mobility_env_t *env,
		    mobility_t *after, ev_type_t *type, char *err, size_t errlen)
{
	const mobility_cmd_t *in = &cmd->u.mcmd;
	const mobility_t *cur;

	if (cmd->type == CMD_MOBILITY_PROPOSE)
		return mobility__decide_propose(t, in, env, after, type, err, errlen);
	cur = mobilities_get(t, in->m.id);
	if (cur == NULL)
		return model_fail(err, errlen, VA_NOT_FOUND, "mobility '%s' not found", in->m.id);
	if (cmd->type == CMD_MOBILITY_REVIEW)
		return mobility__decide_review(cur, in, env, after, type, err, errlen);
	return mobility__decide_step(cur, cmd, env, after, type, err, errlen);
}
