/* decode_cache.h - the decoded-instruction caches and the decoder's inline
 * hit path, shared by decode.c and the dispatch loop: a first level by
 * linear address (exact through code_wp.c) over a second level by host
 * address (exact by comparing the bytes, see decode.c). */
#ifndef BT86_INTERP_DECODE_CACHE_H
#define BT86_INTERP_DECODE_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "interp/code_wp.h"
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
    uint32_t ea = disp + (gpr[packed & 7] & -((packed >> 3) & 1));
    if (packed & 0x80) /* most operands have no index */
        ea += gpr[(packed >> 4) & 7] << ((packed >> 8) & 3);
    return packed & 0x400 ? ea & 0xffff : ea;
}

/* Host pointer to the instruction's 15-byte window, or NULL. TLB entries
 * of MMIO pages grant no fast-path rights (mmu.c). */
static inline const uint8_t *fetch_window(struct cpu *cpu, uint32_t start, uint32_t ip_mask)
{
    const struct seg_cache *cs = &cpu->seg[S_CS];
    uint32_t lin = cs->base + start;
    uint32_t lim = cs->limit < ip_mask ? cs->limit : ip_mask;

    if ((uint64_t)start + (MAX_INSN_LEN - 1) > lim || (lin & 0xfff) > 0x1000 - MAX_INSN_LEN)
        return NULL;
    const struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    unsigned need = cpu->cpl == 3 ? TLB_USER_R : TLB_SUP_R;
    if (e->lin_page == (lin & ~0xfffu) && (e->perm & need))
        return e->host + (lin & 0xfff);
    return NULL;
}

#define DCACHE_SIZE 4096

/* One cache line per entry, found by the host address of the bytes. A
 * decoded instruction depends only on its bytes and on the default size,
 * so an entry whose first len bytes and default size match is the
 * decoding of the bytes at hand, wherever they are (self-modifying code
 * and remapped pages need no invalidation). The handler receives in
 * itself, with ea and next_eip filled for this execution. */
struct __attribute__((aligned(64))) dcache_entry {
    uint64_t b0, b1;      /* bytes 0-7 and 7-14, masked to the length */
    uint32_t disp;        /* displacement of the effective address */
    uint32_t key;         /* bits 0-10 the packed recipe (ea_pack), bits
                           * 16-23 the default size mode (dcache_mode);
                           * 0 when empty */
    struct insn in;
};
_Static_assert(sizeof(struct dcache_entry) == 64, "a decode cache entry is one cache line");

extern struct dcache_entry decode__cache[DCACHE_SIZE];
/* Masks of the bytes of a len-byte instruction in b0 and b1. */
extern const uint64_t decode__mask0[16], decode__mask1[16];

/* The default-size mode in an entry's key: never 0. */
static inline uint32_t dcache_mode(bool code32)
{
    return (1u + code32) << 16;
}

static inline struct dcache_entry *dcache_slot(const uint8_t *w)
{
    uintptr_t a = (uintptr_t)w;
    return &decode__cache[(a ^ (a >> 12)) & (DCACHE_SIZE - 1)];
}

static inline bool dcache_match(const struct dcache_entry *e, const uint8_t *w, bool code32)
{
    uint64_t x0, x1;
    if ((e->key & 0xff0000u) != dcache_mode(code32))
        return false;
    memcpy(&x0, w, 8);
    memcpy(&x1, w + 7, 8);
    unsigned len = e->in.len;
    return (((x0 ^ e->b0) & decode__mask0[len]) | ((x1 ^ e->b1) & decode__mask1[len])) == 0;
}

/* ---- first level: by linear address, kept exact by write protection
 * (code_wp.c) ------------------------------------------------------------ */

#define L1_SIZE 4096

struct __attribute__((aligned(64))) l1_entry {
    uint64_t tag;  /* l1_tag() when filled, 0 when empty */
    op_fn fn;      /* the handler: interp__handler(&in) */
    uint32_t disp; /* as in dcache_entry */
    uint32_t key;
    struct insn in;
};
_Static_assert(sizeof(struct l1_entry) == 64, "a first-level entry is one cache line");

extern struct l1_entry decode__l1[L1_SIZE];

/* What the fetch depends on besides EIP: the default size (CS.D in
 * protected mode, 16 bits in real and V86 mode: SDM vol. 1, 3.6) and user
 * or supervisor. The dispatch loop keeps it in decode__mode and refreshes
 * it wherever it may change: on entry, around careful steps, and after the
 * handlers that load CS, CR0 or EFLAGS.VM (dispatch.c). */
struct fetch_mode {
    uint32_t bits;    /* bit 0 CPL 3, bit 1 32-bit default size */
    uint32_t ip_mask; /* 0xffff or 0xffffffff */
    uint32_t lim;     /* the last offset an instruction may use: the CS
                       * limit, at most ip_mask (it changes with CS) */
    bool check_lim;   /* lim must be compared (see fetch_mode__of) */
};
extern struct fetch_mode decode__mode;

/* Cached instructions never start in the last 14 bytes of a page (their
 * 15-byte window must fit it, fetch_window), so with a page-aligned CS base
 * and a 4 GiB limit no cached instruction can pass the limit: a flat code
 * segment skips the compare. */
static inline struct fetch_mode fetch_mode__of(const struct cpu *cpu)
{
    bool code32 = cpu__code32(cpu) && cpu__pmode(cpu) && !cpu__v86(cpu);
    uint32_t ip_mask = code32 ? 0xffffffffu : 0xffff;
    const struct seg_cache *cs = &cpu->seg[S_CS];
    uint32_t lim = cs->limit < ip_mask ? cs->limit : ip_mask;
    return (struct fetch_mode){ (uint32_t)code32 << 1 | (cpu->cpl == 3), ip_mask, lim,
                                lim != 0xffffffffu || (cs->base & 0xfff) };
}

static inline void decode__mode_refresh(const struct cpu *cpu)
{
    decode__mode = fetch_mode__of(cpu);
}

/* Bit 2 of a tag's generation: fetched through a global translation. */
#define L1_GLOBAL 4u

/* Linear EIP, fetch mode bits, generation: the one of the entries of
 * global pages or the other's (code_wp.c). */
static inline uint64_t l1_tag(uint32_t lin, uint32_t mode_bits, bool global)
{
    uint32_t gen = global ? code_wp__l1_global | L1_GLOBAL : code_wp__l1_gen;
    return (uint64_t)(gen | mode_bits) << 32 | lin;
}

static inline struct l1_entry *l1_slot(uint32_t lin)
{
    return &decode__l1[(lin ^ (lin >> 12)) & (L1_SIZE - 1)];
}

/* Everything but a first-level hit: the second level (filled from the
 * window when it misses), then the first level is filled; or a decode
 * byte by byte into *scratch (decode.c). Returns the decoded instruction. */
struct insn *decode__miss(struct cpu *cpu, struct insn *scratch, bool code32);

/* The cached instruction, with its effective address evaluated with the
 * current registers and its next EIP. */
static inline struct insn *insn_from_cache(struct cpu *cpu, struct insn *in, uint32_t key,
                                           uint32_t disp, uint32_t ip_mask)
{
    if (in->is_mem)
        in->ea = ea_eval(key, disp, cpu->gpr);
    in->next_eip = (cpu->eip + in->len) & ip_mask;
    return in;
}

/* The handler of a decoded instruction: the opcode's, or the one
 * registered for its 32-bit operand size (dispatch.c). */
op_fn interp__handler(const struct insn *in);

/* The instruction at CS:EIP, decoded with decode__mode (which must be
 * current), and its handler in *fn: a decode cache entry's, or *scratch
 * when it is not cacheable. Valid until the next decode. */
static inline __attribute__((always_inline)) struct insn *
decode__insn_inline(struct cpu *cpu, struct insn *scratch, op_fn *fn)
{
    uint32_t eip = cpu->eip;
    uint32_t lin = cpu->seg[S_CS].base + eip;
    struct l1_entry *e = l1_slot(lin);
    struct insn *in = &e->in;

    /* The instruction must still lie within CS's limit (a reload of CS
     * with the same base may have changed it). */
    if (__builtin_expect(e->tag == l1_tag(lin, decode__mode.bits, false)
                         || e->tag == l1_tag(lin, decode__mode.bits, true), 1)
        && __builtin_expect(!decode__mode.check_lim
                            || (uint64_t)eip + in->len - 1 <= decode__mode.lim, 1)) {
        uint32_t next = (eip + in->len) & decode__mode.ip_mask;
        *fn = e->fn;
        if (in->is_mem)
            in->ea = ea_eval(e->key, e->disp, cpu->gpr);
        in->next_eip = next;
        return in;
    }
    in = decode__miss(cpu, scratch, decode__mode.bits >> 1);
    *fn = interp__handler(in);
    return in;
}

#endif
