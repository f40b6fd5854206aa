/* msr.c - model-specific registers (RDMSR/WRMSR) and the time-stamp
 * counter (RDTSC), plus RDPMC. */
#include "core/machine.h"
#include "core/timer.h"
#include "interp/internal.h"
#include "interp/system_internal.h"

#define MSR_TSC 0x10
#define MSR_PLATFORM_ID 0x17
#define MSR_APIC_BASE 0x1b
#define MSR_BIOS_SIGN_ID 0x8b
#define MSR_MTRRCAP 0xfe
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MTRR_VAR0 0x200 /* 0x200-0x20f: PHYSBASE0, PHYSMASK0, … */
#define MSR_MTRR_DEF_TYPE 0x2ff

/* MTRRcap: 8 variable ranges, fixed ranges, write-combining type. */
#define MTRRCAP_VALUE 0x508

/* Nominal TSC frequency: 1 GHz, one tick per nanosecond of guest time,
 * the clock the PIT and the RTC also read (core/timer.h): Linux
 * calibrates the TSC against the PIT and then watches one with the other,
 * so both must follow the same time even when the host deschedules bt86. */
static uint64_t msr__guest_ns(const struct cpu *cpu)
{
    return timers__now(&cpu->m->timers);
}

uint64_t msr__tsc(const struct cpu *cpu)
{
    return msr__guest_ns(cpu) + cpu->msr.tsc_offset;
}

/* The fixed-range MTRRs, in the order of msr_state.mtrr_fixed. */
static int msr__fixed_index(uint32_t index)
{
    if (index == 0x250)
        return 0;
    if (index == 0x258 || index == 0x259)
        return 1 + (index - 0x258);
    if (index >= 0x268 && index <= 0x26f)
        return 3 + (index - 0x268);
    return -1;
}

/* The 64-bit register of storage-only MSRs, or NULL. */
static uint64_t *msr__storage(struct cpu *cpu, uint32_t index)
{
    int fixed = msr__fixed_index(index);

    if (fixed >= 0)
        return &cpu->msr.mtrr_fixed[fixed];
    if (index >= MSR_MTRR_VAR0 && index < MSR_MTRR_VAR0 + 16)
        return &cpu->msr.mtrr_var[index - MSR_MTRR_VAR0];
    if (index == MSR_MTRR_DEF_TYPE)
        return &cpu->msr.mtrr_def_type;
    if (index == MSR_APIC_BASE)
        return &cpu->msr.apic_base;
    return NULL;
}

bool msr__read(struct cpu *cpu, uint32_t index, uint64_t *value)
{
    uint64_t *p = msr__storage(cpu, index);

    if (p) {
        *value = *p;
        return true;
    }
    switch (index) {
    case MSR_TSC: *value = msr__tsc(cpu); return true;
    case MSR_PLATFORM_ID: *value = 0; return true;
    case MSR_BIOS_SIGN_ID: *value = 0; return true; /* no microcode update loaded */
    case MSR_MTRRCAP: *value = MTRRCAP_VALUE; return true;
    case MSR_SYSENTER_CS: *value = cpu->msr.sysenter_cs; return true;
    case MSR_SYSENTER_ESP: *value = cpu->msr.sysenter_esp; return true;
    case MSR_SYSENTER_EIP: *value = cpu->msr.sysenter_eip; return true;
    }
    return mca__read(cpu, index, value) || pmu__read(cpu, index, value);
}

bool msr__write(struct cpu *cpu, uint32_t index, uint64_t value)
{
    /* Reserved bits (SDM vol. 3, 11.11): def type keeps bits 0-7, 10, 11;
     * variable PHYSMASK keeps bit 11 and the address bits (36-bit physical). */
    if (index == MSR_MTRR_DEF_TYPE && (value & ~0xcffull))
        return false;
    if (index >= MSR_MTRR_VAR0 && index < MSR_MTRR_VAR0 + 16
        && (value & ((index & 1) ? ~0xffffff800ull : ~0xffffff0ffull)))
        return false;
    uint64_t *p = msr__storage(cpu, index);
    if (p) {
        *p = value;
        return true;
    }
    switch (index) {
    case MSR_TSC: cpu->msr.tsc_offset = value - msr__guest_ns(cpu); return true;
    case MSR_BIOS_SIGN_ID: return true; /* the microcode-revision probe writes 0 */
    case MSR_SYSENTER_CS: cpu->msr.sysenter_cs = value & 0xffff; return true;
    case MSR_SYSENTER_ESP: cpu->msr.sysenter_esp = value; return true;
    case MSR_SYSENTER_EIP: cpu->msr.sysenter_eip = value; return true;
    }
    return mca__write(cpu, index, value) || pmu__write(cpu, index, value);
}

/* 0F 32: RDMSR. */
static void op_rdmsr(struct cpu *cpu, struct insn *in)
{
    uint64_t v;

    sys__require_cpl0(cpu);
    if (!msr__read(cpu, cpu->gpr[R_ECX], &v))
        cpu__raise_err(cpu, EXC_GP, 0);
    cpu->gpr[R_EAX] = (uint32_t)v;
    cpu->gpr[R_EDX] = (uint32_t)(v >> 32);
}

/* 0F 30: WRMSR. */
static void op_wrmsr(struct cpu *cpu, struct insn *in)
{
    uint64_t v = ((uint64_t)cpu->gpr[R_EDX] << 32) | cpu->gpr[R_EAX];

    sys__require_cpl0(cpu);
    if (!msr__write(cpu, cpu->gpr[R_ECX], v))
        cpu__raise_err(cpu, EXC_GP, 0);
}

/* 0F 31: RDTSC, privileged only when CR4.TSD is set. */
static void op_rdtsc(struct cpu *cpu, struct insn *in)
{
    if ((cpu->cr4 & CR4_TSD) && cpu__pmode(cpu) && cpu->cpl != 0)
        cpu__raise_err(cpu, EXC_GP, 0);
    uint64_t v = msr__tsc(cpu);
    cpu->gpr[R_EAX] = (uint32_t)v;
    cpu->gpr[R_EDX] = (uint32_t)(v >> 32);
}

/* 0F 33: RDPMC of the P6's two counters (ECX 0 or 1), 40 bits wide. */
static void op_rdpmc(struct cpu *cpu, struct insn *in)
{
    if ((!(cpu->cr4 & CR4_PCE) && cpu__pmode(cpu) && cpu->cpl != 0) || cpu->gpr[R_ECX] > 1)
        cpu__raise_err(cpu, EXC_GP, 0);
    uint64_t v = pmu__counter(cpu, cpu->gpr[R_ECX]);
    cpu->gpr[R_EAX] = (uint32_t)v;
    cpu->gpr[R_EDX] = (uint32_t)(v >> 32);
}

void msr__register(void)
{
    interp__set_op(OP_0F + 0x30, op_wrmsr);
    interp__set_op(OP_0F + 0x31, op_rdtsc);
    interp__set_op(OP_0F + 0x32, op_rdmsr);
    interp__set_op(OP_0F + 0x33, op_rdpmc);
}
