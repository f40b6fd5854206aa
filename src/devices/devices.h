/* devices.h - registration calls of the PC platform devices (one per device file). */
#ifndef BT86_DEVICES_DEVICES_H
#define BT86_DEVICES_DEVICES_H

#include <stddef.h>
#include <stdint.h>

struct machine;

/* An interrupt request line. A device drives its level through it and
 * never knows what is on the other end (the PIC, once it exists). A NULL
 * set leaves the line unconnected: raising it does nothing. */
struct irq_line {
    void (*set)(void *opaque, int irq, int level);
    void *opaque;
    int irq;
};

/* 16550A UART (National Semiconductor PC16550D datasheet) at base, 8 ports.
 * Transmitted bytes go to out_fd (-1 discards them). *out receives the
 * device so the caller can feed input and free it; may be NULL.
 * Returns 0 or -errno. */
struct uart16550;
int uart16550__init(struct machine *m, uint16_t base, struct irq_line irq, int out_fd,
                    struct uart16550 **out);
/* Bytes arriving on the serial line (the receive side of the UART). Returns
 * how many fit in the receive FIFO; the caller keeps the rest and offers
 * them again later, so host input is never lost to an overrun. */
size_t uart16550__receive(struct uart16550 *u, const uint8_t *buf, size_t len);
void uart16550__destroy(struct uart16550 *u);

/* isa-debug-exit (as QEMU's): a write of value v to [iobase, iobase+iosize)
 * stops the machine with exit status (v << 1) | 1. Returns 0 or -errno. */
int debug_exit__init(struct machine *m, uint16_t iobase, uint16_t iosize);

/* The POST-code port 0x80: writes are accepted and dropped, reads return
 * 0xff. Returns 0 or -errno. */
int port80__init(struct machine *m);

#endif
