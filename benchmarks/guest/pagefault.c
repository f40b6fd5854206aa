/* pagefault.c - the pagefault benchmark: first touch of N fresh anonymous pages, ns per page. */
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

/* Pages mapped at a time: 16 MiB, which a 128 MiB guest holds. */
#define BATCH 4096L

/* The timed loop maps, touches and unmaps each batch, so that the host's
 * view of it (from the begin line to the result line) is the same work:
 * a page's figure is its fault plus its share of mmap and munmap. */
int bench__pagefault(long pages, const char *self)
{
    long page = sysconf(_SC_PAGESIZE);
    uint64_t t0 = bench__start("pagefault");
    for (long done = 0; done < pages; done += BATCH) {
        long n = pages - done < BATCH ? pages - done : BATCH;
        volatile char *p = mmap(NULL, n * page, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return bench__fail("pagefault", "mmap");
        /* One fault per page, also on a host with transparent huge pages;
         * a kernel without them refuses, which is the same thing. */
        madvise((void *)p, n * page, MADV_NOHUGEPAGE);
        for (long i = 0; i < n; i++)
            p[i * page] = 1;
        munmap((void *)p, n * page);
    }
    uint64_t ns = bench__now_ns() - t0;
    bench__report("pagefault", pages, ns, (double)ns / pages, "ns/page", 0, 0);
    return 0;
}
