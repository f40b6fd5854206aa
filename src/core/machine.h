/* machine.h - one virtual PC: CPU, RAM, buses, devices, and the run loop. */
#ifndef BT86_CORE_MACHINE_H
#define BT86_CORE_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "cpu.h"
#include "guest_ram.h"
#include "timer.h"

struct engine;

/* A host file descriptor the run loop watches (terminal input…): ready is
 * called from the run loop when fd is readable or hung up. A halted guest
 * sleeps in ppoll on these and the next timer deadline. */
struct wait_fd {
    int fd;
    bool enabled; /* a device that cannot take more input disables its fd */
    void (*ready)(void *opaque);
    void *opaque;
};

#define MACHINE_MAX_WAIT_FDS 8

/* Why the machine stopped running. Each maps to a distinct exit status of
 * the bt86 command (see the CLI). */
enum stop_reason {
    STOP_NONE = 0,
    STOP_DEBUG_EXIT,   /* isa-debug-exit written: status = (value << 1) | 1 */
    STOP_SHUTDOWN,     /* guest halted with interrupts off, or powered off */
    STOP_RESET,        /* guest asked for a reset while -no-reboot */
    STOP_TRIPLE_FAULT, /* triple fault (with -no-reboot, or nothing to reset into) */
    STOP_DEAD,         /* the guest can no longer run: see m->stop_message */
    STOP_USER,         /* user quit (signal, Ctrl-A x) */
    STOP_REBOOT,       /* guest asked for a reset: the CLI rebuilds the machine and boots again */
    STOP_GUEST_PANIC,  /* the guest kernel panicked (seen on its console): m->stop_message */
};

struct machine {
    struct cpu cpu;
    struct guest_ram ram;
    struct bus bus;
    const struct engine *engine;
    void *engine_state;

    bool no_reboot;
    uint32_t tb_size; /* -tb-size: bytes of bt's code cache (0: the engine's default) */
    /* Sources holding the A20 gate open (A20_SRC_* in devices/devices.h):
     * A20 is enabled while any of them is set. */
    uint8_t a20_sources;

    /* The CPU's INTR input. The interrupt controller (when present) sets
     * intr_line and answers the acknowledge cycle with a vector. */
    volatile bool intr_line;
    int (*intr_ack)(void *opaque);
    void *intr_opaque;
    /* The controller's request latch for IRQ irq (IRR): true from the
     * request until the CPU acknowledges it. NULL without a controller. */
    bool (*irq_requested)(void *opaque, int irq);

    /* Guest time and device deadlines; host fds the run loop waits on. */
    struct timers timers;
    struct wait_fd wait_fds[MACHINE_MAX_WAIT_FDS];
    int nwait_fds;
    uint64_t next_fd_poll;      /* host ns: when the running guest's fds are looked at */

    /* Sticky stop latch: once set, engines return and the run loop ends. */
    volatile enum stop_reason stop;
    int exit_status;
    char stop_message[256];
};

/* Latch a stop. The first reason wins; later calls are ignored. */
void machine__stop(struct machine *m, enum stop_reason why, int exit_status);
/* Latch STOP_DEAD with a message (printf-style). */
void machine__kill(struct machine *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A reset request from the board (keyboard controller pulse, port 0x92,
 * PIIX reset control): with -no-reboot latches STOP_RESET (status 0),
 * otherwise STOP_REBOOT, which the CLI turns into a fresh machine that
 * loads the kernel again. */
void machine__request_reset(struct machine *m);

/* Physical memory access for loaders, devices and engines. phys__host
 * returns the host pointer for [paddr, paddr+len) when it is all RAM,
 * else NULL (MMIO, ROM hole or beyond RAM). */
uint8_t *phys__host(struct machine *m, uint32_t paddr, uint32_t len);
uint32_t phys__read(struct machine *m, uint32_t paddr, unsigned size);
void phys__write(struct machine *m, uint32_t paddr, uint32_t value, unsigned size);

/* Port I/O from the CPU (permission checks are the CPU's business). */
uint32_t machine__io_read(struct machine *m, uint16_t port, unsigned size);
void machine__io_write(struct machine *m, uint16_t port, uint32_t value, unsigned size);

/* Watch fd for input: ready(opaque) runs in the run loop whenever fd is
 * readable (or at EOF or error: the callback must then disable it). The
 * fd starts enabled. Returns 0, or -ENOSPC when the table is full. */
int machine__add_wait_fd(struct machine *m, int fd, void (*ready)(void *opaque), void *opaque);
/* Stop (false) or resume (true) watching fd, e.g. while a receive buffer
 * is full; a readable fd left enabled would wake a halted guest forever. */
void machine__enable_wait_fd(struct machine *m, int fd, bool on);

/* Run until the stop latch is set. Returns the exit status. */
int machine__run(struct machine *m);

#endif
