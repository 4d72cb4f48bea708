/*
 * vetwatch - print the events of vetallianced, never missing one.
 *
 *   vetwatch [--endpoint E] [--cmd-endpoint E] [--cursor FILE] [--once]
 *            [--type PREFIX]... [--partner ID]... [--centre ID]...
 *            [--alliance ID]... [--exec CMD] [--human] [--count N]
 *
 * The Clone pattern (docs/PROTOCOL.md, "Catch-up"): a SUB socket on the
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
#include <vetalliance/json.h>

#define SUMMARY_MAX         100
#define PAGE_EVENTS         10000
#define PAGE_BYTES          (4u << 20)
#define REQUEST_TIMEOUT_MS  5000
#define CURSOR_EVERY_MS     200
#define HEARTBEAT_DEFAULT   1000
#define HOOK_BACKOFF_MIN_MS 100
#define HOOK_BACKOFF_MAX_MS 30000
#define ONCE_ATTEMPTS       3
#define PIPELINE            3          /* catch-up requests in flight */
#define ARENA_CHUNK         (4u << 20) /* unpacking memory, reused per page */
#define STDOUT_BUFFER       (1u << 20)
#define HEARTBEAT_TOPIC     "daemon.heartbeat"

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
	O_KEY, /* security */
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

/* A catch-up request in flight: its id and the first seq it asks for. */
typedef struct inflight {
	char id[33];
	uint64_t from;
} inflight_t;

/*
 * The memory a page is unpacked into.  protobuf-c allocates every string
 * and message of a 10 000-event page one by one; here they come from a
 * list of large chunks, "freed" all at once by arena_reset() before the
 * next page.  Its free is a no-op.
 */
typedef struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char buf[];
} arena_chunk_t;

typedef struct arena {
	arena_chunk_t *head; /* the chunk being filled; older ones follow */
	arena_chunk_t *spare;
} arena_t;

typedef struct watch {
	struct options *o;
	void *sub, *dealer;
	int sfd;
	uint64_t cursor;  /* last seq handled */
	int cursor_known; /* 0 until the start position is settled */
	int start_now;    /* no cursor: start at the daemon's present */
	int fresh;        /* no cursor file: compacted history is not an error */
	uint64_t written; /* cursor value in the file */
	int64_t written_ms;
	uint64_t known_last; /* highest durable seq heard of */
	uint64_t once_target;
	/* Catch-up requests in flight, oldest first.  The first asks from
	 * cursor + 1, each next one from where the one before it ends (a full
	 * page of PAGE_EVENTS later), so the daemon builds a page while the
	 * previous one is read; a short page breaks the chain and the rest is
	 * forgotten (their replies are ignored) and asked again. */
	inflight_t fl[PIPELINE];
	size_t nfl;
	uint64_t next_from; /* from_seq of the next pipelined request */
	int full_pages;     /* 1: the last page was full (PAGE_EVENTS events) */
	int retry;          /* 1: a refused catch-up is asked again at req_deadline */
	int64_t req_deadline;
	arena_t arena;
	int timeouts;
	int cmd_warned;
	int64_t hb_last_ms;
	int64_t hb_interval;
	int hb_warned;
	long long printed;
	uint64_t delivered, caught_up, dups, gaps;
	int64_t t0;
	int stop; /* 1: clean stop requested */
	int exit_status;
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

/* ------------------------------------------------------------- cursor */

/* read_cursor - 1 and *seq when the file holds a cursor, 0 when it does
 * not exist, -1 (after a message) when it is unreadable or malformed. */
static int read_cursor(const char *path, uint64_t *seq)
{
	char buf[64];
	FILE *f = fopen(path, "r");
	char *end;
	size_t n;

	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "vetwatch: cannot read the cursor '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	errno = 0;
	*seq = strtoull(buf, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	if (errno != 0 || end == buf || *end != '\0') {
		fprintf(stderr, "vetwatch: the cursor '%s' does not hold a seq\n", path);
		return -1;
	}
	return 1;
}

/* write_cursor - replace the file atomically.  Returns 0 or -1 (after a
 * message). */
static int write_cursor(watch_t *w)
{
	const char *path = w->o->cursor_path;
	char tmp[4096], dir[4096], text[32];
	int fd, len;

	if (path == NULL || w->written == w->cursor || !w->cursor_known)
		return 0;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	len = snprintf(text, sizeof text, "%" PRIu64 "\n", w->cursor);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, (size_t)len) != len || fsync(fd) < 0) {
		fprintf(stderr, "vetwatch: cannot write the cursor '%s': %s\n", tmp,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		fprintf(stderr, "vetwatch: cannot rename '%s' to '%s': %s\n", tmp, path,
			strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof dir, "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	w->written = w->cursor;
	w->written_ms = now_ms();
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
		     /* mobilities: either side */
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
		     /* mobilities: either side */
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
 * handle_event - the event with seq cursor + 1: filter, print or hook,
 * advance the cursor.  Returns 0, or -1 to stop (w->exit_status set).
 */
static int handle_event(watch_t *w, const va_event_t *ev)
{
	char type[128];
	char *line = NULL;

	if (va_event_type(ev, type, sizeof type) < 0)
		snprintf(type, sizeof type, "unknown");
	if (wanted(w->o, ev, type)) {
		if (w->o->exec_cmd != NULL) {
			line = va_json_event(ev);
			if (line == NULL)
				goto oom;
			if (run_hook(w, line, type, ev->seq) < 0) {
				free(line);
				w->exit_status = EX_OK;
				return -1; /* stopping: the cursor stays before it */
			}
			free(line);
		} else if (w->o->human) {
			if (print_human(ev) < 0)
				goto oom;
		} else {
			line = va_json_event(ev);
			if (line == NULL)
				goto oom;
			size_t n = strlen(line);
			line[n] = '\n'; /* one write for the line and its end */
			fwrite(line, 1, n + 1, stdout);
			free(line);
		}
		w->printed++;
	}
	w->cursor = ev->seq;
	w->delivered++;
	if (w->o->exec_cmd != NULL && write_cursor(w) < 0) {
		w->exit_status = EX_IOERR;
		return -1;
	}
	if (w->o->count > 0 && w->printed >= w->o->count) {
		w->exit_status = EX_OK;
		return -1;
	}
	return 0;
oom:
	fputs("vetwatch: out of memory\n", stderr);
	w->exit_status = EX_SOFTWARE;
	return -1;
}

/* flush_out - after a batch: flush stdout, and the cursor if due. */
static int flush_out(watch_t *w, int force)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		perror("vetwatch: cannot write to stdout");
		w->exit_status = EX_IOERR;
		return -1;
	}
	if (force || now_ms() - w->written_ms >= CURSOR_EVERY_MS) {
		if (write_cursor(w) < 0) {
			w->exit_status = EX_IOERR;
			return -1;
		}
	}
	return 0;
}

/* --------------------------------------------------------------- arena */

static void *arena_alloc(void *data, size_t size)
{
	arena_t *a = data;
	arena_chunk_t *c = a->head;
	size_t need = (size + 15) & ~(size_t)15;

	if (c == NULL || c->cap - c->used < need) {
		size_t cap = need > ARENA_CHUNK ? need : ARENA_CHUNK;

		if (a->spare != NULL && a->spare->cap >= need) {
			c = a->spare;
			a->spare = c->next;
		} else {
			c = malloc(sizeof *c + cap);
			if (c == NULL)
				return NULL;
			c->cap = cap;
		}
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->buf + c->used;
	c->used += need;
	return p;
}

static void arena_free(void *data, void *p)
{
	(void)data;
	(void)p; /* all at once, in arena_reset() */
}

/* arena_reset - forget everything allocated; keep the chunks for reuse. */
static void arena_reset(arena_t *a)
{
	while (a->head != NULL) {
		arena_chunk_t *c = a->head;

		a->head = c->next;
		c->next = a->spare;
		a->spare = c;
	}
}

static void arena_release(arena_t *a)
{
	arena_reset(a);
	while (a->spare != NULL) {
		arena_chunk_t *c = a->spare;

		a->spare = c->next;
		free(c);
	}
}

/* ------------------------------------------------------------ catch-up */

/* send_one - send EventsSince from `from` and record it in flight. */
static int send_one(watch_t *w, uint64_t from)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__EventsSince es = VETALLIANCE__V1__EVENTS_SINCE__INIT;
	inflight_t *f = &w->fl[w->nfl];
	uint8_t buf[256];
	size_t len;

	va_request_id_new(f->id);
	f->from = from;
	req.request_id = f->id;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_EVENTS_SINCE;
	req.events_since = &es;
	es.from_seq = from;
	es.max_events = PAGE_EVENTS;
	es.max_bytes = PAGE_BYTES;
	len = vetalliance__v1__request__pack(&req, buf);
	if (zmq_send(w->dealer, buf, len, ZMQ_DONTWAIT) < 0 && zmq_errno() != EAGAIN) {
		fprintf(stderr, "vetwatch: '%s': %s\n", w->o->cmd_endpoint,
			zmq_strerror(zmq_errno()));
		return -1;
	}
	/* On EAGAIN the deadline sends it again. */
	w->nfl++;
	w->next_from = from + PAGE_EVENTS;
	return 0;
}

/* send_catchup - forget the requests in flight and ask again from
 * cursor + 1. */
static int send_catchup(watch_t *w)
{
	w->nfl = 0;
	w->retry = 0;
	w->req_deadline = now_ms() + REQUEST_TIMEOUT_MS;
	/* "now": a seq past any, which answers with no events and the
	 * daemon's last seq. */
	return send_one(w, w->start_now ? UINT64_MAX : w->cursor + 1);
}

/* fill_pipeline - keep PIPELINE requests in flight while the daemon is
 * known to hold more (and, with --once, up to the target only). */
static int fill_pipeline(watch_t *w)
{
	uint64_t last = w->o->once ? w->once_target : w->known_last;

	/* Pages cut short by PAGE_BYTES (large events) have no predictable
	 * end: ask one at a time then. */
	if (w->nfl == 0 || !w->cursor_known || w->start_now || !w->full_pages)
		return 0;
	while (w->nfl < PIPELINE && w->next_from <= last)
		if (send_one(w, w->next_from) < 0)
			return -1;
	return 0;
}

/* Start a catch-up unless one is in flight. */
static int want_catchup(watch_t *w)
{
	if (w->nfl > 0 || w->retry)
		return 0;
	return send_catchup(w);
}

/*
 * on_reply - one reply on the DEALER.  Returns 0, or -1 to stop
 * (w->exit_status set).
 */
static int on_reply(watch_t *w)
{
	ProtobufCAllocator alloc = {arena_alloc, arena_free, &w->arena};
	zmq_msg_t m;
	va_reply_t *r;
	uint64_t from;
	size_t k;
	int rc = 0;

	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, w->dealer, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&m);
		return 0;
	}
	arena_reset(&w->arena); /* the previous page's memory */
	r = vetalliance__v1__reply__unpack(&alloc, zmq_msg_size(&m), zmq_msg_data(&m));
	zmq_msg_close(&m);
	if (r == NULL) {
		fputs("vetwatch: malformed reply from the daemon, ignored\n", stderr);
		return 0;
	}
	for (k = 0; k < w->nfl && strcmp(r->request_id, w->fl[k].id) != 0; k++)
		;
	if (k == w->nfl)
		return 0; /* an answer to a request we gave up on */
	/* Replies come in order: one before it that got no answer is
	 * forgotten too (its events show up as a gap, asked again). */
	from = w->fl[k].from;
	memmove(w->fl, w->fl + k + 1, (w->nfl - k - 1) * sizeof w->fl[0]);
	w->nfl -= k + 1;
	w->req_deadline = now_ms() + REQUEST_TIMEOUT_MS;
	w->timeouts = 0;
	if (w->cmd_warned) {
		fprintf(stderr, "vetwatch: the daemon answers again on '%s'\n", w->o->cmd_endpoint);
		w->cmd_warned = 0;
	}
	Vetalliance__V1__EventPage *pg =
	    r->result_case == VETALLIANCE__V1__REPLY__RESULT_EVENTS ? r->events : NULL;
	if (r->status == VETALLIANCE__V1__STATUS__STATUS_FAILED_PRECONDITION && pg != NULL) {
		if (w->fresh) {
			fprintf(stderr,
				"vetwatch: history before seq %" PRIu64 " is no longer kept by the "
				"daemon; starting there\n",
				pg->first_seq);
			w->cursor = pg->first_seq - 1;
			w->fresh = 0;
			rc = send_catchup(w);
			goto out;
		}
		fprintf(
		    stderr,
		    "vetwatch: events %" PRIu64 "..%" PRIu64 " are no longer kept by the daemon "
		    "(history starts at seq %" PRIu64 "): %s\n"
		    "vetwatch: read the current state (state_get, e.g. vetctl list queries) and "
		    "start again with --from %" PRIu64 " (or remove the cursor file)\n",
		    w->cursor + 1, pg->first_seq - 1, pg->first_seq, r->message, pg->first_seq);
		w->exit_status = EX_DATAERR;
		rc = -1;
		goto out;
	}
	if (r->status != VETALLIANCE__V1__STATUS__STATUS_OK || pg == NULL) {
		fprintf(stderr, "vetwatch: catch-up refused (status %d): %s; retrying\n",
			(int)r->status, r->message);
		w->nfl = 0;
		w->retry = 1; /* at the deadline */
		w->req_deadline = now_ms() + 1000;
		goto out;
	}
	if (pg->last_seq > w->known_last)
		w->known_last = pg->last_seq;
	if (!w->cursor_known) {
		if (w->start_now)
			w->cursor = pg->last_seq;
		w->start_now = 0;
		w->cursor_known = 1;
		w->once_target = pg->last_seq;
	}
	w->fresh = 0;
	if (w->cursor > pg->last_seq && !w->cmd_warned) {
		fprintf(stderr,
			"vetwatch: the cursor (%" PRIu64
			") is ahead of the daemon (last seq %" PRIu64
			"): was its state replaced?\n",
			w->cursor, pg->last_seq);
	}
	for (size_t i = 0; i < pg->n_events; i++) {
		const va_event_t *ev = pg->events[i];
		if (ev->seq <= w->cursor) {
			w->dups++;
			continue;
		}
		if (ev->seq != w->cursor + 1) {
			w->gaps++;
			w->nfl = 0;
			break; /* not with a sound daemon and in-order replies: ask again */
		}
		w->caught_up++;
		if (handle_event(w, ev) < 0) {
			rc = -1;
			goto out;
		}
	}
	if (flush_out(w, 0) < 0) {
		rc = -1;
		goto out;
	}
	if (w->o->once && w->cursor >= w->once_target) {
		w->exit_status = EX_OK;
		rc = -1;
		goto out;
	}
	w->full_pages = pg->n_events == PAGE_EVENTS && pg->next_seq == from + PAGE_EVENTS;
	if (!w->full_pages)
		w->nfl = 0; /* a short page: the requests after it ask for the wrong seqs */
	if (w->cursor < w->known_last) {
		if (w->nfl == 0)
			rc = send_catchup(w);
		if (rc == 0)
			rc = fill_pipeline(w);
	}
out:
	/* Nothing to free: the arena is reset before the next page. */
	return rc;
}

/* alive - anything published proves the daemon is up. */
static void alive(watch_t *w, uint64_t seq)
{
	w->hb_last_ms = now_ms();
	if (w->hb_warned) {
		fprintf(stderr, "vetwatch: the daemon is back (seq %" PRIu64 ")\n", seq);
		w->hb_warned = 0;
	}
}

/* on_heartbeat - liveness and the lost tail. */
static int on_heartbeat(watch_t *w, const va_event_t *ev)
{
	const Vetalliance__V1__DaemonHeartbeat *hb = ev->daemon_heartbeat;

	if (hb->interval_ms > 0)
		w->hb_interval = hb->interval_ms;
	alive(w, hb->last_seq);
	if (hb->last_seq > w->known_last)
		w->known_last = hb->last_seq;
	if (w->cursor_known && w->cursor < hb->last_seq)
		return want_catchup(w);
	return 0;
}

/*
 * on_sub - one message on the SUB socket.  Returns 1 when one was read, 0
 * when none was waiting, -1 to stop.
 */
static int on_sub(watch_t *w)
{
	zmq_msg_t frames[2];
	size_t n = 0, extra = 0;
	va_event_t *ev = NULL;
	int more = 1, rc = 1;

	zmq_msg_init(&frames[0]);
	zmq_msg_init(&frames[1]);
	while (more) {
		zmq_msg_t *f = n < 2 ? &frames[n] : &frames[1];
		size_t more_len = sizeof more;

		if (zmq_msg_recv(f, w->sub, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
			rc = 0;
			goto out;
		}
		if (n < 2)
			n++;
		else
			extra++;
		if (zmq_getsockopt(w->sub, ZMQ_RCVMORE, &more, &more_len) < 0)
			more = 0;
	}
	if (n != 2 || extra > 0) {
		fprintf(stderr, "vetwatch: malformed message (%zu frames, expected 2), skipped\n",
			n + extra);
		goto out;
	}
	ev = vetalliance__v1__event__unpack(NULL, zmq_msg_size(&frames[1]),
					    zmq_msg_data(&frames[1]));
	if (ev == NULL) {
		fprintf(stderr, "vetwatch: malformed event on topic '%.*s', skipped\n",
			(int)zmq_msg_size(&frames[0]), (const char *)zmq_msg_data(&frames[0]));
		goto out;
	}
	if (ev->payload_case == VETALLIANCE__V1__EVENT__PAYLOAD_DAEMON_HEARTBEAT) {
		if (on_heartbeat(w, ev) < 0)
			rc = -1;
		goto out;
	}
	alive(w, ev->seq);
	if (!w->cursor_known && w->start_now) {
		/* Live from now: the first event seen is as good a "now" as the
		 * catch-up's answer (and needs no command endpoint). */
		w->cursor = ev->seq - 1;
		w->cursor_known = 1;
		w->start_now = 0;
	}
	if (ev->seq > w->known_last)
		w->known_last = ev->seq;
	if (!w->cursor_known || ev->seq <= w->cursor) {
		w->dups++;
		goto out;
	}
	if (ev->seq != w->cursor + 1) {
		/* A gap (or a --type subscription): fetch the missing ones, in
		 * order; this one comes with them. */
		w->gaps++;
		if (want_catchup(w) < 0)
			rc = -1;
		goto out;
	}
	if (handle_event(w, ev) < 0)
		rc = -1;
out:
	if (ev != NULL)
		vetalliance__v1__event__free_unpacked(ev, NULL);
	zmq_msg_close(&frames[0]);
	zmq_msg_close(&frames[1]);
	return rc;
}

/* check_timers - a catch-up without reply; heartbeats overdue. */
static int check_timers(watch_t *w)
{
	int64_t now = now_ms();

	if ((w->nfl > 0 || w->retry) && now >= w->req_deadline) {
		if (!w->retry) {
			w->timeouts++;
			if (!w->cmd_warned) {
				fprintf(stderr,
					"vetwatch: no answer from the daemon on '%s'; retrying\n",
					w->o->cmd_endpoint);
				w->cmd_warned = 1;
			}
			if (w->o->once && w->timeouts >= ONCE_ATTEMPTS) {
				fprintf(stderr, "vetwatch: giving up after %d attempts\n",
					w->timeouts);
				w->exit_status = EX_UNAVAILABLE;
				return -1;
			}
		}
		if (send_catchup(w) < 0) {
			w->exit_status = EX_SOFTWARE;
			return -1;
		}
	}
	if (!w->o->once && w->o->hb_timeout != 0 && !w->hb_warned) {
		int64_t limit = w->o->hb_timeout > 0 ? w->o->hb_timeout : 3 * w->hb_interval;
		if (now - w->hb_last_ms > limit) {
			fprintf(stderr,
				"vetwatch: no heartbeat from the daemon for %" PRId64
				" ms: it may be "
				"down (waiting for it)\n",
				now - w->hb_last_ms);
			w->hb_warned = 1;
		}
	}
	return 0;
}

static int set_int(void *s, int opt, int v)
{
	return zmq_setsockopt(s, opt, &v, sizeof v);
}

int main(int argc, char **argv)
{
	struct options opts = {0};
	watch_t w = {0};
	void *ctx = NULL;
	sigset_t mask;
	int done = 0;
	int status = EX_SOFTWARE;

	w.o = &opts;
	w.sfd = -1;
	/* Catch-up prints a page at a time; flush_out() flushes after each. */
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

	/* Where to start. */
	if (opts.cursor_path != NULL) {
		int rc = read_cursor(opts.cursor_path, &w.cursor);
		if (rc < 0) {
			status = EX_DATAERR;
			goto out;
		}
		if (rc == 1) {
			w.cursor_known = 0; /* settled by the first reply */
		} else if (opts.from > 0) {
			w.cursor = (uint64_t)opts.from - 1;
		} else {
			w.fresh = 1;
		}
	} else if (opts.from > 0) {
		w.cursor = (uint64_t)opts.from - 1;
	} else if (opts.once) {
		w.fresh = 1;
	} else {
		w.start_now = 1;
	}
	w.written = opts.cursor_path != NULL ? w.cursor : 0;
	if (opts.cursor_path != NULL && w.fresh)
		w.written = UINT64_MAX; /* write even 0 */
	w.hb_interval = HEARTBEAT_DEFAULT;

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

	ctx = zmq_ctx_new();
	if (ctx == NULL)
		goto zmq_fail;
	if (!opts.once) {
		w.sub = zmq_socket(ctx, ZMQ_SUB);
		if (w.sub == NULL || set_int(w.sub, ZMQ_LINGER, 0) < 0)
			goto zmq_fail;
		if (opts.rcvhwm > 0 && set_int(w.sub, ZMQ_RCVHWM, opts.rcvhwm) < 0)
			goto zmq_fail;
		if (opts.keyed && va_keys_apply(&opts.keys, w.sub) < 0)
			goto zmq_fail;
		if (opts.types.n == 0) {
			if (zmq_setsockopt(w.sub, ZMQ_SUBSCRIBE, "", 0) < 0)
				goto zmq_fail;
		} else {
			for (size_t i = 0; i < opts.types.n; i++)
				if (zmq_setsockopt(w.sub, ZMQ_SUBSCRIBE, opts.types.v[i],
						   strlen(opts.types.v[i])) < 0)
					goto zmq_fail;
			if (zmq_setsockopt(w.sub, ZMQ_SUBSCRIBE, HEARTBEAT_TOPIC,
					   strlen(HEARTBEAT_TOPIC)) < 0)
				goto zmq_fail;
		}
		if (zmq_connect(w.sub, opts.endpoint) < 0) {
			fprintf(stderr, "vetwatch: invalid endpoint '%s': %s\n", opts.endpoint,
				zmq_strerror(zmq_errno()));
			status = EX_USAGE;
			goto out;
		}
	}
	w.dealer = zmq_socket(ctx, ZMQ_DEALER);
	if (w.dealer == NULL || set_int(w.dealer, ZMQ_LINGER, 0) < 0)
		goto zmq_fail;
	if (opts.keyed && va_keys_apply(&opts.keys, w.dealer) < 0)
		goto zmq_fail;
	if (zmq_connect(w.dealer, opts.cmd_endpoint) < 0) {
		fprintf(stderr, "vetwatch: invalid endpoint '%s': %s\n", opts.cmd_endpoint,
			zmq_strerror(zmq_errno()));
		status = EX_USAGE;
		goto out;
	}

	/* Subscribed first; now the catch-up. */
	w.t0 = now_ms();
	w.hb_last_ms = w.t0;
	w.written_ms = w.t0;
	if (send_catchup(&w) < 0)
		goto out;
	w.exit_status = -1;
	while (w.exit_status < 0) {
		zmq_pollitem_t items[3] = {
		    {.socket = w.dealer, .events = ZMQ_POLLIN},
		    {.fd = w.sfd, .events = ZMQ_POLLIN},
		    {.socket = w.sub, .events = ZMQ_POLLIN},
		};
		int nitems = w.sub != NULL ? 3 : 2;

		if (zmq_poll(items, nitems, 100) < 0) {
			if (zmq_errno() == EINTR)
				continue;
			goto zmq_fail;
		}
		if (items[1].revents & ZMQ_POLLIN) {
			w.exit_status = EX_OK; /* SIGINT or SIGTERM: a clean stop */
			break;
		}
		if (items[0].revents & ZMQ_POLLIN) {
			for (int i = 0; i < 64 && w.exit_status < 0; i++) {
				int ev = 0;
				size_t elen = sizeof ev;
				if (on_reply(&w) < 0)
					break;
				if (zmq_getsockopt(w.dealer, ZMQ_EVENTS, &ev, &elen) < 0 ||
				    !(ev & ZMQ_POLLIN))
					break;
			}
		}
		if (w.exit_status < 0 && nitems == 3 && (items[2].revents & ZMQ_POLLIN)) {
			/* Drain up to a budget, so replies are not starved. */
			for (int i = 0; i < 10000 && w.exit_status < 0; i++) {
				int r = on_sub(&w);
				if (r <= 0)
					break;
			}
		}
		if (w.stop && w.exit_status < 0)
			w.exit_status = EX_OK;
		if (w.exit_status < 0 && flush_out(&w, 0) < 0)
			break;
		if (w.exit_status < 0 && check_timers(&w) < 0)
			break;
	}
	status = w.exit_status;
	if (fflush(stdout) == EOF || ferror(stdout))
		status = EX_IOERR;
	if (write_cursor(&w) < 0 && status == EX_OK)
		status = EX_IOERR;
	if (opts.stats) {
		double secs = (double)(now_ms() - w.t0) / 1000.0;
		fprintf(stderr,
			"vetwatch: %" PRIu64 " events (%" PRIu64 " from catch-up), %" PRIu64
			" duplicates dropped, %" PRIu64 " gaps repaired, %.3f s, %.0f events/s\n",
			w.delivered, w.caught_up, w.dups, w.gaps, secs,
			secs > 0 ? (double)w.delivered / secs : 0.0);
	}
	goto out;
zmq_fail:
	fprintf(stderr, "vetwatch: %s\n", zmq_strerror(zmq_errno()));
	status = EX_SOFTWARE;
out:
	if (w.sub != NULL)
		zmq_close(w.sub);
	if (w.dealer != NULL)
		zmq_close(w.dealer);
	if (ctx != NULL) {
		while (zmq_ctx_term(ctx) < 0 && zmq_errno() == EINTR)
			;
	}
	if (w.sfd >= 0)
		close(w.sfd);
	arena_release(&w.arena);
	free(opts.types.v);
	free(opts.partners.v);
	free(opts.centres.v);
	free(opts.alliances.v);
	return status;
}
