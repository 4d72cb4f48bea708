/*
 * commitment - see commitment.h.
 *
 * Storage: a hash table keyed by centre id whose value holds one slot per
 * commitment.  A slot with time_ms 0 and actor NULL was never acted on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "state/commitment.h"
#include "state/model.h"
#include "state/hmap.h"

typedef struct commitment_rec {
	char *centre;
	confirmation_t slot[COMMITMENT_MAX]; /* slot[c - 1] */
} commitment_rec_t;

struct commitments {
	hmap_t by_centre; /* centre id -> commitment_rec_t * */
};

static const char *const commitment__slugs[COMMITMENT_MAX + 1] = {
    [COMMITMENT_UNSPECIFIED] = "unspecified",
    [COMMITMENT_LONG_TERM_ALLIANCE] = "long-term-alliance",
    [COMMITMENT_DIGITAL_CHANNELS] = "digital-channels",
    [COMMITMENT_PILOT_TEMPLATES] = "pilot-templates",
    [COMMITMENT_STUDY_VISITS] = "study-visits",
    [COMMITMENT_EVALUATIONS] = "evaluations",
    [COMMITMENT_PROJECT_ACTIVITIES] = "project-activities",
};

const char *commitment_slug(commitment_t c)
{
	if ((int)c < 1 || (int)c > COMMITMENT_MAX)
		return commitment__slugs[COMMITMENT_UNSPECIFIED];
	return commitment__slugs[c];
}

commitment_t commitment_from_slug(const char *slug)
{
	for (int c = 1; slug != NULL && c <= COMMITMENT_MAX; c++)
		if (strcmp(slug, commitment__slugs[c]) == 0)
			return (commitment_t)c;
	return COMMITMENT_UNSPECIFIED;
}

commitments_t *commitments_new(void)
{
	commitments_t *t = calloc(1, sizeof *t);

	if (t == NULL)
		abort();
	return t;
}

static void commitment__rec_free(commitment_rec_t *r)
{
	for (size_t i = 0; i < COMMITMENT_MAX; i++)
		confirmation_release(&r->slot[i]);
	free(r->centre);
	free(r);
}

void commitments_free(commitments_t **self_p)
{
	commitments_t *t;

	if (self_p == NULL || *self_p == NULL)
		return;
	t = *self_p;
	for (size_t i = 0; i < t->by_centre.cap; i++)
		if (t->by_centre.slots[i].key != NULL)
			commitment__rec_free(t->by_centre.slots[i].value);
	hmap_release(&t->by_centre);
	free(t);
	*self_p = NULL;
}

static const confirmation_t *commitment__get(const commitments_t *t, const char *centre,
					     commitment_t c)
{
	const commitment_rec_t *r = hmap_get(&t->by_centre, centre);

	if (r == NULL || (int)c < 1 || (int)c > COMMITMENT_MAX)
		return NULL;
	return &r->slot[c - 1];
}

int commitments_confirmed(const commitments_t *t, const char *centre, commitment_t c)
{
	const confirmation_t *s = commitment__get(t, centre, c);

	return s != NULL && s->confirmed;
}

int commitments_check(const commitments_t *t, cmd_type_t type, const char *centre, commitment_t c,
		      char *err, size_t errlen)
{
	int confirmed = commitments_confirmed(t, centre, c);

	if ((int)c < 1 || (int)c > COMMITMENT_MAX)
		return model_fail(err, errlen, VA_INVALID_ARGUMENT,
				  "commitment: unknown commitment %d", (int)c);
	if (type == CMD_COMMITMENT_CONFIRM && confirmed)
		return model_fail(err, errlen, VA_ALREADY_EXISTS,
				  "centre '%s' has already confirmed '%s'", centre,
				  commitment_slug(c));
	if (type == CMD_COMMITMENT_WITHDRAW && !confirmed)
		return model_fail(err, errlen, VA_FAILED_PRECONDITION,
				  "centre '%s' has not confirmed '%s': nothing to withdraw", centre,
				  commitment_slug(c));
	return 0;
}

void commitments_apply(commitments_t *t, const confirmation_t *c)
{
	commitment_rec_t *r = hmap_get(&t->by_centre, c->centre);
	confirmation_t *s;

	if ((int)c->commitment < 1 || (int)c->commitment > COMMITMENT_MAX)
		return;
	if (r == NULL) {
		r = calloc(1, sizeof *r);
		if (r == NULL)
			abort();
		r->centre = model_strdup(c->centre);
		hmap_put(&t->by_centre, r->centre, r);
	}
	s = &r->slot[c->commitment - 1];
	confirmation_release(s);
	confirmation_copy(s, c);
}

void commitments_view(const commitments_t *t, const char *centre,
		      confirmation_t out[COMMITMENT_MAX])
{
	const commitment_rec_t *r = hmap_get(&t->by_centre, centre);

	for (int c = 1; c <= COMMITMENT_MAX; c++) {
		confirmation_t *o = &out[c - 1];
		const confirmation_t *s = r != NULL ? &r->slot[c - 1] : NULL;
		memset(o, 0, sizeof *o);
		o->centre = (char *)centre;
		o->commitment = (commitment_t)c;
		o->actor = (char *)"";
		if (s != NULL && s->actor != NULL) {
			o->confirmed = s->confirmed;
			o->actor = s->actor;
			o->time_ms = s->time_ms;
		}
	}
}

static int commitment__cmp(const void *a, const void *b)
{
	const confirmation_t *const *x = a, *const *y = b;
	int d = strcmp((*x)->centre, (*y)->centre);

	return d != 0 ? d : (int)(*x)->commitment - (int)(*y)->commitment;
}

size_t commitments_list(const commitments_t *t, const confirmation_t ***out_p)
{
	const confirmation_t **out = calloc(t->by_centre.n * COMMITMENT_MAX + 1, sizeof *out);
	size_t n = 0;

	if (out == NULL)
		abort();
	for (size_t i = 0; i < t->by_centre.cap; i++) {
		const commitment_rec_t *r = t->by_centre.slots[i].value;
		if (t->by_centre.slots[i].key == NULL)
			continue;
		for (size_t c = 0; c < COMMITMENT_MAX; c++)
			if (r->slot[c].actor != NULL)
				out[n++] = &r->slot[c];
	}
	qsort(out, n, sizeof *out, commitment__cmp);
	*out_p = out;
	return n;
}

void confirmation_release(confirmation_t *c)
{
	free(c->centre);
	free(c->actor);
	memset(c, 0, sizeof *c);
}

void confirmation_copy(confirmation_t *dst, const confirmation_t *src)
{
	dst->centre = model_strdup(src->centre);
	dst->commitment = src->commitment;
	dst->confirmed = src->confirmed;
	dst->actor = model_strdup(src->actor);
	dst->time_ms = src->time_ms;
}
