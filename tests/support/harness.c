/*
 * harness.c - see harness.h.
 *
 * Children are started with fork + execv rather than posix_spawn because
 * each must set PR_SET_PDEATHSIG between the two: a Criterion timeout
 * SIGKILLs the test process, no .fini runs, and without it the daemon
 * would outlive the test.  Between fork and exec the child calls only
 * async-signal-safe functions (the test process may have ZeroMQ threads).
 *
 * Waiting is polling waitpid(WNOHANG) every few milliseconds: simple,
 * bounded, and it reaps only the pid asked for, never another child.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <zmq.h>

#define VT_MAX_ARGS 64
#define VT_POLL_MS  5

/* sun_path holds 108 bytes; "<dir>/cmd" must fit with room to spare. */
#define VT_IPC_DIR_MAX 90

static const char *const vt__sanitizer_marks[] = {
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
    NULL,
};

static void vt__warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void vt__warn(const char *fmt, ...)
{
	va_list ap;

	fputs("harness: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

int64_t vt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void vt_sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int vt__status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return -1;
}

/*
 * vt__reap - wait at most timeout_ms (0: just look) for pid.  Returns 1 and
 * sets *status when it exited, 0 while it runs, -1 on error (not our
 * child).
 */
static int vt__reap(pid_t pid, int timeout_ms, int *status)
{
	int64_t deadline = vt_now_ms() + timeout_ms;

	for (;;) {
		int ws;
		pid_t r = waitpid(pid, &ws, WNOHANG);

		if (r == pid) {
			*status = vt__status(ws);
			return 1;
		}
		if (r < 0 && errno != EINTR)
			return -1;
		if (vt_now_ms() >= deadline)
			return 0;
		vt_sleep_ms(VT_POLL_MS);
	}
}

/* vt__kill_reap - SIGKILL pid and reap it; returns its status. */
static int vt__kill_reap(pid_t pid)
{
	int status = -1;

	kill(pid, SIGKILL);
	while (vt__reap(pid, 60000, &status) == 0)
		;
	return status;
}

/*
 * vt__spawn - fork and exec argv[0] with the given descriptors as 0, 1, 2.
 * Returns the pid or -1.
 */
static pid_t vt__spawn(const char *const argv[], int in_fd, int out_fd, int err_fd)
{
	pid_t parent = getpid();
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		vt__warn("could not fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		sigset_t none;

		/* Die with the test process; if it already died, go now. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(127);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* ------------------------------------------------------------- files */

char *vt_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

size_t vt_count_lines(const char *path)
{
	char *text = vt_read_file(path);
	size_t n = 0;

	if (text == NULL)
		return 0;
	for (const char *p = text; *p != '\0'; p++)
		n += *p == '\n';
	free(text);
	return n;
}

int vt_wait_lines(const char *path, size_t n, int timeout_ms)
{
	int64_t deadline = vt_now_ms() + timeout_ms;

	for (;;) {
		if (vt_count_lines(path) >= n)
			return 0;
		if (vt_now_ms() >= deadline)
			return -1;
		vt_sleep_ms(10);
	}
}

static int vt__rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT)
		vt__warn("could not remove '%s': %s", path, strerror(errno));
	return 0;
}

void vt_rm_rf(const char *dir)
{
	nftw(dir, vt__rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int vt_mkdtemp(char *buf, size_t len)
{
	const char *base = getenv("TMPDIR");
	char tmpl[VT_PATH_MAX];

	if (base == NULL || base[0] != '/' || strlen(base) + sizeof "/vt-XXXXXX" > VT_IPC_DIR_MAX)
		base = "/tmp";
	snprintf(tmpl, sizeof tmpl, "%s/vt-XXXXXX", base);
	if (mkdtemp(tmpl) == NULL) {
		vt__warn("could not create a directory '%s': %s", tmpl, strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(buf, len, "%s", tmpl) >= len) {
		vt_rm_rf(tmpl);
		return -1;
	}
	return 0;
}

/* --------------------------------------------------------------- daemon */

/* vt__check_log - copy the log to the test's stderr if the part written
 * since the last check holds a sanitizer report. */
static void vt__check_log(vt_daemon_t *d, size_t *checked)
{
	char *log = vt_daemon_log(d);
	size_t len;

	if (log == NULL)
		return;
	len = strlen(log);
	if (*checked > len)
		*checked = 0;
	for (size_t i = 0; vt__sanitizer_marks[i] != NULL; i++) {
		if (strstr(log + *checked, vt__sanitizer_marks[i]) != NULL) {
			fprintf(stderr,
				"harness: the daemon reported a sanitizer error; its log:\n%s",
				log + *checked);
			fflush(stderr);
			break;
		}
	}
	*checked = len;
	free(log);
}

/* Sanitizer reports already copied, per daemon directory.  Kept out of
 * vt_daemon_t so the struct stays plain data; one entry suffices since a
 * test process runs one test at a time. */
static struct {
	char dir[VT_PATH_MAX];
	size_t checked;
} vt__log_seen;

static void vt__daemon_reaped(vt_daemon_t *d, int status)
{
	d->pid = 0;
	d->exit_status = status;
	if (strcmp(vt__log_seen.dir, d->dir) != 0) {
		snprintf(vt__log_seen.dir, sizeof vt__log_seen.dir, "%s", d->dir);
		vt__log_seen.checked = 0;
	}
	vt__check_log(d, &vt__log_seen.checked);
}

static int vt__daemon_dir(vt_daemon_t *d)
{
	int n;

	if (vt_mkdtemp(d->dir, sizeof d->dir) < 0)
		return -1;
	n = snprintf(d->state_dir, sizeof d->state_dir, "%s/state", d->dir);
	n |= snprintf(d->log_path, sizeof d->log_path, "%s/daemon.log", d->dir);
	if (d->cmd_ep[0] == '\0')
		n |= snprintf(d->cmd_ep, sizeof d->cmd_ep, "ipc://%s/cmd", d->dir);
	if (d->pub_ep[0] == '\0')
		n |= snprintf(d->pub_ep, sizeof d->pub_ep, "ipc://%s/pub", d->dir);
	return n < 0 ? -1 : 0;
}

/* vt__client - a client of d's command endpoint, keyed when d has keys. */
static va_client_t *vt__client(const vt_daemon_t *d, int timeout_ms, int attempts)
{
	va_keys_t keys;
	char err[512];
	int keyed = 0;

	if (d->key[0] != '\0' &&
	    va_keys_setup(&keys, &keyed, d->key, d->server_key, err, sizeof err) < 0) {
		vt__warn("%s", err);
		return NULL;
	}
	return va_client_new_keyed(d->cmd_ep, timeout_ms, attempts, keyed ? &keys : NULL);
}

/* vt__daemon_ready - wait until the daemon answers; 0, or -1 if it died
 * or the time ran out. */
static int vt__daemon_ready(vt_daemon_t *d)
{
	int64_t deadline = vt_now_ms() + VT_READY_TIMEOUT_MS;
	va_client_t *client = vt__client(d, 200, 1);
	int rc = -1;

	if (client == NULL) {
		vt__warn("invalid endpoint '%s'", d->cmd_ep);
		return -1;
	}
	while (vt_now_ms() < deadline) {
		va_request_t req = VETALLIANCE__V1__REQUEST__INIT;
		Vetalliance__V1__PartnerList list = VETALLIANCE__V1__PARTNER_LIST__INIT;
		va_reply_t *reply = NULL;
		int status;

		if (vt__reap(d->pid, 0, &status) != 0) {
			vt__daemon_reaped(d, status);
			vt__warn("the daemon exited with status %d while starting", status);
			goto out;
		}
		req.body_case = VETALLIANCE__V1__REQUEST__BODY_PARTNER_LIST;
		req.partner_list = &list;
		if (va_client_call(client, &req, &reply) == 0) {
			int ok = reply->status == VETALLIANCE__V1__STATUS__STATUS_OK;
			va_reply_free(&reply);
			if (ok) {
				rc = 0;
				goto out;
			}
		}
		vt_sleep_ms(20);
	}
	vt__warn("the daemon did not answer on '%s' within %d ms", d->cmd_ep, VT_READY_TIMEOUT_MS);
out:
	va_client_free(&client);
	return rc;
}

int vt_daemon_restart(vt_daemon_t *d, const char *const *extra_args)
{
	const char *argv[VT_MAX_ARGS];
	size_t argc = 0;
	int in_fd = -1, log_fd = -1;
	int rc = -1;

	if (d->dir[0] == '\0' || d->pid > 0) {
		vt__warn("restart: %s", d->pid > 0 ? "the daemon is running" : "no directory");
		return -1;
	}
	argv[argc++] = VA_DAEMON_PATH;
	argv[argc++] = "--cmd-endpoint";
	argv[argc++] = d->cmd_ep;
	argv[argc++] = "--pub-endpoint";
	argv[argc++] = d->pub_ep;
	argv[argc++] = "--state-dir";
	argv[argc++] = d->state_dir;
	for (size_t i = 0; extra_args != NULL && extra_args[i] != NULL; i++) {
		if (argc + 1 >= VT_MAX_ARGS) {
			vt__warn("too many daemon arguments");
			return -1;
		}
		argv[argc++] = extra_args[i];
	}
	argv[argc] = NULL;

	in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	log_fd = open(d->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (in_fd < 0 || log_fd < 0) {
		vt__warn("could not open '%s': %s", d->log_path, strerror(errno));
		goto out;
	}
	/* A header per run, so the log of a restarted daemon reads clearly. */
	dprintf(log_fd, "--- harness: starting");
	for (size_t i = 0; i < argc; i++)
		dprintf(log_fd, " %s", argv[i]);
	dprintf(log_fd, "\n");

	d->pid = vt__spawn(argv, in_fd, log_fd, log_fd);
	if (d->pid < 0) {
		d->pid = 0;
		goto out;
	}
	if (vt__daemon_ready(d) < 0) {
		char *log;

		if (d->pid > 0)
			vt__daemon_reaped(d, vt__kill_reap(d->pid));
		log = vt_daemon_log(d);
		fprintf(stderr, "harness: daemon log '%s':\n%s", d->log_path, log ? log : "");
		free(log);
		goto out;
	}
	rc = 0;
out:
	if (in_fd >= 0)
		close(in_fd);
	if (log_fd >= 0)
		close(log_fd);
	return rc;
}

int vt_daemon_start(vt_daemon_t *d, const char *const *extra_args)
{
	if (d->dir[0] == '\0' && vt__daemon_dir(d) < 0)
		return -1;
	return vt_daemon_restart(d, extra_args);
}

int vt_daemon_signal_stop(vt_daemon_t *d, int sig)
{
	int status = -1;
	int r;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, sig);
	r = vt__reap(d->pid, VT_STOP_TIMEOUT_MS, &status);
	if (r == 0) {
		vt__warn("the daemon did not stop within %d ms of signal %d: SIGKILL",
			 VT_STOP_TIMEOUT_MS, sig);
		status = vt__kill_reap(d->pid);
	} else if (r < 0) {
		status = -1;
	}
	vt__daemon_reaped(d, status);
	return status;
}

int vt_daemon_stop(vt_daemon_t *d)
{
	return vt_daemon_signal_stop(d, SIGTERM);
}

void vt_daemon_kill(vt_daemon_t *d)
{
	if (d->pid <= 0)
		return;
	vt__daemon_reaped(d, vt__kill_reap(d->pid));
}

int vt_daemon_alive(vt_daemon_t *d)
{
	int status;
	int r;

	if (d->pid <= 0)
		return 0;
	r = vt__reap(d->pid, 0, &status);
	if (r == 0)
		return 1;
	vt__daemon_reaped(d, r > 0 ? status : -1);
	return 0;
}

void vt_daemon_cleanup(vt_daemon_t *d)
{
	vt_daemon_kill(d);
	if (d->dir[0] != '\0')
		vt_rm_rf(d->dir);
	memset(d, 0, sizeof *d);
}

char *vt_daemon_log(const vt_daemon_t *d)
{
	if (d->log_path[0] == '\0')
		return NULL;
	return vt_read_file(d->log_path);
}

int vt_call(const vt_daemon_t *d, va_request_t *req, va_reply_t **reply_p)
{
	va_client_t *client = vt__client(d, 5000, 2);
	int rc;

	*reply_p = NULL;
	if (client == NULL)
		return -VA_INVALID_ARGUMENT;
	rc = va_client_call(client, req, reply_p);
	va_client_free(&client);
	return rc;
}

/* ------------------------------------------------------------ vt_run */

typedef struct vt__buf {
	char *data;
	size_t len;
	size_t cap;
} vt__buf_t;

/* vt__buf_read - read what fd has into b; returns 1 on EOF, 0 otherwise. */
static int vt__buf_read(vt__buf_t *b, int fd)
{
	ssize_t n;

	if (b->cap - b->len < 4097) {
		size_t cap = b->cap ? b->cap * 2 : 8192;
		char *nd = realloc(b->data, cap);
		if (nd == NULL)
			return 1;
		b->data = nd;
		b->cap = cap;
	}
	n = read(fd, b->data + b->len, b->cap - b->len - 1);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (n == 0)
		return 1;
	b->len += (size_t)n;
	return 0;
}

static char *vt__buf_take(vt__buf_t *b)
{
	char *s = b->data;

	if (s == NULL)
		s = calloc(1, 1);
	else
		s[b->len] = '\0';
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

static void vt__forward_sanitizer(const char *const argv[], const char *text)
{
	if (text == NULL)
		return;
	for (size_t i = 0; vt__sanitizer_marks[i] != NULL; i++) {
		if (strstr(text, vt__sanitizer_marks[i]) != NULL) {
			fprintf(stderr, "harness: '%s' reported a sanitizer error:\n%s", argv[0],
				text);
			fflush(stderr);
			return;
		}
	}
}

int vt_run(const char *const argv[], const char *stdin_text, char **out, char **err, int timeout_ms)
{
	int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
	vt__buf_t bo = {0}, be = {0};
	size_t in_len = stdin_text ? strlen(stdin_text) : 0, in_off = 0;
	int64_t deadline = vt_now_ms() + timeout_ms;
	int out_open = 1, err_open = 1;
	int status = -1;
	pid_t pid = -1;
	int r;

	if (out != NULL)
		*out = NULL;
	if (err != NULL)
		*err = NULL;
	/* A child that exits before reading its stdin must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	if (pipe2(in_pipe, O_CLOEXEC) < 0 || pipe2(out_pipe, O_CLOEXEC) < 0 ||
	    pipe2(err_pipe, O_CLOEXEC) < 0) {
		vt__warn("pipe: %s", strerror(errno));
		goto out;
	}
	pid = vt__spawn(argv, in_pipe[0], out_pipe[1], err_pipe[1]);
	close(in_pipe[0]);
	close(out_pipe[1]);
	close(err_pipe[1]);
	in_pipe[0] = out_pipe[1] = err_pipe[1] = -1;
	if (pid < 0)
		goto out;
	fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
	if (in_len == 0) {
		close(in_pipe[1]);
		in_pipe[1] = -1;
	}

	while (out_open || err_open) {
		struct pollfd pfd[3];
		nfds_t n = 0;
		int64_t left = deadline - vt_now_ms();

		if (left <= 0)
			break;
		pfd[n++] = (struct pollfd){.fd = out_open ? out_pipe[0] : -1, .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = err_open ? err_pipe[0] : -1, .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = in_pipe[1], .events = POLLOUT};
		if (poll(pfd, n, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents && vt__buf_read(&bo, out_pipe[0]))
			out_open = 0;
		if (pfd[1].revents && vt__buf_read(&be, err_pipe[0]))
			err_open = 0;
		if (pfd[2].revents) {
			ssize_t w = write(in_pipe[1], stdin_text + in_off, in_len - in_off);
			if (w > 0)
				in_off += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || in_off == in_len) {
				close(in_pipe[1]);
				in_pipe[1] = -1;
			}
		}
	}
	{
		int64_t left = deadline - vt_now_ms();
		r = vt__reap(pid, left > 0 ? (int)left : 0, &status);
	}
	if (r == 0) {
		vt__warn("'%s' still ran after %d ms: killed", argv[0], timeout_ms);
		vt__kill_reap(pid);
		status = -1;
	} else if (r < 0) {
		status = -1;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (in_pipe[i] >= 0)
			close(in_pipe[i]);
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
	}
	{
		char *o = vt__buf_take(&bo);
		char *e = vt__buf_take(&be);

		vt__forward_sanitizer(argv, e);
		if (out != NULL)
			*out = o;
		else
			free(o);
		if (err != NULL)
			*err = e;
		else
			free(e);
	}
	return status;
}

/* ----------------------------------------------------------- vt_proc */

int vt_proc_start(vt_proc_t *p, const char *const argv[], const char *out_path,
		  const char *err_path)
{
	int in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int out_fd =
	    open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int err_fd =
	    open(err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc = -1;

	p->pid = 0;
	p->status = -1;
	if (in_fd < 0 || out_fd < 0 || err_fd < 0) {
		vt__warn("could not open the output files of '%s': %s", argv[0], strerror(errno));
		goto out;
	}
	p->pid = vt__spawn(argv, in_fd, out_fd, err_fd);
	if (p->pid < 0)
		p->pid = 0;
	else
		rc = 0;
out:
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	return rc;
}

int vt_proc_wait(vt_proc_t *p, int timeout_ms)
{
	int status;
	int r;

	if (p->pid <= 0)
		return -1;
	r = vt__reap(p->pid, timeout_ms, &status);
	if (r == 0)
		return -1;
	p->pid = 0;
	p->status = r > 0 ? status : -1;
	return p->status;
}

void vt_proc_kill(vt_proc_t *p)
{
	if (p->pid <= 0)
		return;
	p->status = vt__kill_reap(p->pid);
	p->pid = 0;
}

/* ----------------------------------------------------------- network */

int vt_free_tcp_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int port = -1;

	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

#define VT_MAX_SOCKETS 32

static void *vt__zctx;
static void *vt__socks[VT_MAX_SOCKETS];

void *vt_zmq_socket(int type, const char *endpoint)
{
	int linger = 0;
	size_t slot;
	void *s;

	for (slot = 0; slot < VT_MAX_SOCKETS && vt__socks[slot] != NULL; slot++)
		;
	cr_assert_lt(slot, VT_MAX_SOCKETS, "harness: more than %d sockets", VT_MAX_SOCKETS);
	if (vt__zctx == NULL)
		vt__zctx = zmq_ctx_new();
	cr_assert_not_null(vt__zctx, "harness: zmq_ctx_new: %s", zmq_strerror(zmq_errno()));
	s = zmq_socket(vt__zctx, type);
	cr_assert_not_null(s, "harness: zmq_socket: %s", zmq_strerror(zmq_errno()));
	vt__socks[slot] = s;
	cr_assert_eq(zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger), 0);
	if (endpoint != NULL)
		cr_assert_eq(zmq_connect(s, endpoint), 0, "harness: connect '%s': %s", endpoint,
			     zmq_strerror(zmq_errno()));
	return s;
}

void vt_zmq_close(void *sock)
{
	for (size_t i = 0; i < VT_MAX_SOCKETS; i++) {
		if (vt__socks[i] == sock && sock != NULL) {
			zmq_close(sock);
			vt__socks[i] = NULL;
		}
	}
}

void vt_zmq_cleanup(void)
{
	for (size_t i = 0; i < VT_MAX_SOCKETS; i++) {
		if (vt__socks[i] != NULL)
			zmq_close(vt__socks[i]);
		vt__socks[i] = NULL;
	}
	if (vt__zctx != NULL) {
		while (zmq_ctx_term(vt__zctx) < 0 && zmq_errno() == EINTR)
			;
		vt__zctx = NULL;
	}
}

uint8_t *vt_request_pack(const va_request_t *req, size_t *len)
{
	uint8_t *buf;

	*len = vetalliance__v1__request__get_packed_size(req);
	buf = malloc(*len ? *len : 1);
	if (buf != NULL)
		vetalliance__v1__request__pack(req, buf);
	return buf;
}

va_reply_t *vt_zmq_recv_reply(void *sock, int timeout_ms, size_t *nframes)
{
	zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
	int64_t deadline = vt_now_ms() + timeout_ms;
	va_reply_t *reply = NULL;
	zmq_msg_t msg;
	size_t n = 0;
	int more = 1;

	if (nframes != NULL)
		*nframes = 0;
	for (;;) {
		int64_t left = deadline - vt_now_ms();
		int r;

		if (left < 0)
			left = 0;
		r = zmq_poll(&item, 1, (long)left);
		if (r > 0)
			break;
		if (r < 0 && zmq_errno() == EINTR)
			continue;
		return NULL;
	}
	zmq_msg_init(&msg);
	while (more) {
		/* The frames of a message arrive together: no wait after the
		 * first. */
		if (zmq_msg_recv(&msg, sock, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
			zmq_msg_close(&msg);
			return NULL;
		}
		n++;
		more = zmq_msg_more(&msg);
	}
	if (nframes != NULL)
		*nframes = n;
	reply = vetalliance__v1__reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
	zmq_msg_close(&msg);
	return reply;
}

int vt_vetctl(const vt_daemon_t *d, const char *const *args, char **out, char **err)
{
	const char *argv[48];
	size_t n = 0;

	argv[n++] = VA_VETCTL_PATH;
	argv[n++] = "--endpoint";
	argv[n++] = d->cmd_ep;
	if (d->key[0] != '\0') {
		argv[n++] = "--key";
		argv[n++] = d->key;
		argv[n++] = "--server-key";
		argv[n++] = d->server_key;
	}
	for (size_t i = 0; args[i] != NULL; i++) {
		if (n + 1 >= sizeof argv / sizeof argv[0]) {
			fprintf(stderr, "harness: too many vetctl arguments\n");
			return -1;
		}
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	return vt_run(argv, NULL, out, err, 20000);
}

/* Sessions. */
char *vt_vetctl_out(const vt_daemon_t *d, const char *const *args)
{
	char *out = NULL, *err = NULL;
	int rc = vt_vetctl(d, args, &out, &err);

	cr_assert_eq(rc, 0, "vetctl %s %s: exit %d: %s", args[0], args[1] ? args[1] : "", rc,
		     err ? err : "");
	free(err);
	return out;
}
