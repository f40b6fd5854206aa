/* bus.h - port I/O and MMIO dispatch: devices register ranges, handlers get offsets. */
#ifndef BT86_CORE_BUS_H
#define BT86_CORE_BUS_H

#include <stdint.h>

enum bus_space { BUS_PIO, BUS_MMIO };

/* Handlers receive the offset of the access from the registered base and
 * its size in bytes (1, 2 or 4). An access that straddles the end of a
 * range is split by the bus into byte accesses. */
typedef uint32_t (*bus_read_fn)(void *opaque, uint32_t offset, unsigned size);
typedef void (*bus_write_fn)(void *opaque, uint32_t offset, uint32_t value, unsigned size);

struct bus_range {
    uint32_t base, len;
    void *opaque;
    bus_read_fn read;   /* NULL: reads return all ones */
    bus_write_fn write; /* NULL: writes are ignored */
    const char *name;
};

#define BUS_MAX_RANGES 64

struct bus {
    struct bus_range pio[BUS_MAX_RANGES];
    struct bus_range mmio[BUS_MAX_RANGES];
    int npio, nmmio;
    uint64_t unassigned_reads, unassigned_writes;
};

void bus__init(struct bus *bus);

/* Register [base, base+len). Returns 0, -EBUSY when it overlaps a range
 * already registered in that space, -EINVAL for len 0 or wrap-around, or
 * -ENOSPC when the table is full. */
int bus__register(struct bus *bus, enum bus_space space, uint32_t base, uint32_t len,
                  void *opaque, bus_read_fn read, bus_write_fn write, const char *name);

/* Accesses to addresses no device claims read as all ones and are counted. */
uint32_t bus__read(struct bus *bus, enum bus_space space, uint32_t addr, unsigned size);
void bus__write(struct bus *bus, enum bus_space space, uint32_t addr, uint32_t value, unsigned size);

/* The range that contains addr, or NULL. */
const struct bus_range *bus__find(const struct bus *bus, enum bus_space space, uint32_t addr);

#endif
