/*
 * client.c - va_client_t: one DEALER socket to the daemon's command
 * endpoint, with retries that are safe to repeat.
 *
 * A call is the Lazy Pirate pattern of the ZeroMQ Guide on a DEALER:
 *
 *   pack Request once -> send -> poll up to timeout_ms -> reply? done
 *                          ^                              | no
 *                          +---- attempts left: resend ---+
 *
 * Every attempt sends the same bytes, hence the same request_id, so the
 * daemon applies the command at most once and answers a repeat with the
 * original reply.  Because a DEALER keeps no request/reply lockstep, the
 * socket survives a timeout; the price is that a late reply to an earlier
 * call may still arrive.  Such stale replies are recognised by their
 * request_id and dropped, as are frames that do not decode as a Reply.
 *
 * The daemon echoes whatever envelope frames precede the payload; a DEALER
 * adds none, so a call sends one frame and expects one.  A reply with more
 * frames is read whole and its last frame taken as the payload, which
 * tolerates an empty delimiter.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include <vetalliance/client.h>

struct va_client {
	void *ctx;
	void *sock;
	int timeout_ms;
	int attempts;
	char request_id[VA_REQUEST_ID_MAX + 1]; /* a generated id, see va_client_call */
};

/* now_ms - monotonic milliseconds, for deadlines. */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* random_bytes - fill buf from the kernel's CSPRNG.  Returns 0 or -1. */
static int random_bytes(unsigned char *buf, size_t len)
{
	size_t got = 0;
	int fd = -1;
	int rc = -1;

	while (got < len) {
		ssize_t n = getrandom(buf + got, len - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		got += (size_t)n;
	}
	if (got == len)
		return 0;

	/* getrandom(2) missing (ENOSYS under an old kernel or a seccomp
	 * filter): fall back to the device. */
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto out;
	got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

char *va_request_id_new(char buf[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[16];

	if (random_bytes(raw, sizeof raw) < 0) {
		/* No randomness at all: still unique enough per process and
		 * call, which is all the daemon's dedup table needs. */
		static unsigned counter;
		struct timespec ts;
		uint64_t a, b;

		clock_gettime(CLOCK_REALTIME, &ts);
		a = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		b = ((uint64_t)getpid() << 32) | counter++;
		memcpy(raw, &a, 8);
		memcpy(raw + 8, &b, 8);
	}
	for (size_t i = 0; i < sizeof raw; i++) {
		buf[2 * i] = hex[raw[i] >> 4];
		buf[2 * i + 1] = hex[raw[i] & 0x0f];
	}
	buf[32] = '\0';
	return buf;
}

va_client_t *va_client_new(const char *endpoint, int timeout_ms, int attempts)
{
	return va_client_new_keyed(endpoint, timeout_ms, attempts, NULL);
}

va_client_t *va_client_new_keyed(const char *endpoint, int timeout_ms, int attempts,
				 const va_keys_t *keys)
{
	va_client_t *self = NULL;
	int linger = 0;

	assert(timeout_ms > 0);
	assert(attempts >= 1);
	if (endpoint == NULL)
		endpoint = VA_DEFAULT_CMD_ENDPOINT;

	self = calloc(1, sizeof *self);
	if (self == NULL)
		goto fail;
	self->timeout_ms = timeout_ms;
	self->attempts = attempts;
	self->ctx = zmq_ctx_new();
	if (self->ctx == NULL)
		goto fail;
	self->sock = zmq_socket(self->ctx, ZMQ_DEALER);
	if (self->sock == NULL)
		goto fail;
	/* Unsent retries to a dead daemon must not hold up close. */
	if (zmq_setsockopt(self->sock, ZMQ_LINGER, &linger, sizeof linger) < 0)
		goto fail;
	/* A full pipe must not block a call beyond one attempt. */
	if (zmq_setsockopt(self->sock, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms) < 0)
		goto fail;
	if (keys != NULL && va_keys_apply(keys, self->sock) < 0)
		goto fail;
	if (zmq_connect(self->sock, endpoint) < 0)
		goto fail;
	return self;
fail:
	va_client_free(&self);
	return NULL;
}

void va_client_free(va_client_t **self_p)
{
	va_client_t *self;
	int linger = 0;

	if (self_p == NULL || *self_p == NULL)
		return;
	self = *self_p;
	if (self->sock != NULL) {
		zmq_setsockopt(self->sock, ZMQ_LINGER, &linger, sizeof linger);
		zmq_close(self->sock);
	}
	if (self->ctx != NULL) {
		while (zmq_ctx_term(self->ctx) < 0 && zmq_errno() == EINTR)
			;
	}
	free(self);
	*self_p = NULL;
}

void va_reply_free(va_reply_t **reply_p)
{
	if (reply_p == NULL || *reply_p == NULL)
		return;
	vetalliance__v1__reply__free_unpacked(*reply_p, NULL);
	*reply_p = NULL;
}

/*
 * recv_reply - read one whole message (all its frames) without waiting and
 * decode its last frame.  Sets *reply_p to the decoded reply, or NULL if
 * the message is not a Reply.  Returns 0, -EAGAIN when nothing is queued,
 * or -VA_INTERNAL.
 */
static int recv_reply(void *sock, va_reply_t **reply_p)
{
	zmq_msg_t msg;
	int more = 0;
	size_t more_len = sizeof more;
	int rc = 0;

	*reply_p = NULL;
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
		rc = zmq_errno() == EAGAIN ? -EAGAIN : -VA_INTERNAL;
		goto out;
	}
	for (;;) {
		if (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &more_len) < 0) {
			rc = -VA_INTERNAL;
			goto out;
		}
		if (!more)
			break;
		/* The rest of a multipart message is already queued. */
		if (zmq_msg_recv(&msg, sock, 0) < 0) {
			rc = -VA_INTERNAL;
			goto out;
		}
	}
	*reply_p = vetalliance__v1__reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
out:
	zmq_msg_close(&msg);
	return rc;
}

/*
 * await_reply - wait until `deadline` for the reply carrying `request_id`,
 * dropping any other message.  Returns 0 and sets *reply_p, -EAGAIN when
 * the deadline passed, or -VA_INTERNAL.
 */
static int await_reply(va_client_t *self, const char *request_id, int64_t deadline,
		       va_reply_t **reply_p)
{
	zmq_pollitem_t item = {.socket = self->sock, .events = ZMQ_POLLIN};

	for (;;) {
		va_reply_t *reply = NULL;
		int64_t left = deadline - now_ms();
		int rc;

		/* Drain first: a reply may already be queued. */
		rc = recv_reply(self->sock, &reply);
		if (rc == 0) {
			if (reply != NULL && reply->request_id != NULL &&
			    strcmp(reply->request_id, request_id) == 0) {
				*reply_p = reply;
				return 0;
			}
			va_reply_free(&reply); /* stale or undecodable */
			continue;
		}
		if (rc != -EAGAIN)
			return rc;
		if (left <= 0)
			return -EAGAIN;
		if (zmq_poll(&item, 1, (long)left) < 0 && zmq_errno() != EINTR)
			return -VA_INTERNAL;
	}
}

int va_client_call(va_client_t *self, va_request_t *req, va_reply_t **reply_p)
{
	uint8_t *buf = NULL;
	size_t len;
	int rc = -VA_DEADLINE_EXCEEDED;

	assert(self != NULL);
	assert(req != NULL);
	assert(reply_p != NULL);
	*reply_p = NULL;

	/* An id generated by the previous call dies with it (see client.h). */
	if (req->request_id == NULL || req->request_id[0] == '\0' ||
	    req->request_id == self->request_id) {
		va_request_id_new(self->request_id);
		req->request_id = self->request_id;
	}
	if (strlen(req->request_id) > VA_REQUEST_ID_MAX) {
		rc = -VA_INVALID_ARGUMENT;
		goto out;
	}
	if (!protobuf_c_message_check(&req->base)) {
		rc = -VA_INVALID_ARGUMENT;
		goto out;
	}
	len = vetalliance__v1__request__get_packed_size(req);
	buf = malloc(len ? len : 1);
	if (buf == NULL) {
		rc = -VA_INTERNAL;
		goto out;
	}
	vetalliance__v1__request__pack(req, buf);

	for (int attempt = 0; attempt < self->attempts; attempt++) {
		int64_t deadline = now_ms() + self->timeout_ms;
		int r;

		/* SNDTIMEO bounds this; a full pipe just uses up the attempt. */
		while ((r = zmq_send(self->sock, buf, len, 0)) < 0 && zmq_errno() == EINTR)
			;
		if (r < 0) {
			if (zmq_errno() == EAGAIN)
				continue;
			rc = -VA_INTERNAL;
			goto out;
		}
		r = await_reply(self, req->request_id, deadline, reply_p);
		if (r == 0) {
			rc = 0;
			goto out;
		}
		if (r != -EAGAIN) {
			rc = r;
			goto out;
		}
	}
	rc = -VA_DEADLINE_EXCEEDED;
out:
	free(buf);
	return rc;
}

int va_event_type(const va_event_t *ev, char *buf, size_t len)
{
	const ProtobufCFieldDescriptor *field;
	size_t n;
	char *us;

	if (ev == NULL || buf == NULL)
		return -VA_INVALID_ARGUMENT;
	if (ev->payload_case == VETALLIANCE__V1__EVENT__PAYLOAD__NOT_SET)
		return -VA_INVALID_ARGUMENT;
	field = protobuf_c_message_descriptor_get_field(ev->base.descriptor,
							(unsigned)ev->payload_case);
	if (field == NULL)
		return -VA_INVALID_ARGUMENT;
	n = strlen(field->name);
	if (n + 1 > len)
		return -VA_INVALID_ARGUMENT;
	memcpy(buf, field->name, n + 1);
	us = strchr(buf, '_');
	if (us != NULL)
		*us = '.';
	return 0;
}
