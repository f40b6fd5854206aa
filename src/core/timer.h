/* timer.h - guest time: a virtual clock that follows the host's CLOCK_MONOTONIC,
 * and a queue of device deadlines that the run loop fires. */
#ifndef BT86_CORE_TIMER_H
#define BT86_CORE_TIMER_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Guest time is a count of nanoseconds read by every guest-visible clock
 * (the TSC, the PIT, the RTC). It is the host's CLOCK_MONOTONIC, except
 * that it may fall a little behind it, so that the guest never sees what
 * real hardware cannot show: time jumping ahead while it executes, or
 * ticks piling up unseen.
 *
 * - While the engine runs a slice of guest code, guest time advances with
 *   the instructions retired, at the guest's recent average speed
 *   (timers__slice_begin/end), faster when behind the host. So a loop
 *   that reads the TSC and the PIT sees each iteration take the same
 *   time even when the host deschedules bt86 in the middle of it (Linux
 *   calibrates the TSC against the PIT like that, with interrupts off,
 *   and later checks one against the other).
 * - A device whose interrupt the CPU cannot take yet (interrupts
 *   disabled, an earlier one still pending, or a slice running that ends
 *   after its deadline) may hold guest time just short of its next
 *   interrupt (timers__hold), so a tick is delayed, not lost, and no
 *   clock shows its counter past an interrupt that has not come.
 *
 * - Between slices guest time does not pass a deadline before its timer
 *   has fired (slices end at the next deadline), so a late host delivers
 *   each periodic tick in turn rather than jumping over some.
 *
 * Guest time is never ahead of the host and never more than
 * TIMERS_MAX_LAG behind it (beyond that it moves at host speed, that far
 * behind), except while a hold that lasts a bounded number of guest
 * instructions keeps it short of an interrupt: a host that descheduled
 * bt86 then makes guest time move on only where the interrupt can be
 * taken at once, never in the middle of an interrupts-off read of the
 * clocks. When behind, it runs faster (3/2 of host speed between
 * slices, up to 3 times the guest's speed in slices) until it is back on
 * the host clock, so over seconds guest time keeps host time.
 *
 * Tests put a queue on a manual host clock that only moves when they say
 * so. A zero-filled struct timers is a valid, empty queue on the host
 * clock, with guest time equal to host time, so a calloc'ed struct
 * machine needs no set-up call.
 */

#define TIMER_NEVER UINT64_MAX

struct timers;

/* Called by timers__run once the deadline has passed; now is the clock
 * at firing time (>= deadline; later when the host was late). The timer is
 * disarmed before the call, so the callback may re-arm it, at a deadline
 * after now. */
typedef void (*timer_fn)(void *opaque, uint64_t now);

/* Whether a hold goes on (see above). overdue: holding now keeps guest time
 * more than TIMERS_MAX_LAG behind the host, which only a hold that ends
 * within a bounded number of guest instructions may do. */
typedef bool (*timer_hold_fn)(void *opaque, bool overdue);

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
    bool manual;        /* tests: the host clock is manual_now */
    bool raw;           /* tests: guest time is manual_now, no policy */
    uint64_t manual_now;
    /* Between slices: guest time = base_guest + (host - base_host) * (3/2
     * if catching_up, else 1). During a slice: slice_guest + instructions
     * retired since slice_icount * slice_rate / 1024. Then clamped as
     * described above; it never goes backwards. */
    uint64_t base_host, base_guest, last;
    bool catching_up;
    const uint64_t *icount;       /* the CPU's counter, during a slice */
    uint64_t slice_icount, slice_guest, slice_host, slice_rate;
    uint64_t ns_per_kinsn;        /* guest speed: ns per 1024 instructions */
    bool clamped;                 /* a hold stopped guest time */
    uint64_t hold_at;             /* guest time stays below this... */
    timer_hold_fn hold_while;     /* ...while this says so (NULL: no hold) */
    void *hold_opaque;
    uint64_t fired;     /* callbacks run, for statistics */
};

/* How far guest time may fall behind the host clock. */
#define TIMERS_MAX_LAG 100000000u

/* The current guest time in ns. */
uint64_t timers__now(struct timers *q);
/* The host clock (CLOCK_MONOTONIC, or the manual clock in tests). */
uint64_t timers__host_now(const struct timers *q);
/* Host ns until guest time reaches deadline, if nothing holds it. */
uint64_t timers__host_delay(struct timers *q, uint64_t deadline);

/* Hold guest time below deadline while still(opaque, overdue) is true;
 * replaces any earlier hold. still NULL removes the hold. */
void timers__hold(struct timers *q, uint64_t deadline, timer_hold_fn still, void *opaque);
/* Around a slice of guest code: from begin to end, guest time follows
 * *icount, the CPU's count of retired instructions. Returns how many
 * instructions to run (at most max): as many as reach the next deadline. */
uint64_t timers__slice_begin(struct timers *q, const uint64_t *icount, uint64_t max);
/* How many instructions take about ns of host time at the guest's recent
 * speed, and at least least (before the speed is known: least). */
uint64_t timers__insns_in(const struct timers *q, uint64_t ns, uint64_t least);
void timers__slice_end(struct timers *q);
/* Whether an engine slice is running: a deadline armed during it may fall
 * before the slice ends, and its timer fires only then. */
bool timers__in_slice(const struct timers *q);

/* Bind t to q with its callback. t starts disarmed. */
void timer__init(struct timer *t, struct timers *q, timer_fn fire, void *opaque);
/* Arm t at an absolute deadline (re-arming moves it). */
void timer__arm(struct timer *t, uint64_t deadline);
void timer__cancel(struct timer *t);

/* The earliest armed deadline, or TIMER_NEVER. */
uint64_t timers__next(const struct timers *q);
/* Fire every timer whose deadline has passed, soonest first. Returns how
 * many fired. */
unsigned timers__run(struct timers *q);

/* Device tests: guest time is a manual clock that reads now, exactly
 * (none of the policy above). */
void timers__set_manual(struct timers *q, uint64_t now);
/* Clock tests: the host clock is manual and reads now; guest time
 * follows it by the policy above. */
void timers__set_manual_host(struct timers *q, uint64_t now);
/* Tests: move the manual clock forward by ns, stopping at each deadline
 * on the way so every timer fires exactly on time. */
void timers__advance(struct timers *q, uint64_t ns);

#endif
