/* test_console_watch.c - a Linux panic on the console stops the machine once its report is out. */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/machine.h"
#include "devices/console_watch.h"

static struct machine m;
static struct console_watch w;

static void feed(const char *s)
{
    for (; *s; s++)
        console_watch__byte(&w, &m, *s);
}

static void setup(void)
{
    memset(&m, 0, sizeof(m));
    memset(&w, 0, sizeof(w));
}

START_TEST(panic_stops_after_the_end_line)
{
    feed("[    1.000000] Run /init as init process\r\n");
    feed("[    1.100000] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\r\n");
    feed("[    1.100000] CPU: 0 PID: 1 Comm: init Not tainted 6.1.0-50-686 #1\r\n");
    ck_assert_int_eq(m.stop, STOP_NONE);
    feed("[    1.200000] ---[ end Kernel panic - not syncing: Attempted to kill init! "
         "exitcode=0x00000100 ]---");
    ck_assert_int_eq(m.stop, STOP_NONE); /* the line is not complete yet */
    feed("\r\n");
    ck_assert_int_eq(m.stop, STOP_GUEST_PANIC);
    ck_assert_str_eq(m.stop_message, "Attempted to kill init! exitcode=0x00000100");
}
END_TEST

START_TEST(ordinary_output_does_not_stop)
{
    feed("echo '---[ end Kernel panic - not syncing: x ]---'\n"); /* no panic began */
    feed("a line longer than the watch keeps ");
    for (int i = 0; i < 50; i++)
        feed("0123456789");
    feed("\n");
    ck_assert_int_eq(m.stop, STOP_NONE);
}
END_TEST

START_TEST(early_panic_stops_after_its_register_dump)
{
    timers__set_manual(&m.timers, 1000);
    feed("[    0.000000] Hypervisor detected: KVM\r\n");
    feed("PANIC: early exception 0x00 IP 60:c405ec1e error 0 cr2 0x0\r\n");
    feed("[    0.000000] EIP: pvclock_tsc_khz+0x1e/0x60\r\n");
    timers__advance(&m.timers, CONSOLE_WATCH_EARLY_GRACE_NS - 1);
    ck_assert_int_eq(m.stop, STOP_NONE); /* the registers are still being printed */
    feed("PANIC: early exception 0x0e IP 60:c0000000 error 0 cr2 0x0\n"); /* not a new grace */
    timers__advance(&m.timers, 1);
    ck_assert_int_eq(m.stop, STOP_GUEST_PANIC);
    ck_assert_str_eq(m.stop_message, "early exception 0x00 IP 60:c405ec1e error 0 cr2 0x0");
}
END_TEST

START_TEST(an_earlier_stop_wins)
{
    machine__stop(&m, STOP_SHUTDOWN, 0);
    feed("Kernel panic - not syncing: VFS: Unable to mount root fs\n");
    feed("---[ end Kernel panic - not syncing: VFS: Unable to mount root fs ]---\n");
    ck_assert_int_eq(m.stop, STOP_SHUTDOWN);
    ck_assert_str_eq(m.stop_message, "");
}
END_TEST

static Suite *console_watch_suite(void)
{
    Suite *s = suite_create("console_watch");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, panic_stops_after_the_end_line);
    tcase_add_test(tc, ordinary_output_does_not_stop);
    tcase_add_test(tc, early_panic_stops_after_its_register_dump);
    tcase_add_test(tc, an_earlier_stop_wins);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(console_watch_suite)
