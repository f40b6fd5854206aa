/* mmx.c - the MMX instruction set (Pentium II): 0F 60-7F, D1-FE, EMMS. */
#include "interp/fpu.h"

/*
 * MMX register i is the significand of x87 physical register R(i) (SDM
 * vol. 1, 9.5). Every MMX instruction but EMMS sets TOP to 0 and tags all
 * registers valid; a write also sets the register's sign and exponent to
 * 1s. EMMS tags all registers empty. MMX instructions do not touch FIP,
 * FDP or FOP.
 *
 * The P6 knows only the plain 0F forms. With a 66 prefix they are SSE2
 * instructions, with F2/F3 SSE/SSE2 ones: #UD on this CPU. The 0F opcodes
 * in these rows that SSE added (PMINUB, PAVGB, PMULHUW, ...) are left
 * unclaimed and raise #UD.
 */

static inline uint64_t mm_get(const struct cpu *cpu, int i)
{
    return cpu->fpu.st_phys[i].mant;
}

static inline void mm_set(struct cpu *cpu, int i, uint64_t v)
{
    cpu->fpu.st_phys[i].mant = v;
    cpu->fpu.st_phys[i].sexp = 0xffff;
}

/* The x87 side effect of every MMX instruction (SDM vol. 1, table 9-2). */
static inline void mmx_touch(struct cpu *cpu)
{
    fpu__set_top(cpu, 0);
    cpu->fpu.ftw = 0;
}

/* Prefix check, #UD/#NM from CR0, pending x87 exception (#MF). */
static void mmx_enter(struct cpu *cpu, struct insn *in)
{
    if (in->opsize_prefix || in->rep)
        cpu__raise_unimp(cpu, in);
    fpu__check_available(cpu, true);
    fpu__check_pending(cpu);
}

/* ---- lane arithmetic ------------------------------------------------ */

/* A lane operation on zero-extended w-bit lane values; the result is
 * truncated to w bits by the caller. */
typedef uint64_t (*lane_fn)(uint64_t x, uint64_t y, int w);

static inline int64_t sx(uint64_t x, int w)
{
    return (int64_t)(x << (64 - w)) >> (64 - w);
}

static inline uint64_t sat_s(int64_t v, int w)
{
    int64_t hi = (INT64_C(1) << (w - 1)) - 1, lo = -hi - 1;
    return (uint64_t)(v > hi ? hi : v < lo ? lo : v);
}

static inline uint64_t sat_u(int64_t v, int w)
{
    int64_t hi = (INT64_C(1) << w) - 1;
    return (uint64_t)(v > hi ? hi : v < 0 ? 0 : v);
}

static uint64_t map_lanes(uint64_t a, uint64_t b, int w, lane_fn f)
{
    uint64_t m = w == 64 ? ~UINT64_C(0) : (UINT64_C(1) << w) - 1, r = 0;
    for (int s = 0; s < 64; s += w)
        r |= (f((a >> s) & m, (b >> s) & m, w) & m) << s;
    return r;
}

static uint64_t l_add(uint64_t x, uint64_t y, int w) { return x + y; }
static uint64_t l_sub(uint64_t x, uint64_t y, int w) { return x - y; }
static uint64_t l_adds(uint64_t x, uint64_t y, int w) { return sat_s(sx(x, w) + sx(y, w), w); }
static uint64_t l_subs(uint64_t x, uint64_t y, int w) { return sat_s(sx(x, w) - sx(y, w), w); }
static uint64_t l_addus(uint64_t x, uint64_t y, int w) { return sat_u((int64_t)(x + y), w); }
static uint64_t l_subus(uint64_t x, uint64_t y, int w) { return sat_u((int64_t)x - (int64_t)y, w); }
static uint64_t l_cmpeq(uint64_t x, uint64_t y, int w) { return x == y ? ~UINT64_C(0) : 0; }
static uint64_t l_cmpgt(uint64_t x, uint64_t y, int w) { return sx(x, w) > sx(y, w) ? ~UINT64_C(0) : 0; }
static uint64_t l_mullo(uint64_t x, uint64_t y, int w) { return (uint64_t)(sx(x, w) * sx(y, w)); }
static uint64_t l_mulhi(uint64_t x, uint64_t y, int w) { return (uint64_t)(sx(x, w) * sx(y, w) >> w); }

#define LANE_OP(name, fn) \
    static uint64_t name(uint64_t a, uint64_t b, int w) { return map_lanes(a, b, w, fn); }
LANE_OP(op_add, l_add)
LANE_OP(op_sub, l_sub)
LANE_OP(op_adds, l_adds)
LANE_OP(op_subs, l_subs)
LANE_OP(op_addus, l_addus)
LANE_OP(op_subus, l_subus)
LANE_OP(op_cmpeq, l_cmpeq)
LANE_OP(op_cmpgt, l_cmpgt)
LANE_OP(op_mullo, l_mullo)
LANE_OP(op_mulhi, l_mulhi)

static uint64_t op_and(uint64_t a, uint64_t b, int w) { return a & b; }
static uint64_t op_andn(uint64_t a, uint64_t b, int w) { return ~a & b; }
static uint64_t op_or(uint64_t a, uint64_t b, int w) { return a | b; }
static uint64_t op_xor(uint64_t a, uint64_t b, int w) { return a ^ b; }

/* PUNPCKL/H: interleave the low (high) halves' w-bit lanes of a and b. */
static uint64_t unpack(uint64_t a, uint64_t b, int w, int half)
{
    uint64_t m = (UINT64_C(1) << w) - 1, r = 0;
    int n = 32 / w;
    for (int i = 0; i < n; i++) {
        int s = (half * n + i) * w;
        r |= ((a >> s) & m) << (2 * i * w);
        r |= ((b >> s) & m) << ((2 * i + 1) * w);
    }
    return r;
}
static uint64_t op_unpackl(uint64_t a, uint64_t b, int w) { return unpack(a, b, w, 0); }
static uint64_t op_unpackh(uint64_t a, uint64_t b, int w) { return unpack(a, b, w, 1); }

/* PACKSS/PACKUS: w-bit signed lanes of a then b, saturated to w/2 bits. */
static uint64_t pack(uint64_t a, uint64_t b, int w, uint64_t (*sat)(int64_t, int))
{
    int n = 64 / w, h = w / 2;
    uint64_t m = (UINT64_C(1) << w) - 1, hm = (UINT64_C(1) << h) - 1, r = 0;
    for (int i = 0; i < n; i++) {
        r |= (sat(sx((a >> (i * w)) & m, w), h) & hm) << (i * h);
        r |= (sat(sx((b >> (i * w)) & m, w), h) & hm) << ((n + i) * h);
    }
    return r;
}
static uint64_t op_packss(uint64_t a, uint64_t b, int w) { return pack(a, b, w, sat_s); }
static uint64_t op_packus(uint64_t a, uint64_t b, int w) { return pack(a, b, w, sat_u); }

/* PMADDWD: signed word products summed in pairs into dwords. */
static uint64_t op_pmaddwd(uint64_t a, uint64_t b, int w)
{
    uint64_t r = 0;
    for (int i = 0; i < 2; i++) {
        int64_t s = 0;
        for (int j = 0; j < 2; j++) {
            int k = 32 * i + 16 * j;
            s += sx((a >> k) & 0xffff, 16) * sx((b >> k) & 0xffff, 16);
        }
        r |= ((uint64_t)s & 0xffffffffu) << (32 * i);
    }
    return r;
}

/* Shifts by a 64-bit count: logical shifts past the lane width give 0,
 * arithmetic ones fill with the sign. */
static uint64_t shl_lane(uint64_t x, uint64_t c, int w) { return c >= (uint64_t)w ? 0 : x << c; }
static uint64_t shr_lane(uint64_t x, uint64_t c, int w) { return c >= (uint64_t)w ? 0 : x >> c; }
static uint64_t sar_lane(uint64_t x, uint64_t c, int w)
{
    return (uint64_t)(sx(x, w) >> (c >= (uint64_t)w ? w - 1 : (int)c));
}

static uint64_t shift_lanes(uint64_t a, uint64_t c, int w, uint64_t (*f)(uint64_t, uint64_t, int))
{
    uint64_t m = w == 64 ? ~UINT64_C(0) : (UINT64_C(1) << w) - 1, r = 0;
    for (int s = 0; s < 64; s += w)
        r |= (f((a >> s) & m, c, w) & m) << s;
    return r;
}
static uint64_t op_psll(uint64_t a, uint64_t c, int w) { return shift_lanes(a, c, w, shl_lane); }
static uint64_t op_psrl(uint64_t a, uint64_t c, int w) { return shift_lanes(a, c, w, shr_lane); }
static uint64_t op_psra(uint64_t a, uint64_t c, int w) { return shift_lanes(a, c, w, sar_lane); }

/* ---- mm, mm/m64 operations ------------------------------------------ */

struct mmx_binop {
    uint64_t (*fn)(uint64_t a, uint64_t b, int w);
    uint8_t w;      /* lane width in bits */
    bool src32;     /* memory source is 32 bits (PUNPCKLxx) */
};

static const struct mmx_binop binops[256] = {
    [0x60] = { op_unpackl, 8, true }, [0x61] = { op_unpackl, 16, true },
    [0x62] = { op_unpackl, 32, true }, [0x63] = { op_packss, 16, false },
    [0x64] = { op_cmpgt, 8, false }, [0x65] = { op_cmpgt, 16, false },
    [0x66] = { op_cmpgt, 32, false }, [0x67] = { op_packus, 16, false },
    [0x68] = { op_unpackh, 8, false }, [0x69] = { op_unpackh, 16, false },
    [0x6a] = { op_unpackh, 32, false }, [0x6b] = { op_packss, 32, false },
    [0x74] = { op_cmpeq, 8, false }, [0x75] = { op_cmpeq, 16, false },
    [0x76] = { op_cmpeq, 32, false },
    [0xd1] = { op_psrl, 16, false }, [0xd2] = { op_psrl, 32, false },
    [0xd3] = { op_psrl, 64, false }, [0xd5] = { op_mullo, 16, false },
    [0xd8] = { op_subus, 8, false }, [0xd9] = { op_subus, 16, false },
    [0xdb] = { op_and, 64, false }, [0xdc] = { op_addus, 8, false },
    [0xdd] = { op_addus, 16, false }, [0xdf] = { op_andn, 64, false },
    [0xe1] = { op_psra, 16, false }, [0xe2] = { op_psra, 32, false },
    [0xe5] = { op_mulhi, 16, false }, [0xe8] = { op_subs, 8, false },
    [0xe9] = { op_subs, 16, false }, [0xeb] = { op_or, 64, false },
    [0xec] = { op_adds, 8, false }, [0xed] = { op_adds, 16, false },
    [0xef] = { op_xor, 64, false },
    [0xf1] = { op_psll, 16, false }, [0xf2] = { op_psll, 32, false },
    [0xf3] = { op_psll, 64, false }, [0xf5] = { op_pmaddwd, 16, false },
    [0xf8] = { op_sub, 8, false }, [0xf9] = { op_sub, 16, false },
    [0xfa] = { op_sub, 32, false }, [0xfc] = { op_add, 8, false },
    [0xfd] = { op_add, 16, false }, [0xfe] = { op_add, 32, false },
};

static void op_binop(struct cpu *cpu, struct insn *in)
{
    const struct mmx_binop *b = &binops[in->op & 0xff];
    uint64_t src;

    mmx_enter(cpu, in);
    if (!in->is_mem)
        src = mm_get(cpu, in->rm);
    else if (b->src32)
        src = vmem_read(cpu, in->seg, in->ea, 4);
    else
        src = vmem_read64(cpu, in->seg, in->ea);
    mm_set(cpu, in->reg, b->fn(mm_get(cpu, in->reg), src, b->w));
    mmx_touch(cpu);
}

/* 0F 71/72/73: shift mm by imm8; ModRM.reg 2 = PSRL, 4 = PSRA, 6 = PSLL
 * (no PSRAQ; /3 and /7 exist only as 66-prefixed SSE2 forms). */
static void op_shift_imm(struct cpu *cpu, struct insn *in)
{
    static const int width[3] = { 16, 32, 64 };
    int w = width[(in->op & 0xff) - 0x71];
    uint64_t (*fn)(uint64_t, uint64_t, int) =
        in->reg == 2 ? op_psrl : in->reg == 6 ? op_psll : in->reg == 4 && w != 64 ? op_psra : NULL;

    if (!fn || in->is_mem)
        cpu__raise_unimp(cpu, in);
    mmx_enter(cpu, in);
    mm_set(cpu, in->rm, fn(mm_get(cpu, in->rm), in->imm & 0xff, w));
    mmx_touch(cpu);
}

/* ---- moves and EMMS -------------------------------------------------- */

static void op_movd_load(struct cpu *cpu, struct insn *in) /* 0F 6E */
{
    mmx_enter(cpu, in);
    mm_set(cpu, in->reg, op_rm_read(cpu, in, 4));
    mmx_touch(cpu);
}

static void op_movd_store(struct cpu *cpu, struct insn *in) /* 0F 7E */
{
    mmx_enter(cpu, in);
    op_rm_write(cpu, in, 4, (uint32_t)mm_get(cpu, in->reg));
    mmx_touch(cpu);
}

static void op_movq_load(struct cpu *cpu, struct insn *in) /* 0F 6F */
{
    mmx_enter(cpu, in);
    mm_set(cpu, in->reg, in->is_mem ? vmem_read64(cpu, in->seg, in->ea) : mm_get(cpu, in->rm));
    mmx_touch(cpu);
}

static void op_movq_store(struct cpu *cpu, struct insn *in) /* 0F 7F */
{
    mmx_enter(cpu, in);
    if (in->is_mem)
        vmem_write64(cpu, in->seg, in->ea, mm_get(cpu, in->reg));
    else
        mm_set(cpu, in->rm, mm_get(cpu, in->reg));
    mmx_touch(cpu);
}

static void op_emms(struct cpu *cpu, struct insn *in) /* 0F 77 */
{
    mmx_enter(cpu, in);
    fpu__set_top(cpu, 0);
    cpu->fpu.ftw = 0xffff;
}

void ops_mmx__register(void)
{
    for (unsigned op = 0; op < 256; op++)
        if (binops[op].fn)
            interp__set_op(OP_0F + op, op_binop);
    for (unsigned op = 0x71; op <= 0x73; op++)
        interp__set_op(OP_0F + op, op_shift_imm);
    interp__set_op(OP_0F + 0x6e, op_movd_load);
    interp__set_op(OP_0F + 0x6f, op_movq_load);
    interp__set_op(OP_0F + 0x7e, op_movd_store);
    interp__set_op(OP_0F + 0x7f, op_movq_store);
    interp__set_op(OP_0F + 0x77, op_emms);
    fxsave__register();
}
