/*
 * defaults - see defaults.h; the file format is described at the top of
 * daemon/data/defaults.zpl.
 */
#include <czmq.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/error.h>

#include "codec/codec.h"
#include "defaults.h"

static int defaults__fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int defaults__fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -VA_INVALID_ARGUMENT;
}

static cmd_t *defaults__push(cmd_t **cmds, size_t *n, cmd_type_t type)
{
	cmd_t *v = realloc(*cmds, (*n + 1) * sizeof **cmds);

	if (v == NULL)
		abort();
	*cmds = v;
	memset(&v[*n], 0, sizeof v[*n]);
	v[*n].type = type;
	return &v[(*n)++];
}

static const char *defaults__get(zconfig_t *node, const char *key)
{
	return zconfig_get(node, key, "");
}

int defaults_parse(const char *zpl, cmd_t **cmds_p, size_t *n_p, char *err, size_t errlen)
{
	zconfig_t *root = zconfig_str_load(zpl), *sec;
	cmd_t *cmds = NULL;
	size_t n = 0;
	int rc = 0;

	*cmds_p = NULL;
	*n_p = 0;
	if (root == NULL)
		return defaults__fail(err, errlen, "reference data: not valid ZPL");

	sec = zconfig_locate(root, "partners");
	for (zconfig_t *p = sec ? zconfig_child(sec) : NULL; p; p = zconfig_next(p)) {
		cmd_t *c = defaults__push(&cmds, &n, CMD_PARTNER_REGISTER);
		const char *tz = defaults__get(p, "time_zone");
		c->u.partner.id = model_strdup(zconfig_name(p));
		c->u.partner.name = model_strdup(defaults__get(p, "name"));
		c->u.partner.country = model_strdup(defaults__get(p, "country"));
		c->u.partner.time_zone = model_strdup(tz);
		c->u.partner.region = model_strdup(defaults__get(p, "region"));
		if (*c->u.partner.name == '\0' || strlen(c->u.partner.country) != 2) {
			rc = defaults__fail(
			    err, errlen, "reference data: partners/%s needs a name and a country",
			    zconfig_name(p));
			goto out;
		}
		if (!codec_time_zone_valid(tz)) {
			rc = defaults__fail(err, errlen,
					    "reference data: partners/%s/time_zone: '%s' is not a "
					    "time zone of the tz database",
					    zconfig_name(p), tz);
			goto out;
		}
	}

	sec = zconfig_locate(root, "sectors");
	for (zconfig_t *s = sec ? zconfig_child(sec) : NULL; s; s = zconfig_next(s)) {
		cmd_t *c = defaults__push(&cmds, &n, CMD_SECTOR_DEFINE);
		c->u.sector.id = model_strdup(zconfig_name(s));
		c->u.sector.name = model_strdup(defaults__get(s, "name"));
		c->u.sector.focus = atoi(defaults__get(s, "focus")) != 0;
		if (*c->u.sector.name == '\0') {
			rc = defaults__fail(err, errlen, "reference data: sectors/%s needs a name",
					    zconfig_name(s));
			goto out;
		}
	}

	sec = zconfig_locate(root, "interest");
	for (zconfig_t *s = sec ? zconfig_child(sec) : NULL; s; s = zconfig_next(s)) {
		for (zconfig_t *p = zconfig_child(s); p; p = zconfig_next(p)) {
			cmd_t *c = defaults__push(&cmds, &n, CMD_INTEREST_MARK);
			const char *note = zconfig_value(p);
			c->u.interest.partner = model_strdup(zconfig_name(p));
			c->u.interest.sector = model_strdup(zconfig_name(s));
			c->u.interest.interested = true;
			c->u.interest.note = model_strdup(note ? note : "");
		}
	}
out:
	zconfig_destroy(&root);
	if (rc < 0) {
		defaults_free(&cmds, n);
		return rc;
	}
	*cmds_p = cmds;
	*n_p = n;
	return 0;
}

void defaults_free(cmd_t **cmds_p, size_t n)
{
	if (cmds_p == NULL || *cmds_p == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		cmd_release(&(*cmds_p)[i]);
	free(*cmds_p);
	*cmds_p = NULL;
}
