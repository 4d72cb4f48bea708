/*
 * hugemend - make the mappings advised to use huge pages whole again
 * after a fork.
 *
 * While a forked child (a snapshot) shares the parent's memory, each write
 * the parent makes to a shared huge page splits it into 4 KiB pages, so
 * that only the page written is copied; and every page stays
 * write-protected until its first write.  Once the child has exited, the
 * parent's hash tables and heap, probed at random, would miss the TLB on
 * most lookups for the rest of its life, and pay a fault at the first
 * write to each page.  hugemend finds the mappings advised MADV_HUGEPAGE
 * (the "hg" flag in /proc/self/smaps) and, a step at a time, collapses
 * them back into huge pages (MADV_COLLAPSE, Linux 6.1), which also
 * leaves them writable; on a kernel without it, it makes them writable
 * in bulk (MADV_POPULATE_WRITE, Linux 5.14); on one without either, it
 * does nothing.
 */
#ifndef VA_HUGEMEND_H
#define VA_HUGEMEND_H

#include <stddef.h>

#define HUGEMEND_PAGE   ((size_t)2 << 20) /* the huge page size */
#define HUGEMEND_RANGES 64                /* mappings mended at most */

typedef struct hugemend_range {
	char *pos; /* what is left to mend: [pos, end) */
	char *end;
	int no_collapse; /* MADV_COLLAPSE refused (EINVAL): made writable instead */
} hugemend_range_t;

typedef struct hugemend {
	hugemend_range_t r[HUGEMEND_RANGES];
	size_t n;
	size_t at; /* the range being mended */
} hugemend_t;

/*
 * hugemend_begin - find the whole huge pages of every mapping advised
 * MADV_HUGEPAGE, to mend from the start.  Returns how many mappings (0
 * when there are none, or /proc/self/smaps cannot be read).
 */
size_t hugemend_begin(hugemend_t *m);

/*
 * hugemend_step - mend up to `bytes` (rounded up to whole huge pages) of
 * what is left.  Returns 1 while more is left, 0 when done.
 */
int hugemend_step(hugemend_t *m, size_t bytes);

#endif
