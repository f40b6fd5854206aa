/* mem_fast.h - the inline hit path of guest memory accesses (every
 * interpreter file gets it through internal.h) and the page walk (mmu.c)
 * the slow paths fall back to. */
#ifndef BT86_INTERP_MEM_FAST_H
#define BT86_INTERP_MEM_FAST_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/cpu.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Page-fault error code bits (SDM vol. 3, 4.7). */
#define PF_P    0x1u /* 0: not present, 1: protection violation */
#define PF_W    0x2u /* the access was a write */
#define PF_U    0x4u /* the access was a user-mode access */
#define PF_RSVD 0x8u /* a reserved bit was set in a paging entry */

/* The permission bit an access needs: TLB_SUP_R/W or TLB_USER_R/W. */
static inline unsigned tlb__perm(bool user, bool write)
{
    return (TLB_SUP_R << (user ? 2 : 0)) << write;
}

static inline bool cpu__user(const struct cpu *cpu) { return cpu->cpl == 3; }

/* Host pointer for size bytes at lin when the TLB already allows the access
 * and it stays within one RAM page; NULL otherwise (take the slow path).
 * An aligned access never crosses a page; MMIO entries grant no fast-path
 * rights (mmu.c). */
static inline uint8_t *tlb__hit(struct cpu *cpu, uint32_t lin, unsigned size, unsigned perm)
{
    const struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    if (likely(e->lin_page == (lin & ~0xfffu) && (e->perm & perm) &&
               (likely(!(lin & (size - 1))) || (lin & 0xfff) <= 0x1000u - size)))
        return e->host + (lin & 0xfff);
    return NULL;
}

/* Alignment checking is armed for a user-mode data access: CR0.AM and
 * EFLAGS.AC (SDM vol. 3, 6.15 "#AC"). */
static inline bool mem__ac_armed(const struct cpu *cpu, bool user)
{
    return user && (cpu->cr0 & CR0_AM) && (cpu->eflags & F_AC);
}

static inline uint32_t host__load(const uint8_t *p, int size)
{
    if (size == 4) { uint32_t v; memcpy(&v, p, 4); return v; }
    if (size == 2) { uint16_t v; memcpy(&v, p, 2); return v; }
    return *p;
}

static inline void host__store(uint8_t *p, int size, uint32_t v)
{
    if (size == 4) { memcpy(p, &v, 4); return; }
    if (size == 2) { uint16_t w = (uint16_t)v; memcpy(p, &w, 2); return; }
    *p = (uint8_t)v;
}

/* An expand-up data segment that is present: the only kind the inline path
 * checks itself (anything else goes through mem__seg_check). */
#define SEG_FAST_MASK (DESC_P | DESC_S | DESC_CODE | DESC_E)
#define SEG_FAST_READ (DESC_P | DESC_S)
#define SEG_FAST_WRITE_MASK (SEG_FAST_MASK | DESC_W)
#define SEG_FAST_WRITE (DESC_P | DESC_S | DESC_W)

/* The inline path's segment test: a present expand-up data segment with
 * off..off+size-1 inside the limit. Everything else takes the slow path,
 * which checks from scratch. */
static inline bool seg__fast(const struct seg_cache *c, uint32_t off, int size, uint32_t mask, uint32_t want)
{
    return (c->attr & mask) == want && (uint64_t)off + size - 1 <= c->limit;
}

/* The host address of a write of size bytes at seg:off when it certainly
 * succeeds (an expand-up writable data segment whose limit covers it, a
 * TLB entry that grants the write on one RAM page, no alignment check to
 * fire), else NULL. With rights, the translation's rights count instead of
 * the fast path's: the caller must then report the write to code_wp and
 * exclude data breakpoints. A TLB entry never grants a write without the
 * read. */
static inline uint8_t *mem__write_ptr(struct cpu *cpu, int seg, uint32_t off, int size, bool rights)
{
    const struct seg_cache *c = &cpu->seg[seg];
    if (!seg__fast(c, off, size, SEG_FAST_WRITE_MASK, SEG_FAST_WRITE))
        return NULL;
    uint32_t lin = c->base + off;
    bool user = cpu__user(cpu);
    const struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    if (e->lin_page != (lin & ~0xfffu) || !((rights ? e->rights : e->perm) & tlb__perm(user, true))
        || !e->host)
        return NULL;
    if ((lin & (size - 1)) && ((lin & 0xfff) > 0x1000u - size || mem__ac_armed(cpu, user)))
        return NULL;
    return e->host + (lin & 0xfff);
}

/* The out-of-line rest of vmem_read and vmem_write (mem.c): every access
 * the inline path below refuses, with every check. */
uint32_t vmem__read_slow(struct cpu *cpu, int seg, uint32_t off, int size);
void vmem__write_slow(struct cpu *cpu, int seg, uint32_t off, int size, uint32_t v);

/* Segmented access of size 1, 2 or 4: segment limit and type checks
 * (#GP(0), or #SS(0) for SS), then paging with the CPL's privilege (#PF),
 * then RAM or MMIO. Accesses that cross a page check both pages before
 * writing anything. Inline: an aligned access in a present expand-up data
 * segment whose limit covers it, through a TLB entry that grants it (so on
 * a RAM page), is a host load or store; anything else is the slow path's,
 * which does the misaligned ones within a page nearly as fast. */
static inline __attribute__((always_inline)) uint32_t
vmem_read(struct cpu *cpu, int seg, uint32_t off, int size)
{
    const struct seg_cache *c = &cpu->seg[seg];
    uint32_t lin = c->base + off;
    const struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    if (likely(seg__fast(c, off, size, SEG_FAST_MASK, SEG_FAST_READ)
               && e->lin_page == (lin & ~0xfffu) && (e->perm & tlb__perm(cpu__user(cpu), false))
               && !(lin & (size - 1))))
        return host__load(e->host + (lin & 0xfff), size);
    return vmem__read_slow(cpu, seg, off, size);
}

static inline __attribute__((always_inline)) void
vmem_write(struct cpu *cpu, int seg, uint32_t off, int size, uint32_t v)
{
    const struct seg_cache *c = &cpu->seg[seg];
    uint32_t lin = c->base + off;
    const struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    if (likely(seg__fast(c, off, size, SEG_FAST_WRITE_MASK, SEG_FAST_WRITE)
               && e->lin_page == (lin & ~0xfffu) && (e->perm & tlb__perm(cpu__user(cpu), true))
               && !(lin & (size - 1)))) {
        host__store(e->host + (lin & 0xfff), size, v);
        return;
    }
    vmem__write_slow(cpu, seg, off, size, v);
}

/* ---- mmu.c ------------------------------------------------------------ */

/* The TLB entry for the page holding lin, walking the page tables when it
 * is missing or does not grant the access (which sets A and, for writes,
 * D). Raises #PF with CR2 = lin. */
const struct tlb_entry *mmu__translate(struct cpu *cpu, uint32_t lin, bool write, bool user);

#endif
