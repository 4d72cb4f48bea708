/*
 * vetbench/vetbench - what the files of vetbench share: the histogram,
 * the workload's ops and mixes, the engine's run configuration and
 * results, the options, and the functions each file offers the others.
 */
#ifndef VA_VETBENCH_H
#define VA_VETBENCH_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <zmq.h>

#include <vetalliance/client.h>

#include "vetbench/mix.h"
#include "vetbench/seed.h"

#define EXIT_FAILED 1

#define DEFAULT_CLIENTS 50

#define DEFAULT_WINDOW 1

#define DEFAULT_DURATION_S 10.0

#define DEFAULT_TIMEOUT_MS 5000

#define SEED_WINDOW 256

#define MAX_CLIENTS 1024

#define MAX_WINDOW 4096

#define PREFIX_MAX 8

#define RECV_BUDGET 256

#define POOL_MIN 8

#define NS_PER_S 1000000000LL

#define NS_PER_MS 1000000LL

/*
 * Values below 2 * HIST_SUB are counted exactly; above, each power of two
 * is split into HIST_SUB buckets, so a bucket spans at most 1/HIST_SUB of
 * its value.
 */
#define HIST_SUB_BITS 7

#define HIST_SUB (1u << HIST_SUB_BITS)

#define HIST_BUCKETS (2 * HIST_SUB + (64 - HIST_SUB_BITS - 1) * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t min, max;
	double sum;
	uint64_t b[HIST_BUCKETS];
};

/* The ops of the centre mixes, then those of the consortium mix
 * (OP_MIX + enum mix_op, mix.h). */
enum op {
	OP_REGISTER,
	OP_UPDATE,
	OP_INTEREST,
	OP_CENTRE_GET,
	OP_PARTNER_LIST,
	OP_MIX,
	OP_COUNT = OP_MIX + MIX_OPS
};

enum mix { MIX_REALISTIC, MIX_REGISTER, MIX_UPDATE, MIX_QUERY, MIX_CONSORTIUM, MIX_COUNT };

/* The reference data of daemon/data/defaults.zpl that requests name. */
struct partner_ref {
	const char *id;
	const char *country;
	const char *regions[5];
	unsigned n_regions;
};

#define N_PARTNERS (sizeof partners / sizeof partners[0])

/* The ten key sectors of the reference data: seed_sectors (seed.h). */
#define N_SECTORS SEED_SECTORS

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
	uint32_t item;   /* what a consortium request works on (mix.h) */
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

/* A child process to watch while waiting for a reply. */
struct child {
	pid_t pid; /* -1: none */
	int exited;
	int wstatus;
};

enum { CALL_OK, CALL_TIMEOUT, CALL_SIGNAL, CALL_CHILD_EXIT, CALL_ERROR };

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
#define NOT_LATENCY (GIVEN(O_CLIENTS) | GIVEN(O_WINDOW) | GIVEN(O_WARMUP) | GIVEN(O_MIX))

#define DEFAULT_RATE 1000

#define MAX_RATE 1000000

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

extern const char *const mix_names[MIX_COUNT];
extern const struct partner_ref partners[SEED_PARTNERS];
extern const Vetalliance__V1__CentreKind kinds[10];

/* engine.c */
void hist_add(struct hist *h, uint64_t v);
uint64_t hist_percentile(const struct hist *h, double p);
const char *op_name(unsigned op);
double cpu_s(int who);
int64_t now_ns(void);
uint32_t rng_below(uint64_t *s, uint32_t n);
void *xcalloc(size_t n, size_t size);
void centre_id(char *buf, size_t len, const char *prefix, unsigned client, uint32_t n);
size_t pick_sectors(uint64_t *rng, char **out);
int bench_run(const struct run_cfg *cfg, int sfd, struct run_result *res);
int sync_call(void *sock, int sfd, struct child *ch, va_request_t *req, int64_t timeout_ms,
	      va_reply_t **reply_p);
void *dealer_new(void *ctx, const char *endpoint, int reconnect_ms, const va_keys_t *keys);
void partner_list_request(va_request_t *req, Vetalliance__V1__PartnerList *body, char *rid);

/* latency.c */
int latency_main(const struct options *o, int sfd);

/* main.c */
double round_to(double v, double unit);
json_t *errors_json(const struct op_stats *st);
double throughput(const struct run_result *res);
int print_json(json_t *o);
void print_us(uint64_t ns);
int probe(const struct options *o, int sfd, uint64_t *seq);

#endif
