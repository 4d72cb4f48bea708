/*
 * vetbench/latency - latency mode: commands at a steady rate, each timed
 * to its event on PUB and to its reply (see main.c).
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

int latency_main(const struct options *o, int sfd)
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
