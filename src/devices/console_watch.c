/* console_watch.c - watches the guest's console output for a Linux kernel panic. */
#include "devices/console_watch.h"

#include <stdio.h>
#include <string.h>

#include "core/machine.h"

#define PANIC_START "Kernel panic - not syncing"
#define PANIC_END "---[ end Kernel panic - not syncing"
#define PANIC_EARLY "PANIC: early exception"

/* The stop with reason as the message, unless the machine stopped already. */
static void stop_panic(struct machine *m, const char *reason, size_t n)
{
    if (m->stop != STOP_NONE)
        return;
    snprintf(m->stop_message, sizeof(m->stop_message), "%.*s", (int)n, reason);
    machine__stop(m, STOP_GUEST_PANIC, 0);
}

/* The grace after an early panic line has passed: its report is out. */
static void early_done(void *opaque, uint64_t now)
{
    struct console_watch *w = opaque;
    stop_panic(w->m, w->early, strlen(w->early));
}

static void early_panic(struct console_watch *w, struct machine *m, const char *at)
{
    if (w->m)
        return; /* the first one is the panic; the rest is its aftermath */
    w->m = m;
    const char *reason = at + strlen("PANIC: ");
    snprintf(w->early, sizeof(w->early), "%.*s", (int)strcspn(reason, "\r"), reason);
    timer__init(&w->grace, &m->timers, early_done, w);
    timer__arm(&w->grace, timers__now(&m->timers) + CONSOLE_WATCH_EARLY_GRACE_NS);
}

/* The printk prefix "[    1.234567] " is optional (printk.time): look for
 * the markers anywhere in the kept part of the line. */
static void end_of_line(struct console_watch *w, struct machine *m)
{
    w->line[w->len] = '\0';
    w->len = 0;
    const char *end = strstr(w->line, PANIC_END);
    const char *early = strstr(w->line, PANIC_EARLY);
    if (end && w->in_panic) {
        const char *reason = end + strlen(PANIC_END);
        reason += strspn(reason, ": ");
        size_t n = strcspn(reason, "]\r");
        while (n && reason[n - 1] == ' ')
            n--;
        stop_panic(m, reason, n);
    } else if (strstr(w->line, PANIC_START)) {
        w->in_panic = true;
    } else if (early) {
        early_panic(w, m, early);
    }
}

void console_watch__byte(struct console_watch *w, struct machine *m, char c)
{
    if (c == '\n')
        end_of_line(w, m);
    else if (w->len < CONSOLE_WATCH_LINE - 1)
        w->line[w->len++] = c;
}
