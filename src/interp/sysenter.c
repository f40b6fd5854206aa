/* sysenter.c - SYSENTER and SYSEXIT: fast transitions to CPL 0 and back
 * with flat segments derived from IA32_SYSENTER_CS (SDM vol. 2). */
#include "interp/internal.h"
#include "interp/system_internal.h"

/* Flat 4 GiB segment caches as SYSENTER/SYSEXIT load them. */
static void sysenter__flat(struct seg_cache *c, uint16_t sel, bool code, int dpl)
{
    c->sel = sel;
    c->base = 0;
    c->limit = 0xffffffffu;
    c->attr = (code ? DESC_CODE | DESC_R : DESC_W) | DESC_A | DESC_S | DESC_P | DESC_DB | DESC_G
              | (dpl << DESC_DPL_SHIFT);
}

/* 0F 34: SYSENTER. */
static void op_sysenter(struct cpu *cpu, struct insn *in)
{
    uint16_t cs = cpu->msr.sysenter_cs;

    if (!cpu__pmode(cpu) || (cs & 0xfffc) == 0)
        cpu__raise_err(cpu, EXC_GP, 0);
    cpu->eflags &= ~(F_VM | F_IF | F_RF);
    sysenter__flat(&cpu->seg[S_CS], cs & 0xfffc, true, 0);
    sysenter__flat(&cpu->seg[S_SS], (cs & 0xfffc) + 8, false, 0);
    cpu->cpl = 0;
    cpu->gpr[R_ESP] = cpu->msr.sysenter_esp;
    cpu->eip = cpu->msr.sysenter_eip;
}

/* 0F 35: SYSEXIT. */
static void op_sysexit(struct cpu *cpu, struct insn *in)
{
    uint16_t cs = cpu->msr.sysenter_cs;

    if (!cpu__pmode(cpu) || (cs & 0xfffc) == 0 || cpu->cpl != 0 || cpu__v86(cpu))
        cpu__raise_err(cpu, EXC_GP, 0);
    sysenter__flat(&cpu->seg[S_CS], (cs + 16) | 3, true, 3);
    sysenter__flat(&cpu->seg[S_SS], (cs + 24) | 3, false, 3);
    cpu->cpl = 3;
    cpu->gpr[R_ESP] = cpu->gpr[R_ECX];
    cpu->eip = cpu->gpr[R_EDX];
}

void sysenter__register(void)
{
    interp__set_op(OP_0F + 0x34, op_sysenter);
    interp__set_op(OP_0F + 0x35, op_sysexit);
}
