/* test_uart16550.c - the 16550A UART: registers, FIFOs, interrupts, loopback, output. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "check_main.h"
#include "core/machine.h"
#include "devices/devices.h"

#define BASE 0x3f8

static struct machine *m;
static struct uart16550 *uart;
static int pipe_fd[2];
static int irq_level, irq_changes;

static void irq_set(void *opaque, int irq, int level)
{
    ck_assert_int_eq(irq, 4);
    irq_level = level;
    irq_changes++;
}

static void setup(void)
{
    m = calloc(1, sizeof(*m));
    bus__init(&m->bus);
    ck_assert_int_eq(pipe2(pipe_fd, O_NONBLOCK), 0);
    irq_level = irq_changes = 0;
    struct irq_line line = { irq_set, NULL, 4 };
    ck_assert_int_eq(uart16550__init(m, BASE, line, pipe_fd[1], &uart), 0);
}

static void teardown(void)
{
    uart16550__destroy(uart);
    close(pipe_fd[0]);
    close(pipe_fd[1]);
    free(m);
}

static uint8_t in(unsigned reg) { return (uint8_t)machine__io_read(m, BASE + reg, 1); }
static void out(unsigned reg, uint8_t v) { machine__io_write(m, BASE + reg, v, 1); }

/* What the UART sent to its output so far. */
static ssize_t sent(char *buf, size_t len)
{
    ssize_t n = read(pipe_fd[0], buf, len);
    return n < 0 ? 0 : n;
}

START_TEST(reset_state)
{
    ck_assert_uint_eq(in(5), 0x60); /* LSR: THR empty, transmitter empty */
    ck_assert_uint_eq(in(2), 0x01); /* IIR: nothing pending, FIFOs off */
    ck_assert_uint_eq(in(1), 0);
    ck_assert_uint_eq(in(3), 0);
    ck_assert_uint_eq(in(4), 0);
    ck_assert_uint_eq(in(6) & 0xf0, 0xb0); /* DCD, DSR, CTS: a ready terminal */
    ck_assert_int_eq(bus__register(&m->bus, BUS_PIO, BASE + 7, 1, NULL, NULL, NULL, "x"), -EBUSY);
}
END_TEST

START_TEST(transmit)
{
    char buf[16];
    out(0, 'h');
    out(0, 'i');
    ck_assert_int_eq(sent(buf, sizeof(buf)), 2);
    ck_assert_mem_eq(buf, "hi", 2);
    ck_assert_uint_eq(in(5) & 0x60, 0x60);
}
END_TEST

START_TEST(divisor_latch)
{
    char buf[4];
    out(3, 0x83); /* DLAB, 8N1 */
    out(0, 0x0c);
    out(1, 0x00); /* 9600 baud */
    ck_assert_uint_eq(in(0), 0x0c);
    ck_assert_uint_eq(in(1), 0x00);
    /* A 16-bit access is two byte cycles: DLL then DLM. */
    machine__io_write(m, BASE, 0x0201, 2);
    ck_assert_uint_eq(machine__io_read(m, BASE, 2), 0x0201);
    ck_assert_int_eq(sent(buf, sizeof(buf)), 0);
    out(3, 0x03);
    ck_assert_uint_eq(in(3), 0x03);
    ck_assert_uint_eq(in(1), 0); /* IER again */
}
END_TEST

START_TEST(scratch_and_fifo_id)
{
    out(7, 0x5a);
    ck_assert_uint_eq(in(7), 0x5a);
    out(2, 0xc7); /* FIFOs on, both cleared, trigger 14 */
    ck_assert_uint_eq(in(2), 0xc1);
    out(2, 0x00);
    ck_assert_uint_eq(in(2), 0x01);
}
END_TEST

START_TEST(thre_interrupt)
{
    out(4, 0x08); /* OUT2: the IRQ reaches the bus */
    out(1, 0x02); /* enabling ETBEI with THR empty raises it */
    ck_assert_int_eq(irq_level, 1);
    ck_assert_uint_eq(in(2), 0x02);
    ck_assert_int_eq(irq_level, 0); /* reading IIR cleared that source */
    ck_assert_uint_eq(in(2), 0x01);
    out(0, 'x');                    /* sent at once: THR empty again */
    ck_assert_int_eq(irq_level, 1);
    out(1, 0x00);
    ck_assert_int_eq(irq_level, 0);
}
END_TEST

START_TEST(out2_gates_irq)
{
    out(1, 0x02);
    ck_assert_uint_eq(in(2) & 0x0f, 0x02); /* pending inside the UART… */
    ck_assert_int_eq(irq_changes, 0);      /* …but not on the bus without OUT2 */
}
END_TEST

START_TEST(receive_fifo)
{
    const uint8_t data[20] = "abcdefghijklmnopqrst";
    out(4, 0x08);
    out(2, 0x81); /* FIFOs on, trigger level 8 */
    out(1, 0x01);
    ck_assert_uint_eq(uart16550__receive(uart, data, 3), 3);
    ck_assert_uint_eq(in(5) & 0x01, 0x01);
    ck_assert_uint_eq(in(2), 0xcc); /* below the trigger: character timeout */
    ck_assert_int_eq(irq_level, 1);
    ck_assert_uint_eq(uart16550__receive(uart, data + 3, 17), 13); /* 16 fit */
    ck_assert_uint_eq(in(2), 0xc4); /* at the trigger: data available */
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(in(0), data[i]);
    ck_assert_uint_eq(in(5) & 0x01, 0);
    ck_assert_uint_eq(in(2), 0xc1);
    ck_assert_int_eq(irq_level, 0);
}
END_TEST

/* Host input waits while the receiver is full; a byte looped back into a
 * full holding register is an overrun (it replaces the byte without FIFOs). */
START_TEST(overrun_without_fifo)
{
    const uint8_t a = 'a', b = 'b';
    out(1, 0x04); /* line status interrupts */
    ck_assert_uint_eq(uart16550__receive(uart, &a, 1), 1);
    ck_assert_uint_eq(uart16550__receive(uart, &b, 1), 0);
    ck_assert_uint_eq(in(5) & 0x03, 0x01);
    out(4, 0x10);
    out(0, 'z');
    ck_assert_uint_eq(in(2), 0x06); /* receiver line status */
    ck_assert_uint_eq(in(5) & 0x03, 0x03); /* DR and OE; reading clears OE */
    ck_assert_uint_eq(in(5) & 0x02, 0);
    ck_assert_uint_eq(in(2), 0x01);
    ck_assert_uint_eq(in(0), 'z');
}
END_TEST

START_TEST(loopback)
{
    char buf[4];
    in(6);        /* clear deltas */
    out(4, 0x10); /* loopback, all outputs off */
    ck_assert_uint_eq(in(6), 0x0b); /* CTS, DSR, DCD fell: their delta bits */
    ck_assert_uint_eq(in(6), 0x00);
    out(4, 0x1f); /* DTR, RTS, OUT1, OUT2 -> DSR, CTS, RI, DCD */
    ck_assert_uint_eq(in(6), 0xfb);
    out(4, 0x1b); /* OUT1 off: RI's trailing edge */
    ck_assert_uint_eq(in(6), 0xb4);
    out(0, 'L');
    ck_assert_int_eq(sent(buf, sizeof(buf)), 0);
    ck_assert_uint_eq(in(5) & 0x01, 0x01);
    ck_assert_uint_eq(in(0), 'L');
    /* In loopback the interrupt stays inside the UART. */
    out(1, 0x02);
    ck_assert_uint_eq(in(2) & 0x0f, 0x02);
    ck_assert_int_eq(irq_level, 0);
}
END_TEST

static Suite *uart_suite(void)
{
    Suite *s = suite_create("uart16550");
    TCase *tc = tcase_create("uart");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reset_state);
    tcase_add_test(tc, transmit);
    tcase_add_test(tc, divisor_latch);
    tcase_add_test(tc, scratch_and_fifo_id);
    tcase_add_test(tc, thre_interrupt);
    tcase_add_test(tc, out2_gates_irq);
    tcase_add_test(tc, receive_fifo);
    tcase_add_test(tc, overrun_without_fifo);
    tcase_add_test(tc, loopback);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(uart_suite)
