/* test_fw_cfg.c - QEMU's fw_cfg: selector and data ports, the standard items, the file directory, e820. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/machine.h"
#include "devices/fw_cfg.h"

#define RAM (64u << 20)

static struct machine *m;
static struct fw_cfg *fw;

static void setup(void)
{
    m = calloc(1, sizeof(*m));
    bus__init(&m->bus);
    m->ram.size = RAM; /* fw_cfg only reads the size */
    ck_assert_int_eq(fw_cfg__init(m, &fw), 0);
}

static void teardown(void)
{
    fw_cfg__destroy(fw);
    free(m);
}

static void select_key(uint16_t key) { machine__io_write(m, 0x510, key, 2); }

static void read_bytes(uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)machine__io_read(m, 0x511, 1);
}

static uint64_t read_le(unsigned bytes)
{
    uint8_t b[8];
    uint64_t v = 0;
    read_bytes(b, bytes);
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static uint64_t read_be(unsigned bytes)
{
    uint8_t b[8];
    uint64_t v = 0;
    read_bytes(b, bytes);
    for (unsigned i = 0; i < bytes; i++)
        v = v << 8 | b[i];
    return v;
}

/* The selector of the file called name, from the directory; 0 if none. */
static uint16_t find_file(const char *name, uint32_t *size)
{
    select_key(FW_CFG_FILE_DIR);
    uint32_t count = (uint32_t)read_be(4);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t sz = (uint32_t)read_be(4);
        uint16_t sel = (uint16_t)read_be(2);
        char fname[FW_CFG_NAME_MAX];
        read_be(2);
        read_bytes((uint8_t *)fname, sizeof(fname));
        if (strcmp(fname, name) == 0) {
            *size = sz;
            return sel;
        }
    }
    return 0;
}

START_TEST(signature_and_id)
{
    char sig[5] = { 0 };
    select_key(FW_CFG_SIGNATURE);
    read_bytes((uint8_t *)sig, 4);
    ck_assert_str_eq(sig, "QEMU");
    ck_assert_uint_eq(read_le(1), 0); /* past the end */
    select_key(FW_CFG_ID);
    ck_assert_uint_eq(read_le(4), 1); /* port interface, no DMA */
}
END_TEST

START_TEST(selecting_restarts_the_item)
{
    select_key(FW_CFG_SIGNATURE);
    ck_assert_uint_eq(read_le(1), 'Q');
    select_key(FW_CFG_SIGNATURE);
    ck_assert_uint_eq(read_le(1), 'Q');
    /* The combined port: a byte read of 0x510 reads data too, a byte
     * write of 0x511 is an ignored data write. */
    ck_assert_uint_eq(machine__io_read(m, 0x510, 1), 'E');
    machine__io_write(m, 0x511, 0x00, 1);
    ck_assert_uint_eq(read_le(1), 'M');
}
END_TEST

START_TEST(machine_items)
{
    select_key(FW_CFG_RAM_SIZE);
    ck_assert_uint_eq(read_le(8), RAM);
    select_key(FW_CFG_NB_CPUS);
    ck_assert_uint_eq(read_le(2), 1);
    select_key(FW_CFG_MAX_CPUS);
    ck_assert_uint_eq(read_le(2), 1);
    select_key(FW_CFG_KERNEL_SIZE); /* no kernel item: reads 0 */
    ck_assert_uint_eq(read_le(4), 0);
    select_key(0x8003); /* arch-local keys: none */
    ck_assert_uint_eq(read_le(4), 0);
}
END_TEST

START_TEST(e820_file)
{
    uint32_t size = 0;
    uint16_t sel = find_file("etc/e820", &size);
    ck_assert_uint_eq(sel, FW_CFG_FILE_FIRST);
    ck_assert_uint_eq(size, 40);
    select_key(sel);
    ck_assert_uint_eq(read_le(8), 0);
    ck_assert_uint_eq(read_le(8), 0xa0000);
    ck_assert_uint_eq(read_le(4), E820_RAM);
    ck_assert_uint_eq(read_le(8), 0x100000);
    ck_assert_uint_eq(read_le(8), RAM - 0x100000);
    ck_assert_uint_eq(read_le(4), E820_RAM);
}
END_TEST

START_TEST(loader_items)
{
    static const char cmdline[] = "console=ttyS0";
    ck_assert_int_eq(fw_cfg__add_bytes(fw, FW_CFG_CMDLINE_DATA, cmdline, sizeof(cmdline)), 0);
    ck_assert_int_eq(fw_cfg__add_i32(fw, FW_CFG_CMDLINE_SIZE, sizeof(cmdline)), 0);
    select_key(FW_CFG_CMDLINE_SIZE);
    ck_assert_uint_eq(read_le(4), sizeof(cmdline));
    char buf[sizeof(cmdline)];
    select_key(FW_CFG_CMDLINE_DATA);
    read_bytes((uint8_t *)buf, sizeof(buf));
    ck_assert_str_eq(buf, cmdline);
    /* Wider reads return consecutive bytes, the first lowest. */
    select_key(FW_CFG_CMDLINE_DATA);
    ck_assert_uint_eq(machine__io_read(m, 0x511, 1) | machine__io_read(m, 0x510, 1) << 8,
                      'c' | 'o' << 8);
    ck_assert_int_eq(fw_cfg__add_bytes(fw, FW_CFG_FILE_DIR, "x", 1), -EINVAL);
    ck_assert_int_eq(fw_cfg__add_bytes(fw, FW_CFG_FILE_FIRST, "x", 1), -EINVAL);
}
END_TEST

START_TEST(named_files)
{
    ck_assert_int_eq(fw_cfg__add_file(fw, "opt/bt86/test", "hello", 5), 0);
    ck_assert_int_eq(fw_cfg__add_file(fw, "opt/bt86/test", "again", 5), -EEXIST);
    char longname[FW_CFG_NAME_MAX + 1];
    memset(longname, 'a', FW_CFG_NAME_MAX);
    longname[FW_CFG_NAME_MAX] = 0;
    ck_assert_int_eq(fw_cfg__add_file(fw, longname, "x", 1), -EINVAL);
    select_key(FW_CFG_FILE_DIR);
    ck_assert_uint_eq(read_be(4), 2);
    uint32_t size = 0;
    uint16_t sel = find_file("opt/bt86/test", &size);
    ck_assert_uint_eq(sel, FW_CFG_FILE_FIRST + 1);
    ck_assert_uint_eq(size, 5);
    char buf[6] = { 0 };
    select_key(sel);
    read_bytes((uint8_t *)buf, 5);
    ck_assert_str_eq(buf, "hello");
}
END_TEST

START_TEST(directory_full)
{
    char name[16];
    /* etc/e820 took the first slot. */
    for (int n = 1; n < FW_CFG_MAX_FILES; n++) {
        snprintf(name, sizeof(name), "f%d", n);
        ck_assert_int_eq(fw_cfg__add_file(fw, name, "x", 1), 0);
    }
    ck_assert_int_eq(fw_cfg__add_file(fw, "one-too-many", "x", 1), -ENOSPC);
}
END_TEST

static Suite *fw_cfg_suite(void)
{
    Suite *s = suite_create("fw_cfg");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, signature_and_id);
    tcase_add_test(tc, selecting_restarts_the_item);
    tcase_add_test(tc, machine_items);
    tcase_add_test(tc, e820_file);
    tcase_add_test(tc, loader_items);
    tcase_add_test(tc, named_files);
    tcase_add_test(tc, directory_full);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(fw_cfg_suite)
