/* test_devices.c - isa-debug-exit and the port-0x80 sink. */
#include <errno.h>
#include <stdlib.h>

#include "check_main.h"
#include "core/machine.h"
#include "devices/devices.h"

static struct machine *m;

static void setup(void)
{
    m = calloc(1, sizeof(*m));
    bus__init(&m->bus);
}

static void teardown(void)
{
    free(m);
}

START_TEST(debug_exit_status)
{
    ck_assert_int_eq(debug_exit__init(m, 0xf4, 4), 0);
    ck_assert_int_eq(m->stop, STOP_NONE);
    machine__io_write(m, 0xf4, 5, 1);
    ck_assert_int_eq(m->stop, STOP_DEBUG_EXIT);
    ck_assert_int_eq(m->exit_status, 11);
    machine__io_write(m, 0xf4, 7, 1); /* the first stop wins */
    ck_assert_int_eq(m->exit_status, 11);
}
END_TEST

START_TEST(debug_exit_width)
{
    ck_assert_int_eq(debug_exit__init(m, 0x501, 2), 0);
    machine__io_write(m, 0x500, 0, 1); /* outside the range */
    machine__io_write(m, 0x503, 0, 1);
    ck_assert_int_eq(m->stop, STOP_NONE);
    machine__io_write(m, 0x501, 0x40, 2); /* a 16-bit value */
    ck_assert_int_eq(m->exit_status, 0x81);
    ck_assert_uint_eq(machine__io_read(m, 0x501, 1), 0xff);
    ck_assert_int_eq(debug_exit__init(m, 0x502, 1), -EBUSY);
}
END_TEST

START_TEST(port80_sink)
{
    ck_assert_int_eq(port80__init(m), 0);
    machine__io_write(m, 0x80, 0x42, 1);
    ck_assert_uint_eq(machine__io_read(m, 0x80, 1), 0xff);
    ck_assert_uint_eq(m->bus.unassigned_writes, 0);
    ck_assert_uint_eq(m->bus.unassigned_reads, 0);
    ck_assert_int_eq(m->stop, STOP_NONE);
    ck_assert_int_eq(port80__init(m), -EBUSY);
}
END_TEST

static Suite *devices_suite(void)
{
    Suite *s = suite_create("devices");
    TCase *tc = tcase_create("devices");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, debug_exit_status);
    tcase_add_test(tc, debug_exit_width);
    tcase_add_test(tc, port80_sink);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(devices_suite)
