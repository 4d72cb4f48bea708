/*
 * rules - the partners' mobility rules (DOMAIN.md, "Partner rules") as
 * plain data, and the calendar arithmetic they need.  Part of the pure
 * state core: the rules reach state_decide through state_ctx_t, like the
 * clock, and every decision records the version (content hash) of the
 * rules it used.  Parsing the rules file (ZPL) is daemon/rules_file.c;
 * the format is documented in docs/RULES.md.
 *
 * Dates are calendar dates, int32 YYYYMMDD (20210315), both ends of a
 * mobility included.  A span is a count of days, weeks or calendar
 * months; a mobility "fits" a span when its last day is no later than
 * the day before start + span (4w from 2021-03-01: up to 2021-03-28;
 * 3m from 2021-06-21: up to 2021-09-20).
 */
#ifndef VA_STATE_RULES_H
#define VA_STATE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- dates */

/* date_valid - whether ymd is a real calendar date in years 1900..9999. */
bool date_valid(int32_t ymd);

/* date_days - days since 1970-01-01 of a valid date; and back. */
int64_t date_days(int32_t ymd);
int32_t date_from_days(int64_t days);

/* date_add_months - ymd + n calendar months, the day clamped to the
 * month's length (01-31 + 1 month = 02-28 or 02-29). */
int32_t date_add_months(int32_t ymd, int n);

/* date_text - "YYYY-MM-DD" into buf (at least 11 bytes); returns buf. */
char *date_text(int32_t ymd, char *buf, size_t len);

/* date_span_days - days from start to end, both included. */
int64_t date_span_days(int32_t start, int32_t end);

/* ---------------------------------------------------------------- spans */

typedef struct rules_span {
	int n;     /* 0: not set */
	char unit; /* 'd' days, 'w' weeks, 'm' calendar months */
} rules_span_t;

/* rules_span_last - the last day a mobility starting on `start` may end
 * on to fit the span. */
int32_t rules_span_last(int32_t start, rules_span_t s);

/* rules_span_fits - whether start..end fits the span (a span not set
 * fits everything). */
bool rules_span_fits(int32_t start, int32_t end, rules_span_t s);

/* rules_span_text - "4 weeks", "3 months", "90 days" into buf. */
char *rules_span_text(rules_span_t s, char *buf, size_t len);

/* -------------------------------------------------------------- windows */

/* A yearly recurring window of month-days, MMDD, both ends included; it
 * wraps around the new year when from > until (09-01..06-20). */
typedef struct rules_window {
	int from_md;
	int until_md;
} rules_window_t;

/* rules_windows_cover - whether every day of start..end lies in one of
 * the windows (n 0: false). */
bool rules_windows_cover(const rules_window_t *w, size_t n, int32_t start, int32_t end);

/* rules_windows_text - "06-21..08-31, 12-22..01-02" into buf. */
char *rules_windows_text(const rules_window_t *w, size_t n, char *buf, size_t len);

/* ---------------------------------------------------------------- rules */

typedef enum {
	POLICY_ALLOWED = 0,
	POLICY_NEEDS_REVIEW = 1,
	POLICY_NOT_ALLOWED = 2,
} rules_policy_t;

/* policy_slug - "allowed", "needs-review", "not-allowed". */
const char *rules_policy_slug(rules_policy_t p);

/* No physical mobility to or from the partner between two dates (both
 * included); until 0: no end announced. */
typedef struct rules_embargo {
	char *name;
	int32_t from;
	int32_t until;
	char *note;
} rules_embargo_t;

typedef struct partner_rules {
	char *partner;
	/* its own learners, on physical or blended mobilities */
	rules_span_t max_abroad;
	rules_span_t holiday_max; /* paid internships inside a holiday window */
	rules_window_t *holidays;
	size_t n_holidays;
	rules_policy_t sends_long_term;
	rules_policy_t receives_long_term;
	/* its teachers and staff: when they may go (none: any time) */
	rules_window_t *staff_windows;
	size_t n_staff_windows;
	rules_embargo_t *embargoes;
	size_t n_embargoes;
} partner_rules_t;

typedef struct rules {
	char *source;             /* where they came from: a path, or "built-in" */
	char version[17];         /* content hash, 16 hex digits */
	int64_t loaded_ms;        /* set by whoever loads them */
	rules_span_t long_term;   /* a learner mobility this long or longer is long-term */
	unsigned small_group_max; /* readiness: a group this size or smaller is small; 0 unset */
	partner_rules_t *partners;
	size_t n_partners;
} rules_t;

/* rules_hash_text - the FNV-1a 64-bit hash of a text as 16 hex digits
 * (the rules version; a certificate's content hash). */
void rules_hash_text(const char *text, char out[17]);

/* rules_free - free everything; sets *self_p to NULL.  Idempotent. */
void rules_free(rules_t **self_p);

/* rules_partner - the rules of one partner, or NULL (no rules). */
const partner_rules_t *rules_partner(const rules_t *r, const char *partner);

#endif
