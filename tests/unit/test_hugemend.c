/*
 * Mending memory after a fork (daemon/hugemend.c): the mappings advised
 * MADV_HUGEPAGE are found with whole-huge-page bounds and no others; the
 * steps go through them in pieces of the size asked; and after a child
 * has shared them while the parent wrote, the huge pages the writes split
 * are whole again, with the contents unchanged.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hugemend.h"

#define PAGE HUGEMEND_PAGE

/* A mapping of `pages` huge pages plus one, whose aligned middle of
 * `pages` huge pages is returned in *mid; the whole is *base. */
static char *map_aligned(size_t pages, char **base, size_t *len)
{
	*len = (pages + 1) * PAGE;
	*base = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(*base, MAP_FAILED);
	return (char *)(((uintptr_t)*base + PAGE - 1) & ~(uintptr_t)(PAGE - 1));
}

/* The range hugemend found that lies within [lo, hi), or NULL. */
static const hugemend_range_t *found_in(const hugemend_t *m, const char *lo, const char *hi)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i].pos >= lo && m->r[i].end <= hi)
			return &m->r[i];
	return NULL;
}

/* kB of huge pages in the mapping that holds p (smaps AnonHugePages). */
static long huge_kb(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	unsigned long a, b;
	int inside = 0;
	long kb = -1;

	cr_assert_not_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "%lx-%lx ", &a, &b) == 2) {
			inside = (uintptr_t)p >= a && (uintptr_t)p < b;
			continue;
		}
		if (inside && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

Test(hugemend, finds_the_advised_mappings_by_whole_huge_pages)
{
	char *base, *plain_base, *mid;
	size_t len, plain_len;
	hugemend_t m;
	const hugemend_range_t *r;

	mid = map_aligned(4, &base, &len);
	map_aligned(4, &plain_base, &plain_len);
	/* Advised from half a huge page in: the first whole one is next. */
	cr_assert_eq(madvise(mid + PAGE / 2, 3 * PAGE, MADV_HUGEPAGE), 0);
	cr_assert_gt(hugemend_begin(&m), 0);
	r = found_in(&m, base, base + len);
	cr_assert_not_null(r, "the advised mapping was not found");
	cr_assert_eq(r->pos, mid + PAGE, "starts at %p, not at the first whole huge page %p",
		     (void *)r->pos, (void *)(mid + PAGE));
	cr_assert_eq(r->end, mid + 3 * PAGE, "ends at %p, not %p", (void *)r->end,
		     (void *)(mid + 3 * PAGE));
	cr_assert_null(found_in(&m, plain_base, plain_base + plain_len),
		       "a mapping never advised was found");
	munmap(base, len);
	munmap(plain_base, plain_len);
}

Test(hugemend, steps_go_through_every_range_by_the_size_asked)
{
	hugemend_t m = {0};
	int steps = 0;
	/* Two ranges, of 3 and 2 huge pages, in a reservation nothing can
	 * touch (the advice fails there, and the steps go on). */
	char *none = mmap(NULL, 8 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(none, MAP_FAILED);
	m.n = 2;
	m.r[0].pos = none;
	m.r[0].end = m.r[0].pos + 3 * PAGE;
	m.r[1].pos = none + 4 * PAGE;
	m.r[1].end = m.r[1].pos + 2 * PAGE;
	while (hugemend_step(&m, 1)) /* rounded up to one huge page */
		steps++;
	cr_assert_eq(steps + 1, 5, "%d steps for 5 huge pages", steps + 1);
	cr_assert_eq(m.r[0].pos, m.r[0].end);
	cr_assert_eq(m.r[1].pos, m.r[1].end);
	cr_assert_eq(hugemend_step(&m, 1), 0, "a step after the end");

	m.at = 0;
	m.r[0].pos = m.r[0].end - 3 * PAGE;
	m.r[1].pos = m.r[1].end - 2 * PAGE;
	cr_assert_eq(hugemend_step(&m, 8 * PAGE), 1, "the second range is left");
	cr_assert_eq(hugemend_step(&m, 8 * PAGE), 0);
	munmap(none, 8 * PAGE);
}

/* A child shares the mapping while the parent writes a byte into each
 * huge page: each write splits one.  Mending collapses them back, where
 * the kernel has huge pages and MADV_COLLAPSE at all. */
Test(hugemend, huge_pages_split_under_a_child_are_whole_again)
{
	const size_t pages = 4;
	char *base, *mid;
	size_t len;
	int fds[2];
	pid_t child;
	hugemend_t m;
	const hugemend_range_t *r;
	long before, split, after;

	mid = map_aligned(pages, &base, &len);
	if (madvise(mid, pages * PAGE, MADV_HUGEPAGE) != 0)
		cr_skip_test("no transparent huge pages here");
	for (size_t i = 0; i < pages * PAGE; i++)
		mid[i] = (char)(i * 7);
	before = huge_kb(mid);
	if (before <= 0)
		cr_skip_test("the kernel gave no huge page to an advised mapping");

	cr_assert_eq(pipe(fds), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		char c;
		close(fds[1]);
		(void)!read(fds[0], &c, 1); /* until the parent is done */
		_exit(0);
	}
	close(fds[0]);
	for (size_t p = 0; p < pages; p++)
		mid[p * PAGE + 100] = 'x';
	close(fds[1]);
	cr_assert_eq(waitpid(child, NULL, 0), child);
	split = huge_kb(mid);
	cr_assert_lt(split, before, "no huge page was split (%ld kB before and after)", before);

	cr_assert_gt(hugemend_begin(&m), 0);
	r = found_in(&m, base, base + len);
	cr_assert_not_null(r);
	while (hugemend_step(&m, PAGE))
		;
	after = huge_kb(mid);
	if (r->no_collapse)
		cr_skip_test("no MADV_COLLAPSE here (%ld kB of huge pages)", after);
	cr_assert_eq(after, (long)(pages * PAGE / 1024), "%ld kB of huge pages after mending",
		     after);
	for (size_t i = 0; i < pages * PAGE; i++) {
		char want = (char)(i * 7);
		if (i % PAGE == 100)
			want = 'x';
		cr_assert_eq(mid[i], want, "byte %zu changed", i);
	}
	munmap(base, len);
}
