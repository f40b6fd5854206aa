/* gen_fpu.c - x87 and MMX for the generator: which D8-DF encodings are
 * documented, random register stacks, well-formed memory operands. */
#include "difftest.h"

#include <string.h>

/* Memory forms left out: D9/1 DB/4 DB/6 DD/5 are reserved; DB/1 DD/1 DF/1 are
 * FISTTP (SSE3: the host has it, a Pentium II does not); D9/4 D9/6 DD/4
 * DD/6 (FLDENV FSTENV FRSTOR FSAVE) store FIP/FDP/FOP, which AMD keeps only
 * while an exception is pending. */
bool gen__x87_mem_ok(unsigned op, int reg)
{
    static const uint8_t excluded[8] = {
        [1] = 0x52 /* D9: /1 /4 /6 */, [3] = 0x52 /* DB: /1 /4 /6 */,
        [5] = 0x72 /* DD: /1 /4 /5 /6 */, [7] = 0x02 /* DF: /1 */,
    };
    return !(excluded[op & 7] >> reg & 1);
}

/* Documented register forms (SDM vol. 2, table A-8 … A-22 "x87 opcode
 * map"); undocumented aliases (FSTP1, FXCH4, FCOMP5, FFREEP…) and the
 * 8087/287 leftovers FENI/FDISI/FSETPM are not generated. */
static bool x87_reg_ok(unsigned op, uint8_t m)
{
    switch (op & 7) {
    case 0: case 4: return true;
    case 1: return m < 0xd1 || m == 0xe0 || m == 0xe1 || m == 0xe4 || m == 0xe5 ||
                   (m >= 0xe8 && m <= 0xee) || m >= 0xf0;
    case 2: return m < 0xe0 || m == 0xe9;
    case 3: return m < 0xe0 || m == 0xe2 || m == 0xe3 || (m >= 0xe8 && m < 0xf8);
    case 5: return m < 0xc8 || (m >= 0xd0 && m < 0xf0);
    case 6: return m < 0xd0 || m == 0xd9 || m >= 0xe0;
    default: return m == 0xe0 || (m >= 0xe8 && m < 0xf8);
    }
}

int gen__x87_reg_modrm(struct rng *r, unsigned op, int reg)
{
    int ok[8], n = 0;
    for (int rm = 0; rm < 8; rm++)
        if (x87_reg_ok(op, (uint8_t)(0xc0 | reg << 3 | rm)))
            ok[n++] = rm;
    return n ? 0xc0 | reg << 3 | ok[rng__below(r, (uint32_t)n)] : -1;
}

/* A random 80-bit value: mostly normal numbers of moderate magnitude, and
 * zeros, infinities, NaNs, denormals and integers. */
static void gen__ext(struct rng *r, uint8_t out[10])
{
    uint64_t mant = rng__next(r) | (1ull << 63);
    uint16_t sexp = (uint16_t)(0x3fff - 40 + rng__below(r, 80));
    switch (rng__below(r, 16)) {
    case 0: mant = 0; sexp = 0; break;
    case 1: mant = 1ull << 63; sexp = 0x7fff; break;
    case 2: sexp = 0x7fff; break;                         /* NaN */
    case 3: mant >>= 1 + rng__below(r, 63); sexp = 0; break; /* denormal */
    case 4: sexp = (uint16_t)rng__u32(r) & 0x7fff; break;
    case 5: { /* a small integer */
        unsigned n = rng__below(r, 1000) + 1;
        int sh = __builtin_clz(n);
        mant = (uint64_t)n << (32 + sh);
        sexp = (uint16_t)(0x3fff + 31 - sh);
        break;
    }
    default: break;
    }
    if (rng__below(r, 2))
        sexp |= 0x8000;
    memcpy(out, &mant, 8);
    memcpy(out + 8, &sexp, 2);
}

/* A well-formed memory operand for x87 opcode op /reg at p. */
static void gen__x87_operand(struct rng *r, unsigned op, int reg, uint8_t *p)
{
    long double x;
    uint8_t ext[10];
    gen__ext(r, ext);
    memcpy(&x, ext, 10);
    int32_t i = (int32_t)gen__value(r);
    switch ((op & 7) << 3 | reg) {
    case 0x0d: case 0x2f: case 0x3f: /* FLDCW m16 (and FNSTSW/FNSTCW stores) */
        *(uint16_t *)p = (uint16_t)(0x037f | (rng__u32(r) & 0x0f00) |
                                    (rng__below(r, 8) == 0 ? 0 : 0x3f));
        return;
    case 0x1d: case 0x1f: case 0x3e: /* m80 real */
        memcpy(p, ext, 10);
        return;
    case 0x3c: /* FBLD: valid packed BCD (invalid digits give an undefined result) */
        for (int k = 0; k < 9; k++)
            p[k] = (uint8_t)(rng__below(r, 10) << 4 | rng__below(r, 10));
        p[9] = rng__below(r, 2) ? 0x80 : 0;
        return;
    default:
        break;
    }
    switch (op & 7) {
    case 0: case 1: { float f = (float)x; memcpy(p, &f, 4); break; }
    case 4: case 5: { double d = (double)x; memcpy(p, &d, 8); break; }
    case 2: case 3: memcpy(p, &i, 4); break;
    default: {
        int64_t q = reg >= 5 ? (int64_t)i * (int64_t)gen__value(r) : (int16_t)i;
        memcpy(p, &q, reg >= 5 ? 8 : 2);
        break;
    }
    }
}

void gen__fpu_state(struct rng *r, struct instance *in, bool mmx, uint32_t mem_lin)
{
    struct fxsave *f = &in->fpu;
    const struct spec *s = &spec_table[in->spec];

    memset(f, 0, sizeof(*f));
    in->uses_fpu = true;
    f->fcw = 0x037f;
    if (rng__below(r, 3) == 0)
        f->fcw = (uint16_t)((f->fcw & ~0x0f00u) | (rng__u32(r) & 0x0f00));
    if (rng__below(r, 10) == 0)
        f->fcw &= (uint16_t)~(rng__u32(r) & 0x3f); /* unmask some exceptions */
    f->fsw = (uint16_t)((rng__below(r, 8) << 11) | (rng__u32(r) & 0x4700));
    if (rng__below(r, 12) == 0) {
        /* A pending unmasked exception: the next waiting x87 or MMX
         * instruction raises #MF (CR0.NE=1). */
        unsigned e = rng__below(r, 6);
        f->fcw &= (uint16_t)~(1u << e);
        f->fsw |= (uint16_t)(1u << e | 0x8080);
    }
    f->ftw = (uint8_t)(rng__u32(r) | rng__u32(r)); /* mostly valid registers */
    if (rng__below(r, 8) == 0)
        f->ftw = (uint8_t)rng__u32(r);
    f->mxcsr = 0x1f80;
    for (int i = 0; i < 8; i++) {
        if (mmx && rng__below(r, 2)) {
            uint64_t v = gen__value(r) | (uint64_t)gen__value(r) << 32;
            memcpy(f->st[i].b, &v, 8);
            f->st[i].b[8] = f->st[i].b[9] = 0xff;
        } else {
            gen__ext(r, f->st[i].b);
        }
    }
    if (!mmx && mem_lin && rng__below(r, 4) != 0 &&
        mem_lin >= DATA_BASE && mem_lin + 10 <= DATA_BASE + DATA_SIZE)
        gen__x87_operand(r, s->op, in->modrm >> 3 & 7, in->data + (mem_lin - DATA_BASE));
}
