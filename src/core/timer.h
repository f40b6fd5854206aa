/* timer.h - guest time: a virtual clock that follows the host's CLOCK_MONOTONIC,
 * and a queue of device deadlines that the run loop fires. */
#ifndef BT86_CORE_TIMER_H
#define BT86_CORE_TIMER_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Guest time is a count of nanoseconds. In normal runs it is the host's
 * CLOCK_MONOTONIC itself, the same clock RDTSC reads (src/interp/msr.c),
 * so the TSC, the PIT and the RTC all agree. Tests switch a queue to a
 * manual clock that only moves when they say so.
 *
 * A zero-filled struct timers is a valid, empty queue on the host clock,
 * so a calloc'ed struct machine needs no set-up call.
 */

#define TIMER_NEVER UINT64_MAX

struct timers;

/* Called by timers__run once the deadline has passed; now is the clock
 * at firing time (>= deadline; later when the host was late). The timer is
 * disarmed before the call, so the callback may re-arm it. */
typedef void (*timer_fn)(void *opaque, uint64_t now);

struct timer {
    struct timers *q;
    timer_fn fire;
    void *opaque;
    uint64_t deadline;  /* valid while armed */
    struct timer *next; /* in q's list, soonest first */
    bool armed;
};

struct timers {
    struct timer *head; /* armed timers, sorted by deadline */
    bool manual;        /* tests: the clock is manual_now */
    uint64_t manual_now;
    uint64_t fired;     /* callbacks run, for statistics */
};

/* The current guest time in ns. */
uint64_t timers__now(const struct timers *q);

/* Bind t to q with its callback. t starts disarmed. */
void timer__init(struct timer *t, struct timers *q, timer_fn fire, void *opaque);
/* Arm t at an absolute deadline (re-arming moves it). */
void timer__arm(struct timer *t, uint64_t deadline);
void timer__cancel(struct timer *t);

/* The earliest armed deadline, or TIMER_NEVER. */
uint64_t timers__next(const struct timers *q);
/* Fire every timer whose deadline has passed, soonest first (timers armed
 * by callbacks at a deadline already past fire in the same call). Returns
 * how many fired. */
unsigned timers__run(struct timers *q);

/* Tests: put q on a manual clock that reads now. */
void timers__set_manual(struct timers *q, uint64_t now);
/* Tests: move the manual clock forward by ns, stopping at each deadline
 * on the way so every timer fires exactly on time. */
void timers__advance(struct timers *q, uint64_t ns);

#endif
