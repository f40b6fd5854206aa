/* test_terminal.c - terminal input without a tty: the Ctrl-A state machine, COM1 back-pressure, pipes and EOF. */
#define _GNU_SOURCE /* pipe2 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "cli/terminal.h"
#include "core/machine.h"
#include "devices/devices.h"

#define COM1 0x3f8

static struct machine *m;
static struct uart16550 *uart;
static struct terminal t;
static FILE *help;

static void setup(void)
{
    m = calloc(1, sizeof(*m));
    bus__init(&m->bus);
    timers__set_manual(&m->timers, 0);
    ck_assert_int_eq(uart16550__init(m, COM1, (struct irq_line){ 0 }, -1, &uart), 0);
    help = tmpfile();
    ck_assert_ptr_nonnull(help);
}

static void teardown(void)
{
    uart16550__destroy(uart);
    fclose(help);
    free(m);
}

/* A terminal with escapes on (as for a tty) but no fd to read. */
static void open_tty_like(void)
{
    memset(&t, 0, sizeof(t));
    t.fd = -1;
    t.escapes = true;
    t.msg = help;
    ck_assert_int_eq(terminal__attach(&t, m, uart), 0);
}

static void fifo_on(void) { machine__io_write(m, COM1 + 2, 0x01, 1); }

/* What the guest can read from COM1 now. */
static size_t received(char *buf, size_t max)
{
    size_t n = 0;
    while (n < max && (machine__io_read(m, COM1 + 5, 1) & 0x01))
        buf[n++] = (char)machine__io_read(m, COM1, 1);
    buf[n] = 0;
    return n;
}

static size_t input(const char *s)
{
    return terminal__input(&t, (const uint8_t *)s, strlen(s));
}

START_TEST(plain_bytes_pass)
{
    char buf[32];
    open_tty_like();
    fifo_on();
    ck_assert_uint_eq(input("ls\r"), 3);
    ck_assert_uint_eq(received(buf, 31), 3);
    ck_assert_str_eq(buf, "ls\r");
    ck_assert_int_eq(m->stop, STOP_NONE);
}
END_TEST

START_TEST(ctrl_a_ctrl_a_sends_ctrl_a)
{
    char buf[32];
    open_tty_like();
    fifo_on();
    input("a\001\001b");
    ck_assert_str_eq((received(buf, 31), buf), "a\001b");
}
END_TEST

START_TEST(ctrl_a_h_prints_help)
{
    char buf[32], text[256] = { 0 };
    open_tty_like();
    fifo_on();
    input("\001h");
    ck_assert_uint_eq(received(buf, 31), 0);
    rewind(help);
    fread(text, 1, sizeof(text) - 1, help);
    ck_assert_ptr_nonnull(strstr(text, "C-a x"));
    input("\001z"); /* unknown escapes are swallowed */
    ck_assert_uint_eq(received(buf, 31), 0);
}
END_TEST

START_TEST(ctrl_a_x_quits)
{
    char buf[32];
    open_tty_like();
    fifo_on();
    ck_assert_uint_eq(input("a\001xb"), 3); /* stops after the x */
    ck_assert_int_eq(m->stop, STOP_USER);
    ck_assert_int_eq(m->exit_status, 0);
    ck_assert_str_eq(m->stop_message, "terminated by Ctrl-A x");
    ck_assert_str_eq((received(buf, 31), buf), "a");
}
END_TEST

START_TEST(escape_split_across_reads)
{
    open_tty_like();
    input("\001");
    ck_assert_int_eq(m->stop, STOP_NONE);
    input("x");
    ck_assert_int_eq(m->stop, STOP_USER);
}
END_TEST

START_TEST(no_escapes_when_not_a_tty)
{
    char buf[32];
    open_tty_like();
    t.escapes = false;
    fifo_on();
    input("\001x");
    ck_assert_int_eq(m->stop, STOP_NONE);
    ck_assert_str_eq((received(buf, 31), buf), "\001x");
}
END_TEST

START_TEST(full_fifo_keeps_the_rest)
{
    char buf[32];
    open_tty_like();
    /* FIFOs off: the receiver holds one byte. */
    ck_assert_uint_eq(input("abc"), 3);
    ck_assert_uint_eq(received(buf, 31), 1);
    ck_assert_str_eq(buf, "a");
    timers__advance(&m->timers, 1000000); /* the retry */
    ck_assert_str_eq((received(buf, 31), buf), "b");
    timers__advance(&m->timers, 1000000);
    ck_assert_str_eq((received(buf, 31), buf), "c");
    timers__advance(&m->timers, 1000000);
    ck_assert_uint_eq(received(buf, 31), 0);
}
END_TEST

START_TEST(pipe_input_until_eof)
{
    char buf[32];
    int p[2];
    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    ck_assert_int_eq(terminal__open(&t, p[0], help), 0);
    ck_assert(!t.escapes); /* a pipe is not a terminal */
    ck_assert_int_eq(terminal__attach(&t, m, uart), 0);
    ck_assert_int_eq(m->nwait_fds, 1);
    ck_assert(m->wait_fds[0].enabled);
    fifo_on();
    ck_assert_int_eq(write(p[1], "echo \001hi\n", 9), 9);
    close(p[1]);
    m->wait_fds[0].ready(m->wait_fds[0].opaque);
    ck_assert_str_eq((received(buf, 31), buf), "echo \001hi\n");
    ck_assert(m->wait_fds[0].enabled);
    m->wait_fds[0].ready(m->wait_fds[0].opaque); /* EOF */
    ck_assert(t.eof);
    ck_assert(!m->wait_fds[0].enabled);
    ck_assert_int_eq(m->stop, STOP_NONE); /* the guest runs on */
    close(p[0]);
}
END_TEST

START_TEST(pipe_pauses_while_the_fifo_is_full)
{
    char buf[32];
    int p[2];
    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    ck_assert_int_eq(terminal__open(&t, p[0], help), 0);
    ck_assert_int_eq(terminal__attach(&t, m, uart), 0);
    ck_assert_int_eq(write(p[1], "xy", 2), 2);
    m->wait_fds[0].ready(m->wait_fds[0].opaque);
    ck_assert(!m->wait_fds[0].enabled); /* 'y' waits: stop watching the pipe */
    ck_assert_str_eq((received(buf, 31), buf), "x");
    timers__advance(&m->timers, 1000000);
    ck_assert(m->wait_fds[0].enabled);
    ck_assert_str_eq((received(buf, 31), buf), "y");
    close(p[0]);
    close(p[1]);
}
END_TEST

static Suite *terminal_suite(void)
{
    Suite *s = suite_create("terminal");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, plain_bytes_pass);
    tcase_add_test(tc, ctrl_a_ctrl_a_sends_ctrl_a);
    tcase_add_test(tc, ctrl_a_h_prints_help);
    tcase_add_test(tc, ctrl_a_x_quits);
    tcase_add_test(tc, escape_split_across_reads);
    tcase_add_test(tc, no_escapes_when_not_a_tty);
    tcase_add_test(tc, full_fifo_keeps_the_rest);
    tcase_add_test(tc, pipe_input_until_eof);
    tcase_add_test(tc, pipe_pauses_while_the_fifo_is_full);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(terminal_suite)
