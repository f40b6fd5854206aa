/* exception.c - raising exceptions, their classes (fault or trap; benign,
 * contributory or page fault), escalation to #DF and the triple fault. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/machine.h"
#include "core/stats.h"
#include "interp/internal.h"
#include "interp/system_internal.h"

/* Exit status of bt86 after a guest triple fault: distinct from the
 * usage (2) and runtime (1) errors and from isa-debug-exit's odd values. */
#define TRIPLE_FAULT_STATUS 3

enum exc_class { BENIGN, CONTRIBUTORY, PAGE_FAULT, DOUBLE_FAULT };

/* SDM vol. 3, table 6-1 (trap: the pushed EIP is the next instruction's)
 * and table 6-4 (class). Vectors not listed are benign faults. #DB is a
 * trap here: bt86 has no instruction breakpoints, and its one #DB fault
 * (general detect, ops_cr.c) names the faulting instruction as next_eip. */
static const struct {
    bool trap;
    uint8_t cls;
    const char *name;
} exc_info[32] = {
    [EXC_DE] = { false, CONTRIBUTORY, "#DE" },
    [EXC_DB] = { true, BENIGN, "#DB" },
    [EXC_NMI] = { false, BENIGN, "NMI" },
    [EXC_BP] = { true, BENIGN, "#BP" },
    [EXC_OF] = { true, BENIGN, "#OF" },
    [EXC_BR] = { false, BENIGN, "#BR" },
    [EXC_UD] = { false, BENIGN, "#UD" },
    [EXC_NM] = { false, BENIGN, "#NM" },
    [EXC_DF] = { false, DOUBLE_FAULT, "#DF" },
    [9] = { false, BENIGN, "CSO" },
    [EXC_TS] = { false, CONTRIBUTORY, "#TS" },
    [EXC_NP] = { false, CONTRIBUTORY, "#NP" },
    [EXC_SS] = { false, CONTRIBUTORY, "#SS" },
    [EXC_GP] = { false, CONTRIBUTORY, "#GP" },
    [EXC_PF] = { false, PAGE_FAULT, "#PF" },
    [EXC_MF] = { false, BENIGN, "#MF" },
    [EXC_AC] = { false, BENIGN, "#AC" },
    [EXC_MC] = { false, BENIGN, "#MC" },
    [EXC_XM] = { false, BENIGN, "#XM" },
};

static int exc_class(int vector)
{
    return vector >= 0 && vector < 32 ? exc_info[vector].cls : BENIGN;
}

static bool exc_is_trap(int vector)
{
    return vector >= 0 && vector < 32 && exc_info[vector].trap;
}

static _Noreturn void raise_exc(struct cpu *cpu, int vector, bool has_error, uint32_t error)
{
    cpu->exc.vector = vector;
    cpu->exc.has_error = has_error;
    cpu->exc.error = error;
    cpu->exc.is_int = false;
    cpu->exc.next_eip = cpu->eip;
    longjmp(*cpu->exc_jmp, 1);
}

_Noreturn void cpu__raise(struct cpu *cpu, int vector)
{
    raise_exc(cpu, vector, false, 0);
}

_Noreturn void cpu__raise_err(struct cpu *cpu, int vector, uint32_t error)
{
    raise_exc(cpu, vector, true, error);
}

_Noreturn void cpu__raise_pf(struct cpu *cpu, uint32_t lin, uint32_t error)
{
    cpu->cr2 = lin;
    raise_exc(cpu, EXC_PF, true, error);
}

_Noreturn void cpu__raise_unimp(struct cpu *cpu, const struct insn *in)
{
    /* The decoder fetched these bytes already, so fetching them again
     * cannot fault. */
    unsigned n = in && in->len ? in->len : 1;
    char hex[16 * 3 + 1] = "";

    stats.unimplemented++;
    if (log__on(LOG_unimp)) {
        for (unsigned i = 0; i < n && i < 16; i++)
            snprintf(hex + i * 3, 4, "%02x ", (unsigned)code_fetch(cpu, cpu->insn_eip + i, 1));
        LOG(unimp, "unimplemented instruction at %04x:%08" PRIx32 ": %s\n",
            cpu->seg[S_CS].sel, cpu->insn_eip, hex);
    }
    cpu__raise(cpu, EXC_UD);
}

/* SDM vol. 3, table 6-5: does `second`, raised while delivering `first`,
 * turn into a double fault? */
static bool exc__escalates(int first, int second)
{
    int a = exc_class(first), b = exc_class(second);
    if (a == CONTRIBUTORY)
        return b == CONTRIBUTORY;
    if (a == PAGE_FAULT)
        return b == CONTRIBUTORY || b == PAGE_FAULT;
    return false;
}

/* Shutdown: record the CPU state for the user and latch the stop. */
static void exc__triple_fault(struct cpu *cpu, int first, int second)
{
    struct machine *m = cpu->m;
    const uint32_t *r = cpu->gpr;
    const struct seg_cache *s = cpu->seg;

    char msg[320]; /* fits stop_message for two-digit vectors */

    snprintf(msg, sizeof msg,
             "triple fault %d in %d EAX=%08" PRIx32 " EBX=%08" PRIx32
             " ECX=%08" PRIx32 " EDX=%08" PRIx32 " ESI=%08" PRIx32 " EDI=%08" PRIx32
             " EBP=%08" PRIx32 " ESP=%08" PRIx32 " EIP=%08" PRIx32 " EFL=%08" PRIx32
             " CS=%04x:%08" PRIx32 " SS=%04x:%08" PRIx32 " DS=%04x:%08" PRIx32
             " CR0=%08" PRIx32 " CR2=%08" PRIx32 " CR3=%08" PRIx32 " CR4=%08" PRIx32,
             second, first, r[R_EAX], r[R_EBX], r[R_ECX], r[R_EDX], r[R_ESI], r[R_EDI],
             r[R_EBP], r[R_ESP], cpu->insn_eip, cpu->eflags, s[S_CS].sel, s[S_CS].base,
             s[S_SS].sel, s[S_SS].base, s[S_DS].sel, s[S_DS].base, cpu->cr0, cpu->cr2,
             cpu->cr3, cpu->cr4);
    size_t len = strlen(msg);
    if (len >= sizeof m->stop_message)
        len = sizeof m->stop_message - 1;
    memcpy(m->stop_message, msg, len);
    m->stop_message[len] = '\0';
    LOG(int, "%s\n", m->stop_message);
    cpu->halted = true;
    machine__stop(m, STOP_TRIPLE_FAULT, TRIPLE_FAULT_STATUS);
}

/* Deliver the exception in cpu->exc once (no escalation here). */
static void exc__deliver_once(struct cpu *cpu)
{
    const struct pending_exc *e = &cpu->exc;
    bool trap = e->is_int || exc_is_trap(e->vector);
    struct intr_event ev = {
        .vector = e->vector,
        .kind = e->is_int ? INTR_SOFT : INTR_EXC,
        .has_error = e->has_error,
        .error = e->error,
        .return_eip = trap ? e->next_eip : cpu->insn_eip,
        .set_rf = !trap,
    };

    stats.exceptions++;
    if (e->vector == EXC_PF && !e->is_int) /* INT 14 is no page fault */
        stats.pf_true++;
    LOG(int, "exception %d (%s) err=%s%04" PRIx32 " at %04x:%08" PRIx32 " cr2=%08" PRIx32 "\n",
        e->vector, e->vector < 32 && exc_info[e->vector].name ? exc_info[e->vector].name : "?",
        e->has_error ? "" : "none/", e->error, cpu->seg[S_CS].sel, cpu->insn_eip, cpu->cr2);
    intr__deliver(cpu, &ev);
}

/* A fault raised while delivering an exception comes back to this
 * function's own jump buffer, where table 6-5 decides between serial
 * delivery, #DF and shutdown. */
void exc__deliver(struct cpu *cpu)
{
    jmp_buf jb;
    jmp_buf *outer = cpu->exc_jmp;
    volatile int delivering = -1;

    cpu->exc_jmp = &jb;
    if (setjmp(jb) != 0) {
        int second = cpu->exc.vector;
        if (delivering == EXC_DF) {
            exc__triple_fault(cpu, EXC_DF, second);
            cpu->exc_nesting = 0;
            cpu->exc_jmp = outer;
            return;
        }
        if (exc__escalates(delivering, second)) {
            cpu->exc.vector = EXC_DF;
            cpu->exc.has_error = true;
            cpu->exc.error = 0;
            cpu->exc.is_int = false;
        }
    }
    delivering = cpu->exc.vector;
    cpu->exc_nesting = 1;
    exc__deliver_once(cpu);
    cpu->exc_nesting = 0;
    cpu->exc_jmp = outer;
}

/* External interrupts are benign: a fault during their delivery is an
 * ordinary fault (with EXT set) that the engine loop delivers. */
void intr__deliver_external(struct cpu *cpu, int vector)
{
    struct intr_event ev = {
        .vector = vector,
        .kind = INTR_EXTERNAL,
        .return_eip = cpu->eip,
    };

    stats.interrupts++;
    LOG(int, "interrupt %d at %04x:%08" PRIx32 "\n", vector, cpu->seg[S_CS].sel, cpu->eip);
    cpu->insn_eip = cpu->eip;
    cpu->halted = false;
    intr__deliver(cpu, &ev);
}

/* Debug traps (single step, task switch T bit): DR6 gets the cause, then
 * #DB is delivered with the next instruction's EIP (SDM vol. 3, 17.2.3). */
void exc__debug_trap(struct cpu *cpu, uint32_t dr6_bits)
{
    cpu->dr[6] |= dr6_bits;
    cpu->exc.vector = EXC_DB;
    cpu->exc.has_error = false;
    cpu->exc.error = 0;
    cpu->exc.is_int = false;
    cpu->exc.next_eip = cpu->eip;
    cpu->insn_eip = cpu->eip;
    exc__deliver(cpu);
}
