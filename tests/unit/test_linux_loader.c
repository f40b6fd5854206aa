/* test_linux_loader.c - the Linux boot protocol loader: boot_params, placement, entry state, errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "core/machine.h"
#include "loaders/linux.h"

#define RAM_SIZE (64u << 20)
#define SETUP_SECTS 3
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512)
#define PM_SIZE 0x3000
#define IMG_SIZE (SETUP_SIZE + PM_SIZE)

static struct machine *m;
static uint8_t img[IMG_SIZE];
static uint8_t initrd[0x2345];
static char err[512];

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t ram32(uint32_t paddr) { uint32_t v; memcpy(&v, m->ram.host + paddr, 4); return v; }
static uint64_t ram64(uint32_t paddr) { uint64_t v; memcpy(&v, m->ram.host + paddr, 8); return v; }
static uint8_t bp8(uint32_t off) { return m->ram.host[LINUX_ZERO_PAGE + off]; }
static uint32_t bp32(uint32_t off) { return ram32(LINUX_ZERO_PAGE + off); }

/* A protocol 2.15 bzImage like Debian's 686 kernel, scaled down: runs at
 * pref_address 4 MiB and needs init_size 8 MiB there. */
static void build_bzimage(void)
{
    memset(img, 0, sizeof(img));
    img[0x1f1] = SETUP_SECTS;
    put32(img + 0x1f4, PM_SIZE / 16);  /* syssize */
    put16(img + 0x1fe, 0xaa55);
    img[0x200] = 0xeb;                 /* jmp to the end of the header (0x268 + 4) */
    img[0x201] = 0x6a;
    memcpy(img + 0x202, "HdrS", 4);
    put16(img + 0x206, 0x020f);
    img[0x211] = 0x01;                 /* LOADED_HIGH */
    put32(img + 0x214, 0x100000);
    put32(img + 0x22c, 0x7fffffff);    /* initrd_addr_max */
    put32(img + 0x230, 0x400000);      /* kernel_alignment */
    img[0x234] = 1;                    /* relocatable */
    put32(img + 0x238, 2047);          /* cmdline_size */
    put32(img + 0x258, 0x400000);      /* pref_address */
    put32(img + 0x260, 0x800000);      /* init_size */
    for (unsigned i = 0; i < PM_SIZE; i++)
        img[SETUP_SIZE + i] = (uint8_t)(i * 7);
    for (unsigned i = 0; i < sizeof(initrd); i++)
        initrd[i] = (uint8_t)(i * 3);
}

static void setup(void)
{
    m = calloc(1, sizeof(*m));
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(guest_ram__init(&m->ram, RAM_SIZE), 0);
    bus__init(&m->bus);
    m->cpu.m = m;
    memset(m->ram.host, 0xaa, RAM_SIZE);
    build_bzimage();
    err[0] = '\0';
}

static void teardown(void)
{
    guest_ram__destroy(&m->ram);
    free(m);
}

static int load(size_t len, const char *cmdline, size_t initrd_len)
{
    return linux__load_image(m, "bzImage", img, len, cmdline, initrd_len ? "initrd" : NULL,
                             initrd, initrd_len, err, sizeof(err));
}

static void assert_error(const char *needle)
{
    ck_assert_msg(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
}

START_TEST(boot_params_and_entry)
{
    ck_assert_int_eq(load(sizeof(img), "console=ttyS0 quiet", sizeof(initrd)), 0);
    /* The protected-mode kernel at 1 MiB, the command line below 640 KiB. */
    ck_assert_mem_eq(m->ram.host + LINUX_KERNEL_ADDR, img + SETUP_SIZE, PM_SIZE);
    ck_assert_str_eq((char *)m->ram.host + bp32(0x228), "console=ttyS0 quiet");
    ck_assert_uint_lt(bp32(0x228), 0xa0000);
    /* The setup header copied, then the loader's fields. */
    ck_assert_mem_eq(m->ram.host + LINUX_ZERO_PAGE + 0x202, "HdrS", 4);
    ck_assert_uint_eq(bp32(0x260), 0x800000);
    ck_assert_uint_eq(bp8(0x210), 0xff);
    ck_assert_uint_eq(bp8(0x211), 0x81);
    ck_assert_uint_eq(bp8(0x1ef), 0);  /* sentinel */
    ck_assert_uint_eq(bp8(0x0f), 0);   /* orig_video_isVGA */
    /* The initrd page-aligned at the top of RAM. */
    uint32_t rd = bp32(0x218);
    ck_assert_uint_eq(bp32(0x21c), sizeof(initrd));
    ck_assert_uint_eq(rd & 0xfff, 0);
    ck_assert_uint_le(rd + sizeof(initrd), RAM_SIZE);
    ck_assert_uint_gt(rd + sizeof(initrd), RAM_SIZE - 0x1000);
    ck_assert_mem_eq(m->ram.host + rd, initrd, sizeof(initrd));
    /* The e820 map: 640 KiB less the EBDA, two reserved holes, RAM from 1 MiB. */
    ck_assert_uint_eq(bp8(0x1e8), 4);
    const uint32_t e = LINUX_ZERO_PAGE + 0x2d0;
    ck_assert_uint_eq(ram64(e), 0);
    ck_assert_uint_eq(ram64(e + 8), 0x9fc00);
    ck_assert_uint_eq(ram32(e + 16), 1);
    ck_assert_uint_eq(ram64(e + 20), 0x9fc00);
    ck_assert_uint_eq(ram32(e + 36), 2);
    ck_assert_uint_eq(ram64(e + 40), 0xf0000);
    ck_assert_uint_eq(ram64(e + 48), 0x10000);
    ck_assert_uint_eq(ram64(e + 60), 0x100000);
    ck_assert_uint_eq(ram64(e + 68), RAM_SIZE - 0x100000);
    ck_assert_uint_eq(ram32(e + 76), 1);
    /* The 32-bit entry state. */
    const struct cpu *c = &m->cpu;
    ck_assert_uint_eq(c->eip, 0x100000);
    ck_assert_uint_eq(c->gpr[R_ESI], LINUX_ZERO_PAGE);
    ck_assert_uint_eq(c->gpr[R_EBX] | c->gpr[R_EBP] | c->gpr[R_EDI], 0);
    ck_assert_uint_eq(c->cr0 & (CR0_PE | CR0_PG), CR0_PE);
    ck_assert_uint_eq(c->eflags & F_IF, 0);
    ck_assert_uint_eq(c->seg[S_CS].sel, 0x10);
    ck_assert_uint_eq(c->seg[S_DS].sel, 0x18);
    ck_assert_uint_eq(c->seg[S_SS].sel, 0x18);
    ck_assert_uint_eq(c->seg[S_CS].limit, 0xffffffffu);
    /* The GDT holds what the selectors claim: flat code at 0x10, data at 0x18. */
    ck_assert_uint_eq(ram64(c->gdtr.base + 0x10), 0x00cf9b000000ffffull);
    ck_assert_uint_eq(ram64(c->gdtr.base + 0x18), 0x00cf93000000ffffull);
}
END_TEST

START_TEST(initrd_below_initrd_addr_max)
{
    put32(img + 0x22c, 0x01ffffff); /* 32 MiB */
    ck_assert_int_eq(load(sizeof(img), "", sizeof(initrd)), 0);
    ck_assert_uint_le(bp32(0x218) + sizeof(initrd), 0x2000000);
    ck_assert_uint_gt(bp32(0x218) + sizeof(initrd), 0x2000000 - 0x1000);
}
END_TEST

START_TEST(initrd_does_not_fit)
{
    put32(img + 0x22c, 0x00bfffff); /* 12 MiB: the kernel's area ends there */
    ck_assert_int_eq(load(sizeof(img), "", sizeof(initrd)), -1);
    assert_error("initrd: the initrd (9029 bytes");
    assert_error("initrd_addr_max");
}
END_TEST

START_TEST(ram_too_small)
{
    put32(img + 0x260, 0x4000000); /* init_size 64 MiB at 4 MiB */
    ck_assert_int_eq(load(sizeof(img), "", 0), -1);
    assert_error("bzImage: the kernel needs 68 MiB of RAM");
    assert_error("-m gives 64 MiB");
}
END_TEST

START_TEST(bad_images)
{
    ck_assert_int_eq(load(0x300, "", 0), -1); /* cut in the setup code */
    assert_error("bzImage: truncated or corrupt");
    ck_assert_int_eq(load(SETUP_SIZE + 0x100, "", 0), -1); /* cut in the kernel */
    assert_error("syssize");
    put16(img + 0x206, 0x0204);
    ck_assert_int_eq(load(sizeof(img), "", 0), -1);
    assert_error("boot protocol 2.04 is too old");
    build_bzimage();
    memcpy(img + 0x202, "HdrX", 4);
    ck_assert_int_eq(load(sizeof(img), "", 0), -1);
    assert_error("not a Linux kernel");
    build_bzimage();
    put16(img + 0x1fe, 0);
    ck_assert_int_eq(load(sizeof(img), "", 0), -1);
    assert_error("boot_flag");
    build_bzimage();
    img[0x211] = 0;
    ck_assert_int_eq(load(sizeof(img), "", 0), -1);
    assert_error("zImage");
}
END_TEST

START_TEST(command_line_too_long)
{
    put32(img + 0x238, 8);
    ck_assert_int_eq(load(sizeof(img), "console=ttyS0", 0), -1);
    assert_error("13 bytes, the kernel accepts at most 8");
}
END_TEST

START_TEST(unreadable_files)
{
    ck_assert_int_eq(linux__load(m, "/nonexistent/bzImage", NULL, NULL, err, sizeof(err)), -1);
    assert_error("/nonexistent/bzImage: cannot read the kernel");
    char path[] = "/tmp/bt86-linux-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, img, sizeof(img)), (int)sizeof(img));
    close(fd);
    ck_assert_int_eq(linux__load(m, path, "x", "/nonexistent/initrd", err, sizeof(err)), -1);
    assert_error("/nonexistent/initrd: cannot read the initrd");
    ck_assert_int_eq(linux__load(m, path, NULL, NULL, err, sizeof(err)), 0);
    ck_assert_str_eq((char *)m->ram.host + bp32(0x228), "");
    unlink(path);
}
END_TEST

static Suite *linux_loader_suite(void)
{
    Suite *s = suite_create("linux_loader");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, boot_params_and_entry);
    tcase_add_test(tc, initrd_below_initrd_addr_max);
    tcase_add_test(tc, initrd_does_not_fit);
    tcase_add_test(tc, ram_too_small);
    tcase_add_test(tc, bad_images);
    tcase_add_test(tc, command_line_too_long);
    tcase_add_test(tc, unreadable_files);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(linux_loader_suite)
