/*
 * vetallianced - the vetalliance coordination daemon.
 *
 * main() reads the configuration (config.h: defaults, the file, then the
 * flags), builds the server on one libuv loop and runs it until SIGINT or
 * SIGTERM; SIGHUP reloads the configuration.  The service manager hears
 * of each step through notify.h (READY=1, RELOADING=1, STOPPING=1,
 * STATUS=, WATCHDOG=1).  Exit codes follow sysexits(3): 0 after
 * a clean stop, 64 usage, 65 the state directory is damaged, 69 an endpoint
 * cannot be bound, 70 internal, 73 the state directory cannot be created,
 * 74 a journal write or fsync failed, 75 another daemon holds the state
 * directory, 78 configuration.
 */
#include <czmq.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>

#include "ops/config.h"
#include "ops/rules_file.h"
#include "journal.h"
#include "log.h"
#include "ops/metrics.h"
#include "ops/notify.h"
#include "security/principals.h"
#include "server.h"
#include "snapfile.h"
#include "state/session.h"

#define MAX_OVERRIDES 64

typedef struct daemon_ctx {
	uv_loop_t loop;
	uv_signal_t sigint;
	uv_signal_t sigterm;
	uv_signal_t sighup;
	uv_timer_t status_timer; /* STATUS= lines */
	server_t *server;
	notify_t notify;
	config_t cfg;            /* the running configuration */
	const char *config_path; /* --config, or NULL for the default */
	config_override_t overrides[MAX_OVERRIDES];
	size_t n_overrides;
} daemon_ctx_t;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vetallianced [options]\n"
		"\n"
		"  --config FILE       configuration file (default %s;\n"
		"                      flags override it)\n"
		"  --check-config      validate the configuration and exit (0, or 78)\n"
		"  --cmd-endpoint EP   ROUTER endpoint for commands (default %s)\n"
		"  --pub-endpoint EP   PUB endpoint for events (default %s)\n"
		"  --state-dir DIR     state directory (default ./var)\n"
		"  --defaults FILE     reference data to load into an empty state\n"
		"                      (default: the compiled-in data)\n"
		"  --rules FILE        partner rules for mobilities (default: the\n"
		"                      compiled-in rules); SIGHUP re-reads the file\n"
		"  --max-msg-size N    largest accepted request in bytes (default 65536)\n"
		"  --snapshot-every N  events between snapshots, 0 for none (default 1000000)\n"
		"  --snapshot-bytes N  journal bytes between snapshots, 0 for none\n"
		"                      (default 268435456); whichever comes first\n"
		"  --segment-size N    journal segment size in bytes (default 67108864)\n"
		"  --dedup-window N    request ids remembered for retries (default 100000)\n"
		"  --heartbeat-ms N    publish a daemon.heartbeat event every N ms, 0 for\n"
		"                      none (default 1000)\n"
		"  --server-key FILE   the daemon's secret CURVE certificate\n"
		"  --principals FILE   who may connect; with --server-key: CURVE on both\n"
		"                      endpoints (docs/SECURITY.md)\n"
		"  --require-keys      CURVE even on loopback endpoints\n"
		"  --reminders LIST    minutes before a session its reminders go out\n"
		"                      (default 1440,60)\n"
		"  --verify            check the state directory offline, print what was\n"
		"                      found and exit (0 sound, 65 damaged)\n"
		"  --log-level LEVEL   error, warning, notice, info or debug (default info)\n"
		"  --version           print the version and exit\n"
		"  --help              print this help and exit\n",
		CONFIG_DEFAULT_PATH, VA_DEFAULT_CMD_ENDPOINT, VA_DEFAULT_PUB_ENDPOINT);
}

/* The one-line summary for STATUS= (systemctl status). */
static void status_line(daemon_ctx_t *d, char *buf, size_t len)
{
	metrics_status_t st;

	server_status(d->server, &st);
	snprintf(buf, len,
		 "serving: last seq %llu, %llu events committed, %u client%s, %.1f requests/s",
		 (unsigned long long)st.last_seq, (unsigned long long)st.committed_events, st.peers,
		 st.peers == 1 ? "" : "s", st.commands_per_second);
}

static void on_status_timer(uv_timer_t *t)
{
	daemon_ctx_t *d = t->data;
	char line[256];

	status_line(d, line, sizeof line);
	notify_send(&d->notify, "STATUS=%s", line);
}

static void status_timer_restart(daemon_ctx_t *d)
{
	uint64_t ms = (uint64_t)d->cfg.status_interval * 1000;

	uv_timer_stop(&d->status_timer);
	if (d->notify.fd >= 0 && ms > 0)
		uv_timer_start(&d->status_timer, on_status_timer, ms, ms);
}

/* SIGHUP: read the file again; a bad file keeps the running values. */
static void on_sighup(uv_signal_t *sig, int signum)
{
	daemon_ctx_t *d = sig->data;
	struct timespec now;
	config_t next;
	char err[1024], line[256];

	(void)signum;
	clock_gettime(CLOCK_MONOTONIC, &now);
	notify_send(&d->notify, "RELOADING=1\nMONOTONIC_USEC=%llu",
		    (unsigned long long)now.tv_sec * 1000000ull +
			(unsigned long long)now.tv_nsec / 1000ull);
	log_notice("received SIGHUP, reloading the configuration from '%s'",
		   d->config_path ? d->config_path : CONFIG_DEFAULT_PATH);
	if (config_load(&next, d->config_path, d->overrides, d->n_overrides, err, sizeof err) < 0) {
		log_err("configuration not reloaded, keeping the running one: %s", err);
	} else {
		int applied = config_reload(&d->cfg, &next);
		config_release(&next);
		log_set_level(d->cfg.log_level);
		server_set_snapshot_policy(d->server, d->cfg.snapshot_every, d->cfg.snapshot_bytes);
		status_timer_restart(d);
		log_notice("configuration reloaded: %d value%s changed", applied,
			   applied == 1 ? "" : "s");
	}
	/* The principals too; a broken file keeps the
	 * running ones. */
	if (d->cfg.server_key != NULL || d->cfg.principals != NULL || d->cfg.require_keys) {
		size_t count, removed;
		if (server_reload_principals(d->server, &count, &removed, err, sizeof err) < 0)
			log_err("principals not reloaded, keeping the running ones: %s", err);
	}
	/* The partner rules; a broken file keeps the old
	 * ones (server_rules_reload logs why) */
	server_rules_reload(d->server, err, sizeof err);
	status_line(d, line, sizeof line);
	notify_send(&d->notify, "READY=1\nSTATUS=%s", line);
}

static void on_signal(uv_signal_t *sig, int signum)
{
	daemon_ctx_t *d = sig->data;

	log_notice("received %s, stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
	notify_send(&d->notify, "STOPPING=1\nSTATUS=draining: finishing the commits in flight");
	server_stop(d->server);
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sighup, NULL);
	uv_close((uv_handle_t *)&d->status_timer, NULL);
	notify_release(&d->notify);
}

/* --verify: read-only report on a state directory. */
static int verify_state_dir(const char *dir)
{
	char err[1024];
	int rc_snap, rc_journal;

	printf("state directory '%s'\n", dir);
	rc_snap = snapfile_verify(dir, stdout, err, sizeof err);
	if (rc_snap < 0 && rc_snap != -VA_FAILED_PRECONDITION) {
		fprintf(stderr, "vetallianced: %s\n", err);
		return rc_snap == -VA_NOT_FOUND ? 66 : 74;
	}
	rc_journal = journal_verify(dir, stdout, err, sizeof err);
	if (rc_journal < 0)
		printf("damage: %s\n", err);
	if (rc_snap < 0 || rc_journal < 0) {
		printf("verdict: damaged\n");
		return 65;
	}
	printf("verdict: sound\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"cmd-endpoint", required_argument, NULL, 'c'},
	    {"pub-endpoint", required_argument, NULL, 'p'},
	    {"state-dir", required_argument, NULL, 's'},
	    {"defaults", required_argument, NULL, 'd'},
	    {"max-msg-size", required_argument, NULL, 'm'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"snapshot-every", required_argument, NULL, 'S'},
	    {"snapshot-bytes", required_argument, NULL, 'B'},
	    {"segment-size", required_argument, NULL, 'G'},
	    {"dedup-window", required_argument, NULL, 'D'},
	    {"verify", no_argument, NULL, 'v'},
	    {"heartbeat-ms", required_argument, NULL, 'H'},
	    {"server-key", required_argument, NULL, 'k'},
	    {"principals", required_argument, NULL, 'P'},
	    {"require-keys", no_argument, NULL, 'q'},
	    {"rules", required_argument, NULL, 'R'},
	    {"reminders", required_argument, NULL, 'M'},
	    {"config", required_argument, NULL, 'C'},
	    {"check-config", no_argument, NULL, 'K'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	/* Each flag that sets a configuration key, and the key. */
	static const struct {
		int ch;
		const char *flag, *key;
	} flag_keys[] = {
	    {'c', "--cmd-endpoint", "daemon/cmd_endpoint"},
	    {'p', "--pub-endpoint", "daemon/pub_endpoint"},
	    {'s', "--state-dir", "daemon/state_dir"},
	    {'d', "--defaults", "daemon/defaults"},
	    {'m', "--max-msg-size", "limits/max_msg_size"},
	    {'l', "--log-level", "daemon/log_level"},
	    {'S', "--snapshot-every", "journal/snapshot_every"},
	    {'B', "--snapshot-bytes", "journal/snapshot_bytes"},
	    {'G', "--segment-size", "journal/segment_size"},
	    {'D', "--dedup-window", "limits/dedup_window"},
	    {'k', "--server-key", "security/server_key"},
	    {'P', "--principals", "security/principals"},
	    {'q', "--require-keys", "security/require_keys"},
	    {'R', "--rules", "mobility/rules"},
	    {'M', "--reminders", "sessions/reminders"},
	};
	server_options_t opt;
	int verify = 0, check_config = 0;
	long heartbeat_ms = 1000; /* --heartbeat-ms (not a config key yet) */
	daemon_ctx_t d;
	config_t scratch;
	char err[1024];
	int ch, exit_code = 0;

	memset(&d, 0, sizeof d);
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		size_t k;

		for (k = 0; k < sizeof flag_keys / sizeof flag_keys[0]; k++)
			if (flag_keys[k].ch == ch)
				break;
		if (k < sizeof flag_keys / sizeof flag_keys[0]) {
			/* Judged now, so a bad flag is a usage error (64), not a
			 * configuration error (78). */
			if (config_init(&scratch) < 0)
				return 70;
			if (config_set(&scratch, flag_keys[k].key, optarg ? optarg : "1", err,
				       sizeof err) < 0 ||
			    d.n_overrides == MAX_OVERRIDES) {
				fprintf(stderr, "vetallianced: %s: %s\n", flag_keys[k].flag,
					d.n_overrides == MAX_OVERRIDES ? "too many flags" : err);
				config_release(&scratch);
				return 64;
			}
			config_release(&scratch);
			d.overrides[d.n_overrides].key = flag_keys[k].key;
			d.overrides[d.n_overrides++].value = optarg ? optarg : "1";
			continue;
		}
		switch (ch) {
		case 'v':
			verify = 1;
			break;
		case 'H': {
			char *end;
			heartbeat_ms = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || heartbeat_ms < 0 ||
			    heartbeat_ms > 3600000) {
				fprintf(stderr,
					"vetallianced: --heartbeat-ms: expected 0..3600000, "
					"got '%s'\n",
					optarg);
				return 64;
			}
			break;
		}
		case 'C':
			d.config_path = optarg;
			break;
		case 'K':
			check_config = 1;
			break;
		case 'V':
			printf("vetallianced %s\n", VA_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 64;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vetallianced: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 64;
	}

	if (config_load(&d.cfg, d.config_path, d.overrides, d.n_overrides, err, sizeof err) < 0) {
		fprintf(stderr, "vetallianced: %s\n", err);
		return 78;
	}
	if (check_config && d.cfg.principals != NULL) {
		/* The principals file is judged too */
		principals_t *pr = principals_load(d.cfg.principals, err, sizeof err);
		if (pr == NULL) {
			fprintf(stderr, "vetallianced: %s\n", err);
			config_release(&d.cfg);
			return 78;
		}
		printf("principals '%s': %zu principal(s)\n", d.cfg.principals,
		       principals_count(pr));
		principals_free(&pr);
	}
	if (check_config) {
		/* The rules file is part of the configuration */
		rules_t *rules = NULL;
		if (rules_load(d.cfg.rules_path, &rules, err, sizeof err) < 0) {
			fprintf(stderr, "vetallianced: %s\n", err);
			config_release(&d.cfg);
			return 78;
		}
		rules_free(&rules);
		printf("configuration '%s' is valid\n",
		       d.config_path ? d.config_path : CONFIG_DEFAULT_PATH);
		config_release(&d.cfg);
		return 0;
	}
	log_set_level(d.cfg.log_level);
	memset(&opt, 0, sizeof opt);
	opt.cmd_endpoint = d.cfg.cmd_endpoint;
	opt.pub_endpoint = d.cfg.pub_endpoint;
	opt.state_dir = d.cfg.state_dir;
	opt.defaults_path = d.cfg.defaults_path;
	opt.max_msg_size = d.cfg.max_msg_size;
	opt.snapshot_every = d.cfg.snapshot_every;
	opt.snapshot_bytes = d.cfg.snapshot_bytes;
	opt.segment_max_bytes = d.cfg.segment_size;
	opt.dedup_window = (size_t)d.cfg.dedup_window;
	opt.heartbeat_ms = (uint32_t)heartbeat_ms;
	opt.server_key = d.cfg.server_key;
	opt.principals = d.cfg.principals;
	opt.require_keys = (int)d.cfg.require_keys;
	opt.string_max = d.cfg.string_max;
	opt.list_max = d.cfg.list_max;
	opt.alliance_members_max = d.cfg.alliance_members;
	opt.in_flight_max = d.cfg.in_flight;
	opt.rules_path = d.cfg.rules_path;
	/* checked when the configuration was read */
	opt.n_reminder_offsets = (size_t)session_offsets_parse(
	    d.cfg.reminders, opt.reminder_offsets, REMINDER_OFFSETS_MAX);

	if (verify) {
		exit_code = verify_state_dir(opt.state_dir);
		config_release(&d.cfg);
		return exit_code;
	}

	signal(SIGPIPE, SIG_IGN);
	/* A file-size limit must show up as EFBIG from write(), which the
	 * journal handles like a full disk, not as a fatal signal. */
	signal(SIGXFSZ, SIG_IGN);
	/* czmq must not install its own SIGINT handler: the loop owns signals. */
	zsys_handler_set(NULL);

	if (notify_init(&d.notify, err, sizeof err) < 0)
		log_warn("not notifying the service manager: %s", err);
	uv_loop_init(&d.loop);
	d.server = server_new(&d.loop, &opt, &exit_code, err, sizeof err);
	if (d.server == NULL) {
		log_err("%s", err);
		notify_send(&d.notify, "STATUS=failed to start: %s\nERRNO=0", err);
		notify_release(&d.notify);
		uv_loop_close(&d.loop);
		zsys_shutdown();
		config_release(&d.cfg);
		return exit_code;
	}
	uv_signal_init(&d.loop, &d.sigint);
	uv_signal_init(&d.loop, &d.sigterm);
	d.sigint.data = d.sigterm.data = &d;
	uv_signal_start(&d.sigint, on_signal, SIGINT);
	uv_signal_start(&d.sigterm, on_signal, SIGTERM);
	uv_signal_init(&d.loop, &d.sighup);
	d.sighup.data = &d;
	uv_signal_start(&d.sighup, on_sighup, SIGHUP);
	uv_timer_init(&d.loop, &d.status_timer);
	d.status_timer.data = &d;
	log_notice("vetallianced %s ready, last seq %llu", VA_VERSION,
		   (unsigned long long)server_last_seq(d.server));
	{
		char line[256];
		status_line(&d, line, sizeof line);
		notify_send(&d.notify, "READY=1\nMAINPID=%ld\nSTATUS=%s", (long)getpid(), line);
	}
	notify_watchdog_start(&d.notify, &d.loop);
	status_timer_restart(&d);

	uv_run(&d.loop, UV_RUN_DEFAULT);

	server_free(&d.server);
	if (uv_loop_close(&d.loop) != 0)
		log_warn("the loop closed with handles still open");
	zsys_shutdown();
	config_release(&d.cfg);
	log_info("stopped");
	return 0;
}
