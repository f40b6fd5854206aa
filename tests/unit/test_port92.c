/* test_port92.c - port 0x92: fast A20 (ORed with the keyboard controller's) and the reset latch. */
#include <stdlib.h>

#include "check_main.h"
#include "core/machine.h"
#include "devices/devices.h"

static struct machine *m;
static struct i8042 *kbc;
static struct port92 *p92;

static void setup(void)
{
    m = calloc(1, sizeof(*m));
    bus__init(&m->bus);
    m->cpu.m = m;
    cpu__reset(&m->cpu);
    ck_assert_int_eq(i8042__init(m, (struct irq_line){ 0 }, (struct irq_line){ 0 }, &kbc), 0);
    ck_assert_int_eq(port92__init(m, &p92), 0);
}

static void teardown(void)
{
    port92__destroy(p92);
    i8042__destroy(kbc);
    free(m);
}

static uint8_t in92(void) { return (uint8_t)machine__io_read(m, 0x92, 1); }
static void out92(uint8_t v) { machine__io_write(m, 0x92, v, 1); }

/* The keyboard controller's A20 output (its output port bit 1). */
static void kbc_a20(bool on)
{
    machine__io_write(m, 0x64, 0xd1, 1);
    machine__io_write(m, 0x60, on ? 0x03 : 0x01, 1);
}

START_TEST(reads_back)
{
    ck_assert_uint_eq(in92(), 0x00);
    out92(0xfe); /* reserved bits read 0 */
    ck_assert_uint_eq(in92(), 0x02);
}
END_TEST

START_TEST(a20_is_ored_with_the_kbc)
{
    kbc_a20(false);
    ck_assert(!m->cpu.a20);
    out92(0x02);
    ck_assert(m->cpu.a20);
    kbc_a20(true);
    out92(0x00);
    ck_assert(m->cpu.a20); /* the keyboard controller still holds it */
    kbc_a20(false);
    ck_assert(!m->cpu.a20);
}
END_TEST

START_TEST(a20_change_flushes_the_tlb)
{
    kbc_a20(false);
    m->cpu.tlb[7].lin_page = 0x7000;
    out92(0x02);
    ck_assert_uint_eq(m->cpu.tlb[7].lin_page, TLB_INVALID);
}
END_TEST

START_TEST(reset_on_rising_edge)
{
    out92(0x01);
    ck_assert_int_eq(m->stop, STOP_REBOOT);
    ck_assert_uint_eq(in92() & 1, 1);
    m->stop = STOP_NONE;
    out92(0x03); /* bit 0 stays 1: no edge */
    ck_assert_int_eq(m->stop, STOP_NONE);
    out92(0x02);
    out92(0x03);
    ck_assert_int_eq(m->stop, STOP_REBOOT);
}
END_TEST

START_TEST(reset_with_no_reboot_stops)
{
    m->no_reboot = true;
    out92(0x01);
    ck_assert_int_eq(m->stop, STOP_RESET);
    ck_assert_int_eq(m->exit_status, 0);
}
END_TEST

static Suite *port92_suite(void)
{
    Suite *s = suite_create("port92");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reads_back);
    tcase_add_test(tc, a20_is_ored_with_the_kbc);
    tcase_add_test(tc, a20_change_flushes_the_tlb);
    tcase_add_test(tc, reset_on_rising_edge);
    tcase_add_test(tc, reset_with_no_reboot_stops);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(port92_suite)
