/* report.c - timing and the result line every guest benchmark prints. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench.h"

uint64_t bench__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench__start(const char *name)
{
    printf("bench-begin %s\n", name);
    fflush(stdout);
    return bench__now_ns();
}

void bench__report(const char *name, long n, uint64_t ns, double value, const char *unit,
                   int has_checksum, uint32_t checksum)
{
    /* First a line as long as the begin line, so that the host's view of
     * the time between them does not depend on how fast the console is. */
    printf("bench-ended %s\n", name);
    fflush(stdout);
    printf("bench %s n=%ld ns=%llu value=%.6g unit=%s", name, n, (unsigned long long)ns,
           value, unit);
    if (has_checksum)
        printf(" checksum=%08x", checksum);
    printf("\n");
    fflush(stdout);
}

int bench__fail(const char *name, const char *what)
{
    printf("bench %s FAILED: %s: %s\n", name, what, strerror(errno));
    fflush(stdout);
    return 1;
}
