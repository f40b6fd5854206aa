/* test_i8259.c - the 8259A pair: ICW sequence, priorities, EOI, cascade, ELCR level mode,
 * auto-EOI, rotation, special mask, poll, spurious IRQ 7/15. */
#include <stdlib.h>

#include "check_main.h"
#include "core/machine.h"
#include "devices/devices.h"

static struct machine *m;
static struct i8259 *pic;

static void setup(void)
{
    m = calloc(1, sizeof(*m));
    bus__init(&m->bus);
    ck_assert_int_eq(i8259__init(m, &pic), 0);
}

static void teardown(void)
{
    i8259__destroy(pic);
    free(m);
}

static void out(uint16_t port, uint8_t v) { machine__io_write(m, port, v, 1); }
static uint8_t in(uint16_t port) { return (uint8_t)machine__io_read(m, port, 1); }

static void irq(int n, int level)
{
    struct irq_line l = i8259__irq(pic, n);
    l.set(l.opaque, l.irq, level);
}

/* Edge request: a rising edge, line left high as a device would. */
static void pulse(int n)
{
    irq(n, 0);
    irq(n, 1);
}

static int ack(void)
{
    return m->intr_ack(m->intr_opaque);
}

/* The PC initialisation (BIOS and Linux): vectors 0x20 and 0x28, slave
 * on IR2, icw4 as given, all unmasked. */
static void init_pair(uint8_t icw4)
{
    out(0x20, 0x11);
    out(0x21, 0x20);
    out(0x21, 0x04);
    out(0x21, icw4);
    out(0xa0, 0x11);
    out(0xa1, 0x28);
    out(0xa1, 0x02);
    out(0xa1, icw4);
    out(0x21, 0x00);
    out(0xa1, 0x00);
}

static uint8_t read_isr(uint16_t port)
{
    out(port, 0x0b);
    uint8_t v = in(port);
    out(port, 0x0a);
    return v;
}

START_TEST(power_up_masked)
{
    ck_assert_ptr_nonnull(m->intr_ack);
    ck_assert_uint_eq(in(0x21), 0xff);
    ck_assert_uint_eq(in(0xa1), 0xff);
    pulse(0);
    ck_assert(!m->intr_line);
}
END_TEST

START_TEST(icw_sequence_and_vector)
{
    init_pair(0x01);
    ck_assert_uint_eq(in(0x21), 0x00); /* ICW1 cleared IMR; the write after ICW4 is OCW1 */
    out(0x21, 0x5a);
    ck_assert_uint_eq(in(0x21), 0x5a);
    out(0x21, 0x00);
    pulse(0);
    ck_assert(m->intr_line);
    ck_assert_uint_eq(in(0x20), 0x01); /* IRR */
    ck_assert_int_eq(ack(), 0x20);
    ck_assert(!m->intr_line);
    ck_assert_uint_eq(in(0x20), 0x00);
    ck_assert_uint_eq(read_isr(0x20), 0x01);
    out(0x20, 0x20); /* non-specific EOI */
    ck_assert_uint_eq(read_isr(0x20), 0x00);
}
END_TEST

START_TEST(single_mode_skips_icw3)
{
    out(0x20, 0x13); /* single, ICW4 needed */
    out(0x21, 0x40);
    out(0x21, 0x01); /* ICW4, not ICW3 */
    out(0x21, 0xfe); /* OCW1 */
    ck_assert_uint_eq(in(0x21), 0xfe);
    pulse(0);
    ck_assert_int_eq(ack(), 0x40);
}
END_TEST

START_TEST(icw1_without_icw4)
{
    out(0x20, 0x10); /* no ICW4, cascade: ICW2 and ICW3 only */
    out(0x21, 0x50);
    out(0x21, 0x04);
    out(0x21, 0x00); /* OCW1 already */
    ck_assert_uint_eq(in(0x21), 0x00);
    pulse(1);
    ck_assert_int_eq(ack(), 0x51);
}
END_TEST

START_TEST(priority_and_nesting)
{
    init_pair(0x01);
    pulse(3);
    pulse(1);
    ck_assert_int_eq(ack(), 0x21); /* IR1 outranks IR3 */
    ck_assert(!m->intr_line);      /* IR3 waits behind IR1 in service */
    pulse(0);
    ck_assert(m->intr_line); /* IR0 outranks the level in service: nests */
    ck_assert_int_eq(ack(), 0x20);
    ck_assert_uint_eq(read_isr(0x20), 0x03);
    out(0x20, 0x20); /* clears IR0, the highest in service */
    ck_assert_uint_eq(read_isr(0x20), 0x02);
    ck_assert(!m->intr_line);
    out(0x20, 0x20);
    ck_assert(m->intr_line);
    ck_assert_int_eq(ack(), 0x23);
}
END_TEST

START_TEST(specific_eoi)
{
    init_pair(0x01);
    pulse(4);
    ck_assert_int_eq(ack(), 0x24);
    out(0x20, 0x62); /* specific EOI for IR2: not in service, no effect */
    ck_assert_uint_eq(read_isr(0x20), 0x10);
    out(0x20, 0x64); /* specific EOI for IR4 */
    ck_assert_uint_eq(read_isr(0x20), 0x00);
}
END_TEST

START_TEST(mask_holds_request)
{
    init_pair(0x01);
    out(0x21, 0x01);
    pulse(0);
    ck_assert(!m->intr_line);
    ck_assert_uint_eq(in(0x20), 0x01); /* still requested in IRR */
    out(0x21, 0x00);
    ck_assert(m->intr_line);
    ck_assert_int_eq(ack(), 0x20);
}
END_TEST

START_TEST(edge_needs_new_rising_edge)
{
    init_pair(0x01);
    irq(1, 1);
    ck_assert_int_eq(ack(), 0x21);
    out(0x20, 0x20);
    irq(1, 1); /* still high: no new edge */
    ck_assert(!m->intr_line);
    irq(1, 0);
    irq(1, 1);
    ck_assert(m->intr_line);
}
END_TEST

START_TEST(cascade_through_slave)
{
    init_pair(0x01);
    pulse(10);
    ck_assert(m->intr_line);
    ck_assert_uint_eq(in(0x20), 0x04); /* master sees the slave on IR2 */
    ck_assert_uint_eq(in(0xa0), 0x04);
    ck_assert_int_eq(ack(), 0x2a);
    ck_assert_uint_eq(read_isr(0x20), 0x04);
    ck_assert_uint_eq(read_isr(0xa0), 0x04);
    /* A second slave request waits for both EOIs (fully nested mode). */
    pulse(9);
    ck_assert(!m->intr_line);
    out(0xa0, 0x20);
    ck_assert(!m->intr_line);
    out(0x20, 0x20);
    ck_assert(m->intr_line);
    ck_assert_int_eq(ack(), 0x29);
}
END_TEST

START_TEST(slave_priority_sits_at_ir2)
{
    init_pair(0x01);
    pulse(3);
    pulse(12);
    ck_assert_int_eq(ack(), 0x2c); /* IRQ 8-15 rank between IRQ 1 and IRQ 3 */
    ck_assert_int_eq(m->intr_line, false);
}
END_TEST

START_TEST(special_fully_nested)
{
    init_pair(0x01);
    out(0x20, 0x11); /* master again, with SFNM */
    out(0x21, 0x20);
    out(0x21, 0x04);
    out(0x21, 0x11);
    out(0x21, 0x00);
    pulse(12);
    ck_assert_int_eq(ack(), 0x2c);
    pulse(9); /* higher than IRQ 12 on the slave: passes the master's ISR2 */
    ck_assert(m->intr_line);
    ck_assert_int_eq(ack(), 0x29);
}
END_TEST

START_TEST(elcr_level_triggered)
{
    init_pair(0x01);
    out(0x4d0, 0xff);
    ck_assert_uint_eq(in(0x4d0), 0xf8); /* IRQ 0-2 are always edge */
    out(0x4d1, 0xff);
    ck_assert_uint_eq(in(0x4d1), 0xde); /* IRQ 8 and 13 too */
    out(0x4d0, 0x00);
    out(0x4d1, 0x04); /* IRQ 10 level */
    irq(10, 1);
    ck_assert_int_eq(ack(), 0x2a);
    out(0xa0, 0x20);
    out(0x20, 0x20);
    ck_assert(m->intr_line); /* still high: requested again */
    ck_assert_int_eq(ack(), 0x2a);
    irq(10, 0);
    ck_assert_uint_eq(in(0xa0), 0x00);
    out(0xa0, 0x20);
    out(0x20, 0x20);
    ck_assert(!m->intr_line);
}
END_TEST

START_TEST(ltim_makes_all_level)
{
    out(0x20, 0x19); /* ICW1 with LTIM */
    out(0x21, 0x20);
    out(0x21, 0x04);
    out(0x21, 0x01);
    out(0x21, 0x00);
    irq(1, 1);
    ck_assert(m->intr_line);
    irq(1, 0);
    ck_assert(!m->intr_line);
}
END_TEST

START_TEST(spurious_irq7_and_irq15)
{
    init_pair(0x01);
    out(0x4d0, 0x20); /* IRQ 5 level */
    irq(5, 1);
    ck_assert(m->intr_line);
    irq(5, 0); /* gone before the acknowledge */
    ck_assert_int_eq(ack(), 0x27);
    ck_assert_uint_eq(read_isr(0x20), 0x00); /* no ISR bit for a spurious IR7 */

    out(0x4d1, 0x08); /* IRQ 11 level */
    irq(11, 1);
    irq(11, 0);       /* the master latched the slave's edge on IR2 */
    ck_assert(m->intr_line);
    ck_assert_int_eq(ack(), 0x2f);
    ck_assert_uint_eq(read_isr(0xa0), 0x00);
    ck_assert_uint_eq(read_isr(0x20), 0x04); /* the master did serve IR2 */
}
END_TEST

START_TEST(auto_eoi)
{
    init_pair(0x03);
    pulse(1);
    ck_assert_int_eq(ack(), 0x21);
    ck_assert_uint_eq(read_isr(0x20), 0x00);
    pulse(3);
    ck_assert(m->intr_line); /* nothing in service blocks it */
}
END_TEST

START_TEST(rotate_on_eoi_and_set_priority)
{
    init_pair(0x01);
    pulse(0);
    ck_assert_int_eq(ack(), 0x20);
    out(0x20, 0xa0); /* rotate on non-specific EOI: IR0 becomes lowest */
    pulse(0);
    pulse(1);
    ck_assert_int_eq(ack(), 0x21);
    out(0x20, 0xe1); /* rotate on specific EOI for IR1: IR2 now ranks first */
    pulse(4);
    ck_assert_int_eq(ack(), 0x24); /* IR4 before IR0 */
    out(0x20, 0x64);
    out(0x20, 0xc3); /* set priority: IR3 lowest, IR4 first */
    pulse(6);
    pulse(5);
    ck_assert_int_eq(ack(), 0x25);
}
END_TEST

START_TEST(rotate_in_auto_eoi)
{
    init_pair(0x03);
    out(0x20, 0x80); /* rotate in auto-EOI mode: set */
    pulse(1);
    ck_assert_int_eq(ack(), 0x21);
    pulse(1);
    pulse(3);
    ck_assert_int_eq(ack(), 0x23); /* IR1 became the lowest */
}
END_TEST

START_TEST(special_mask_mode)
{
    init_pair(0x01);
    pulse(3);
    ck_assert_int_eq(ack(), 0x23);
    pulse(5);
    ck_assert(!m->intr_line); /* lower than IR3 in service */
    out(0x21, 0x08);          /* mask IR3 */
    out(0x20, 0x68);          /* OCW3: set special mask mode */
    ck_assert(m->intr_line);
    ck_assert_int_eq(ack(), 0x25);
    out(0x20, 0x65);
    out(0x20, 0x48); /* reset special mask mode */
    pulse(6);
    ck_assert(!m->intr_line); /* IR3 in service blocks again */
}
END_TEST

START_TEST(poll_command)
{
    init_pair(0x01);
    out(0x21, 0xff); /* polling works with the CPU's INTR ignored */
    out(0x20, 0x0c);
    ck_assert_uint_eq(in(0x20), 0x00); /* nothing requested */
    out(0x21, 0x00);
    pulse(6);
    pulse(4);
    out(0x20, 0x0c);
    ck_assert_uint_eq(in(0x20), 0x84); /* acts as the acknowledge */
    ck_assert_uint_eq(read_isr(0x20), 0x10);
    ck_assert_uint_eq(in(0x20), 0x40); /* poll is one-shot: next read is IRR */
}
END_TEST

START_TEST(icw1_resets_state)
{
    init_pair(0x01);
    pulse(1);
    ck_assert_int_eq(ack(), 0x21);
    pulse(3);
    out(0x20, 0x11); /* re-initialise the master */
    out(0x21, 0x30);
    out(0x21, 0x04);
    out(0x21, 0x01);
    ck_assert_uint_eq(in(0x20), 0x00); /* edge latches cleared */
    ck_assert_uint_eq(read_isr(0x20), 0x00);
    ck_assert_uint_eq(in(0x21), 0x00);
    pulse(3);
    ck_assert_int_eq(ack(), 0x33);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("i8259");
    TCase *tc = tcase_create("pic");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, power_up_masked);
    tcase_add_test(tc, icw_sequence_and_vector);
    tcase_add_test(tc, single_mode_skips_icw3);
    tcase_add_test(tc, icw1_without_icw4);
    tcase_add_test(tc, priority_and_nesting);
    tcase_add_test(tc, specific_eoi);
    tcase_add_test(tc, mask_holds_request);
    tcase_add_test(tc, edge_needs_new_rising_edge);
    tcase_add_test(tc, cascade_through_slave);
    tcase_add_test(tc, slave_priority_sits_at_ir2);
    tcase_add_test(tc, special_fully_nested);
    tcase_add_test(tc, elcr_level_triggered);
    tcase_add_test(tc, ltim_makes_all_level);
    tcase_add_test(tc, spurious_irq7_and_irq15);
    tcase_add_test(tc, auto_eoi);
    tcase_add_test(tc, rotate_on_eoi_and_set_priority);
    tcase_add_test(tc, rotate_in_auto_eoi);
    tcase_add_test(tc, special_mask_mode);
    tcase_add_test(tc, poll_command);
    tcase_add_test(tc, icw1_resets_state);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(suite)
