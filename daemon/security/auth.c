/*
 * auth - see auth.h.
 *
 * zauth guards only sockets of czmq's own context: the daemon's sockets
 * are all made with zsock_new, and the ZAP handler zauth binds
 * (inproc://zeromq.zap.01) lives in the same context.  A reload starts a
 * new zauth actor with a certificate store holding exactly the new keys
 * after stopping the old one; in between, handshakes fail (ZAP
 * enforcement), they do not pass.
 */
#include <arpa/inet.h>
#include <czmq.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <vetalliance/error.h>

#include "security/auth.h"
#include "log.h"
#include "ops/sockmon.h"

/* libzmq 4.3.4 takes it; Debian's zmq.h keeps the name among the drafts. */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

#define AUTH_PEERS 64 /* connections remembered per socket, newest win */

struct auth_peers {
	char what[32];
	struct {
		int fd;
		char addr[64];
	} v[AUTH_PEERS];
	size_t next;
	uint16_t failed_event; /* a handshake failed; its DISCONNECTED comes next */
	uint32_t failed_value;
};

struct auth {
	uv_loop_t *loop;
	int curve;
	char *principals_path;
	principals_t *principals;
	zcert_t *server_cert;
	zactor_t *zauth;
	principal_t local; /* plain mode: every peer */
	sockmon_t mon;     /* the PUB's failed handshakes */
	auth_peers_t *pub_peers;
};

/* Plain mode is only for endpoints nobody else can reach. */
static int auth__endpoint_local(const char *ep)
{
	static const char *const local[] = {"ipc://",           "inproc://",    "tcp://127.",
					    "tcp://localhost:", "tcp://[::1]:", NULL};
	for (size_t i = 0; local[i] != NULL; i++)
		if (strncmp(ep, local[i], strlen(local[i])) == 0)
			return 1;
	return 0;
}

/* A zauth actor admitting exactly the principals' keys. */
static zactor_t *auth__zauth(const principals_t *pr)
{
	zcertstore_t *store = zcertstore_new(NULL);
	zactor_t *actor;

	if (store == NULL)
		return NULL;
	for (size_t i = 0; i < principals_count(pr); i++) {
		uint8_t pub[32], secret[32] = {0};
		zcert_t *cert;
		zmq_z85_decode(pub, principals_at(pr, i)->key);
		cert = zcert_new_from(pub, secret);
		if (cert == NULL) {
			zcertstore_destroy(&store);
			return NULL;
		}
		zcertstore_insert(store, &cert);
	}
	/* The actor owns the store from here on. */
	actor = zactor_new(zauth, store);
	if (actor == NULL)
		zcertstore_destroy(&store);
	return actor;
}

static zcert_t *auth__server_cert(const char *path, char *err, size_t errlen)
{
	static const char zero[] = "0000000000000000000000000000000000000000";
	zcert_t *cert;

	/* zcert_load tries "<path>_secret" first, then path itself. */
	cert = zcert_load(path);
	if (cert == NULL) {
		snprintf(err, errlen, "security/server_key: could not load the certificate '%s'",
			 path);
		return NULL;
	}
	if (strcmp(zcert_secret_txt(cert), zero) == 0) {
		snprintf(err, errlen,
			 "security/server_key: '%s' holds no secret key (give the '_secret' file "
			 "that `vetctl keygen` writes)",
			 path);
		zcert_destroy(&cert);
		return NULL;
	}
	return cert;
}

auth_t *auth_new(uv_loop_t *loop, const auth_options_t *opt, char *err, size_t errlen)
{
	auth_t *self = calloc(1, sizeof *self);

	if (self == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	self->loop = loop;
	snprintf(self->local.name, sizeof self->local.name, "local");
	self->local.role = ROLE_ADMIN;
	self->curve = opt->server_key != NULL || opt->principals != NULL || opt->require_keys;
	if (!self->curve) {
		if (!auth__endpoint_local(opt->cmd_endpoint) ||
		    !auth__endpoint_local(opt->pub_endpoint)) {
			snprintf(err, errlen,
				 "refusing to listen on '%s' and '%s' without keys: plain mode is "
				 "for loopback, ipc:// and inproc:// endpoints only; set "
				 "security/server_key and security/principals (docs/SECURITY.md)",
				 opt->cmd_endpoint, opt->pub_endpoint);
			goto fail;
		}
		log_warn("PLAIN MODE: no authentication and no encryption; every client on this "
			 "host acts as the administrator 'local' (loopback endpoints only)");
		return self;
	}
	if (opt->server_key == NULL || opt->principals == NULL) {
		snprintf(err, errlen,
			 "CURVE needs both security/server_key (the daemon's secret certificate) "
			 "and security/principals (who may connect); %s is not set",
			 opt->server_key == NULL ? "security/server_key" : "security/principals");
		goto fail;
	}
	self->server_cert = auth__server_cert(opt->server_key, err, errlen);
	if (self->server_cert == NULL)
		goto fail;
	self->principals_path = strdup(opt->principals);
	self->principals = principals_load(opt->principals, err, errlen);
	if (self->principals_path == NULL || self->principals == NULL)
		goto fail;
	self->zauth = auth__zauth(self->principals);
	if (self->zauth == NULL) {
		snprintf(err, errlen, "could not start the ZAP handler (zauth)");
		goto fail;
	}
	log_notice("CURVE: server key %s, %zu principal(s) from '%s'",
		   zcert_public_txt(self->server_cert), principals_count(self->principals),
		   opt->principals);
	return self;
fail:
	auth_free(&self);
	return NULL;
}

void auth_free(auth_t **self_p)
{
	auth_t *self;

	if (self_p == NULL || *self_p == NULL)
		return;
	self = *self_p;
	sockmon_release(&self->mon);
	auth_peers_free(&self->pub_peers);
	zactor_destroy(&self->zauth);
	zcert_destroy(&self->server_cert);
	principals_free(&self->principals);
	free(self->principals_path);
	free(self);
	*self_p = NULL;
}

int auth_curve(const auth_t *self)
{
	return self->curve;
}

int auth_secure(auth_t *self, void *sock, char *err, size_t errlen)
{
	int one = 1;

	if (!self->curve)
		return 0;
	zsock_set_zap_domain(sock, AUTH_ZAP_DOMAIN);
	if (zmq_setsockopt(zsock_resolve(sock), ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one) < 0) {
		snprintf(err, errlen, "could not enforce the ZAP domain: %s",
			 zmq_strerror(zmq_errno()));
		return -VA_INTERNAL;
	}
	zcert_apply(self->server_cert, sock);
	zsock_set_curve_server(sock, 1);
	return 0;
}

const principal_t *auth_principal(const auth_t *self, zmq_msg_t *frame)
{
	if (!self->curve)
		return &self->local;
	return principals_find(self->principals, zmq_msg_gets(frame, "User-Id"));
}

int auth_reload(auth_t *self, size_t *count, size_t *removed, char *err, size_t errlen)
{
	principals_t *next;
	zactor_t *actor;

	if (!self->curve) {
		snprintf(err, errlen, "plain mode: there is no principals file to reload");
		return -VA_FAILED_PRECONDITION;
	}
	next = principals_load(self->principals_path, err, errlen);
	if (next == NULL)
		return -VA_INVALID_ARGUMENT;
	/* Stop the old handler before the new one binds the ZAP endpoint. */
	zactor_destroy(&self->zauth);
	actor = auth__zauth(next);
	if (actor == NULL) {
		/* Without a handler every handshake fails (ZAP enforcement):
		 * closed, not open.  Try to restore the old one. */
		self->zauth = auth__zauth(self->principals);
		principals_free(&next);
		snprintf(err, errlen, "could not start the ZAP handler (zauth)");
		return -VA_INTERNAL;
	}
	self->zauth = actor;
	*removed = principals_removed(self->principals, next);
	*count = principals_count(next);
	principals_free(&self->principals);
	self->principals = next;
	log_notice("reloaded the principals from '%s': %zu principal(s), %zu key(s) removed",
		   self->principals_path, *count, *removed);
	return 0;
}

/* ----------------------------------------------------------- monitor */

auth_peers_t *auth_peers_new(const char *what)
{
	auth_peers_t *self = calloc(1, sizeof *self);

	if (self == NULL)
		return NULL;
	snprintf(self->what, sizeof self->what, "%s", what);
	for (size_t i = 0; i < AUTH_PEERS; i++)
		self->v[i].fd = -1;
	return self;
}

void auth_peers_free(auth_peers_t **self_p)
{
	if (self_p == NULL || *self_p == NULL)
		return;
	free(*self_p);
	*self_p = NULL;
}

static const char *auth__peer(auth_peers_t *self, int fd)
{
	for (size_t k = 0; k < AUTH_PEERS; k++) {
		size_t i = (self->next + AUTH_PEERS - 1 - k) % AUTH_PEERS;
		if (self->v[i].fd == fd)
			return self->v[i].addr;
	}
	return "an unknown address";
}

static void auth__remember(auth_peers_t *self, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	self->v[self->next].fd = fd;
	snprintf(self->v[self->next].addr, sizeof self->v[self->next].addr, "an unknown address");
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
			port = ntohs(in->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
			port = ntohs(in6->sin6_port);
		} else {
			snprintf(host, sizeof host, "a local socket");
		}
		if (port > 0)
			snprintf(self->v[self->next].addr, sizeof self->v[self->next].addr,
				 "%s port %d", host, port);
		else
			snprintf(self->v[self->next].addr, sizeof self->v[self->next].addr, "%s",
				 host);
	}
	self->next = (self->next + 1) % AUTH_PEERS;
}

static const char *auth__failure(uint16_t event, uint32_t value, char *buf, size_t len)
{
	if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
		snprintf(buf, len, "the key is not among the principals (ZAP status %u)", value);
	else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
		snprintf(buf, len,
			 "security handshake error 0x%x (a client without CURVE keys, or with "
			 "the wrong server key?)",
			 value);
	else
		snprintf(buf, len, "handshake error: %s", zmq_strerror((int)value));
	return buf;
}

void auth_monitor_event(auth_peers_t *self, uint16_t event, uint32_t value, const char *endpoint)
{
	char why[160];

	if (self == NULL)
		return;
	switch (event) {
	case ZMQ_EVENT_ACCEPTED:
		auth__remember(self, (int)value);
		break;
	case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
	case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
	case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
		self->failed_event = event;
		self->failed_value = value;
		break;
	case ZMQ_EVENT_DISCONNECTED:
		if (self->failed_event != 0)
			log_warn(
			    "refused a connection to the %s endpoint '%s' from %s: %s", self->what,
			    endpoint, auth__peer(self, (int)value),
			    auth__failure(self->failed_event, self->failed_value, why, sizeof why));
		self->failed_event = 0;
		for (size_t i = 0; i < AUTH_PEERS; i++)
			if (self->v[i].fd == (int)value)
				self->v[i].fd = -1;
		break;
	default:
		break;
	}
}

static void auth__on_event(void *arg, uint16_t event, uint32_t value, const char *endpoint)
{
	auth_t *self = arg;

	auth_monitor_event(self->pub_peers, event, value, endpoint);
}

int auth_watch_pub(auth_t *self, void *pub)
{
	if (!self->curve)
		return -VA_FAILED_PRECONDITION;
	self->pub_peers = auth_peers_new("event");
	if (self->pub_peers == NULL ||
	    sockmon_start(&self->mon, self->loop, pub, AUTH_MONITOR_EVENTS, auth__on_event, self) <
		0) {
		log_warn("could not monitor the event socket; its failed handshakes go unlogged");
		return -VA_INTERNAL;
	}
	return 0;
}

int auth_unwatch(auth_t *self, void (*done)(void *arg), void *arg)
{
	return sockmon_stop(&self->mon, done, arg);
}
