/* test_options.c - the bt86 command line parser: defaults, each option, the error messages. */
#include <string.h>

#include "check_main.h"
#include "cli/options.h"

static struct options o;
static char err[256];

/* Parse a NULL-terminated argument list (argv[0] is supplied). */
#define PARSE(...) parse((const char *[]){ "bt86", __VA_ARGS__, NULL })

static int parse(const char **args)
{
    int argc = 0;
    while (args[argc])
        argc++;
    err[0] = '\0';
    return options__parse(&o, argc, (char **)args, err, sizeof(err));
}

START_TEST(defaults)
{
    ck_assert_int_eq(parse((const char *[]){ "bt86", NULL }), 0);
    ck_assert_int_eq(o.action, ACTION_RUN);
    ck_assert_uint_eq(o.ram_size, 128u << 20);
    ck_assert_str_eq(o.accel, "bt");
    ck_assert_int_eq(o.serial, SERIAL_STDIO);
    ck_assert_ptr_null(o.kernel);
    ck_assert_int_eq(o.ndebug_exits, 0);
}
END_TEST

START_TEST(sizes)
{
    ck_assert_int_eq(options__parse_size("64"), 64 << 20);
    ck_assert_int_eq(options__parse_size("64M"), 64 << 20);
    ck_assert_int_eq(options__parse_size("64m"), 64 << 20);
    ck_assert_int_eq(options__parse_size("4096K"), 4 << 20);
    ck_assert_int_eq(options__parse_size("1G"), 1 << 30);
    ck_assert_int_eq(options__parse_size("1.5G"), 3 << 29);
    ck_assert_int_eq(options__parse_size("512B"), 512);
    ck_assert_int_eq(options__parse_size("12Q"), -1);
    ck_assert_int_eq(options__parse_size(""), -1);
    ck_assert_int_eq(options__parse_size("M"), -1);
    ck_assert_int_eq(options__parse_size("-5"), -1);
    ck_assert_int_eq(options__parse_size("1.G"), -1);
    ck_assert_int_eq(options__parse_size("64MB"), -1);
    ck_assert_int_eq(options__parse_size("99999999999999999999"), -1);
}
END_TEST

START_TEST(memory_option)
{
    ck_assert_int_eq(PARSE("-m", "256"), 0);
    ck_assert_uint_eq(o.ram_size, 256u << 20);
    ck_assert_int_eq(PARSE("-m", "size=2G"), 0);
    ck_assert_uint_eq(o.ram_size, 2u << 30);
    ck_assert_int_eq(PARSE("-m", "3584M"), 0);
    ck_assert_uint_eq(o.ram_size, 0xe0000000u);
    ck_assert_int_eq(PARSE("-m", "3000001K"), 0); /* rounded up to 4 KiB */
    ck_assert_uint_eq(o.ram_size, 3000004u * 1024);

    ck_assert_int_eq(PARSE("-m", "12Q"), -1);
    ck_assert_str_eq(err, "-m: '12Q' is not a valid size");
    ck_assert_int_eq(PARSE("-m", "1M"), -1);
    ck_assert_ptr_nonnull(strstr(err, "too small"));
    ck_assert_int_eq(PARSE("-m", "3585M"), -1);
    ck_assert_ptr_nonnull(strstr(err, "too large"));
    ck_assert_int_eq(PARSE("-m", "4G"), -1);
}
END_TEST

START_TEST(boot_options)
{
    ck_assert_int_eq(PARSE("-kernel", "k.elf", "-initrd", "a,b", "-append", "console=ttyS0",
                           "-accel", "bt", "-nographic", "-no-reboot", "-d", "int,stats", "-D",
                           "log.txt"), 0);
    ck_assert_str_eq(o.kernel, "k.elf");
    ck_assert_str_eq(o.initrd, "a,b");
    ck_assert_str_eq(o.append, "console=ttyS0");
    ck_assert_str_eq(o.accel, "bt");
    ck_assert(o.nographic);
    ck_assert(o.no_reboot);
    ck_assert_str_eq(o.log_list, "int,stats");
    ck_assert_str_eq(o.log_path, "log.txt");
    /* QEMU also accepts two dashes; the last of a repeated option wins. */
    ck_assert_int_eq(PARSE("--kernel", "a", "-kernel", "b"), 0);
    ck_assert_str_eq(o.kernel, "b");
}
END_TEST

START_TEST(serial_option)
{
    ck_assert_int_eq(PARSE("-serial", "null"), 0);
    ck_assert_int_eq(o.serial, SERIAL_NULL);
    ck_assert_int_eq(PARSE("-serial", "none"), 0);
    ck_assert_int_eq(o.serial, SERIAL_NONE);
    ck_assert_int_eq(PARSE("-serial", "mon:stdio"), 0);
    ck_assert_int_eq(o.serial, SERIAL_STDIO);
    ck_assert_int_eq(PARSE("-serial", "file:/tmp/x"), 0);
    ck_assert_int_eq(o.serial, SERIAL_FILE);
    ck_assert_str_eq(o.serial_path, "/tmp/x");
    ck_assert_int_eq(PARSE("-serial", "file:"), -1);
    ck_assert_int_eq(PARSE("-serial", "pty"), -1);
    ck_assert_ptr_nonnull(strstr(err, "-serial: 'pty'"));
}
END_TEST

START_TEST(debug_exit_device)
{
    ck_assert_int_eq(PARSE("-device", "isa-debug-exit"), 0);
    ck_assert_int_eq(o.ndebug_exits, 1);
    ck_assert_uint_eq(o.debug_exit[0].iobase, 0xf4);
    ck_assert_uint_eq(o.debug_exit[0].iosize, 4);
    ck_assert_int_eq(PARSE("-device", "isa-debug-exit,iobase=0x501,iosize=2", "-device",
                           "isa-debug-exit,iosize=1"), 0);
    ck_assert_int_eq(o.ndebug_exits, 2);
    ck_assert_uint_eq(o.debug_exit[0].iobase, 0x501);
    ck_assert_uint_eq(o.debug_exit[0].iosize, 2);
    ck_assert_uint_eq(o.debug_exit[1].iobase, 0xf4);
    ck_assert_uint_eq(o.debug_exit[1].iosize, 1);

    ck_assert_int_eq(PARSE("-device", "isa-debug-exit,iobase=0x10000"), -1);
    ck_assert_int_eq(PARSE("-device", "isa-debug-exit,iobase=0xfffe,iosize=4"), -1);
    ck_assert_int_eq(PARSE("-device", "isa-debug-exit,iosize=0"), -1);
    ck_assert_int_eq(PARSE("-device", "isa-debug-exit,iobase=zz"), -1);
    ck_assert_int_eq(PARSE("-device", "isa-debug-exit,iobase"), -1);
    ck_assert_int_eq(PARSE("-device", "isa-debug-exit,port=1"), -1);
    ck_assert_ptr_nonnull(strstr(err, "unknown property 'port'"));
    ck_assert_int_eq(PARSE("-device", "e1000,netdev=n"), -1);
    ck_assert_str_eq(err, "-device: unknown device 'e1000' (try -device help)");
    ck_assert_int_eq(PARSE("-device", "help"), 0);
    ck_assert_int_eq(o.action, ACTION_DEVICE_HELP);
}
END_TEST

START_TEST(actions)
{
    ck_assert_int_eq(PARSE("-h"), 0);
    ck_assert_int_eq(o.action, ACTION_HELP);
    ck_assert_int_eq(PARSE("--help"), 0);
    ck_assert_int_eq(o.action, ACTION_HELP);
    ck_assert_int_eq(PARSE("-help", "-bogus"), 0); /* help wins, as in QEMU */
    ck_assert_int_eq(o.action, ACTION_HELP);
    ck_assert_int_eq(PARSE("--version"), 0);
    ck_assert_int_eq(o.action, ACTION_VERSION);
    ck_assert_int_eq(PARSE("-version"), 0);
    ck_assert_int_eq(o.action, ACTION_VERSION);
    ck_assert_int_eq(PARSE("-d", "help"), 0);
    ck_assert_int_eq(o.action, ACTION_LOG_HELP);
    ck_assert_int_eq(PARSE("-accel", "help"), 0);
    ck_assert_int_eq(o.action, ACTION_ACCEL_HELP);
}
END_TEST

START_TEST(usage_errors)
{
    ck_assert_int_eq(PARSE("-bogus"), -1);
    ck_assert_str_eq(err, "-bogus: invalid option (see -h)");
    ck_assert_int_eq(PARSE("-kernel"), -1);
    ck_assert_str_eq(err, "-kernel: requires an argument");
    ck_assert_int_eq(PARSE("disk.img"), -1);
    ck_assert_ptr_nonnull(strstr(err, "'disk.img': unexpected argument"));
    ck_assert_int_eq(PARSE("-"), -1);
    ck_assert_int_eq(PARSE("---kernel", "x"), -1);
}
END_TEST

static Suite *options_suite(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, sizes);
    tcase_add_test(tc, memory_option);
    tcase_add_test(tc, boot_options);
    tcase_add_test(tc, serial_option);
    tcase_add_test(tc, debug_exit_device);
    tcase_add_test(tc, actions);
    tcase_add_test(tc, usage_errors);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(options_suite)
