/*
 * journal.c - the append-only event journal: segment files of checksummed
 * records, group commit, recovery, replay and compaction.
 *
 * Files.  The journal lives in the state directory, beside the snapshots,
 * as segment files named after the seq of their first record:
 *
 *     journal-00000000000000000001.log
 *     journal-00000000000000120931.log      (20 digits, zero padded)
 *
 * so that name order is seq order.  Other names are ignored.  All integers
 * are little-endian.  A segment is a 16-byte header and records:
 *
 *     segment header   "VAJ1" | u32 version (1) | u64 first seq (= name)
 *     record           u32 payload length | u32 crc | u64 seq | payload
 *
 * crc is the CRC-32C of the 8 seq bytes followed by the payload (the bytes
 * that follow it), so a record whose seq was damaged fails its check; the
 * length is guarded by a sanity bound (JOURNAL_RECORD_MAX) and by the crc it
 * leads to.  Seqs are gapless within and across segments: each record's seq
 * is the previous one + 1, and a segment starts where the one before it
 * ended.
 *
 * Writing.  The loop frames records into a journal_batch_t; a threadpool
 * worker writes the whole batch with one pwrite at the end of the current
 * segment and calls fdatasync (group commit).  When the current segment has
 * reached segment_max_bytes, the batch goes to a new segment instead
 * (header and batch written, fdatasync, then fsync of the directory so the
 * new name is durable too).  A batch is never split across segments.
 * Nothing is acknowledged before the fdatasync returned, so at a crash only
 * the last batch can be incomplete, and only at the end of the last segment.
 *
 * A write that fails (ENOSPC, EDQUOT, EFBIG, ...) may have written part of
 * the batch: the segment is cut back (ftruncate) to its size before the
 * call, or, if the segment was created for this batch, removed, so a later
 * write of the same batch starts from a clean end.  A failed fdatasync is
 * not retried: the kernel may have dropped the dirty pages and marked them
 * clean (the 2018 PostgreSQL "fsyncgate"), so the journal refuses every
 * later write and the daemon exits.
 *
 * Recovery (journal_open).  Every segment is mapped and every record
 * checked.  The first bad spot of a segment (short header, length out of
 * bounds or past the end of the file, crc mismatch, bad segment header) is
 * a torn tail when it is in the last segment and no valid record (a
 * plausible length with a matching crc) starts anywhere after it: the
 * incomplete last batch.  It is cut off with ftruncate + fsync, and a last
 * segment left with no records is removed (unlink + fsync of the
 * directory).  Anything else is corruption, as in LevelDB and etcd: the
 * open fails with a message naming the file and byte offset and nothing is
 * modified.  A record with a valid crc but an unexpected seq, or a segment
 * that does not start where the previous one ended, is always corruption
 * (a torn write cannot produce it).  The first bad spot rule assumes the
 * file system does not expose a hole before later data after a crash (ext4
 * data=ordered does not); if one does, the damage is reported as
 * corruption, which refuses to start rather than guess.
 *
 * Reading.  Replay maps each segment (mmap, MADV_SEQUENTIAL: no syscall
 * per record) and re-checks each crc.  A sparse index per segment, the
 * offset of every record whose seq is a multiple of INDEX_STRIDE, lets a
 * catch-up query start near its seq without walking the segment.
 *
 * Compaction deletes whole segments, oldest first, whose records are all
 * covered by a snapshot; the current segment is never deleted, so the
 * journal always knows the last seq.
 *
 * Only one process may write: journal_open takes an exclusive flock on the
 * directory (readonly opens do not).
 */
#include "journal.h"

#include "crc32c.h"
#include "fileio.h"

#include <vetalliance/error.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEG_MAGIC       "VAJ1"
#define SEG_VERSION     1
#define SEG_HEADER_SIZE 16
#define REC_HEADER_SIZE 16
#define SEG_PREFIX      "journal-"
#define SEG_SUFFIX      ".log"
#define SEG_NAME_SIZE   (sizeof SEG_PREFIX - 1 + FILEIO_SEQ_DIGITS + sizeof SEG_SUFFIX)
#define SEG_FILE_MODE   0640

/* Index every record whose seq is a multiple of this. */
#define INDEX_STRIDE 1024

/* journal_batch_reset() frees a buffer that grew past this. */
#define BATCH_KEEP_MAX ((size_t)4 << 20)
#define BATCH_MIN_CAP  ((size_t)64 << 10)

struct index_entry {
	uint64_t seq;
	uint64_t offset;
};

struct segment {
	uint64_t first_seq; /* from the name */
	uint64_t last_seq;  /* first_seq - 1 while it has no records */
	uint64_t records;
	uint64_t size;    /* bytes of valid data, header included */
	uint64_t checked; /* bytes whose CRCs journal_open checked */
	struct index_entry *index;
	size_t nindex;
	size_t capindex;
};

struct journal {
	char *dir;
	int dirfd; /* holds the flock unless readonly */
	int fd;    /* the last segment, for writing; -1 if none or readonly */
	int readonly;
	int failed; /* an fdatasync or a cleanup failed: refuse writes */
	uint64_t segment_max;
	struct segment *segs;
	size_t nsegs;
	size_t capsegs;
	size_t scanned; /* segments validated by journal_open so far */
	/* Set by journal_open, cleared by the first journal_replay: that
	 * replay does not check again the CRCs of the records journal_open
	 * has just checked (segment.checked) - the replay at start-up. */
	int fresh;
};

struct journal_batch {
	unsigned char *buf;
	size_t len;
	size_t cap;
	size_t count;
	uint64_t first_seq;
	uint64_t last_seq;
	struct index_entry *index; /* offsets relative to buf */
	size_t nindex;
	size_t capindex;
};

static void seg_name(char buf[SEG_NAME_SIZE], uint64_t first_seq)
{
	snprintf(buf, SEG_NAME_SIZE, SEG_PREFIX "%0*" PRIu64 SEG_SUFFIX, FILEIO_SEQ_DIGITS,
		 first_seq);
}

/* The crc of a record at p (its header), whose length field is len. */
static uint32_t record_crc(const unsigned char *p, uint32_t len)
{
	return crc32c(p + 8, 8 + (size_t)len);
}

/* 1 if a plausible record with a matching crc starts anywhere in [from, size). */
static int valid_record_after(const unsigned char *map, uint64_t size, uint64_t from)
{
	for (uint64_t off = from; off + REC_HEADER_SIZE <= size; off++) {
		const unsigned char *p = map + off;
		uint32_t len = fileio_get_le32(p);

		if (len > JOURNAL_RECORD_MAX || size - off - REC_HEADER_SIZE < len)
			continue;
		if (record_crc(p, len) == fileio_get_le32(p + 4))
			return 1;
	}
	return 0;
}

static int index_push(struct index_entry **index, size_t *n, size_t *cap, uint64_t seq,
		      uint64_t offset)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct index_entry *p = realloc(*index, ncap * sizeof *p);

		if (p == NULL)
			return -VA_RESOURCE_EXHAUSTED;
		*index = p;
		*cap = ncap;
	}
	(*index)[*n].seq = seq;
	(*index)[*n].offset = offset;
	(*n)++;
	return 0;
}

static int segs_reserve(journal_t *j, size_t n)
{
	if (n <= j->capsegs)
		return 0;
	size_t ncap = j->capsegs ? j->capsegs * 2 : 8;
	while (ncap < n)
		ncap *= 2;
	struct segment *p = realloc(j->segs, ncap * sizeof *p);
	if (p == NULL)
		return -VA_RESOURCE_EXHAUSTED;
	j->segs = p;
	j->capsegs = ncap;
	return 0;
}

static void seg_drop(journal_t *j, size_t i)
{
	free(j->segs[i].index);
	memmove(&j->segs[i], &j->segs[i + 1], (j->nsegs - i - 1) * sizeof j->segs[0]);
	j->nsegs--;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;

	return (x->first_seq > y->first_seq) - (x->first_seq < y->first_seq);
}

/* journal_list's listing callback: 1 when out of memory. */
static int journal_list_one(const char *name, void *arg)
{
	journal_t *j = arg;
	uint64_t seq;

	if (!fileio_parse_seq_name(name, SEG_PREFIX, SEG_SUFFIX, &seq))
		return 0;
	if (segs_reserve(j, j->nsegs + 1) < 0)
		return 1;
	memset(&j->segs[j->nsegs], 0, sizeof j->segs[0]);
	j->segs[j->nsegs].first_seq = seq;
	j->segs[j->nsegs].last_seq = seq - 1;
	j->nsegs++;
	return 0;
}

/* Fill j->segs with the segment names of the directory, in seq order. */
static int journal_list(journal_t *j, char *errbuf, size_t errlen)
{
	int rc = fileio_list_dir(j->dirfd, j->dir, journal_list_one, j, errbuf, errlen);

	if (rc > 0)
		return fileio_error(errbuf, errlen, -VA_RESOURCE_EXHAUSTED, "out of memory");
	if (rc == 0 && j->nsegs > 1)
		qsort(j->segs, j->nsegs, sizeof j->segs[0], cmp_seg);
	return rc;
}

/* Map a whole file read-only; *map_p is NULL for an empty file. */
static int map_file(journal_t *j, const char *name, const unsigned char **map_p, uint64_t *size_p,
		    char *errbuf, size_t errlen)
{
	struct stat st;
	void *map = NULL;
	int fd, rc = 0;

	*map_p = NULL;
	*size_p = 0;
	fd = openat(j->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fileio_error(errbuf, errlen, fileio_status_from_errno(errno),
				    "could not open '%s/%s': %s", j->dir, name, strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = fileio_error(errbuf, errlen, -VA_INTERNAL, "could not stat '%s/%s': %s",
				  j->dir, name, strerror(errno));
		goto out;
	}
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			rc = fileio_error(errbuf, errlen, fileio_status_from_errno(errno),
					  "could not map '%s/%s': %s", j->dir, name,
					  strerror(errno));
			goto out;
		}
		madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
		*map_p = map;
	}
	*size_p = (uint64_t)st.st_size;
out:
	close(fd);
	return rc;
}

/* Cut the last segment at its valid size, or remove it if it has no records. */
static int repair_tail(journal_t *j, struct segment *s, char *errbuf, size_t errlen)
{
	char name[SEG_NAME_SIZE];
	int fd, rc = 0;

	seg_name(name, s->first_seq);
	if (s->records == 0) {
		if (unlinkat(j->dirfd, name, 0) != 0)
			return fileio_error(errbuf, errlen, fileio_status_from_errno(errno),
					    "could not remove '%s/%s': %s", j->dir, name,
					    strerror(errno));
		return fileio_fsync_dir(j->dirfd, j->dir, errbuf, errlen);
	}
	fd = openat(j->dirfd, name, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fileio_error(errbuf, errlen, fileio_status_from_errno(errno),
				    "could not open '%s/%s': %s", j->dir, name, strerror(errno));
	if (ftruncate(fd, (off_t)s->size) != 0 || fsync(fd) != 0)
		rc = fileio_error(errbuf, errlen, fileio_status_from_errno(errno),
				  "could not truncate '%s/%s' to %" PRIu64 " bytes: %s", j->dir,
				  name, s->size, strerror(errno));
	close(fd);
	return rc;
}

/*
 * Validate segment i.  *next_seq is the seq the segment must start with (0
 * for the first segment: any).  On return it is the seq after its last.
 */
static int scan_segment(journal_t *j, size_t i, uint64_t *next_seq, journal_report_t *r,
			char *errbuf, size_t errlen)
{
	struct segment *s = &j->segs[i];
	const unsigned char *map = NULL;
	const char *bad = NULL;
	char name[SEG_NAME_SIZE];
	uint64_t size = 0, off = 0, seq;
	int is_last = i + 1 == j->nsegs;
	int rc;

	seg_name(name, s->first_seq);
	if (s->first_seq == 0) {
		rc = fileio_error(errbuf, errlen, -VA_FAILED_PRECONDITION,
				  "'%s/%s': bad segment name at offset 0 (seq 0)", j->dir, name);
		goto out;
	}
	if (*next_seq != 0 && s->first_seq != *next_seq) {
		rc = fileio_error(errbuf, errlen, -VA_FAILED_PRECONDITION,
				  "'%s/%s': seq gap at offset 0 (segment starts at seq %" PRIu64
				  ", expected %" PRIu64 ")",
				  j->dir, name, s->first_seq, *next_seq);
		goto out;
	}
	if ((rc = map_file(j, name, &map, &size, errbuf, errlen)) < 0)
		goto out;

	seq = s->first_seq;
	if (size < SEG_HEADER_SIZE) {
		bad = "truncated segment header";
		goto damaged;
	}
	if (memcmp(map, SEG_MAGIC, 4) != 0 || fileio_get_le64(map + 8) != s->first_seq) {
		bad = "bad segment header";
		goto damaged;
	}
	if (fileio_get_le32(map + 4) != SEG_VERSION) {
		rc = fileio_error(errbuf, errlen, -VA_FAILED_PRECONDITION,
				  "'%s/%s': unsupported segment version %" PRIu32 " at offset 4",
				  j->dir, name, fileio_get_le32(map + 4));
		goto out;
	}
	off = SEG_HEADER_SIZE;
	while (off < size) {
		const unsigned char *p = map + off;
		uint32_t len;

		if (size - off < REC_HEADER_SIZE) {
			bad = "truncated record header";
			goto damaged;
		}
		len = fileio_get_le32(p);
		if (len > JOURNAL_RECORD_MAX) {
			bad = "bad record length";
			goto damaged;
		}
		if (size - off - REC_HEADER_SIZE < len) {
			bad = "truncated record";
			goto damaged;
		}
		if (record_crc(p, len) != fileio_get_le32(p + 4)) {
			bad = "bad crc";
			goto damaged;
		}
		if (fileio_get_le64(p + 8) != seq) {
			rc = fileio_error(errbuf, errlen, -VA_FAILED_PRECONDITION,
					  "'%s/%s': seq gap at offset %" PRIu64 " (seq %" PRIu64
					  ", expected %" PRIu64 ")",
					  j->dir, name, off, fileio_get_le64(p + 8), seq);
			goto out;
		}
		if (seq % INDEX_STRIDE == 0 &&
		    index_push(&s->index, &s->nindex, &s->capindex, seq, off) < 0) {
			rc = fileio_error(errbuf, errlen, -VA_RESOURCE_EXHAUSTED, "out of memory");
			goto out;
		}
		seq++;
		s->records++;
		off += REC_HEADER_SIZE + len;
	}
	s->size = size;
	s->last_seq = seq - 1;
	*next_seq = seq;
	if (!is_last || s->records > 0) {
		rc = 0;
		goto out;
	}
	bad = "segment without records";

damaged:
	/* off is where the valid data ends; bad says why. */
	if (!is_last || valid_record_after(map, size, off + 1)) {
		rc = fileio_error(errbuf, errlen, -VA_FAILED_PRECONDITION,
				  "'%s/%s': %s at offset %" PRIu64, j->dir, name, bad, off);
		goto out;
	}
	s->size = s->records > 0 ? off : 0;
	s->last_seq = seq - 1;
	*next_seq = seq;
	r->torn = 1;
	r->torn_file_removed = s->records == 0;
	snprintf(r->torn_file, sizeof r->torn_file, "%s", name);
	snprintf(r->torn_reason, sizeof r->torn_reason, "%s", bad);
	r->torn_offset = s->records > 0 ? off : 0;
	r->torn_bytes = size - r->torn_offset;
	if (!j->readonly) {
		if ((rc = repair_tail(j, s, errbuf, errlen)) < 0)
			goto out;
		r->torn_repaired = 1;
	}
	if (s->records == 0)
		seg_drop(j, i);
	rc = 0;
out:
	if (map != NULL)
		munmap((void *)map, (size_t)size);
	return rc;
}

static void fill_report(const journal_t *j, journal_report_t *r)
{
	r->segments = j->scanned;
	r->records = 0;
	r->bytes = 0;
	r->first_seq = 0;
	r->last_seq = 0;
	for (size_t i = 0; i < j->scanned; i++) {
		const struct segment *s = &j->segs[i];

		r->records += s->records;
		r->bytes += s->size;
		if (s->records > 0) {
			if (r->first_seq == 0)
				r->first_seq = s->first_seq;
			r->last_seq = s->last_seq;
		}
	}
}

/* journal_open without freeing on failure, for journal_verify. */
static int journal_open_partial(const char *dir, const journal_options_t *options,
				journal_t **journal_p, journal_report_t *r, char *errbuf,
				size_t errlen)
{
	journal_t *j;
	uint64_t next_seq = 0;
	int rc = 0;

	memset(r, 0, sizeof *r);
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	*journal_p = j = calloc(1, sizeof *j);
	if (j == NULL)
		return fileio_error(errbuf, errlen, -VA_RESOURCE_EXHAUSTED, "out of memory");
	j->dirfd = -1;
	j->fd = -1;
	if ((j->dir = strdup(dir)) == NULL)
		return fileio_error(errbuf, errlen, -VA_RESOURCE_EXHAUSTED, "out of memory");
	j->readonly = options != NULL && options->readonly;
	j->segment_max = options != NULL && options->segment_max_bytes > 0
			     ? options->segment_max_bytes
			     : JOURNAL_SEGMENT_MAX_DEFAULT;

	if ((rc = fileio_open_dir(dir, errbuf, errlen)) < 0)
		return rc;
	j->dirfd = rc;
	if (!j->readonly && flock(j->dirfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			return fileio_error(errbuf, errlen, -VA_UNAVAILABLE,
					    "directory '%s' is in use by another journal", dir);
		return fileio_error(errbuf, errlen, -VA_INTERNAL,
				    "could not lock directory '%s': %s", dir, strerror(errno));
	}
	if ((rc = journal_list(j, errbuf, errlen)) < 0)
		return rc;
	while (j->scanned < j->nsegs) {
		size_t before = j->nsegs;

		rc = scan_segment(j, j->scanned, &next_seq, r, errbuf, errlen);
		if (rc < 0)
			break;
		if (j->nsegs == before)
			j->scanned++;
	}
	fill_report(j, r);
	if (rc < 0)
		return rc;

	if (!j->readonly && j->nsegs > 0) {
		char name[SEG_NAME_SIZE];

		seg_name(name, j->segs[j->nsegs - 1].first_seq);
		j->fd = openat(j->dirfd, name, O_WRONLY | O_CLOEXEC);
		if (j->fd < 0)
			return fileio_error(errbuf, errlen, fileio_status_from_errno(errno),
					    "could not open '%s/%s': %s", dir, name,
					    strerror(errno));
	}
	for (size_t i = 0; i < j->nsegs; i++)
		j->segs[i].checked = j->segs[i].size;
	j->fresh = 1;
	return 0;
}

int journal_open(const char *dir, const journal_options_t *options, journal_t **journal_p,
		 journal_report_t *report, char *errbuf, size_t errlen)
{
	journal_report_t local;
	journal_t *j = NULL;
	int rc;

	*journal_p = NULL;
	rc = journal_open_partial(dir, options, &j, report != NULL ? report : &local, errbuf,
				  errlen);
	if (rc < 0) {
		journal_free(&j);
		return rc;
	}
	*journal_p = j;
	return 0;
}

void journal_free(journal_t **journal_p)
{
	journal_t *j;

	if (journal_p == NULL || (j = *journal_p) == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->dirfd >= 0)
		close(j->dirfd);
	for (size_t i = 0; i < j->nsegs; i++)
		free(j->segs[i].index);
	free(j->segs);
	free(j->dir);
	free(j);
	*journal_p = NULL;
}

uint64_t journal_first_seq(const journal_t *journal)
{
	for (size_t i = 0; i < journal->nsegs; i++)
		if (journal->segs[i].records > 0)
			return journal->segs[i].first_seq;
	return 0;
}

uint64_t journal_last_seq(const journal_t *journal)
{
	for (size_t i = journal->nsegs; i > 0; i--)
		if (journal->segs[i - 1].records > 0)
			return journal->segs[i - 1].last_seq;
	return 0;
}

size_t journal_segment_count(const journal_t *journal)
{
	return journal->nsegs;
}

journal_batch_t *journal_batch_new(void)
{
	return calloc(1, sizeof(journal_batch_t));
}

void journal_batch_free(journal_batch_t **batch_p)
{
	journal_batch_t *b;

	if (batch_p == NULL || (b = *batch_p) == NULL)
		return;
	free(b->buf);
	free(b->index);
	free(b);
	*batch_p = NULL;
}

int journal_batch_add(journal_batch_t *b, uint64_t seq, const void *bytes, size_t len)
{
	size_t need;
	unsigned char *p;

	if (len > JOURNAL_RECORD_MAX || seq == 0 || (b->count > 0 && seq != b->last_seq + 1))
		return -VA_INVALID_ARGUMENT;
	need = b->len + REC_HEADER_SIZE + len;
	if (need > b->cap) {
		size_t ncap = b->cap ? b->cap : BATCH_MIN_CAP;

		while (ncap < need)
			ncap *= 2;
		p = realloc(b->buf, ncap);
		if (p == NULL)
			return -VA_RESOURCE_EXHAUSTED;
		b->buf = p;
		b->cap = ncap;
	}
	if (seq % INDEX_STRIDE == 0 &&
	    index_push(&b->index, &b->nindex, &b->capindex, seq, b->len) < 0)
		return -VA_RESOURCE_EXHAUSTED;

	p = b->buf + b->len;
	fileio_put_le32(p, (uint32_t)len);
	fileio_put_le64(p + 8, seq);
	if (len > 0)
		memcpy(p + REC_HEADER_SIZE, bytes, len);
	fileio_put_le32(p + 4, record_crc(p, (uint32_t)len));
	b->len = need;
	if (b->count++ == 0)
		b->first_seq = seq;
	b->last_seq = seq;
	return 0;
}

void journal_batch_reset(journal_batch_t *b)
{
	b->len = 0;
	b->count = 0;
	b->first_seq = 0;
	b->last_seq = 0;
	b->nindex = 0;
	if (b->cap > BATCH_KEEP_MAX) {
		free(b->buf);
		b->buf = NULL;
		b->cap = 0;
	}
}

size_t journal_batch_count(const journal_batch_t *batch)
{
	return batch->count;
}

size_t journal_batch_bytes(const journal_batch_t *batch)
{
	return batch->len;
}

uint64_t journal_batch_first_seq(const journal_batch_t *batch)
{
	return batch->first_seq;
}

uint64_t journal_batch_last_seq(const journal_batch_t *batch)
{
	return batch->last_seq;
}

/* Create the segment for first_seq and write its header; *fd_p on 0. */
static int segment_create(journal_t *j, uint64_t first_seq, int *fd_p, char *errbuf, size_t errlen)
{
	unsigned char hdr[SEG_HEADER_SIZE];
	char name[SEG_NAME_SIZE];
	int fd, rc;

	seg_name(name, first_seq);
	fd = openat(j->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, SEG_FILE_MODE);
	if (fd < 0) {
		rc = fileio_status_from_errno(errno) == -VA_RESOURCE_EXHAUSTED
			 ? -VA_RESOURCE_EXHAUSTED
			 : -VA_INTERNAL;
		return fileio_error(errbuf, errlen, rc, "could not create '%s/%s': %s", j->dir,
				    name, strerror(errno));
	}
	memcpy(hdr, SEG_MAGIC, 4);
	fileio_put_le32(hdr + 4, SEG_VERSION);
	fileio_put_le64(hdr + 8, first_seq);
	if ((rc = fileio_pwrite_all(fd, hdr, sizeof hdr, 0)) < 0) {
		int e = -rc;

		rc = fileio_status_from_errno(e) == -VA_RESOURCE_EXHAUSTED ? -VA_RESOURCE_EXHAUSTED
									   : -VA_INTERNAL;
		fileio_error(errbuf, errlen, rc, "could not write to '%s/%s': %s", j->dir, name,
			     strerror(e));
		close(fd);
		if (unlinkat(j->dirfd, name, 0) != 0 || rc != -VA_RESOURCE_EXHAUSTED)
			j->failed = 1;
		return rc;
	}
	*fd_p = fd;
	return 0;
}

int journal_write(journal_t *j, const journal_batch_t *b, char *errbuf, size_t errlen)
{
	struct segment *s = NULL;
	char name[SEG_NAME_SIZE];
	uint64_t off;
	int fd = -1, created = 0, rc;

	if (j->readonly)
		return fileio_error(errbuf, errlen, -VA_FAILED_PRECONDITION,
				    "journal in '%s' is open readonly", j->dir);
	if (j->failed)
		return fileio_error(errbuf, errlen, -VA_INTERNAL,
				    "journal in '%s' refuses writes after an earlier failure",
				    j->dir);
	if (b->count == 0)
		return 0;
	if (j->nsegs > 0 && b->first_seq != j->segs[j->nsegs - 1].last_seq + 1)
		return fileio_error(errbuf, errlen, -VA_INVALID_ARGUMENT,
				    "batch starts at seq %" PRIu64 ", the journal expects %" PRIu64,
				    b->first_seq, j->segs[j->nsegs - 1].last_seq + 1);

	if (j->nsegs > 0)
		s = &j->segs[j->nsegs - 1];
	if (s == NULL || (s->size >= j->segment_max && s->records > 0)) {
		/* Reserve memory first: after the fsync nothing may fail. */
		if (segs_reserve(j, j->nsegs + 1) < 0)
			return fileio_error(errbuf, errlen, -VA_RESOURCE_EXHAUSTED,
					    "out of memory");
		if ((rc = segment_create(j, b->first_seq, &fd, errbuf, errlen)) < 0)
			return rc;
		created = 1;
		off = SEG_HEADER_SIZE;
		seg_name(name, b->first_seq);
	} else {
		fd = j->fd;
		off = s->size;
		seg_name(name, s->first_seq);
	}

	if ((rc = fileio_pwrite_all(fd, b->buf, b->len, off)) < 0) {
		int e = -rc;

		rc = fileio_error(errbuf, errlen, fileio_status_from_errno(e),
				  "could not write to '%s/%s': %s", j->dir, name, strerror(e));
		if (rc != -VA_RESOURCE_EXHAUSTED) {
			rc = -VA_INTERNAL;
			j->failed = 1;
		}
		if (created) {
			close(fd);
			if (unlinkat(j->dirfd, name, 0) != 0)
				j->failed = 1;
		} else if (ftruncate(fd, (off_t)off) != 0) {
			j->failed = 1;
			rc = fileio_error(errbuf, errlen, -VA_INTERNAL,
					  "could not cut '%s/%s' back to %" PRIu64
					  " bytes after a failed write: %s",
					  j->dir, name, off, strerror(errno));
		}
		return rc;
	}
	if (fdatasync(fd) != 0) {
		j->failed = 1;
		rc = fileio_error(errbuf, errlen, -VA_INTERNAL, "could not sync '%s/%s': %s",
				  j->dir, name, strerror(errno));
		if (created)
			close(fd);
		return rc;
	}
	if (created) {
		if ((rc = fileio_fsync_dir(j->dirfd, j->dir, errbuf, errlen)) < 0) {
			j->failed = 1;
			close(fd);
			return rc;
		}
		if (j->fd >= 0)
			close(j->fd);
		j->fd = fd;
		s = &j->segs[j->nsegs++];
		memset(s, 0, sizeof *s);
		s->first_seq = b->first_seq;
		s->size = SEG_HEADER_SIZE;
	}

	/* The index only speeds up replay: an entry lost to a failed
	 * allocation makes a lookup walk further, never go wrong. */
	for (size_t k = 0; k < b->nindex; k++)
		if (index_push(&s->index, &s->nindex, &s->capindex, b->index[k].seq,
			       off + b->index[k].offset) < 0)
			break;
	s->size = off + b->len;
	s->records += b->count;
	s->last_seq = b->last_seq;
	return 0;
}

/* Offset and seq to start walking segment s from to reach from_seq. */
static void seg_seek(const struct segment *s, uint64_t from_seq, uint64_t *off_p, uint64_t *seq_p)
{
	size_t lo = 0, hi = s->nindex;

	*off_p = SEG_HEADER_SIZE;
	*seq_p = s->first_seq;
	/* the last entry with seq <= from_seq */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->index[mid].seq <= from_seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0) {
		*off_p = s->index[lo - 1].offset;
		*seq_p = s->index[lo - 1].seq;
	}
}

static int replay_segment(journal_t *j, const struct segment *s, uint64_t from_seq,
			  journal_replay_fn fn, void *arg, char *errbuf, size_t errlen)
{
	uint64_t trusted = j->fresh ? s->checked : 0;
	const unsigned char *map = NULL;
	char name[SEG_NAME_SIZE];
	uint64_t size, off, seq;
	int rc;

	seg_name(name, s->first_seq);
	if ((rc = map_file(j, name, &map, &size, errbuf, errlen)) < 0)
		return rc;
	if (size < s->size) {
		rc = fileio_error(errbuf, errlen, -VA_FAILED_PRECONDITION,
				  "'%s/%s': shrank to %" PRIu64 " bytes, expected %" PRIu64, j->dir,
				  name, size, s->size);
		goto out;
	}
	seg_seek(s, from_seq, &off, &seq);
	while (off < s->size) {
		const unsigned char *p = map + off;
		uint32_t len;

		len = s->size - off >= REC_HEADER_SIZE ? fileio_get_le32(p) : UINT32_MAX;
		if (len > JOURNAL_RECORD_MAX || s->size - off - REC_HEADER_SIZE < len ||
		    fileio_get_le64(p + 8) != seq ||
		    (seq >= from_seq && off + REC_HEADER_SIZE + len > trusted &&
		     record_crc(p, len) != fileio_get_le32(p + 4))) {
			rc = fileio_error(errbuf, errlen, -VA_FAILED_PRECONDITION,
					  "'%s/%s': bad record at offset %" PRIu64, j->dir, name,
					  off);
			goto out;
		}
		if (seq >= from_seq && (rc = fn(seq, p + REC_HEADER_SIZE, len, arg)) != 0)
			goto out;
		seq++;
		off += REC_HEADER_SIZE + len;
	}
	rc = 0;
out:
	munmap((void *)map, (size_t)size);
	return rc;
}

int journal_replay(journal_t *j, uint64_t from_seq, journal_replay_fn fn, void *arg, char *errbuf,
		   size_t errlen)
{
	uint64_t first = journal_first_seq(j), last = journal_last_seq(j);
	size_t lo = 0, hi = j->nsegs;
	int rc;

	if (first == 0)
		return 0;
	if (from_seq == 0)
		from_seq = first;
	if (from_seq < first)
		return fileio_error(errbuf, errlen, -VA_NOT_FOUND,
				    "seq %" PRIu64 " is before the first record (%" PRIu64
				    ") of the journal in '%s'",
				    from_seq, first, j->dir);
	if (from_seq > last)
		return 0;
	/* the last segment that starts at or before from_seq */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (j->segs[mid].first_seq <= from_seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	rc = 0;
	for (size_t i = lo > 0 ? lo - 1 : 0; i < j->nsegs && rc == 0; i++) {
		if (j->segs[i].records == 0 || j->segs[i].last_seq < from_seq)
			continue;
		rc = replay_segment(j, &j->segs[i], from_seq, fn, arg, errbuf, errlen);
	}
	j->fresh = 0;
	return rc;
}

int journal_compact(journal_t *j, uint64_t upto_seq, size_t *removed, char *errbuf, size_t errlen)
{
	char name[SEG_NAME_SIZE];
	size_t n = 0;
	int rc = 0, sync_rc;

	if (removed != NULL)
		*removed = 0;
	if (j->readonly)
		return fileio_error(errbuf, errlen, -VA_FAILED_PRECONDITION,
				    "journal in '%s' is open readonly", j->dir);
	/* oldest first, so that a crash leaves a gapless suffix */
	while (n + 1 < j->nsegs && j->segs[n].last_seq <= upto_seq) {
		seg_name(name, j->segs[n].first_seq);
		if (unlinkat(j->dirfd, name, 0) != 0 && errno != ENOENT) {
			rc = fileio_error(errbuf, errlen, -VA_INTERNAL,
					  "could not remove '%s/%s': %s", j->dir, name,
					  strerror(errno));
			break;
		}
		n++;
	}
	if (n == 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		free(j->segs[i].index);
	memmove(j->segs, j->segs + n, (j->nsegs - n) * sizeof j->segs[0]);
	j->nsegs -= n;
	if (removed != NULL)
		*removed = n;
	/* even after a failed remove, so that the removals before it are durable */
	sync_rc = fileio_fsync_dir(j->dirfd, j->dir, rc == 0 ? errbuf : NULL, errlen);
	return rc < 0 ? rc : sync_rc;
}

int journal_verify(const char *dir, FILE *out, char *errbuf, size_t errlen)
{
	journal_options_t opts = {.readonly = 1};
	journal_report_t r;
	journal_t *j = NULL;
	char name[SEG_NAME_SIZE], msg[512];
	int rc;

	rc = journal_open_partial(dir, &opts, &j, &r, msg, sizeof msg);
	fprintf(out, "journal in '%s'\n", dir);
	for (size_t i = 0; j != NULL && i < j->scanned; i++) {
		const struct segment *s = &j->segs[i];

		seg_name(name, s->first_seq);
		fprintf(out,
			"  %s: %" PRIu64 " records, seq %" PRIu64 "..%" PRIu64 ", %" PRIu64
			" bytes\n",
			name, s->records, s->first_seq, s->last_seq, s->size);
	}
	fprintf(out,
		"segments %zu, records %" PRIu64 ", first seq %" PRIu64 ", last seq %" PRIu64
		", %" PRIu64 " bytes\n",
		r.segments, r.records, r.first_seq, r.last_seq, r.bytes);
	if (r.torn)
		fprintf(out,
			"torn tail: '%s': %s at offset %" PRIu64 ", %" PRIu64
			" bytes to drop%s (start-up repairs this)\n",
			r.torn_file, r.torn_reason, r.torn_offset, r.torn_bytes,
			r.torn_file_removed ? " (the whole file)" : "");
	if (rc < 0) {
		fprintf(out, "damaged: %s\n", msg);
		fileio_error(errbuf, errlen, rc, "%s", msg);
	} else
		fprintf(out, "%s\n", r.torn ? "ok, with a torn tail" : "ok");
	journal_free(&j);
	return rc;
}
