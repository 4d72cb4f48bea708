/*
 * objtab - see objtab.h.
 */
#include "state/objtab.h"

#include <stdlib.h>
#include <string.h>

static const char *objtab__id(const objtab_t *t, const void *obj)
{
	return *(char *const *)((const char *)obj + t->id_off);
}

void objtab_release(objtab_t *t)
{
	for (size_t i = 0; i < t->n; i++) {
		t->release(t->v[i]);
		free(t->v[i]);
	}
	free(t->v);
	hmap_release(&t->map);
	t->v = NULL;
	t->n = 0;
}

void *objtab_get(const objtab_t *t, const char *id)
{
	return id != NULL ? hmap_get(&t->map, id) : NULL;
}

void *objtab_put(objtab_t *t, const void *obj)
{
	void *fresh = calloc(1, t->size), *old, *tmp;
	void **v;

	if (fresh == NULL)
		abort();
	t->copy(fresh, obj);
	old = hmap_put(&t->map, objtab__id(t, fresh), fresh);
	if (old == NULL) {
		v = realloc(t->v, (t->n + 1) * sizeof *v);
		if (v == NULL)
			abort();
		t->v = v;
		t->v[t->n++] = fresh;
		return fresh;
	}
	/* Keep `old` (its place in v, pointers to it): swap the contents,
	 * point the map at it again, and let `fresh` take the old contents
	 * away. */
	tmp = malloc(t->size);
	if (tmp == NULL)
		abort();
	memcpy(tmp, old, t->size);
	memcpy(old, fresh, t->size);
	memcpy(fresh, tmp, t->size);
	free(tmp);
	hmap_put(&t->map, objtab__id(t, old), old);
	t->release(fresh);
	free(fresh);
	return old;
}

static int objtab__cmp_id(const void *a, const void *b, void *arg)
{
	const objtab_t *t = arg;

	return strcmp(objtab__id(t, *(void *const *)a), objtab__id(t, *(void *const *)b));
}

size_t objtab_list(const objtab_t *t, int (*cmp)(const void *, const void *), void ***out_p)
{
	void **out = calloc(t->n + 1, sizeof *out);

	if (out == NULL)
		abort();
	if (t->n > 0)
		memcpy(out, t->v, t->n * sizeof *out);
	if (cmp != NULL)
		qsort(out, t->n, sizeof *out, cmp);
	else
		qsort_r(out, t->n, sizeof *out, objtab__cmp_id, (void *)t);
	*out_p = out;
	return t->n;
}
