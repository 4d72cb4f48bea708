/*
 * testfs.h - the fixture and file helpers of the unit tests of on-disk
 * formats (test_journal.c, test_snapfile.c): a fresh temporary directory
 * per test, whole-file reads and writes in it, damage by flipping a byte,
 * and a child process in which a small RLIMIT_FSIZE stands in for a full
 * disk.
 *
 *   TestSuite(journal, .init = testfs_setup, .fini = testfs_teardown);
 *
 *   Test(journal, x)
 *   {
 *           journal_open(testfs_dir, ...);
 *           testfs_flip_byte("journal-00000000000000000001.log", 20, 0x01);
 *   }
 *
 * Criterion runs each test in a process of its own, with .init and .fini,
 * so testfs_dir is the directory of the one test running.  File names are
 * relative to it.  A helper whose failure means the test itself is broken
 * fails the test with cr_assert instead of returning an error.
 */
#ifndef VA_TEST_TESTFS_H
#define VA_TEST_TESTFS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* The running test's directory: "<$TMPDIR or /tmp>/test_<suite>.XXXXXX". */
extern char testfs_dir[PATH_MAX];

/* testfs_setup - the suite's .init: make a fresh testfs_dir. */
void testfs_setup(void);

/* testfs_teardown - the suite's .fini: remove testfs_dir and everything
 * below it (symlinks are not followed); stops at the first entry that
 * cannot be removed. */
void testfs_teardown(void);

/* testfs_path - "<testfs_dir>/<name>", in a static buffer that the next
 * call overwrites. */
const char *testfs_path(const char *name);

/* testfs_read - the whole file; its size in *len_p.  The buffer (one byte
 * longer than the file) is the caller's to free(). */
unsigned char *testfs_read(const char *name, size_t *len_p);

/* testfs_write - create or replace the file with len bytes at buf. */
void testfs_write(const char *name, const void *buf, size_t len);

/* testfs_append - append len bytes at buf to the file (created if need be). */
void testfs_append(const char *name, const void *buf, size_t len);

/* testfs_size - the file's size, -1 if it does not exist. */
off_t testfs_size(const char *name);

/* testfs_flip_byte - xor the byte at offset off of the file, which must
 * exist, with mask, in place. */
void testfs_flip_byte(const char *name, off_t off, unsigned char mask);

/* testfs_count - the number of entries whose name starts with prefix (""
 * for all), leaving out those that start with '.'. */
size_t testfs_count(const char *prefix);

/* testfs_set_fsize_limit - set the soft RLIMIT_FSIZE of this process.
 * Returns 0 or -1; for testfs_run_child()'s fn, which reports steps rather
 * than asserting. */
int testfs_set_fsize_limit(rlim_t soft);

/*
 * testfs_run_child - run fn in a child process with SIGXFSZ ignored, so
 * that writing past RLIMIT_FSIZE fails with EFBIG as on a full disk
 * instead of killing the process; the limit dies with the child.  fn
 * returns 0, or the number of the step that failed.  Fails the test if
 * the child dies or returns non-zero.
 */
void testfs_run_child(int (*fn)(void));

#endif
