/* syscall.c - the syscall benchmark: N getppid system calls, ns per call. */
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

int bench__syscall(long calls, const char *self)
{
    pid_t want = getppid();
    uint64_t t0 = bench__start("syscall");
    for (long i = 0; i < calls; i++) {
        /* syscall() so that no C library can answer from a cache. */
        if (syscall(SYS_getppid) != want)
            return bench__fail("syscall", "getppid changed");
    }
    uint64_t ns = bench__now_ns() - t0;
    bench__report("syscall", calls, ns, (double)ns / calls, "ns/call", 0, 0);
    return 0;
}
