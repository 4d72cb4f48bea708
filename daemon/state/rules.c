/*
 * rules - see rules.h.  The day numbers are Howard Hinnant's
 * days-from-civil algorithm (proleptic Gregorian calendar).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/rules.h"

static int rules__leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int rules__mdays(int y, int m)
{
	static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && rules__leap(y) ? 29 : d[m - 1];
}

bool date_valid(int32_t ymd)
{
	int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;

	if (ymd < 19000101 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= rules__mdays(y, m);
}

int64_t date_days(int32_t ymd)
{
	int64_t y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int32_t date_from_days(int64_t z)
{
	int64_t era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	return (int32_t)(y * 10000 + m * 100 + d);
}

int32_t date_add_months(int32_t ymd, int n)
{
	int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
	int months = y * 12 + (m - 1) + n;

	y = months / 12;
	m = months % 12 + 1;
	if (d > rules__mdays(y, m))
		d = rules__mdays(y, m);
	return y * 10000 + m * 100 + d;
}

char *date_text(int32_t ymd, char *buf, size_t len)
{
	snprintf(buf, len, "%04d-%02d-%02d", ymd / 10000, ymd / 100 % 100, ymd % 100);
	return buf;
}

int64_t date_span_days(int32_t start, int32_t end)
{
	return date_days(end) - date_days(start) + 1;
}

int32_t rules_span_last(int32_t start, rules_span_t s)
{
	int64_t day = date_days(start);

	switch (s.unit) {
	case 'w':
		return date_from_days(day + 7LL * s.n - 1);
	case 'm':
		return date_from_days(date_days(date_add_months(start, s.n)) - 1);
	default:
		return date_from_days(day + s.n - 1);
	}
}

bool rules_span_fits(int32_t start, int32_t end, rules_span_t s)
{
	if (s.n <= 0)
		return true;
	return end <= rules_span_last(start, s);
}

char *rules_span_text(rules_span_t s, char *buf, size_t len)
{
	const char *unit = s.unit == 'w' ? "week" : s.unit == 'm' ? "month" : "day";

	snprintf(buf, len, "%d %s%s", s.n, unit, s.n == 1 ? "" : "s");
	return buf;
}

static bool rules__in_window(const rules_window_t *w, int md)
{
	if (w->from_md <= w->until_md)
		return md >= w->from_md && md <= w->until_md;
	return md >= w->from_md || md <= w->until_md;
}

bool rules_windows_cover(const rules_window_t *w, size_t n, int32_t start, int32_t end)
{
	int64_t first = date_days(start), last = date_days(end);

	/* No window is longer than a year: a longer period never fits. */
	if (n == 0 || last - first > 366)
		return false;
	for (size_t i = 0; i < n; i++) {
		int64_t d = first;
		while (d <= last && rules__in_window(&w[i], date_from_days(d) % 10000))
			d++;
		if (d > last)
			return true;
	}
	return false;
}

char *rules_windows_text(const rules_window_t *w, size_t n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++) {
		int k = snprintf(buf + off, len - off, "%s%02d-%02d..%02d-%02d", i ? ", " : "",
				 w[i].from_md / 100, w[i].from_md % 100, w[i].until_md / 100,
				 w[i].until_md % 100);
		if (k < 0)
			break;
		off += (size_t)k;
	}
	return buf;
}

const char *rules_policy_slug(rules_policy_t p)
{
	switch (p) {
	case POLICY_ALLOWED:
		return "allowed";
	case POLICY_NEEDS_REVIEW:
		return "needs-review";
	case POLICY_NOT_ALLOWED:
		return "not-allowed";
	}
	return "unknown";
}

void rules_hash_text(const char *text, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
		h ^= *s;
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

void rules_free(rules_t **self_p)
{
	rules_t *r;

	if (self_p == NULL || *self_p == NULL)
		return;
	r = *self_p;
	for (size_t i = 0; i < r->n_partners; i++) {
		partner_rules_t *p = &r->partners[i];
		free(p->partner);
		free(p->holidays);
		free(p->staff_windows);
		for (size_t k = 0; k < p->n_embargoes; k++) {
			free(p->embargoes[k].name);
			free(p->embargoes[k].note);
		}
		free(p->embargoes);
	}
	free(r->partners);
	free(r->source);
	free(r);
	*self_p = NULL;
}

const partner_rules_t *rules_partner(const rules_t *r, const char *partner)
{
	for (size_t i = 0; r != NULL && partner != NULL && i < r->n_partners; i++)
		if (strcmp(r->partners[i].partner, partner) == 0)
			return &r->partners[i];
	return NULL;
}
