/* ops_shift.c - ROL ROR RCL RCR SHL SHR SAR (group 2: C0 C1 D0-D3) and
 * SHLD/SHRD (0F A4 A5 AC AD), SDM vol. 2 "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR",
 * "SHLD", "SHRD". */
#include "interp/alu.h"

/* OF as bit 11 from a 0/1 value. */
#define OF_BIT(x) ((uint32_t)((x) & 1) << 11)

/* Rotates: only CF and OF change (SF ZF AF PF are unaffected). OF is
 * defined for a count of 1 only; Zen computes it with the count-1 rule
 * from the final result and CF for every nonzero masked count, including
 * counts that rotate by a multiple of the width (ROL AL,8; RCL AL,9). */
static uint32_t shift_rotate(struct cpu *cpu, int op, uint32_t v, unsigned count, int size)
{
    int bits = size * 8;
    uint32_t mask = size_mask(size);
    uint32_t cf = cpu->eflags & F_CF;
    uint64_t x, wmask;
    uint32_t r, f;
    unsigned n;

    switch (op) {
    case 0: /* ROL */
        n = count & (bits - 1);
        r = ((v << n) | (v >> ((bits - n) & (bits - 1)))) & mask;
        f = (r & 1) | OF_BIT((r >> (bits - 1)) ^ r);
        break;
    case 1: /* ROR */
        n = count & (bits - 1);
        r = ((v >> n) | (v << ((bits - n) & (bits - 1)))) & mask;
        f = ((r >> (bits - 1)) & 1) | OF_BIT((r >> (bits - 1)) ^ (r >> (bits - 2)));
        break;
    case 2: /* RCL: rotate the bits+1-bit value CF:v (modulo 9/17 for 8/16 bits) */
        n = count % (bits + 1);
        wmask = (2ull << bits) - 1;
        x = ((uint64_t)cf << bits) | v;
        x = ((x << n) | (x >> (bits + 1 - n))) & wmask;
        r = (uint32_t)x & mask;
        f = (uint32_t)(x >> bits) & 1;
        f |= OF_BIT((r >> (bits - 1)) ^ f);
        break;
    default: /* RCR */
        n = count % (bits + 1);
        wmask = (2ull << bits) - 1;
        x = ((uint64_t)cf << bits) | v;
        x = ((x >> n) | (x << (bits + 1 - n))) & wmask;
        r = (uint32_t)x & mask;
        f = ((uint32_t)(x >> bits) & 1) | OF_BIT((r >> (bits - 1)) ^ (r >> (bits - 2)));
        break;
    }
    alu__set_flags(cpu, F_CF | F_OF, f);
    return r;
}

/* Shifts: CF is the last bit shifted out, SF ZF PF from the result.
 * Undefined in the SDM, Zen measured: AF = 1; OF for counts above 1 is what
 * the last one-bit step gives (SHL: MSB(result) ^ CF; SHR and SAR: 0); CF
 * for 8/16-bit SHL/SHR by at least the width is the last bit out of the
 * 32-bit-wide shift (0 beyond the width). */
static uint32_t shift_shift(struct cpu *cpu, int op, uint32_t v, unsigned count, int size)
{
    int bits = size * 8;
    uint32_t mask = size_mask(size);
    uint64_t wide;
    uint32_t r, cf, of;

    switch (op) {
    case 4: /* SHL */
    case 6: /* SAL (undocumented alias of SHL) */
        wide = (uint64_t)v << count;
        r = (uint32_t)wide & mask;
        cf = (uint32_t)(wide >> bits) & 1;
        of = (r >> (bits - 1)) ^ cf;
        break;
    case 5: /* SHR */
        r = (uint32_t)((uint64_t)v >> count);
        cf = (uint32_t)((uint64_t)v >> (count - 1)) & 1;
        of = count == 1 ? v >> (bits - 1) : 0;
        break;
    default: { /* SAR */
        int64_t sv = alu__sext(v, size);
        r = (uint32_t)(sv >> count) & mask;
        cf = (uint32_t)(sv >> (count - 1)) & 1;
        of = 0;
        break;
    }
    }
    alu__set_flags(cpu, F_ARITH, alu__szp(r, size) | F_AF | cf | OF_BIT(of));
    return r;
}

static inline __attribute__((always_inline)) uint32_t
shift_op_inline(struct cpu *cpu, int op, uint32_t v, unsigned count, int size)
{
    v &= size_mask(size);
    count &= 31;
    if (count == 0)
        return v;
    return op < 4 ? shift_rotate(cpu, op, v, count, size) : shift_shift(cpu, op, v, count, size);
}

uint32_t shift__op(struct cpu *cpu, int op, uint32_t v, unsigned count, int size)
{
    return shift_op_inline(cpu, op, v, count, size);
}

/*
 * SHLD/SHRD (SDM vol. 2 "SHLD", "SHRD"). AF and OF for counts above 1, and
 * everything for a 16-bit operand with a count above 16, are undefined in
 * the SDM. Zen, measured:
 * - AF = 1;
 * - OF for counts 2..size: SHLD MSB(result) ^ CF, SHRD the two top bits of
 *   the result XORed (both are what the count-1 rule gives for count 1);
 * - 16-bit operand, count 17..31: the result continues into a 48-bit value
 *   dst:src:src (SHLD) or src:src:dst (SHRD), CF = 0, and SHLD's OF = 0;
 * - 16-bit SHLD by exactly 16: OF = CF.
 */
static void shift_shxd_flags(struct cpu *cpu, uint32_t r, uint32_t cf, uint32_t of, int size)
{
    alu__set_flags(cpu, F_ARITH, alu__szp(r, size) | F_AF | cf | OF_BIT(of));
}

uint32_t shift__shld(struct cpu *cpu, uint32_t dst, uint32_t src, unsigned count, int size)
{
    int bits = size * 8;
    uint32_t mask = size_mask(size);
    uint64_t wide;
    uint32_t r, cf, of;

    count &= 31;
    dst &= mask;
    src &= mask;
    if (count == 0)
        return dst;
    /* dst at the top of 64 bits, the bits that enter below it */
    if (size == 4)
        wide = ((uint64_t)dst << 32) | src;
    else
        wide = ((uint64_t)dst << 48) | ((uint64_t)src << 32) | ((uint64_t)src << 16);
    r = (uint32_t)((wide << count) >> (64 - bits));
    cf = (uint32_t)((wide << (count - 1)) >> 63);
    of = (r >> (bits - 1)) ^ cf;
    if (count == 16 && size == 2)
        of = cf;
    else if (count > (unsigned)bits)
        cf = of = 0;
    shift_shxd_flags(cpu, r, cf, of, size);
    return r;
}

uint32_t shift__shrd(struct cpu *cpu, uint32_t dst, uint32_t src, unsigned count, int size)
{
    int bits = size * 8;
    uint32_t mask = size_mask(size);
    uint64_t wide;
    uint32_t r, cf;

    count &= 31;
    dst &= mask;
    src &= mask;
    if (count == 0)
        return dst;
    /* dst at the bottom, the bits that enter above it */
    if (size == 4)
        wide = ((uint64_t)src << 32) | dst;
    else
        wide = ((uint64_t)src << 32) | ((uint64_t)src << 16) | dst;
    r = (uint32_t)(wide >> count) & mask;
    cf = count > (unsigned)bits ? 0 : (uint32_t)(wide >> (count - 1)) & 1;
    shift_shxd_flags(cpu, r, cf, (r >> (bits - 1)) ^ (r >> (bits - 2)), size);
    return r;
}

/* Group 2 with the count from imm8 (C0/C1), 1 (D0/D1) or CL (D2/D3). */
static inline __attribute__((always_inline)) void
shift_group2(struct cpu *cpu, struct insn *in, unsigned count)
{
    int size = (in->op & 1) ? in->opsize : 1;
    uint32_t v = op_rm_read_rmw(cpu, in, size);
    uint32_t old = cpu->eflags;
    alu__write_rm(cpu, in, size, shift_op_inline(cpu, in->reg, v, count, size), old);
}

static void op_grp2_imm(struct cpu *cpu, struct insn *in)
{
    shift_group2(cpu, in, in->imm & 0xff);
}

static void op_grp2_one(struct cpu *cpu, struct insn *in)
{
    shift_group2(cpu, in, 1);
}

static void op_grp2_cl(struct cpu *cpu, struct insn *in)
{
    shift_group2(cpu, in, cpu->gpr[R_ECX] & 0xff);
}

/* SHLD/SHRD r/m, reg, imm8|CL: opcode bit 3 selects SHRD, bit 0 CL. */
static void op_shxd(struct cpu *cpu, struct insn *in)
{
    int size = in->opsize;
    unsigned count = (in->op & 1) ? cpu->gpr[R_ECX] & 0xff : in->imm & 0xff;
    uint32_t dst = op_rm_read_rmw(cpu, in, size);
    uint32_t src = reg_get(cpu, in->reg, size);
    uint32_t old = cpu->eflags;
    uint32_t r = (in->op & 8) ? shift__shrd(cpu, dst, src, count, size)
                              : shift__shld(cpu, dst, src, count, size);
    alu__write_rm(cpu, in, size, r, old);
}

void ops_shift__register(void)
{
    interp__set_op(0xc0, op_grp2_imm);
    interp__set_op(0xc1, op_grp2_imm);
    interp__set_op(0xd0, op_grp2_one);
    interp__set_op(0xd1, op_grp2_one);
    interp__set_op(0xd2, op_grp2_cl);
    interp__set_op(0xd3, op_grp2_cl);
    interp__set_op(OP_0F + 0xa4, op_shxd);
    interp__set_op(OP_0F + 0xa5, op_shxd);
    interp__set_op(OP_0F + 0xac, op_shxd);
    interp__set_op(OP_0F + 0xad, op_shxd);
}
