/*
 * auth - authentication: who is at the other end of a message.
 *
 * Two modes, chosen at start:
 *
 *   CURVE   a server certificate (security/server_key) and a principals
 *           file (security/principals, principals.h) are configured, or
 *           security/require_keys is set.  Both sockets are CURVE servers
 *           in czmq's context with the ZAP domain "vetalliance" and ZAP
 *           enforcement on (so no ZAP handler means no connection, never
 *           "allow"), and a zauth actor admits exactly the principals'
 *           keys.  Each message's User-Id property (the client's Z85
 *           public key, set by the handshake) is looked up in the current
 *           principals: per message, so a key removed by a reload is
 *           refused on a connection it opened before.
 *   plain   neither is configured: no authentication, every peer is the
 *           administrator "local".  Only when both endpoints are loopback
 *           or ipc:// / inproc://; otherwise the daemon refuses to start.
 *
 * Failed handshakes are silent in libzmq; a socket monitor reports them
 * and auth logs each with the peer's address (read with getpeername when
 * the connection was accepted).
 */
#ifndef VA_AUTH_H
#define VA_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>
#include <zmq.h>

#include "security/principals.h"

#define AUTH_ZAP_DOMAIN "vetalliance"

typedef struct auth auth_t;

typedef struct auth_options {
	const char *cmd_endpoint;
	const char *pub_endpoint;
	const char *server_key; /* the daemon's secret certificate (zcert), or NULL */
	const char *principals; /* the principals file, or NULL */
	int require_keys;       /* CURVE even on loopback */
} auth_options_t;

/*
 * auth_new - choose the mode and, for CURVE, load the certificate and the
 * principals and start zauth.  Returns NULL with a message in err when the
 * configuration does not allow a start (exit 78).
 */
auth_t *auth_new(uv_loop_t *loop, const auth_options_t *opt, char *err, size_t errlen);

/* auth_free - stop zauth and the PUB monitor (after auth_close, once the
 * loop ran out); sets *self_p to NULL. */
void auth_free(auth_t **self_p);

/* auth_curve - 1 in CURVE mode, 0 in plain mode. */
int auth_curve(const auth_t *self);

/*
 * auth_secure - make a socket (created by zsock_new, before its bind) a
 * CURVE server under the ZAP domain.  Nothing in plain mode.  Returns 0 or
 * -VA_INTERNAL with a message.
 */
int auth_secure(auth_t *self, void *sock, char *err, size_t errlen);

/*
 * auth_principal - who sent the message whose payload frame is `frame`:
 * the principal of its User-Id, "local" in plain mode, or NULL (a key no
 * longer among the principals).  The pointer is valid until the next
 * reload.
 */
const principal_t *auth_principal(const auth_t *self, zmq_msg_t *frame);

/*
 * auth_reload - read the principals file again.  On success the new table
 * replaces the old, zauth admits exactly its keys, *removed says how many
 * keys went away, and 0 is returned.  On failure the running table stays
 * and -1 comes with a message.  In plain mode: -1, nothing to reload.
 */
int auth_reload(auth_t *self, size_t *count, size_t *removed, char *err, size_t errlen);

/* auth_watch_pub - log the failed handshakes of the event socket (a
 * monitor read through the loop).  Returns 0, -VA_FAILED_PRECONDITION in
 * plain mode, or -VA_INTERNAL. */
int auth_watch_pub(auth_t *self, void *pub);

/* auth_unwatch - close the monitor's loop handle; done(arg) runs once it
 * is closed (at once if not watching).  Returns 1 if later, 0 if now. */
int auth_unwatch(auth_t *self, void (*done)(void *arg), void *arg);

/* What a socket monitor reports, for auth_monitor_event. */
#define AUTH_MONITOR_EVENTS                                                                        \
	(ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |      \
	 ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

typedef struct auth_peers auth_peers_t;

/* auth_peers_new - the peer addresses of one socket's connections, for
 * the log lines of failed handshakes.  `what` names the socket. */
auth_peers_t *auth_peers_new(const char *what);
void auth_peers_free(auth_peers_t **self_p);

/*
 * auth_monitor_event - feed one socket monitor event (event, value, the
 * endpoint frame).  ACCEPTED records the peer's address by its fd; a
 * failed handshake is logged at the DISCONNECTED of its connection, which
 * libzmq reports right after it, with that address.
 */
void auth_monitor_event(auth_peers_t *peers, uint16_t event, uint32_t value, const char *endpoint);

#endif
