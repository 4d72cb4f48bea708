/*
 * test_reliability.c - what one ordinary client stream must never do to
 * the daemon: crash it, lose a reply, lock its principal out, or make it
 * publish an event that is not in the journal.
 *
 * The stream: one centre_update, then a burst of whoami queries, a short
 * pause, again and again, reading replies as they come.  Replies to the
 * queries wait behind the update's commit, so batches are released while
 * new requests keep arriving; every one of them must be answered once,
 * and every event seen on PUB must be the journal's event of that seq
 * after a restart.  Run against a plain daemon and against a keyed one
 * (CURVE, the stream from a centre's key).
 */
#include <criterion/criterion.h>

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/client.h>

#include "harness.h"

/*
 * Rounds of one update and 300 to 1 200 queries: the longer bursts are
 * still unread when a commit completes, so the update that follows them
 * is read while a batch is being released.
 */
enum {
	ROUNDS = 80,
	QUERIES_MIN = 300,
	QUERIES_MAX = 1200,
	PER_ROUND = QUERIES_MAX + 1,
	TOTAL = ROUNDS * PER_ROUND,
	MAX_EVENTS = 4096,
};

static int queries_in(int round)
{
	return QUERIES_MIN + (round * 97) % (QUERIES_MAX - QUERIES_MIN + 1);
}

static vt_daemon_t d;
static char keys[VT_PATH_MAX];

static void teardown(void)
{
	vt_zmq_cleanup();
	vt_daemon_cleanup(&d);
	if (keys[0] != '\0')
		vt_rm_rf(keys);
	keys[0] = '\0';
}

TestSuite(reliability, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

typedef struct seen_event {
	uint64_t seq;
	char request_id[32];
} seen_event_t;

typedef struct stream {
	unsigned char answered[TOTAL]; /* replies per request */
	size_t replies;
	size_t updates_ok;
	seen_event_t events[MAX_EVENTS]; /* as PUB delivered them */
	size_t n_events;
} stream_t;

static stream_t st;
static const char *const *restart_args; /* the daemon's extra arguments */
static char principals_path[VT_PATH_MAX + 32], server_secret[VT_PATH_MAX + 32];

/* ------------------------------------------------------------ keys */

static void key_path(char *buf, size_t len, const char *name, const char *suffix)
{
	int n = snprintf(buf, len, "%s/%s%s", keys, name, suffix);

	cr_assert(n > 0 && (size_t)n < len, "path too long");
}

/* A key pair `name`.key / `name`.key_secret; its public text in pub. */
static void make_key(const char *name, char pub[41])
{
	char path[VT_PATH_MAX + 32];
	zcert_t *cert = zcert_new();

	cr_assert_not_null(cert);
	key_path(path, sizeof path, name, ".key");
	cr_assert_eq(zcert_save(cert, path), 0);
	if (pub != NULL)
		memcpy(pub, zcert_public_txt(cert), 41);
	zcert_destroy(&cert);
}

static void start_plain(void)
{
	restart_args = NULL;
	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	VT_CTL_OK(&d, "centre", "register", "--id", "CECOA", "--name", "CECOA", "--kind",
		  "vet-centre", "--partner", "IEFP", "--country", "PT");
}

/* A keyed daemon on loopback TCP; the stream will come from CECOA's key. */
static void start_keyed(void)
{
	static const char *args[5];
	char pub_admin[41], pub_cecoa[41];
	int p1 = vt_free_tcp_port(), p2 = vt_free_tcp_port();
	FILE *f;

	cr_assert_gt(p1, 0);
	cr_assert_gt(p2, 0);
	cr_assert_eq(vt_mkdtemp(keys, sizeof keys), 0);
	make_key("server", NULL);
	make_key("admin", pub_admin);
	make_key("cecoa", pub_cecoa);
	key_path(principals_path, sizeof principals_path, "principals", "");
	f = fopen(principals_path, "w");
	cr_assert_not_null(f);
	fprintf(f, "admin\n    key = \"%s\"\n    role = admin\n", pub_admin);
	fprintf(f, "cecoa\n    key = \"%s\"\n    role = centre\n    institution = \"CECOA\"\n",
		pub_cecoa);
	cr_assert_eq(fclose(f), 0);
	snprintf(d.cmd_ep, sizeof d.cmd_ep, "tcp://127.0.0.1:%d", p1);
	snprintf(d.pub_ep, sizeof d.pub_ep, "tcp://127.0.0.1:%d", p2);
	key_path(d.key, sizeof d.key, "admin", ".key_secret");
	key_path(d.server_key, sizeof d.server_key, "server", ".key");
	key_path(server_secret, sizeof server_secret, "server", ".key_secret");
	args[0] = "--server-key";
	args[1] = server_secret;
	args[2] = "--principals";
	args[3] = principals_path;
	args[4] = NULL;
	restart_args = args;
	cr_assert_eq(vt_daemon_start(&d, restart_args), 0);
	VT_CTL_OK(&d, "centre", "register", "--id", "CECOA", "--name", "CECOA", "--kind",
		  "vet-centre", "--partner", "IEFP", "--country", "PT");
}

/* A socket of `type`, keyed as `who` when the daemon is keyed. */
static void *socket_as(int type, const char *who, const char *endpoint)
{
	void *s = vt_zmq_socket(type, NULL);

	if (keys[0] != '\0') {
		char secret[VT_PATH_MAX + 32], server[VT_PATH_MAX + 32], err[512];
		va_keys_t k;
		int keyed = 0;

		key_path(secret, sizeof secret, who, ".key_secret");
		key_path(server, sizeof server, "server", ".key");
		cr_assert_eq(va_keys_setup(&k, &keyed, secret, server, err, sizeof err), 0, "%s",
			     err);
		cr_assert_eq(va_keys_apply(&k, s), 0);
	}
	cr_assert_eq(zmq_connect(s, endpoint), 0);
	return s;
}

/* ---------------------------------------------------------- requests */

static void send_request(void *s, va_request_t *req)
{
	size_t len;
	uint8_t *buf = vt_request_pack(req, &len);

	cr_assert_eq(zmq_send(s, buf, len, 0), (int)len, "send: %s", zmq_strerror(zmq_errno()));
	free(buf);
}

static void send_update(void *s, int round)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__CentreUpdate cu = VETALLIANCE__V1__CENTRE_UPDATE__INIT;
	Vetalliance__V1__Centre c = VETALLIANCE__V1__CENTRE__INIT;
	char rid[32], region[32];
	char *mask[] = {"region"};

	snprintf(rid, sizeof rid, "u%d", round);
	snprintf(region, sizeof region, "Region %d", round);
	c.id = "CECOA";
	c.region = region;
	cu.centre = &c;
	cu.n_update_mask = 1;
	cu.update_mask = mask;
	req.request_id = rid;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_UPDATE;
	req.centre_update = &cu;
	send_request(s, &req);
}

static void send_whoami(void *s, int round, int i)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__WhoAmI w = VETALLIANCE__V1__WHO_AM_I__INIT;
	char rid[32];

	snprintf(rid, sizeof rid, "w%d-%d", round, i);
	req.request_id = rid;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_WHOAMI;
	req.whoami = &w;
	send_request(s, &req);
}

/* The stream's index of a request id ("u3" or "w3-17"), or -1. */
static int request_index(const char *rid)
{
	int round, i;

	if (sscanf(rid, "u%d", &round) == 1 && round >= 0 && round < ROUNDS)
		return round * PER_ROUND;
	if (sscanf(rid, "w%d-%d", &round, &i) == 2 && round >= 0 && round < ROUNDS && i >= 0 &&
	    i < queries_in(round))
		return round * PER_ROUND + 1 + i;
	return -1;
}

/* Read every reply waiting on s, for at most timeout_ms if none is. */
static void read_replies(void *s, int timeout_ms)
{
	va_reply_t *r;

	while ((r = vt_zmq_recv_reply(s, timeout_ms, NULL)) != NULL) {
		int k = request_index(r->request_id);

		cr_assert_geq(k, 0, "a reply to an unknown request '%s'", r->request_id);
		st.answered[k]++;
		st.replies++;
		if (r->request_id[0] == 'u' && r->status == VETALLIANCE__V1__STATUS__STATUS_OK)
			st.updates_ok++;
		va_reply_free(&r);
		timeout_ms = 0;
	}
}

/* Record every event waiting on the subscriber. */
static void read_events(void *sub)
{
	for (;;) {
		zmq_msg_t topic, body;
		Vetalliance__V1__Event *ev;

		zmq_msg_init(&topic);
		if (zmq_msg_recv(&topic, sub, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&topic);
			return;
		}
		zmq_msg_init(&body);
		cr_assert_geq(zmq_msg_recv(&body, sub, 0), 0);
		ev = vetalliance__v1__event__unpack(NULL, zmq_msg_size(&body), zmq_msg_data(&body));
		cr_assert_not_null(ev, "an event that does not decode");
		if (ev->seq > 0 && st.n_events < MAX_EVENTS) {
			st.events[st.n_events].seq = ev->seq;
			snprintf(st.events[st.n_events].request_id, sizeof st.events[0].request_id,
				 "%s", ev->request_id);
			st.n_events++;
		}
		vetalliance__v1__event__free_unpacked(ev, NULL);
		zmq_msg_close(&topic);
		zmq_msg_close(&body);
	}
}

static int whoami_status(void *s, const char *rid)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__WhoAmI w = VETALLIANCE__V1__WHO_AM_I__INIT;
	va_reply_t *r;
	int status;

	req.request_id = (char *)rid;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_WHOAMI;
	req.whoami = &w;
	send_request(s, &req);
	r = vt_zmq_recv_reply(s, 1000, NULL);
	if (r == NULL)
		return -1;
	status = (int)r->status;
	va_reply_free(&r);
	return status;
}

/* The journal's request id for every seq, read back through catch-up
 * (events_since) as the administrator; *last_p gets the last seq. */
static char (*journal_request_ids(uint64_t *last_p))[32]
{
	void *s = socket_as(ZMQ_DEALER, "admin", d.cmd_ep);
	char(*ids)[32] = NULL;
	uint64_t from = 1, cap = 0;
	int more = 1;

	while (more) {
		va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
		Vetalliance__V1__EventsSince es = VETALLIANCE__V1__EVENTS_SINCE__INIT;
		va_reply_t *r;

		es.from_seq = from;
		es.max_events = 1000;
		req.request_id = "since";
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_EVENTS_SINCE;
		req.events_since = &es;
		send_request(s, &req);
		r = vt_zmq_recv_reply(s, 10000, NULL);
		cr_assert_not_null(r, "no reply to events_since from %llu",
				   (unsigned long long)from);
		cr_assert_eq(r->status, VETALLIANCE__V1__STATUS__STATUS_OK, "events_since: %s",
			     r->message);
		cr_assert_eq(r->result_case, VETALLIANCE__V1__REPLY__RESULT_EVENTS);
		if (r->events->last_seq + 1 > cap) {
			uint64_t old = cap;
			cap = r->events->last_seq + 1;
			ids = realloc(ids, cap * sizeof *ids);
			cr_assert_not_null(ids);
			memset(ids + old, 0, (cap - old) * sizeof *ids);
		}
		for (size_t i = 0; i < r->events->n_events; i++) {
			const Vetalliance__V1__Event *ev = r->events->events[i];
			cr_assert_eq(ev->seq, from, "the journal skips from %llu to %llu",
				     (unsigned long long)from, (unsigned long long)ev->seq);
			cr_assert_lt(ev->seq, cap);
			snprintf(ids[ev->seq], sizeof ids[0], "%s", ev->request_id);
			from++;
		}
		more = r->events->more && r->events->n_events > 0;
		va_reply_free(&r);
	}
	vt_zmq_close(s);
	*last_p = from - 1;
	return ids;
}

/*
 * The stream, then what must hold: the daemon alive, one reply per
 * request, the principal still answered, and after a restart every event
 * PUB carried is the journal's event of that seq.
 */
static void run_stream(const char *who)
{
	void *s = socket_as(ZMQ_DEALER, who, d.cmd_ep);
	void *sub = socket_as(ZMQ_SUB, who, d.pub_ep);
	int64_t deadline;
	uint64_t last = 0;
	size_t sent = 0, missing = 0, twice = 0;
	char(*ids)[32];

	memset(&st, 0, sizeof st);
	cr_assert_eq(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0), 0);
	/* The subscription is in place once a heartbeat or any event could
	 * reach it; a whoami round trip on the command socket is enough time
	 * for the connect, and an event lost here is only not compared. */
	cr_assert_eq(whoami_status(s, "hello"), VETALLIANCE__V1__STATUS__STATUS_OK);
	vt_sleep_ms(200);

	for (int round = 0; round < ROUNDS; round++) {
		send_update(s, round);
		for (int i = 0; i < queries_in(round); i++)
			send_whoami(s, round, i);
		sent += 1 + (size_t)queries_in(round);
		usleep(500);
		read_replies(s, 0);
		read_events(sub);
		cr_assert(vt_daemon_alive(&d), "the daemon died in round %d (exit %d)", round,
			  d.exit_status);
	}
	deadline = vt_now_ms() + 15000;
	while (st.replies < sent && vt_now_ms() < deadline) {
		read_replies(s, 100);
		read_events(sub);
	}
	vt_sleep_ms(200);
	read_events(sub);
	cr_assert(vt_daemon_alive(&d), "the daemon died after the stream (exit %d)", d.exit_status);
	for (int round = 0; round < ROUNDS; round++)
		for (int k = 0; k <= queries_in(round); k++) {
			missing += st.answered[round * PER_ROUND + k] == 0;
			twice += st.answered[round * PER_ROUND + k] > 1;
		}
	cr_assert_eq(missing, 0, "%zu of %zu requests got no reply", missing, sent);
	cr_assert_eq(twice, 0, "%zu requests got more than one reply", twice);
	cr_assert_eq(st.updates_ok, ROUNDS, "%zu of %d updates were acknowledged", st.updates_ok,
		     ROUNDS);
	/* Not locked out: nothing is left in flight. */
	cr_assert_eq(whoami_status(s, "after"), VETALLIANCE__V1__STATUS__STATUS_OK,
		     "the principal is not answered after the stream");
	cr_assert_geq(st.n_events, 1, "PUB delivered no event of the stream");
	vt_zmq_close(s);
	vt_zmq_close(sub);

	/* What was published is what the journal holds, seq for seq, and
	 * every acknowledged update is in it. */
	cr_assert_eq(vt_daemon_stop(&d), 0, "the daemon did not stop cleanly");
	cr_assert_eq(vt_daemon_restart(&d, restart_args), 0);
	ids = journal_request_ids(&last);
	for (size_t i = 0; i < st.n_events; i++) {
		cr_assert_leq(st.events[i].seq, last,
			      "seq %llu was published for '%s' but the journal ends at %llu",
			      (unsigned long long)st.events[i].seq, st.events[i].request_id,
			      (unsigned long long)last);
		cr_assert_str_eq(ids[st.events[i].seq], st.events[i].request_id,
				 "seq %llu was published for '%s' but the journal has '%s'",
				 (unsigned long long)st.events[i].seq, st.events[i].request_id,
				 ids[st.events[i].seq]);
	}
	for (int round = 0; round < ROUNDS; round++) {
		char rid[32];
		size_t found = 0;

		snprintf(rid, sizeof rid, "u%d", round);
		for (uint64_t q = 1; q <= last; q++)
			found += strcmp(ids[q], rid) == 0;
		cr_assert_eq(found, 1, "the acknowledged update '%s' is in the journal %zu times",
			     rid, found);
	}
	free(ids);
}

Test(reliability, an_update_and_query_stream_is_answered_in_full_plain)
{
	start_plain();
	run_stream("local");
}

Test(reliability, an_update_and_query_stream_is_answered_in_full_keyed)
{
	start_keyed();
	run_stream("cecoa");
}
