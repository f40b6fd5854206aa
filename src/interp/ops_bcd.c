/* ops_bcd.c - decimal adjust: DAA DAS AAA AAS AAM AAD (27 2F 37 3F D4 D5),
 * following the pseudo-code of SDM vol. 2 for each instruction. */
#include "interp/alu.h"

static uint32_t bcd_al(const struct cpu *cpu)
{
    return cpu->gpr[R_EAX] & 0xff;
}

/* DAA/DAS: adjust AL after an addition (sign +1) or subtraction (-1)
 * (SDM vol. 2 "DAA", "DAS"). Zen: OF (undefined in the SDM) is the overflow
 * of the 8-bit ADD (DAA) or SUB (DAS) of the whole adjustment (0, 06, 60 or
 * 66) to the original AL. */
static void bcd_decimal_adjust(struct cpu *cpu, int sign)
{
    uint32_t al = bcd_al(cpu), adj = 0, cf = 0, af = 0;
    uint32_t f = cpu->eflags;

    if ((al & 0xf) > 9 || (f & F_AF)) {
        adj = 6;
        af = F_AF;
        cf = (f & F_CF) || (sign > 0 ? al > 0xf9 : al < 6);
    }
    if (al > 0x99 || (f & F_CF)) {
        adj += 0x60;
        cf = 1;
    }
    uint32_t r = (al + sign * (int32_t)adj) & 0xff;
    uint32_t of = sign > 0 ? ((al ^ r) & (adj ^ r) & 0x80) : ((al ^ adj) & (al ^ r) & 0x80);
    reg_set(cpu, R_EAX, 1, r);
    alu__set_flags(cpu, F_ARITH, alu__szp(r, 1) | cf | af | (of << 4));
}

void bcd__daa(struct cpu *cpu)
{
    bcd_decimal_adjust(cpu, 1);
}

void bcd__das(struct cpu *cpu)
{
    bcd_decimal_adjust(cpu, -1);
}

/* AAA/AAS: unpacked adjust of AX by +-0x106 (SDM vol. 2 "AAA", "AAS").
 * Zen: SF ZF PF OF (undefined) are those of the 16-bit ADD/SUB of AX and
 * the adjustment (0 when none is needed), before AL is masked. */
static void bcd_ascii_adjust(struct cpu *cpu, int op)
{
    bool adjust = (cpu->gpr[R_EAX] & 0xf) > 9 || (cpu->eflags & F_AF);
    uint32_t ax = alu__op(cpu, op, cpu->gpr[R_EAX], adjust ? 0x106 : 0, 2);

    reg_set(cpu, R_EAX, 2, ax & 0xff0f);
    alu__set_flags(cpu, F_AF | F_CF, adjust ? F_AF | F_CF : 0);
}

void bcd__aaa(struct cpu *cpu)
{
    bcd_ascii_adjust(cpu, ALU_ADD);
}

void bcd__aas(struct cpu *cpu)
{
    bcd_ascii_adjust(cpu, ALU_SUB);
}

/* AAM: AH = AL / imm, AL = AL % imm; SF ZF PF from AL. Zen: OF AF CF
 * (undefined in the SDM) are 0. */
bool bcd__aam(struct cpu *cpu, uint8_t imm)
{
    if (imm == 0)
        return false;
    uint32_t al = bcd_al(cpu);
    uint32_t r = al % imm;
    reg_set(cpu, R_EAX, 2, ((al / imm) << 8) | r);
    alu__set_flags(cpu, F_ARITH, alu__szp(r, 1));
    return true;
}

/* AAD: AL = AL + AH * imm, AH = 0. Zen: all six flags (OF AF CF are
 * undefined in the SDM) are those of the 8-bit ADD of AL and AH * imm. */
void bcd__aad(struct cpu *cpu, uint8_t imm)
{
    uint32_t ax = cpu->gpr[R_EAX];
    uint32_t r = alu__op(cpu, ALU_ADD, ax & 0xff, ((ax >> 8) & 0xff) * imm, 1);
    reg_set(cpu, R_EAX, 2, r);
}

static void op_daa(struct cpu *cpu, struct insn *in) { bcd__daa(cpu); }
static void op_das(struct cpu *cpu, struct insn *in) { bcd__das(cpu); }
static void op_aaa(struct cpu *cpu, struct insn *in) { bcd__aaa(cpu); }
static void op_aas(struct cpu *cpu, struct insn *in) { bcd__aas(cpu); }
static void op_aad(struct cpu *cpu, struct insn *in) { bcd__aad(cpu, in->imm & 0xff); }

static void op_aam(struct cpu *cpu, struct insn *in)
{
    if (!bcd__aam(cpu, in->imm & 0xff))
        cpu__raise(cpu, EXC_DE);
}

void ops_bcd__register(void)
{
    interp__set_op(0x27, op_daa);
    interp__set_op(0x2f, op_das);
    interp__set_op(0x37, op_aaa);
    interp__set_op(0x3f, op_aas);
    interp__set_op(0xd4, op_aam);
    interp__set_op(0xd5, op_aad);
}
