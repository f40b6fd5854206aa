/* ops_cr.c - MOV to/from control and debug registers, CLTS. */
#include <stddef.h>

#include "interp/internal.h"
#include "interp/system_internal.h"

#define DR6_FIXED1 0xffff0ff0u /* bits that read as 1 on the P6 */
#define DR6_BD (1u << 13)
#define DR7_GD (1u << 13)
#define DR7_FIXED1 0x400u
#define DR7_ZERO 0xd800u       /* bits 11, 12, 14, 15 read as 0 */

/* The CR number of a MOV CR: #UD for CR1 and CR5-7 (checked before the
 * privilege, as on hardware). */
static int cr__number(struct cpu *cpu, struct insn *in)
{
    int n = in->reg;
    if (n == 1 || n > 4)
        cpu__raise(cpu, EXC_UD);
    sys__require_cpl0(cpu);
    return n;
}

/* 0F 20: MOV r32, CRn (the r/m field always names a register). */
static void op_mov_from_cr(struct cpu *cpu, struct insn *in)
{
    const uint32_t *cr[5] = { &cpu->cr0, NULL, &cpu->cr2, &cpu->cr3, &cpu->cr4 };
    int n = cr__number(cpu, in);
    cpu->gpr[in->rm] = *cr[n];
}

/* 0F 22: MOV CRn, r32 (checks and side effects in cr__write). */
static void op_mov_to_cr(struct cpu *cpu, struct insn *in)
{
    int n = cr__number(cpu, in);
    cr__write(cpu, n, cpu->gpr[in->rm]);
}

/* The DR number after aliasing DR4/DR5 to DR6/DR7 (#UD when CR4.DE), the
 * privilege check and the general-detect fault (SDM vol. 3, 17.2.4). */
static int dr__number(struct cpu *cpu, struct insn *in)
{
    int n = in->reg;
    if (n == 4 || n == 5) {
        if (cpu->cr4 & CR4_DE)
            cpu__raise(cpu, EXC_UD);
        n += 2;
    }
    sys__require_cpl0(cpu);
    if (cpu->dr[7] & DR7_GD) {
        /* General detect is a fault: #DB is a trap in exception.c's table,
         * so name this instruction as the one to return to. */
        cpu->dr[7] &= ~DR7_GD;
        cpu->dr[6] |= DR6_BD;
        cpu->eip = cpu->insn_eip;
        cpu__raise(cpu, EXC_DB);
    }
    return n;
}

/* 0F 21: MOV r32, DRn. */
static void op_mov_from_dr(struct cpu *cpu, struct insn *in)
{
    int n = dr__number(cpu, in);
    uint32_t v = cpu->dr[n];
    if (n == 6)
        v = (v | DR6_FIXED1) & ~0x1000u;
    else if (n == 7)
        v = (v | DR7_FIXED1) & ~DR7_ZERO;
    cpu->gpr[in->rm] = v;
}

/* 0F 23: MOV DRn, r32. A new DR0-3 or DR7 flushes the TLB, whose entries
 * withhold fast-path rights from pages under data breakpoints (mmu.c). */
static void op_mov_to_dr(struct cpu *cpu, struct insn *in)
{
    int n = dr__number(cpu, in);
    uint32_t v = cpu->gpr[in->rm];
    if (n == 6)
        v = (v | DR6_FIXED1) & ~0x1000u;
    else if (n == 7)
        v = (v | DR7_FIXED1) & ~DR7_ZERO;
    cpu->dr[n] = v;
    if (n < 4 || n == 7)
        tlb__flush(cpu, true);
}

/* 0F 06: CLTS. */
static void op_clts(struct cpu *cpu, struct insn *in)
{
    sys__require_cpl0(cpu);
    cr__write(cpu, 0, cpu->cr0 & ~CR0_TS);
}

void ops_cr__register(void)
{
    interp__set_op(OP_0F + 0x06, op_clts);
    interp__set_op(OP_0F + 0x20, op_mov_from_cr);
    interp__set_op(OP_0F + 0x21, op_mov_from_dr);
    interp__set_op(OP_0F + 0x22, op_mov_to_cr);
    interp__set_op(OP_0F + 0x23, op_mov_to_dr);
}
