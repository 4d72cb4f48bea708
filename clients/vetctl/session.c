/*
 * vetctl/session - the session, deadline and `report sessions` commands
 * of vetctl:
 *
 *   vetctl session book --id ID --host C --kind K --title T --start TIME
 *                       --duration MIN --time-zone ZONE --capacity N
 *                       [--notice MIN] [--language L] [--platform P] [--link URL]
 *   vetctl session join ID --centre C [--heads N]
 *   vetctl session leave ID --centre C
 *   vetctl session cancel ID --by C --reason TEXT
 *   vetctl session reschedule ID --by C --start TIME [--duration MIN] [--reason TEXT]
 *   vetctl session attendance ID --by C --centre C --attended N
 *   vetctl session evaluate ID --centre C --rating 1-5 [--comment TEXT]
 *   vetctl session visit ID --alliance A --by C
 *   vetctl session show ID | list [--centre C]     [--tz ZONE | --as C]
 *   vetctl session ics [ID | --all | --participant C]
 *   vetctl deadline set --id ID --title T --due TIME --owner O [--remind MIN]...
 *   vetctl deadline done ID --by O
 *   vetctl deadline list                            [--tz ZONE | --as C]
 *   vetctl report sessions
 *
 * Times.  The daemon stores UTC instants.  A TIME is "YYYY-MM-DDTHH:MM"
 * (or with a space, or a bare date for midnight) in the session's own
 * zone (book: --time-zone; reschedule: the session's), or in UTC with a
 * trailing 'Z'; a local time that does not exist (the hour skipped when
 * summer time starts) is refused.  Shown times are in the viewer's zone:
 * --tz, else the zone of the partner of the --as centre, else UTC.  The
 * conversion switches TZ and calls tzset/localtime_r, which is fine in a
 * single-threaded client.
 *
 * Calendar export (RFC 5545): one VEVENT per session, UID stable per
 * session id, DTSTART/DTEND in UTC, SEQUENCE the session's (raised on
 * every reschedule and on cancel), STATUS:CANCELLED once cancelled; lines
 * end in CRLF and are folded at 75 octets without splitting a UTF-8
 * character; text values are escaped.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>
#include <vetalliance/json.h>

#include "clock.h"
#include "vetctl/session.h"

#define PB(name)         Vetalliance__V1__##name
#define EXIT_REFUSED     1
#define MIN_MS           (60LL * 1000)
#define REMIND_MAX       8
#define DEFAULT_TIMEOUT  2000
#define DEFAULT_ATTEMPTS 3

enum sflag {
	S_ID,
	S_HOST,
	S_KIND,
	S_TITLE,
	S_LANGUAGE,
	S_PLATFORM,
	S_LINK,
	S_START,
	S_DURATION,
	S_TIME_ZONE,
	S_CAPACITY,
	S_NOTICE,
	S_CENTRE,
	S_HEADS,
	S_BY,
	S_REASON,
	S_ATTENDED,
	S_RATING,
	S_COMMENT,
	S_ALLIANCE,
	S_TZ,
	S_AS,
	S_ALL,
	S_PARTICIPANT,
	S_DUE,
	S_OWNER,
	S_REMIND,
	S_COUNT,
	/* global options */
	S_ENDPOINT = 100,
	S_JSON,
	S_TIMEOUT,
	S_ATTEMPTS,
	S_REQUEST_ID,
};

static const struct option sopts[] = {
    {"id", required_argument, NULL, S_ID},
    {"host", required_argument, NULL, S_HOST},
    {"kind", required_argument, NULL, S_KIND},
    {"title", required_argument, NULL, S_TITLE},
    {"language", required_argument, NULL, S_LANGUAGE},
    {"platform", required_argument, NULL, S_PLATFORM},
    {"link", required_argument, NULL, S_LINK},
    {"start", required_argument, NULL, S_START},
    {"duration", required_argument, NULL, S_DURATION},
    {"time-zone", required_argument, NULL, S_TIME_ZONE},
    {"capacity", required_argument, NULL, S_CAPACITY},
    {"notice", required_argument, NULL, S_NOTICE},
    {"centre", required_argument, NULL, S_CENTRE},
    {"heads", required_argument, NULL, S_HEADS},
    {"by", required_argument, NULL, S_BY},
    {"reason", required_argument, NULL, S_REASON},
    {"attended", required_argument, NULL, S_ATTENDED},
    {"rating", required_argument, NULL, S_RATING},
    {"comment", required_argument, NULL, S_COMMENT},
    {"alliance", required_argument, NULL, S_ALLIANCE},
    {"tz", required_argument, NULL, S_TZ},
    {"as", required_argument, NULL, S_AS},
    {"all", no_argument, NULL, S_ALL},
    {"participant", required_argument, NULL, S_PARTICIPANT},
    {"due", required_argument, NULL, S_DUE},
    {"owner", required_argument, NULL, S_OWNER},
    {"remind", required_argument, NULL, S_REMIND},
    {"endpoint", required_argument, NULL, S_ENDPOINT},
    {"json", no_argument, NULL, S_JSON},
    {"timeout", required_argument, NULL, S_TIMEOUT},
    {"attempts", required_argument, NULL, S_ATTEMPTS},
    {"request-id", required_argument, NULL, S_REQUEST_ID},
    {NULL, 0, NULL, 0},
};

struct sopts {
	const char *endpoint;
	int json;
	int timeout_ms;
	int attempts;
	const char *request_id;
	const char *v[S_COUNT];
	uint32_t remind[REMIND_MAX];
	size_t n_remind;
	const char *noun, *verb, *arg;
};

static void serr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void serr(const char *fmt, ...)
{
	va_list ap;

	fputs("vetctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'vetctl --help' for more information.\n", stderr);
}

/* ------------------------------------------------------------- times */

static void tz_use(const char *zone)
{
	setenv("TZ", zone, 1);
	tzset();
}

/* fmt_time - "2026-03-29 10:00 EEST (UTC+03:00)" of ms in zone. */
static void fmt_time(int64_t ms, const char *zone, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char day[64];
	long off;

	tz_use(zone);
	localtime_r(&t, &tm);
	strftime(day, sizeof day, "%Y-%m-%d %H:%M %Z", &tm);
	off = tm.tm_gmtoff;
	snprintf(buf, len, "%s (UTC%c%02ld:%02ld)", day, off < 0 ? '-' : '+', labs(off) / 3600,
		 labs(off) % 3600 / 60);
}

/*
 * parse_time - "YYYY-MM-DD[(T| )HH:MM][Z]" as an instant: in UTC with the
 * 'Z', else in `zone`.  Returns 0, or -1 after a message.
 */
static int parse_time(const char *s, const char *zone, const char *flag, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, n = 0;
	struct tm tm = {0}, back;
	time_t t;
	const char *rest;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31)
		goto bad;
	rest = s + n;
	if (*rest == 'T' || *rest == ' ') {
		if (sscanf(rest + 1, "%2d:%2d%n", &h, &mi, &n) != 2 || h > 23 || mi > 59 || h < 0 ||
		    mi < 0)
			goto bad;
		rest += 1 + n;
	}
	if (strcmp(rest, "Z") != 0 && *rest != '\0')
		goto bad;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	if (*rest == 'Z') {
		t = timegm(&tm);
	} else {
		tz_use(zone);
		t = mktime(&tm);
		localtime_r(&t, &back);
		if (back.tm_hour != h || back.tm_min != mi || back.tm_mday != d) {
			serr("invalid --%s '%s': that local time does not exist in %s (the clocks "
			     "skip it)",
			     flag, s, zone);
			return -1;
		}
	}
	*ms = (int64_t)t * 1000;
	return 0;
bad:
	serr("invalid --%s '%s': expected YYYY-MM-DDTHH:MM (local) or YYYY-MM-DDTHH:MMZ (UTC)",
	     flag, s);
	return -1;
}

static int parse_uint(const char *s, const char *flag, unsigned long max, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || v > max) {
		serr("invalid --%s '%s': expected a whole number 0..%lu", flag, s, max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* ------------------------------------------------------------ calls */

/* call - one request; 0 with *reply_p OK, else the exit code (after a
 * message, or after the JSON reply with --json). */
static int call(const struct sopts *o, va_request_t *req, va_reply_t **reply_p, int quiet_json)
{
	va_client_t *c = va_client_new(o->endpoint, o->timeout_ms, o->attempts);
	int rc;

	*reply_p = NULL;
	if (c == NULL) {
		serr("invalid endpoint '%s'", o->endpoint);
		return EX_USAGE;
	}
	if (o->request_id != NULL)
		req->request_id = (char *)o->request_id;
	rc = va_client_call(c, req, reply_p);
	va_client_free(&c);
	if (rc == -VA_DEADLINE_EXCEEDED) {
		fprintf(stderr, "vetctl: no reply from '%s' after %d attempt%s\n", o->endpoint,
			o->attempts, o->attempts == 1 ? "" : "s");
		return EX_UNAVAILABLE;
	}
	if (rc < 0) {
		fprintf(stderr, "vetctl: cannot send the request: %s\n", va_strerror(rc));
		return EX_SOFTWARE;
	}
	if (o->json && !quiet_json) {
		char *j = va_json_message(&(*reply_p)->base);
		printf("%s\n", j ? j : "{}");
		free(j);
	}
	if ((*reply_p)->status != VETALLIANCE__V1__STATUS__STATUS_OK) {
		fprintf(stderr, "vetctl: %s: %s\n", va_status_name((int)(*reply_p)->status),
			(*reply_p)->message && (*reply_p)->message[0]
			    ? (*reply_p)->message
			    : va_strerror((int)(*reply_p)->status));
		va_reply_free(reply_p);
		return EXIT_REFUSED;
	}
	return 0;
}

static int get_session(const struct sopts *o, const char *id, va_reply_t **reply_p)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	PB(SessionGet) g = VETALLIANCE__V1__SESSION_GET__INIT;

	g.id = (char *)id;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_SESSION_GET;
	req.session_get = &g;
	return call(o, &req, reply_p, 1);
}

/* viewer_zone - --tz, else the zone of the partner of --as, else UTC. */
static int viewer_zone(const struct sopts *o, char *buf, size_t len)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	PB(CentreGet) cg = VETALLIANCE__V1__CENTRE_GET__INIT;
	PB(PartnerGet) pg = VETALLIANCE__V1__PARTNER_GET__INIT;
	va_reply_t *reply = NULL;
	int rc;

	if (o->v[S_TZ] != NULL) {
		if (!clock_zone_valid(o->v[S_TZ])) {
			serr("invalid --tz '%s': not a time zone of the tz database", o->v[S_TZ]);
			return EX_USAGE;
		}
		snprintf(buf, len, "%s", o->v[S_TZ]);
		return 0;
	}
	snprintf(buf, len, "UTC");
	if (o->v[S_AS] == NULL)
		return 0;
	cg.id = (char *)o->v[S_AS];
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_GET;
	req.centre_get = &cg;
	if ((rc = call(o, &req, &reply, 1)) != 0)
		return rc;
	pg.id = reply->centre->partner;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_GET;
	req.partner_get = &pg;
	req.request_id = NULL;
	{
		va_reply_t *preply = NULL;
		rc = call(o, &req, &preply, 1);
		if (rc == 0 && clock_zone_valid(preply->partner->time_zone))
			snprintf(buf, len, "%s", preply->partner->time_zone);
		va_reply_free(&preply);
	}
	va_reply_free(&reply);
	return rc;
}

/* ----------------------------------------------------------- output */

static void print_session(const PB(Session) * s, const char *zone)
{
	char kind[64], when[96], host_when[96], end[96];
	int64_t end_ms = s->start_ms + (int64_t)s->duration_min * MIN_MS;

	va_enum_slug(&vetalliance__v1__session_kind__descriptor, (int)s->kind, kind, sizeof kind);
	fmt_time(s->start_ms, zone, when, sizeof when);
	fmt_time(end_ms, zone, end, sizeof end);
	fmt_time(s->start_ms, s->time_zone, host_when, sizeof host_when);
	printf("id:          %s\n", s->id);
	printf("title:       %s\n", s->title);
	printf("kind:        %s\n", kind);
	printf("host:        %s (%s)\n", s->host, s->time_zone);
	printf("status:      %s\n",
	       s->status == VETALLIANCE__V1__SESSION_STATUS__SESSION_STATUS_CANCELLED
		   ? "cancelled"
		   : "scheduled");
	printf("start:       %s\n", when);
	printf("end:         %s\n", end);
	printf("host time:   %s\n", host_when);
	printf("duration:    %u min\n", s->duration_min);
	printf("language:    %s\n", s->language);
	printf("platform:    %s\n", s->platform);
	printf("link:        %s\n", s->link);
	printf("capacity:    %u\n", s->capacity);
	printf("notice:      %u min\n", s->min_notice_min);
	printf("sequence:    %u\n", s->sequence);
	if (s->previous_start_ms > 0) {
		fmt_time(s->previous_start_ms, zone, when, sizeof when);
		printf("moved from:  %s\n", when);
	}
	if (s->reason[0] != '\0')
		printf("reason:      %s\n", s->reason);
	for (size_t i = 0; i < s->n_participants; i++) {
		const PB(SessionParticipant) *p = s->participants[i];
		printf("participant: %s, %u people", p->centre, p->head_count);
		if (p->attendance_recorded)
			printf(", %u attended", p->attended);
		if (p->rating > 0)
			printf(", rated %u: %s", p->rating, p->comment);
		putchar('\n');
	}
}

static void print_session_row(const PB(Session) * s, const char *zone)
{
	char when[96];

	fmt_time(s->start_ms, zone, when, sizeof when);
	printf("%-16s %-34s %4u min  %-10s %-12s %s\n", s->id, when, s->duration_min, s->host,
	       s->status == VETALLIANCE__V1__SESSION_STATUS__SESSION_STATUS_CANCELLED ? "cancelled"
										      : "scheduled",
	       s->title);
}

/* ------------------------------------------------------------ iCalendar */

/* ics_line - one content line: CRLF, folded at 75 octets on a UTF-8
 * character boundary (continuations start with a space). */
static void ics_line(FILE *f, const char *line)
{
	size_t len = strlen(line), pos = 0, limit = 75;

	while (len - pos > limit) {
		size_t cut = pos + limit;
		while (cut > pos && ((unsigned char)line[cut] & 0xC0) == 0x80)
			cut--;
		fwrite(line + pos, 1, cut - pos, f);
		fputs("\r\n ", f);
		pos = cut;
		limit = 74; /* the leading space counts */
	}
	fputs(line + pos, f);
	fputs("\r\n", f);
}

/* ics_text - NAME:value with the value escaped (RFC 5545 3.3.11). */
static void ics_text(FILE *f, const char *name, const char *value)
{
	size_t n = strlen(name) + 2 * strlen(value) + 2;
	char *buf = malloc(n + 1), *p = buf;

	if (buf == NULL)
		return;
	p += sprintf(p, "%s:", name);
	for (const char *s = value; *s; s++) {
		if (*s == '\\' || *s == ';' || *s == ',') {
			*p++ = '\\';
			*p++ = *s;
		} else if (*s == '\n') {
			*p++ = '\\';
			*p++ = 'n';
		} else if (*s != '\r') {
			*p++ = *s;
		}
	}
	*p = '\0';
	ics_line(f, buf);
	free(buf);
}

static void ics_time(FILE *f, const char *name, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[64];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
	fprintf(f, "%s:%s\r\n", name, buf);
}

static void ics_event(FILE *f, const PB(Session) * s)
{
	char kind[64], line[160];
	char *desc = NULL;
	size_t dlen = 0;
	FILE *d = open_memstream(&desc, &dlen);
	int64_t stamp = s->created_ms;

	if (s->updated_ms > stamp)
		stamp = s->updated_ms;
	if (s->rescheduled_ms > stamp)
		stamp = s->rescheduled_ms;
	va_enum_slug(&vetalliance__v1__session_kind__descriptor, (int)s->kind, kind, sizeof kind);
	if (d != NULL) {
		fprintf(d, "%s hosted by %s (%s).", kind, s->host, s->time_zone);
		if (s->language[0] != '\0')
			fprintf(d, "\nLanguage: %s.", s->language);
		if (s->platform[0] != '\0')
			fprintf(d, "\nPlatform: %s.", s->platform);
		if (s->link[0] != '\0')
			fprintf(d, "\nJoin: %s", s->link);
		for (size_t i = 0; i < s->n_participants; i++)
			fprintf(d, "%s%s (%u)", i == 0 ? "\nParticipants: " : ", ",
				s->participants[i]->centre, s->participants[i]->head_count);
		if (s->reason[0] != '\0')
			fprintf(d, "\n%s: %s",
				s->status ==
					VETALLIANCE__V1__SESSION_STATUS__SESSION_STATUS_CANCELLED
				    ? "Cancelled"
				    : "Rescheduled",
				s->reason);
		fclose(d);
	}
	fputs("BEGIN:VEVENT\r\n", f);
	snprintf(line, sizeof line, "UID:%s@vetalliance", s->id);
	ics_line(f, line);
	ics_time(f, "DTSTAMP", stamp);
	ics_time(f, "DTSTART", s->start_ms);
	ics_time(f, "DTEND", s->start_ms + (int64_t)s->duration_min * MIN_MS);
	ics_text(f, "SUMMARY", s->title);
	ics_text(f, "DESCRIPTION", desc ? desc : "");
	if (s->platform[0] != '\0')
		ics_text(f, "LOCATION", s->platform);
	if (s->link[0] != '\0') {
		char *url = malloc(strlen(s->link) + 5);
		if (url != NULL) {
			sprintf(url, "URL:%s", s->link);
			ics_line(f, url);
			free(url);
		}
	}
	fprintf(f, "SEQUENCE:%u\r\n", s->sequence);
	fprintf(f, "STATUS:%s\r\n",
		s->status == VETALLIANCE__V1__SESSION_STATUS__SESSION_STATUS_CANCELLED
		    ? "CANCELLED"
		    : "CONFIRMED");
	fputs("END:VEVENT\r\n", f);
	free(desc);
}

static void ics_calendar(PB(Session) * *s, size_t n)
{
	fputs("BEGIN:VCALENDAR\r\n", stdout);
	fputs("VERSION:2.0\r\n", stdout);
	fputs("PRODID:-//vetalliance//vetctl " VA_VERSION "//EN\r\n", stdout);
	fputs("CALSCALE:GREGORIAN\r\n", stdout);
	fputs("METHOD:PUBLISH\r\n", stdout);
	for (size_t i = 0; i < n; i++)
		ics_event(stdout, s[i]);
	fputs("END:VCALENDAR\r\n", stdout);
}

/* ------------------------------------------------------------ report */

static int report_sessions(const struct sopts *o, const PB(SessionListResult) * l)
{
	const ProtobufCEnumDescriptor *kd = &vetalliance__v1__session_kind__descriptor;
	va_clock_t clock;
	int64_t now;
	json_t *rows = json_array();

	clock_init(&clock);
	now = clock_now_ms(&clock);

	for (unsigned k = 0; k < kd->n_values; k++) {
		int kind = kd->values[k].value;
		unsigned held = 0, cancelled = 0, booked = 0, attended = 0, nr = 0;
		double sum = 0;
		char slug[64];
		if (kind == 0)
			continue;
		for (size_t i = 0; i < l->n_sessions; i++) {
			const PB(Session) *s = l->sessions[i];
			if ((int)s->kind != kind)
				continue;
			if (s->status ==
			    VETALLIANCE__V1__SESSION_STATUS__SESSION_STATUS_CANCELLED) {
				cancelled++;
				continue;
			}
			if (s->start_ms + (int64_t)s->duration_min * MIN_MS > now)
				continue;
			held++;
			for (size_t j = 0; j < s->n_participants; j++) {
				const PB(SessionParticipant) *p = s->participants[j];
				if (p->attendance_recorded) {
					booked += p->head_count;
					attended += p->attended;
				}
				if (p->rating > 0) {
					sum += p->rating;
					nr++;
				}
			}
		}
		va_enum_slug(kd, kind, slug, sizeof slug);
		json_array_append_new(rows,
				      json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:f}", "kind", slug,
						"held", held, "cancelled", cancelled, "booked",
						booked, "attended", attended, "evaluations", nr,
						"average_rating", nr ? sum / nr : 0.0));
	}
	if (o->json) {
		char *t = json_dumps(rows, JSON_COMPACT);
		printf("{\"sessions\":%s}\n", t ? t : "[]");
		free(t);
	} else {
		size_t i;
		json_t *r;
		printf("%-24s %5s %9s %7s %8s %11s %7s\n", "KIND", "HELD", "CANCELLED", "BOOKED",
		       "ATTENDED", "EVALUATIONS", "AVERAGE");
		json_array_foreach(rows, i, r)
		{
			int n = (int)json_integer_value(json_object_get(r, "evaluations"));
			printf("%-24s %5d %9d %7d %8d %11d ",
			       json_string_value(json_object_get(r, "kind")),
			       (int)json_integer_value(json_object_get(r, "held")),
			       (int)json_integer_value(json_object_get(r, "cancelled")),
			       (int)json_integer_value(json_object_get(r, "booked")),
			       (int)json_integer_value(json_object_get(r, "attended")), n);
			if (n > 0)
				printf("%7.2f\n",
				       json_real_value(json_object_get(r, "average_rating")));
			else
				printf("%7s\n", "-");
		}
	}
	json_decref(rows);
	return 0;
}

/* ----------------------------------------------------------- commands */

struct scommand {
	const char *noun, *verb;
	unsigned flags; /* 1u << S_* accepted */
	int takes_arg;  /* an ID argument */
};

#define F(x) (1u << (x))
#define VIEW (F(S_TZ) | F(S_AS))

static const struct scommand scommands[] = {
    {"session", "book",
     F(S_ID) | F(S_HOST) | F(S_KIND) | F(S_TITLE) | F(S_LANGUAGE) | F(S_PLATFORM) | F(S_LINK) |
	 F(S_START) | F(S_DURATION) | F(S_TIME_ZONE) | F(S_CAPACITY) | F(S_NOTICE),
     0},
    {"session", "join", F(S_CENTRE) | F(S_HEADS), 1},
    {"session", "leave", F(S_CENTRE), 1},
    {"session", "cancel", F(S_BY) | F(S_REASON), 1},
    {"session", "reschedule", F(S_BY) | F(S_START) | F(S_DURATION) | F(S_REASON), 1},
    {"session", "attendance", F(S_BY) | F(S_CENTRE) | F(S_ATTENDED), 1},
    {"session", "evaluate", F(S_CENTRE) | F(S_RATING) | F(S_COMMENT), 1},
    {"session", "visit", F(S_ALLIANCE) | F(S_BY), 1},
    {"session", "show", VIEW, 1},
    {"session", "list", VIEW | F(S_CENTRE), 0},
    {"session", "ics", F(S_ALL) | F(S_PARTICIPANT), 1},
    {"deadline", "set", F(S_ID) | F(S_TITLE) | F(S_DUE) | F(S_OWNER) | F(S_REMIND) | F(S_TIME_ZONE),
     0},
    {"deadline", "done", F(S_BY), 1},
    {"deadline", "list", VIEW, 0},
    {"report", "sessions", 0, 0},
};

static int require(const struct sopts *o, const enum sflag *flags, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (o->v[flags[i]] == NULL) {
			serr("'%s %s' needs --%s", o->noun, o->verb, sopts[flags[i]].name);
			return EX_USAGE;
		}
	return 0;
}

#define REQUIRE(o, ...)                                                                            \
	require(o, (const enum sflag[]){__VA_ARGS__},                                              \
		sizeof((const enum sflag[]){__VA_ARGS__}) / sizeof(enum sflag))

static int book(const struct sopts *o, va_request_t *req, PB(Session) * s, PB(SessionBook) * sb)
{
	int kind, rc;

	if ((rc = REQUIRE(o, S_ID, S_HOST, S_KIND, S_TITLE, S_START, S_DURATION, S_TIME_ZONE,
			  S_CAPACITY)) != 0)
		return rc;
	if (va_enum_from_slug(&vetalliance__v1__session_kind__descriptor, o->v[S_KIND], &kind) <
	    0) {
		serr("unknown session kind '%s' (virtual-visit, joint-class, skills-training, "
		     "competition-preparation, get-to-know, meeting)",
		     o->v[S_KIND]);
		return EX_USAGE;
	}
	if (!clock_zone_valid(o->v[S_TIME_ZONE])) {
		serr("invalid --time-zone '%s': not a time zone of the tz database",
		     o->v[S_TIME_ZONE]);
		return EX_USAGE;
	}
	s->id = (char *)o->v[S_ID];
	s->host = (char *)o->v[S_HOST];
	s->kind = (PB(SessionKind))kind;
	s->title = (char *)o->v[S_TITLE];
	s->language = (char *)(o->v[S_LANGUAGE] ? o->v[S_LANGUAGE] : "");
	s->platform = (char *)(o->v[S_PLATFORM] ? o->v[S_PLATFORM] : "");
	s->link = (char *)(o->v[S_LINK] ? o->v[S_LINK] : "");
	s->time_zone = (char *)o->v[S_TIME_ZONE];
	if (parse_time(o->v[S_START], s->time_zone, "start", &s->start_ms) < 0 ||
	    parse_uint(o->v[S_DURATION], "duration", 100000, &s->duration_min) < 0 ||
	    parse_uint(o->v[S_CAPACITY], "capacity", 1000000, &s->capacity) < 0 ||
	    (o->v[S_NOTICE] &&
	     parse_uint(o->v[S_NOTICE], "notice", 1000000, &s->min_notice_min) < 0))
		return EX_USAGE;
	sb->session = s;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_SESSION_BOOK;
	req->session_book = sb;
	return 0;
}

/* The session commands that name one session and change it, filled
 * generically: each field of the body message takes the flag of its name
 * ("centre" from --centre, "head_count" from --heads), "session" the ID
 * argument; a number field is parsed (at most `max`). */
static const struct {
	const char *verb;
	Vetalliance__V1__Request__BodyCase body;
	const ProtobufCMessageDescriptor *desc;
	unsigned required; /* F(S_*) */
	unsigned long max; /* of the number field */
} session_writes[] = {
    {"join", VETALLIANCE__V1__REQUEST__BODY_SESSION_JOIN,
     &vetalliance__v1__session_join__descriptor, F(S_CENTRE), 1000000},
    {"leave", VETALLIANCE__V1__REQUEST__BODY_SESSION_LEAVE,
     &vetalliance__v1__session_leave__descriptor, F(S_CENTRE), 0},
    {"cancel", VETALLIANCE__V1__REQUEST__BODY_SESSION_CANCEL,
     &vetalliance__v1__session_cancel__descriptor, F(S_BY) | F(S_REASON), 0},
    {"attendance", VETALLIANCE__V1__REQUEST__BODY_SESSION_ATTENDANCE,
     &vetalliance__v1__session_attendance__descriptor, F(S_BY) | F(S_CENTRE) | F(S_ATTENDED),
     1000000},
    {"evaluate", VETALLIANCE__V1__REQUEST__BODY_SESSION_EVALUATE,
     &vetalliance__v1__session_evaluate__descriptor, F(S_CENTRE) | F(S_RATING), 5},
    {"visit", VETALLIANCE__V1__REQUEST__BODY_SESSION_ALLIANCE_VISIT,
     &vetalliance__v1__session_alliance_visit__descriptor, F(S_ALLIANCE) | F(S_BY), 0},
};

/* The flag that fills field `name`, or -1. */
static int field_flag(const char *name)
{
	if (strcmp(name, "head_count") == 0)
		return S_HEADS;
	for (int f = 0; f < S_COUNT; f++)
		if (strcmp(sopts[f].name, name) == 0)
			return f;
	return -1;
}

static int session_write(const struct sopts *o, va_request_t *req, ProtobufCMessage *m)
{
	const ProtobufCFieldDescriptor *rf;
	size_t k;

	for (k = 0; strcmp(session_writes[k].verb, o->verb) != 0; k++)
		;
	for (int f = 0; f < S_COUNT; f++)
		if ((session_writes[k].required & F(f)) && o->v[f] == NULL) {
			serr("'%s %s' needs --%s", o->noun, o->verb, sopts[f].name);
			return EX_USAGE;
		}
	protobuf_c_message_init(session_writes[k].desc, m);
	for (unsigned i = 0; i < m->descriptor->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &m->descriptor->fields[i];
		int flag = field_flag(fd->name);
		const char *v = strcmp(fd->name, "session") == 0 ? o->arg
				: flag >= 0                      ? o->v[flag]
								 : NULL;
		void *slot = (char *)m + fd->offset;
		if (fd->type == PROTOBUF_C_TYPE_STRING)
			*(char **)slot = (char *)(v ? v : "");
		else if (fd->type == PROTOBUF_C_TYPE_UINT32)
			*(uint32_t *)slot = 1; /* a head-count defaults to one */
		if (fd->type == PROTOBUF_C_TYPE_UINT32 && v != NULL &&
		    parse_uint(v, sopts[flag].name, session_writes[k].max, slot) < 0)
			return EX_USAGE;
	}
	rf = protobuf_c_message_descriptor_get_field(req->base.descriptor,
						     (unsigned)session_writes[k].body);
	req->body_case = session_writes[k].body;
	*(ProtobufCMessage **)((char *)req + rf->offset) = m;
	return 0;
}

/* reschedule: the start is read in the session's own zone. */
static int reschedule(const struct sopts *o, va_request_t *req, PB(SessionReschedule) * r)
{
	va_reply_t *cur = NULL;
	int rc;

	vetalliance__v1__session_reschedule__init(r);
	if ((rc = REQUIRE(o, S_BY, S_START)) != 0)
		return rc;
	if (strchr(o->v[S_START], 'Z') == NULL) {
		if ((rc = get_session(o, o->arg, &cur)) != 0)
			return rc;
		rc = parse_time(o->v[S_START], cur->session->time_zone, "start", &r->start_ms);
		va_reply_free(&cur);
	} else {
		rc = parse_time(o->v[S_START], "UTC", "start", &r->start_ms);
	}
	if (rc < 0 || (o->v[S_DURATION] &&
		       parse_uint(o->v[S_DURATION], "duration", 100000, &r->duration_min) < 0))
		return EX_USAGE;
	r->session = (char *)o->arg;
	r->by = (char *)o->v[S_BY];
	r->reason = (char *)(o->v[S_REASON] ? o->v[S_REASON] : "");
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_SESSION_RESCHEDULE;
	req->session_reschedule = r;
	return 0;
}

static int deadline_set(const struct sopts *o, va_request_t *req, PB(Deadline) * d,
			PB(DeadlineSet) * ds, uint32_t *remind)
{
	const char *zone = o->v[S_TIME_ZONE] ? o->v[S_TIME_ZONE] : "UTC";
	int rc;

	if ((rc = REQUIRE(o, S_ID, S_TITLE, S_DUE, S_OWNER)) != 0)
		return rc;
	if (!clock_zone_valid(zone)) {
		serr("invalid --time-zone '%s': not a time zone of the tz database", zone);
		return EX_USAGE;
	}
	if (parse_time(o->v[S_DUE], zone, "due", &d->due_ms) < 0)
		return EX_USAGE;
	d->id = (char *)o->v[S_ID];
	d->title = (char *)o->v[S_TITLE];
	d->owner = (char *)o->v[S_OWNER];
	memcpy(remind, o->remind, o->n_remind * sizeof *remind);
	d->remind_min = remind;
	d->n_remind_min = o->n_remind;
	ds->deadline = d;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_DEADLINE_SET;
	req->deadline_set = ds;
	return 0;
}

/* The queries: show, list, ics, deadline list, report. */
static int query(const struct sopts *o)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	PB(SessionGet) g = VETALLIANCE__V1__SESSION_GET__INIT;
	PB(SessionList) l = VETALLIANCE__V1__SESSION_LIST__INIT;
	PB(DeadlineList) dl = VETALLIANCE__V1__DEADLINE_LIST__INIT;
	va_reply_t *reply = NULL;
	char zone[128];
	int rc, ics = strcmp(o->verb, "ics") == 0, report = strcmp(o->noun, "report") == 0;

	if (!ics && !report && (rc = viewer_zone(o, zone, sizeof zone)) != 0)
		return rc;
	if (ics && !!o->arg + !!o->v[S_ALL] + !!o->v[S_PARTICIPANT] != 1) {
		serr("'session ics' takes one of: an ID, --all, --participant C");
		return EX_USAGE;
	}
	if (strcmp(o->verb, "show") == 0 || (ics && o->arg != NULL)) {
		if (o->arg == NULL) {
			serr("missing the session id");
			return EX_USAGE;
		}
		g.id = (char *)o->arg;
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_SESSION_GET;
		req.session_get = &g;
	} else if (strcmp(o->noun, "deadline") == 0) {
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_DEADLINE_LIST;
		req.deadline_list = &dl;
	} else {
		l.centre = (char *)(o->v[S_PARTICIPANT] ? o->v[S_PARTICIPANT]
				    : o->v[S_CENTRE]    ? o->v[S_CENTRE]
							: "");
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_SESSION_LIST;
		req.session_list = &l;
	}
	if ((rc = call(o, &req, &reply, ics || report)) != 0)
		return rc;
	if (ics) {
		if (reply->result_case == VETALLIANCE__V1__REPLY__RESULT_SESSION)
			ics_calendar(&reply->session, 1);
		else
			ics_calendar(reply->sessions->sessions, reply->sessions->n_sessions);
	} else if (report) {
		rc = report_sessions(o, reply->sessions);
	} else if (o->json) {
		; /* printed by call() */
	} else if (reply->result_case == VETALLIANCE__V1__REPLY__RESULT_SESSION) {
		print_session(reply->session, zone);
	} else if (reply->result_case == VETALLIANCE__V1__REPLY__RESULT_SESSIONS) {
		printf("%-16s %-34s %8s  %-10s %-12s %s\n", "ID", "START", "DURATION", "HOST",
		       "STATUS", "TITLE");
		for (size_t i = 0; i < reply->sessions->n_sessions; i++)
			print_session_row(reply->sessions->sessions[i], zone);
	} else {
		printf("%-16s %-34s %-10s %-5s %s\n", "ID", "DUE", "OWNER", "DONE", "TITLE");
		for (size_t i = 0; i < reply->deadlines->n_deadlines; i++) {
			const PB(Deadline) *d = reply->deadlines->deadlines[i];
			char when[96];
			fmt_time(d->due_ms, zone, when, sizeof when);
			printf("%-16s %-34s %-10s %-5s %s\n", d->id, when, d->owner,
			       d->done ? "yes" : "no", d->title);
		}
	}
	va_reply_free(&reply);
	return rc;
}

/* done_word - the confirmation of a write: "booked session 'S1'". */
static const char *done_word(const char *verb)
{
	static const char *const words[][2] = {
	    {"book", "booked"},
	    {"join", "joined"},
	    {"leave", "left"},
	    {"cancel", "cancelled"},
	    {"reschedule", "rescheduled"},
	    {"attendance", "recorded attendance of"},
	    {"evaluate", "evaluated"},
	    {"visit", "recorded as the mutual visit"},
	    {"done", "done"},
	    {"set", "set"},
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(words[i][0], verb) == 0)
			return words[i][1];
	return verb;
}

static int write_cmd(const struct sopts *o)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	PB(Session) s = VETALLIANCE__V1__SESSION__INIT;
	PB(SessionBook) sb = VETALLIANCE__V1__SESSION_BOOK__INIT;
	PB(SessionReschedule) rs;
	PB(Deadline) d = VETALLIANCE__V1__DEADLINE__INIT;
	PB(DeadlineSet) ds = VETALLIANCE__V1__DEADLINE_SET__INIT;
	PB(DeadlineDone) dd = VETALLIANCE__V1__DEADLINE_DONE__INIT;
	uint32_t remind[REMIND_MAX];
	union {
		ProtobufCMessage base;
		PB(SessionJoin) j;
		PB(SessionLeave) l;
		PB(SessionCancel) c;
		PB(SessionAttendance) a;
		PB(SessionEvaluate) e;
		PB(SessionAllianceVisit) v;
	} body;
	va_reply_t *reply = NULL;
	const char *id = o->arg;
	int rc;

	if (strcmp(o->verb, "book") == 0) {
		rc = book(o, &req, &s, &sb);
		id = o->v[S_ID];
	} else if (strcmp(o->verb, "reschedule") == 0) {
		rc = reschedule(o, &req, &rs);
	} else if (strcmp(o->noun, "deadline") == 0 && strcmp(o->verb, "set") == 0) {
		rc = deadline_set(o, &req, &d, &ds, remind);
		id = o->v[S_ID];
	} else if (strcmp(o->noun, "deadline") == 0) {
		if ((rc = REQUIRE(o, S_BY)) != 0)
			return rc;
		dd.id = (char *)o->arg;
		dd.by = (char *)o->v[S_BY];
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_DEADLINE_DONE;
		req.deadline_done = &dd;
	} else {
		rc = session_write(o, &req, &body.base);
	}
	if (rc != 0)
		return rc;
	if ((rc = call(o, &req, &reply, 0)) != 0)
		return rc;
	if (!o->json)
		printf("%s %s '%s' (seq %" PRIu64 ")\n", done_word(o->verb), o->noun, id ? id : "",
		       reply->seq);
	va_reply_free(&reply);
	return 0;
}

void vetctl_session_usage(FILE *out)
{
	fputs("  session book     --id ID --host C --kind K --title T --start TIME\n"
	      "                   --duration MIN --time-zone ZONE --capacity N [--notice MIN]\n"
	      "                   [--language L] [--platform P] [--link URL]\n"
	      "  session join     ID --centre C [--heads N]\n"
	      "  session leave    ID --centre C\n"
	      "  session cancel   ID --by HOST --reason TEXT\n"
	      "  session reschedule ID --by HOST --start TIME [--duration MIN] [--reason TEXT]\n"
	      "  session attendance ID --by HOST --centre C --attended N\n"
	      "  session evaluate ID --centre C --rating 1-5 [--comment TEXT]\n"
	      "  session visit    ID --alliance A --by MEMBER  (the alliance's mutual visit)\n"
	      "  session show     ID [--tz ZONE | --as C]\n"
	      "  session list     [--centre C] [--tz ZONE | --as C]\n"
	      "  session ics      ID | --all | --participant C   (RFC 5545 iCalendar)\n"
	      "  deadline set     --id ID --title T --due TIME --owner O [--remind MIN]...\n"
	      "                   [--time-zone ZONE]\n"
	      "  deadline done    ID --by OWNER\n"
	      "  deadline list    [--tz ZONE | --as C]\n"
	      "  report sessions  sessions held per kind, attendance, average evaluation\n",
	      out);
}

int vetctl_session_wants(int argc, char **argv)
{
	/* The first word that is not an option (or an option's argument). */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] == '-') {
			if (strchr(a, '=') == NULL &&
			    (strcmp(a, "--endpoint") == 0 || strcmp(a, "--timeout") == 0 ||
			     strcmp(a, "--attempts") == 0 || strcmp(a, "--request-id") == 0))
				i++;
			continue;
		}
		if (strcmp(a, "session") == 0 || strcmp(a, "deadline") == 0)
			return 1;
		return strcmp(a, "report") == 0 && i + 1 < argc &&
		       strcmp(argv[i + 1], "sessions") == 0;
	}
	return 0;
}

int vetctl_session_main(int argc, char **argv)
{
	struct sopts o = {.timeout_ms = DEFAULT_TIMEOUT, .attempts = DEFAULT_ATTEMPTS};
	const struct scommand *cmd = NULL;
	int c, rc;

	o.endpoint = getenv("VETCTL_ENDPOINT");
	if (o.endpoint == NULL || o.endpoint[0] == '\0')
		o.endpoint = VA_DEFAULT_CMD_ENDPOINT;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", sopts, NULL)) != -1) {
		uint32_t v;
		switch (c) {
		case S_ENDPOINT:
			o.endpoint = optarg;
			break;
		case S_JSON:
			o.json = 1;
			break;
		case S_TIMEOUT:
			if (parse_uint(optarg, "timeout", 3600000, &v) < 0 || v == 0)
				return EX_USAGE;
			o.timeout_ms = (int)v;
			break;
		case S_ATTEMPTS:
			if (parse_uint(optarg, "attempts", 1000, &v) < 0 || v == 0)
				return EX_USAGE;
			o.attempts = (int)v;
			break;
		case S_REQUEST_ID:
			o.request_id = optarg;
			break;
		case S_REMIND:
			if (o.n_remind == REMIND_MAX) {
				serr("at most %d --remind", REMIND_MAX);
				return EX_USAGE;
			}
			if (parse_uint(optarg, "remind", 527040, &o.remind[o.n_remind++]) < 0)
				return EX_USAGE;
			o.v[S_REMIND] = optarg;
			break;
		case S_ALL:
			o.v[S_ALL] = "yes";
			break;
		default:
			if (c >= 0 && c < S_COUNT) {
				if (o.v[c] != NULL) {
					serr("option '--%s' given twice", sopts[c].name);
					return EX_USAGE;
				}
				o.v[c] = optarg;
				break;
			}
			if (c == ':')
				serr("option '%s' needs an argument", argv[optind - 1]);
			else
				serr("unknown option '%s'", argv[optind - 1]);
			return EX_USAGE;
		}
	}
	if (argc - optind < 2) {
		serr("missing VERB");
		return EX_USAGE;
	}
	o.noun = argv[optind];
	o.verb = argv[optind + 1];
	for (size_t i = 0; i < sizeof scommands / sizeof scommands[0]; i++)
		if (strcmp(scommands[i].noun, o.noun) == 0 &&
		    strcmp(scommands[i].verb, o.verb) == 0)
			cmd = &scommands[i];
	if (cmd == NULL) {
		serr("unknown verb '%s' for '%s'", o.verb, o.noun);
		return EX_USAGE;
	}
	if (argc - optind > 2 + cmd->takes_arg) {
		serr("unexpected argument '%s' to '%s %s'", argv[optind + 2 + cmd->takes_arg],
		     o.noun, o.verb);
		return EX_USAGE;
	}
	o.arg = argc - optind > 2 ? argv[optind + 2] : NULL;
	if (cmd->takes_arg && o.arg == NULL && strcmp(o.verb, "ics") != 0) {
		serr("'%s %s' needs an ID", o.noun, o.verb);
		return EX_USAGE;
	}
	for (int f = 0; f < S_COUNT; f++)
		if (o.v[f] != NULL && !(cmd->flags & F(f))) {
			serr("option '--%s' does not apply to '%s %s'", sopts[f].name, o.noun,
			     o.verb);
			return EX_USAGE;
		}
	if (strcmp(o.verb, "show") == 0 || strcmp(o.verb, "list") == 0 ||
	    strcmp(o.verb, "ics") == 0 || strcmp(o.noun, "report") == 0)
		rc = query(&o);
	else
		rc = write_cmd(&o);
	if (fflush(stdout) != 0 && rc == 0) {
		perror("vetctl: stdout");
		rc = EX_IOERR;
	}
	return rc;
}
