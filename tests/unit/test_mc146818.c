/* test_mc146818.c - the RTC/CMOS on a manual clock: host time, BCD/binary and 12/24-hour
 * formats, setting the time, UIP, periodic/alarm/update interrupts, CMOS memory sizes. */
#define _GNU_SOURCE /* timegm */
#include <stdlib.h>
#include <time.h>

#include "check_main.h"
#include "core/machine.h"
#include "devices/devices.h"

#define MS 1000000ull
#define SEC 1000000000ull

static struct machine *m;
static struct mc146818 *rtc;
static int irq_level, irq_rises;

static void irq_set(void *opaque, int irq, int level)
{
    ck_assert_int_eq(irq, 8);
    if (level && !irq_level)
        irq_rises++;
    irq_level = level;
}

static void make_rtc(uint32_t ram_size)
{
    m = calloc(1, sizeof(*m));
    bus__init(&m->bus);
    m->ram.size = ram_size;
    timers__set_manual(&m->timers, 100 * SEC);
    irq_level = irq_rises = 0;
    ck_assert_int_eq(mc146818__init(m, (struct irq_line){ irq_set, NULL, 8 }, &rtc), 0);
}

static void setup(void) { make_rtc(128u << 20); }

static void teardown(void)
{
    mc146818__destroy(rtc);
    free(m);
}

static uint8_t reg(uint8_t r)
{
    machine__io_write(m, 0x70, r, 1);
    return (uint8_t)machine__io_read(m, 0x71, 1);
}

static void set_reg(uint8_t r, uint8_t v)
{
    machine__io_write(m, 0x70, r, 1);
    machine__io_write(m, 0x71, v, 1);
}

static unsigned bcd(uint8_t v) { return (v >> 4) * 10u + (v & 15); }

static void advance(uint64_t ns) { timers__advance(&m->timers, ns); }

/* Set the clock (24-hour BCD) to 1999-12-31 23:59:58 through SET, just
 * after an update, so the next one is almost a second away. */
static void to_next_second(void);
static void set_new_year_eve(void)
{
    to_next_second();
    set_reg(0x0b, 0x82);
    set_reg(0x00, 0x58);
    set_reg(0x02, 0x59);
    set_reg(0x04, 0x23);
    set_reg(0x07, 0x31);
    set_reg(0x08, 0x12);
    set_reg(0x09, 0x99);
    set_reg(0x32, 0x19);
    set_reg(0x0b, 0x02);
}

/* Advance to just after the next second boundary (where the seconds
 * register changes), in 100 µs steps. */
static void to_next_second(void)
{
    uint8_t s = reg(0x00);
    while (reg(0x00) == s)
        advance(100000);
}

START_TEST(time_from_host_clock)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    ck_assert_uint_eq(reg(0x0b), 0x02); /* BCD, 24-hour */
    unsigned year = bcd(reg(0x32)) * 100 + bcd(reg(0x09));
    ck_assert_uint_eq(year, (unsigned)tm.tm_year + 1900);
    ck_assert_uint_eq(bcd(reg(0x08)), (unsigned)tm.tm_mon + 1);
    struct tm rt = {
        .tm_sec = (int)bcd(reg(0x00)), .tm_min = (int)bcd(reg(0x02)),
        .tm_hour = (int)bcd(reg(0x04)), .tm_mday = (int)bcd(reg(0x07)),
        .tm_mon = (int)bcd(reg(0x08)) - 1, .tm_year = (int)year - 1900,
    };
    ck_assert_int_le(llabs((long long)(timegm(&rt) - now)), 2);
    ck_assert_uint_eq(bcd(reg(0x06)), (unsigned)tm.tm_wday + 1);
}
END_TEST

START_TEST(time_follows_guest_clock)
{
    set_new_year_eve();
    advance(1500 * MS);
    ck_assert_uint_eq(reg(0x00), 0x59);
    advance(1 * SEC);
    ck_assert_uint_eq(reg(0x00), 0x00);
    ck_assert_uint_eq(reg(0x02), 0x00);
    ck_assert_uint_eq(reg(0x04), 0x00);
    ck_assert_uint_eq(reg(0x07), 0x01);
    ck_assert_uint_eq(reg(0x08), 0x01);
    ck_assert_uint_eq(reg(0x09), 0x00);
    ck_assert_uint_eq(reg(0x32), 0x20);
    ck_assert_uint_eq(reg(0x06), 0x07); /* Saturday */
}
END_TEST

START_TEST(set_freezes_registers)
{
    set_reg(0x0b, 0x82);
    set_reg(0x00, 0x10);
    advance(5 * SEC);
    ck_assert_uint_eq(reg(0x00), 0x10); /* no updates while SET */
    ck_assert_uint_eq(reg(0x0a) & 0x80, 0); /* nor UIP */
    set_reg(0x0b, 0x02);
    to_next_second();
    ck_assert_uint_eq(reg(0x00), 0x11);
}
END_TEST

START_TEST(binary_mode)
{
    set_new_year_eve();
    set_reg(0x0b, 0x06); /* binary, 24-hour */
    ck_assert_uint_eq(reg(0x00), 58);
    ck_assert_uint_eq(reg(0x04), 23);
    ck_assert_uint_eq(reg(0x09), 99);
    /* Writing a time register without SET takes effect at once. */
    set_reg(0x02, 30);
    ck_assert_uint_eq(reg(0x02), 30);
    ck_assert_uint_eq(reg(0x04), 23);
}
END_TEST

START_TEST(twelve_hour_mode)
{
    set_new_year_eve();
    set_reg(0x0b, 0x00); /* BCD, 12-hour */
    ck_assert_uint_eq(reg(0x04), 0x91); /* 11 PM */
    advance(2 * SEC);
    ck_assert_uint_eq(reg(0x04), 0x12); /* midnight is 12 AM */
    set_reg(0x0b, 0x80);
    set_reg(0x04, 0x81); /* 1 PM */
    set_reg(0x0b, 0x02);
    ck_assert_uint_eq(reg(0x04), 0x13);
}
END_TEST

START_TEST(update_in_progress)
{
    to_next_second(); /* within 100 µs after an update */
    ck_assert_uint_eq(reg(0x0a) & 0x80, 0);
    advance(1 * SEC - 2400000); /* 2.3 ms before the next one */
    ck_assert_uint_eq(reg(0x0a) & 0x80, 0);
    advance(200000);           /* 2.1 ms before: 244 + 1984 µs window */
    ck_assert_uint_eq(reg(0x0a) & 0x80, 0x80);
    uint8_t s = reg(0x00);
    advance(2300000);
    ck_assert_uint_eq(reg(0x0a) & 0x80, 0);
    ck_assert_uint_ne(reg(0x00), s);
    ck_assert_uint_eq(reg(0x0a) & 0x7f, 0x26);
}
END_TEST

START_TEST(periodic_interrupt_rate)
{
    reg(0x0c);
    set_reg(0x0b, 0x42); /* PIE at the BIOS's 1024 Hz */
    int handled = 0;
    for (uint64_t t = 0; t < SEC; t += 50000) {
        advance(50000);
        if (irq_level) {
            ck_assert_uint_eq(reg(0x0c) & 0xc0, 0xc0); /* IRQF | PF, cleared by the read */
            ck_assert_int_eq(irq_level, 0);
            handled++;
        }
    }
    ck_assert_int_ge(handled, 1023);
    ck_assert_int_le(handled, 1025);
    set_reg(0x0a, 0x2f); /* 2 Hz */
    reg(0x0c);
    irq_rises = 0;
    advance(5 * SEC);
    ck_assert_int_eq(irq_rises, 1); /* held until register C is read */
    reg(0x0c);
    advance(5 * SEC);
    ck_assert_int_eq(irq_rises, 2);
}
END_TEST

START_TEST(pf_without_pie)
{
    reg(0x0c);
    advance(2 * MS); /* 1024 Hz: at least one period */
    ck_assert_int_eq(irq_level, 0);
    ck_assert_uint_eq(reg(0x0c) & 0xc0, 0x40); /* PF, no IRQF */
    ck_assert_uint_eq(reg(0x0c), 0x00);
    set_reg(0x0a, 0x20); /* rate 0: no periodic flag */
    advance(SEC / 2);
    ck_assert_uint_eq(reg(0x0c) & 0x40, 0);
}
END_TEST

START_TEST(update_ended_interrupt)
{
    reg(0x0c);
    set_reg(0x0b, 0x12); /* UIE */
    for (int i = 0; i < 3; i++) {
        uint8_t s = reg(0x00);
        while (!irq_level)
            advance(100000);
        ck_assert_uint_ne(reg(0x00), s); /* the new time is there */
        ck_assert_uint_eq(reg(0x0c) & 0x90, 0x90);
    }
    ck_assert_int_eq(irq_rises, 3);
    set_reg(0x0b, 0x92); /* SET clears UIE */
    ck_assert_uint_eq(reg(0x0b), 0x82);
}
END_TEST

START_TEST(alarm_interrupt)
{
    set_new_year_eve();
    reg(0x0c);
    set_reg(0x01, 0x05); /* 00:00:05 */
    set_reg(0x03, 0x00);
    set_reg(0x05, 0x00);
    set_reg(0x0b, 0x22); /* AIE */
    advance(6 * SEC);
    ck_assert_int_eq(irq_rises, 0); /* 00:00:04 */
    to_next_second();
    ck_assert_int_eq(irq_rises, 1);
    ck_assert_uint_eq(reg(0x00), 0x05);
    ck_assert_uint_eq(reg(0x0c) & 0xa0, 0xa0);
    /* Don't-care hours and minutes: every minute at :05. */
    set_reg(0x03, 0xff);
    set_reg(0x05, 0xc0);
    advance(59 * SEC);
    ck_assert_int_eq(irq_rises, 1);
    advance(1 * SEC + 1 * MS);
    ck_assert_int_eq(irq_rises, 2);
}
END_TEST

START_TEST(register_d_and_nmi_bit)
{
    ck_assert_uint_eq(reg(0x0d), 0x80);
    machine__io_write(m, 0x70, 0x8d, 1); /* NMI disabled, register D */
    ck_assert_uint_eq(machine__io_read(m, 0x71, 1), 0x80);
    set_reg(0x0d, 0x00);
    ck_assert_uint_eq(reg(0x0d), 0x80); /* read-only */
    set_reg(0x50, 0xa5);
    ck_assert_uint_eq(reg(0x50), 0xa5); /* plain CMOS RAM */
    machine__io_write(m, 0x70, 0xd0, 1);
    ck_assert_uint_eq(machine__io_read(m, 0x71, 1), 0xa5);
}
END_TEST

static unsigned word(uint8_t lo) { return reg(lo) | reg((uint8_t)(lo + 1)) << 8; }

static unsigned checksum(void)
{
    unsigned sum = 0;
    for (uint8_t i = 0x10; i < 0x2e; i++)
        sum += reg(i);
    return sum;
}

START_TEST(memory_size_bytes)
{
    ck_assert_uint_eq(word(0x15), 640);
    ck_assert_uint_eq(word(0x17), 0xffff); /* 127 MiB above 1 MiB: capped */
    ck_assert_uint_eq(word(0x30), 0xffff);
    ck_assert_uint_eq(word(0x34), (128 - 16) * 16);
    ck_assert_uint_eq(reg(0x2e) << 8 | reg(0x2f), checksum());
    teardown();
    make_rtc(32u << 20);
    ck_assert_uint_eq(word(0x17), 31 * 1024);
    ck_assert_uint_eq(word(0x30), 31 * 1024);
    ck_assert_uint_eq(word(0x34), 16 * 16);
    ck_assert_uint_eq(reg(0x2e) << 8 | reg(0x2f), checksum());
    teardown();
    make_rtc(8u << 20);
    ck_assert_uint_eq(word(0x17), 7 * 1024);
    ck_assert_uint_eq(word(0x34), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("mc146818");
    TCase *tc = tcase_create("rtc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, time_from_host_clock);
    tcase_add_test(tc, time_follows_guest_clock);
    tcase_add_test(tc, set_freezes_registers);
    tcase_add_test(tc, binary_mode);
    tcase_add_test(tc, twelve_hour_mode);
    tcase_add_test(tc, update_in_progress);
    tcase_add_test(tc, periodic_interrupt_rate);
    tcase_add_test(tc, pf_without_pie);
    tcase_add_test(tc, update_ended_interrupt);
    tcase_add_test(tc, alarm_interrupt);
    tcase_add_test(tc, register_d_and_nmi_bit);
    tcase_add_test(tc, memory_size_bytes);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(suite)
