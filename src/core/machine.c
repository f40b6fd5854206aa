/* machine.c - one virtual PC: physical memory routing, I/O, the stop latch, the run loop. */
#include "machine.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/engine.h"

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

/* Instructions per engine call: small enough that the loop reacts to stops
 * quickly, large enough to keep the call overhead negligible. */
#define RUN_SLICE 100000

int machine__run(struct machine *m)
{
    while (m->stop == STOP_NONE) {
        m->engine->run(m, RUN_SLICE);
        if (m->stop != STOP_NONE || !m->cpu.halted)
            continue;
        if (halted_forever(m)) {
            snprintf(m->stop_message, sizeof(m->stop_message),
                     "guest halted at %04x:%08x with interrupts %s",
                     m->cpu.seg[S_CS].sel, m->cpu.eip,
                     (m->cpu.eflags & F_IF) ? "enabled and no interrupt source" : "disabled");
            machine__stop(m, STOP_SHUTDOWN, 0);
        }
        /* Otherwise the engine loop waits in HLT for the interrupt line. */
    }
    return m->exit_status;
}
