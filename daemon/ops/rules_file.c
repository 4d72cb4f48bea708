/*
 * rules_file - see rules_file.h.
 */
#include <czmq.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "ops/rules_file.h"

typedef struct rparse {
	const char *source;
	char *err;
	size_t errlen;
} rparse_t;

static int rules__fail(rparse_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int rules__fail(rparse_t *p, const char *fmt, ...)
{
	va_list ap;
	size_t off;

	snprintf(p->err, p->errlen, "rules '%s': ", p->source);
	off = strlen(p->err);
	va_start(ap, fmt);
	vsnprintf(p->err + off, p->errlen - off, fmt, ap);
	va_end(ap);
	return -VA_INVALID_ARGUMENT;
}

static void *rules__xcalloc(size_t n, size_t size)
{
	void *v = calloc(n ? n : 1, size);

	if (v == NULL)
		abort();
	return v;
}

static char *rules__xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (d == NULL)
		abort();
	return d;
}

static const char *rules__value(zconfig_t *node)
{
	const char *v = zconfig_value(node);

	return v ? v : "";
}

/* "4w", "28d", "3m" */
static int rules__span(rparse_t *p, const char *path, const char *v, rules_span_t *out)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (end == v || n <= 0 || n > 10000 || (*end != 'd' && *end != 'w' && *end != 'm') ||
	    end[1] != '\0')
		return rules__fail(p, "%s: '%s' is not a span (a count followed by d, w or m)",
				   path, v);
	out->n = (int)n;
	out->unit = *end;
	return 0;
}

/* "2021-01-01" */
static int rules__date(rparse_t *p, const char *path, const char *v, int32_t *out)
{
	int y, m, d, k = 0;

	if (sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &k) != 3 || v[k] != '\0' || k != 10 ||
	    !date_valid(y * 10000 + m * 100 + d))
		return rules__fail(p, "%s: '%s' is not a date (YYYY-MM-DD)", path, v);
	*out = y * 10000 + m * 100 + d;
	return 0;
}

static int rules__md_valid(int m, int d)
{
	/* 2000 is a leap year: 02-29 is a valid month-day. */
	return m >= 1 && m <= 12 && d >= 1 && date_valid(2000 * 10000 + m * 100 + d);
}

/* "06-21..08-31, 12-22..01-02" */
static int rules__windows(rparse_t *p, const char *path, const char *v, rules_window_t **out,
			  size_t *n_out)
{
	rules_window_t *w = NULL;
	size_t n = 0;
	const char *s = v;

	while (*s != '\0') {
		int m1, d1, m2, d2, k = 0;
		while (*s == ' ' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		if (sscanf(s, "%2d-%2d..%2d-%2d%n", &m1, &d1, &m2, &d2, &k) != 4 ||
		    !rules__md_valid(m1, d1) || !rules__md_valid(m2, d2)) {
			free(w);
			return rules__fail(p,
					   "%s: '%s' is not a list of windows "
					   "(MM-DD..MM-DD, comma-separated)",
					   path, v);
		}
		w = realloc(w, (n + 1) * sizeof *w);
		if (w == NULL)
			abort();
		w[n].from_md = m1 * 100 + d1;
		w[n].until_md = m2 * 100 + d2;
		n++;
		s += k;
		if (*s != '\0' && *s != ',' && *s != ' ') {
			free(w);
			return rules__fail(p, "%s: '%s' is not a list of windows", path, v);
		}
	}
	if (n == 0)
		return rules__fail(p, "%s: names no window", path);
	*out = w;
	*n_out = n;
	return 0;
}

static int rules__policy(rparse_t *p, const char *path, const char *v, rules_policy_t *out)
{
	for (int k = POLICY_ALLOWED; k <= POLICY_NOT_ALLOWED; k++) {
		if (strcmp(v, rules_policy_slug((rules_policy_t)k)) == 0) {
			*out = (rules_policy_t)k;
			return 0;
		}
	}
	return rules__fail(p, "%s: '%s' is not allowed, needs-review or not-allowed", path, v);
}

static int rules__partner_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_'))
			return 0;
	return 1;
}

static int rules__learners(rparse_t *p, zconfig_t *sec, partner_rules_t *pr)
{
	char path[160];
	int rc = 0;

	for (zconfig_t *k = zconfig_child(sec); k && rc == 0; k = zconfig_next(k)) {
		const char *name = zconfig_name(k), *v = rules__value(k);
		snprintf(path, sizeof path, "partners/%s/learners/%s", pr->partner, name);
		if (strcmp(name, "max_abroad") == 0) {
			rc = rules__span(p, path, v, &pr->max_abroad);
		} else if (strcmp(name, "sends_long_term") == 0) {
			rc = rules__policy(p, path, v, &pr->sends_long_term);
		} else if (strcmp(name, "receives_long_term") == 0) {
			rc = rules__policy(p, path, v, &pr->receives_long_term);
		} else if (strcmp(name, "holiday_internship") == 0) {
			for (zconfig_t *h = zconfig_child(k); h && rc == 0; h = zconfig_next(h)) {
				char hp[200];
				snprintf(hp, sizeof hp, "%s/%s", path, zconfig_name(h));
				if (strcmp(zconfig_name(h), "max") == 0)
					rc = rules__span(p, hp, rules__value(h), &pr->holiday_max);
				else if (strcmp(zconfig_name(h), "windows") == 0)
					rc = rules__windows(p, hp, rules__value(h), &pr->holidays,
							    &pr->n_holidays);
				else
					rc = rules__fail(p, "%s: unknown key", hp);
			}
			if (rc == 0 && (pr->holiday_max.n == 0 || pr->n_holidays == 0))
				rc = rules__fail(p, "%s: needs both max and windows", path);
		} else {
			rc = rules__fail(p, "%s: unknown key", path);
		}
	}
	return rc;
}

static int rules__embargoes(rparse_t *p, zconfig_t *sec, partner_rules_t *pr)
{
	char path[200];
	int rc = 0;

	for (zconfig_t *e = zconfig_child(sec); e && rc == 0; e = zconfig_next(e)) {
		rules_embargo_t *em;
		pr->embargoes = realloc(pr->embargoes, (pr->n_embargoes + 1) * sizeof *em);
		if (pr->embargoes == NULL)
			abort();
		em = &pr->embargoes[pr->n_embargoes++];
		memset(em, 0, sizeof *em);
		em->name = rules__xstrdup(zconfig_name(e));
		for (zconfig_t *k = zconfig_child(e); k && rc == 0; k = zconfig_next(k)) {
			const char *name = zconfig_name(k), *v = rules__value(k);
			snprintf(path, sizeof path, "partners/%s/embargo/%s/%s", pr->partner,
				 em->name, name);
			if (strcmp(name, "from") == 0)
				rc = rules__date(p, path, v, &em->from);
			else if (strcmp(name, "until") == 0)
				rc = *v == '\0' ? 0 : rules__date(p, path, v, &em->until);
			else if (strcmp(name, "note") == 0) {
				free(em->note);
				em->note = rules__xstrdup(v);
			} else
				rc = rules__fail(p, "%s: unknown key", path);
		}
		snprintf(path, sizeof path, "partners/%s/embargo/%s", pr->partner, em->name);
		if (rc == 0 && em->from == 0)
			rc = rules__fail(p, "%s: needs a from date", path);
		if (rc == 0 && em->until != 0 && em->until < em->from)
			rc = rules__fail(p, "%s: until is before from", path);
	}
	return rc;
}

static int rules__partner(rparse_t *p, zconfig_t *node, partner_rules_t *pr)
{
	char path[160];
	int rc = 0;

	for (zconfig_t *s = zconfig_child(node); s && rc == 0; s = zconfig_next(s)) {
		const char *name = zconfig_name(s);
		snprintf(path, sizeof path, "partners/%s/%s", pr->partner, name);
		if (strcmp(name, "learners") == 0) {
			rc = rules__learners(p, s, pr);
		} else if (strcmp(name, "staff") == 0) {
			for (zconfig_t *k = zconfig_child(s); k && rc == 0; k = zconfig_next(k)) {
				char kp[200];
				snprintf(kp, sizeof kp, "%s/%s", path, zconfig_name(k));
				if (strcmp(zconfig_name(k), "windows") == 0)
					rc = rules__windows(p, kp, rules__value(k),
							    &pr->staff_windows,
							    &pr->n_staff_windows);
				else
					rc = rules__fail(p, "%s: unknown key", kp);
			}
		} else if (strcmp(name, "embargo") == 0) {
			rc = rules__embargoes(p, s, pr);
		} else {
			rc = rules__fail(p, "%s: unknown section", path);
		}
	}
	return rc;
}

int rules_parse(const char *text, const char *source, rules_t **out, char *err, size_t errlen)
{
	rparse_t p = {.source = source ? source : RULES_BUILT_IN, .err = err, .errlen = errlen};
	zconfig_t *root;
	rules_t *r;
	int rc = 0;

	*out = NULL;
	root = zconfig_str_load(text);
	if (root == NULL)
		return rules__fail(&p, "not valid ZPL");
	r = rules__xcalloc(1, sizeof *r);
	r->source = rules__xstrdup(p.source);
	rules_hash_text(text, r->version);
	for (zconfig_t *s = zconfig_child(root); s && rc == 0; s = zconfig_next(s)) {
		const char *name = zconfig_name(s);
		if (strcmp(name, "mobility") == 0) {
			for (zconfig_t *k = zconfig_child(s); k && rc == 0; k = zconfig_next(k)) {
				char path[160];
				const char *v = rules__value(k);
				snprintf(path, sizeof path, "mobility/%s", zconfig_name(k));
				if (strcmp(zconfig_name(k), "long_term") == 0) {
					rc = rules__span(&p, path, v, &r->long_term);
				} else if (strcmp(zconfig_name(k), "small_group_max") == 0) {
					char *end;
					long n = strtol(v, &end, 10);
					if (end == v || *end != '\0' || n < 1 || n > 1000)
						rc = rules__fail(&p, "%s: '%s' is not 1..1000",
								 path, v);
					r->small_group_max = (unsigned)n;
				} else {
					rc = rules__fail(&p, "%s: unknown key", path);
				}
			}
		} else if (strcmp(name, "partners") == 0) {
			for (zconfig_t *n = zconfig_child(s); n && rc == 0; n = zconfig_next(n)) {
				partner_rules_t *pr;
				if (!rules__partner_id_valid(zconfig_name(n))) {
					rc = rules__fail(
					    &p, "partners/%s: not a partner id (A-Z 0-9 - _)",
					    zconfig_name(n));
					break;
				}
				if (rules_partner(r, zconfig_name(n)) != NULL) {
					rc = rules__fail(&p, "partners/%s: listed twice",
							 zconfig_name(n));
					break;
				}
				r->partners =
				    realloc(r->partners, (r->n_partners + 1) * sizeof *r->partners);
				if (r->partners == NULL)
					abort();
				pr = &r->partners[r->n_partners++];
				memset(pr, 0, sizeof *pr);
				pr->partner = rules__xstrdup(zconfig_name(n));
				rc = rules__partner(&p, n, pr);
			}
		} else {
			rc = rules__fail(&p, "%s: unknown section", name);
		}
	}
	if (rc == 0 && r->long_term.n == 0)
		rc = rules__fail(&p, "mobility/long_term: must be set");
	zconfig_destroy(&root);
	if (rc < 0) {
		rules_free(&r);
		return rc;
	}
	*out = r;
	return 0;
}

int rules_load(const char *path, rules_t **out, char *err, size_t errlen)
{
	FILE *f;
	char *text;
	long len;
	int rc;

	*out = NULL;
	if (path == NULL || *path == '\0')
		return rules_parse((const char *)va_rules_zpl, RULES_BUILT_IN, out, err, errlen);
	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "rules '%s': could not open for reading: %s", path,
			 strerror(errno));
		return errno == ENOENT ? -VA_NOT_FOUND : -VA_INTERNAL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || len > (1 << 20) ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		snprintf(err, errlen, "rules '%s': not a readable file of at most 1 MiB", path);
		return -VA_INVALID_ARGUMENT;
	}
	text = malloc((size_t)len + 1);
	if (text == NULL)
		abort();
	if (fread(text, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		free(text);
		snprintf(err, errlen, "rules '%s': could not read", path);
		return -VA_INTERNAL;
	}
	fclose(f);
	text[len] = '\0';
	rc = rules_parse(text, path, out, err, errlen);
	free(text);
	return rc;
}
