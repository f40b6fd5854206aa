/* port92.c - system control port A (0x92): fast A20 gate and fast reset. */
#include "devices/devices.h"

#include <errno.h>
#include <stdlib.h>

#include "core/machine.h"

/* PIIX3 datasheet, "Port 92h": bit 0 ALT_RST# (a 0-to-1 transition resets
 * the CPU; the bit reads back what was written), bit 1 ALT_A20 (ORed with
 * the keyboard controller's A20 output), bits 7:2 reserved (read 0). */
#define P92_RESET 0x01
#define P92_A20   0x02

struct port92 {
    struct machine *m;
    uint8_t value;
};

static uint32_t port92__read(void *opaque, uint32_t offset, unsigned size)
{
    const struct port92 *p = opaque;
    return p->value;
}

static void port92__write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct port92 *p = opaque;
    uint8_t old = p->value;
    p->value = value & (P92_RESET | P92_A20);
    a20__set(p->m, A20_SRC_PORT92, p->value & P92_A20);
    if ((p->value & P92_RESET) && !(old & P92_RESET))
        machine__request_reset(p->m);
}

int port92__init(struct machine *m, struct port92 **out)
{
    struct port92 *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->m = m;
    int err = bus__register(&m->bus, BUS_PIO, 0x92, 1, p, port92__read, port92__write, "port92");
    if (err) {
        free(p);
        return err;
    }
    *out = p;
    return 0;
}

void port92__destroy(struct port92 *p)
{
    free(p);
}
