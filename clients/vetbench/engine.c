/*
 * vetbench/engine - the throughput engine: N clients on one thread, W
 * requests in flight each, the mixes, the latency histogram, and one
 * synchronous call (see main.c for the design).
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

void hist_add(struct hist *h, uint64_t v)
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
uint64_t hist_percentile(const struct hist *h, double p)
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

const char *op_name(unsigned op)
{
	static const char *const names[OP_MIX] = {
	    [OP_REGISTER] = "centre_register",  [OP_UPDATE] = "centre_update",
	    [OP_INTEREST] = "interest_mark",    [OP_CENTRE_GET] = "centre_get",
	    [OP_PARTNER_LIST] = "partner_list",
	};

	return op < OP_MIX ? names[op] : mix_op_names[op - OP_MIX];
}

const char *const mix_names[MIX_COUNT] = {"realistic", "register", "update", "query", "consortium"};

const struct partner_ref partners[SEED_PARTNERS] = {
    {"CYL", "ES", {"Segovia", "Ávila", "Salamanca", "Valladolid", "León"}, 5},
    {"SBH", "DE", {"Nordrhein-Westfalen", "Berlin", "Sachsen"}, 3},
    {"STK", "PL", {"Małopolska", "Mazowieckie", "Śląskie"}, 3},
    {"IEFP", "PT", {"Lisboa", "Norte", "Centro"}, 3},
    {"SAMIEDU", "FI", {"Etelä-Savo", "Pohjois-Savo"}, 2},
};

/* Centre kinds, weighted: mostly VET centres, then companies. */
const Vetalliance__V1__CentreKind kinds[10] = {
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

/* cpu_s - CPU time, user and system, of this process (RUSAGE_SELF: every
 * thread, libzmq's I/O thread included) or of the calling thread
 * (RUSAGE_THREAD). */
double cpu_s(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru) < 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int64_t now_ns(void)
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

uint32_t rng_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((uint64_t)rng_next(s) * n) >> 32);
}

void *xcalloc(size_t n, size_t size)
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

void centre_id(char *buf, size_t len, const char *prefix, unsigned client, uint32_t n)
{
	snprintf(buf, len, "B%s-%u-%" PRIu32, prefix, client, n);
}

/* pick_sectors - 1 to 3 distinct sectors into out; returns how many. */
size_t pick_sectors(uint64_t *rng, char **out)
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
int bench_run(const struct run_cfg *cfg, int sfd, struct run_result *res)
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

/*
 * sync_call - send req on sock (a DEALER) and wait up to timeout_ms for
 * the reply with its request_id, watching sfd and, if ch is not NULL, the
 * child.  Returns CALL_OK and sets *reply_p (free with va_reply_free), or
 * another CALL_* value.
 */
int sync_call(void *sock, int sfd, struct child *ch, va_request_t *req, int64_t timeout_ms,
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
void *dealer_new(void *ctx, const char *endpoint, int reconnect_ms, const va_keys_t *keys)
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

void partner_list_request(va_request_t *req, Vetalliance__V1__PartnerList *body, char *rid)
{
	vetalliance__v1__request__init(req);
	vetalliance__v1__partner_list__init(body);
	req->request_id = rid;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_LIST;
	req->partner_list = body;
}
