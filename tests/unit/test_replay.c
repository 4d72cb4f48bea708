/*
 * The start-up replay (daemon/replay.c): the state it builds, and how it stops on an event that
 * does not decode or does not fit - with the events before it applied and the seq named.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "codec/codec.h"
#include "journal.h"
#include "replay.h"
#include "state/state.h"
#include "testfs.h"

TestSuite(replay, .init = testfs_setup, .fini = testfs_teardown);

static char errbuf[512];

/* The event registering centre "C<n>" (or updating it), as seq `seq`. */
static size_t centre_event(uint64_t seq, unsigned n, int update, uint8_t **buf_p)
{
	char id[32], name[64], topic[64];
	char *sectors[] = {"commerce"};
	event_t ev = {0};
	size_t len;

	snprintf(id, sizeof id, "C%u", n);
	snprintf(name, sizeof name, "Centre %u%s", n, update ? " (renamed)" : "");
	ev.seq = seq;
	ev.time_ms = 1700000000000LL + (int64_t)seq;
	ev.actor = "test";
	ev.request_id = "r";
	ev.type = update ? EV_CENTRE_UPDATED : EV_CENTRE_REGISTERED;
	ev.u.centre.id = id;
	ev.u.centre.name = name;
	ev.u.centre.kind = CENTRE_KIND_VET_CENTRE;
	ev.u.centre.partner = "CYL";
	ev.u.centre.country = "ES";
	ev.u.centre.region = "León";
	ev.u.centre.sectors.v = sectors;
	ev.u.centre.sectors.n = 1;
	len = codec_event_pack(&ev, buf_p, topic, sizeof topic);
	cr_assert_gt(len, 0);
	return len;
}

/* Writes records 1..n: registrations of C1..Cn, except that record `bad`
 * (0: none) holds `bad_bytes` instead. */
static void write_journal(uint64_t n, uint64_t bad, const void *bad_bytes, size_t bad_len)
{
	journal_t *j = NULL;
	journal_batch_t *b = journal_batch_new();

	cr_assert_eq(journal_open(testfs_dir, NULL, &j, NULL, errbuf, sizeof errbuf), 0, "%s",
		     errbuf);
	for (uint64_t s = 1; s <= n; s++) {
		uint8_t *buf = NULL;
		size_t len;

		if (s == bad) {
			cr_assert_eq(journal_batch_add(b, s, bad_bytes, bad_len), 0);
		} else {
			len = centre_event(s, (unsigned)s, 0, &buf);
			cr_assert_eq(journal_batch_add(b, s, buf, len), 0);
			free(buf);
		}
		if (journal_batch_count(b) == 1000 || s == n) {
			cr_assert_eq(journal_write(j, b, errbuf, sizeof errbuf), 0, "%s", errbuf);
			journal_batch_reset(b);
		}
	}
	journal_batch_free(&b);
	journal_free(&j);
}

static int replay_all(state_t *st)
{
	journal_t *j = NULL;
	int rc;

	cr_assert_eq(journal_open(testfs_dir, NULL, &j, NULL, errbuf, sizeof errbuf), 0, "%s",
		     errbuf);
	errbuf[0] = '\0';
	rc = replay_journal(j, 1, st, errbuf, sizeof errbuf);
	journal_free(&j);
	return rc;
}

Test(replay, builds_the_whole_state_in_order)
{
	/* Several journal batches, the last one partial. */
	const uint64_t n = 5 * 512 * 4 + 17;
	state_t *st = state_new();

	write_journal(n, 0, NULL, 0);
	cr_assert_eq(replay_all(st), 0, "%s", errbuf);
	cr_assert_eq(state_last_seq(st), n);
	cr_assert_eq(state_centre_count(st), n);
	cr_assert_str_eq(state_centre_get(st, "C1")->name, "Centre 1");
	cr_assert_str_eq(state_centre_get(st, "C10257")->region, "León");
	state_free(&st);
}

Test(replay, an_event_that_does_not_decode_stops_it_and_names_the_seq)
{
	static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01};
	state_t *st = state_new();

	write_journal(3000, 1700, garbage, sizeof garbage);
	cr_assert_lt(replay_all(st), 0);
	cr_assert_not_null(strstr(errbuf, "journal event 1700"), "%s", errbuf);
	cr_assert_eq(state_last_seq(st), 1699, "the events before it are applied");
	state_free(&st);
}

Test(replay, an_event_that_does_not_fit_the_state_stops_it)
{
	uint8_t *upd = NULL;
	size_t len = centre_event(900, 99999, 1, &upd); /* updates an unknown centre */
	state_t *st = state_new();

	write_journal(3000, 900, upd, len);
	free(upd);
	cr_assert_eq(replay_all(st), -VA_FAILED_PRECONDITION);
	cr_assert_not_null(strstr(errbuf, "journal event 900"), "%s", errbuf);
	cr_assert_not_null(strstr(errbuf, "C99999"), "%s", errbuf);
	cr_assert_eq(state_last_seq(st), 899);
	state_free(&st);
}

Test(replay, a_record_holding_another_seq_is_refused)
{
	uint8_t *other = NULL;
	size_t len = centre_event(5, 5, 0, &other); /* an event numbered 5 */
	state_t *st = state_new();

	write_journal(20, 10, other, len); /* ... stored as record 10 */
	free(other);
	cr_assert_lt(replay_all(st), 0);
	cr_assert_not_null(strstr(errbuf, "journal event 10: the record holds event 5"), "%s",
			   errbuf);
	cr_assert_eq(state_last_seq(st), 9);
	state_free(&st);
}

Test(replay, an_empty_journal_changes_nothing)
{
	state_t *st = state_new();

	write_journal(0, 0, NULL, 0);
	cr_assert_eq(replay_all(st), 0, "%s", errbuf);
	cr_assert_eq(state_last_seq(st), 0);
	state_free(&st);
}
