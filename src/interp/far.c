/* far.c - far JMP, CALL and RET (SDM vol. 2, JMP/CALL/RET "Operation";
 * vol. 3, 5.8): real and V86 mode, direct transfers to code segments, task
 * gates and TSS descriptors. Call gates are in call_gate.c. */
#include "interp/far.h"

#include "interp/system_internal.h"

void far__check_room(struct cpu *cpu, const struct seg_cache *ss, uint32_t esp, int n, int size,
                     uint32_t error)
{
    uint32_t mask = far__stack_mask(ss);
    for (int i = 1; i <= n; i++) {
        if (!sys__in_limit(ss, (esp - (uint32_t)i * size) & mask, size))
            cpu__raise_err(cpu, EXC_SS, error);
    }
}

void far__push_return(struct cpu *cpu, int size)
{
    uint32_t mask = far__stack_mask(&cpu->seg[S_SS]);
    uint32_t esp = cpu->gpr[R_ESP];
    uint32_t eip = size == 4 ? cpu->eip : cpu->eip & 0xffff;

    /* Both writes before ESP moves, so a #PF leaves ESP unchanged. A
     * 32-bit push of CS writes the selector zero-extended. */
    vmem_write(cpu, S_SS, (esp - size) & mask, size, cpu->seg[S_CS].sel);
    vmem_write(cpu, S_SS, (esp - 2 * size) & mask, size, eip);
    stack_adjust(cpu, -2u * size);
}

/* Real-address and V86 mode: CS = sel with base sel << 4. */
static void far__real(struct cpu *cpu, uint16_t sel, uint32_t off, int opsize, bool call)
{
    if (opsize == 2)
        off &= 0xffff;
    if (off > cpu->seg[S_CS].limit)
        cpu__raise_err(cpu, EXC_GP, 0);
    if (call)
        far__push_return(cpu, opsize);
    cpu__load_real_seg(cpu, S_CS, sel);
    cpu->eip = off;
}

void far__enter_code(struct cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi, uint32_t eip,
                     int push_size)
{
    struct seg_cache cs;

    desc__to_cache(&cs, sel, lo, hi);
    if (eip > cs.limit)
        cpu__raise_err(cpu, EXC_GP, 0);
    sys__mark_accessed(cpu, sel, hi);
    if (push_size)
        far__push_return(cpu, push_size);
    sys__set_cs(cpu, sel, lo, hi, cpu->cpl);
    cpu->eip = eip;
}

/* A code segment named directly: conforming needs DPL <= CPL, non-conforming
 * RPL <= CPL and DPL = CPL; the CPL does not change. */
static void far__code(struct cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi, uint32_t off,
                      int opsize, bool call)
{
    int dpl = DESC_DPL_OF(hi);
    bool conforming = DESC_SYS_TYPE(hi) & DESC_C;

    if (conforming ? dpl > cpu->cpl : (sel & 3) > cpu->cpl || dpl != cpu->cpl)
        cpu__raise_err(cpu, EXC_GP, sel & 0xfffc);
    if (!DESC_PRESENT(hi))
        cpu__raise_err(cpu, EXC_NP, sel & 0xfffc);
    if (call)
        far__check_room(cpu, &cpu->seg[S_SS], cpu->gpr[R_ESP], 2, opsize, 0);
    far__enter_code(cpu, sel, lo, hi, opsize == 2 ? off & 0xffff : off, call ? opsize : 0);
}

/* A TSS descriptor or a task gate: the DPL checks are the transfer's; the
 * TSS type, busy and present checks are task__switch's (SDM vol. 3, 7.3). */
static void far__task(struct cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi, bool call)
{
    int dpl = DESC_DPL_OF(hi);
    if (dpl < cpu->cpl || dpl < (sel & 3))
        cpu__raise_err(cpu, EXC_GP, sel & 0xfffc);
    if (DESC_SYS_TYPE(hi) == 0x05) {
        if (!DESC_PRESENT(hi))
            cpu__raise_err(cpu, EXC_NP, sel & 0xfffc);
        sel = lo >> 16;
        if ((sel & 4) || !desc__read(cpu, sel, &lo, &hi))
            cpu__raise_err(cpu, EXC_GP, sel & 0xfffc);
    } else if (sel & 4) {
        cpu__raise_err(cpu, EXC_GP, sel & 0xfffc); /* TSS descriptors live in the GDT */
    }
    task__switch(cpu, sel, lo, hi, call ? TASK_CALL : TASK_JMP);
}

static void far__transfer(struct cpu *cpu, uint16_t sel, uint32_t off, int opsize, bool call)
{
    uint32_t lo, hi;

    if (!cpu__pmode(cpu) || cpu__v86(cpu)) {
        far__real(cpu, sel, off, opsize, call);
        return;
    }
    if ((sel & 0xfffc) == 0)
        cpu__raise_err(cpu, EXC_GP, 0);
    if (!desc__read(cpu, sel, &lo, &hi))
        cpu__raise_err(cpu, EXC_GP, sel & 0xfffc);

    switch (DESC_SYS_TYPE(hi)) {
    case 0x18 ... 0x1f:
        far__code(cpu, sel, lo, hi, off, opsize, call);
        break;
    case 0x04: /* 16-bit call gate */
    case 0x0c: /* 32-bit call gate */
        far__call_gate(cpu, sel, lo, hi, call);
        break;
    case 0x01: /* available 16-bit TSS */
    case 0x05: /* task gate */
    case 0x09: /* available 32-bit TSS */
        far__task(cpu, sel, lo, hi, call);
        break;
    default:
        cpu__raise_err(cpu, EXC_GP, sel & 0xfffc);
    }
}

void far__jmp(struct cpu *cpu, uint16_t sel, uint32_t off, int opsize)
{
    far__transfer(cpu, sel, off, opsize, false);
}

void far__call(struct cpu *cpu, uint16_t sel, uint32_t off, int opsize)
{
    far__transfer(cpu, sel, off, opsize, true);
}

/* Check the SS selector a return to outer privilege level rpl pops
 * (SDM vol. 2, RET: RETURN-TO-OUTER-PRIVILEGE-LEVEL). */
static void far__outer_ss(struct cpu *cpu, uint16_t sel, int rpl, uint32_t *lo, uint32_t *hi)
{
    if ((sel & 0xfffc) == 0)
        cpu__raise_err(cpu, EXC_GP, 0);
    if (!desc__read(cpu, sel, lo, hi) || (sel & 3) != rpl || DESC_DPL_OF(*hi) != (uint32_t)rpl
        || (DESC_SYS_TYPE(*hi) & (DESC_S | DESC_CODE | DESC_W)) != (DESC_S | DESC_W))
        cpu__raise_err(cpu, EXC_GP, sel & 0xfffc);
    if (!DESC_PRESENT(*hi))
        cpu__raise_err(cpu, EXC_SS, sel & 0xfffc);
}

/* Protected-mode RETF after the return CS:EIP were read. */
static void far__ret_protected(struct cpu *cpu, uint16_t sel, uint32_t eip, int opsize, uint16_t imm)
{
    uint32_t lo, hi, slo, shi;
    int rpl = sel & 3;

    if ((sel & 0xfffc) == 0)
        cpu__raise_err(cpu, EXC_GP, 0);
    if (!desc__read(cpu, sel, &lo, &hi))
        cpu__raise_err(cpu, EXC_GP, sel & 0xfffc);
    int dpl = DESC_DPL_OF(hi);
    bool conforming = DESC_SYS_TYPE(hi) & DESC_C;
    if ((DESC_SYS_TYPE(hi) & (DESC_S | DESC_CODE)) != (DESC_S | DESC_CODE) || rpl < cpu->cpl
        || (conforming ? dpl > rpl : dpl != rpl))
        cpu__raise_err(cpu, EXC_GP, sel & 0xfffc);
    if (!DESC_PRESENT(hi))
        cpu__raise_err(cpu, EXC_NP, sel & 0xfffc);

    if (rpl == cpu->cpl) {
        far__enter_code(cpu, sel, lo, hi, eip, 0);
        stack_adjust(cpu, 2 * opsize + imm);
        return;
    }

    /* Return to an outer level: the caller's SS:ESP sit above the
     * parameters that imm releases. */
    uint32_t esp = stack_peek(cpu, 2 * opsize + imm, opsize);
    uint16_t ss_sel = stack_peek(cpu, 3 * opsize + imm, opsize);
    struct seg_cache cs, ss;
    far__outer_ss(cpu, ss_sel, rpl, &slo, &shi);
    desc__to_cache(&cs, sel, lo, hi);
    if (eip > cs.limit)
        cpu__raise_err(cpu, EXC_GP, 0);
    sys__mark_accessed(cpu, sel, hi);
    sys__mark_accessed(cpu, ss_sel, shi);

    sys__set_cs(cpu, sel, lo, hi, rpl);
    cpu->eip = eip;
    desc__to_cache(&ss, ss_sel, slo, shi);
    cpu->seg[S_SS] = ss;
    reg_set(cpu, R_ESP, opsize, esp); /* a 16-bit pop loads SP alone */
    stack_adjust(cpu, imm);
    sys__drop_inner_segments(cpu);
}

void far__ret(struct cpu *cpu, int opsize, uint16_t imm)
{
    /* Read the whole return address before anything changes. */
    uint32_t eip = stack_peek(cpu, 0, opsize);
    uint16_t sel = stack_peek(cpu, opsize, opsize);

    if (cpu__pmode(cpu) && !cpu__v86(cpu)) {
        far__ret_protected(cpu, sel, eip, opsize, imm);
        return;
    }
    if (eip > cpu->seg[S_CS].limit)
        cpu__raise_err(cpu, EXC_GP, 0);
    cpu__load_real_seg(cpu, S_CS, sel);
    cpu->eip = eip;
    stack_adjust(cpu, 2 * opsize + imm);
}
