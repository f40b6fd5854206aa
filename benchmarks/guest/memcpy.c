/* memcpy.c - the memcpy benchmark: N MiB copied in 4 MiB memcpy calls, MB/s, with a checksum of the copies. */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define SIZE (4u << 20)
#define WORDS (SIZE / 4)

int bench__memcpy(long mib, const char *self)
{
    uint32_t *src = malloc(SIZE), *dst = malloc(SIZE);
    if (!src || !dst)
        return bench__fail("memcpy", "malloc");
    for (uint32_t i = 0; i < WORDS; i++)
        src[i] = i * 2654435761u;
    memset(dst, 0, SIZE);

    long copies = (mib + 3) / 4;
    uint32_t sum = 0;
    uint64_t t0 = bench__start("memcpy");
    for (long i = 0; i < copies; i++) {
        src[(i * 4099u) % WORDS] ^= (uint32_t)i;   /* each copy differs */
        memcpy(dst, src, SIZE);
        sum = sum * 31 + dst[(i * 7919u) % WORDS];
    }
    uint64_t ns = bench__now_ns() - t0;
    for (uint32_t i = 0; i < WORDS; i += 1021)
        sum = sum * 31 + dst[i];

    double bytes = (double)copies * SIZE;
    bench__report("memcpy", copies * 4, ns, bytes / 1e6 / (ns / 1e9), "MB/s", 1, sum);
    free(src);
    free(dst);
    return 0;
}
