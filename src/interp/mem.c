/* mem.c - guest memory accesses: segment limit/type checks, alignment
 * checks, then the TLB (mmu.c) and RAM or MMIO. The hit path of every
 * access is inline (mem_fast.h): a segment attribute test, a limit
 * compare, a TLB tag compare and a host load or store. */
#include "interp/internal.h"

#include <assert.h>

#include "core/machine.h"
#include "interp/code_wp.h"

/* ---- segment checks ---------------------------------------------------- */

/* A segment as an access sees it: the cache, the exception its violations
 * raise (#GP(0), or #SS(0) for SS) and the paging privilege. */
struct mem_seg {
    const struct seg_cache *c;
    int vector;
    bool user;
};

/* Limit and type checks of len bytes at off (SDM vol. 3, 5.3 and 5.4). */
static void mem__seg_check(struct cpu *cpu, const struct mem_seg *s, uint32_t off, uint32_t len, bool write)
{
    const struct seg_cache *c = s->c;
    uint32_t a = c->attr;
    uint64_t last = (uint64_t)off + len - 1;

    /* Type checks exist only in protected mode (SDM vol. 3, 5.4): a null
     * selector leaves a cache without P; writes need a writable data
     * segment, reads a data or readable code segment. Real and V86 mode
     * check the limit alone. */
    if (cpu__pmode(cpu) && !cpu__v86(cpu)) {
        if ((a & (DESC_P | DESC_S)) != (DESC_P | DESC_S))
            goto fault;
        if (write ? (a & DESC_CODE) || !(a & DESC_W) : (a & DESC_CODE) && !(a & DESC_R))
            goto fault;
    }
    /* Expand-down data: valid offsets are limit+1 up to 0xffff or
     * 0xffffffff by the B flag (SDM vol. 3, 5.3). */
    if (!(a & DESC_CODE) && (a & DESC_E)) {
        uint32_t upper = (a & DESC_DB) ? 0xffffffffu : 0xffffu;
        if (off <= c->limit || last > upper)
            goto fault;
    } else if (last > c->limit) {
        goto fault;
    }
    return;
fault:
    cpu__raise_err(cpu, s->vector, 0);
}

static inline struct mem_seg mem__seg(struct cpu *cpu, int seg)
{
    return (struct mem_seg){ &cpu->seg[seg], seg == S_SS ? EXC_SS : EXC_GP, cpu__user(cpu) };
}

/* ---- linear accesses (slow path) --------------------------------------- */

/* The part of an access that lies in one page. */
struct span {
    uint32_t phys;
    uint8_t *host; /* NULL: MMIO */
    uint32_t len;
};

/* Translate [lin, lin+len) (at most two pages) for the access; a fault on
 * the second page reports its first byte in CR2 (SDM vol. 3, 4.7). Both
 * pages are checked before any byte moves. Returns the number of spans. */
static int lin__map(struct cpu *cpu, uint32_t lin, uint32_t len, bool write, bool user, struct span sp[2])
{
    uint32_t in_page = lin & 0xfff;
    uint32_t first = 0x1000 - in_page < len ? 0x1000 - in_page : len;
    const struct tlb_entry *e = mmu__translate(cpu, lin, write, user);

    sp[0] = (struct span){ e->phys_page | in_page, e->host ? e->host + in_page : NULL, first };
    if (first == len)
        return 1;
    e = mmu__translate(cpu, lin + first, write, user);
    sp[1] = (struct span){ e->phys_page, e->host, len - first };
    return 2;
}

/* MMIO moves whole 1/2/4-byte accesses when they fit a span, else dwords
 * then bytes (devices see the access sizes the CPU would use). */
static unsigned mmio__chunk(uint32_t left)
{
    return left >= 4 ? 4 : left == 3 ? 1 : left;
}

static void span__read(struct cpu *cpu, const struct span *sp, uint8_t *dst)
{
    if (sp->host) {
        memcpy(dst, sp->host, sp->len);
        return;
    }
    interp__recheck = true; /* the device may change the interrupt line */
    for (uint32_t done = 0, n; done < sp->len; done += n) {
        n = mmio__chunk(sp->len - done);
        uint32_t v = phys__read(cpu->m, sp->phys + done, n);
        memcpy(dst + done, &v, n);
    }
}

static void span__write(struct cpu *cpu, const struct span *sp, const uint8_t *src)
{
    if (sp->host) {
        memcpy(sp->host, src, sp->len);
        code_wp__write(sp->phys, sp->len);
        return;
    }
    interp__recheck = true;
    for (uint32_t done = 0, n; done < sp->len; done += n) {
        n = mmio__chunk(sp->len - done);
        uint32_t v = 0;
        memcpy(&v, src + done, n);
        phys__write(cpu->m, sp->phys + done, v, n);
    }
}

/* Move len bytes between buf and linear lin. ac_mask is size-1 for a data
 * access subject to alignment checking (#AC after #PF: SDM vol. 3, table
 * 6-2), 0 otherwise. */
static void lin__access(struct cpu *cpu, uint32_t lin, void *buf, uint32_t len,
                        bool write, bool user, uint32_t ac_mask)
{
    struct span sp[2];
    assert(len > 0 && len <= 0x1000);
    int n = lin__map(cpu, lin, len, write, user, sp);

    if ((lin & ac_mask) && mem__ac_armed(cpu, user))
        cpu__raise_err(cpu, EXC_AC, 0);
    uint8_t *b = buf;
    for (int i = 0; i < n; b += sp[i].len, i++) {
        if (write)
            span__write(cpu, &sp[i], b);
        else
            span__read(cpu, &sp[i], b);
    }
}

/* ---- accesses through a segment ----------------------------------------- */

/* Move len bytes between buf and seg:off with every check, and report the
 * access to the data breakpoints (a trap after it: SDM vol. 3, 17.3.1.2).
 * Pages a breakpoint covers never take the inline paths (mmu.c). */
static void seg__access(struct cpu *cpu, int seg, uint32_t off, void *buf, uint32_t len,
                        bool write, uint32_t ac_mask)
{
    struct mem_seg s = mem__seg(cpu, seg);
    uint32_t lin = s.c->base + off;

    mem__seg_check(cpu, &s, off, len, write);
    lin__access(cpu, lin, buf, len, write, s.user, ac_mask);
    if (unlikely(cpu->dr[7] & 0xff))
        bp__data_access(cpu, lin, (int)len, write);
}

/* Reads the inline path refused: a misaligned one within one page that
 * no alignment check stops is a host load; anything else goes through
 * every check. */
uint32_t vmem__read_slow(struct cpu *cpu, int seg, uint32_t off, int size)
{
    const struct seg_cache *c = &cpu->seg[seg];
    if (seg__fast(c, off, size, SEG_FAST_MASK, SEG_FAST_READ)) {
        bool user = cpu__user(cpu);
        uint8_t *p = tlb__hit(cpu, c->base + off, size, tlb__perm(user, false));
        if (p && !mem__ac_armed(cpu, user))
            return host__load(p, size);
    }
    uint32_t v = 0;
    seg__access(cpu, seg, off, &v, size, false, size - 1);
    return v;
}

/* Writes the inline path refused: a misaligned one within one page, or
 * one to a page of cached code, takes a short cut that reports the write
 * to code_wp and stores it from here; anything else goes through every
 * check. */
void vmem__write_slow(struct cpu *cpu, int seg, uint32_t off, int size, uint32_t v)
{
    uint8_t *p = !(cpu->dr[7] & 0xff) ? mem__write_ptr(cpu, seg, off, size, true) : NULL;
    if (p) {
        host__store(p, size, v);
        code_wp__write((uint32_t)(p - cpu->m->ram.host), size);
        return;
    }
    seg__access(cpu, seg, off, &v, size, true, size - 1);
}

uint64_t vmem_read64(struct cpu *cpu, int seg, uint32_t off)
{
    uint64_t v = 0;
    seg__access(cpu, seg, off, &v, 8, false, 7);
    return v;
}

void vmem_write64(struct cpu *cpu, int seg, uint32_t off, uint64_t v)
{
    seg__access(cpu, seg, off, &v, 8, true, 7);
}

/* Block moves (x87 state, descriptor-table pointers, FXSAVE images):
 * segment and paging checks, no alignment check. */
void vmem_read_bytes(struct cpu *cpu, int seg, uint32_t off, void *dst, uint32_t len)
{
    if (len != 0)
        seg__access(cpu, seg, off, dst, len, false, 0);
}

void vmem_write_bytes(struct cpu *cpu, int seg, uint32_t off, const void *src, uint32_t len)
{
    if (len != 0)
        seg__access(cpu, seg, off, (void *)src, len, true, 0);
}

void vmem_check_write(struct cpu *cpu, int seg, uint32_t off, uint32_t len)
{
    struct mem_seg s = mem__seg(cpu, seg);
    struct span sp[2];
    if (len == 0)
        return;
    mem__seg_check(cpu, &s, off, len, true);
    lin__map(cpu, s.c->base + off, len, true, s.user, sp);
}

void vmem_check_align(struct cpu *cpu, int seg, uint32_t off, uint32_t align)
{
    bool user = cpu__user(cpu);
    if (((cpu->seg[seg].base + off) & (align - 1)) && mem__ac_armed(cpu, user))
        cpu__raise_err(cpu, EXC_AC, 0);
}

/* ---- implicit supervisor accesses and instruction fetch ------------------ */

uint32_t lmem_read(struct cpu *cpu, uint32_t lin, int size)
{
    uint8_t *p = tlb__hit(cpu, lin, size, TLB_SUP_R);
    uint32_t v = 0;
    if (likely(p))
        return host__load(p, size);
    lin__access(cpu, lin, &v, size, false, false, 0);
    return v;
}

void lmem_write(struct cpu *cpu, uint32_t lin, int size, uint32_t v)
{
    uint8_t *p = tlb__hit(cpu, lin, size, TLB_SUP_W);
    if (likely(p)) {
        host__store(p, size, v);
        return;
    }
    lin__access(cpu, lin, &v, size, true, false, 0);
}

uint32_t code_fetch(struct cpu *cpu, uint32_t off, int size)
{
    const struct seg_cache *cs = &cpu->seg[S_CS];
    uint32_t lin = cs->base + off;
    uint32_t v = 0;

    /* Code segments are expand-up; fetching past the limit is #GP(0). */
    if (unlikely((uint64_t)off + size - 1 > cs->limit))
        cpu__raise_err(cpu, EXC_GP, 0);
    bool user = cpu__user(cpu);
    uint8_t *p = tlb__hit(cpu, lin, size, tlb__perm(user, false));
    if (likely(p))
        return host__load(p, size);
    lin__access(cpu, lin, &v, size, false, user, 0);
    return v;
}
