/* i8042.c - the 8042 keyboard controller: status, command byte, output port (A20, reset), two PS/2 ports. */
#include "devices/devices.h"

#include <errno.h>
#include <stdlib.h>

#include "core/log.h"
#include "core/machine.h"
#include "devices/ps2kbd.h"

/* Registers and commands from the IBM PS/2 Hardware Interface Technical
 * Reference, "Keyboard/Auxiliary Device Controller" (8042 with PS/2
 * firmware): port 0x60 is data, port 0x64 status (read) and command
 * (write). */

/* Status register. */
#define ST_OBF      0x01 /* output buffer full */
#define ST_IBF      0x02 /* input buffer full (never: bt86 consumes writes at once) */
#define ST_SYS      0x04 /* system flag, from command byte bit 2 */
#define ST_CMD      0x08 /* last write was to the command port */
#define ST_UNLOCKED 0x10 /* keyboard inhibit switch off */
#define ST_AUX      0x20 /* the output buffer holds auxiliary-device data */
#define ST_TIMEOUT  0x40
#define ST_PARITY   0x80

/* Command byte (controller RAM byte 0). */
#define CB_KBD_INT 0x01
#define CB_AUX_INT 0x02
#define CB_SYS     0x04
#define CB_KBD_DIS 0x10
#define CB_AUX_DIS 0x20
#define CB_XLATE   0x40

/* Output port. */
#define OP_RESET   0x01 /* active low: 0 resets the processor */
#define OP_A20     0x02
#define OP_KBD_OBF 0x10 /* IRQ 1 */
#define OP_AUX_OBF 0x20 /* IRQ 12 */
#define OP_KBD_CLK 0x40
#define OP_KBD_DAT 0x80

/* Controller commands. */
enum {
    CMD_READ_RAM = 0x20,  /* 20h-3Fh */
    CMD_WRITE_RAM = 0x60, /* 60h-7Fh */
    CMD_PASSWORD_TEST = 0xa4, CMD_AUX_DISABLE = 0xa7, CMD_AUX_ENABLE = 0xa8,
    CMD_AUX_TEST = 0xa9, CMD_SELF_TEST = 0xaa, CMD_KBD_TEST = 0xab, CMD_KBD_DISABLE = 0xad,
    CMD_KBD_ENABLE = 0xae, CMD_READ_INPUT = 0xc0, CMD_READ_OUTPUT = 0xd0,
    CMD_WRITE_OUTPUT = 0xd1, CMD_WRITE_KBD_OBUF = 0xd2, CMD_WRITE_AUX_OBUF = 0xd3,
    CMD_WRITE_AUX = 0xd4, CMD_READ_TEST_INPUTS = 0xe0, CMD_PULSE = 0xf0, /* F0h-FFh */
};

/* Power-on output port: reset line high, A20 enabled (bt86's CPU starts
 * with A20 on, like QEMU's PC), keyboard clock and data lines released. */
#define OUTPUT_PORT_RESET (OP_RESET | OP_A20 | OP_KBD_CLK | OP_KBD_DAT)
/* The command byte as a PC BIOS leaves it after POST, since bt86 starts
 * operating systems without one (as QEMU's PC does after SeaBIOS):
 * keyboard interrupt on, translation to set 1 on, auxiliary port
 * disabled, system flag set (POST passed). */
#define COMMAND_BYTE_RESET (CB_KBD_INT | CB_SYS | CB_AUX_DIS | CB_XLATE)

#define CQ_SIZE 8

struct i8042 {
    struct machine *m;
    struct irq_line irq[2]; /* keyboard (IRQ 1), auxiliary (IRQ 12) */
    int level[2];
    struct ps2kbd kbd;

    uint8_t ram[32];      /* ram[0] is the command byte */
    uint8_t status;
    uint8_t obuf;         /* the output buffer (reads while empty return it again) */
    uint8_t output_port;  /* OP_KBD_OBF/OP_AUX_OBF are computed on read */
    int pending;          /* command waiting for its data byte on port 0x60, or -1 */
    bool xlate_break;     /* translation saw an F0h break prefix */

    /* Bytes the controller itself puts in the output buffer (replies,
     * D2h/D3h, auxiliary timeouts), each with its status bits. */
    struct { uint8_t byte, st; } cq[CQ_SIZE];
    unsigned cq_head, cq_count;
};

/* The 8042's scan code translation (command byte bit 6): set 2 codes to
 * set 1 codes. Codes 80h and above pass unchanged except 83h (F7) and 84h
 * (Alt+SysRq); an F0h prefix sets bit 7 of the next translated code. */
static const uint8_t xlate_table[128] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

static uint8_t translate(uint8_t code)
{
    if (code < 0x80)
        return xlate_table[code];
    return code == 0x83 ? 0x41 : code == 0x84 ? 0x54 : code;
}

/* Drive IRQ 1 / IRQ 12 from the output buffer and the interrupt enables.
 * Both are edge-triggered ISA lines: the level drops when the buffer is
 * read, so the next byte makes a new edge. */
static void update_irqs(struct i8042 *k)
{
    bool full = k->status & ST_OBF, aux = k->status & ST_AUX;
    int want[2] = { full && !aux && (k->ram[0] & CB_KBD_INT),
                    full && aux && (k->ram[0] & CB_AUX_INT) };
    for (int i = 0; i < 2; i++) {
        if (want[i] == k->level[i])
            continue;
        k->level[i] = want[i];
        if (k->irq[i].set)
            k->irq[i].set(k->irq[i].opaque, k->irq[i].irq, want[i]);
    }
}

static void cq_push(struct i8042 *k, uint8_t byte, uint8_t st)
{
    if (k->cq_count == CQ_SIZE) {
        LOG(guest_errors, "i8042: reply %#x lost: the guest does not read port 0x60\n", byte);
        return;
    }
    unsigned i = (k->cq_head + k->cq_count++) % CQ_SIZE;
    k->cq[i].byte = byte;
    k->cq[i].st = st;
}

static void load(struct i8042 *k, uint8_t byte, uint8_t st)
{
    k->obuf = byte;
    k->status = (k->status & ~(ST_AUX | ST_TIMEOUT | ST_PARITY)) | ST_OBF | st;
}

/* Fill an empty output buffer: the controller's own bytes first, then the
 * keyboard's while its interface is enabled (a disabled interface holds
 * the clock line low, so the keyboard keeps its bytes). */
static void refill(struct i8042 *k)
{
    while (!(k->status & ST_OBF)) {
        if (k->cq_count) {
            load(k, k->cq[k->cq_head].byte, k->cq[k->cq_head].st);
            k->cq_head = (k->cq_head + 1) % CQ_SIZE;
            k->cq_count--;
            break;
        }
        uint8_t byte;
        if ((k->ram[0] & CB_KBD_DIS) || !ps2kbd__pop(&k->kbd, &byte))
            break;
        if (!(k->ram[0] & CB_XLATE)) {
            load(k, byte, 0);
        } else if (byte == 0xf0) {
            k->xlate_break = true;
        } else {
            load(k, translate(byte) | (k->xlate_break ? 0x80 : 0), 0);
            k->xlate_break = false;
        }
    }
    update_irqs(k);
}

static void reply(struct i8042 *k, uint8_t byte)
{
    cq_push(k, byte, 0);
}

static void write_output_port(struct i8042 *k, uint8_t v)
{
    k->output_port = v & ~(OP_KBD_OBF | OP_AUX_OBF);
    a20__set(k->m, A20_SRC_KBC, v & OP_A20);
    if (!(v & OP_RESET))
        machine__request_reset(k->m);
}

static uint8_t read_output_port(const struct i8042 *k)
{
    return k->output_port | (k->level[0] ? OP_KBD_OBF : 0) | (k->level[1] ? OP_AUX_OBF : 0);
}

static void write_command_byte(struct i8042 *k, uint8_t v)
{
    k->ram[0] = v;
    k->status = (k->status & ~ST_SYS) | (v & CB_SYS);
}

/* A byte written to port 0x60 after a command that takes one. */
static void command_data(struct i8042 *k, int cmd, uint8_t v)
{
    if (cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + 0x20) {
        if (cmd == CMD_WRITE_RAM)
            write_command_byte(k, v);
        else
            k->ram[cmd - CMD_WRITE_RAM] = v;
        return;
    }
    switch (cmd) {
    case CMD_WRITE_OUTPUT:
        write_output_port(k, v);
        break;
    case CMD_WRITE_KBD_OBUF:
        cq_push(k, v, 0);
        break;
    case CMD_WRITE_AUX_OBUF:
        cq_push(k, v, ST_AUX);
        break;
    case CMD_WRITE_AUX:
        /* No device on the auxiliary port: it never clocks the byte in,
         * so the controller gives up and reports a transmit timeout with
         * FEh as auxiliary data, which PS/2 drivers take as "no mouse". */
        cq_push(k, 0xfe, ST_AUX | ST_TIMEOUT);
        break;
    }
}

static void command(struct i8042 *k, uint8_t cmd)
{
    k->pending = -1;
    if (cmd >= CMD_READ_RAM && cmd < CMD_READ_RAM + 0x20) {
        reply(k, k->ram[cmd - CMD_READ_RAM]);
        return;
    }
    if ((cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + 0x20) ||
        (cmd >= CMD_WRITE_OUTPUT && cmd <= CMD_WRITE_AUX)) {
        k->pending = cmd;
        return;
    }
    if (cmd >= CMD_PULSE) {
        /* Bits 3:0 low pulse output port bits 3:0 for about 6 us; only
         * the reset line has an effect that outlasts the pulse. */
        if (!(cmd & OP_RESET))
            machine__request_reset(k->m);
        return;
    }
    switch (cmd) {
    case CMD_PASSWORD_TEST:
        reply(k, 0xf1); /* no password installed */
        break;
    case CMD_AUX_DISABLE:
        write_command_byte(k, k->ram[0] | CB_AUX_DIS);
        break;
    case CMD_AUX_ENABLE:
        write_command_byte(k, k->ram[0] & ~CB_AUX_DIS);
        break;
    case CMD_AUX_TEST:
    case CMD_KBD_TEST:
        reply(k, 0x00); /* clock and data lines fine */
        break;
    case CMD_SELF_TEST:
        /* A passing self-test sets the system flag. */
        write_command_byte(k, k->ram[0] | CB_SYS);
        reply(k, 0x55);
        break;
    case CMD_KBD_DISABLE:
        write_command_byte(k, k->ram[0] | CB_KBD_DIS);
        break;
    case CMD_KBD_ENABLE:
        write_command_byte(k, k->ram[0] & ~CB_KBD_DIS);
        break;
    case CMD_READ_INPUT:
        /* Bit 7: keyboard not inhibited; bit 5: no manufacturing jumper. */
        reply(k, 0xa0);
        break;
    case CMD_READ_OUTPUT:
        reply(k, read_output_port(k));
        break;
    case CMD_READ_TEST_INPUTS:
        reply(k, 0x00);
        break;
    default:
        LOG(unimp, "i8042: unknown controller command %#x ignored\n", cmd);
        break;
    }
}

/* Port 0x60: the output buffer on read, data for the keyboard or for a
 * pending command on write. */
static uint32_t data_read(void *opaque, uint32_t offset, unsigned size)
{
    struct i8042 *k = opaque;
    uint8_t v = k->obuf;
    k->status &= ~(ST_OBF | ST_AUX | ST_TIMEOUT | ST_PARITY);
    update_irqs(k); /* the line drops, so a following byte is a new edge */
    refill(k);
    return v;
}

static void data_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct i8042 *k = opaque;
    int cmd = k->pending;
    k->status &= ~ST_CMD;
    k->pending = -1;
    if (cmd >= 0)
        command_data(k, cmd, value & 0xff);
    else
        ps2kbd__write(&k->kbd, value & 0xff);
    refill(k);
}

/* Port 0x64: the status register on read, a controller command on write. */
static uint32_t status_read(void *opaque, uint32_t offset, unsigned size)
{
    const struct i8042 *k = opaque;
    return k->status;
}

static void command_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct i8042 *k = opaque;
    k->status |= ST_CMD;
    command(k, value & 0xff);
    refill(k);
}

int i8042__init(struct machine *m, struct irq_line kbd_irq, struct irq_line aux_irq,
                struct i8042 **out)
{
    struct i8042 *k = calloc(1, sizeof(*k));
    if (!k)
        return -ENOMEM;
    k->m = m;
    k->irq[0] = kbd_irq;
    k->irq[1] = aux_irq;
    k->pending = -1;
    k->status = ST_UNLOCKED;
    write_command_byte(k, COMMAND_BYTE_RESET);
    ps2kbd__reset(&k->kbd);
    /* Port 0x61 between the two belongs to the PIT/speaker logic. */
    int err = bus__register(&m->bus, BUS_PIO, 0x60, 1, k, data_read, data_write, "i8042 data");
    if (!err)
        err = bus__register(&m->bus, BUS_PIO, 0x64, 1, k, status_read, command_write,
                            "i8042 command");
    if (err) {
        free(k);
        return err;
    }
    write_output_port(k, OUTPUT_PORT_RESET);
    if (out)
        *out = k;
    return 0;
}

void i8042__destroy(struct i8042 *k)
{
    free(k);
}
