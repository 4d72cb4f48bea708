/*
 * config - see config.h.
 *
 * Every key is one row of `keys`: its path, its type, where it lives in
 * config_t, whether SIGHUP may change it, and its bounds.  The file, the
 * command line and reload all go through config_set(), so a value is
 * judged the same way wherever it comes from.
 */
#include <czmq.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vetalliance/client.h>

#include <vetalliance/error.h>

#include "ops/config.h"
#include "log.h"
#include "state/session.h"

typedef enum {
	KEY_ENDPOINT,
	KEY_PATH,
	KEY_LOG_LEVEL,
	KEY_U64,
	KEY_INT,
	KEY_UINT,
	KEY_OFFSETS, /* minutes, "1440,60" */
} key_type_t;

typedef struct config_key {
	const char *name;
	key_type_t type;
	size_t offset;
	int reloadable;
	uint64_t min, max; /* numbers */
	const char *what;  /* for messages: "a size in bytes >= 4096" */
} config_key_t;

#define OFF(field) offsetof(config_t, field)

static const config_key_t keys[] = {
    {"daemon/cmd_endpoint", KEY_ENDPOINT, OFF(cmd_endpoint), 0, 0, 0, "an endpoint"},
    {"daemon/pub_endpoint", KEY_ENDPOINT, OFF(pub_endpoint), 0, 0, 0, "an endpoint"},
    {"daemon/state_dir", KEY_PATH, OFF(state_dir), 0, 0, 0, "a directory"},
    {"daemon/defaults", KEY_PATH, OFF(defaults_path), 0, 0, 0, "a file"},
    {"daemon/log_level", KEY_LOG_LEVEL, OFF(log_level), 1, 0, 0,
     "a log level (error, warning, notice, info, debug)"},
    {"daemon/status_interval", KEY_UINT, OFF(status_interval), 1, 0, 86400,
     "a number of seconds, 0..86400"},
    {"journal/segment_size", KEY_U64, OFF(segment_size), 0, 4096, UINT64_MAX,
     "a size in bytes >= 4096"},
    {"journal/snapshot_every", KEY_U64, OFF(snapshot_every), 1, 0, UINT64_MAX,
     "an event count (0: never)"},
    {"journal/snapshot_bytes", KEY_U64, OFF(snapshot_bytes), 1, 0, UINT64_MAX,
     "a journal size in bytes (0: never)"},
    {"limits/max_msg_size", KEY_INT, OFF(max_msg_size), 0, 1024, INT32_MAX,
     "a size in bytes >= 1024"},
    {"limits/dedup_window", KEY_U64, OFF(dedup_window), 0, 1, UINT64_MAX, "a count >= 1"},
    {"limits/string_max", KEY_UINT, OFF(string_max), 0, 32, 65536, "a size in bytes, 32..65536"},
    {"limits/list_max", KEY_UINT, OFF(list_max), 0, 2, 100000, "a count, 2..100000"},
    {"limits/alliance_members", KEY_UINT, OFF(alliance_members), 0, 2, 100000,
     "a count, 2..100000"},
    {"limits/in_flight", KEY_UINT, OFF(in_flight), 0, 1, 1000000, "a count, 1..1000000"},
    {"security/server_key", KEY_PATH, OFF(server_key), 0, 0, 0, "a certificate file"},
    {"security/principals", KEY_PATH, OFF(principals), 0, 0, 0, "a principals file"},
    {"security/require_keys", KEY_UINT, OFF(require_keys), 0, 0, 1, "0 or 1"},
    /* The partner rules file; SIGHUP re-reads it */
    {"mobility/rules", KEY_PATH, OFF(rules_path), 0, 0, 0, "a file"},
    {"sessions/reminders", KEY_OFFSETS, OFF(reminders), 0, 0, 0,
     "a list of minutes before a session, e.g. 1440,60"},
};

#define N_KEYS (sizeof keys / sizeof keys[0])

static const config_key_t *config__key(const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

int config_init(config_t *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->cmd_endpoint = strdup(VA_DEFAULT_CMD_ENDPOINT);
	cfg->pub_endpoint = strdup(VA_DEFAULT_PUB_ENDPOINT);
	cfg->state_dir = strdup("./var");
	cfg->log_level = VA_LOG_INFO;
	cfg->status_interval = 10;
	cfg->segment_size = 64ull << 20;
	cfg->snapshot_every = 1000000;
	cfg->snapshot_bytes = 256ull << 20;
	cfg->max_msg_size = 65536;
	cfg->dedup_window = 100000;
	cfg->string_max = 256;
	cfg->list_max = 64;
	cfg->alliance_members = 64;
	cfg->in_flight = 100000;
	cfg->reminders = strdup(REMINDER_DEFAULT_OFFSETS);
	if (cfg->cmd_endpoint == NULL || cfg->pub_endpoint == NULL || cfg->state_dir == NULL ||
	    cfg->reminders == NULL) {
		config_release(cfg);
		return -VA_INVALID_ARGUMENT;
	}
	return 0;
}

void config_release(config_t *cfg)
{
	free(cfg->cmd_endpoint);
	free(cfg->pub_endpoint);
	free(cfg->state_dir);
	free(cfg->defaults_path);
	free(cfg->server_key);
	free(cfg->principals);
	free(cfg->rules_path);
	free(cfg->reminders);
	memset(cfg, 0, sizeof *cfg);
}

static int config__number(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -VA_INVALID_ARGUMENT;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -VA_INVALID_ARGUMENT;
	*out = v;
	return 0;
}

int config_set(config_t *cfg, const char *name, const char *value, char *err, size_t errlen)
{
	const config_key_t *k = config__key(name);
	char *field;
	uint64_t n;
	int level;

	if (k == NULL) {
		snprintf(err, errlen, "'%s': unknown key", name);
		return -VA_INVALID_ARGUMENT;
	}
	if (value == NULL)
		value = "";
	field = (char *)cfg + k->offset;
	switch (k->type) {
	case KEY_ENDPOINT:
	case KEY_PATH:
	case KEY_OFFSETS: {
		uint32_t offs[REMINDER_OFFSETS_MAX];
		char *dup;
		if (value[0] == '\0' || (k->type == KEY_ENDPOINT && strstr(value, "://") == NULL))
			goto bad;
		if (k->type == KEY_OFFSETS &&
		    session_offsets_parse(value, offs, REMINDER_OFFSETS_MAX) < 0)
			goto bad;
		dup = strdup(value);
		if (dup == NULL) {
			snprintf(err, errlen, "out of memory");
			return -VA_INVALID_ARGUMENT;
		}
		free(*(char **)field);
		*(char **)field = dup;
		return 0;
	}
	case KEY_LOG_LEVEL:
		level = log_level_parse(value);
		if (level < 0)
			goto bad;
		*(int *)field = level;
		return 0;
	case KEY_U64:
	case KEY_INT:
	case KEY_UINT:
		if (config__number(value, &n) < 0 || n < k->min || n > k->max)
			goto bad;
		if (k->type == KEY_U64)
			*(uint64_t *)field = n;
		else if (k->type == KEY_INT)
			*(int *)field = (int)n;
		else
			*(unsigned *)field = (unsigned)n;
		return 0;
	}
bad:
	snprintf(err, errlen, "'%s': '%s' is not %s", name, value, k->what);
	return -VA_INVALID_ARGUMENT;
}

/* Every leaf of the file, as "section/key", through config_set(). */
static int config__apply_file(config_t *cfg, const char *path, zconfig_t *root, char *err,
			      size_t errlen)
{
	char msg[512];

	for (zconfig_t *sec = zconfig_child(root); sec != NULL; sec = zconfig_next(sec)) {
		const char *sname = zconfig_name(sec);
		if (strcmp(sname, "daemon") != 0 && strcmp(sname, "journal") != 0 &&
		    strcmp(sname, "limits") != 0 && strcmp(sname, "mobility") != 0 &&
		    strcmp(sname, "sessions") != 0 && strcmp(sname, "security") != 0) {
			snprintf(err, errlen,
				 "'%s': unknown section '%s' (daemon, journal, limits, mobility, "
				 "sessions, security)",
				 path, sname);
			return -VA_INVALID_ARGUMENT;
		}
		for (zconfig_t *key = zconfig_child(sec); key != NULL; key = zconfig_next(key)) {
			char name[256];
			snprintf(name, sizeof name, "%s/%s", sname, zconfig_name(key));
			if (zconfig_child(key) != NULL) {
				snprintf(err, errlen,
					 "'%s': '%s' has children; keys are two levels deep", path,
					 name);
				return -VA_INVALID_ARGUMENT;
			}
			if (config_set(cfg, name, zconfig_value(key), msg, sizeof msg) < 0) {
				snprintf(err, errlen, "'%s': %s", path, msg);
				return -VA_INVALID_ARGUMENT;
			}
		}
	}
	return 0;
}

char *config_read_text(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		snprintf(err, errlen, "could not read '%s': %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (cap - len < 4096) {
			char *p = realloc(buf, cap + 65536);
			if (p == NULL) {
				snprintf(err, errlen, "out of memory");
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		snprintf(err, errlen, "could not read '%s': %s", path, strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* *field = $CREDENTIALS_DIRECTORY/name when unset and that file exists. */
static int config__credential(char **field, const char *name)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char path[4096];
	struct stat sb;

	if (*field != NULL || dir == NULL || *dir == '\0')
		return 0;
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path ||
	    stat(path, &sb) < 0 || !S_ISREG(sb.st_mode))
		return 0;
	*field = strdup(path);
	return *field == NULL ? -1 : 0;
}

int config_load(config_t *cfg, const char *path, const config_override_t *overrides,
		size_t n_overrides, char *err, size_t errlen)
{
	const char *file = path != NULL ? path : CONFIG_DEFAULT_PATH;
	zconfig_t *root = NULL;
	char *text = NULL;
	struct stat sb;
	char msg[512];
	int rc = -1;

	if (config_init(cfg) < 0) {
		snprintf(err, errlen, "out of memory");
		return -VA_INVALID_ARGUMENT;
	}
	if (stat(file, &sb) < 0) {
		if (errno == ENOENT && path == NULL)
			goto overrides; /* no default file: the defaults */
		snprintf(err, errlen, "could not read '%s': %s", file, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "'%s' is not a file", file);
		goto out;
	}
	/* zconfig_str_load, not zconfig_load: czmq 4.2's zconfig_load leaks
	 * its zfile_t when the text does not parse. */
	text = config_read_text(file, err, errlen);
	if (text == NULL)
		goto out;
	root = zconfig_str_load(text);
	if (root == NULL) {
		snprintf(err, errlen,
			 "could not parse '%s' (ZPL: sections, then 'key = value' lines indented "
			 "four spaces)",
			 file);
		goto out;
	}
	if (config__apply_file(cfg, file, root, err, errlen) < 0)
		goto out;
overrides:
	for (size_t i = 0; i < n_overrides; i++)
		if (config_set(cfg, overrides[i].key, overrides[i].value, msg, sizeof msg) < 0) {
			snprintf(err, errlen, "command line: %s", msg);
			goto out;
		}
	/* systemd's LoadCredential= (the unit) hands the
	 * keys over in $CREDENTIALS_DIRECTORY; a key set explicitly wins. */
	if (config__credential(&cfg->server_key, "server.key_secret") < 0 ||
	    config__credential(&cfg->principals, "principals") < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	zconfig_destroy(&root);
	free(text);
	if (rc < 0)
		config_release(cfg);
	return rc;
}

static int config__same(const config_key_t *k, const config_t *a, const config_t *b)
{
	const char *fa = (const char *)a + k->offset, *fb = (const char *)b + k->offset;

	switch (k->type) {
	case KEY_ENDPOINT:
	case KEY_PATH:
	case KEY_OFFSETS: {
		const char *sa = *(char *const *)fa, *sb = *(char *const *)fb;
		return (sa == NULL && sb == NULL) || (sa && sb && strcmp(sa, sb) == 0);
	}
	case KEY_LOG_LEVEL:
	case KEY_INT:
		return *(const int *)fa == *(const int *)fb;
	case KEY_UINT:
		return *(const unsigned *)fa == *(const unsigned *)fb;
	case KEY_U64:
		return *(const uint64_t *)fa == *(const uint64_t *)fb;
	}
	return 1;
}

int config_reload(config_t *cur, const config_t *next)
{
	int applied = 0;

	for (size_t i = 0; i < N_KEYS; i++) {
		const config_key_t *k = &keys[i];
		if (config__same(k, cur, next))
			continue;
		if (!k->reloadable) {
			log_warn(
			    "'%s' changed in the configuration; it applies at the next restart",
			    k->name);
			continue;
		}
		/* Reloadable keys are all scalars. */
		switch (k->type) {
		case KEY_LOG_LEVEL:
		case KEY_INT:
			*(int *)((char *)cur + k->offset) =
			    *(const int *)((const char *)next + k->offset);
			break;
		case KEY_UINT:
			*(unsigned *)((char *)cur + k->offset) =
			    *(const unsigned *)((const char *)next + k->offset);
			break;
		case KEY_U64:
			*(uint64_t *)((char *)cur + k->offset) =
			    *(const uint64_t *)((const char *)next + k->offset);
			break;
		case KEY_ENDPOINT:
		case KEY_PATH:
		case KEY_OFFSETS:
			break;
		}
		log_notice("reloaded '%s'", k->name);
		applied++;
	}
	return applied;
}
