/*
 * vetctl/centre_io - see centre_io.h.  The CSV columns and their
 * encodings are documented in docs/CSV.md; `columns` below is the one
 * place that lists them, in the order export writes them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

#include <vetalliance/error.h>
#include <vetalliance/json.h>

#include "csv.h"
#include "vetctl/centre_io.h"

typedef Vetalliance__V1__Centre vx_centre_t;
typedef Vetalliance__V1__CentreContact vx_contact_t;

/* ------------------------------------------------------------ pool */

static void *vx_alloc(vx_pool_t *pool, size_t size)
{
	void **v = realloc(pool->v, (pool->n + 1) * sizeof *v);
	void *p;

	if (v == NULL)
		return NULL;
	pool->v = v;
	p = calloc(1, size ? size : 1);
	if (p != NULL)
		pool->v[pool->n++] = p;
	return p;
}

static char *vx_strdup(vx_pool_t *pool, const char *s, size_t len)
{
	char *p = vx_alloc(pool, len + 1);

	if (p != NULL)
		memcpy(p, s, len);
	return p;
}

void vx_pool_release(vx_pool_t *pool)
{
	for (size_t i = 0; i < pool->n; i++)
		free(pool->v[i]);
	free(pool->v);
	pool->v = NULL;
	pool->n = 0;
}

static int vx_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int vx_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* vx_column_fail - prefix the message in err with the column's name. */
static int vx_column_fail(const char *column, char *err, size_t errlen)
{
	char *msg = strdup(err);

	if (msg == NULL)
		return -1; /* err keeps the message without the column */
	vx_fail(err, errlen, "column %s: %s", column, msg);
	free(msg);
	return -1;
}

/* --------------------------------------------------------- persons */

/* vx_unescape - the next item of `s` up to an unescaped `sep` (or the
 * end), unescaped into the pool; *s moves past the separator. */
static char *vx_unescape(vx_pool_t *pool, const char **s, char sep, int *more)
{
	const char *p = *s;
	char *out = vx_alloc(pool, strlen(p) + 1);
	size_t n = 0;

	*more = 0;
	if (out == NULL)
		return NULL;
	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			out[n++] = *++p;
			continue;
		}
		if (*p == sep) {
			*more = 1;
			p++;
			break;
		}
		out[n++] = *p;
	}
	out[n] = '\0';
	*s = p;
	return out;
}

/* vx_trim - the text without surrounding spaces (in place). */
static char *vx_trim(char *s)
{
	size_t n;

	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
	return s;
}

static int vx_person_parse(vx_pool_t *pool, vx_contact_t *k, const char *text, char *err,
			   size_t errlen)
{
	const char *p = text;
	int more;
	char *name = vx_unescape(pool, &p, '|', &more);

	if (name == NULL)
		return vx_fail(err, errlen, "out of memory");
	k->name = vx_trim(name);
	if (k->name[0] == '\0')
		return vx_fail(err, errlen, "person '%s': the name is empty", text);
	while (more) {
		char **v = vx_alloc(pool, (k->n_channels + 1) * sizeof *v);
		char *ch = vx_unescape(pool, &p, '|', &more);

		if (v == NULL || ch == NULL)
			return vx_fail(err, errlen, "out of memory");
		if (k->n_channels > 0)
			memcpy(v, k->channels, k->n_channels * sizeof *v);
		v[k->n_channels++] = vx_trim(ch);
		k->channels = v;
		if (v[k->n_channels - 1][0] == '\0')
			return vx_fail(err, errlen, "person '%s': an empty channel", text);
	}
	return 0;
}

int vx_contacts_add(vx_pool_t *pool, vx_centre_t *c, int role, const char *text, char *err,
		    size_t errlen)
{
	const char *p = text;
	int more = *p != '\0';

	while (more) {
		/* Split persons first, keeping escapes for the second pass. */
		const char *start = p;
		vx_contact_t *k, **v;
		char *one;

		while (*p != '\0' && *p != ';') {
			if (*p == '\\' && p[1] != '\0')
				p++;
			p++;
		}
		more = *p == ';';
		one = vx_strdup(pool, start, (size_t)(p - start));
		if (more)
			p++;
		k = vx_alloc(pool, sizeof *k);
		v = vx_alloc(pool, (c->n_contacts + 1) * sizeof *v);
		if (one == NULL || k == NULL || v == NULL)
			return vx_fail(err, errlen, "out of memory");
		vetalliance__v1__centre_contact__init(k);
		k->role = (Vetalliance__V1__ContactRole)role;
		if (vx_person_parse(pool, k, one, err, errlen) < 0)
			return -1;
		if (c->n_contacts > 0)
			memcpy(v, c->contacts, c->n_contacts * sizeof *v);
		v[c->n_contacts++] = k;
		c->contacts = v;
	}
	return 0;
}

static void vx_print_roles(char *buf, size_t len)
{
	const ProtobufCEnumDescriptor *d = &vetalliance__v1__contact_role__descriptor;
	size_t off = 0;
	char slug[64];

	buf[0] = '\0';
	for (unsigned i = 0; i < d->n_values && off < len; i++) {
		if (d->values[i].value == 0 ||
		    va_enum_slug(d, d->values[i].value, slug, sizeof slug) == NULL)
			continue;
		int w = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", slug);
		off += w > 0 ? (size_t)w : 0;
	}
}

int vx_person_flag(vx_pool_t *pool, vx_centre_t *c, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	char role_s[64], roles[160];
	int role;

	vx_print_roles(roles, sizeof roles);
	if (eq == NULL || (size_t)(eq - arg) >= sizeof role_s)
		return vx_fail(err, errlen,
			       "invalid --person '%s': expected ROLE=NAME[|CHANNEL]... "
			       "with ROLE one of %s",
			       arg, roles);
	memcpy(role_s, arg, (size_t)(eq - arg));
	role_s[eq - arg] = '\0';
	if (va_enum_from_slug(&vetalliance__v1__contact_role__descriptor, role_s, &role) < 0 ||
	    role == 0)
		return vx_fail(err, errlen, "unknown contact role '%s' (expected one of: %s)",
			       role_s, roles);
	return vx_contacts_add(pool, c, role, eq + 1, err, errlen);
}

/* ----------------------------------------------------------- facts */

#define VX_FACTS 8

static const char *const vx_fact_names[VX_FACTS] = {
    "sends",       "receives",           "dual_vet",
    "coordinator", "excellence_network", "previous_experience",
    "integrated",  "ka2_interest",
};

static Vetalliance__V1__Fact *vx_fact_ptr(vx_centre_t *c, size_t i)
{
	switch (i) {
	case 0:
		return &c->sends;
	case 1:
		return &c->receives;
	case 2:
		return &c->dual_vet;
	case 3:
		return &c->coordinator;
	case 4:
		return &c->excellence_network;
	case 5:
		return &c->previous_experience;
	case 6:
		return &c->integrated;
	default:
		return &c->ka2_interest;
	}
}

int vx_fact_set(vx_pool_t *pool, vx_centre_t *c, const char *name, const char *value,
		const char **field, char *err, size_t errlen)
{
	for (size_t i = 0; i < VX_FACTS; i++) {
		int v;

		if (strcmp(name, vx_fact_names[i]) != 0)
			continue;
		*field = vx_fact_names[i];
		if (value[0] == '\0') {
			*vx_fact_ptr(c, i) = VETALLIANCE__V1__FACT__FACT_UNKNOWN;
			return 0;
		}
		if (va_enum_from_slug(&vetalliance__v1__fact__descriptor, value, &v) < 0)
			return vx_fail(err, errlen,
				       "fact '%s': '%s' is not one of yes, willing, no, unknown",
				       name, value);
		*vx_fact_ptr(c, i) = (Vetalliance__V1__Fact)v;
		return 0;
	}
	if (strcmp(name, "province") == 0) {
		*field = "province";
		c->province = vx_strdup(pool, value, strlen(value));
		return c->province != NULL ? 0 : vx_fail(err, errlen, "out of memory");
	}
	if (strcmp(name, "teacher_hours") == 0) {
		char *end;
		unsigned long h;

		*field = "teacher_hours";
		c->teacher_hours_known = 0;
		c->teacher_hours = 0;
		if (value[0] == '\0' || strcmp(value, "unknown") == 0)
			return 0;
		errno = 0;
		h = strtoul(value, &end, 10);
		if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 || h > 1000)
			return vx_fail(err, errlen,
				       "fact 'teacher_hours': '%s' is not a number of hours or "
				       "'unknown'",
				       value);
		c->teacher_hours_known = 1;
		c->teacher_hours = (uint32_t)h;
		return 0;
	}
	return vx_fail(
	    err, errlen,
	    "unknown fact '%s' (expected one of: sends, receives, dual_vet, coordinator, "
	    "excellence_network, previous_experience, integrated, ka2_interest, "
	    "province, teacher_hours)",
	    name);
}

int vx_fact_flag(vx_pool_t *pool, vx_centre_t *c, const char *arg, const char **field, char *err,
		 size_t errlen)
{
	const char *eq = strchr(arg, '=');
	char *name;

	if (eq == NULL)
		return vx_fail(err, errlen, "invalid --fact '%s': expected NAME=VALUE", arg);
	name = vx_strdup(pool, arg, (size_t)(eq - arg));
	if (name == NULL)
		return vx_fail(err, errlen, "out of memory");
	return vx_fact_set(pool, c, name, eq + 1, field, err, errlen);
}

/* ------------------------------------------------------------- CSV */

enum {
	COL_ID,
	COL_NAME,
	COL_KIND,
	COL_PARTNER,
	COL_COUNTRY,
	COL_REGION,
	COL_SECTORS,
	COL_PROVINCE,
	COL_FACT0, /* the eight facts, in vx_fact_names order */
	COL_TEACHER_HOURS = COL_FACT0 + VX_FACTS,
	COL_CONTACT0, /* one per role, in ContactRole order from 1 */
	COL_COUNT = COL_CONTACT0 + 4
};

static const char *const columns[COL_COUNT] = {
    "id",
    "name",
    "kind",
    "partner",
    "country",
    "region",
    "sectors",
    "province",
    "sends",
    "receives",
    "dual_vet",
    "coordinator",
    "excellence_network",
    "previous_experience",
    "integrated",
    "ka2_interest",
    "teacher_hours",
    "headmasters",
    "coordinators",
    "teachers",
    "company_tutors",
};

/* vx_escape - a name or channel with '|', ';' and '\' escaped. */
static void vx_escape(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '|' || *s == ';' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* vx_cell - the text of column `col` of centre c; the caller frees it. */
static char *vx_cell(const vx_centre_t *c, int col)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char slug[64];

	if (f == NULL)
		return NULL;
	switch (col) {
	case COL_ID:
		fputs(c->id, f);
		break;
	case COL_NAME:
		fputs(c->name, f);
		break;
	case COL_KIND:
		if (c->kind != 0 && va_enum_slug(&vetalliance__v1__centre_kind__descriptor,
						 (int)c->kind, slug, sizeof slug) != NULL)
			fputs(slug, f);
		break;
	case COL_PARTNER:
		fputs(c->partner, f);
		break;
	case COL_COUNTRY:
		fputs(c->country, f);
		break;
	case COL_REGION:
		fputs(c->region, f);
		break;
	case COL_SECTORS:
		for (size_t i = 0; i < c->n_sectors; i++)
			fprintf(f, "%s%s", i ? ";" : "", c->sectors[i]);
		break;
	case COL_PROVINCE:
		fputs(c->province, f);
		break;
	case COL_TEACHER_HOURS:
		if (c->teacher_hours_known)
			fprintf(f, "%" PRIu32, c->teacher_hours);
		break;
	default:
		if (col >= COL_FACT0 && col < COL_FACT0 + VX_FACTS) {
			int v = (int)*vx_fact_ptr((vx_centre_t *)c, (size_t)(col - COL_FACT0));
			if (v != 0 && va_enum_slug(&vetalliance__v1__fact__descriptor, v, slug,
						   sizeof slug) != NULL)
				fputs(slug, f);
		} else {
			int role = col - COL_CONTACT0 + 1, first = 1;
			for (size_t i = 0; i < c->n_contacts; i++) {
				const vx_contact_t *k = c->contacts[i];
				if ((int)k->role != role)
					continue;
				if (!first)
					fputc(';', f);
				first = 0;
				vx_escape(f, k->name);
				for (size_t j = 0; j < k->n_channels; j++) {
					fputc('|', f);
					vx_escape(f, k->channels[j]);
				}
			}
		}
		break;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int vx_centres_csv(FILE *out, Vetalliance__V1__Centre *const *centres, size_t n)
{
	for (int col = 0; col < COL_COUNT; col++)
		csv_write_field(out, columns[col], col == 0);
	csv_end_record(out);
	for (size_t i = 0; i < n; i++) {
		for (int col = 0; col < COL_COUNT; col++) {
			char *t = vx_cell(centres[i], col);
			if (t == NULL)
				return -1;
			csv_write_field(out, t, col == 0);
			free(t);
		}
		csv_end_record(out);
	}
	return 0;
}

/* vx_set_cell - column `col` of a centre from CSV text. */
static int vx_set_cell(vx_pool_t *pool, vx_centre_t *c, int col, char *text, char *err,
		       size_t errlen)
{
	const char *field;
	int v;

	switch (col) {
	case COL_ID:
		c->id = text;
		return 0;
	case COL_NAME:
		c->name = text;
		return 0;
	case COL_KIND:
		if (text[0] == '\0')
			return 0;
		if (va_enum_from_slug(&vetalliance__v1__centre_kind__descriptor, text, &v) < 0 ||
		    v == 0)
			return vx_fail(err, errlen, "column kind: unknown centre kind '%s'", text);
		c->kind = (Vetalliance__V1__CentreKind)v;
		return 0;
	case COL_PARTNER:
		c->partner = text;
		return 0;
	case COL_COUNTRY:
		c->country = text;
		return 0;
	case COL_REGION:
		c->region = text;
		return 0;
	case COL_SECTORS: {
		char *p = text;
		while (*p != '\0') {
			char *semi = strchr(p, ';');
			char **sv = vx_alloc(pool, (c->n_sectors + 1) * sizeof *sv);
			if (sv == NULL)
				return vx_fail(err, errlen, "out of memory");
			if (semi != NULL)
				*semi = '\0';
			if (c->n_sectors > 0)
				memcpy(sv, c->sectors, c->n_sectors * sizeof *sv);
			sv[c->n_sectors++] = vx_trim(p);
			c->sectors = sv;
			if (semi == NULL)
				break;
			p = semi + 1;
		}
		return 0;
	}
	default:
		if (col >= COL_CONTACT0) {
			if (vx_contacts_add(pool, c, col - COL_CONTACT0 + 1, text, err, errlen) < 0)
				return vx_column_fail(columns[col], err, errlen);
			return 0;
		}
		if (vx_fact_set(pool, c, columns[col], text, &field, err, errlen) < 0)
			return vx_column_fail(columns[col], err, errlen);
		return 0;
	}
}

/* The update_mask name of a column. */
static const char *vx_mask_name(int col)
{
	return col >= COL_CONTACT0 ? "contacts" : columns[col];
}

/* Reads a whole file into a malloc'd buffer; returns NULL on failure. */
static char *vx_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (f == NULL)
		return NULL;
	for (;;) {
		size_t got;
		if (*len == cap) {
			char *p = realloc(buf, cap ? cap * 2 : 65536);
			if (p == NULL)
				goto fail;
			buf = p;
			cap = cap ? cap * 2 : 65536;
		}
		got = fread(buf + *len, 1, cap - *len, f);
		*len += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

typedef struct vx_import {
	va_client_t *client;
	const char *request_id;
	int cols[COL_COUNT]; /* column of the file -> COL_*, for ncols entries */
	size_t ncols;
	FILE *out;
} vx_import_t;

/* Sends one request; returns 0 with *reply_p, or EX_UNAVAILABLE. */
static int vx_send(vx_import_t *im, va_request_t *req, size_t row, const char *suffix,
		   va_reply_t **reply_p)
{
	char rid[VA_REQUEST_ID_MAX + 1];
	int rc;

	req->request_id = NULL;
	if (im->request_id != NULL) {
		snprintf(rid, sizeof rid, "%.48s-%zu%s", im->request_id, row, suffix);
		req->request_id = rid;
	}
	rc = va_client_call(im->client, req, reply_p);
	if (rc < 0) {
		fprintf(stderr, "vetctl: no reply to row %zu: %s\n", row, va_strerror(rc));
		return EX_UNAVAILABLE;
	}
	return 0;
}

/*
 * One record: register the centre, or update it when its id exists.
 * Returns 0 accepted, 1 refused, or EX_UNAVAILABLE.
 */
static int vx_import_row(vx_import_t *im, const csv_row_t *row, size_t rowno)
{
	vx_pool_t pool = {0};
	vx_centre_t c;
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__CentreRegister reg = VETALLIANCE__V1__CENTRE_REGISTER__INIT;
	Vetalliance__V1__CentreUpdate upd = VETALLIANCE__V1__CENTRE_UPDATE__INIT;
	char *mask[COL_COUNT];
	va_reply_t *reply = NULL;
	const char *verb = "registered";
	char err[512];
	int rc = 1;

	vetalliance__v1__centre__init(&c);
	if (row->n != im->ncols) {
		fprintf(im->out, "row %zu (line %zu): refused: %zu fields, the header has %zu\n",
			rowno, row->line, row->n, im->ncols);
		goto out;
	}
	for (size_t i = 0; i < row->n; i++) {
		if (vx_set_cell(&pool, &c, im->cols[i], row->fields[i], err, sizeof err) < 0) {
			fprintf(im->out, "row %zu (line %zu): refused: %s\n", rowno, row->line,
				err);
			goto out;
		}
	}
	reg.centre = &c;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;
	req.centre_register = &reg;
	if ((rc = vx_send(im, &req, rowno, "", &reply)) != 0)
		goto out;
	if (reply->status == VETALLIANCE__V1__STATUS__STATUS_ALREADY_EXISTS) {
		va_reply_free(&reply);
		upd.centre = &c;
		upd.update_mask = mask;
		for (size_t i = 0; i < im->ncols; i++) {
			const char *m = vx_mask_name(im->cols[i]);
			int seen = im->cols[i] == COL_ID;
			for (size_t k = 0; k < upd.n_update_mask && !seen; k++)
				seen = strcmp(mask[k], m) == 0;
			if (!seen)
				mask[upd.n_update_mask++] = (char *)m;
		}
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_UPDATE;
		req.centre_update = &upd;
		verb = "updated";
		if ((rc = vx_send(im, &req, rowno, "u", &reply)) != 0)
			goto out;
	}
	if (reply->status != VETALLIANCE__V1__STATUS__STATUS_OK) {
		fprintf(im->out, "row %zu (line %zu): refused: %s: %s\n", rowno, row->line,
			va_status_name((int)reply->status), reply->message);
		rc = 1;
		goto out;
	}
	fprintf(im->out, "row %zu (line %zu): %s centre '%s' (seq %" PRIu64 ")\n", rowno, row->line,
		verb, c.id, reply->seq);
	rc = 0;
out:
	va_reply_free(&reply);
	vx_pool_release(&pool);
	return rc;
}

int vx_centre_import(va_client_t *client, const char *path, const char *request_id, FILE *out)
{
	vx_import_t im = {.client = client, .request_id = request_id, .out = out};
	csv_reader_t r;
	csv_row_t row = {0};
	size_t len, rowno = 1, accepted = 0, refused = 0;
	char err[256];
	char *text = vx_slurp(path, &len);
	int rc, status = EX_OK, has_id = 0;

	if (text == NULL) {
		fprintf(stderr, "vetctl: could not read '%s': %s\n", path, strerror(errno));
		return EX_NOINPUT;
	}
	csv_reader_init(&r, text, len);
	rc = csv_next(&r, &row, err, sizeof err);
	if (rc <= 0) {
		fprintf(stderr, "vetctl: '%s': no header record%s%s\n", path, rc < 0 ? ": " : "",
			rc < 0 ? err : "");
		status = EX_DATAERR;
		goto out;
	}
	for (size_t i = 0; i < row.n; i++) {
		int col = -1;
		for (int k = 0; k < COL_COUNT; k++)
			if (strcmp(row.fields[i], columns[k]) == 0)
				col = k;
		for (size_t k = 0; k < i && col >= 0; k++)
			if (im.cols[k] == col) {
				fprintf(stderr, "vetctl: '%s': column '%s' twice in the header\n",
					path, row.fields[i]);
				status = EX_DATAERR;
				goto out;
			}
		if (col < 0) {
			fprintf(stderr, "vetctl: '%s': unknown column '%s' (see docs/CSV.md)\n",
				path, row.fields[i]);
			status = EX_DATAERR;
			goto out;
		}
		has_id |= col == COL_ID;
		im.cols[i] = col;
	}
	im.ncols = row.n;
	if (!has_id) {
		fprintf(stderr, "vetctl: '%s': the header has no 'id' column\n", path);
		status = EX_DATAERR;
		goto out;
	}
	for (;;) {
		size_t line = r.line;
		rc = csv_next(&r, &row, err, sizeof err);
		if (rc == 0)
			break;
		rowno++;
		if (rc == -2) {
			status = EX_SOFTWARE;
			goto out;
		}
		if (rc < 0) {
			fprintf(out, "row %zu (line %zu): refused: malformed CSV: %s\n", rowno,
				line, err);
			refused++;
			continue;
		}
		rc = vx_import_row(&im, &row, rowno);
		if (rc == EX_UNAVAILABLE) {
			status = rc;
			goto out;
		}
		if (rc == 0)
			accepted++;
		else
			refused++;
	}
	fprintf(out, "%zu row%s accepted, %zu refused\n", accepted, accepted == 1 ? "" : "s",
		refused);
	status = refused > 0 ? 1 : EX_OK;
out:
	csv_row_release(&row);
	free(text);
	return status;
}

/* ---------------------------------------------------- report sectors */

/* UTF-8 code points: the display width of the text in a table cell. */
static size_t vx_width(const char *s)
{
	size_t n = 0;

	while (*s != '\0')
		n += ((unsigned char)*s++ & 0xc0) != 0x80;
	return n;
}

#define VX_CELL_MAX 320

/* The column label of a partner: its country, unless the partner is a
 * region's body or shares its country with another partner; then its id. */
static const char *vx_partner_label(const Vetalliance__V1__StateResult *st, size_t i)
{
	const Vetalliance__V1__Partner *p = st->partners[i];

	if (p->region[0] != '\0')
		return p->id;
	for (size_t k = 0; k < st->n_partners; k++)
		if (k != i && strcmp(st->partners[k]->country, p->country) == 0)
			return p->id;
	return p->country;
}

/* The cell of (partner, sector): "x", "x*" for the spreadsheet's own
 * footnote mark, "x (note)", or "" when not interested. */
static void vx_interest_cell(const Vetalliance__V1__StateResult *st, const char *partner,
			     const char *sector, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < st->n_interests; i++) {
		const Vetalliance__V1__SectorInterest *in = st->interests[i];
		if (!in->interested || strcmp(in->partner, partner) != 0 ||
		    strcmp(in->sector, sector) != 0)
			continue;
		if (in->note[0] == '\0')
			snprintf(buf, len, "x");
		else if (strcmp(in->note, "*") == 0)
			snprintf(buf, len, "x*");
		else
			snprintf(buf, len, "x (%s)", in->note);
	}
}

/* vx_json_print - `root` as one compact JSON line; releases it.  A NULL
 * root (a build that failed) is out of memory: returns -1. */
static int vx_json_print(FILE *out, json_t *root)
{
	char *text = root != NULL ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(root);
	if (text == NULL)
		return -1;
	fprintf(out, "%s\n", text);
	free(text);
	return 0;
}

static int vx_sectors_json(FILE *out, const Vetalliance__V1__StateResult *st)
{
	json_t *partners = json_array(), *sectors = json_array();

	if (partners == NULL || sectors == NULL) {
		json_decref(partners);
		json_decref(sectors);
		return -1;
	}
	for (size_t i = 0; i < st->n_partners; i++)
		json_array_append_new(
		    partners, json_pack("{s:s, s:s, s:s}", "id", st->partners[i]->id, "label",
					vx_partner_label(st, i), "name", st->partners[i]->name));
	for (size_t s = 0; s < st->n_sectors; s++) {
		const Vetalliance__V1__Sector *sec = st->sectors[s];
		json_t *interest = json_object();
		for (size_t i = 0; i < st->n_interests; i++) {
			const Vetalliance__V1__SectorInterest *in = st->interests[i];
			if (in->interested && strcmp(in->sector, sec->id) == 0)
				json_object_set_new(interest, in->partner,
						    json_pack("{s:s}", "note", in->note));
		}
		json_array_append_new(sectors, json_pack("{s:s, s:s, s:b, s:o}", "id", sec->id,
							 "name", sec->name, "focus",
							 (int)sec->focus, "interest", interest));
	}
	return vx_json_print(out,
			     json_pack("{s:o, s:o}", "partners", partners, "sectors", sectors));
}

int vx_report_sectors(FILE *out, const Vetalliance__V1__StateResult *st, enum vx_format format)
{
	size_t np = st->n_partners, width0 = strlen("sector");
	size_t *width = calloc(np + 1, sizeof *width);
	char cell[VX_CELL_MAX];
	const char *sep = "";

	if (width == NULL)
		return -1;
	if (format == VX_JSON) {
		free(width);
		return vx_sectors_json(out, st);
	}
	if (format == VX_CSV) {
		csv_write_field(out, "sector", 1);
		for (size_t i = 0; i < np; i++)
			csv_write_field(out, vx_partner_label(st, i), 0);
		csv_end_record(out);
		for (size_t s = 0; s < st->n_sectors; s++) {
			csv_write_field(out, st->sectors[s]->name, 1);
			for (size_t i = 0; i < np; i++) {
				vx_interest_cell(st, st->partners[i]->id, st->sectors[s]->id, cell,
						 sizeof cell);
				csv_write_field(out, cell, 0);
			}
			csv_end_record(out);
		}
		free(width);
		return 0;
	}
	for (size_t s = 0; s < st->n_sectors; s++)
		if (vx_width(st->sectors[s]->name) > width0)
			width0 = vx_width(st->sectors[s]->name);
	for (size_t i = 0; i < np; i++) {
		width[i] = vx_width(vx_partner_label(st, i));
		for (size_t s = 0; s < st->n_sectors; s++) {
			vx_interest_cell(st, st->partners[i]->id, st->sectors[s]->id, cell,
					 sizeof cell);
			if (vx_width(cell) > width[i])
				width[i] = vx_width(cell);
		}
	}
	fprintf(out, "%-*s", (int)width0, "sector");
	for (size_t i = 0; i < np; i++)
		fprintf(out, "  %-*s", i + 1 < np ? (int)width[i] : 0, vx_partner_label(st, i));
	fputc('\n', out);
	for (size_t s = 0; s < st->n_sectors; s++) {
		const char *name = st->sectors[s]->name;
		/* Padding is written only before a cell that has text, so that
		 * no line ends in blanks. */
		size_t pad = width0 - vx_width(name);

		fputs(name, out);
		for (size_t i = 0; i < np; i++) {
			vx_interest_cell(st, st->partners[i]->id, st->sectors[s]->id, cell,
					 sizeof cell);
			if (cell[0] == '\0') {
				pad += 2 + width[i];
				continue;
			}
			fprintf(out, "%*s%s", (int)(pad + 2), "", cell);
			pad = width[i] - vx_width(cell);
		}
		fputc('\n', out);
	}
	fputs("\nx: the partner is interested; in brackets, which province's centre offers "
	      "it; *: footnote of the shared spreadsheet\n",
	      out);
	for (size_t i = 0; i < np; i++)
		fprintf(out, "%s: %s (%s)\n", vx_partner_label(st, i), st->partners[i]->name,
			st->partners[i]->id);
	fputs("focus sectors: ", out);
	for (size_t s = 0; s < st->n_sectors; s++)
		if (st->sectors[s]->focus) {
			fprintf(out, "%s%s", sep, st->sectors[s]->name);
			sep = ", ";
		}
	fputc('\n', out);
	free(width);
	return 0;
}

/* -------------------------------------------------------- MoU show */

static void vx_date(char *buf, size_t len, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms == 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "not set");
		return;
	}
	strftime(buf, len, "%Y-%m-%d", &tm);
}

static void vx_text_block(FILE *out, const char *text)
{
	fputs("   ", out);
	for (const char *p = text[0] ? text : "(none)"; *p != '\0'; p++) {
		fputc(*p, out);
		if (*p == '\n')
			fputs("   ", out);
	}
	fputc('\n', out);
}

static int vx_mou_json(FILE *out, const Vetalliance__V1__Alliance *a)
{
	char *mou = va_json_message(&a->mou->base);
	json_t *sigs = json_array(), *root;

	if (mou == NULL || sigs == NULL) {
		free(mou);
		json_decref(sigs);
		return -1;
	}
	for (size_t i = 0; i < a->n_members; i++) {
		const Vetalliance__V1__AllianceMember *m = a->members[i];
		int current =
		    m->signed_hash[0] != '\0' && strcmp(m->signed_hash, a->mou->hash) == 0;
		json_array_append_new(
		    sigs, json_pack("{s:s, s:b, s:s, s:I, s:s}", "centre", m->centre, "signed",
				    current, "hash", m->signed_hash, "signed_ms",
				    (json_int_t)m->signed_ms, "by", m->signed_by));
	}
	root = json_pack("{s:s, s:s, s:o, s:o}", "alliance", a->id, "name", a->name, "mou",
			 json_loads(mou, 0, NULL), "signatures", sigs);
	free(mou);
	return vx_json_print(out, root);
}

int vx_mou_show(FILE *out, const Vetalliance__V1__Alliance *a, enum vx_format format)
{
	const Vetalliance__V1__MouContent *m = a->mou;
	char from[32], until[32], when[32], kind[32] = "";
	size_t signed_n = 0;

	if (m == NULL || m->version == 0) {
		fprintf(stderr, "vetctl: alliance '%s' has no MoU draft yet\n", a->id);
		return 1;
	}
	if (format == VX_JSON)
		return vx_mou_json(out, a);
	va_enum_slug(&vetalliance__v1__alliance_kind__descriptor, (int)a->kind, kind, sizeof kind);
	vx_date(from, sizeof from, m->valid_from_ms);
	vx_date(until, sizeof until, m->valid_until_ms);
	fprintf(out, "MEMORANDUM OF UNDERSTANDING\n\n");
	fprintf(out, "alliance:  %s - %s (%s%s%s)\n", a->id, a->name, kind,
		a->sector[0] ? ", sector " : "", a->sector);
	fprintf(out, "members:   ");
	for (size_t i = 0; i < a->n_members; i++)
		fprintf(out, "%s%s", i ? ", " : "", a->members[i]->centre);
	fprintf(out, "\nversion:   %" PRIu32 "\n", m->version);
	fprintf(out, "hash:      %s\n", m->hash);
	fprintf(out, "valid:     from %s until %s\n\n", from, until);

	fprintf(out, "1. Objectives\n");
	vx_text_block(out, m->objectives);
	fprintf(out, "\n2. Student mobilities planned\n");
	fprintf(out, "   less than 4 weeks:                      %" PRIu32 "\n",
		m->students_under_4_weeks);
	fprintf(out, "   4 to 12 weeks:                          %" PRIu32 "\n",
		m->students_4_to_12_weeks);
	fprintf(out, "   3 to 6 months (traineeship, graduate):  %" PRIu32 "\n",
		m->students_3_to_6_months);
	fprintf(out, "   more than 6 months:                     %" PRIu32 "\n",
		m->students_over_6_months);
	fprintf(out, "   special needs:                          %" PRIu32 "\n",
		m->students_special_needs);
	fprintf(out, "\n3. Staff mobilities\n");
	fprintf(out, "   job shadowing (one week):               %" PRIu32 "\n",
		m->staff_job_shadowing);
	fprintf(out, "   teaching:                               %" PRIu32 "\n", m->staff_teaching);
	fprintf(out, "   preparation of mobilities:              %" PRIu32 "\n",
		m->staff_preparation);
	fprintf(out, "   experts from companies:                 %" PRIu32 "\n",
		m->staff_company_experts);
	fprintf(out, "\n4. Joint international activities\n");
	if (m->n_joint_activities == 0)
		fprintf(out, "   (none)\n");
	for (size_t i = 0; i < m->n_joint_activities; i++)
		fprintf(out, "   - %s\n", m->joint_activities[i]);
	fprintf(out, "\n5. Language and culture interchange\n");
	vx_text_block(out, m->languages);
	fprintf(out, "\n6. Qualifications and units of learning outcomes (who assesses, "
		     "validates, recognises)\n");
	vx_text_block(out, m->ecvet);

	fprintf(out, "\nSignatures (version %" PRIu32 ")\n", m->version);
	for (size_t i = 0; i < a->n_members; i++) {
		const Vetalliance__V1__AllianceMember *mb = a->members[i];
		if (mb->signed_hash[0] != '\0' && strcmp(mb->signed_hash, m->hash) == 0) {
			vx_date(when, sizeof when, mb->signed_ms);
			fprintf(out, "   %-16s signed on %s by %s\n", mb->centre, when,
				mb->signed_by);
			signed_n++;
		} else {
			fprintf(out, "   %-16s not signed\n", mb->centre);
		}
	}
	fprintf(out, "   %zu of %zu members signed%s\n", signed_n, a->n_members,
		signed_n == a->n_members ? ": the MoU is complete" : "");
	if (m->voided > 0)
		fprintf(out,
			"\nNote: the change to version %" PRIu32 " voided %" PRIu32
			" signature%s; those members must sign this version again.\n",
			m->version, m->voided, m->voided == 1 ? "" : "s");
	return 0;
}
