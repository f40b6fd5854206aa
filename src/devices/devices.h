/* devices.h - registration calls of the PC platform devices (one per device file). */
#ifndef BT86_DEVICES_DEVICES_H
#define BT86_DEVICES_DEVICES_H

#include <stdbool.h>
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

/* The A20 gate (PIIX3 datasheet, port 92h: ALT_A20 is ORed with the
 * keyboard controller's A20GATE output). Each source holds the gate open
 * while set; the CPU sees A20 enabled when any source is. */
enum { A20_SRC_KBC = 1u << 0, A20_SRC_PORT92 = 1u << 1 };
void a20__set(struct machine *m, unsigned source, bool enabled);

/* 8042 keyboard controller at 0x60/0x64 with a PS/2 keyboard on its first
 * port and nothing on its auxiliary (mouse) port. kbd_irq is IRQ 1,
 * aux_irq IRQ 12. *out may be NULL. Returns 0 or -errno. */
struct i8042;
int i8042__init(struct machine *m, struct irq_line kbd_irq, struct irq_line aux_irq,
                struct i8042 **out);
void i8042__destroy(struct i8042 *k);

/* System control port A at 0x92 (fast A20 and fast reset). Returns 0 or
 * -errno. */
struct port92;
int port92__init(struct machine *m, struct port92 **out);
void port92__destroy(struct port92 *p);

/* 8259A interrupt controller pair: master at 0x20, slave at 0xA0 on the
 * master's IR2, edge/level control (ELCR) at 0x4D0/0x4D1. It drives the
 * CPU's INTR (m->intr_line) and answers its acknowledge (m->intr_ack).
 * i8259__irq gives the line of IRQ 0-15 for other devices. Returns 0 or
 * -errno. */
struct i8259;
int i8259__init(struct machine *m, struct i8259 **out);
struct irq_line i8259__irq(struct i8259 *p, int irq);
void i8259__destroy(struct i8259 *p);

/* 8254 interval timer at 0x40-0x43, counting guest time (m->timers).
 * Channel 0's OUT drives irq0; channel 2's gate and OUT are port 0x61's.
 * Returns 0 or -errno. */
struct i8254;
int i8254__init(struct machine *m, struct irq_line irq0, struct i8254 **out);
void i8254__set_gate(struct i8254 *p, int channel, bool level);
bool i8254__out(struct i8254 *p, int channel);
void i8254__destroy(struct i8254 *p);

/* System control port B at 0x61: PIT channel 2 gate and OUT, speaker
 * data, the refresh toggle. Returns 0 or -errno. */
struct port61;
int port61__init(struct machine *m, struct i8254 *pit, struct port61 **out);
void port61__destroy(struct port61 *p);

/* MC146818 real-time clock and CMOS RAM at 0x70/0x71, on irq (IRQ 8),
 * with the time from the host clock and the memory-size bytes from
 * m->ram.size (so RAM must exist first). Returns 0 or -errno. */
struct mc146818;
int mc146818__init(struct machine *m, struct irq_line irq, struct mc146818 **out);
void mc146818__destroy(struct mc146818 *r);

#endif
