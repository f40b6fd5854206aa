/* ops_muldiv.c - MUL, IMUL (F6/F7 /4 /5, 0F AF, 69, 6B), DIV and IDIV
 * (F6/F7 /6 /7) with #DE (SDM vol. 2 "MUL", "IMUL", "DIV", "IDIV"). */
#include "interp/alu.h"

/* Flags of a multiply: CF = OF = 1 when the high half is significant
 * (overflow). SF ZF AF PF are undefined in the SDM; Zen, measured, leaves
 * them unchanged. */
static void muldiv_mul_flags(struct cpu *cpu, bool overflow)
{
    alu__set_flags(cpu, F_CF | F_OF, overflow ? F_CF | F_OF : 0);
}

uint64_t muldiv__mul(struct cpu *cpu, uint32_t a, uint32_t b, int size)
{
    uint32_t mask = size_mask(size);
    uint64_t p = (uint64_t)(a & mask) * (b & mask);
    muldiv_mul_flags(cpu, (p >> (size * 8)) != 0);
    return p;
}

int64_t muldiv__imul(struct cpu *cpu, uint32_t a, uint32_t b, int size)
{
    int64_t p = (int64_t)alu__sext(a, size) * alu__sext(b, size);
    muldiv_mul_flags(cpu, p != alu__sext((uint32_t)p, size));
    return p;
}

/* Flags after a division that does not fault (all undefined in the SDM).
 * Zen: CF and OF unchanged, SF = ZF = PF = 0, AF = 1. */
static void muldiv_div_flags(struct cpu *cpu)
{
    alu__set_flags(cpu, F_SF | F_ZF | F_PF | F_AF, F_AF);
}

bool muldiv__div(struct cpu *cpu, uint64_t dividend, uint32_t divisor, int size,
                 uint32_t *quot, uint32_t *rem)
{
    uint32_t mask = size_mask(size);
    divisor &= mask;
    if (divisor == 0)
        return false;
    uint64_t q = dividend / divisor;
    if (q > mask)
        return false;
    *quot = (uint32_t)q;
    *rem = (uint32_t)(dividend % divisor);
    muldiv_div_flags(cpu);
    return true;
}

bool muldiv__idiv(struct cpu *cpu, uint64_t dividend, uint32_t divisor, int size,
                  uint32_t *quot, uint32_t *rem)
{
    int64_t n = (int64_t)dividend;
    int64_t d = alu__sext(divisor, size);
    int64_t max = (int64_t)alu__sign(size) - 1;

    if (size < 4) /* the dividend has 2*size bytes: sign-extend it */
        n = (int64_t)(dividend << (64 - size * 16)) >> (64 - size * 16);
    if (d == 0 || (d == -1 && n == INT64_MIN))
        return false;
    int64_t q = n / d;
    if (q > max || q < -max - 1)
        return false;
    *quot = (uint32_t)q & size_mask(size);
    *rem = (uint32_t)(n % d) & size_mask(size);
    muldiv_div_flags(cpu);
    return true;
}

/* The accumulator pair of a size: AX for bytes (AH:AL), DX:AX, EDX:EAX. */
static uint64_t muldiv_acc_read(const struct cpu *cpu, int size)
{
    if (size == 1) return cpu->gpr[R_EAX] & 0xffff;
    return ((uint64_t)reg_get(cpu, R_EDX, size) << (size * 8)) | reg_get(cpu, R_EAX, size);
}

static void muldiv_acc_write(struct cpu *cpu, int size, uint32_t lo, uint32_t hi)
{
    if (size == 1) {
        reg_set(cpu, R_EAX, 2, (lo & 0xff) | ((hi & 0xff) << 8));
    } else {
        reg_set(cpu, R_EAX, size, lo);
        reg_set(cpu, R_EDX, size, hi);
    }
}

void muldiv__group3(struct cpu *cpu, struct insn *in, int size)
{
    uint32_t src = op_rm_read(cpu, in, size);
    uint32_t a = reg_get(cpu, R_EAX, size);
    uint32_t q, r;
    uint64_t p;
    bool ok;

    switch (in->reg) {
    case 4:
        p = muldiv__mul(cpu, a, src, size);
        muldiv_acc_write(cpu, size, (uint32_t)p, (uint32_t)(p >> (size * 8)));
        break;
    case 5:
        p = (uint64_t)muldiv__imul(cpu, a, src, size);
        muldiv_acc_write(cpu, size, (uint32_t)p, (uint32_t)(p >> (size * 8)));
        break;
    default:
        ok = in->reg == 6 ? muldiv__div(cpu, muldiv_acc_read(cpu, size), src, size, &q, &r)
                          : muldiv__idiv(cpu, muldiv_acc_read(cpu, size), src, size, &q, &r);
        if (!ok)
            cpu__raise(cpu, EXC_DE);
        muldiv_acc_write(cpu, size, q, r);
        break;
    }
}

/* IMUL reg, r/m (0F AF) and IMUL reg, r/m, imm (69 imm16/32, 6B imm8
 * sign-extended): the product truncated to the operand size. */
static void op_imul_r_rm(struct cpu *cpu, struct insn *in)
{
    int size = in->opsize;
    uint32_t b = op_rm_read(cpu, in, size);
    reg_set(cpu, in->reg, size, (uint32_t)muldiv__imul(cpu, reg_get(cpu, in->reg, size), b, size));
}

static void op_imul_r_rm_imm(struct cpu *cpu, struct insn *in)
{
    int size = in->opsize;
    uint32_t imm = in->op == 0x6b ? (uint32_t)(int32_t)(int8_t)in->imm : in->imm;
    uint32_t b = op_rm_read(cpu, in, size);
    reg_set(cpu, in->reg, size, (uint32_t)muldiv__imul(cpu, b, imm, size));
}

void ops_muldiv__register(void)
{
    interp__set_op(OP_0F + 0xaf, op_imul_r_rm);
    interp__set_op(0x69, op_imul_r_rm_imm);
    interp__set_op(0x6b, op_imul_r_rm_imm);
}
