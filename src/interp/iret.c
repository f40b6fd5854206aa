/* iret.c - IRET/IRETD in real, V86 and protected mode: same and outer
 * privilege returns, return to V86, and task return through the back link
 * (SDM vol. 2, IRET/IRETD). */
#include "interp/internal.h"
#include "interp/system_internal.h"

/* ESP (or SP for a 16-bit stack) after releasing n bytes. */
static void iret__release(struct cpu *cpu, uint32_t n)
{
    uint32_t mask = cpu__stack32(cpu) ? 0xffffffffu : 0xffffu;
    uint32_t esp = cpu->gpr[R_ESP];
    cpu->gpr[R_ESP] = (esp & ~mask) | ((esp + n) & mask);
}

/* Load ESP from a popped value: all of it for a 32-bit SS, SP otherwise. */
static void iret__set_sp(struct cpu *cpu, uint32_t v)
{
    if (cpu__stack32(cpu))
        cpu->gpr[R_ESP] = v;
    else
        cpu->gpr[R_ESP] = (cpu->gpr[R_ESP] & 0xffff0000u) | (v & 0xffff);
}

/* Write the flags an IRET may change: `changeable` selects them among the
 * popped value (16-bit pops touch the low half only). */
static void iret__set_flags(struct cpu *cpu, uint32_t popped, uint32_t changeable, int size)
{
    if (size == 2)
        changeable &= 0xffff;
    cpu->eflags = ((cpu->eflags & ~changeable) | (popped & changeable) | F_FIXED1)
                  & ~(0x8u | 0x20u | 0x8000u | 0xffc00000u);
}

/* Flags loadable by IRET at a given CPL and IOPL, outside V86. */
static uint32_t iret__changeable(const struct cpu *cpu)
{
    uint32_t ch = F_ARITH | F_TF | F_DF | F_NT | F_RF | F_AC | F_ID;
    if (cpu->cpl <= cpu__iopl(cpu))
        ch |= F_IF;
    if (cpu->cpl == 0)
        ch |= F_IOPL | F_VIF | F_VIP;
    return ch;
}

/* Real mode, and V86 mode with IOPL 3 (which keeps IOPL, VM, VIF, VIP). */
static void iret__real(struct cpu *cpu, int size, bool v86)
{
    uint32_t eip = stack_peek(cpu, 0, size);
    uint16_t cs = stack_peek(cpu, size, size);
    uint32_t fl = stack_peek(cpu, 2 * size, size);
    uint32_t ch = F_ARITH | F_TF | F_IF | F_DF | F_NT | F_RF | F_AC | F_ID;

    if (!v86)
        ch |= F_IOPL;
    if (eip > 0xffff)
        cpu__raise_err(cpu, EXC_GP, 0);
    iret__release(cpu, 3 * size);
    if (v86)
        sys__load_v86_seg(cpu, S_CS, cs);
    else
        cpu__load_real_seg(cpu, S_CS, cs);
    cpu->eip = eip;
    iret__set_flags(cpu, fl, ch, size);
}

/* Protected mode, popped EFLAGS.VM=1 at CPL 0 (SDM: RETURN-TO-VIRTUAL-8086-MODE). */
static void iret__to_v86(struct cpu *cpu, uint32_t eip, uint16_t cs, uint32_t fl)
{
    static const int segs[] = { S_ES, S_DS, S_FS, S_GS };
    uint32_t esp = stack_peek(cpu, 12, 4);
    uint16_t ss = stack_peek(cpu, 16, 4);
    uint16_t sel[4];

    for (int i = 0; i < 4; i++)
        sel[i] = stack_peek(cpu, 20 + 4 * i, 4);
    cpu->eflags = (fl & ~(0x8u | 0x20u | 0x8000u | 0xffc00000u)) | F_FIXED1;
    sys__load_v86_seg(cpu, S_CS, cs);
    sys__load_v86_seg(cpu, S_SS, ss);
    for (int i = 0; i < 4; i++)
        sys__load_v86_seg(cpu, segs[i], sel[i]);
    cpu->gpr[R_ESP] = esp;
    cpu->eip = eip & 0xffff;
    cpu->cpl = 3;
}

/* NT=1: return to the task named by the current TSS's back link. */
static void iret__task_return(struct cpu *cpu)
{
    uint16_t link = lmem_read(cpu, cpu->seg[S_TR].base, 2);
    uint32_t lo, hi;

    if ((link & 4) || !desc__read(cpu, link, &lo, &hi))
        cpu__raise_err(cpu, EXC_TS, err_sel(link, false));
    task__switch(cpu, link, lo, hi, TASK_IRET);
}

/* The SS:ESP popped on a return to an outer level, checked against the
 * new CS's RPL. */
static void iret__outer_stack(struct cpu *cpu, int size, int rpl, struct seg_cache *ss,
                              uint32_t *esp)
{
    uint32_t lo, hi;
    *esp = stack_peek(cpu, 3 * size, size);
    uint16_t sel = stack_peek(cpu, 4 * size, size);

    if ((sel & 0xfffc) == 0)
        cpu__raise_err(cpu, EXC_GP, 0);
    if (!desc__read(cpu, sel, &lo, &hi) || (sel & 3) != rpl || DESC_DPL_OF(hi) != (uint32_t)rpl
        || (DESC_SYS_TYPE(hi) & (DESC_S | DESC_CODE | DESC_W)) != (DESC_S | DESC_W))
        cpu__raise_err(cpu, EXC_GP, err_sel(sel, false));
    if (!DESC_PRESENT(hi))
        cpu__raise_err(cpu, EXC_SS, err_sel(sel, false));
    hi = sys__mark_accessed(cpu, sel, hi);
    desc__to_cache(ss, sel, lo, hi);
}

static void iret__protected(struct cpu *cpu, int size)
{
    uint32_t eip = stack_peek(cpu, 0, size);
    uint16_t cs = stack_peek(cpu, size, size);
    uint32_t fl = stack_peek(cpu, 2 * size, size);
    uint32_t lo, hi;

    if (size == 4 && (fl & F_VM) && cpu->cpl == 0) {
        iret__to_v86(cpu, eip, cs, fl);
        return;
    }
    if ((cs & 0xfffc) == 0)
        cpu__raise_err(cpu, EXC_GP, 0);
    int rpl = cs & 3;
    if (!desc__read(cpu, cs, &lo, &hi)
        || (DESC_SYS_TYPE(hi) & (DESC_S | DESC_CODE)) != (DESC_S | DESC_CODE) || rpl < cpu->cpl)
        cpu__raise_err(cpu, EXC_GP, err_sel(cs, false));
    bool conforming = DESC_SYS_TYPE(hi) & DESC_C;
    if (conforming ? DESC_DPL_OF(hi) > (uint32_t)rpl : DESC_DPL_OF(hi) != (uint32_t)rpl)
        cpu__raise_err(cpu, EXC_GP, err_sel(cs, false));
    if (!DESC_PRESENT(hi))
        cpu__raise_err(cpu, EXC_NP, err_sel(cs, false));

    struct seg_cache ss, code;
    uint32_t esp = 0;
    bool outer = rpl > cpu->cpl;
    if (outer)
        iret__outer_stack(cpu, size, rpl, &ss, &esp);
    desc__to_cache(&code, cs, lo, hi);
    if (eip > code.limit)
        cpu__raise_err(cpu, EXC_GP, 0);
    hi = sys__mark_accessed(cpu, cs, hi);

    /* Commit: flags first, as they depend on the old CPL. */
    iret__set_flags(cpu, fl, iret__changeable(cpu), size);
    sys__set_cs(cpu, cs, lo, hi, rpl);
    cpu->eip = eip;
    if (outer) {
        cpu->seg[S_SS] = ss;
        iret__set_sp(cpu, esp);
        sys__drop_inner_segments(cpu);
    } else {
        iret__release(cpu, 3 * size);
    }
}

/* CF: IRET / IRETD. */
static void op_iret(struct cpu *cpu, struct insn *in)
{
    int size = in->opsize;

    if (!cpu__pmode(cpu))
        iret__real(cpu, size, false);
    else if (cpu__v86(cpu)) {
        /* Without CR4.VME, IRET in V86 mode is IOPL-sensitive (SDM vol. 3, 20.2.7). */
        if (cpu__iopl(cpu) < 3)
            cpu__raise_err(cpu, EXC_GP, 0);
        iret__real(cpu, size, true);
    } else if (cpu->eflags & F_NT)
        iret__task_return(cpu);
    else
        iret__protected(cpu, size);
}

void iret__register(void)
{
    interp__set_op(0xcf, op_iret);
}
