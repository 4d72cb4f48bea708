/*
 * vetctl/ops - the daemon itself: status, metrics, whoami, the principals
 * and rules reloads, and keygen (a key pair, made locally).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <czmq.h>
#include <jansson.h>
#include <sys/stat.h>

#include <vetalliance/client.h>
#include <vetalliance/error.h>
#include <vetalliance/json.h>

#include "vetctl/vetctl.h"

/*
 * keygen - a new CURVE key pair in NAME.key and NAME.key_secret (czmq's
 * zcert files), the secret one readable by its owner only.  No request:
 * build is NULL in the table.
 */
int keygen(const char *name)
{
	char path[4096];
	zcert_t *cert = zcert_new();
	const char *base;
	mode_t old;
	int rc;

	if (cert == NULL) {
		fputs("vetctl: keygen: could not create a key pair\n", stderr);
		return EX_SOFTWARE;
	}
	if ((size_t)snprintf(path, sizeof path, "%s.key", name) >= sizeof path) {
		usage_error("keygen: name too long");
		zcert_destroy(&cert);
		return EX_USAGE;
	}
	base = strrchr(name, '/') != NULL ? strrchr(name, '/') + 1 : name;
	/* Small metadata: zauth copies it into a fixed 512-byte buffer. */
	zcert_set_meta(cert, "name", "%.64s", base);
	/* 0600 from the first byte: never readable by others, not even
	 * between the write and a chmod. */
	old = umask(077);
	rc = zcert_save(cert, path);
	umask(old);
	if (rc < 0) {
		fprintf(stderr, "vetctl: keygen: could not write '%s' and '%s_secret'\n", path,
			path);
		zcert_destroy(&cert);
		return EX_CANTCREAT;
	}
	/* The public half may be shared. */
	chmod(path, 0644);
	printf("public key: %s\n"
	       "wrote %s (public) and %s_secret (secret, mode 0600)\n"
	       "principals entry:\n"
	       "%s\n"
	       "    key = \"%s\"\n"
	       "    role = centre\n"
	       "    institution = \"...\"\n",
	       zcert_public_txt(cert), path, path, base, zcert_public_txt(cert));
	zcert_destroy(&cert);
	return EX_OK;
}
