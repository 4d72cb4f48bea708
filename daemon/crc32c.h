/*
 * crc32c.h - CRC-32C (Castagnoli), the checksum of the journal records and
 * the snapshot files.
 *
 * Polynomial 0x1EDC6F41 (reflected 0x82F63B78), initial value and final
 * xor 0xFFFFFFFF: the CRC of iSCSI, ext4 metadata, LevelDB and etcd.  The
 * check value of the ASCII string "123456789" is 0xE3069283.
 *
 * crc32c_update() chains like zlib's crc32(): crc32c_update(0, buf, len)
 * equals crc32c(buf, len), and crc32c_update(crc32c(a), b) is the CRC of
 * a followed by b.
 *
 * On x86-64 processors with SSE4.2 the CRC32 instruction is used (about
 * 8 bytes a cycle); elsewhere a slicing-by-8 table (8 x 256 entries, built
 * once on first use under pthread_once).  Both are thread-safe.
 */
#ifndef VA_CRC32C_H
#define VA_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* crc32c_update - extend crc, the CRC of the bytes before buf (0 for none),
 * with len bytes at buf.  buf may be NULL when len is 0. */
uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len);

/* crc32c - the CRC of len bytes at buf. */
uint32_t crc32c(const void *buf, size_t len);

/* Internal, for the unit tests: the two implementations, same contract as
 * crc32c_update().  crc32c__update_hw() may only be called when
 * crc32c__have_hw() returns 1. */
uint32_t crc32c__update_sw(uint32_t crc, const void *buf, size_t len);
uint32_t crc32c__update_hw(uint32_t crc, const void *buf, size_t len);
int crc32c__have_hw(void);

#endif
