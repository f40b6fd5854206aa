/* test_tsc.c - the TSC reads guest time (core/timer.h), the clock the PIT reads, at 1 GHz. */
#include <string.h>

#include "check_main.h"
#include "core/machine.h"
#include "core/timer.h"
#include "interp/system_internal.h"

static struct machine m;

static uint64_t tsc(void)
{
    uint64_t v = 0;
    ck_assert(msr__read(&m.cpu, 0x10, &v));
    ck_assert_uint_eq(v, msr__tsc(&m.cpu)); /* RDMSR 0x10 and RDTSC agree */
    return v;
}

/* Linux calibrates the TSC against the PIT: both must see the same time,
 * however the host clock moves. */
START_TEST(follows_guest_time)
{
    memset(&m, 0, sizeof(m));
    m.cpu.m = &m;
    timers__set_manual(&m.timers, 1000000);
    uint64_t t0 = tsc();
    ck_assert_uint_eq(t0, timers__now(&m.timers));
    timers__advance(&m.timers, 12345);
    ck_assert_uint_eq(tsc() - t0, 12345);
    timers__advance(&m.timers, 0);
    ck_assert_uint_eq(tsc() - t0, 12345); /* stands still with guest time */
}
END_TEST

START_TEST(wrmsr_sets_the_count)
{
    memset(&m, 0, sizeof(m));
    m.cpu.m = &m;
    timers__set_manual(&m.timers, 5000);
    ck_assert(msr__write(&m.cpu, 0x10, 42));
    ck_assert_uint_eq(tsc(), 42);
    timers__advance(&m.timers, 100);
    ck_assert_uint_eq(tsc(), 142);
}
END_TEST

static Suite *tsc_suite(void)
{
    Suite *s = suite_create("tsc");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, follows_guest_time);
    tcase_add_test(tc, wrmsr_sets_the_count);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(tsc_suite)
