/*
 * vetctl/mobility_print - see mobility_print.h.
 *
 * The report counts each mobility under its sending partner (whose
 * learners and staff go), its duration band and its format - once by the
 * project's bands, once by the Erasmus+ VET bands - and then by status.
 * Rejected and cancelled mobilities are counted by status only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <vetalliance/json.h>

#include "vetctl/mobility_print.h"

typedef Vetalliance__V1__Mobility mobility_t;

static const char *slug(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t len)
{
	if (va_enum_slug(d, value, buf, len) == NULL)
		snprintf(buf, len, "%d", value);
	return buf;
}

static const char *status_slug(int s, char *buf, size_t len)
{
	return slug(&vetalliance__v1__mobility_status__descriptor, s, buf, len);
}

static const char *date_str(int ymd, char *buf, size_t len)
{
	snprintf(buf, len, "%04d-%02d-%02d", ymd / 10000, ymd / 100 % 100, ymd % 100);
	return buf;
}

int vetctl_parse_ymd(const char *s)
{
	int y, m, d, n = 0;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || s[n] != '\0' ||
	    y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 0;
	return y * 10000 + m * 100 + d;
}

static int print_json(const ProtobufCMessage *m)
{
	char *text = va_json_message(m);

	if (text == NULL)
		return -1;
	printf("%s\n", text);
	free(text);
	return 0;
}

/* --------------------------------------------------------------- show */

int vetctl_mobility_show(const va_reply_t *reply, int json)
{
	const mobility_t *m = reply->mobility;
	char a[32], b[32], c[32];

	if (json)
		return print_json(&reply->base);
	if (m == NULL)
		return 0;
	printf("mobility %s: %s\n", m->id, status_slug(m->status, a, sizeof a));
	printf(
	    "  participant  %s (%s)\n", m->participant,
	    slug(&vetalliance__v1__participant_kind__descriptor, m->participant_kind, a, sizeof a));
	printf("  from         %s (%s)\n", m->sending, m->sending_partner);
	printf("  to           %s (%s)\n", m->host, m->host_partner);
	printf("  sector       %s\n", m->sector);
	printf("  dates        %s .. %s, %u days\n", date_str(m->start_date, a, sizeof a),
	       date_str(m->end_date, b, sizeof b), m->days);
	printf("  bands        %s (project), %s (Erasmus+)\n", m->project_band, m->erasmus_band);
	printf("  format       %s, %s\n",
	       slug(&vetalliance__v1__mobility_format__descriptor, m->format, c, sizeof c),
	       m->paid ? "paid" : "unpaid");
	if (m->group[0] != '\0')
		printf("  group        %s\n", m->group);
	for (size_t i = 0; i < m->n_units; i++)
		printf("  unit         %s\n", m->units[i]);
	printf("  rules        version %s\n", m->rules_version);
	for (size_t i = 0; i < m->n_reviews; i++) {
		const Vetalliance__V1__MobilityReview *r = m->reviews[i];
		printf("  review       %s (%s): %s%s%s\n", r->partner, r->rule,
		       r->decision == VETALLIANCE__V1__TRI__TRI_UNKNOWN ? "pending"
		       : r->decision == VETALLIANCE__V1__TRI__TRI_YES   ? "accepted"
									: "refused",
		       r->reason[0] ? ": " : "", r->reason);
	}
	printf("readiness (favourable conditions; soft checks):\n");
	for (size_t i = 0; i < m->n_readiness; i++) {
		const Vetalliance__V1__ReadinessItem *it = m->readiness[i];
		const char *state = it->state == VETALLIANCE__V1__TRI__TRI_YES  ? "met"
				    : it->state == VETALLIANCE__V1__TRI__TRI_NO ? "unmet"
										: "unknown";
		printf("  %-8s %-19s %s\n", state, it->condition, it->note);
	}
	printf("history:\n");
	for (size_t i = 0; i < m->n_history; i++) {
		const Vetalliance__V1__MobilityStep *s = m->history[i];
		printf("  %-13s by %s%s%s\n", status_slug(s->status, a, sizeof a), s->by,
		       s->reason[0] ? ": " : "", s->reason);
	}
	if (m->certificate != NULL && m->certificate->issued_ms != 0)
		printf("certificate: issued by %s, hash %s%s%s\n", m->certificate->issued_by,
		       m->certificate->hash,
		       m->certificate->countersigned_ms ? ", countersigned by "
							: ", not countersigned",
		       m->certificate->countersigned_ms ? m->certificate->countersigned_by : "");
	return 0;
}

/* -------------------------------------------------------- certificate */

int vetctl_mobility_certificate(const va_reply_t *reply, int json)
{
	const mobility_t *m = reply->mobility;
	const Vetalliance__V1__Certificate *c = m ? m->certificate : NULL;
	char a[32], b[32];

	if (c == NULL || c->issued_ms == 0) {
		fprintf(stderr, "vetctl: mobility '%s' has no certificate yet (status %s)\n",
			m ? m->id : "", m ? status_slug(m->status, a, sizeof a) : "");
		return 1;
	}
	if (json) {
		json_t *o = json_object(), *acts = json_array(), *outs = json_array();
		char *text;
		int rc;
		for (size_t i = 0; i < c->n_activities; i++)
			json_array_append_new(acts, json_string(c->activities[i]));
		for (size_t i = 0; i < c->n_outcomes; i++)
			json_array_append_new(outs, json_string(c->outcomes[i]));
		json_object_set_new(o, "mobility", json_string(m->id));
		json_object_set_new(o, "participant", json_string(m->participant));
		json_object_set_new(o, "participant_kind",
				    json_string(slug(&vetalliance__v1__participant_kind__descriptor,
						     m->participant_kind, a, sizeof a)));
		json_object_set_new(o, "sending", json_string(m->sending));
		json_object_set_new(o, "host", json_string(m->host));
		json_object_set_new(o, "sector", json_string(m->sector));
		json_object_set_new(o, "start_date",
				    json_string(date_str(m->start_date, a, sizeof a)));
		json_object_set_new(o, "end_date", json_string(date_str(m->end_date, b, sizeof b)));
		json_object_set_new(o, "days", json_integer(m->days));
		json_object_set_new(o, "activities", acts);
		json_object_set_new(o, "learning_outcomes", outs);
		json_object_set_new(o, "issued_by", json_string(c->issued_by));
		json_object_set_new(o, "issued_ms", json_integer(c->issued_ms));
		json_object_set_new(o, "countersigned_by", json_string(c->countersigned_by));
		json_object_set_new(o, "countersigned_ms", json_integer(c->countersigned_ms));
		json_object_set_new(o, "hash", json_string(c->hash));
		text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (text == NULL)
			return -1;
		rc = printf("%s\n", text) < 0 ? -1 : 0;
		free(text);
		return rc;
	}
	printf("CERTIFICATE OF PARTICIPATION\n\n");
	printf(
	    "This certifies that participant %s (%s)\n", m->participant,
	    slug(&vetalliance__v1__participant_kind__descriptor, m->participant_kind, a, sizeof a));
	printf("sent by %s (%s) took part in a %s mobility hosted by %s (%s),\n", m->sending,
	       m->sending_partner,
	       slug(&vetalliance__v1__mobility_format__descriptor, m->format, b, sizeof b), m->host,
	       m->host_partner);
	printf("sector %s, from %s to %s (%u days).\n\n", m->sector,
	       date_str(m->start_date, a, sizeof a), date_str(m->end_date, b, sizeof b), m->days);
	printf("Activities:\n");
	for (size_t i = 0; i < c->n_activities; i++)
		printf("  - %s\n", c->activities[i]);
	printf("Learning outcomes:\n");
	for (size_t i = 0; i < c->n_outcomes; i++)
		printf("  - %s\n", c->outcomes[i]);
	printf("\nIssued by the host: %s\n", c->issued_by);
	if (c->countersigned_ms != 0)
		printf("Countersigned by the sending institution: %s\n", c->countersigned_by);
	else
		printf("Countersigned by the sending institution: not yet (%s)\n", m->sending);
	printf("Mobility %s, certificate hash %s\n", m->id, c->hash);
	return 0;
}

/* ------------------------------------------------------------- report */

typedef struct row {
	char key[3][64]; /* partner, band, format; or status */
	unsigned count;
	unsigned long days;
} row_t;

static row_t *row_find(row_t **rows, size_t *n, const char *k0, const char *k1, const char *k2)
{
	row_t *r;

	for (size_t i = 0; i < *n; i++) {
		r = &(*rows)[i];
		if (strcmp(r->key[0], k0) == 0 && strcmp(r->key[1], k1) == 0 &&
		    strcmp(r->key[2], k2) == 0)
			return r;
	}
	r = realloc(*rows, (*n + 1) * sizeof **rows);
	if (r == NULL)
		return NULL;
	*rows = r;
	r = &(*rows)[(*n)++];
	memset(r, 0, sizeof *r);
	snprintf(r->key[0], sizeof r->key[0], "%s", k0);
	snprintf(r->key[1], sizeof r->key[1], "%s", k1);
	snprintf(r->key[2], sizeof r->key[2], "%s", k2);
	return r;
}

static int row_cmp(const void *a, const void *b)
{
	const row_t *x = a, *y = b;
	int c;

	for (int i = 0; i < 3; i++)
		if ((c = strcmp(x->key[i], y->key[i])) != 0)
			return c;
	return 0;
}

/* One CSV for both tables: "table,partner,band,format,status,mobilities,days",
 * the columns a table does not have left empty. */
static void print_csv(const char *table, int status_table, const row_t *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (status_table)
			printf("%s,,,,%s,%u,%lu\n", table, rows[i].key[0], rows[i].count,
			       rows[i].days);
		else
			printf("%s,%s,%s,%s,,%u,%lu\n", table, rows[i].key[0], rows[i].key[1],
			       rows[i].key[2], rows[i].count, rows[i].days);
	}
}

static void print_rows(const char *const *heads, int nkeys, const row_t *rows, size_t n)
{
	for (int k = 0; k < nkeys; k++)
		printf("%-16s", heads[k]);
	printf("%10s %8s\n", "MOBILITIES", "DAYS");
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < nkeys; k++)
			printf("%-16s", rows[i].key[k]);
		printf("%10u %8lu\n", rows[i].count, rows[i].days);
	}
}

static json_t *rows_json(const char *const *heads, int nkeys, const row_t *rows, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		for (int k = 0; k < nkeys; k++)
			json_object_set_new(o, heads[k], json_string(rows[i].key[k]));
		json_object_set_new(o, "mobilities", json_integer(rows[i].count));
		json_object_set_new(o, "days", json_integer((json_int_t)rows[i].days));
		json_array_append_new(a, o);
	}
	return a;
}

/* count - one mobility more (and its days) in the row of keys k0..k2. */
static int count(row_t **rows, size_t *n, const char *k0, const char *k1, const char *k2,
		 unsigned days)
{
	row_t *r = row_find(rows, n, k0, k1, k2);

	if (r == NULL)
		return -1;
	r->count++;
	r->days += days;
	return 0;
}

int vetctl_mobility_report(const va_reply_t *reply, int json, int csv)
{
	static const char *const heads[] = {"partner", "band", "format"};
	static const char *const theads[] = {"PARTNER", "BAND", "FORMAT"};
	static const char *const eheads[] = {"PARTNER", "ERASMUS+ BAND", "FORMAT"};
	static const char *const sheads[] = {"status"};
	static const char *const tsheads[] = {"STATUS"};
	const Vetalliance__V1__MobilityListResult *l = reply->mobilities;
	row_t *rows = NULL, *erasmus = NULL, *by_status = NULL;
	size_t nrows = 0, nerasmus = 0, nstatus = 0;
	int rc = -1;

	for (size_t i = 0; l != NULL && i < l->n_mobilities; i++) {
		const mobility_t *m = l->mobilities[i];
		char st[32], fmt[32];
		status_slug(m->status, st, sizeof st);
		if (count(&by_status, &nstatus, st, "", "", m->days) < 0)
			goto out;
		if (m->status == VETALLIANCE__V1__MOBILITY_STATUS__MOBILITY_STATUS_REJECTED ||
		    m->status == VETALLIANCE__V1__MOBILITY_STATUS__MOBILITY_STATUS_CANCELLED)
			continue;
		slug(&vetalliance__v1__mobility_format__descriptor, m->format, fmt, sizeof fmt);
		if (count(&rows, &nrows, m->sending_partner, m->project_band, fmt, m->days) < 0 ||
		    count(&erasmus, &nerasmus, m->sending_partner, m->erasmus_band, fmt, m->days) <
			0)
			goto out;
	}
	if (rows != NULL)
		qsort(rows, nrows, sizeof *rows, row_cmp);
	if (erasmus != NULL)
		qsort(erasmus, nerasmus, sizeof *erasmus, row_cmp);
	if (by_status != NULL)
		qsort(by_status, nstatus, sizeof *by_status, row_cmp);
	if (json) {
		json_t *o = json_object();
		char *text;
		json_object_set_new(o, "by_partner_band_format", rows_json(heads, 3, rows, nrows));
		json_object_set_new(o, "by_partner_erasmus_band_format",
				    rows_json(heads, 3, erasmus, nerasmus));
		json_object_set_new(o, "by_status", rows_json(sheads, 1, by_status, nstatus));
		text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (text == NULL)
			goto out;
		printf("%s\n", text);
		free(text);
	} else if (csv) {
		printf("table,partner,band,format,status,mobilities,days\n");
		print_csv("partner_band_format", 0, rows, nrows);
		print_csv("partner_erasmus_band_format", 0, erasmus, nerasmus);
		print_csv("status", 1, by_status, nstatus);
	} else {
		printf("mobilities by sending partner, project band and format (not rejected or "
		       "cancelled):\n");
		print_rows(theads, 3, rows, nrows);
		printf("\nthe same by Erasmus+ VET band:\n");
		print_rows(eheads, 3, erasmus, nerasmus);
		printf("\nmobilities by status:\n");
		print_rows(tsheads, 1, by_status, nstatus);
	}
	rc = 0;
out:
	free(rows);
	free(erasmus);
	free(by_status);
	return rc;
}
