/* mca.c - the P6 machine-check architecture's MSRs: five banks that never
 * see an error. */
#include "interp/internal.h"
#include "interp/system_internal.h"

/* SDM vol. 3, chapter 15 ("Machine-Check Architecture"), as the P6 family
 * implements it: MCG_CAP reports the bank count and MCG_CTL_P; each bank
 * has CTL, STATUS and ADDR at 0x400 + 4 * bank (P6 has no MCi_MISC: its
 * accesses fault). bt86 never signals a machine check, so the status and
 * address registers stay 0; software may only write zeros to them (a
 * non-zero write raises #GP, SDM 15.3.2.2). */
#define MSR_MCG_CAP    0x179
#define MSR_MCG_STATUS 0x17a
#define MSR_MCG_CTL    0x17b
#define MSR_MC0_CTL    0x400

#define MCG_CTL_P      (1u << 8)
#define MCG_CAP_VALUE  (MCG_CTL_P | MCA_BANKS)
#define MCG_STATUS_BITS 0x7 /* RIPV, EIPV, MCIP */

enum { BANK_CTL, BANK_STATUS, BANK_ADDR, BANK_MISC };

/* The bank and register of a bank MSR, or -1. */
static int bank_reg(uint32_t index, int *bank)
{
    if (index < MSR_MC0_CTL || index >= MSR_MC0_CTL + 4 * MCA_BANKS)
        return -1;
    *bank = (index - MSR_MC0_CTL) / 4;
    return (index - MSR_MC0_CTL) % 4;
}

bool mca__read(struct cpu *cpu, uint32_t index, uint64_t *value)
{
    int bank;
    switch (index) {
    case MSR_MCG_CAP: *value = MCG_CAP_VALUE; return true;
    case MSR_MCG_STATUS: *value = cpu->msr.mcg_status; return true;
    case MSR_MCG_CTL: *value = cpu->msr.mcg_ctl; return true;
    }
    switch (bank_reg(index, &bank)) {
    case BANK_CTL: *value = cpu->msr.mc_ctl[bank]; return true;
    case BANK_STATUS:
    case BANK_ADDR: *value = 0; return true;
    }
    return false;
}

bool mca__write(struct cpu *cpu, uint32_t index, uint64_t value)
{
    int bank;
    switch (index) {
    case MSR_MCG_STATUS:
        if (value & ~(uint64_t)MCG_STATUS_BITS)
            return false;
        cpu->msr.mcg_status = value;
        return true;
    case MSR_MCG_CTL: cpu->msr.mcg_ctl = value; return true;
    }
    switch (bank_reg(index, &bank)) {
    case BANK_CTL: cpu->msr.mc_ctl[bank] = value; return true;
    case BANK_STATUS:
    case BANK_ADDR: return value == 0;
    }
    return false;
}
