/* timer.c - the virtual clock (host CLOCK_MONOTONIC or a test's manual clock) and the deadline queue. */
#include "timer.h"

#include <stddef.h>
#include <time.h>

uint64_t timers__now(const struct timers *q)
{
    if (q->manual)
        return q->manual_now;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void timer__init(struct timer *t, struct timers *q, timer_fn fire, void *opaque)
{
    *t = (struct timer){ .q = q, .fire = fire, .opaque = opaque };
}

void timer__cancel(struct timer *t)
{
    if (!t->armed)
        return;
    struct timer **p = &t->q->head;
    while (*p != t)
        p = &(*p)->next;
    *p = t->next;
    t->next = NULL;
    t->armed = false;
}

/* The queue holds a handful of timers (PIT, RTC, UART, the fd poll), so a
 * sorted list is both the simplest and the fastest structure. */
void timer__arm(struct timer *t, uint64_t deadline)
{
    timer__cancel(t);
    struct timer **p = &t->q->head;
    while (*p && (*p)->deadline <= deadline)
        p = &(*p)->next;
    t->deadline = deadline;
    t->next = *p;
    *p = t;
    t->armed = true;
}

uint64_t timers__next(const struct timers *q)
{
    return q->head ? q->head->deadline : TIMER_NEVER;
}

unsigned timers__run(struct timers *q)
{
    unsigned n = 0;
    uint64_t now = timers__now(q);

    while (q->head && q->head->deadline <= now) {
        struct timer *t = q->head;
        q->head = t->next;
        t->next = NULL;
        t->armed = false;
        t->fire(t->opaque, now);
        n++;
    }
    q->fired += n;
    return n;
}

void timers__set_manual(struct timers *q, uint64_t now)
{
    q->manual = true;
    q->manual_now = now;
}

void timers__advance(struct timers *q, uint64_t ns)
{
    uint64_t target = q->manual_now + ns;
    while (timers__next(q) <= target) {
        uint64_t next = timers__next(q);
        if (next > q->manual_now)
            q->manual_now = next;
        timers__run(q);
    }
    q->manual_now = target;
}
