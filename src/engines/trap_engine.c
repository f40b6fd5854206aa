/* trap_engine.c - classic trap-and-emulate (-accel trap): guest code runs
 * unmodified on the host CPU at host CPL 3; what faults there is emulated. */
#include <setjmp.h>

#include "core/engine.h"
#include "core/log.h"
#include "core/machine.h"
#include "core/stats.h"
#include "engines/trap.h"
#include "interp/interp.h"
#include "interp/internal.h"

/*
 * What runs natively: 32-bit protected-mode code (not V86) whose CS, SS, DS
 * and ES are flat 4 GiB segments. Guest ring 0 runs at host ring 3 too:
 * that is the deprivileging. Each of those segment registers gets a host
 * LDT selector with the guest selector's index and RPL 3, holding a flat
 * segment of the same kind, so the guest's PUSH CS, MOV r,DS… show its
 * index with the host's TI and RPL. FS and GS get a segment no access
 * fits, so their uses fault and are emulated. Everything else (real mode,
 * V86, 16-bit code, segments with a base or a limit, single-stepping,
 * breakpoints, the instruction after STI/MOV SS, interrupt delivery) is
 * the interpreter's, counted in -d stats as trap_interp_insns.
 */

#define HOST_CS64 0x33     /* Linux x86-64's __USER_CS */
#define DR6_BS (1u << 14)  /* single step (SDM vol. 3, 17.2.3) */
#define SEL_NONE_IDX 8191 /* host LDT entry for FS/GS: every access faults */
#define INTERP_CHUNK 256  /* instructions interpreted before trying native again */

static bool seg_flat(const struct seg_cache *c)
{
    return c->base == 0 && c->limit == 0xffffffffu && (c->attr & DESC_P) &&
           ((c->attr & DESC_CODE) || !(c->attr & DESC_E));
}

/* The host selector mirroring guest selector sel (index kept, TI=1, RPL 3). */
static uint16_t mirror(uint16_t sel)
{
    return (uint16_t)((sel & ~7u) | 7u);
}

/* Whether cpu may run natively now; fills the host selectors and writes
 * the LDT entries they need. */
static bool native_setup(struct cpu *cpu, struct trap_sels *s)
{
    const struct seg_cache *seg = cpu->seg;
    if (!cpu__pmode(cpu) || cpu__v86(cpu) || !cpu__code32(cpu) || !cpu__stack32(cpu))
        return false;
    if (!seg_flat(&seg[S_CS]) || !seg_flat(&seg[S_SS]))
        return false;
    static const int regs[4] = { S_CS, S_SS, S_DS, S_ES };
    unsigned idx[4];
    enum trap_seg_kind kind[4];
    for (int i = 0; i < 4; i++) {
        const struct seg_cache *c = &seg[regs[i]];
        idx[i] = c->sel >> 3;
        kind[i] = regs[i] == S_CS ? TRAP_SEG_CODE : TRAP_SEG_DATA;
        bool null = regs[i] != S_CS && regs[i] != S_SS && (c->sel & ~3u) == 0;
        if (null)
            kind[i] = TRAP_SEG_UNUSED;
        else if (!seg_flat(c) || idx[i] == SEL_NONE_IDX)
            return false;
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < i; j++)
            if (kind[i] != TRAP_SEG_UNUSED && kind[j] != TRAP_SEG_UNUSED &&
                idx[i] == idx[j] && kind[i] != kind[j])
                return false;
    for (int i = 0; i < 4; i++)
        if (kind[i] != TRAP_SEG_UNUSED && trap_native__set_ldt(idx[i], kind[i]) != 0)
            return false;
    if (trap_native__set_ldt(SEL_NONE_IDX, TRAP_SEG_NONE) != 0)
        return false;
    uint16_t none = mirror(SEL_NONE_IDX << 3);
    *s = (struct trap_sels){
        .cs = mirror(seg[S_CS].sel), .ss = mirror(seg[S_SS].sel),
        .ds = kind[2] == TRAP_SEG_UNUSED ? 0 : mirror(seg[S_DS].sel),
        .es = kind[3] == TRAP_SEG_UNUSED ? 0 : mirror(seg[S_ES].sel),
        .fs = none, .gs = none,
    };
    return true;
}

/* A segment register the guest loaded natively (a selector that happens
 * to be valid in the host's tables): load the guest's own descriptor for
 * it, as the guest meant. */
static void resync_segment(struct cpu *cpu, int seg, uint16_t was, uint16_t now)
{
    if (now == was)
        return;
    jmp_buf jb;
    jmp_buf *saved = cpu->exc_jmp;
    cpu->exc_jmp = &jb;
    if (setjmp(jb) == 0)
        seg__load(cpu, seg, now);
    cpu->exc_jmp = saved;
}

/* A far JMP/CALL/RET the guest made natively through a selector that is
 * valid in the host's tables (so it did not fault): CS now holds that
 * selector, EIP the target. Load the guest's own descriptor for it, as a
 * far JMP would. False when the guest's tables refuse it. */
static bool resync_cs(struct cpu *cpu, uint16_t sel)
{
    if (sel == HOST_CS64)
        return false; /* it ran its code as 64-bit code: nothing to follow */
    sel = (uint16_t)((sel & ~3u) | (unsigned)cpu->cpl); /* the host forced RPL 3 */
    jmp_buf jb;
    jmp_buf *saved = cpu->exc_jmp;
    volatile bool ok = false;
    cpu->exc_jmp = &jb;
    if (setjmp(jb) == 0) {
        far__jmp(cpu, sel, cpu->eip, 4);
        ok = true;
    }
    cpu->exc_jmp = saved;
    return ok;
}

/* INVLPG (0F 01 /7 with a memory operand) or MOV CR0/CR3/CR4 (0F 22),
 * after any prefixes: the translation may change even when the control
 * register keeps its value (a CR3 reload flushes the TLB). The bytes are
 * readable natively (the instruction was just fetched from there). */
static bool flushes_tlb(uint32_t eip)
{
    const volatile uint8_t *p = (const volatile uint8_t *)(uintptr_t)eip;
    for (int i = 0; i < 14; i++, p++) {
        uint8_t b = *p;
        if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
            b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3)
            continue;
        if (b != 0x0f)
            return false;
        int reg = (p[2] >> 3) & 7;
        if (p[1] == 0x01)
            return (p[2] & 0xc0) != 0xc0 && reg == 7;
        return p[1] == 0x22 && (reg == 0 || reg == 3 || reg == 4);
    }
    return false;
}

/* Run the instruction at EIP in the interpreter, deliver what it raises,
 * and drop the mirrored pages if it may have changed the translation. */
static void emulate(struct cpu *cpu, bool code_mapped)
{
    uint32_t cr0 = cpu->cr0, cr3 = cpu->cr3, cr4 = cpu->cr4;
    int cpl = cpu->cpl;
    bool a20 = cpu->a20;
    bool flush = code_mapped && flushes_tlb(cpu->eip);

    stats.trap_emulated++;
    if (interp__exec_one(cpu) >= 0)
        exc__deliver(cpu);
    if (flush || cr0 != cpu->cr0 || cr3 != cpu->cr3 || cr4 != cpu->cr4 ||
        (cpl == 3) != (cpu->cpl == 3) || a20 != cpu->a20)
        trap_map__flush();
}

/* The instruction a trap (INT3, INTO) or a stopped system call reported
 * the end of: back up to its first byte. */
static uint32_t trap_start(uint32_t eip, int trapno, enum trap_exit_kind kind)
{
    if (kind == TRAP_EXIT_SYSCALL)
        return eip - 2; /* CD 80 or 0F 05 */
    if (trapno == EXC_OF)
        return eip - 1; /* CE */
    return *(const volatile uint8_t *)(uintptr_t)(eip - 1) == 0xcc ? eip - 1 : eip - 2;
}

/* Account for one exit and follow what the guest changed natively
 * (segment registers it loaded through selectors valid in the host's
 * tables). False when the guest cannot go on. */
static bool follow_exit(struct machine *m, struct cpu *cpu, const struct trap_sels *sels,
                        const struct trap_exit *x)
{
    cpu->icount += x->ns ? x->ns : 1; /* guest time: about one instruction per ns */
    if (x->sels.cs != sels->cs && !resync_cs(cpu, x->sels.cs)) {
        machine__kill(m, "-accel trap: the guest's far transfer to %04x:%08x did not fault: "
                         "that selector is valid in the host's GDT%s, so the guest ran in a "
                         "host segment; its state is lost",
                      x->sels.cs, cpu->eip,
                      x->sels.cs == HOST_CS64 ? " (the host's 64-bit code segment)" : "");
        return false;
    }
    resync_segment(cpu, S_SS, sels->ss, x->sels.ss);
    resync_segment(cpu, S_DS, sels->ds, x->sels.ds);
    resync_segment(cpu, S_ES, sels->es, x->sels.es);
    resync_segment(cpu, S_FS, sels->fs, x->sels.fs);
    resync_segment(cpu, S_GS, sels->gs, x->sels.gs);
    return true;
}

/* Handle a fault or a stopped system call of guest code: map the page, or
 * emulate the instruction (delivering what it raises). */
static void handle_exit(struct cpu *cpu, const struct trap_exit *x)
{
    if (x->kind == TRAP_EXIT_SYSCALL) {
        stats.trap_syscalls++;
        cpu->eip = trap_start(cpu->eip, 0, x->kind);
        emulate(cpu, true);
        return;
    }
    if (x->trapno == EXC_PF && trap_map__fault(cpu, x->cr2, (x->err & 2) != 0))
        return;
    if (x->trapno == EXC_DB) {
        /* The guest set TF natively (POPF): its single-step trap, after
         * the instruction that followed (SDM vol. 3, 17.3.1.4). */
        cpu->insn_eip = cpu->eip;
        exc__debug_trap(cpu, DR6_BS);
        return;
    }
    if (x->trapno == EXC_BP || x->trapno == EXC_OF)
        cpu->eip = trap_start(cpu->eip, x->trapno, x->kind);
    LOG(int, "trap: host vector %d at %08x emulated\n", x->trapno, cpu->eip);
    bool fetch_fault = x->trapno == EXC_PF && x->cr2 == cpu->eip;
    emulate(cpu, !fetch_fault);
}

/* Whether the interpreter must take the next instruction: interrupt
 * delivery, the shadow of STI/MOV SS, single step, breakpoints, NT (which
 * sigreturn cannot load). */
static bool interp_turn(const struct machine *m, const struct cpu *cpu)
{
    return cpu->inhibit_irq || cpu->nmi_pending || (cpu->eflags & (F_TF | F_RF | F_NT)) ||
           (cpu->dr[7] & 0xff) || (m->intr_line && (cpu->eflags & F_IF));
}

/* One native run: what the exit callback sees. */
struct run_ctx {
    struct machine *m;
    struct trap_sels sels;  /* the selectors the guest runs with now */
};

/* The exit callback (on the signal stack, see trap_native.c): handle the
 * exit, and go on natively when nothing needs the run loop. */
static bool on_exit(void *opaque, struct trap_exit *x, struct trap_sels *next)
{
    struct run_ctx *c = opaque;
    struct machine *m = c->m;
    struct cpu *cpu = &m->cpu;

    if (x->kind == TRAP_EXIT_TIMER)
        return false;
    x->handled = true;
    if (!follow_exit(m, cpu, &c->sels, x))
        return false;
    handle_exit(cpu, x);
    /* The slice's budget is not looked at: a trap costs microseconds of
     * host time, counted as guest time, so the budget would end the slice
     * after a few traps; the 1 ms host timer ends it instead. */
    if (m->stop != STOP_NONE || cpu->halted || interp_turn(m, cpu) || !native_setup(cpu, next))
        return false;
    stats.trap_native_runs++;
    c->sels = *next;
    return true;
}

static void run_native(struct machine *m, struct cpu *cpu, const struct trap_sels *sels)
{
    struct run_ctx c = { .m = m, .sels = *sels };
    struct trap_exit x;
    stats.trap_native_runs++;
    trap_native__run(cpu, sels, &x, on_exit, &c);
    if (x.handled)
        return;
    if (x.kind == TRAP_EXIT_TIMER)
        stats.trap_timer_exits++;
    if (follow_exit(m, cpu, &c.sels, &x) && x.kind != TRAP_EXIT_TIMER)
        handle_exit(cpu, &x);
}

/* Whether anything could still interrupt a CPU halted with IF set: an
 * interrupt or NMI pending, a device timer armed, or input awaited. */
static bool can_wake(const struct machine *m)
{
    if (m->intr_line || m->cpu.nmi_pending || timers__next(&m->timers) != TIMER_NEVER)
        return true;
    for (int i = 0; i < m->nwait_fds; i++)
        if (m->wait_fds[i].enabled)
            return true;
    return false;
}

/* A guest halted with interrupts enabled that nothing can wake. Under
 * trap-and-emulate this is how Linux ends an early panic: its HLT loop
 * runs with the virtual IF set, because local_irq_restore saw the host's
 * IF=1 in the flags PUSHF saved and ran STI (docs/teaching.md, 7). The
 * machine would sleep forever: stop it instead. */
static void stop_if_asleep_forever(struct machine *m)
{
    const struct cpu *cpu = &m->cpu;
    if (!cpu->halted || !(cpu->eflags & F_IF) || can_wake(m))
        return;
    machine__kill(m, "-accel trap: the guest halted at %04x:%08x with interrupts enabled and "
                     "nothing that could interrupt it (no device timer armed, no input): it "
                     "would sleep forever (a Linux guest does this after an early panic, "
                     "printed only with earlyprintk)",
                  cpu->seg[S_CS].sel, cpu->eip);
}

static uint64_t trap_engine__run(struct machine *m, uint64_t budget)
{
    struct cpu *cpu = &m->cpu;
    uint64_t start = cpu->icount, end = start + budget;
    struct trap_sels sels;

    while (m->stop == STOP_NONE && cpu->icount < end && !cpu->halted) {
        if (interp_turn(m, cpu)) {
            interp__run(m, 1);
            continue;
        }
        if (!native_setup(cpu, &sels)) {
            uint64_t left = end - cpu->icount;
            uint64_t n = interp__run(m, left < INTERP_CHUNK ? left : INTERP_CHUNK);
            stats.trap_interp_insns += n;
            continue;
        }
        run_native(m, cpu, &sels);
    }
    stop_if_asleep_forever(m);
    return cpu->icount - start;
}

static int trap_engine__init(struct machine *m)
{
    interp__init();
    int err = trap_map__init(m->stop_message, sizeof(m->stop_message));
    if (err) {
        machine__kill(m, "-accel trap: %s", m->stop_message);
        return 0; /* the run loop stops at once with that message */
    }
    return trap_native__init();
}

static void trap_engine__destroy(struct machine *m)
{
    trap_native__stop_timer();
    trap_map__flush();
}

const struct engine trap_engine = {
    .name = "trap",
    .init = trap_engine__init,
    .run = trap_engine__run,
    .destroy = trap_engine__destroy,
};
