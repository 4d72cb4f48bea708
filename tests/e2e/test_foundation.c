/*
 * test_foundation.c - end-to-end tests of the foundation: the real
 * vetallianced with vetctl, vetwatch and raw ZeroMQ clients.
 *
 * Each test of the `foundation` suite gets its own daemon on ipc://
 * endpoints in a fresh temporary directory (tests/support/harness.h);
 * .fini kills whatever is left and removes the directory, whether the
 * test passed or not.  `daemon_cli` runs the daemon binary for its
 * command line alone, `daemon_tcp` starts it on loopback ports, and
 * `harness` checks the kill/restart paths the crash tests build on.
 *
 * Every suite has the same timeout, VT_TEST_TIMEOUT (see harness.h for
 * why); the burst checks its own progress and fails after 30 s without a
 * reply.
 *
 * Facts these tests rely on, from the reference data
 * (daemon/data/defaults.zpl): 5 partners, 10 sectors, and one event per
 * partner, sector and interest, loaded in that order as seq 1..N.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <jansson.h>
#include <zmq.h>

#include <vetalliance/client.h>

#include "harness.h"

#define RUN_TIMEOUT_MS 20000
#define MAX_ARGS       40
#define BURST_N        100000

static vt_daemon_t d;
static vt_proc_t watcher;
static char scratch_dir[VT_PATH_MAX];
static unsigned char *burst_seen; /* freed by .fini, even after a failure */

/* ------------------------------------------------------------ fixtures */

static void setup(void)
{
	if (vt_daemon_start(&d, NULL) < 0) {
		vt_daemon_cleanup(&d); /* .fini does not run after a failed .init */
		cr_assert_fail("the daemon did not start");
	}
}

static void teardown(void)
{
	vt_proc_kill(&watcher);
	vt_zmq_cleanup();
	vt_daemon_cleanup(&d);
	free(burst_seen);
	burst_seen = NULL;
	if (scratch_dir[0] != '\0') {
		vt_rm_rf(scratch_dir);
		scratch_dir[0] = '\0';
	}
}

TestSuite(foundation, .init = setup, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

/* ------------------------------------------------------------- helpers */

/*
 * ctl_a - run vetctl against `endpoint` (NULL: none given) with the
 * NULL-terminated `args`; returns its exit status, with its output in
 * *out and *err (to free) when those are not NULL.
 */
static int ctl_a(const char *endpoint, const char *const *args, char **out, char **err)
{
	const char *argv[MAX_ARGS];
	size_t n = 0;

	argv[n++] = VA_VETCTL_PATH;
	if (endpoint != NULL) {
		argv[n++] = "--endpoint";
		argv[n++] = endpoint;
	}
	for (size_t i = 0; args[i] != NULL; i++) {
		cr_assert(n + 1 < MAX_ARGS, "too many vetctl arguments");
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	return vt_run(argv, NULL, out, err, RUN_TIMEOUT_MS);
}

/*
 * ctl_json_a - `vetctl --json ARGS` against the test's daemon, expecting
 * exit status `want` and exactly one line of JSON; returns it (decref it).
 */
static json_t *ctl_json_a(int want, const char *const *args)
{
	const char *argv[MAX_ARGS];
	char *out = NULL, *err = NULL;
	json_error_t jerr;
	json_t *obj;
	size_t len, n = 0;
	int rc;

	argv[n++] = "--json";
	for (size_t i = 0; args[i] != NULL; i++) {
		cr_assert(n + 1 < MAX_ARGS, "too many vetctl arguments");
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	rc = ctl_a(d.cmd_ep, argv, &out, &err);
	cr_assert_eq(rc, want, "vetctl --json %s %s: exit %d, expected %d; stderr: %s", args[0],
		     args[1] ? args[1] : "", rc, want, err);
	len = strlen(out);
	cr_assert(len > 0 && out[len - 1] == '\n' && strchr(out, '\n') == out + len - 1,
		  "vetctl --json %s: expected exactly one line, got '%s'", args[0], out);
	obj = json_loads(out, 0, &jerr);
	cr_assert_not_null(obj, "vetctl --json %s: not JSON (%s): %s", args[0], jerr.text, out);
	free(out);
	free(err);
	return obj;
}

/* CTL(&out, &err, "centre", "list") and CTL_JSON(0, "centre", "list"):
 * vetctl against the test's daemon. */
#define CTL(out, err, ...)  ctl_a(d.cmd_ep, (const char *const[]){__VA_ARGS__, NULL}, out, err)
#define CTL_JSON(want, ...) ctl_json_a(want, (const char *const[]){__VA_ARGS__, NULL})

static const char *jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	cr_assert(json_is_string(v), "key '%s' is not a string", key);
	return json_string_value(v);
}

static json_int_t jint(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	cr_assert(json_is_integer(v), "key '%s' is not an integer", key);
	return json_integer_value(v);
}

/* jpath - obj["a"]["b"] for "a.b"; asserts each step exists. */
static json_t *jpath(json_t *obj, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof buf, "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k != NULL; k = strtok_r(NULL, ".", &save)) {
		obj = json_object_get(obj, k);
		cr_assert_not_null(obj, "no '%s' in the path '%s'", k, path);
	}
	return obj;
}

/* find_by - the element of array `arr` whose `key` is `value`, or NULL. */
static json_t *find_by(json_t *arr, const char *key, const char *value)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e)
	{
		json_t *v = json_object_get(e, key);
		if (json_is_string(v) && strcmp(json_string_value(v), value) == 0)
			return e;
	}
	return NULL;
}

static json_t *register_cecoa(int want)
{
	return CTL_JSON(want, "centre", "register", "--id", "CECOA", "--name", "CECOA", "--kind",
			"vet-centre", "--partner", "IEFP", "--country", "PT", "--region", "Lisboa",
			"--sector", "international-commerce");
}

/* A request for partner_get `id` (strings borrowed). */
static void partner_get_req(va_request_t *req, Vetalliance__V1__PartnerGet *get, char *rid,
			    char *id)
{
	vetalliance__v1__request__init(req);
	vetalliance__v1__partner_get__init(get);
	get->id = id;
	req->request_id = rid;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_GET;
	req->partner_get = get;
}

/* probe - mark an interest with note "probe-<i>" (an event every watcher
 * sees); returns its seq. */
static uint64_t probe(int i)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__InterestMark mark = VETALLIANCE__V1__INTEREST_MARK__INIT;
	Vetalliance__V1__SectorInterest in = VETALLIANCE__V1__SECTOR_INTEREST__INIT;
	va_reply_t *reply = NULL;
	char note[32];
	uint64_t seq;

	snprintf(note, sizeof note, "probe-%d", i);
	in.partner = "SBH";
	in.sector = "it";
	in.interested = 1;
	in.note = note;
	mark.interest = &in;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_INTEREST_MARK;
	req.interest_mark = &mark;
	cr_assert_eq(vt_call(&d, &req, &reply), 0, "probe %d: no reply", i);
	cr_assert_eq(reply->status, VETALLIANCE__V1__STATUS__STATUS_OK, "probe %d: %s", i,
		     reply->message);
	seq = reply->seq;
	va_reply_free(&reply);
	return seq;
}

static int file_has(const char *path, const char *needle)
{
	char *text = vt_read_file(path);
	int found = text != NULL && strstr(text, needle) != NULL;

	free(text);
	return found;
}

/* ---------------------------------------------------- reference data */

Test(foundation, fresh_daemon_has_the_reference_data)
{
	static const char *const partners[][2] = {
	    {"CYL", "Europe/Madrid"},  {"SBH", "Europe/Berlin"},       {"STK", "Europe/Warsaw"},
	    {"IEFP", "Europe/Lisbon"}, {"SAMIEDU", "Europe/Helsinki"},
	};
	json_t *r, *list, *e;
	json_int_t n_events;
	size_t n_interests;

	r = CTL_JSON(0, "partner", "list");
	cr_assert_str_eq(jstr(r, "status"), "ok");
	list = jpath(r, "partners.partners");
	cr_assert_eq(json_array_size(list), 5, "expected 5 partners, got %zu",
		     json_array_size(list));
	for (size_t i = 0; i < 5; i++) {
		e = find_by(list, "id", partners[i][0]);
		cr_assert_not_null(e, "partner %s missing", partners[i][0]);
		cr_expect_str_eq(jstr(e, "time_zone"), partners[i][1], "partner %s",
				 partners[i][0]);
		cr_expect(jstr(e, "name")[0] != '\0', "partner %s has no name", partners[i][0]);
		cr_expect_eq(strlen(jstr(e, "country")), 2, "partner %s", partners[i][0]);
	}
	n_events = jint(r, "seq");
	json_decref(r);

	r = CTL_JSON(0, "sector", "list");
	list = jpath(r, "sectors.sectors");
	cr_assert_eq(json_array_size(list), 10, "expected 10 sectors, got %zu",
		     json_array_size(list));
	e = find_by(list, "id", "international-commerce");
	cr_assert_not_null(e);
	cr_expect(json_is_true(json_object_get(e, "focus")));
	cr_expect_eq(jint(r, "seq"), n_events);
	json_decref(r);

	r = CTL_JSON(0, "interest", "list", "--partner", "CYL");
	list = jpath(r, "interests.interests");
	cr_assert_gt(json_array_size(list), 0);
	{
		size_t i;
		json_array_foreach(list, i, e) cr_expect_str_eq(jstr(e, "partner"), "CYL");
	}
	e = find_by(list, "sector", "international-commerce");
	cr_assert_not_null(e, "CYL has no interest in international-commerce");
	cr_expect(json_is_true(json_object_get(e, "interested")));
	cr_expect_str_eq(jstr(e, "note"), "Segovia");
	json_decref(r);

	/* The reference data are the only events so far: 1..N, one per
	 * partner, sector and interest. */
	r = CTL_JSON(0, "interest", "list");
	n_interests = json_array_size(jpath(r, "interests.interests"));
	json_decref(r);
	cr_assert_eq(n_events, (json_int_t)(5 + 10 + n_interests),
		     "last seq %lld, expected 5 partners + 10 sectors + %zu interests",
		     (long long)n_events, n_interests);

	/* ...and the next event follows them without a gap. */
	r = register_cecoa(0);
	cr_assert_eq(jint(r, "seq"), n_events + 1);
	json_decref(r);
}

/* ------------------------------------------------- centre, with events */

Test(foundation, centre_register_list_show_update_and_events)
{
	char out_path[VT_PATH_MAX + 16], err_path[VT_PATH_MAX + 16], needle[64];
	const char *watch_argv[] = {VA_VETWATCH_PATH, "--endpoint", d.pub_ep,
				    "--count",        "20",         NULL};
	const size_t want_lines = 20, probes_total = want_lines - 2;
	json_t *r, *before, *after, *list;
	json_int_t seq1, seq2;
	char rid1[80], rid2[80];
	size_t seen;
	int sent = 0;
	char *text, *save = NULL;
	json_t *lines[20] = {0};
	size_t n = 0;

	snprintf(out_path, sizeof out_path, "%s/watch.out", d.dir);
	snprintf(err_path, sizeof err_path, "%s/watch.err", d.dir);
	cr_assert_eq(vt_proc_start(&watcher, watch_argv, out_path, err_path), 0);

	/* Slow joiner: PUB drops what it sends before the subscription has
	 * arrived.  Send probes (events) until vetwatch prints one, then wait
	 * for the last one sent: every event after it reaches vetwatch. */
	while (vt_count_lines(out_path) == 0 && sent < 50) {
		probe(sent++);
		vt_wait_lines(out_path, 1, 200);
	}
	cr_assert_gt(vt_count_lines(out_path), 0, "vetwatch saw none of %d probes", sent);
	snprintf(needle, sizeof needle, "\"note\":\"probe-%d\"", sent - 1);
	for (int64_t end = vt_now_ms() + 5000; !file_has(out_path, needle) && vt_now_ms() < end;)
		vt_sleep_ms(10);
	cr_assert(file_has(out_path, needle), "vetwatch missed the last probe");
	seen = vt_count_lines(out_path);
	cr_assert_leq(seen, probes_total, "vetwatch saw %zu probes, more than planned", seen);
	/* Top up to a known count, so --count ends vetwatch right after the
	 * two centre events. */
	for (; seen < probes_total; seen++)
		probe(sent++);
	cr_assert_eq(vt_wait_lines(out_path, probes_total, 5000), 0, "vetwatch missed a probe");

	r = register_cecoa(0);
	cr_assert_str_eq(jstr(r, "status"), "ok");
	cr_assert_str_eq(jstr(r, "message"), "");
	seq1 = jint(r, "seq");
	snprintf(rid1, sizeof rid1, "%s", jstr(r, "request_id"));
	cr_assert(rid1[0] != '\0');
	json_decref(r);

	r = CTL_JSON(0, "centre", "list");
	list = jpath(r, "centres.centres");
	cr_assert_eq(json_array_size(list), 1);
	cr_assert_not_null(find_by(list, "id", "CECOA"));
	json_decref(r);

	r = CTL_JSON(0, "centre", "list", "--partner", "CYL");
	cr_expect_eq(json_array_size(jpath(r, "centres.centres")), 0, "partner filter ignored");
	json_decref(r);

	before = CTL_JSON(0, "centre", "show", "CECOA");
	{
		json_t *c = jpath(before, "centre");
		json_t *sectors = jpath(c, "sectors");

		cr_expect_str_eq(jstr(c, "id"), "CECOA");
		cr_expect_str_eq(jstr(c, "name"), "CECOA");
		cr_expect_str_eq(jstr(c, "kind"), "vet-centre");
		cr_expect_str_eq(jstr(c, "partner"), "IEFP");
		cr_expect_str_eq(jstr(c, "country"), "PT");
		cr_expect_str_eq(jstr(c, "region"), "Lisboa");
		cr_assert_eq(json_array_size(sectors), 1);
		cr_expect_str_eq(json_string_value(json_array_get(sectors, 0)),
				 "international-commerce");
		cr_expect_gt(jint(c, "registered_ms"), 0);
	}

	r = CTL_JSON(0, "centre", "update", "--id", "CECOA", "--region", "Porto");
	cr_assert_str_eq(jstr(r, "status"), "ok");
	seq2 = jint(r, "seq");
	snprintf(rid2, sizeof rid2, "%s", jstr(r, "request_id"));
	json_decref(r);
	cr_assert_eq(seq2, seq1 + 1);

	/* The update changed the region (and its time) and nothing else. */
	after = CTL_JSON(0, "centre", "show", "--id", "CECOA");
	{
		json_t *b = jpath(before, "centre"), *a = jpath(after, "centre");
		const char *key;
		json_t *v;

		cr_expect_str_eq(jstr(a, "region"), "Porto");
		cr_expect_geq(jint(a, "updated_ms"), jint(b, "updated_ms"));
		json_object_foreach(b, key, v)
		{
			if (strcmp(key, "region") == 0 || strncmp(key, "updated_", 8) == 0)
				continue;
			cr_expect(json_equal(v, json_object_get(a, key)), "the update changed '%s'",
				  key);
		}
	}
	json_decref(before);
	json_decref(after);

	/* vetwatch ends by itself after --count events. */
	if (vt_proc_wait(&watcher, 10000) != 0) {
		char *werr = vt_read_file(err_path);
		cr_assert_fail("vetwatch did not exit 0 after 20 events (status %d); stderr: %s",
			       watcher.status, werr ? werr : "");
	}
	text = vt_read_file(out_path);
	cr_assert_not_null(text);
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		cr_assert_lt(n, 20, "vetwatch printed more than 20 lines");
		lines[n] = json_loads(line, 0, NULL);
		cr_assert_not_null(lines[n], "not JSON: %s", line);
		n++;
	}
	free(text);
	cr_assert_eq(n, want_lines);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			cr_expect_eq(jint(lines[i], "seq"), jint(lines[i - 1], "seq") + 1,
				     "line %zu: seq not consecutive", i);
		if (i < probes_total)
			cr_expect_str_eq(jstr(lines[i], "type"), "sector.interest_marked");
	}
	cr_expect_str_eq(jstr(lines[18], "type"), "centre.registered");
	cr_expect_eq(jint(lines[18], "seq"), seq1);
	cr_expect_str_eq(jstr(lines[18], "request_id"), rid1);
	cr_expect_str_eq(jstr(lines[18], "actor"), "local");
	cr_expect_str_eq(jstr(jpath(lines[18], "payload"), "id"), "CECOA");
	cr_expect_str_eq(jstr(jpath(lines[18], "payload"), "region"), "Lisboa");
	cr_expect_str_eq(jstr(jpath(lines[18], "payload"), "kind"), "vet-centre");
	cr_expect_str_eq(jstr(lines[19], "type"), "centre.updated");
	cr_expect_eq(jint(lines[19], "seq"), seq2);
	cr_expect_str_eq(jstr(lines[19], "request_id"), rid2);
	cr_expect_str_eq(jstr(jpath(lines[19], "payload"), "region"), "Porto");
	cr_expect_str_eq(jstr(jpath(lines[19], "payload"), "partner"), "IEFP");
	for (size_t i = 0; i < n; i++)
		json_decref(lines[i]);
}

/* ------------------------------------------------------------ refusals */

Test(foundation, refusals_and_exit_codes)
{
	char *out = NULL, *err = NULL;
	json_int_t seq;
	json_t *r;

	r = register_cecoa(0);
	seq = jint(r, "seq");
	json_decref(r);

	r = register_cecoa(1);
	cr_expect_str_eq(jstr(r, "status"), "already-exists");
	cr_expect(strstr(jstr(r, "message"), "CECOA") != NULL, "message: %s", jstr(r, "message"));
	cr_expect_eq(jint(r, "seq"), seq, "a refusal changed the seq");
	json_decref(r);

	/* Without --json: the refusal on stderr, nothing on stdout. */
	cr_assert_eq(CTL(&out, &err, "centre", "show", "NOPE"), 1);
	cr_expect_str_eq(out, "");
	cr_expect(strstr(err, "NOT_FOUND") != NULL, "stderr: %s", err);
	free(out);
	free(err);

	r = CTL_JSON(1, "centre", "register", "--id", "X1", "--name", "X", "--kind", "company",
		     "--partner", "NOPE", "--country", "PT");
	cr_expect_str_eq(jstr(r, "status"), "not-found");
	cr_expect(strstr(jstr(r, "message"), "centre.partner") != NULL, "message: %s",
		  jstr(r, "message"));
	json_decref(r);

	r = CTL_JSON(1, "centre", "show", "NOPE");
	cr_expect_str_eq(jstr(r, "status"), "not-found");
	json_decref(r);

	r = CTL_JSON(1, "centre", "update", "--id", "NOPE", "--region", "Porto");
	cr_expect_str_eq(jstr(r, "status"), "not-found");
	json_decref(r);

	/* Nothing of that changed the state. */
	r = CTL_JSON(0, "centre", "list");
	cr_expect_eq(json_array_size(jpath(r, "centres.centres")), 1);
	cr_expect_eq(jint(r, "seq"), seq);
	json_decref(r);

	/* Usage errors never reach the daemon: 64, a message, no output. */
	{
		static const char *const cases[][8] = {
		    {NULL},
		    {"centre", NULL},
		    {"bogus", "list", NULL},
		    {"centre", "frobnicate", NULL},
		    {"centre", "show", NULL},
		    {"centre", "list", "extra", NULL},
		    {"partner", "list", "--bogus", NULL},
		    {"--timeout", "abc", "partner", "list", NULL},
		    {"--attempts", "0", "partner", "list", NULL},
		    {"centre", "update", "--id", "CECOA", NULL},
		    {"centre", "register", "--id", "X", "--kind", "spaceship", NULL},
		    {"partner", "list", "--region", "X", NULL},
		};
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			const char *const *c = cases[i];
			int rc = ctl_a(d.cmd_ep, c, &out, &err);

			cr_expect_eq(rc, 64, "usage case %zu (%s %s): exit %d; stderr: %s", i,
				     c[0] ? c[0] : "", c[0] && c[1] ? c[1] : "", rc, err);
			cr_expect_str_eq(out, "", "usage case %zu printed on stdout", i);
			cr_expect(strstr(err, "vetctl: ") == err, "usage case %zu: stderr '%s'", i,
				  err);
			free(out);
			free(err);
		}
	}
	r = CTL_JSON(0, "centre", "list");
	cr_expect_eq(jint(r, "seq"), seq, "a usage error reached the daemon");
	json_decref(r);

	/* Nobody listening: 69 after every attempt. */
	{
		char ep[VT_PATH_MAX + 16];
		int64_t t0 = vt_now_ms(), took;
		int rc;

		snprintf(ep, sizeof ep, "ipc://%s/nobody", d.dir);
		rc = ctl_a(ep,
			   (const char *const[]){"--timeout", "200", "--attempts", "2", "partner",
						 "list", NULL},
			   &out, &err);
		took = vt_now_ms() - t0;
		cr_expect_eq(rc, 69, "unreachable: exit %d; stderr: %s", rc, err);
		cr_expect(strstr(err, "no reply") != NULL, "stderr: %s", err);
		cr_expect_str_eq(out, "");
		cr_expect_geq(took, 400, "2 attempts of 200 ms took %lld ms", (long long)took);
		free(out);
		free(err);
	}
}

/* ------------------------------------------------------- DEALER and REQ */

/* send_partner_get - send one partner_get request as the last frame after
 * `envelope` empty frames. */
static void send_partner_get(void *sock, const char *rid, const char *id, int envelope)
{
	va_request_t req;
	Vetalliance__V1__PartnerGet get;
	uint8_t *buf;
	size_t len;

	partner_get_req(&req, &get, (char *)rid, (char *)id);
	buf = vt_request_pack(&req, &len);
	cr_assert_not_null(buf);
	for (int i = 0; i < envelope; i++)
		cr_assert_eq(zmq_send(sock, "", 0, ZMQ_SNDMORE), 0);
	cr_assert_eq(zmq_send(sock, buf, len, 0), (int)len, "send: %s", zmq_strerror(zmq_errno()));
	free(buf);
}

static void expect_partner_reply(void *sock, const char *rid, const char *id, int status,
				 size_t want_frames)
{
	size_t nframes = 0;
	va_reply_t *reply = vt_zmq_recv_reply(sock, 10000, &nframes);

	cr_assert_not_null(reply, "%s: no reply (frames %zu)", rid, nframes);
	cr_expect_eq(nframes, want_frames, "%s: %zu frames, expected %zu", rid, nframes,
		     want_frames);
	cr_expect_str_eq(reply->request_id, rid);
	cr_expect_eq((int)reply->status, status, "%s: status %d (%s)", rid, (int)reply->status,
		     reply->message);
	if (status == 0) {
		cr_assert_eq(reply->result_case, VETALLIANCE__V1__REPLY__RESULT_PARTNER);
		cr_expect_str_eq(reply->partner->id, id);
	}
	va_reply_free(&reply);
}

Test(foundation, dealer_and_req_clients_are_answered)
{
	void *req_sock, *dealer;

	req_sock = vt_zmq_socket(ZMQ_REQ, d.cmd_ep);
	dealer = vt_zmq_socket(ZMQ_DEALER, d.cmd_ep);

	/* REQ: the daemon echoes the empty delimiter; REQ strips it. */
	send_partner_get(req_sock, "req-1", "CYL", 0);
	expect_partner_reply(req_sock, "req-1", "CYL", 0, 1);
	send_partner_get(req_sock, "req-2", "NOPE", 0);
	expect_partner_reply(req_sock, "req-2", NULL, VA_NOT_FOUND, 1);

	/* DEALER: one frame out, one frame back. */
	send_partner_get(dealer, "dealer-1", "IEFP", 0);
	expect_partner_reply(dealer, "dealer-1", "IEFP", 0, 1);
	/* DEALER speaking REQ's envelope: it comes back. */
	send_partner_get(dealer, "dealer-2", "STK", 1);
	expect_partner_reply(dealer, "dealer-2", "STK", 0, 2);
	/* Two in flight at once, answered in order. */
	send_partner_get(dealer, "dealer-3", "SBH", 0);
	send_partner_get(dealer, "dealer-4", "SAMIEDU", 0);
	expect_partner_reply(dealer, "dealer-3", "SBH", 0, 1);
	expect_partner_reply(dealer, "dealer-4", "SAMIEDU", 0, 1);
}

/* ------------------------------------------------------------ the burst */

Test(foundation, burst_of_100000_requests_gets_every_reply)
{
	static const char *const ids[] = {"CYL", "SBH", "STK", "IEFP", "SAMIEDU"};
	unsigned char *seen = burst_seen = calloc(BURST_N, 1);
	size_t sent = 0, received = 0, dups = 0, bad = 0;
	int64_t t0 = vt_now_ms(), deadline = t0 + 220000, progress = t0;
	void *dealer;

	cr_assert_not_null(seen);
	/* No cr_assert in the loops: Criterion reports even passing asserts
	 * to its runner, and 200 000 of them cost more than the burst. */
	dealer = vt_zmq_socket(ZMQ_DEALER, d.cmd_ep);

	while (received < BURST_N) {
		zmq_pollitem_t item = {.socket = dealer,
				       .events = ZMQ_POLLIN | (sent < BURST_N ? ZMQ_POLLOUT : 0)};

		/* A lost reply shows as a stall: fail then, not at the deadline. */
		if (vt_now_ms() - progress > 30000)
			cr_assert_fail("burst: no reply for 30 s; %zu sent, %zu replies", sent,
				       received);
		if (vt_now_ms() >= deadline)
			cr_assert_fail("burst: %zu sent, %zu replies after %lld ms", sent, received,
				       (long long)(vt_now_ms() - t0));
		if (zmq_poll(&item, 1, 1000) < 0 && zmq_errno() != EINTR)
			cr_assert_fail("zmq_poll: %s", zmq_strerror(zmq_errno()));
		/* Send until the pipe is full (or a slice is done), so that
		 * replies are read in between and neither side's HWM stalls. */
		for (int k = 0; k < 1000 && sent < BURST_N; k++) {
			va_request_t req;
			Vetalliance__V1__PartnerGet get;
			uint8_t buf[128];
			char rid[16];
			size_t len;

			snprintf(rid, sizeof rid, "b%zu", sent);
			partner_get_req(&req, &get, rid, (char *)ids[sent % 5]);
			len = vetalliance__v1__request__get_packed_size(&req);
			if (len > sizeof buf)
				cr_assert_fail("request of %zu bytes", len);
			vetalliance__v1__request__pack(&req, buf);
			if (zmq_send(dealer, buf, len, ZMQ_DONTWAIT) < 0) {
				if (zmq_errno() != EAGAIN)
					cr_assert_fail("send: %s", zmq_strerror(zmq_errno()));
				break;
			}
			sent++;
		}
		for (;;) {
			va_reply_t *reply;
			zmq_msg_t msg;
			char *end;
			unsigned long i;

			zmq_msg_init(&msg);
			if (zmq_msg_recv(&msg, dealer, ZMQ_DONTWAIT) < 0) {
				zmq_msg_close(&msg);
				break;
			}
			reply = vetalliance__v1__reply__unpack(NULL, zmq_msg_size(&msg),
							       zmq_msg_data(&msg));
			zmq_msg_close(&msg);
			received++;
			progress = vt_now_ms();
			if (reply == NULL || reply->request_id[0] != 'b') {
				bad++;
				va_reply_free(&reply);
				continue;
			}
			i = strtoul(reply->request_id + 1, &end, 10);
			if (*end != '\0' || i >= BURST_N || reply->status != 0 ||
			    reply->result_case != VETALLIANCE__V1__REPLY__RESULT_PARTNER ||
			    strcmp(reply->partner->id, ids[i % 5]) != 0)
				bad++;
			else if (seen[i]++)
				dups++;
			va_reply_free(&reply);
		}
	}
	{
		int64_t took = vt_now_ms() - t0;
		cr_log_info("burst: %d requests answered in %lld ms (%.0f/s)", BURST_N,
			    (long long)took, took > 0 ? BURST_N * 1000.0 / (double)took : 0.0);
	}
	cr_expect_eq(bad, 0, "%zu wrong replies", bad);
	cr_expect_eq(dups, 0, "%zu duplicate replies", dups);
	for (size_t i = 0; i < BURST_N; i++)
		if (!seen[i]) {
			cr_expect_fail("no reply to b%zu", i);
			break;
		}
	/* Nothing more comes, and the daemon still answers. */
	{
		va_reply_t *extra = vt_zmq_recv_reply(dealer, 200, NULL);
		cr_expect_null(extra, "a reply beyond the %d", BURST_N);
		va_reply_free(&extra);
	}
	send_partner_get(dealer, "after-burst", "CYL", 0);
	expect_partner_reply(dealer, "after-burst", "CYL", 0, 1);
}

/* ------------------------------------------------------------- signals */

Test(foundation, sigterm_stops_the_daemon_with_exit_0)
{
	json_t *r = register_cecoa(0);

	json_decref(r);
	cr_assert_eq(vt_daemon_stop(&d), 0, "exit status %d", d.exit_status);
	{
		char *log = vt_daemon_log(&d);
		cr_expect(log != NULL && strstr(log, "SIGTERM") != NULL, "log: %s", log);
		free(log);
	}
}

Test(foundation, sigint_stops_the_daemon_with_exit_0)
{
	json_t *r = register_cecoa(0);

	json_decref(r);
	cr_assert_eq(vt_daemon_signal_stop(&d, SIGINT), 0, "exit status %d", d.exit_status);
}

/* Replies still queued for a client that does not read must not stop the
 * daemon from stopping, nor leak. */
Test(foundation, sigterm_with_replies_queued_exits_0)
{
	void *dealer;
	size_t sent = 0;

	dealer = vt_zmq_socket(ZMQ_DEALER, d.cmd_ep); /* receive HWM 1000 */
	for (int64_t end = vt_now_ms() + 5000; sent < 20000 && vt_now_ms() < end;) {
		va_request_t req;
		Vetalliance__V1__PartnerGet get;
		uint8_t buf[128];
		char rid[16];
		size_t len;

		snprintf(rid, sizeof rid, "q%zu", sent);
		partner_get_req(&req, &get, rid, "CYL");
		len = vetalliance__v1__request__pack(&req, buf);
		if (zmq_send(dealer, buf, len, ZMQ_DONTWAIT) < 0) {
			vt_sleep_ms(1);
			continue;
		}
		sent++;
	}
	vt_sleep_ms(500); /* let the daemon read them and queue the replies */
	cr_assert_eq(vt_daemon_stop(&d), 0, "exit status %d after %zu unread requests",
		     d.exit_status, sent);
}

/* ------------------------------------------------- the daemon's flags */

static void cli_teardown(void)
{
	if (scratch_dir[0] != '\0') {
		vt_rm_rf(scratch_dir);
		scratch_dir[0] = '\0';
	}
}

TestSuite(daemon_cli, .fini = cli_teardown, .timeout = VT_TEST_TIMEOUT);

static int daemon_run(const char *const *args, char **out, char **err)
{
	const char *argv[MAX_ARGS];
	size_t n = 0;

	argv[n++] = VA_DAEMON_PATH;
	for (size_t i = 0; args[i] != NULL; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return vt_run(argv, NULL, out, err, RUN_TIMEOUT_MS);
}

#define DAEMON(out, err, ...) daemon_run((const char *const[]){__VA_ARGS__, NULL}, out, err)

Test(daemon_cli, version_help_and_usage_errors)
{
	char *out = NULL, *err = NULL;

	cr_assert_eq(DAEMON(&out, &err, "--version"), 0);
	cr_expect_str_eq(out, "vetallianced " VA_VERSION "\n");
	free(out);
	free(err);

	cr_assert_eq(DAEMON(&out, &err, "--help"), 0);
	cr_expect(strstr(out, "usage: vetallianced") == out, "stdout: %s", out);
	cr_expect(strstr(out, "--max-msg-size") != NULL);
	free(out);
	free(err);

	{
		static const char *const cases[][4] = {
		    {"--bogus", NULL},
		    {"unexpected", NULL},
		    {"--max-msg-size", "12", NULL},
		    {"--max-msg-size", "lots", NULL},
		    {"--log-level", "loud", NULL},
		    {"--state-dir", NULL},
		};
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			int rc = daemon_run(cases[i], &out, &err);

			cr_expect_eq(rc, 64, "case %zu (%s): exit %d; stderr: %s", i, cases[i][0],
				     rc, err);
			cr_expect(strstr(err, "vetallianced") != NULL, "case %zu: stderr '%s'", i,
				  err);
			free(out);
			free(err);
		}
	}
}

Test(daemon_cli, non_loopback_tcp_without_keys_exits_78)
{
	char state[VT_PATH_MAX + 16], pub[VT_PATH_MAX + 16], cmd[VT_PATH_MAX + 16];
	char *out = NULL, *err = NULL;
	int port = vt_free_tcp_port();
	int rc;

	cr_assert_gt(port, 0);
	cr_assert_eq(vt_mkdtemp(scratch_dir, sizeof scratch_dir), 0);
	snprintf(state, sizeof state, "%s/state", scratch_dir);
	snprintf(pub, sizeof pub, "ipc://%s/pub", scratch_dir);
	snprintf(cmd, sizeof cmd, "tcp://0.0.0.0:%d", port);

	rc = DAEMON(&out, &err, "--cmd-endpoint", cmd, "--pub-endpoint", pub, "--state-dir", state);
	cr_expect_eq(rc, 78, "exit %d; stderr: %s", rc, err);
	cr_expect(strstr(err, "0.0.0.0") != NULL, "the message does not name the endpoint: %s",
		  err);
	cr_expect(strstr(err, "loopback") != NULL, "the message does not say why: %s", err);
	free(out);
	free(err);

	/* The events endpoint is held to the same rule. */
	snprintf(cmd, sizeof cmd, "ipc://%s/cmd", scratch_dir);
	snprintf(pub, sizeof pub, "tcp://0.0.0.0:%d", port);
	rc = DAEMON(&out, &err, "--cmd-endpoint", cmd, "--pub-endpoint", pub, "--state-dir", state);
	cr_expect_eq(rc, 78, "exit %d; stderr: %s", rc, err);
	free(out);
	free(err);
}

/* ----------------------------------------------------- loopback tcp */

TestSuite(daemon_tcp, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

Test(daemon_tcp, loopback_tcp_endpoints_work_with_vetctl)
{
	char *out = NULL, *err = NULL;
	int rc = -1;

	/* A free port may be taken before the daemon binds it: try again. */
	for (int attempt = 0; attempt < 3 && rc != 0; attempt++) {
		int p1 = vt_free_tcp_port(), p2 = vt_free_tcp_port();

		cr_assert(p1 > 0 && p2 > 0);
		if (p1 == p2)
			continue;
		snprintf(d.cmd_ep, sizeof d.cmd_ep, "tcp://127.0.0.1:%d", p1);
		snprintf(d.pub_ep, sizeof d.pub_ep, "tcp://127.0.0.1:%d", p2);
		rc = vt_daemon_start(&d, NULL);
	}
	cr_assert_eq(rc, 0, "no daemon on loopback tcp");

	rc = CTL(&out, &err, "partner", "list");
	cr_expect_eq(rc, 0, "exit %d; stderr: %s", rc, err);
	cr_expect(strstr(out, "SAMIEDU") != NULL, "stdout: %s", out);
	free(out);
	free(err);
	cr_assert_eq(vt_daemon_stop(&d), 0);
}

/* ------------------------------------------------- the harness itself */

TestSuite(harness, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

static int answers(void)
{
	va_request_t req;
	Vetalliance__V1__PartnerGet get;
	va_reply_t *reply = NULL;
	int ok;

	partner_get_req(&req, &get, "", "CYL");
	ok = vt_call(&d, &req, &reply) == 0 && reply->status == 0;
	va_reply_free(&reply);
	return ok;
}

/* What the crash-recovery tests build on: SIGKILL, a restart in the same
 * directory, and a start that fails fast and says so. */
Test(harness, kill_restart_and_a_failed_start)
{
	char dir[VT_PATH_MAX];
	int64_t t0;

	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	snprintf(dir, sizeof dir, "%s", d.dir);
	cr_assert(answers());
	vt_daemon_kill(&d);
	cr_expect_eq(d.exit_status, 128 + SIGKILL);
	cr_expect_not(vt_daemon_alive(&d));

	cr_assert_eq(vt_daemon_restart(&d, NULL), 0);
	cr_expect_str_eq(d.dir, dir, "a restart moved the directory");
	cr_assert(answers());
	cr_assert_eq(vt_daemon_stop(&d), 0);
	cr_expect_eq(vt_daemon_stop(&d), -1, "a stopped daemon stopped again");

	t0 = vt_now_ms();
	cr_expect_eq(vt_daemon_restart(&d, (const char *const[]){"--bogus", NULL}), -1);
	cr_expect_lt(vt_now_ms() - t0, 5000, "a daemon that exits at once took the full wait");
	cr_expect_eq(d.exit_status, 64);
	cr_expect_eq(d.pid, 0);

	vt_daemon_cleanup(&d);
	cr_expect_eq(access(dir, F_OK), -1, "cleanup left '%s'", dir);
}
