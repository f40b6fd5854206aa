/* call_gate.c - far JMP and CALL through call gates, including the CALL to
 * a more privileged level: stack switch through the TSS and the copy of the
 * parameters (SDM vol. 3, 5.8.5-5.8.6; vol. 2, CALL "CALL-GATE"). */
#include "interp/far.h"

#include "interp/system_internal.h"

/* SDM vol. 2, CALL (MORE-PRIVILEGE) and INT n (INTER-PRIVILEGE-LEVEL-
 * INTERRUPT) read the new stack the same way: the limit must cover the
 * ESP and SS fields (TSSstackAddress + 5 for a 32-bit TSS, + 3 for a
 * 16-bit one; older SDMs, e.g. 253666-024, gave INT n + 7 and + 4),
 * then SS must be a present, writable data segment with RPL = DPL = the
 * new CPL. */
void sys__inner_stack(struct cpu *cpu, int dpl, bool ext, struct seg_cache *ss, uint32_t *ss_hi,
                      uint32_t *esp)
{
    const struct seg_cache *tr = &cpu->seg[S_TR];
    bool tss32 = (tr->attr & 8) != 0;
    uint32_t pos = tss32 ? 4 + dpl * 8 : 2 + dpl * 4;
    uint32_t lo, hi;

    if (pos + (tss32 ? 5 : 3) > tr->limit)
        cpu__raise_err(cpu, EXC_TS, err_sel(tr->sel, ext));
    *esp = lmem_read(cpu, tr->base + pos, tss32 ? 4 : 2);
    uint16_t sel = lmem_read(cpu, tr->base + pos + (tss32 ? 4 : 2), 2);

    if ((sel & 0xfffc) == 0)
        cpu__raise_err(cpu, EXC_TS, ext);
    if (!desc__read(cpu, sel, &lo, &hi) || (sel & 3) != dpl || DESC_DPL_OF(hi) != (uint32_t)dpl
        || (DESC_SYS_TYPE(hi) & (DESC_S | DESC_CODE | DESC_W)) != (DESC_S | DESC_W))
        cpu__raise_err(cpu, EXC_TS, err_sel(sel, ext));
    if (!DESC_PRESENT(hi))
        cpu__raise_err(cpu, EXC_SS, err_sel(sel, ext));
    desc__to_cache(ss, sel, lo, hi);
    *ss_hi = hi;
}

/* CALL to a non-conforming segment of higher privilege dpl: switch to the
 * TSS stack, push the caller's SS:ESP, count parameters copied from the
 * caller's stack, then CS:EIP. Every read and write happens before any
 * register changes, so a fault restarts the CALL cleanly. */
static void gate__call_inner(struct cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi,
                             uint32_t eip, int size, int count)
{
    int dpl = DESC_DPL_OF(hi);
    struct seg_cache ss, cs;
    uint32_t esp, ss_hi;

    sys__inner_stack(cpu, dpl, false, &ss, &ss_hi, &esp);
    far__check_room(cpu, &ss, esp, 4 + count, size, ss.sel & 0xfffc);
    desc__to_cache(&cs, sel, lo, hi);
    if (eip > cs.limit)
        cpu__raise_err(cpu, EXC_GP, 0);

    uint32_t frame[4 + 31];
    int n = 0;
    frame[n++] = cpu->seg[S_SS].sel;
    frame[n++] = cpu->gpr[R_ESP];
    for (int i = count - 1; i >= 0; i--)
        frame[n++] = stack_peek(cpu, (uint32_t)i * size, size);
    frame[n++] = cpu->seg[S_CS].sel;
    frame[n++] = cpu->eip;

    /* The new stack is written with supervisor rights (the new CPL). */
    uint32_t mask = far__stack_mask(&ss);
    for (int i = 0; i < n; i++)
        lmem_write(cpu, ss.base + ((esp - (uint32_t)(i + 1) * size) & mask), size,
                   size == 4 ? frame[i] : frame[i] & 0xffff);
    sys__mark_accessed(cpu, ss.sel, ss_hi);
    sys__mark_accessed(cpu, sel, hi);

    cpu->seg[S_SS] = ss;
    cpu->gpr[R_ESP] = (esp & ~mask) | ((esp - (uint32_t)n * size) & mask);
    sys__set_cs(cpu, sel, lo, hi, dpl);
    cpu->eip = eip;
}

void far__call_gate(struct cpu *cpu, uint16_t gsel, uint32_t glo, uint32_t ghi, bool call)
{
    int gdpl = DESC_DPL_OF(ghi);
    bool gate32 = DESC_SYS_TYPE(ghi) & 8;
    int size = gate32 ? 4 : 2;
    uint16_t sel = glo >> 16;
    uint32_t eip = gate32 ? (ghi & 0xffff0000u) | (glo & 0xffff) : glo & 0xffff;
    uint32_t lo, hi;

    if (gdpl < cpu->cpl || gdpl < (gsel & 3))
        cpu__raise_err(cpu, EXC_GP, gsel & 0xfffc);
    if (!DESC_PRESENT(ghi))
        cpu__raise_err(cpu, EXC_NP, gsel & 0xfffc);
    if ((sel & 0xfffc) == 0)
        cpu__raise_err(cpu, EXC_GP, 0);
    if (!desc__read(cpu, sel, &lo, &hi))
        cpu__raise_err(cpu, EXC_GP, sel & 0xfffc);

    int dpl = DESC_DPL_OF(hi);
    bool code = (DESC_SYS_TYPE(hi) & (DESC_S | DESC_CODE)) == (DESC_S | DESC_CODE);
    bool conforming = DESC_SYS_TYPE(hi) & DESC_C;
    /* CALL may go to any DPL <= CPL; JMP keeps the CPL, so a non-conforming
     * target must have DPL = CPL. */
    if (!code || dpl > cpu->cpl || (!call && !conforming && dpl != cpu->cpl))
        cpu__raise_err(cpu, EXC_GP, sel & 0xfffc);
    if (!DESC_PRESENT(hi))
        cpu__raise_err(cpu, EXC_NP, sel & 0xfffc);

    if (call && !conforming && dpl < cpu->cpl) {
        gate__call_inner(cpu, sel, lo, hi, eip, size, ghi & 0x1f);
        return;
    }
    if (call)
        far__check_room(cpu, &cpu->seg[S_SS], cpu->gpr[R_ESP], 2, size, 0);
    far__enter_code(cpu, sel, lo, hi, eip, call ? size : 0);
}
