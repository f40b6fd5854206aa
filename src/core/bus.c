/* bus.c - port I/O and MMIO dispatch: devices register ranges, handlers get offsets. */
#include "bus.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "core/stats.h"

void bus__init(struct bus *bus)
{
    memset(bus, 0, sizeof(*bus));
}

static struct bus_range *space_ranges(struct bus *bus, enum bus_space space, int **count)
{
    if (space == BUS_PIO) {
        *count = &bus->npio;
        return bus->pio;
    }
    *count = &bus->nmmio;
    return bus->mmio;
}

int bus__register(struct bus *bus, enum bus_space space, uint32_t base, uint32_t len,
                  void *opaque, bus_read_fn read, bus_write_fn write, const char *name)
{
    int *count;
    struct bus_range *r = space_ranges(bus, space, &count);
    uint64_t end = (uint64_t)base + len;

    if (len == 0 || end > (space == BUS_PIO ? 0x10000ull : 0x100000000ull))
        return -EINVAL;
    for (int i = 0; i < *count; i++)
        if (base < (uint64_t)r[i].base + r[i].len && r[i].base < end)
            return -EBUSY;
    if (*count == BUS_MAX_RANGES)
        return -ENOSPC;
    r[(*count)++] = (struct bus_range){ base, len, opaque, read, write, name };
    return 0;
}

const struct bus_range *bus__find(const struct bus *bus, enum bus_space space, uint32_t addr)
{
    const struct bus_range *r = space == BUS_PIO ? bus->pio : bus->mmio;
    int n = space == BUS_PIO ? bus->npio : bus->nmmio;

    for (int i = 0; i < n; i++)
        if (addr - r[i].base < r[i].len)
            return &r[i];
    return NULL;
}

/* An access fits its range when all its bytes fall inside it. */
static bool fits(const struct bus_range *r, uint32_t addr, unsigned size)
{
    return (uint64_t)(addr - r->base) + size <= r->len;
}

uint32_t bus__read(struct bus *bus, enum bus_space space, uint32_t addr, unsigned size)
{
    const struct bus_range *r = bus__find(bus, space, addr);

    if (space == BUS_PIO) stats.pio_accesses++; else stats.mmio_accesses++;
    if (r && fits(r, addr, size))
        return r->read ? r->read(r->opaque, addr - r->base, size) : 0xffffffffu >> (32 - 8 * size);
    if (size > 1) { /* straddles a range boundary: split into bytes */
        uint32_t v = 0;
        for (unsigned i = 0; i < size; i++)
            v |= bus__read(bus, space, addr + i, 1) << (8 * i);
        return v;
    }
    bus->unassigned_reads++;
    return 0xff;
}

void bus__write(struct bus *bus, enum bus_space space, uint32_t addr, uint32_t value, unsigned size)
{
    const struct bus_range *r = bus__find(bus, space, addr);

    if (space == BUS_PIO) stats.pio_accesses++; else stats.mmio_accesses++;
    if (r && fits(r, addr, size)) {
        if (r->write)
            r->write(r->opaque, addr - r->base, value, size);
        return;
    }
    if (size > 1) {
        for (unsigned i = 0; i < size; i++)
            bus__write(bus, space, addr + i, (value >> (8 * i)) & 0xff, 1);
        return;
    }
    bus->unassigned_writes++;
}
