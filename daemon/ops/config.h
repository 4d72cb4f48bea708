/*
 * config - the daemon's settings: compiled-in defaults, then the
 * configuration file (ZPL, read with czmq's zconfig), then command-line
 * flags, each overriding the one before.
 *
 * The file (default /etc/vetalliance/vetalliance.conf, see
 * systemd/vetalliance.conf for every key):
 *
 *   daemon
 *       cmd_endpoint = "tcp://127.0.0.1:7700"
 *       pub_endpoint = "tcp://127.0.0.1:7701"
 *       state_dir = "/var/lib/vetalliance"
 *       defaults = "/usr/share/vetalliance/defaults.zpl"
 *       log_level = info
 *       status_interval = 10
 *   journal
 *       segment_size = 67108864
 *       snapshot_every = 1000000
 *       snapshot_bytes = 268435456
 *   limits
 *       max_msg_size = 65536
 *       dedup_window = 100000
 *       string_max = 256
 *       list_max = 64
 *       alliance_members = 64
 *       in_flight = 100000
 *   security
 *       server_key = "/etc/vetalliance/keys/server.key_secret"
 *       principals = "/etc/vetalliance/principals"
 *       require_keys = 0
 *   mobility
 *       rules = "/usr/share/vetalliance/rules.zpl"
 *   sessions
 *       reminders = "1440,60"     minutes before each session (and each
 *                                 deadline without its own offsets)
 *
 * A key is named by its path, "journal/snapshot_every"; command-line
 * flags set the same keys.  Unknown sections and keys are errors (a typo
 * must not silently keep a default).  Reloadable at run time (SIGHUP):
 * daemon/log_level, daemon/status_interval, journal/snapshot_every,
 * journal/snapshot_bytes; a
 * changed value of any other key is reported and ignored until a restart.
 */
#ifndef VA_CONFIG_H
#define VA_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PATH "/etc/vetalliance/vetalliance.conf"

typedef struct config {
	char *cmd_endpoint;
	char *pub_endpoint;
	char *state_dir;
	char *defaults_path; /* NULL: the compiled-in reference data */
	int log_level;
	unsigned status_interval; /* seconds between STATUS= lines; 0: none */
	uint64_t segment_size;
	uint64_t snapshot_every;
	uint64_t snapshot_bytes;
	int max_msg_size;
	uint64_t dedup_window;
	/* docs/SECURITY.md */
	unsigned string_max;
	unsigned list_max;
	unsigned alliance_members;
	unsigned in_flight;
	char *server_key; /* NULL: $CREDENTIALS_DIRECTORY/server.key_secret if present */
	char *principals; /* NULL: no principals file */
	unsigned require_keys;
	char *rules_path; /* mobility/rules; NULL: the compiled-in partner rules */
	char *reminders;  /* sessions/reminders, minutes "1440,60" */
} config_t;

/* One "key = value" from the command line. */
typedef struct config_override {
	const char *key;
	const char *value;
} config_override_t;

/* config_init - the compiled-in defaults.  Returns 0 or -VA_INVALID_ARGUMENT.
 * Release with config_release(). */
int config_init(config_t *cfg);

void config_release(config_t *cfg);

/*
 * config_set - set one key ("journal/snapshot_every") from its text.
 * Returns 0, or -VA_INVALID_ARGUMENT with a message naming the key in err.
 */
int config_set(config_t *cfg, const char *key, const char *value, char *err, size_t errlen);

/*
 * config_load - defaults, then the file at path, then the overrides.
 *   path      NULL: CONFIG_DEFAULT_PATH, which may be missing.  An
 *             explicit path must exist.
 * Returns 0 and fills *cfg (release with config_release()), or
 * -VA_INVALID_ARGUMENT with a message naming the file and key in err (*cfg is then released).
 */
int config_load(config_t *cfg, const char *path, const config_override_t *overrides,
		size_t n_overrides, char *err, size_t errlen);

/*
 * config_reload - take the reloadable values of `next` into `cur` and log
 * each change; log a warning for each other key whose value differs (it
 * keeps its current value).  Returns the number of values applied.
 */
int config_reload(config_t *cur, const config_t *next);

/* config_read_text - the whole file at path, NUL-terminated, in a
 * malloc'd buffer the caller frees; NULL with a message naming the file
 * in err.  (Also reads the principals file, principals.h.) */
char *config_read_text(const char *path, char *err, size_t errlen);

#endif
