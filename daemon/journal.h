/*
 * journal.h - the append-only event journal of vetallianced.
 *
 * The journal is a directory of segment files holding framed, checksummed
 * records, one per event, with a gapless seq starting at any value >= 1
 * (1 for a journal that was never compacted).  The file format, the
 * recovery rules and the durability argument are described at the top of
 * journal.c.
 *
 * Threading contract (group commit).  The daemon's loop thread owns the
 * journal_t and fills a journal_batch_t with journal_batch_add().  It then
 * hands both to ONE threadpool worker that calls journal_write(); while that
 * call runs the loop must not touch that journal_t nor that batch at all
 * (no journal_replay(), journal_compact() or accessors), and fills a second
 * batch instead.  The worker's completion hands both back.  So at most one
 * thread uses a journal_t at any time and there is no locking inside.  The
 * crc32c tables are the only shared data, and they are set up once under
 * pthread_once.
 *
 * Every fallible function returns 0 or a negative code of
 * vetalliance/error.h and, when errbuf is not NULL, writes a lowercase
 * message naming the file into errbuf (always NUL-terminated).
 */
#ifndef VA_JOURNAL_H
#define VA_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Largest payload of one record; a longer length field in a segment is
 * damage, and journal_batch_add() refuses a longer payload. */
#define JOURNAL_RECORD_MAX (16u << 20)

/* Default size past which the next write starts a new segment. */
#define JOURNAL_SEGMENT_MAX_DEFAULT ((uint64_t)64 << 20)

typedef struct journal journal_t;
typedef struct journal_batch journal_batch_t;

typedef struct {
	/* A write that finds the current segment at or past this many bytes
	 * starts a new one (a batch is never split, so a segment can exceed
	 * it by one batch).  0 means JOURNAL_SEGMENT_MAX_DEFAULT. */
	uint64_t segment_max_bytes;
	/* 1: never modify anything (for --verify): a torn tail is reported
	 * but not truncated, the directory is not locked, and journal_write()
	 * and journal_compact() fail with -VA_FAILED_PRECONDITION. */
	int readonly;
} journal_options_t;

/* What journal_open() found; filled even when it fails (up to the damage). */
typedef struct {
	size_t segments;    /* segment files kept */
	uint64_t records;   /* valid records in them */
	uint64_t bytes;     /* their total size after any repair */
	uint64_t first_seq; /* 0 when there are no records */
	uint64_t last_seq;  /* 0 when there are no records */
	/* Torn tail: an incomplete or unreadable write at the very end of
	 * the last segment, with nothing valid after it. */
	int torn;              /* 1 if one was found */
	int torn_repaired;     /* 1 if it was cut off (0 when readonly) */
	int torn_file_removed; /* 1 if the whole segment goes (no records) */
	char torn_file[64];    /* segment name, e.g. journal-...01.log */
	uint64_t torn_offset;  /* where the valid data ends */
	uint64_t torn_bytes;   /* bytes after it (dropped or to drop) */
	char torn_reason[48];  /* "bad crc", "truncated record", ... */
} journal_report_t;

/*
 * journal_open - scan, validate and (unless readonly) repair the journal in
 * directory dir, and position it for appending after the last record.
 *   dir        existing directory; segments are files named
 *              journal-<first seq, 20 digits>.log, other files are ignored.
 *   options    NULL for the defaults.
 *   journal_p  on 0, receives the journal; free it with journal_free().
 *   report     may be NULL; filled in as described above.
 * An empty directory is a fresh, empty journal.  Every record is checked
 * (length, CRC, seq = previous + 1 across segments, segment names).  A torn
 * tail of the last segment is cut off (ftruncate + fsync; a last segment
 * left without records is removed) and reported.  Any other damage is
 * corruption: nothing is modified and the message names the file and the
 * byte offset, e.g. "'journal-00000000000000000001.log': bad crc at offset
 * 4096".
 * Not readonly, the directory is locked (flock) for as long as the journal
 * is open.
 * Returns 0, -VA_FAILED_PRECONDITION for corruption, -VA_UNAVAILABLE when
 * another process has the directory open for writing, -VA_NOT_FOUND when
 * dir does not exist, -VA_PERMISSION_DENIED when dir or a segment may not
 * be opened (EACCES, EPERM), -VA_INVALID_ARGUMENT for bad options,
 * -VA_RESOURCE_EXHAUSTED when out of memory, -VA_INTERNAL for I/O errors.
 */
int journal_open(const char *dir, const journal_options_t *options, journal_t **journal_p,
		 journal_report_t *report, char *errbuf, size_t errlen);

/* journal_free - close the files, release the lock and free; sets
 * *journal_p to NULL.  Idempotent. */
void journal_free(journal_t **journal_p);

/* Seq of the first and the last record, 0 when the journal is empty. */
uint64_t journal_first_seq(const journal_t *journal);
uint64_t journal_last_seq(const journal_t *journal);

/* Number of segment files. */
size_t journal_segment_count(const journal_t *journal);

/*
 * journal_batch_new - an empty batch (the loop-side buffer of one group
 * commit).  Returns NULL when out of memory.  Free with journal_batch_free().
 */
journal_batch_t *journal_batch_new(void);

/* journal_batch_free - free; sets *batch_p to NULL.  Idempotent. */
void journal_batch_free(journal_batch_t **batch_p);

/*
 * journal_batch_add - frame one record (seq, len bytes at bytes) at the end
 * of the batch.  The bytes are copied.  seq must be the batch's last seq + 1
 * (any seq >= 1 for an empty batch).
 * Returns 0, -VA_INVALID_ARGUMENT for a seq out of order or len >
 * JOURNAL_RECORD_MAX (the batch is unchanged), -VA_RESOURCE_EXHAUSTED when
 * out of memory.
 */
int journal_batch_add(journal_batch_t *batch, uint64_t seq, const void *bytes, size_t len);

/* journal_batch_reset - empty the batch for reuse (keeps a moderate buffer). */
void journal_batch_reset(journal_batch_t *batch);

/* Records in the batch, their framed size, and the first and last seq (0
 * when empty). */
size_t journal_batch_count(const journal_batch_t *batch);
size_t journal_batch_bytes(const journal_batch_t *batch);
uint64_t journal_batch_first_seq(const journal_batch_t *batch);
uint64_t journal_batch_last_seq(const journal_batch_t *batch);

/*
 * journal_write - append the whole batch to the journal and make it durable:
 * one write of the batch buffer, then fdatasync (and, when the write started
 * a new segment, fsync of the directory).  Blocking: call it on a threadpool
 * thread, see the threading contract above.  The batch is not modified, so
 * it can be written again after a -VA_RESOURCE_EXHAUSTED.
 * The batch's first seq must be journal_last_seq() + 1 (anything >= 1 for
 * an empty journal).  An empty batch is a no-op.
 * Returns
 *   0                       the records are durable;
 *   -VA_RESOURCE_EXHAUSTED  the disk is full (ENOSPC, EDQUOT) or the file
 *                           too large (EFBIG): nothing was written (the
 *                           segment is cut back to its size before the
 *                           call, a segment created for it is removed);
 *                           writing later may succeed;
 *   -VA_INVALID_ARGUMENT    the batch does not continue the journal;
 *   -VA_FAILED_PRECONDITION the journal is readonly;
 *   -VA_INTERNAL            an I/O error, in particular a failed fdatasync:
 *                           fatal, the journal refuses every later write
 *                           (never retry a failed fsync).
 */
int journal_write(journal_t *journal, const journal_batch_t *batch, char *errbuf, size_t errlen);

/*
 * Replay callback: one record; bytes are valid only during the call.
 * Return 0 to go on, anything else to stop the replay, which then returns
 * that value (e.g. 1 when a page is full, or a negative error code).
 */
typedef int (*journal_replay_fn)(uint64_t seq, const void *bytes, size_t len, void *arg);

/*
 * journal_replay - call fn for each record with seq >= from_seq, in order.
 * Segments are mapped with mmap and a sparse index finds from_seq without
 * reading what is before it.  CRCs are checked again, except for the records
 * that journal_open() has just checked when this is the first replay
 * since (the replay at start-up).
 * Returns 0 after the last record (also when from_seq > journal_last_seq()),
 * fn's non-zero return value if it stopped the replay, -VA_NOT_FOUND when
 * from_seq is before journal_first_seq() (compacted away; from_seq 0 means
 * from the first record), -VA_FAILED_PRECONDITION if a record no longer
 * checks out, -VA_INTERNAL for I/O errors.
 */
int journal_replay(journal_t *journal, uint64_t from_seq, journal_replay_fn fn, void *arg,
		   char *errbuf, size_t errlen);

/*
 * journal_compact - delete the oldest segments whose records all have
 * seq <= upto_seq, never the last (current) segment, then fsync the
 * directory.  Call with the seq of the oldest snapshot that is kept, so that
 * a fallback to it still finds its journal.
 *   removed  may be NULL; receives the number of segments deleted.
 * Returns 0, -VA_FAILED_PRECONDITION when readonly, -VA_INTERNAL for I/O
 * errors (segments already deleted stay deleted; the journal stays usable).
 */
int journal_compact(journal_t *journal, uint64_t upto_seq, size_t *removed, char *errbuf,
		    size_t errlen);

/*
 * journal_verify - the offline check (vetallianced --verify): open dir
 * readonly (nothing is modified, no lock taken) and print to out one line
 * per segment (name, records, seq range, bytes), the totals, and any damage.
 * Returns 0 when the journal is sound or has only a torn tail (which the
 * daemon would cut off at start-up), else journal_open()'s error.
 */
int journal_verify(const char *dir, FILE *out, char *errbuf, size_t errlen);

#endif
