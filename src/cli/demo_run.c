/* demo_run.c - run the built-in probe guest under one engine, in a child
 * process, and collect what each probe reported through the demo's port device. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/demo.h"
#include "core/engine.h"
#include "core/log.h"
#include "core/machine.h"
#include "demo_probes_image.h" /* probes_bin[], probes_bin_len: guests/probes */
#include "loaders/multiboot.h"

#define DEMO_RAM (16u << 20)
#define DEMO_PORT 0xe0       /* probes.asm: PORT_VALUE .. PORT_DONE */
#define DEMO_PORTS 10
#define DEMO_TIMEOUT_S 60

struct demo_device {
    struct machine *m;
    struct demo_result *r;
    int probe;          /* the probe reporting now, -1 before the first */
    bool show;          /* --show-translation: label the log by probe */
    uint64_t clock_start;
};

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void demo_device__report(struct demo_device *d, uint32_t v)
{
    if (d->probe >= 0 && d->probe < DEMO_MAX_PROBES) {
        d->r->reported[d->probe] = true;
        d->r->value[d->probe] = v;
    }
}

/* The ports of probes.asm's protocol (see its header comment). */
static void demo_device__write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct demo_device *d = opaque;
    switch (offset) {
    case 0: /* PORT_VALUE */
        demo_device__report(d, value);
        break;
    case 2: /* PORT_VFLAGS: the VM's own IF and IOPL, as the engine keeps them */
        demo_device__report(d, d->m->cpu.eflags & (F_IF | F_IOPL));
        break;
    case 4: /* PORT_ID */
        d->probe = (int)value;
        if (d->show && d->probe >= 0 && d->probe < demo_nprobes)
            fprintf(log_file, "\n== probe %d: %s, ring %d\n", d->probe,
                    demo_probes[d->probe].insn, demo_probes[d->probe].ring);
        break;
    case 6: /* PORT_CLOCK */
        if (d->show && log_mask) {
            fprintf(log_file, "\n== timing loops: log off\n");
            log_mask = 0; /* 2 x DEMO_LOOPS iterations would drown the probes */
        }
        if (value == 0)
            d->clock_start = host_ns();
        else if (value < 3)
            d->r->clock_ns[value] = host_ns() - d->clock_start;
        break;
    case 8: /* PORT_DONE */
        d->r->ran = true;
        machine__stop(d->m, STOP_SHUTDOWN, 0);
        break;
    }
}

/* Build a bare machine (RAM, the demo device, no PC board: the probes need
 * no interrupts), load the probe guest, run it. */
static void demo__child(const struct engine *e, bool show, struct demo_result *r)
{
    struct machine *m = calloc(1, sizeof(*m));
    struct demo_device d = { .m = m, .r = r, .probe = -1, .show = show };
    char err[256];
    int rc;

    if (!m || (rc = guest_ram__init(&m->ram, DEMO_RAM))) {
        snprintf(r->error, sizeof(r->error), "cannot allocate guest RAM");
        return;
    }
    bus__init(&m->bus);
    m->cpu.m = m;
    cpu__reset(&m->cpu);
    m->no_reboot = true;
    bus__register(&m->bus, BUS_PIO, DEMO_PORT, DEMO_PORTS, &d, NULL, demo_device__write,
                  "demo-probes");
    if (multiboot__load_image(m, "probes", probes_bin, probes_bin_len, "", NULL, 0, err,
                              sizeof(err))) {
        snprintf(r->error, sizeof(r->error), "%s", err);
        return;
    }
    m->engine = e;
    if ((rc = e->init(m))) {
        snprintf(r->error, sizeof(r->error), "cannot start the engine: %s", strerror(-rc));
        return;
    }
    machine__run(m);
    if (!r->ran)
        snprintf(r->error, sizeof(r->error), "the guest stopped early: %s",
                 *m->stop_message ? m->stop_message : "no reason given");
    e->destroy(m);
}

/* Read the child's result until host time deadline; returns the bytes read. */
static ssize_t demo__collect(int fd, struct demo_result *r, uint64_t deadline)
{
    ssize_t got = 0;
    while (got < (ssize_t)sizeof(*r)) {
        uint64_t now = host_ns();
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (now >= deadline || poll(&p, 1, (int)((deadline - now) / 1000000u) + 1) <= 0)
            break;
        ssize_t n = read(fd, (char *)r + got, sizeof(*r) - (size_t)got);
        if (n <= 0)
            break;
        got += n;
    }
    return got;
}

void demo__run(const struct engine *e, bool show_translation, struct demo_result *r)
{
    int fds[2];
    memset(r, 0, sizeof(*r));
    fflush(NULL);
    if (pipe(fds) != 0) {
        snprintf(r->error, sizeof(r->error), "pipe: %s", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(r->error, sizeof(r->error), "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        const char *bad;
        if (show_translation)
            log__parse("in_asm,out_asm,int", &bad); /* int: what trapped, under trap */
        demo__child(e, show_translation, r);
        ssize_t n = write(fds[1], r, sizeof(*r));
        _exit(n == (ssize_t)sizeof(*r) ? 0 : 1);
    }
    close(fds[1]);
    uint64_t deadline = host_ns() + DEMO_TIMEOUT_S * 1000000000ull;
    ssize_t got = demo__collect(fds[0], r, deadline);
    close(fds[0]);
    /* Short of a whole result: the child died, or hangs (kill it). */
    bool hung = got != (ssize_t)sizeof(*r) && host_ns() >= deadline;
    if (hung)
        kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got != (ssize_t)sizeof(*r)) {
        memset(r, 0, sizeof(*r));
        if (hung)
            snprintf(r->error, sizeof(r->error), "no answer in %d s (killed)", DEMO_TIMEOUT_S);
        else if (WIFSIGNALED(status))
            snprintf(r->error, sizeof(r->error), "crashed (%s)", strsignal(WTERMSIG(status)));
        else
            snprintf(r->error, sizeof(r->error), "exited with status %d", WEXITSTATUS(status));
    }
}
