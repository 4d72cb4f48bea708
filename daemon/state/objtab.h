/*
 * objtab - a table of objects the state owns, keyed by the id string each
 * object holds: a hash map for lookups and an array in first-stored order
 * for iteration.  Alliances, mobilities, sessions and deadlines each keep
 * one.
 *
 * objtab_put() stores a deep copy; an object stored again under an id the
 * table holds replaces the old one's contents in place, so pointers from
 * objtab_get() and the order of `v` stay stable.
 */
#ifndef VA_STATE_OBJTAB_H
#define VA_STATE_OBJTAB_H

#include <stddef.h>

#include "state/hmap.h"

typedef struct objtab {
	void **v; /* the objects, first stored first */
	size_t n;
	hmap_t map; /* id -> object */
	size_t size;
	size_t id_off; /* offsetof(T, id): a char * */
	void (*copy)(void *dst, const void *src);
	void (*release)(void *obj);
} objtab_t;

/* OBJTAB_INIT - the initialiser for a table of T whose copy and release
 * functions are T_copy(T *, const T *) and T_release(T *). */
#define OBJTAB_INIT(T, copy_fn, release_fn)                                                        \
	{                                                                                          \
		.size = sizeof(T), .id_off = offsetof(T, id),                                      \
		.copy = (void (*)(void *, const void *))(copy_fn),                                 \
		.release = (void (*)(void *))(release_fn)                                          \
	}

/* objtab_release - release and free every object and the table's memory;
 * the table is left empty and usable. */
void objtab_release(objtab_t *t);

/* objtab_get - the object stored under id, or NULL (also for id NULL). */
void *objtab_get(const objtab_t *t, const char *id);

/* objtab_put - store a deep copy of obj under its id; returns the stored
 * object.  Aborts on out of memory. */
void *objtab_put(objtab_t *t, const void *obj);

/*
 * objtab_list - the objects in a new array (the caller frees it, not the
 * objects), sorted by `cmp` (qsort's, on pointers to the objects) or by
 * id when cmp is NULL.  Returns how many.  Aborts on out of memory.
 */
size_t objtab_list(const objtab_t *t, int (*cmp)(const void *, const void *), void ***out_p);

#endif
