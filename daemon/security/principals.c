/*
 * principals - see principals.h.
 *
 * The table is an array in file order plus a czmq hash from the Z85 key
 * to the entry, so a lookup per message costs one hash probe.  A loaded
 * table never changes: a reload builds a new one and swaps it in, so a
 * broken file leaves the running table alone.
 */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "ops/config.h"
#include "security/principals.h"

struct principals {
	principal_t *v;
	size_t n;
	zhashx_t *by_key; /* key text -> principal_t * (borrowed from v) */
};

const char *role_name(role_t role)
{
	switch (role) {
	case ROLE_CENTRE:
		return "centre";
	case ROLE_PARTNER:
		return "partner";
	case ROLE_ADMIN:
		return "admin";
	}
	return "?";
}

static int role_parse(const char *s, role_t *out)
{
	static const struct {
		const char *name;
		role_t role;
	} roles[] = {{"centre", ROLE_CENTRE}, {"partner", ROLE_PARTNER}, {"admin", ROLE_ADMIN}};

	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(s, roles[i].name) == 0) {
			*out = roles[i].role;
			return 0;
		}
	return -VA_INVALID_ARGUMENT;
}

/* A label: 1-64 of A-Z a-z 0-9 - _ . (it becomes an event's actor). */
static int label_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PRINCIPAL_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

static int key_valid(const char *s)
{
	uint8_t bin[32];

	return strlen(s) == PRINCIPAL_KEY_LEN && zmq_z85_decode(bin, s) != NULL;
}

void principals_free(principals_t **self_p)
{
	principals_t *self;

	if (self_p == NULL || *self_p == NULL)
		return;
	self = *self_p;
	zhashx_destroy(&self->by_key);
	free(self->v);
	free(self);
	*self_p = NULL;
}

/* One section: its keys, checked; fills *p. */
static int principals__entry(zconfig_t *sec, const char *what, principal_t *p, char *err,
			     size_t errlen)
{
	const char *label = zconfig_name(sec);
	const char *key = NULL, *role = NULL, *inst = NULL;

	if (!label_valid(label)) {
		snprintf(err, errlen,
			 "%s: '%s' is not a principal label (1-%d of A-Z a-z 0-9 - _ .)", what,
			 label, PRINCIPAL_NAME_MAX);
		return -VA_INVALID_ARGUMENT;
	}
	for (zconfig_t *k = zconfig_child(sec); k != NULL; k = zconfig_next(k)) {
		const char *name = zconfig_name(k), *value = zconfig_value(k);
		const char **slot = strcmp(name, "key") == 0           ? &key
				    : strcmp(name, "role") == 0        ? &role
				    : strcmp(name, "institution") == 0 ? &inst
								       : NULL;
		if (slot == NULL || zconfig_child(k) != NULL) {
			snprintf(err, errlen,
				 "%s: principal '%s': unknown key '%s' (key, role, "
				 "institution)",
				 what, label, name);
			return -VA_INVALID_ARGUMENT;
		}
		if (*slot != NULL) {
			snprintf(err, errlen, "%s: principal '%s': '%s' given twice", what, label,
				 name);
			return -VA_INVALID_ARGUMENT;
		}
		*slot = value ? value : "";
	}
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", label);
	if (key == NULL || !key_valid(key)) {
		snprintf(err, errlen,
			 "%s: principal '%s': 'key' must be a Z85 public key of %d characters",
			 what, label, PRINCIPAL_KEY_LEN);
		return -VA_INVALID_ARGUMENT;
	}
	memcpy(p->key, key, PRINCIPAL_KEY_LEN + 1);
	if (role == NULL || role_parse(role, &p->role) < 0) {
		snprintf(err, errlen, "%s: principal '%s': 'role' must be centre, partner or admin",
			 what, label);
		return -VA_INVALID_ARGUMENT;
	}
	if (p->role == ROLE_ADMIN) {
		if (inst != NULL && *inst != '\0') {
			snprintf(err, errlen,
				 "%s: principal '%s': an admin acts for no institution; remove "
				 "'institution'",
				 what, label);
			return -VA_INVALID_ARGUMENT;
		}
	} else if (inst == NULL || *inst == '\0' || strlen(inst) >= sizeof p->institution) {
		snprintf(err, errlen,
			 "%s: principal '%s': a %s needs 'institution' (its id, 1-32 bytes)", what,
			 label, role_name(p->role));
		return -VA_INVALID_ARGUMENT;
	} else {
		memcpy(p->institution, inst, strlen(inst) + 1);
	}
	return 0;
}

principals_t *principals_parse(const char *text, const char *what, char *err, size_t errlen)
{
	zconfig_t *root = zconfig_str_load(text);
	principals_t *self = NULL;
	size_t n = 0;

	if (root == NULL) {
		snprintf(err, errlen,
			 "could not parse '%s' (ZPL: one section per principal, then 'key = "
			 "value' lines indented four spaces)",
			 what);
		return NULL;
	}
	for (zconfig_t *s = zconfig_child(root); s != NULL; s = zconfig_next(s))
		n++;
	self = calloc(1, sizeof *self);
	if (self == NULL)
		goto oom;
	self->v = calloc(n ? n : 1, sizeof *self->v);
	self->by_key = zhashx_new();
	if (self->v == NULL || self->by_key == NULL)
		goto oom;
	for (zconfig_t *s = zconfig_child(root); s != NULL; s = zconfig_next(s)) {
		principal_t *p = &self->v[self->n];
		if (principals__entry(s, what, p, err, errlen) < 0)
			goto fail;
		for (size_t i = 0; i < self->n; i++)
			if (strcmp(self->v[i].name, p->name) == 0) {
				snprintf(err, errlen, "%s: principal '%s' is defined twice", what,
					 p->name);
				goto fail;
			}
		if (zhashx_lookup(self->by_key, p->key) != NULL) {
			snprintf(err, errlen, "%s: principal '%s': key already belongs to '%s'",
				 what, p->name,
				 ((principal_t *)zhashx_lookup(self->by_key, p->key))->name);
			goto fail;
		}
		zhashx_insert(self->by_key, p->key, p);
		self->n++;
	}
	zconfig_destroy(&root);
	return self;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	zconfig_destroy(&root);
	principals_free(&self);
	return NULL;
}

principals_t *principals_load(const char *path, char *err, size_t errlen)
{
	char *text = config_read_text(path, err, errlen);
	principals_t *self;

	if (text == NULL)
		return NULL;
	self = principals_parse(text, path, err, errlen);
	free(text);
	return self;
}

const principal_t *principals_find(const principals_t *self, const char *key)
{
	if (self == NULL || key == NULL)
		return NULL;
	return zhashx_lookup(self->by_key, key);
}

size_t principals_count(const principals_t *self)
{
	return self ? self->n : 0;
}

const principal_t *principals_at(const principals_t *self, size_t i)
{
	return self && i < self->n ? &self->v[i] : NULL;
}

size_t principals_removed(const principals_t *old, const principals_t *next)
{
	size_t removed = 0;

	for (size_t i = 0; i < principals_count(old); i++)
		if (principals_find(next, old->v[i].key) == NULL)
			removed++;
	return removed;
}
