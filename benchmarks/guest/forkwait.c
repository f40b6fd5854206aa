/* forkwait.c - the forkwait benchmark: N fork+waitpid pairs whose child exits at once, us each. */
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

int bench__forkwait(long forks, const char *self)
{
    uint64_t t0 = bench__start("forkwait");
    for (long i = 0; i < forks; i++) {
        pid_t pid = fork();
        if (pid < 0)
            return bench__fail("forkwait", "fork");
        if (pid == 0)
            _exit(7);
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 7)
            return bench__fail("forkwait", "waitpid");
    }
    uint64_t ns = bench__now_ns() - t0;
    bench__report("forkwait", forks, ns, (double)ns / forks / 1e3, "us/fork", 0, 0);
    return 0;
}
