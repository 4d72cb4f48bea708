/*
 * test_snapfile.c - daemon/snapfile.c: the file format, newest-valid
 * selection past damaged files, pruning, verification, and a full disk
 * (RLIMIT_FSIZE in a child).
 */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vetalliance/error.h>

#include "crc32c.h"
#include "snapfile.h"
#include "testfs.h"

#define HDR 32

static char errbuf[512];

TestSuite(snapfile, .init = testfs_setup, .fini = testfs_teardown);

static const char *snap_file(uint64_t seq)
{
	static char name[64];

	snprintf(name, sizeof name, "snapshot-%020" PRIu64 ".snap", seq);
	return name;
}

static void content_for(uint64_t seq, char *buf, size_t cap)
{
	snprintf(buf, cap, "state after event %" PRIu64, seq);
}

static void write_snap(uint64_t seq)
{
	char content[64];
	int rc;

	content_for(seq, content, sizeof content);
	rc = snapfile_write(testfs_dir, seq, content, strlen(content), errbuf, sizeof errbuf);
	cr_assert_eq(rc, 0, "snapfile_write %" PRIu64 ": %d %s", seq, rc, errbuf);
}

/* Load and expect snapshot seq with its content (0: none). */
static void expect_newest(uint64_t seq, size_t skipped)
{
	snapfile_report_t r;
	uint64_t got = 99;
	void *bytes = (void *)1;
	size_t len = 99;
	char want[64];
	int rc = snapfile_load_newest(testfs_dir, &got, &bytes, &len, &r, errbuf, sizeof errbuf);

	cr_assert_eq(rc, 0, "load: %d %s", rc, errbuf);
	cr_assert_eq(got, seq, "newest %" PRIu64 ", want %" PRIu64, got, seq);
	cr_assert_eq(r.skipped, skipped, "skipped %zu (%s)", r.skipped, r.detail);
	if (seq == 0) {
		cr_assert_null(bytes);
		cr_assert_eq(len, 0);
		return;
	}
	content_for(seq, want, sizeof want);
	cr_assert_eq(len, strlen(want));
	cr_assert_eq(memcmp(bytes, want, len), 0);
	free(bytes);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

Test(snapfile, file_format_is_as_documented)
{
	unsigned char buf[256];
	FILE *f;
	size_t n;

	write_snap(42);
	f = fopen(testfs_path(snap_file(42)), "rb");
	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	cr_assert_eq(n, HDR + strlen("state after event 42"));
	cr_assert_eq(memcmp(buf, "VAS1", 4), 0);
	cr_assert_eq(le32(buf + 4), 1);
	cr_assert_eq(le64(buf + 8), 42);
	cr_assert_eq(le64(buf + 16), n - HDR);
	cr_assert_eq(le32(buf + 24), crc32c(buf + HDR, n - HDR));
	cr_assert_eq(le32(buf + 28), crc32c(buf, 28));
	cr_assert_eq(memcmp(buf + HDR, "state after event 42", n - HDR), 0);
	cr_assert_eq(testfs_count(""), 1, "no temp file is left");
}

Test(snapfile, none_in_a_fresh_directory)
{
	expect_newest(0, 0);
}

Test(snapfile, roundtrip_and_newest)
{
	write_snap(5);
	expect_newest(5, 0);
	write_snap(1000);
	write_snap(17);
	expect_newest(1000, 0);
	/* rewriting a seq replaces it */
	write_snap(1000);
	expect_newest(1000, 0);
	cr_assert_eq(testfs_count(""), 3);
}

Test(snapfile, empty_and_large_content)
{
	size_t big = 3u << 20;
	unsigned char *p = malloc(big);
	uint64_t seq;
	void *bytes;
	size_t len;

	cr_assert_not_null(p);
	for (size_t i = 0; i < big; i++)
		p[i] = (unsigned char)(i * 7 + (i >> 11));
	cr_assert_eq(snapfile_write(testfs_dir, 1, NULL, 0, errbuf, sizeof errbuf), 0, "%s",
		     errbuf);
	cr_assert_eq(
	    snapfile_load_newest(testfs_dir, &seq, &bytes, &len, NULL, errbuf, sizeof errbuf), 0);
	cr_assert_eq(seq, 1);
	cr_assert_not_null(bytes, "a valid empty snapshot is not 'none'");
	cr_assert_eq(len, 0);
	free(bytes);

	cr_assert_eq(snapfile_write(testfs_dir, 2, p, big, errbuf, sizeof errbuf), 0, "%s", errbuf);
	cr_assert_eq(
	    snapfile_load_newest(testfs_dir, &seq, &bytes, &len, NULL, errbuf, sizeof errbuf), 0);
	cr_assert_eq(seq, 2);
	cr_assert_eq(len, big);
	cr_assert_eq(memcmp(bytes, p, big), 0);
	free(bytes);
	free(p);
}

Test(snapfile, seq_zero_is_refused)
{
	cr_assert_eq(snapfile_write(testfs_dir, 0, "x", 1, errbuf, sizeof errbuf),
		     -VA_INVALID_ARGUMENT);
	cr_assert_eq(testfs_count(""), 0);
}

Test(snapfile, missing_directory)
{
	char missing[PATH_MAX + 16];
	uint64_t seq;
	void *bytes;
	size_t len;

	snprintf(missing, sizeof missing, "%s/nope", testfs_dir);
	cr_assert_eq(snapfile_write(missing, 1, "x", 1, errbuf, sizeof errbuf), -VA_NOT_FOUND);
	cr_assert_not_null(strstr(errbuf, "nope"), "%s", errbuf);
	cr_assert_eq(snapfile_load_newest(missing, &seq, &bytes, &len, NULL, errbuf, sizeof errbuf),
		     -VA_NOT_FOUND);
}

Test(snapfile, damaged_newest_falls_back_to_the_previous)
{
	snapfile_report_t r;
	uint64_t seq;
	void *bytes;
	size_t len;

	write_snap(10);
	write_snap(20);
	write_snap(30);
	testfs_flip_byte(snap_file(30), HDR + 3, 0x20);
	expect_newest(20, 1);
	cr_assert_eq(
	    snapfile_load_newest(testfs_dir, &seq, &bytes, &len, &r, errbuf, sizeof errbuf), 0);
	cr_assert_not_null(strstr(r.detail, snap_file(30)), "%s", r.detail);
	cr_assert_not_null(strstr(r.detail, "bad crc"), "%s", r.detail);
	free(bytes);
	cr_assert_gt(testfs_size(snap_file(30)), 0, "loading deletes nothing");
}

Test(snapfile, every_kind_of_damage_is_skipped)
{
	char from[PATH_MAX + 64];
	snapfile_report_t r;
	uint64_t seq;
	void *bytes;
	size_t len;

	write_snap(1);
	write_snap(2); /* truncated */
	write_snap(3); /* header crc */
	write_snap(4); /* renamed: seq differs from the name */
	write_snap(6); /* grown */
	write_snap(7); /* shorter than a header */
	cr_assert_eq(truncate(testfs_path(snap_file(2)), testfs_size(snap_file(2)) - 1), 0);
	testfs_flip_byte(snap_file(3), 9, 0x01);
	snprintf(from, sizeof from, "%s", testfs_path(snap_file(4)));
	cr_assert_eq(rename(from, testfs_path(snap_file(5))), 0);
	cr_assert_eq(truncate(testfs_path(snap_file(6)), testfs_size(snap_file(6)) + 1), 0);
	cr_assert_eq(truncate(testfs_path(snap_file(7)), 10), 0);
	expect_newest(1, 5);
	cr_assert_eq(
	    snapfile_load_newest(testfs_dir, &seq, &bytes, &len, &r, errbuf, sizeof errbuf), 0);
	free(bytes);
	cr_assert_not_null(strstr(r.detail, "truncated header"), "%s", r.detail);
	cr_assert_not_null(strstr(r.detail, "header names seq 4"), "%s", r.detail);
	cr_assert_not_null(strstr(r.detail, "bad header"), "%s", r.detail);
	cr_assert_not_null(strstr(r.detail, "does not match length"), "%s", r.detail);
	/* newest first */
	cr_assert_lt(strstr(r.detail, snap_file(7)), strstr(r.detail, snap_file(2)));
}

Test(snapfile, all_damaged_means_none)
{
	write_snap(3);
	testfs_flip_byte(snap_file(3), 0, 0x01);
	expect_newest(0, 1);
}

Test(snapfile, leftover_temp_files_are_ignored_and_pruned)
{
	FILE *f = fopen(testfs_path("snapshot-00000000000000000009.snap.tmp"), "wb");
	size_t removed;

	cr_assert_not_null(f);
	fputs("half a snapshot", f);
	fclose(f);
	write_snap(5);
	expect_newest(5, 0);
	cr_assert_eq(snapfile_prune(testfs_dir, 1, &removed, errbuf, sizeof errbuf), 0, "%s",
		     errbuf);
	cr_assert_eq(removed, 1);
	cr_assert_eq(testfs_count(""), 1);
	expect_newest(5, 0);
}

Test(snapfile, prune_keeps_the_newest_valid)
{
	size_t removed = 99;

	for (uint64_t s = 10; s <= 50; s += 10)
		write_snap(s);
	cr_assert_eq(snapfile_prune(testfs_dir, 0, &removed, errbuf, sizeof errbuf),
		     -VA_INVALID_ARGUMENT);
	cr_assert_eq(snapfile_prune(testfs_dir, 2, &removed, errbuf, sizeof errbuf), 0, "%s",
		     errbuf);
	cr_assert_eq(removed, 3);
	cr_assert_eq(testfs_count(""), 2);
	cr_assert_gt(testfs_size(snap_file(50)), 0);
	cr_assert_gt(testfs_size(snap_file(40)), 0);
	expect_newest(50, 0);

	/* a damaged newest does not count: the two newest valid stay */
	write_snap(60);
	testfs_flip_byte(snap_file(60), HDR, 0x01);
	cr_assert_eq(snapfile_prune(testfs_dir, 2, &removed, errbuf, sizeof errbuf), 0, "%s",
		     errbuf);
	cr_assert_eq(removed, 1);
	cr_assert_eq(testfs_size(snap_file(60)), -1);
	cr_assert_gt(testfs_size(snap_file(50)), 0);
	cr_assert_gt(testfs_size(snap_file(40)), 0);

	/* nothing to do */
	cr_assert_eq(snapfile_prune(testfs_dir, 5, &removed, errbuf, sizeof errbuf), 0);
	cr_assert_eq(removed, 0);
	cr_assert_eq(testfs_count(""), 2);
}

Test(snapfile, verify_lists_and_flags_damage)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	off_t size;
	int rc;

	write_snap(7);
	write_snap(8);
	out = open_memstream(&text, &len);
	rc = snapfile_verify(testfs_dir, out, errbuf, sizeof errbuf);
	fclose(out);
	cr_assert_eq(rc, 0, "%s", errbuf);
	cr_assert_not_null(strstr(text, "2 valid, 0 damaged"), "%s", text);
	free(text);

	testfs_flip_byte(snap_file(8), HDR + 1, 0x02);
	size = testfs_size(snap_file(8));
	out = open_memstream(&text, &len);
	rc = snapfile_verify(testfs_dir, out, errbuf, sizeof errbuf);
	fclose(out);
	cr_assert_eq(rc, -VA_FAILED_PRECONDITION);
	cr_assert_not_null(strstr(text, "damaged: bad crc"), "%s", text);
	cr_assert_not_null(strstr(text, "1 valid, 1 damaged"), "%s", text);
	cr_assert_eq(testfs_size(snap_file(8)), size, "verify modifies nothing");
	free(text);
}

/* In a child with SIGXFSZ ignored: a snapshot that does not fit is refused
 * with RESOURCE_EXHAUSTED and leaves no file; returns the failed step. */
static int fsize_child(void)
{
	static char big[8192];

	if (testfs_set_fsize_limit(4096) != 0)
		return 1;
	if (snapfile_write(testfs_dir, 9, big, sizeof big, errbuf, sizeof errbuf) !=
	    -VA_RESOURCE_EXHAUSTED)
		return 2;
	if (strstr(errbuf, "snapshot-00000000000000000009") == NULL)
		return 3;
	if (testfs_count("") != 1)
		return 4;
	if (snapfile_write(testfs_dir, 9, big, 100, errbuf, sizeof errbuf) != 0)
		return 5;
	return 0;
}

Test(snapfile, full_disk_is_resource_exhausted_and_leaves_nothing)
{
	write_snap(3);
	testfs_run_child(fsize_child);
	cr_assert_eq(testfs_count(""), 2);
	cr_assert_eq(testfs_size(snap_file(9)), HDR + 100);
}
