/*
 * test_crc32c.c - daemon/crc32c.c: the published check value, chaining,
 * and both implementations against a bit-at-a-time reference.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"

/* The definition, one bit at a time. */
static uint32_t crc_ref(const unsigned char *p, size_t len)
{
	uint32_t c = 0xFFFFFFFFu;

	while (len--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
	}
	return ~c;
}

static void fill_random(unsigned char *p, size_t len, unsigned seed)
{
	uint64_t x = 0x9E3779B97F4A7C15ull * (seed + 1);

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)x;
	}
}

Test(crc32c, check_value)
{
	cr_assert_eq(crc32c("123456789", 9), 0xE3069283u);
	cr_assert_eq(crc32c__update_sw(0, "123456789", 9), 0xE3069283u);
	cr_assert_eq(crc32c__update_hw(0, "123456789", 9), 0xE3069283u);
}

Test(crc32c, empty_is_zero)
{
	cr_assert_eq(crc32c(NULL, 0), 0u);
	cr_assert_eq(crc32c_update(0x12345678u, NULL, 0), 0x12345678u);
}

/* Published test vectors of RFC 3720 (iSCSI), appendix B.4. */
Test(crc32c, rfc3720_vectors)
{
	unsigned char buf[48];

	memset(buf, 0, 32);
	cr_assert_eq(crc32c(buf, 32), 0x8A9136AAu);
	memset(buf, 0xFF, 32);
	cr_assert_eq(crc32c(buf, 32), 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (unsigned char)i;
	cr_assert_eq(crc32c(buf, 32), 0x46DD794Eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (unsigned char)(31 - i);
	cr_assert_eq(crc32c(buf, 32), 0x113FDB5Cu);
}

Test(crc32c, implementations_match_reference)
{
	unsigned char buf[4096 + 16];

	fill_random(buf, sizeof buf, 1);
	/* every length up to 300 and every start alignment up to 8 */
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len <= 300; len++) {
			uint32_t want = crc_ref(buf + off, len);

			cr_assert_eq(crc32c__update_sw(0, buf + off, len), want,
				     "sw: off %zu len %zu", off, len);
			cr_assert_eq(crc32c__update_hw(0, buf + off, len), want,
				     "hw: off %zu len %zu", off, len);
			cr_assert_eq(crc32c(buf + off, len), want, "off %zu len %zu", off, len);
		}
	cr_assert_eq(crc32c(buf, 4096), crc_ref(buf, 4096));
	cr_assert_eq(crc32c__update_sw(0, buf + 3, 4099), crc_ref(buf + 3, 4099));
}

Test(crc32c, incremental_equals_one_shot)
{
	size_t len = 10000;
	unsigned char *buf = malloc(len);

	cr_assert_not_null(buf);
	fill_random(buf, len, 2);
	uint32_t whole = crc32c(buf, len);

	for (size_t cut = 0; cut <= len; cut += 37) {
		uint32_t c = crc32c_update(0, buf, cut);

		cr_assert_eq(crc32c_update(c, buf + cut, len - cut), whole, "cut at %zu", cut);
		cr_assert_eq(
		    crc32c__update_sw(crc32c__update_hw(0, buf, cut), buf + cut, len - cut), whole,
		    "mixed, cut at %zu", cut);
	}
	/* byte by byte */
	uint32_t c = 0;
	for (size_t i = 0; i < len; i++)
		c = crc32c_update(c, buf + i, 1);
	cr_assert_eq(c, whole);
	free(buf);
}

Test(crc32c, detects_single_bit_flips)
{
	unsigned char buf[64];

	fill_random(buf, sizeof buf, 3);
	uint32_t good = crc32c(buf, sizeof buf);

	for (size_t bit = 0; bit < sizeof buf * 8; bit++) {
		buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		cr_assert_neq(crc32c(buf, sizeof buf), good, "bit %zu", bit);
		buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
}
