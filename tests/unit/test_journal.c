/*
 * test_journal.c - daemon/journal.c: the record format, append and replay,
 * segment rollover, torn tails, corruption, compaction, a full disk
 * (RLIMIT_FSIZE in a child), readonly verification and the directory lock.
 *
 * Each test works in its own mkdtemp directory.  Record payloads are a
 * function of their seq (payload_for), so a replay can check every byte.
 */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <vetalliance/error.h>

#include "crc32c.h"
#include "journal.h"
#include "testfs.h"

#define SEG_HDR 16
#define REC_HDR 16

static char errbuf[512];

TestSuite(journal, .init = testfs_setup, .fini = testfs_teardown);

/* --- helpers --------------------------------------------------------- */

static size_t payload_for(uint64_t seq, unsigned char buf[256])
{
	size_t len = (size_t)((seq * 7919) % 251);

	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(seq * 31 + i);
	return len;
}

/* Size of the record of seq on disk. */
static uint64_t rec_size(uint64_t seq)
{
	unsigned char buf[256];

	return REC_HDR + payload_for(seq, buf);
}

/* Offset of record seq in a segment starting at first. */
static uint64_t rec_off(uint64_t first, uint64_t seq)
{
	uint64_t off = SEG_HDR;

	for (uint64_t s = first; s < seq; s++)
		off += rec_size(s);
	return off;
}

static const char *seg_file(uint64_t first)
{
	static char name[64];

	snprintf(name, sizeof name, "journal-%020" PRIu64 ".log", first);
	return name;
}

static journal_t *open_ok(const journal_options_t *opts, journal_report_t *r)
{
	journal_t *j = NULL;
	int rc = journal_open(testfs_dir, opts, &j, r, errbuf, sizeof errbuf);

	cr_assert_eq(rc, 0, "journal_open: %d %s", rc, errbuf);
	cr_assert_not_null(j);
	return j;
}

/* Append seqs from..to in batches of per_batch records. */
static void write_range(journal_t *j, uint64_t from, uint64_t to, size_t per_batch)
{
	journal_batch_t *b = journal_batch_new();
	unsigned char buf[256];

	cr_assert_not_null(b);
	for (uint64_t s = from; s <= to; s++) {
		cr_assert_eq(journal_batch_add(b, s, buf, payload_for(s, buf)), 0);
		if (journal_batch_count(b) == per_batch || s == to) {
			int rc = journal_write(j, b, errbuf, sizeof errbuf);

			cr_assert_eq(rc, 0, "journal_write %" PRIu64 ": %d %s", s, rc, errbuf);
			journal_batch_reset(b);
		}
	}
	journal_batch_free(&b);
	cr_assert_null(b);
}

struct check {
	uint64_t next;
	uint64_t count;
	uint64_t stop_after;
	int stop_value;
	int bad;
};

static int check_cb(uint64_t seq, const void *bytes, size_t len, void *arg)
{
	struct check *c = arg;
	unsigned char want[256];
	size_t wl = payload_for(seq, want);

	if (seq != c->next || len != wl || memcmp(bytes, want, len) != 0)
		c->bad++;
	c->next = seq + 1;
	c->count++;
	if (c->stop_after != 0 && c->count == c->stop_after)
		return c->stop_value;
	return 0;
}

/* Replay from `from` and check that exactly from..last come back intact. */
static void replay_expect(journal_t *j, uint64_t from, uint64_t last)
{
	/* from 0 means from the first record */
	uint64_t start = from != 0 ? from : journal_first_seq(j) != 0 ? journal_first_seq(j) : 1;
	struct check c = {.next = start};
	int rc = journal_replay(j, from, check_cb, &c, errbuf, sizeof errbuf);

	cr_assert_eq(rc, 0, "replay from %" PRIu64 ": %d %s", from, rc, errbuf);
	cr_assert_eq(c.bad, 0, "replay from %" PRIu64 ": %d bad records", from, c.bad);
	cr_assert_eq(c.count, last >= start ? last - start + 1 : 0,
		     "replay from %" PRIu64 ": %" PRIu64 " records", from, c.count);
}

/* Frame one record as the format says, independently of journal.c. */
static size_t frame(unsigned char *out, uint64_t seq, const unsigned char *payload, size_t len)
{
	unsigned char seqb[8];

	for (int i = 0; i < 8; i++)
		seqb[i] = (unsigned char)(seq >> (8 * i));
	uint32_t crc = crc32c_update(crc32c(seqb, 8), payload, len);
	for (int i = 0; i < 4; i++) {
		out[i] = (unsigned char)(len >> (8 * i));
		out[4 + i] = (unsigned char)(crc >> (8 * i));
	}
	memcpy(out + 8, seqb, 8);
	memcpy(out + 16, payload, len);
	return REC_HDR + len;
}

static size_t frame_header(unsigned char *out, uint64_t first)
{
	memcpy(out, "VAJ1", 4);
	out[4] = 1;
	out[5] = out[6] = out[7] = 0;
	for (int i = 0; i < 8; i++)
		out[8 + i] = (unsigned char)(first >> (8 * i));
	return SEG_HDR;
}

/* A segment file holding the given seqs (payload_for each), by hand. */
static void craft_segment(uint64_t first, const uint64_t *seqs, size_t n)
{
	unsigned char *buf = malloc(SEG_HDR + n * (REC_HDR + 256));
	unsigned char p[256];
	size_t len = frame_header(buf, first);

	for (size_t i = 0; i < n; i++)
		len += frame(buf + len, seqs[i], p, payload_for(seqs[i], p));
	testfs_write(seg_file(first), buf, len);
	free(buf);
}

/* --- format, append, replay ------------------------------------------ */

Test(journal, empty_directory_is_a_fresh_journal)
{
	journal_report_t r;
	journal_t *j = open_ok(NULL, &r);

	cr_assert_eq(r.segments, 0);
	cr_assert_eq(r.records, 0);
	cr_assert_eq(r.first_seq, 0);
	cr_assert_eq(r.last_seq, 0);
	cr_assert_eq(r.torn, 0);
	cr_assert_eq(journal_first_seq(j), 0);
	cr_assert_eq(journal_last_seq(j), 0);
	replay_expect(j, 1, 0);
	replay_expect(j, 0, 0);
	cr_assert_eq(testfs_count("journal-"), 0, "open must not create files");
	journal_free(&j);
	cr_assert_null(j);
	journal_free(&j);
}

Test(journal, missing_directory)
{
	journal_t *j = NULL;
	char missing[PATH_MAX + 16];

	snprintf(missing, sizeof missing, "%s/nope", testfs_dir);
	cr_assert_eq(journal_open(missing, NULL, &j, NULL, errbuf, sizeof errbuf), -VA_NOT_FOUND);
	cr_assert_null(j);
	cr_assert_not_null(strstr(errbuf, "nope"), "%s", errbuf);
}

Test(journal, file_format_is_as_documented)
{
	journal_t *j = open_ok(NULL, NULL);
	uint64_t seqs[] = {1, 2, 3, 4, 5};
	size_t got_len, want_len;
	unsigned char *got, *want;

	write_range(j, 1, 3, 2);
	write_range(j, 4, 5, 10);
	journal_free(&j);
	got = testfs_read(seg_file(1), &got_len);
	craft_segment(1, seqs, 5);
	want = testfs_read(seg_file(1), &want_len);
	cr_assert_eq(got_len, want_len);
	cr_assert_eq(got_len, rec_off(1, 6));
	cr_assert_eq(memcmp(got, want, got_len), 0);
	free(got);
	free(want);
}

Test(journal, append_reopen_replay)
{
	journal_report_t r;
	journal_t *j = open_ok(NULL, NULL);

	write_range(j, 1, 1000, 37);
	cr_assert_eq(journal_first_seq(j), 1);
	cr_assert_eq(journal_last_seq(j), 1000);
	replay_expect(j, 1, 1000);
	journal_free(&j);

	j = open_ok(NULL, &r);
	cr_assert_eq(r.segments, 1);
	cr_assert_eq(r.records, 1000);
	cr_assert_eq(r.first_seq, 1);
	cr_assert_eq(r.last_seq, 1000);
	cr_assert_eq(r.bytes, rec_off(1, 1001));
	cr_assert_eq(r.torn, 0);
	replay_expect(j, 1, 1000);
	replay_expect(j, 0, 1000);
	replay_expect(j, 500, 1000);
	replay_expect(j, 1000, 1000);
	replay_expect(j, 1001, 1000);
	replay_expect(j, 5000, 1000);

	/* appending after a reopen continues the same segment */
	write_range(j, 1001, 1010, 3);
	journal_free(&j);
	j = open_ok(NULL, &r);
	cr_assert_eq(r.segments, 1);
	replay_expect(j, 1, 1010);
	journal_free(&j);
}

struct blob {
	size_t n;
	size_t lens[4];
	uint64_t sum[4];
};

static int blob_cb(uint64_t seq, const void *bytes, size_t len, void *arg)
{
	struct blob *b = arg;
	const unsigned char *p = bytes;
	uint64_t sum = 0;

	(void)seq;
	for (size_t i = 0; i < len; i++)
		sum += p[i] * (i + 1);
	b->lens[b->n] = len;
	b->sum[b->n] = sum;
	b->n++;
	return 0;
}

Test(journal, empty_and_large_payloads)
{
	size_t big = 1u << 20;
	unsigned char *p = malloc(big);
	journal_batch_t *b = journal_batch_new();
	journal_t *j = open_ok(NULL, NULL);
	struct blob got = {0};
	uint64_t sum = 0;

	cr_assert_not_null(p);
	for (size_t i = 0; i < big; i++) {
		p[i] = (unsigned char)(i * 13);
		sum += p[i] * (i + 1);
	}
	cr_assert_eq(journal_batch_add(b, 1, NULL, 0), 0);
	cr_assert_eq(journal_batch_add(b, 2, p, big), 0);
	cr_assert_eq(journal_batch_add(b, 3, "x", 1), 0);
	cr_assert_eq(journal_write(j, b, errbuf, sizeof errbuf), 0, "%s", errbuf);
	journal_free(&j);

	j = open_ok(NULL, NULL);
	cr_assert_eq(journal_replay(j, 1, blob_cb, &got, errbuf, sizeof errbuf), 0);
	cr_assert_eq(got.n, 3);
	cr_assert_eq(got.lens[0], 0);
	cr_assert_eq(got.lens[1], big);
	cr_assert_eq(got.sum[1], sum);
	cr_assert_eq(got.lens[2], 1);
	journal_free(&j);
	journal_batch_free(&b);
	free(p);
}

Test(journal, batch_rules)
{
	journal_batch_t *b = journal_batch_new();
	journal_t *j = open_ok(NULL, NULL);

	cr_assert_not_null(b);
	cr_assert_eq(journal_batch_count(b), 0);
	cr_assert_eq(journal_batch_first_seq(b), 0);
	cr_assert_eq(journal_batch_add(b, 0, "a", 1), -VA_INVALID_ARGUMENT);
	cr_assert_eq(journal_batch_add(b, 5, "a", 1), 0);
	cr_assert_eq(journal_batch_add(b, 7, "b", 1), -VA_INVALID_ARGUMENT);
	cr_assert_eq(journal_batch_add(b, 5, "b", 1), -VA_INVALID_ARGUMENT);
	cr_assert_eq(journal_batch_add(b, 6, "", JOURNAL_RECORD_MAX + 1), -VA_INVALID_ARGUMENT);
	cr_assert_eq(journal_batch_add(b, 6, "bb", 2), 0);
	cr_assert_eq(journal_batch_count(b), 2);
	cr_assert_eq(journal_batch_bytes(b), 2 * REC_HDR + 3);
	cr_assert_eq(journal_batch_first_seq(b), 5);
	cr_assert_eq(journal_batch_last_seq(b), 6);

	/* an empty journal takes any first seq; then it must continue */
	cr_assert_eq(journal_write(j, b, errbuf, sizeof errbuf), 0, "%s", errbuf);
	cr_assert_eq(journal_first_seq(j), 5);
	cr_assert_eq(journal_last_seq(j), 6);
	cr_assert_eq(testfs_count("journal-"), 1);
	cr_assert_eq(testfs_size(seg_file(5)), SEG_HDR + 2 * REC_HDR + 3);

	cr_assert_eq(journal_write(j, b, errbuf, sizeof errbuf), -VA_INVALID_ARGUMENT);
	cr_assert_not_null(strstr(errbuf, "expects 7"), "%s", errbuf);
	cr_assert_eq(testfs_size(seg_file(5)), SEG_HDR + 2 * REC_HDR + 3);

	journal_batch_reset(b);
	cr_assert_eq(journal_batch_count(b), 0);
	cr_assert_eq(journal_batch_bytes(b), 0);
	cr_assert_eq(journal_write(j, b, errbuf, sizeof errbuf), 0, "an empty batch is a no-op");
	cr_assert_eq(journal_batch_add(b, 8, "c", 1), 0);
	cr_assert_eq(journal_write(j, b, errbuf, sizeof errbuf), -VA_INVALID_ARGUMENT);
	journal_batch_reset(b);
	cr_assert_eq(journal_batch_add(b, 7, "c", 1), 0);
	cr_assert_eq(journal_write(j, b, errbuf, sizeof errbuf), 0);
	cr_assert_eq(journal_last_seq(j), 7);
	journal_free(&j);
	journal_batch_free(&b);
	journal_batch_free(&b);
}

Test(journal, rollover_keeps_order_and_gapless_seq)
{
	journal_options_t o = {.segment_max_bytes = 2000};
	journal_report_t r;
	journal_t *j = open_ok(&o, NULL);
	uint64_t first = 1;
	size_t nseg = 0;

	write_range(j, 1, 600, 9);
	cr_assert_gt(journal_segment_count(j), 5);
	cr_assert_eq(journal_segment_count(j), testfs_count("journal-"));
	replay_expect(j, 1, 600);
	journal_free(&j);

	/* every segment is named after its first record and starts where the
	 * previous one ended; each was cut once it passed the limit */
	while (first <= 600) {
		size_t len;
		unsigned char *buf = testfs_read(seg_file(first), &len);
		uint64_t off = SEG_HDR, seq = first;

		cr_assert_eq(memcmp(buf, "VAJ1", 4), 0);
		while (off < len) {
			off += REC_HDR + (buf[off] | buf[off + 1] << 8);
			seq++;
		}
		cr_assert_eq(off, len);
		if (seq <= 600) {
			cr_assert_eq((seq - first) % 9, 0, "batches are never split");
			cr_assert_geq(len, 2000);
			cr_assert_lt(rec_off(first, seq - 9), 2000, "cut once past the limit");
		}
		free(buf);
		first = seq;
		nseg++;
	}
	cr_assert_eq(first, 601);

	j = open_ok(&o, &r);
	cr_assert_eq(r.segments, nseg);
	cr_assert_eq(r.records, 600);
	cr_assert_eq(r.first_seq, 1);
	cr_assert_eq(r.last_seq, 600);
	cr_assert_eq(r.torn, 0);
	replay_expect(j, 1, 600);
	write_range(j, 601, 700, 9);
	replay_expect(j, 1, 700);
	journal_free(&j);
}

Test(journal, replay_seeks_with_the_index)
{
	journal_options_t o = {.segment_max_bytes = 100000};
	journal_t *j = open_ok(&o, NULL);
	uint64_t froms[] = {1, 2, 1023, 1024, 1025, 2047, 2048, 2049, 3000, 4095, 4096, 4999, 5000};

	write_range(j, 1, 5000, 7);
	cr_assert_gt(journal_segment_count(j), 3);
	for (size_t i = 0; i < sizeof froms / sizeof froms[0]; i++)
		replay_expect(j, froms[i], 5000);
	journal_free(&j);

	/* the index rebuilt by the scan at open */
	j = open_ok(&o, NULL);
	for (size_t i = 0; i < sizeof froms / sizeof froms[0]; i++)
		replay_expect(j, froms[i], 5000);
	for (uint64_t from = 1; from <= 5000; from += 97)
		replay_expect(j, from, 5000);
	journal_free(&j);
}

Test(journal, replay_stops_when_the_callback_says_so)
{
	journal_t *j = open_ok(NULL, NULL);
	struct check c = {.next = 10, .stop_after = 25, .stop_value = 1};

	write_range(j, 1, 100, 10);
	cr_assert_eq(journal_replay(j, 10, check_cb, &c, errbuf, sizeof errbuf), 1);
	cr_assert_eq(c.count, 25);
	cr_assert_eq(c.next, 35);
	cr_assert_eq(c.bad, 0);

	c = (struct check){.next = 1, .stop_after = 3, .stop_value = -VA_INTERNAL};
	cr_assert_eq(journal_replay(j, 1, check_cb, &c, errbuf, sizeof errbuf), -VA_INTERNAL);
	cr_assert_eq(c.count, 3);
	journal_free(&j);
}

Test(journal, other_files_are_ignored)
{
	journal_t *j = open_ok(NULL, NULL);

	write_range(j, 1, 20, 5);
	journal_free(&j);
	testfs_write("snapshot-00000000000000000010.snap", "x", 1);
	testfs_write("journal-abc.log", "garbage", 7);
	testfs_write("journal-00000000000000000001.log.bak", "garbage", 7);
	testfs_write("notes.txt", "hello", 5);
	j = open_ok(NULL, NULL);
	replay_expect(j, 1, 20);
	journal_free(&j);
}

Test(journal, directory_is_locked_against_a_second_writer)
{
	journal_options_t ro = {.readonly = 1};
	journal_t *j = open_ok(NULL, NULL), *j2 = NULL;

	write_range(j, 1, 10, 10);
	cr_assert_eq(journal_open(testfs_dir, NULL, &j2, NULL, errbuf, sizeof errbuf),
		     -VA_UNAVAILABLE);
	cr_assert_null(j2);
	cr_assert_not_null(strstr(errbuf, testfs_dir), "%s", errbuf);
	j2 = open_ok(&ro, NULL);
	replay_expect(j2, 1, 10);
	journal_free(&j2);
	journal_free(&j);
	j = open_ok(NULL, NULL);
	journal_free(&j);
}

/* --- torn tails -------------------------------------------------------- */

/* Open a journal of 1..last whose last segment was damaged at its tail and
 * check the repair: the prefix 1..keep replays, the file is cut at off, and
 * appends continue. */
static void expect_torn(uint64_t last_first, uint64_t keep, uint64_t off, uint64_t dropped,
			const char *reason)
{
	journal_report_t r;
	journal_t *j = open_ok(NULL, &r);

	cr_assert_eq(r.torn, 1);
	cr_assert_eq(r.torn_repaired, 1);
	cr_assert_eq(r.torn_file_removed, 0);
	cr_assert_str_eq(r.torn_file, seg_file(last_first));
	cr_assert_eq(r.torn_offset, off, "offset %" PRIu64 " != %" PRIu64, r.torn_offset, off);
	cr_assert_eq(r.torn_bytes, dropped);
	if (reason != NULL)
		cr_assert_str_eq(r.torn_reason, reason);
	cr_assert_eq(r.last_seq, keep);
	cr_assert_eq(journal_last_seq(j), keep);
	cr_assert_eq(testfs_size(seg_file(last_first)), (off_t)off);
	replay_expect(j, 1, keep);

	write_range(j, keep + 1, keep + 20, 6);
	journal_free(&j);
	j = open_ok(NULL, &r);
	cr_assert_eq(r.torn, 0);
	replay_expect(j, 1, keep + 20);
	journal_free(&j);
}

Test(journal, torn_tail_cut_inside_the_last_record)
{
	journal_t *j = open_ok(NULL, NULL);
	uint64_t end = rec_off(1, 51);

	write_range(j, 1, 50, 10);
	journal_free(&j);
	cr_assert_eq(truncate(testfs_path(seg_file(1)), (off_t)end - 3), 0);
	expect_torn(1, 49, rec_off(1, 50), rec_size(50) - 3, "truncated record");
}

Test(journal, torn_tail_truncated_record_header)
{
	journal_t *j = open_ok(NULL, NULL);
	uint64_t at = rec_off(1, 50);

	write_range(j, 1, 50, 10);
	journal_free(&j);
	cr_assert_eq(truncate(testfs_path(seg_file(1)), (off_t)at + 5), 0);
	expect_torn(1, 49, at, 5, "truncated record header");
}

Test(journal, torn_tail_garbage_appended)
{
	journal_t *j = open_ok(NULL, NULL);
	unsigned char junk[100];

	write_range(j, 1, 50, 10);
	journal_free(&j);
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)(i * 89 + 7);
	testfs_append(seg_file(1), junk, sizeof junk);
	expect_torn(1, 50, rec_off(1, 51), sizeof junk, NULL);
}

Test(journal, torn_tail_zeros_appended)
{
	journal_t *j = open_ok(NULL, NULL);
	static unsigned char zeros[4096];

	write_range(j, 1, 50, 10);
	journal_free(&j);
	testfs_append(seg_file(1), zeros, sizeof zeros);
	expect_torn(1, 50, rec_off(1, 51), sizeof zeros, "bad crc");
}

Test(journal, torn_tail_bad_crc_in_the_last_record)
{
	journal_t *j = open_ok(NULL, NULL);

	write_range(j, 1, 50, 10);
	journal_free(&j);
	testfs_flip_byte(seg_file(1), rec_off(1, 51) - 1, 0x40);
	expect_torn(1, 49, rec_off(1, 50), rec_size(50), "bad crc");
}

Test(journal, torn_tail_in_the_last_of_several_segments)
{
	journal_options_t o = {.segment_max_bytes = 1500};
	journal_t *j = open_ok(&o, NULL);
	uint64_t last_first;
	journal_report_t r;

	write_range(j, 1, 200, 4);
	cr_assert_gt(journal_segment_count(j), 3);
	journal_free(&j);
	j = open_ok(&o, &r);
	journal_free(&j);
	/* the last segment starts after the last multiple of 4 that ended a
	 * full segment; find it from the directory */
	last_first = 0;
	for (uint64_t s = 1; s <= 200; s++)
		if (testfs_size(seg_file(s)) > 0)
			last_first = s;
	cr_assert_gt(last_first, 1);
	cr_assert_eq(
	    truncate(testfs_path(seg_file(last_first)), (off_t)rec_off(last_first, 201) - 1), 0);
	expect_torn(last_first, 199, rec_off(last_first, 200), rec_size(200) - 1, NULL);
}

/* Every cut inside the last two records is a torn tail, and every cut on a
 * record boundary is a clean journal. */
Test(journal, every_truncation_point_of_the_tail)
{
	journal_t *j = open_ok(NULL, NULL);
	unsigned char *orig;
	size_t len;

	write_range(j, 1, 6, 3);
	journal_free(&j);
	orig = testfs_read(seg_file(1), &len);
	cr_assert_eq(len, rec_off(1, 7));

	for (uint64_t cut = rec_off(1, 5); cut <= len; cut++) {
		uint64_t keep = cut >= rec_off(1, 7) ? 6 : cut >= rec_off(1, 6) ? 5 : 4;
		uint64_t good = rec_off(1, keep + 1);
		journal_report_t r;

		testfs_write(seg_file(1), orig, (size_t)cut);
		j = open_ok(NULL, &r);
		cr_assert_eq(r.torn, cut != good, "cut %" PRIu64, cut);
		cr_assert_eq(r.last_seq, keep, "cut %" PRIu64, cut);
		cr_assert_eq(testfs_size(seg_file(1)), (off_t)good, "cut %" PRIu64, cut);
		if (r.torn) {
			cr_assert_eq(r.torn_offset, good);
			cr_assert_eq(r.torn_bytes, cut - good);
		}
		replay_expect(j, 1, keep);
		journal_free(&j);
	}
	free(orig);
}

Test(journal, torn_segment_header_is_removed)
{
	journal_options_t o = {.segment_max_bytes = 1000};
	journal_report_t r;
	journal_t *j = open_ok(&o, NULL);
	size_t nseg;

	write_range(j, 1, 100, 5);
	nseg = journal_segment_count(j);
	journal_free(&j);
	/* a crash while creating the next segment */
	testfs_write(seg_file(101), "VAJ1\1\0", 6);
	j = open_ok(&o, &r);
	cr_assert_eq(r.torn, 1);
	cr_assert_eq(r.torn_file_removed, 1);
	cr_assert_eq(r.torn_repaired, 1);
	cr_assert_str_eq(r.torn_file, seg_file(101));
	cr_assert_eq(r.torn_bytes, 6);
	cr_assert_eq(r.segments, nseg);
	cr_assert_eq(testfs_size(seg_file(101)), -1, "the torn segment is gone");
	replay_expect(j, 1, 100);
	write_range(j, 101, 110, 5);
	cr_assert_gt(testfs_size(seg_file(101)), 0, "and made anew");
	journal_free(&j);
	j = open_ok(&o, &r);
	cr_assert_eq(r.torn, 0);
	replay_expect(j, 1, 110);
	journal_free(&j);
}

Test(journal, segment_with_a_header_and_no_records_is_removed)
{
	unsigned char hdr[SEG_HDR];
	journal_report_t r;
	journal_t *j;

	frame_header(hdr, 1);
	testfs_write(seg_file(1), hdr, sizeof hdr);
	j = open_ok(NULL, &r);
	cr_assert_eq(r.torn, 1);
	cr_assert_eq(r.torn_file_removed, 1);
	cr_assert_eq(r.torn_offset, 0);
	cr_assert_eq(r.torn_bytes, SEG_HDR);
	cr_assert_eq(r.segments, 0);
	cr_assert_eq(testfs_count("journal-"), 0);
	cr_assert_eq(journal_last_seq(j), 0);
	write_range(j, 1, 3, 3);
	journal_free(&j);
	j = open_ok(NULL, &r);
	replay_expect(j, 1, 3);
	journal_free(&j);
}

/* --- corruption ---------------------------------------------------------- */

/* Open must fail naming the file and "at offset off", and leave every byte
 * of the file as it was. */
static void expect_corrupt(const char *name, uint64_t off)
{
	char want[64];
	size_t before_len, after_len;
	unsigned char *before = testfs_read(name, &before_len), *after;
	journal_report_t r;
	journal_t *j = NULL;
	int rc = journal_open(testfs_dir, NULL, &j, &r, errbuf, sizeof errbuf);

	cr_assert_eq(rc, -VA_FAILED_PRECONDITION, "rc %d: %s", rc, errbuf);
	cr_assert_null(j);
	cr_assert_not_null(strstr(errbuf, name), "message '%s' does not name %s", errbuf, name);
	snprintf(want, sizeof want, "at offset %" PRIu64, off);
	cr_assert_not_null(strstr(errbuf, want), "message '%s' lacks '%s'", errbuf, want);
	after = testfs_read(name, &after_len);
	cr_assert_eq(after_len, before_len, "the file was modified");
	cr_assert_eq(memcmp(before, after, before_len), 0, "the file was modified");
	free(before);
	free(after);
}

Test(journal, bad_crc_in_the_middle_is_corruption)
{
	journal_t *j = open_ok(NULL, NULL);

	write_range(j, 1, 50, 10);
	journal_free(&j);
	testfs_flip_byte(seg_file(1), rec_off(1, 7) + REC_HDR + 1, 0x01);
	expect_corrupt(seg_file(1), rec_off(1, 7));
	cr_assert_not_null(strstr(errbuf, "bad crc"), "%s", errbuf);
}

Test(journal, bad_length_in_the_middle_is_corruption)
{
	journal_t *j = open_ok(NULL, NULL);

	write_range(j, 1, 50, 10);
	journal_free(&j);
	testfs_flip_byte(seg_file(1), rec_off(1, 20) + 3, 0x80); /* a huge length */
	expect_corrupt(seg_file(1), rec_off(1, 20));
}

/* Flip every byte of a three-record segment: in the header or the first two
 * records it is corruption at that record; in the last record a torn tail. */
Test(journal, every_byte_flip)
{
	uint64_t seqs[] = {1, 2, 3};
	unsigned char *orig;
	size_t len;

	craft_segment(1, seqs, 3);
	orig = testfs_read(seg_file(1), &len);
	for (size_t pos = 0; pos < len; pos++) {
		unsigned char masks[] = {0x01, 0x80, 0xFF};

		for (size_t m = 0; m < sizeof masks; m++) {
			uint64_t rec = pos < SEG_HDR         ? 0
				       : pos < rec_off(1, 2) ? 1
				       : pos < rec_off(1, 3) ? 2
							     : 3;
			journal_report_t r;
			journal_t *j = NULL;

			testfs_write(seg_file(1), orig, len);
			testfs_flip_byte(seg_file(1), pos, masks[m]);
			if (rec < 3) {
				expect_corrupt(seg_file(1), rec == 0 ? (pos >= 4 && pos < 8 ? 4 : 0)
								     : rec_off(1, rec));
				continue;
			}
			cr_assert_eq(journal_open(testfs_dir, NULL, &j, &r, errbuf, sizeof errbuf),
				     0, "pos %zu: %s", pos, errbuf);
			cr_assert_eq(r.torn, 1, "pos %zu", pos);
			cr_assert_eq(r.torn_offset, rec_off(1, 3), "pos %zu", pos);
			cr_assert_eq(r.last_seq, 2);
			cr_assert_eq(testfs_size(seg_file(1)), (off_t)rec_off(1, 3));
			journal_free(&j);
		}
	}
	free(orig);
}

Test(journal, damage_at_the_end_of_an_earlier_segment_is_corruption)
{
	journal_options_t o = {.segment_max_bytes = 1000};
	journal_t *j = open_ok(&o, NULL);
	uint64_t second = 0;

	write_range(j, 1, 100, 5);
	cr_assert_gt(journal_segment_count(j), 2);
	journal_free(&j);
	for (uint64_t s = 2; s <= 100 && second == 0; s++)
		if (testfs_size(seg_file(s)) > 0)
			second = s;
	cr_assert_gt(second, 0);
	/* cut the last record of the first segment: torn-looking, but not in
	 * the last segment */
	cr_assert_eq(truncate(testfs_path(seg_file(1)), (off_t)rec_off(1, second) - 2), 0);
	expect_corrupt(seg_file(1), rec_off(1, second - 1));
	cr_assert_not_null(strstr(errbuf, "truncated record"), "%s", errbuf);
}

Test(journal, bad_crc_in_an_earlier_segment_is_corruption)
{
	journal_options_t o = {.segment_max_bytes = 1000};
	journal_t *j = open_ok(&o, NULL);

	write_range(j, 1, 100, 5);
	journal_free(&j);
	testfs_flip_byte(seg_file(1), rec_off(1, 2) + 9, 0x10); /* seq of record 2 */
	expect_corrupt(seg_file(1), rec_off(1, 2));
}

Test(journal, missing_segment_is_a_seq_gap)
{
	journal_options_t o = {.segment_max_bytes = 1000};
	journal_t *j = open_ok(&o, NULL);
	uint64_t firsts[3];
	size_t n = 0;

	write_range(j, 1, 100, 5);
	cr_assert_geq(journal_segment_count(j), 3);
	journal_free(&j);
	for (uint64_t s = 1; s <= 100 && n < 3; s++)
		if (testfs_size(seg_file(s)) > 0)
			firsts[n++] = s;
	cr_assert_eq(unlink(testfs_path(seg_file(firsts[1]))), 0);
	expect_corrupt(seg_file(firsts[2]), 0);
	cr_assert_not_null(strstr(errbuf, "seq gap"), "%s", errbuf);
}

Test(journal, seq_gap_inside_a_segment_is_corruption)
{
	uint64_t seqs[] = {1, 2, 4, 5};

	craft_segment(1, seqs, 4);
	expect_corrupt(seg_file(1), rec_off(1, 3));
	cr_assert_not_null(strstr(errbuf, "seq gap"), "%s", errbuf);
}

Test(journal, seq_gap_in_the_very_last_record_is_corruption)
{
	/* a valid crc with the wrong seq cannot be a torn write */
	uint64_t seqs[] = {1, 2, 3, 5};

	craft_segment(1, seqs, 4);
	expect_corrupt(seg_file(1), rec_off(1, 4));
}

Test(journal, duplicate_seq_is_corruption)
{
	uint64_t seqs[] = {1, 2, 2, 3};

	craft_segment(1, seqs, 4);
	expect_corrupt(seg_file(1), rec_off(1, 3));
}

Test(journal, renamed_segment_is_corruption)
{
	journal_t *j = open_ok(NULL, NULL);

	write_range(j, 1, 10, 5);
	journal_free(&j);
	char from[PATH_MAX + 64];

	snprintf(from, sizeof from, "%s", testfs_path(seg_file(1)));
	cr_assert_eq(rename(from, testfs_path(seg_file(3))), 0);
	expect_corrupt(seg_file(3), 0);
}

Test(journal, unsupported_version_is_corruption)
{
	journal_t *j = open_ok(NULL, NULL);

	write_range(j, 1, 10, 5);
	journal_free(&j);
	testfs_flip_byte(seg_file(1), 4, 0x02);
	expect_corrupt(seg_file(1), 4);
	cr_assert_not_null(strstr(errbuf, "version"), "%s", errbuf);
}

Test(journal, replay_detects_damage_after_open)
{
	journal_t *j = open_ok(NULL, NULL);
	struct check c = {.next = 1};
	char want[64];

	write_range(j, 1, 30, 5);
	testfs_flip_byte(seg_file(1), rec_off(1, 20) + REC_HDR, 0x08);
	cr_assert_eq(journal_replay(j, 1, check_cb, &c, errbuf, sizeof errbuf),
		     -VA_FAILED_PRECONDITION);
	cr_assert_eq(c.count, 19, "the records before the damage were delivered");
	cr_assert_eq(c.bad, 0);
	snprintf(want, sizeof want, "at offset %" PRIu64, rec_off(1, 20));
	cr_assert_not_null(strstr(errbuf, want), "%s", errbuf);
	cr_assert_not_null(strstr(errbuf, seg_file(1)), "%s", errbuf);
	journal_free(&j);
}

/* The replay at start-up trusts what journal_open has just checked; any
 * later replay (catch-up) checks every record again. */
Test(journal, replay_after_the_first_checks_again)
{
	journal_t *j = open_ok(NULL, NULL);
	struct check c = {.next = 1};

	write_range(j, 1, 30, 5);
	journal_free(&j);
	j = open_ok(NULL, NULL);
	cr_assert_eq(journal_replay(j, 1, check_cb, &c, errbuf, sizeof errbuf), 0, "%s", errbuf);
	cr_assert_eq(c.count, 30);
	testfs_flip_byte(seg_file(1), rec_off(1, 20) + REC_HDR, 0x08);
	c = (struct check){.next = 1};
	cr_assert_eq(journal_replay(j, 1, check_cb, &c, errbuf, sizeof errbuf),
		     -VA_FAILED_PRECONDITION);
	cr_assert_eq(c.count, 19);
	journal_free(&j);
}

/* --- compaction -------------------------------------------------------- */

Test(journal, compaction_removes_covered_segments)
{
	journal_options_t o = {.segment_max_bytes = 1500};
	journal_t *j = open_ok(&o, NULL);
	journal_report_t r;
	struct check c = {0};
	size_t before, removed = 99, expect = 0;
	uint64_t prev = 0, first;

	write_range(j, 1, 300, 6);
	before = journal_segment_count(j);
	cr_assert_gt(before, 4);

	/* segments whose last record is <= 150: every segment before the one
	 * holding 151 */
	for (uint64_t s = 1; s <= 151; s++)
		if (testfs_size(seg_file(s)) > 0) {
			if (prev != 0)
				expect++;
			prev = s;
		}
	cr_assert_eq(journal_compact(j, 150, &removed, errbuf, sizeof errbuf), 0, "%s", errbuf);
	cr_assert_eq(removed, expect);
	cr_assert_gt(removed, 0);
	cr_assert_eq(journal_segment_count(j), before - removed);
	cr_assert_eq(testfs_count("journal-"), before - removed);
	first = journal_first_seq(j);
	cr_assert_eq(first, prev, "the segment holding 151 stays");
	cr_assert_leq(first, 151);
	cr_assert_eq(testfs_size(seg_file(1)), -1);
	replay_expect(j, 151, 300);
	replay_expect(j, first, 300);
	replay_expect(j, 0, 300);
	cr_assert_eq(journal_replay(j, first - 1, check_cb, &c, errbuf, sizeof errbuf),
		     -VA_NOT_FOUND);
	cr_assert_eq(c.count, 0);

	/* compacting the same point again removes nothing */
	cr_assert_eq(journal_compact(j, 150, &removed, errbuf, sizeof errbuf), 0);
	cr_assert_eq(removed, 0);

	/* reopen: the journal now starts at `first` */
	journal_free(&j);
	j = open_ok(&o, &r);
	cr_assert_eq(r.first_seq, first);
	cr_assert_eq(r.last_seq, 300);
	replay_expect(j, 151, 300);

	/* never the current segment, even past the end */
	cr_assert_eq(journal_compact(j, 100000, &removed, errbuf, sizeof errbuf), 0);
	cr_assert_eq(journal_segment_count(j), 1);
	cr_assert_eq(testfs_count("journal-"), 1);
	cr_assert_eq(journal_last_seq(j), 300);
	write_range(j, 301, 320, 6);
	replay_expect(j, journal_first_seq(j), 320);
	journal_free(&j);
	j = open_ok(&o, &r);
	cr_assert_eq(r.last_seq, 320);
	journal_free(&j);
}

/* --- a full disk ---------------------------------------------------------- */

static void write_batch_in_child(journal_batch_t *b, uint64_t from, uint64_t to)
{
	unsigned char buf[256];

	journal_batch_reset(b);
	for (uint64_t s = from; s <= to; s++)
		if (journal_batch_add(b, s, buf, payload_for(s, buf)) != 0)
			_exit(99);
}

/* Runs in a child with SIGXFSZ ignored; returns the failed step or 0. */
static int fsize_child(void)
{
	journal_options_t o = {.segment_max_bytes = 4000};
	journal_batch_t *b = journal_batch_new();
	journal_t *j = NULL;
	struct rlimit rl;
	off_t size;
	int rc;

	if (getrlimit(RLIMIT_FSIZE, &rl) != 0 || b == NULL)
		return 1;
	if (journal_open(testfs_dir, &o, &j, NULL, errbuf, sizeof errbuf) != 0)
		return 2;
	write_batch_in_child(b, 1, 10);
	if (journal_write(j, b, errbuf, sizeof errbuf) != 0)
		return 3;
	size = testfs_size(seg_file(1));

	/* EFBIG in the middle of the batch: nothing of it stays */
	write_batch_in_child(b, 11, 30);
	if (testfs_set_fsize_limit((rlim_t)size + 100) != 0)
		return 4;
	rc = journal_write(j, b, errbuf, sizeof errbuf);
	if (rc != -VA_RESOURCE_EXHAUSTED)
		return 5;
	if (strstr(errbuf, seg_file(1)) == NULL)
		return 6;
	if (testfs_size(seg_file(1)) != size || journal_last_seq(j) != 10)
		return 7;
	/* again: still refused, still clean */
	if (journal_write(j, b, errbuf, sizeof errbuf) != -VA_RESOURCE_EXHAUSTED ||
	    testfs_size(seg_file(1)) != size)
		return 8;

	/* space comes back: the same batch goes in */
	if (testfs_set_fsize_limit(rl.rlim_cur) != 0)
		return 9;
	if (journal_write(j, b, errbuf, sizeof errbuf) != 0 || journal_last_seq(j) != 30)
		return 10;

	/* fill the segment past its limit, so the next write rolls over */
	for (uint64_t s = 31; testfs_size(seg_file(1)) < 4000; s += 10) {
		write_batch_in_child(b, s, s + 9);
		if (journal_write(j, b, errbuf, sizeof errbuf) != 0)
			return 11;
	}
	uint64_t next = journal_last_seq(j) + 1;
	write_batch_in_child(b, next, next + 4);

	/* the new segment's header cannot be written */
	if (testfs_set_fsize_limit(10) != 0)
		return 12;
	if (journal_write(j, b, errbuf, sizeof errbuf) != -VA_RESOURCE_EXHAUSTED)
		return 13;
	if (testfs_size(seg_file(next)) != -1 || journal_segment_count(j) != 1)
		return 14;

	/* the header fits but the batch does not */
	if (testfs_set_fsize_limit(SEG_HDR + 20) != 0)
		return 15;
	if (journal_write(j, b, errbuf, sizeof errbuf) != -VA_RESOURCE_EXHAUSTED)
		return 16;
	if (testfs_size(seg_file(next)) != -1 || journal_segment_count(j) != 1)
		return 17;

	if (testfs_set_fsize_limit(rl.rlim_cur) != 0)
		return 18;
	if (journal_write(j, b, errbuf, sizeof errbuf) != 0 || journal_segment_count(j) != 2 ||
	    testfs_size(seg_file(next)) <= 0)
		return 19;
	journal_free(&j);
	journal_batch_free(&b);
	return 0;
}

Test(journal, full_disk_is_resource_exhausted_and_leaves_no_partial_record)
{
	journal_report_t r;
	journal_t *j;

	testfs_run_child(fsize_child);

	j = open_ok(NULL, &r);
	cr_assert_eq(r.torn, 0, "no partial record was left behind");
	cr_assert_eq(r.segments, 2);
	cr_assert_eq(r.first_seq, 1);
	cr_assert_gt(r.last_seq, 30);
	replay_expect(j, 1, r.last_seq);
	journal_free(&j);
}

/* --- readonly and verify ------------------------------------------------- */

Test(journal, readonly_reports_a_torn_tail_without_repairing_it)
{
	journal_options_t ro = {.readonly = 1};
	journal_batch_t *b = journal_batch_new();
	journal_report_t r;
	journal_t *j = open_ok(NULL, NULL);
	unsigned char *before, *after;
	size_t before_len, after_len, removed;

	write_range(j, 1, 40, 8);
	journal_free(&j);
	cr_assert_eq(truncate(testfs_path(seg_file(1)), (off_t)rec_off(1, 41) - 4), 0);
	before = testfs_read(seg_file(1), &before_len);

	j = open_ok(&ro, &r);
	cr_assert_eq(r.torn, 1);
	cr_assert_eq(r.torn_repaired, 0);
	cr_assert_eq(r.torn_offset, rec_off(1, 40));
	cr_assert_eq(r.torn_bytes, rec_size(40) - 4);
	cr_assert_eq(r.last_seq, 39);
	replay_expect(j, 1, 39);
	cr_assert_eq(journal_batch_add(b, 40, "x", 1), 0);
	cr_assert_eq(journal_write(j, b, errbuf, sizeof errbuf), -VA_FAILED_PRECONDITION);
	cr_assert_eq(journal_compact(j, 100, &removed, errbuf, sizeof errbuf),
		     -VA_FAILED_PRECONDITION);
	journal_free(&j);

	after = testfs_read(seg_file(1), &after_len);
	cr_assert_eq(after_len, before_len);
	cr_assert_eq(memcmp(before, after, before_len), 0);
	journal_batch_free(&b);
	free(before);
	free(after);
}

Test(journal, readonly_keeps_a_torn_segment_file)
{
	journal_options_t ro = {.readonly = 1};
	journal_report_t r;
	journal_t *j;

	testfs_write(seg_file(1), "VAJ", 3);
	j = open_ok(&ro, &r);
	cr_assert_eq(r.torn, 1);
	cr_assert_eq(r.torn_file_removed, 1);
	cr_assert_eq(r.torn_repaired, 0);
	cr_assert_eq(journal_last_seq(j), 0);
	cr_assert_eq(testfs_size(seg_file(1)), 3);
	journal_free(&j);
}

static char *verify_output(int *rc_p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	cr_assert_not_null(out);
	*rc_p = journal_verify(testfs_dir, out, errbuf, sizeof errbuf);
	fclose(out);
	return text;
}

Test(journal, verify_prints_segments_and_the_torn_tail)
{
	journal_options_t o = {.segment_max_bytes = 1000};
	journal_t *j = open_ok(&o, NULL);
	unsigned char *before, *after;
	size_t before_len, after_len;
	char *text, want[128];
	uint64_t last_first = 0;
	int rc;

	write_range(j, 1, 60, 5);
	journal_free(&j);

	text = verify_output(&rc);
	cr_assert_eq(rc, 0, "%s", errbuf);
	cr_assert_not_null(strstr(text, seg_file(1)), "%s", text);
	cr_assert_not_null(strstr(text, "records 60"), "%s", text);
	cr_assert_not_null(strstr(text, "last seq 60"), "%s", text);
	cr_assert_not_null(strstr(text, "\nok\n"), "%s", text);
	free(text);

	for (uint64_t s = 1; s <= 60; s++)
		if (testfs_size(seg_file(s)) > 0)
			last_first = s;
	testfs_append(seg_file(last_first), "torn", 4);
	before = testfs_read(seg_file(last_first), &before_len);
	text = verify_output(&rc);
	cr_assert_eq(rc, 0, "%s", errbuf);
	snprintf(want, sizeof want, "torn tail: '%s'", seg_file(last_first));
	cr_assert_not_null(strstr(text, want), "%s", text);
	snprintf(want, sizeof want, "at offset %" PRIu64 ", 4 bytes", rec_off(last_first, 61));
	cr_assert_not_null(strstr(text, want), "%s", text);
	free(text);
	after = testfs_read(seg_file(last_first), &after_len);
	cr_assert_eq(after_len, before_len, "verify modified the file");
	cr_assert_eq(memcmp(before, after, before_len), 0);
	free(before);
	free(after);
}

Test(journal, verify_reports_corruption)
{
	journal_t *j = open_ok(NULL, NULL);
	char *text, want[128];
	int rc;

	write_range(j, 1, 30, 5);
	journal_free(&j);
	testfs_flip_byte(seg_file(1), rec_off(1, 3) + 20, 0x04);
	text = verify_output(&rc);
	cr_assert_eq(rc, -VA_FAILED_PRECONDITION);
	snprintf(want, sizeof want, "%s': bad crc at offset %" PRIu64, seg_file(1), rec_off(1, 3));
	cr_assert_not_null(strstr(text, "damaged: "), "%s", text);
	cr_assert_not_null(strstr(text, want), "%s", text);
	cr_assert_not_null(strstr(errbuf, want), "%s", errbuf);
	free(text);
	/* and the daemon's open refuses it the same way, untouched */
	expect_corrupt(seg_file(1), rec_off(1, 3));
}
