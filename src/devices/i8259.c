/* i8259.c - the 8259A programmable interrupt controller pair (master at 0x20, slave at
 * 0xA0 on the master's IR2) with the PIIX edge/level control registers at 0x4D0/0x4D1. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/machine.h"
#include "devices/devices.h"

/*
 * References: Intel 8259A datasheet (order 231468) for the chip, the
 * 82371SB (PIIX3) datasheet section 4.1.5 for ELCR1/ELCR2.
 *
 * Choices where the datasheet leaves a gap, each noted at its place:
 * - Edge requests stay latched in IRR until acknowledged even when the
 *   input falls again: device models here raise and lower lines within
 *   one emulated instant, where the real part would need the line held
 *   until the first INTA.
 * - ICW1 also clears ISR, so a guest that re-initialises the pair from a
 *   crash state (kexec, a BIOS re-POST) does not stay blocked.
 * - MCS-80/85 mode (ICW4 bit 0 clear) is treated as 8086 mode: a PC
 *   never performs the 8080 CALL sequence.
 * - The power-up state is undefined; here every input starts masked, so
 *   a guest booted without a BIOS takes no interrupt through a vector
 *   base nobody programmed.
 */

#define CASCADE_IR 2

struct pic_chip {
    uint8_t irr, isr, imr;
    uint8_t lines;       /* the current level of each IR input */
    uint8_t elcr;        /* 1 = level triggered (PIIX ELCR) */
    uint8_t elcr_mask;   /* ELCR bits the chipset implements */
    bool ltim;           /* ICW1 LTIM: every input level triggered */
    uint8_t base;        /* ICW2: vector of IR0 */
    uint8_t icw3;        /* master: IRs with a slave; slave: its id */
    uint8_t lowest;      /* the IR with the lowest priority (rotation) */
    uint8_t init_step;   /* 0, or the ICW expected next on the odd port */
    bool need_icw4, single;
    bool aeoi, rotate_aeoi, sfnm, special_mask;
    bool read_isr, poll;
};

struct i8259 {
    struct machine *m;
    struct pic_chip chip[2]; /* master, slave */
};

static uint8_t level_mask(const struct pic_chip *c)
{
    return c->ltim ? 0xff : c->elcr;
}

/* The highest-priority IR among the bits of mask, or 8 when none: IR
 * (lowest + 1) mod 8 ranks first (datasheet, "Rotation"). */
static int highest(const struct pic_chip *c, uint8_t mask)
{
    for (int i = 1; i <= 8; i++) {
        int ir = (c->lowest + i) & 7;
        if (mask & (1u << ir))
            return ir;
    }
    return 8;
}

/* The priority rank of an IR (0 = highest), for comparisons. */
static int rank(const struct pic_chip *c, int ir)
{
    return (ir - c->lowest - 1) & 7;
}

/* The IR this chip would present to the CPU now, or -1. An in-service
 * level blocks itself and every lower one, except: in special mask mode
 * masked in-service levels block nothing; in special fully nested mode
 * the master's slave input is not blocked by its own ISR bit. */
static int pending_ir(const struct pic_chip *c, bool master)
{
    int ir = highest(c, c->irr & ~c->imr);
    if (ir == 8)
        return -1;
    uint8_t blocking = c->isr;
    if (c->special_mask)
        blocking &= ~c->imr;
    int busy = highest(c, blocking);
    if (busy == 8 || rank(c, ir) < rank(c, busy))
        return ir;
    if (ir == busy && master && c->sfnm && (c->icw3 & (1u << ir)))
        return ir;
    return -1;
}

/* An IR input changed level. Edge inputs latch a rising edge; level
 * inputs make IRR follow the line. */
static void chip_set_line(struct pic_chip *c, int ir, int level)
{
    uint8_t bit = 1u << ir;
    bool was = c->lines & bit;

    if (level)
        c->lines |= bit;
    else
        c->lines &= ~bit;
    if (level_mask(c) & bit)
        c->irr = (c->irr & ~bit) | (c->lines & bit);
    else if (level && !was)
        c->irr |= bit;
}

static bool slave_cascaded(const struct i8259 *p)
{
    return !p->chip[0].single;
}

/* Recompute the slave's INT into the master's IR2 and the master's INT
 * into the CPU's INTR. */
static void update(struct i8259 *p)
{
    if (slave_cascaded(p))
        chip_set_line(&p->chip[0], CASCADE_IR, pending_ir(&p->chip[1], false) >= 0);
    p->m->intr_line = pending_ir(&p->chip[0], true) >= 0;
}

static void set_irq(void *opaque, int irq, int level)
{
    struct i8259 *p = opaque;
    if (irq < 0 || irq > 15)
        return;
    chip_set_line(&p->chip[irq >> 3], irq & 7, level);
    update(p);
}

struct irq_line i8259__irq(struct i8259 *p, int irq)
{
    return (struct irq_line){ .set = set_irq, .opaque = p, .irq = irq };
}

/* The INTA cycles for one chip: the IR it serves (ISR set, edge IRR
 * cleared; nothing set in auto-EOI mode), or 7 with no ISR bit when the
 * request vanished before the acknowledge (the spurious IR7). */
static int chip_ack(struct pic_chip *c, bool master)
{
    int ir = pending_ir(c, master);
    if (ir < 0)
        return 7;
    uint8_t bit = 1u << ir;
    if (!(level_mask(c) & bit))
        c->irr &= ~bit;
    if (!c->aeoi)
        c->isr |= bit;
    else if (c->rotate_aeoi)
        c->lowest = (uint8_t)ir;
    return ir;
}

static bool irq_requested(void *opaque, int irq)
{
    struct i8259 *p = opaque;
    return p->chip[irq >> 3].irr & (1u << (irq & 7));
}

static int intr_ack(void *opaque)
{
    struct i8259 *p = opaque;
    struct pic_chip *mc = &p->chip[0];
    int ir = chip_ack(mc, true);
    int vector = mc->base | ir;

    if (ir == CASCADE_IR && slave_cascaded(p) && (mc->icw3 & (1u << ir))) {
        /* The slave answers the second INTA with its own vector; with
         * nothing left to serve it says IR7 (IRQ 15), master ISR2 set. */
        struct pic_chip *sc = &p->chip[1];
        vector = sc->base | chip_ack(sc, false);
    }
    update(p);
    return vector;
}

/* ICW1 (datasheet "Initialization Command Words"). */
static void write_icw1(struct pic_chip *c, uint8_t v)
{
    c->need_icw4 = v & 0x01;
    c->single = v & 0x02;
    c->ltim = v & 0x08;
    c->imr = 0;
    c->isr = 0; /* choice: see the top of the file */
    c->irr = c->lines & level_mask(c); /* the edge sense latches are cleared */
    c->lowest = 7;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    if (!c->need_icw4)
        c->aeoi = c->sfnm = c->rotate_aeoi = false;
    c->init_step = 2;
}

/* ICW2..ICW4 on the odd port, in sequence. */
static void write_icw(struct pic_chip *c, uint8_t v)
{
    switch (c->init_step) {
    case 2:
        c->base = v & 0xf8;
        c->init_step = c->single ? (c->need_icw4 ? 4 : 0) : 3;
        break;
    case 3:
        c->icw3 = v;
        c->init_step = c->need_icw4 ? 4 : 0;
        break;
    case 4:
        c->aeoi = v & 0x02;
        c->sfnm = v & 0x10;
        c->init_step = 0;
        break;
    }
}

/* OCW2: EOI commands and priority rotation (datasheet table "Operation
 * Command Word 2"). */
static void write_ocw2(struct pic_chip *c, uint8_t v)
{
    int level = v & 7;
    int ir;

    switch (v >> 5) {
    case 0: /* rotate in automatic EOI mode: clear */
    case 4: /* set */
        c->rotate_aeoi = v & 0x80;
        break;
    case 1: /* non-specific EOI */
    case 5: /* rotate on non-specific EOI */
        ir = highest(c, c->isr);
        if (ir == 8)
            break;
        c->isr &= ~(1u << ir);
        if (v & 0x80)
            c->lowest = (uint8_t)ir;
        break;
    case 3: /* specific EOI */
    case 7: /* rotate on specific EOI */
        c->isr &= ~(1u << level);
        if (v & 0x80)
            c->lowest = (uint8_t)level;
        break;
    case 6: /* set priority */
        c->lowest = (uint8_t)level;
        break;
    case 2: /* no operation */
        break;
    }
}

/* OCW3: special mask mode, poll command, which status register reads. */
static void write_ocw3(struct pic_chip *c, uint8_t v)
{
    if (v & 0x40)
        c->special_mask = v & 0x20;
    c->poll = v & 0x04;
    if (v & 0x02)
        c->read_isr = v & 0x01;
}

static void chip_write(struct pic_chip *c, uint32_t offset, uint8_t v)
{
    if (offset == 1) {
        if (c->init_step)
            write_icw(c, v);
        else
            c->imr = v; /* OCW1 */
    } else if (v & 0x10) {
        write_icw1(c, v);
    } else if (v & 0x08) {
        write_ocw3(c, v);
    } else {
        write_ocw2(c, v);
    }
}

/* The poll command: the next read is an interrupt acknowledge that
 * returns 0x80 | IR, or 0 when nothing is pending (datasheet "Poll
 * Command"). */
static uint8_t chip_poll(struct pic_chip *c, bool master)
{
    c->poll = false;
    if (pending_ir(c, master) < 0)
        return 0;
    return (uint8_t)(0x80 | chip_ack(c, master));
}

static uint8_t chip_read(struct pic_chip *c, uint32_t offset, bool master)
{
    if (c->poll)
        return chip_poll(c, master);
    if (offset == 1)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}

static uint32_t master_read(void *opaque, uint32_t offset, unsigned size)
{
    struct i8259 *p = opaque;
    uint8_t v = chip_read(&p->chip[0], offset, true);
    update(p);
    return v;
}

static uint32_t slave_read(void *opaque, uint32_t offset, unsigned size)
{
    struct i8259 *p = opaque;
    uint8_t v = chip_read(&p->chip[1], offset, false);
    update(p);
    return v;
}

static void master_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct i8259 *p = opaque;
    chip_write(&p->chip[0], offset, (uint8_t)value);
    update(p);
}

static void slave_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct i8259 *p = opaque;
    chip_write(&p->chip[1], offset, (uint8_t)value);
    update(p);
}

/* ELCR1 (0x4D0) and ELCR2 (0x4D1). */
static uint32_t elcr_read(void *opaque, uint32_t offset, unsigned size)
{
    struct i8259 *p = opaque;
    return p->chip[offset].elcr;
}

static void elcr_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct i8259 *p = opaque;
    struct pic_chip *c = &p->chip[offset];
    uint8_t old = level_mask(c);

    c->elcr = (uint8_t)value & c->elcr_mask;
    /* Inputs turned level now follow their line; inputs turned edge
     * start with an empty latch. */
    uint8_t now_level = level_mask(c);
    c->irr = (c->irr & ~(old ^ now_level)) | (c->lines & now_level & ~old);
    update(p);
}

int i8259__init(struct machine *m, struct i8259 **out)
{
    struct i8259 *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->m = m;
    for (int i = 0; i < 2; i++) {
        p->chip[i].lowest = 7;
        p->chip[i].imr = 0xff;
    }
    /* PIIX3: IRQ 0, 1, 2, 8 and 13 are always edge triggered. */
    p->chip[0].elcr_mask = 0xf8;
    p->chip[1].elcr_mask = 0xde;
    int err = bus__register(&m->bus, BUS_PIO, 0x20, 2, p, master_read, master_write, "pic-master");
    if (!err)
        err = bus__register(&m->bus, BUS_PIO, 0xa0, 2, p, slave_read, slave_write, "pic-slave");
    if (!err)
        err = bus__register(&m->bus, BUS_PIO, 0x4d0, 2, p, elcr_read, elcr_write, "pic-elcr");
    if (err) {
        free(p);
        return err;
    }
    m->intr_ack = intr_ack;
    m->irq_requested = irq_requested;
    m->intr_opaque = p;
    m->intr_line = false;
    if (out)
        *out = p;
    return 0;
}

void i8259__destroy(struct i8259 *p)
{
    if (p->m->intr_opaque == p) {
        p->m->intr_ack = NULL;
        p->m->irq_requested = NULL;
        p->m->intr_opaque = NULL;
        p->m->intr_line = false;
    }
    free(p);
}
