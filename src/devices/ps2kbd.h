/* ps2kbd.h - a PS/2 keyboard as seen from its controller: bytes in, bytes out. */
#ifndef BT86_DEVICES_PS2KBD_H
#define BT86_DEVICES_PS2KBD_H

#include <stdbool.h>
#include <stdint.h>

#define PS2KBD_QUEUE 16 /* the keyboard's own output buffer (IBM: 16 bytes) */

struct ps2kbd {
    uint8_t queue[PS2KBD_QUEUE]; /* bytes waiting to be sent to the controller */
    unsigned head, count;
    uint8_t last_sent;           /* for the Resend command */
    int await;                   /* command whose argument byte is expected, or -1 */
    uint8_t scan_set;            /* 1, 2 or 3 */
    uint8_t leds, typematic;
    bool scanning;               /* F4 enable / F5 disable (bt86 has no key source yet) */
};

/* Power-on state (after the basic assurance test). */
void ps2kbd__reset(struct ps2kbd *k);
/* A byte the controller sends to the keyboard (a command or its argument). */
void ps2kbd__write(struct ps2kbd *k, uint8_t byte);
/* The next byte the keyboard sends, if any. */
bool ps2kbd__pop(struct ps2kbd *k, uint8_t *byte);

#endif
