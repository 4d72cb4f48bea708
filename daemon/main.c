/*
 * vetallianced - the vetalliance coordination daemon.
 *
 * main() parses the command line, builds the server on one libuv loop and
 * runs it until SIGINT or SIGTERM.  Exit codes follow sysexits(3): 0 after
 * a clean stop, 64 usage, 65 the state directory is damaged, 69 an endpoint
 * cannot be bound, 70 internal, 73 the state directory cannot be created,
 * 74 a journal write or fsync failed, 75 another daemon holds the state
 * directory, 78 configuration.
 */
#include <czmq.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>

#include "journal.h"
#include "log.h"
#include "server.h"
#include "snapfile.h"

typedef struct daemon_ctx {
	uv_loop_t loop;
	uv_signal_t sigint;
	uv_signal_t sigterm;
	server_t *server;
} daemon_ctx_t;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vetallianced [options]\n"
		"\n"
		"  --cmd-endpoint EP   ROUTER endpoint for commands (default %s)\n"
		"  --pub-endpoint EP   PUB endpoint for events (default %s)\n"
		"  --state-dir DIR     state directory (default ./var)\n"
		"  --defaults FILE     reference data to load into an empty state\n"
		"                      (default: the compiled-in data)\n"
		"  --max-msg-size N    largest accepted request in bytes (default 65536)\n"
		"  --snapshot-every N  events between snapshots, 0 for none (default 100000)\n"
		"  --segment-size N    journal segment size in bytes (default 67108864)\n"
		"  --dedup-window N    request ids remembered for retries (default 100000)\n"
		"  --verify            check the state directory offline, print what was\n"
		"                      found and exit (0 sound, 65 damaged)\n"
		"  --log-level LEVEL   error, warning, notice, info or debug (default info)\n"
		"  --version           print the version and exit\n"
		"  --help              print this help and exit\n",
		VA_DEFAULT_CMD_ENDPOINT, VA_DEFAULT_PUB_ENDPOINT);
}

static void on_signal(uv_signal_t *sig, int signum)
{
	daemon_ctx_t *d = sig->data;

	log_notice("received %s, stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
	server_stop(d->server);
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
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
	    {"segment-size", required_argument, NULL, 'G'},
	    {"dedup-window", required_argument, NULL, 'D'},
	    {"verify", no_argument, NULL, 'v'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	server_options_t opt = {
	    .cmd_endpoint = VA_DEFAULT_CMD_ENDPOINT,
	    .pub_endpoint = VA_DEFAULT_PUB_ENDPOINT,
	    .state_dir = "./var",
	    .max_msg_size = 65536,
	    .snapshot_every = 100000,
	};
	int verify = 0;
	unsigned long long n;
	daemon_ctx_t d;
	char err[1024];
	int ch, level, exit_code = 0;
	char *end;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			opt.cmd_endpoint = optarg;
			break;
		case 'p':
			opt.pub_endpoint = optarg;
			break;
		case 's':
			opt.state_dir = optarg;
			break;
		case 'd':
			opt.defaults_path = optarg;
			break;
		case 'm':
			opt.max_msg_size = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || opt.max_msg_size < 1024) {
				fprintf(stderr,
					"vetallianced: --max-msg-size: '%s' is not a "
					"number of bytes >= 1024\n",
					optarg);
				return 64;
			}
			break;
		case 'S':
		case 'G':
		case 'D':
			n = strtoull(optarg, &end, 10);
			if (*end != '\0' || *optarg == '\0' || *optarg == '-' ||
			    (ch == 'D' && n == 0) || (ch == 'G' && n < 4096)) {
				fprintf(stderr, "vetallianced: '%s' is not a valid %s\n", optarg,
					ch == 'S'   ? "event count"
					: ch == 'G' ? "segment size (>= 4096 bytes)"
						    : "window (>= 1)");
				return 64;
			}
			if (ch == 'S')
				opt.snapshot_every = n;
			else if (ch == 'G')
				opt.segment_max_bytes = n;
			else
				opt.dedup_window = (size_t)n;
			break;
		case 'v':
			verify = 1;
			break;
		case 'l':
			level = log_level_parse(optarg);
			if (level < 0) {
				fprintf(stderr, "vetallianced: --log-level: unknown level '%s'\n",
					optarg);
				return 64;
			}
			log_set_level(level);
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

	if (verify)
		return verify_state_dir(opt.state_dir);

	signal(SIGPIPE, SIG_IGN);
	/* A file-size limit must show up as EFBIG from write(), which the
	 * journal handles like a full disk, not as a fatal signal. */
	signal(SIGXFSZ, SIG_IGN);
	/* czmq must not install its own SIGINT handler: the loop owns signals. */
	zsys_handler_set(NULL);

	memset(&d, 0, sizeof d);
	uv_loop_init(&d.loop);
	d.server = server_new(&d.loop, &opt, &exit_code, err, sizeof err);
	if (d.server == NULL) {
		log_err("%s", err);
		uv_loop_close(&d.loop);
		zsys_shutdown();
		return exit_code;
	}
	uv_signal_init(&d.loop, &d.sigint);
	uv_signal_init(&d.loop, &d.sigterm);
	d.sigint.data = d.sigterm.data = &d;
	uv_signal_start(&d.sigint, on_signal, SIGINT);
	uv_signal_start(&d.sigterm, on_signal, SIGTERM);
	log_notice("vetallianced %s ready, last seq %llu", VA_VERSION,
		   (unsigned long long)server_last_seq(d.server));

	uv_run(&d.loop, UV_RUN_DEFAULT);

	server_free(&d.server);
	if (uv_loop_close(&d.loop) != 0)
		log_warn("the loop closed with handles still open");
	zsys_shutdown();
	log_info("stopped");
	return 0;
}
