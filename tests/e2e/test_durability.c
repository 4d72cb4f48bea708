/*
 * test_durability - the journal's promises, against the real daemon:
 * nothing acknowledged is lost across kill -9, a retried request takes
 * effect once, a torn tail is cut and a damaged middle refuses to start,
 * a full disk refuses commands and recovers, snapshots and compaction
 * keep the state.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <vetalliance/client.h>

#include "harness.h"

#define REFERENCE_EVENTS 49 /* what the built-in reference data produces */

static vt_daemon_t d;

static void teardown(void)
{
	vt_daemon_cleanup(&d);
}

TestSuite(durability, .fini = teardown, .timeout = VT_TEST_TIMEOUT);

/* ------------------------------------------------------------ helpers */

/* A centre registration with request id == centre id. */
static void centre_request(va_request_t *req, Vetalliance__V1__CentreRegister *reg,
			   Vetalliance__V1__Centre *c, char *id)
{
	vetalliance__v1__request__init(req);
	vetalliance__v1__centre_register__init(reg);
	vetalliance__v1__centre__init(c);
	c->id = id;
	c->name = id;
	c->kind = VETALLIANCE__V1__CENTRE_KIND__CENTRE_KIND_VET_CENTRE;
	c->partner = "STK";
	c->country = "PL";
	reg->centre = c;
	req->request_id = id;
	req->body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_REGISTER;
	req->centre_register = reg;
}

/* Registers centre `id`; returns the reply status, or -1 without reply. */
static int register_centre(va_client_t *cl, const char *id, uint64_t *seq_p)
{
	va_request_t req;
	Vetalliance__V1__CentreRegister reg;
	Vetalliance__V1__Centre c;
	va_reply_t *reply = NULL;
	char buf[64];
	int status;

	snprintf(buf, sizeof buf, "%s", id);
	centre_request(&req, &reg, &c, buf);
	if (va_client_call(cl, &req, &reply) != 0)
		return -1;
	status = (int)reply->status;
	if (seq_p != NULL)
		*seq_p = reply->seq;
	va_reply_free(&reply);
	return status;
}

/* The daemon's last seq and number of centres, from a centre_list query. */
static void state_counts(uint64_t *seq_p, size_t *centres_p)
{
	va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
	Vetalliance__V1__CentreList list = VETALLIANCE__V1__CENTRE_LIST__INIT;
	va_reply_t *reply = NULL;

	req.body_case = VETALLIANCE__V1__REQUEST__BODY_CENTRE_LIST;
	req.centre_list = &list;
	cr_assert_eq(vt_call(&d, &req, &reply), 0, "no reply to centre_list");
	cr_assert_eq(reply->status, VETALLIANCE__V1__STATUS__STATUS_OK, "%s", reply->message);
	*seq_p = reply->seq;
	*centres_p = reply->centres ? reply->centres->n_centres : 0;
	va_reply_free(&reply);
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

/* The journal segment with the lowest first seq. */
static void first_segment(char *path, size_t len)
{
	DIR *dir = opendir(d.state_dir);
	struct dirent *e;
	char best[256] = "";

	cr_assert_not_null(dir);
	while ((e = readdir(dir)) != NULL)
		if (strncmp(e->d_name, "journal-", 8) == 0 &&
		    (best[0] == '\0' || strcmp(e->d_name, best) < 0))
			snprintf(best, sizeof best, "%s", e->d_name);
	closedir(dir);
	cr_assert(best[0] != '\0', "no journal segment in %s", d.state_dir);
	snprintf(path, len, "%s/%s", d.state_dir, best);
}

static size_t count_files(const char *prefix)
{
	DIR *dir = opendir(d.state_dir);
	struct dirent *e;
	size_t n = 0;

	cr_assert_not_null(dir);
	while ((e = readdir(dir)) != NULL) {
		size_t len = strlen(e->d_name);
		/* Temp files of snapshots still being written do not count. */
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 &&
		    !(len > 4 && strcmp(e->d_name + len - 4, ".tmp") == 0))
			n++;
	}
	closedir(dir);
	return n;
}

/* ------------------------------------------------ kill -9 under load */

#define LOAD_THREADS 4
#define LOAD_MAX     20000

typedef struct loader {
	pthread_t thread;
	int index;
	int round;
	atomic_int *stop;
	size_t sent; /* ids attempted: L<round>-<index>-<n> for n < sent */
	unsigned char acked[LOAD_MAX];
} loader_t;

static void load_id(char *buf, size_t len, int round, int index, size_t n)
{
	snprintf(buf, len, "L%d-%d-%zu", round, index, n);
}

static void *loader_run(void *arg)
{
	loader_t *l = arg;
	va_client_t *cl = va_client_new(d.cmd_ep, 400, 1);
	char id[64];

	if (cl == NULL)
		return NULL;
	while (!atomic_load(l->stop) && l->sent < LOAD_MAX) {
		load_id(id, sizeof id, l->round, l->index, l->sent);
		l->sent++;
		int status = register_centre(cl, id, NULL);
		if (status == VETALLIANCE__V1__STATUS__STATUS_OK)
			l->acked[l->sent - 1] = 1;
		else if (status < 0)
			break; /* the daemon is gone */
	}
	va_client_free(&cl);
	return NULL;
}

Test(durability, kill_9_under_load_loses_no_acknowledged_command)
{
	static loader_t loaders[LOAD_THREADS];
	size_t total_ids = 0, centres = 0;
	uint64_t seq = 0;
	char id[64];

	srand((unsigned)getpid());
	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	for (int round = 0; round < 3; round++) {
		atomic_int stop = 0;
		size_t acked = 0;
		for (int i = 0; i < LOAD_THREADS; i++) {
			memset(&loaders[i], 0, sizeof loaders[i]);
			loaders[i].index = i;
			loaders[i].round = round;
			loaders[i].stop = &stop;
			pthread_create(&loaders[i].thread, NULL, loader_run, &loaders[i]);
		}
		vt_sleep_ms(300 + rand() % 700);
		vt_daemon_kill(&d);
		atomic_store(&stop, 1);
		for (int i = 0; i < LOAD_THREADS; i++)
			pthread_join(loaders[i].thread, NULL);
		cr_assert_eq(vt_daemon_restart(&d, NULL), 0, "round %d: no restart", round);

		/* Every acknowledged registration survived. */
		for (int i = 0; i < LOAD_THREADS; i++)
			for (size_t n = 0; n < loaders[i].sent; n++) {
				if (!loaders[i].acked[n])
					continue;
				acked++;
				load_id(id, sizeof id, round, i, n);
				cr_assert(centre_exists(id), "round %d: acknowledged '%s' is lost",
					  round, id);
			}
		cr_assert_gt(acked, 0, "round %d: nothing was acknowledged before the kill", round);

		/* Retrying every attempted request, acknowledged or not, gets OK
		 * and applies each at most once. */
		va_client_t *cl = va_client_new(d.cmd_ep, 5000, 2);
		cr_assert_not_null(cl);
		for (int i = 0; i < LOAD_THREADS; i++)
			for (size_t n = 0; n < loaders[i].sent; n++) {
				load_id(id, sizeof id, round, i, n);
				int status = register_centre(cl, id, NULL);
				cr_assert_eq(status, VETALLIANCE__V1__STATUS__STATUS_OK,
					     "round %d: retry of '%s' got status %d", round, id,
					     status);
			}
		va_client_free(&cl);
		for (int i = 0; i < LOAD_THREADS; i++)
			total_ids += loaders[i].sent;

		/* One event per distinct registration: no duplicate, no gap. */
		state_counts(&seq, &centres);
		cr_assert_eq(centres, total_ids, "round %d: %zu centres for %zu ids", round,
			     centres, total_ids);
		cr_assert_eq(seq, REFERENCE_EVENTS + total_ids,
			     "round %d: last seq %llu, expected %zu", round,
			     (unsigned long long)seq, REFERENCE_EVENTS + total_ids);
	}
	cr_assert_eq(vt_daemon_stop(&d), 0);

	/* The journal is gapless and sound: the offline check says so. */
	const char *argv[] = {VA_DAEMON_PATH, "--verify", "--state-dir", d.state_dir, NULL};
	char *out = NULL;
	int rc = vt_run(argv, NULL, &out, NULL, 30000);
	cr_assert_eq(rc, 0, "--verify exit %d: %s", rc, out);
	cr_assert_not_null(strstr(out, "verdict: sound"), "%s", out);
	free(out);
}

/* ----------------------------------------------------- retry after crash */

Test(durability, retry_after_crash_gets_the_original_reply)
{
	va_client_t *cl;
	uint64_t seq1 = 0, seq2 = 0, last = 0;
	size_t centres = 0;

	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	cl = va_client_new(d.cmd_ep, 5000, 1);
	cr_assert_eq(register_centre(cl, "RETRY1", &seq1), VETALLIANCE__V1__STATUS__STATUS_OK);
	va_client_free(&cl);
	vt_daemon_kill(&d);
	cr_assert_eq(vt_daemon_restart(&d, NULL), 0);
	cl = va_client_new(d.cmd_ep, 5000, 1);
	cr_assert_eq(register_centre(cl, "RETRY1", &seq2), VETALLIANCE__V1__STATUS__STATUS_OK,
		     "the retry was not answered with the original OK");
	cr_assert_eq(seq2, seq1, "retry answered seq %llu, original %llu", (unsigned long long)seq2,
		     (unsigned long long)seq1);
	va_client_free(&cl);
	state_counts(&last, &centres);
	cr_assert_eq(last, seq1, "the retry produced an event (last seq %llu)",
		     (unsigned long long)last);
	cr_assert_eq(centres, 1);
}

/* ---------------------------------------------------- torn tail, damage */

static void register_n(const char *prefix, int n)
{
	va_client_t *cl = va_client_new(d.cmd_ep, 5000, 1);
	char id[64];

	cr_assert_not_null(cl);
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%s%d", prefix, i);
		cr_assert_eq(register_centre(cl, id, NULL), VETALLIANCE__V1__STATUS__STATUS_OK,
			     "registering %s", id);
	}
	va_client_free(&cl);
}

Test(durability, torn_tail_is_cut_and_logged)
{
	char seg[512];
	struct stat st;
	uint64_t seq = 0;
	size_t centres = 0;

	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	register_n("T", 10);
	cr_assert_eq(vt_daemon_stop(&d), 0);
	first_segment(seg, sizeof seg);
	cr_assert_eq(stat(seg, &st), 0);
	cr_assert_eq(truncate(seg, st.st_size - 3), 0);

	cr_assert_eq(vt_daemon_restart(&d, NULL), 0, "the daemon refused a torn tail");
	char *log = vt_daemon_log(&d);
	cr_assert_not_null(strstr(log, "torn"), "no word of the torn tail in the log:\n%s", log);
	free(log);
	state_counts(&seq, &centres);
	cr_assert_eq(seq, REFERENCE_EVENTS + 9, "state is not the prefix: seq %llu",
		     (unsigned long long)seq);
	cr_assert_eq(centres, 9);
	cr_assert(!centre_exists("T9"), "the torn event came back");
	/* Appending goes on after the cut. */
	register_n("U", 1);
	state_counts(&seq, &centres);
	cr_assert_eq(seq, REFERENCE_EVENTS + 10);
}

Test(durability, corruption_in_the_middle_refuses_to_start)
{
	char seg[512], *log, *base;
	unsigned char b;
	int fd;

	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	register_n("M", 10);
	cr_assert_eq(vt_daemon_stop(&d), 0);
	first_segment(seg, sizeof seg);

	/* A byte inside the payload of an early record. */
	fd = open(seg, O_RDWR);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, &b, 1, 200), 1);
	b ^= 0x5a;
	cr_assert_eq(pwrite(fd, &b, 1, 200), 1);
	close(fd);

	cr_assert_neq(vt_daemon_restart(&d, NULL), 0, "the daemon started on a damaged journal");
	cr_assert_eq(d.exit_status, 65, "exit status %d, expected 65", d.exit_status);
	log = vt_daemon_log(&d);
	base = strrchr(seg, '/') + 1;
	cr_assert_not_null(strstr(log, base), "the refusal does not name '%s':\n%s", base, log);
	cr_assert_not_null(strstr(log, "offset"), "the refusal names no offset:\n%s", log);
	free(log);

	const char *argv[] = {VA_DAEMON_PATH, "--verify", "--state-dir", d.state_dir, NULL};
	char *out = NULL;
	int rc = vt_run(argv, NULL, &out, NULL, 30000);
	cr_assert_eq(rc, 65, "--verify exit %d on a damaged journal: %s", rc, out);
	cr_assert_not_null(strstr(out, "damage"), "%s", out);
	free(out);
}

/* ------------------------------------------------------------ disk full */

Test(durability, disk_full_refuses_commands_and_recovers)
{
	const char *args[] = {"--snapshot-every", "0", NULL};
	struct rlimit small = {.rlim_cur = 16384, .rlim_max = RLIM_INFINITY};
	struct rlimit big = {.rlim_cur = RLIM_INFINITY, .rlim_max = RLIM_INFINITY};
	va_client_t *cl;
	uint64_t seq_before = 0, seq = 0;
	size_t centres_before = 0, centres = 0;
	int status = 0, n = 0;
	char id[64];

	/* The daemon inherits a 16 KiB file-size limit: its journal hits it
	 * like a full disk (EFBIG).  The limit is raised from outside later,
	 * as space coming back. */
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	int started = vt_daemon_start(&d, args);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &big), 0);
	cr_assert_eq(started, 0);

	cl = va_client_new(d.cmd_ep, 3000, 1);
	for (n = 0; n < 1000; n++) {
		snprintf(id, sizeof id, "FULL%d", n);
		status = register_centre(cl, id, NULL);
		if (status != VETALLIANCE__V1__STATUS__STATUS_OK)
			break;
	}
	/* The command whose batch failed waits (no reply within the timeout)
	 * or, once the daemon knows the disk is full, is refused. */
	cr_assert_neq(status, VETALLIANCE__V1__STATUS__STATUS_OK, "16 KiB never filled up");
	snprintf(id, sizeof id, "AFTERFULL");
	for (int i = 0; i < 5 && status != VETALLIANCE__V1__STATUS__STATUS_RESOURCE_EXHAUSTED; i++)
		status = register_centre(cl, id, NULL);
	cr_assert_eq(status, VETALLIANCE__V1__STATUS__STATUS_RESOURCE_EXHAUSTED,
		     "a command on a full disk got status %d", status);
	cr_assert(vt_daemon_alive(&d), "the daemon died on a full disk");

	/* Queries are still served. */
	state_counts(&seq_before, &centres_before);
	cr_assert_geq(centres_before, (size_t)n);

	/* Space returns: raise the daemon's limit. */
	cr_assert_eq(prlimit(d.pid, RLIMIT_FSIZE, &big, NULL), 0);
	int64_t deadline = vt_now_ms() + 20000;
	do {
		vt_sleep_ms(200);
		status = register_centre(cl, "AFTERFULL", NULL);
	} while (status != VETALLIANCE__V1__STATUS__STATUS_OK && vt_now_ms() < deadline);
	cr_assert_eq(status, VETALLIANCE__V1__STATUS__STATUS_OK,
		     "commands were not accepted again after space returned (status %d)", status);
	va_client_free(&cl);

	/* Nothing that was accepted is lost across a crash. */
	state_counts(&seq, &centres);
	vt_daemon_kill(&d);
	cr_assert_eq(vt_daemon_restart(&d, args), 0);
	uint64_t seq2 = 0;
	size_t centres2 = 0;
	state_counts(&seq2, &centres2);
	cr_assert_eq(seq2, seq);
	cr_assert_eq(centres2, centres);
	cr_assert(centre_exists("AFTERFULL"));
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof id, "FULL%d", i);
		cr_assert(centre_exists(id), "acknowledged '%s' lost", id);
	}
}

/* ------------------------------------------------ snapshots, compaction */

static char *centre_list_json(void)
{
	const char *argv[] = {VA_VETCTL_PATH, "--endpoint", d.cmd_ep, "--json",
			      "centre",       "list",       NULL};
	char *out = NULL;

	cr_assert_eq(vt_run(argv, NULL, &out, NULL, 30000), 0);
	/* The request id differs per call: compare from the status on. */
	char *tail = strstr(out, "\"status\"");
	cr_assert_not_null(tail);
	char *copy = strdup(tail);
	free(out);
	return copy;
}

Test(durability, snapshot_and_compaction_round_trip)
{
	const char *args[] = {"--snapshot-every", "25", "--segment-size", "4096", NULL};
	char *before, *after;

	char seg[512], prefix[16];
	int n = 0;

	cr_assert_eq(vt_daemon_start(&d, args), 0);
	/* Snapshots are written in the background: keep the commands coming
	 * until two have been put in place and the first segment is gone. */
	int64_t deadline = vt_now_ms() + 60000;
	do {
		snprintf(prefix, sizeof prefix, "S%d-", n++);
		register_n(prefix, 25);
		vt_sleep_ms(50);
		first_segment(seg, sizeof seg);
	} while (strstr(seg, "journal-00000000000000000001.log") != NULL && vt_now_ms() < deadline);
	cr_assert_null(strstr(seg, "journal-00000000000000000001.log"),
		       "the first segment was never compacted away");
	before = centre_list_json();
	cr_assert_eq(vt_daemon_stop(&d), 0);

	cr_assert_geq(count_files("snapshot-"), 1, "no snapshot was written");
	cr_assert_leq(count_files("snapshot-"), 2, "old snapshots are not pruned");

	cr_assert_eq(vt_daemon_restart(&d, args), 0);
	char *log = vt_daemon_log(&d);
	cr_assert_not_null(strstr(log, "loaded the snapshot"), "%s", log);
	free(log);
	after = centre_list_json();
	cr_assert_str_eq(after, before, "state after restart differs");
	free(before);
	free(after);

	/* And it keeps going from there. */
	register_n("X", 5);
	uint64_t seq = 0;
	size_t centres = 0;
	state_counts(&seq, &centres);
	cr_assert_eq(centres, (size_t)n * 25 + 5);
	cr_assert_eq(seq, REFERENCE_EVENTS + (uint64_t)n * 25 + 5);
}

/* ------------------------------------------------- a burst of commands */

/*
 * 20 000 registrations from one DEALER without waiting: the bridge drains
 * them over many loop turns (some in the idle phase) and every one must
 * be committed and answered without any other client waking the loop.
 */
Test(durability, burst_of_commands_is_answered)
{
	enum { N = 20000 };
	void *ctx = zmq_ctx_new(), *sock;
	size_t sent = 0, received = 0, ok = 0;
	char id[64];

	cr_assert_eq(vt_daemon_start(&d, NULL), 0);
	sock = zmq_socket(ctx, ZMQ_DEALER);
	cr_assert_not_null(sock);
	int linger = 0;
	zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
	cr_assert_eq(zmq_connect(sock, d.cmd_ep), 0);
	int64_t deadline = vt_now_ms() + 180000;
	while (received < N && vt_now_ms() < deadline) {
		zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
		if (sent < N)
			item.events |= ZMQ_POLLOUT;
		if (zmq_poll(&item, 1, 1000) < 0)
			break;
		if ((item.revents & ZMQ_POLLOUT) && sent < N) {
			va_request_t req;
			Vetalliance__V1__CentreRegister reg;
			Vetalliance__V1__Centre c;
			size_t len;
			snprintf(id, sizeof id, "BURST%zu", sent);
			centre_request(&req, &reg, &c, id);
			uint8_t *buf = vt_request_pack(&req, &len);
			cr_assert_not_null(buf);
			if (zmq_send(sock, buf, len, ZMQ_DONTWAIT) == (int)len)
				sent++;
			free(buf);
		}
		if (item.revents & ZMQ_POLLIN) {
			va_reply_t *reply = vt_zmq_recv_reply(sock, 0, NULL);
			if (reply != NULL) {
				received++;
				ok += reply->status == VETALLIANCE__V1__STATUS__STATUS_OK;
				va_reply_free(&reply);
			}
		}
	}
	zmq_close(sock);
	zmq_ctx_term(ctx);
	cr_assert_eq(received, (size_t)N, "%zu of %d replies", received, N);
	cr_assert_eq(ok, (size_t)N, "%zu of %d OK", ok, N);
	uint64_t seq = 0;
	size_t centres = 0;
	state_counts(&seq, &centres);
	cr_assert_eq(centres, (size_t)N);
}

Test(durability, snapshot_by_journal_bytes)
{
	const char *args[] = {"--snapshot-every", "0", "--snapshot-bytes", "4096", NULL};

	cr_assert_eq(vt_daemon_start(&d, args), 0);
	cr_assert_eq(count_files("snapshot-"), 0, "a snapshot before any command");
	register_n("B", 60);
	/* Snapshots are written in the background: give one time to land. */
	int64_t deadline = vt_now_ms() + 30000;
	while (count_files("snapshot-") == 0 && vt_now_ms() < deadline)
		vt_sleep_ms(50);
	cr_assert_eq(vt_daemon_stop(&d), 0);
	cr_assert_geq(count_files("snapshot-"), 1,
		      "no snapshot after more than 4096 journal bytes");

	/* Neither trigger set: never a snapshot. */
	vt_daemon_cleanup(&d);
	const char *none[] = {"--snapshot-every", "0", "--snapshot-bytes", "0", NULL};
	cr_assert_eq(vt_daemon_start(&d, none), 0);
	register_n("N", 60);
	cr_assert_eq(vt_daemon_stop(&d), 0);
	cr_assert_eq(count_files("snapshot-"), 0, "a snapshot although both triggers are off");
}
