/*
 * test_security.c - CURVE authentication, authorization, limits and the
 * reload of the principals against the real daemon (docs/SECURITY.md).
 *
 * The keyed daemon listens on 127.0.0.1 but has a server key and a
 * principals file, so CURVE is on.  Keys are made with `vetctl keygen`:
 * server, admin (admin), cecoa and atec (centres of IEFP), iefp and sbh
 * (partner coordinators) and stranger (in no principals file).
 */
#include <criterion/criterion.h>

#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>

#include "harness.h"

static vt_daemon_t d;
static char keys[VT_PATH_MAX];
static vt_proc_t watchers[2];

static void teardown(void)
{
	for (size_t i = 0; i < 2; i++)
		vt_proc_kill(&watchers[i]);
	vt_zmq_cleanup();
	vt_daemon_cleanup(&d);
	if (keys[0] != '\0')
		vt_rm_rf(keys);
	keys[0] = '\0';
}

TestSuite(security, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

/* path of a key file in the keys directory */
static const char *kp(const char *name, const char *suffix)
{
	static char buf[8][VT_PATH_MAX + 64];
	static int next;
	char *p = buf[next++ % 8];

	snprintf(p, VT_PATH_MAX + 64, "%s/%s%s", keys, name, suffix);
	return p;
}

static void keygen(const char *name, char pub[41])
{
	const char *argv[] = {VA_VETCTL_PATH, "keygen", kp(name, ""), NULL};
	char *out = NULL, *err = NULL;
	struct stat sb;
	zcert_t *cert;
	int rc = vt_run(argv, NULL, &out, &err, 20000);

	cr_assert_eq(rc, 0, "keygen %s: %s", name, err);
	cr_assert(strstr(out, "public key: ") != NULL, "%s", out);
	free(out);
	free(err);
	cr_assert_eq(stat(kp(name, ".key_secret"), &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600, "%s_secret has mode %o", name, sb.st_mode & 0777);
	cert = zcert_load(kp(name, ".key"));
	cr_assert_not_null(cert);
	memcpy(pub, zcert_public_txt(cert), 41);
	zcert_destroy(&cert);
}

static char pub_admin[41], pub_cecoa[41], pub_atec[41], pub_iefp[41], pub_sbh[41];

/* The principals file: every key but the stranger's, minus `without`. */
static void write_principals(const char *without)
{
	FILE *f = fopen(kp("principals", ""), "w");
	const struct {
		const char *name, *key, *role, *inst;
	} rows[] = {
	    {"admin", pub_admin, "admin", NULL},  {"cecoa", pub_cecoa, "centre", "CECOA"},
	    {"atec", pub_atec, "centre", "ATEC"}, {"iefp", pub_iefp, "partner", "IEFP"},
	    {"sbh", pub_sbh, "partner", "SBH"},
	};

	cr_assert_not_null(f);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (without != NULL && strcmp(rows[i].name, without) == 0)
			continue;
		fprintf(f, "%s\n    key = \"%s\"\n    role = %s\n", rows[i].name, rows[i].key,
			rows[i].role);
		if (rows[i].inst != NULL)
			fprintf(f, "    institution = \"%s\"\n", rows[i].inst);
	}
	cr_assert_eq(fclose(f), 0);
}

/* vetctl as the principal `who` ("" for no keys at all). */
static int ctl_as(const char *who, char **out, char **err, const char *const *args)
{
	const char *argv[40];
	size_t n = 0;

	argv[n++] = VA_VETCTL_PATH;
	argv[n++] = "--endpoint";
	argv[n++] = d.cmd_ep;
	if (who[0] != '\0') {
		argv[n++] = "--key";
		argv[n++] = kp(who, ".key_secret");
		argv[n++] = "--server-key";
		argv[n++] = kp("server", ".key");
	}
	while (*args != NULL && n + 1 < sizeof argv / sizeof argv[0])
		argv[n++] = *args++;
	argv[n] = NULL;
	return vt_run(argv, NULL, out, err, 20000);
}

#define AS(who, out, err, ...) ctl_as((who), (out), (err), (const char *const[]){__VA_ARGS__, NULL})

static void as_ok(const char *who, const char *const *args)
{
	char *out = NULL, *err = NULL;
	int rc = ctl_as(who, &out, &err, args);

	cr_assert_eq(rc, 0, "vetctl as %s: exit %d: %s", who, rc, err);
	free(out);
	free(err);
}

#define AS_OK(who, ...) as_ok((who), (const char *const[]){__VA_ARGS__, NULL})

/* The refusal of one vetctl run: exit 1, and stderr holds every needle. */
static void as_refused(const char *who, const char *status, const char *needle,
		       const char *const *args)
{
	char *out = NULL, *err = NULL;
	int rc = ctl_as(who, &out, &err, args);

	cr_assert_eq(rc, 1, "vetctl as %s: exit %d (want a refusal): %s", who, rc, err);
	cr_assert(strstr(err, status) != NULL, "'%s' lacks '%s'", err, status);
	cr_assert(strstr(err, needle) != NULL, "'%s' lacks '%s'", err, needle);
	free(out);
	free(err);
}

#define AS_REFUSED(who, status, needle, ...)                                                       \
	as_refused((who), (status), (needle), (const char *const[]){__VA_ARGS__, NULL})

static void set_tcp_endpoints(void)
{
	int p1 = vt_free_tcp_port(), p2 = vt_free_tcp_port();

	cr_assert_gt(p1, 0);
	cr_assert_gt(p2, 0);
	snprintf(d.cmd_ep, sizeof d.cmd_ep, "tcp://127.0.0.1:%d", p1);
	snprintf(d.pub_ep, sizeof d.pub_ep, "tcp://127.0.0.1:%d", p2);
}

/* A keyed daemon with centres CECOA, ATEC (IEFP) and SBHC (SBH). */
static void start_keyed(void)
{
	cr_assert_eq(vt_mkdtemp(keys, sizeof keys), 0);
	keygen("server", (char[41]){0});
	keygen("admin", pub_admin);
	keygen("cecoa", pub_cecoa);
	keygen("atec", pub_atec);
	keygen("iefp", pub_iefp);
	keygen("sbh", pub_sbh);
	keygen("stranger", (char[41]){0});
	write_principals(NULL);
	set_tcp_endpoints();
	snprintf(d.key, sizeof d.key, "%s", kp("admin", ".key_secret"));
	snprintf(d.server_key, sizeof d.server_key, "%s", kp("server", ".key"));
	cr_assert_eq(
	    vt_daemon_start(&d, (const char *const[]){"--server-key", kp("server", ".key_secret"),
						      "--principals", kp("principals", ""), NULL}),
	    0);
	VT_CTL_OK(&d, "centre", "register", "--id", "CECOA", "--name", "CECOA", "--kind",
		  "vet-centre", "--partner", "IEFP", "--country", "PT");
	VT_CTL_OK(&d, "centre", "register", "--id", "ATEC", "--name", "ATEC", "--kind",
		  "vet-centre", "--partner", "IEFP", "--country", "PT");
	VT_CTL_OK(&d, "centre", "register", "--id", "SBHC", "--name", "SBH Centre", "--kind",
		  "vet-centre", "--partner", "SBH", "--country", "DE");
}

/* Wait until the daemon's log holds `needle`. */
static int log_has(const char *needle, int timeout_ms)
{
	int64_t deadline = vt_now_ms() + timeout_ms;

	for (;;) {
		char *log = vt_daemon_log(&d);
		int found = log != NULL && strstr(log, needle) != NULL;
		free(log);
		if (found)
			return 1;
		if (vt_now_ms() >= deadline)
			return 0;
		vt_sleep_ms(50);
	}
}

static int whoami_on(void *s, const char *id);
static void *keyed_dealer(const char *who);

/* --------------------------------------------------- authentication */

Test(security, an_unknown_key_gets_no_reply_and_is_logged)
{
	char *out = NULL, *err = NULL;
	int rc;

	start_keyed();
	rc = AS("stranger", &out, &err, "--timeout", "500", "--attempts", "1", "whoami");
	cr_assert_eq(rc, 69, "exit %d (want no reply): %s %s", rc, out, err);
	free(out);
	free(err);
	/* The same from a socket that stays: still nothing. */
	cr_assert_eq(whoami_on(keyed_dealer("stranger"), "stranger"), -1,
		     "an unknown key got a reply");
	cr_assert(log_has("the key is not among the principals", 5000),
		  "the daemon did not log the refused handshake");
	cr_assert(log_has("from 127.0.0.1 port", 100), "the log does not name the peer");
}

Test(security, a_plain_client_cannot_talk_to_a_keyed_daemon)
{
	char *out = NULL, *err = NULL;
	int rc;

	start_keyed();
	rc = AS("", &out, &err, "--timeout", "500", "--attempts", "1", "partner", "list");
	cr_assert_eq(rc, 69, "exit %d (want no reply): %s %s", rc, out, err);
	free(out);
	free(err);
	/* A plain socket that stays (and so reconnects) until it is logged:
	 * a short-lived client may close before its greeting is read. */
	{
		void *s = vt_zmq_socket(ZMQ_DEALER, d.cmd_ep);
		cr_assert_eq(whoami_on(s, "plain"), -1, "a plain client got a reply");
	}
	/* Usually a mechanism mismatch ("security handshake error"); a
	 * connection cut during the greeting is logged as "handshake error:
	 * <reason>". */
	cr_assert(log_has("handshake error", 10000), "the daemon did not log the plain client");
}

Test(security, a_principal_is_told_who_it_is)
{
	char *out = NULL, *err = NULL;

	start_keyed();
	cr_assert_eq(AS("cecoa", &out, &err, "whoami"), 0, "%s", err);
	cr_assert(strstr(out, "cecoa") != NULL && strstr(out, "centre") != NULL &&
		      strstr(out, "CECOA") != NULL,
		  "%s", out);
	free(out);
	free(err);
}

Test(security, check_config_judges_the_principals_file)
{
	char conf[VT_PATH_MAX + 32];
	char *out = NULL, *err = NULL;
	FILE *f;
	int rc;

	cr_assert_eq(vt_mkdtemp(keys, sizeof keys), 0);
	keygen("admin", pub_admin);
	write_principals("cecoa"); /* the other keys are empty strings: broken */
	snprintf(conf, sizeof conf, "%s/vetalliance.conf", keys);
	f = fopen(conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "security\n    principals = \"%s\"\n", kp("principals", ""));
	fclose(f);
	rc = vt_run((const char *const[]){VA_DAEMON_PATH, "--config", conf, "--check-config", NULL},
		    NULL, &out, &err, 20000);
	cr_expect_eq(rc, 78, "exit %d: %s", rc, err);
	cr_expect(strstr(err, "principal 'atec'") != NULL, "%s", err);
	free(out);
	free(err);
	f = fopen(kp("principals", ""), "w");
	cr_assert_not_null(f);
	fprintf(f, "admin\n    key = \"%s\"\n    role = admin\n", pub_admin);
	fclose(f);
	rc = vt_run((const char *const[]){VA_DAEMON_PATH, "--config", conf, "--check-config", NULL},
		    NULL, &out, &err, 20000);
	cr_expect_eq(rc, 0, "exit %d: %s", rc, err);
	cr_expect(strstr(out, "1 principal(s)") != NULL, "%s", out);
	free(out);
	free(err);
}

Test(security, half_a_key_configuration_refuses_to_start)
{
	char dir[VT_PATH_MAX], state[VT_PATH_MAX + 16];
	char cmd[VT_PATH_MAX + 16], pub[VT_PATH_MAX + 16];
	char *out = NULL, *err = NULL, *text;
	FILE *f;
	int rc;

	cr_assert_eq(vt_mkdtemp(keys, sizeof keys), 0);
	keygen("server", (char[41]){0});
	cr_assert_eq(vt_mkdtemp(dir, sizeof dir), 0);
	snprintf(state, sizeof state, "%s/state", dir);
	rc = vt_run((const char *const[]){VA_DAEMON_PATH, "--state-dir", state, "--server-key",
					  kp("server", ".key_secret"), NULL},
		    NULL, &out, &err, 20000);
	cr_expect_eq(rc, 78, "exit %d: %s", rc, err);
	cr_expect(strstr(err, "security/principals") != NULL, "%s", err);
	free(out);
	free(err);
	/* A public certificate (with no "_secret" beside it) is not a server key. */
	text = vt_read_file(kp("server", ".key"));
	cr_assert_not_null(text);
	f = fopen(kp("public-only", ".key"), "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	free(text);
	snprintf(cmd, sizeof cmd, "ipc://%s/cmd", dir);
	snprintf(pub, sizeof pub, "ipc://%s/pub", dir);
	rc = vt_run((const char *const[]){VA_DAEMON_PATH, "--state-dir", state, "--cmd-endpoint",
					  cmd, "--pub-endpoint", pub, "--server-key",
					  kp("public-only", ".key"), "--principals", "/dev/null",
					  NULL},
		    NULL, &out, &err, 20000);
	cr_expect_eq(rc, 78, "exit %d: %s", rc, err);
	cr_expect(strstr(err, "holds no secret key") != NULL, "%s", err);
	free(out);
	free(err);
	vt_rm_rf(dir);
}

/* ---------------------------------------------------- authorization */

Test(security, a_centre_acts_only_for_itself)
{
	start_keyed();
	AS_OK("cecoa", "commitment", "confirm", "--centre", "CECOA", "--commitment", "evaluations");
	AS_REFUSED("cecoa", "PERMISSION_DENIED",
		   "principal 'cecoa' (centre CECOA) may not act for centre 'ATEC'", "commitment",
		   "confirm", "--centre", "ATEC", "--commitment", "evaluations");
	/* B's commitment stays unconfirmed. */
	AS_OK("admin", "alliance", "create", "--id", "A1", "--name", "Commerce", "--member",
	      "CECOA", "--member", "ATEC");
	AS_REFUSED("cecoa", "PERMISSION_DENIED", "centre 'ATEC'", "alliance", "mou-sign", "A1",
		   "--centre", "ATEC", "--hash", "0123456789abcdef");
	AS_REFUSED("atec", "PERMISSION_DENIED", "centre 'CECOA'", "commitment", "withdraw",
		   "--centre", "CECOA", "--commitment", "evaluations");
	/* Reference data is the administrator's. */
	AS_REFUSED("cecoa", "PERMISSION_DENIED", "administrators only", "partner", "register",
		   "--id", "XX", "--name", "X", "--country", "PT", "--time-zone", "Europe/Lisbon");
}

Test(security, a_coordinator_acts_for_its_own_centres_only)
{
	char *out = NULL, *err = NULL;

	start_keyed();
	AS_OK("iefp", "commitment", "confirm", "--centre", "ATEC", "--commitment", "study-visits");
	AS_REFUSED("iefp", "PERMISSION_DENIED",
		   "principal 'iefp' (partner IEFP) may not act for centre 'SBHC'", "commitment",
		   "confirm", "--centre", "SBHC", "--commitment", "study-visits");
	AS_OK("sbh", "commitment", "confirm", "--centre", "SBHC", "--commitment", "study-visits");
	AS_OK("iefp", "interest", "mark", "--partner", "IEFP", "--sector", "logistics");
	AS_REFUSED("iefp", "PERMISSION_DENIED", "partner 'SBH'", "interest", "mark", "--partner",
		   "SBH", "--sector", "logistics");
	/* The event records the acting principal. */
	cr_assert_eq(AS("admin", &out, &err, "--json", "commitment", "list", "--centre", "ATEC"), 0,
		     "%s", err);
	cr_assert(strstr(out, "\"actor\":\"iefp\"") != NULL, "%s", out);
	free(out);
	free(err);
}

/* ----------------------------------------------------------- events */

static void start_watch(vt_proc_t *p, const char *who, const char *out_path)
{
	const char *argv[16];
	size_t n = 0;

	argv[n++] = VA_VETWATCH_PATH;
	argv[n++] = "--endpoint";
	argv[n++] = d.pub_ep;
	argv[n++] = "--cmd-endpoint";
	argv[n++] = d.cmd_ep;
	argv[n++] = "--type";
	argv[n++] = "commitment.";
	if (who != NULL) {
		argv[n++] = "--key";
		argv[n++] = kp(who, ".key_secret");
		argv[n++] = "--server-key";
		argv[n++] = kp("server", ".key");
	}
	argv[n] = NULL;
	cr_assert_eq(vt_proc_start(p, argv, out_path, NULL), 0);
}

Test(security, a_keyed_watcher_gets_events_an_unkeyed_one_nothing)
{
	char keyed[VT_PATH_MAX + 32], plain[VT_PATH_MAX + 32];
	char *text;

	start_keyed();
	snprintf(keyed, sizeof keyed, "%s/keyed.out", keys);
	snprintf(plain, sizeof plain, "%s/plain.out", keys);
	start_watch(&watchers[0], "sbh", keyed);
	start_watch(&watchers[1], NULL, plain);
	vt_sleep_ms(500); /* both subscribed (or refused) */
	AS_OK("cecoa", "commitment", "confirm", "--centre", "CECOA", "--commitment",
	      "digital-channels");
	cr_assert_eq(vt_wait_lines(keyed, 1, 10000), 0, "the keyed watcher saw no event");
	text = vt_read_file(keyed);
	cr_assert(strstr(text, "\"actor\":\"cecoa\"") != NULL, "%s", text);
	free(text);
	vt_sleep_ms(500);
	cr_assert_eq(vt_count_lines(plain), 0, "the unkeyed watcher saw an event");
}

/* ------------------------------------------------------------ reload */

/* A DEALER presenting `who`'s key. */
static void *keyed_dealer(const char *who)
{
	void *s = vt_zmq_socket(ZMQ_DEALER, NULL);
	va_keys_t k;
	char err[512];
	int keyed = 0;

	cr_assert_eq(va_keys_setup(&k, &keyed, kp(who, ".key_secret"), kp("server", ".key"), err,
				   sizeof err),
		     0, "%s", err);
	cr_assert_eq(va_keys_apply(&k, s), 0);
	cr_assert_eq(zmq_connect(s, d.cmd_ep), 0);
	return s;
}

/* whoami on a raw socket: the reply's status, or -1 for no reply. */
static int whoami_on(void *s, const char *id)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__WhoAmI w = VETALLIANCE__V1__WHO_AM_I__INIT;
	va_reply_t *reply;
	uint8_t *buf;
	size_t len;
	int status;

	req.request_id = (char *)id;
	req.body_case = VETALLIANCE__V1__REQUEST__BODY_WHOAMI;
	req.whoami = &w;
	buf = vt_request_pack(&req, &len);
	cr_assert_eq(zmq_send(s, buf, len, 0), (int)len);
	free(buf);
	reply = vt_zmq_recv_reply(s, 3000, NULL);
	if (reply == NULL)
		return -1;
	status = (int)reply->status;
	va_reply_free(&reply);
	return status;
}

Test(security, a_removed_key_is_refused_after_sighup_on_old_and_new_connections)
{
	void *old;
	char *out = NULL, *err = NULL;
	int rc;

	start_keyed();
	old = keyed_dealer("cecoa");
	cr_assert_eq(whoami_on(old, "w1"), VA_OK);
	write_principals("cecoa");
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	cr_assert(log_has("1 key(s) removed", 10000), "no reload in the log");
	/* the connection opened before: refused per message */
	cr_assert_eq(whoami_on(old, "w2"), VA_UNAUTHENTICATED);
	/* a new connection: no handshake, no reply */
	rc = AS("cecoa", &out, &err, "--timeout", "500", "--attempts", "1", "whoami");
	cr_assert_eq(rc, 69, "exit %d: %s %s", rc, out, err);
	free(out);
	free(err);
	/* the others go on */
	AS_OK("atec", "whoami");
}

Test(security, the_reload_command_is_for_administrators_and_keeps_a_broken_file_out)
{
	char *out = NULL, *err = NULL;
	FILE *f;

	start_keyed();
	AS_REFUSED("iefp", "PERMISSION_DENIED", "administrators only", "principals", "reload");
	/* broken: the running principals stay, the reply says why */
	f = fopen(kp("principals", ""), "a");
	cr_assert_not_null(f);
	fputs("broken\n    role = wizard\n", f);
	fclose(f);
	AS_REFUSED("admin", "FAILED_PRECONDITION", "principal 'broken'", "principals", "reload");
	AS_OK("cecoa", "whoami");
	/* fixed without atec: its key goes */
	write_principals("atec");
	cr_assert_eq(AS("admin", &out, &err, "principals", "reload"), 0, "%s", err);
	cr_assert(strstr(out, "removed:    1") != NULL, "%s", out);
	free(out);
	free(err);
	cr_assert_eq(AS("atec", &out, &err, "--timeout", "500", "--attempts", "1", "whoami"), 69);
	free(out);
	free(err);
}

Test(security, a_removed_key_stops_receiving_events)
{
	char path[VT_PATH_MAX + 32];

	start_keyed();
	snprintf(path, sizeof path, "%s/sbh.out", keys);
	start_watch(&watchers[0], "sbh", path);
	vt_sleep_ms(500);
	AS_OK("cecoa", "commitment", "confirm", "--centre", "CECOA", "--commitment", "evaluations");
	cr_assert_eq(vt_wait_lines(path, 1, 10000), 0, "the watcher saw no event");
	write_principals("sbh");
	AS_OK("admin", "principals", "reload");
	cr_assert(log_has("bound the event endpoint", 5000), "the event socket was not rebound");
	vt_sleep_ms(500);
	AS_OK("cecoa", "commitment", "withdraw", "--centre", "CECOA", "--commitment",
	      "evaluations");
	vt_sleep_ms(1000);
	cr_assert_eq(vt_count_lines(path), 1, "a removed key still receives events");
}

/* ------------------------------------------------------------ limits */

/* A plain daemon with small limits from a configuration file. */
static void start_limited(void)
{
	char conf[VT_PATH_MAX + 32];
	FILE *f;

	cr_assert_eq(vt_mkdtemp(keys, sizeof keys), 0);
	snprintf(conf, sizeof conf, "%s/vetalliance.conf", keys);
	f = fopen(conf, "w");
	cr_assert_not_null(f);
	fputs("limits\n"
	      "    string_max = 40\n"
	      "    list_max = 3\n"
	      "    alliance_members = 2\n"
	      "    in_flight = 1\n",
	      f);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(vt_daemon_start(&d, (const char *const[]){"--config", conf, NULL}), 0);
}

static void centre_ok(const char *id)
{
	VT_CTL_OK(&d, "centre", "register", "--id", id, "--name", id, "--kind", "vet-centre",
		  "--partner", "IEFP", "--country", "PT");
}

static void ctl_refused(const char *status, const char *needle, const char *const *args)
{
	char *out = NULL, *err = NULL;
	int rc = vt_vetctl(&d, args, &out, &err);

	cr_assert_eq(rc, 1, "exit %d (want a refusal): %s", rc, err);
	cr_assert(strstr(err, status) != NULL, "'%s' lacks '%s'", err, status);
	cr_assert(strstr(err, needle) != NULL, "'%s' lacks '%s'", err, needle);
	free(out);
	free(err);
}

#define CTL_REFUSED(status, needle, ...)                                                           \
	ctl_refused((status), (needle), (const char *const[]){__VA_ARGS__, NULL})

Test(security, string_and_list_lengths_are_refused_at_their_edge)
{
	static const char n40[] = "0123456789012345678901234567890123456789";

	start_limited();
	VT_CTL_OK(&d, "centre", "register", "--id", "C1", "--name", n40, "--kind", "vet-centre",
		  "--partner", "IEFP", "--country", "PT");
	CTL_REFUSED("INVALID_ARGUMENT", "centre_register.centre.name: longer than 40 bytes",
		    "centre", "register", "--id", "C2", "--name",
		    "0123456789012345678901234567890123456789X", "--kind", "vet-centre",
		    "--partner", "IEFP", "--country", "PT");
	VT_CTL_OK(&d, "centre", "register", "--id", "C3", "--name", "C3", "--kind", "vet-centre",
		  "--partner", "IEFP", "--country", "PT", "--sector", "it", "--sector", "logistics",
		  "--sector", "electronics");
	CTL_REFUSED("INVALID_ARGUMENT", "centre_register.centre.sectors: more than 3 entries",
		    "centre", "register", "--id", "C4", "--name", "C4", "--kind", "vet-centre",
		    "--partner", "IEFP", "--country", "PT", "--sector", "it", "--sector",
		    "logistics", "--sector", "electronics", "--sector", "mechatronics");
}

Test(security, members_per_alliance_are_refused_at_the_edge)
{
	start_limited();
	centre_ok("C1");
	centre_ok("C2");
	centre_ok("C3");
	VT_CTL_OK(&d, "alliance", "create", "--id", "A1", "--name", "A1", "--member", "C1",
		  "--member", "C2");
	CTL_REFUSED("RESOURCE_EXHAUSTED", "alliance 'A1' already has 2 members", "alliance", "join",
		    "A1", "--centre", "C3");
	CTL_REFUSED("RESOURCE_EXHAUSTED", "3 members, more than the limit of 2", "alliance",
		    "create", "--id", "A2", "--name", "A2", "--member", "C1", "--member", "C2",
		    "--member", "C3");
}

Test(security, requests_in_flight_past_the_limit_are_resource_exhausted)
{
	enum { N = 64 };
	void *s;
	int ok = 0, exhausted = 0, other = 0;

	start_limited();
	s = vt_zmq_socket(ZMQ_DEALER, d.cmd_ep);
	/* One burst: the first command waits for its fsync while the rest
	 * arrive; with a limit of one, they are refused at once. */
	for (int i = 0; i < N; i++) {
		va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
		Vetalliance__V1__CentreRegister cr = VETALLIANCE__V1__CENTRE_REGISTER__INIT;
		Vetalliance__V1__Centre c = VETALLIANCE__V1__CENTRE__INIT;
		char id[16], rid[16];
		uint8_t *buf;
		size_t len;

		snprintf(id, sizeof id, "B%d", i);
		snprintf(rid, sizeof rid, "r%d", i);
		c.id = id;
		c.name = id;
		c.kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE;
		c.partner = "IEFP";
		c.country = "PT";
		cr.centre = &c;
		req.request_id = rid;
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;
		req.centre_register = &cr;
		buf = vt_request_pack(&req, &len);
		cr_assert_eq(zmq_send(s, buf, len, 0), (int)len);
		free(buf);
	}
	for (int i = 0; i < N; i++) {
		va_reply_t *reply = vt_zmq_recv_reply(s, 10000, NULL);
		cr_assert_not_null(reply, "reply %d missing", i);
		if (reply->status == VETALLIANCE__V1__STATUS__STATUS_OK) {
			ok++;
		} else if (reply->status == VETALLIANCE__V1__STATUS__STATUS_RESOURCE_EXHAUSTED) {
			cr_assert(strstr(reply->message, "principal 'local' has 1 requests in "
							 "flight") != NULL,
				  "%s", reply->message);
			exhausted++;
		} else {
			other++;
		}
		va_reply_free(&reply);
	}
	cr_assert_geq(ok, 1);
	cr_assert_geq(exhausted, 1, "no request was refused (%d ok)", ok);
	cr_assert_eq(other, 0);
	/* Once the replies are out, the principal may ask again. */
	VT_CTL_OK(&d, "partner", "list");
}
