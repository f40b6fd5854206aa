/* pci.c - PCI bus 0: configuration mechanism #1 and config-space reads and writes with write masks. */
#include "devices/pci.h"

#include <errno.h>
#include <stdlib.h>

#include "core/machine.h"

/* CONFIG_ADDRESS (PCI 2.1, 3.7.4.1): bit 31 enable, bits 23:16 bus,
 * 15:11 device, 10:8 function, 7:2 register. Bits 30:24 are reserved
 * and bits 1:0 read as 0. */
#define CA_ENABLE   0x80000000u
#define CA_WRITABLE 0x80fffffcu

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA    0xcfc

struct pci_bus {
    uint32_t address;               /* CONFIG_ADDRESS */
    struct pci_function *fn[256];   /* by devfn */
    pci_cf9_read_fn cf9_read;       /* the chipset register at 0xCF9, if any */
    pci_cf9_write_fn cf9_write;
    void *cf9_opaque;
};

#define CF9_OFFSET 1 /* 0xCF9 within CONFIG_ADDRESS */

void pci__set_cf9(struct pci_bus *bus, pci_cf9_read_fn read, pci_cf9_write_fn write,
                  void *opaque)
{
    bus->cf9_read = read;
    bus->cf9_write = write;
    bus->cf9_opaque = opaque;
}

static void put16(uint8_t *space, unsigned offset, uint16_t value)
{
    space[offset] = value & 0xff;
    space[offset + 1] = value >> 8;
}

void pci__set16(struct pci_function *f, unsigned offset, uint16_t value)
{
    put16(f->config, offset, value);
}

void pci__set32(struct pci_function *f, unsigned offset, uint32_t value)
{
    pci__set16(f, offset, value & 0xffff);
    pci__set16(f, offset + 2, value >> 16);
}

/* What a read that nothing answers returns: all ones, of the access's size. */
static uint32_t all_ones(unsigned size)
{
    return 0xffffffffu >> (32 - 8 * size);
}

struct pci_function *pci__add(struct pci_bus *bus, unsigned devfn, uint16_t vendor,
                              uint16_t device, uint8_t revision, uint32_t class_code,
                              uint8_t header_type)
{
    if (devfn > 0xff || bus->fn[devfn])
        return NULL;
    struct pci_function *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    pci__set16(f, PCI_VENDOR_ID, vendor);
    pci__set16(f, PCI_DEVICE_ID, device);
    f->config[PCI_REVISION] = revision;
    f->config[PCI_CLASS_PROG] = class_code & 0xff;
    pci__set16(f, PCI_CLASS_DEVICE, class_code >> 8);
    f->config[PCI_HEADER_TYPE] = header_type;
    /* Command: I/O, memory, bus master, parity response, SERR# enable.
     * Status: the error bits (15:11 and 8) are write-one-to-clear. */
    put16(f->wmask, PCI_COMMAND, 0x0147);
    put16(f->w1cmask, PCI_STATUS, 0xf900);
    f->wmask[PCI_LATENCY_TIMER] = 0xff;
    bus->fn[devfn] = f;
    return f;
}

uint32_t pci__config_read(struct pci_bus *bus, unsigned devfn, unsigned offset, unsigned size)
{
    const struct pci_function *f = bus->fn[devfn & 0xff];
    if (!f)
        return all_ones(size);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)f->config[(offset + i) & 0xff] << (8 * i);
    return v;
}

void pci__config_write(struct pci_bus *bus, unsigned devfn, unsigned offset, uint32_t value,
                       unsigned size)
{
    struct pci_function *f = bus->fn[devfn & 0xff];
    if (!f)
        return;
    for (unsigned i = 0; i < size; i++) {
        unsigned o = (offset + i) & 0xff;
        uint8_t b = (value >> (8 * i)) & 0xff;
        f->config[o] = (uint8_t)((f->config[o] & ~f->wmask[o]) | (b & f->wmask[o]));
        f->config[o] &= (uint8_t)~(b & f->w1cmask[o]);
    }
}

/* The function CONFIG_ADDRESS selects, or -1 for a cycle that goes
 * nowhere: enable bit clear (the data port is then plain I/O with nothing
 * behind it) or a bus other than 0 (there is no PCI-to-PCI bridge). */
static int selected_devfn(const struct pci_bus *bus)
{
    if (!(bus->address & CA_ENABLE) || ((bus->address >> 16) & 0xff) != 0)
        return -1;
    return (bus->address >> 8) & 0xff;
}

/* CONFIG_ADDRESS is a dword register: byte and word accesses to
 * 0xCF8-0xCFB are not configuration accesses. A byte at 0xCF9 goes to the
 * chipset's register there; the rest go to the ISA bus, where nothing
 * answers. */
static uint32_t address_read(void *opaque, uint32_t offset, unsigned size)
{
    const struct pci_bus *bus = opaque;
    if (size == 4)
        return bus->address;
    if (size == 1 && offset == CF9_OFFSET && bus->cf9_read)
        return bus->cf9_read(bus->cf9_opaque);
    return all_ones(size);
}

static void address_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct pci_bus *bus = opaque;
    if (size == 4)
        bus->address = value & CA_WRITABLE;
    else if (size == 1 && offset == CF9_OFFSET && bus->cf9_write)
        bus->cf9_write(bus->cf9_opaque, value & 0xff);
}

/* CONFIG_DATA: the access's offset within 0xCFC-0xCFF selects the bytes
 * of the addressed dword. */
static uint32_t data_read(void *opaque, uint32_t offset, unsigned size)
{
    struct pci_bus *bus = opaque;
    int devfn = selected_devfn(bus);
    if (devfn < 0)
        return all_ones(size);
    return pci__config_read(bus, devfn, (bus->address & 0xfc) + offset, size);
}

static void data_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct pci_bus *bus = opaque;
    int devfn = selected_devfn(bus);
    if (devfn >= 0)
        pci__config_write(bus, devfn, (bus->address & 0xfc) + offset, value, size);
}

int pci__init(struct machine *m, struct pci_bus **out)
{
    struct pci_bus *bus = calloc(1, sizeof(*bus));
    if (!bus)
        return -ENOMEM;
    int err = bus__register(&m->bus, BUS_PIO, CONFIG_ADDRESS, 4, bus, address_read,
                            address_write, "pci config address");
    if (!err)
        err = bus__register(&m->bus, BUS_PIO, CONFIG_DATA, 4, bus, data_read, data_write,
                            "pci config data");
    if (err) {
        free(bus);
        return err;
    }
    *out = bus;
    return 0;
}

void pci__destroy(struct pci_bus *bus)
{
    if (!bus)
        return;
    for (int i = 0; i < 256; i++) {
        if (bus->fn[i])
            free(bus->fn[i]->priv);
        free(bus->fn[i]);
    }
    free(bus);
}
