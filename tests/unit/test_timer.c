/* test_timer.c - the deadline queue on a manual clock, and the run loop end to end: a
 * real-mode guest counting PIT interrupts in a HLT loop keeps host time without spinning. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_main.h"
#include "core/engine.h"
#include "core/machine.h"
#include "core/timer.h"
#include "devices/devices.h"

static struct timers q;
static char fired[16];
static int nfired;
static uint64_t fired_at[16];

struct probe {
    struct timer t;
    char name;
    uint64_t rearm; /* re-arm this far after firing, 0: no */
};

static void probe_fire(void *opaque, uint64_t now)
{
    struct probe *p = opaque;
    fired_at[nfired] = now;
    fired[nfired++] = p->name;
    if (p->rearm)
        timer__arm(&p->t, now + p->rearm);
}

static void probe_init(struct probe *p, char name, uint64_t rearm)
{
    p->name = name;
    p->rearm = rearm;
    timer__init(&p->t, &q, probe_fire, p);
}

static void setup(void)
{
    memset(&q, 0, sizeof(q));
    memset(fired, 0, sizeof(fired));
    nfired = 0;
    timers__set_manual_host(&q, 1000);
}

START_TEST(fires_in_deadline_order)
{
    struct probe a, b, c;
    probe_init(&a, 'a', 0);
    probe_init(&b, 'b', 0);
    probe_init(&c, 'c', 0);
    timer__arm(&a.t, 3000);
    timer__arm(&b.t, 2000);
    timer__arm(&c.t, 5000);
    ck_assert_uint_eq(timers__next(&q), 2000);
    ck_assert_uint_eq(timers__run(&q), 0);
    q.manual_now = 4000;
    ck_assert_uint_eq(timers__run(&q), 2);
    ck_assert_str_eq(fired, "ba");
    /* Guest time stops at each deadline until its timer has fired, so a
     * late host still has each callback see its own deadline. */
    ck_assert_uint_eq(fired_at[0], 2000);
    ck_assert_uint_eq(fired_at[1], 3000);
    ck_assert_uint_eq(timers__now(&q), 4000);
    ck_assert_uint_eq(timers__next(&q), 5000);
}
END_TEST

START_TEST(cancel_and_rearm)
{
    struct probe a, b;
    probe_init(&a, 'a', 0);
    probe_init(&b, 'b', 0);
    timer__arm(&a.t, 2000);
    timer__arm(&b.t, 3000);
    timer__cancel(&a.t);
    timer__cancel(&a.t); /* twice is harmless */
    ck_assert_uint_eq(timers__next(&q), 3000);
    timer__arm(&b.t, 9000); /* moves it */
    timer__arm(&a.t, 8000);
    ck_assert_uint_eq(timers__next(&q), 8000);
    timers__advance(&q, 10000);
    ck_assert_str_eq(fired, "ab");
    ck_assert_uint_eq(timers__next(&q), TIMER_NEVER);
}
END_TEST

START_TEST(advance_stops_at_each_deadline)
{
    struct probe a;
    probe_init(&a, 'a', 250);
    timer__arm(&a.t, 1250);
    timers__advance(&q, 1000);
    ck_assert_int_eq(nfired, 4);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(fired_at[i], 1250 + 250 * (uint64_t)i);
    ck_assert_uint_eq(timers__now(&q), 2000);
}
END_TEST

START_TEST(host_clock_is_monotonic_ns)
{
    struct timers host = { 0 };
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t before = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    uint64_t now = timers__now(&host);
    ck_assert_uint_ge(now, before);
    ck_assert_uint_lt(now - before, 1000000000u);
}
END_TEST

static bool hold_flag;
/* A hold for as long as the flag says, within TIMERS_MAX_LAG. */
static bool hold_still(void *opaque, bool overdue) { return *(bool *)opaque && !overdue; }
/* A hold that ends within a bounded number of instructions: it may keep
 * guest time further behind. */
static bool hold_bounded(void *opaque, bool overdue) { return *(bool *)opaque; }

START_TEST(hold_stops_time_then_catches_up)
{
    timers__hold(&q, 5000, hold_still, &hold_flag);
    hold_flag = true;
    q.manual_now = 4000;
    ck_assert_uint_eq(timers__now(&q), 4000);
    q.manual_now = 9000;
    ck_assert_uint_eq(timers__now(&q), 4999); /* stands just short of 5000 */
    q.manual_now = 20000;
    ck_assert_uint_eq(timers__now(&q), 4999);
    hold_flag = false; /* the interrupt was taken */
    ck_assert_uint_eq(timers__now(&q), 4999);
    /* 15001 behind: runs at 3/2 until it is back on the host clock. */
    q.manual_now = 22000;
    ck_assert_uint_eq(timers__now(&q), 4999 + 3000);
    ck_assert_uint_eq(timers__host_delay(&q, 4999 + 3000 + 300), 200);
    q.manual_now = 20000 + 2 * 15001;
    ck_assert_uint_eq(timers__now(&q), q.manual_now);
    q.manual_now += 1000;
    ck_assert_uint_eq(timers__now(&q), q.manual_now); /* host speed again */
    ck_assert_uint_eq(timers__host_delay(&q, q.manual_now + 700), 700);
}
END_TEST

START_TEST(hold_lags_at_most_max_lag)
{
    timers__hold(&q, 5000, hold_still, &hold_flag);
    hold_flag = true;
    q.manual_now = 4999 + TIMERS_MAX_LAG;
    ck_assert_uint_eq(timers__now(&q), 4999);
    q.manual_now = 5000 + TIMERS_MAX_LAG + 7000;
    ck_assert_uint_eq(timers__now(&q), 12000); /* host speed, MAX_LAG behind */
    timers__hold(&q, TIMER_NEVER, NULL, NULL);
    ck_assert_uint_eq(timers__now(&q), 12000);
    q.manual_now += 2000;
    ck_assert_uint_eq(timers__now(&q), 12000 + 3000);
}
END_TEST

START_TEST(bounded_hold_outlasts_max_lag)
{
    timers__hold(&q, 5000, hold_bounded, &hold_flag);
    hold_flag = true;
    q.manual_now = 5000 + TIMERS_MAX_LAG + 7000;
    ck_assert_uint_eq(timers__now(&q), 4999); /* not pushed past the edge */
    hold_flag = false;
    ck_assert_uint_eq(timers__now(&q), 12000); /* then MAX_LAG behind at once */
    q.manual_now += 2000;
    ck_assert_uint_eq(timers__now(&q), 12000 + 3000);
}
END_TEST

START_TEST(hold_not_reached_changes_nothing)
{
    timers__hold(&q, 5000, hold_still, &hold_flag);
    hold_flag = false;
    q.manual_now = 8000;
    ck_assert_uint_eq(timers__now(&q), 8000);
    hold_flag = true; /* the hold was dropped when time passed it */
    q.manual_now = 9000;
    ck_assert_uint_eq(timers__now(&q), 9000);
}
END_TEST

START_TEST(slice_time_follows_instructions)
{
    uint64_t icount = 0;
    /* A first slice teaches the speed: 10 ns per instruction. */
    timers__slice_begin(&q, &icount, 1u << 20);
    icount += 100000;
    q.manual_now += 1000000;
    timers__slice_end(&q);
    ck_assert_uint_eq(q.ns_per_kinsn, 10240);
    ck_assert_uint_eq(timers__now(&q), 1001000);
    /* The next one is descheduled for 50 ms in the middle: guest time
     * still advances 10 ns per instruction. */
    timers__slice_begin(&q, &icount, 1u << 20);
    icount += 1000;
    q.manual_now += 15000; /* (guest time never runs ahead of the host) */
    ck_assert_uint_eq(timers__now(&q), 1001000 + 10000);
    q.manual_now += 50000000;
    icount += 1000;
    ck_assert_uint_eq(timers__now(&q), 1001000 + 20000);
    timers__slice_end(&q);
    /* The stall counts as 4 times the speed, averaged in by 1/8. */
    ck_assert_uint_eq(q.ns_per_kinsn, 10240 + (4 * 10240 - 10240) / 8);
    /* Between slices it catches up at 3/2 of host speed, */
    q.manual_now += 2000;
    ck_assert_uint_eq(timers__now(&q), 1001000 + 20000 + 3000);
    /* and in slices faster by the lag over 50 ms (here almost twice). */
    timers__slice_begin(&q, &icount, 1u << 20);
    icount += 1024;
    ck_assert_uint_eq(timers__now(&q), 1024000 + 14080 + 14080ull * 49994000 / 50000000);
    timers__slice_end(&q);
}
END_TEST

/*
 * Real mode at 0:1000, the IRQ 0 handler at 0:1100 (IVT vector 8):
 *   cli; PIC: ICW1 11, ICW2 08, ICW3 04, ICW4 01, IMR fe
 *   PIT channel 0: 34, count 1193 (1000 Hz); sti
 *   loop: hlt; cmp word [500], TICKS; jb loop; cli; hlt
 *   handler: inc word [500]; push ax; mov al,20; out 20,al; pop ax; iret
 */
#define TICKS 500
static const uint8_t guest_main[] = {
    0xfa, 0xb0, 0x11, 0xe6, 0x20, 0xb0, 0x08, 0xe6, 0x21, 0xb0, 0x04, 0xe6, 0x21,
    0xb0, 0x01, 0xe6, 0x21, 0xb0, 0xfe, 0xe6, 0x21, 0xb0, 0x34, 0xe6, 0x43, 0xb0,
    0xa9, 0xe6, 0x40, 0xb0, 0x04, 0xe6, 0x40, 0xfb,
    0xf4,                                           /* 0x22: hlt */
    0x81, 0x3e, 0x00, 0x05, TICKS & 0xff, TICKS >> 8, /* cmp word [0x500], TICKS */
    0x72, 0xf7,                                     /* jb 0x22 */
    0xfa, 0xf4,
};
static const uint8_t guest_handler[] = {
    0xff, 0x06, 0x00, 0x05, 0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf,
};

static double seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(halted_guest_keeps_pit_rate_without_spinning)
{
    struct machine *m = calloc(1, sizeof(*m));
    struct i8259 *pic;
    struct i8254 *pit;
    ck_assert_int_eq(guest_ram__init(&m->ram, 1u << 20), 0);
    bus__init(&m->bus);
    m->cpu.m = m;
    cpu__reset(&m->cpu);
    ck_assert_int_eq(i8259__init(m, &pic), 0);
    ck_assert_int_eq(i8254__init(m, i8259__irq(pic, 0), &pit), 0);
    memcpy(m->ram.host + 0x1000, guest_main, sizeof(guest_main));
    memcpy(m->ram.host + 0x1100, guest_handler, sizeof(guest_handler));
    const uint16_t ivt8[2] = { 0x1100, 0 };
    memcpy(m->ram.host + 8 * 4, ivt8, sizeof(ivt8));
    cpu__load_real_seg(&m->cpu, S_CS, 0);
    cpu__load_real_seg(&m->cpu, S_DS, 0);
    m->cpu.eip = 0x1000;
    m->engine = engine__find("interp");
    ck_assert_ptr_nonnull(m->engine);
    ck_assert_int_eq(m->engine->init(m), 0);

    double wall = seconds(CLOCK_MONOTONIC), cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
    machine__run(m);
    wall = seconds(CLOCK_MONOTONIC) - wall;
    cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu;

    ck_assert_int_eq(m->stop, STOP_SHUTDOWN); /* cli; hlt at the end */
    uint16_t ticks;
    memcpy(&ticks, m->ram.host + 0x500, 2);
    ck_assert_uint_eq(ticks, TICKS);
    /* 500 periods of 1193 / 1193182 s = 0.4999 s of guest time, which is
     * never ahead of the host. (How far behind it may fall depends on the
     * host's load: that is measured by the benchmarks, not asserted here.) */
    ck_assert_msg(wall > 0.499, "took %.3f s: guest time ran ahead of the host", wall);
    ck_assert_msg(cpu < wall / 4, "%.3f s of CPU in %.3f s: the halted guest spins", cpu, wall);
    m->engine->destroy(m);
    i8254__destroy(pit);
    i8259__destroy(pic);
    guest_ram__destroy(&m->ram);
    free(m);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("timer");
    TCase *tc = tcase_create("queue");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, fires_in_deadline_order);
    tcase_add_test(tc, cancel_and_rearm);
    tcase_add_test(tc, advance_stops_at_each_deadline);
    tcase_add_test(tc, host_clock_is_monotonic_ns);
    tcase_add_test(tc, hold_stops_time_then_catches_up);
    tcase_add_test(tc, hold_lags_at_most_max_lag);
    tcase_add_test(tc, bounded_hold_outlasts_max_lag);
    tcase_add_test(tc, hold_not_reached_changes_nothing);
    tcase_add_test(tc, slice_time_follows_instructions);
    suite_add_tcase(s, tc);
    TCase *run = tcase_create("run loop");
    tcase_add_test(run, halted_guest_keeps_pit_rate_without_spinning);
    suite_add_tcase(s, run);
    return s;
}

CHECK_MAIN(suite)
