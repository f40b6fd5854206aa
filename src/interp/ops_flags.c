/* ops_flags.c - flag instructions: CMC CLC STC CLD STD, SAHF LAHF, SALC. */
#include "interp/internal.h"

/* SF ZF AF PF CF: the flags SAHF and LAHF move (SDM vol. 2, SAHF). */
#define F_SAHF (F_SF | F_ZF | F_AF | F_PF | F_CF)

static void op_cmc(struct cpu *cpu, struct insn *in) { cpu->eflags ^= F_CF; }
static void op_clc(struct cpu *cpu, struct insn *in) { cpu->eflags &= ~F_CF; }
static void op_stc(struct cpu *cpu, struct insn *in) { cpu->eflags |= F_CF; }
static void op_cld(struct cpu *cpu, struct insn *in) { cpu->eflags &= ~F_DF; }
static void op_std(struct cpu *cpu, struct insn *in) { cpu->eflags |= F_DF; }

static void op_sahf(struct cpu *cpu, struct insn *in) /* 9E */
{
    uint32_t ah = reg_get(cpu, 4, 1);
    cpu->eflags = (cpu->eflags & ~F_SAHF) | (ah & F_SAHF);
}

static void op_lahf(struct cpu *cpu, struct insn *in) /* 9F */
{
    /* AH = SF:ZF:0:AF:0:PF:1:CF */
    reg_set(cpu, 4, 1, (cpu->eflags & F_SAHF) | F_FIXED1);
}

/* D6 SALC (undocumented by Intel, documented by AMD): AL = CF ? FF : 00,
 * flags unchanged. */
static void op_salc(struct cpu *cpu, struct insn *in)
{
    reg_set(cpu, R_EAX, 1, (cpu->eflags & F_CF) ? 0xff : 0);
}

void ops_flags__register(void)
{
    interp__set_op(0xf5, op_cmc);
    interp__set_op(0xf8, op_clc);
    interp__set_op(0xf9, op_stc);
    interp__set_op(0xfc, op_cld);
    interp__set_op(0xfd, op_std);
    interp__set_op(0x9e, op_sahf);
    interp__set_op(0x9f, op_lahf);
    interp__set_op(0xd6, op_salc);
}
