/*
 * csv - see csv.h.  The reader is a small state machine over bytes:
 * start of field, inside an unquoted field, inside a quoted field, and
 * after a closing quote (where only a comma or the end of the record may
 * follow).
 */
#include <stdlib.h>
#include <string.h>

#include "csv.h"

void csv_reader_init(csv_reader_t *r, const char *text, size_t len)
{
	r->text = text;
	r->len = len;
	r->pos = 0;
	r->line = 1;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
}

void csv_row_release(csv_row_t *row)
{
	for (size_t i = 0; i < row->n; i++)
		free(row->fields[i]);
	free(row->fields);
	row->fields = NULL;
	row->n = 0;
}

/* A growing byte buffer for the field being read. */
typedef struct csv_buf {
	char *p;
	size_t n;
	size_t cap;
} csv_buf_t;

static int csv__put(csv_buf_t *b, char c)
{
	if (b->n + 1 >= b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char *p = realloc(b->p, cap);
		if (p == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	b->p[b->n++] = c;
	return 0;
}

static int csv__push(csv_row_t *row, csv_buf_t *b)
{
	char **v = realloc(row->fields, (row->n + 1) * sizeof *v);
	char *f;

	if (v == NULL)
		return -1;
	row->fields = v;
	f = malloc(b->n + 1);
	if (f == NULL)
		return -1;
	if (b->n > 0)
		memcpy(f, b->p, b->n);
	f[b->n] = '\0';
	row->fields[row->n++] = f;
	b->n = 0;
	return 0;
}

/* Skip to just after the end of the current line. */
static void csv__skip_line(csv_reader_t *r)
{
	while (r->pos < r->len && r->text[r->pos] != '\n')
		r->pos++;
	if (r->pos < r->len) {
		r->pos++;
		r->line++;
	}
}

int csv_next(csv_reader_t *r, csv_row_t *row, char *err, size_t errlen)
{
	enum { START, PLAIN, QUOTED, CLOSED } st = START;
	csv_buf_t b = {0};
	int rc = -2;

	csv_row_release(row);
	/* Blank lines between records carry nothing. */
	while (r->pos < r->len && (r->text[r->pos] == '\n' || r->text[r->pos] == '\r')) {
		if (r->text[r->pos] == '\n')
			r->line++;
		r->pos++;
	}
	if (r->pos >= r->len)
		return 0;
	row->line = r->line;
	for (;;) {
		int end = r->pos >= r->len;
		char c = end ? '\n' : r->text[r->pos];

		if (st == QUOTED) {
			if (end) {
				snprintf(err, errlen, "a quoted field never closes");
				rc = -1;
				goto fail;
			}
			r->pos++;
			if (c == '"') {
				if (r->pos < r->len && r->text[r->pos] == '"') {
					r->pos++;
					if (csv__put(&b, '"') < 0)
						goto fail;
				} else {
					st = CLOSED;
				}
				continue;
			}
			if (c == '\n')
				r->line++;
			if (csv__put(&b, c) < 0)
				goto fail;
			continue;
		}
		if (c == '\r' && r->pos + 1 < r->len && r->text[r->pos + 1] == '\n') {
			r->pos++;
			continue;
		}
		if (c == ',' || c == '\n') {
			if (csv__push(row, &b) < 0)
				goto fail;
			if (!end)
				r->pos++;
			if (c == '\n') {
				if (!end)
					r->line++;
				break;
			}
			st = START;
			continue;
		}
		if (st == CLOSED) {
			snprintf(err, errlen, "field %zu: text after a closing quote", row->n + 1);
			rc = -1;
			csv__skip_line(r);
			goto fail;
		}
		if (c == '"') {
			if (st == START) {
				st = QUOTED;
				r->pos++;
				continue;
			}
			snprintf(err, errlen, "field %zu: a quote inside an unquoted field",
				 row->n + 1);
			rc = -1;
			csv__skip_line(r);
			goto fail;
		}
		st = PLAIN;
		if (csv__put(&b, c) < 0)
			goto fail;
		r->pos++;
	}
	free(b.p);
	return 1;
fail:
	free(b.p);
	csv_row_release(row);
	if (rc == -2)
		snprintf(err, errlen, "out of memory");
	return rc;
}

void csv_write_field(FILE *out, const char *s, int first)
{
	if (!first)
		fputc(',', out);
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void csv_end_record(FILE *out)
{
	fputs("\r\n", out);
}
