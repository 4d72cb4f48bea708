/*
 * test_objtab.c - daemon/state/objtab.c, the id-keyed table of the state's
 * objects: deep copies stored, lookups, replacement in place (pointers
 * and order stable), lists sorted by id or by a given order, release.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/objtab.h"

typedef struct thing {
	char *id;
	char *name;
	int rank;
} thing_t;

static int copies, releases;

static void thing_copy(thing_t *dst, const thing_t *src)
{
	dst->id = strdup(src->id);
	dst->name = strdup(src->name);
	dst->rank = src->rank;
	copies++;
}

static void thing_release(thing_t *t)
{
	free(t->id);
	free(t->name);
	memset(t, 0, sizeof *t);
	releases++;
}

static objtab_t table(void)
{
	objtab_t t = OBJTAB_INIT(thing_t, thing_copy, thing_release);

	copies = releases = 0;
	return t;
}

static void put(objtab_t *t, const char *id, const char *name, int rank)
{
	char idbuf[32], namebuf[32];
	thing_t th = {idbuf, namebuf, rank};

	/* The caller's strings change after the put: the table has its own. */
	snprintf(idbuf, sizeof idbuf, "%s", id);
	snprintf(namebuf, sizeof namebuf, "%s", name);
	objtab_put(t, &th);
	memset(idbuf, 'x', sizeof idbuf - 1);
	memset(namebuf, 'x', sizeof namebuf - 1);
}

Test(objtab, an_empty_table_finds_nothing_and_lists_nothing)
{
	objtab_t t = table();
	void **v = NULL;

	cr_assert_null(objtab_get(&t, "A"));
	cr_assert_null(objtab_get(&t, NULL));
	cr_assert_eq(objtab_list(&t, NULL, &v), 0);
	free(v);
	objtab_release(&t);
	cr_assert_eq(releases, 0);
}

Test(objtab, a_stored_object_is_a_deep_copy_found_by_its_id)
{
	objtab_t t = table();
	thing_t *a;

	put(&t, "AL-2", "second", 2);
	put(&t, "AL-1", "first", 1);
	a = objtab_get(&t, "AL-1");
	cr_assert_not_null(a);
	cr_assert_str_eq(a->id, "AL-1");
	cr_assert_str_eq(a->name, "first");
	cr_assert_eq(t.n, 2);
	cr_assert_null(objtab_get(&t, "AL-3"));
	cr_assert_null(objtab_get(&t, "al-1"), "ids are compared exactly");
	objtab_release(&t);
	cr_assert_eq(releases, 2);
	cr_assert_eq(t.n, 0);
	cr_assert_null(objtab_get(&t, "AL-1"), "a released table is empty");
}

Test(objtab, storing_an_id_again_replaces_in_place_and_keeps_the_order)
{
	objtab_t t = table();
	thing_t *before, *after;

	put(&t, "B", "b", 2);
	put(&t, "A", "a", 1);
	before = objtab_get(&t, "B");
	put(&t, "B", "b, renamed", 3);
	after = objtab_get(&t, "B");
	cr_assert_eq(before, after, "the object moved");
	cr_assert_str_eq(after->name, "b, renamed");
	cr_assert_eq(after->rank, 3);
	cr_assert_eq(t.n, 2, "a replacement added an entry");
	cr_assert_eq(t.v[0], after, "the first stored is no longer first");
	cr_assert_eq(releases, 1, "the old contents were not released once");
	objtab_release(&t);
}

static int by_rank_desc(const void *a, const void *b)
{
	const thing_t *const *x = a, *const *y = b;

	return (*y)->rank - (*x)->rank;
}

Test(objtab, lists_are_sorted_by_id_or_by_the_order_given)
{
	objtab_t t = table();
	static const char *const ids[] = {"M-3", "M-1", "M-10", "M-2"};
	void **v = NULL;
	size_t n;

	for (int i = 0; i < 4; i++)
		put(&t, ids[i], ids[i], i);
	n = objtab_list(&t, NULL, &v);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(((thing_t *)v[0])->id, "M-1");
	cr_assert_str_eq(((thing_t *)v[1])->id, "M-10");
	cr_assert_str_eq(((thing_t *)v[2])->id, "M-2");
	cr_assert_str_eq(((thing_t *)v[3])->id, "M-3");
	free(v);
	n = objtab_list(&t, by_rank_desc, &v);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(((thing_t *)v[0])->id, "M-2");
	cr_assert_str_eq(((thing_t *)v[3])->id, "M-3");
	free(v);
	/* Listing changes nothing. */
	cr_assert_str_eq(((thing_t *)t.v[0])->id, "M-3");
	objtab_release(&t);
}

Test(objtab, a_large_table_finds_every_object)
{
	objtab_t t = table();
	char id[16];

	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof id, "S%d", i);
		put(&t, id, "s", i);
	}
	for (int i = 0; i < 5000; i++) {
		thing_t *th;

		snprintf(id, sizeof id, "S%d", i);
		th = objtab_get(&t, id);
		cr_assert_not_null(th, "%s", id);
		cr_assert_eq(th->rank, i);
	}
	cr_assert_eq(copies, 5000);
	objtab_release(&t);
	cr_assert_eq(releases, 5000);
}
