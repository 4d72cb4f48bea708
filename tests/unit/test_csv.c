/*
 * test_csv.c - the RFC 4180 reader and writer of clients/csv.c: quoting
 * of commas, quotes and line breaks, CRLF and LF, a byte-order mark,
 * UTF-8, empty fields, and malformed records that are refused while the
 * reader goes on with the next line.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "csv.h"

static csv_reader_t r;
static csv_row_t row;
static char err[256];

static void start(const char *text)
{
	csv_reader_init(&r, text, strlen(text));
	memset(&row, 0, sizeof row);
}

static void expect_row(size_t n, const char *const *fields)
{
	int rc = csv_next(&r, &row, err, sizeof err);

	cr_assert_eq(rc, 1, "rc %d: %s", rc, err);
	cr_assert_eq(row.n, n, "%zu fields, expected %zu", row.n, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(row.fields[i], fields[i]);
}

#define ROW(...)                                                                                   \
	expect_row(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *),                   \
		   (const char *[]){__VA_ARGS__})

static void expect_end(void)
{
	cr_assert_eq(csv_next(&r, &row, err, sizeof err), 0);
	csv_row_release(&row);
}

Test(csv, plain_crlf_and_lf)
{
	start("a,b,c\r\n1,2,3\nx,,z");
	ROW("a", "b", "c");
	cr_assert_eq(row.line, 1);
	ROW("1", "2", "3");
	ROW("x", "", "z");
	cr_assert_eq(row.line, 3);
	expect_end();
}

Test(csv, quoted_commas_quotes_and_newlines)
{
	start("\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\nnext,\"\"\r\n");
	ROW("a,b", "say \"hi\"", "two\r\nlines");
	ROW("next", "");
	cr_assert_eq(row.line, 3, "line %zu", row.line);
	expect_end();
}

Test(csv, bom_utf8_and_blank_lines)
{
	start("\xEF\xBB\xBFid,name\r\n\r\nÁVILA,Centro de Ávila\r\n\r\n");
	ROW("id", "name");
	ROW("ÁVILA", "Centro de Ávila");
	cr_assert_eq(row.line, 3);
	expect_end();
}

Test(csv, trailing_empty_field)
{
	start("a,\r\n,\r\n");
	ROW("a", "");
	ROW("", "");
	expect_end();
}

Test(csv, stray_quote_refuses_the_row_only)
{
	start("ok,1\r\nbad\"x,2\r\n\"closed\"tail,3\r\nfine,4\r\n");
	ROW("ok", "1");
	cr_assert_eq(csv_next(&r, &row, err, sizeof err), -1);
	cr_assert_str_eq(err, "field 1: a quote inside an unquoted field");
	cr_assert_eq(csv_next(&r, &row, err, sizeof err), -1);
	cr_assert_str_eq(err, "field 1: text after a closing quote");
	ROW("fine", "4");
	cr_assert_eq(row.line, 4);
	expect_end();
}

Test(csv, unclosed_quote_ends_the_text)
{
	start("a,\"never\r\nclosed,b\r\n");
	cr_assert_eq(csv_next(&r, &row, err, sizeof err), -1);
	cr_assert_str_eq(err, "a quoted field never closes");
	expect_end();
}

Test(csv, write_then_read_back)
{
	const char *fields[] = {"plain",        "with,comma", "with \"quote\"",
				"two\r\nlines", "",           "Ávila|x;y"};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	for (size_t i = 0; i < 6; i++)
		csv_write_field(f, fields[i], i == 0);
	csv_end_record(f);
	fclose(f);
	cr_assert_str_eq(buf, "plain,\"with,comma\",\"with \"\"quote\"\"\",\"two\r\nlines\",,"
			      "Ávila|x;y\r\n");
	csv_reader_init(&r, buf, len);
	memset(&row, 0, sizeof row);
	expect_row(6, fields);
	expect_end();
	free(buf);
}
