/* task.c - hardware task switching through 32- and 16-bit TSSs (SDM vol. 3,
 * 7.3): checks on the new TSS, saving the old task, busy bits and the back
 * link, then loading the new task, whose faults happen in its context. */
#include "core/stats.h"
#include "interp/internal.h"
#include "interp/system_internal.h"

#define TSS_BUSY_BIT (1u << 9) /* in the descriptor's high dword */

/* A task's dynamic state as stored in its TSS. */
struct tss_image {
    uint32_t eip, eflags, cr3;
    uint32_t gpr[8];
    uint16_t sel[6]; /* ES, CS, SS, DS, FS, GS */
    uint16_t ldt;
    bool trap; /* T bit: #DB before the task's first instruction */
};

/* Offsets of the fields in the 32-bit and the 16-bit TSS. */
struct tss_layout {
    uint8_t eip, eflags, gpr, seg, ldt, size; /* size of EIP/EFLAGS/GPR fields */
    uint8_t nseg;                             /* segment selectors stored */
    uint32_t min_limit;
};
static const struct tss_layout tss32 = { 32, 36, 40, 72, 96, 4, 6, 0x67 };
static const struct tss_layout tss16 = { 14, 16, 18, 34, 42, 2, 4, 0x2b };

static const struct tss_layout *task__layout(uint16_t attr)
{
    return (attr & 8) ? &tss32 : &tss16;
}

static void task__read_image(struct cpu *cpu, uint32_t base, const struct tss_layout *l,
                             struct tss_image *t)
{
    t->eip = lmem_read(cpu, base + l->eip, l->size);
    t->eflags = lmem_read(cpu, base + l->eflags, l->size);
    for (int i = 0; i < 8; i++)
        t->gpr[i] = lmem_read(cpu, base + l->gpr + i * l->size, l->size);
    for (int i = 0; i < 6; i++)
        t->sel[i] = i < l->nseg ? lmem_read(cpu, base + l->seg + i * (l->size == 4 ? 4 : 2), 2) : 0;
    t->ldt = lmem_read(cpu, base + l->ldt, 2);
    t->cr3 = l == &tss32 ? lmem_read(cpu, base + 28, 4) : 0;
    t->trap = l == &tss32 && (lmem_read(cpu, base + 100, 2) & 1);
}

/* Save the current task's dynamic fields in its TSS (not CR3, LDT, link). */
static void task__save(struct cpu *cpu, const struct tss_layout *l, uint32_t eflags)
{
    uint32_t base = cpu->seg[S_TR].base;
    uint32_t step = l->size == 4 ? 4 : 2;

    lmem_write(cpu, base + l->eip, l->size, cpu->eip);
    lmem_write(cpu, base + l->eflags, l->size, eflags);
    for (int i = 0; i < 8; i++)
        lmem_write(cpu, base + l->gpr + i * l->size, l->size, cpu->gpr[i]);
    for (int i = 0; i < l->nseg; i++)
        lmem_write(cpu, base + l->seg + i * step, 2, cpu->seg[i].sel);
}

/* Load the LDTR of the new task (#TS(selector) on any problem). */
static void task__load_ldt(struct cpu *cpu, uint16_t sel, bool ext)
{
    uint32_t lo, hi;

    if ((sel & 0xfffc) == 0) {
        cpu->seg[S_LDTR] = (struct seg_cache){ 0 };
        return;
    }
    if ((sel & 4) || !desc__read(cpu, sel, &lo, &hi) || DESC_SYS_TYPE(hi) != 0x02
        || !DESC_PRESENT(hi))
        cpu__raise_err(cpu, EXC_TS, err_sel(sel, ext));
    desc__to_cache(&cpu->seg[S_LDTR], sel, lo, hi);
}

/* Load segment register seg of the new task with the checks of SDM vol. 3,
 * table 7-1. cpl is the new task's (CS.RPL). */
static void task__load_seg(struct cpu *cpu, int seg, uint16_t sel, int cpl, bool ext)
{
    uint32_t lo, hi;
    uint32_t err = err_sel(sel, ext);

    if ((sel & 0xfffc) == 0) {
        if (seg == S_CS || seg == S_SS)
            cpu__raise_err(cpu, EXC_TS, err);
        cpu->seg[seg] = (struct seg_cache){ .sel = sel };
        return;
    }
    if (!desc__read(cpu, sel, &lo, &hi) || !(hi & (DESC_S << 8)))
        cpu__raise_err(cpu, EXC_TS, err);
    uint32_t type = DESC_SYS_TYPE(hi);
    uint32_t dpl = DESC_DPL_OF(hi);
    bool code = type & DESC_CODE;
    int rpl = sel & 3;
    int fault_np = EXC_NP;

    if (seg == S_CS) {
        if (!code || ((type & DESC_C) ? dpl > (uint32_t)rpl : dpl != (uint32_t)rpl))
            cpu__raise_err(cpu, EXC_TS, err);
    } else if (seg == S_SS) {
        if (code || !(type & DESC_W) || dpl != (uint32_t)cpl || rpl != cpl)
            cpu__raise_err(cpu, EXC_TS, err);
        fault_np = EXC_SS;
    } else {
        bool conforming = code && (type & DESC_C);
        if ((code && !(type & DESC_R))
            || (!conforming && dpl < (uint32_t)(cpl > rpl ? cpl : rpl)))
            cpu__raise_err(cpu, EXC_TS, err);
    }
    if (!DESC_PRESENT(hi))
        cpu__raise_err(cpu, fault_np, err);
    hi = sys__mark_accessed(cpu, sel, hi);
    desc__to_cache(&cpu->seg[seg], sel, lo, hi);
    if (seg == S_CS)
        cpu->cpl = rpl;
}

/* Checks on the new TSS descriptor before anything changes (table 7-1). */
static void task__check_new(struct cpu *cpu, uint16_t sel, uint32_t hi, struct seg_cache *c,
                            enum task_reason why, bool ext)
{
    uint32_t type = DESC_SYS_TYPE(hi);
    bool busy_ok = why == TASK_IRET;
    int busy_exc = why == TASK_IRET ? EXC_TS : EXC_GP;

    if (sel & 4)
        cpu__raise_err(cpu, busy_exc, err_sel(sel, ext));
    if (type != 0x01 && type != 0x03 && type != 0x09 && type != 0x0b)
        cpu__raise_err(cpu, busy_exc, err_sel(sel, ext));
    if (!DESC_PRESENT(hi))
        cpu__raise_err(cpu, EXC_NP, err_sel(sel, ext));
    if (((type & 2) != 0) != busy_ok)
        cpu__raise_err(cpu, busy_exc, err_sel(sel, ext));
    if (c->limit < task__layout(c->attr)->min_limit)
        cpu__raise_err(cpu, EXC_TS, err_sel(sel, ext));
}

bool task__switch_ext(struct cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi,
                      enum task_reason why, bool ext)
{
    struct seg_cache ntr;
    struct tss_image t;
    const struct seg_cache *otr = &cpu->seg[S_TR];
    const struct tss_layout *ol = task__layout(otr->attr);
    uint32_t olo, ohi = 0;

    desc__to_cache(&ntr, sel, lo, hi);
    task__check_new(cpu, sel, hi, &ntr, why, ext);
    const struct tss_layout *nl = task__layout(ntr.attr);
    if (otr->limit < ol->min_limit || ((otr->sel & 0xfffc) && !desc__read(cpu, otr->sel, &olo, &ohi)))
        cpu__raise_err(cpu, EXC_TS, err_sel(otr->sel, ext));

    /* Everything that can fault in the old context: read the new image,
     * save the old task, link the new one. */
    task__read_image(cpu, ntr.base, nl, &t);
    uint32_t saved_flags = cpu->eflags;
    if (why == TASK_IRET)
        saved_flags &= ~F_NT;
    task__save(cpu, ol, saved_flags);
    if (why == TASK_CALL || why == TASK_INT) {
        lmem_write(cpu, ntr.base, 2, otr->sel);
        t.eflags |= F_NT;
    }
    if ((why == TASK_JMP || why == TASK_IRET) && (otr->sel & 0xfffc))
        desc__write_hi(cpu, otr->sel, ohi & ~TSS_BUSY_BIT);
    if (why != TASK_IRET) {
        hi |= TSS_BUSY_BIT;
        desc__write_hi(cpu, sel, hi);
        desc__to_cache(&ntr, sel, lo, hi);
    }

    /* Commit: from here on, faults belong to the new task. */
    stats.task_switches++;
    cpu->seg[S_TR] = ntr;
    cpu->cr0 |= CR0_TS;
    if (nl == &tss32 && (cpu->cr0 & CR0_PG))
        cr__write(cpu, 3, t.cr3);
    if (nl == &tss16)
        t.eflags &= 0xffff;
    cpu->eflags = (t.eflags & ~(0x8u | 0x20u | 0x8000u | 0xffc00000u)) | F_FIXED1;
    cpu->eip = nl == &tss16 ? t.eip & 0xffff : t.eip;
    for (int i = 0; i < 8; i++)
        cpu->gpr[i] = nl == &tss16 ? (cpu->gpr[i] & 0xffff0000u) | t.gpr[i] : t.gpr[i];
    /* Selectors first, descriptors next: a fault while loading leaves the
     * remaining registers with their new selectors and unusable caches. A
     * 16-bit TSS has no FS/GS: they keep their values (undefined per SDM). */
    for (int i = 0; i < nl->nseg; i++)
        cpu->seg[i] = (struct seg_cache){ .sel = t.sel[i] };
    cpu->seg[S_LDTR] = (struct seg_cache){ .sel = t.ldt };
    cpu->insn_eip = cpu->eip;
    cpu->cpl = cpu__v86(cpu) ? 3 : t.sel[S_CS] & 3;

    task__load_ldt(cpu, t.ldt, ext);
    if (cpu__v86(cpu)) {
        for (int i = 0; i < 6; i++)
            sys__load_v86_seg(cpu, i, t.sel[i]);
    } else {
        static const int order[] = { S_CS, S_SS, S_ES, S_DS, S_FS, S_GS };
        for (int i = 0; i < nl->nseg; i++)
            task__load_seg(cpu, order[i], t.sel[order[i]], t.sel[S_CS] & 3, ext);
    }
    if (cpu->eip > cpu->seg[S_CS].limit)
        cpu__raise_err(cpu, EXC_GP, ext);
    return t.trap;
}

/* SDM vol. 3, 17.2.3: DR6.BT, then #DB as a trap whose return address is
 * the new task's first instruction. */
_Noreturn void task__debug_trap(struct cpu *cpu)
{
    cpu->dr[6] |= 1u << 15;
    cpu__raise(cpu, EXC_DB);
}

void task__switch(struct cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi,
                  enum task_reason why)
{
    if (task__switch_ext(cpu, sel, lo, hi, why, false))
        task__debug_trap(cpu);
}
