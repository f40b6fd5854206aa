/* test_multiboot.c - the multiboot v1 loader: ELF and a.out kernels, boot info, modules, errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/machine.h"
#include "loaders/elf.h"
#include "loaders/multiboot.h"

#define RAM_SIZE (16u << 20)

static struct machine *m;
static uint8_t img[16384];
static char err[512];

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static uint32_t ram32(uint32_t paddr) { uint32_t v; memcpy(&v, m->ram.host + paddr, 4); return v; }
static uint64_t ram64(uint32_t paddr) { uint64_t v; memcpy(&v, m->ram.host + paddr, 8); return v; }
static const char *ramstr(uint32_t paddr) { return (const char *)m->ram.host + paddr; }

static void setup(void)
{
    m = calloc(1, sizeof(*m));
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(guest_ram__init(&m->ram, RAM_SIZE), 0);
    bus__init(&m->bus);
    m->cpu.m = m;
    memset(m->ram.host, 0xaa, RAM_SIZE); /* so that zeroing by the loader shows */
    memset(img, 0, sizeof(img));
    err[0] = '\0';
}

static void teardown(void)
{
    guest_ram__destroy(&m->ram);
    free(m);
}

/* A multiboot header at off with the given flags and a right checksum. */
static void put_header(uint32_t off, uint32_t flags)
{
    put32(img + off, MULTIBOOT_HEADER_MAGIC);
    put32(img + off + 4, flags);
    put32(img + off + 8, -(MULTIBOOT_HEADER_MAGIC + flags));
}

/* An i386 ELF executable with one PT_LOAD segment covering the first
 * filesz bytes of the file, loaded at paddr (linked at vaddr), memsz long.
 * The multiboot header is at 0x80. */
static void build_elf(uint32_t vaddr, uint32_t paddr, uint32_t filesz, uint32_t memsz,
                      uint32_t entry)
{
    memcpy(img, "\177ELF\1\1\1", 7);
    put16(img + 16, 2);      /* ET_EXEC */
    put16(img + 18, 3);      /* EM_386 */
    put32(img + 20, 1);
    put32(img + 24, entry);
    put32(img + 28, 52);     /* e_phoff */
    put16(img + 40, 52);     /* e_ehsize */
    put16(img + 42, 32);     /* e_phentsize */
    put16(img + 44, 1);      /* e_phnum */
    uint8_t *ph = img + 52;
    put32(ph, 1);            /* PT_LOAD */
    put32(ph + 4, 0);
    put32(ph + 8, vaddr);
    put32(ph + 12, paddr);
    put32(ph + 16, filesz);
    put32(ph + 20, memsz);
    put_header(0x80, MB_HDR_PAGE_ALIGN | MB_HDR_MEMORY_INFO);
    for (uint32_t i = 0x90; i < filesz && i < sizeof(img); i++)
        img[i] = (uint8_t)i;
}

static int load(size_t len, const char *cmdline, const struct multiboot_module *mods, int n)
{
    return multiboot__load_image(m, "k.elf", img, len, cmdline, mods, n, err, sizeof(err));
}

START_TEST(elf_kernel_loaded)
{
    build_elf(0x100000, 0x100000, 0x400, 0x2400, 0x100090);
    ck_assert_int_eq(load(0x400, "k.elf quiet", NULL, 0), 0);
    ck_assert_mem_eq(m->ram.host + 0x100000, img, 0x400);
    for (uint32_t a = 0x100400; a < 0x102400; a++)
        ck_assert_uint_eq(m->ram.host[a], 0); /* bss zeroed */
    ck_assert_uint_eq(m->ram.host[0x102400], 0xaa);
    ck_assert_uint_eq(m->cpu.eip, 0x100090);
}
END_TEST

/* Specification 3.2: the machine state at entry. */
START_TEST(entry_state)
{
    build_elf(0x100000, 0x100000, 0x400, 0x400, 0x100090);
    ck_assert_int_eq(load(0x400, "k.elf", NULL, 0), 0);
    const struct cpu *c = &m->cpu;
    ck_assert_uint_eq(c->gpr[R_EAX], MULTIBOOT_BOOTLOADER_MAGIC);
    ck_assert_uint_eq(c->gpr[R_EBX], MB_INFO_BASE);
    ck_assert(c->cr0 & CR0_PE);
    ck_assert(!(c->cr0 & CR0_PG));
    ck_assert(!(c->eflags & (F_IF | F_VM)));
    ck_assert(c->eflags & F_FIXED1);
    ck_assert(c->a20);
    ck_assert_int_eq(c->cpl, 0);
    for (int s = S_ES; s <= S_GS; s++) {
        ck_assert_uint_eq(c->seg[s].base, 0);
        ck_assert_uint_eq(c->seg[s].limit, 0xffffffffu);
        ck_assert(c->seg[s].attr & DESC_P);
        ck_assert(c->seg[s].attr & DESC_DB);
        ck_assert_uint_eq((c->seg[s].attr >> DESC_DPL_SHIFT) & 3, 0);
    }
    ck_assert(c->seg[S_CS].attr & DESC_CODE);
    ck_assert(c->seg[S_SS].attr & DESC_W);
    /* The selectors index a GDT whose descriptors match the caches. */
    ck_assert_uint_eq(c->gdtr.limit, 31);
    uint64_t code = ram64(c->gdtr.base + (c->seg[S_CS].sel & ~7));
    uint64_t data = ram64(c->gdtr.base + (c->seg[S_DS].sel & ~7));
    ck_assert_uint_eq(code, 0x00cf9b000000ffffull);
    ck_assert_uint_eq(data, 0x00cf93000000ffffull);
    ck_assert_uint_eq(c->seg[S_SS].sel, c->seg[S_DS].sel);
}
END_TEST

START_TEST(boot_information)
{
    build_elf(0x100000, 0x100000, 0x400, 0x400, 0x100090);
    ck_assert_int_eq(load(0x400, "k.elf console=ttyS0", NULL, 0), 0);
    uint32_t info = m->cpu.gpr[R_EBX];
    uint32_t flags = ram32(info);
    ck_assert_uint_eq(flags & (MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP |
                               MB_INFO_LOADER_NAME),
                      MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP |
                      MB_INFO_LOADER_NAME);
    ck_assert_uint_eq(ram32(info + 4), 640);
    ck_assert_uint_eq(ram32(info + 8), (RAM_SIZE >> 10) - 1024);
    ck_assert_str_eq(ramstr(ram32(info + 16)), "k.elf console=ttyS0");
    ck_assert_uint_eq(ram32(info + 20), 0);
    ck_assert_str_eq(ramstr(ram32(info + 64)), "bt86");

    /* The memory map: RAM below 640 KiB, reserved to 1 MiB, RAM above. */
    uint32_t len = ram32(info + 44), mm = ram32(info + 48);
    ck_assert_uint_eq(len, 3 * 24);
    static const uint64_t want[3][3] = {
        { 0, 0xa0000, 1 }, { 0xa0000, 0x60000, 2 }, { 0x100000, RAM_SIZE - 0x100000, 1 },
    };
    for (int i = 0; i < 3; i++, mm += 24) {
        ck_assert_uint_eq(ram32(mm), 20);
        ck_assert_uint_eq(ram64(mm + 4), want[i][0]);
        ck_assert_uint_eq(ram64(mm + 12), want[i][1]);
        ck_assert_uint_eq(ram32(mm + 20), want[i][2]);
    }
}
END_TEST

/* An ELF linked high (vaddr != paddr): loaded at paddr, entered at the
 * physical address of its entry point. */
START_TEST(higher_half_entry)
{
    build_elf(0xc0100000u, 0x100000, 0x400, 0x400, 0xc0100090u);
    ck_assert_int_eq(load(0x400, "", NULL, 0), 0);
    ck_assert_uint_eq(m->cpu.eip, 0x100090);
    ck_assert_mem_eq(m->ram.host + 0x100000, img, 0x400);
}
END_TEST

START_TEST(modules_placed)
{
    static const uint8_t a[5000] = { 1, 2, 3 }, b[10] = { 9, 8, 7 };
    const struct multiboot_module mods[3] = {
        { "a.bin", "a.bin first=1", a, sizeof(a) },
        { "b.bin", "b.bin", b, sizeof(b) },
        { "e.bin", "e.bin", b, 0 },
    };
    build_elf(0x100000, 0x100000, 0x400, 0x1800, 0x100090);
    ck_assert_int_eq(load(0x400, "k", mods, 3), 0);
    uint32_t info = m->cpu.gpr[R_EBX];
    ck_assert_uint_eq(ram32(info + 20), 3);
    uint32_t list = ram32(info + 24);
    /* Page-aligned after the kernel's end (0x101800), one after another. */
    ck_assert_uint_eq(ram32(list), 0x102000);
    ck_assert_uint_eq(ram32(list + 4), 0x102000 + 5000);
    ck_assert_str_eq(ramstr(ram32(list + 8)), "a.bin first=1");
    ck_assert_uint_eq(ram32(list + 16), 0x104000);
    ck_assert_uint_eq(ram32(list + 20), 0x10400a);
    ck_assert_str_eq(ramstr(ram32(list + 24)), "b.bin");
    ck_assert_uint_eq(ram32(list + 32), 0x105000);
    ck_assert_uint_eq(ram32(list + 36), 0x105000);
    ck_assert_mem_eq(m->ram.host + 0x102000, a, sizeof(a));
    ck_assert_mem_eq(m->ram.host + 0x104000, b, sizeof(b));
}
END_TEST

/* Flag 16: the header gives the addresses; the header sits 0x40 bytes into
 * the file, which is loaded from its start at load_addr. */
START_TEST(aout_kludge)
{
    put_header(0x40, MB_HDR_AOUT_KLUDGE);
    put32(img + 0x4c, 0x200040); /* header_addr */
    put32(img + 0x50, 0x200000); /* load_addr */
    put32(img + 0x54, 0x200100); /* load_end_addr */
    put32(img + 0x58, 0x203000); /* bss_end_addr */
    put32(img + 0x5c, 0x200060); /* entry_addr */
    for (int i = 0x60; i < 0x200; i++)
        img[i] = (uint8_t)i;
    ck_assert_int_eq(load(0x200, "k", NULL, 0), 0);
    ck_assert_mem_eq(m->ram.host + 0x200000, img, 0x100);
    for (uint32_t a = 0x200100; a < 0x203000; a++)
        ck_assert_uint_eq(m->ram.host[a], 0);
    ck_assert_uint_eq(m->ram.host[0x203000], 0xaa);
    ck_assert_uint_eq(m->cpu.eip, 0x200060);
}
END_TEST

/* load_end_addr 0: the rest of the file; bss_end_addr 0: no bss. The
 * header takes precedence over the ELF headers when both exist. */
START_TEST(aout_whole_file)
{
    build_elf(0x100000, 0x100000, 0x400, 0x400, 0x100090);
    put_header(0x80, MB_HDR_AOUT_KLUDGE);
    put32(img + 0x8c, 0x300080);
    put32(img + 0x90, 0x300000);
    put32(img + 0x94, 0);        /* load_end_addr: the whole file */
    put32(img + 0x98, 0);        /* bss_end_addr: none */
    put32(img + 0x9c, 0x300100);
    ck_assert_int_eq(load(0x300, "k", NULL, 0), 0);
    ck_assert_mem_eq(m->ram.host + 0x300000, img, 0x300);
    ck_assert_uint_eq(m->ram.host[0x300300], 0xaa);
    ck_assert_uint_eq(m->ram.host[0x100000], 0xaa); /* the ELF headers were ignored */
    ck_assert_uint_eq(m->cpu.eip, 0x300100);
}
END_TEST

/* Each malformed kernel is refused with a message naming the file. */
static void expect_error(size_t len, const char *what)
{
    ck_assert_int_eq(load(len, "k", NULL, 0), -1);
    ck_assert_msg(strncmp(err, "k.elf: ", 7) == 0, "message '%s' does not name the file", err);
    ck_assert_msg(strstr(err, what), "message '%s' does not say '%s'", err, what);
}

START_TEST(no_header)
{
    expect_error(sizeof(img), "no multiboot header");
    put_header(8192, 0); /* beyond the first 8 KiB */
    expect_error(sizeof(img), "no multiboot header");
    put_header(0x102, 0); /* misaligned */
    expect_error(sizeof(img), "no multiboot header");
    expect_error(0, "no multiboot header");
}
END_TEST

START_TEST(bad_checksum)
{
    build_elf(0x100000, 0x100000, 0x400, 0x400, 0x100090);
    img[0x88] ^= 1;
    expect_error(0x400, "wrong checksum");
}
END_TEST

START_TEST(unsupported_flags)
{
    build_elf(0x100000, 0x100000, 0x400, 0x400, 0x100090);
    put_header(0x80, MB_HDR_MEMORY_INFO | (1u << 3));
    expect_error(0x400, "multiboot features");
}
END_TEST

START_TEST(truncated_elf)
{
    build_elf(0x100000, 0x100000, 0x400, 0x400, 0x100090);
    expect_error(0x3ff, "truncated: segment 0");
    put16(img + 44, 100);
    expect_error(0x400, "truncated program header table");
}
END_TEST

START_TEST(bad_elf_headers)
{
    build_elf(0x100000, 0x100000, 0x400, 0x400, 0x100090);
    img[4] = 2;
    expect_error(0x400, "64-bit");
    img[4] = 1;
    put16(img + 18, 62);
    expect_error(0x400, "not an i386 ELF");
    put16(img + 18, 3);
    put16(img + 16, 3);
    expect_error(0x400, "not an executable");
    put16(img + 16, 2);
    put32(img + 52, 4); /* the only segment is PT_NOTE */
    expect_error(0x400, "no loadable");
    put32(img + 52, 1);
    put32(img + 52 + 16, 0x500); /* filesz > memsz */
    expect_error(0x800, "p_filesz");
    img[0] = 0;
    expect_error(0x400, "not an ELF file");
}
END_TEST

START_TEST(segment_outside_ram)
{
    build_elf(0x100000, RAM_SIZE - 0x200, 0x400, 0x400, 0);
    expect_error(0x400, "outside RAM");
    build_elf(0x100000, 0xfffff000u, 0x400, 0x2000, 0);
    expect_error(0x400, "wraps around");
    build_elf(0x100000, 0x9ff00, 0x400, 0x400, 0); /* into the 640 KiB-1 MiB hole */
    expect_error(0x400, "outside RAM");
}
END_TEST

START_TEST(segment_over_boot_info)
{
    build_elf(0x100000, MB_INFO_BASE - 0x100, 0x400, 0x400, 0);
    expect_error(0x400, "overlaps the boot information");
}
END_TEST

START_TEST(aout_errors)
{
    put_header(0, MB_HDR_AOUT_KLUDGE);
    put32(img + 12, 0x200000);
    put32(img + 16, 0x200000);
    put32(img + 20, 0x201000); /* more than the file holds */
    expect_error(0x200, "truncated");
    put32(img + 16, 0x1ff000); /* load_addr before the file's start */
    expect_error(0x200, "load_addr");
    put32(img + 16, 0x200000);
    put32(img + 20, 0x100);
    expect_error(0x200, "load_end_addr");
    put32(img + 20, 0);
    put32(img + 24, 0x200010); /* bss ends inside the image */
    expect_error(0x200, "bss_end_addr");
    expect_error(0x1c, "truncated multiboot header");
}
END_TEST

START_TEST(module_too_big)
{
    static uint8_t big[RAM_SIZE / 2];
    const struct multiboot_module mods[2] = {
        { "one.img", "one.img", big, sizeof(big) },
        { "two.img", "two.img x", big, sizeof(big) },
    };
    build_elf(0x100000, 0x100000, 0x400, 0x400, 0x100090);
    ck_assert_int_eq(load(0x400, "k", mods, 2), -1);
    ck_assert_msg(strstr(err, "two.img: does not fit"), "message: %s", err);
}
END_TEST

START_TEST(elf_parser)
{
    struct elf32_image e;
    char problem[128];
    build_elf(0x80000000u, 0x100000, 0x400, 0x1000, 0x80000010u);
    ck_assert(elf__is_elf(img, 4));
    ck_assert_int_eq(elf32__parse(img, 0x400, &e, problem, sizeof(problem)), 0);
    ck_assert_int_eq(e.nsegs, 1);
    ck_assert_uint_eq(e.entry, 0x80000010u);
    ck_assert_uint_eq(e.segs[0].vaddr, 0x80000000u);
    ck_assert_uint_eq(e.segs[0].paddr, 0x100000);
    ck_assert_uint_eq(e.segs[0].filesz, 0x400);
    ck_assert_uint_eq(e.segs[0].memsz, 0x1000);
    ck_assert_int_eq(elf32__parse(img, 40, &e, problem, sizeof(problem)), -1);
    ck_assert_ptr_nonnull(strstr(problem, "truncated ELF header"));
}
END_TEST

static char temp_dir[64];

/* A file in a fresh temporary directory; returns its path. */
static const char *temp_file(const char *name, const void *data, size_t len)
{
    static char path[4][128];
    static int n;
    char *dir = temp_dir;
    if (!dir[0])
        ck_assert_ptr_nonnull(mkdtemp(strcpy(dir, "/tmp/bt86-mb-XXXXXX")));
    char *p = path[n++ % 4];
    snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return p;
}

/* From files: the command line is "kernel append", -initrd entries are
 * split at commas (",," is a comma) and the file name ends at a space. */
START_TEST(load_from_files)
{
    build_elf(0x100000, 0x100000, 0x400, 0x400, 0x100090);
    const char *k = temp_file("kernel", img, 0x400);
    const char *a = temp_file("a", "AAAA", 4);
    const char *b = temp_file("b", "BB", 2);
    char initrd[512], want[512];
    snprintf(initrd, sizeof(initrd), "%s x=1,,2,%s", a, b);
    ck_assert_int_eq(multiboot__load(m, k, "quiet", initrd, err, sizeof(err)), 0);

    uint32_t info = m->cpu.gpr[R_EBX];
    snprintf(want, sizeof(want), "%s quiet", k);
    ck_assert_str_eq(ramstr(ram32(info + 16)), want);
    ck_assert_uint_eq(ram32(info + 20), 2);
    uint32_t list = ram32(info + 24);
    snprintf(want, sizeof(want), "%s x=1,2", a);
    ck_assert_str_eq(ramstr(ram32(list + 8)), want);
    ck_assert_uint_eq(ram32(list + 4) - ram32(list), 4);
    ck_assert_mem_eq(m->ram.host + ram32(list), "AAAA", 4);
    ck_assert_str_eq(ramstr(ram32(list + 24)), b);
    ck_assert_mem_eq(m->ram.host + ram32(list + 16), "BB", 2);

    /* No -append: the command line is the kernel's path alone. */
    ck_assert_int_eq(multiboot__load(m, k, NULL, NULL, err, sizeof(err)), 0);
    ck_assert_str_eq(ramstr(ram32(m->cpu.gpr[R_EBX] + 16)), k);
    ck_assert_uint_eq(ram32(m->cpu.gpr[R_EBX] + 20), 0);

    snprintf(initrd, sizeof(initrd), "%s,%s.missing arg", a, b);
    ck_assert_int_eq(multiboot__load(m, k, NULL, initrd, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s.missing: No such file or directory", b);
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(multiboot__load(m, "/nonexistent/k", NULL, NULL, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "/nonexistent/k: No such file or directory");
    remove(k);
    remove(a);
    remove(b);
    remove(temp_dir);
}
END_TEST

static Suite *multiboot_suite(void)
{
    Suite *s = suite_create("multiboot");
    TCase *tc = tcase_create("load");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, elf_kernel_loaded);
    tcase_add_test(tc, entry_state);
    tcase_add_test(tc, boot_information);
    tcase_add_test(tc, higher_half_entry);
    tcase_add_test(tc, modules_placed);
    tcase_add_test(tc, aout_kludge);
    tcase_add_test(tc, aout_whole_file);
    tcase_add_test(tc, load_from_files);
    suite_add_tcase(s, tc);
    TCase *bad = tcase_create("errors");
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, no_header);
    tcase_add_test(bad, bad_checksum);
    tcase_add_test(bad, unsupported_flags);
    tcase_add_test(bad, truncated_elf);
    tcase_add_test(bad, bad_elf_headers);
    tcase_add_test(bad, segment_outside_ram);
    tcase_add_test(bad, segment_over_boot_info);
    tcase_add_test(bad, aout_errors);
    tcase_add_test(bad, module_too_big);
    tcase_add_test(bad, elf_parser);
    suite_add_tcase(s, bad);
    return s;
}

CHECK_MAIN(multiboot_suite)
