/*
 * fileio.c - see fileio.h.
 *
 * The storage modules turn errno into a status code only through
 * fileio_status_from_errno() (STYLE.md: errno is translated at the
 * boundary), so the journal and the snapshot files report a missing,
 * forbidden or full directory or disk alike.
 *
 * Reads and writes are positional (pread, pwrite): the journal appends at
 * an offset it tracks itself, and a snapshot is written and read at fixed
 * offsets, so no caller depends on a file position.
 */
#include "fileio.h"

#include <vetalliance/error.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int fileio_error(char *errbuf, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (errbuf != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

int fileio_status_from_errno(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return -VA_NOT_FOUND;
	case EACCES:
	case EPERM:
		return -VA_PERMISSION_DENIED;
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
	case ENOMEM:
		return -VA_RESOURCE_EXHAUSTED;
	default:
		return -VA_INTERNAL;
	}
}

int fileio_parse_seq_name(const char *name, const char *prefix, const char *suffix, uint64_t *seq_p)
{
	size_t plen = strlen(prefix);
	const char *digits = name + plen;
	uint64_t seq = 0;

	if (strncmp(name, prefix, plen) != 0 || strlen(digits) < FILEIO_SEQ_DIGITS ||
	    strcmp(digits + FILEIO_SEQ_DIGITS, suffix) != 0)
		return 0;
	for (int i = 0; i < FILEIO_SEQ_DIGITS; i++) {
		unsigned d = (unsigned char)digits[i] - '0';

		if (d > 9 || seq > (UINT64_MAX - d) / 10)
			return 0;
		seq = seq * 10 + d;
	}
	*seq_p = seq;
	return 1;
}

/* The loop behind fileio_pwrite_all() and fileio_pread_all(), which differ
 * only in direction; buf is only read when writing. */
static int transfer_all(int fd, unsigned char *buf, size_t len, uint64_t off, int writing)
{
	while (len > 0) {
		ssize_t n =
		    writing ? pwrite(fd, buf, len, (off_t)off) : pread(fd, buf, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int fileio_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	return transfer_all(fd, (unsigned char *)buf, len, off, 1);
}

int fileio_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	return transfer_all(fd, buf, len, off, 0);
}

int fileio_open_dir(const char *dir, char *errbuf, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return fileio_error(errbuf, errlen, fileio_status_from_errno(errno),
				    "could not open directory '%s': %s", dir, strerror(errno));
	return fd;
}

int fileio_list_dir(int dirfd, const char *dir, fileio_dir_fn fn, void *arg, char *errbuf,
		    size_t errlen)
{
	DIR *d = NULL;
	struct dirent *de;
	int fd, rc = 0;

	/* A descriptor of its own: closedir() closes it, and reading moves
	 * its offset, not dirfd's. */
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		rc = fileio_error(errbuf, errlen, fileio_status_from_errno(errno),
				  "could not read directory '%s': %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				rc = fileio_error(errbuf, errlen, -VA_INTERNAL,
						  "could not read directory '%s': %s", dir,
						  strerror(errno));
			break;
		}
		if ((rc = fn(de->d_name, arg)) != 0)
			break;
	}
	closedir(d);
	return rc;
}

int fileio_fsync_dir(int dirfd, const char *dir, char *errbuf, size_t errlen)
{
	if (fsync(dirfd) != 0)
		return fileio_error(errbuf, errlen, -VA_INTERNAL,
				    "could not sync directory '%s': %s", dir, strerror(errno));
	return 0;
}
