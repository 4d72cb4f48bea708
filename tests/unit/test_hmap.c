/*
 * The state core's hash map (daemon/state/hmap.c): lookups, replacement and
 * deletion on small tables and on tables that have grown many times.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/hmap.h"

#define KEY_LEN 24

static char *keys_new(size_t n)
{
	char *keys = malloc(n * KEY_LEN);

	cr_assert_not_null(keys);
	for (size_t i = 0; i < n; i++)
		snprintf(keys + i * KEY_LEN, KEY_LEN, "K%zu", i);
	return keys;
}

static void fill(hmap_t *m, char *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cr_assert_null(hmap_put(m, keys + i * KEY_LEN, (void *)(uintptr_t)(i + 1)));
	}
	cr_assert_eq(m->n, n);
}

static void check_all(const hmap_t *m, char *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_assert_eq((uintptr_t)hmap_get(m, keys + i * KEY_LEN), i + 1, "key %s",
			     keys + i * KEY_LEN);
}

Test(hmap, an_empty_map_finds_nothing_and_deletes_nothing)
{
	hmap_t m = {0};

	cr_assert_null(hmap_get(&m, "x"));
	cr_assert_null(hmap_del(&m, "x"));
	hmap_release(&m);
}

Test(hmap, a_put_replaces_the_value_of_an_equal_key)
{
	hmap_t m = {0};
	char a[] = "same", b[] = "same";

	cr_assert_null(hmap_put(&m, a, (void *)1));
	cr_assert_eq((uintptr_t)hmap_put(&m, b, (void *)2), 1);
	cr_assert_eq(m.n, 1);
	cr_assert_eq((uintptr_t)hmap_get(&m, "same"), 2);
	hmap_release(&m);
	cr_assert_null(m.slots);
}

/* 300 000 keys grow the table past the size that gets its own mapping
 * (2 MiB of slots), through every resize on the way. */
Test(hmap, a_large_table_keeps_every_key_through_growth_and_deletion)
{
	const size_t n = 300000;
	char *keys = keys_new(n);
	hmap_t m = {0};

	fill(&m, keys, n);
	cr_assert_geq(m.cap * sizeof(hmap_slot_t), (size_t)2 << 20);
	check_all(&m, keys, n);
	cr_assert_null(hmap_get(&m, "K300000"));
	/* Delete every other key: the rest are still found (backward shift). */
	for (size_t i = 0; i < n; i += 2)
		cr_assert_eq((uintptr_t)hmap_del(&m, keys + i * KEY_LEN), i + 1);
	cr_assert_eq(m.n, n / 2);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq((uintptr_t)hmap_get(&m, keys + i * KEY_LEN), i % 2 ? i + 1 : 0);
	hmap_release(&m);
	free(keys);
}

Test(hmap, reserve_makes_room_without_losing_entries)
{
	const size_t n = 1000;
	char *keys = keys_new(n);
	hmap_t m = {0};
	size_t cap;

	fill(&m, keys, n);
	hmap_reserve(&m, 200000);
	cap = m.cap;
	cr_assert_geq(cap, 400000);
	check_all(&m, keys, n);
	hmap_reserve(&m, 10);
	cr_assert_eq(m.cap, cap, "reserve never shrinks");
	hmap_release(&m);
	free(keys);
}
