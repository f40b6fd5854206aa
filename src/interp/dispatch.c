/* dispatch.c - the interpreter's loop: opcode table, one-instruction step,
 * and the run loop with interrupts, HLT, the interrupt shadow and TF. */
#include <assert.h>
#include <capstone/capstone.h>
#include <stdio.h>

#include "core/log.h"
#include "core/machine.h"
#include "core/stats.h"
#include "interp/internal.h"
#include "interp/interp.h"

static op_fn op_table[OP_COUNT];
static bool op_table_ready;

void interp__set_op(unsigned op, op_fn fn)
{
    assert(op < OP_COUNT && !op_table[op]);
    op_table[op] = fn;
}

/* Opcodes nobody claimed: #UD, counted (-d unimp). */
static void op_unimp(struct cpu *cpu, struct insn *in)
{
    cpu__raise_unimp(cpu, in);
}

void interp__init(void)
{
    if (op_table_ready)
        return;
    ops_data__register();
    ops_control__register();
    ops_string__register();
    ops_flags__register();
    ops_alu__register();
    ops_shift__register();
    ops_muldiv__register();
    ops_bit__register();
    ops_bcd__register();
    ops_segment__register();
    ops_system__register();
    ops_fpu__register();
    ops_mmx__register();
    for (unsigned op = 0; op < OP_COUNT; op++)
        if (!op_table[op])
            op_table[op] = op_unimp;
    op_table_ready = true;
}

/* Decode and execute the instruction at CS:EIP. */
static inline __attribute__((always_inline)) void exec_insn(struct cpu *cpu)
{
    struct insn in;
    cpu->insn_eip = cpu->eip;
    decode__insn(cpu, &in);
    cpu->eip = in.next_eip;
    op_table[in.op](cpu, &in);
    cpu->icount++;
}

int interp__exec_one(struct cpu *cpu)
{
    jmp_buf jb;
    jmp_buf *saved = cpu->exc_jmp;
    bool shadow = cpu->inhibit_irq;

    cpu->exc_jmp = &jb;
    if (setjmp(jb)) {
        cpu->exc_jmp = saved;
        cpu->eip = cpu->insn_eip;
        return cpu->exc.vector;
    }
    exec_insn(cpu);
    /* The interrupt shadow covers exactly one instruction boundary. */
    if (shadow)
        cpu->inhibit_irq = false;
    cpu->exc_jmp = saved;
    stats.insns_interp++;
    return -1;
}

/* -d cpu: the state before an instruction. */
static void log_cpu(const struct cpu *cpu)
{
    const uint32_t *r = cpu->gpr;
    fprintf(log_file,
            "EIP=%04x:%08x EFL=%08x EAX=%08x EBX=%08x ECX=%08x EDX=%08x "
            "ESI=%08x EDI=%08x EBP=%08x ESP=%08x SS=%04x DS=%04x ES=%04x CPL=%d\n",
            cpu->seg[S_CS].sel, cpu->eip, cpu->eflags, r[R_EAX], r[R_EBX],
            r[R_ECX], r[R_EDX], r[R_ESI], r[R_EDI], r[R_EBP], r[R_ESP],
            cpu->seg[S_SS].sel, cpu->seg[S_DS].sel, cpu->seg[S_ES].sel, cpu->cpl);
}

/* -d in_asm: disassemble the instruction at CS:EIP with Capstone. The
 * bytes are fetched like the decoder's, so a fault here is the one the
 * instruction itself would raise. */
static void log_in_asm(struct cpu *cpu)
{
    static csh handle[2];
    static bool open[2];
    bool code32 = cpu__code32(cpu) && cpu__pmode(cpu) && !cpu__v86(cpu);
    uint8_t bytes[15];
    size_t n = 0;

    if (!open[code32]) {
        if (cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &handle[code32]) != CS_ERR_OK)
            return;
        open[code32] = true;
    }
    struct insn in;
    decode__insn(cpu, &in);
    for (; n < in.len; n++)
        bytes[n] = (uint8_t)code_fetch(cpu, (cpu->eip + n) & (code32 ? ~0u : 0xffffu), 1);
    cs_insn *insn;
    if (cs_disasm(handle[code32], bytes, n, cpu->eip, 1, &insn) == 1) {
        fprintf(log_file, "%04x:%08x  %s %s\n", cpu->seg[S_CS].sel, cpu->eip,
                insn->mnemonic, insn->op_str);
        cs_free(insn, 1);
    } else {
        fprintf(log_file, "%04x:%08x  (bad)\n", cpu->seg[S_CS].sel, cpu->eip);
    }
}

#define LOG_SLOW_MASK ((1u << LOG_cpu) | (1u << LOG_in_asm))

/*
 * The careful step, taken whenever anything but plain execution may be
 * due: the stop latch, the budget, a pending interrupt, HLT, the interrupt
 * shadow, TF, or per-instruction logging. Returns false when the run loop
 * must return to its caller.
 */
static bool step_careful(struct machine *m, struct cpu *cpu, uint64_t end)
{
    if (m->stop != STOP_NONE || cpu->icount >= end)
        return false;
    bool shadow = cpu->inhibit_irq;
    if (m->intr_line && (cpu->eflags & F_IF) && !shadow) {
        /* Between instructions: a fault while delivering reports this
         * boundary's EIP. */
        cpu->insn_eip = cpu->eip;
        int vector = m->intr_ack(m->intr_opaque);
        cpu->halted = false;
        if (vector >= 0)
            intr__deliver_external(cpu, vector);
        return true;
    }
    if (cpu->halted)
        return false;

    bool tf = (cpu->eflags & F_TF) != 0;
    if (log__on(LOG_cpu))
        log_cpu(cpu);
    if (log__on(LOG_in_asm))
        log_in_asm(cpu);
    exec_insn(cpu);
    if (shadow)
        cpu->inhibit_irq = false;
    if (tf) {
        /* Single-step trap after the instruction retired (SDM vol. 3,
         * 17.3.1.4): DR6.BS. */
        cpu->insn_eip = cpu->eip;
        exc__debug_trap(cpu, 1u << 14);
    }
    return true;
}

/*
 * Events that instructions cause themselves (HLT, TF set by POPF/IRET)
 * are checked after every instruction. Asynchronous ones (the interrupt
 * line, the stop latch, the budget) are polled every POLL_INTERVAL
 * instructions: an interrupt is taken at most that many instructions late,
 * which no guest can tell from bus latency. The careful step also consumes
 * a pending interrupt shadow (STI, MOV SS) before any interrupt is taken.
 */
#define POLL_INTERVAL 32

static __attribute__((noinline)) void run_loop(struct machine *m, struct cpu *cpu, uint64_t end)
{
    bool careful = (log_mask & LOG_SLOW_MASK) != 0;
    unsigned poll = 1;

    for (;;) {
        if (__builtin_expect(--poll == 0 || careful || cpu->halted
                             || (cpu->eflags & F_TF) || cpu->inhibit_irq, 0)) {
            if (!step_careful(m, cpu, end))
                return;
            poll = POLL_INTERVAL;
            continue;
        }
        exec_insn(cpu);
    }
}
uint64_t interp__run(struct machine *m, uint64_t budget)
{
    struct cpu *cpu = &m->cpu;
    jmp_buf jb;
    jmp_buf *saved = cpu->exc_jmp;
    uint64_t start = cpu->icount;

    cpu->exc_jmp = &jb;
    if (setjmp(jb)) {
        /* An instruction (or a delivery) raised: the faulting instruction
         * restarts from its own EIP, its shadow is consumed. A fault while
         * delivering comes back here and exc__deliver escalates it. */
        cpu->eip = cpu->insn_eip;
        cpu->inhibit_irq = false;
        exc__deliver(cpu);
    }
    run_loop(m, cpu, start + budget);
    cpu->exc_jmp = saved;
    stats.insns_interp += cpu->icount - start;
    return cpu->icount - start;
}
