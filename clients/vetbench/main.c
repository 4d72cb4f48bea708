/*
 * vetbench - the benchmark client of vetallianced.
 *
 *   vetbench [--endpoint E] [--clients N] [--window W]
 *            [--requests R | --duration S] [--warmup S]
 *            [--mix realistic|register|update|query|consortium] [--scale S]
 *            [--prefix P] [--timeout MS] [--json]
 *   vetbench --seed consortium --clock-file FILE [--scale S] [--endpoint E]
 *            [--window W] [--timeout MS] [--progress] [--json]
 *   vetbench --latency [--endpoint E] [--pub-endpoint P] [--rate N]
 *            [--requests R | --duration S] [--timeout MS] [--json]
 *
 * Throughput mode.  N clients, each with its own DEALER socket, all driven
 * from this one thread by zmq_poll() over every socket (two cores are
 * shared with the daemon: fifty busy threads would only measure the
 * scheduler).  Each client keeps W requests in flight: a reply frees its
 * slot and the slot is refilled at once.  A request id names its client,
 * its slot and its number ("vb-<prefix>-<client>-<slot>-<n>"), so a reply
 * finds its slot without a table, and a late reply to a slot that timed
 * out and was reused is recognised and dropped.  Latency is measured per
 * request from just before zmq_send() to the reply's receipt
 * (CLOCK_MONOTONIC) and recorded in a log-linear histogram: 128 buckets
 * per power of two, so a percentile is exact to within 0.8%, in 60 KiB
 * whatever the run's length.
 *
 * A run has phases:
 *
 *   PREPARE -> WARMUP -> MEASURE -> DRAIN -> DONE
 *
 * PREPARE registers the centres that the update and query mixes work on
 * (a few per client; skipped for the other mixes), WARMUP runs the mix
 * unrecorded, MEASURE records every request it sends, and DRAIN stops
 * sending and waits for what is still in flight.  Throughput is the
 * replies to recorded requests divided by the time from the start of
 * MEASURE to the last of those replies.
 *
 * Ids: centres are "B<prefix>-<client>-<n>" and request ids carry the
 * prefix too, so runs with different prefixes (random by default) never
 * collide against the same daemon, which remembers request ids.
 *
 * Seed mode and the consortium mix: seed.h and mix.h.
 *
 * Cold starts are timed by docs/cold-start.sh, which fills a state with
 * this engine (--mix register --requests N) and restarts the daemon.
 *
 * Latency mode.  One DEALER sends centre registrations at a steady rate
 * (request k due at start + k / rate, whatever the replies do) while a
 * SUB socket on the PUB endpoint receives the events.  Each event is
 * matched to its command by request_id ("vb-<prefix>-L-<k>") and timed
 * from just before the command's zmq_send() to the event's receipt, and
 * the reply likewise: command -> event is what a subscriber waits for
 * (group commit and fsync included), command -> reply the same for the
 * caller.  The SUB socket joins before the run: registrations are sent,
 * unmeasured, until one's event comes back.  Every OK reply must be
 * matched by exactly one event.
 *
 * Signals: SIGINT and SIGTERM are blocked before any ZeroMQ thread starts
 * and read from a signalfd polled beside the sockets.  In throughput mode
 * they end the run early and the figures so far are printed.
 *
 * Exit codes (sysexits): 0 ok, 1 some requests failed, an event was not
 * matched or a check did not hold, 64 usage, 69 the daemon is unreachable or does not start,
 * 70 internal error, 73 a directory cannot be created.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zmq.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>

#include "vetbench/vetbench.h"

/* round_to - v rounded to a multiple of unit, for figures in JSON. */
double round_to(double v, double unit)
{
	double x = v / unit;

	return (double)(int64_t)(x + (x >= 0 ? 0.5 : -0.5)) * unit;
}

static json_t *latency_json(const struct hist *h)
{
	if (h->count == 0)
		return json_null();
	return json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "min",
			 round_to((double)h->min / 1e3, 0.1), "mean",
			 round_to(h->sum / (double)h->count / 1e3, 0.1), "p50",
			 round_to((double)hist_percentile(h, 50) / 1e3, 0.1), "p90",
			 round_to((double)hist_percentile(h, 90) / 1e3, 0.1), "p99",
			 round_to((double)hist_percentile(h, 99) / 1e3, 0.1), "p99_9",
			 round_to((double)hist_percentile(h, 99.9) / 1e3, 0.1), "max",
			 round_to((double)h->max / 1e3, 0.1));
}

static const char *status_key(unsigned si)
{
	return si < VA_STATUS_COUNT ? va_status_name((int)si) : "UNKNOWN";
}

json_t *errors_json(const struct op_stats *st)
{
	json_t *o = json_object();

	for (unsigned si = 1; si <= VA_STATUS_COUNT; si++)
		if (st->status[si] > 0)
			json_object_set_new(o, status_key(si),
					    json_integer((json_int_t)st->status[si]));
	return o;
}

static uint64_t errors_total(const struct op_stats *st)
{
	uint64_t n = 0;

	for (unsigned si = 1; si <= VA_STATUS_COUNT; si++)
		n += st->status[si];
	return n;
}

double throughput(const struct run_result *res)
{
	return res->elapsed_s > 0 ? (double)res->all.replies / res->elapsed_s : 0.0;
}

/* run_json - the figures of a run as a JSON object. */
static json_t *run_json(const struct run_result *res)
{
	json_t *ops = json_object(), *examples = json_object();

	for (unsigned op = 0; op < OP_COUNT; op++) {
		const struct op_stats *st = &res->ops[op];

		if (st->sent == 0)
			continue;
		json_object_set_new(
		    ops, op_name(op),
		    json_pack("{s:I, s:I, s:I, s:o, s:o}", "sent", (json_int_t)st->sent, "replies",
			      (json_int_t)st->replies, "ok", (json_int_t)st->ok, "errors",
			      errors_json(st), "latency_us", latency_json(&st->lat)));
	}
	for (unsigned si = 1; si <= VA_STATUS_COUNT; si++)
		if (res->example[si][0] != '\0')
			json_object_set_new(examples, status_key(si),
					    json_string(res->example[si]));
	return json_pack("{s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:o, s:o}",
			 "sent", (json_int_t)res->all.sent, "replies", (json_int_t)res->all.replies,
			 "ok", (json_int_t)res->all.ok, "errors", errors_json(&res->all),
			 "error_examples", examples, "timeouts", (json_int_t)res->timeouts,
			 "unmatched", (json_int_t)res->unmatched, "undecodable",
			 (json_int_t)res->undecodable, "elapsed_s", round_to(res->elapsed_s, 1e-6),
			 "throughput_rps", round_to(throughput(res), 0.1), "client_cpu_s",
			 round_to(res->cpu_s, 1e-3), "engine_cpu_s",
			 round_to(res->engine_cpu_s, 1e-3), "latency_us",
			 latency_json(&res->all.lat), "ops", ops);
}

int print_json(json_t *o)
{
	int rc;

	if (o == NULL) {
		fputs("vetbench: cannot build the JSON report\n", stderr);
		return -1;
	}
	rc = json_dumpf(o, stdout, JSON_COMPACT | JSON_REAL_PRECISION(12));
	json_decref(o);
	if (rc < 0)
		return -1;
	putchar('\n');
	return 0;
}

void print_us(uint64_t ns)
{
	printf(" %9.1f", (double)ns / 1e3);
}

static void print_row(const char *name, const struct op_stats *st)
{
	const struct hist *h = &st->lat;

	printf("%-16s %9" PRIu64 " %9" PRIu64 " %9" PRIu64, name, st->sent, st->replies, st->ok);
	if (h->count == 0) {
		printf(" %9s %9s %9s %9s\n", "-", "-", "-", "-");
		return;
	}
	print_us(hist_percentile(h, 50));
	print_us(hist_percentile(h, 99));
	print_us(hist_percentile(h, 99.9));
	print_us(h->max);
	putchar('\n');
}

static void print_errors(const struct run_result *res)
{
	uint64_t n = errors_total(&res->all);

	if (n == 0) {
		puts("errors:     none");
		return;
	}
	printf("errors:     %" PRIu64 "\n", n);
	for (unsigned si = 1; si <= VA_STATUS_COUNT; si++) {
		if (res->all.status[si] == 0)
			continue;
		printf("  %-20s %9" PRIu64 "  e.g. %s\n", status_key(si), res->all.status[si],
		       res->example[si][0] != '\0' ? res->example[si] : "no reply");
	}
}

static void print_table(const struct run_result *res)
{
	printf("%-16s %9s %9s %9s %9s %9s %9s %9s\n", "op", "sent", "replies", "ok", "p50 us",
	       "p99 us", "p99.9 us", "max us");
	for (unsigned op = 0; op < OP_COUNT; op++)
		if (res->ops[op].sent > 0)
			print_row(op_name(op), &res->ops[op]);
	print_row("all", &res->all);
}

static const struct option long_options[] = {
    {"endpoint", required_argument, NULL, O_ENDPOINT},
    {"clients", required_argument, NULL, O_CLIENTS},
    {"window", required_argument, NULL, O_WINDOW},
    {"requests", required_argument, NULL, O_REQUESTS},
    {"duration", required_argument, NULL, O_DURATION},
    {"warmup", required_argument, NULL, O_WARMUP},
    {"mix", required_argument, NULL, O_MIX},
    {"prefix", required_argument, NULL, O_PREFIX},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"json", no_argument, NULL, O_JSON},
    {"latency", no_argument, NULL, O_LATENCY},
    {"pub-endpoint", required_argument, NULL, O_PUB_ENDPOINT},
    {"rate", required_argument, NULL, O_RATE},
    {"seed", required_argument, NULL, O_SEED},
    {"clock-file", required_argument, NULL, O_CLOCK_FILE},
    {"scale", required_argument, NULL, O_SCALE},
    {"progress", no_argument, NULL, O_PROGRESS},
    {"help", no_argument, NULL, O_HELP},
    {"version", no_argument, NULL, O_VERSION},
    {"key", required_argument, NULL, O_KEY},
    {"server-key", required_argument, NULL, O_SERVER_KEY},
    {NULL, 0, NULL, 0},
};

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vetbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'vetbench --help' for more information.\n", stderr);
}

static void usage(FILE *out)
{
	fputs("usage: vetbench [--endpoint E] [--clients N] [--window W]\n"
	      "                [--requests R | --duration S] [--warmup S]\n"
	      "                [--mix realistic|register|update|query|consortium] [--scale S]\n"
	      "                [--prefix P] [--timeout MS] [--json]\n"
	      "       vetbench --seed consortium --clock-file FILE [--scale S] [--endpoint E]\n"
	      "                [--window W] [--timeout MS] [--progress] [--json]\n"
	      "       vetbench --latency [--endpoint E] [--pub-endpoint P] [--rate N]\n"
	      "                [--requests R | --duration S] [--timeout MS] [--prefix P] [--json]\n"
	      "\n"
	      "Throughput mode (the default): N clients, each with its own socket and W\n"
	      "requests in flight, send the mix for a duration or a number of requests and\n"
	      "report replies per second, latency percentiles and errors by status.\n"
	      "\n"
	      "  --endpoint E       command endpoint (default: $VETCTL_ENDPOINT, "
	      "else " VA_DEFAULT_CMD_ENDPOINT ")\n"
	      "  --clients N        concurrent clients, 1..1024 (default 50)\n"
	      "  --window W         requests in flight per client, 1..4096 (default 1;\n"
	      "                     256 for --seed)\n"
	      "  --requests R       stop after R measured requests in all\n"
	      "  --duration S       measure for S seconds (default 10)\n"
	      "  --warmup S         run the mix unmeasured for S seconds first (default 0)\n"
	      "  --mix MIX          realistic: 70% centre registrations, 20% updates of centres\n"
	      "                     registered earlier in the run, 10% interest marks (default);\n"
	      "                     register: registrations only; update: updates only;\n"
	      "                     query: 80% centre_get, 20% partner_list.  update and query\n"
	      "                     register a few centres per client first, unmeasured;\n"
	      "                     consortium: mobility proposals and steps 40%, session\n"
	      "                     bookings and joins 30%, commitments 10%, centre updates\n"
	      "                     10%, queries 10%, on the state --seed consortium made\n"
	      "  --scale S          the scale of that state (default 1)\n"
	      "  --prefix P         run prefix in centre and request ids, 1..8 of [A-Za-z0-9]\n"
	      "                     (default random); reusing one against the same daemon\n"
	      "                     makes registrations collide\n"
	      "  --timeout MS       give up on a request after MS ms (default 5000)\n"
	      "  --json             print one JSON object instead of the table\n"
	      "\n",
	      out);
	fputs("Seed mode: make the state of a large consortium after ten years (at scale 1:\n"
	      "2 000 centres, 200 alliances, 50 000 mobilities, 20 000 sessions) through the\n"
	      "daemon's commands, moving its fake clock (started with VETALLIANCE_FAKE_NOW_FILE\n"
	      "set to FILE) from 2017 to December 2026; every command must be accepted.\n"
	      "\n"
	      "  --seed consortium  this mode\n"
	      "  --clock-file FILE  the daemon's fake clock file, written by the seed\n"
	      "  --progress         a line on stderr per seeded year\n"
	      "\n"
	      "Cold starts: docs/cold-start.sh fills a state with --mix register and times\n"
	      "restarts of the daemon.\n"
	      "\n"
	      "Latency mode: send centre registrations at a steady rate and time each from\n"
	      "its sending to its event on the PUB endpoint (matched by request id) and to\n"
	      "its reply; report p50, p99 and p99.9 of both.\n"
	      "\n"
	      "  --latency          this mode (takes --endpoint, --requests or --duration,\n"
	      "                     --timeout, --prefix and --json as above)\n"
	      "  --pub-endpoint P   event (PUB) endpoint (default: $VETWATCH_ENDPOINT, else\n"
	      "                     " VA_DEFAULT_PUB_ENDPOINT ")\n"
	      "  --rate N           commands per second, 1..1000000 (default 1000)\n"
	      "\n"
	      "  --key FILE         our secret certificate, for a daemon with CURVE keys\n"
	      "                     (default: $" VA_ENV_KEY ")\n"
	      "  --server-key FILE  the daemon's public certificate (default:\n"
	      "                     $" VA_ENV_SERVER_KEY ")\n"
	      "  --help             print this help\n"
	      "  --version          print the version\n"
	      "\n"
	      "exit status: 0 ok, 1 some requests failed, an event was missing (--latency)\n"
	      "or a seed command was refused, 64 usage error, 69 daemon unreachable, 70\n"
	      "internal error, 73 the clock file cannot be written\n",
	      out);
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] == '-' || s[0] == '\0')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_seconds(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= min) || v > max)
		return -1;
	*out = v;
	return 0;
}

static int prefix_valid(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > PREFIX_MAX)
		return 0;
	for (; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

static void prefix_random(char *buf)
{
	static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char raw[6];
	char hex[33];

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		/* No getrandom: the library's fallback is good enough. */
		va_request_id_new(hex);
		memcpy(raw, hex, sizeof raw);
	}
	for (size_t i = 0; i < sizeof raw; i++)
		buf[i] = alphabet[raw[i] % (sizeof alphabet - 1)];
	buf[sizeof raw] = '\0';
}

/* parse_args - returns 0 to run, EX_OK after --help/--version (*done
 * set), or EX_USAGE after a message. */
static int parse_args(int argc, char **argv, struct options *o, int *done)
{
	uint64_t v;
	int c;

	o->run.endpoint = getenv("VETCTL_ENDPOINT");
	if (o->run.endpoint == NULL || o->run.endpoint[0] == '\0')
		o->run.endpoint = VA_DEFAULT_CMD_ENDPOINT;
	o->run.clients = DEFAULT_CLIENTS;
	o->run.window = DEFAULT_WINDOW;
	o->run.duration_s = DEFAULT_DURATION_S;
	o->run.timeout_ms = DEFAULT_TIMEOUT_MS;
	o->run.mix = MIX_REALISTIC;
	o->pub_endpoint = getenv("VETWATCH_ENDPOINT");
	if (o->pub_endpoint == NULL || o->pub_endpoint[0] == '\0')
		o->pub_endpoint = VA_DEFAULT_PUB_ENDPOINT;
	o->rate = DEFAULT_RATE;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
		if (c >= O_ENDPOINT && c <= O_VERSION) {
			if (o->given & GIVEN(c)) {
				usage_error("option '%s' given twice", argv[optind - 1]);
				return EX_USAGE;
			}
			o->given |= GIVEN(c);
		}
		switch (c) {
		case O_ENDPOINT:
			o->run.endpoint = optarg;
			break;
		case O_CLIENTS:
			if (parse_u64(optarg, 1, MAX_CLIENTS, &v) < 0) {
				usage_error("invalid --clients '%s': expected 1..%d", optarg,
					    MAX_CLIENTS);
				return EX_USAGE;
			}
			o->run.clients = (unsigned)v;
			break;
		case O_WINDOW:
			if (parse_u64(optarg, 1, MAX_WINDOW, &v) < 0) {
				usage_error("invalid --window '%s': expected 1..%d", optarg,
					    MAX_WINDOW);
				return EX_USAGE;
			}
			o->run.window = (unsigned)v;
			break;
		case O_REQUESTS:
			if (parse_u64(optarg, 1, 1000000000000ull, &o->run.requests) < 0) {
				usage_error("invalid --requests '%s': expected a count >= 1",
					    optarg);
				return EX_USAGE;
			}
			break;
		case O_DURATION:
			if (parse_seconds(optarg, 0.001, 86400, &o->run.duration_s) < 0) {
				usage_error("invalid --duration '%s': expected seconds, "
					    "0.001..86400",
					    optarg);
				return EX_USAGE;
			}
			break;
		case O_WARMUP:
			if (parse_seconds(optarg, 0, 86400, &o->run.warmup_s) < 0) {
				usage_error("invalid --warmup '%s': expected seconds, 0..86400",
					    optarg);
				return EX_USAGE;
			}
			break;
		case O_MIX: {
			int found = -1;

			for (int m = 0; m < MIX_COUNT; m++)
				if (strcmp(optarg, mix_names[m]) == 0)
					found = m;
			if (found < 0) {
				usage_error("unknown --mix '%s' (expected realistic, register, "
					    "update, query or consortium)",
					    optarg);
				return EX_USAGE;
			}
			o->run.mix = (enum mix)found;
			break;
		}
		case O_PREFIX:
			if (!prefix_valid(optarg)) {
				usage_error("invalid --prefix '%s': expected 1..%d of [A-Za-z0-9]",
					    optarg, PREFIX_MAX);
				return EX_USAGE;
			}
			snprintf(o->prefix, sizeof o->prefix, "%s", optarg);
			break;
		case O_TIMEOUT:
			if (parse_u64(optarg, 1, 3600000, &v) < 0) {
				usage_error("invalid --timeout '%s': expected milliseconds, "
					    "1..3600000",
					    optarg);
				return EX_USAGE;
			}
			o->run.timeout_ms = (int)v;
			break;
		case O_JSON:
			o->json = 1;
			break;
		case O_LATENCY:
			o->latency = 1;
			break;
		case O_PUB_ENDPOINT:
			o->pub_endpoint = optarg;
			break;
		case O_RATE:
			if (parse_u64(optarg, 1, MAX_RATE, &o->rate) < 0) {
				usage_error("invalid --rate '%s': expected 1..%d per second",
					    optarg, MAX_RATE);
				return EX_USAGE;
			}
			break;
		case O_SEED:
			if (strcmp(optarg, "consortium") != 0) {
				usage_error("unknown --seed '%s' (expected consortium)", optarg);
				return EX_USAGE;
			}
			o->seed = 1;
			break;
		case O_CLOCK_FILE:
			o->clock_file = optarg;
			break;
		case O_SCALE:
			if (parse_seconds(optarg, 0.001, 100, &o->run.scale) < 0) {
				usage_error("invalid --scale '%s': expected a number, 0.001..100",
					    optarg);
				return EX_USAGE;
			}
			break;
		case O_PROGRESS:
			break;
		case O_KEY:
			o->key = optarg;
			break;
		case O_SERVER_KEY:
			o->server_key = optarg;
			break;
		case O_HELP:
			usage(stdout);
			*done = 1;
			return EX_OK;
		case O_VERSION:
			printf("vetbench %s\n", VA_VERSION);
			*done = 1;
			return EX_OK;
		case ':':
			usage_error("option '%s' needs an argument", argv[optind - 1]);
			return EX_USAGE;
		default:
			usage_error("unknown option '%s'", argv[optind - 1]);
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		usage_error("unexpected argument '%s'", argv[optind]);
		return EX_USAGE;
	}
	if (o->run.scale == 0)
		o->run.scale = 1.0;
	if (o->seed || (o->given & SEED_ONLY)) {
		uint64_t extra = o->given & ~SEED_TAKES;

		if (!o->seed) {
			usage_error("--clock-file and --progress belong to --seed");
			return EX_USAGE;
		}
		for (const struct option *lo = long_options; extra != 0 && lo->name != NULL; lo++)
			if (lo->val >= O_ENDPOINT && lo->val <= O_VERSION &&
			    (extra & GIVEN(lo->val))) {
				usage_error("option '--%s' does not apply to --seed", lo->name);
				return EX_USAGE;
			}
		if (o->clock_file == NULL) {
			usage_error("--seed needs --clock-file FILE, the daemon's "
				    "VETALLIANCE_FAKE_NOW_FILE");
			return EX_USAGE;
		}
		if (!(o->given & GIVEN(O_WINDOW)))
			o->run.window = SEED_WINDOW;
		return 0;
	}
	for (int opt = O_ENDPOINT; opt <= O_RATE; opt++) {
		uint64_t bit = GIVEN(opt);
		const char *name = NULL;

		if (!(o->given & GIVEN(opt)))
			continue;
		if (o->latency && (NOT_LATENCY & bit))
			name = "--latency";
		else if (!o->latency && (LATENCY_ONLY & bit))
			name = "throughput mode (add --latency)";
		if (name != NULL) {
			for (const struct option *lo = long_options; lo->name != NULL; lo++)
				if (lo->val == opt)
					usage_error("option '--%s' does not apply to %s", lo->name,
						    name);
			return EX_USAGE;
		}
	}
	if ((o->given & GIVEN(O_REQUESTS)) && (o->given & GIVEN(O_DURATION))) {
		usage_error("--requests and --duration exclude each other");
		return EX_USAGE;
	}
	if (o->prefix[0] == '\0')
		prefix_random(o->prefix);
	o->run.prefix = o->prefix;
	if (o->run.mix == MIX_UPDATE || o->run.mix == MIX_QUERY)
		o->run.pool = o->run.window > POOL_MIN ? o->run.window : POOL_MIN;
	return 0;
}

/* probe - one partner_list on a socket of our own: is the daemon there,
 * and does it know the partners the mix names?  Returns 0, or the exit
 * code after a message. */
int probe(const struct options *o, int sfd, uint64_t *seq)
{
	Vetalliance__V1__PartnerList body;
	va_request_t req;
	va_reply_t *reply = NULL;
	char rid[64];
	void *ctx = zmq_ctx_new(), *sock = NULL;
	int status = EX_SOFTWARE, rc;

	if (ctx == NULL)
		goto out;
	sock = dealer_new(ctx, o->run.endpoint, 0, o->run.keys);
	if (sock == NULL) {
		status = EX_USAGE;
		goto out;
	}
	snprintf(rid, sizeof rid, "vb-%s-probe", o->prefix);
	partner_list_request(&req, &body, rid);
	rc = sync_call(sock, sfd, NULL, &req, o->run.timeout_ms, &reply);
	if (rc == CALL_TIMEOUT) {
		fprintf(stderr, "vetbench: no reply from '%s' within %d ms\n", o->run.endpoint,
			o->run.timeout_ms);
		status = EX_UNAVAILABLE;
		goto out;
	}
	if (rc == CALL_SIGNAL) {
		status = EXIT_FAILED;
		goto out;
	}
	if (rc != CALL_OK) {
		fprintf(stderr, "vetbench: cannot query '%s'\n", o->run.endpoint);
		goto out;
	}
	*seq = reply->seq;
	if (o->run.mix != MIX_QUERY &&
	    reply->result_case == VETALLIANCE__V1__REPLY__RESULT_PARTNERS) {
		for (size_t i = 0; i < N_PARTNERS; i++) {
			int known = 0;

			for (size_t j = 0; j < reply->partners->n_partners; j++)
				if (strcmp(reply->partners->partners[j]->id, partners[i].id) == 0)
					known = 1;
			if (!known)
				fprintf(stderr,
					"vetbench: warning: the daemon has no partner '%s': "
					"requests naming it will be refused\n",
					partners[i].id);
		}
	}
	status = 0;
out:
	va_reply_free(&reply);
	if (sock != NULL)
		zmq_close(sock);
	if (ctx != NULL)
		zmq_ctx_term(ctx);
	return status;
}

static int throughput_main(const struct options *o, int sfd)
{
	struct run_result *res = xcalloc(1, sizeof *res);
	uint64_t seq0 = 0;
	int status;

	status = probe(o, sfd, &seq0);
	if (status != 0)
		goto out;
	status = bench_run(&o->run, sfd, res);
	if (status != 0)
		goto out;
	if (res->prepare_failed) {
		fprintf(stderr,
			"vetbench: could not register the centres the '%s' mix works on: %s\n",
			mix_names[o->run.mix], res->fail_msg);
		status = EXIT_FAILED;
		goto out;
	}
	if (o->json) {
		json_t *obj = json_pack(
		    "{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:o, s:o, s:f, s:I, s:s, s:b, s:I}",
		    "tool", "vetbench", "version", VA_VERSION, "mode", "throughput", "endpoint",
		    o->run.endpoint, "clients", (json_int_t)o->run.clients, "window",
		    (json_int_t)o->run.window, "mix", mix_names[o->run.mix], "requests",
		    o->run.requests > 0 ? json_integer((json_int_t)o->run.requests) : json_null(),
		    "duration_s", o->run.requests > 0 ? json_null() : json_real(o->run.duration_s),
		    "warmup_s", o->run.warmup_s, "timeout_ms", (json_int_t)o->run.timeout_ms,
		    "prefix", o->prefix, "interrupted", res->interrupted, "seq_before",
		    (json_int_t)seq0);

		if (obj != NULL)
			json_object_update_new(obj, run_json(res));
		if (print_json(obj) < 0) {
			status = EX_SOFTWARE;
			goto out;
		}
	} else {
		printf("vetbench: %u client%s x %u in flight, mix %s, endpoint %s, prefix %s%s\n",
		       o->run.clients, o->run.clients == 1 ? "" : "s", o->run.window,
		       mix_names[o->run.mix], o->run.endpoint, o->prefix,
		       res->interrupted ? " (interrupted)" : "");
		print_table(res);
		printf("throughput: %.1f replies/s (%" PRIu64 " replies in %.3f s)\n",
		       throughput(res), res->all.replies, res->elapsed_s);
		printf("client CPU: engine thread %.2f s (%.0f%% of the run), process %.2f s\n",
		       res->engine_cpu_s,
		       res->elapsed_s > 0 ? 100.0 * res->engine_cpu_s / res->elapsed_s : 0.0,
		       res->cpu_s);
		print_errors(res);
		if (res->unmatched + res->undecodable > 0)
			printf("dropped:    %" PRIu64 " late or unknown replies, %" PRIu64
			       " undecodable\n",
			       res->unmatched, res->undecodable);
	}
	if (res->all.replies == 0 && res->timeouts > 0) {
		fprintf(stderr, "vetbench: no reply from '%s' during the run\n", o->run.endpoint);
		status = EX_UNAVAILABLE;
	} else if (errors_total(&res->all) > 0) {
		status = EXIT_FAILED;
	}
out:
	free(res);
	return status;
}

static int seed_main(const struct options *o)
{
	struct seed_cfg cfg = {.endpoint = o->run.endpoint,
			       .clock_file = o->clock_file,
			       .scale = o->run.scale,
			       .window = o->run.window,
			       .timeout_ms = o->run.timeout_ms,
			       .keys = o->run.keys,
			       .progress = (o->given & GIVEN(O_PROGRESS)) != 0};
	struct seed_result r;
	int status = seed_consortium(&cfg, &r);

	if (status != 0)
		return status;
	if (o->json) {
		json_t *j = json_pack(
		    "{s:s, s:f, s:I, s:I, s:f, s:I, s:{s:i, s:i, s:i, s:i, s:i}}", "seed",
		    "consortium", "scale", o->run.scale, "commands", (json_int_t)r.commands,
		    "last_seq", (json_int_t)r.last_seq, "seconds", r.seconds, "now_ms",
		    (json_int_t)r.now_ms, "sizes", "centres", (int)r.sizes.centres, "alliances",
		    (int)r.sizes.alliances, "mobilities_per_year", (int)r.sizes.mobilities_per_year,
		    "sessions_per_year", (int)r.sizes.sessions_per_year, "deadlines_per_year",
		    (int)r.sizes.deadlines_per_year);
		if (j == NULL)
			return EX_SOFTWARE;
		json_dumpf(j, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(j);
		return 0;
	}
	printf("vetbench: seeded the consortium state (scale %g) in %.1f s: %" PRIu64
	       " commands, last seq %" PRIu64 "\n"
	       "  %u centres, %u alliances, %u mobilities, %u sessions, %u deadlines;\n"
	       "  the daemon's clock is at %" PRId64 " ms (keep it for later runs)\n",
	       o->run.scale, r.seconds, r.commands, r.last_seq, r.sizes.centres, r.sizes.alliances,
	       r.sizes.mobilities_per_year * 10, r.sizes.sessions_per_year * 10,
	       r.sizes.deadlines_per_year * 10, r.now_ms);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	sigset_t mask;
	int sfd = -1, done = 0;
	int status;

	status = parse_args(argc, argv, &o, &done);
	if (status != 0 || done)
		goto out;
	{
		char err[512];
		int keyed = 0;
		if (va_keys_setup(&o.keys, &keyed, o.key, o.server_key, err, sizeof err) < 0) {
			usage_error("%s", err);
			status = EX_USAGE;
			goto out;
		}
		o.run.keys = keyed ? &o.keys : NULL;
	}

	/* Before any zmq_ctx_new(): its I/O threads inherit the mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		perror("vetbench: signalfd");
		status = EX_OSERR;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);

	if (o.seed)
		status = seed_main(&o);
	else if (o.latency)
		status = latency_main(&o, sfd);
	else
		status = throughput_main(&o, sfd);
out:
	if (fflush(stdout) != 0 && status == EX_OK) {
		perror("vetbench: stdout");
		status = EX_IOERR;
	}
	if (sfd >= 0)
		close(sfd);
	return status;
}
