/* pci.h - PCI bus 0: configuration mechanism #1 (ports 0xCF8/0xCFC) and its functions' config spaces. */
#ifndef BT86_DEVICES_PCI_H
#define BT86_DEVICES_PCI_H

#include <stdint.h>

struct machine;

/* Standard configuration header offsets (PCI Local Bus Specification 2.1,
 * section 6.1). */
enum {
    PCI_VENDOR_ID = 0x00, PCI_DEVICE_ID = 0x02, PCI_COMMAND = 0x04, PCI_STATUS = 0x06,
    PCI_REVISION = 0x08, PCI_CLASS_PROG = 0x09, PCI_CLASS_DEVICE = 0x0a,
    PCI_LATENCY_TIMER = 0x0d, PCI_HEADER_TYPE = 0x0e,
};
#define PCI_HEADER_MULTIFUNCTION 0x80

#define PCI_DEVFN(dev, fn) (((dev) << 3) | (fn))

/* One PCI function's 256-byte configuration space. A guest write changes
 * only the bits set in wmask and clears the bits set in w1cmask where it
 * writes ones (status-register style); the rest is read-only. */
struct pci_function {
    uint8_t config[256];
    uint8_t wmask[256];
    uint8_t w1cmask[256];
    void *priv; /* the device's own state, freed with the bus */
};

struct pci_bus;

/* Create bus 0 and register ports 0xCF8-0xCFF on m. Returns 0 or -errno. */
int pci__init(struct machine *m, struct pci_bus **out);
void pci__destroy(struct pci_bus *bus);

/* Add a function at devfn with the given IDs, 24-bit class code (base
 * class, subclass, programming interface) and header type; the common
 * header registers get their reset values and write masks. Returns the
 * function (owned by the bus), or NULL when devfn is taken or out of range. */
struct pci_function *pci__add(struct pci_bus *bus, unsigned devfn, uint16_t vendor,
                              uint16_t device, uint8_t revision, uint32_t class_code,
                              uint8_t header_type);

/* Configuration cycles, as mechanism #1 issues them (offset within the
 * function's space, size 1, 2 or 4, naturally aligned). An absent function
 * reads all ones and ignores writes. */
uint32_t pci__config_read(struct pci_bus *bus, unsigned devfn, unsigned offset, unsigned size);
void pci__config_write(struct pci_bus *bus, unsigned devfn, unsigned offset, uint32_t value,
                       unsigned size);

/* Port 0xCF9 lies inside CONFIG_ADDRESS's dword; byte accesses to it go
 * to a chipset register instead (the PIIX3's reset control). Until one is
 * set, they reach nothing. */
typedef uint8_t (*pci_cf9_read_fn)(void *opaque);
typedef void (*pci_cf9_write_fn)(void *opaque, uint8_t value);
void pci__set_cf9(struct pci_bus *bus, pci_cf9_read_fn read, pci_cf9_write_fn write,
                  void *opaque);

/* Little-endian helpers for filling a configuration space. */
void pci__set16(struct pci_function *f, unsigned offset, uint16_t value);
void pci__set32(struct pci_function *f, unsigned offset, uint32_t value);

/* The chipset's functions: the i440FX-like host bridge at 00:00.0 and the
 * PIIX3-like PCI-to-ISA bridge at 00:01.0 (with its reset control register
 * at 0xCF9, which resets m). Return 0 or -errno. */
int i440fx__init(struct pci_bus *bus);
int piix3__init(struct machine *m, struct pci_bus *bus);

#endif
