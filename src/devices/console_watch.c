/* console_watch.c - watches the guest's console output for a Linux kernel panic. */
#include "devices/console_watch.h"

#include <stdio.h>
#include <string.h>

#include "core/machine.h"

#define PANIC_START "Kernel panic - not syncing"
#define PANIC_END "---[ end Kernel panic - not syncing"

/* The printk prefix "[    1.234567] " is optional (printk.time): look for
 * the markers anywhere in the kept part of the line. */
static void end_of_line(struct console_watch *w, struct machine *m)
{
    w->line[w->len] = '\0';
    w->len = 0;
    const char *end = strstr(w->line, PANIC_END);
    if (end && w->in_panic) {
        const char *reason = end + strlen(PANIC_END);
        reason += strspn(reason, ": ");
        size_t n = strcspn(reason, "]\r");
        while (n && reason[n - 1] == ' ')
            n--;
        if (m->stop != STOP_NONE)
            return;
        snprintf(m->stop_message, sizeof(m->stop_message), "%.*s", (int)n, reason);
        machine__stop(m, STOP_GUEST_PANIC, 0);
    } else if (strstr(w->line, PANIC_START)) {
        w->in_panic = true;
    }
}

void console_watch__byte(struct console_watch *w, struct machine *m, char c)
{
    if (c == '\n')
        end_of_line(w, m);
    else if (w->len < CONSOLE_WATCH_LINE - 1)
        w->line[w->len++] = c;
}
