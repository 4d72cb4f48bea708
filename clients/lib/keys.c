/*
 * keys.c - the CURVE keys of a client: certificate files (czmq zcert, as
 * `vetctl keygen` writes them) in, socket options out.
 */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vetalliance/client.h>

static const char zero_key[] = "0000000000000000000000000000000000000000";

/* One certificate: its public key, and its secret one if `secret`. */
static int keys__load(const char *path, int secret, char *public_key, char *secret_key, char *err,
		      size_t errlen)
{
	zcert_t *cert = zcert_load(path);

	if (cert == NULL) {
		snprintf(err, errlen, "could not load the certificate '%s'", path);
		return -VA_INVALID_ARGUMENT;
	}
	if (secret && strcmp(zcert_secret_txt(cert), zero_key) == 0) {
		snprintf(err, errlen,
			 "'%s' holds no secret key: give the '_secret' file `vetctl keygen` wrote",
			 path);
		zcert_destroy(&cert);
		return -VA_INVALID_ARGUMENT;
	}
	memcpy(public_key, zcert_public_txt(cert), 41);
	if (secret)
		memcpy(secret_key, zcert_secret_txt(cert), 41);
	zcert_destroy(&cert);
	return 0;
}

int va_keys_setup(va_keys_t *keys, int *enabled, const char *key_file, const char *server_key_file,
		  char *err, size_t errlen)
{
	char ignored[41];
	int rc;

	memset(keys, 0, sizeof *keys);
	*enabled = 0;
	if (key_file == NULL || *key_file == '\0')
		key_file = getenv(VA_ENV_KEY);
	if (server_key_file == NULL || *server_key_file == '\0')
		server_key_file = getenv(VA_ENV_SERVER_KEY);
	if (key_file != NULL && *key_file == '\0')
		key_file = NULL;
	if (server_key_file != NULL && *server_key_file == '\0')
		server_key_file = NULL;
	if (key_file == NULL && server_key_file == NULL)
		return 0;
	if (key_file == NULL || server_key_file == NULL) {
		snprintf(err, errlen,
			 "CURVE needs both --key (your secret certificate, $%s) and --server-key "
			 "(the daemon's public certificate, $%s)",
			 VA_ENV_KEY, VA_ENV_SERVER_KEY);
		return -VA_INVALID_ARGUMENT;
	}
	if ((rc = keys__load(key_file, 1, keys->public_key, keys->secret_key, err, errlen)) < 0 ||
	    (rc = keys__load(server_key_file, 0, keys->server_key, ignored, err, errlen)) < 0)
		return rc;
	*enabled = 1;
	return 0;
}

int va_keys_apply(const va_keys_t *keys, void *sock)
{
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, keys->server_key, 40) < 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, keys->public_key, 40) < 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, keys->secret_key, 40) < 0)
		return -VA_INTERNAL;
	return 0;
}
