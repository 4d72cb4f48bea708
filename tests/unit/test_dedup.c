/*
 * test_dedup.c - daemon/state/dedup.c, the idempotency table: a request
 * is remembered with the seq of its last event, per actor; the oldest are
 * forgotten past the window; a replay builds the same table.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "state/dedup.h"

Test(dedup, a_request_is_remembered_per_actor_with_its_last_seq)
{
	dedup_t d = {0};
	uint64_t seq = 0;

	dedup_set_window(&d, 8);
	dedup_put(&d, "cecoa", "r-1", 10);
	dedup_put(&d, "cecoa", "r-1", 11); /* a second event of the same request */
	cr_assert(dedup_seen(&d, "cecoa", "r-1", &seq));
	cr_assert_eq(seq, 11);
	cr_assert_eq(dedup_count(&d), 1);
	cr_assert(!dedup_seen(&d, "atec", "r-1", &seq), "another actor's id is its own");
	cr_assert(!dedup_seen(&d, "cecoa", "r-2", &seq));
	dedup_put(&d, "cecoa", "", 12);
	cr_assert_eq(dedup_count(&d), 1, "an empty request id was remembered");
	dedup_release(&d);
	cr_assert(!dedup_seen(&d, "cecoa", "r-1", &seq));
}

Test(dedup, the_oldest_requests_are_forgotten_past_the_window)
{
	dedup_t d = {0};
	uint64_t seq;
	char id[16];

	dedup_set_window(&d, 3);
	for (int i = 1; i <= 5; i++) {
		snprintf(id, sizeof id, "r-%d", i);
		dedup_put(&d, "iefp", id, (uint64_t)i);
	}
	cr_assert_eq(dedup_count(&d), 3);
	cr_assert(!dedup_seen(&d, "iefp", "r-1", &seq));
	cr_assert(!dedup_seen(&d, "iefp", "r-2", &seq));
	for (int i = 3; i <= 5; i++) {
		snprintf(id, sizeof id, "r-%d", i);
		cr_assert(dedup_seen(&d, "iefp", id, &seq), "%s", id);
		cr_assert_eq(seq, (uint64_t)i);
	}
	/* Shrinking keeps the newest. */
	dedup_set_window(&d, 1);
	cr_assert_eq(dedup_count(&d), 1);
	cr_assert(dedup_seen(&d, "iefp", "r-5", &seq));
	cr_assert(!dedup_seen(&d, "iefp", "r-4", &seq));
	dedup_release(&d);
}

struct seen {
	char text[256];
};

static void note(const char *actor, const char *request_id, uint64_t seq, void *arg)
{
	struct seen *s = arg;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof s->text - n, "%s/%s=%llu ", actor, request_id,
		 (unsigned long long)seq);
}

/* The table a replay builds is the one the live path built. */
Test(dedup, a_replay_builds_the_same_table)
{
	dedup_t live = {0}, replayed = {0};
	struct seen a = {""}, b = {""};
	static const struct {
		const char *actor, *rid;
		uint64_t seq;
	} events[] = {{"cecoa", "r-1", 1}, {"cecoa", "r-1", 2}, {"atec", "r-1", 3},
		      {"cecoa", "r-2", 4}, {"atec", "r-2", 5},  {"atec", "r-2", 6}};
	uint64_t seq;

	dedup_set_window(&live, 3);
	dedup_set_window(&replayed, 3);
	dedup_replay_begin(&replayed);
	for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
		dedup_put(&live, events[i].actor, events[i].rid, events[i].seq);
		dedup_put(&replayed, events[i].actor, events[i].rid, events[i].seq);
	}
	dedup_replay_end(&replayed);
	dedup_each(&live, note, &a);
	dedup_each(&replayed, note, &b);
	cr_assert_str_eq(a.text, "atec/r-1=3 cecoa/r-2=4 atec/r-2=6 ");
	cr_assert_str_eq(b.text, a.text);
	cr_assert(dedup_seen(&replayed, "atec", "r-2", &seq));
	cr_assert_eq(seq, 6);
	cr_assert(!dedup_seen(&replayed, "cecoa", "r-1", &seq), "forgotten past the window");
	dedup_release(&live);
	dedup_release(&replayed);
}
