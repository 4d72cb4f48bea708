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
 * Seed mode and the consortium mix: vetbench_seed.h and vetbench_mix.h.
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

#include "vetbench_mix.h"
#include "vetbench_seed.h"

#define EXIT_FAILED 1

#define DEFAULT_CLIENTS    50
#define DEFAULT_WINDOW     1
#define DEFAULT_DURATION_S 10.0
#define DEFAULT_TIMEOUT_MS 5000
#define SEED_WINDOW        256
#define MAX_CLIENTS        1024
#define MAX_WINDOW         4096
#define PREFIX_MAX         8
#define RECV_BUDGET        256
#define POOL_MIN           8

#define NS_PER_S  1000000000LL
#define NS_PER_MS 1000000LL

/* ------------------------------------------------------- histogram */

/*
 * Values below 2 * HIST_SUB are counted exactly; above, each power of two
 * is split into HIST_SUB buckets, so a bucket spans at most 1/HIST_SUB of
 * its value.
 */
#define HIST_SUB_BITS 7
#define HIST_SUB      (1u << HIST_SUB_BITS)
#define HIST_BUCKETS  (2 * HIST_SUB + (64 - HIST_SUB_BITS - 1) * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t min, max;
	double sum;
	uint64_t b[HIST_BUCKETS];
};

static unsigned hist_index(uint64_t v)
{
	unsigned msb, shift;

	if (v < 2 * HIST_SUB)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	shift = msb - HIST_SUB_BITS;
	return 2 * HIST_SUB + (shift - 1) * HIST_SUB + (unsigned)((v >> shift) - HIST_SUB);
}

/* hist_upper - the highest value counted in bucket i. */
static uint64_t hist_upper(unsigned i)
{
	unsigned k, shift;
	uint64_t top;

	if (i < 2 * HIST_SUB)
		return i;
	k = i - 2 * HIST_SUB;
	shift = k / HIST_SUB + 1;
	top = k % HIST_SUB + HIST_SUB;
	return ((top + 1) << shift) - 1;
}

static void hist_add(struct hist *h, uint64_t v)
{
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += (double)v;
	h->b[hist_index(v)]++;
}

/* hist_percentile - the value below which p percent of samples fall (the
 * top of its bucket, never above the largest sample); 0 if empty. */
static uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0;
	double exact;

	if (h->count == 0)
		return 0;
	exact = p / 100.0 * (double)h->count;
	rank = (uint64_t)exact;
	if ((double)rank < exact)
		rank++;
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			return hist_upper(i) < h->max ? hist_upper(i) : h->max;
	}
	return h->max;
}

/* ----------------------------------------------------- the workload */

/* The ops of the centre mixes, then those of the consortium mix
 * (OP_MIX + enum mix_op, vetbench_mix.h). */
enum op {
	OP_REGISTER,
	OP_UPDATE,
	OP_INTEREST,
	OP_CENTRE_GET,
	OP_PARTNER_LIST,
	OP_MIX,
	OP_COUNT = OP_MIX + MIX_OPS
};

static const char *op_name(unsigned op)
{
	static const char *const names[OP_MIX] = {
	    [OP_REGISTER] = "centre_register",  [OP_UPDATE] = "centre_update",
	    [OP_INTEREST] = "interest_mark",    [OP_CENTRE_GET] = "centre_get",
	    [OP_PARTNER_LIST] = "partner_list",
	};

	return op < OP_MIX ? names[op] : mix_op_names[op - OP_MIX];
}

enum mix { MIX_REALISTIC, MIX_REGISTER, MIX_UPDATE, MIX_QUERY, MIX_CONSORTIUM, MIX_COUNT };

static const char *const mix_names[MIX_COUNT] = {"realistic", "register", "update", "query",
						 "consortium"};

/* The reference data of daemon/data/defaults.zpl that requests name. */
struct partner_ref {
	const char *id;
	const char *country;
	const char *regions[5];
	unsigned n_regions;
};

static const struct partner_ref partners[] = {
    {"CYL", "ES", {"Segovia", "Ávila", "Salamanca", "Valladolid", "León"}, 5},
    {"SBH", "DE", {"Nordrhein-Westfalen", "Berlin", "Sachsen"}, 3},
    {"STK", "PL", {"Małopolska", "Mazowieckie", "Śląskie"}, 3},
    {"IEFP", "PT", {"Lisboa", "Norte", "Centro"}, 3},
    {"SAMIEDU", "FI", {"Etelä-Savo", "Pohjois-Savo"}, 2},
};
#define N_PARTNERS (sizeof partners / sizeof partners[0])

/* The ten key sectors of the reference data: seed_sectors (vetbench_seed.h). */
#define N_SECTORS SEED_SECTORS

/* Centre kinds, weighted: mostly VET centres, then companies. */
static const Vetalliance__V1__CentreKind kinds[10] = {
    VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE,
    VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE,
    VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE,
    VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE,
    VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE,
    VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE,
    VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_TRAINING_ACADEMY,
    VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_COMPANY,
    VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_COMPANY,
    VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_CLUSTER,
};

/* ------------------------------------------------------- the engine */

struct run_cfg {
	const char *endpoint;
	unsigned clients;
	unsigned window;
	enum mix mix;
	uint64_t requests; /* 0: run for duration_s */
	double duration_s;
	double warmup_s;
	int timeout_ms;
	const char *prefix;
	unsigned pool;         /* centres each client registers before WARMUP */
	double scale;          /* of the seeded consortium state (--mix consortium) */
	const va_keys_t *keys; /* CURVE keys (security), or NULL */
};

struct op_stats {
	uint64_t sent;
	uint64_t replies;
	uint64_t ok;
	uint64_t status[VA_STATUS_COUNT + 1]; /* [VA_STATUS_COUNT]: unknown */
	struct hist lat;                      /* ns, every reply */
};

struct run_result {
	struct op_stats ops[OP_COUNT];
	struct op_stats all;
	char example[VA_STATUS_COUNT + 1][160]; /* first message per status */
	uint64_t timeouts;
	uint64_t unmatched;   /* replies to no request in flight */
	uint64_t undecodable; /* messages that are not a Reply */
	uint64_t seq_max;     /* largest seq of an OK reply to a command */
	double elapsed_s;
	int interrupted;
	int prepare_failed;
	char fail_msg[256];
	char last_centre[40]; /* id of a centre registered OK, "" if none */
	double cpu_s;         /* CPU time during MEASURE and DRAIN: the process, */
	double engine_cpu_s;  /* and the engine's thread alone */
};

enum phase { PHASE_PREPARE, PHASE_WARMUP, PHASE_MEASURE, PHASE_DRAIN, PHASE_DONE };

struct slot {
	uint64_t n; /* the client's request number, in the request id */
	int64_t sent_ns;
	uint32_t centre; /* the centre a register or update names */
	uint32_t item;   /* what a consortium request works on (vetbench_mix.h) */
	uint8_t op;
	uint8_t busy;
	uint8_t recorded;
};

struct bclient {
	void *sock;
	unsigned idx;
	struct slot *slots;
	unsigned *free_slots; /* a stack of slot indices */
	unsigned n_free;
	int blocked; /* a send hit the high-water mark: wait for POLLOUT */
	uint64_t next_n;
	uint32_t next_centre;
	uint32_t *acked; /* numbers of the centres registered OK */
	size_t n_acked, cap_acked;
	unsigned reg_inflight;
	uint64_t rng;
	mix_client_t *mix; /* --mix consortium */
};

struct bench {
	const struct run_cfg *cfg;
	struct run_result *res;
	void *ctx;
	struct bclient *cl;
	zmq_pollitem_t *items; /* one per client, then the signalfd */
	int sfd;
	enum phase phase;
	int64_t phase_end_ns; /* end of WARMUP, or of a timed MEASURE */
	int64_t measure_start_ns;
	int64_t last_reply_ns;
	uint64_t measured_sent;
	uint64_t inflight;
	int stop;
	char idprefix[24]; /* "vb-<prefix>-" */
	size_t idprefix_len;
	double cpu_start_s, engine_cpu_start_s;
};

/* cpu_s - CPU time, user and system, of this process (RUSAGE_SELF: every
 * thread, libzmq's I/O thread included) or of the calling thread
 * (RUSAGE_THREAD). */
static double cpu_s(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru) < 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* xorshift64*: cheap, and good enough to pick partners and sectors. */
static uint32_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t rng_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((uint64_t)rng_next(s) * n) >> 32);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (p == NULL) {
		fputs("vetbench: out of memory\n", stderr);
		exit(EX_OSERR);
	}
	return p;
}

static void acked_push(struct bclient *c, uint32_t centre)
{
	if (c->n_acked == c->cap_acked) {
		size_t cap = c->cap_acked ? c->cap_acked * 2 : 64;
		uint32_t *p = realloc(c->acked, cap * sizeof *p);

		if (p == NULL) {
			fputs("vetbench: out of memory\n", stderr);
			exit(EX_OSERR);
		}
		c->acked = p;
		c->cap_acked = cap;
	}
	c->acked[c->n_acked++] = centre;
}

static void centre_id(char *buf, size_t len, const char *prefix, unsigned client, uint32_t n)
{
	snprintf(buf, len, "B%s-%u-%" PRIu32, prefix, client, n);
}

/* pick_sectors - 1 to 3 distinct sectors into out; returns how many. */
static size_t pick_sectors(uint64_t *rng, char **out)
{
	unsigned idx[N_SECTORS];
	size_t n = 1 + rng_below(rng, 3);

	for (unsigned i = 0; i < N_SECTORS; i++)
		idx[i] = i;
	for (size_t i = 0; i < n; i++) {
		unsigned j = (unsigned)i + rng_below(rng, (uint32_t)(N_SECTORS - i));
		unsigned t = idx[i];

		idx[i] = idx[j];
		idx[j] = t;
		out[i] = seed_sectors[idx[i]];
	}
	return n;
}

/* choose_op - what client c sends next, or -1 for nothing now. */
static int choose_op(struct bench *b, struct bclient *c)
{
	const struct run_cfg *cfg = b->cfg;
	uint32_t r;

	if (b->stop)
		return -1;
	switch (b->phase) {
	case PHASE_PREPARE:
		return c->n_acked + c->reg_inflight < cfg->pool ? OP_REGISTER : -1;
	case PHASE_MEASURE:
		if (cfg->requests > 0 && b->measured_sent >= cfg->requests)
			return -1;
		break;
	case PHASE_WARMUP:
		break;
	default:
		return -1;
	}
	switch (cfg->mix) {
	case MIX_REGISTER:
		return OP_REGISTER;
	case MIX_UPDATE:
		return c->n_acked > 0 ? OP_UPDATE : OP_REGISTER;
	case MIX_QUERY:
		r = rng_below(&c->rng, 100);
		return r < 80 && c->n_acked > 0 ? OP_CENTRE_GET : OP_PARTNER_LIST;
	case MIX_CONSORTIUM:
		return OP_MIX + (int)mix_choose(c->mix, &c->rng);
	default:
		/* 70% registrations, 20% updates of centres registered earlier
		 * in the run, 10% interest marks. */
		r = rng_below(&c->rng, 100);
		if (r < 70 || (r < 90 && c->n_acked == 0))
			return OP_REGISTER;
		return r < 90 ? OP_UPDATE : OP_INTEREST;
	}
}

/*
 * bench_send - build, pack and send one request of kind op from a free
 * slot of c.  Returns 0 when sent, 1 when the socket is full (the slot
 * stays free), -1 on a socket error.
 */
static int bench_send(struct bench *b, struct bclient *c, enum op op)
{
	static char *update_mask[] = {"name", "sectors"};
	Vetalliance__V1__Request req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__Centre centre = VETALLIANCE__V1__CENTRE__INIT;
	Vetalliance__V1__CentreRegister reg = VETALLIANCE__V1__CENTRE_REGISTER__INIT;
	Vetalliance__V1__CentreUpdate upd = VETALLIANCE__V1__CENTRE_UPDATE__INIT;
	Vetalliance__V1__CentreGet get = VETALLIANCE__V1__CENTRE_GET__INIT;
	Vetalliance__V1__PartnerList plist = VETALLIANCE__V1__PARTNER_LIST__INIT;
	Vetalliance__V1__SectorInterest interest = VETALLIANCE__V1__SECTOR_INTEREST__INIT;
	Vetalliance__V1__InterestMark mark = VETALLIANCE__V1__INTEREST_MARK__INIT;
	char rid[VA_REQUEST_ID_MAX + 1], cid[48], name[96];
	char *secs[3];
	uint8_t stackbuf[1024], *buf = stackbuf;
	const struct partner_ref *p;
	unsigned s = c->free_slots[c->n_free - 1];
	struct slot *sl = &c->slots[s];
	uint32_t centre_n = 0, item = 0;
	mix_req_t mr;
	size_t len;
	int rc;

	snprintf(rid, sizeof rid, "%s%u-%u-%" PRIu64, b->idprefix, c->idx, s, c->next_n);
	req.request_id = rid;
	if (op >= OP_MIX)
		op = OP_MIX +
		     mix_build(c->mix, (enum mix_op)(op - OP_MIX), &c->rng, &req, &mr, &item);
	switch (op) {
	case OP_REGISTER:
		centre_n = c->next_centre;
		p = &partners[rng_below(&c->rng, N_PARTNERS)];
		centre_id(cid, sizeof cid, b->cfg->prefix, c->idx, centre_n);
		snprintf(name, sizeof name, "Bench centre %u-%" PRIu32, c->idx, centre_n);
		centre.id = cid;
		centre.name = name;
		centre.kind = kinds[rng_below(&c->rng, 10)];
		centre.partner = (char *)p->id;
		centre.country = (char *)p->country;
		centre.region = (char *)p->regions[rng_below(&c->rng, p->n_regions)];
		centre.sectors = secs;
		centre.n_sectors = pick_sectors(&c->rng, secs);
		reg.centre = &centre;
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;
		req.centre_register = &reg;
		break;
	case OP_UPDATE:
		centre_n = c->acked[rng_below(&c->rng, (uint32_t)c->n_acked)];
		centre_id(cid, sizeof cid, b->cfg->prefix, c->idx, centre_n);
		snprintf(name, sizeof name, "Bench centre %u-%" PRIu32 " (rev %" PRIu64 ")", c->idx,
			 centre_n, c->next_n);
		centre.id = cid;
		centre.name = name;
		centre.sectors = secs;
		centre.n_sectors = pick_sectors(&c->rng, secs);
		upd.centre = &centre;
		upd.update_mask = update_mask;
		upd.n_update_mask = 2;
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_UPDATE;
		req.centre_update = &upd;
		break;
	case OP_INTEREST:
		interest.partner = (char *)partners[rng_below(&c->rng, N_PARTNERS)].id;
		interest.sector = seed_sectors[rng_below(&c->rng, N_SECTORS)];
		interest.interested = rng_below(&c->rng, 4) != 0;
		mark.interest = &interest;
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_INTEREST_MARK;
		req.interest_mark = &mark;
		break;
	case OP_CENTRE_GET:
		centre_n = c->acked[rng_below(&c->rng, (uint32_t)c->n_acked)];
		centre_id(cid, sizeof cid, b->cfg->prefix, c->idx, centre_n);
		get.id = cid;
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_GET;
		req.centre_get = &get;
		break;
	case OP_PARTNER_LIST:
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_LIST;
		req.partner_list = &plist;
		break;
	default:
		break; /* built by mix_build */
	}

	len = vetalliance__v1__request__get_packed_size(&req);
	if (len > sizeof stackbuf)
		buf = xcalloc(1, len);
	vetalliance__v1__request__pack(&req, buf);
	sl->sent_ns = now_ns();
	rc = zmq_send(c->sock, buf, len, ZMQ_DONTWAIT);
	if (buf != stackbuf)
		free(buf);
	if (rc < 0) {
		if (zmq_errno() == EAGAIN || zmq_errno() == EINTR)
			return 1;
		return -1;
	}

	c->n_free--;
	c->next_n++;
	if (op == OP_REGISTER) {
		c->next_centre++;
		c->reg_inflight++;
	}
	sl->n = c->next_n - 1;
	sl->centre = centre_n;
	sl->item = item;
	sl->op = (uint8_t)op;
	sl->busy = 1;
	sl->recorded = b->phase == PHASE_MEASURE;
	b->inflight++;
	if (sl->recorded) {
		b->measured_sent++;
		b->res->ops[op].sent++;
		b->res->all.sent++;
	}
	return 0;
}

/* bench_fill - send until c's window is full or there is nothing to send.
 * Returns 0 or -1 on a socket error. */
static int bench_fill(struct bench *b, struct bclient *c)
{
	while (c->n_free > 0 && !c->blocked) {
		int op = choose_op(b, c);
		int rc;

		if (op < 0)
			return 0;
		rc = bench_send(b, c, (enum op)op);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			c->blocked = 1;
			b->items[c->idx].events = ZMQ_POLLIN | ZMQ_POLLOUT;
		}
	}
	return 0;
}

static void stats_count(struct run_result *res, enum op op, int status, const char *message)
{
	unsigned si = status >= 0 && status < VA_STATUS_COUNT ? (unsigned)status : VA_STATUS_COUNT;

	res->ops[op].status[si]++;
	res->all.status[si]++;
	if (status != VA_OK && res->example[si][0] == '\0')
		snprintf(res->example[si], sizeof res->example[si], "%s",
			 message != NULL && message[0] != '\0' ? message : va_strerror(status));
}

/* slot_release - return a slot to its client's free stack. */
static void slot_release(struct bench *b, struct bclient *c, unsigned s)
{
	struct slot *sl = &c->slots[s];

	sl->busy = 0;
	if (sl->op == OP_REGISTER)
		c->reg_inflight--;
	c->free_slots[c->n_free++] = s;
	b->inflight--;
}

/* parse_rid - client, slot and number from "<idprefix><c>-<s>-<n>". */
static int parse_rid(const struct bench *b, const char *rid, unsigned long *cl, unsigned long *s,
		     unsigned long long *n)
{
	char *end;

	if (rid == NULL || strncmp(rid, b->idprefix, b->idprefix_len) != 0)
		return -1;
	rid += b->idprefix_len;
	*cl = strtoul(rid, &end, 10);
	if (end == rid || *end != '-')
		return -1;
	rid = end + 1;
	*s = strtoul(rid, &end, 10);
	if (end == rid || *end != '-')
		return -1;
	rid = end + 1;
	*n = strtoull(rid, &end, 10);
	if (end == rid || *end != '\0')
		return -1;
	return 0;
}

/*
 * A reply's fields as the engine needs them.  protobuf-c unpacks into a
 * block on the stack (most replies fit; a larger one spills to the heap),
 * so a reply costs no allocation.
 */
struct reply_view {
	char rid[VA_REQUEST_ID_MAX + 1]; /* "" if absent or too long */
	int status;
	uint64_t seq;
	char message[160]; /* truncated */
};

struct reply_arena {
	size_t used;
	_Alignas(16) unsigned char buf[4096];
};

static void *reply_arena_alloc(void *data, size_t size)
{
	struct reply_arena *a = data;
	size_t need = (size + 15) & ~(size_t)15;
	void *p;

	if (need > sizeof a->buf - a->used)
		return malloc(size);
	p = a->buf + a->used;
	a->used += need;
	return p;
}

static void reply_arena_free(void *data, void *p)
{
	struct reply_arena *a = data;

	if ((unsigned char *)p < a->buf || (unsigned char *)p >= a->buf + sizeof a->buf)
		free(p);
}

/* reply_view_parse - returns 0, or -1 if the bytes are not a Reply. */
static int reply_view_parse(const uint8_t *p, size_t len, struct reply_view *v)
{
	struct reply_arena arena = {.used = 0};
	ProtobufCAllocator alloc = {reply_arena_alloc, reply_arena_free, &arena};
	Vetalliance__V1__Reply *r = vetalliance__v1__reply__unpack(&alloc, len, p);

	if (r == NULL)
		return -1;
	v->status = (int)r->status;
	v->seq = r->seq;
	snprintf(v->rid, sizeof v->rid, "%s",
		 strlen(r->request_id) <= VA_REQUEST_ID_MAX ? r->request_id : "");
	snprintf(v->message, sizeof v->message, "%s", r->message);
	vetalliance__v1__reply__free_unpacked(r, &alloc);
	return 0;
}

static void bench_on_reply(struct bench *b, struct bclient *c, const void *data, size_t len,
			   int64_t t)
{
	struct run_result *res = b->res;
	struct reply_view r;
	unsigned long cl, s;
	unsigned long long n;
	struct slot *sl;
	int status;

	if (reply_view_parse(data, len, &r) < 0) {
		res->undecodable++;
		return;
	}
	if (parse_rid(b, r.rid, &cl, &s, &n) < 0 || cl != c->idx || s >= b->cfg->window ||
	    !c->slots[s].busy || c->slots[s].n != n) {
		res->unmatched++;
		return;
	}
	sl = &c->slots[s];
	status = r.status;
	if (status == VA_OK && sl->op == OP_REGISTER) {
		acked_push(c, sl->centre);
		centre_id(res->last_centre, sizeof res->last_centre, b->cfg->prefix, c->idx,
			  sl->centre);
	}
	if (status == VA_OK && sl->op <= OP_INTEREST && r.seq > res->seq_max)
		res->seq_max = r.seq;
	if (sl->op >= OP_MIX)
		mix_done(c->mix, (enum mix_op)(sl->op - OP_MIX), sl->item, status == VA_OK);
	if (status != VA_OK && b->phase == PHASE_PREPARE && !res->prepare_failed) {
		res->prepare_failed = 1;
		snprintf(res->fail_msg, sizeof res->fail_msg, "%s: %s", va_status_name(status),
			 r.message);
	}
	if (sl->recorded) {
		uint64_t lat = (uint64_t)(t - sl->sent_ns);

		res->ops[sl->op].replies++;
		res->all.replies++;
		hist_add(&res->ops[sl->op].lat, lat);
		hist_add(&res->all.lat, lat);
		if (status == VA_OK) {
			res->ops[sl->op].ok++;
			res->all.ok++;
		}
		stats_count(res, (enum op)sl->op, status, r.message);
		b->last_reply_ns = t;
	}
	slot_release(b, c, (unsigned)s);
}

/* bench_drain - read what c's socket holds, up to a budget.  A reply's
 * payload is its last frame.  Returns 0 or -1 on a socket error. */
static int bench_drain(struct bench *b, struct bclient *c)
{
	for (int i = 0; i < RECV_BUDGET; i++) {
		zmq_msg_t msg;
		int64_t t;

		zmq_msg_init(&msg);
		if (zmq_msg_recv(&msg, c->sock, ZMQ_DONTWAIT) < 0) {
			int e = zmq_errno();

			zmq_msg_close(&msg);
			return e == EAGAIN || e == EINTR ? 0 : -1;
		}
		t = now_ns();
		while (zmq_msg_more(&msg)) {
			if (zmq_msg_recv(&msg, c->sock, 0) < 0) {
				zmq_msg_close(&msg);
				return -1;
			}
		}
		bench_on_reply(b, c, zmq_msg_data(&msg), zmq_msg_size(&msg), t);
		zmq_msg_close(&msg);
	}
	return 0;
}

/* bench_expire - give up on requests older than the timeout. */
static void bench_expire(struct bench *b, int64_t t)
{
	int64_t limit = (int64_t)b->cfg->timeout_ms * NS_PER_MS;

	for (unsigned i = 0; i < b->cfg->clients; i++) {
		struct bclient *c = &b->cl[i];

		for (unsigned s = 0; s < b->cfg->window; s++) {
			struct slot *sl = &c->slots[s];

			if (!sl->busy || t - sl->sent_ns < limit)
				continue;
			if (sl->recorded) {
				b->res->timeouts++;
				stats_count(b->res, (enum op)sl->op, VA_DEADLINE_EXCEEDED, NULL);
			}
			if (sl->op >= OP_MIX)
				mix_done(c->mix, (enum mix_op)(sl->op - OP_MIX), sl->item, 0);
			if (b->phase == PHASE_PREPARE && !b->res->prepare_failed) {
				b->res->prepare_failed = 1;
				snprintf(b->res->fail_msg, sizeof b->res->fail_msg,
					 "no reply within %d ms", b->cfg->timeout_ms);
			}
			slot_release(b, c, s);
		}
	}
}

static int bench_prepared(const struct bench *b)
{
	if (b->inflight > 0)
		return 0;
	for (unsigned i = 0; i < b->cfg->clients; i++)
		if (b->cl[i].n_acked < b->cfg->pool)
			return 0;
	return 1;
}

/* bench_advance - move through the phases; returns 1 if the phase
 * changed (the windows need refilling). */
static int bench_advance(struct bench *b, int64_t t)
{
	const struct run_cfg *cfg = b->cfg;
	enum phase old = b->phase;

	for (;;) {
		enum phase before = b->phase;

		switch (b->phase) {
		case PHASE_PREPARE:
			if (b->stop || b->res->prepare_failed) {
				b->stop = 1;
				b->phase = PHASE_DRAIN;
			} else if (bench_prepared(b)) {
				b->phase = PHASE_WARMUP;
				b->phase_end_ns = t + (int64_t)(cfg->warmup_s * NS_PER_S);
			}
			break;
		case PHASE_WARMUP:
			if (b->stop) {
				b->phase = PHASE_DRAIN;
			} else if (t >= b->phase_end_ns) {
				b->phase = PHASE_MEASURE;
				b->cpu_start_s = cpu_s(RUSAGE_SELF);
				b->engine_cpu_start_s = cpu_s(RUSAGE_THREAD);
				b->measure_start_ns = t;
				b->last_reply_ns = t;
				b->phase_end_ns = t + (int64_t)(cfg->duration_s * NS_PER_S);
			}
			break;
		case PHASE_MEASURE:
			if (b->stop || (cfg->requests > 0 && b->measured_sent >= cfg->requests) ||
			    (cfg->requests == 0 && t >= b->phase_end_ns))
				b->phase = PHASE_DRAIN;
			break;
		case PHASE_DRAIN:
			if (b->inflight == 0)
				b->phase = PHASE_DONE;
			break;
		case PHASE_DONE:
			break;
		}
		if (b->phase == before)
			break;
	}
	return b->phase != old;
}

static void bench_release(struct bench *b)
{
	if (b->cl != NULL) {
		for (unsigned i = 0; i < b->cfg->clients; i++) {
			if (b->cl[i].sock != NULL)
				zmq_close(b->cl[i].sock);
			free(b->cl[i].slots);
			free(b->cl[i].free_slots);
			free(b->cl[i].acked);
			mix_client_free(&b->cl[i].mix);
		}
	}
	free(b->cl);
	free(b->items);
	if (b->ctx != NULL) {
		while (zmq_ctx_term(b->ctx) < 0 && zmq_errno() == EINTR)
			;
	}
}

/*
 * bench_run - run the workload of cfg against cfg->endpoint.  sfd, if not
 * -1, is a signalfd that ends the run early.  Fills res (zeroed by the
 * caller).  Returns 0, EX_USAGE if the endpoint is malformed, or
 * EX_SOFTWARE on a socket error (after a message).
 */
static int bench_run(const struct run_cfg *cfg, int sfd, struct run_result *res)
{
	struct bench b = {.cfg = cfg, .res = res, .sfd = sfd};
	unsigned n_items = cfg->clients + (sfd >= 0 ? 1 : 0);
	int hwm = (int)cfg->window + 1000, linger = 0;
	int64_t t, last_expire;
	uint64_t seed;
	int status = EX_SOFTWARE;

	snprintf(b.idprefix, sizeof b.idprefix, "vb-%s-", cfg->prefix);
	b.idprefix_len = strlen(b.idprefix);
	b.ctx = zmq_ctx_new();
	if (b.ctx == NULL)
		goto zmq_fail;
	b.cl = xcalloc(cfg->clients, sizeof *b.cl);
	b.items = xcalloc(n_items, sizeof *b.items);
	seed = 0x9E3779B97F4A7C15ULL;
	for (const char *p = cfg->prefix; *p != '\0'; p++)
		seed = (seed ^ (unsigned char)*p) * 0x100000001B3ULL;
	for (unsigned i = 0; i < cfg->clients; i++) {
		struct bclient *c = &b.cl[i];

		c->idx = i;
		c->rng = seed + (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ULL;
		if (c->rng == 0)
			c->rng = 1;
		if (cfg->mix == MIX_CONSORTIUM &&
		    (c->mix = mix_client_new(i, cfg->clients, cfg->scale, cfg->prefix)) == NULL) {
			fprintf(
			    stderr,
			    "vetbench: the consortium state of scale %g has too few centres for "
			    "%u clients\n",
			    cfg->scale, cfg->clients);
			status = EX_USAGE;
			goto out;
		}
		c->slots = xcalloc(cfg->window, sizeof *c->slots);
		c->free_slots = xcalloc(cfg->window, sizeof *c->free_slots);
		for (unsigned s = 0; s < cfg->window; s++)
			c->free_slots[s] = cfg->window - 1 - s;
		c->n_free = cfg->window;
		c->sock = zmq_socket(b.ctx, ZMQ_DEALER);
		if (c->sock == NULL)
			goto zmq_fail;
		if (zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger) < 0 ||
		    zmq_setsockopt(c->sock, ZMQ_SNDHWM, &hwm, sizeof hwm) < 0 ||
		    zmq_setsockopt(c->sock, ZMQ_RCVHWM, &hwm, sizeof hwm) < 0 ||
		    (cfg->keys != NULL && va_keys_apply(cfg->keys, c->sock) < 0))
			goto zmq_fail;
		if (zmq_connect(c->sock, cfg->endpoint) < 0) {
			fprintf(stderr, "vetbench: invalid endpoint '%s': %s\n", cfg->endpoint,
				zmq_strerror(zmq_errno()));
			status = EX_USAGE;
			goto out;
		}
		b.items[i].socket = c->sock;
		b.items[i].events = ZMQ_POLLIN;
	}
	if (sfd >= 0) {
		b.items[cfg->clients].fd = sfd;
		b.items[cfg->clients].events = ZMQ_POLLIN;
	}

	t = now_ns();
	last_expire = t;
	b.phase = cfg->pool > 0 ? PHASE_PREPARE : PHASE_WARMUP;
	b.phase_end_ns = t + (int64_t)(cfg->warmup_s * NS_PER_S);
	bench_advance(&b, t);
	for (;;) {
		long wait_ms = 50;

		for (unsigned i = 0; i < cfg->clients; i++)
			if (bench_fill(&b, &b.cl[i]) < 0)
				goto zmq_fail;
		if (b.phase == PHASE_DONE)
			break;
		if (b.phase == PHASE_WARMUP || (b.phase == PHASE_MEASURE && cfg->requests == 0)) {
			int64_t left = (b.phase_end_ns - now_ns() + NS_PER_MS - 1) / NS_PER_MS;

			if (left < wait_ms)
				wait_ms = left > 0 ? left : 0;
		}
		if (zmq_poll(b.items, (int)n_items, wait_ms) < 0) {
			if (zmq_errno() != EINTR)
				goto zmq_fail;
		}
		if (sfd >= 0 && (b.items[cfg->clients].revents & ZMQ_POLLIN)) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof si) > 0) {
				b.stop = 1;
				res->interrupted = 1;
			}
		}
		for (unsigned i = 0; i < cfg->clients; i++) {
			struct bclient *c = &b.cl[i];
			short rev = b.items[i].revents;

			if (rev & ZMQ_POLLOUT) {
				c->blocked = 0;
				b.items[i].events = ZMQ_POLLIN;
			}
			if (rev & ZMQ_POLLIN) {
				if (bench_drain(&b, c) < 0)
					goto zmq_fail;
				/* Refill at once: the client sends its next
				 * request as soon as a reply frees a slot. */
				if (bench_fill(&b, c) < 0)
					goto zmq_fail;
			}
		}
		t = now_ns();
		if (t - last_expire >= 10 * NS_PER_MS) {
			bench_expire(&b, t);
			last_expire = t;
		}
		bench_advance(&b, t);
	}
	if (b.measure_start_ns > 0) {
		int64_t end = b.last_reply_ns > b.measure_start_ns ? b.last_reply_ns : now_ns();

		res->elapsed_s = (double)(end - b.measure_start_ns) / NS_PER_S;
		res->cpu_s = cpu_s(RUSAGE_SELF) - b.cpu_start_s;
		res->engine_cpu_s = cpu_s(RUSAGE_THREAD) - b.engine_cpu_start_s;
	}
	status = 0;
	goto out;
zmq_fail:
	fprintf(stderr, "vetbench: %s\n", zmq_strerror(zmq_errno()));
	status = EX_SOFTWARE;
out:
	bench_release(&b);
	return status;
}

/* ------------------------------------------------ one synchronous call */

/* A child process to watch while waiting for a reply. */
struct child {
	pid_t pid; /* -1: none */
	int exited;
	int wstatus;
};

static int child_poll(struct child *ch)
{
	if (ch == NULL || ch->pid < 0 || ch->exited)
		return ch != NULL && ch->exited;
	if (waitpid(ch->pid, &ch->wstatus, WNOHANG) == ch->pid) {
		ch->exited = 1;
		return 1;
	}
	return 0;
}

enum { CALL_OK, CALL_TIMEOUT, CALL_SIGNAL, CALL_CHILD_EXIT, CALL_ERROR };

/*
 * sync_call - send req on sock (a DEALER) and wait up to timeout_ms for
 * the reply with its request_id, watching sfd and, if ch is not NULL, the
 * child.  Returns CALL_OK and sets *reply_p (free with va_reply_free), or
 * another CALL_* value.
 */
static int sync_call(void *sock, int sfd, struct child *ch, va_request_t *req, int64_t timeout_ms,
		     va_reply_t **reply_p)
{
	int64_t deadline = now_ns() + timeout_ms * NS_PER_MS;
	uint8_t buf[512];
	size_t len = vetalliance__v1__request__get_packed_size(req);

	*reply_p = NULL;
	if (len > sizeof buf)
		return CALL_ERROR;
	vetalliance__v1__request__pack(req, buf);
	if (zmq_send(sock, buf, len, 0) < 0)
		return CALL_ERROR;
	for (;;) {
		zmq_pollitem_t items[2] = {
		    {.socket = sock, .events = ZMQ_POLLIN},
		    {.fd = sfd, .events = ZMQ_POLLIN},
		};
		int64_t left = deadline - now_ns();
		long wait_ms;

		if (left <= 0)
			return CALL_TIMEOUT;
		wait_ms = (long)((left + NS_PER_MS - 1) / NS_PER_MS);
		if (ch != NULL && wait_ms > 5)
			wait_ms = 5; /* check on the child now and then */
		if (zmq_poll(items, sfd >= 0 ? 2 : 1, wait_ms) < 0 && zmq_errno() != EINTR)
			return CALL_ERROR;
		if (sfd >= 0 && (items[1].revents & ZMQ_POLLIN))
			return CALL_SIGNAL;
		while (items[0].revents & ZMQ_POLLIN) {
			zmq_msg_t msg;
			va_reply_t *r;

			zmq_msg_init(&msg);
			if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
				zmq_msg_close(&msg);
				break;
			}
			while (zmq_msg_more(&msg))
				if (zmq_msg_recv(&msg, sock, 0) < 0)
					break;
			r = vetalliance__v1__reply__unpack(NULL, zmq_msg_size(&msg),
							   zmq_msg_data(&msg));
			zmq_msg_close(&msg);
			if (r != NULL && r->request_id != NULL &&
			    strcmp(r->request_id, req->request_id) == 0) {
				*reply_p = r;
				return CALL_OK;
			}
			va_reply_free(&r);
		}
		if (child_poll(ch))
			return CALL_CHILD_EXIT;
	}
}

/* dealer_new - a DEALER connected to endpoint, retrying its connection
 * every reconnect_ms.  Returns NULL after a message. */
static void *dealer_new(void *ctx, const char *endpoint, int reconnect_ms, const va_keys_t *keys)
{
	void *sock = zmq_socket(ctx, ZMQ_DEALER);
	int linger = 0;

	if (sock == NULL)
		goto fail;
	if (zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger) < 0)
		goto fail;
	if (keys != NULL && va_keys_apply(keys, sock) < 0)
		goto fail;
	if (reconnect_ms > 0 &&
	    zmq_setsockopt(sock, ZMQ_RECONNECT_IVL, &reconnect_ms, sizeof reconnect_ms) < 0)
		goto fail;
	if (zmq_connect(sock, endpoint) < 0)
		goto fail;
	return sock;
fail:
	fprintf(stderr, "vetbench: cannot connect to '%s': %s\n", endpoint,
		zmq_strerror(zmq_errno()));
	if (sock != NULL)
		zmq_close(sock);
	return NULL;
}

static void partner_list_request(va_request_t *req, Vetalliance__V1__PartnerList *body, char *rid)
{
	vetalliance__v1__request__init(req);
	vetalliance__v1__partner_list__init(body);
	req->request_id = rid;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_LIST;
	req->partner_list = body;
}

/* ------------------------------------------------------------ output */

/* round_to - v rounded to a multiple of unit, for figures in JSON. */
static double round_to(double v, double unit)
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

static json_t *errors_json(const struct op_stats *st)
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

static double throughput(const struct run_result *res)
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

static int print_json(json_t *o)
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

static void print_us(uint64_t ns)
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

/* ------------------------------------------------------------ options */

enum {
	O_ENDPOINT = 256,
	O_CLIENTS,
	O_WINDOW,
	O_REQUESTS,
	O_DURATION,
	O_WARMUP,
	O_MIX,
	O_PREFIX,
	O_TIMEOUT,
	O_JSON,
	O_LATENCY,
	O_PUB_ENDPOINT,
	O_RATE,
	O_SEED,
	O_CLOCK_FILE,
	O_SCALE,
	O_PROGRESS,
	O_HELP,
	O_VERSION,
	O_KEY,
	O_SERVER_KEY,
};

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

/* Options that belong to one mode only. */
#define GIVEN(o) (1ull << ((o)-O_ENDPOINT))
#define THROUGHPUT_ONLY                                                                            \
	(GIVEN(O_ENDPOINT) | GIVEN(O_REQUESTS) | GIVEN(O_DURATION) | GIVEN(O_WARMUP) | GIVEN(O_MIX))
#define LATENCY_ONLY (GIVEN(O_PUB_ENDPOINT) | GIVEN(O_RATE))
/* What seed mode takes (and --scale, which the consortium mix shares). */
#define SEED_TAKES                                                                                 \
	(GIVEN(O_SEED) | GIVEN(O_ENDPOINT) | GIVEN(O_WINDOW) | GIVEN(O_TIMEOUT) | GIVEN(O_JSON) |  \
	 GIVEN(O_CLOCK_FILE) | GIVEN(O_SCALE) | GIVEN(O_PROGRESS) | GIVEN(O_KEY) |                 \
	 GIVEN(O_SERVER_KEY))
#define SEED_ONLY (GIVEN(O_SEED) | GIVEN(O_CLOCK_FILE) | GIVEN(O_PROGRESS))
/* Throughput options that latency mode does not take. */
#define NOT_LATENCY  (GIVEN(O_CLIENTS) | GIVEN(O_WINDOW) | GIVEN(O_WARMUP) | GIVEN(O_MIX))
#define DEFAULT_RATE 1000
#define MAX_RATE     1000000

struct options {
	struct run_cfg run;
	int json;
	int latency;
	const char *pub_endpoint;
	uint64_t rate; /* commands per second, latency mode */
	char prefix[PREFIX_MAX + 1];
	uint64_t given; /* GIVEN(O_*) */
	const char *key, *server_key;
	va_keys_t keys;
	int seed;               /* --seed consortium */
	const char *clock_file; /* the daemon's fake clock, for --seed */
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

/* ------------------------------------------------------ throughput mode */

/* probe - one partner_list on a socket of our own: is the daemon there,
 * and does it know the partners the mix names?  Returns 0, or the exit
 * code after a message. */
static int probe(const struct options *o, int sfd, uint64_t *seq)
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

/* -------------------------------------------------------- latency mode */

struct lat_cmd {
	int64_t sent_ns;
	int64_t reply_ns; /* 0: no reply yet */
	int64_t event_ns; /* 0: no event yet */
	int ok;
};

struct lat_run {
	const struct options *o;
	void *ctx, *dealer, *sub;
	struct lat_cmd *cmd;
	uint64_t n;    /* commands to send */
	uint64_t sent; /* sent so far */
	uint64_t replies, ok, events, dup_events, undecodable;
	uint64_t warm_sent;
	int warm; /* 1: an event of ours came back, the SUB socket has joined */
	struct op_stats st;
	char example[160];
	struct hist to_event, to_reply; /* ns */
	char idprefix[24];              /* "vb-<prefix>-L-" */
	size_t idprefix_len;
	uint64_t rng;
};

/* lat_send - register centre k (k < n: measured; else warm-up number
 * k - n). */
static int lat_send(struct lat_run *lr, uint64_t k, int warmup)
{
	Vetalliance__V1__Request req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__Centre centre = VETALLIANCE__V1__CENTRE__INIT;
	Vetalliance__V1__CentreRegister reg = VETALLIANCE__V1__CENTRE_REGISTER__INIT;
	const struct partner_ref *p = &partners[rng_below(&lr->rng, N_PARTNERS)];
	char rid[VA_REQUEST_ID_MAX + 1], cid[48], name[96];
	char *secs[3];
	uint8_t buf[1024];
	size_t len;

	snprintf(rid, sizeof rid, "%s%s%" PRIu64, lr->idprefix, warmup ? "w" : "", k);
	/* Client numbers past MAX_CLIENTS: never those of a throughput run. */
	centre_id(cid, sizeof cid, lr->o->prefix, MAX_CLIENTS + (warmup ? 2u : 1u), (uint32_t)k);
	snprintf(name, sizeof name, "Latency centre %" PRIu64, k);
	req.request_id = rid;
	centre.id = cid;
	centre.name = name;
	centre.kind = kinds[rng_below(&lr->rng, 10)];
	centre.partner = (char *)p->id;
	centre.country = (char *)p->country;
	centre.region = (char *)p->regions[rng_below(&lr->rng, p->n_regions)];
	centre.sectors = secs;
	centre.n_sectors = pick_sectors(&lr->rng, secs);
	reg.centre = &centre;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;
	req.centre_register = &reg;
	len = vetalliance__v1__request__get_packed_size(&req);
	if (len > sizeof buf)
		return -1;
	vetalliance__v1__request__pack(&req, buf);
	if (!warmup)
		lr->cmd[k].sent_ns = now_ns();
	if (zmq_send(lr->dealer, buf, len, 0) < 0) {
		fprintf(stderr, "vetbench: cannot send to '%s': %s\n", lr->o->run.endpoint,
			zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

/* lat_index - the command number in one of our request ids: 0 and *k, 1
 * for a warm-up id, -1 for someone else's. */
static int lat_index(const struct lat_run *lr, const char *rid, uint64_t *k)
{
	char *end;

	if (rid == NULL || strncmp(rid, lr->idprefix, lr->idprefix_len) != 0)
		return -1;
	rid += lr->idprefix_len;
	if (*rid == 'w')
		return 1;
	errno = 0;
	*k = strtoull(rid, &end, 10);
	if (errno != 0 || end == rid || *end != '\0' || *k >= lr->n)
		return -1;
	return 0;
}

static void lat_on_reply(struct lat_run *lr, int64_t t)
{
	zmq_msg_t msg;
	va_reply_t *r;
	uint64_t k;

	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, lr->dealer, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&msg);
		return;
	}
	r = vetalliance__v1__reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
	zmq_msg_close(&msg);
	if (r == NULL) {
		lr->undecodable++;
		return;
	}
	if (lat_index(lr, r->request_id, &k) == 0 && lr->cmd[k].reply_ns == 0) {
		struct lat_cmd *c = &lr->cmd[k];
		int st = (int)r->status;

		c->reply_ns = t;
		lr->replies++;
		lr->st.status[st >= 0 && st < VA_STATUS_COUNT ? (unsigned)st : VA_STATUS_COUNT]++;
		if (r->status == VETALLIANCE__V1__STATUS__STATUS_OK) {
			c->ok = 1;
			lr->ok++;
		} else if (lr->example[0] == '\0') {
			snprintf(lr->example, sizeof lr->example, "%s", r->message);
		}
		hist_add(&lr->to_reply, (uint64_t)(t - c->sent_ns));
	}
	va_reply_free(&r);
}

static void lat_on_event(struct lat_run *lr, int64_t t)
{
	zmq_msg_t frames[2];
	va_event_t *ev = NULL;
	uint64_t k;
	int n = 0;

	zmq_msg_init(&frames[0]);
	zmq_msg_init(&frames[1]);
	if (zmq_msg_recv(&frames[0], lr->sub, ZMQ_DONTWAIT) < 0)
		goto out;
	n = 1;
	while (zmq_msg_more(&frames[n - 1])) {
		zmq_msg_t *f = &frames[1];

		if (n == 2) {
			zmq_msg_close(f);
			zmq_msg_init(f);
		}
		if (zmq_msg_recv(f, lr->sub, 0) < 0)
			goto out;
		n = 2;
	}
	if (n != 2)
		goto out;
	ev = vetalliance__v1__event__unpack(NULL, zmq_msg_size(&frames[1]),
					    zmq_msg_data(&frames[1]));
	if (ev == NULL) {
		lr->undecodable++;
		goto out;
	}
	switch (lat_index(lr, ev->request_id, &k)) {
	case 1:
		lr->warm = 1;
		break;
	case 0:
		if (lr->cmd[k].event_ns != 0) {
			lr->dup_events++;
			break;
		}
		lr->cmd[k].event_ns = t;
		lr->events++;
		hist_add(&lr->to_event, (uint64_t)(t - lr->cmd[k].sent_ns));
		break;
	}
out:
	if (ev != NULL)
		vetalliance__v1__event__free_unpacked(ev, NULL);
	zmq_msg_close(&frames[0]);
	zmq_msg_close(&frames[1]);
}

/* lat_poll - wait up to wait_ns for replies, events or a signal; handle
 * what came.  Returns 1 on a signal, else 0. */
static int lat_poll(struct lat_run *lr, int sfd, int64_t wait_ns)
{
	zmq_pollitem_t items[3] = {
	    {.socket = lr->dealer, .events = ZMQ_POLLIN},
	    {.socket = lr->sub, .events = ZMQ_POLLIN},
	    {.fd = sfd, .events = ZMQ_POLLIN},
	};
	long ms = wait_ns <= 0 ? 0 : (long)((wait_ns + NS_PER_MS - 1) / NS_PER_MS);

	if (zmq_poll(items, 3, ms) < 0)
		return 0;
	if (items[2].revents & ZMQ_POLLIN)
		return 1;
	for (int i = 0; i < RECV_BUDGET && (items[0].revents & ZMQ_POLLIN); i++) {
		int ev = 0;
		size_t elen = sizeof ev;

		lat_on_reply(lr, now_ns());
		if (zmq_getsockopt(lr->dealer, ZMQ_EVENTS, &ev, &elen) < 0 || !(ev & ZMQ_POLLIN))
			break;
	}
	for (int i = 0; i < RECV_BUDGET && (items[1].revents & ZMQ_POLLIN); i++) {
		int ev = 0;
		size_t elen = sizeof ev;

		lat_on_event(lr, now_ns());
		if (zmq_getsockopt(lr->sub, ZMQ_EVENTS, &ev, &elen) < 0 || !(ev & ZMQ_POLLIN))
			break;
	}
	return 0;
}

static json_t *lat_json(const struct hist *h)
{
	if (h->count == 0)
		return json_null();
	return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f}", "count", (json_int_t)h->count,
			 "min", round_to((double)h->min / 1e3, 0.1), "mean",
			 round_to(h->sum / (double)h->count / 1e3, 0.1), "p50",
			 round_to((double)hist_percentile(h, 50) / 1e3, 0.1), "p99",
			 round_to((double)hist_percentile(h, 99) / 1e3, 0.1), "p99_9",
			 round_to((double)hist_percentile(h, 99.9) / 1e3, 0.1), "max",
			 round_to((double)h->max / 1e3, 0.1));
}

static void lat_row(const char *name, const struct hist *h)
{
	printf("%-18s %9" PRIu64, name, h->count);
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

static int latency_main(const struct options *o, int sfd)
{
	struct lat_run lr = {.o = o};
	int64_t start, end, deadline, period_ns, t;
	int status = EX_SOFTWARE, interrupted = 0, linger = 0;
	uint64_t missing, seq0 = 0;

	status = probe(o, sfd, &seq0);
	if (status != 0)
		return status;
	status = EX_SOFTWARE;
	lr.n = o->run.requests > 0 ? o->run.requests
				   : (uint64_t)(o->run.duration_s * (double)o->rate + 0.5);
	if (lr.n == 0)
		lr.n = 1;
	lr.cmd = xcalloc(lr.n, sizeof *lr.cmd);
	lr.idprefix_len = (size_t)snprintf(lr.idprefix, sizeof lr.idprefix, "vb-%s-L-", o->prefix);
	lr.rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)now_ns();
	period_ns = NS_PER_S / (int64_t)o->rate;

	lr.ctx = zmq_ctx_new();
	if (lr.ctx == NULL)
		goto out;
	lr.dealer = dealer_new(lr.ctx, o->run.endpoint, 0, o->run.keys);
	if (lr.dealer == NULL) {
		status = EX_UNAVAILABLE;
		goto out;
	}
	lr.sub = zmq_socket(lr.ctx, ZMQ_SUB);
	if (lr.sub == NULL || zmq_setsockopt(lr.sub, ZMQ_LINGER, &linger, sizeof linger) < 0 ||
	    (o->run.keys != NULL && va_keys_apply(o->run.keys, lr.sub) < 0) ||
	    zmq_setsockopt(lr.sub, ZMQ_SUBSCRIBE, "", 0) < 0 ||
	    zmq_connect(lr.sub, o->pub_endpoint) < 0) {
		fprintf(stderr, "vetbench: cannot subscribe to '%s': %s\n", o->pub_endpoint,
			zmq_strerror(zmq_errno()));
		status = EX_UNAVAILABLE;
		goto out;
	}

	/* Join: unmeasured registrations until one's event arrives. */
	deadline = now_ns() + o->run.timeout_ms * NS_PER_MS;
	for (t = now_ns(); !lr.warm; t = now_ns()) {
		if (t >= deadline) {
			fprintf(stderr, "vetbench: no event on '%s' within %d ms\n",
				o->pub_endpoint, o->run.timeout_ms);
			status = EX_UNAVAILABLE;
			goto out;
		}
		if (lat_send(&lr, lr.warm_sent++, 1) < 0)
			goto out;
		if (lat_poll(&lr, sfd, 20 * NS_PER_MS)) {
			interrupted = 1;
			break;
		}
	}

	/* Measure: command k is due at start + k * period. */
	start = now_ns();
	while (!interrupted && lr.sent < lr.n) {
		t = now_ns();
		while (lr.sent < lr.n && start + (int64_t)lr.sent * period_ns <= t) {
			if (lat_send(&lr, lr.sent, 0) < 0)
				goto out;
			lr.sent++;
		}
		if (lr.sent < lr.n &&
		    lat_poll(&lr, sfd, start + (int64_t)lr.sent * period_ns - now_ns()))
			interrupted = 1;
	}
	end = now_ns();
	/* Drain: every reply, and an event for every OK reply. */
	deadline = now_ns() + o->run.timeout_ms * NS_PER_MS;
	while (!interrupted && (lr.replies < lr.sent || lr.events < lr.ok) && now_ns() < deadline)
		if (lat_poll(&lr, sfd, 10 * NS_PER_MS))
			interrupted = 1;

	missing = lr.ok > lr.events ? lr.ok - lr.events : 0;
	if (o->json) {
		json_t *obj = json_pack(
		    "{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:I, s:s, s:b, "
		    "s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:f, s:f, s:o, s:o}",
		    "tool", "vetbench", "version", VA_VERSION, "mode", "latency", "endpoint",
		    o->run.endpoint, "pub_endpoint", o->pub_endpoint, "rate_per_s",
		    (json_int_t)o->rate, "requests",
		    o->run.requests > 0 ? json_integer((json_int_t)o->run.requests) : json_null(),
		    "duration_s", o->run.requests > 0 ? json_null() : json_real(o->run.duration_s),
		    "timeout_ms", (json_int_t)o->run.timeout_ms, "prefix", o->prefix, "interrupted",
		    interrupted, "sent", (json_int_t)lr.sent, "replies", (json_int_t)lr.replies,
		    "ok", (json_int_t)lr.ok, "events", (json_int_t)lr.events, "errors",
		    errors_json(&lr.st), "missing_events", (json_int_t)missing, "duplicate_events",
		    (json_int_t)lr.dup_events, "timeouts", (json_int_t)(lr.sent - lr.replies),
		    "undecodable", (json_int_t)lr.undecodable, "elapsed_s",
		    round_to((double)(end - start) / 1e9, 1e-6), "sent_per_s",
		    round_to(end > start ? (double)lr.sent * 1e9 / (double)(end - start) : 0.0,
			     0.1),
		    "command_to_event_us", lat_json(&lr.to_event), "command_to_reply_us",
		    lat_json(&lr.to_reply));

		if (print_json(obj) < 0)
			goto out;
	} else {
		printf("vetbench: latency, %" PRIu64 " commands at %" PRIu64
		       "/s, endpoint %s, events %s, prefix %s%s\n",
		       lr.sent, o->rate, o->run.endpoint, o->pub_endpoint, o->prefix,
		       interrupted ? " (interrupted)" : "");
		printf("%-18s %9s %9s %9s %9s %9s\n", "from the command", "count", "p50 us",
		       "p99 us", "p99.9 us", "max us");
		lat_row("to its event", &lr.to_event);
		lat_row("to its reply", &lr.to_reply);
		printf("sent %" PRIu64 " (%.1f/s), replies %" PRIu64 " (%" PRIu64
		       " ok), events matched %" PRIu64 ", missing %" PRIu64 ", duplicates %" PRIu64
		       "\n",
		       lr.sent, end > start ? (double)lr.sent * 1e9 / (double)(end - start) : 0.0,
		       lr.replies, lr.ok, lr.events, missing, lr.dup_events);
		if (lr.ok < lr.replies)
			printf("errors:     %" PRIu64 "  e.g. %s\n", lr.replies - lr.ok,
			       lr.example);
	}
	status = interrupted || missing > 0 || lr.dup_events > 0 || lr.replies < lr.sent ||
			 lr.ok < lr.replies
		     ? EXIT_FAILED
		     : EX_OK;
out:
	if (lr.sub != NULL)
		zmq_close(lr.sub);
	if (lr.dealer != NULL)
		zmq_close(lr.dealer);
	if (lr.ctx != NULL)
		zmq_ctx_term(lr.ctx);
	free(lr.cmd);
	return status;
}

/* ------------------------------------------------------------ seed mode */

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
