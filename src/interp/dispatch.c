/* dispatch.c - the interpreter's loop: opcode table, one-instruction step,
 * and the run loop with interrupts, HLT, the interrupt shadow, TF, RF and
 * instruction breakpoints. */
#include <assert.h>
#include <capstone/capstone.h>
#include <stdio.h>

#include "core/log.h"
#include "core/machine.h"
#include "core/stats.h"
#include "interp/decode_cache.h"
#include "interp/internal.h"
#include "interp/interp.h"

static op_fn op_table[OP_COUNT];
/* The handlers for a 32-bit operand size: a family's own where it has one,
 * else op_table's (filled in at start-up). The decode cache keeps the
 * handler with the instruction, so the size test happens once per decode
 * instead of once per execution. */
static op_fn op32_table[OP_COUNT];
static bool op_table_ready;

void interp__set_op(unsigned op, op_fn fn)
{
    assert(op < OP_COUNT && !op_table[op]);
    op_table[op] = fn;
}

void interp__set_ops(unsigned first, unsigned last, op_fn fn)
{
    for (unsigned op = first; op <= last; op++)
        interp__set_op(op, fn);
}

void interp__set_op32(unsigned op, op_fn fn)
{
    assert(op < OP_COUNT && !op32_table[op]);
    op32_table[op] = fn;
}

op_fn interp__handler(const struct insn *in)
{
    return (in->opsize == 4 ? op32_table : op_table)[in->op];
}

/* Opcodes nobody claimed: #UD, counted (-d unimp). */
static void op_unimp(struct cpu *cpu, struct insn *in)
{
    cpu__raise_unimp(cpu, in);
}

/* Handlers after which the run loop must look again before the next
 * instruction: at the fetch mode (decode_cache.h), because they load CS
 * (far transfers, INT n, IRET, task switches, SYSENTER/SYSEXIT) or CR0.PE
 * (MOV CR0, LMSW), or change EFLAGS.VM (IRET, INT n); and at what makes it
 * step carefully (careful_due), because they may set TF, RF or IF (POPF,
 * STI, IRET, INT n, task switches), halt (HLT), open the interrupt shadow
 * (MOV SS, POP SS, STI), arm a breakpoint (MOV DR) or, through a device,
 * raise the interrupt line (IN, OUT, INS, OUTS; MMIO accesses set
 * interp__recheck themselves, mem.c). A new handler that does any of this
 * must be listed here. Exceptions leave the run loop, which looks again
 * when it starts. */
static const uint16_t recheck_ops[] = {
    0x17, 0x6c, 0x6d, 0x6e, 0x6f, 0x8e, 0x9a, 0x9d, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
    0xe4, 0xe5, 0xe6, 0xe7, 0xea, 0xec, 0xed, 0xee, 0xef, 0xf1, 0xf4, 0xfb, 0xff,
    OP_0F + 0x01, OP_0F + 0x22, OP_0F + 0x23, OP_0F + 0x34, OP_0F + 0x35,
};
static op_fn recheck_fn[OP_COUNT];
bool interp__recheck;

static void op_recheck(struct cpu *cpu, struct insn *in)
{
    recheck_fn[in->op](cpu, in);
    interp__recheck = true;
}

void interp__init(void)
{
    code_wp__flush(); /* a new machine: nothing cached is its code */
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
    for (unsigned i = 0; i < sizeof(recheck_ops) / sizeof(recheck_ops[0]); i++) {
        unsigned op = recheck_ops[i];
        assert(!op32_table[op]);
        recheck_fn[op] = op_table[op];
        op_table[op] = op_recheck;
    }
    for (unsigned op = 0; op < OP_COUNT; op++)
        if (!op32_table[op])
            op32_table[op] = op_table[op];
    op_table_ready = true;
}

/* Decode and execute the instruction at CS:EIP (*scratch holds it when
 * the decode cache cannot). Returns the decoded instruction. */
static inline __attribute__((always_inline)) const struct insn *
exec_insn(struct cpu *cpu, struct insn *scratch)
{
    op_fn fn;
    cpu->insn_eip = cpu->eip;
    struct insn *in = decode__insn_inline(cpu, scratch, &fn);
    cpu->eip = in->next_eip;
    fn(cpu, in);
    cpu->icount++;
    return in;
}

int interp__exec_one(struct cpu *cpu)
{
    jmp_buf jb;
    jmp_buf *saved = cpu->exc_jmp;
    bool shadow = cpu->inhibit_irq;
    bool rf = (cpu->eflags & F_RF) != 0;
    struct insn in;

    /* RAM may have been written from outside since the last instruction
     * (code_wp.c). */
    code_wp__flush();
    decode__mode_refresh(cpu);
    cpu->exc_jmp = &jb;
    if (setjmp(jb)) {
        cpu->exc_jmp = saved;
        cpu->eip = cpu->insn_eip;
        return cpu->exc.vector;
    }
    exec_insn(cpu, &in);
    /* The interrupt shadow covers exactly one instruction boundary; RF is
     * cleared by the instruction after the one that set it. Traps (TF,
     * breakpoints) are the caller's, as they are engine-loop business. */
    if (shadow)
        cpu->inhibit_irq = false;
    if (rf)
        cpu->eflags &= ~F_RF;
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

#define DR7_ENABLES 0xffu   /* L0 G0 ... L3 G3 */
#define DR6_BS (1u << 14)

/* Debug-register breakpoints (SDM vol. 3, 17.2.4-17.2.5): DRn is armed
 * when DR7 enables it (Ln or Gn) and R/W n says which accesses it watches
 * (00 execute, 01 data writes, 10 I/O with CR4.DE, 11 data reads and
 * writes); LENn covers 1, 2, 8 or 4 bytes at the aligned address. */
enum { BP_EXEC, BP_WRITE, BP_IO, BP_RDWR };

/* DR6.Bn bits of the breakpoints of kind rw (or rw2) that [addr, addr+size)
 * touches. */
static uint32_t bp_hits(const struct cpu *cpu, uint32_t addr, int size, int rw, int rw2)
{
    static const uint32_t len_bytes[4] = { 1, 2, 8, 4 };
    uint32_t dr7 = cpu->dr[7], hits = 0;
    for (int n = 0; n < 4; n++) {
        int kind = (dr7 >> (16 + 4 * n)) & 3;
        if (!((dr7 >> (2 * n)) & 3) || (kind != rw && kind != rw2))
            continue;
        uint32_t len = len_bytes[(dr7 >> (18 + 4 * n)) & 3];
        uint32_t start = cpu->dr[n] & ~(len - 1);
        if (addr - start < len || start - addr < (uint32_t)size)
            hits |= 1u << n;
    }
    return hits;
}

/* Instruction breakpoints: the linear address of the instruction's first
 * byte (prefixes included). */
static uint32_t insn_breakpoints(const struct cpu *cpu)
{
    return bp_hits(cpu, cpu->seg[S_CS].base + cpu->eip, 1, BP_EXEC, BP_EXEC);
}

bool bp__data_page(const struct cpu *cpu, uint32_t page)
{
    return (cpu->dr[7] & DR7_ENABLES) && bp_hits(cpu, page, 0x1000, BP_RDWR, BP_WRITE);
}

void bp__data_access(struct cpu *cpu, uint32_t lin, int size, bool write)
{
    if (cpu->dr[7] & DR7_ENABLES)
        cpu->db_hits |= bp_hits(cpu, lin, size, BP_RDWR, write ? BP_WRITE : BP_RDWR);
}

void bp__io_access(struct cpu *cpu, uint16_t port, int size)
{
    if ((cpu->dr[7] & DR7_ENABLES) && (cpu->cr4 & CR4_DE))
        cpu->db_hits |= bp_hits(cpu, port, size, BP_IO, BP_IO);
}

/*
 * The careful step, taken whenever anything but plain execution may be
 * due: the stop latch, the budget, a pending interrupt, HLT, the interrupt
 * shadow, TF and RF, breakpoints, or per-instruction logging. Returns false
 * when the run loop must return to its caller.
 */
static bool step_careful(struct machine *m, struct cpu *cpu, uint64_t end)
{
    if (m->stop != STOP_NONE || cpu->icount >= end)
        return false;
    decode__mode_refresh(cpu);
    bool shadow = cpu->inhibit_irq;
    if (m->intr_line && (cpu->eflags & F_IF) && !shadow && m->intr_ack) {
        /* Between instructions: a fault while delivering reports this
         * boundary's EIP. */
        cpu->insn_eip = cpu->eip;
        int vector = m->intr_ack(m->intr_opaque);
        if (vector >= 0) {
            intr__deliver_external(cpu, vector);
            return true;
        }
        /* No vector after all (the request went away): carry on. */
    }
    if (cpu->halted)
        return false;

    /* An instruction breakpoint is a fault taken before the instruction,
     * unless RF says the handler resumes past it; the #DB frame has RF
     * clear (SDM vol. 3, 17.3.1.1). */
    bool rf = (cpu->eflags & F_RF) != 0;
    if (!rf && (cpu->dr[7] & DR7_ENABLES)) {
        uint32_t hits = insn_breakpoints(cpu);
        if (hits) {
            exc__debug_trap(cpu, hits);
            return true;
        }
    }

    bool tf = (cpu->eflags & F_TF) != 0;
    struct insn scratch;
    cpu->insn_eip = cpu->eip; /* in_asm decodes: a fetch fault is this instruction's */
    if (log__on(LOG_cpu))
        log_cpu(cpu);
    if (log__on(LOG_in_asm))
        log_in_asm(cpu);
    const struct insn *in = exec_insn(cpu, &scratch);
    if (shadow)
        cpu->inhibit_irq = false;
    /* RF is cleared once an instruction completes, except the one that
     * loaded it (IRET, task switch) (SDM vol. 3, 17.3.1.1). */
    if (rf)
        cpu->eflags &= ~F_RF;
    /* Debug traps after the instruction retired, as one #DB: single step
     * (DR6.BS, SDM vol. 3, 17.3.1.4) and data/I/O breakpoints (DR6.Bn).
     * MOV SS and POP SS hold them back until the next instruction has
     * executed (SDM vol. 3, 6.8.3); a single step then traps there with TF
     * still set, breakpoint hits stay pending in db_hits. STI does not. */
    bool loads_ss = in->op == 0x17 || (in->op == 0x8e && in->reg == S_SS);
    uint32_t dr6 = (tf && !loads_ss ? DR6_BS : 0) | cpu->db_hits;
    if (dr6 && !loads_ss) {
        cpu->db_hits = 0;
        exc__debug_trap(cpu, dr6);
    }
    return true;
}

/* What makes the loop step carefully: what instructions change themselves
 * (HLT, the interrupt shadow, TF, RF, enabled breakpoints) and a
 * deliverable interrupt (the line and IF, so that the window of
 * "STI; NOP; CLI" or a POPF that sets IF is honoured exactly). */
static inline bool careful_due(const struct machine *m, const struct cpu *cpu)
{
    return cpu->halted || cpu->inhibit_irq || (cpu->eflags & (F_TF | F_RF))
        || (cpu->dr[7] & DR7_ENABLES) || (m->intr_line && (cpu->eflags & F_IF));
}

/*
 * careful_due can only become true through an instruction listed in
 * recheck_ops, an MMIO access or a careful step (timers fire between
 * slices, and devices change the interrupt line only when called), so the
 * loop evaluates it at those instruction boundaries only: after each of
 * them interp__recheck is set. The stop latch and the budget are polled
 * every POLL_INTERVAL instructions, never past the budget.
 */
#define POLL_INTERVAL 64

static __attribute__((noinline)) void run_loop(struct machine *m, struct cpu *cpu, uint64_t end)
{
    /* Per-instruction logging makes every step careful. */
    uint64_t interval = (log_mask & LOG_SLOW_MASK) ? 1 : POLL_INTERVAL;
    uint64_t poll = 1;

    for (;;) {
        if (__builtin_expect(--poll == 0 || interp__recheck, 0)) {
            interp__recheck = false;
            decode__mode_refresh(cpu); /* also after an exception's delivery */
            if (poll != 0 && !careful_due(m, cpu))
                goto fast;
            bool go_on = step_careful(m, cpu, end);
            /* An interrupt or a debug trap may have been delivered; the
             * next boundary is looked at again. */
            interp__recheck = true;
            if (!go_on)
                return;
            uint64_t left = end - cpu->icount;
            poll = left < interval ? left : interval;
            if (poll == 0)
                poll = 1; /* the next careful step returns */
            continue;
        }
    fast:;
        struct insn in;
        exec_insn(cpu, &in);
    }
}

/* The loop of interp__run and interp__engine_run. */
static uint64_t run(struct machine *m, uint64_t budget)
{
    struct cpu *cpu = &m->cpu;
    jmp_buf jb;
    jmp_buf *saved = cpu->exc_jmp;
    uint64_t start = cpu->icount;

    cpu->exc_jmp = &jb;
    if (setjmp(jb)) {
        /* An instruction (or an interrupt delivery) raised: the faulting
         * instruction restarts from its own EIP, its shadow is consumed.
         * exc__deliver escalates faults raised while it delivers. */
        cpu->eip = cpu->insn_eip;
        cpu->inhibit_irq = false;
        cpu->db_hits = 0; /* the instruction did not complete */
        exc__deliver(cpu);
    }
    run_loop(m, cpu, start + budget);
    cpu->exc_jmp = saved;
    stats.insns_interp += cpu->icount - start;
    return cpu->icount - start;
}

uint64_t interp__run(struct machine *m, uint64_t budget)
{
    code_wp__flush(); /* as in interp__exec_one */
    return run(m, budget);
}

uint64_t interp__engine_run(struct machine *m, uint64_t budget)
{
    /* Between two calls only device models or an engine whose stores to
     * protected pages reach code_wp ran, and they write guest RAM through
     * code_wp__write or not at all (code_wp.c); interp__init flushed what
     * the loaders wrote. */
    return run(m, budget);
}
