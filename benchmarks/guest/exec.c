/* exec.c - the exec benchmark: N fork+execve+waitpid of the tiny static program bench-exit, us each. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

int bench__exec(long execs, const char *self)
{
    /* bench-exit lies beside this program. */
    char path[PATH_MAX];
    const char *slash = strrchr(self, '/');
    int dir = slash ? (int)(slash - self + 1) : 0;
    snprintf(path, sizeof path, "%.*sbench-exit", dir, self);
    if (access(path, X_OK))
        return bench__fail("exec", path);

    char *argv[] = { path, NULL }, *envp[] = { NULL };
    uint64_t t0 = bench__start("exec");
    for (long i = 0; i < execs; i++) {
        pid_t pid = fork();
        if (pid < 0)
            return bench__fail("exec", "fork");
        if (pid == 0) {
            execve(path, argv, envp);
            _exit(127);
        }
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 42)
            return bench__fail("exec", "the child did not exit with bench-exit's status 42");
    }
    uint64_t ns = bench__now_ns() - t0;
    bench__report("exec", execs, ns, (double)ns / execs / 1e3, "us/exec", 0, 0);
    return 0;
}
