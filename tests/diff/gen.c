/* gen.c - the random instance generator: prefixes, ModRM/SIB, operands
 * chosen so that every memory access lands in the data area. */
#include "difftest.h"

#include <string.h>

uint64_t rng__next(struct rng *r)
{
    /* xorshift64*: fast, and reproducible from --seed. */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545f4914f6cdd1dull;
}

/* A register or immediate value, biased towards the edge cases where
 * flag logic goes wrong. */
uint32_t gen__value(struct rng *r)
{
    static const uint32_t edge[] = {
        0, 1, 2, 0xffffffffu, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
        0x7fffffffu, 0x80000000u, 0x80000001u, 0xfffffffeu, 0x0f, 0x10, 0x1f, 0x20, 0x21,
        0xffffff80u, 0xffff8000u, 0x99, 0x09, 0x0a, 0xf9, 0x55555555u, 0xaaaaaaaau,
    };
    switch (rng__below(r, 10)) {
    case 0: case 1:
        return edge[rng__below(r, sizeof(edge) / sizeof(edge[0]))];
    case 2:
        return (uint32_t)(int32_t)(rng__below(r, 65) - 32);
    case 3: /* a random value with random byte lanes forced to 00/ff */
        return rng__u32(r) & (rng__u32(r) | 0x00ff00ffu);
    default:
        return rng__u32(r);
    }
}

/* A random address in [DATA_BASE+lo, DATA_BASE+hi). */
static uint32_t data_addr(struct rng *r, uint32_t lo, uint32_t hi)
{
    return DATA_BASE + lo + rng__below(r, hi - lo);
}

/* Is t a branch target the host can stop at cleanly? Not inside the
 * instruction itself, nor in the host's prologue page. */
static bool target_ok(uint32_t t, int len)
{
    return !(t >= INSN_ADDR && t < INSN_ADDR + (uint32_t)len) &&
           !(t >= STUB_BASE && t < STUB_BASE + 0x1000);
}

/* A target for indirect branches and returns. */
static uint32_t gen__target(struct rng *r, int opsize)
{
    uint32_t t;
    switch (rng__below(r, 4)) {
    case 0: case 1: t = CODE_BASE + rng__below(r, CODE_SIZE); break;
    case 2: t = data_addr(r, 0, DATA_SIZE); break;
    default: t = rng__u32(r); break;
    }
    if (opsize == 2)
        t &= 0xffff;
    return t;
}

/* Segment base as the host and the interpreter both see it. */
static uint32_t seg_base(int seg)
{
    return seg == S_GS ? layout.gs_base : 0;
}

/* The instruction being assembled. */
struct build {
    const struct spec *s;
    struct instance *in;
    uint8_t *p;
    int seg;            /* override or S_NONE */
    bool lock, rep, o16, a16;
    int opsize;         /* 1, 2 or 4 */
    int mod, reg, rm;   /* -1 when no ModRM */
    uint8_t *disp_at;   /* where the displacement was written */
    int disp_size;
    uint32_t ea;        /* effective address (masked to the address size) */
    uint32_t lin;       /* its linear address */
    int base, index;    /* address registers (-1 = none) */
};

static void put(struct build *b, uint32_t v, int n)
{
    memcpy(b->p, &v, n);
    b->p += n;
}

/* Pick the prefixes; FS only where there is no memory operand. */
static void gen__prefixes(struct rng *r, struct build *b, bool mem)
{
    static const int segs[] = { S_ES, S_CS, S_SS, S_DS, S_GS, S_FS };
    static const uint8_t seg_byte[S_COUNT] = {
        [S_ES] = 0x26, [S_CS] = 0x2e, [S_SS] = 0x36, [S_DS] = 0x3e, [S_FS] = 0x64, [S_GS] = 0x65,
    };
    uint8_t pre[4];
    int n = 0;

    /* Effective sizes: in a 16-bit code segment 0x66/0x67 select 32 bits. */
    bool code16 = b->in->code16;
    b->o16 = (b->s->kind & K_NO66) ? code16 : (rng__below(r, 4) == 0) != code16;
    b->a16 = (rng__below(r, 7) == 0) != code16;
    b->seg = S_NONE;
    if (rng__below(r, 4) == 0)
        b->seg = segs[rng__below(r, mem ? 5 : 6)];
    /* F2/F3 only on string instructions: elsewhere the SDM (vol. 2, 2.1.1)
     * calls them reserved, and on this host they even replace the
     * condition of LOOPE/LOOPNE with that of REPE/REPNE. */
    if (b->s->kind & K_STRING)
        b->rep = rng__below(r, 5) < 3;

    if (b->o16 != code16) pre[n++] = 0x66;
    if (b->a16 != code16) pre[n++] = 0x67;
    if (b->seg != S_NONE) pre[n++] = seg_byte[b->seg];
    if (b->lock) pre[n++] = 0xf0;
    if (b->rep) pre[n++] = rng__below(r, 4) ? 0xf3 : 0xf2;
    for (int i = n - 1; i > 0; i--) { /* random order */
        int j = (int)rng__below(r, (uint32_t)i + 1);
        uint8_t t = pre[i]; pre[i] = pre[j]; pre[j] = t;
    }
    memcpy(b->p, pre, n);
    b->p += n;
}

static void put_opcode(struct build *b)
{
    if (b->s->op >= 0x100)
        *b->p++ = 0x0f;
    *b->p++ = (uint8_t)b->s->op;
}

/* 16-bit ModRM: base/index registers of each r/m (-1 = none). */
static const int rm16_regs[8][2] = {
    { R_EBX, R_ESI }, { R_EBX, R_EDI }, { R_EBP, R_ESI }, { R_EBP, R_EDI },
    { R_ESI, -1 }, { R_EDI, -1 }, { R_EBP, -1 }, { R_EBX, -1 },
};

/* Emit ModRM (+SIB, displacement) and set registers so that the effective
 * address, seen through its segment, lands at a random place of the data
 * area [lo, hi). Returns false when the random form cannot be solved. */
static bool gen__modrm_mem(struct rng *r, struct build *b, uint32_t lo, uint32_t hi)
{
    uint32_t *g = b->in->gpr;
    int base = -1, index = -1, scale = 0;
    int mod = (int)rng__below(r, 3), rm = (int)rng__below(r, 8);
    uint8_t *modrm_at = b->p++;

    if (b->a16) {
        bool direct = mod == 0 && rm == 6;
        b->disp_size = direct ? 2 : mod == 1 ? 1 : mod == 2 ? 2 : 0;
        if (!direct) { base = rm16_regs[rm][0]; index = rm16_regs[rm][1]; }
    } else {
        b->disp_size = mod == 1 ? 1 : mod == 2 ? 4 : 0;
        if (rm == 4) {
            int sbase = (int)rng__below(r, 8);
            index = (int)rng__below(r, 8);
            scale = (int)rng__below(r, 4);
            *b->p++ = (uint8_t)(scale << 6 | index << 3 | sbase);
            if (index == R_ESP) index = -1;
            if (mod == 0 && sbase == 5) b->disp_size = 4;
            else base = sbase;
        } else if (mod == 0 && rm == 5) {
            b->disp_size = 4;
        } else {
            base = rm;
        }
    }
    *modrm_at = (uint8_t)(mod << 6 | b->reg << 3 | rm);
    b->base = base;
    b->index = index;
    b->mod = mod;
    b->rm = rm;

    int seg = b->seg != S_NONE ? b->seg :
              (base == R_EBP || base == R_ESP) ? S_SS : S_DS;
    if (seg == S_GS && layout.gs_limit == DATA_SIZE - 1 && rng__below(r, 4) == 0) {
        /* straddle or pass the GS limit */
        lo = DATA_SIZE - 12;
        hi = DATA_SIZE + 4;
    }
    uint32_t want = data_addr(r, lo, hi) - seg_base(seg);
    uint32_t disp = b->disp_size == 0 ? 0 :
                    b->disp_size == 1 ? (uint32_t)(int32_t)(int8_t)rng__u32(r) :
                    b->disp_size == 2 ? (rng__u32(r) & 0xffff) : gen__value(r);
    uint32_t mask = b->a16 ? 0xffff : 0xffffffffu;
    if (b->a16 && b->disp_size == 2 && mod == 2)
        disp = (uint32_t)(int32_t)(int16_t)disp;

    if (base >= 0 && base != index) {
        uint32_t rest = disp + (index >= 0 ? g[index] << scale : 0);
        uint32_t v = want - rest;
        g[base] = b->a16 ? (g[base] & 0xffff0000u) | (v & 0xffff) : v;
    } else if (base < 0) {
        disp = want - (index >= 0 ? g[index] << scale : 0);
    } else { /* base == index: base * (1 + 2^scale) + disp */
        uint32_t k = 1u + (1u << scale);
        g[base] = (want - disp) / k;
        if (b->disp_size == 4)
            disp = want - g[base] * k;
    }
    b->disp_at = b->p;
    put(b, disp, b->disp_size);

    uint32_t ea = disp;
    if (base >= 0) ea += g[base];
    if (index >= 0) ea += g[index] << scale;
    b->ea = ea & mask;
    b->lin = b->ea + seg_base(seg);
    return b->lin >= DATA_BASE + lo - 16 && b->lin < DATA_BASE + hi + 16;
}

/* Fix up the role registers the instruction uses implicitly. */
static void gen__implicit(struct rng *r, struct build *b)
{
    struct instance *in = b->in;
    uint32_t *g = in->gpr;
    uint32_t k = b->s->kind;

    g[R_ESP] = data_addr(r, 0x600, 0x1a00);
    if (rng__below(r, 10) != 0)
        g[R_ESP] &= ~3u;
    if (k & K_EBP)
        g[R_EBP] = data_addr(r, 0x600, 0x1a00) & ~(rng__below(r, 4) ? 3u : 0u);
    if (k & K_STRING) {
        int sseg = b->seg != S_NONE ? b->seg : S_DS;
        /* With 0x67 the upper halves of ESI/EDI must not matter; but this
         * Zen host's REP MOVS with overlapping operands gives a
         * non-sequential result when they are non-zero (measured: 67 F3 A5,
         * ESI=691d8ba8 EDI=691d8bae ECX=3), so MOVS keeps them zero. */
        bool movs = b->s->op == 0xa4 || b->s->op == 0xa5;
        uint32_t hi = b->a16 && !movs ? rng__u32(r) & 0xffff0000u : 0;
        g[R_ESI] = hi | (data_addr(r, 0x200, 0x1e00) - seg_base(sseg));
        g[R_EDI] = hi | data_addr(r, 0x200, 0x1e00);
        if (b->rep) {
            uint32_t n = rng__below(r, 4) == 0 ? 0 : rng__below(r, 17);
            g[R_ECX] = b->a16 ? (rng__u32(r) & 0xffff0000u) | n : n;
        }
    }
    if (k & K_XLAT) {
        int sseg = b->seg != S_NONE ? b->seg : S_DS;
        uint32_t t = data_addr(r, 0x200, 0x1e00) - seg_base(sseg) - (g[R_EAX] & 0xff);
        g[R_EBX] = b->a16 ? (g[R_EBX] & 0xffff0000u) | (t & 0xffff) : t;
    }
    if ((k & K_DIV) && rng__below(r, 4) != 0) {
        /* Mostly quotients that fit, so results are compared, not just #DE. */
        g[R_EDX] = rng__below(r, 2) ? 0 : 0xffffffffu;
        if (b->opsize == 1)
            g[R_EAX] &= 0x00ff | (rng__below(r, 2) ? 0 : 0xff00);
    }
}

/* Write a branch target where a return or indirect branch will read it. */
static void gen__indirect(struct rng *r, struct build *b, int len)
{
    struct instance *in = b->in;
    int osz = b->o16 ? 2 : 4;
    uint32_t t;
    do {
        t = gen__target(r, osz);
    } while (!target_ok(t, len));
    if (b->s->kind & K_RET) {
        memcpy(in->data + (in->gpr[R_ESP] - DATA_BASE), &t, osz);
    } else if (b->mod == 3) {
        if (b->rm != R_ESP)
            in->gpr[b->rm] = b->o16 ? (in->gpr[b->rm] & 0xffff0000u) | t : t;
    } else if (b->lin >= DATA_BASE && b->lin + osz <= DATA_BASE + DATA_SIZE) {
        memcpy(in->data + (b->lin - DATA_BASE), &t, osz);
    }
}

/* BOUND: a signed bounds pair around the index register half the time,
 * so that the instruction retires as often as it raises #BR. */
static void gen__bounds(struct rng *r, struct build *b)
{
    int osz = b->o16 ? 2 : 4;
    int32_t idx = b->o16 ? (int16_t)b->in->gpr[b->reg] : (int32_t)b->in->gpr[b->reg];
    int32_t lo = idx - (int32_t)rng__below(r, 3), hi = idx + (int32_t)rng__below(r, 3);
    if (b->lin < DATA_BASE || b->lin + 2 * osz > DATA_BASE + DATA_SIZE)
        return;
    memcpy(b->in->data + (b->lin - DATA_BASE), &lo, osz);
    memcpy(b->in->data + (b->lin - DATA_BASE) + osz, &hi, osz);
}

/* The immediate or displacement that follows ModRM. */
static void gen__tail(struct rng *r, struct build *b, uint8_t **rel_at, int *rel_size)
{
    *rel_at = NULL;
    switch (b->s->shape) {
    case SH_IMM8: case SH_MODRM_IMM8: case SH_MODRM_IMM8_REG:
        b->in->count = gen__value(r) & 0xff;
        put(b, b->in->count, 1);
        break;
    case SH_IMMV: case SH_MODRM_IMMV:
        put(b, gen__value(r), b->opsize);
        break;
    case SH_IMM16:
        put(b, rng__below(r, 3) ? rng__below(r, 32) * 2 : rng__u32(r), 2);
        break;
    case SH_ENTER:
        /* Frame sizes that keep the new ESP in the data area: the CPU
         * probes it with a write. */
        put(b, rng__below(r, 2) ? rng__below(r, 64) : rng__below(r, 0x400), 2);
        put(b, rng__below(r, 2) ? rng__below(r, 4) : rng__u32(r), 1);
        break;
    case SH_REL8:
        *rel_at = b->p; *rel_size = 1;
        put(b, rng__u32(r), 1);
        break;
    case SH_RELV:
        *rel_at = b->p; *rel_size = b->o16 ? 2 : 4;
        put(b, rng__below(r, 2) ? (uint32_t)(int32_t)(rng__below(r, 0x1000) - 0x800) : rng__u32(r),
            *rel_size);
        break;
    default:
        break;
    }
}

/* The operand size the instruction works at. */
static int gen__opsize(const struct build *b)
{
    if (b->s->kind & K_BYTEOP) return 1;
    return b->o16 ? 2 : 4;
}

static bool gen__try(struct rng *r, int spec, struct instance *in)
{
    const struct spec *s = &spec_table[spec];
    struct build b = { .s = s, .in = in, .p = in->code, .mod = -1, .reg = -1, .rm = -1 };
    bool reg_only = s->shape == SH_MODRM_REG || s->shape == SH_MODRM_IMM8_REG;
    bool has_modrm = reg_only || s->shape == SH_MODRM || s->shape == SH_MODRM_MEM ||
                     s->shape == SH_MODRM_IMM8 || s->shape == SH_MODRM_IMMV;
    bool mem = false;

    if (has_modrm)
        mem = s->shape == SH_MODRM_MEM || (!reg_only && rng__below(r, 5) < 3);
    if (s->kind & K_MMX)
        mem = has_modrm && !reg_only && rng__below(r, 2);
    if (s->kind & K_FPU) { /* x87: whichever of the forms of this /reg exist */
        bool can_mem = gen__x87_mem_ok(s->op, s->reg);
        bool can_reg = gen__x87_reg_modrm(r, s->op, s->reg) >= 0;
        mem = can_mem && (!can_reg || rng__below(r, 2));
    }
    in->code16 = layout.code16_sel && rng__below(r, 4) == 0;
    b.lock = (s->kind & K_LOCKABLE) ? (mem && rng__below(r, 6) == 0) :
             !(s->kind & K_NOLOCK) && rng__below(r, 300) == 0;
    gen__prefixes(r, &b, mem || s->shape == SH_MOFFS || (s->kind & (K_STRING | K_XLAT)));
    put_opcode(&b);

    in->spec = spec;
    for (int i = 0; i < 8; i++)
        in->gpr[i] = gen__value(r);
    b.opsize = in->opsize = (uint8_t)gen__opsize(&b);
    in->addrsize = b.a16 ? 2 : 4;
    in->rep = b.rep && (s->kind & K_STRING);
    gen__implicit(r, &b);

    if (has_modrm) {
        b.reg = (s->kind & K_GROUP) ? s->reg : (int)rng__below(r, 8);
        if (mem) {
            bool bitoff = (s->kind & K_BITOFF) != 0;
            uint32_t lo = bitoff ? 0x900 : 0x100, hi = bitoff ? 0x1700 : DATA_SIZE - 0x100;
            if (bitoff) { /* a bit offset within +-256 bytes */
                uint32_t off = (uint32_t)((int32_t)rng__below(r, 4096) - 2048);
                in->gpr[b.reg] = b.opsize == 2 ? (in->gpr[b.reg] & 0xffff0000u) | (off & 0xffff) : off;
            }
            if (!gen__modrm_mem(r, &b, lo, hi))
                return false;
            if (bitoff && (b.base == b.reg || b.index == b.reg))
                return false; /* the bit offset register doubles as an address register */
            if ((s->kind & K_STACK) && (in->gpr[R_ESP] < DATA_BASE + 0x200 ||
                                        in->gpr[R_ESP] > DATA_BASE + DATA_SIZE - 0x200))
                return false; /* ESP was the base register and left the data area */
        } else {
            b.mod = 3;
            b.rm = (int)rng__below(r, 8);
            if (s->kind & K_FPU)
                b.rm = gen__x87_reg_modrm(r, s->op, b.reg) & 7;
            *b.p++ = (uint8_t)(0xc0 | b.reg << 3 | b.rm);
        }
        in->modrm = (uint8_t)(b.mod << 6 | b.reg << 3 | b.rm);
    } else if (s->shape == SH_MOFFS) {
        int seg = b.seg != S_NONE ? b.seg : S_DS;
        put(&b, data_addr(r, 0x100, DATA_SIZE - 0x100) - seg_base(seg), b.a16 ? 2 : 4);
        mem = true;
    }
    in->mem = mem;

    uint8_t *rel_at;
    int rel_size = 0;
    gen__tail(r, &b, &rel_at, &rel_size);
    in->len = (int)(b.p - in->code);
    if (in->len > INSN_MAX)
        return false;

    /* Shift counts (CL or imm8), as the undefined-flag mask needs them. */
    if (s->shape == SH_MODRM && (s->op == 0xd2 || s->op == 0xd3 || s->op == 0x1a5 || s->op == 0x1ad))
        in->count = in->gpr[R_ECX] & 0xff;
    else if (s->op == 0xd0 || s->op == 0xd1)
        in->count = 1;

    if (rel_at) {
        uint32_t next = INSN_ADDR + (uint32_t)in->len, rel = 0;
        memcpy(&rel, rel_at, rel_size);
        if (rel_size == 1) rel = (uint32_t)(int32_t)(int8_t)rel;
        if (rel_size == 2) rel = (uint32_t)(int32_t)(int16_t)rel;
        uint32_t t = next + rel;
        if (b.o16) t &= 0xffff;
        if (!target_ok(t, in->len))
            return false;
    }
    if (s->kind & (K_RET | K_INDIRECT))
        gen__indirect(r, &b, in->len);
    if ((s->kind & K_BOUND) && rng__below(r, 2))
        gen__bounds(r, &b);
    if (s->kind & (K_FPU | K_MMX))
        gen__fpu_state(r, in, (s->kind & K_MMX) != 0, b.mod != 3 ? b.lin : 0);
    return true;
}

void gen__instance(struct rng *r, int spec, struct instance *in)
{
    for (uint32_t i = 0; i < DATA_SIZE; i += 8) {
        uint64_t v = rng__next(r);
        memcpy(in->data + i, &v, 8);
    }
    in->uses_fpu = false;
    in->count = 0;
    while (!gen__try(r, spec, in))
        in->uses_fpu = false;
    /* Random arithmetic flags and DF; rarely AC (alignment checks at CPL 3). */
    in->eflags = F_FIXED1 | F_IF | (gen__value(r) & F_ARITH);
    if (rng__below(r, 4) == 0) in->eflags |= F_DF;
    if (rng__below(r, 20) == 0) in->eflags |= F_AC;
}
