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

#include <vetalliance/error.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
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
#define SNAP_DIGITS      20
#define SNAP_NAME_SIZE   (sizeof SNAP_PREFIX - 1 + SNAP_DIGITS + sizeof SNAP_TMP_SUFFIX)
#define SNAP_FILE_MODE   0640

struct snap_entry {
	uint64_t seq;
	int tmp; /* a leftover snapshot-<seq>.snap.tmp */
};

struct snap_list {
	struct snap_entry *v;
	size_t n;
	size_t cap;
};

__attribute__((format(printf, 4, 5))) static int fail(char *errbuf, size_t errlen, int code,
						      const char *fmt, ...)
{
	va_list ap;

	if (errbuf != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int status_from_errno(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return -VA_NOT_FOUND;
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
	case ENOMEM:
		return -VA_RESOURCE_EXHAUSTED;
	default:
		return -VA_INTERNAL;
	}
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const unsigned char *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static void snap_name(char buf[SNAP_NAME_SIZE], uint64_t seq, int tmp)
{
	snprintf(buf, SNAP_NAME_SIZE, SNAP_PREFIX "%0*" PRIu64 "%s", SNAP_DIGITS, seq,
		 tmp ? SNAP_TMP_SUFFIX : SNAP_SUFFIX);
}

/* 1 and the entry if name is a snapshot or a temp file name, else 0. */
static int snap_parse_name(const char *name, struct snap_entry *e)
{
	const char *digits = name + sizeof SNAP_PREFIX - 1;
	uint64_t seq = 0;

	if (strncmp(name, SNAP_PREFIX, sizeof SNAP_PREFIX - 1) != 0 ||
	    strlen(name) < sizeof SNAP_PREFIX - 1 + SNAP_DIGITS)
		return 0;
	if (strcmp(digits + SNAP_DIGITS, SNAP_SUFFIX) == 0)
		e->tmp = 0;
	else if (strcmp(digits + SNAP_DIGITS, SNAP_TMP_SUFFIX) == 0)
		e->tmp = 1;
	else
		return 0;
	for (int i = 0; i < SNAP_DIGITS; i++) {
		unsigned d = (unsigned char)digits[i] - '0';

		if (d > 9 || seq > (UINT64_MAX - d) / 10)
			return 0;
		seq = seq * 10 + d;
	}
	e->seq = seq;
	return seq > 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read exactly len bytes; 0, -errno, or -EIO at a premature end of file. */
static int read_all(int fd, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int cmp_entry_desc(const void *a, const void *b)
{
	const struct snap_entry *x = a, *y = b;

	return (x->seq < y->seq) - (x->seq > y->seq);
}

/* The snapshot and temp files of dir, newest first. */
static int snap_list(int dirfd, const char *dir, struct snap_list *l, char *errbuf, size_t errlen)
{
	DIR *d = NULL;
	struct dirent *de;
	int fd, rc = 0;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		rc = fail(errbuf, errlen, status_from_errno(errno),
			  "could not read directory '%s': %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	for (;;) {
		struct snap_entry e;

		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				rc =
				    fail(errbuf, errlen, -VA_INTERNAL,
					 "could not read directory '%s': %s", dir, strerror(errno));
			break;
		}
		if (!snap_parse_name(de->d_name, &e))
			continue;
		if (l->n == l->cap) {
			size_t ncap = l->cap ? l->cap * 2 : 16;
			struct snap_entry *v = realloc(l->v, ncap * sizeof *v);

			if (v == NULL) {
				rc = fail(errbuf, errlen, -VA_RESOURCE_EXHAUSTED, "out of memory");
				break;
			}
			l->v = v;
			l->cap = ncap;
		}
		l->v[l->n++] = e;
	}
	closedir(d);
	if (rc == 0 && l->n > 1)
		qsort(l->v, l->n, sizeof l->v[0], cmp_entry_desc);
	return rc;
}

/*
 * Check snapshot seq of dir in full.  Returns 0 if valid (and, if bytes_p is
 * not NULL, its content in *bytes_p, *len_p), 1 if damaged or unreadable
 * (why says how), or -VA_RESOURCE_EXHAUSTED.
 */
static int snap_check(int dirfd, uint64_t seq, void **bytes_p, size_t *len_p, char *why,
		      size_t whylen)
{
	unsigned char hdr[SNAP_HEADER_SIZE];
	char name[SNAP_NAME_SIZE];
	unsigned char *content = NULL;
	struct stat st;
	uint64_t length;
	int fd, rc = 1, e;

	snap_name(name, seq, 0);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
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
	if ((e = read_all(fd, hdr, sizeof hdr)) < 0) {
		snprintf(why, whylen, "could not read: %s", strerror(-e));
		goto out;
	}
	if (memcmp(hdr, SNAP_MAGIC, 4) != 0 || crc32c(hdr, 28) != get_le32(hdr + 28)) {
		snprintf(why, whylen, "bad header");
		goto out;
	}
	if (get_le32(hdr + 4) != SNAP_VERSION) {
		snprintf(why, whylen, "unsupported version %" PRIu32, get_le32(hdr + 4));
		goto out;
	}
	if (get_le64(hdr + 8) != seq) {
		snprintf(why, whylen, "header names seq %" PRIu64, get_le64(hdr + 8));
		goto out;
	}
	length = get_le64(hdr + 16);
	if (length > SIZE_MAX - 1 || (uint64_t)st.st_size - SNAP_HEADER_SIZE != length) {
		snprintf(why, whylen, "size %jd does not match length %" PRIu64,
			 (intmax_t)st.st_size, length);
		goto out;
	}
	if ((content = malloc(length > 0 ? (size_t)length : 1)) == NULL) {
		rc = -VA_RESOURCE_EXHAUSTED;
		goto out;
	}
	if ((e = read_all(fd, content, (size_t)length)) < 0) {
		snprintf(why, whylen, "could not read: %s", strerror(-e));
		goto out;
	}
	if (crc32c(content, (size_t)length) != get_le32(hdr + 24)) {
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

static int open_dir(const char *dir, char *errbuf, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return fail(errbuf, errlen, status_from_errno(errno),
			    "could not open directory '%s': %s", dir, strerror(errno));
	return fd;
}

int snapfile_write(const char *dir, uint64_t seq, const void *bytes, size_t len, char *errbuf,
		   size_t errlen)
{
	unsigned char hdr[SNAP_HEADER_SIZE];
	char tmp[SNAP_NAME_SIZE], name[SNAP_NAME_SIZE];
	int dirfd, fd = -1, rc, e;

	if (seq == 0)
		return fail(errbuf, errlen, -VA_INVALID_ARGUMENT, "snapshot seq must be >= 1");
	if ((dirfd = open_dir(dir, errbuf, errlen)) < 0)
		return dirfd;
	snap_name(tmp, seq, 1);
	snap_name(name, seq, 0);

	memcpy(hdr, SNAP_MAGIC, 4);
	put_le32(hdr + 4, SNAP_VERSION);
	put_le64(hdr + 8, seq);
	put_le64(hdr + 16, len);
	put_le32(hdr + 24, crc32c(bytes, len));
	put_le32(hdr + 28, crc32c(hdr, 28));

	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, SNAP_FILE_MODE);
	if (fd < 0) {
		rc = fail(errbuf, errlen, status_from_errno(errno), "could not create '%s/%s': %s",
			  dir, tmp, strerror(errno));
		goto out;
	}
	if ((e = write_all(fd, hdr, sizeof hdr)) < 0 || (e = write_all(fd, bytes, len)) < 0) {
		rc = fail(errbuf, errlen, status_from_errno(-e), "could not write '%s/%s': %s", dir,
			  tmp, strerror(-e));
		goto fail_tmp;
	}
	if (fsync(fd) != 0) {
		rc = fail(errbuf, errlen, status_from_errno(errno), "could not sync '%s/%s': %s",
			  dir, tmp, strerror(errno));
		goto fail_tmp;
	}
	close(fd);
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) != 0) {
		rc = fail(errbuf, errlen, status_from_errno(errno),
			  "could not rename '%s/%s' to '%s': %s", dir, tmp, name, strerror(errno));
		goto fail_tmp;
	}
	if (fsync(dirfd) != 0) {
		rc = fail(errbuf, errlen, -VA_INTERNAL, "could not sync directory '%s': %s", dir,
			  strerror(errno));
		goto out;
	}
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
	struct snap_list l = {0};
	char why[128];
	int dirfd, rc;

	*seq_p = 0;
	*bytes_p = NULL;
	*len_p = 0;
	if (report != NULL)
		memset(report, 0, sizeof *report);
	if ((dirfd = open_dir(dir, errbuf, errlen)) < 0)
		return dirfd;
	if ((rc = snap_list(dirfd, dir, &l, errbuf, errlen)) < 0)
		goto out;
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].tmp)
			continue;
		rc = snap_check(dirfd, l.v[i].seq, bytes_p, len_p, why, sizeof why);
		if (rc < 0) {
			fail(errbuf, errlen, rc, "out of memory loading a snapshot from '%s'", dir);
			goto out;
		}
		if (rc == 0) {
			*seq_p = l.v[i].seq;
			goto out;
		}
		report_skip(report, l.v[i].seq, why);
	}
	rc = 0;
out:
	free(l.v);
	close(dirfd);
	return rc;
}

int snapfile_prune(const char *dir, size_t keep, size_t *removed, char *errbuf, size_t errlen)
{
	struct snap_list l = {0};
	char name[SNAP_NAME_SIZE], why[128];
	size_t kept = 0, n = 0;
	int dirfd, rc;

	if (removed != NULL)
		*removed = 0;
	if (keep == 0)
		return fail(errbuf, errlen, -VA_INVALID_ARGUMENT,
			    "must keep at least one snapshot");
	if ((dirfd = open_dir(dir, errbuf, errlen)) < 0)
		return dirfd;
	if ((rc = snap_list(dirfd, dir, &l, errbuf, errlen)) < 0)
		goto out;
	for (size_t i = 0; i < l.n; i++) {
		if (!l.v[i].tmp && kept < keep) {
			rc = snap_check(dirfd, l.v[i].seq, NULL, NULL, why, sizeof why);
			if (rc < 0) {
				fail(errbuf, errlen, rc,
				     "out of memory checking a snapshot in '%s'", dir);
				goto out;
			}
			if (rc == 0) {
				kept++;
				continue;
			}
		}
		snap_name(name, l.v[i].seq, l.v[i].tmp);
		if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT) {
			rc = fail(errbuf, errlen, -VA_INTERNAL, "could not remove '%s/%s': %s", dir,
				  name, strerror(errno));
			break;
		}
		n++;
	}
	if (n > 0 && fsync(dirfd) != 0 && rc >= 0)
		rc = fail(errbuf, errlen, -VA_INTERNAL, "could not sync directory '%s': %s", dir,
			  strerror(errno));
	if (rc > 0)
		rc = 0;
	if (removed != NULL)
		*removed = n;
out:
	free(l.v);
	close(dirfd);
	return rc;
}

int snapfile_verify(const char *dir, FILE *out, char *errbuf, size_t errlen)
{
	struct snap_list l = {0};
	char name[SNAP_NAME_SIZE], why[128];
	size_t bad = 0, good = 0;
	int dirfd, rc;

	if ((dirfd = open_dir(dir, errbuf, errlen)) < 0)
		return dirfd;
	if ((rc = snap_list(dirfd, dir, &l, errbuf, errlen)) < 0)
		goto out;
	fprintf(out, "snapshots in '%s'\n", dir);
	for (size_t i = 0; i < l.n; i++) {
		snap_name(name, l.v[i].seq, l.v[i].tmp);
		if (l.v[i].tmp) {
			fprintf(out, "  %s: leftover of an interrupted write, ignored\n", name);
			continue;
		}
		rc = snap_check(dirfd, l.v[i].seq, NULL, NULL, why, sizeof why);
		if (rc < 0) {
			fail(errbuf, errlen, rc, "out of memory checking a snapshot in '%s'", dir);
			goto out;
		}
		if (rc == 0) {
			fprintf(out, "  %s: ok%s\n", name, good == 0 ? " (newest valid)" : "");
			good++;
		} else {
			fprintf(out, "  %s: damaged: %s\n", name, why);
			bad++;
		}
	}
	fprintf(out, "snapshots %zu valid, %zu damaged\n", good, bad);
	rc = 0;
	if (bad > 0)
		rc = fail(errbuf, errlen, -VA_FAILED_PRECONDITION, "%zu damaged snapshots in '%s'",
			  bad, dir);
out:
	free(l.v);
	close(dirfd);
	return rc;
}
