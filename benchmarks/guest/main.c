/* main.c - the guest benchmark program: `bench NAME N` runs benchmark NAME on N units of work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static const struct {
    const char *name;
    bench_fn run;
    const char *unit_of_work;
} benches[] = {
    { "compute", bench__compute, "MiB hashed with SHA-256" },
    { "syscall", bench__syscall, "getppid calls" },
    { "pagefault", bench__pagefault, "fresh anonymous pages touched" },
    { "forkwait", bench__forkwait, "fork+wait pairs" },
    { "ctxsw", bench__ctxsw, "pipe round trips between two processes" },
    { "exec", bench__exec, "fork+execve+wait of a tiny static program" },
    { "memcpy", bench__memcpy, "MiB copied" },
};

static int usage(void)
{
    fprintf(stderr, "usage: bench NAME N\n");
    for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++)
        fprintf(stderr, "  %-10s N = %s\n", benches[i].name, benches[i].unit_of_work);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return usage();
    char *end;
    long n = strtol(argv[2], &end, 10);
    if (*end || n <= 0)
        return usage();
    for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++) {
        if (strcmp(argv[1], benches[i].name) == 0)
            return benches[i].run(n, argv[0]);
    }
    return usage();
}
