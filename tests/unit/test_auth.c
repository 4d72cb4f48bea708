/*
 * test_auth.c - daemon/security/auth.c: plain mode makes every peer the
 * local administrator and only on local endpoints; CURVE mode admits the
 * principals' keys and no other, names the principal of each message,
 * and after a reload refuses a removed key even on a connection it opened
 * before.
 */
#include <criterion/criterion.h>

#include <vetalliance/error.h>

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "harness.h"
#include "security/auth.h"

typedef struct harness {
	char dir[256];
	uv_loop_t loop;
	auth_t *auth;
	zsock_t *router;
	zsock_t *clients[2];
	zcert_t *server, *cecoa, *stranger;
	char endpoint[320];
	char principals[320];
	char server_secret[320];
} harness_t;

static harness_t H;

static void setup(void)
{
	memset(&H, 0, sizeof H);
	cr_assert_eq(vt_mkdtemp(H.dir, sizeof H.dir), 0);
	cr_assert_eq(uv_loop_init(&H.loop), 0);
}

static void teardown(void)
{
	for (int i = 0; i < 2; i++)
		zsock_destroy(&H.clients[i]);
	zsock_destroy(&H.router);
	auth_free(&H.auth);
	zcert_destroy(&H.server);
	zcert_destroy(&H.cecoa);
	zcert_destroy(&H.stranger);
	uv_run(&H.loop, UV_RUN_NOWAIT);
	uv_loop_close(&H.loop);
	vt_rm_rf(H.dir);
}

TestSuite(auth, .init = setup, .fini = teardown, .timeout = 30);

Test(auth, plain_mode_makes_every_peer_the_local_administrator)
{
	auth_options_t opt = {.cmd_endpoint = "ipc:///tmp/x",
			      .pub_endpoint = "tcp://127.0.0.1:7701"};
	const principal_t *p;
	zmq_msg_t m;
	char err[512] = "";
	size_t count, removed;

	H.auth = auth_new(&H.loop, &opt, err, sizeof err);
	cr_assert_not_null(H.auth, "%s", err);
	cr_assert_eq(auth_curve(H.auth), 0);
	zmq_msg_init_size(&m, 2);
	memcpy(zmq_msg_data(&m), "hi", 2);
	p = auth_principal(H.auth, &m);
	cr_assert_not_null(p);
	cr_assert_str_eq(p->name, "local");
	cr_assert_eq(p->role, ROLE_ADMIN);
	zmq_msg_close(&m);
	cr_assert_eq(auth_reload(H.auth, &count, &removed, err, sizeof err),
		     -VA_FAILED_PRECONDITION, "plain mode reloaded principals");
	cr_assert_neq(err[0], '\0', "no word on why the reload was refused");
}

Test(auth, plain_mode_is_for_local_endpoints_only)
{
	auth_options_t opt = {.cmd_endpoint = "tcp://0.0.0.0:7700",
			      .pub_endpoint = "tcp://127.0.0.1:7701"};
	char err[512] = "";

	H.auth = auth_new(&H.loop, &opt, err, sizeof err);
	cr_assert_null(H.auth, "plain mode started on a public endpoint");
	cr_assert(strstr(err, "0.0.0.0") != NULL, "the refusal does not name the endpoint: %s",
		  err);
}

/* The principals file: cecoa (a centre of IEFP) when `with_cecoa`. */
static void write_principals(int with_cecoa)
{
	FILE *f = fopen(H.principals, "w");

	cr_assert_not_null(f);
	fprintf(f, "admin\n    key = \"%s\"\n    role = admin\n", zcert_public_txt(H.server));
	if (with_cecoa)
		fprintf(f,
			"cecoa\n    key = \"%s\"\n    role = centre\n    institution = \"CECOA\"\n",
			zcert_public_txt(H.cecoa));
	cr_assert_eq(fclose(f), 0);
}

static zsock_t *client(zcert_t *cert)
{
	zsock_t *s = zsock_new(ZMQ_DEALER);

	cr_assert_not_null(s);
	zsock_set_linger(s, 0);
	zcert_apply(cert, s);
	zsock_set_curve_serverkey(s, zcert_public_txt(H.server));
	cr_assert_eq(zsock_connect(s, "%s", H.endpoint), 0);
	return s;
}

/* The next message on the ROUTER within ms: its principal (NULL when the
 * key is not among them), or *got 0 when nothing came. */
static const principal_t *next_principal(int ms, int *got)
{
	zmq_msg_t id, payload;
	const principal_t *p = NULL;
	void *r = zsock_resolve(H.router);
	zmq_pollitem_t item = {.socket = r, .events = ZMQ_POLLIN};

	*got = 0;
	if (zmq_poll(&item, 1, ms) <= 0)
		return NULL;
	zmq_msg_init(&id);
	zmq_msg_init(&payload);
	cr_assert_geq(zmq_msg_recv(&id, r, 0), 0);
	cr_assert_geq(zmq_msg_recv(&payload, r, 0), 0);
	*got = 1;
	p = auth_principal(H.auth, &payload);
	zmq_msg_close(&id);
	zmq_msg_close(&payload);
	return p;
}

Test(auth, curve_admits_the_principals_and_names_them_and_a_reload_removes_one)
{
	auth_options_t opt = {0};
	const principal_t *p;
	char err[512] = "";
	size_t count = 0, removed = 0;
	int got;

	H.server = zcert_new();
	H.cecoa = zcert_new();
	H.stranger = zcert_new();
	snprintf(H.server_secret, sizeof H.server_secret, "%s/server.key", H.dir);
	cr_assert_eq(zcert_save(H.server, H.server_secret), 0);
	snprintf(H.server_secret, sizeof H.server_secret, "%s/server.key_secret", H.dir);
	snprintf(H.principals, sizeof H.principals, "%s/principals", H.dir);
	snprintf(H.endpoint, sizeof H.endpoint, "ipc://%s/cmd", H.dir);
	write_principals(1);
	opt.cmd_endpoint = H.endpoint;
	opt.pub_endpoint = "ipc:///tmp/unused";
	opt.server_key = H.server_secret;
	opt.principals = H.principals;
	H.auth = auth_new(&H.loop, &opt, err, sizeof err);
	cr_assert_not_null(H.auth, "%s", err);
	cr_assert_eq(auth_curve(H.auth), 1);
	H.router = zsock_new(ZMQ_ROUTER);
	cr_assert_not_null(H.router);
	zsock_set_linger(H.router, 0);
	cr_assert_eq(auth_secure(H.auth, zsock_resolve(H.router), err, sizeof err), 0, "%s", err);
	cr_assert_eq(zsock_bind(H.router, "%s", H.endpoint), 0);

	/* A principal's key: admitted, and named. */
	H.clients[0] = client(H.cecoa);
	cr_assert_eq(zstr_send(H.clients[0], "hello"), 0);
	p = next_principal(5000, &got);
	cr_assert(got, "the principal's message did not arrive");
	cr_assert_not_null(p, "a principal's key was not recognised");
	cr_assert_str_eq(p->name, "cecoa");
	cr_assert_eq(p->role, ROLE_CENTRE);
	cr_assert_str_eq(p->institution, "CECOA");

	/* A stranger's key: the handshake is refused, nothing arrives. */
	H.clients[1] = client(H.stranger);
	zstr_send(H.clients[1], "let me in");
	p = next_principal(500, &got);
	cr_assert_not(got, "a stranger's message reached the ROUTER");

	/* Removed by a reload: refused on the connection it already has. */
	write_principals(0);
	cr_assert_eq(auth_reload(H.auth, &count, &removed, err, sizeof err), 0, "%s", err);
	cr_assert_eq(count, 1);
	cr_assert_eq(removed, 1);
	cr_assert_eq(zstr_send(H.clients[0], "again"), 0);
	p = next_principal(5000, &got);
	cr_assert(got, "the old connection's message did not arrive");
	cr_assert_null(p, "a removed key still has a principal");
}
