/* ctxsw.c - the ctxsw benchmark: N one-byte round trips over two pipes between two processes, us each. */
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* The child echoes every byte it reads on `in` back on `out`, until EOF. */
static void echo_loop(int in, int out)
{
    char c;
    while (read(in, &c, 1) == 1)
        if (write(out, &c, 1) != 1)
            _exit(1);
    _exit(0);
}

int bench__ctxsw(long round_trips, const char *self)
{
    int ping[2], pong[2];
    if (pipe(ping) || pipe(pong))
        return bench__fail("ctxsw", "pipe");
    pid_t pid = fork();
    if (pid < 0)
        return bench__fail("ctxsw", "fork");
    if (pid == 0) {
        close(ping[1]);
        close(pong[0]);
        echo_loop(ping[0], pong[1]);
    }
    close(ping[0]);
    close(pong[1]);

    uint64_t t0 = bench__start("ctxsw");
    for (long i = 0; i < round_trips; i++) {
        char c = (char)i, back;
        if (write(ping[1], &c, 1) != 1 || read(pong[0], &back, 1) != 1 || back != c)
            return bench__fail("ctxsw", "round trip");
    }
    uint64_t ns = bench__now_ns() - t0;
    close(ping[1]);
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return bench__fail("ctxsw", "the echoing child");
    bench__report("ctxsw", round_trips, ns, (double)ns / round_trips / 1e3, "us/roundtrip", 0, 0);
    return 0;
}
