/* timer.c - the virtual clock (host CLOCK_MONOTONIC, held back to keep interrupts
 * from being lost) and the deadline queue. */
#include "timer.h"

#include <stddef.h>
#include <time.h>

uint64_t timers__host_now(const struct timers *q)
{
    if (q->manual)
        return q->manual_now;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Restart the linear part of guest time at (host, guest). */
static void anchor(struct timers *q, uint64_t host, uint64_t guest)
{
    q->base_host = host;
    q->base_guest = guest;
    q->catching_up = guest < host;
}

/* Guest time from the anchor alone, back on the host clock once the
 * catch-up reaches it. */
static uint64_t linear(struct timers *q, uint64_t host)
{
    uint64_t d = host - q->base_host;
    if (!q->catching_up)
        return q->base_guest + d;
    uint64_t g = q->base_guest + d + d / 2;
    if (g < host)
        return g;
    anchor(q, host, host);
    return host;
}

/* A hold was lifted: guest time goes on from where the guest saw it
 * stop, catching up. */
static void unclamp(struct timers *q, uint64_t host)
{
    if (!q->clamped)
        return;
    q->clamped = false;
    anchor(q, host, q->last);
    if (q->icount) {
        q->slice_icount = *q->icount;
        q->slice_guest = q->last;
        q->slice_host = host;
    }
}

/* Guest time from instructions, during a slice whose speed is known. */
static uint64_t from_icount(const struct timers *q, uint64_t host)
{
    uint64_t n = *q->icount - q->slice_icount;
    uint64_t g = q->slice_guest + (uint64_t)((unsigned __int128)n * q->slice_rate / 1024);
    return g < host ? g : host;
}

/* Guest time before any hold: from instructions in a slice, else from the
 * anchor stopping at the next deadline until it has fired; never more
 * than TIMERS_MAX_LAG behind the host (floor). */
static uint64_t unheld(struct timers *q, uint64_t host, uint64_t floor)
{
    uint64_t g = q->icount && q->slice_rate ? from_icount(q, host) : linear(q, host);
    if (!q->icount && g > timers__next(q))
        g = timers__next(q) > q->last ? timers__next(q) : q->last;
    return g < floor ? floor : g;
}

uint64_t timers__now(struct timers *q)
{
    if (q->raw)
        return q->manual_now;
    uint64_t host = timers__host_now(q);
    uint64_t floor = host > TIMERS_MAX_LAG ? host - TIMERS_MAX_LAG : 0;
    uint64_t g = unheld(q, host, floor);

    if (q->hold_while && g >= q->hold_at) {
        if (q->hold_while(q->hold_opaque, q->hold_at - 1 < floor)) {
            g = q->hold_at - 1;
            q->clamped = true;
        } else {
            /* Lifted: on from where the guest saw time stop, or from
             * TIMERS_MAX_LAG behind if that is later, catching up. */
            q->hold_while = NULL;
            if (q->last < floor)
                q->last = floor;
            unclamp(q, host);
            g = unheld(q, host, floor);
        }
    }
    if (g < q->last)
        g = q->last;
    q->last = g;
    return g;
}

void timers__hold(struct timers *q, uint64_t deadline, timer_hold_fn still, void *opaque)
{
    timers__now(q);
    unclamp(q, timers__host_now(q)); /* a moved hold starts afresh */
    q->hold_at = deadline;
    q->hold_while = still;
    q->hold_opaque = opaque;
}

/* Instructions per slice while a hold stops guest time. */
#define HELD_SLICE 1024
/* How far behind the host guest time runs at twice the guest's speed. */
#define CATCHUP_NS 50000000u

uint64_t timers__slice_begin(struct timers *q, const uint64_t *icount, uint64_t max)
{
    uint64_t now = timers__now(q);
    q->slice_host = timers__host_now(q);
    q->slice_guest = now;
    q->slice_icount = *icount;
    /* Behind the host: faster, the more behind (twice as fast CATCHUP_NS
     * behind, at most three times). */
    uint64_t lag = q->slice_host - now;
    if (lag > TIMERS_MAX_LAG)
        lag = TIMERS_MAX_LAG;
    q->slice_rate = q->ns_per_kinsn + (uint64_t)((unsigned __int128)q->ns_per_kinsn * lag / CATCHUP_NS);
    q->icount = icount;

    /* End the slice at the next deadline, so timers fire on time; while
     * a hold stops time, in short slices, so the hold is looked at. */
    uint64_t next = timers__next(q);
    if (q->clamped)
        return max < HELD_SLICE ? max : HELD_SLICE;
    if (!q->slice_rate || next == TIMER_NEVER)
        return max;
    unsigned __int128 n = (unsigned __int128)(next > now ? next - now : 0) * 1024 / q->slice_rate;
    return n < max ? (n ? (uint64_t)n : 1) : max;
}

uint64_t timers__insns_in(const struct timers *q, uint64_t ns, uint64_t least)
{
    uint64_t n = q->ns_per_kinsn ? ns * 1024 / q->ns_per_kinsn : 0;
    return n > least ? n : least;
}

/* Learn the guest's speed, host ns per instruction, from the slice that
 * ended: a moving average, over the time the host gave bt86 too, so that
 * guest time keeps up with the host on average; one slice that the host
 * descheduled moves it by a bounded step. */
static void learn_speed(struct timers *q, uint64_t host)
{
    uint64_t n = *q->icount - q->slice_icount;
    if (n < 1024)
        return;
    uint64_t measured = (host - q->slice_host) * 1024 / n;
    uint64_t est = q->ns_per_kinsn;
    if (!est) {
        q->ns_per_kinsn = measured ? measured : 1;
        return;
    }
    if (measured > 4 * est)
        measured = 4 * est;
    q->ns_per_kinsn = measured > est ? est + (measured - est) / 8 : est - (est - measured) / 8;
    if (!q->ns_per_kinsn)
        q->ns_per_kinsn = 1;
}

void timers__slice_end(struct timers *q)
{
    uint64_t now = timers__now(q);
    uint64_t host = timers__host_now(q);
    learn_speed(q, host);
    q->icount = NULL;
    q->clamped = false;
    anchor(q, host, now);
}

bool timers__in_slice(const struct timers *q)
{
    return q->icount != NULL;
}

uint64_t timers__host_delay(struct timers *q, uint64_t deadline)
{
    uint64_t now = timers__now(q);
    if (deadline <= now)
        return 0;
    uint64_t d = deadline - now;
    return q->catching_up ? d - d / 3 : d;
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

/* The queue holds a handful of timers (PIT, RTC, UART), so a sorted list
 * is both the simplest and the fastest structure. */
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

/* A bound on the callbacks of one run, against a device that keeps
 * re-arming in the past. */
#define MAX_FIRES_PER_RUN 256

unsigned timers__run(struct timers *q)
{
    unsigned n = 0;

    while (q->head && n < MAX_FIRES_PER_RUN) {
        uint64_t now = timers__now(q); /* moves on as deadlines fire */
        struct timer *t = q->head;
        if (t->deadline > now)
            break;
        q->head = t->next;
        t->next = NULL;
        t->armed = false;
        t->fire(t->opaque, now);
        n++;
    }
    q->fired += n;
    return n;
}

void timers__set_manual_host(struct timers *q, uint64_t now)
{
    q->manual = true;
    q->raw = false;
    q->manual_now = now;
    q->last = 0;
    anchor(q, now, now);
}

void timers__set_manual(struct timers *q, uint64_t now)
{
    timers__set_manual_host(q, now);
    q->raw = true;
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
