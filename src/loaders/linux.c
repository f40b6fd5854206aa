/* linux.c - Linux/x86 boot protocol loader: bzImage, initrd, boot_params, 32-bit entry. */
#include "loaders/linux.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "loaders/loader.h"

/* Offsets in the image and in boot_params (the setup header sits at the
 * same place in both), from Documentation/arch/x86/boot.rst and
 * Documentation/arch/x86/zero-page.rst. */
enum {
    BP_SCREEN_EXT_MEM_K = 0x002, BP_SCREEN_VIDEO_MODE = 0x006, BP_SCREEN_VIDEO_COLS = 0x007,
    BP_SCREEN_VIDEO_LINES = 0x00e, BP_SCREEN_IS_VGA = 0x00f,
    BP_ALT_MEM_K = 0x1e0, BP_E820_ENTRIES = 0x1e8,
    HDR_SETUP_SECTS = 0x1f1, HDR_SYSSIZE = 0x1f4, HDR_BOOT_FLAG = 0x1fe, HDR_JUMP = 0x200,
    HDR_VERSION = 0x206, HDR_TYPE_OF_LOADER = 0x210, HDR_LOADFLAGS = 0x211,
    HDR_CODE32_START = 0x214, HDR_RAMDISK_IMAGE = 0x218, HDR_RAMDISK_SIZE = 0x21c,
    HDR_HEAP_END_PTR = 0x224, HDR_CMD_LINE_PTR = 0x228, HDR_INITRD_ADDR_MAX = 0x22c,
    HDR_CMDLINE_SIZE = 0x238, HDR_PREF_ADDRESS = 0x258, HDR_INIT_SIZE = 0x260,
    BP_E820_TABLE = 0x2d0, BP_SIZE = 0x1000,
};

#define LOADFLAG_LOADED_HIGH  0x01 /* protected-mode code at 1 MiB: a bzImage */
#define LOADFLAG_CAN_USE_HEAP 0x80 /* heap_end_ptr is valid */
#define LOADER_UNDEFINED      0xff /* type_of_loader: a boot loader without an assigned id */

/* The boot protocol's 32-bit entry needs __BOOT_CS = 0x10 and
 * __BOOT_DS = 0x18 to be flat 4 GiB segments (boot.rst, "32-bit Boot
 * Protocol"). */
#define BOOT_CS 0x10
#define BOOT_DS 0x18
#define GDT_SIZE 32

/* The PC memory map that bt86 reports (e820 types 1 = RAM, 2 = reserved):
 * conventional memory up to the 1 KiB extended BIOS data area a BIOS keeps
 * at its top, the video hole, the BIOS ROM, and RAM from 1 MiB. */
#define E820_RAM 1
#define E820_RESERVED 2
#define EBDA_BASE 0x9fc00u
#define BIOS_ROM_BASE 0xf0000u

struct bzimage {
    uint32_t setup_size;     /* bytes of boot sector + real-mode setup */
    uint32_t pm_size;        /* bytes of protected-mode kernel after it */
    uint16_t version;
    uint32_t hdr_end;        /* end of the setup header in the image */
    uint32_t runtime_start;  /* where the kernel runs (decompresses to) */
    uint32_t runtime_end;    /* runtime_start + the memory it needs before reading e820 */
    uint64_t initrd_max;     /* highest byte address the initrd may use, + 1 */
    uint32_t cmdline_max;    /* longest command line, without the NUL */
};

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = v & 0xff;
    p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t mib(uint64_t bytes)
{
    return (uint32_t)((bytes + (1u << 20) - 1) >> 20);
}

/* Check the setup header and work out where everything goes. */
static int parse_header(const uint8_t *img, size_t len, struct bzimage *k, const char *name,
                        char *err, size_t errlen)
{
    if (len < LINUX_MAGIC_OFFSET + 4 || memcmp(img + LINUX_MAGIC_OFFSET, "HdrS", 4) != 0)
        return loader__fail(err, errlen, "%s: not a Linux kernel (no \"HdrS\" setup header at "
                            "%#x)", name, LINUX_MAGIC_OFFSET);
    k->version = get16(img + HDR_VERSION);
    if (k->version < LINUX_MIN_VERSION)
        return loader__fail(err, errlen, "%s: boot protocol %u.%02u is too old (bt86 needs "
                            "2.06 or later)", name, k->version >> 8, k->version & 0xff);
    /* The header ends where the jump at 0x200 lands. */
    k->hdr_end = HDR_JUMP + 2 + img[HDR_JUMP + 1];
    unsigned sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
    k->setup_size = (sects + 1) * 512;
    if (k->setup_size > len || k->hdr_end > len || k->hdr_end > BP_E820_TABLE)
        return loader__fail(err, errlen, "%s: truncated or corrupt: the setup header says %u "
                            "sectors of setup code (%u bytes), the file has %zu bytes", name,
                            sects, k->setup_size, len);
    if (get16(img + HDR_BOOT_FLAG) != 0xaa55)
        return loader__fail(err, errlen, "%s: corrupt setup header (boot_flag is %#x, not "
                            "0xaa55)", name, get16(img + HDR_BOOT_FLAG));
    if (!(img[HDR_LOADFLAGS] & LOADFLAG_LOADED_HIGH))
        return loader__fail(err, errlen, "%s: a zImage (loaded at 0x10000), not a bzImage: "
                            "bt86 loads bzImage kernels only", name);
    k->pm_size = (uint32_t)(len - k->setup_size);
    uint64_t syssize = (uint64_t)get32(img + HDR_SYSSIZE) * 16;
    if (syssize == 0 || syssize > k->pm_size)
        return loader__fail(err, errlen, "%s: truncated or corrupt: syssize says %llu bytes of "
                            "protected-mode kernel, the file has %u after the setup code", name,
                            (unsigned long long)syssize, k->pm_size);

    /* Protocol 2.10 gives where the kernel runs and the memory it needs
     * there; a relocatable kernel loaded at 1 MiB moves up to pref_address
     * (its LOAD_PHYSICAL_ADDR) to decompress. Older kernels run at 1 MiB. */
    k->runtime_start = LINUX_KERNEL_ADDR;
    k->runtime_end = LINUX_KERNEL_ADDR + k->pm_size;
    if (k->version >= 0x020a) {
        uint64_t pref = get32(img + HDR_PREF_ADDRESS) |
                        (uint64_t)get32(img + HDR_PREF_ADDRESS + 4) << 32;
        uint64_t start = pref > LINUX_KERNEL_ADDR ? pref : LINUX_KERNEL_ADDR;
        uint64_t end = start + get32(img + HDR_INIT_SIZE);
        if (end > UINT32_MAX)
            return loader__fail(err, errlen, "%s: corrupt setup header (pref_address %#llx + "
                                "init_size %#x is beyond 4 GiB)", name, (unsigned long long)pref,
                                get32(img + HDR_INIT_SIZE));
        k->runtime_start = (uint32_t)start;
        if (end > k->runtime_end)
            k->runtime_end = (uint32_t)end;
    }
    k->initrd_max = (uint64_t)get32(img + HDR_INITRD_ADDR_MAX) + 1;
    k->cmdline_max = get32(img + HDR_CMDLINE_SIZE);
    return 0;
}

/* The initrd goes page-aligned as high as it can: below the kernel's
 * initrd_addr_max and the top of RAM, above the kernel's runtime area (as
 * QEMU and GRUB place it). Returns its address in *addr, or -1. */
static int place_initrd(const struct machine *m, const struct bzimage *k, const char *name,
                        size_t len, uint32_t *addr, char *err, size_t errlen)
{
    uint64_t top = k->initrd_max < m->ram.size ? k->initrd_max : m->ram.size;
    uint64_t start = top >= len ? ((top - len) & ~0xfffull) : 0;
    if (top < len || start < k->runtime_end)
        return loader__fail(err, errlen, "%s: the initrd (%zu bytes, %u MiB) does not fit: it "
                            "must lie between the kernel's end at %#x and %#llx (%s), leaving "
                            "%llu bytes; use a larger -m or a smaller initrd", name, len,
                            mib(len), k->runtime_end, (unsigned long long)top,
                            top == m->ram.size ? "the top of RAM" : "the kernel's initrd_addr_max",
                            (unsigned long long)(top > k->runtime_end ? top - k->runtime_end : 0));
    *addr = (uint32_t)start;
    return 0;
}

static void put_e820(uint8_t *bp, uint64_t base, uint64_t end, uint32_t type)
{
    uint8_t *e = bp + BP_E820_TABLE + 20 * bp[BP_E820_ENTRIES]++;
    put64(e, base);
    put64(e + 8, end - base);
    put32(e + 16, type);
}

/* boot_params: the kernel's own setup header, then what a boot loader
 * fills in (boot.rst, "Details of header fields"; zero-page.rst). */
static void build_boot_params(struct machine *m, const uint8_t *img, const struct bzimage *k,
                              uint32_t cmdline_addr, uint32_t initrd_addr, size_t initrd_len)
{
    uint8_t *bp = phys__host(m, LINUX_ZERO_PAGE, BP_SIZE);
    memset(bp, 0, BP_SIZE);
    memcpy(bp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS, k->hdr_end - HDR_SETUP_SECTS);

    bp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
    /* The real-mode setup code does not run (bt86 enters at code32_start),
     * so the heap is never used; heap_end_ptr says what a loader that put
     * the setup code at 0x90000 with the usual 0xfe00 bytes would. */
    bp[HDR_LOADFLAGS] |= LOADFLAG_CAN_USE_HEAP;
    put16(bp + HDR_HEAP_END_PTR, 0xfe00);
    put32(bp + HDR_CODE32_START, LINUX_KERNEL_ADDR);
    put32(bp + HDR_CMD_LINE_PTR, cmdline_addr);
    put32(bp + HDR_RAMDISK_IMAGE, initrd_len ? initrd_addr : 0);
    put32(bp + HDR_RAMDISK_SIZE, (uint32_t)initrd_len);

    /* No display adapter: zero lines and columns tell the VGA console to
     * stand down (the kernel then uses its dummy console). */
    bp[BP_SCREEN_IS_VGA] = 0;
    bp[BP_SCREEN_VIDEO_MODE] = 3;
    bp[BP_SCREEN_VIDEO_COLS] = 0;
    bp[BP_SCREEN_VIDEO_LINES] = 0;

    uint32_t ext_k = (m->ram.size - LINUX_KERNEL_ADDR) >> 10;
    put16(bp + BP_SCREEN_EXT_MEM_K, ext_k > 0xfc00 ? 0xfc00 : ext_k); /* INT 15h AH=88h caps it */
    put32(bp + BP_ALT_MEM_K, ext_k);
    put_e820(bp, 0, EBDA_BASE, E820_RAM);
    put_e820(bp, EBDA_BASE, 0xa0000, E820_RESERVED);
    put_e820(bp, BIOS_ROM_BASE, LINUX_KERNEL_ADDR, E820_RESERVED);
    put_e820(bp, LINUX_KERNEL_ADDR, m->ram.size, E820_RAM);

    /* The BIOS data area, as a BIOS leaves it: the EBDA segment (0x40e)
     * and the base memory size in KiB (0x413), which the kernel reads to
     * reserve the BIOS regions below 1 MiB. */
    uint8_t *bda = phys__host(m, 0x400, 0x100);
    put16(bda + 0x0e, EBDA_BASE >> 4);
    put16(bda + 0x13, EBDA_BASE >> 10);
}

static void load_flat_seg(struct cpu *cpu, int seg, uint16_t sel, uint16_t type)
{
    cpu->seg[seg] = (struct seg_cache){
        .sel = sel, .attr = type | DESC_S | DESC_P | DESC_DB | DESC_G, .base = 0,
        .limit = 0xffffffffu,
    };
}

/* The 32-bit boot protocol's entry state: protected mode, paging off,
 * interrupts off, flat __BOOT_CS/__BOOT_DS in a GDT that has them, ESI the
 * boot_params address, EBP, EDI and EBX zero. The stack is free memory
 * below boot_params (the kernel makes its own at once). */
static void enter_state(struct machine *m)
{
    static const uint64_t gdt[GDT_SIZE / 8] = { 0, 0, 0x00cf9b000000ffffull,
                                                0x00cf93000000ffffull };
    uint8_t *g = phys__host(m, LINUX_GDT_ADDR, GDT_SIZE);
    for (unsigned i = 0; i < GDT_SIZE / 8; i++)
        put64(g + 8 * i, gdt[i]);

    struct cpu *cpu = &m->cpu;
    cpu__reset(cpu);
    cpu->cr0 = CR0_PE | CR0_ET;
    cpu->eflags = F_FIXED1;
    cpu->eip = LINUX_KERNEL_ADDR;
    cpu->gpr[R_ESI] = LINUX_ZERO_PAGE;
    cpu->gpr[R_ESP] = LINUX_ZERO_PAGE;
    cpu->gdtr = (struct dtable){ LINUX_GDT_ADDR, GDT_SIZE - 1 };
    cpu->idtr = (struct dtable){ 0, 0x3ff };
    load_flat_seg(cpu, S_CS, BOOT_CS, DESC_CODE | DESC_R | DESC_A);
    for (int s = 0; s < S_LDTR; s++)
        if (s != S_CS)
            load_flat_seg(cpu, s, BOOT_DS, DESC_W | DESC_A);
    cpu->cpl = 0;
    cpu->a20 = true;
}

int linux__load_image(struct machine *m, const char *name, const uint8_t *image, size_t len,
                      const char *cmdline, const char *initrd_name, const uint8_t *initrd,
                      size_t initrd_len, char *err, size_t errlen)
{
    struct bzimage k = { 0 };
    if (parse_header(image, len, &k, name, err, errlen))
        return -1;
    if (k.runtime_end > m->ram.size)
        return loader__fail(err, errlen, "%s: the kernel needs %u MiB of RAM (it runs at %#x "
                            "and needs %#x bytes there before it reads the memory map), -m "
                            "gives %u MiB", name, mib(k.runtime_end), k.runtime_start,
                            k.runtime_end - k.runtime_start, m->ram.size >> 20);
    size_t cmdlen = strlen(cmdline);
    if (cmdlen > k.cmdline_max || LINUX_CMDLINE_ADDR + cmdlen >= EBDA_BASE)
        return loader__fail(err, errlen, "%s: the command line (-append) is %zu bytes, the "
                            "kernel accepts at most %u", name, cmdlen, k.cmdline_max);
    uint32_t initrd_addr = 0;
    if (initrd_name && place_initrd(m, &k, initrd_name, initrd_len, &initrd_addr, err, errlen))
        return -1;

    memcpy(phys__host(m, LINUX_KERNEL_ADDR, k.pm_size), image + k.setup_size, k.pm_size);
    memcpy(phys__host(m, LINUX_CMDLINE_ADDR, cmdlen + 1), cmdline, cmdlen + 1);
    if (initrd_len)
        memcpy(phys__host(m, initrd_addr, initrd_len), initrd, initrd_len);
    build_boot_params(m, image, &k, LINUX_CMDLINE_ADDR, initrd_addr, initrd_len);
    enter_state(m);
    return 0;
}

/* Read path whole; on failure say which file and why. */
static int read_input(const char *path, const char *what, uint8_t **data, size_t *len, char *err,
                      size_t errlen)
{
    int r = loader__read_file(path, UINT32_MAX, data, len);
    if (r == -EFBIG)
        return loader__fail(err, errlen, "%s: %s is larger than 4 GiB", path, what);
    if (r)
        return loader__fail(err, errlen, "%s: cannot read the %s: %s", path, what, strerror(-r));
    return 0;
}

int linux__load(struct machine *m, const char *kernel_path, const char *append,
                const char *initrd_path, char *err, size_t errlen)
{
    uint8_t *kernel = NULL, *initrd = NULL;
    size_t klen = 0, ilen = 0;
    int r = read_input(kernel_path, "kernel", &kernel, &klen, err, errlen);
    if (!r && initrd_path)
        r = read_input(initrd_path, "initrd", &initrd, &ilen, err, errlen);
    if (!r)
        r = linux__load_image(m, kernel_path, kernel, klen, append ? append : "", initrd_path,
                              initrd, ilen, err, errlen);
    free(kernel);
    free(initrd);
    return r;
}
