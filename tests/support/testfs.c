/*
 * testfs.c - see testfs.h.
 *
 * Plain stdio and POSIX calls, asserted: these helpers prepare and inspect
 * files around the code under test, so they must not share its code paths
 * (a test that read the journal's bytes with the journal's own helpers
 * would not notice a format mistake made on both sides).
 */
#include "testfs.h"

#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char testfs_dir[PATH_MAX];

void testfs_setup(void)
{
	const char *t = getenv("TMPDIR");
	const char *suite = criterion_current_test != NULL ? criterion_current_test->category : "x";

	snprintf(testfs_dir, sizeof testfs_dir, "%s/test_%s.XXXXXX", t != NULL && *t ? t : "/tmp",
		 suite);
	cr_assert_not_null(mkdtemp(testfs_dir), "mkdtemp '%s': %s", testfs_dir, strerror(errno));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void testfs_teardown(void)
{
	nftw(testfs_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *testfs_path(const char *name)
{
	static char p[PATH_MAX + 64];

	snprintf(p, sizeof p, "%s/%s", testfs_dir, name);
	return p;
}

unsigned char *testfs_read(const char *name, size_t *len_p)
{
	FILE *f = fopen(testfs_path(name), "rb");
	unsigned char *buf;
	long n;

	cr_assert_not_null(f, "open '%s': %s", name, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len_p = (size_t)n;
	return buf;
}

static void put_file(const char *name, const char *mode, const void *buf, size_t len)
{
	FILE *f = fopen(testfs_path(name), mode);

	cr_assert_not_null(f, "open '%s': %s", name, strerror(errno));
	cr_assert_eq(fwrite(buf, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

void testfs_write(const char *name, const void *buf, size_t len)
{
	put_file(name, "wb", buf, len);
}

void testfs_append(const char *name, const void *buf, size_t len)
{
	put_file(name, "ab", buf, len);
}

off_t testfs_size(const char *name)
{
	struct stat st;

	if (stat(testfs_path(name), &st) != 0)
		return -1;
	return st.st_size;
}

void testfs_flip_byte(const char *name, off_t off, unsigned char mask)
{
	int fd = open(testfs_path(name), O_RDWR | O_CLOEXEC);
	unsigned char c;

	cr_assert_geq(fd, 0, "open '%s': %s", name, strerror(errno));
	cr_assert_eq(pread(fd, &c, 1, off), 1, "'%s' has no byte at offset %jd", name,
		     (intmax_t)off);
	c ^= mask;
	cr_assert_eq(pwrite(fd, &c, 1, off), 1);
	cr_assert_eq(close(fd), 0);
}

size_t testfs_count(const char *prefix)
{
	DIR *d = opendir(testfs_dir);
	struct dirent *de;
	size_t n = 0;

	cr_assert_not_null(d, "opendir '%s': %s", testfs_dir, strerror(errno));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

int testfs_set_fsize_limit(rlim_t soft)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_FSIZE, &rl) != 0)
		return -1;
	rl.rlim_cur = soft;
	return setrlimit(RLIMIT_FSIZE, &rl);
}

void testfs_run_child(int (*fn)(void))
{
	pid_t pid;
	int status;

	pid = fork();
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		_exit(fn());
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "child died, status %d", status);
	cr_assert_eq(WEXITSTATUS(status), 0, "child failed at step %d", WEXITSTATUS(status));
}
