/* test_i8042.c - the 8042 keyboard controller: commands, the keyboard, the aux port, IRQs, A20 and reset. */
#include <stdlib.h>

#include "check_main.h"
#include "core/machine.h"
#include "devices/devices.h"

static struct machine *m;
static struct i8042 *kbc;
static int level[13], edges[13];

static void irq_set(void *opaque, int irq, int lvl)
{
    ck_assert(irq == 1 || irq == 12);
    if (lvl && !level[irq])
        edges[irq]++;
    level[irq] = lvl;
}

static void setup(void)
{
    m = calloc(1, sizeof(*m));
    bus__init(&m->bus);
    m->cpu.m = m;
    cpu__reset(&m->cpu);
    for (int i = 0; i < 13; i++)
        level[i] = edges[i] = 0;
    ck_assert_int_eq(i8042__init(m, (struct irq_line){ irq_set, NULL, 1 },
                                 (struct irq_line){ irq_set, NULL, 12 }, &kbc),
                     0);
}

static void teardown(void)
{
    i8042__destroy(kbc);
    free(m);
}

static uint8_t status(void) { return (uint8_t)machine__io_read(m, 0x64, 1); }
static uint8_t data(void) { return (uint8_t)machine__io_read(m, 0x60, 1); }
static void cmd(uint8_t c) { machine__io_write(m, 0x64, c, 1); }
static void put(uint8_t v) { machine__io_write(m, 0x60, v, 1); }

/* Read one byte the way a driver does: wait for OBF, then read. */
static uint8_t get(void)
{
    ck_assert_msg(status() & 0x01, "output buffer empty");
    return data();
}

static void assert_empty(void)
{
    ck_assert_uint_eq(status() & 0x01, 0);
}

START_TEST(power_on_state)
{
    ck_assert_uint_eq(status(), 0x14); /* not inhibited, SYS (POST done), nothing buffered */
    cmd(0x20);
    ck_assert_uint_eq(status() & 0x29, 0x09); /* OBF, command written last, not aux */
    ck_assert_uint_eq(get(), 0x65); /* as a BIOS leaves it: KBD_INT, SYS, AUX_DIS, XLATE */
    assert_empty();
    ck_assert(m->cpu.a20);
}
END_TEST

/* Write the command byte. */
static void set_ctr(uint8_t v)
{
    cmd(0x60);
    put(v);
}

START_TEST(command_byte_write_and_ram)
{
    cmd(0x60);
    put(0x47);
    ck_assert_uint_eq(status() & 0x0c, 0x04); /* SYS follows bit 2; last write was data */
    cmd(0x20);
    ck_assert_uint_eq(get(), 0x47);
    cmd(0x65);
    put(0x5a);
    cmd(0x25);
    ck_assert_uint_eq(get(), 0x5a);
}
END_TEST

START_TEST(self_and_interface_tests)
{
    set_ctr(0x00);
    cmd(0xaa);
    ck_assert_uint_eq(get(), 0x55);
    ck_assert_uint_eq(status() & 0x04, 0x04); /* a passing self-test sets SYS */
    cmd(0xab);
    ck_assert_uint_eq(get(), 0x00);
    cmd(0xa9);
    ck_assert_uint_eq(get(), 0x00);
    cmd(0xa4);
    ck_assert_uint_eq(get(), 0xf1);
}
END_TEST

START_TEST(enable_disable_ports)
{
    cmd(0xad);
    cmd(0xa7);
    cmd(0x20);
    ck_assert_uint_eq(get() & 0x30, 0x30);
    cmd(0xae);
    cmd(0xa8);
    cmd(0x20);
    ck_assert_uint_eq(get() & 0x30, 0x00);
}
END_TEST

START_TEST(keyboard_reset_and_identify)
{
    set_ctr(0x01); /* no translation */
    put(0xff);
    ck_assert_uint_eq(get(), 0xfa);
    ck_assert_uint_eq(get(), 0xaa);
    assert_empty();
    put(0xf2);
    ck_assert_uint_eq(get(), 0xfa);
    ck_assert_uint_eq(get(), 0xab);
    ck_assert_uint_eq(get(), 0x83);
    put(0xee);
    ck_assert_uint_eq(get(), 0xee);
    put(0x12); /* not a command */
    ck_assert_uint_eq(get(), 0xfe);
}
END_TEST

START_TEST(translation_of_identify)
{
    /* With translation on, the keyboard's 83h comes out as 41h. */
    put(0xf2);
    ck_assert_uint_eq(get(), 0xfa);
    ck_assert_uint_eq(get(), 0xab);
    ck_assert_uint_eq(get(), 0x41);
}
END_TEST

START_TEST(translation_of_scan_set)
{
    /* In translated mode the scan set number is translated too: 2 -> 41h. */
    put(0xf0);
    get();
    put(0x00);
    ck_assert_uint_eq(get(), 0xfa);
    ck_assert_uint_eq(get(), 0x41);
}
END_TEST

START_TEST(keyboard_leds_scan_set_typematic)
{
    set_ctr(0x01);
    put(0xed);
    ck_assert_uint_eq(get(), 0xfa);
    put(0x07);
    ck_assert_uint_eq(get(), 0xfa);
    put(0xf0);
    ck_assert_uint_eq(get(), 0xfa);
    put(0x00);
    ck_assert_uint_eq(get(), 0xfa);
    ck_assert_uint_eq(get(), 0x02);
    put(0xf0);
    get();
    put(0x03);
    ck_assert_uint_eq(get(), 0xfa);
    put(0xf0);
    get();
    put(0x00);
    get();
    ck_assert_uint_eq(get(), 0x03);
    put(0xf3);
    get();
    put(0x20);
    ck_assert_uint_eq(get(), 0xfa);
    put(0xf5);
    ck_assert_uint_eq(get(), 0xfa);
    put(0xf4);
    ck_assert_uint_eq(get(), 0xfa);
    put(0xfe); /* resend: the last byte again */
    ck_assert_uint_eq(get(), 0xfa);
}
END_TEST

START_TEST(disabled_keyboard_holds_its_bytes)
{
    cmd(0xad);
    put(0xff);
    assert_empty();
    cmd(0xae);
    ck_assert_uint_eq(get(), 0xfa);
    ck_assert_uint_eq(get(), 0xaa);
}
END_TEST

START_TEST(irq1_edge_per_byte)
{
    put(0xff);
    ck_assert_int_eq(level[1], 1);
    ck_assert_int_eq(edges[1], 1);
    data();
    ck_assert_int_eq(level[1], 1);
    ck_assert_int_eq(edges[1], 2); /* the line dropped and rose for AAh */
    data();
    ck_assert_int_eq(level[1], 0);
    ck_assert_int_eq(edges[12], 0);
    /* With the keyboard interrupt disabled, no IRQ. */
    cmd(0x60);
    put(0x00);
    put(0xff);
    ck_assert_int_eq(level[1], 0);
    ck_assert_uint_eq(get(), 0xfa);
}
END_TEST

START_TEST(aux_loopback_raises_irq12)
{
    set_ctr(0x03);
    cmd(0xd3);
    put(0x5a);
    ck_assert_uint_eq(status() & 0x21, 0x21);
    ck_assert_int_eq(level[12], 1);
    ck_assert_int_eq(level[1], 0);
    ck_assert_uint_eq(data(), 0x5a);
    ck_assert_int_eq(level[12], 0);
    cmd(0xd2);
    put(0x1c);
    ck_assert_uint_eq(status() & 0x21, 0x01);
    ck_assert_int_eq(level[1], 1);
    ck_assert_uint_eq(data(), 0x1c);
}
END_TEST

START_TEST(aux_device_absent)
{
    /* Sending to the mouse: no device clocks the byte in, so the
     * controller answers FEh as aux data with the timeout bit. */
    set_ctr(0x03);
    cmd(0xd4);
    put(0xff);
    ck_assert_uint_eq(status() & 0x61, 0x61);
    ck_assert_int_eq(level[12], 1);
    ck_assert_uint_eq(data(), 0xfe);
    ck_assert_uint_eq(status() & 0x61, 0x00);
}
END_TEST

START_TEST(output_port_a20)
{
    cmd(0xd0);
    ck_assert_uint_eq(get() & 0x03, 0x03);
    cmd(0xd1);
    put(0x01); /* A20 off, reset line high */
    ck_assert(!m->cpu.a20);
    ck_assert_int_eq(m->stop, STOP_NONE);
    cmd(0xd0);
    ck_assert_uint_eq(get() & 0x03, 0x01);
    cmd(0xd1);
    put(0x03);
    ck_assert(m->cpu.a20);
}
END_TEST

START_TEST(a20_flushes_the_tlb)
{
    m->cpu.tlb[5].lin_page = 0x5000;
    cmd(0xd1);
    put(0x01);
    ck_assert_uint_eq(m->cpu.tlb[5].lin_page, TLB_INVALID);
}
END_TEST

START_TEST(pulse_reset)
{
    cmd(0xff); /* pulses nothing */
    ck_assert_int_eq(m->stop, STOP_NONE);
    cmd(0xfe);
    ck_assert_int_eq(m->stop, STOP_REBOOT);
}
END_TEST

START_TEST(pulse_reset_no_reboot)
{
    m->no_reboot = true;
    cmd(0xfe);
    ck_assert_int_eq(m->stop, STOP_RESET);
    ck_assert_int_eq(m->exit_status, 0);
}
END_TEST

START_TEST(output_port_reset_line)
{
    cmd(0xd1);
    put(0x02);
    ck_assert_int_eq(m->stop, STOP_REBOOT);
}
END_TEST

static Suite *i8042_suite(void)
{
    Suite *s = suite_create("i8042");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, power_on_state);
    tcase_add_test(tc, command_byte_write_and_ram);
    tcase_add_test(tc, self_and_interface_tests);
    tcase_add_test(tc, enable_disable_ports);
    tcase_add_test(tc, keyboard_reset_and_identify);
    tcase_add_test(tc, translation_of_identify);
    tcase_add_test(tc, translation_of_scan_set);
    tcase_add_test(tc, keyboard_leds_scan_set_typematic);
    tcase_add_test(tc, disabled_keyboard_holds_its_bytes);
    tcase_add_test(tc, irq1_edge_per_byte);
    tcase_add_test(tc, aux_loopback_raises_irq12);
    tcase_add_test(tc, aux_device_absent);
    tcase_add_test(tc, output_port_a20);
    tcase_add_test(tc, a20_flushes_the_tlb);
    tcase_add_test(tc, pulse_reset);
    tcase_add_test(tc, pulse_reset_no_reboot);
    tcase_add_test(tc, output_port_reset_line);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(i8042_suite)
