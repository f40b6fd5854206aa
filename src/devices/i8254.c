/* i8254.c - the 8254 programmable interval timer at 0x40-0x43: three counters
 * clocked at 1.193182 MHz, computed from guest time rather than ticked. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/machine.h"
#include "core/stats.h"
#include "core/timer.h"
#include "devices/devices.h"

/*
 * Reference: Intel 82C54 datasheet (order 231244), "Modes" and "Read
 * Operations". Nothing here counts clock by clock: each counter remembers
 * the CLK tick at which its count register was transferred to the
 * counting element (load), and its value and OUT level at tick t are
 * functions of e = t - load. Channel 0's OUT drives IRQ 0 through a timer
 * armed at its next transition; channels 1 and 2 are read on demand
 * (channel 2's gate and OUT through port 0x61).
 *
 * Channel 0 holds guest time short of OUT's next rising edge, periodic or
 * one-shot, for as long as the CPU cannot take the interrupt yet (see
 * timers__hold in timer.h and tick_waiting below): a guest running with
 * interrupts disabled, or a host that did not run bt86 for a while,
 * delays a tick instead of losing it, and the TSC, which reads the same
 * guest time, agrees.
 *
 * When guest time runs late by more than a period anyway, the missed rising
 * edges of channel 0 are not sent in a burst (the interrupt controller
 * would merge them into one request): they are counted (stats.pit_missed)
 * into a backlog, capped at one second's worth, and re-sent one at a time
 * a quarter period apart, between the regular edges, so a guest that counts
 * ticks keeps the right rate on average (as KVM's "delay" lost-tick
 * policy does). Counter reads and the TSC follow the clock regardless.
 */

#define PIT_HZ 1193182u
#define NSEC 1000000000u
#define NEVER UINT64_MAX

struct pit_channel {
    uint8_t control;      /* RW, mode and BCD bits as last programmed */
    uint8_t mode;         /* 0-5 (6 and 7 are 2 and 3) */
    uint8_t rw;           /* 1 LSB, 2 MSB, 3 LSB then MSB */
    bool bcd;
    bool gate;
    bool count_valid;     /* a count was written since the control word */
    uint32_t n;           /* the initial count: 1..65536 (or 10000 in BCD) */
    uint64_t load;        /* tick the count reached the counting element, or NEVER */
    bool frozen;          /* the gate stopped counting; e is frozen_e */
    int64_t frozen_e;
    /* A count written while counting in modes 1, 2, 3 and 5 takes effect
     * later: at pending_at (modes 2, 3) or at the next trigger (NEVER). */
    bool pending;
    uint32_t pending_n;
    uint64_t pending_at;
    /* Programming and read-back state. */
    bool write_msb;       /* next data write is the MSB of an LSB/MSB pair */
    uint8_t write_lsb;
    bool read_msb;        /* next data read is the MSB of a pair */
    bool count_latched, status_latched;
    uint16_t latch;
    uint8_t status;
    /* OUT as seen by whatever is wired to it. */
    struct machine *m;
    struct irq_line irq;  /* NULL set: nothing listens (no timer) */
    struct timer timer;
    uint64_t synced;      /* edges up to this tick have been delivered */
    bool edge_seen;       /* a rising edge not yet driven onto irq */
    uint32_t backlog;     /* missed periodic edges still to re-send */
    uint64_t held_edge;   /* the edge guest time is held short of, or NEVER */
    bool hold_started;    /* the CPU reached the held edge with IF clear... */
    uint64_t hold_icount; /* ...at this instruction count */
    uint64_t catchup_at;  /* tick of the next re-sent edge */
    bool driven;          /* the level last driven onto irq */
};

struct i8254 {
    struct machine *m;
    struct pit_channel ch[3];
};

static uint64_t ns_to_ticks(uint64_t ns)
{
    return (uint64_t)((unsigned __int128)ns * PIT_HZ / NSEC);
}

/* The first nanosecond at which tick t has begun. */
static uint64_t ticks_to_ns(uint64_t t)
{
    return (uint64_t)(((unsigned __int128)t * NSEC + PIT_HZ - 1) / PIT_HZ);
}

static uint64_t now_ticks(const struct i8254 *p)
{
    return ns_to_ticks(timers__now(&p->m->timers));
}

/* Ticks the counter has counted at tick t, or -1 before its count is
 * loaded (or before a one-shot is triggered). */
static int64_t elapsed(const struct pit_channel *c, uint64_t t)
{
    if (c->frozen)
        return c->frozen_e;
    if (c->load == NEVER || t < c->load)
        return -1;
    return (int64_t)(t - c->load);
}

static uint32_t modulus(const struct pit_channel *c)
{
    return c->bcd ? 10000u : 65536u;
}

/* Mode 3 is high for the first (N+1)/2 ticks of each period. */
static int64_t half_high(const struct pit_channel *c)
{
    return (c->n + 1) / 2;
}

/* The counting element after e ticks (datasheet mode descriptions; in
 * mode 3 it counts down by two, from N-1 when N is odd). */
static uint32_t value_at(const struct pit_channel *c, int64_t e)
{
    int64_t n = c->n;
    if (e < 0)
        return c->n % modulus(c);
    switch (c->mode) {
    case 2:
        return (uint32_t)((n - e % n) % modulus(c));
    case 3: {
        int64_t r = e % n;
        if (r >= half_high(c))
            r -= half_high(c);
        return (uint32_t)(((n & ~1) - 2 * r) % modulus(c));
    }
    default: /* 0, 1, 4, 5: down through zero and around */
        return (uint32_t)(((n - e) % modulus(c) + modulus(c)) % modulus(c));
    }
}

/* OUT after e ticks. */
static bool out_at(const struct pit_channel *c, int64_t e)
{
    if (!c->gate && (c->mode == 2 || c->mode == 3))
        return true;
    if (e < 0)
        return c->mode != 0; /* mode 0: low from the control word on */
    switch (c->mode) {
    case 0:
    case 1:
        return e >= c->n;
    case 2:
        return c->n == 1 || e % c->n != c->n - 1;
    case 3:
        return e % c->n < half_high(c);
    default: /* 4, 5: one tick low when the count expires */
        return e != c->n;
    }
}

static bool periodic(const struct pit_channel *c)
{
    return (c->mode == 2 || c->mode == 3) && c->n > 1;
}

/* Rising edges of OUT in (e1, e2]. */
static uint64_t rising_edges(const struct pit_channel *c, int64_t e1, int64_t e2)
{
    if (e2 <= e1 || (!c->gate && (c->mode == 2 || c->mode == 3)))
        return 0;
    if (periodic(c))
        return (uint64_t)(e2 / c->n - (e1 < 0 ? 0 : e1 / c->n));
    if (c->mode == 2 || c->mode == 3)
        return 0;
    int64_t rise = (c->mode == 0 || c->mode == 1) ? c->n : c->n + 1;
    return e1 < rise && e2 >= rise;
}

/* The first e' > e at which OUT changes, or -1 when it never will. */
static int64_t next_transition(const struct pit_channel *c, int64_t e)
{
    int64_t n = c->n;
    if (c->frozen || c->load == NEVER || (!c->gate && (c->mode == 2 || c->mode == 3)))
        return -1;
    if (periodic(c)) {
        int64_t fall = c->mode == 2 ? n - 1 : half_high(c);
        if (e < 0)
            return fall;
        int64_t r = e % n;
        return r < fall ? e + fall - r : e + n - r;
    }
    if (c->mode == 2 || c->mode == 3)
        return -1;
    if (c->mode == 0 || c->mode == 1)
        return e < n ? n : -1;
    return e < n ? n : e == n ? n + 1 : -1;
}

/* Account for OUT's rising edges up to tick t under the current state;
 * edges beyond the first go to the backlog of a channel with a listener. */
static void advance(struct pit_channel *c, uint64_t t)
{
    if (t <= c->synced)
        return;
    uint64_t edges = rising_edges(c, elapsed(c, c->synced), elapsed(c, t));
    c->synced = t;
    if (!edges)
        return;
    c->edge_seen = true;
    if (edges > 1 && c->irq.set) {
        uint64_t cap = PIT_HZ / c->n;
        stats.pit_missed += edges - 1;
        c->backlog = (uint32_t)(c->backlog + edges - 1 > cap ? cap : c->backlog + edges - 1);
    }
}

/* Deferred count loads whose moment has come. */
static void apply_pending(struct pit_channel *c, uint64_t t)
{
    if (!c->pending || c->pending_at == NEVER || c->pending_at > t)
        return;
    advance(c, c->pending_at);
    c->n = c->pending_n;
    c->load = c->pending_at;
    c->pending = false;
}

/* Instructions a CPU with interrupts disabled may run at an edge before
 * the edge comes anyway: enough for a read of the clocks, short enough
 * that a delay loop with interrupts off hardly notices. */
#define IRQ_OFF_HOLD_INSNS 4096

/*
 * The hold's condition, at the next edge: an engine slice is running (the
 * edge's timer fires, and its interrupt can be taken, only when the slice
 * ends; a count written during the slice may aim OUT before that), the
 * interrupt controller still has the last tick latched (or, without one,
 * the CPU has an interrupt request pending), or the CPU runs with
 * interrupts disabled, for a little while. So the counter never shows an
 * edge whose interrupt could not have been taken yet, and no edge falls
 * inside a short interrupts-off read of the PIT and the TSC. The first
 * and the last end within a bounded number of instructions, so they go
 * on even when guest time falls more than TIMERS_MAX_LAG behind the host
 * (overdue): a descheduled host must not move time past the edge in the
 * middle of such a read either.
 *
 * Linux's clocksource watchdog reads the PIT clocksource (jiffies times
 * the period plus the count) three times with interrupts off; with
 * high-resolution timers the tick is a mode 4 one-shot aimed at the next
 * jiffy. An expiry inside that window leaves jiffies stale and the count
 * wrapped past zero, which Linux's i8253 read takes for a broken counter:
 * it reprograms mode 2, the one-shot ticks stop lining up with jiffies,
 * and the TSC is marked unstable. On hardware the window is a few
 * microseconds right after a tick; at emulated speed it lasts 20-50 times
 * longer in guest time and falls anywhere in the jiffy.
 */
static bool tick_waiting(void *opaque, bool overdue)
{
    struct pit_channel *c = opaque;
    const struct machine *m = c->m;
    const struct cpu *cpu = &m->cpu;
    bool pending = m->irq_requested ? m->irq_requested(m->intr_opaque, c->irq.irq) : m->intr_line;

    if (timers__in_slice(c->timer.q))
        return true;
    if (pending && !overdue)
        return true;
    if (cpu->eflags & F_IF)
        return false;
    if (!c->hold_started) {
        c->hold_started = true;
        c->hold_icount = cpu->icount;
    }
    return cpu->icount - c->hold_icount < IRQ_OFF_HOLD_INSNS;
}

/* The tick of OUT's first rising edge after tick t, or NEVER. */
static uint64_t next_rise(const struct pit_channel *c, uint64_t t)
{
    if (c->frozen || c->load == NEVER || (!c->gate && (c->mode == 2 || c->mode == 3)))
        return NEVER;
    if (periodic(c))
        return c->load + (t < c->load ? 1 : (t - c->load) / c->n + 1) * c->n;
    if (c->mode == 2 || c->mode == 3)
        return NEVER; /* N = 1: OUT stays high */
    uint64_t rise = c->load + c->n + (c->mode == 0 || c->mode == 1 ? 0 : 1);
    return t < rise ? rise : NEVER;
}

/* Keep guest time short of OUT's next rising edge (or re-sent missed
 * one) while the CPU cannot take it (see timer.h), so a slow or
 * descheduled guest loses no tick and no short interrupts-off stretch
 * sees an expiry. A hold starts afresh only when the edge changes, so
 * reads of the counter do not stretch it. */
static void hold_next_edge(struct pit_channel *c, uint64_t t)
{
    uint64_t next = next_rise(c, t);
    if (c->backlog && c->catchup_at < next)
        next = c->catchup_at;
    if (next == c->held_edge)
        return;
    c->held_edge = next;
    c->hold_started = false;
    if (next == NEVER)
        timers__hold(c->timer.q, TIMER_NEVER, NULL, NULL);
    else
        timers__hold(c->timer.q, ticks_to_ns(next), tick_waiting, c);
}

/* A rising edge on the listener's line. */
static void pulse(struct pit_channel *c, uint64_t t)
{
    if (c->driven)
        c->irq.set(c->irq.opaque, c->irq.irq, 0);
    c->irq.set(c->irq.opaque, c->irq.irq, 1);
    c->driven = true;
    c->catchup_at = t + (c->n + 3) / 4;
}

/* Bring OUT's listener up to tick t: a pulse for the rising edges since
 * the last sync (or a re-sent missed one), then OUT's current level;
 * then arm the timer for the next transition and hold guest time short
 * of the next edge. Call before and after every change of state. */
static void sync(struct pit_channel *c, uint64_t t)
{
    apply_pending(c, t);
    advance(c, t);
    if (!c->irq.set)
        return;
    bool level = out_at(c, elapsed(c, t));
    if (c->edge_seen) {
        pulse(c, t);
        c->edge_seen = false;
    } else if (c->backlog && t >= c->catchup_at) {
        pulse(c, t);
        c->backlog--;
    }
    if (level != c->driven) {
        c->irq.set(c->irq.opaque, c->irq.irq, level);
        c->driven = level;
    }
    int64_t next = next_transition(c, elapsed(c, t));
    uint64_t at = next < 0 ? NEVER : c->load + (uint64_t)next;
    if (c->pending && c->pending_at < at)
        at = c->pending_at;
    if (c->backlog && c->catchup_at < at)
        at = c->catchup_at;
    if (at == NEVER)
        timer__cancel(&c->timer);
    else
        timer__arm(&c->timer, ticks_to_ns(at));
    hold_next_edge(c, t);
}

static void channel_fire(void *opaque, uint64_t now)
{
    sync(opaque, ns_to_ticks(now));
}

/* A count from the CPU: BCD digits decoded, 0 meaning the maximum. */
static uint32_t decode_count(const struct pit_channel *c, uint16_t raw)
{
    uint32_t n = raw;
    if (c->bcd)
        n = (raw >> 12 & 15) * 1000 + (raw >> 8 & 15) * 100 + (raw >> 4 & 15) * 10 + (raw & 15);
    return n ? n : modulus(c);
}

static uint16_t encode_count(const struct pit_channel *c, uint32_t v)
{
    if (!c->bcd)
        return (uint16_t)v;
    return (uint16_t)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

/* The count register got a complete new count at tick t (datasheet,
 * "Write Operations" and each mode's "new count" rule). */
static void load_count(struct pit_channel *c, uint32_t n, uint64_t t)
{
    bool first = !c->count_valid;
    c->count_valid = true;
    switch (c->mode) {
    case 0:
    case 4: /* loaded on the next CLK; the gate may hold it */
        c->n = n;
        c->pending = false;
        c->load = t + 1;
        c->frozen = !c->gate;
        c->frozen_e = 0;
        break;
    case 2:
    case 3:
        if (!first && !c->frozen) {
            /* At the end of the current period (mode 3: of the current
             * low half, i.e. the next rising edge; a count written during
             * the high half takes effect one half-cycle later than on the
             * part). */
            c->pending = true;
            c->pending_n = n;
            c->pending_at = c->load + (uint64_t)((elapsed(c, t) / c->n + 1) * c->n);
            break;
        }
        c->n = n; /* with the gate low: used when it rises */
        c->pending = false;
        if (first) {
            c->load = t + 1;
            c->frozen = !c->gate;
            c->frozen_e = 0;
        }
        break;
    default: /* 1, 5: used at the next trigger */
        if (c->load == NEVER) {
            c->n = n;
        } else {
            c->pending = true;
            c->pending_n = n;
            c->pending_at = NEVER;
        }
        break;
    }
}

static void write_data(struct pit_channel *c, uint8_t v, uint64_t t)
{
    sync(c, t);
    switch (c->rw) {
    case 1:
        load_count(c, decode_count(c, v), t);
        break;
    case 2:
        load_count(c, decode_count(c, (uint16_t)(v << 8)), t);
        break;
    default:
        if (!c->write_msb) {
            c->write_lsb = v;
            c->write_msb = true;
            if (c->mode == 0 && c->count_valid) {
                /* Mode 0: the first byte stops the count, OUT goes low. */
                int64_t e = elapsed(c, t);
                c->frozen = true;
                c->frozen_e = (e < 0 || e >= c->n) ? 0 : e;
            }
            break;
        }
        c->write_msb = false;
        load_count(c, decode_count(c, (uint16_t)(c->write_lsb | v << 8)), t);
        break;
    }
    c->synced = t;
    sync(c, t);
}

/* Control word: counter latch command or a new mode (datasheet "Control
 * Word Format"); a new mode resets the counter's programming state. */
static void write_control(struct pit_channel *c, uint8_t v, uint64_t t)
{
    sync(c, t);
    if ((v & 0x30) == 0) {
        if (!c->count_latched) {
            c->latch = encode_count(c, value_at(c, elapsed(c, t)));
            c->count_latched = true;
        }
        return;
    }
    c->control = v & 0x3f;
    c->rw = v >> 4 & 3;
    c->mode = v >> 1 & 7;
    if (c->mode > 5)
        c->mode -= 4;
    c->bcd = v & 1;
    c->count_valid = false;
    c->backlog = 0;
    c->load = NEVER;
    c->frozen = false;
    c->pending = false;
    c->write_msb = c->read_msb = false;
    c->count_latched = c->status_latched = false;
    sync(c, t);
}

/* Status byte (datasheet "Read-Back Command"): OUT, null count, and the
 * programmed control bits. Null count stays set until the count register
 * has been transferred to the counting element. */
static uint8_t status_byte(const struct pit_channel *c, uint64_t t)
{
    bool null_count = !c->count_valid || c->pending || c->load == NEVER || t < c->load;
    return (uint8_t)(out_at(c, elapsed(c, t)) << 7 | null_count << 6 | c->control);
}

static void read_back(struct i8254 *p, uint8_t v, uint64_t t)
{
    for (int i = 0; i < 3; i++) {
        struct pit_channel *c = &p->ch[i];
        if (!(v & (2u << i)))
            continue;
        sync(c, t);
        if (!(v & 0x20) && !c->count_latched) {
            c->latch = encode_count(c, value_at(c, elapsed(c, t)));
            c->count_latched = true;
        }
        if (!(v & 0x10) && !c->status_latched) {
            c->status = status_byte(c, t);
            c->status_latched = true;
        }
    }
}

/* A read of a counter port: a latched status, then a latched count, else
 * the live count, one byte at a time per the RW mode. */
static uint8_t read_data(struct pit_channel *c, uint64_t t)
{
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    sync(c, t);
    uint16_t v = c->count_latched ? c->latch : encode_count(c, value_at(c, elapsed(c, t)));
    bool msb = c->rw == 2 || (c->rw == 3 && c->read_msb);
    if (c->rw == 3)
        c->read_msb = !c->read_msb;
    if (c->count_latched && (c->rw != 3 || !c->read_msb))
        c->count_latched = false;
    return (uint8_t)(msb ? v >> 8 : v);
}

static uint32_t pit_read(void *opaque, uint32_t offset, unsigned size)
{
    struct i8254 *p = opaque;
    if (offset == 3)
        return 0xff; /* the control word register cannot be read */
    return read_data(&p->ch[offset], now_ticks(p));
}

static void pit_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct i8254 *p = opaque;
    uint64_t t = now_ticks(p);
    uint8_t v = (uint8_t)value;

    if (offset < 3)
        write_data(&p->ch[offset], v, t);
    else if ((v >> 6) == 3)
        read_back(p, v, t);
    else
        write_control(&p->ch[v >> 6], v, t);
}

void i8254__set_gate(struct i8254 *p, int channel, bool level)
{
    struct pit_channel *c = &p->ch[channel];
    uint64_t t = now_ticks(p);
    if (level == c->gate)
        return;
    sync(c, t);
    int64_t e = elapsed(c, t);
    c->gate = level;
    switch (c->mode) {
    case 0:
    case 4: /* the gate enables counting */
        if (!level && c->count_valid && !c->frozen) {
            c->frozen = true;
            c->frozen_e = e < 0 ? 0 : e;
        } else if (level && c->frozen) {
            c->frozen = false;
            c->load = t - (uint64_t)c->frozen_e;
        }
        break;
    case 2:
    case 3: /* low stops counting (OUT high); rising reloads */
        if (!level && c->count_valid) {
            c->frozen = true;
            c->frozen_e = e < 0 ? 0 : e;
        } else if (level && c->count_valid) {
            c->frozen = false;
            c->pending = false;
            c->load = t + 1;
        }
        break;
    default: /* 1, 5: the rising edge triggers */
        if (level && c->count_valid) {
            if (c->pending)
                c->n = c->pending_n;
            c->pending = false;
            c->load = t + 1;
        }
        break;
    }
    c->synced = t;
    sync(c, t);
}

bool i8254__out(struct i8254 *p, int channel)
{
    struct pit_channel *c = &p->ch[channel];
    uint64_t t = now_ticks(p);
    sync(c, t);
    return out_at(c, elapsed(c, t));
}

int i8254__init(struct machine *m, struct irq_line irq0, struct i8254 **out)
{
    struct i8254 *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->m = m;
    uint64_t t = now_ticks(p);
    for (int i = 0; i < 3; i++) {
        struct pit_channel *c = &p->ch[i];
        /* Power-up state is undefined; this is mode 0's, like a part
         * whose control word has not been written yet, OUT low. */
        c->load = NEVER;
        c->rw = 3;
        c->control = 0x30;
        c->gate = i != 2; /* channels 0 and 1 have GATE tied high on a PC */
        c->synced = t;
        c->held_edge = NEVER;
        c->m = m;
        timer__init(&c->timer, &m->timers, channel_fire, c);
    }
    p->ch[0].irq = irq0;
    int err = bus__register(&m->bus, BUS_PIO, 0x40, 4, p, pit_read, pit_write, "pit");
    if (err) {
        free(p);
        return err;
    }
    if (out)
        *out = p;
    return 0;
}

void i8254__destroy(struct i8254 *p)
{
    timers__hold(&p->m->timers, TIMER_NEVER, NULL, NULL);
    for (int i = 0; i < 3; i++)
        timer__cancel(&p->ch[i].timer);
    free(p);
}
