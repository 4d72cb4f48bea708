/*
 * snapfile.c - snapshot files.
 *
 * Format.  One file per snapshot, snapshot-<seq, 20 digits>.snap, in the
 * state directory beside the journal segments.  All integers are
 * little-endian.  A 32-byte header, then the content:
 *
 *     0   "VAS1"
 *     4   u32 version (1)
 *     8   u64 seq                 the last event the snapshot includes
 *     16  u64 length              of the content; the file is 32 + length
 *     24  u32 crc32c(content)
 *     28  u32 crc32c(bytes 0..27) the header's own check
 *     32  content                 opaque to this module
 *
 * A snapshot is valid when the header checks out, its seq is the one in its
 * name, the file size is 32 + length and the content's crc matches.
 *
 * Writing.  The file is built as snapshot-<seq>.snap.tmp, fsync'ed, renamed
 * over the final name and the directory fsync'ed: after a crash the final
 * name holds either the complete new snapshot or nothing (or the previous
 * file of the same seq).  A leftover .tmp is never loaded, and
 * snapfile_prune() removes it.
 *
 * Loading goes newest first and passes over damaged files, so a snapshot
 * damaged on disk costs a longer journal replay from an older one rather
 * than a refusal to start.  That is why the journal is compacted only up to
 * the oldest snapshot kept, not the newest.
 */
#include "snapfile.h"

#include "crc32c.h"
#include "fileio.h"

#include <vetalliance/error.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SNAP_MAGIC       "VAS1"
#define SNAP_VERSION     1
#define SNAP_HEADER_SIZE 32
#define SNAP_PREFIX      "snapshot-"
#define SNAP_SUFFIX      ".snap"
#define SNAP_TMP_SUFFIX  ".snap.tmp"
#define SNAP_NAME_SIZE   (sizeof SNAP_PREFIX - 1 + FILEIO_SEQ_DIGITS + sizeof SNAP_TMP_SUFFIX)
#define SNAP_FILE_MODE   0640

struct snap_entry {
	uint64_t seq;
	int tmp; /* a leftover snapshot-<seq>.snap.tmp */
};

/* One pass over the snapshots of a directory (snap_scan_open() to
 * snap_scan_close()). */
struct snap_scan {
	const char *dir;
	int dirfd;
	struct snap_entry *v; /* snapshot and temp files, newest first */
	size_t n;
	size_t cap;
	char why[128]; /* why snap_check() last found a snapshot damaged */
};

static void snap_name(char buf[SNAP_NAME_SIZE], uint64_t seq, int tmp)
{
	snprintf(buf, SNAP_NAME_SIZE, SNAP_PREFIX "%0*" PRIu64 "%s", FILEIO_SEQ_DIGITS, seq,
		 tmp ? SNAP_TMP_SUFFIX : SNAP_SUFFIX);
}

/* 1 and the entry if name is a snapshot or a temp file name, else 0. */
static int snap_parse_name(const char *name, struct snap_entry *e)
{
	if (fileio_parse_seq_name(name, SNAP_PREFIX, SNAP_SUFFIX, &e->seq))
		e->tmp = 0;
	else if (fileio_parse_seq_name(name, SNAP_PREFIX, SNAP_TMP_SUFFIX, &e->seq))
		e->tmp = 1;
	else
		return 0;
	return e->seq > 0;
}

static int cmp_entry_desc(const void *a, const void *b)
{
	const struct snap_entry *x = a, *y = b;

	return (x->seq < y->seq) - (x->seq > y->seq);
}

/* snap_scan_open()'s listing callback: 1 when out of memory. */
static int snap_scan_add(const char *name, void *arg)
{
	struct snap_scan *sc = arg;
	struct snap_entry e;

	if (!snap_parse_name(name, &e))
		return 0;
	if (sc->n == sc->cap) {
		size_t ncap = sc->cap ? sc->cap * 2 : 16;
		struct snap_entry *v = realloc(sc->v, ncap * sizeof *v);

		if (v == NULL)
			return 1;
		sc->v = v;
		sc->cap = ncap;
	}
	sc->v[sc->n++] = e;
	return 0;
}

/* Open dir and list its snapshot and temp files, newest first.  On 0 the
 * caller ends the scan with snap_scan_close(); on failure nothing is left
 * open. */
static int snap_scan_open(struct snap_scan *sc, const char *dir, char *errbuf, size_t errlen)
{
	int rc;

	memset(sc, 0, sizeof *sc);
	sc->dir = dir;
	if ((sc->dirfd = fileio_open_dir(dir, errbuf, errlen)) < 0)
		return sc->dirfd;
	rc = fileio_list_dir(sc->dirfd, dir, snap_scan_add, sc, errbuf, errlen);
	if (rc > 0)
		rc = fileio_error(errbuf, errlen, -VA_RESOURCE_EXHAUSTED, "out of memory");
	if (rc < 0) {
		free(sc->v);
		close(sc->dirfd);
		return rc;
	}
	if (sc->n > 1)
		qsort(sc->v, sc->n, sizeof sc->v[0], cmp_entry_desc);
	return 0;
}

static void snap_scan_close(struct snap_scan *sc)
{
	free(sc->v);
	close(sc->dirfd);
}

/*
 * Check snapshot seq of the scan's directory in full.  Returns 0 if valid
 * (and, if bytes_p is not NULL, its content in *bytes_p, *len_p), 1 if
 * damaged or unreadable (sc->why says how), or -VA_RESOURCE_EXHAUSTED
 * (errbuf says so).
 */
static int snap_check(struct snap_scan *sc, uint64_t seq, void **bytes_p, size_t *len_p,
		      char *errbuf, size_t errlen)
{
	char *why = sc->why;
	size_t whylen = sizeof sc->why;
	unsigned char hdr[SNAP_HEADER_SIZE];
	char name[SNAP_NAME_SIZE];
	unsigned char *content = NULL;
	struct stat st;
	uint64_t length;
	int fd, rc = 1, e;

	snap_name(name, seq, 0);
	fd = openat(sc->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "could not open: %s", strerror(errno));
		return 1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(why, whylen, "could not stat: %s", strerror(errno));
		goto out;
	}
	if (st.st_size < SNAP_HEADER_SIZE) {
		snprintf(why, whylen, "truncated header (%jd bytes)", (intmax_t)st.st_size);
		goto out;
	}
	if ((e = fileio_pread_all(fd, hdr, sizeof hdr, 0)) < 0) {
		snprintf(why, whylen, "could not read: %s", strerror(-e));
		goto out;
	}
	if (memcmp(hdr, SNAP_MAGIC, 4) != 0 || crc32c(hdr, 28) != fileio_get_le32(hdr + 28)) {
		snprintf(why, whylen, "bad header");
		goto out;
	}
	if (fileio_get_le32(hdr + 4) != SNAP_VERSION) {
		snprintf(why, whylen, "unsupported version %" PRIu32, fileio_get_le32(hdr + 4));
		goto out;
	}
	if (fileio_get_le64(hdr + 8) != seq) {
		snprintf(why, whylen, "header names seq %" PRIu64, fileio_get_le64(hdr + 8));
		goto out;
	}
	length = fileio_get_le64(hdr + 16);
	if (length > SIZE_MAX - 1 || (uint64_t)st.st_size - SNAP_HEADER_SIZE != length) {
		snprintf(why, whylen, "size %jd does not match length %" PRIu64,
			 (intmax_t)st.st_size, length);
		goto out;
	}
	if ((content = malloc(length > 0 ? (size_t)length : 1)) == NULL) {
		rc = fileio_error(errbuf, errlen, -VA_RESOURCE_EXHAUSTED,
				  "out of memory reading '%s/%s'", sc->dir, name);
		goto out;
	}
	if ((e = fileio_pread_all(fd, content, (size_t)length, SNAP_HEADER_SIZE)) < 0) {
		snprintf(why, whylen, "could not read: %s", strerror(-e));
		goto out;
	}
	if (crc32c(content, (size_t)length) != fileio_get_le32(hdr + 24)) {
		snprintf(why, whylen, "bad crc");
		goto out;
	}
	rc = 0;
	if (bytes_p != NULL) {
		*bytes_p = content;
		*len_p = (size_t)length;
		content = NULL;
	}
out:
	free(content);
	close(fd);
	return rc;
}

int snapfile_write(const char *dir, uint64_t seq, const void *bytes, size_t len, char *errbuf,
		   size_t errlen)
{
	int rc = snapfile_write_tmp(dir, seq, bytes, len, errbuf, errlen);

	return rc < 0 ? rc : snapfile_commit(dir, seq, errbuf, errlen);
}

int snapfile_commit(const char *dir, uint64_t seq, char *errbuf, size_t errlen)
{
	char tmp[SNAP_NAME_SIZE], name[SNAP_NAME_SIZE];
	int dirfd, rc;

	if ((dirfd = fileio_open_dir(dir, errbuf, errlen)) < 0)
		return dirfd;
	snap_name(tmp, seq, 1);
	snap_name(name, seq, 0);
	if (renameat(dirfd, tmp, dirfd, name) != 0) {
		rc = fileio_error(errbuf, errlen, fileio_status_from_errno(errno),
				  "could not rename '%s/%s' to '%s': %s", dir, tmp, name,
				  strerror(errno));
		close(dirfd);
		return rc;
	}
	rc = fileio_fsync_dir(dirfd, dir, errbuf, errlen);
	close(dirfd);
	return rc;
}

int snapfile_write_tmp(const char *dir, uint64_t seq, const void *bytes, size_t len, char *errbuf,
		       size_t errlen)
{
	unsigned char hdr[SNAP_HEADER_SIZE];
	char tmp[SNAP_NAME_SIZE];
	int dirfd, fd = -1, rc, e;

	if (seq == 0)
		return fileio_error(errbuf, errlen, -VA_INVALID_ARGUMENT,
				    "snapshot seq must be >= 1");
	if ((dirfd = fileio_open_dir(dir, errbuf, errlen)) < 0)
		return dirfd;
	snap_name(tmp, seq, 1);

	memcpy(hdr, SNAP_MAGIC, 4);
	fileio_put_le32(hdr + 4, SNAP_VERSION);
	fileio_put_le64(hdr + 8, seq);
	fileio_put_le64(hdr + 16, len);
	fileio_put_le32(hdr + 24, crc32c(bytes, len));
	fileio_put_le32(hdr + 28, crc32c(hdr, 28));

	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, SNAP_FILE_MODE);
	if (fd < 0) {
		rc = fileio_error(errbuf, errlen, fileio_status_from_errno(errno),
				  "could not create '%s/%s': %s", dir, tmp, strerror(errno));
		goto out;
	}
	if ((e = fileio_pwrite_all(fd, hdr, sizeof hdr, 0)) < 0 ||
	    (e = fileio_pwrite_all(fd, bytes, len, sizeof hdr)) < 0) {
		rc = fileio_error(errbuf, errlen, fileio_status_from_errno(-e),
				  "could not write '%s/%s': %s", dir, tmp, strerror(-e));
		goto fail_tmp;
	}
	if (fsync(fd) != 0) {
		rc = fileio_error(errbuf, errlen, fileio_status_from_errno(errno),
				  "could not sync '%s/%s': %s", dir, tmp, strerror(errno));
		goto fail_tmp;
	}
	close(fd);
	fd = -1;
	rc = 0;
	goto out;

fail_tmp:
	if (rc == -VA_NOT_FOUND)
		rc = -VA_INTERNAL;
	unlinkat(dirfd, tmp, 0);
out:
	if (fd >= 0)
		close(fd);
	close(dirfd);
	return rc;
}

static void report_skip(snapfile_report_t *r, uint64_t seq, const char *why)
{
	char name[SNAP_NAME_SIZE];
	size_t used;

	if (r == NULL)
		return;
	snap_name(name, seq, 0);
	used = strlen(r->detail);
	snprintf(r->detail + used, sizeof r->detail - used, "%s'%s': %s", used > 0 ? "; " : "",
		 name, why);
	r->skipped++;
}

int snapfile_load_newest(const char *dir, uint64_t *seq_p, void **bytes_p, size_t *len_p,
			 snapfile_report_t *report, char *errbuf, size_t errlen)
{
	struct snap_scan sc;
	int rc;

	*seq_p = 0;
	*bytes_p = NULL;
	*len_p = 0;
	if (report != NULL)
		memset(report, 0, sizeof *report);
	if ((rc = snap_scan_open(&sc, dir, errbuf, errlen)) < 0)
		return rc;
	for (size_t i = 0; i < sc.n; i++) {
		if (sc.v[i].tmp)
			continue;
		if ((rc = snap_check(&sc, sc.v[i].seq, bytes_p, len_p, errbuf, errlen)) < 0)
			goto out;
		if (rc == 0) {
			*seq_p = sc.v[i].seq;
			goto out;
		}
		report_skip(report, sc.v[i].seq, sc.why);
	}
	rc = 0;
out:
	snap_scan_close(&sc);
	return rc;
}

int snapfile_prune(const char *dir, size_t keep, size_t *removed, char *errbuf, size_t errlen)
{
	struct snap_scan sc;
	char name[SNAP_NAME_SIZE];
	size_t kept = 0, n = 0;
	int rc;

	if (removed != NULL)
		*removed = 0;
	if (keep == 0)
		return fileio_error(errbuf, errlen, -VA_INVALID_ARGUMENT,
				    "must keep at least one snapshot");
	if ((rc = snap_scan_open(&sc, dir, errbuf, errlen)) < 0)
		return rc;
	for (size_t i = 0; i < sc.n; i++) {
		if (!sc.v[i].tmp && kept < keep) {
			if ((rc = snap_check(&sc, sc.v[i].seq, NULL, NULL, errbuf, errlen)) < 0)
				goto out;
			if (rc == 0) {
				kept++;
				continue;
			}
		}
		snap_name(name, sc.v[i].seq, sc.v[i].tmp);
		if (unlinkat(sc.dirfd, name, 0) != 0 && errno != ENOENT) {
			rc = fileio_error(errbuf, errlen, -VA_INTERNAL,
					  "could not remove '%s/%s': %s", dir, name,
					  strerror(errno));
			break;
		}
		n++;
	}
	if (n > 0) {
		/* even after a failed remove, so that the removals before it are durable */
		int sync_rc = fileio_fsync_dir(sc.dirfd, dir, rc >= 0 ? errbuf : NULL, errlen);

		if (rc >= 0)
			rc = sync_rc;
	}
	if (rc > 0)
		rc = 0;
	if (removed != NULL)
		*removed = n;
out:
	snap_scan_close(&sc);
	return rc;
}

int snapfile_verify(const char *dir, FILE *out, char *errbuf, size_t errlen)
{
	struct snap_scan sc;
	char name[SNAP_NAME_SIZE];
	size_t bad = 0, good = 0;
	int rc;

	if ((rc = snap_scan_open(&sc, dir, errbuf, errlen)) < 0)
		return rc;
	fprintf(out, "snapshots in '%s'\n", dir);
	for (size_t i = 0; i < sc.n; i++) {
		snap_name(name, sc.v[i].seq, sc.v[i].tmp);
		if (sc.v[i].tmp) {
			fprintf(out, "  %s: leftover of an interrupted write, ignored\n", name);
			continue;
		}
		if ((rc = snap_check(&sc, sc.v[i].seq, NULL, NULL, errbuf, errlen)) < 0)
			goto out;
		if (rc == 0) {
			fprintf(out, "  %s: ok%s\n", name, good == 0 ? " (newest valid)" : "");
			good++;
		} else {
			fprintf(out, "  %s: damaged: %s\n", name, sc.why);
			bad++;
		}
	}
	fprintf(out, "snapshots %zu valid, %zu damaged\n", good, bad);
	rc = 0;
	if (bad > 0)
		rc = fileio_error(errbuf, errlen, -VA_FAILED_PRECONDITION,
				  "%zu damaged snapshots in '%s'", bad, dir);
out:
	snap_scan_close(&sc);
	return rc;
}
