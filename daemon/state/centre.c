/*
 * centre - see centre.h.
 *
 * A centre the state stores is packed (centre_pack): one allocation holds
 * its strings, sector list and contacts, so freeing it is one free().
 */
#include <stdlib.h>
#include <string.h>

#include "state/centre.h"

void centre_release(centre_t *c)
{
	if (c->block != NULL) {
		free(c->block);
		memset(c, 0, sizeof *c);
		return;
	}
	free(c->id);
	free(c->name);
	free(c->partner);
	free(c->country);
	free(c->region);
	strlist_release(&c->sectors);
	if (c->more != NULL) {
		centre_contacts_release(c->more);
		free(c->more->province);
		free(c->more);
	}
	memset(c, 0, sizeof *c);
}

const centre_more_t *centre_more(const centre_t *c)
{
	static const centre_more_t none;

	return c->more != NULL ? c->more : &none;
}

centre_more_t *centre_more_mut(centre_t *c)
{
	if (c->more == NULL)
		c->more = model_xrealloc(NULL, sizeof *c->more);
	else
		return c->more;
	memset(c->more, 0, sizeof *c->more);
	return c->more;
}

bool centre_more_empty(const centre_more_t *m)
{
	for (size_t i = 0; i < CENTRE_FACTS; i++)
		if (m->facts[i] != FACT_UNKNOWN)
			return false;
	return m->n_contacts == 0 && (m->province == NULL || m->province[0] == '\0') &&
	       !m->hours_known;
}

void centre_more_trim(centre_t *c)
{
	if (c->more == NULL || !centre_more_empty(c->more))
		return;
	free(c->more->province);
	free(c->more);
	c->more = NULL;
}

void centre_contacts_release(centre_more_t *c)
{
	for (size_t i = 0; i < c->n_contacts; i++) {
		free(c->contacts[i].name);
		strlist_release(&c->contacts[i].channels);
	}
	free(c->contacts);
	c->contacts = NULL;
	c->n_contacts = 0;
}

void centre_contacts_copy(centre_more_t *dst, const centre_more_t *src)
{
	dst->contacts = NULL;
	dst->n_contacts = src->n_contacts;
	if (src->n_contacts == 0)
		return;
	dst->contacts = model_xrealloc(NULL, src->n_contacts * sizeof *dst->contacts);
	for (size_t i = 0; i < src->n_contacts; i++) {
		dst->contacts[i].role = src->contacts[i].role;
		dst->contacts[i].name = model_strdup(src->contacts[i].name);
		strlist_copy(&dst->contacts[i].channels, &src->contacts[i].channels);
	}
}

void centre_copy(centre_t *dst, const centre_t *src)
{
	dst->id = model_strdup(src->id);
	dst->name = model_strdup(src->name);
	dst->kind = src->kind;
	dst->partner = model_strdup(src->partner);
	dst->country = model_strdup(src->country);
	dst->region = model_strdup(src->region);
	strlist_copy(&dst->sectors, &src->sectors);
	dst->registered_ms = src->registered_ms;
	dst->updated_ms = src->updated_ms;
	dst->more = NULL;
	if (!centre_more_empty(centre_more(src))) {
		const centre_more_t *m = centre_more(src);
		centre_more_t *d = centre_more_mut(dst);
		*d = *m;
		centre_contacts_copy(d, m);
		d->province = m->province && m->province[0] ? model_strdup(m->province) : NULL;
	}
}

static char *model__put(char **cursor, const char *s)
{
	size_t len = strlen(s ? s : "") + 1;
	char *dst = *cursor;

	memcpy(dst, s ? s : "", len);
	*cursor += len;
	return dst;
}

/* model__strsize - the bytes a string takes in a packed block. */
static size_t model__strsize(const char *s)
{
	return strlen(s ? s : "") + 1;
}

void centre_pack(centre_t *dst, const centre_t *src)
{
	const centre_more_t *m = centre_more(src);
	bool more = !centre_more_empty(m);
	const char *const strs[] = {src->id, src->name, src->partner, src->country, src->region};
	size_t nptrs = src->sectors.n, size;
	char **ptrs;
	char *cursor;

	for (size_t i = 0; i < m->n_contacts; i++)
		nptrs += m->contacts[i].channels.n;
	/* Layout: the contacts and the centre_more_t (pointer-aligned
	 * structs), then every pointer array (sectors, each contact's
	 * channels), then the strings. */
	size = m->n_contacts * sizeof(centre_contact_t) + (more ? sizeof(centre_more_t) : 0) +
	       nptrs * sizeof(char *);
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		size += model__strsize(strs[i]);
	for (size_t i = 0; i < src->sectors.n; i++)
		size += model__strsize(src->sectors.v[i]);
	if (more)
		size += model__strsize(m->province);
	for (size_t i = 0; i < m->n_contacts; i++) {
		size += model__strsize(m->contacts[i].name);
		for (size_t k = 0; k < m->contacts[i].channels.n; k++)
			size += model__strsize(m->contacts[i].channels.v[k]);
	}
	dst->block = model_xrealloc(NULL, size);
	cursor = dst->block;
	dst->more = NULL;
	if (more) {
		centre_more_t *d = (centre_more_t *)cursor;
		cursor += sizeof *d;
		*d = *m;
		d->contacts = m->n_contacts ? (centre_contact_t *)cursor : NULL;
		cursor += m->n_contacts * sizeof(centre_contact_t);
		dst->more = d;
	}
	ptrs = (char **)cursor;
	cursor = (char *)(ptrs + nptrs);
	dst->sectors.v = src->sectors.n ? ptrs : NULL;
	dst->sectors.n = src->sectors.n;
	for (size_t i = 0; i < src->sectors.n; i++)
		dst->sectors.v[i] = model__put(&cursor, src->sectors.v[i]);
	ptrs += src->sectors.n;
	for (size_t i = 0; i < m->n_contacts; i++) {
		const centre_contact_t *in = &m->contacts[i];
		centre_contact_t *c = &dst->more->contacts[i];

		c->role = in->role;
		c->name = model__put(&cursor, in->name);
		c->channels.v = in->channels.n ? ptrs : NULL;
		c->channels.n = in->channels.n;
		for (size_t k = 0; k < in->channels.n; k++)
			c->channels.v[k] = model__put(&cursor, in->channels.v[k]);
		ptrs += in->channels.n;
	}
	if (more)
		dst->more->province = model__put(&cursor, m->province);
	dst->id = model__put(&cursor, src->id);
	dst->name = model__put(&cursor, src->name);
	dst->partner = model__put(&cursor, src->partner);
	dst->country = model__put(&cursor, src->country);
	dst->region = model__put(&cursor, src->region);
	dst->kind = src->kind;
	dst->registered_ms = src->registered_ms;
	dst->updated_ms = src->updated_ms;
}
