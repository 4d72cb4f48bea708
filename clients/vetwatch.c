/*
 * vetwatch - print the events of vetallianced, never missing one.
 *
 *   vetwatch [--endpoint E] [--cmd-endpoint E] [--cursor FILE] [--once]
 *            [--type PREFIX]... [--partner ID]... [--centre ID]...
 *            [--alliance ID]... [--exec CMD] [--human] [--count N]
 *
 * The Clone pattern (docs/PROTOCOL.md, "Catch-up"), through the client
 * library's watcher (vetalliance/watch.h): a SUB socket on the
 * PUB endpoint is subscribed first (to each --type prefix and to
 * "daemon.heartbeat"), then a DEALER on the command endpoint asks for the
 * events after the cursor (EventsSince, in pages) until it reaches the
 * daemon's last durable seq; up to PIPELINE requests are in flight, each
 * asking from where the page before it will end, so the daemon reads the
 * next page while this one is printed.  `cursor` is the last seq
 * handled: an event is handled when it has been printed (or run through
 * the hook), or skipped by a filter.  Then:
 *
 *   - a live event with seq <= cursor is a duplicate and is dropped;
 *   - seq == cursor + 1 is handled at once;
 *   - seq > cursor + 1 is a gap (PUB dropped something at its high-water
 *     mark, or the subscription is narrowed by --type): the event is
 *     dropped and a catch-up from cursor + 1 fetches it with what is
 *     missing, in order;
 *   - a heartbeat whose last_seq is past the cursor also starts a
 *     catch-up (the lost tail of a burst has no later event to reveal
 *     it), and heartbeats tell a quiet daemon from a dead one: after
 *     three intervals without one vetwatch warns on stderr, and says so
 *     again when they come back.  ZeroMQ reconnects both sockets by
 *     itself after a daemon restart; a catch-up request without a reply
 *     is sent again (a query: harmless to repeat).
 *
 * The cursor file (--cursor) holds the cursor as decimal text, replaced
 * atomically (temp file, fsync, rename, fsync of the directory): at least
 * every 200 ms while events flow, after every event with --exec, and at
 * exit.  A clean stop (SIGINT, SIGTERM, --count, --once) therefore
 * resumes exactly where it stopped; after a SIGKILL the events of the last
 * 200 ms may be handled again (at least once, in order).
 *
 * Hooks (--exec CMD): for each event that passes the filters, /bin/sh -c
 * CMD runs with the event's JSON line on stdin and VET_EVENT_TYPE,
 * VET_EVENT_SEQ in the environment.  A non-zero exit is retried after
 * 100 ms, doubling up to 30 s, for ever; the cursor moves past the event
 * only once the hook succeeded.  With --exec, stdout gets nothing.
 *
 * SIGINT and SIGTERM are taken through a signalfd polled beside the
 * sockets (blocked before the ZeroMQ context starts its threads); hooks
 * get the signals unblocked.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zmq.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>
#include <vetalliance/json.h>
#include <vetalliance/watch.h>

#define SUMMARY_MAX         100
#define HOOK_BACKOFF_MIN_MS 100
#define HOOK_BACKOFF_MAX_MS 30000
#define STDOUT_BUFFER       (1u << 20)

enum {
	O_ENDPOINT = 256,
	O_CMD_ENDPOINT,
	O_TYPE,
	O_PARTNER,
	O_CENTRE,
	O_ALLIANCE,
	O_COUNT,
	O_HUMAN,
	O_CURSOR,
	O_FROM,
	O_ONCE,
	O_EXEC,
	O_RCVHWM,
	O_HB_TIMEOUT,
	O_STATS,
	O_HELP,
	O_VERSION,
	O_KEY,
	O_SERVER_KEY,
};

static const struct option long_options[] = {
    {"endpoint", required_argument, NULL, O_ENDPOINT},
    {"cmd-endpoint", required_argument, NULL, O_CMD_ENDPOINT},
    {"type", required_argument, NULL, O_TYPE},
    {"partner", required_argument, NULL, O_PARTNER},
    {"centre", required_argument, NULL, O_CENTRE},
    {"alliance", required_argument, NULL, O_ALLIANCE},
    {"count", required_argument, NULL, O_COUNT},
    {"human", no_argument, NULL, O_HUMAN},
    {"cursor", required_argument, NULL, O_CURSOR},
    {"from", required_argument, NULL, O_FROM},
    {"once", no_argument, NULL, O_ONCE},
    {"exec", required_argument, NULL, O_EXEC},
    {"rcvhwm", required_argument, NULL, O_RCVHWM},
    {"heartbeat-timeout", required_argument, NULL, O_HB_TIMEOUT},
    {"stats", no_argument, NULL, O_STATS},
    {"help", no_argument, NULL, O_HELP},
    {"version", no_argument, NULL, O_VERSION},
    {"key", required_argument, NULL, O_KEY},
    {"server-key", required_argument, NULL, O_SERVER_KEY},
    {NULL, 0, NULL, 0},
};

typedef struct strlist {
	char **v;
	size_t n;
} strlist_t;

struct options {
	const char *endpoint;
	const char *cmd_endpoint;
	strlist_t types, partners, centres, alliances;
	long long count; /* 0: no limit */
	int human;
	const char *cursor_path;
	long long from; /* -1: not given */
	int once;
	const char *exec_cmd;
	int rcvhwm;           /* 0: libzmq's default */
	long long hb_timeout; /* ms; -1: 3 intervals; 0: never warn */
	int stats;
	const char *key;        /* --key: our secret certificate (security) */
	const char *server_key; /* --server-key: the daemon's public certificate */
	va_keys_t keys;
	int keyed;
};

/* What the event callback needs: the options, and the signals. */
typedef struct watch {
	struct options *o;
	int sfd;
	int stop; /* 1: a signal asked to stop */
	long long printed;
} watch_t;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *out)
{
	fputs("usage: vetwatch [--endpoint E] [--cmd-endpoint E] [--cursor FILE] [--from SEQ]\n"
	      "                [--once] [--type PREFIX]... [--partner ID]... [--centre ID]...\n"
	      "                [--alliance ID]... [--exec CMD] [--human] [--count N]\n"
	      "\n"
	      "Print each event of vetallianced as one JSON line:\n"
	      "  {\"seq\":N,\"type\":\"centre.registered\",\"time\":\"...Z\",\"time_ms\":N,\n"
	      "   \"actor\":\"...\",\"request_id\":\"...\",\"payload\":{...}}\n"
	      "Missed events are fetched from the daemon (catch-up), duplicates dropped,\n"
	      "so every event is shown once and in seq order.\n"
	      "\n"
	      "options:\n"
	      "  --endpoint E       event (PUB) endpoint (default: $VETWATCH_ENDPOINT, "
	      "else " VA_DEFAULT_PUB_ENDPOINT ")\n"
	      "  --cmd-endpoint E   command endpoint, for catch-up (default:\n"
	      "                     $VETWATCH_CMD_ENDPOINT, else " VA_DEFAULT_CMD_ENDPOINT ")\n"
	      "  --cursor FILE      resume after the seq stored in FILE and keep it up to\n"
	      "                     date; a missing FILE starts at the oldest kept event\n"
	      "  --from SEQ         when there is no cursor: start at SEQ (default: with\n"
	      "                     --cursor or --once the oldest kept event, else now)\n"
	      "  --once             catch up to the daemon's present and exit (for cron)\n"
	      "  --type PREFIX      only events whose type starts with PREFIX, e.g. 'centre.';\n"
	      "                     may be repeated\n"
	      "  --partner ID       only events about partner ID (its own, its centres',\n"
	      "                     its interests, mobilities to or from it); may be\n"
	      "                     repeated\n"
	      "  --centre ID        only events about centre ID (mobilities: sending or\n"
	      "                     host); may be repeated\n"
	      "  --alliance ID      only events whose payload names alliance ID; may be\n"
	      "                     repeated\n"
	      "  --exec CMD         run /bin/sh -c CMD per event, JSON on stdin and\n"
	      "                     VET_EVENT_TYPE, VET_EVENT_SEQ set; retried with backoff\n"
	      "                     until it succeeds; nothing is printed\n"
	      "  --human            one readable line per event instead of JSON\n"
	      "  --count N          exit after N events\n"
	      "  --heartbeat-timeout MS  warn when no heartbeat came for MS ms (default:\n"
	      "                     three of the daemon's intervals; 0: never)\n"
	      "  --rcvhwm N         receive high-water mark of the event socket (testing)\n"
	      "  --stats            print counts and the rate to stderr at exit\n"
	      "  --key FILE         our secret certificate, for a daemon with CURVE keys\n"
	      "                     (default: $" VA_ENV_KEY ")\n"
	      "  --server-key FILE  the daemon's public certificate (default:\n"
	      "                     $" VA_ENV_SERVER_KEY ")\n"
	      "  --help             print this help\n"
	      "  --version          print the version\n"
	      "\n"
	      "exit status: 0 after --count events, --once, or SIGINT/SIGTERM; 64 usage\n"
	      "error; 65 the cursor is older than the daemon's kept history; 69 the daemon\n"
	      "did not answer (--once); 70 internal error; 74 the cursor cannot be written\n",
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

static int parse_num(const char *opt, const char *s, long long min, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *out < min) {
		usage_error("invalid %s '%s': expected a number >= %lld", opt, s, min);
		return EX_USAGE;
	}
	return 0;
}

/* parse_args - returns 0, EX_OK after --help/--version (with *done set),
 * or EX_USAGE. */
static int parse_args(int argc, char **argv, struct options *o, int *done)
{
	long long v;
	int c;

	o->endpoint = getenv("VETWATCH_ENDPOINT");
	if (o->endpoint == NULL || o->endpoint[0] == '\0')
		o->endpoint = VA_DEFAULT_PUB_ENDPOINT;
	o->cmd_endpoint = getenv("VETWATCH_CMD_ENDPOINT");
	if (o->cmd_endpoint == NULL || o->cmd_endpoint[0] == '\0')
		o->cmd_endpoint = VA_DEFAULT_CMD_ENDPOINT;
	o->from = -1;
	o->hb_timeout = -1;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
		switch (c) {
		case O_ENDPOINT:
			o->endpoint = optarg;
			break;
		case O_CMD_ENDPOINT:
			o->cmd_endpoint = optarg;
			break;
		case O_KEY:
			o->key = optarg;
			break;
		case O_SERVER_KEY:
			o->server_key = optarg;
			break;
		case O_TYPE:
			o->types.v[o->types.n++] = optarg;
			break;
		case O_PARTNER:
			o->partners.v[o->partners.n++] = optarg;
			break;
		case O_CENTRE:
			o->centres.v[o->centres.n++] = optarg;
			break;
		case O_ALLIANCE:
			o->alliances.v[o->alliances.n++] = optarg;
			break;
		case O_COUNT:
			if (parse_num("--count", optarg, 1, &o->count))
				return EX_USAGE;
			break;
		case O_HUMAN:
			o->human = 1;
			break;
		case O_CURSOR:
			o->cursor_path = optarg;
			break;
		case O_FROM:
			if (parse_num("--from", optarg, 1, &o->from))
				return EX_USAGE;
			break;
		case O_ONCE:
			o->once = 1;
			break;
		case O_EXEC:
			o->exec_cmd = optarg;
			break;
		case O_RCVHWM:
			if (parse_num("--rcvhwm", optarg, 0, &v) || v > 1000000)
				return EX_USAGE;
			o->rcvhwm = (int)v;
			break;
		case O_HB_TIMEOUT:
			if (parse_num("--heartbeat-timeout", optarg, 0, &o->hb_timeout))
				return EX_USAGE;
			break;
		case O_STATS:
			o->stats = 1;
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

/* ------------------------------------------------------------ filters */

/* The payload message of an event, or NULL. */
static const ProtobufCMessage *payload_of(const va_event_t *ev)
{
	const ProtobufCFieldDescriptor *f;

	if (ev->payload_case == VETALLIANCE__V1__EVENT__PAYLOAD__NOT_SET)
		return NULL;
	f = protobuf_c_message_descriptor_get_field(ev->base.descriptor,
						    (unsigned)ev->payload_case);
	if (f == NULL || f->type != PROTOBUF_C_TYPE_MESSAGE)
		return NULL;
	return *(const ProtobufCMessage *const *)((const char *)ev + f->offset);
}

/* The string field `name` of the payload, or NULL. */
static const char *payload_str(const ProtobufCMessage *m, const char *name)
{
	const ProtobufCFieldDescriptor *f;

	if (m == NULL)
		return NULL;
	f = protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
	if (f == NULL || f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
		return NULL;
	return *(const char *const *)((const char *)m + f->offset);
}

static int in_list(const strlist_t *l, const char *s)
{
	if (s == NULL)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

/* Whether the event passes every filter given (OR within one flag). */
static int wanted(const struct options *o, const va_event_t *ev, const char *type)
{
	const ProtobufCMessage *p = payload_of(ev);
	int ok;

	if (o->types.n > 0) {
		ok = 0;
		for (size_t i = 0; i < o->types.n && !ok; i++)
			ok = strncmp(type, o->types.v[i], strlen(o->types.v[i])) == 0;
		if (!ok)
			return 0;
	}
	if (o->partners.n > 0) {
		ok = in_list(&o->partners, payload_str(p, "partner")) ||
		     in_list(&o->partners, payload_str(p, "partner_id")) ||
		     (strncmp(type, "partner.", 8) == 0 &&
		      in_list(&o->partners, payload_str(p, "id"))) ||
		     /* Either side */
		     in_list(&o->partners, payload_str(p, "sending_partner")) ||
		     in_list(&o->partners, payload_str(p, "host_partner"));
		if (!ok)
			return 0;
	}
	if (o->centres.n > 0) {
		ok = in_list(&o->centres, payload_str(p, "centre")) ||
		     in_list(&o->centres, payload_str(p, "centre_id")) ||
		     in_list(&o->centres, payload_str(p, "host")) || /* sessions */
		     (strncmp(type, "centre.", 7) == 0 &&
		      in_list(&o->centres, payload_str(p, "id"))) ||
		     /* Either side */
		     in_list(&o->centres, payload_str(p, "sending")) ||
		     in_list(&o->centres, payload_str(p, "host"));
		if (!ok)
			return 0;
	}
	if (o->alliances.n > 0) {
		ok = in_list(&o->alliances, payload_str(p, "alliance")) ||
		     in_list(&o->alliances, payload_str(p, "alliance_id")) ||
		     (strncmp(type, "alliance.", 9) == 0 &&
		      in_list(&o->alliances, payload_str(p, "id")));
		if (!ok)
			return 0;
	}
	return 1;
}

/* -------------------------------------------------------------- hooks */

/* Sleep ms, or less when a signal comes.  Returns 1 when one came. */
static int nap(watch_t *w, int ms)
{
	struct pollfd pfd = {.fd = w->sfd, .events = POLLIN};

	if (poll(&pfd, 1, ms) > 0 && (pfd.revents & POLLIN)) {
		w->stop = 1;
		return 1;
	}
	return 0;
}

/* run_hook_once - the hook's exit status (0 success), or -1. */
static int run_hook_once(const char *cmd, const char *line, const char *type, uint64_t seq)
{
	int pfd[2];
	pid_t pid;
	int status;
	size_t len = strlen(line), off = 0;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		char seqs[32];
		sigset_t all;

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		signal(SIGPIPE, SIG_DFL);
		snprintf(seqs, sizeof seqs, "%" PRIu64, seq);
		setenv("VET_EVENT_TYPE", type, 1);
		setenv("VET_EVENT_SEQ", seqs, 1);
		if (dup2(pfd[0], 0) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[0]);
	while (off < len) {
		ssize_t n = write(pfd[1], line + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the hook did not read it all: its exit status decides */
		off += (size_t)n;
	}
	if (off == len)
		(void)!write(pfd[1], "\n", 1);
	close(pfd[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* run_hook - until it succeeds (0), or -1 when a signal asks to stop. */
static int run_hook(watch_t *w, const char *line, const char *type, uint64_t seq)
{
	int delay = HOOK_BACKOFF_MIN_MS;

	for (;;) {
		int rc = run_hook_once(w->o->exec_cmd, line, type, seq);
		if (rc == 0)
			return 0;
		fprintf(stderr,
			"vetwatch: the hook failed for event %" PRIu64 " (%s) with status %d; "
			"retrying in %d ms\n",
			seq, type, rc, delay);
		if (nap(w, delay))
			return -1;
		delay = delay * 2 > HOOK_BACKOFF_MAX_MS ? HOOK_BACKOFF_MAX_MS : delay * 2;
	}
}

/* ------------------------------------------------------------- events */

/*
 * on_event - the watcher's callback for the event after the cursor:
 * filter, print or hook.  Returns 0, VA_WATCH_DONE when --count is
 * reached, VA_WATCH_STOP when a signal came during a failing hook (the
 * event is handled again next time), or -VA_INTERNAL out of memory.
 */
static int on_event(void *arg, const va_event_t *ev)
{
	watch_t *w = arg;
	char type[128];
	char *line = NULL;

	if (va_event_type(ev, type, sizeof type) < 0)
		snprintf(type, sizeof type, "unknown");
	if (!wanted(w->o, ev, type))
		return 0;
	if (w->o->exec_cmd != NULL) {
		line = va_json_event(ev);
		if (line == NULL)
			goto oom;
		if (run_hook(w, line, type, ev->seq) < 0) {
			free(line);
			return VA_WATCH_STOP; /* stopping: the cursor stays before it */
		}
		free(line);
	} else if (w->o->human) {
		if (print_human(ev) < 0)
			goto oom;
	} else {
		size_t n;

		line = va_json_event(ev);
		if (line == NULL)
			goto oom;
		n = strlen(line);
		line[n] = '\n'; /* one write for the line and its end */
		fwrite(line, 1, n + 1, stdout);
		free(line);
	}
	w->printed++;
	if (w->o->count > 0 && w->printed >= w->o->count)
		return VA_WATCH_DONE;
	return 0;
oom:
	fputs("vetwatch: out of memory\n", stderr);
	return -VA_INTERNAL;
}

static void on_notice(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "vetwatch: %s\n", line);
}

/* The exit status for what va_watch_step() returned. */
static int exit_status(int rc)
{
	switch (rc) {
	case VA_WATCH_STOP:
	case VA_WATCH_DONE:
		return EX_OK;
	case -VA_FAILED_PRECONDITION:
		fputs("vetwatch: read the current state (state_get, e.g. vetctl list queries) and "
		      "start again with --from the first seq kept (or remove the cursor file)\n",
		      stderr);
		return EX_DATAERR;
	case -VA_UNAVAILABLE:
		return EX_UNAVAILABLE;
	case -VA_INTERNAL:
		return EX_IOERR;
	default:
		return EX_SOFTWARE;
	}
}

int main(int argc, char **argv)
{
	struct options opts = {0};
	watch_t w = {0};
	va_watch_t *vw = NULL;
	va_watch_opts_t wo = {0};
	va_watch_stats_t st;
	sigset_t mask;
	int64_t t0;
	int done = 0, rc = 0;
	int status = EX_SOFTWARE;

	w.o = &opts;
	w.sfd = -1;
	/* Catch-up prints a page at a time; stdout is flushed after each step. */
	setvbuf(stdout, NULL, _IOFBF, STDOUT_BUFFER);
	opts.types.v = calloc((size_t)argc + 1, sizeof(char *));
	opts.partners.v = calloc((size_t)argc + 1, sizeof(char *));
	opts.centres.v = calloc((size_t)argc + 1, sizeof(char *));
	opts.alliances.v = calloc((size_t)argc + 1, sizeof(char *));
	if (!opts.types.v || !opts.partners.v || !opts.centres.v || !opts.alliances.v) {
		fputs("vetwatch: out of memory\n", stderr);
		goto out;
	}
	status = parse_args(argc, argv, &opts, &done);
	if (status != 0 || done)
		goto out;
	{
		char err[512];
		if (va_keys_setup(&opts.keys, &opts.keyed, opts.key, opts.server_key, err,
				  sizeof err) < 0) {
			fprintf(stderr, "vetwatch: %s\n", err);
			status = EX_USAGE;
			goto out;
		}
	}
	status = EX_SOFTWARE;

	/* Before zmq_ctx_new(): its I/O threads inherit the mask. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
		perror("vetwatch: sigprocmask");
		goto out;
	}
	w.sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (w.sfd < 0) {
		perror("vetwatch: signalfd");
		goto out;
	}

	wo.pub_endpoint = opts.endpoint;
	wo.cmd_endpoint = opts.cmd_endpoint;
	wo.keys = opts.keyed ? &opts.keys : NULL;
	wo.topics = (const char *const *)opts.types.v;
	wo.n_topics = opts.types.n;
	wo.cursor_file = opts.cursor_path;
	wo.from = opts.from > 0 ? (uint64_t)opts.from : 0;
	wo.once = opts.once;
	wo.checkpoint_each = opts.exec_cmd != NULL;
	wo.heartbeat_timeout_ms = opts.hb_timeout < 0    ? 0
				  : opts.hb_timeout == 0 ? -1
							 : (int)opts.hb_timeout;
	wo.rcvhwm = opts.rcvhwm;
	wo.notice = on_notice;
	{
		char err[512];

		rc = va_watch_new(&vw, &wo, on_event, &w, err, sizeof err);
		if (rc < 0) {
			fprintf(stderr, "vetwatch: %s\n", err);
			status = rc == -VA_INVALID_ARGUMENT ? EX_USAGE : EX_SOFTWARE;
			if (rc == -VA_INVALID_ARGUMENT && opts.cursor_path != NULL &&
			    strstr(err, "cursor") != NULL)
				status = EX_DATAERR;
			goto out;
		}
	}
	t0 = now_ms();
	for (rc = 0; rc == 0;) {
		struct pollfd pfd = {.fd = w.sfd, .events = POLLIN};

		if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN)) {
			rc = VA_WATCH_STOP; /* SIGINT or SIGTERM: a clean stop */
			break;
		}
		rc = va_watch_step(vw, 100);
		if (w.stop && rc == 0)
			rc = VA_WATCH_STOP;
		if (fflush(stdout) == EOF || ferror(stdout)) {
			perror("vetwatch: cannot write to stdout");
			rc = -VA_INTERNAL;
			break;
		}
		if (rc >= 0 && va_watch_checkpoint(vw, 0) < 0)
			rc = -VA_INTERNAL;
	}
	status = exit_status(rc);
	if (fflush(stdout) == EOF || ferror(stdout))
		status = EX_IOERR;
	if (va_watch_checkpoint(vw, 1) < 0 && status == EX_OK)
		status = EX_IOERR;
	if (opts.stats) {
		double secs = (double)(now_ms() - t0) / 1000.0;

		va_watch_stats(vw, &st);
		fprintf(stderr,
			"vetwatch: %" PRIu64 " events (%" PRIu64 " from catch-up), %" PRIu64
			" duplicates dropped, %" PRIu64 " gaps repaired, %.3f s, %.0f events/s\n",
			st.delivered, st.caught_up, st.duplicates, st.gaps, secs,
			secs > 0 ? (double)st.delivered / secs : 0.0);
	}
out:
	va_watch_free(&vw);
	if (w.sfd >= 0)
		close(w.sfd);
	free(opts.types.v);
	free(opts.partners.v);
	free(opts.centres.v);
	free(opts.alliances.v);
	return status;
}
