/* console_watch.h - watches the guest's console output for a Linux kernel panic. */
#ifndef BT86_DEVICES_CONSOLE_WATCH_H
#define BT86_DEVICES_CONSOLE_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/timer.h"

struct machine;

#define CONSOLE_WATCH_LINE 160 /* longest line prefix kept; the markers are near the start */

/* Guest time the register dump of an early panic gets before the watch
 * stops the machine (it prints about 1 KiB; under -accel trap each byte
 * costs a few traps of ~15 µs). */
#define CONSOLE_WATCH_EARLY_GRACE_NS 500000000u

/* Console bytes are read line by line. Linux's panic() prints
 *     Kernel panic - not syncing: REASON
 * then a backtrace, then
 *     ---[ end Kernel panic - not syncing: REASON ]---
 * and spins forever (panic=0) with interrupts on. Once the end line is
 * complete, every byte of the report has been written out, and the watch
 * stops the machine with STOP_GUEST_PANIC and the reason as its message.
 *
 * A fault before the kernel's exception handlers are set up is reported by
 * early_fixup_exception (arch/x86/mm/extable.c), only with earlyprintk:
 *     PANIC: early exception 0x00 IP 60:c405ec1e error 0 cr2 0x0
 * then the registers (show_regs), then a HLT loop, with no end line. The
 * watch stops the machine CONSOLE_WATCH_EARLY_GRACE_NS of guest time later,
 * with "early exception ..." as the reason. */
struct console_watch {
    char line[CONSOLE_WATCH_LINE];
    size_t len;
    bool in_panic;       /* the "Kernel panic" line has been seen */
    struct machine *m;   /* set at the first early panic line */
    struct timer grace;  /* armed at the early panic line */
    char early[CONSOLE_WATCH_LINE]; /* the early panic's reason */
};

/* Feed one byte written to the console. */
void console_watch__byte(struct console_watch *w, struct machine *m, char c);

#endif
