/* pmu.c - the Pentium Pro/II performance counters: PerfEvtSel0/1 and
 * PerfCtr0/1 (SDM vol. 3, "Performance monitoring (P6 family)"). */
#include "core/machine.h"
#include "interp/internal.h"
#include "interp/system_internal.h"

#define MSR_PERFCTR0 0xc1
#define MSR_PERFCTR1 0xc2
#define MSR_PERFEVTSEL0 0x186
#define MSR_PERFEVTSEL1 0x187

#define EVTSEL_EVENT 0xffu
#define EVTSEL_USR (1u << 16)
#define EVTSEL_OS (1u << 17)
#define EVTSEL_EN (1u << 22) /* in PerfEvtSel0 only: enables both counters */
#define EVTSEL_RESERVED (1ull << 21 | ~0xffffffffull)

#define EVENT_INST_RETIRED 0xc0
#define EVENT_CPU_CLK_UNHALTED 0x79

#define COUNTER_MASK ((1ull << 40) - 1) /* the counters are 40 bits wide */

/* The current reading of the source of counter n's event, or -1 when
 * bt86 does not model that event (the counter then keeps its value).
 * Counting is not split by privilege level: a counter with USR or OS set
 * counts at every CPL. Clock cycles are the 1 GHz guest TSC's ticks. */
static int64_t pmu__source(struct cpu *cpu, int n)
{
    uint64_t sel = cpu->msr.pmc_evtsel[n];

    if (!(cpu->msr.pmc_evtsel[0] & EVTSEL_EN) || !(sel & (EVTSEL_USR | EVTSEL_OS)))
        return -1;
    switch (sel & EVTSEL_EVENT) {
    case EVENT_INST_RETIRED: return (int64_t)cpu->icount;
    case EVENT_CPU_CLK_UNHALTED: return (int64_t)msr__tsc(cpu);
    }
    return -1;
}

/* Fold the events counted since the last sample into the counters, and
 * start a new sample: called before any change that could alter what
 * they count, and before every read. */
static void pmu__sample(struct cpu *cpu)
{
    for (int n = 0; n < 2; n++) {
        int64_t now = pmu__source(cpu, n);
        if (now < 0)
            continue;
        cpu->msr.pmc_value[n] += (uint64_t)now - cpu->msr.pmc_sampled_at[n];
        cpu->msr.pmc_value[n] &= COUNTER_MASK;
        cpu->msr.pmc_sampled_at[n] = (uint64_t)now;
    }
}

/* After a change, restart the samples from the current readings. */
static void pmu__restart(struct cpu *cpu)
{
    for (int n = 0; n < 2; n++) {
        int64_t now = pmu__source(cpu, n);
        cpu->msr.pmc_sampled_at[n] = now < 0 ? 0 : (uint64_t)now;
    }
}

uint64_t pmu__counter(struct cpu *cpu, int n)
{
    pmu__sample(cpu);
    return cpu->msr.pmc_value[n];
}

bool pmu__read(struct cpu *cpu, uint32_t index, uint64_t *value)
{
    switch (index) {
    case MSR_PERFCTR0:
    case MSR_PERFCTR1:
        *value = pmu__counter(cpu, index - MSR_PERFCTR0);
        return true;
    case MSR_PERFEVTSEL0:
    case MSR_PERFEVTSEL1:
        *value = cpu->msr.pmc_evtsel[index - MSR_PERFEVTSEL0];
        return true;
    }
    return false;
}

bool pmu__write(struct cpu *cpu, uint32_t index, uint64_t value)
{
    switch (index) {
    case MSR_PERFCTR0:
    case MSR_PERFCTR1:
        /* WRMSR writes the low 32 bits, sign-extended to 40 (P6). */
        pmu__sample(cpu);
        cpu->msr.pmc_value[index - MSR_PERFCTR0] = (uint64_t)(int64_t)(int32_t)value & COUNTER_MASK;
        pmu__restart(cpu);
        return true;
    case MSR_PERFEVTSEL0:
    case MSR_PERFEVTSEL1:
        if (value & EVTSEL_RESERVED)
            return false;
        pmu__sample(cpu);
        cpu->msr.pmc_evtsel[index - MSR_PERFEVTSEL0] = value;
        pmu__restart(cpu);
        return true;
    }
    return false;
}
