/* multiboot.c - Multiboot v1 kernel loader: ELF and a.out-kludge kernels, modules, boot info. */
#include "loaders/multiboot.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "loaders/elf.h"
#include "loaders/loader.h"

/* The multiboot header as found in the image (specification 3.1.1). */
struct mb_header {
    uint32_t offset; /* file offset of the magic */
    uint32_t flags;
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

/* A piece of the kernel to place in RAM: filesz bytes from src, then
 * zeros up to memsz. */
struct chunk {
    uint32_t paddr, memsz, filesz;
    const uint8_t *src;
};

struct kernel_plan {
    struct chunk chunks[ELF32_MAX_SEGMENTS];
    int n;
    uint32_t entry;
};

/* Sizes of the boot information pieces (specification 3.3). */
#define INFO_SIZE      120 /* up to and including the framebuffer fields */
#define MMAP_ENTRY     24  /* size field + base, length (64-bit) + type */
#define MMAP_ENTRIES   3
#define MOD_ENTRY      16
#define GDT_SIZE       32  /* null, null, flat code (0x10), flat data (0x18) */
#define LOADER_NAME    "bt86"

#define SEL_CODE 0x10
#define SEL_DATA 0x18

#define LOW_RAM_END  0xa0000u
#define HIGH_RAM     0x100000u

/* Prepend "name: " to the message in err. */
static void prefix(char *err, size_t errlen, const char *name)
{
    char *msg = strdup(err);
    if (msg)
        snprintf(err, errlen, "%s: %s", name, msg);
    free(msg);
}

static uint32_t get32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4); /* host and guest are little-endian */
}

static uint32_t page_up(uint64_t a)
{
    return (uint32_t)((a + 0xfff) & ~0xfffull);
}

static uint32_t align8(size_t n)
{
    return (uint32_t)((n + 7) & ~(size_t)7);
}

/* Find the header: a 4-byte aligned magic within the first 8 KiB whose
 * magic + flags + checksum is zero (specification 3.1.2). */
static int find_header(const uint8_t *img, size_t len, struct mb_header *h, char *err,
                       size_t errlen)
{
    size_t limit = len < MULTIBOOT_SEARCH ? len : MULTIBOOT_SEARCH;
    long bad_sum_at = -1;

    for (size_t off = 0; off + 12 <= limit; off += 4) {
        if (get32(img + off) != MULTIBOOT_HEADER_MAGIC)
            continue;
        uint32_t flags = get32(img + off + 4);
        if (get32(img + off) + flags + get32(img + off + 8) != 0) {
            if (bad_sum_at < 0)
                bad_sum_at = (long)off;
            continue;
        }
        *h = (struct mb_header){ .offset = (uint32_t)off, .flags = flags };
        if (!(flags & MB_HDR_AOUT_KLUDGE))
            return 0;
        if (off + 32 > limit)
            return loader__fail(err, errlen,
                                "truncated multiboot header (the address fields of "
                                "flag 16 end beyond the file or its first 8 KiB)");
        h->header_addr = get32(img + off + 12);
        h->load_addr = get32(img + off + 16);
        h->load_end_addr = get32(img + off + 20);
        h->bss_end_addr = get32(img + off + 24);
        h->entry_addr = get32(img + off + 28);
        return 0;
    }
    if (bad_sum_at >= 0)
        return loader__fail(err, errlen, "the multiboot header at offset %#lx has a wrong checksum",
                            bad_sum_at);
    return loader__fail(err, errlen,
                        "no multiboot header in the first 8 KiB (not a multiboot kernel)");
}

/* Flag 16: the header's own addresses say what to load (specification
 * 3.1.3). The file offset of load_addr follows from where the header is. */
static int plan_aout(const uint8_t *img, size_t len, const struct mb_header *h,
                     struct kernel_plan *p, char *err, size_t errlen)
{
    if (h->header_addr < h->load_addr || h->header_addr - h->load_addr > h->offset)
        return loader__fail(err, errlen,
                            "bad multiboot header: load_addr %#x does not lie in the file "
                            "before header_addr %#x",
                            h->load_addr, h->header_addr);
    uint32_t file_off = h->offset - (h->header_addr - h->load_addr);
    uint64_t load_size = len - file_off;
    if (h->load_end_addr) {
        if (h->load_end_addr < h->load_addr)
            return loader__fail(err, errlen,
                                "bad multiboot header: load_end_addr %#x < load_addr %#x",
                                h->load_end_addr, h->load_addr);
        load_size = h->load_end_addr - h->load_addr;
        if (file_off + load_size > len)
            return loader__fail(err, errlen,
                                "truncated: the multiboot header loads bytes up to %#llx "
                                "but the file has %#zx",
                                (unsigned long long)(file_off + load_size), len);
    }
    uint64_t mem_size = load_size;
    if (h->bss_end_addr) {
        if (h->bss_end_addr < h->load_addr + load_size)
            return loader__fail(err, errlen,
                                "bad multiboot header: bss_end_addr %#x is below the end "
                                "of the loaded image %#llx",
                                h->bss_end_addr, (unsigned long long)(h->load_addr + load_size));
        mem_size = h->bss_end_addr - h->load_addr;
    }
    if (h->load_addr + mem_size > 0x100000000ull)
        return loader__fail(err, errlen, "bad multiboot header: the image wraps around 4 GiB");
    p->chunks[0] =
        (struct chunk){h->load_addr, (uint32_t)mem_size, (uint32_t)load_size, img + file_off};
    p->n = 1;
    p->entry = h->entry_addr;
    return 0;
}

/* An ELF kernel: its PT_LOAD segments at their physical addresses. The
 * entry point is translated like GRUB does when it falls in a segment
 * linked at a virtual address different from its physical one. */
static int plan_elf(const uint8_t *img, size_t len, struct kernel_plan *p, char *err,
                    size_t errlen)
{
    struct elf32_image elf;
    if (elf32__parse(img, len, &elf, err, errlen))
        return -1;
    p->n = 0;
    p->entry = elf.entry;
    for (int i = 0; i < elf.nsegs; i++) {
        const struct elf32_segment *s = &elf.segs[i];
        if ((uint64_t)s->paddr + s->memsz > 0x100000000ull)
            return loader__fail(err, errlen, "segment %d (%#x, %#x bytes) wraps around 4 GiB", i,
                                s->paddr, s->memsz);
        if (elf.entry - s->vaddr < s->memsz)
            p->entry = elf.entry - s->vaddr + s->paddr;
        if (s->memsz)
            p->chunks[p->n++] = (struct chunk){ s->paddr, s->memsz, s->filesz, img + s->offset };
    }
    return 0;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

/* A range the loader writes must be RAM and leave the info area alone. */
static int check_range(struct machine *m, const char *what, uint32_t paddr, uint32_t size,
                       uint32_t info_size, char *err, size_t errlen)
{
    if (size && !phys__host(m, paddr, size))
        return loader__fail(err, errlen,
                            "%s at %#x-%#llx is outside RAM (%u MiB; 640 KiB-1 MiB is "
                            "not RAM)",
                            what, paddr, (unsigned long long)paddr + size - 1, m->ram.size >> 20);
    if (overlaps(paddr, size, MB_INFO_BASE, info_size))
        return loader__fail(err, errlen, "%s at %#x-%#llx overlaps the boot information at %#x-%#x",
                            what, paddr, (unsigned long long)paddr + size - 1, MB_INFO_BASE,
                            MB_INFO_BASE + info_size - 1);
    return 0;
}

/* Bytes of the info area: every piece 8-byte aligned. */
static uint32_t info_area_size(const char *cmdline, const struct multiboot_module *mods, int nmods)
{
    uint32_t n = INFO_SIZE + MMAP_ENTRY * MMAP_ENTRIES + GDT_SIZE + align8(sizeof(LOADER_NAME)) +
                 align8(strlen(cmdline) + 1) + align8((size_t)MOD_ENTRY * nmods);
    for (int i = 0; i < nmods; i++)
        n += align8(strlen(mods[i].string) + 1);
    return n;
}

/* A bump allocator over the info area, in guest physical addresses. */
struct area {
    uint8_t *host;
    uint32_t used;
};

static uint32_t area_put(struct area *a, const void *data, size_t len)
{
    uint32_t paddr = MB_INFO_BASE + a->used;
    if (data)
        memcpy(a->host + a->used, data, len);
    a->used += align8(len);
    return paddr;
}

static void put_mmap_entry(uint8_t *e, uint64_t base, uint64_t len, uint32_t type)
{
    put32(e, MMAP_ENTRY - 4);
    memcpy(e + 4, &base, 8);
    memcpy(e + 12, &len, 8);
    put32(e + 20, type);
}

/* Write the boot information (specification 3.3) and a flat GDT; returns
 * the info structure's address. mod_addrs holds each module's start. */
static uint32_t build_info(struct machine *m, const char *cmdline,
                           const struct multiboot_module *mods, int nmods,
                           const uint32_t *mod_addrs, uint32_t size, uint32_t *gdt_addr)
{
    struct area a = { phys__host(m, MB_INFO_BASE, size), 0 };
    memset(a.host, 0, size);
    uint8_t *info = a.host;
    uint32_t info_addr = area_put(&a, NULL, INFO_SIZE);

    uint8_t *mm = a.host + a.used;
    put_mmap_entry(mm, 0, LOW_RAM_END, 1);
    put_mmap_entry(mm + MMAP_ENTRY, LOW_RAM_END, HIGH_RAM - LOW_RAM_END, 2);
    put_mmap_entry(mm + 2 * MMAP_ENTRY, HIGH_RAM, m->ram.size - HIGH_RAM, 1);
    uint32_t mmap_addr = area_put(&a, NULL, MMAP_ENTRY * MMAP_ENTRIES);

    /* Descriptors with the accessed bit set, as after a real load. */
    static const uint64_t gdt[4] = { 0, 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };
    *gdt_addr = area_put(&a, gdt, GDT_SIZE);

    uint32_t name_addr = area_put(&a, LOADER_NAME, sizeof(LOADER_NAME));
    uint32_t cmdline_addr = area_put(&a, cmdline, strlen(cmdline) + 1);
    uint8_t *mod_list = a.host + a.used;
    uint32_t mods_addr = area_put(&a, NULL, (size_t)MOD_ENTRY * nmods);
    for (int i = 0; i < nmods; i++) {
        uint8_t *e = mod_list + MOD_ENTRY * i;
        put32(e, mod_addrs[i]);
        put32(e + 4, mod_addrs[i] + (uint32_t)mods[i].len); /* one past the end, as GRUB */
        put32(e + 8, area_put(&a, mods[i].string, strlen(mods[i].string) + 1));
    }

    put32(info + 0, MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP |
                        MB_INFO_LOADER_NAME);
    put32(info + 4, LOW_RAM_END >> 10);                /* mem_lower, KiB */
    put32(info + 8, (m->ram.size - HIGH_RAM) >> 10);   /* mem_upper, KiB above 1 MiB */
    put32(info + 16, cmdline_addr);
    put32(info + 20, (uint32_t)nmods);
    put32(info + 24, mods_addr);
    put32(info + 44, MMAP_ENTRY * MMAP_ENTRIES);
    put32(info + 48, mmap_addr);
    put32(info + 64, name_addr);
    return info_addr;
}

static void load_flat_seg(struct cpu *cpu, int seg, uint16_t sel, uint16_t type)
{
    cpu->seg[seg] = (struct seg_cache){
        .sel = sel, .attr = type | DESC_S | DESC_P | DESC_DB | DESC_G, .base = 0,
        .limit = 0xffffffffu,
    };
}

/* The machine state at the kernel's entry (specification 3.2): protected
 * mode with flat 4 GiB segments, paging off, IF and VM clear, A20 on, EAX
 * the boot magic, EBX the info address. The spec leaves ESP and GDTR
 * undefined; bt86 gives a valid flat GDT and a stack below the info area
 * so that an early push or segment reload does not crash the kernel. */
static void enter_state(struct cpu *cpu, uint32_t entry, uint32_t info_addr, uint32_t gdt_addr)
{
    cpu__reset(cpu);
    cpu->cr0 = CR0_PE | CR0_ET; /* caches on, as a BIOS leaves them */
    cpu->eflags = F_FIXED1;
    cpu->eip = entry;
    cpu->gpr[R_EAX] = MULTIBOOT_BOOTLOADER_MAGIC;
    cpu->gpr[R_EBX] = info_addr;
    cpu->gpr[R_ESP] = MB_INFO_BASE;
    cpu->gdtr = (struct dtable){ gdt_addr, GDT_SIZE - 1 };
    cpu->idtr = (struct dtable){ 0, 0x3ff };
    load_flat_seg(cpu, S_CS, SEL_CODE, DESC_CODE | DESC_R | DESC_A);
    for (int s = 0; s < S_LDTR; s++)
        if (s != S_CS)
            load_flat_seg(cpu, s, SEL_DATA, DESC_W | DESC_A);
    cpu->cpl = 0;
    cpu->a20 = true;
}

/* Modules go page-aligned from start, one after another (header flag 0
 * asks for page alignment; bt86 always gives it). Fills mod_addrs;
 * returns 0, or -1 with err naming the module. */
static int place_modules(struct machine *m, uint64_t start, const struct multiboot_module *mods,
                         int nmods, uint32_t info_size, uint32_t *mod_addrs, char *err,
                         size_t errlen)
{
    uint64_t next = start;
    for (int i = 0; i < nmods; i++) {
        if (next + mods[i].len > m->ram.size)
            return loader__fail(err, errlen,
                                "%s: does not fit in %u MiB of RAM after the kernel (%zu "
                                "bytes at %#llx)",
                                mods[i].name, m->ram.size >> 20, mods[i].len,
                                (unsigned long long)next);
        if (check_range(m, "the module", (uint32_t)next, (uint32_t)mods[i].len, info_size, err,
                        errlen)) {
            prefix(err, errlen, mods[i].name);
            return -1;
        }
        mod_addrs[i] = (uint32_t)next;
        next = page_up(next + mods[i].len);
    }
    return 0;
}

/* Load the kernel and modules. Returns 0; -1 with err describing a
 * problem of the kernel (without its name); -2 with err complete. */
static int load(struct machine *m, const uint8_t *image, size_t len, const char *cmdline,
                const struct multiboot_module *mods, int nmods, uint32_t *mod_addrs, char *err,
                size_t errlen)
{
    struct mb_header h = { 0 };
    struct kernel_plan plan = { .n = 0 };

    if (find_header(image, len, &h, err, errlen))
        return -1;
    /* Bits 0-15 are requirements: refuse the ones bt86 does not know.
     * Bit 2 (a video mode) is accepted and no framebuffer is reported
     * (info flag 12 clear), as GRUB does on a text console. */
    if (h.flags & 0xffff & ~(MB_HDR_PAGE_ALIGN | MB_HDR_MEMORY_INFO | MB_HDR_VIDEO_MODE))
        return loader__fail(
            err, errlen, "the kernel requires multiboot features bt86 lacks (flags %#x)", h.flags);
    /* Flag 16 takes precedence over the ELF headers (specification 3.1.3). */
    if (h.flags & MB_HDR_AOUT_KLUDGE) {
        if (plan_aout(image, len, &h, &plan, err, errlen))
            return -1;
    } else if (!elf__is_elf(image, len)) {
        return loader__fail(err, errlen,
                            "not an ELF file, and its multiboot header does not give "
                            "load addresses (flag 16)");
    } else if (plan_elf(image, len, &plan, err, errlen)) {
        return -1;
    }

    uint32_t info_size = info_area_size(cmdline, mods, nmods);
    if (MB_INFO_BASE + (uint64_t)info_size > MB_INFO_LIMIT)
        return loader__fail(
            err, errlen, "the command line and module strings are too long (%u bytes)", info_size);

    uint64_t kernel_end = 0;
    for (int i = 0; i < plan.n; i++) {
        const struct chunk *c = &plan.chunks[i];
        if (check_range(m, "the kernel's segment", c->paddr, c->memsz, info_size, err, errlen))
            return -1;
        if (c->paddr + (uint64_t)c->memsz > kernel_end)
            kernel_end = c->paddr + (uint64_t)c->memsz;
    }

    if (place_modules(m, page_up(kernel_end), mods, nmods, info_size, mod_addrs, err, errlen))
        return -2;

    for (int i = 0; i < plan.n; i++) {
        const struct chunk *c = &plan.chunks[i];
        uint8_t *dst = phys__host(m, c->paddr, c->memsz);
        memcpy(dst, c->src, c->filesz);
        memset(dst + c->filesz, 0, c->memsz - c->filesz);
    }
    for (int i = 0; i < nmods; i++)
        if (mods[i].len)
            memcpy(phys__host(m, mod_addrs[i], (uint32_t)mods[i].len), mods[i].data, mods[i].len);

    uint32_t gdt_addr;
    uint32_t info_addr = build_info(m, cmdline, mods, nmods, mod_addrs, info_size, &gdt_addr);
    enter_state(&m->cpu, plan.entry, info_addr, gdt_addr);
    return 0;
}

int multiboot__load_image(struct machine *m, const char *name, const uint8_t *image, size_t len,
                          const char *cmdline, const struct multiboot_module *mods, int nmods,
                          char *err, size_t errlen)
{
    uint32_t *mod_addrs = calloc(nmods > 0 ? nmods : 1, sizeof(*mod_addrs));
    if (!mod_addrs)
        return loader__fail(err, errlen, "%s: out of memory", name);
    int r = load(m, image, len, cmdline, mods, nmods, mod_addrs, err, errlen);
    free(mod_addrs);
    if (r == -1)
        prefix(err, errlen, name);
    return r < 0 ? -1 : 0;
}
