/* segment.c - descriptor tables and the loads of data/stack segment
 * registers with the protected-mode checks (SDM vol. 3, 3.4-3.5 and 5.5;
 * vol. 2, MOV/POP). */
#include "interp/internal.h"

bool desc__read(struct cpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
    uint32_t base, limit;

    if (sel & 4) {
        const struct seg_cache *ldt = &cpu->seg[S_LDTR];
        if (!(ldt->attr & DESC_P)) /* LDTR holds a null selector */
            return false;
        base = ldt->base;
        limit = ldt->limit;
    } else {
        base = cpu->gdtr.base;
        limit = cpu->gdtr.limit;
    }
    if ((uint32_t)(sel | 7) > limit)
        return false;
    *lo = lmem_read(cpu, base + (sel & ~7u), 4);
    *hi = lmem_read(cpu, base + (sel & ~7u) + 4, 4);
    return true;
}

void desc__write_hi(struct cpu *cpu, uint16_t sel, uint32_t hi)
{
    uint32_t base = (sel & 4) ? cpu->seg[S_LDTR].base : cpu->gdtr.base;
    lmem_write(cpu, base + (sel & ~7u) + 4, 4, hi);
}

void desc__to_cache(struct seg_cache *c, uint16_t sel, uint32_t lo, uint32_t hi)
{
    uint32_t limit = (lo & 0xffff) | (hi & 0xf0000);

    c->sel = sel;
    c->base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
    c->attr = ((hi >> 8) & 0xff) | ((hi >> 12) & 0xf00);
    c->limit = (c->attr & DESC_G) ? (limit << 12) | 0xfff : limit;
}

/* The checks of a protected-mode load (SDM vol. 2, MOV "Operation"):
 * SS needs RPL = CPL = DPL and a writable data segment; DS, ES, FS, GS
 * need a data or readable code segment, and unless it is conforming code,
 * DPL >= max(CPL, RPL). Not present is #SS(sel) for SS, #NP(sel) else. */
static void seg__check(struct cpu *cpu, int seg, uint16_t sel, uint32_t hi)
{
    uint32_t attr = (hi >> 8) & 0xff;
    int dpl = (attr & DESC_DPL) >> DESC_DPL_SHIFT;
    int rpl = sel & 3;
    uint32_t err = sel & 0xfffc;

    if (seg == S_SS) {
        bool writable_data = (attr & (DESC_S | DESC_CODE | DESC_W)) == (DESC_S | DESC_W);
        if (rpl != cpu->cpl || dpl != cpu->cpl || !writable_data)
            cpu__raise_err(cpu, EXC_GP, err);
        if (!(attr & DESC_P))
            cpu__raise_err(cpu, EXC_SS, err);
        return;
    }
    if (!(attr & DESC_S) || (attr & (DESC_CODE | DESC_R)) == DESC_CODE)
        cpu__raise_err(cpu, EXC_GP, err);
    bool conforming = (attr & (DESC_CODE | DESC_C)) == (DESC_CODE | DESC_C);
    if (!conforming && (rpl > dpl || cpu->cpl > dpl))
        cpu__raise_err(cpu, EXC_GP, err);
    if (!(attr & DESC_P))
        cpu__raise_err(cpu, EXC_NP, err);
}

void seg__load(struct cpu *cpu, int seg, uint16_t sel)
{
    if (!cpu__pmode(cpu) || cpu__v86(cpu)) {
        cpu__load_real_seg(cpu, seg, sel);
    } else if ((sel & 0xfffc) == 0) {
        /* A null selector: allowed except in SS; any later access through
         * it is #GP(0) (the cache is marked not present). */
        if (seg == S_SS)
            cpu__raise_err(cpu, EXC_GP, 0);
        cpu->seg[seg] = (struct seg_cache){ .sel = sel };
    } else {
        uint32_t lo, hi;
        if (!desc__read(cpu, sel, &lo, &hi))
            cpu__raise_err(cpu, EXC_GP, sel & 0xfffc);
        seg__check(cpu, seg, sel, hi);
        if (!(hi & (DESC_A << 8))) {
            hi |= DESC_A << 8;
            desc__write_hi(cpu, sel, hi);
        }
        desc__to_cache(&cpu->seg[seg], sel, lo, hi);
    }
    if (seg == S_SS)
        cpu->inhibit_irq = true;
}
