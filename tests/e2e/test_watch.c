/*
 * test_watch.c - end-to-end tests: catch-up (EventsSince,
 * StateGet), heartbeats, per-peer flow control in the daemon, and the
 * reliable vetwatch (cursor, gap repair, reconnect, hooks), plus the
 * Python example client.
 *
 * The reference data gives seq 1..49 (test_foundation.c); the tests add
 * centres with a pipelined DEALER, one event each.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <zmq.h>

#include <vetalliance/client.h>

#include "harness.h"

#define RUN_TIMEOUT_MS 60000
#define DEFAULTS_LAST  49

static vt_daemon_t d;
static vt_proc_t watcher;
static char tmp[VT_PATH_MAX + 64];
static unsigned produced; /* centres registered so far, for unique ids */

static void setup_with(const char *const *args)
{
	if (vt_daemon_start(&d, args) < 0) {
		vt_daemon_cleanup(&d);
		cr_assert_fail("the daemon did not start");
	}
	cr_assert_eq(vt_mkdtemp(tmp, sizeof tmp), 0);
	produced = 0;
}

static void setup(void)
{
	static const char *const args[] = {"--heartbeat-ms", "200", NULL};
	setup_with(args);
}

static void teardown(void)
{
	vt_proc_kill(&watcher);
	vt_zmq_cleanup();
	vt_daemon_cleanup(&d);
	if (tmp[0] != '\0') {
		vt_rm_rf(tmp);
		tmp[0] = '\0';
	}
}

TestSuite(watch, .init = setup, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

/* ------------------------------------------------------------ helpers */

static uint8_t *centre_request(unsigned i, size_t *len)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__CentreRegister cr = VETALLIANCE__V1__CENTRE_REGISTER__INIT;
	Vetalliance__V1__Centre c = VETALLIANCE__V1__CENTRE__INIT;
	char id[32], rid[40];

	snprintf(id, sizeof id, "W%u", i);
	snprintf(rid, sizeof rid, "watch-%u", i);
	c.id = id;
	c.name = id;
	c.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_COMPANY;
	c.partner = "CYL";
	c.country = "ES";
	cr.centre = &c;
	req.request_id = rid;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;
	req.centre_register = &cr;
	return vt_request_pack(&req, len);
}

/* produce - register n centres, pipelined; returns the last seq. */
static uint64_t produce(unsigned n)
{
	void *s = vt_zmq_socket(ZMQ_DEALER, d.cmd_ep);
	uint64_t last = 0;

	for (unsigned i = 0; i < n; i++) {
		size_t len;
		uint8_t *buf = centre_request(produced + i, &len);
		cr_assert(zmq_send(s, buf, len, 0) >= 0);
		free(buf);
	}
	for (unsigned i = 0; i < n; i++) {
		va_reply_t *r = vt_zmq_recv_reply(s, 20000, NULL);
		cr_assert_not_null(r, "no reply to registration %u", i);
		cr_assert_eq(r->status, 0, "registration refused: %s", r->message);
		if (r->seq > last)
			last = r->seq;
		va_reply_free(&r);
	}
	produced += n;
	vt_zmq_close(s);
	return last;
}

/* events_since - one raw catch-up request. */
static va_reply_t *events_since(void *s, uint64_t from, uint32_t max_events, uint32_t max_bytes)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__EventsSince es = VETALLIANCE__V1__EVENTS_SINCE__INIT;
	size_t len;
	uint8_t *buf;
	va_reply_t *r;

	es.from_seq = from;
	es.max_events = max_events;
	es.max_bytes = max_bytes;
	req.request_id = "since";
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_EVENTS_SINCE;
	req.events_since = &es;
	buf = vt_request_pack(&req, &len);
	cr_assert(zmq_send(s, buf, len, 0) >= 0);
	free(buf);
	r = vt_zmq_recv_reply(s, 10000, NULL);
	cr_assert_not_null(r, "no reply to events_since");
	return r;
}

static void path_in(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", tmp, name);

	cr_assert(n > 0 && (size_t)n < len, "path too long");
}

/* start_watch - vetwatch in the background with the NULL-terminated
 * extra args, stdout to `out`, stderr to `<out>.err`. */
static void start_watch(const char *out, const char *const *extra)
{
	const char *argv[32];
	char err[VT_PATH_MAX + 8];
	size_t n = 0;

	argv[n++] = VA_VETWATCH_PATH;
	argv[n++] = "--endpoint";
	argv[n++] = d.pub_ep;
	argv[n++] = "--cmd-endpoint";
	argv[n++] = d.cmd_ep;
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	snprintf(err, sizeof err, "%s.err", out);
	cr_assert_eq(vt_proc_start(&watcher, argv, out, err), 0);
}

static void stop_watch(void)
{
	cr_assert(watcher.pid > 0);
	kill(watcher.pid, SIGTERM);
	cr_assert_eq(vt_proc_wait(&watcher, 20000), 0, "vetwatch did not stop cleanly");
}

/* seqs_of - the "seq" of every line of a file, appended to v. */
static size_t seqs_of(const char *path, uint64_t *v, size_t n, size_t cap)
{
	char *text = vt_read_file(path);
	char *p = text;

	cr_assert_not_null(text, "cannot read '%s'", path);
	while ((p = strstr(p, "{\"seq\":")) != NULL) {
		cr_assert(n < cap, "too many lines");
		v[n++] = strtoull(p + 7, &p, 10);
	}
	free(text);
	return n;
}

/* assert_exactly - v holds from..to, each once, in order. */
static void assert_exactly(const uint64_t *v, size_t n, uint64_t from, uint64_t to)
{
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(v[i], from + i, "line %zu: seq %" PRIu64 ", expected %" PRIu64, i,
			     v[i], from + i);
	cr_assert_eq(n, to - from + 1, "%zu events, expected %" PRIu64, n, to - from + 1);
}

/* wait_cursor - until the cursor file says `seq`. */
static void wait_cursor(const char *path, uint64_t seq, int timeout_ms)
{
	int64_t end = vt_now_ms() + timeout_ms;
	uint64_t got = 0;

	while (vt_now_ms() < end) {
		char *t = vt_read_file(path);
		if (t != NULL) {
			got = strtoull(t, NULL, 10);
			free(t);
			if (got == seq)
				return;
		}
		vt_sleep_ms(50);
	}
	cr_assert_fail("cursor '%s' is %" PRIu64 ", expected %" PRIu64, path, got, seq);
}

/* -------------------------------------------------------------- daemon */

Test(watch, catch_up_pages_and_limits)
{
	void *s = vt_zmq_socket(ZMQ_DEALER, d.cmd_ep);
	uint64_t last = produce(100);
	va_reply_t *r;

	cr_assert_eq(last, DEFAULTS_LAST + 100);
	r = events_since(s, 0, 10, 0);
	cr_assert_eq(r->status, 0, "%s", r->message);
	cr_assert_eq(r->result_case, VETALLIANCE__V1__REPLY__RESULT_EVENTS);
	cr_assert_eq(r->events->n_events, 10);
	for (size_t i = 0; i < 10; i++)
		cr_assert_eq(r->events->events[i]->seq, i + 1);
	cr_assert_eq(r->events->next_seq, 11);
	cr_assert_eq(r->events->last_seq, last);
	cr_assert_eq(r->events->first_seq, 1);
	cr_assert(r->events->more);
	cr_assert_eq(r->seq, last);
	va_reply_free(&r);

	/* A byte limit smaller than one event still returns one. */
	r = events_since(s, 60, 1000, 1);
	cr_assert_eq(r->events->n_events, 1);
	cr_assert_eq(r->events->events[0]->seq, 60);
	va_reply_free(&r);

	/* Defaults: everything left, in one page. */
	r = events_since(s, 100, 0, 0);
	cr_assert_eq(r->events->n_events, last - 99);
	cr_assert_eq(r->events->next_seq, last + 1);
	cr_assert(!r->events->more);
	va_reply_free(&r);

	/* Past the end: empty, OK. */
	r = events_since(s, last + 5, 0, 0);
	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->events->n_events, 0);
	cr_assert_eq(r->events->last_seq, last);
	va_reply_free(&r);
}

Test(watch, heartbeats_carry_the_last_seq_and_no_seq)
{
	void *sub = vt_zmq_socket(ZMQ_SUB, d.pub_ep);
	char topic[64];
	uint8_t buf[512];
	va_event_t *ev;
	int n;

	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "daemon.", 7);
	zmq_setsockopt(sub, ZMQ_RCVTIMEO, &(int){5000}, sizeof(int));
	n = zmq_recv(sub, topic, sizeof topic - 1, 0);
	cr_assert(n > 0, "no heartbeat within 5 s");
	topic[n] = '\0';
	cr_assert_str_eq(topic, "daemon.heartbeat");
	n = zmq_recv(sub, buf, sizeof buf, 0);
	cr_assert(n > 0);
	ev = vetalliance__v1__event__unpack(NULL, (size_t)n, buf);
	cr_assert_not_null(ev);
	cr_assert_eq(ev->seq, 0);
	cr_assert_eq(ev->payload_case, VETALLIANCE__V1__EVENT__PAYLOAD_DAEMON_HEARTBEAT);
	cr_assert_eq(ev->daemon_heartbeat->last_seq, DEFAULTS_LAST);
	cr_assert_eq(ev->daemon_heartbeat->interval_ms, 200);
	vetalliance__v1__event__free_unpacked(ev, NULL);
}

Test(watch, slow_reader_does_not_block_another_client)
{
	void *slow = vt_zmq_socket(ZMQ_DEALER, NULL);
	void *fast = vt_zmq_socket(ZMQ_DEALER, d.cmd_ep);
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__PartnerGet pg = VETALLIANCE__V1__PARTNER_GET__INIT;
	const unsigned n = 130000; /* past the daemon's 100 000 send HWM */
	size_t len;
	uint8_t *buf;
	va_reply_t *r;

	zmq_setsockopt(slow, ZMQ_RCVHWM, &(int){1}, sizeof(int));
	zmq_setsockopt(slow, ZMQ_SNDHWM, &(int){0}, sizeof(int));
	cr_assert_eq(zmq_connect(slow, d.cmd_ep), 0);
	pg.id = "NOPE";
	req.request_id = "slow";
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_GET;
	req.partner_get = &pg;
	buf = vt_request_pack(&req, &len);
	for (unsigned i = 0; i < n; i++)
		cr_assert(zmq_send(slow, buf, len, 0) >= 0);
	free(buf);
	/* Let the daemon answer them all into the slow peer's full pipe. */
	vt_sleep_ms(3000);

	req.request_id = "fast";
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_LIST;
	req.partner_list = &(Vetalliance__V1__PartnerList)VETALLIANCE__V1__PARTNER_LIST__INIT;
	buf = vt_request_pack(&req, &len);
	cr_assert(zmq_send(fast, buf, len, 0) >= 0);
	free(buf);
	r = vt_zmq_recv_reply(fast, 3000, NULL);
	cr_assert_not_null(r, "the other client waited behind the slow reader");
	cr_assert_str_eq(r->request_id, "fast");
	va_reply_free(&r);

	/* And the slow one still gets every reply. */
	for (unsigned i = 0; i < n; i++) {
		r = vt_zmq_recv_reply(slow, 20000, NULL);
		cr_assert_not_null(r, "reply %u of %u missing", i, n);
		va_reply_free(&r);
	}
}

Test(watch, state_get_returns_everything_and_its_seq)
{
	void *s = vt_zmq_socket(ZMQ_DEALER, d.cmd_ep);
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	size_t len;
	uint8_t *buf;
	va_reply_t *r;

	produce(3);
	req.request_id = "state";
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_STATE_GET;
	req.state_get = &(Vetalliance__V1__StateGet)VETALLIANCE__V1__STATE_GET__INIT;
	buf = vt_request_pack(&req, &len);
	cr_assert(zmq_send(s, buf, len, 0) >= 0);
	free(buf);
	r = vt_zmq_recv_reply(s, 5000, NULL);
	cr_assert_not_null(r);
	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->result_case, VETALLIANCE__V1__REPLY__RESULT_STATE);
	cr_assert_eq(r->seq, DEFAULTS_LAST + 3);
	cr_assert_eq(r->state->n_partners, 5);
	cr_assert_eq(r->state->n_sectors, 10);
	cr_assert_eq(r->state->n_centres, 3);
	cr_assert(r->state->n_interests > 0);
	va_reply_free(&r);
}

/* ------------------------------------------------------------ vetwatch */

Test(watch, restarted_watcher_sees_every_event_once_in_order)
{
	static uint64_t seqs[4096];
	char out1[VT_PATH_MAX + 64], out2[VT_PATH_MAX + 64], cur[VT_PATH_MAX + 64];
	size_t n = 0;
	uint64_t last;

	path_in(out1, sizeof out1, "w1.out");
	path_in(out2, sizeof out2, "w2.out");
	path_in(cur, sizeof cur, "cursor");
	start_watch(out1, (const char *const[]){"--cursor", cur, NULL});
	wait_cursor(cur, DEFAULTS_LAST, 30000); /* up and caught up */
	produce(200);
	stop_watch();        /* possibly mid-stream */
	last = produce(300); /* while it is away */
	start_watch(out2, (const char *const[]){"--cursor", cur, NULL});
	last = produce(100);
	wait_cursor(cur, last, 30000);
	stop_watch();
	n = seqs_of(out1, seqs, n, 4096);
	n = seqs_of(out2, seqs, n, 4096);
	assert_exactly(seqs, n, 1, last);
}

Test(watch, tiny_receive_hwm_still_delivers_every_event)
{
	static uint64_t seqs[8192];
	char out[VT_PATH_MAX + 64], cur[VT_PATH_MAX + 64];
	uint64_t last;
	size_t n;

	path_in(out, sizeof out, "w.out");
	path_in(cur, sizeof cur, "cursor");
	start_watch(out, (const char *const[]){"--cursor", cur, "--rcvhwm", "1", NULL});
	wait_cursor(cur, DEFAULTS_LAST, 30000);
	last = produce(5000);
	wait_cursor(cur, last, 60000);
	stop_watch();
	n = seqs_of(out, seqs, 0, 8192);
	assert_exactly(seqs, n, 1, last);
}

Test(watch, daemon_restart_mid_stream_misses_nothing)
{
	static uint64_t seqs[4096];
	char out[VT_PATH_MAX + 64], cur[VT_PATH_MAX + 64], errp[VT_PATH_MAX + 128];
	uint64_t last;
	size_t n;
	char *err;

	path_in(out, sizeof out, "w.out");
	path_in(cur, sizeof cur, "cursor");
	start_watch(out,
		    (const char *const[]){"--cursor", cur, "--heartbeat-timeout", "600", NULL});
	wait_cursor(cur, DEFAULTS_LAST, 30000);
	produce(300);
	vt_daemon_kill(&d);
	vt_sleep_ms(1500); /* long enough for the heartbeat warning */
	cr_assert_eq(vt_daemon_restart(&d, (const char *const[]){"--heartbeat-ms", "200", NULL}),
		     0);
	last = produce(300);
	wait_cursor(cur, last, 30000);
	stop_watch();
	n = seqs_of(out, seqs, 0, 4096);
	assert_exactly(seqs, n, 1, last);
	snprintf(errp, sizeof errp, "%s.err", out);
	err = vt_read_file(errp);
	cr_assert_not_null(err);
	cr_assert(strstr(err, "no heartbeat") != NULL, "no warning about the silence: %s", err);
	cr_assert(strstr(err, "the daemon is back") != NULL, "no word of the return: %s", err);
	free(err);
}

Test(watch, hook_failing_twice_runs_three_times_and_cursor_moves_once)
{
	char cur[VT_PATH_MAX + 64], cnt[VT_PATH_MAX + 64], log[VT_PATH_MAX + 64],
	    cmd[4 * VT_PATH_MAX + 1024];
	char *text;
	FILE *f;
	int rc;

	path_in(cur, sizeof cur, "cursor");
	path_in(cnt, sizeof cnt, "count");
	path_in(log, sizeof log, "hook.log");
	f = fopen(cur, "w");
	cr_assert_not_null(f);
	fputs("49\n", f);
	fclose(f);
	produce(1);
	/* Each run logs: its run number, the cursor it sees, the event's seq
	 * and type from the environment, and the seq from its stdin. */
	snprintf(cmd, sizeof cmd,
		 "n=$(cat %s 2>/dev/null || echo 0); n=$((n+1)); echo $n > %s; "
		 "s=$(sed 's/^{\"seq\":\\([0-9]*\\).*/\\1/'); "
		 "echo \"$n $(cat %s) $VET_EVENT_SEQ $VET_EVENT_TYPE $s\" >> %s; [ $n -ge 3 ]",
		 cnt, cnt, cur, log);
	rc = vt_run((const char *const[]){VA_VETWATCH_PATH, "--endpoint", d.pub_ep,
					  "--cmd-endpoint", d.cmd_ep, "--cursor", cur, "--exec",
					  cmd, "--count", "1", NULL},
		    NULL, NULL, NULL, RUN_TIMEOUT_MS);
	cr_assert_eq(rc, 0);
	text = vt_read_file(log);
	cr_assert_not_null(text);
	cr_assert_str_eq(text, "1 49 50 centre.registered 50\n"
			       "2 49 50 centre.registered 50\n"
			       "3 49 50 centre.registered 50\n");
	free(text);
	text = vt_read_file(cur);
	cr_assert_str_eq(text, "50\n");
	free(text);
}

Test(watch, once_catches_up_and_filters)
{
	char *out = NULL;
	int rc;

	produce(3);
	rc =
	    vt_run((const char *const[]){VA_VETWATCH_PATH, "--endpoint", d.pub_ep, "--cmd-endpoint",
					 d.cmd_ep, "--once", "--type", "centre.", NULL},
		   NULL, &out, NULL, RUN_TIMEOUT_MS);
	cr_assert_eq(rc, 0);
	cr_assert_eq(strncmp(out, "{\"seq\":50,", 10), 0, "%s", out);
	cr_assert_not_null(strstr(out, "{\"seq\":52,"));
	cr_assert_null(strstr(out, "partner.registered"));
	free(out);
	rc = vt_run((const char *const[]){VA_VETWATCH_PATH, "--endpoint", d.pub_ep,
					  "--cmd-endpoint", d.cmd_ep, "--once", "--partner",
					  "SAMIEDU", "--human", NULL},
		    NULL, &out, NULL, RUN_TIMEOUT_MS);
	cr_assert_eq(rc, 0);
	cr_assert_not_null(strstr(out, "SAMIEDU"));
	cr_assert_null(strstr(out, "CYL"), "%s", out);
	free(out);
}

Test(watch, python_example_client_passes)
{
	char script[VT_PATH_MAX * 2];
	char *out = NULL, *err = NULL;
	int rc;

	snprintf(script, sizeof script, "%s/examples/python/vetwatch_client.py", VA_SOURCE_DIR);
	rc = vt_run((const char *const[]){"/usr/bin/python3", script, "--proto-dir",
					  VA_SOURCE_DIR "/proto", "--cmd", d.cmd_ep, "--pub",
					  d.pub_ep, "--centre", "PYTEST", "--check", NULL},
		    NULL, &out, &err, RUN_TIMEOUT_MS);
	cr_assert_eq(rc, 0, "the Python example failed (%d):\n%s\n%s", rc, out, err);
	cr_assert_not_null(strstr(out, "centre.registered"), "%s", out);
	free(out);
	free(err);
}

/* ------------------------------------------------------ compacted history */

static void setup_compacting(void)
{
	static const char *const args[] = {
	    "--snapshot-every", "100", "--segment-size", "4096", "--heartbeat-ms", "200", NULL};
	setup_with(args);
}

TestSuite(watch_compacted, .init = setup_compacting, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

Test(watch_compacted, old_history_is_a_clear_error)
{
	void *s = vt_zmq_socket(ZMQ_DEALER, d.cmd_ep);
	char cur[VT_PATH_MAX + 64];
	char *err = NULL, *out = NULL;
	va_reply_t *r = NULL;
	uint64_t first = 1;
	FILE *f;
	int rc;

	for (int i = 0; i < 10 && first == 1; i++) {
		produce(100);
		vt_sleep_ms(300); /* snapshots are written on the threadpool */
		r = events_since(s, 1, 1, 0);
		if (r->status == VETALLIANCE__V1__STATUS__STATUS_FAILED_PRECONDITION)
			first = r->events->first_seq;
		else
			va_reply_free(&r);
	}
	cr_assert(first > 1, "the journal was never compacted");
	cr_assert_not_null(strstr(r->message, "history is available from seq"), "%s", r->message);
	cr_assert_eq(r->events->n_events, 0);
	cr_assert_eq(r->events->next_seq, first);
	va_reply_free(&r);
	r = events_since(s, first, 5, 0);
	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->events->events[0]->seq, first);
	va_reply_free(&r);

	/* vetwatch with a cursor that old: exit 65 and says from where. */
	path_in(cur, sizeof cur, "cursor");
	f = fopen(cur, "w");
	cr_assert_not_null(f);
	fputs("3\n", f);
	fclose(f);
	rc =
	    vt_run((const char *const[]){VA_VETWATCH_PATH, "--endpoint", d.pub_ep, "--cmd-endpoint",
					 d.cmd_ep, "--cursor", cur, "--once", NULL},
		   NULL, &out, &err, RUN_TIMEOUT_MS);
	cr_assert_eq(rc, 65, "%s", err);
	cr_assert_not_null(strstr(err, "history starts at seq"), "%s", err);
	free(out);
	free(err);
	/* Without a cursor it starts at the oldest kept event. */
	rc = vt_run((const char *const[]){VA_VETWATCH_PATH, "--endpoint", d.pub_ep,
					  "--cmd-endpoint", d.cmd_ep, "--once", NULL},
		    NULL, &out, &err, RUN_TIMEOUT_MS);
	cr_assert_eq(rc, 0, "%s", err);
	char want[64];
	snprintf(want, sizeof want, "{\"seq\":%" PRIu64 ",", first);
	cr_assert_eq(strncmp(out, want, strlen(want)), 0, "%.80s", out);
	free(out);
	free(err);
}
