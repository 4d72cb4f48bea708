/*
 * csv - RFC 4180 records: reading rows from a text in memory and writing
 * fields.  A field holding a comma, a double quote, CR or LF is quoted,
 * with its quotes doubled; records end in CRLF when written, and in CRLF
 * or LF when read.  A UTF-8 byte-order mark before the first record is
 * skipped.  Bytes are passed through: UTF-8 stays UTF-8.
 */
#ifndef VA_CSV_H
#define VA_CSV_H

#include <stddef.h>
#include <stdio.h>

typedef struct csv_reader {
	const char *text;
	size_t len;
	size_t pos;
	size_t line; /* line of the text where the next record starts, from 1 */
} csv_reader_t;

/* One record: fields[i] are NUL-terminated copies, owned by the row. */
typedef struct csv_row {
	char **fields;
	size_t n;
	size_t line; /* the line it started on */
} csv_row_t;

/* csv_reader_init - read `text` (len bytes, not NUL-terminated). */
void csv_reader_init(csv_reader_t *r, const char *text, size_t len);

/*
 * csv_next - the next record into *row (released first).  Returns 1 with
 * a row, 0 at the end of the text, or -1 for a malformed record with a
 * message in err: the reader then stands after that record's line when
 * it can tell where the record ends (a stray quote), or at the end of the
 * text (a quote never closed).  Returns -2 on out of memory.
 */
int csv_next(csv_reader_t *r, csv_row_t *row, char *err, size_t errlen);

void csv_row_release(csv_row_t *row);

/* csv_write_field - one field, quoted when it must be; `first` leaves out
 * the comma before it. */
void csv_write_field(FILE *out, const char *s, int first);

/* csv_end_record - the CRLF that ends a record. */
void csv_end_record(FILE *out);

#endif
