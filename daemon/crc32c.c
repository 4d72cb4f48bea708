/*
 * crc32c.c - CRC-32C (Castagnoli) for the journal and the snapshots.
 *
 * Two implementations of the same reflected CRC (polynomial 0x82F63B78):
 *
 *   - hardware: the SSE4.2 CRC32 instruction computes exactly this CRC, 8
 *     bytes at a time; chosen at run time when the processor has it;
 *   - software: slicing-by-8 (Intel's technique, also in zlib and
 *     LevelDB): eight 256-entry tables let one step consume 8 bytes with
 *     eight independent look-ups instead of a chain of eight.
 *
 * The tables and the choice are written once, under pthread_once, by
 * whichever thread computes the first CRC (the loop thread and the
 * threadpool both do); they are read-only afterwards.
 *
 * Both work on the "raw" register; the public functions do the inversion
 * on entry and exit, which is what makes crc32c_update() chain.
 */
#include "crc32c.h"

#include <pthread.h>
#include <string.h>

#define CRC32C_POLY 0x82F63B78u

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRC32C_X86 1
#include <nmmintrin.h>
#endif

typedef uint32_t (*crc32c_raw_fn)(uint32_t crc, const unsigned char *p, size_t len);

static uint32_t crc32c_table[8][256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;
static crc32c_raw_fn crc32c_raw;
static int crc32c_hw;

static uint32_t load_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t crc32c_raw_sw(uint32_t crc, const unsigned char *p, size_t len)
{
	const uint32_t *t0 = crc32c_table[0], *t1 = crc32c_table[1], *t2 = crc32c_table[2];
	const uint32_t *t3 = crc32c_table[3], *t4 = crc32c_table[4], *t5 = crc32c_table[5];
	const uint32_t *t6 = crc32c_table[6], *t7 = crc32c_table[7];

	while (len >= 8) {
		uint32_t lo = load_le32(p) ^ crc;
		uint32_t hi = load_le32(p + 4);

		crc = t7[lo & 0xff] ^ t6[(lo >> 8) & 0xff] ^ t5[(lo >> 16) & 0xff] ^ t4[lo >> 24] ^
		      t3[hi & 0xff] ^ t2[(hi >> 8) & 0xff] ^ t1[(hi >> 16) & 0xff] ^ t0[hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = t0[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

#ifdef CRC32C_X86
__attribute__((target("sse4.2"))) static uint32_t crc32c_raw_hw(uint32_t crc,
								const unsigned char *p, size_t len)
{
	uint64_t c = crc;

	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, sizeof v);
		c = _mm_crc32_u64(c, v);
		p += 8;
		len -= 8;
	}
	crc = (uint32_t)c;
	while (len--)
		crc = _mm_crc32_u8(crc, *p++);
	return crc;
}
#endif

static void crc32c_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		crc32c_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++) {
			uint32_t prev = crc32c_table[k - 1][i];

			crc32c_table[k][i] = (prev >> 8) ^ crc32c_table[0][prev & 0xff];
		}

	crc32c_raw = crc32c_raw_sw;
#ifdef CRC32C_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("sse4.2")) {
		crc32c_hw = 1;
		crc32c_raw = crc32c_raw_hw;
	}
#endif
}

uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&crc32c_once, crc32c_init);
	if (len == 0)
		return crc;
	return ~crc32c_raw(~crc, buf, len);
}

uint32_t crc32c(const void *buf, size_t len)
{
	return crc32c_update(0, buf, len);
}

uint32_t crc32c__update_sw(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&crc32c_once, crc32c_init);
	if (len == 0)
		return crc;
	return ~crc32c_raw_sw(~crc, buf, len);
}

uint32_t crc32c__update_hw(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&crc32c_once, crc32c_init);
#ifdef CRC32C_X86
	if (crc32c_hw && len > 0)
		return ~crc32c_raw_hw(~crc, buf, len);
#endif
	return crc32c__update_sw(crc, buf, len);
}

int crc32c__have_hw(void)
{
	pthread_once(&crc32c_once, crc32c_init);
	return crc32c_hw;
}
