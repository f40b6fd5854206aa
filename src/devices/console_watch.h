/* console_watch.h - watches the guest's console output for a Linux kernel panic. */
#ifndef BT86_DEVICES_CONSOLE_WATCH_H
#define BT86_DEVICES_CONSOLE_WATCH_H

#include <stdbool.h>
#include <stddef.h>

struct machine;

#define CONSOLE_WATCH_LINE 160 /* longest line prefix kept; the markers are near the start */

/* Console bytes are read line by line. Linux's panic() prints
 *     Kernel panic - not syncing: REASON
 * then a backtrace, then
 *     ---[ end Kernel panic - not syncing: REASON ]---
 * and spins forever (panic=0) with interrupts on. Once the end line is
 * complete, every byte of the report has been written out, and the watch
 * stops the machine with STOP_GUEST_PANIC and the reason as its message. */
struct console_watch {
    char line[CONSOLE_WATCH_LINE];
    size_t len;
    bool in_panic; /* the "Kernel panic" line has been seen */
};

/* Feed one byte written to the console. */
void console_watch__byte(struct console_watch *w, struct machine *m, char c);

#endif
