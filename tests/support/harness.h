/*
 * harness.h - the end-to-end test harness: runs the real vetallianced,
 * vetctl and vetwatch binaries of this build (VA_DAEMON_PATH,
 * VA_VETCTL_PATH, VA_VETWATCH_PATH) as child processes.
 *
 * A daemon lives in a fresh temporary directory (under $TMPDIR, else /tmp)
 * holding its state directory, its ipc:// endpoints (no ports, so tests
 * may run in parallel) and its log (stdout and stderr).  The directory
 * outlives stops and kills, so a test can SIGKILL the daemon and restart
 * it on the same state; vt_daemon_cleanup() removes it.
 *
 *   static vt_daemon_t d;            (zeroed: no directory, not running)
 *   vt_daemon_start(&d, NULL)        make the directory, start, wait ready
 *   vt_daemon_kill(&d)               SIGKILL
 *   vt_daemon_restart(&d, NULL)      start again on the same state
 *   vt_daemon_stop(&d)               SIGTERM -> exit status
 *   vt_daemon_cleanup(&d)            kill if running, remove the directory
 *
 * Every child the harness starts gets PR_SET_PDEATHSIG SIGKILL, so a test
 * process that dies (a Criterion timeout kills it) takes its daemon and
 * tools with it.
 *
 * Sanitizers: a child's stderr does not reach the test's output, so the
 * harness copies any sanitizer report it finds there (daemon log on stop
 * and cleanup, a tool's stderr in vt_run) to the test's stderr, where
 * ctest's FAIL_REGULAR_EXPRESSION sees it.
 *
 * Functions return 0 or -1 unless said otherwise; a returned char * is the
 * caller's to free().
 */
#ifndef VA_TEST_HARNESS_H
#define VA_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <vetalliance/client.h>

#define VT_PATH_MAX 256

/*
 * The Criterion .timeout (seconds) of every end-to-end test.  One value
 * for all: Criterion 2.4.1's runner leaks a 48-byte block (LeakSanitizer
 * fails the run) when, under --jobs 2, a test with a longer .timeout than
 * its neighbours' outlives them.  Long enough for the 100 000-request
 * burst under ASan on 2 cores.
 */
#define VT_TEST_TIMEOUT 240

/* How long vt_daemon_start() waits for the daemon to answer. */
#define VT_READY_TIMEOUT_MS 10000
/* How long vt_daemon_stop() waits after SIGTERM before SIGKILL. */
#define VT_STOP_TIMEOUT_MS 15000

typedef struct vt_daemon {
	pid_t pid;                   /* > 0 while running */
	int exit_status;             /* of the last run, see vt_daemon_stop() */
	char dir[VT_PATH_MAX];       /* the temporary root */
	char state_dir[VT_PATH_MAX]; /* <dir>/state */
	char cmd_ep[VT_PATH_MAX];    /* ipc://<dir>/cmd unless set before start */
	char pub_ep[VT_PATH_MAX];    /* ipc://<dir>/pub unless set before start */
	char log_path[VT_PATH_MAX];  /* <dir>/daemon.log, appended by each run */
	/* When set before start, certificate files the
	 * readiness probe, vt_call() and vt_vetctl() present (CURVE). */
	char key[VT_PATH_MAX];        /* our secret certificate */
	char server_key[VT_PATH_MAX]; /* the daemon's public certificate */
} vt_daemon_t;

/*
 * vt_daemon_start - start vetallianced and wait (VT_READY_TIMEOUT_MS) until
 * it answers a partner_list query.
 *   d           zeroed before the first call.  The first call creates the
 *               directory; cmd_ep and pub_ep, if already set (a tcp://
 *               endpoint, say), are kept, else they become ipc://
 *               endpoints in the directory.
 *   extra_args  more daemon arguments, NULL-terminated, or NULL.  They
 *               come after the harness's own (--cmd-endpoint,
 *               --pub-endpoint, --state-dir), so they may override them.
 * Returns 0, or -1 after a message on stderr (the daemon, if it started,
 * is killed, and its log is printed).
 */
int vt_daemon_start(vt_daemon_t *d, const char *const *extra_args);

/* vt_daemon_restart - start again on the same directory and state; the
 * daemon must not be running.  Same returns as vt_daemon_start(). */
int vt_daemon_restart(vt_daemon_t *d, const char *const *extra_args);

/*
 * vt_daemon_signal_stop - send `sig` and wait for the daemon to exit; after
 * VT_STOP_TIMEOUT_MS without an exit, SIGKILL it.
 * Returns its exit status, or 128 + the signal that ended it (137 after
 * the SIGKILL), or -1 if it was not running.
 */
int vt_daemon_signal_stop(vt_daemon_t *d, int sig);

/* vt_daemon_stop - vt_daemon_signal_stop(d, SIGTERM). */
int vt_daemon_stop(vt_daemon_t *d);

/* vt_daemon_kill - SIGKILL and reap; nothing if not running. */
void vt_daemon_kill(vt_daemon_t *d);

/* vt_daemon_alive - 1 while the daemon process runs, else 0 (a daemon
 * that exited by itself is reaped here and its status recorded). */
int vt_daemon_alive(vt_daemon_t *d);

/* vt_daemon_cleanup - kill if running, remove the directory, zero *d.
 * Safe on a zeroed struct and when called twice. */
void vt_daemon_cleanup(vt_daemon_t *d);

/* vt_daemon_log - the daemon's log so far (every run), or NULL. */
char *vt_daemon_log(const vt_daemon_t *d);

/*
 * vt_call - one request through libvetalliance to d->cmd_ep (timeout 5 s,
 * 2 attempts).  *reply_p as for va_client_call().  Returns 0 when a reply
 * came (whatever its status), else va_client_call()'s negative code.
 */
int vt_call(const vt_daemon_t *d, va_request_t *req, va_reply_t **reply_p);

/* ---------------------------------------------------------- processes */

/*
 * vt_run - run argv[0] (a path) with argv, feed it stdin_text (NULL: empty
 * stdin), collect stdout and stderr, and wait at most timeout_ms.
 *   out, err  if not NULL, receive the NUL-terminated output (the caller
 *             frees it), even on timeout.
 * Returns the exit status, 128 + signal if a signal ended it, or -1 if it
 * could not be started or was killed after the timeout.
 */
int vt_run(const char *const argv[], const char *stdin_text, char **out, char **err,
	   int timeout_ms);

/*
 * vt_vetctl - run vetctl against d's command endpoint with args
 * (NULL-terminated, after --endpoint) and collect its output as vt_run()
 * (20 s at most).  Returns its exit status.  VT_CTL(d, out, err, ...) takes
 * the arguments inline; VT_CTL_OK(d, ...) asserts exit 0 and prints
 * vetctl's stderr otherwise.
 */
int vt_vetctl(const vt_daemon_t *d, const char *const *args, char **out, char **err);

#define VT_CTL(d, out, err, ...) vt_vetctl((d), (const char *const[]){__VA_ARGS__, NULL}, out, err)

#define VT_CTL_OK(d, ...)                                                                          \
	do {                                                                                       \
		char *o_ = NULL, *e_ = NULL;                                                       \
		int rc_ = VT_CTL(d, &o_, &e_, __VA_ARGS__);                                        \
		cr_assert_eq(rc_, 0, "vetctl exit %d: %s", rc_, e_ ? e_ : "");                     \
		free(o_);                                                                          \
		free(e_);                                                                          \
	} while (0)

/*
 * vt_vetctl_out - vt_vetctl() that asserts exit 0 (printing vetctl's
 * stderr otherwise) and returns its stdout (free it).  VT_CTL_OUT(d, ...)
 * takes the arguments inline.
 */
char *vt_vetctl_out(const vt_daemon_t *d, const char *const *args);

#define VT_CTL_OUT(d, ...) vt_vetctl_out((d), (const char *const[]){__VA_ARGS__, NULL})

/* A background child whose stdout and stderr go to files. */
typedef struct vt_proc {
	pid_t pid; /* > 0 while running */
	int status;
} vt_proc_t;

/* vt_proc_start - start argv with stdout to out_path and stderr to
 * err_path (created or truncated; NULL: /dev/null) and stdin /dev/null. */
int vt_proc_start(vt_proc_t *p, const char *const argv[], const char *out_path,
		  const char *err_path);

/* vt_proc_wait - wait at most timeout_ms for the child to exit.  Returns
 * its status (as vt_run), or -1 if it is still running or not started. */
int vt_proc_wait(vt_proc_t *p, int timeout_ms);

/* vt_proc_kill - SIGKILL and reap; nothing if not running. */
void vt_proc_kill(vt_proc_t *p);

/* ------------------------------------------------------------ helpers */

/* vt_read_file - a whole file, NUL-terminated, or NULL. */
char *vt_read_file(const char *path);

/* vt_count_lines - the number of complete ('\n'-ended) lines of a file
 * (0 if it does not exist). */
size_t vt_count_lines(const char *path);

/* vt_wait_lines - wait at most timeout_ms until the file holds at least
 * n complete lines.  Returns 0 or -1 on timeout. */
int vt_wait_lines(const char *path, size_t n, int timeout_ms);

/* vt_mkdtemp - a fresh directory "<$TMPDIR or /tmp>/vt-XXXXXX" (short
 * enough for ipc:// paths inside it), its path written to buf. */
int vt_mkdtemp(char *buf, size_t len);

/* vt_rm_rf - remove a directory tree (symlinks are not followed). */
void vt_rm_rf(const char *dir);

/* vt_free_tcp_port - a TCP port on 127.0.0.1 that was free a moment ago
 * (bind to port 0, read it, close), or -1. */
int vt_free_tcp_port(void);

/* vt_now_ms - monotonic milliseconds. */
int64_t vt_now_ms(void);

/* vt_sleep_ms - sleep, resuming after signals. */
void vt_sleep_ms(int ms);

/* ---------------------------------------------------- raw wire access */

/*
 * vt_zmq_socket - a socket of `type` in the harness's ZeroMQ context
 * (made on first use), with linger 0, connected to endpoint unless it is
 * NULL.  The harness keeps it: vt_zmq_cleanup() closes it, so a test that
 * fails half-way leaves nothing to block zmq_ctx_term().  Asserts (via
 * Criterion) on failure, so never returns NULL.
 */
void *vt_zmq_socket(int type, const char *endpoint);

/* vt_zmq_close - close one socket of vt_zmq_socket() early. */
void vt_zmq_close(void *sock);

/* vt_zmq_cleanup - close every socket of vt_zmq_socket() and terminate
 * the context; for .fini.  Idempotent. */
void vt_zmq_cleanup(void);

/* vt_request_pack - a request's wire bytes (malloc'd), length in *len. */
uint8_t *vt_request_pack(const va_request_t *req, size_t *len);

/*
 * vt_zmq_recv_reply - wait at most timeout_ms for one whole message and
 * decode its last frame as a Reply.
 *   nframes  if not NULL, receives the message's frame count.
 * Returns the reply (free with va_reply_free()), or NULL on timeout or if
 * the message is not a Reply (*nframes then tells which).
 */
va_reply_t *vt_zmq_recv_reply(void *sock, int timeout_ms, size_t *nframes);

#endif
