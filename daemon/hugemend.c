/*
 * hugemend - see hugemend.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "hugemend.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1; older headers lack it */
#endif

size_t hugemend_begin(hugemend_t *m)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	unsigned long a = 0, b = 0, x, y;

	m->n = m->at = 0;
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL && m->n < HUGEMEND_RANGES) {
		/* A mapping's first line: "start-end perms offset ..." */
		if (sscanf(line, "%lx-%lx ", &x, &y) == 2) {
			a = x;
			b = y;
			continue;
		}
		if (strncmp(line, "VmFlags:", 8) != 0 || strstr(line, " hg") == NULL)
			continue;
		x = (a + HUGEMEND_PAGE - 1) & ~(HUGEMEND_PAGE - 1);
		y = b & ~(HUGEMEND_PAGE - 1);
		if (x < y) {
			m->r[m->n].pos = (char *)x;
			m->r[m->n].end = (char *)y;
			m->r[m->n].no_collapse = 0;
			m->n++;
		}
	}
	fclose(f);
	return m->n;
}

/* Skips the ranges done; returns 1 while one is left. */
static int hugemend__left(hugemend_t *m)
{
	while (m->at < m->n && m->r[m->at].pos >= m->r[m->at].end)
		m->at++;
	return m->at < m->n;
}

int hugemend_step(hugemend_t *m, size_t bytes)
{
	hugemend_range_t *r;
	size_t n;

	if (!hugemend__left(m))
		return 0;
	r = &m->r[m->at];
	n = (size_t)(r->end - r->pos);
	bytes = (bytes + HUGEMEND_PAGE - 1) & ~(HUGEMEND_PAGE - 1);
	if (n > bytes)
		n = bytes;
	/* EINVAL: no such advice on this kernel, or none for this mapping.
	 * Other failures (no huge page free, a page pinned, a mapping gone
	 * since) leave that part as it is. */
	if (!r->no_collapse && madvise(r->pos, n, MADV_COLLAPSE) < 0 && errno == EINVAL)
		r->no_collapse = 1;
#ifdef MADV_POPULATE_WRITE
	if (r->no_collapse)
		(void)madvise(r->pos, n, MADV_POPULATE_WRITE);
#endif
	r->pos += n;
	return hugemend__left(m);
}
