/*
 * base - see base.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/base.h"

void *model_xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (p == NULL && size > 0)
		abort();
	return p;
}

char *model_strdup(const char *s)
{
	size_t len;

	if (s == NULL)
		return NULL;
	len = strlen(s) + 1;
	return memcpy(model_xrealloc(NULL, len), s, len);
}

void strlist_release(strlist_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void strlist_push(strlist_t *l, const char *s)
{
	l->v = model_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = model_strdup(s);
}

void strlist_copy(strlist_t *dst, const strlist_t *src)
{
	dst->v = NULL;
	dst->n = 0;
	for (size_t i = 0; i < src->n; i++)
		strlist_push(dst, src->v[i]);
}

bool strlist_contains(const strlist_t *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

int model_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -code;
}
