/* port61.c - system control port B at 0x61 (PIIX3 NMI status and control register):
 * PIT channel 2 gate and OUT, speaker data, the refresh toggle. */
#include <errno.h>
#include <stdlib.h>

#include "core/machine.h"
#include "core/timer.h"
#include "devices/devices.h"

/*
 * 82371SB (PIIX3) datasheet, "NMISC—NMI Status and Control Register":
 *   bit 0  TIM2_GATE   R/W  PIT counter 2 gate
 *   bit 1  SPKR_DAT    R/W  speaker data enable (no sound here)
 *   bit 2  PCI SERR# enable, bit 3 IOCHK# NMI enable   R/W, kept
 *   bit 4  REF_TOGGLE  RO   toggles at each refresh request
 *   bit 5  TIM2_OUT    RO   PIT counter 2 OUT
 *   bits 6, 7               IOCHK#/SERR# NMI sources: never active
 *
 * The refresh request comes every 15.085 µs on a PC (counter 1 in mode 2
 * with count 18), and BIOS delay loops count its toggles. It is derived
 * from guest time here, so those delays last what they would on the part
 * whether or not anything programmed counter 1.
 */

#define WRITABLE 0x0f
#define REFRESH_TOGGLE 0x10
#define TIMER2_OUT 0x20
#define REFRESH_PERIOD_NS 15085u

struct port61 {
    struct machine *m;
    struct i8254 *pit;
    uint8_t control;
};

static uint32_t port61_read(void *opaque, uint32_t offset, unsigned size)
{
    struct port61 *p = opaque;
    uint8_t v = p->control;
    if (timers__now(&p->m->timers) / REFRESH_PERIOD_NS & 1)
        v |= REFRESH_TOGGLE;
    if (i8254__out(p->pit, 2))
        v |= TIMER2_OUT;
    return v;
}

static void port61_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct port61 *p = opaque;
    p->control = (uint8_t)value & WRITABLE;
    i8254__set_gate(p->pit, 2, value & 1);
}

int port61__init(struct machine *m, struct i8254 *pit, struct port61 **out)
{
    struct port61 *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->m = m;
    p->pit = pit;
    int err = bus__register(&m->bus, BUS_PIO, 0x61, 1, p, port61_read, port61_write, "port61");
    if (err) {
        free(p);
        return err;
    }
    if (out)
        *out = p;
    return 0;
}

void port61__destroy(struct port61 *p)
{
    free(p);
}
