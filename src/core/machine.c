/* machine.c - one virtual PC: physical memory routing, I/O, the stop latch, the run loop. */
#define _GNU_SOURCE /* ppoll */
#include "machine.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/engine.h"
#include "core/log.h"
#include "core/stats.h"

/* The legacy PC hole between 640 KiB and 1 MiB (VGA memory and ROMs) is
 * not RAM: accesses there go to the MMIO bus. */
#define LEGACY_HOLE_START 0xa0000u
#define LEGACY_HOLE_END   0x100000u

void machine__stop(struct machine *m, enum stop_reason why, int exit_status)
{
    if (m->stop != STOP_NONE)
        return;
    m->exit_status = exit_status;
    m->stop = why;
}

void machine__kill(struct machine *m, const char *fmt, ...)
{
    if (m->stop != STOP_NONE)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->stop_message, sizeof(m->stop_message), fmt, ap);
    va_end(ap);
    machine__stop(m, STOP_DEAD, 1);
}

void machine__request_reset(struct machine *m)
{
    if (m->no_reboot)
        machine__stop(m, STOP_RESET, 0);
    else
        machine__stop(m, STOP_REBOOT, 0);
}

uint8_t *phys__host(struct machine *m, uint32_t paddr, uint32_t len)
{
    uint64_t end = (uint64_t)paddr + len;

    if (end > m->ram.size)
        return NULL;
    if (paddr < LEGACY_HOLE_END && end > LEGACY_HOLE_START)
        return NULL;
    return m->ram.host + paddr;
}

uint32_t phys__read(struct machine *m, uint32_t paddr, unsigned size)
{
    const uint8_t *p = phys__host(m, paddr, size);
    if (!p)
        return bus__read(&m->bus, BUS_MMIO, paddr, size);
    uint32_t v = 0;
    memcpy(&v, p, size); /* the host is little-endian like the guest */
    return v;
}

void phys__write(struct machine *m, uint32_t paddr, uint32_t value, unsigned size)
{
    uint8_t *p = phys__host(m, paddr, size);
    if (!p) {
        bus__write(&m->bus, BUS_MMIO, paddr, value, size);
        return;
    }
    memcpy(p, &value, size);
}

uint32_t machine__io_read(struct machine *m, uint16_t port, unsigned size)
{
    return bus__read(&m->bus, BUS_PIO, port, size);
}

void machine__io_write(struct machine *m, uint16_t port, uint32_t value, unsigned size)
{
    bus__write(&m->bus, BUS_PIO, port, value, size);
}

/* A halted CPU wakes only through an interrupt: with IF clear (NMIs aside)
 * or with nothing wired to INTR, it never will. */
static bool halted_forever(const struct machine *m)
{
    const struct cpu *cpu = &m->cpu;
    if (cpu->nmi_pending)
        return false;
    return !(cpu->eflags & F_IF) || !m->intr_ack;
}

/* An event the engine would take at once, ending a halt. */
static bool event_pending(const struct machine *m)
{
    return m->cpu.nmi_pending || (m->intr_line && (m->cpu.eflags & F_IF));
}

int machine__add_wait_fd(struct machine *m, int fd, void (*ready)(void *opaque), void *opaque)
{
    if (m->nwait_fds == MACHINE_MAX_WAIT_FDS)
        return -ENOSPC;
    m->wait_fds[m->nwait_fds++] = (struct wait_fd){ fd, true, ready, opaque };
    return 0;
}

void machine__enable_wait_fd(struct machine *m, int fd, bool on)
{
    for (int i = 0; i < m->nwait_fds; i++)
        if (m->wait_fds[i].fd == fd)
            m->wait_fds[i].enabled = on;
}

/* The longest single host sleep: a bound on how late a stop request that
 * raced with the sleep (a signal just before ppoll) is noticed. */
#define MAX_SLEEP_NS 100000000u

/* Wait in ppoll for the enabled fds for up to wait host ns (0: just
 * look), then run the callbacks of the fds that became ready. */
static void poll_fds(struct machine *m, uint64_t wait)
{
    struct pollfd pfd[MACHINE_MAX_WAIT_FDS];
    int which[MACHINE_MAX_WAIT_FDS];
    nfds_t n = 0;

    for (int i = 0; i < m->nwait_fds; i++) {
        if (!m->wait_fds[i].enabled)
            continue;
        pfd[n] = (struct pollfd){ .fd = m->wait_fds[i].fd, .events = POLLIN };
        which[n++] = i;
    }
    if (wait > MAX_SLEEP_NS)
        wait = MAX_SLEEP_NS;
    struct timespec ts = { .tv_sec = wait / 1000000000u, .tv_nsec = wait % 1000000000u };
    if (ppoll(pfd, n, &ts, NULL) <= 0)
        return; /* timeout, or a signal: the caller looks at the stop latch */
    for (nfds_t i = 0; i < n; i++)
        if (pfd[i].revents)
            m->wait_fds[which[i]].ready(m->wait_fds[which[i]].opaque);
}

/* While the guest runs, its fds are looked at every FD_POLL_NS of host
 * time: interactive latency without a system call per slice. */
#define FD_POLL_NS 2000000u

static void poll_fds_running(struct machine *m)
{
    if (!m->nwait_fds)
        return;
    uint64_t host = timers__host_now(&m->timers);
    if (host < m->next_fd_poll)
        return;
    m->next_fd_poll = host + FD_POLL_NS;
    poll_fds(m, 0);
}

/* With -d stats, bt86's own memory is sampled every MEM_SAMPLE_NS of host
 * time, for the peak it prints (stats.c). */
#define MEM_SAMPLE_NS 100000000u

static void sample_memory(struct machine *m)
{
    static uint64_t next;
    if (!log__on(LOG_stats))
        return;
    uint64_t host = timers__host_now(&m->timers);
    if (host < next)
        return;
    next = host + MEM_SAMPLE_NS;
    stats__sample_memory();
}

/* HLT with interrupts enabled: sleep the host thread until the next timer
 * deadline or until an fd has input; never spin. */
static void wait_for_event(struct machine *m)
{
    stats.halt_sleeps++;
    uint64_t next = timers__next(&m->timers);
    poll_fds(m, next == TIMER_NEVER ? MAX_SLEEP_NS : timers__host_delay(&m->timers, next));
}

/* Host time per engine call at most. Timers fire between slices; a slice
 * also ends at the next timer deadline (timers__slice_begin), and the
 * loop polls the host fds between slices. In instructions, at the guest's
 * recent speed: the interpreter's tens of millions per second make a few
 * thousand, translated code a few hundred thousand, so that what a slice
 * costs around it (reading host clocks, bt's entry) stays small; at least
 * RUN_SLICE_MIN. */
#define RUN_SLICE_NS 250000u
#define RUN_SLICE_MIN 16384u

int machine__run(struct machine *m)
{
    while (m->stop == STOP_NONE) {
        stats.timer_fires += timers__run(&m->timers);
        if (!m->cpu.halted || event_pending(m)) {
            uint64_t most = timers__insns_in(&m->timers, RUN_SLICE_NS, RUN_SLICE_MIN);
            m->engine->run(m, timers__slice_begin(&m->timers, &m->cpu.icount, most));
            timers__slice_end(&m->timers);
            poll_fds_running(m);
            sample_memory(m);
            continue;
        }
        if (halted_forever(m)) {
            snprintf(m->stop_message, sizeof(m->stop_message),
                     "guest halted at %04x:%08x with interrupts %s",
                     m->cpu.seg[S_CS].sel, m->cpu.eip,
                     (m->cpu.eflags & F_IF) ? "enabled and no interrupt source" : "disabled");
            machine__stop(m, STOP_SHUTDOWN, 0);
            break;
        }
        wait_for_event(m);
    }
    return m->exit_status;
}
