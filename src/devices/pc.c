/* pc.c - the PC board: creates the platform devices and wires their interrupt lines. */
#include "pc.h"

#include "core/machine.h"
#include "devices/devices.h"

#define COM1_BASE 0x3f8
#define COM1_IRQ 4

int pc__init(struct machine *m, struct pc *pc, const struct pc_config *cfg)
{
    int err = port80__init(m);
    if (!err && cfg->com1)
        err = uart16550__init(m, COM1_BASE, (struct irq_line){ .irq = COM1_IRQ }, cfg->com1_fd,
                              &pc->com1);
    return err;
}

void pc__destroy(struct pc *pc)
{
    if (pc->com1)
        uart16550__destroy(pc->com1);
    pc->com1 = NULL;
}
