/* pc.c - the PC board: creates the platform devices and wires their interrupt lines. */
#include "pc.h"

#include "core/machine.h"
#include "devices/devices.h"
#include "devices/fw_cfg.h"
#include "devices/pci.h"

#define COM1_BASE 0x3f8
#define COM1_IRQ 4
#define KBD_IRQ 1
#define AUX_IRQ 12
#define PIT_IRQ 0
#define RTC_IRQ 8

/* The chipset: keyboard controller, port 0x92, PCI host and ISA bridges,
 * and QEMU's fw_cfg. */
static int chipset__init(struct machine *m, struct pc *pc)
{
    int err = i8042__init(m, i8259__irq(pc->pic, KBD_IRQ),
                          i8259__irq(pc->pic, AUX_IRQ), &pc->kbc);
    if (!err)
        err = port92__init(m, &pc->port92);
    if (!err)
        err = pci__init(m, &pc->pci);
    if (!err)
        err = i440fx__init(pc->pci);
    if (!err)
        err = piix3__init(m, pc->pci);
    if (!err)
        err = fw_cfg__init(m, &pc->fw_cfg);
    return err;
}

/* The interrupt controllers and the clocks: PIC pair, PIT with port 0x61,
 * RTC/CMOS. The PIC comes first: every other device needs its lines. */
static int clocks__init(struct machine *m, struct pc *pc)
{
    int err = i8259__init(m, &pc->pic);
    if (!err)
        err = i8254__init(m, i8259__irq(pc->pic, PIT_IRQ), &pc->pit);
    if (!err)
        err = port61__init(m, pc->pit, &pc->port61);
    if (!err)
        err = mc146818__init(m, i8259__irq(pc->pic, RTC_IRQ), &pc->rtc);
    return err;
}

int pc__init(struct machine *m, struct pc *pc, const struct pc_config *cfg)
{
    int err = clocks__init(m, pc);
    if (!err)
        err = port80__init(m);
    if (!err)
        err = chipset__init(m, pc);
    if (!err && cfg->com1)
        err = uart16550__init(m, COM1_BASE, i8259__irq(pc->pic, COM1_IRQ), cfg->com1_fd,
                              &pc->com1);
    return err;
}

void pc__destroy(struct pc *pc)
{
    if (pc->com1)
        uart16550__destroy(pc->com1);
    pc->com1 = NULL;
    i8042__destroy(pc->kbc);
    port92__destroy(pc->port92);
    pci__destroy(pc->pci);
    fw_cfg__destroy(pc->fw_cfg);
    pc->kbc = NULL;
    pc->port92 = NULL;
    pc->pci = NULL;
    pc->fw_cfg = NULL;
    if (pc->rtc)
        mc146818__destroy(pc->rtc);
    if (pc->port61)
        port61__destroy(pc->port61);
    if (pc->pit)
        i8254__destroy(pc->pit);
    if (pc->pic)
        i8259__destroy(pc->pic);
    pc->rtc = NULL;
    pc->port61 = NULL;
    pc->pit = NULL;
    pc->pic = NULL;
}
