/* sys_seg.c - small segment helpers shared by event delivery, IRET and the
 * task switch. */
#include "interp/internal.h"
#include "interp/system_internal.h"

uint32_t sys__mark_accessed(struct cpu *cpu, uint16_t sel, uint32_t hi)
{
    if ((hi & (DESC_S << 8)) && !(hi & (DESC_A << 8))) {
        hi |= DESC_A << 8;
        desc__write_hi(cpu, sel, hi);
    }
    return hi;
}

void sys__set_cs(struct cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi, int cpl)
{
    desc__to_cache(&cpu->seg[S_CS], (sel & 0xfffc) | cpl, lo, hi);
    cpu->cpl = cpl;
}

bool sys__in_limit(const struct seg_cache *c, uint32_t offset, uint32_t size)
{
    uint32_t last = offset + size - 1;
    if (last < offset)
        return false;
    if ((c->attr & (DESC_S | DESC_CODE | DESC_E)) == (DESC_S | DESC_E)) {
        uint32_t top = (c->attr & DESC_DB) ? 0xffffffffu : 0xffffu;
        return offset > c->limit && last <= top;
    }
    return last <= c->limit;
}

void sys__drop_inner_segments(struct cpu *cpu)
{
    static const int data[] = { S_ES, S_DS, S_FS, S_GS };

    for (unsigned i = 0; i < 4; i++) {
        struct seg_cache *c = &cpu->seg[data[i]];
        bool conforming_code = (c->attr & (DESC_CODE | DESC_C)) == (DESC_CODE | DESC_C);
        int dpl = (c->attr & DESC_DPL) >> DESC_DPL_SHIFT;
        /* A null selector already has attr 0: nothing to drop. */
        if ((c->attr & DESC_S) && !conforming_code && dpl < cpu->cpl)
            *c = (struct seg_cache){ 0 };
    }
}

void sys__load_v86_seg(struct cpu *cpu, int seg, uint16_t sel)
{
    uint16_t type = seg == S_CS ? DESC_CODE | DESC_R : DESC_W;
    cpu->seg[seg] = (struct seg_cache){
        .sel = sel,
        .base = (uint32_t)sel << 4,
        .limit = 0xffff,
        .attr = type | DESC_A | DESC_S | DESC_P | (3 << DESC_DPL_SHIFT),
    };
}
