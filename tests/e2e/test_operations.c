/*
 * test_operations - running the daemon as a service, against the real daemon: the
 * sd_notify protocol (this test plays systemd), SIGTERM draining under
 * load, SIGHUP reloading (a broken file keeps the old configuration),
 * --check-config, and `vetctl status` / `vetctl metrics`.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <zmq.h>

#include <jansson.h>

#include <vetalliance/client.h>

#include "harness.h"

#define REFERENCE_EVENTS 49 /* what the built-in reference data produces */

static vt_daemon_t d;
static char scratch[VT_PATH_MAX];

static void teardown(void)
{
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	vt_daemon_cleanup(&d);
	if (scratch[0] != '\0')
		vt_rm_rf(scratch);
	scratch[0] = '\0';
	vt_zmq_cleanup();
}

TestSuite(operations, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

/* ------------------------------------------------------------ helpers */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "could not create '%s'", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* Waits until the daemon's log contains `needle`; 0 or -1 on timeout. */
static int wait_log(const char *needle, int timeout_ms)
{
	int64_t end = vt_now_ms() + timeout_ms;

	for (;;) {
		char *log = vt_daemon_log(&d);
		int found = log != NULL && strstr(log, needle) != NULL;
		free(log);
		if (found)
			return 0;
		if (vt_now_ms() > end)
			return -1;
		vt_sleep_ms(20);
	}
}

static int log_contains(const char *needle)
{
	char *log = vt_daemon_log(&d);
	int found = log != NULL && strstr(log, needle) != NULL;

	free(log);
	return found;
}

/* A centre registration with request id == centre id. */
static int register_centre(va_client_t *cl, const char *id)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__CentreRegister reg = VETALLIANCE__V1__CENTRE_REGISTER__INIT;
	Vetalliance__V1__Centre c = VETALLIANCE__V1__CENTRE__INIT;
	va_reply_t *reply = NULL;
	char buf[64];
	int status;

	snprintf(buf, sizeof buf, "%s", id);
	c.id = buf;
	c.name = buf;
	c.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE;
	c.partner = "STK";
	c.country = "PL";
	reg.centre = &c;
	req.request_id = buf;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;
	req.centre_register = &reg;
	if (va_client_call(cl, &req, &reply) != 0)
		return -1;
	status = (int)reply->status;
	va_reply_free(&reply);
	return status;
}

static int centre_exists(const char *id)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__CentreGet get = VETALLIANCE__V1__CENTRE_GET__INIT;
	va_reply_t *reply = NULL;
	int found;

	get.id = (char *)id;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_GET;
	req.centre_get = &get;
	cr_assert_eq(vt_call(&d, &req, &reply), 0, "no reply to centre_get");
	found = reply->status == VETALLIANCE__V1__STATUS__STATUS_OK;
	va_reply_free(&reply);
	return found;
}

/* The daemon answers a partner_list query. */
static int serving(void)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__PartnerList list = VETALLIANCE__V1__PARTNER_LIST__INIT;
	va_reply_t *reply = NULL;
	int ok;

	req.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_LIST;
	req.partner_list = &list;
	if (vt_call(&d, &req, &reply) != 0)
		return 0;
	ok = reply->status == VETALLIANCE__V1__STATUS__STATUS_OK;
	va_reply_free(&reply);
	return ok;
}

/* ------------------------------------------------- playing systemd */

typedef struct notify_listener {
	int fd;
	char name[VT_PATH_MAX + 16];
	char got[16384]; /* every datagram so far, each followed by '\n' */
	size_t len;
} notify_listener_t;

/* A datagram socket like systemd's: abstract ("@name") or a path. */
static void listener_open(notify_listener_t *l, int abstract)
{
	struct sockaddr_un sa;
	socklen_t len;

	memset(l, 0, sizeof *l);
	if (abstract)
		snprintf(l->name, sizeof l->name, "@vt-notify-%ld-%d", (long)getpid(), rand());
	else {
		cr_assert_eq(vt_mkdtemp(scratch, sizeof scratch), 0);
		snprintf(l->name, sizeof l->name, "%s/notify", scratch);
	}
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(l->fd, 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	cr_assert_lt(strlen(l->name), sizeof sa.sun_path);
	memcpy(sa.sun_path, l->name, strlen(l->name));
	if (abstract)
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(l->name));
	cr_assert_eq(bind(l->fd, (struct sockaddr *)&sa, len), 0, "bind: %s", strerror(errno));
	setenv("NOTIFY_SOCKET", l->name, 1);
}

/* Reads datagrams until one contains `needle` (a line such as
 * "READY=1"); returns 0, or -1 after timeout_ms. */
static int listener_expect(notify_listener_t *l, const char *needle, int timeout_ms)
{
	int64_t end = vt_now_ms() + timeout_ms;
	char buf[4096];

	for (;;) {
		int64_t left = end - vt_now_ms();
		struct pollfd pfd = {.fd = l->fd, .events = POLLIN};
		if (left <= 0)
			return -1;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		ssize_t n = recv(l->fd, buf, sizeof buf - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (l->len + (size_t)n + 2 < sizeof l->got) {
			memcpy(l->got + l->len, buf, (size_t)n);
			l->len += (size_t)n;
			l->got[l->len++] = '\n';
			l->got[l->len] = '\0';
		}
		if (strstr(buf, needle) != NULL)
			return 0;
	}
}

/* Datagrams arriving within ms that contain needle. */
static int listener_count(notify_listener_t *l, const char *needle, int ms)
{
	int64_t end = vt_now_ms() + ms;
	int count = 0;
	char buf[4096];

	for (;;) {
		int64_t left = end - vt_now_ms();
		struct pollfd pfd = {.fd = l->fd, .events = POLLIN};
		if (left <= 0)
			return count;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		ssize_t n = recv(l->fd, buf, sizeof buf - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (strstr(buf, needle) != NULL)
			count++;
	}
}

Test(operations, plays_systemd_ready_status_watchdog_reload_stopping)
{
	notify_listener_t l;
	int64_t t0;
	char mainpid[64];

	srand((unsigned)getpid());
	listener_open(&l, 1);
	setenv("WATCHDOG_USEC", "600000", 1); /* pings every 300 ms */
	cr_assert_eq(vt_daemon_start(&d, NULL), 0);

	cr_assert_eq(listener_expect(&l, "READY=1", 5000), 0, "no READY=1; got: %s", l.got);
	cr_expect(strstr(l.got, "STATUS=serving: last seq 49") != NULL,
		  "no STATUS= with READY=1: %s", l.got);
	snprintf(mainpid, sizeof mainpid, "MAINPID=%ld", (long)d.pid);
	cr_expect(strstr(l.got, mainpid) != NULL, "no %s: %s", mainpid, l.got);

	/* WATCHDOG=1 within the interval, again and again. */
	t0 = vt_now_ms();
	cr_assert_eq(listener_expect(&l, "WATCHDOG=1", 600), 0, "no WATCHDOG=1 within 600 ms");
	cr_assert_eq(listener_expect(&l, "WATCHDOG=1", 600), 0, "no second WATCHDOG=1");
	cr_assert_eq(listener_expect(&l, "WATCHDOG=1", 600), 0, "no third WATCHDOG=1");
	cr_expect_lt(vt_now_ms() - t0, 1500);

	/* SIGHUP: RELOADING=1, then READY=1 again. */
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	cr_assert_eq(listener_expect(&l, "RELOADING=1", 5000), 0, "no RELOADING=1: %s", l.got);
	cr_assert_eq(listener_expect(&l, "READY=1", 5000), 0, "no READY=1 after reload: %s", l.got);
	cr_assert(serving());

	/* SIGTERM: STOPPING=1 and a clean exit. */
	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	cr_assert_eq(listener_expect(&l, "STOPPING=1", 5000), 0, "no STOPPING=1: %s", l.got);
	for (int64_t end = vt_now_ms() + 10000; vt_daemon_alive(&d) && vt_now_ms() < end;)
		vt_sleep_ms(20);
	cr_assert(!vt_daemon_alive(&d), "still running 10 s after SIGTERM");
	cr_assert_eq(d.exit_status, 0, "exit status %d after SIGTERM", d.exit_status);
	close(l.fd);
}

Test(operations, status_lines_to_a_path_socket_and_no_watchdog_for_another_pid)
{
	notify_listener_t l;
	char conf[VT_PATH_MAX + 32];

	listener_open(&l, 0);
	setenv("WATCHDOG_USEC", "200000", 1);
	setenv("WATCHDOG_PID", "1", 1); /* not the daemon: no watchdog */
	snprintf(conf, sizeof conf, "%s/vetalliance.conf", scratch);
	write_file(conf, "daemon\n    status_interval = 1\n");
	cr_assert_eq(vt_daemon_start(&d, (const char *const[]){"--config", conf, NULL}), 0);
	cr_assert_eq(listener_expect(&l, "READY=1", 5000), 0, "no READY=1; got: %s", l.got);
	/* STATUS= every second (status_interval), and no WATCHDOG=1. */
	l.got[0] = '\0';
	l.len = 0;
	cr_assert_eq(listener_expect(&l, "STATUS=serving", 3000), 0, "no periodic STATUS=");
	cr_expect_eq(listener_count(&l, "WATCHDOG=1", 800), 0,
		     "WATCHDOG=1 sent although WATCHDOG_PID names another process");
	cr_assert_eq(vt_daemon_stop(&d), 0);
	close(l.fd);
}

Test(operations, without_notify_socket_nothing_changes)
{
	unsetenv("NOTIFY_SOCKET");
	setenv("WATCHDOG_USEC", "100000", 1);
	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	cr_assert(serving());
	cr_expect(!log_contains("watchdog"), "a watchdog without NOTIFY_SOCKET");
	cr_assert_eq(vt_daemon_stop(&d), 0);
}

/* ------------------------------------------------ SIGTERM under load */

#define LOAD_THREADS 6
#define LOAD_MAX     20000

typedef struct loader {
	pthread_t thread;
	int index;
	size_t sent;
	unsigned char acked[LOAD_MAX];
	int saw_unavailable;
} loader_t;

static void load_id(char *buf, size_t len, int index, size_t n)
{
	snprintf(buf, len, "T%d-%zu", index, n);
}

static void *loader_run(void *arg)
{
	loader_t *l = arg;
	/* One attempt: a retry would hide which send was acknowledged. */
	va_client_t *cl = va_client_new(d.cmd_ep, 1000, 1);
	char id[64];

	if (cl == NULL)
		return NULL;
	while (l->sent < LOAD_MAX) {
		load_id(id, sizeof id, l->index, l->sent);
		l->sent++;
		int status = register_centre(cl, id);
		if (status == VETALLIANCE__V1__STATUS__STATUS_OK)
			l->acked[l->sent - 1] = 1;
		else if (status == VETALLIANCE__V1__STATUS__STATUS_UNAVAILABLE)
			l->saw_unavailable = 1;
		else
			break; /* no reply: the daemon is gone */
	}
	va_client_free(&cl);
	return NULL;
}

Test(operations, sigterm_under_load_exits_0_and_keeps_every_acknowledged_request)
{
	static loader_t loaders[LOAD_THREADS];
	size_t acked = 0;
	char id[64];

	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	for (int i = 0; i < LOAD_THREADS; i++) {
		memset(&loaders[i], 0, sizeof loaders[i]);
		loaders[i].index = i;
		pthread_create(&loaders[i].thread, NULL, loader_run, &loaders[i]);
	}
	vt_sleep_ms(700);
	cr_assert_eq(vt_daemon_stop(&d), 0, "SIGTERM under load: exit %d", d.exit_status);
	for (int i = 0; i < LOAD_THREADS; i++)
		pthread_join(loaders[i].thread, NULL);
	cr_expect(wait_log("received SIGTERM, stopping", 100) == 0);
	cr_expect(!log_contains("could not be written"), "events left unwritten");

	cr_assert_eq(vt_daemon_restart(&d, NULL), 0);
	for (int i = 0; i < LOAD_THREADS; i++)
		for (size_t n = 0; n < loaders[i].sent; n++) {
			if (!loaders[i].acked[n])
				continue;
			acked++;
			load_id(id, sizeof id, i, n);
			cr_assert(centre_exists(id), "acknowledged '%s' is lost after SIGTERM", id);
		}
	cr_assert_gt(acked, 0, "nothing was acknowledged before SIGTERM");
	cr_assert_eq(vt_daemon_stop(&d), 0);

	const char *argv[] = {VA_DAEMON_PATH, "--verify", "--state-dir", d.state_dir, NULL};
	char *out = NULL;
	int rc = vt_run(argv, NULL, &out, NULL, 30000);
	cr_assert_eq(rc, 0, "--verify exit %d: %s", rc, out);
	free(out);
}

/* ----------------------------------------------------- SIGHUP reload */

/* A request the codec refuses: logged at debug level only. */
static void send_garbage(void)
{
	void *s = vt_zmq_socket(ZMQ_DEALER, d.cmd_ep);
	size_t nframes = 0;
	va_reply_t *reply;

	cr_assert_eq(zmq_send(s, "\xff\xff\xff", 3, 0), 3);
	reply = vt_zmq_recv_reply(s, 5000, &nframes);
	cr_assert_not_null(reply, "no reply to a malformed request");
	cr_expect_eq(reply->status, VETALLIANCE__V1__STATUS__STATUS_INVALID_ARGUMENT);
	va_reply_free(&reply);
	vt_zmq_close(s);
}

Test(operations, sighup_with_a_broken_config_keeps_the_old_one_and_a_valid_one_applies)
{
	char conf[VT_PATH_MAX + 32], text[1024];

	cr_assert_eq(vt_mkdtemp(scratch, sizeof scratch), 0);
	snprintf(conf, sizeof conf, "%s/vetalliance.conf", scratch);
	/* The file's endpoint is overridden by the harness's flags: the
	 * daemon must listen where the flags say. */
	snprintf(text, sizeof text,
		 "daemon\n    cmd_endpoint = \"ipc://%s/not-here\"\n    log_level = info\n",
		 scratch);
	write_file(conf, text);
	cr_assert_eq(vt_daemon_start(&d, (const char *const[]){"--config", conf, NULL}), 0,
		     "flags did not override the file's endpoint");

	/* Info level: a refused request is not logged. */
	send_garbage();
	vt_sleep_ms(100);
	cr_assert(!log_contains("refused a request"));

	/* A broken file: the old configuration stays, the daemon serves. */
	write_file(conf, "daemon\n    log_level = debug\n    log_levle = debug\n");
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	cr_assert_eq(wait_log("configuration not reloaded", 5000), 0, "no refusal logged");
	cr_expect(log_contains("'daemon/log_levle': unknown key"), "the reason names the key");
	cr_assert(vt_daemon_alive(&d));
	cr_assert(serving(), "not serving after a broken reload");
	send_garbage();
	vt_sleep_ms(100);
	cr_assert(!log_contains("refused a request"), "the broken file's log level was applied");

	/* Unparsable ZPL: the same. */
	write_file(conf, "daemon\n  = = \"x\n");
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	cr_assert_eq(wait_log("could not parse", 5000), 0);
	cr_assert(serving());

	/* A valid change applies; a limit's change waits for a restart;
	 * the endpoint stays the flag's. */
	snprintf(text, sizeof text,
		 "daemon\n    cmd_endpoint = \"ipc://%s/elsewhere\"\n    log_level = debug\n"
		 "journal\n    snapshot_every = 7\nlimits\n    max_msg_size = 8192\n",
		 scratch);
	write_file(conf, text);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	cr_assert_eq(wait_log("configuration reloaded", 5000), 0);
	cr_expect(log_contains("reloaded 'daemon/log_level'"));
	cr_expect(log_contains("reloaded 'journal/snapshot_every'"));
	cr_expect(log_contains("'limits/max_msg_size' changed in the configuration; it applies at "
			       "the next restart"));
	cr_expect(!log_contains("'daemon/cmd_endpoint' changed"), "the flag no longer overrides");
	send_garbage();
	cr_assert_eq(wait_log("refused a request", 5000), 0, "the new log level did not apply");
	cr_assert(serving(), "the endpoint changed at run time");
	cr_assert_eq(vt_daemon_stop(&d), 0);
}

/* ------------------------------------------------------ --check-config */

static int check_config(const char *conf, char **err)
{
	const char *argv[] = {VA_DAEMON_PATH, "--config", conf, "--check-config", NULL};
	char *out = NULL;
	int rc = vt_run(argv, NULL, &out, err, 10000);

	free(out);
	return rc;
}

Test(operations, check_config_exits_0_or_78_naming_the_key)
{
	char conf[VT_PATH_MAX + 32], *err = NULL;
	static const struct {
		const char *text;
		const char *reason;
	} bad[] = {
	    {"daemon\n    log_level = loud\n", "'daemon/log_level': 'loud' is not a log level"},
	    {"daemon\n    colour = blue\n", "'daemon/colour': unknown key"},
	    {"security\n    principals = \"/etc/x\"\n", "could not read '/etc/x'"},
	    {"secrets\n    key = \"/etc/x\"\n", "unknown section 'secrets'"},
	    {"limits\n    max_msg_size = 12\n", "'limits/max_msg_size': '12'"},
	    {"journal\n    segment_size = lots\n", "'journal/segment_size': 'lots'"},
	    {"daemon\n    cmd_endpoint = localhost\n", "'daemon/cmd_endpoint'"},
	    {"daemon\n  = = \"x\n", "could not parse"},
	};

	/* The shipped file, every key commented, is valid. */
	cr_assert_eq(check_config(VA_SOURCE_DIR "/systemd/vetalliance.conf", &err), 0, "%s", err);
	free(err);

	cr_assert_eq(vt_mkdtemp(scratch, sizeof scratch), 0);
	snprintf(conf, sizeof conf, "%s/vetalliance.conf", scratch);
	write_file(conf, "daemon\n    log_level = debug\n    status_interval = 0\n"
			 "journal\n    snapshot_every = 0\n    segment_size = 4096\n"
			 "limits\n    max_msg_size = 1024\n    dedup_window = 1\n");
	cr_assert_eq(check_config(conf, &err), 0, "%s", err);
	free(err);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file(conf, bad[i].text);
		int rc = check_config(conf, &err);
		cr_expect_eq(rc, 78, "case %zu: exit %d", i, rc);
		cr_expect(strstr(err, bad[i].reason) != NULL, "case %zu: stderr '%s'", i, err);
		free(err);
	}

	/* A missing explicit file is an error. */
	snprintf(conf, sizeof conf, "%s/missing.conf", scratch);
	cr_expect_eq(check_config(conf, &err), 78);
	cr_expect(strstr(err, "missing.conf") != NULL, "%s", err);
	free(err);

	/* A bad flag is a usage error, not a configuration error. */
	const char *argv[] = {VA_DAEMON_PATH, "--snapshot-every", "-1", "--check-config", NULL};
	char *out = NULL;
	cr_expect_eq(vt_run(argv, NULL, &out, &err, 10000), 64);
	free(out);
	free(err);
}

/* ------------------------------------------------- status and metrics */

static json_t *vetctl_json(const char *what)
{
	const char *argv[] = {VA_VETCTL_PATH, "--endpoint", d.cmd_ep, "--json", what, NULL};
	char *out = NULL, *err = NULL;
	json_t *j;
	int rc = vt_run(argv, NULL, &out, &err, 10000);

	cr_assert_eq(rc, 0, "vetctl %s: exit %d: %s", what, rc, err);
	j = json_loads(out, 0, NULL);
	cr_assert_not_null(j, "not JSON: %s", out);
	free(out);
	free(err);
	return j;
}

static long long jint(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	cr_assert(v != NULL, "no '%s'", key);
	if (json_is_string(v)) /* 64-bit integers may come as strings */
		return atoll(json_string_value(v));
	cr_assert(json_is_integer(v), "'%s' is not an integer", key);
	return json_integer_value(v);
}

Test(operations, vetctl_status_and_metrics_report_sane_values)
{
	va_client_t *cl;
	json_t *reply, *st;
	char id[32];

	cr_assert_eq(vt_daemon_start(&d, (const char *const[]){"--snapshot-every", "10", NULL}), 0);
	cl = va_client_new(d.cmd_ep, 5000, 1);
	cr_assert_not_null(cl);
	for (int i = 0; i < 25; i++) {
		snprintf(id, sizeof id, "ST%d", i);
		cr_assert_eq(register_centre(cl, id), VETALLIANCE__V1__STATUS__STATUS_OK);
	}
	vt_sleep_ms(1200); /* a whole second for the rate, the snapshot written */

	reply = vetctl_json("status");
	st = json_object_get(reply, "daemon_status");
	cr_assert_not_null(st, "no daemon_status in the reply");
	cr_expect_str_eq(json_string_value(json_object_get(st, "version")), VA_VERSION);
	cr_expect_eq(jint(st, "last_seq"), REFERENCE_EVENTS + 25);
	cr_expect_geq(jint(st, "uptime_s"), 1);
	cr_expect_gt(jint(st, "journal_bytes"), 0);
	cr_expect_geq(jint(st, "journal_segments"), 1);
	cr_expect_geq(jint(st, "journal_age_s"), 0);
	cr_expect_geq(jint(st, "snapshot_seq"), 10, "no snapshot after --snapshot-every 10");
	cr_expect_gt(jint(st, "snapshot_bytes"), 0);
	cr_expect_geq(jint(st, "snapshot_age_s"), 0);
	cr_expect_geq(jint(st, "peers"), 1, "the open client is not counted");
	cr_expect_gt(json_number_value(json_object_get(st, "commands_per_second")), 0.0);
	cr_expect_geq(jint(st, "requests"), 25);
	cr_expect_geq(jint(st, "commits"), 1);
	cr_expect_leq(jint(st, "commits"), 25);
	cr_expect_geq(jint(st, "sync_p99_us"), jint(st, "sync_p50_us"));
	cr_expect_lt(jint(st, "sync_p99_us"), 10000000, "a sync took over 10 s?");
	json_decref(reply);
	va_client_free(&cl);

	/* The connection count falls when the client goes. */
	vt_sleep_ms(300);
	reply = vetctl_json("status");
	st = json_object_get(reply, "daemon_status");
	cr_expect_leq(jint(st, "peers"), 1, "a closed client is still counted");
	json_decref(reply);

	/* Plain text metrics: HELP and TYPE for each, samples parse. */
	const char *argv[] = {VA_VETCTL_PATH, "--endpoint", d.cmd_ep, "metrics", NULL};
	char *out = NULL, *err = NULL;
	cr_assert_eq(vt_run(argv, NULL, &out, &err, 10000), 0, "%s", err);
	char want[64];
	snprintf(want, sizeof want, "\nvetalliance_last_seq %d\n", REFERENCE_EVENTS + 25);
	cr_expect(strstr(out, want) != NULL, "%s", out);
	cr_expect(strstr(out, "# TYPE vetalliance_requests_total counter\n") != NULL);
	cr_expect(strstr(out, "vetalliance_sync_seconds{quantile=\"0.99\"} ") != NULL);
	cr_expect(strstr(out, "vetalliance_build_info{version=\"" VA_VERSION "\"} 1\n") != NULL);
	size_t samples = 0;
	for (char *line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		if (strncmp(line, "# HELP vetalliance_", 19) == 0 ||
		    strncmp(line, "# TYPE vetalliance_", 19) == 0)
			continue;
		char name[128], value[64];
		cr_assert_eq(sscanf(line, "%127s %63s", name, value), 2, "bad line '%s'", line);
		cr_expect_eq(strncmp(name, "vetalliance_", 12), 0, "'%s'", line);
		char *end;
		strtod(value, &end);
		cr_expect_eq(*end, '\0', "value of '%s' is not a number", line);
		samples++;
	}
	cr_expect_geq(samples, 15);
	free(out);
	free(err);
	cr_assert_eq(vt_daemon_stop(&d), 0);
}

/* The daemon's environment as one string, "NAME=value\n" per variable. */
static char *daemon_environ(pid_t pid)
{
	char path[64];
	FILE *f;
	char *buf = NULL;
	size_t len = 0;
	int c;
	FILE *out = open_memstream(&buf, &len);

	cr_assert_not_null(out);
	snprintf(path, sizeof path, "/proc/%ld/environ", (long)pid);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	while ((c = fgetc(f)) != EOF)
		fputc(c == '\0' ? '\n' : c, out);
	fclose(f);
	fclose(out);
	return buf;
}

/* The daemon runs as the process it was started as: its own name, and
 * the environment it was given (it sets no tunables of its own). */
Test(operations, the_daemon_keeps_its_name_and_environment)
{
	char path[64], *env, *comm;

	unsetenv("GLIBC_TUNABLES");
	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	env = daemon_environ(d.pid);
	cr_expect(strstr(env, "GLIBC_TUNABLES") == NULL, "the daemon set a tunable:\n%s", env);
	free(env);
	snprintf(path, sizeof path, "/proc/%ld/comm", (long)d.pid);
	comm = vt_read_file(path);
	cr_assert_not_null(comm);
	cr_expect_str_eq(comm, "vetallianced\n", "the process lost its name");
	free(comm);
	cr_assert_eq(vt_daemon_stop(&d), 0);
}
