/* compute.c - the compute benchmark: SHA-256 over N MiB of a fixed pseudo-random pattern. */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "sha256.h"

#define CHUNK (1u << 20)

/* The FIPS 180-4 example "abc" (NIST's SHA256.pdf): a wrong SHA-256 fails
 * the benchmark instead of timing a wrong program. */
static int self_test(void)
{
    static const uint8_t want[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
    };
    struct sha256 s;
    uint8_t got[32];
    sha256__init(&s);
    sha256__update(&s, "abc", 3);
    sha256__final(&s, got);
    return memcmp(got, want, 32) == 0;
}

int bench__compute(long mib, const char *self)
{
    if (!self_test())
        return bench__fail("compute", "SHA-256 of \"abc\" is wrong");
    uint32_t *buf = malloc(CHUNK);
    if (!buf)
        return bench__fail("compute", "malloc");
    uint32_t x = 0x12345678;    /* xorshift32 */
    for (size_t i = 0; i < CHUNK / 4; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = x;
    }

    struct sha256 s;
    uint8_t digest[32];
    uint64_t t0 = bench__start("compute");
    sha256__init(&s);
    for (long i = 0; i < mib; i++) {
        buf[0] = (uint32_t)i;   /* each MiB differs from the previous one */
        sha256__update(&s, buf, CHUNK);
    }
    sha256__final(&s, digest);
    uint64_t ns = bench__now_ns() - t0;

    uint32_t sum = (uint32_t)digest[0] << 24 | digest[1] << 16 | digest[2] << 8 | digest[3];
    bench__report("compute", mib, ns, (double)mib * CHUNK / 1e6 / (ns / 1e9), "MB/s", 1, sum);
    free(buf);
    return 0;
}
