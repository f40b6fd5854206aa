/* test_i8254.c - the 8254 PIT on a manual clock: each mode's OUT waveform and counter
 * values, latch and read-back, BCD, gates through port 0x61, IRQ 0 timing and catch-up. */
#include <stdlib.h>

#include "check_main.h"
#include "core/machine.h"
#include "core/stats.h"
#include "devices/devices.h"

#define PIT_HZ 1193182u

static struct machine *m;
static struct i8254 *pit;
static struct port61 *p61;
static int irq_level, irq_rises;
static uint64_t tick; /* the PIT clock tick the test has reached */

static void irq_set(void *opaque, int irq, int level)
{
    ck_assert_int_eq(irq, 0);
    if (level && !irq_level)
        irq_rises++;
    irq_level = level;
}

/* The first ns of tick t. */
static uint64_t tick_ns(uint64_t t)
{
    return (uint64_t)(((unsigned __int128)t * 1000000000u + PIT_HZ - 1) / PIT_HZ);
}

/* Move the manual clock into tick t (a little past its start), firing
 * timers on the way. */
static void goto_tick(uint64_t t)
{
    uint64_t ns = tick_ns(t) + 100;
    timers__advance(&m->timers, ns - m->timers.manual_now);
    tick = t;
}

static void step(uint64_t n) { goto_tick(tick + n); }

/* The tick guest time ns falls in. */
static uint64_t ns_to_tick(uint64_t ns)
{
    return (uint64_t)((unsigned __int128)ns * PIT_HZ / 1000000000u);
}

static void setup(void)
{
    m = calloc(1, sizeof(*m));
    bus__init(&m->bus);
    /* Start at a tick boundary some way into guest time. */
    tick = 1000000;
    timers__set_manual(&m->timers, tick_ns(tick) + 100);
    irq_level = irq_rises = 0;
    ck_assert_int_eq(i8254__init(m, (struct irq_line){ irq_set, NULL, 0 }, &pit), 0);
    ck_assert_int_eq(port61__init(m, pit, &p61), 0);
}

static void teardown(void)
{
    port61__destroy(p61);
    i8254__destroy(pit);
    free(m);
}

static void out(uint16_t port, uint8_t v) { machine__io_write(m, port, v, 1); }
static uint8_t in(uint16_t port) { return (uint8_t)machine__io_read(m, port, 1); }

/* Program channel ch: mode, LSB/MSB access, binary, then the count.
 * IRQ 0 edges are counted from here on (the control word itself may
 * raise OUT from the power-up low). */
static void program(int ch, int mode, uint16_t count)
{
    out(0x43, (uint8_t)(ch << 6 | 0x30 | mode << 1));
    out(0x40 + ch, (uint8_t)count);
    out(0x40 + ch, (uint8_t)(count >> 8));
    irq_rises = 0;
}

/* Two reads of a counter port: LSB then MSB. */
static unsigned read16(uint16_t port)
{
    unsigned lo = in(port);
    return lo | in(port) << 8;
}

/* Latch and read channel ch's count (LSB/MSB access). */
static unsigned latched(int ch)
{
    out(0x43, (uint8_t)(ch << 6));
    return read16((uint16_t)(0x40 + ch));
}

/* The CPU looks at the clock, then 1 µs of host time passes and due
 * timers fire: a hold that has ended lets the edge come. */
static void host_moves_on(void)
{
    timers__now(&m->timers);
    m->timers.manual_now += 1000;
    timers__run(&m->timers);
}

static bool out2(void) { return in(0x61) & 0x20; }

START_TEST(mode2_rate_generator)
{
    program(0, 2, 100); /* written at tick T: loaded at T+1 */
    uint64_t t0 = tick + 1;
    goto_tick(t0);
    ck_assert_uint_eq(latched(0), 100);
    goto_tick(t0 + 10);
    ck_assert_uint_eq(latched(0), 90);
    goto_tick(t0 + 99);
    ck_assert_uint_eq(latched(0), 1);
    ck_assert_int_eq(irq_level, 0); /* OUT low for the tick at count 1 */
    goto_tick(t0 + 100);
    ck_assert_uint_eq(latched(0), 100); /* reloaded */
    ck_assert_int_eq(irq_level, 1);
    ck_assert_int_eq(irq_rises, 1);
    goto_tick(t0 + 100 * 50 + 5);
    ck_assert_int_eq(irq_rises, 50);
    ck_assert_uint_eq(stats.pit_missed, 0);
}
END_TEST

START_TEST(irq0_fires_on_time)
{
    /* Linux's periodic tick at HZ=250: LATCH = 4773. */
    program(0, 2, 4773);
    uint64_t t0 = tick + 1;
    goto_tick(t0 + 4773 - 1);
    ck_assert_int_eq(irq_rises, 0);
    ck_assert(timers__next(&m->timers) <= tick_ns(t0 + 4773));
    goto_tick(t0 + 4773);
    ck_assert_int_eq(irq_rises, 1);
    /* One second of guest time gives 250 ticks (1193182 / 4773 = 249.99). */
    goto_tick(t0 + PIT_HZ);
    ck_assert_int_eq(irq_rises, 249);
    goto_tick(t0 + 4773 * 250);
    ck_assert_int_eq(irq_rises, 250);
}
END_TEST

START_TEST(late_host_resends_missed_periods)
{
    program(0, 2, 1000);
    uint64_t t0 = tick + 1;
    uint64_t before = stats.pit_missed;
    /* The host wakes 10.5 periods late: one edge now, not a burst. */
    m->timers.manual_now = tick_ns(t0 + 10500) + 100;
    timers__run(&m->timers);
    ck_assert_int_eq(irq_rises, 1);
    ck_assert_uint_eq(stats.pit_missed - before, 9);
    tick = t0 + 10500;
    /* The 9 missed ones come back a quarter period apart between the
     * regular edges, which keep their phase. */
    goto_tick(t0 + 10750);
    ck_assert_int_eq(irq_rises, 2);
    goto_tick(t0 + 11000);
    ck_assert_int_eq(irq_rises, 3);
    goto_tick(t0 + 20000);
    ck_assert_int_eq(irq_rises, 20);
    goto_tick(t0 + 30000);
    ck_assert_int_eq(irq_rises, 30);
}
END_TEST

START_TEST(untaken_tick_holds_guest_time)
{
    /* On the host clock's policy (timer.h), not the raw test clock. */
    timers__set_manual_host(&m->timers, m->timers.manual_now);
    m->cpu.eflags = F_IF;
    program(0, 2, 1000);
    uint64_t t0 = tick + 1;
    goto_tick(t0 + 1000);
    ck_assert_int_eq(irq_rises, 1);
    m->intr_line = true; /* the CPU does not take it */
    m->timers.manual_now += 50000000; /* 50 ms of host time */
    timers__run(&m->timers);
    uint64_t held = timers__now(&m->timers);
    ck_assert_uint_eq(held, tick_ns(t0 + 2000) - 1); /* just short of the next edge */
    ck_assert_uint_eq(latched(0), 1);
    ck_assert_int_eq(irq_rises, 1);
    m->intr_line = false; /* taken: time goes on from where it stopped */
    ck_assert_uint_eq(timers__now(&m->timers), held);
    m->timers.manual_now += 500000; /* 750 µs of guest time at catch-up speed */
    timers__run(&m->timers);
    ck_assert_int_eq(irq_rises, 2);
    ck_assert_uint_eq(stats.pit_missed, 0);
}
END_TEST

START_TEST(interrupts_off_briefly_hold_the_edge)
{
    timers__set_manual_host(&m->timers, m->timers.manual_now);
    m->cpu.eflags = F_IF;
    program(0, 2, 1000);
    uint64_t t0 = tick + 1;
    goto_tick(t0 + 1000);
    ck_assert_int_eq(irq_rises, 1); /* taken at once: intr_line stays clear */
    m->cpu.eflags = 0; /* then a short interrupts-off read of the clocks */
    m->timers.manual_now = tick_ns(t0 + 2000) + 5000;
    timers__run(&m->timers);
    ck_assert_uint_eq(timers__now(&m->timers), tick_ns(t0 + 2000) - 1);
    ck_assert_uint_eq(latched(0), 1); /* not wrapped yet */
    m->cpu.icount += 4096; /* a long interrupts-off stretch: the edge comes */
    host_moves_on();
    ck_assert_int_eq(irq_rises, 2);
}
END_TEST

START_TEST(one_shot_expiry_waits_for_a_short_interrupts_off_read)
{
    /* Linux's tick with high-resolution timers is a mode 4 one-shot aimed
     * at the next jiffy, and its clocksource watchdog reads the count
     * with interrupts off. An expiry inside that read would wrap the
     * count past zero with jiffies not yet moved. */
    timers__set_manual_host(&m->timers, m->timers.manual_now);
    m->cpu.eflags = F_IF;
    program(0, 4, 4773);
    uint64_t t0 = tick + 1; /* loaded: zero at t0 + 4773, OUT rises a tick later */
    goto_tick(t0 + 4700);
    m->cpu.eflags = 0;
    unsigned first = latched(0);
    ck_assert_uint_eq(first, 73);
    m->timers.manual_now = tick_ns(t0 + 4800); /* the host runs past the expiry */
    timers__run(&m->timers);
    ck_assert_uint_eq(timers__now(&m->timers), tick_ns(t0 + 4774) - 1);
    ck_assert_uint_eq(latched(0), 0); /* not wrapped */
    ck_assert_int_eq(irq_rises, 0);
    /* Reads of the counter do not stretch the hold: it ends after
     * IRQ_OFF_HOLD_INSNS (4096) instructions with interrupts off. */
    for (int i = 0; i < 40; i++) {
        m->cpu.icount += 100;
        ck_assert_uint_eq(latched(0), 0);
    }
    m->cpu.icount += 100;
    host_moves_on();
    ck_assert_int_eq(irq_rises, 1);
    ck_assert_uint_gt(latched(0), 65000); /* then on through zero, as mode 4 counts */
}
END_TEST

START_TEST(one_shot_expiry_comes_once_interrupts_are_on)
{
    timers__set_manual_host(&m->timers, m->timers.manual_now);
    m->cpu.eflags = 0;
    program(0, 4, 1000);
    uint64_t t0 = tick + 1;
    m->timers.manual_now = tick_ns(t0 + 1100);
    timers__run(&m->timers);
    ck_assert_int_eq(irq_rises, 0);
    m->cpu.eflags = F_IF;
    host_moves_on();
    ck_assert_int_eq(irq_rises, 1);
    /* A new count starts a new one-shot, held in its turn. */
    m->cpu.eflags = 0;
    out(0x40, 0xe8);
    out(0x40, 0x03);
    uint64_t t1 = ns_to_tick(timers__now(&m->timers)) + 1;
    m->timers.manual_now += 2000000;
    timers__run(&m->timers);
    ck_assert_uint_eq(timers__now(&m->timers), tick_ns(t1 + 1001) - 1);
    ck_assert_int_eq(irq_rises, 1);
}
END_TEST

START_TEST(edge_armed_mid_slice_waits_for_the_slice_end)
{
    /* A count written during an engine slice can aim OUT before the
     * slice ends, and the timer fires only then: the counter must not
     * show an edge whose interrupt the CPU could not have taken. */
    timers__set_manual_host(&m->timers, m->timers.manual_now);
    m->timers.ns_per_kinsn = 1024; /* 1 ns per instruction */
    m->cpu.eflags = F_IF;
    ck_assert_uint_eq(timers__slice_begin(&m->timers, &m->cpu.icount, 16384), 16384);
    uint64_t t0 = ns_to_tick(timers__now(&m->timers)) + 1;
    program(0, 4, 5); /* zero 5 ticks (4.2 µs) after t0, OUT rises a tick later */
    m->cpu.icount += 10000;
    m->timers.manual_now += 10000;
    ck_assert_uint_eq(timers__now(&m->timers), tick_ns(t0 + 6) - 1);
    ck_assert_uint_eq(latched(0), 0);
    ck_assert_int_eq(irq_rises, 0);
    timers__slice_end(&m->timers);
    host_moves_on();
    ck_assert_int_eq(irq_rises, 1);
}
END_TEST

START_TEST(descheduled_host_does_not_push_time_past_an_edge)
{
    /* The host stops running bt86 for 150 ms in the middle of an
     * interrupts-off read of the clocks: guest time would fall more than
     * TIMERS_MAX_LAG behind and jump ahead, past the one-shot's expiry. */
    timers__set_manual_host(&m->timers, m->timers.manual_now);
    m->timers.ns_per_kinsn = 1024;
    m->cpu.eflags = F_IF;
    uint64_t t0 = ns_to_tick(timers__now(&m->timers)) + 1;
    program(0, 4, 4773);
    timers__slice_begin(&m->timers, &m->cpu.icount, 16384);
    m->cpu.eflags = 0;
    m->cpu.icount += 100;
    m->timers.manual_now += 150000000;
    ck_assert_uint_eq(timers__now(&m->timers), tick_ns(t0 + 4774) - 1);
    ck_assert_uint_eq(latched(0), 0);
    timers__slice_end(&m->timers);
    timers__run(&m->timers);
    ck_assert_int_eq(irq_rises, 0); /* still held: interrupts are off */
    m->cpu.eflags = F_IF;
    timers__run(&m->timers);
    ck_assert_int_eq(irq_rises, 1);
    /* Then TIMERS_MAX_LAG behind the host at once. */
    ck_assert_uint_eq(timers__now(&m->timers), m->timers.manual_now - TIMERS_MAX_LAG);
}
END_TEST

START_TEST(backlog_capped_at_one_second)
{
    program(0, 2, 11932); /* 100 Hz */
    uint64_t t0 = tick + 1;
    m->timers.manual_now = tick_ns(t0 + 11932ull * 1000) + 100; /* 10 s late */
    timers__run(&m->timers);
    tick = t0 + 11932ull * 1000;
    goto_tick(t0 + 11932ull * 1300);
    ck_assert_int_eq(irq_rises, 1 + PIT_HZ / 11932 + 300); /* 99 re-sent */
}
END_TEST

START_TEST(mode3_square_wave_even)
{
    out(0x61, 0x01); /* gate 2 high */
    program(2, 3, 10);
    uint64_t t0 = tick + 1;
    for (int k = 0; k < 3; k++) {
        for (uint64_t e = 0; e < 10; e++) {
            goto_tick(t0 + 10 * k + e);
            ck_assert_msg(out2() == (e < 5), "e=%u", (unsigned)e);
            ck_assert_uint_eq(latched(2), 10 - 2 * (e % 5));
        }
    }
}
END_TEST

START_TEST(mode3_square_wave_odd)
{
    out(0x61, 0x01);
    program(2, 3, 5); /* high (N+1)/2 = 3 ticks, low 2 */
    uint64_t t0 = tick + 1;
    static const unsigned counts[5] = { 4, 2, 0, 4, 2 };
    for (uint64_t e = 0; e < 10; e++) {
        goto_tick(t0 + e);
        ck_assert_msg(out2() == (e % 5 < 3), "e=%u", (unsigned)e);
        ck_assert_uint_eq(latched(2), counts[e % 5]);
    }
}
END_TEST

START_TEST(mode3_gate_low_holds_out_high)
{
    out(0x61, 0x01);
    program(2, 3, 10);
    uint64_t t0 = tick + 1;
    goto_tick(t0 + 7); /* low half */
    ck_assert(!out2());
    out(0x61, 0x00);
    ck_assert(out2());
    step(20);
    ck_assert(out2());
    out(0x61, 0x01); /* rising gate: reload on the next tick */
    uint64_t t1 = tick + 1;
    goto_tick(t1 + 4);
    ck_assert(out2());
    goto_tick(t1 + 5);
    ck_assert(!out2());
}
END_TEST

START_TEST(mode0_terminal_count)
{
    out(0x61, 0x01);
    out(0x43, 0xb0); /* channel 2, LSB/MSB, mode 0 */
    ck_assert(!out2()); /* OUT low after the control word */
    out(0x42, 5);
    out(0x42, 0);
    uint64_t t0 = tick + 1;
    goto_tick(t0 + 4);
    ck_assert(!out2());
    ck_assert_uint_eq(latched(2), 1);
    goto_tick(t0 + 5); /* N + 1 ticks after the write */
    ck_assert(out2());
    ck_assert_uint_eq(latched(2), 0);
    goto_tick(t0 + 6);
    ck_assert(out2()); /* stays high */
    ck_assert_uint_eq(latched(2), 0xffff); /* the counter wraps and goes on */
}
END_TEST

START_TEST(mode0_gate_suspends)
{
    out(0x61, 0x01);
    program(2, 0, 100);
    uint64_t t0 = tick + 1;
    goto_tick(t0 + 30);
    out(0x61, 0x00);
    step(500);
    ck_assert_uint_eq(latched(2), 70);
    ck_assert(!out2());
    out(0x61, 0x01);
    step(70);
    ck_assert(out2());
}
END_TEST

START_TEST(mode0_first_byte_stops_counting)
{
    out(0x61, 0x01);
    program(2, 0, 100);
    goto_tick(tick + 41);
    out(0x42, 50); /* LSB of a new count: counting stops */
    step(200);
    ck_assert(!out2());
    ck_assert_uint_eq(latched(2), 60);
    out(0x42, 0); /* MSB: count 50 loaded on the next tick */
    uint64_t t0 = tick + 1;
    goto_tick(t0 + 49);
    ck_assert(!out2());
    goto_tick(t0 + 50);
    ck_assert(out2());
}
END_TEST

START_TEST(mode1_gate_triggered_one_shot)
{
    program(2, 1, 20);
    ck_assert(out2()); /* high until triggered */
    step(50);
    ck_assert(out2());
    out(0x61, 0x01); /* trigger */
    uint64_t t0 = tick + 1;
    goto_tick(t0);
    ck_assert(!out2());
    ck_assert_uint_eq(latched(2), 20);
    goto_tick(t0 + 19);
    ck_assert(!out2());
    goto_tick(t0 + 20);
    ck_assert(out2());
    /* Retriggerable: a new rising gate edge starts it again. */
    out(0x61, 0x00);
    out(0x61, 0x01);
    step(1);
    ck_assert(!out2());
}
END_TEST

START_TEST(mode4_software_strobe)
{
    program(0, 4, 30);
    uint64_t t0 = tick + 1;
    ck_assert_int_eq(irq_level, 1);
    goto_tick(t0 + 29);
    ck_assert_int_eq(irq_rises, 0);
    goto_tick(t0 + 30);
    ck_assert_int_eq(irq_level, 0); /* low for one tick at count 0 */
    goto_tick(t0 + 31);
    ck_assert_int_eq(irq_level, 1);
    ck_assert_int_eq(irq_rises, 1);
    step(100000);
    ck_assert_int_eq(irq_rises, 1); /* one strobe per count written */
    /* Linux's one-shot clock event: write a count, get one IRQ. */
    out(0x40, 10);
    out(0x40, 0);
    step(12);
    ck_assert_int_eq(irq_rises, 2);
}
END_TEST

START_TEST(mode5_hardware_strobe)
{
    program(2, 5, 8);
    step(100);
    ck_assert(out2());
    out(0x61, 0x01);
    uint64_t t0 = tick + 1;
    goto_tick(t0 + 8);
    ck_assert(!out2());
    goto_tick(t0 + 9);
    ck_assert(out2());
}
END_TEST

START_TEST(mode2_new_count_at_period_end)
{
    program(0, 2, 100);
    uint64_t t0 = tick + 1;
    goto_tick(t0 + 30);
    out(0x40, 50);
    out(0x40, 0);
    ck_assert_uint_eq(latched(0), 70); /* the current period goes on */
    goto_tick(t0 + 100);
    ck_assert_int_eq(irq_rises, 1);
    ck_assert_uint_eq(latched(0), 50);
    goto_tick(t0 + 150);
    ck_assert_int_eq(irq_rises, 2);
}
END_TEST

START_TEST(latch_holds_value)
{
    program(0, 2, 1000);
    goto_tick(tick + 1 + 100);
    out(0x43, 0x00);
    step(300);
    out(0x43, 0x00); /* a second latch before reading is ignored */
    ck_assert_uint_eq(in(0x40), 900 & 0xff);
    step(5);
    ck_assert_uint_eq(in(0x40), 900 >> 8);
    ck_assert_uint_eq(latched(0), 1000 - 405);
}
END_TEST

START_TEST(lsb_and_msb_only_access)
{
    out(0x43, 0x14); /* channel 0, LSB only, mode 2 */
    out(0x40, 200);
    uint64_t t0 = tick + 1;
    goto_tick(t0 + 50);
    ck_assert_uint_eq(in(0x40), 150);
    ck_assert_uint_eq(in(0x40), 150); /* no flip-flop: LSB every time */
    out(0x43, 0x24); /* MSB only: count 0x0200 */
    out(0x40, 0x02);
    t0 = tick + 1;
    goto_tick(t0 + 0x100);
    ck_assert_uint_eq(in(0x40), 0x01);
}
END_TEST

START_TEST(unlatched_reads_follow_counter)
{
    /* Linux's quick_pit_calibrate reads channel 2 LSB then MSB live. */
    out(0x61, 0x01);
    program(2, 0, 0xffff);
    uint64_t t0 = tick + 1;
    goto_tick(t0 + 0x300);
    ck_assert_uint_eq(in(0x42), 0xff);
    ck_assert_uint_eq(in(0x42), 0xfc);
}
END_TEST

START_TEST(read_back_status_and_count)
{
    out(0x43, 0x34); /* channel 0, LSB/MSB, mode 2 */
    out(0x43, 0xe2); /* read-back: status of channel 0 */
    ck_assert_uint_eq(in(0x40), 0x80 | 0x40 | 0x34); /* OUT high, null count */
    program(0, 2, 1000);
    out(0x43, 0xe2);
    ck_assert_uint_eq(in(0x40), 0xc0 | 0x34); /* not loaded yet */
    uint64_t t0 = tick + 1;
    goto_tick(t0 + 10);
    out(0x43, 0xc2); /* count and status */
    step(100);
    ck_assert_uint_eq(in(0x40), 0x80 | 0x34); /* status first */
    ck_assert_uint_eq(in(0x40), 990 & 0xff);
    ck_assert_uint_eq(in(0x40), 990 >> 8);
    ck_assert_uint_eq(latched(0), 1000 - 110);
}
END_TEST

START_TEST(read_back_several_channels)
{
    out(0x61, 0x01);
    program(0, 2, 500);
    program(2, 3, 600);
    goto_tick(tick + 1 + 20);
    out(0x43, 0xda); /* count of channels 0 and 2 */
    step(40);
    ck_assert_uint_eq(read16(0x40), 480);
    ck_assert_uint_eq(read16(0x42), 600 - 2 * 20);
}
END_TEST

START_TEST(bcd_counting)
{
    out(0x43, 0x35); /* channel 0, LSB/MSB, mode 2, BCD */
    out(0x40, 0x00);
    out(0x40, 0x10); /* 1000 decimal */
    irq_rises = 0;
    uint64_t t0 = tick + 1;
    goto_tick(t0 + 1);
    ck_assert_uint_eq(latched(0), 0x0999);
    goto_tick(t0 + 1000);
    ck_assert_int_eq(irq_rises, 1);
    out(0x43, 0x31); /* mode 0, BCD, count 0 = 10000 */
    out(0x40, 0);
    out(0x40, 0);
    t0 = tick + 1;
    goto_tick(t0 + 1);
    ck_assert_uint_eq(latched(0), 0x9999);
}
END_TEST

START_TEST(count_zero_is_65536)
{
    program(0, 2, 0);
    uint64_t t0 = tick + 1;
    goto_tick(t0 + 1);
    ck_assert_uint_eq(latched(0), 0xffff);
    goto_tick(t0 + 65536);
    ck_assert_int_eq(irq_rises, 1);
}
END_TEST

START_TEST(linux_tsc_calibration_loop)
{
    /* pit_calibrate_tsc: gate on, speaker off, mode 0 with 50 ms, then
     * poll port 0x61 bit 5. */
    out(0x61, (uint8_t)((in(0x61) & ~0x02) | 0x01));
    out(0x43, 0xb0);
    out(0x42, 59659 & 0xff);
    out(0x42, 59659 >> 8);
    uint64_t start = m->timers.manual_now;
    unsigned polls = 0;
    while (!(in(0x61) & 0x20)) {
        m->timers.manual_now += 1000; /* 1 µs per poll */
        polls++;
    }
    uint64_t took = m->timers.manual_now - start;
    ck_assert_uint_ge(took, 50000000u);
    ck_assert_uint_le(took, 50002000u);
    ck_assert_uint_gt(polls, 0);
}
END_TEST

START_TEST(port61_bits)
{
    out(0x61, 0xff);
    ck_assert_uint_eq(in(0x61) & 0xcf, 0x0f); /* bits 0-3 writable, 6-7 clear */
    /* The refresh toggle changes every 15.085 µs of guest time. */
    uint8_t a = in(0x61) & 0x10;
    m->timers.manual_now += 15085;
    uint8_t b = in(0x61) & 0x10;
    ck_assert_uint_ne(a, b);
    ck_assert_uint_eq(in(0x61) & 0x10, b); /* not on reads */
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("i8254");
    TCase *tc = tcase_create("pit");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, mode2_rate_generator);
    tcase_add_test(tc, irq0_fires_on_time);
    tcase_add_test(tc, late_host_resends_missed_periods);
    tcase_add_test(tc, backlog_capped_at_one_second);
    tcase_add_test(tc, untaken_tick_holds_guest_time);
    tcase_add_test(tc, interrupts_off_briefly_hold_the_edge);
    tcase_add_test(tc, one_shot_expiry_waits_for_a_short_interrupts_off_read);
    tcase_add_test(tc, one_shot_expiry_comes_once_interrupts_are_on);
    tcase_add_test(tc, edge_armed_mid_slice_waits_for_the_slice_end);
    tcase_add_test(tc, descheduled_host_does_not_push_time_past_an_edge);
    tcase_add_test(tc, mode3_square_wave_even);
    tcase_add_test(tc, mode3_square_wave_odd);
    tcase_add_test(tc, mode3_gate_low_holds_out_high);
    tcase_add_test(tc, mode0_terminal_count);
    tcase_add_test(tc, mode0_gate_suspends);
    tcase_add_test(tc, mode0_first_byte_stops_counting);
    tcase_add_test(tc, mode1_gate_triggered_one_shot);
    tcase_add_test(tc, mode4_software_strobe);
    tcase_add_test(tc, mode5_hardware_strobe);
    tcase_add_test(tc, mode2_new_count_at_period_end);
    tcase_add_test(tc, latch_holds_value);
    tcase_add_test(tc, lsb_and_msb_only_access);
    tcase_add_test(tc, unlatched_reads_follow_counter);
    tcase_add_test(tc, read_back_status_and_count);
    tcase_add_test(tc, read_back_several_channels);
    tcase_add_test(tc, bcd_counting);
    tcase_add_test(tc, count_zero_is_65536);
    tcase_add_test(tc, linux_tsc_calibration_loop);
    tcase_add_test(tc, port61_bits);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(suite)
