/* intr.c - delivery of exceptions and interrupts through the real-mode IVT
 * and the protected-mode IDT: gate checks, the stack switch through the
 * TSS, and the frame pushed for the handler (SDM vol. 3, 6.12; vol. 2, INT n). */
#include "interp/internal.h"
#include "interp/system_internal.h"

/* Real mode: FLAGS, CS, IP on the current stack, then CS:IP from the IVT. */
static void intr__deliver_real(struct cpu *cpu, const struct intr_event *ev)
{
    uint32_t ent = (uint32_t)ev->vector * 4;
    uint32_t mask = cpu__stack32(cpu) ? 0xffffffffu : 0xffffu;
    uint32_t sp = cpu->gpr[R_ESP];

    if (ent + 3 > cpu->idtr.limit)
        cpu__raise_err(cpu, EXC_GP, err_idt(ev->vector, ev->kind != INTR_SOFT));
    uint32_t ip = lmem_read(cpu, cpu->idtr.base + ent, 2);
    uint16_t cs = lmem_read(cpu, cpu->idtr.base + ent + 2, 2);

    /* Each push wraps within the 64 KiB stack on its own; a fault on a later
     * push leaves only stack bytes below SP written. */
    vmem_write(cpu, S_SS, (sp - 2) & mask, 2, cpu->eflags & 0xffff);
    vmem_write(cpu, S_SS, (sp - 4) & mask, 2, cpu->seg[S_CS].sel);
    vmem_write(cpu, S_SS, (sp - 6) & mask, 2, ev->return_eip & 0xffff);

    cpu->gpr[R_ESP] = (sp & ~mask) | ((sp - 6) & mask);
    cpu__load_real_seg(cpu, S_CS, cs);
    cpu->eip = ip;
    cpu->eflags &= ~(F_IF | F_TF | F_AC | F_RF);
}

/* Interrupt or trap gate (SDM vol. 2, INT n: INTER-PRIVILEGE-LEVEL-INTERRUPT,
 * INTRA-PRIVILEGE-LEVEL-INTERRUPT). */
static void intr__through_gate(struct cpu *cpu, const struct intr_event *ev, uint32_t glo,
                               uint32_t ghi, bool ext)
{
    bool gate32 = DESC_SYS_TYPE(ghi) & 8;
    bool int_gate = !(DESC_SYS_TYPE(ghi) & 1);
    uint16_t sel = glo >> 16;
    uint32_t target = gate32 ? (ghi & 0xffff0000u) | (glo & 0xffff) : glo & 0xffff;
    bool v86 = cpu__v86(cpu);
    uint32_t lo, hi;

    if ((sel & 0xfffc) == 0)
        cpu__raise_err(cpu, EXC_GP, ext);
    if (!desc__read(cpu, sel, &lo, &hi)
        || (DESC_SYS_TYPE(hi) & (DESC_S | DESC_CODE)) != (DESC_S | DESC_CODE)
        || DESC_DPL_OF(hi) > (uint32_t)cpu->cpl)
        cpu__raise_err(cpu, EXC_GP, err_sel(sel, ext));
    if (!DESC_PRESENT(hi))
        cpu__raise_err(cpu, EXC_NP, err_sel(sel, ext));

    int dpl = DESC_DPL_OF(hi);
    bool conforming = DESC_SYS_TYPE(hi) & DESC_C;
    bool inner = !conforming && dpl < cpu->cpl;
    int new_cpl = inner ? dpl : cpu->cpl;
    struct seg_cache ss = cpu->seg[S_SS], cs;
    uint32_t esp = cpu->gpr[R_ESP];

    if ((inner && v86 && dpl != 0) || (!inner && v86))
        cpu__raise_err(cpu, EXC_GP, err_sel(sel, ext));
    if (inner) {
        uint32_t ss_hi;
        sys__inner_stack(cpu, dpl, ext, &ss, &ss_hi, &esp);
        sys__mark_accessed(cpu, ss.sel, ss_hi); /* a data segment: A is set */
        ss.attr |= DESC_A;
    }

    /* The frame, in push order. */
    uint32_t frame[11];
    int n = 0;
    if (v86) {
        frame[n++] = cpu->seg[S_GS].sel;
        frame[n++] = cpu->seg[S_FS].sel;
        frame[n++] = cpu->seg[S_DS].sel;
        frame[n++] = cpu->seg[S_ES].sel;
    }
    if (inner) {
        frame[n++] = cpu->seg[S_SS].sel;
        frame[n++] = cpu->gpr[R_ESP];
    }
    frame[n++] = cpu->eflags | (ev->set_rf ? F_RF : 0);
    frame[n++] = cpu->seg[S_CS].sel;
    frame[n++] = ev->return_eip;
    if (ev->has_error)
        frame[n++] = ev->error;

    int size = gate32 ? 4 : 2;
    uint32_t mask = (ss.attr & DESC_DB) ? 0xffffffffu : 0xffffu;
    for (int i = 0; i < n; i++) {
        if (!sys__in_limit(&ss, (esp - (uint32_t)(i + 1) * size) & mask, size))
            cpu__raise_err(cpu, EXC_SS, inner ? err_sel(ss.sel, ext) : ext);
    }
    desc__to_cache(&cs, (sel & 0xfffc) | new_cpl, lo, hi);
    if (!gate32)
        target &= 0xffff;
    if (target > cs.limit)
        cpu__raise_err(cpu, EXC_GP, ext);
    hi = sys__mark_accessed(cpu, sel, hi);

    /* Write the frame: the inner stack with supervisor rights, the current
     * one with the CPL's. */
    for (int i = 0; i < n; i++) {
        uint32_t off = (esp - (uint32_t)(i + 1) * size) & mask;
        uint32_t v = size == 4 ? frame[i] : frame[i] & 0xffff;
        if (inner)
            lmem_write(cpu, ss.base + off, size, v);
        else
            vmem_write(cpu, S_SS, off, size, v);
    }

    /* Commit. */
    if (v86) {
        static const int data[] = { S_ES, S_DS, S_FS, S_GS };
        for (unsigned i = 0; i < 4; i++)
            cpu->seg[data[i]] = (struct seg_cache){ 0 };
    }
    cpu->seg[S_SS] = ss;
    cpu->gpr[R_ESP] = (esp & ~mask) | ((esp - (uint32_t)n * size) & mask);
    sys__set_cs(cpu, sel, lo, hi, new_cpl);
    cpu->eip = target;
    cpu->eflags &= ~(F_TF | F_NT | F_RF | F_VM);
    if (int_gate)
        cpu->eflags &= ~F_IF;
}

/* Task gate: switch tasks, then push the error code on the new task's stack
 * (SDM vol. 2, INT n: TASK-GATE). */
static void intr__through_task_gate(struct cpu *cpu, const struct intr_event *ev, uint32_t glo,
                                    bool ext)
{
    uint16_t sel = glo >> 16;
    uint32_t lo, hi;

    if ((sel & 4) || !desc__read(cpu, sel, &lo, &hi))
        cpu__raise_err(cpu, EXC_GP, err_sel(sel, ext));
    cpu->eip = ev->return_eip;
    bool trap = task__switch_ext(cpu, sel, lo, hi, TASK_INT, ext);
    if (ev->has_error) {
        int size = (cpu->seg[S_TR].attr & 8) ? 4 : 2;
        uint32_t mask = cpu__stack32(cpu) ? 0xffffffffu : 0xffffu;
        if (!sys__in_limit(&cpu->seg[S_SS], (cpu->gpr[R_ESP] - size) & mask, size))
            cpu__raise_err(cpu, EXC_SS, ext);
        stack_push(cpu, size, ev->error);
    }
    if (trap)
        task__debug_trap(cpu);
}

static void intr__deliver_protected(struct cpu *cpu, const struct intr_event *ev)
{
    bool ext = ev->kind != INTR_SOFT;
    uint32_t ent = (uint32_t)ev->vector * 8;
    uint32_t lo, hi;

    if (ent + 7 > cpu->idtr.limit)
        cpu__raise_err(cpu, EXC_GP, err_idt(ev->vector, ext));
    lo = lmem_read(cpu, cpu->idtr.base + ent, 4);
    hi = lmem_read(cpu, cpu->idtr.base + ent + 4, 4);

    switch (DESC_SYS_TYPE(hi)) {
    case 0x05: case 0x06: case 0x07: case 0x0e: case 0x0f:
        break;
    default:
        cpu__raise_err(cpu, EXC_GP, err_idt(ev->vector, ext));
    }
    if (ev->kind == INTR_SOFT && DESC_DPL_OF(hi) < (uint32_t)cpu->cpl)
        cpu__raise_err(cpu, EXC_GP, err_idt(ev->vector, false));
    if (!DESC_PRESENT(hi))
        cpu__raise_err(cpu, EXC_NP, err_idt(ev->vector, ext));

    if (DESC_SYS_TYPE(hi) == 0x05)
        intr__through_task_gate(cpu, ev, lo, ext);
    else
        intr__through_gate(cpu, ev, lo, hi, ext);
}

void intr__deliver(struct cpu *cpu, const struct intr_event *ev)
{
    cpu->inhibit_irq = false;
    if (cpu__pmode(cpu))
        intr__deliver_protected(cpu, ev);
    else
        intr__deliver_real(cpu, ev);
}
