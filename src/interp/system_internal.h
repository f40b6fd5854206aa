/* system_internal.h - interfaces shared by the interpreter's system files:
 * event delivery, IRET, task switch, I/O permission, MSRs, CPUID. */
#ifndef BT86_INTERP_SYSTEM_INTERNAL_H
#define BT86_INTERP_SYSTEM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "interp/internal.h"

/* What kind of event is being delivered through the IVT/IDT. It decides
 * the gate DPL check (software INT n, INT3, INTO only) and the EXT bit of
 * the error codes of faults raised during delivery (SDM vol. 3, 6.13). */
enum intr_kind {
    INTR_EXC,      /* processor exception: EXT = 1, no DPL check */
    INTR_EXTERNAL, /* INTR/NMI: EXT = 1, no DPL check */
    INTR_SOFT,     /* INT n, INT3, INTO: EXT = 0, gate DPL >= CPL */
    INTR_ICEBP,    /* INT1 (F1): EXT = 1, no DPL check (SDM vol. 2, INT n) */
};

struct intr_event {
    int vector;
    enum intr_kind kind;
    bool has_error;
    uint32_t error;
    uint32_t return_eip; /* EIP pushed: the faulting or the next instruction */
    bool set_rf;         /* fault class: RF=1 in the pushed EFLAGS (SDM vol. 3, 17.3.1.1) */
};

/* Deliver ev through the IVT (real mode) or the IDT (protected and V86
 * mode). Everything that can fault is checked before any register
 * changes, so a fault leaves the CPU as it was. */
void intr__deliver(struct cpu *cpu, const struct intr_event *ev);

/* Error code naming a selector (or IDT vector) with the EXT bit. */
static inline uint32_t err_sel(uint16_t sel, bool ext) { return (sel & 0xfffcu) | ext; }
static inline uint32_t err_idt(int vector, bool ext) { return (uint32_t)vector * 8 + 2 + ext; }

/* task__switch with the EXT bit for the error codes of its checks (set
 * when the switch delivers an exception or an external interrupt).
 * Returns the new TSS's T bit: the caller then finishes its work and calls
 * task__debug_trap (task__switch does both). */
bool task__switch_ext(struct cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi,
                      enum task_reason why, bool ext);
_Noreturn void task__debug_trap(struct cpu *cpu);

/* Privileged instructions: CPL 0 in protected mode (V86 mode runs at CPL 3),
 * else #GP(0). */
static inline void sys__require_cpl0(struct cpu *cpu)
{
    if (cpu__pmode(cpu) && cpu->cpl != 0)
        cpu__raise_err(cpu, EXC_GP, 0);
}

/* Segment helpers shared by delivery, IRET and task switch. */
#define DESC_SYS_TYPE(hi) (((hi) >> 8) & 0x1f)  /* type and S bit */
#define DESC_DPL_OF(hi)   (((hi) >> 13) & 3)
#define DESC_PRESENT(hi)  (((hi) >> 15) & 1)
/* Set the accessed bit of a code/data descriptor if it is clear; returns
 * the descriptor's new high dword. */
uint32_t sys__mark_accessed(struct cpu *cpu, uint16_t sel, uint32_t hi);
/* The stack of privilege level dpl from the current TSS, for a CALL
 * through a call gate or an interrupt to a more privileged level, with
 * their checks (#TS, #SS when not present; EXT in the error codes). The
 * SS descriptor is not marked accessed: ss_hi is its high dword. */
void sys__inner_stack(struct cpu *cpu, int dpl, bool ext, struct seg_cache *ss, uint32_t *ss_hi,
                      uint32_t *esp);
/* After a return to an outer level: null ES, DS, FS, GS when they hold a
 * data or non-conforming code segment more privileged than the new CPL
 * (SDM vol. 2, IRET and RET). */
void sys__drop_inner_segments(struct cpu *cpu);
/* Load a segment register as V86 mode does: base sel << 4, limit 64 KiB,
 * a present read/write segment of DPL 3. */
void sys__load_v86_seg(struct cpu *cpu, int seg, uint16_t sel);
/* Load cs from a descriptor and set the CPL. */
void sys__set_cs(struct cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi, int cpl);
/* Whether seg is a writable data segment, and whether offset..offset+size-1
 * lies within the limits of the cache c (expand-down aware). */
bool sys__in_limit(const struct seg_cache *c, uint32_t offset, uint32_t size);

/* I/O permission for size bytes at port (IOPL, then the TSS bitmap):
 * raises #GP(0) when denied (SDM vol. 1, 18.5). */
void io__check(struct cpu *cpu, uint16_t port, int size);

/* The guest's time-stamp counter. */
uint64_t msr__tsc(const struct cpu *cpu);
/* MSR access: false for an MSR this CPU does not have or a bad value. */
bool msr__read(struct cpu *cpu, uint32_t index, uint64_t *value);
bool msr__write(struct cpu *cpu, uint32_t index, uint64_t value);
/* The machine-check MSRs (mca.c), the same way. */
bool mca__read(struct cpu *cpu, uint32_t index, uint64_t *value);
bool mca__write(struct cpu *cpu, uint32_t index, uint64_t value);
/* The P6 performance-monitoring MSRs and RDPMC's counters (pmu.c). */
bool pmu__read(struct cpu *cpu, uint32_t index, uint64_t *value);
bool pmu__write(struct cpu *cpu, uint32_t index, uint64_t value);
uint64_t pmu__counter(struct cpu *cpu, int n);

/* CPUID leaf: out = EAX, EBX, ECX, EDX. */
void cpuid__query(uint32_t leaf, uint32_t out[4]);

/* Opcode registration of the system files (called by ops_system__register). */
void io__register(void);
void iret__register(void);
void msr__register(void);
void cpuid__register(void);
void sysenter__register(void);
void ops_cr__register(void);

#endif
