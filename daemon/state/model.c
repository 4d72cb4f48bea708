/*
 * model - constructors and destructors of the domain structs; see model.h.
 * Allocation failure aborts: the daemon cannot keep a consistent state
 * without memory, and a half-applied event would be worse than a restart
 * from the journal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/model.h"

static void *model__xrealloc(void *p, size_t size)
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
	return memcpy(model__xrealloc(NULL, len), s, len);
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
	l->v = model__xrealloc(l->v, (l->n + 1) * sizeof *l->v);
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

void partner_release(partner_t *p)
{
	free(p->id);
	free(p->name);
	free(p->country);
	free(p->time_zone);
	free(p->region);
	memset(p, 0, sizeof *p);
}

void partner_copy(partner_t *dst, const partner_t *src)
{
	dst->id = model_strdup(src->id);
	dst->name = model_strdup(src->name);
	dst->country = model_strdup(src->country);
	dst->time_zone = model_strdup(src->time_zone);
	dst->region = model_strdup(src->region);
}

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
		c->more = model__xrealloc(NULL, sizeof *c->more);
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
	dst->contacts = model__xrealloc(NULL, src->n_contacts * sizeof *dst->contacts);
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
	dst->block = model__xrealloc(NULL, size);
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

void sector_release(sector_t *s)
{
	free(s->id);
	free(s->name);
	memset(s, 0, sizeof *s);
}

void sector_copy(sector_t *dst, const sector_t *src)
{
	dst->id = model_strdup(src->id);
	dst->name = model_strdup(src->name);
	dst->focus = src->focus;
}

void interest_release(interest_t *i)
{
	free(i->partner);
	free(i->sector);
	free(i->note);
	memset(i, 0, sizeof *i);
}

void interest_copy(interest_t *dst, const interest_t *src)
{
	dst->partner = model_strdup(src->partner);
	dst->sector = model_strdup(src->sector);
	dst->interested = src->interested;
	dst->note = model_strdup(src->note);
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

void mou_release(mou_t *m)
{
	free(m->objectives);
	strlist_release(&m->activities);
	free(m->languages);
	free(m->ecvet);
	free(m->hash);
	memset(m, 0, sizeof *m);
}

void mou_copy(mou_t *dst, const mou_t *src)
{
	*dst = *src;
	dst->objectives = model_strdup(src->objectives);
	strlist_copy(&dst->activities, &src->activities);
	dst->languages = model_strdup(src->languages);
	dst->ecvet = model_strdup(src->ecvet);
	dst->hash = model_strdup(src->hash);
}

void alliance_release(alliance_t *a)
{
	free(a->id);
	free(a->name);
	free(a->sector);
	for (size_t i = 0; i < a->n_members; i++) {
		free(a->members[i].centre);
		free(a->members[i].contact);
		strlist_release(&a->members[i].channels);
		free(a->members[i].signed_hash);
		free(a->members[i].signed_by);
	}
	free(a->members);
	mou_release(&a->mou);
	for (size_t i = 0; i <= ROADMAP_MAX; i++)
		free(a->steps[i].actor);
	free(a->visit_ref);
	memset(a, 0, sizeof *a);
}

void alliance_copy(alliance_t *dst, const alliance_t *src)
{
	*dst = *src;
	dst->id = model_strdup(src->id);
	dst->name = model_strdup(src->name);
	dst->sector = model_strdup(src->sector);
	dst->members = NULL;
	if (src->n_members > 0) {
		dst->members = model__xrealloc(NULL, src->n_members * sizeof *dst->members);
		for (size_t i = 0; i < src->n_members; i++) {
			dst->members[i].centre = model_strdup(src->members[i].centre);
			dst->members[i].contact = model_strdup(src->members[i].contact);
			strlist_copy(&dst->members[i].channels, &src->members[i].channels);
			dst->members[i].signed_hash = model_strdup(src->members[i].signed_hash);
			dst->members[i].signed_ms = src->members[i].signed_ms;
			dst->members[i].signed_by = model_strdup(src->members[i].signed_by);
		}
	}
	for (size_t i = 0; i <= ROADMAP_MAX; i++)
		dst->steps[i].actor = model_strdup(src->steps[i].actor);
	dst->visit_ref = model_strdup(src->visit_ref);
	mou_copy(&dst->mou, &src->mou);
}

void alliance_cmd_release(alliance_cmd_t *c)
{
	free(c->alliance);
	free(c->centre);
	free(c->contact);
	strlist_release(&c->channels);
	free(c->visit_ref);
	mou_release(&c->mou);
	free(c->hash);
	memset(c, 0, sizeof *c);
}

void cmd_release(cmd_t *cmd)
{
	switch (cmd->type) {
	case CMD_PARTNER_REGISTER:
	case CMD_PARTNER_UPDATE:
		partner_release(&cmd->u.partner);
		break;
	case CMD_CENTRE_REGISTER:
	case CMD_CENTRE_UPDATE:
		centre_release(&cmd->u.centre);
		break;
	case CMD_SECTOR_DEFINE:
		sector_release(&cmd->u.sector);
		break;
	case CMD_INTEREST_MARK:
		interest_release(&cmd->u.interest);
		break;
	case CMD_COMMITMENT_CONFIRM:
	case CMD_COMMITMENT_WITHDRAW:
		confirmation_release(&cmd->u.confirmation);
		break;
	case CMD_ALLIANCE_CREATE:
		alliance_release(&cmd->u.alliance);
		break;
	case CMD_ALLIANCE_JOIN:
	case CMD_ALLIANCE_LEAVE:
	case CMD_ALLIANCE_CONTACT:
	case CMD_ALLIANCE_AGREE:
	case CMD_ALLIANCE_VISIT:
	case CMD_MOU_DRAFT:
	case CMD_MOU_SIGN:
		alliance_cmd_release(&cmd->u.acmd);
		break;
	case CMD_MOBILITY_PROPOSE:
	case CMD_MOBILITY_REVIEW:
	case CMD_MOBILITY_APPROVE:
	case CMD_MOBILITY_REJECT:
	case CMD_MOBILITY_START:
	case CMD_MOBILITY_COMPLETE:
	case CMD_MOBILITY_CERTIFY:
	case CMD_MOBILITY_COUNTERSIGN:
	case CMD_MOBILITY_CANCEL:
	case CMD_MOBILITY_PREPARE:
		mobility_cmd_release(&cmd->u.mcmd);
		break;
	case CMD_SESSION_BOOK:
		session_release(&cmd->u.session);
		break;
	case CMD_SESSION_JOIN:
	case CMD_SESSION_LEAVE:
	case CMD_SESSION_CANCEL:
	case CMD_SESSION_RESCHEDULE:
	case CMD_SESSION_ATTENDANCE:
	case CMD_SESSION_EVALUATE:
	case CMD_SESSION_ALLIANCE_VISIT:
	case CMD_DEADLINE_DONE:
		session_cmd_release(&cmd->u.scmd);
		break;
	case CMD_DEADLINE_SET:
		deadline_release(&cmd->u.deadline);
		break;
	case CMD_REMINDER_SEND:
		reminder_release(&cmd->u.reminder);
		break;
	}
}

ev_payload_t ev_payload(ev_type_t type)
{
	switch (type) {
#define EV__PAYLOAD(name, payload)                                                                 \
	case EV_##name:                                                                            \
		return EVP_##payload;
		EV_MAP(EV__PAYLOAD)
#undef EV__PAYLOAD
	case EV_COUNT:
		break;
	}
	abort(); /* not an event kind: a programming error */
}

void event_release(event_t *ev)
{
	free(ev->actor);
	free(ev->request_id);
	switch (ev_payload(ev->type)) {
	case EVP_PARTNER:
		partner_release(&ev->u.partner);
		break;
	case EVP_CENTRE:
		centre_release(&ev->u.centre);
		break;
	case EVP_SECTOR:
		sector_release(&ev->u.sector);
		break;
	case EVP_INTEREST:
		interest_release(&ev->u.interest);
		break;
	case EVP_CONFIRMATION:
		confirmation_release(&ev->u.confirmation);
		break;
	case EVP_ALLIANCE:
		alliance_release(&ev->u.alliance);
		break;
	case EVP_MOBILITY:
		mobility_release(&ev->u.mobility);
		break;
	case EVP_SESSION:
		session_release(&ev->u.session);
		break;
	case EVP_DEADLINE:
		deadline_release(&ev->u.deadline);
		break;
	case EVP_REMINDER:
		reminder_release(&ev->u.reminder);
		break;
	}
	memset(ev, 0, sizeof *ev);
}

event_t *evlist_push(evlist_t *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->v = model__xrealloc(l->v, l->cap * sizeof *l->v);
	}
	memset(&l->v[l->n], 0, sizeof l->v[0]);
	return &l->v[l->n++];
}

void evlist_clear(evlist_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		event_release(&l->v[i]);
	l->n = 0;
}

void evlist_release(evlist_t *l)
{
	evlist_clear(l);
	free(l->v);
	memset(l, 0, sizeof *l);
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
