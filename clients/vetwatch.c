/*
 * vetwatch - print the events of vetallianced as they happen.
 *
 *   vetwatch [--endpoint E] [--type PREFIX]... [--count N] [--human]
 *
 * A SUB socket on the daemon's PUB endpoint, subscribed to each --type
 * prefix of the event type (the PUB topic: "centre." is every centre
 * event, "" everything).  Each message is two frames, [topic][Event]; each
 * event prints as one JSON line (va_json_event) or, with --human, one
 * readable line, and stdout is flushed after each so that a pipe sees it
 * at once.  A malformed message gets a warning on stderr and is skipped.
 *
 * SIGINT and SIGTERM are taken through a signalfd polled beside the socket
 * (they are blocked before the ZeroMQ context starts its threads, so no
 * thread of ours or libzmq's ever runs a handler): the loop ends, the
 * sockets close, and the exit status is 0.
 *
 * Not yet: catch-up from a seq over the command endpoint and gap detection
 * (the protocol has no catch-up query yet), so events published while
 * vetwatch is not connected are not shown.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zmq.h>

#include <vetalliance/client.h>
#include <vetalliance/json.h>

#define SUMMARY_MAX 100

enum { O_ENDPOINT = 256, O_TYPE, O_COUNT, O_HUMAN, O_HELP, O_VERSION };

static const struct option long_options[] = {
    {"endpoint", required_argument, NULL, O_ENDPOINT},
    {"type", required_argument, NULL, O_TYPE},
    {"count", required_argument, NULL, O_COUNT},
    {"human", no_argument, NULL, O_HUMAN},
    {"help", no_argument, NULL, O_HELP},
    {"version", no_argument, NULL, O_VERSION},
    {NULL, 0, NULL, 0},
};

struct options {
	const char *endpoint;
	char **types; /* subscription prefixes; none means all */
	size_t n_types;
	long long count; /* 0: no limit */
	int human;
};

static void usage(FILE *out)
{
	fputs("usage: vetwatch [--endpoint E] [--type PREFIX]... [--count N] [--human]\n"
	      "\n"
	      "Print each event of vetallianced as one JSON line:\n"
	      "  {\"seq\":N,\"type\":\"centre.registered\",\"time\":\"...Z\",\"time_ms\":N,\n"
	      "   \"actor\":\"...\",\"request_id\":\"...\",\"payload\":{...}}\n"
	      "\n"
	      "options:\n"
	      "  --endpoint E     event endpoint (default: $VETWATCH_ENDPOINT, "
	      "else " VA_DEFAULT_PUB_ENDPOINT ")\n"
	      "  --type PREFIX    only events whose type starts with PREFIX, e.g. 'centre.'\n"
	      "                   or 'sector.interest_marked'; may be repeated\n"
	      "  --count N        exit after N events\n"
	      "  --human          one readable line per event instead of JSON\n"
	      "  --help           print this help\n"
	      "  --version        print the version\n"
	      "\n"
	      "exit status: 0 after --count events or on SIGINT/SIGTERM, 64 usage error,\n"
	      "70 internal error\n",
	      out);
}

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vetwatch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'vetwatch --help' for more information.\n", stderr);
}

/* parse_args - returns 0, EX_OK after --help/--version (with *done set),
 * or EX_USAGE. */
static int parse_args(int argc, char **argv, struct options *o, int *done)
{
	int c;

	o->endpoint = getenv("VETWATCH_ENDPOINT");
	if (o->endpoint == NULL || o->endpoint[0] == '\0')
		o->endpoint = VA_DEFAULT_PUB_ENDPOINT;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
		switch (c) {
		case O_ENDPOINT:
			o->endpoint = optarg;
			break;
		case O_TYPE:
			o->types[o->n_types++] = optarg;
			break;
		case O_COUNT: {
			char *end;

			errno = 0;
			o->count = strtoll(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || o->count < 1) {
				usage_error("invalid --count '%s': expected a positive number",
					    optarg);
				return EX_USAGE;
			}
			break;
		}
		case O_HUMAN:
			o->human = 1;
			break;
		case O_HELP:
			usage(stdout);
			*done = 1;
			return EX_OK;
		case O_VERSION:
			printf("vetwatch %s\n", VA_VERSION);
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
	return 0;
}

/* local_time - "2026-03-01 10:30:00" in the local zone, for --human. */
static void local_time(int64_t ms, char *buf, size_t len)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	if (localtime_r(&secs, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "%" PRId64, ms);
}

/*
 * summary - the payload's scalar fields as key=value words, skipping empty
 * ones and timestamps, cut at SUMMARY_MAX bytes.  Writes to out.
 */
static void summary(FILE *out, json_t *payload)
{
	const char *key;
	size_t used = 0;
	json_t *v;

	json_object_foreach(payload, key, v)
	{
		char word[SUMMARY_MAX + 64];
		size_t klen = strlen(key);
		int n;

		if (klen > 3 &&
		    (strcmp(key + klen - 3, "_ms") == 0 || strcmp(key + klen - 3, "_at") == 0))
			continue;
		if (json_is_string(v)) {
			const char *s = json_string_value(v);

			if (s[0] == '\0')
				continue;
			n = snprintf(word, sizeof word, strchr(s, ' ') ? "%s=\"%s\"" : "%s=%s", key,
				     s);
		} else if (json_is_integer(v)) {
			n = snprintf(word, sizeof word, "%s=%" JSON_INTEGER_FORMAT, key,
				     json_integer_value(v));
		} else if (json_is_boolean(v)) {
			n = snprintf(word, sizeof word, "%s=%s", key,
				     json_is_true(v) ? "yes" : "no");
		} else if (json_is_array(v) && json_array_size(v) > 0) {
			n = snprintf(word, sizeof word, "%s=[%zu]", key, json_array_size(v));
		} else {
			continue;
		}
		if (n < 0)
			continue;
		if (used + (size_t)n + 1 > SUMMARY_MAX) {
			fputs(" ...", out);
			return;
		}
		fprintf(out, " %s", word);
		used += (size_t)n + 1;
	}
}

/* print_human - "#57 2026-03-01 10:30:00 centre.registered by admin: ..." */
static int print_human(const va_event_t *ev)
{
	char *line = va_json_event(ev);
	json_t *obj = NULL;
	json_t *type, *payload;
	char when[64];

	if (line == NULL)
		return -1;
	obj = json_loads(line, 0, NULL);
	free(line);
	if (obj == NULL)
		return -1;
	type = json_object_get(obj, "type");
	payload = json_object_get(obj, "payload");
	local_time(ev->time_ms, when, sizeof when);
	printf("#%" PRIu64 " %s %s by %s:", ev->seq, when,
	       json_is_string(type) ? json_string_value(type) : "(unknown)",
	       ev->actor != NULL && ev->actor[0] != '\0' ? ev->actor : "-");
	if (json_is_object(payload))
		summary(stdout, payload);
	putchar('\n');
	json_decref(obj);
	return 0;
}

/*
 * handle - read one whole message from sub and print it.  Returns 1 when
 * an event was printed, 0 when the message was skipped, -1 (after a
 * message on stderr) when vetwatch cannot go on.
 */
static int handle(void *sub, const struct options *o)
{
	zmq_msg_t frames[2];
	size_t n = 0, extra = 0;
	va_event_t *ev = NULL;
	int more = 1;
	int rc = 0;

	zmq_msg_init(&frames[0]);
	zmq_msg_init(&frames[1]);
	while (more) {
		zmq_msg_t *f = n < 2 ? &frames[n] : &frames[1];
		size_t more_len = sizeof more;

		if (zmq_msg_recv(f, sub, ZMQ_DONTWAIT) < 0) {
			if (zmq_errno() == EAGAIN && n == 0)
				goto out; /* a spurious wake-up */
			fprintf(stderr, "vetwatch: cannot receive: %s\n",
				zmq_strerror(zmq_errno()));
			rc = -1;
			goto out;
		}
		if (n < 2)
			n++;
		else
			extra++;
		if (zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &more_len) < 0) {
			fprintf(stderr, "vetwatch: cannot receive: %s\n",
				zmq_strerror(zmq_errno()));
			rc = -1;
			goto out;
		}
	}
	if (n != 2 || extra > 0) {
		fprintf(stderr, "vetwatch: malformed message (%zu frame%s, expected 2), skipped\n",
			n + extra, n + extra == 1 ? "" : "s");
		goto out;
	}
	ev = vetalliance__v1__event__unpack(NULL, zmq_msg_size(&frames[1]),
					    zmq_msg_data(&frames[1]));
	if (ev == NULL) {
		fprintf(stderr, "vetwatch: malformed event on topic '%.*s', skipped\n",
			(int)zmq_msg_size(&frames[0]), (const char *)zmq_msg_data(&frames[0]));
		goto out;
	}
	if (o->human) {
		if (print_human(ev) < 0) {
			fputs("vetwatch: out of memory\n", stderr);
			rc = -1;
			goto out;
		}
	} else {
		char *line = va_json_event(ev);

		if (line == NULL) {
			fputs("vetwatch: out of memory\n", stderr);
			rc = -1;
			goto out;
		}
		puts(line);
		free(line);
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		perror("vetwatch: cannot write to stdout");
		rc = -1;
		goto out;
	}
	rc = 1;
out:
	if (ev != NULL)
		vetalliance__v1__event__free_unpacked(ev, NULL);
	zmq_msg_close(&frames[0]);
	zmq_msg_close(&frames[1]);
	return rc;
}

int main(int argc, char **argv)
{
	struct options opts = {0};
	void *ctx = NULL, *sub = NULL;
	sigset_t mask;
	int sfd = -1;
	int linger = 0;
	int done = 0;
	long long printed = 0;
	int status = EX_SOFTWARE;

	opts.types = calloc((size_t)argc + 1, sizeof *opts.types);
	if (opts.types == NULL) {
		fputs("vetwatch: out of memory\n", stderr);
		goto out;
	}
	status = parse_args(argc, argv, &opts, &done);
	if (status != 0 || done)
		goto out;
	status = EX_SOFTWARE;

	/* Before zmq_ctx_new(): its I/O threads inherit the mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
		perror("vetwatch: sigprocmask");
		goto out;
	}
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("vetwatch: signalfd");
		goto out;
	}

	ctx = zmq_ctx_new();
	if (ctx == NULL)
		goto zmq_fail;
	sub = zmq_socket(ctx, ZMQ_SUB);
	if (sub == NULL)
		goto zmq_fail;
	if (zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof linger) < 0)
		goto zmq_fail;
	if (zmq_connect(sub, opts.endpoint) < 0) {
		fprintf(stderr, "vetwatch: invalid endpoint '%s': %s\n", opts.endpoint,
			zmq_strerror(zmq_errno()));
		status = EX_USAGE;
		goto out;
	}
	if (opts.n_types == 0) {
		if (zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0) < 0)
			goto zmq_fail;
	}
	for (size_t i = 0; i < opts.n_types; i++) {
		if (zmq_setsockopt(sub, ZMQ_SUBSCRIBE, opts.types[i], strlen(opts.types[i])) < 0)
			goto zmq_fail;
	}

	for (;;) {
		zmq_pollitem_t items[2] = {
		    {.socket = sub, .events = ZMQ_POLLIN},
		    {.fd = sfd, .events = ZMQ_POLLIN},
		};

		if (zmq_poll(items, 2, -1) < 0) {
			if (zmq_errno() == EINTR)
				continue;
			goto zmq_fail;
		}
		if (items[1].revents & ZMQ_POLLIN)
			break; /* SIGINT or SIGTERM: a clean stop */
		if (items[0].revents & ZMQ_POLLIN) {
			/* Drain: the socket may hold many messages per wake-up. */
			for (;;) {
				int r = handle(sub, &opts);

				if (r < 0) {
					status = EX_SOFTWARE; /* handle() said why */
					goto out;
				}
				if (r == 0) {
					int events = 0;
					size_t elen = sizeof events;

					if (zmq_getsockopt(sub, ZMQ_EVENTS, &events, &elen) < 0)
						goto zmq_fail;
					if (!(events & ZMQ_POLLIN))
						break;
					continue;
				}
				if (opts.count > 0 && ++printed >= opts.count) {
					status = EX_OK;
					goto out;
				}
			}
		}
	}
	status = EX_OK;
	goto out;
zmq_fail:
	fprintf(stderr, "vetwatch: '%s': %s\n", opts.endpoint, zmq_strerror(zmq_errno()));
	status = EX_SOFTWARE;
out:
	if (sub != NULL)
		zmq_close(sub);
	if (ctx != NULL) {
		while (zmq_ctx_term(ctx) < 0 && zmq_errno() == EINTR)
			;
	}
	if (sfd >= 0)
		close(sfd);
	free(opts.types);
	return status;
}
