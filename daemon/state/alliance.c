/*
 * alliance - see alliance.h.
 *
 * Storage: alliances are few (tens), kept in an array of pointers in
 * creation order; lists are sorted by id on the way out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "state/alliance.h"
#include "state/model.h"
#include "state/objtab.h"

struct alliances {
	objtab_t tab; /* of alliance_t */
};

static const char *const roadmap__slugs[ROADMAP_MAX + 1] = {
    [ROADMAP_CREATED] = "created",
    [ROADMAP_CONTACT_POINT] = "contact-point",
    [ROADMAP_AGREEMENT] = "agreement",
    [ROADMAP_MUTUAL_VISIT] = "mutual-visit",
    [ROADMAP_MOU] = "mou",
};

const char *roadmap_step_slug(roadmap_step_t s)
{
	if ((int)s < 0 || (int)s > ROADMAP_MAX)
		return "unknown";
	return roadmap__slugs[s];
}

alliances_t *alliances_new(void)
{
	alliances_t *t = calloc(1, sizeof *t);

	if (t == NULL)
		abort();
	t->tab = (objtab_t)OBJTAB_INIT(alliance_t, alliance_copy, alliance_release);
	return t;
}

void alliances_free(alliances_t **self_p)
{
	if (self_p == NULL || *self_p == NULL)
		return;
	objtab_release(&(*self_p)->tab);
	free(*self_p);
	*self_p = NULL;
}

const alliance_t *alliances_get(const alliances_t *t, const char *id)
{
	return objtab_get(&t->tab, id);
}

size_t alliances_list(const alliances_t *t, const alliance_t ***out_p)
{
	void **v;
	size_t n = objtab_list(&t->tab, NULL, &v);

	*out_p = (const alliance_t **)v;
	return n;
}

void alliances_put(alliances_t *t, const alliance_t *a)
{
	objtab_put(&t->tab, a);
}

/* ------------------------------------------------------------- helpers */

static alliance_member_t *alliance__member(const alliance_t *a, const char *centre)
{
	for (size_t i = 0; i < a->n_members; i++)
		if (strcmp(a->members[i].centre, centre) == 0)
			return &a->members[i];
	return NULL;
}

static int alliance__has_contact(const alliance_member_t *m)
{
	return m->contact != NULL && m->contact[0] != '\0';
}

static void alliance__reach(alliance_t *a, roadmap_step_t step, const alliance_env_t *env)
{
	a->stage = step;
	a->steps[step].time_ms = env->now_ms;
	free(a->steps[step].actor);
	a->steps[step].actor = model_strdup(env->actor ? env->actor : "");
}

/* Whether member m signed the current version of the MoU. */
static int alliance__signed(const alliance_member_t *m, const mou_t *mou)
{
	return m->signed_hash != NULL && mou->hash != NULL &&
	       strcmp(m->signed_hash, mou->hash) == 0;
}

/* Appends ", X" (or "X" first) to buf. */
static void alliance__append(char *buf, size_t len, const char *s)
{
	size_t off = strlen(buf);

	if (off < len)
		snprintf(buf + off, len - off, "%s%s", off > 0 ? ", " : "", s);
}

/* The members missing a contact point, into buf ("" when none). */
static void alliance__missing_contacts(const alliance_t *a, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < a->n_members; i++)
		if (!alliance__has_contact(&a->members[i]))
			alliance__append(buf, len, a->members[i].centre);
}

/* The first adopted commitment some member has not confirmed, and which
 * members miss it; COMMITMENT_UNSPECIFIED when all confirmed. */
static commitment_t alliance__missing_commitment(const alliance_t *a, const commitments_t *c,
						 char *buf, size_t len)
{
	buf[0] = '\0';
	for (int k = 1; k <= COMMITMENT_MAX; k++) {
		if (!(a->adopted & (1u << k)))
			continue;
		for (size_t i = 0; i < a->n_members; i++)
			if (!commitments_confirmed(c, a->members[i].centre, (commitment_t)k))
				alliance__append(buf, len, a->members[i].centre);
		if (buf[0] != '\0')
			return (commitment_t)k;
	}
	return COMMITMENT_UNSPECIFIED;
}

char *alliance_missing(const alliance_t *a, const commitments_t *c, char *buf, size_t len)
{
	char who[256];
	commitment_t k;

	buf[0] = '\0';
	switch (a->stage) {
	case ROADMAP_CREATED:
		alliance__missing_contacts(a, who, sizeof who);
		snprintf(buf, len, "contact point: a contact point for %s", who);
		break;
	case ROADMAP_CONTACT_POINT:
		k = alliance__missing_commitment(a, c, who, sizeof who);
		if (k != COMMITMENT_UNSPECIFIED)
			snprintf(buf, len, "agreement: '%s' confirmed by %s", commitment_slug(k),
				 who);
		else
			snprintf(buf, len, "agreement: record it (every member has confirmed)");
		break;
	case ROADMAP_AGREEMENT:
		snprintf(buf, len, "mutual visit: record a visit (on site or virtual)");
		break;
	case ROADMAP_MUTUAL_VISIT:
		if (a->mou.version == 0) {
			snprintf(buf, len, "mou: a drafted MoU signed by every member");
			break;
		}
		who[0] = '\0';
		for (size_t i = 0; i < a->n_members; i++)
			if (!alliance__signed(&a->members[i], &a->mou))
				alliance__append(who, sizeof who, a->members[i].centre);
		snprintf(buf, len, "mou: version %u ('%s') signed by %s", a->mou.version,
			 a->mou.hash ? a->mou.hash : "", who);
		break;
	case ROADMAP_MOU:
		break;
	}
	return buf;
}

int alliance_lateness(const alliance_t *a, int64_t now_ms)
{
	int64_t age = now_ms - a->steps[ROADMAP_CREATED].time_ms;

	if (a->stage == ROADMAP_MOU)
		return 0;
	if (age > ALLIANCE_TARGET_MAX_MS)
		return 2;
	if (age > ALLIANCE_TARGET_MIN_MS)
		return 1;
	return 0;
}

/* FNV-1a 64 over one field of the MoU content, with a separator so that
 * moving text between fields changes the hash. */
static uint64_t alliance__fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t alliance__fnv_str(uint64_t h, const char *s)
{
	h = alliance__fnv(h, s ? s : "", s ? strlen(s) : 0);
	return alliance__fnv(h, "\x1f", 1);
}

static uint64_t alliance__fnv_num(uint64_t h, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", (long long)v);
	return alliance__fnv_str(h, buf);
}

void alliance_mou_hash(const mou_t *m, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = alliance__fnv_str(h, m->objectives);
	for (size_t i = 0; i < MOU_BANDS; i++)
		h = alliance__fnv_num(h, m->students[i]);
	for (size_t i = 0; i < MOU_STAFF; i++)
		h = alliance__fnv_num(h, m->staff[i]);
	h = alliance__fnv_num(h, (int64_t)m->activities.n);
	for (size_t i = 0; i < m->activities.n; i++)
		h = alliance__fnv_str(h, m->activities.v[i]);
	h = alliance__fnv_str(h, m->languages);
	h = alliance__fnv_str(h, m->ecvet);
	h = alliance__fnv_num(h, m->valid_from_ms);
	h = alliance__fnv_num(h, m->valid_until_ms);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static int alliance__decide_mou_draft(const alliance_t *cur, const alliance_cmd_t *in,
				      const alliance_env_t *env, alliance_t *after, ev_type_t *type,
				      char *err, size_t errlen)
{
	char hash[17];
	uint32_t voided = 0;

	if (cur->stage == ROADMAP_MOU)
		return model_fail(err, errlen, VA_FAILED_PRECONDITION,
				  "alliance '%s': the MoU is signed by every member; its content "
				  "cannot change",
				  cur->id);
	alliance_mou_hash(&in->mou, hash);
	if (cur->mou.hash != NULL && strcmp(cur->mou.hash, hash) == 0)
		return model_fail(err, errlen, VA_ALREADY_EXISTS,
				  "alliance '%s': the MoU already has this content (version %u)",
				  cur->id, cur->mou.version);
	(void)env;
	alliance_copy(after, cur);
	mou_release(&after->mou);
	mou_copy(&after->mou, &in->mou);
	free(after->mou.hash);
	after->mou.hash = model_strdup(hash);
	after->mou.version = cur->mou.version + 1;
	/* A signature is for one exact content: a change voids them all. */
	for (size_t i = 0; i < after->n_members; i++) {
		alliance_member_t *m = &after->members[i];
		if (m->signed_hash != NULL && m->signed_hash[0] != '\0')
			voided++;
		free(m->signed_hash);
		free(m->signed_by);
		m->signed_hash = NULL;
		m->signed_by = NULL;
		m->signed_ms = 0;
	}
	after->mou.voided = voided;
	*type = cur->mou.version == 0 ? EV_MOU_DRAFTED : EV_MOU_CHANGED;
	return 0;
}

static int alliance__decide_mou_sign(const alliance_t *cur, const alliance_cmd_t *in,
				     const alliance_env_t *env, alliance_t *after, ev_type_t *type,
				     char *err, size_t errlen)
{
	alliance_member_t *m;
	size_t unsigned_left = 0;

	if (alliance__member(cur, in->centre) == NULL)
		return model_fail(err, errlen, VA_FAILED_PRECONDITION,
				  "alliance '%s': centre '%s' is not a member; only members sign "
				  "the MoU",
				  cur->id, in->centre);
	if (cur->mou.version == 0)
		return model_fail(err, errlen, VA_FAILED_PRECONDITION,
				  "alliance '%s': no MoU is drafted yet", cur->id);
	if (cur->stage != ROADMAP_MUTUAL_VISIT)
		return model_fail(err, errlen, VA_FAILED_PRECONDITION,
				  "alliance '%s': mou needs the mutual visit first (stage '%s')",
				  cur->id, roadmap_step_slug(cur->stage));
	if (in->hash == NULL || strcmp(in->hash, cur->mou.hash) != 0)
		return model_fail(err, errlen, VA_FAILED_PRECONDITION,
				  "alliance '%s': stale MoU version: signing '%s' but version %u "
				  "is '%s'",
				  cur->id, in->hash ? in->hash : "", cur->mou.version,
				  cur->mou.hash);
	if (alliance__signed(alliance__member(cur, in->centre), &cur->mou))
		return model_fail(err, errlen, VA_ALREADY_EXISTS,
				  "alliance '%s': centre '%s' has already signed version %u",
				  cur->id, in->centre, cur->mou.version);
	alliance_copy(after, cur);
	m = alliance__member(after, in->centre);
	free(m->signed_hash);
	free(m->signed_by);
	m->signed_hash = model_strdup(cur->mou.hash);
	m->signed_by = model_strdup(env->actor ? env->actor : "");
	m->signed_ms = env->now_ms;
	after->mou.voided = 0;
	for (size_t i = 0; i < after->n_members; i++)
		if (!alliance__signed(&after->members[i], &after->mou))
			unsigned_left++;
	if (unsigned_left == 0) {
		alliance__reach(after, ROADMAP_MOU, env);
		after->kind = ALLIANCE_KIND_FORMAL;
	}
	*type = EV_MOU_SIGNED;
	return 0;
}

/* ------------------------------------------------------------- decide */

static int alliance__decide_create(const alliances_t *t, const alliance_t *in,
				   const alliance_env_t *env, alliance_t *after, char *err,
				   size_t errlen)
{
	if (alliances_get(t, in->id) != NULL)
		return model_fail(err, errlen, VA_ALREADY_EXISTS, "alliance '%s' already exists",
				  in->id);
	if (in->n_members < 2)
		return model_fail(err, errlen, VA_INVALID_ARGUMENT,
				  "alliance.members: an alliance needs two or more members, "
				  "got %zu",
				  in->n_members);
	for (size_t i = 0; i < in->n_members; i++) {
		if (!env->centre_exists(env->arg, in->members[i].centre))
			return model_fail(err, errlen, VA_NOT_FOUND,
					  "alliance.members: no centre '%s'",
					  in->members[i].centre);
		for (size_t j = 0; j < i; j++)
			if (strcmp(in->members[i].centre, in->members[j].centre) == 0)
				return model_fail(err, errlen, VA_INVALID_ARGUMENT,
						  "alliance.members: '%s' is listed twice",
						  in->members[i].centre);
	}
	if (in->sector != NULL && in->sector[0] != '\0' &&
	    !env->sector_exists(env->arg, in->sector))
		return model_fail(err, errlen, VA_NOT_FOUND, "alliance.sector: no sector '%s'",
				  in->sector);
	alliance_copy(after, in);
	for (size_t i = 0; i <= ROADMAP_MAX; i++)
		free(after->steps[i].actor);
	memset(after->steps, 0, sizeof after->steps);
	after->stage = ROADMAP_CREATED;
	if (after->adopted == 0)
		for (int k = 1; k <= COMMITMENT_MAX; k++)
			after->adopted |= 1u << k;
	mou_release(&after->mou);
	for (size_t i = 0; i < after->n_members; i++) {
		free(after->members[i].signed_hash);
		free(after->members[i].signed_by);
		after->members[i].signed_hash = NULL;
		after->members[i].signed_by = NULL;
		after->members[i].signed_ms = 0;
	}
	after->visit_virtual = false;
	after->visit_ms = 0;
	free(after->visit_ref);
	after->visit_ref = NULL;
	alliance__reach(after, ROADMAP_CREATED, env);
	/* Contact points given at creation may already complete step 1. */
	{
		char who[8];
		alliance__missing_contacts(after, who, sizeof who);
		if (who[0] == '\0')
			alliance__reach(after, ROADMAP_CONTACT_POINT, env);
	}
	return 0;
}

int alliance_decide(const alliances_t *t, const cmd_t *cmd, const alliance_env_t *env,
		    alliance_t *after, ev_type_t *type, char *err, size_t errlen)
{
	const alliance_cmd_t *in = &cmd->u.acmd;
	const alliance_t *cur;
	alliance_member_t *m;
	char who[256];
	commitment_t k;

	if (cmd->type == CMD_ALLIANCE_CREATE) {
		*type = EV_ALLIANCE_CREATED;
		return alliance__decide_create(t, &cmd->u.alliance, env, after, err, errlen);
	}
	cur = alliances_get(t, in->alliance);
	if (cur == NULL)
		return model_fail(err, errlen, VA_NOT_FOUND, "alliance '%s' not found",
				  in->alliance);
	switch (cmd->type) {
	case CMD_ALLIANCE_JOIN:
		if (!env->centre_exists(env->arg, in->centre))
			return model_fail(err, errlen, VA_NOT_FOUND, "centre '%s' not found",
					  in->centre);
		if (alliance__member(cur, in->centre) != NULL)
			return model_fail(err, errlen, VA_ALREADY_EXISTS,
					  "alliance '%s': centre '%s' is already a member", cur->id,
					  in->centre);
		if (cur->stage == ROADMAP_MOU)
			return model_fail(err, errlen, VA_FAILED_PRECONDITION,
					  "alliance '%s': the MoU is signed; no new members",
					  cur->id);
		alliance_copy(after, cur);
		after->members = realloc(after->members, (after->n_members + 1) * sizeof *m);
		if (after->members == NULL)
			abort();
		m = &after->members[after->n_members++];
		memset(m, 0, sizeof *m);
		m->centre = model_strdup(in->centre);
		*type = EV_ALLIANCE_MEMBER_JOINED;
		return 0;
	case CMD_ALLIANCE_LEAVE:
		if (alliance__member(cur, in->centre) == NULL)
			return model_fail(err, errlen, VA_NOT_FOUND,
					  "alliance '%s': centre '%s' is not a member", cur->id,
					  in->centre);
		if (cur->n_members <= 2)
			return model_fail(err, errlen, VA_FAILED_PRECONDITION,
					  "alliance '%s': an alliance needs two or more members; "
					  "'%s' cannot leave",
					  cur->id, in->centre);
		alliance_copy(after, cur);
		m = alliance__member(after, in->centre);
		free(m->centre);
		free(m->contact);
		strlist_release(&m->channels);
		memmove(m, m + 1, (size_t)(after->members + after->n_members - m - 1) * sizeof *m);
		after->n_members--;
		*type = EV_ALLIANCE_MEMBER_LEFT;
		return 0;
	case CMD_ALLIANCE_CONTACT:
		if (alliance__member(cur, in->centre) == NULL)
			return model_fail(err, errlen, VA_NOT_FOUND,
					  "alliance '%s': centre '%s' is not a member", cur->id,
					  in->centre);
		alliance_copy(after, cur);
		m = alliance__member(after, in->centre);
		free(m->contact);
		m->contact = model_strdup(in->contact);
		strlist_release(&m->channels);
		strlist_copy(&m->channels, &in->channels);
		*type = EV_ALLIANCE_CONTACT_DESIGNATED;
		alliance__missing_contacts(after, who, sizeof who);
		if (after->stage == ROADMAP_CREATED && who[0] == '\0')
			alliance__reach(after, ROADMAP_CONTACT_POINT, env);
		return 0;
	case CMD_ALLIANCE_AGREE:
		if (cur->stage != ROADMAP_CONTACT_POINT) {
			if (cur->stage > ROADMAP_CONTACT_POINT)
				return model_fail(err, errlen, VA_FAILED_PRECONDITION,
						  "alliance '%s': the agreement is already "
						  "recorded (stage '%s')",
						  cur->id, roadmap_step_slug(cur->stage));
			alliance__missing_contacts(cur, who, sizeof who);
			return model_fail(err, errlen, VA_FAILED_PRECONDITION,
					  "alliance '%s': agreement needs a contact point for "
					  "every member; missing: %s",
					  cur->id, who);
		}
		k = alliance__missing_commitment(cur, env->commitments, who, sizeof who);
		if (k != COMMITMENT_UNSPECIFIED)
			return model_fail(err, errlen, VA_FAILED_PRECONDITION,
					  "alliance '%s': agreement needs every member to "
					  "confirm '%s'; missing: %s",
					  cur->id, commitment_slug(k), who);
		alliance_copy(after, cur);
		alliance__reach(after, ROADMAP_AGREEMENT, env);
		*type = EV_ALLIANCE_STEP_REACHED;
		return 0;
	case CMD_ALLIANCE_VISIT:
		if (cur->stage != ROADMAP_AGREEMENT)
			return model_fail(err, errlen, VA_FAILED_PRECONDITION,
					  "alliance '%s': mutual visit needs the agreement "
					  "first (stage '%s')",
					  cur->id, roadmap_step_slug(cur->stage));
		if (in->visit_virtual ? (in->visit_ref == NULL || in->visit_ref[0] == '\0')
				      : in->visit_ms <= 0)
			return model_fail(err, errlen, VA_INVALID_ARGUMENT, "%s",
					  in->visit_virtual
					      ? "visit.reference: a virtual visit needs a reference"
					      : "visit.date: an on-site visit needs a date");
		alliance_copy(after, cur);
		after->visit_virtual = in->visit_virtual;
		after->visit_ms = in->visit_virtual ? 0 : in->visit_ms;
		free(after->visit_ref);
		after->visit_ref = model_strdup(in->visit_virtual ? in->visit_ref : "");
		alliance__reach(after, ROADMAP_MUTUAL_VISIT, env);
		*type = EV_ALLIANCE_STEP_REACHED;
		return 0;
	case CMD_MOU_DRAFT:
		return alliance__decide_mou_draft(cur, in, env, after, type, err, errlen);
	case CMD_MOU_SIGN:
		return alliance__decide_mou_sign(cur, in, env, after, type, err, errlen);
	case CMD_ALLIANCE_CREATE:
	case CMD_PARTNER_REGISTER:
	case CMD_PARTNER_UPDATE:
	case CMD_CENTRE_REGISTER:
	case CMD_CENTRE_UPDATE:
	case CMD_SECTOR_DEFINE:
	case CMD_INTEREST_MARK:
	case CMD_COMMITMENT_CONFIRM:
	case CMD_COMMITMENT_WITHDRAW:
	default: /* the commands of other nouns */
		break;
	}
	return model_fail(err, errlen, VA_INVALID_ARGUMENT, "not an alliance command");
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
		dst->members = model_xrealloc(NULL, src->n_members * sizeof *dst->members);
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
