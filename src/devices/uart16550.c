/* uart16550.c - 16550A UART: registers, FIFOs, interrupt identification, loopback. */
#include "devices/devices.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/machine.h"
#include "devices/console_watch.h"

/* Register offsets and bits from the PC16550D datasheet (table II, "Summary
 * of registers"). With LCR.DLAB set, offsets 0 and 1 address the divisor
 * latch instead of RBR/THR and IER. */
enum {
    REG_RBR_THR = 0, REG_IER = 1, REG_IIR_FCR = 2, REG_LCR = 3,
    REG_MCR = 4, REG_LSR = 5, REG_MSR = 6, REG_SCR = 7,
};

#define IER_ERBFI 0x01 /* received data available */
#define IER_ETBEI 0x02 /* transmitter holding register empty */
#define IER_ELSI  0x04 /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */

#define IIR_NO_INT   0x01
#define IIR_ID_MSR   0x00
#define IIR_ID_THRE  0x02
#define IIR_ID_RDA   0x04
#define IIR_ID_RLS   0x06
#define IIR_ID_CTI   0x0c /* character timeout */
#define IIR_FIFO_ON  0xc0

#define FCR_ENABLE    0x01
#define FCR_CLEAR_RX  0x02
#define FCR_CLEAR_TX  0x04

#define LCR_DLAB 0x80

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_PE   0x04
#define LSR_FE   0x08
#define LSR_BI   0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_ERRS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS  0x10
#define MSR_DSR  0x20
#define MSR_RI   0x40
#define MSR_DCD  0x80
#define MSR_DELTAS 0x0f

#define FIFO_SIZE 16

struct uart16550 {
    struct machine *m;
    struct irq_line irq;
    int out_fd;
    struct console_watch watch; /* a kernel panic on this line stops the machine */

    uint8_t ier, lcr, mcr, lsr, msr, scr;
    uint8_t fcr;          /* last FCR write: FIFO enable and trigger level */
    uint16_t divisor;
    bool thre_pending;    /* THR-empty interrupt latched (cleared by IIR read or THR write) */
    int irq_level;

    /* Receive FIFO (a one-byte holding register when FIFOs are off). */
    uint8_t rx[FIFO_SIZE];
    unsigned rx_head, rx_count;
};

/* The receive FIFO's interrupt trigger level, FCR bits 7:6. */
static unsigned rx_trigger(const struct uart16550 *u)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };
    return (u->fcr & FCR_ENABLE) ? levels[u->fcr >> 6] : 1;
}

/* The highest-priority pending interrupt as IIR bits 3:0 (datasheet table
 * IV): line status, then received data (or character timeout), then THR
 * empty, then modem status. Transmission completes as soon as THR is
 * written, and bt86 has no bit clock: received data below the trigger
 * level is reported as a character timeout at once rather than after four
 * character times, so input never waits for more bytes that may not come. */
static uint8_t pending_id(const struct uart16550 *u)
{
    if ((u->ier & IER_ELSI) && (u->lsr & LSR_ERRS))
        return IIR_ID_RLS;
    if ((u->ier & IER_ERBFI) && u->rx_count)
        return (u->rx_count >= rx_trigger(u) || !(u->fcr & FCR_ENABLE)) ? IIR_ID_RDA : IIR_ID_CTI;
    if ((u->ier & IER_ETBEI) && u->thre_pending)
        return IIR_ID_THRE;
    if ((u->ier & IER_EDSSI) && (u->msr & MSR_DELTAS))
        return IIR_ID_MSR;
    return IIR_NO_INT;
}

/* On the PC the UART's INTR pin reaches the bus through a driver enabled
 * by OUT2 (IBM PC/AT serial adapter), which is why drivers set OUT2. In
 * loopback mode OUT2 is disconnected from the pin and the interrupt stays
 * internal. */
static void update_irq(struct uart16550 *u)
{
    int level = pending_id(u) != IIR_NO_INT && (u->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
    if (level == u->irq_level)
        return;
    u->irq_level = level;
    if (u->irq.set)
        u->irq.set(u->irq.opaque, u->irq.irq, level);
}

static void rx_clear(struct uart16550 *u)
{
    u->rx_head = u->rx_count = 0;
    u->lsr &= ~LSR_DR;
}

static void rx_push(struct uart16550 *u, uint8_t byte)
{
    unsigned cap = (u->fcr & FCR_ENABLE) ? FIFO_SIZE : 1;
    if (u->rx_count == cap) {
        /* Overrun: the FIFO keeps its contents and the new byte is lost;
         * without FIFOs the holding register is overwritten. */
        u->lsr |= LSR_OE;
        if (cap == 1)
            u->rx[u->rx_head] = byte;
        return;
    }
    u->rx[(u->rx_head + u->rx_count++) % FIFO_SIZE] = byte;
    u->lsr |= LSR_DR;
}

static uint8_t rx_pop(struct uart16550 *u)
{
    if (!u->rx_count)
        return u->rx[u->rx_head]; /* an empty RBR reads its last byte again */
    uint8_t byte = u->rx[u->rx_head];
    if (--u->rx_count) {
        u->rx_head = (u->rx_head + 1) % FIFO_SIZE;
    } else {
        u->lsr &= ~LSR_DR;
    }
    return byte;
}

static void transmit(struct uart16550 *u, uint8_t byte)
{
    if (u->mcr & MCR_LOOP) {
        rx_push(u, byte);
    } else {
        while (u->out_fd >= 0 && write(u->out_fd, &byte, 1) < 0 && errno == EINTR)
            ;
        console_watch__byte(&u->watch, u->m, (char)byte);
    }
    /* The byte left THR and the shift register at once. */
    u->lsr |= LSR_THRE | LSR_TEMT;
    u->thre_pending = true;
}

/* The modem-status inputs: in loopback, the outputs DTR/RTS/OUT1/OUT2 wired
 * back to DSR/CTS/RI/DCD; otherwise a terminal that is always ready. Sets
 * the delta bits for changes (RI: its trailing edge only). */
static void update_msr(struct uart16550 *u)
{
    uint8_t in;
    if (u->mcr & MCR_LOOP) {
        in = ((u->mcr & MCR_DTR) ? MSR_DSR : 0) | ((u->mcr & MCR_RTS) ? MSR_CTS : 0) |
             ((u->mcr & MCR_OUT1) ? MSR_RI : 0) | ((u->mcr & MCR_OUT2) ? MSR_DCD : 0);
    } else {
        in = MSR_DCD | MSR_DSR | MSR_CTS;
    }
    uint8_t changed = (u->msr ^ in) & 0xf0;
    uint8_t deltas = ((changed & MSR_CTS) ? MSR_DCTS : 0) | ((changed & MSR_DSR) ? MSR_DDSR : 0) |
                     ((changed & MSR_DCD) ? MSR_DDCD : 0) |
                     ((changed & MSR_RI) && !(in & MSR_RI) ? MSR_TERI : 0);
    u->msr = in | (u->msr & MSR_DELTAS) | deltas;
}

static void write_fcr(struct uart16550 *u, uint8_t v)
{
    /* Changing the FIFO enable bit resets both FIFOs (datasheet, FCR bit 0). */
    if ((v ^ u->fcr) & FCR_ENABLE)
        v |= FCR_CLEAR_RX | FCR_CLEAR_TX;
    if (v & FCR_CLEAR_RX)
        rx_clear(u);
    /* FCR_CLEAR_TX: the transmit FIFO is always empty here. */
    u->fcr = (v & FCR_ENABLE) ? (v & 0xc1) : 0;
}

static uint8_t read_reg(struct uart16550 *u, uint32_t offset)
{
    uint8_t v = 0xff;
    bool dlab = u->lcr & LCR_DLAB;

    switch (offset) {
    case REG_RBR_THR:
        v = dlab ? (u->divisor & 0xff) : rx_pop(u);
        break;
    case REG_IER:
        v = dlab ? (u->divisor >> 8) : u->ier;
        break;
    case REG_IIR_FCR:
        v = pending_id(u) | ((u->fcr & FCR_ENABLE) ? IIR_FIFO_ON : 0);
        /* Reading IIR while it reports THR empty clears that source. */
        if ((v & 0x0f) == IIR_ID_THRE)
            u->thre_pending = false;
        break;
    case REG_LCR:
        v = u->lcr;
        break;
    case REG_MCR:
        v = u->mcr;
        break;
    case REG_LSR:
        v = u->lsr;
        u->lsr &= ~LSR_ERRS; /* error bits clear on read */
        break;
    case REG_MSR:
        v = u->msr;
        u->msr &= ~MSR_DELTAS;
        break;
    case REG_SCR:
        v = u->scr;
        break;
    }
    update_irq(u);
    return v;
}

static void write_reg(struct uart16550 *u, uint32_t offset, uint8_t v)
{
    bool dlab = u->lcr & LCR_DLAB;

    switch (offset) {
    case REG_RBR_THR:
        if (dlab) {
            u->divisor = (u->divisor & 0xff00) | v;
        } else {
            u->thre_pending = false;
            transmit(u, v);
        }
        break;
    case REG_IER:
        if (dlab) {
            u->divisor = (u->divisor & 0x00ff) | (uint16_t)(v << 8);
        } else {
            /* Enabling the THRE interrupt while THR is empty raises it. */
            if ((v & IER_ETBEI) && !(u->ier & IER_ETBEI) && (u->lsr & LSR_THRE))
                u->thre_pending = true;
            u->ier = v & 0x0f;
        }
        break;
    case REG_IIR_FCR:
        write_fcr(u, v);
        break;
    case REG_LCR:
        u->lcr = v;
        break;
    case REG_MCR:
        u->mcr = v & 0x1f;
        update_msr(u);
        break;
    case REG_LSR:
    case REG_MSR:
        /* Factory-test writes: not modelled. */
        LOG(unimp, "uart16550: write %#x to read-only register %u ignored\n", v, offset);
        break;
    case REG_SCR:
        u->scr = v;
        break;
    }
    update_irq(u);
}

/* The UART is an 8-bit ISA device: the chipset splits a wider access into
 * byte cycles on consecutive ports, lowest first. */
static uint32_t uart16550__read(void *opaque, uint32_t offset, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)read_reg(opaque, offset + i) << (8 * i);
    return v;
}

static void uart16550__write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        write_reg(opaque, offset + i, (value >> (8 * i)) & 0xff);
}

size_t uart16550__receive(struct uart16550 *u, const uint8_t *buf, size_t len)
{
    size_t n = 0;
    unsigned cap = (u->fcr & FCR_ENABLE) ? FIFO_SIZE : 1;

    while (n < len && u->rx_count < cap && !(u->mcr & MCR_LOOP))
        rx_push(u, buf[n++]);
    update_irq(u);
    return n;
}

int uart16550__init(struct machine *m, uint16_t base, struct irq_line irq, int out_fd,
                    struct uart16550 **out)
{
    struct uart16550 *u = calloc(1, sizeof(*u));
    if (!u)
        return -ENOMEM;
    u->m = m;
    u->irq = irq;
    u->out_fd = out_fd;
    /* Master reset state (datasheet table III). */
    u->lsr = LSR_THRE | LSR_TEMT;
    update_msr(u);
    u->msr &= ~MSR_DELTAS;
    int err = bus__register(&m->bus, BUS_PIO, base, 8, u, uart16550__read, uart16550__write,
                            "uart16550");
    if (err) {
        free(u);
        return err;
    }
    if (out)
        *out = u;
    return 0;
}

void uart16550__destroy(struct uart16550 *u)
{
    free(u);
}
