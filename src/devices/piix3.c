/* piix3.c - the PCI-to-ISA bridge at 00:01.0, an Intel 82371SB PIIX3 function 0, as far as its config space goes. */
#include "devices/pci.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"

/* 82371SB function 0 registers (PIIX3 datasheet, 2.2). The PIRQ route
 * control registers are stored for the guest (firmware programs them and
 * the OS reads them back); bt86 has no PCI device that raises PIRQx yet. */
enum {
    IORT = 0x4c, XBCS = 0x4e, PIRQRC = 0x60, /* PIRQRC[A:D]: 0x60-0x63 */
    TOM = 0x69, MSTAT = 0x6a, MBIRQ0 = 0x70, MBDMA = 0x76, APICBASE = 0x80, DLC = 0x82,
    SMICNTL = 0xa0, SMIEN = 0xa2, SEE = 0xa4, FTMR = 0xa8, SMIREQ = 0xaa, CTLTMR = 0xac,
    CTHTMR = 0xae,
};

#define PIIX3_VENDOR 0x8086
#define PIIX3_DEVICE 0x7000
#define CLASS_ISA_BRIDGE 0x060100

#define PIRQ_DISABLED 0x80 /* IRQROUTEEN# */
#define PIRQ_MASK     0x8f /* IRQROUTEEN# and the IRQ number */

/* The reset control register at I/O 0xCF9 (PIIX3 datasheet, "RC"): bit 1
 * SRST chooses a hard (1) or soft (0) reset, and a 0-to-1 transition of
 * bit 2 RCPU performs it. bt86 treats both kinds as a reset request: a soft
 * reset (INIT) would keep RAM, but the machine reboots by loading the
 * kernel again either way. */
#define RC_SRST 0x02
#define RC_RCPU 0x04

struct piix3 {
    struct machine *m;
    uint8_t rc;
};

static uint8_t rc_read(void *opaque)
{
    const struct piix3 *p = opaque;
    return p->rc;
}

static void rc_write(void *opaque, uint8_t v)
{
    struct piix3 *p = opaque;
    bool pulse = (v & RC_RCPU) && !(p->rc & RC_RCPU);
    p->rc = v & (RC_SRST | RC_RCPU);
    if (pulse)
        machine__request_reset(p->m);
}

int piix3__init(struct machine *m, struct pci_bus *bus)
{
    struct piix3 *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->m = m;
    /* Header type 80h: the PIIX3 is a multi-function device (IDE and USB
     * are functions 1 and 2, not modelled). */
    struct pci_function *f = pci__add(bus, PCI_DEVFN(1, 0), PIIX3_VENDOR, PIIX3_DEVICE, 0x00,
                                      CLASS_ISA_BRIDGE, PCI_HEADER_MULTIFUNCTION);
    if (!f) {
        free(p);
        return -ENOMEM;
    }
    f->priv = p;
    pci__set_cf9(bus, rc_read, rc_write, p);
    pci__set16(f, PCI_COMMAND, 0x0007);  /* I/O, memory, bus master */
    pci__set16(f, PCI_STATUS, 0x0200);   /* medium DEVSEL */
    f->config[IORT] = 0x4d;
    pci__set16(f, XBCS, 0x0003);         /* RTC and keyboard controller decoded */
    memset(f->config + PIRQRC, PIRQ_DISABLED, 4);
    memset(f->wmask + PIRQRC, PIRQ_MASK, 4);
    f->config[TOM] = 0x02;
    pci__set16(f, MSTAT, 0x0000);
    memset(f->config + MBIRQ0, PIRQ_DISABLED, 2);
    memset(f->config + MBDMA, 0x0c, 2);
    f->config[SEE] = 0x00;
    f->config[FTMR] = 0x0f;
    static const uint8_t writable[] = { IORT, XBCS, XBCS + 1, TOM, MSTAT, MSTAT + 1, MBIRQ0,
                                        MBIRQ0 + 1, MBDMA, MBDMA + 1, APICBASE, DLC, SMICNTL,
                                        SMIEN, SMIEN + 1, SEE, SEE + 1, SEE + 2, SEE + 3, FTMR,
                                        SMIREQ, SMIREQ + 1, CTLTMR, CTHTMR };
    for (size_t i = 0; i < sizeof(writable); i++)
        f->wmask[writable[i]] = 0xff;
    return 0;
}
