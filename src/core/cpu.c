/* cpu.c - power-on reset state of the vCPU (SDM vol. 3, 9.1.1). */
#include "cpu.h"

#include <string.h>

#include "interp/internal.h"

void cpu__load_real_seg(struct cpu *cpu, int seg, uint16_t sel)
{
    /* Real mode changes only the selector and base; the limit and
     * attributes keep what the last protected-mode load cached. */
    cpu->seg[seg].sel = sel;
    cpu->seg[seg].base = (uint32_t)sel << 4;
}

void cpu__reset(struct cpu *cpu)
{
    struct machine *m = cpu->m;

    memset(cpu, 0, offsetof(struct cpu, m));
    cpu->m = m;
    cpu->eflags = F_FIXED1;
    cpu->eip = 0xfff0;
    cpu->cr0 = CR0_ET | CR0_CD | CR0_NW;
    cpu->gpr[R_EDX] = 0x0600 | 0x50 | 0x2; /* family 6, model 5, stepping 2 */
    for (int s = 0; s < S_COUNT; s++) {
        cpu->seg[s].limit = 0xffff;
        cpu->seg[s].attr = DESC_P | DESC_S | DESC_W | DESC_A;
    }
    cpu->seg[S_CS].sel = 0xf000;
    cpu->seg[S_CS].base = 0xffff0000u;
    cpu->seg[S_CS].attr = DESC_P | DESC_S | DESC_CODE | DESC_R | DESC_A;
    cpu->seg[S_LDTR].attr = DESC_P | 0x2;  /* LDT */
    cpu->seg[S_TR].attr = DESC_P | 0xb;    /* busy 32-bit TSS */
    cpu->gdtr.limit = cpu->idtr.limit = 0xffff;
    cpu->dr[6] = 0xffff0ff0u;
    cpu->dr[7] = 0x400;
    cpu->a20 = true;
    cpu->msr.apic_base = 0xfee00000u | (1u << 8) | (1u << 11);
    for (int i = 0; i < TLB_SIZE; i++) {
        cpu->tlb[i].lin_page = TLB_INVALID;
        tlb_entry__sync(&cpu->tlb[i]);
    }
    fpu__reset(cpu);
}
