/* ps2kbd.c - the PS/2 keyboard's command set: reset, identify, LEDs, scan code sets, typematic. */
#include "devices/ps2kbd.h"

#include <string.h>

#include "core/log.h"

/* Commands and replies from the IBM PS/2 Hardware Interface Technical
 * Reference, "Keyboard and Auxiliary Device Controller" / keyboard
 * commands. */
enum {
    KBD_SET_LEDS = 0xed, KBD_ECHO = 0xee, KBD_SCAN_SET = 0xf0, KBD_IDENTIFY = 0xf2,
    KBD_TYPEMATIC = 0xf3, KBD_ENABLE = 0xf4, KBD_DEFAULT_DISABLE = 0xf5, KBD_DEFAULTS = 0xf6,
    KBD_RESEND = 0xfe, KBD_RESET = 0xff,
};
enum { REPLY_ACK = 0xfa, REPLY_RESEND = 0xfe, REPLY_BAT_OK = 0xaa };

#define TYPEMATIC_DEFAULT 0x2b /* 10.9 characters/s after 500 ms */

static void send(struct ps2kbd *k, uint8_t byte)
{
    if (k->count == PS2KBD_QUEUE) {
        /* Buffer overrun: the keyboard replaces the last byte with the
         * overrun code (00h in sets 2 and 3, FFh in set 1). */
        k->queue[(k->head + PS2KBD_QUEUE - 1) % PS2KBD_QUEUE] = k->scan_set == 1 ? 0xff : 0x00;
        return;
    }
    k->queue[(k->head + k->count++) % PS2KBD_QUEUE] = byte;
}

/* Set Default (F6) and the defaults part of reset and F5. */
static void set_defaults(struct ps2kbd *k)
{
    k->typematic = TYPEMATIC_DEFAULT;
    k->scan_set = 2;
}

void ps2kbd__reset(struct ps2kbd *k)
{
    memset(k, 0, sizeof(*k));
    k->await = -1;
    set_defaults(k);
    k->scanning = true;
}

/* The argument byte of a two-byte command. */
static void argument(struct ps2kbd *k, int cmd, uint8_t arg)
{
    switch (cmd) {
    case KBD_SET_LEDS:
        k->leds = arg & 7;
        break;
    case KBD_TYPEMATIC:
        k->typematic = arg & 0x7f;
        break;
    case KBD_SCAN_SET:
        if (arg == 0) {
            send(k, REPLY_ACK);
            send(k, k->scan_set);
            return;
        }
        if (arg > 3) {
            send(k, REPLY_RESEND);
            return;
        }
        k->scan_set = arg;
        break;
    default: /* FB-FD: each key code is acknowledged until the next command */
        k->await = cmd;
        break;
    }
    send(k, REPLY_ACK);
}

void ps2kbd__write(struct ps2kbd *k, uint8_t byte)
{
    /* A command byte where an argument was expected aborts the pending
     * command and is executed itself (any byte >= EDh is a command). */
    if (k->await >= 0 && byte < KBD_SET_LEDS) {
        int cmd = k->await;
        k->await = -1;
        argument(k, cmd, byte);
        return;
    }
    k->await = -1;
    /* A command clears the keyboard's output buffer. */
    if (byte != KBD_RESEND)
        k->count = 0;

    switch (byte) {
    case KBD_SET_LEDS:
    case KBD_TYPEMATIC:
    case KBD_SCAN_SET:
        k->await = byte;
        send(k, REPLY_ACK);
        break;
    case KBD_ECHO:
        send(k, KBD_ECHO);
        break;
    case KBD_IDENTIFY:
        /* MF2 keyboard: ACK, then AB 83. */
        send(k, REPLY_ACK);
        send(k, 0xab);
        send(k, 0x83);
        break;
    case KBD_ENABLE:
        k->scanning = true;
        send(k, REPLY_ACK);
        break;
    case KBD_DEFAULT_DISABLE:
        set_defaults(k);
        k->scanning = false;
        send(k, REPLY_ACK);
        break;
    case KBD_DEFAULTS:
        set_defaults(k);
        k->scanning = true;
        send(k, REPLY_ACK);
        break;
    case 0xfb: case 0xfc: case 0xfd: /* scan set 3: per-key types; key codes follow */
        k->await = byte;
        send(k, REPLY_ACK);
        break;
    case 0xf7: case 0xf8: case 0xf9: case 0xfa: /* scan set 3: all keys typematic/make/break */
        send(k, REPLY_ACK);
        break;
    case KBD_RESEND:
        send(k, k->last_sent);
        break;
    case KBD_RESET:
        ps2kbd__reset(k);
        send(k, REPLY_ACK);
        send(k, REPLY_BAT_OK);
        break;
    default:
        /* An invalid command is answered with Resend. */
        LOG(guest_errors, "ps2kbd: invalid command %#x\n", byte);
        send(k, REPLY_RESEND);
        break;
    }
}

bool ps2kbd__pop(struct ps2kbd *k, uint8_t *byte)
{
    if (!k->count)
        return false;
    *byte = k->queue[k->head];
    k->head = (k->head + 1) % PS2KBD_QUEUE;
    k->count--;
    k->last_sent = *byte;
    return true;
}
