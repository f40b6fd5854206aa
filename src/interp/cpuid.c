/* cpuid.c - CPUID: a Pentium II (family 6, model 5) reporting exactly the
 * features the interpreter implements. */
#include <string.h>

#include "interp/internal.h"
#include "interp/system_internal.h"

#define CPUID_MAX_LEAF 2
#define CPUID_SIGNATURE 0x652 /* family 6, model 5, stepping 2 */

/* Leaf 1 EDX (SDM vol. 2, CPUID, table 3-11). Not reported: VME, PAE,
 * APIC, PAT, PSE-36, SSE, SSE2 (not implemented). MCE and MCA: the
 * machine-check MSRs exist (mca.c) and no machine check ever happens. */
#define FEAT_FPU  (1u << 0)
#define FEAT_DE   (1u << 2)
#define FEAT_PSE  (1u << 3)
#define FEAT_TSC  (1u << 4)
#define FEAT_MSR  (1u << 5)
#define FEAT_MCE  (1u << 7)
#define FEAT_CX8  (1u << 8)
#define FEAT_SEP  (1u << 11)
#define FEAT_MTRR (1u << 12)
#define FEAT_PGE  (1u << 13)
#define FEAT_MCA  (1u << 14)
#define FEAT_CMOV (1u << 15)
#define FEAT_MMX  (1u << 23)
#define FEAT_FXSR (1u << 24)
#define CPUID_FEATURES (FEAT_FPU | FEAT_DE | FEAT_PSE | FEAT_TSC | FEAT_MSR | FEAT_MCE \
                        | FEAT_CX8 | FEAT_SEP | FEAT_MTRR | FEAT_PGE | FEAT_MCA | FEAT_CMOV \
                        | FEAT_MMX | FEAT_FXSR)

/* Leaf 2 of a Pentium II: 01 ITLB 4K, 02 ITLB 4M, 03 DTLB 4K, 43 L2 512K,
 * 08 L1I 16K, 04 DTLB 4M, 0C L1D 16K. */
static const uint32_t leaf2[4] = { 0x03020101, 0, 0, 0x0c040843 };

void cpuid__query(uint32_t leaf, uint32_t out[4])
{
    /* Leaves above the maximum (the extended ones included: a P6 has none)
     * return the highest basic leaf's data (SDM vol. 2, CPUID). */
    if (leaf > CPUID_MAX_LEAF)
        leaf = CPUID_MAX_LEAF;
    switch (leaf) {
    case 0:
        out[0] = CPUID_MAX_LEAF;
        memcpy(&out[1], "Genu", 4); /* EBX */
        memcpy(&out[3], "ineI", 4); /* EDX */
        memcpy(&out[2], "ntel", 4); /* ECX */
        break;
    case 1:
        out[0] = CPUID_SIGNATURE;
        out[1] = 0;
        out[2] = 0;
        out[3] = CPUID_FEATURES;
        break;
    default:
        memcpy(out, leaf2, sizeof leaf2);
        break;
    }
}

/* 0F A2: CPUID. */
static void op_cpuid(struct cpu *cpu, struct insn *in)
{
    uint32_t r[4];

    cpuid__query(cpu->gpr[R_EAX], r);
    cpu->gpr[R_EAX] = r[0];
    cpu->gpr[R_EBX] = r[1];
    cpu->gpr[R_ECX] = r[2];
    cpu->gpr[R_EDX] = r[3];
}

void cpuid__register(void)
{
    interp__set_op(OP_0F + 0xa2, op_cpuid);
}
