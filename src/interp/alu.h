/* alu.h - arithmetic-flag helpers and the integer operations shared by the
 * ALU, shift, multiply/divide, bit and BCD handler files (and their tests). */
#ifndef BT86_INTERP_ALU_H
#define BT86_INTERP_ALU_H

#include <stdbool.h>
#include <stdint.h>

#include "interp/internal.h"

/*
 * Flags are computed eagerly into cpu->eflags. Where the SDM leaves a flag
 * "undefined", bt86 produces what AMD Zen (family 17h-1Ah) produces; each
 * such choice is written down next to the code that makes it, and the unit
 * tests tests/unit/test_alu.c (the C functions below) and test_alu_exec.c
 * (the handlers, through interp__exec_one) check them against the host
 * CPU, run natively in 32-bit compatibility mode.
 */

/* PF for the low byte of r: set when it holds an even number of ones. */
static inline uint32_t alu__pf(uint32_t r)
{
    return __builtin_parity(r & 0xff) ? 0 : F_PF;
}

/* SF, ZF and PF of a result r already masked to size bytes. */
static inline uint32_t alu__szp(uint32_t r, int size)
{
    return alu__pf(r) | (r == 0 ? F_ZF : 0) | ((r >> (size * 8 - 8)) & F_SF);
}

/* Replace the flags in mask with f (f holds no bit outside mask). */
static inline void alu__set_flags(struct cpu *cpu, uint32_t mask, uint32_t f)
{
    cpu->eflags = (cpu->eflags & ~mask) | f;
}

/* The sign bit of a size-byte operand. */
static inline uint32_t alu__sign(int size)
{
    return 1u << (size * 8 - 1);
}

/* Sign-extend a size-byte value to 32 bits. */
static inline int32_t alu__sext(uint32_t v, int size)
{
    int sh = 32 - size * 8;
    return (int32_t)(v << sh) >> sh;
}

/* Flags of a + b + carry_in, r the masked result (SDM vol. 2: ADD, ADC). */
static inline uint32_t alu__add_flags(uint32_t a, uint32_t b, uint64_t r64, int size)
{
    int bits = size * 8;
    uint32_t r = (uint32_t)r64 & size_mask(size);
    return alu__szp(r, size)
         | ((uint32_t)(r64 >> bits) & F_CF)
         | ((a ^ b ^ r) & F_AF)
         | ((((a ^ r) & (b ^ r)) >> (bits - 1) & 1) << 11);
}

/* Flags of a - b - borrow_in: CF is the borrow, bit `bits` of the
 * 64-bit difference (SDM vol. 2: SUB, SBB, CMP). */
static inline uint32_t alu__sub_flags(uint32_t a, uint32_t b, uint64_t r64, int size)
{
    int bits = size * 8;
    uint32_t r = (uint32_t)r64 & size_mask(size);
    return alu__szp(r, size)
         | ((uint32_t)(r64 >> bits) & F_CF)
         | ((a ^ b ^ r) & F_AF)
         | ((((a ^ b) & (a ^ r)) >> (bits - 1) & 1) << 11);
}

/* alu__op, inlined where op and size are constants so that the switch
 * folds away (the handlers in ops_alu.c). */
static inline __attribute__((always_inline)) uint32_t
alu__op_inline(struct cpu *cpu, int op, uint32_t a, uint32_t b, int size)
{
    uint32_t mask = size_mask(size);
    uint64_t r64;
    uint32_t f;

    a &= mask;
    b &= mask;
    switch (op) {
    case ALU_ADD:
        r64 = (uint64_t)a + b;
        f = alu__add_flags(a, b, r64, size);
        break;
    case ALU_ADC:
        r64 = (uint64_t)a + b + (cpu->eflags & F_CF);
        f = alu__add_flags(a, b, r64, size);
        break;
    case ALU_SUB:
    case ALU_CMP:
        r64 = (uint64_t)a - b;
        f = alu__sub_flags(a, b, r64, size);
        break;
    case ALU_SBB:
        r64 = (uint64_t)a - b - (cpu->eflags & F_CF);
        f = alu__sub_flags(a, b, r64, size);
        break;
    default: /* AND OR XOR: CF = OF = 0; Zen: AF = 0 (undefined in the SDM). */
        r64 = op == ALU_AND ? (a & b) : op == ALU_OR ? (a | b) : (a ^ b);
        f = alu__szp((uint32_t)r64, size);
        break;
    }
    cpu->eflags = (cpu->eflags & ~F_ARITH) | f;
    return (uint32_t)r64 & mask;
}

/* INC/DEC: like ADD/SUB 1 but CF is unchanged. */
static inline __attribute__((always_inline)) uint32_t
alu__inc_inline(struct cpu *cpu, uint32_t v, int size)
{
    uint32_t r = (v + 1) & size_mask(size);
    uint32_t f = alu__szp(r, size)
               | ((r & 0xf) == 0 ? F_AF : 0)
               | (r == alu__sign(size) ? F_OF : 0);
    alu__set_flags(cpu, F_ARITH & ~F_CF, f);
    return r;
}

static inline __attribute__((always_inline)) uint32_t
alu__dec_inline(struct cpu *cpu, uint32_t v, int size)
{
    v &= size_mask(size);
    uint32_t r = (v - 1) & size_mask(size);
    uint32_t f = alu__szp(r, size)
               | ((v & 0xf) == 0 ? F_AF : 0)
               | (v == alu__sign(size) ? F_OF : 0);
    alu__set_flags(cpu, F_ARITH & ~F_CF, f);
    return r;
}

/* Write a handler's result to its r/m destination after its flags were
 * computed: if the write faults, the instruction must leave EFLAGS as it
 * found them (old_flags), so they are put back around the access. */
static inline void alu__write_rm(struct cpu *cpu, struct insn *in, int size,
                                 uint32_t v, uint32_t old_flags)
{
    if (!in->is_mem) {
        reg_set(cpu, in->rm, size, v);
        return;
    }
    uint32_t f = cpu->eflags;
    cpu->eflags = old_flags;
    op_rm_write(cpu, in, size, v);
    cpu->eflags = f;
}

/* ---- shifts and rotates (ops_shift.c) ---- */

/* Group 2 operation op (ModRM.reg: ROL ROR RCL RCR SHL SHR SAL SAR) of v by
 * count (raw: masked to 5 bits here) at size 1/2/4. Flags are left
 * untouched when the masked count is 0. */
uint32_t shift__op(struct cpu *cpu, int op, uint32_t v, unsigned count, int size);
/* SHLD/SHRD dst, src, count at size 2/4. */
uint32_t shift__shld(struct cpu *cpu, uint32_t dst, uint32_t src, unsigned count, int size);
uint32_t shift__shrd(struct cpu *cpu, uint32_t dst, uint32_t src, unsigned count, int size);

/* ---- multiply and divide (ops_muldiv.c) ---- */

/* F6/F7 /4-/7 (MUL IMUL DIV IDIV of the accumulator), at size 1/2/4. */
void muldiv__group3(struct cpu *cpu, struct insn *in, int size);

/* a * b at size 1/2/4, unsigned or signed; returns the double-width
 * product (sign-extended to 64 bits for imul) and sets the flags. */
uint64_t muldiv__mul(struct cpu *cpu, uint32_t a, uint32_t b, int size);
int64_t muldiv__imul(struct cpu *cpu, uint32_t a, uint32_t b, int size);
/* Divide the double-width dividend by divisor at size 1/2/4. Returns false
 * (without touching the CPU) when the CPU would raise #DE; otherwise fills
 * quotient and remainder and sets the flags. */
bool muldiv__div(struct cpu *cpu, uint64_t dividend, uint32_t divisor, int size,
                 uint32_t *quot, uint32_t *rem);
bool muldiv__idiv(struct cpu *cpu, uint64_t dividend, uint32_t divisor, int size,
                  uint32_t *quot, uint32_t *rem);

/* ---- bit scans and bit tests (ops_bit.c) ---- */

/* BSF/BSR: returns the bit index, or dst unchanged when src is 0. */
uint32_t bit__bsf(struct cpu *cpu, uint32_t dst, uint32_t src, int size);
uint32_t bit__bsr(struct cpu *cpu, uint32_t dst, uint32_t src, int size);
/* BT/BTS/BTR/BTC (op 0-3) of bit (already reduced modulo the operand
 * width) in v; returns the new value (v for BT) and sets CF. */
uint32_t bit__test(struct cpu *cpu, int op, uint32_t v, unsigned bit, int size);

/* ---- decimal adjust (ops_bcd.c): operate on AL/AX of cpu ---- */

void bcd__daa(struct cpu *cpu);
void bcd__das(struct cpu *cpu);
void bcd__aaa(struct cpu *cpu);
void bcd__aas(struct cpu *cpu);
/* AAM imm: returns false (CPU untouched) for imm 0, which raises #DE. */
bool bcd__aam(struct cpu *cpu, uint8_t imm);
void bcd__aad(struct cpu *cpu, uint8_t imm);

#endif
