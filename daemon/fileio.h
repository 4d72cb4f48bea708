/*
 * fileio.h - the file plumbing the journal (journal.c) and the snapshot
 * files (snapfile.c) share: their error convention, errno translated to
 * status codes, the little-endian integers of both formats, whole
 * positional reads and writes, and the state directory (open, list,
 * fsync).
 *
 * Error convention.  A fallible storage function returns 0 or a negative
 * code of vetalliance/error.h and, when errbuf is not NULL, writes a
 * lowercase message naming the file into errbuf; fileio_error() does
 * both in one call.  The directory functions here follow it (naming the
 * directory).  fileio_pread_all() and fileio_pwrite_all() return -errno
 * instead and leave the message to the caller, who knows the file.
 *
 * Both formats store every integer little-endian whatever the host;
 * fileio_put_* and fileio_get_* go byte by byte, so buffers need no
 * alignment.  Nothing here keeps state; everything blocks on disk I/O.
 */
#ifndef VA_FILEIO_H
#define VA_FILEIO_H

#include <stddef.h>
#include <stdint.h>

/*
 * fileio_error - the error convention of the storage modules: when errbuf
 * is not NULL and errlen > 0, format the message into it (cut to fit,
 * always NUL-terminated); return code, so that a failure reads
 *     return fileio_error(errbuf, errlen, -VA_INTERNAL, "could not ...");
 */
__attribute__((format(printf, 4, 5))) int fileio_error(char *errbuf, size_t errlen, int code,
						       const char *fmt, ...);

/*
 * fileio_status_from_errno - the status code for errno value e (positive):
 * -VA_NOT_FOUND for ENOENT and ENOTDIR, -VA_PERMISSION_DENIED for EACCES and
 * EPERM, -VA_RESOURCE_EXHAUSTED for ENOSPC, EDQUOT, EFBIG and ENOMEM,
 * -VA_INTERNAL for anything else.
 */
int fileio_status_from_errno(int e);

/* fileio_put_le32, fileio_put_le64 - store v little-endian at p. */
static inline void fileio_put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline void fileio_put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* fileio_get_le32, fileio_get_le64 - the little-endian integer at p. */
static inline uint32_t fileio_get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t fileio_get_le64(const unsigned char *p)
{
	return (uint64_t)fileio_get_le32(p) | (uint64_t)fileio_get_le32(p + 4) << 32;
}

/* Digits of the seq in the names of the state directory's files
 * (journal-<seq>.log, snapshot-<seq>.snap), zero padded so that name order
 * is seq order. */
#define FILEIO_SEQ_DIGITS 20

/*
 * fileio_parse_seq_name - 1 and *seq_p if name is exactly prefix,
 * FILEIO_SEQ_DIGITS decimal digits and suffix, else 0 (also when the
 * digits exceed UINT64_MAX).
 */
int fileio_parse_seq_name(const char *name, const char *prefix, const char *suffix,
			  uint64_t *seq_p);

/*
 * fileio_pwrite_all - write all len bytes at buf to fd at offset off,
 * retrying short writes and EINTR.  buf may be NULL when len is 0.
 * Returns 0 or -errno (-EIO if the file takes no more bytes); after a
 * failure part of the bytes may have been written.
 */
int fileio_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);

/*
 * fileio_pread_all - read exactly len bytes of fd at offset off into buf,
 * retrying short reads and EINTR.
 * Returns 0 or -errno (-EIO at a premature end of file).
 */
int fileio_pread_all(int fd, void *buf, size_t len, uint64_t off);

/*
 * fileio_open_dir - open directory dir (O_RDONLY | O_DIRECTORY, close on
 * exec) for openat(), renameat(), unlinkat(), flock() and fileio_fsync_dir().
 * Returns the descriptor, for the caller to close(), or a code of
 * fileio_status_from_errno() (-VA_NOT_FOUND if dir does not exist).
 */
int fileio_open_dir(const char *dir, char *errbuf, size_t errlen);

/*
 * Listing callback: one entry name of the directory ("." and ".." too), in
 * no particular order; name is valid only during the call.  Return 0 to go
 * on, or a positive value to stop the listing, which then returns it.
 */
typedef int (*fileio_dir_fn)(const char *name, void *arg);

/*
 * fileio_list_dir - call fn for each entry of the directory open as dirfd
 * (from fileio_open_dir(); its own offset is not used).  dir is its path,
 * for messages.
 * Returns 0 after the last entry, fn's value if it stopped the listing
 * (errbuf is not written then), a code of fileio_status_from_errno() if the
 * directory cannot be opened for reading, -VA_INTERNAL if reading fails.
 */
int fileio_list_dir(int dirfd, const char *dir, fileio_dir_fn fn, void *arg, char *errbuf,
		    size_t errlen);

/*
 * fileio_fsync_dir - fsync the directory open as dirfd, so that files
 * created, renamed or removed in it stay so after a crash.  dir is its
 * path, for messages.
 * Returns 0 or -VA_INTERNAL.
 */
int fileio_fsync_dir(int dirfd, const char *dir, char *errbuf, size_t errlen);

#endif
