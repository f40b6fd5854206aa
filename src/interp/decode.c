/* decode.c - IA-32 instruction decoder: prefixes, opcode maps, ModRM/SIB,
 * effective address, displacement and immediates into a struct insn, with
 * a cache of decoded instructions verified against the code bytes. */
#include <string.h>

#include "core/machine.h"
#include "interp/decode_cache.h"
#include "interp/decode_table.h"
#include "interp/internal.h"

/*
 * Code bytes come through a window. The fast path applies when the 15
 * bytes an instruction may span lie inside the CS limit and inside one page
 * that the software TLB maps to RAM readable at the CPL: the decoder then
 * reads the host copy with no per-byte checks, which is safe as long as the
 * instruction has at most FAST_PREFIXES prefixes (the longest instruction
 * without prefixes is 12 bytes). Anything else is decoded again on the slow
 * path, where each byte goes through code_fetch (limit check, paging, #PF
 * only for bytes the instruction really uses) and the 15-byte limit is
 * enforced (#GP(0), SDM vol. 2, 2.3.11).
 *
 * Fast-path results are kept in a direct-mapped cache indexed by the host
 * address of the bytes. A hit requires the same default size and the same
 * bytes (compared on every use, so self-modifying code and remapped pages
 * need no invalidation); the effective address is kept as a recipe
 * (base, index, scale, displacement) and evaluated with the current
 * registers (decode_cache.h). This second level backs the first, indexed
 * by linear address, which trusts write protection instead of comparing
 * bytes (code_wp.c): a first-level flush costs a refill from here.
 */
#define FAST_PREFIXES 3

struct fetch {
    struct cpu *cpu;
    const uint8_t *bytes; /* host bytes (fast) or buf (slow) */
    unsigned pos;         /* next byte */
    unsigned avail;       /* slow path: bytes valid in buf */
    uint32_t start;       /* EIP of the instruction */
    uint8_t buf[MAX_INSN_LEN];
};

/* Slow path: fetch byte pos through code_fetch. The offset is not
 * wrapped at 64 KiB in 16-bit code: a real-mode instruction running past
 * FFFF is a limit violation (#GP(0)), only the next IP wraps. */
static __attribute__((noinline)) void fetch_more(struct fetch *f)
{
    if (f->pos >= MAX_INSN_LEN)
        cpu__raise_err(f->cpu, EXC_GP, 0);
    f->buf[f->pos] = (uint8_t)code_fetch(f->cpu, f->start + f->pos, 1);
    f->avail = f->pos + 1;
}

#define INLINE static inline __attribute__((always_inline))

INLINE uint32_t fetch8(struct fetch *f, bool fast)
{
    if (!fast && f->pos >= f->avail)
        fetch_more(f);
    return f->bytes[f->pos++];
}

/* Little-endian value of n (1, 2 or 4) bytes. */
INLINE uint32_t fetchn(struct fetch *f, int n, bool fast)
{
    uint32_t v = 0;
    if (fast) {
        memcpy(&v, f->bytes + f->pos, n); /* the host is little-endian */
        f->pos += n;
        return v;
    }
    for (int i = 0; i < n; i++)
        v |= fetch8(f, false) << (8 * i);
    return v;
}

static inline uint32_t sext8(uint32_t v)
{
    return (uint32_t)(int32_t)(int8_t)v;
}

/* Displacement by ModRM.mod: none, disp8 (sign-extended), disp16/32. */
INLINE uint32_t fetch_disp(struct fetch *f, int mod, int size, bool fast)
{
    if (mod == 1)
        return sext8(fetch8(f, fast));
    if (mod == 2)
        return size == 4 ? fetchn(f, 4, fast) : fetchn(f, 2, fast);
    return 0;
}

/* 16-bit addressing (SDM vol. 2, table 2-1): base+index pairs for rm 0-7,
 * BP-based forms default to SS. */
INLINE void decode_ea16(struct fetch *f, struct insn *in, struct ea_recipe *r, bool fast)
{
    static const int8_t base[8] = { R_EBX, R_EBX, R_EBP, R_EBP, -1, -1, R_EBP, R_EBX };
    static const int8_t index[8] = { R_ESI, R_EDI, R_ESI, R_EDI, R_ESI, R_EDI, -1, -1 };

    r->addr16 = true;
    if (in->mod == 0 && in->rm == 6) {
        r->disp = fetchn(f, 2, fast);
        return;
    }
    r->base = base[in->rm];
    r->index = index[in->rm];
    r->disp = fetch_disp(f, in->mod, 2, fast);
    if (base[in->rm] == R_EBP && !in->seg_override)
        in->seg = S_SS;
}

/* 32-bit addressing (SDM vol. 2, tables 2-2 and 2-3): SIB when rm = 4,
 * disp32 alone for mod 0 rm 5 (and SIB base 5 with mod 0); ESP and EBP
 * bases default to SS. */
INLINE void decode_ea32(struct fetch *f, struct insn *in, struct ea_recipe *r, bool fast)
{
    int b = in->rm;

    if (b == 4) {
        uint32_t sib = fetch8(f, fast);
        int idx = (sib >> 3) & 7;
        b = sib & 7;
        if (idx != 4) {
            r->index = (int8_t)idx;
            r->scale = (uint8_t)(sib >> 6);
        }
    }
    if (b == 5 && in->mod == 0) {
        r->disp = fetchn(f, 4, fast);
        return;
    }
    r->base = (int8_t)b;
    r->disp = fetch_disp(f, in->mod, 4, fast);
    if ((b == R_ESP || b == R_EBP) && !in->seg_override)
        in->seg = S_SS;
    in->esp_base = b == R_ESP;
}

INLINE void decode_imm(struct fetch *f, struct insn *in, struct ea_recipe *r,
                       unsigned kind, bool fast)
{
    switch (kind) {
    case IMM_B:
        in->imm = fetch8(f, fast);
        break;
    case IMM_W:
        in->imm = fetchn(f, 2, fast);
        break;
    case IMM_Z:
        in->imm = in->opsize == 4 ? fetchn(f, 4, fast) : fetchn(f, 2, fast);
        break;
    case IMM_AP:
        in->imm = in->opsize == 4 ? fetchn(f, 4, fast) : fetchn(f, 2, fast);
        in->imm2 = fetchn(f, 2, fast);
        break;
    case IMM_MOFFS:
        r->disp = in->addrsize == 4 ? fetchn(f, 4, fast) : fetchn(f, 2, fast);
        in->is_mem = true;
        break;
    case IMM_WB:
        in->imm = fetchn(f, 2, fast);
        in->imm2 = fetch8(f, fast);
        break;
    case IMM_GRP3:
        if (in->reg < 2)
            in->imm = in->op == 0xf6 ? fetch8(f, fast)
                    : in->opsize == 4 ? fetchn(f, 4, fast) : fetchn(f, 2, fast);
        break;
    }
}

/* The decoder proper, instantiated for the fast and the slow path. Fills
 * in (all but ea) and r. Returns false (fast path only) when the
 * instruction has too many prefixes for the unchecked window. */
INLINE bool decode_body(struct cpu *cpu, struct insn *in, struct ea_recipe *r,
                        struct fetch *f, int size, bool fast)
{
    in->opsize = in->addrsize = size;
    in->seg = S_DS;
    in->seg_override = false;
    in->rep = 0;
    in->lock = false;
    in->opsize_prefix = false;
    in->is_mem = false;
    in->esp_base = false;
    in->imm = in->imm2 = 0;
    *r = (struct ea_recipe){ .base = -1, .index = -1 };

    uint32_t b = fetch8(f, fast);
    while (__builtin_expect(decode__prefix_kind[b] != 0, 0)) {
        if (fast && f->pos > FAST_PREFIXES)
            return false;
        switch (decode__prefix_kind[b]) {
        case P_OPSIZE:
            in->opsize = 6 - size;
            in->opsize_prefix = true;
            break;
        case P_ADDRSIZE:
            in->addrsize = 6 - size;
            break;
        case P_LOCK:
            in->lock = true;
            break;
        case P_REP:
            in->rep = (uint8_t)b;
            break;
        default: /* the last segment prefix wins */
            in->seg = decode__prefix_kind[b] - P_SEG;
            in->seg_override = true;
            break;
        }
        b = fetch8(f, fast);
    }
    if (b == 0x0f)
        b = OP_0F + fetch8(f, fast);
    in->op = (uint16_t)b;

    unsigned attr = decode__op_attr[b];
    in->has_modrm = (attr & A_MODRM) != 0;
    if (in->has_modrm) {
        uint32_t modrm = fetch8(f, fast);
        in->modrm = (uint8_t)modrm;
        in->mod = modrm >> 6;
        in->reg = (modrm >> 3) & 7;
        in->rm = modrm & 7;
        if (attr & A_REGONLY)
            in->mod = 3;
        if (in->mod != 3) {
            in->is_mem = true;
            if (in->addrsize == 4)
                decode_ea32(f, in, r, fast);
            else
                decode_ea16(f, in, r, fast);
        }
    }
    if (attr & A_IMM)
        decode_imm(f, in, r, attr & A_IMM, fast);

    /* LOCK is #UD unless the instruction is lockable and its destination
     * is memory (SDM vol. 2, LOCK). */
    if (__builtin_expect(in->lock, 0)
        && (!in->has_modrm || !in->is_mem || !((attr >> 8) & (1u << in->reg))))
        cpu__raise(cpu, EXC_UD);

    in->len = (uint8_t)f->pos;
    return true;
}

/* ---- the decoded-instruction cache --------------------------------- */

struct dcache_entry decode__cache[DCACHE_SIZE];

#define MASKS(b) ((b) >= 8 ? ~0ull : (1ull << (8 * (b))) - 1)
const uint64_t decode__mask0[16] = {
    MASKS(0), MASKS(1), MASKS(2), MASKS(3), MASKS(4), MASKS(5), MASKS(6), MASKS(7),
    MASKS(8), MASKS(8), MASKS(8), MASKS(8), MASKS(8), MASKS(8), MASKS(8), MASKS(8),
};
/* b1 holds bytes 7-14: byte 7 is covered by b0 already. */
const uint64_t decode__mask1[16] = {
    0, 0, 0, 0, 0, 0, 0, 0,
    MASKS(1), MASKS(2), MASKS(3), MASKS(4), MASKS(5), MASKS(6), MASKS(7), MASKS(8),
};

/* Second-level miss: decode from the window and remember the result.
 * Returns NULL when the instruction needs the slow path. */
static struct dcache_entry *dcache_fill(struct cpu *cpu, const uint8_t *w, bool code32)
{
    struct dcache_entry *e = dcache_slot(w);
    struct fetch f = { .cpu = cpu, .bytes = w, .start = cpu->eip };
    struct insn in;
    struct ea_recipe r;
    if (!decode_body(cpu, &in, &r, &f, code32 ? 4 : 2, true))
        return NULL;
    memcpy(&e->b0, w, 8);
    memcpy(&e->b1, w + 7, 8);
    e->b0 &= decode__mask0[in.len];
    e->b1 &= decode__mask1[in.len];
    e->disp = r.disp;
    e->key = ea_pack(&r) | dcache_mode(code32);
    e->in = in;
    return e;
}

/* ---- entry point ---------------------------------------------------- */

struct l1_entry decode__l1[L1_SIZE];
struct fetch_mode decode__mode;

/* The second level, checked against the bytes, then (with fill_l1) the
 * first level filled; or a decode byte by byte into *scratch. */
static struct insn *decode__l2(struct cpu *cpu, struct insn *scratch, bool code32, bool fill_l1)
{
    uint32_t ip_mask = code32 ? 0xffffffffu : 0xffff;
    const uint8_t *w = fetch_window(cpu, cpu->eip, ip_mask);
    struct dcache_entry *d = NULL;
    if (w) {
        d = dcache_slot(w);
        if (!dcache_match(d, w, code32))
            d = dcache_fill(cpu, w, code32);
    }
    if (d) {
        uint32_t lin = cpu->seg[S_CS].base + cpu->eip;
        if (!fill_l1 || !code_wp__mark(cpu, (uint32_t)(w - cpu->m->ram.host), d->in.len))
            return insn_from_cache(cpu, &d->in, d->key, d->disp, ip_mask);
        /* The TLB entry the window was fetched through (fetch_window). */
        uint8_t t = cpu->tlb[(lin >> 12) & (TLB_SIZE - 1)].global;
        struct l1_entry *e = l1_slot(lin);
        e->tag = l1_tag(lin, decode__mode.bits, t & TLB_GLOBAL);
        code_wp__note_l1(lin, t & TLB_LARGE);
        e->fn = interp__handler(&d->in);
        e->disp = d->disp;
        e->key = d->key;
        e->in = d->in;
        return insn_from_cache(cpu, &e->in, e->key, e->disp, ip_mask);
    }
    struct fetch f = { .cpu = cpu, .start = cpu->eip };
    struct ea_recipe r;
    f.bytes = f.buf;
    decode_body(cpu, scratch, &r, &f, code32 ? 4 : 2, false);
    scratch->ea = ea_eval(ea_pack(&r), r.disp, cpu->gpr);
    scratch->next_eip = (f.start + scratch->len) & ip_mask;
    return scratch;
}

struct insn *decode__miss(struct cpu *cpu, struct insn *scratch, bool code32)
{
    return decode__l2(cpu, scratch, code32, true);
}

/* Outside the engine loop (-d in_asm, tests) RAM may have changed behind
 * code_wp's back: only the second level, which checks the bytes, serves. */
void decode__insn(struct cpu *cpu, struct insn *in)
{
    *in = *decode__l2(cpu, in, fetch_mode__of(cpu).bits >> 1, false);
}
