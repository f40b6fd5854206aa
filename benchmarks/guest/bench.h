/* bench.h - shared helpers of the guest benchmark programs (timing, the result line, failing). */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>

/* One benchmark: runs N units of work and prints its result line. */
typedef int (*bench_fn)(long n, const char *self);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench__now_ns(void);

/* Prints "bench-begin NAME" (the host times a guest from this line to the
 * result line) and returns bench__now_ns(): call it where timing starts. */
uint64_t bench__start(const char *name);

/* Prints "bench-ended NAME" and the machine-readable result line
 *     bench NAME n=N ns=TOTAL value=VALUE unit=UNIT [checksum=HEX]
 * where VALUE is the per-unit figure (checksum 0 and no checksum are told
 * apart by has_checksum). */
void bench__report(const char *name, long n, uint64_t ns, double value, const char *unit,
                   int has_checksum, uint32_t checksum);

/* Prints "bench NAME FAILED: WHAT: errno text" and returns 1. */
int bench__fail(const char *name, const char *what);

int bench__compute(long mib, const char *self);
int bench__syscall(long calls, const char *self);
int bench__pagefault(long pages, const char *self);
int bench__forkwait(long forks, const char *self);
int bench__ctxsw(long round_trips, const char *self);
int bench__exec(long execs, const char *self);
int bench__memcpy(long mib, const char *self);

#endif
