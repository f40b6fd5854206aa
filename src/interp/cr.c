/* cr.c - writes to CR0, CR2, CR3 and CR4 with their architectural checks
 * and side effects (SDM vol. 3, 2.5 and 4.10.4). */
#include "interp/internal.h"

/* Bits CR0 can hold on this CPU; the others are ignored on write and ET is
 * hardwired to 1 on P6-family processors (SDM vol. 3, 2.5). */
#define CR0_VALID (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | \
                   CR0_AM | CR0_NW | CR0_CD | CR0_PG)
/* CR4 features this CPU has. VME/PVI (no V86 mode extensions) and PAE are
 * absent, so setting them is #GP(0) like any reserved bit. */
#define CR4_VALID (CR4_TSD | CR4_DE | CR4_PSE | CR4_MCE | CR4_PGE | CR4_PCE | \
                   CR4_OSFXSR | CR4_OSXMMEXCPT)
/* CR3 in 32-bit paging: page-directory base, PCD and PWT; other bits are
 * ignored (SDM vol. 3, table 4-3). */
#define CR3_VALID 0xfffff018u

static void cr__write0(struct cpu *cpu, uint32_t v)
{
    if ((v & CR0_PG) && !(v & CR0_PE))
        cpu__raise_err(cpu, EXC_GP, 0);
    if ((v & CR0_NW) && !(v & CR0_CD))
        cpu__raise_err(cpu, EXC_GP, 0);
    v = (v & CR0_VALID) | CR0_ET;
    uint32_t changed = cpu->cr0 ^ v;
    cpu->cr0 = v;
    if (changed & (CR0_PG | CR0_WP | CR0_PE))
        tlb__flush(cpu, true);
}

static void cr__write4(struct cpu *cpu, uint32_t v)
{
    if (v & ~CR4_VALID)
        cpu__raise_err(cpu, EXC_GP, 0);
    uint32_t changed = cpu->cr4 ^ v;
    cpu->cr4 = v;
    if (changed & (CR4_PGE | CR4_PSE))
        tlb__flush(cpu, true);
}

void cr__write(struct cpu *cpu, int n, uint32_t v)
{
    switch (n) {
    case 0:
        cr__write0(cpu, v);
        break;
    case 2:
        cpu->cr2 = v;
        break;
    case 3:
        cpu->cr3 = v & CR3_VALID;
        tlb__flush(cpu, false);
        break;
    case 4:
        cr__write4(cpu, v);
        break;
    default:
        cpu__raise(cpu, EXC_UD); /* CR1, CR5-CR7 do not exist */
    }
}
