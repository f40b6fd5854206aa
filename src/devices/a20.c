/* a20.c - the A20 gate: the keyboard controller's and port 0x92's A20 outputs combined. */
#include "devices/devices.h"

#include "core/machine.h"
#include "interp/internal.h"

/* The CPU masks physical address bit 20 while A20M# is asserted; on a PIIX3
 * board that happens when neither the 8042's A20GATE output nor port 92h
 * bit 1 (ALT_A20) is set. The interpreter's TLB caches translated physical
 * pages, so a change of the gate flushes it (global entries included: the
 * mask applies below paging). */
void a20__set(struct machine *m, unsigned source, bool enabled)
{
    if (enabled)
        m->a20_sources |= source;
    else
        m->a20_sources &= ~source;
    bool a20 = m->a20_sources != 0;
    if (a20 == m->cpu.a20)
        return;
    m->cpu.a20 = a20;
    tlb__flush(&m->cpu, true);
}
