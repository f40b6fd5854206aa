/* i440fx.c - the host bridge at 00:00.0, an Intel 82441FX PMC (440FX PCIset) as far as its config space goes. */
#include "devices/pci.h"

#include <errno.h>
#include <string.h>

/* 82441FX configuration registers (Intel 440FX PCIset datasheet, 4.3).
 * bt86 stores them with their reset values and writable bits; the memory
 * controller behind them (DRAM timing, PAM shadow-RAM routing, SMRAM) is
 * fixed: RAM is RAM and the legacy hole is the MMIO bus. */
enum {
    PMCCFG = 0x50, DETURBO = 0x52, DBC = 0x53, DRT = 0x55, DRAMC = 0x57, DRAMT = 0x58,
    PAM0 = 0x59, /* PAM0-PAM6: 0x59-0x5F */
    DRB0 = 0x60, /* DRB0-DRB7: 0x60-0x67 */
    FDHC = 0x68, MTT = 0x70, CLT = 0x71, SMRAMC = 0x72, ERRCMD = 0x90, ERRSTS = 0x91,
    TRC = 0x93,
};

#define I440FX_VENDOR 0x8086
#define I440FX_DEVICE 0x1237
#define CLASS_HOST_BRIDGE 0x060000

int i440fx__init(struct pci_bus *bus)
{
    struct pci_function *f = pci__add(bus, PCI_DEVFN(0, 0), I440FX_VENDOR, I440FX_DEVICE, 0x02,
                                      CLASS_HOST_BRIDGE, 0x00);
    if (!f)
        return -ENOMEM;
    pci__set16(f, PCI_COMMAND, 0x0006);  /* memory and bus master enabled */
    pci__set16(f, PCI_STATUS, 0x0280);   /* fast back-to-back, medium DEVSEL */
    f->config[PMCCFG] = 0x00;
    f->config[PMCCFG + 1] = 0x80;        /* PMCCFG: reset value 8000h */
    f->config[DBC] = 0x80;
    f->config[DRAMT] = 0x10;
    f->config[SMRAMC] = 0x02;            /* C_BASE_SEG: SMRAM at A0000h */
    f->config[CLT] = 0x10;
    f->config[MTT] = 0x20;
    static const uint8_t writable[] = { PMCCFG, PMCCFG + 1, DETURBO, DBC, DRT, DRAMC, DRAMT,
                                        FDHC, MTT, CLT, SMRAMC, ERRCMD, TRC };
    for (size_t i = 0; i < sizeof(writable); i++)
        f->wmask[writable[i]] = 0xff;
    memset(f->wmask + PAM0, 0x77, 7);    /* PAM: read/write enables for each half */
    memset(f->wmask + DRB0, 0xff, 8);
    f->w1cmask[ERRSTS] = 0xff;
    return 0;
}
