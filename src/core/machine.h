/* machine.h - one virtual PC: CPU, RAM, buses, devices, and the run loop. */
#ifndef BT86_CORE_MACHINE_H
#define BT86_CORE_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "cpu.h"
#include "guest_ram.h"

struct engine;

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
};

struct machine {
    struct cpu cpu;
    struct guest_ram ram;
    struct bus bus;
    const struct engine *engine;
    void *engine_state;

    bool no_reboot;

    /* The CPU's INTR input. The interrupt controller (when present) sets
     * intr_line and answers the acknowledge cycle with a vector. */
    volatile bool intr_line;
    int (*intr_ack)(void *opaque);
    void *intr_opaque;

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

/* Physical memory access for loaders, devices and engines. phys__host
 * returns the host pointer for [paddr, paddr+len) when it is all RAM,
 * else NULL (MMIO, ROM hole or beyond RAM). */
uint8_t *phys__host(struct machine *m, uint32_t paddr, uint32_t len);
uint32_t phys__read(struct machine *m, uint32_t paddr, unsigned size);
void phys__write(struct machine *m, uint32_t paddr, uint32_t value, unsigned size);

/* Port I/O from the CPU (permission checks are the CPU's business). */
uint32_t machine__io_read(struct machine *m, uint16_t port, unsigned size);
void machine__io_write(struct machine *m, uint16_t port, uint32_t value, unsigned size);

/* Run until the stop latch is set. Returns the exit status. */
int machine__run(struct machine *m);

#endif
