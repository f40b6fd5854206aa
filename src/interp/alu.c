/* alu.c - the eight two-operand ALU operations, INC/DEC and the condition
 * codes, with the arithmetic flags computed eagerly (SDM vol. 1, 3.4.3.1). */
#include "interp/alu.h"

uint32_t alu__op(struct cpu *cpu, int op, uint32_t a, uint32_t b, int size)
{
    return alu__op_inline(cpu, op, a, b, size);
}

uint32_t alu__inc(struct cpu *cpu, uint32_t v, int size)
{
    return alu__inc_inline(cpu, v, size);
}

uint32_t alu__dec(struct cpu *cpu, uint32_t v, int size)
{
    return alu__dec_inline(cpu, v, size);
}

/*
 * Jcc/SETcc/CMOVcc conditions (SDM vol. 2, appendix B.1.4.7), without a
 * branch: CF PF ZF SF OF are packed into a 5-bit index (cond__eval,
 * internal.h), and cond__table[cc] holds the condition's truth value for
 * each of the 32 combinations (bit i = value for index i; index bits: 0 CF,
 * 1 PF, 2 ZF, 3 SF, 4 OF). Even cc: O B Z BE S P L LE; odd cc negates.
 */
const uint32_t cond__table[16] = {
    0xffff0000, 0x0000ffff, 0xaaaaaaaa, 0x55555555, /* O NO B AE */
    0xf0f0f0f0, 0x0f0f0f0f, 0xfafafafa, 0x05050505, /* E NE BE A */
    0xff00ff00, 0x00ff00ff, 0xcccccccc, 0x33333333, /* S NS P NP */
    0x00ffff00, 0xff0000ff, 0xf0fffff0, 0x0f00000f, /* L GE LE G */
};
