/* decode_cache.h - the decoded-instruction cache and the decoder's inline
 * hit path, shared by decode.c and the dispatch loop (see decode.c for the
 * design). */
#ifndef BT86_INTERP_DECODE_CACHE_H
#define BT86_INTERP_DECODE_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "interp/internal.h"

#define MAX_INSN_LEN 15

/* How the effective address is formed: base and index registers (-1 for
 * none), scale, displacement, 16-bit wrap. The decoder fills it; the cache
 * keeps it packed into 11 bits (ea_pack) beside the displacement. */
struct ea_recipe {
    int8_t base, index;
    uint8_t scale;
    bool addr16;
    uint32_t disp;
};

/* bits 0-2 base, 3 has base, 4-6 index, 7 has index, 8-9 scale, 10 addr16 */
static inline uint32_t ea_pack(const struct ea_recipe *r)
{
    return (r->base >= 0 ? (uint32_t)r->base | 8 : 0)
         | (r->index >= 0 ? ((uint32_t)r->index | 8) << 4 : 0)
         | (uint32_t)r->scale << 8 | (uint32_t)r->addr16 << 10;
}

static inline uint32_t ea_eval(uint32_t packed, uint32_t disp, const uint32_t *gpr)
{
    uint32_t ea = disp + (gpr[packed & 7] & -((packed >> 3) & 1))
                + ((gpr[(packed >> 4) & 7] & -((packed >> 7) & 1)) << ((packed >> 8) & 3));
    return packed & 0x400 ? ea & 0xffff : ea;
}

/* Host pointer to the instruction's 15-byte window, or NULL. */
static inline const uint8_t *fetch_window(struct cpu *cpu, uint32_t start, uint32_t ip_mask)
{
    const struct seg_cache *cs = &cpu->seg[S_CS];
    uint32_t lin = cs->base + start;
    uint32_t lim = cs->limit < ip_mask ? cs->limit : ip_mask;

    if ((uint64_t)start + (MAX_INSN_LEN - 1) > lim || (lin & 0xfff) > 0x1000 - MAX_INSN_LEN)
        return NULL;
    const struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    unsigned need = cpu->cpl == 3 ? TLB_USER_R : TLB_SUP_R;
    if (e->lin_page == (lin & ~0xfffu) && (e->perm & need) && e->host)
        return e->host + (lin & 0xfff);
    return NULL;
}

#define DCACHE_SIZE 4096

/* One cache line per entry. In the cached copy of the instruction, ea
 * holds the displacement and next_eip the packed recipe (both are
 * recomputed on every use). */
struct __attribute__((aligned(64))) dcache_entry {
    uintptr_t tag;        /* dcache_tag() of the bytes' host address and
                           * the default size; 0 when empty */
    uint64_t b0, b1;      /* bytes 0-7 and 7-14, masked to the length */
    struct insn in;
};
_Static_assert(sizeof(struct dcache_entry) == 64, "a decode cache entry is one cache line");

extern struct dcache_entry decode__cache[DCACHE_SIZE];
/* Masks of the bytes of a len-byte instruction in b0 and b1. */
extern const uint64_t decode__mask0[16], decode__mask1[16];

static inline uintptr_t dcache_tag(const uint8_t *w, bool code32)
{
    return ((uintptr_t)w << 1) | code32;
}

static inline struct dcache_entry *dcache_slot(const uint8_t *w)
{
    uintptr_t a = (uintptr_t)w;
    return &decode__cache[(a ^ (a >> 12)) & (DCACHE_SIZE - 1)];
}

static inline bool dcache_match(const struct dcache_entry *e, const uint8_t *w, bool code32)
{
    uint64_t x0, x1;
    if (e->tag != dcache_tag(w, code32))
        return false;
    memcpy(&x0, w, 8);
    memcpy(&x1, w + 7, 8);
    unsigned len = e->in.len;
    return (((x0 ^ e->b0) & decode__mask0[len]) | ((x1 ^ e->b1) & decode__mask1[len])) == 0;
}

/* Everything but a cache hit: fill the cache from the window, or decode
 * byte by byte (decode.c). */
void decode__miss(struct cpu *cpu, struct insn *in, const uint8_t *w, bool code32);

/* A decoded instruction into in, with its effective address evaluated. */
static inline void insn_from_cache(struct cpu *cpu, struct insn *in,
                                   const struct dcache_entry *e, uint32_t ip_mask)
{
    *in = e->in;
    if (in->is_mem)
        in->ea = ea_eval(e->in.next_eip, e->in.ea, cpu->gpr);
    in->next_eip = (cpu->eip + in->len) & ip_mask;
}

static inline __attribute__((always_inline)) void
decode__insn_inline(struct cpu *cpu, struct insn *in)
{
    /* Default operand and address size: CS.D in protected mode, 16 bits in
     * real and V86 mode (SDM vol. 1, 3.6). */
    bool code32 = cpu__code32(cpu) && cpu__pmode(cpu) && !cpu__v86(cpu);
    uint32_t ip_mask = code32 ? 0xffffffffu : 0xffff;
    const uint8_t *w = fetch_window(cpu, cpu->eip, ip_mask);

    if (__builtin_expect(w != NULL, 1)) {
        const struct dcache_entry *e = dcache_slot(w);
        if (__builtin_expect(dcache_match(e, w, code32), 1)) {
            insn_from_cache(cpu, in, e, ip_mask);
            return;
        }
    }
    decode__miss(cpu, in, w, code32);
}

#endif
