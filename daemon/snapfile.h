/*
 * snapfile.h - snapshot files: a checksummed container for the bytes of a
 * state snapshot taken after event seq, whatever those bytes are.
 *
 * Files are named snapshot-<seq, 20 digits>.snap in the state directory
 * and replaced atomically (temp file, fsync, rename, fsync of the
 * directory); the format is described at the top of snapfile.c.
 *
 * Start-up loads the newest valid snapshot and replays the journal from
 * its seq + 1.  All functions block on disk I/O (a large snapshot write
 * belongs on a threadpool thread); they keep no state, and are safe to
 * call from any one thread at a time per directory.
 *
 * Every fallible function returns 0 or a negative code of
 * vetalliance/error.h and, when errbuf is not NULL, writes a lowercase
 * message naming the file into errbuf.
 */
#ifndef VA_SNAPFILE_H
#define VA_SNAPFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Snapshots snapfile_load_newest() passed over because they are damaged. */
typedef struct {
	size_t skipped;
	/* "'snapshot-...snap': bad crc; ..." newest first, cut to fit */
	char detail[1024];
} snapfile_report_t;

/*
 * snapfile_write - durably write the snapshot taken after event seq (>= 1):
 * len bytes at bytes (NULL if len is 0) into dir/snapshot-<seq>.snap,
 * replacing a snapshot of the same seq.  The new file appears whole or not
 * at all.
 * Returns 0, -VA_INVALID_ARGUMENT for seq 0, -VA_RESOURCE_EXHAUSTED when
 * the disk is full or the file too large (no file is left behind),
 * -VA_NOT_FOUND if dir does not exist, -VA_PERMISSION_DENIED if dir or the
 * file may not be opened, created or renamed (EACCES, EPERM), -VA_INTERNAL
 * for other I/O errors.
 */
int snapfile_write(const char *dir, uint64_t seq, const void *bytes, size_t len, char *errbuf,
		   size_t errlen);

/*
 * snapfile_write in two steps, for a snapshot written by another process
 * while the daemon decides when it may appear: snapfile_write_tmp()
 * durably writes the temp file (not yet a snapshot: start-up and
 * snapfile_load_newest() ignore it, snapfile_prune() removes it), and
 * snapfile_commit() renames it into place and fsyncs the directory.
 * Returns as snapfile_write(); commit returns -VA_NOT_FOUND when there is
 * no temp file for seq.
 */
int snapfile_write_tmp(const char *dir, uint64_t seq, const void *bytes, size_t len, char *errbuf,
		       size_t errlen);
int snapfile_commit(const char *dir, uint64_t seq, char *errbuf, size_t errlen);

/*
 * snapfile_load_newest - load the newest snapshot of dir whose header and
 * content check out, passing over (and reporting) damaged ones.
 *   seq_p, bytes_p, len_p  on 0, the snapshot's seq and a malloc'ed copy of
 *              its content for the caller to free(); seq 0, NULL and 0 when
 *              there is no valid snapshot (a fresh state directory).
 *   report     may be NULL; the snapshots skipped.
 * Returns 0, -VA_RESOURCE_EXHAUSTED when out of memory, -VA_NOT_FOUND if
 * dir does not exist, -VA_PERMISSION_DENIED if it may not be opened,
 * -VA_INTERNAL if it cannot be read.
 */
int snapfile_load_newest(const char *dir, uint64_t *seq_p, void **bytes_p, size_t *len_p,
			 snapfile_report_t *report, char *errbuf, size_t errlen);

/*
 * snapfile_prune - keep the newest `keep` (>= 1) valid snapshots and delete
 * every other snapshot file (older ones, damaged ones) and leftover temp
 * files of interrupted writes, then fsync the directory.  The kept ones are
 * read and checked in full.
 *   removed  may be NULL; receives the number of files deleted.
 * Returns 0, -VA_INVALID_ARGUMENT for keep 0, -VA_RESOURCE_EXHAUSTED when
 * out of memory, -VA_NOT_FOUND if dir does not exist, -VA_PERMISSION_DENIED
 * if it may not be opened, -VA_INTERNAL for other I/O errors.
 */
int snapfile_prune(const char *dir, size_t keep, size_t *removed, char *errbuf, size_t errlen);

/*
 * snapfile_verify - for vetallianced --verify: print one line per snapshot
 * file of dir, newest first, saying whether it checks out.  Modifies
 * nothing.  Returns 0 if no snapshot is damaged, -VA_FAILED_PRECONDITION if
 * some are, other codes as snapfile_load_newest().
 */
int snapfile_verify(const char *dir, FILE *out, char *errbuf, size_t errlen);

#endif
