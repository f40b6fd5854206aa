/* sys_callout.c - sensitive and rarely used instructions (PUSHF/POPF,
 * CLI/STI, IN/OUT, segment loads, descriptor-table reads, CPUID, RDMSR,
 * MOV CR/DR, LOCKed and non-flat forms...) run by the interpreter from
 * inside a translated block, instead of ending the block before them.
 *
 * At such an instruction the block stores its EIP, puts the address of
 * the instruction's kind (its mnemonic's entry in `kinds`, which -d
 * out_asm names) into R8, the next EIP into R14D and into R14's high half
 * the budget the block still holds for this and its later instructions,
 * and calls the callout stub (stubs.c, STUB_SYS_OFFSET). That saves the guest
 * registers and arithmetic flags into struct cpu as the exit stub does, calls
 * sys_callout__run, which runs the instruction as one interpreter step
 * (interp__engine_run: every check, exceptions delivered, the count of
 * retired instructions kept by the interpreter, so the block gives the
 * instruction's budget back), and loads the registers and flags back. The
 * block ends after the gates, IRET, SYSENTER/SYSEXIT, INVLPG, WRMSR and
 * refused near branches (SYS_ENDS in the next-EIP word); otherwise it
 * goes on when the step completed the instruction at the next EIP
 * and left unchanged all a block assumes: the segments, CPL and mode
 * (the block key), CR0/CR3/CR4 and the TLB generation (the block's own
 * code and inline lookups), DR7, TF and RF, no deliverable interrupt or
 * NMI and no interrupt shadow still due, the stop latch, no translated
 * code invalidated (a store into the block itself); the call then
 * returns past the code that follows it. Otherwise that code leaves the
 * block with the state as the interpreter left it: a fault has been
 * delivered, STI's shadow or a POPF that set TF are the C loop's careful
 * steps.
 *
 * Guest time during a callout: cpu->icount (which guest time, the PMU's
 * count of retired instructions and so RDTSC, RDPMC, the PIT and the RTC
 * follow within a slice) does not include the instructions translated
 * code retired since the C loop entered it: the C loop adds them when the
 * block leaves. The callout adds them for the step and takes them off
 * again after it, so the step sees the exact count and the C loop's
 * addition stays exact: the budget the entry stub kept on the host stack,
 * less the budget now in R9, less what the block still holds for this
 * instruction and its later ones (R9 gets each callout's instruction back,
 * as the interpreter counted it, so earlier callouts are not counted
 * twice).
 */
#include "translator/sys_callout.h"

#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "core/cpu.h"
#include "core/machine.h"
#include "core/stats.h"
#include "interp/code_wp.h"
#include "interp/interp.h"
#include "translator/block_log.h"
#include "translator/insn_table.h"

#define NMNEM (ZYDIS_MNEMONIC_MAX_VALUE + 1)

/* Per mnemonic: callouts made, and of those, followed by an exit. */
struct sys_kind {
    uint64_t calls, exits;
};
static struct sys_kind kinds[NMNEM];

/* Whether a callout of table kind `kind` ends the block: one that may
 * change what the block's code assumes (K_SYS_END: INVLPG, WRMSR, and the
 * gates, IRET and SYSENTER/SYSEXIT, which change CPL and segments), or a
 * branch in a form the translator refused (CALL m32 through GS...). */
static bool ends_block(unsigned kind)
{
    kind &= K_KIND_MASK;
    return kind == K_SYS_END || kind == K_CALL || kind == K_JMP || kind == K_RET;
}

bool sys_callout__takes(const ZydisDecodedInstruction *in, unsigned kind, bool *end)
{
    *end = ends_block(kind);
    /* DIV's guard (div_guard.c) is for its copied form. */
    if (in->mnemonic == ZYDIS_MNEMONIC_DIV)
        return false;
    /* A copied kind in a form the copy cannot keep (segment or system
     * registers, LOCK, non-flat segments, 16-bit addressing...) is one
     * the interpreter runs as well as any. */
    switch (kind & K_KIND_MASK) {
    case K_COPY:
    case K_PUSH:
    case K_POP:
    case K_SYS:
    case K_SYS_END:
    case K_CALL:
    case K_JMP:
    case K_RET:
        return true;
    default:
        return false;
    }
}

/* What a callout must find unchanged for the block to go on. */
struct sys_assumed {
    struct seg_cache seg[S_GS + 1];
    uint32_t cr0, cr3, cr4, dr7, gen;
    int cpl;
    uint64_t invalidated;
};

/* a == b, field by field (cheaper than memcmp over the whole struct). */
static bool same_assumed(const struct sys_assumed *a, const struct sys_assumed *b)
{
    bool same = a->cr0 == b->cr0 && a->cr3 == b->cr3 && a->cr4 == b->cr4 && a->dr7 == b->dr7
        && a->gen == b->gen && a->cpl == b->cpl && a->invalidated == b->invalidated;
    for (int s = 0; s <= S_GS; s++)
        same = same && a->seg[s].sel == b->seg[s].sel && a->seg[s].attr == b->seg[s].attr
            && a->seg[s].base == b->seg[s].base && a->seg[s].limit == b->seg[s].limit;
    return same;
}

static void assumed(const struct cpu *cpu, struct sys_assumed *a)
{
    memcpy(a->seg, cpu->seg, sizeof(a->seg));
    a->cr0 = cpu->cr0;
    a->cr3 = cpu->cr3;
    a->cr4 = cpu->cr4;
    a->dr7 = cpu->dr[7];
    a->gen = code_wp__gen;
    a->cpl = cpu->cpl;
    a->invalidated = stats.blocks_invalidated;
}


/* Set in `where` by a callout that ends its block. */
#define SYS_ENDS (1ull << 63)

/* where: the next EIP, in bits 32-62 the budget the block holds for this
 * instruction and the ones after it, SYS_ENDS when the block ends after
 * it; budget: R9; entry_budget: R9 when the C loop entered translated
 * code. Returns 1 when the block goes on, 0 when it leaves. */
int sys_callout__run(struct cpu *cpu, struct sys_kind *k, uint64_t where, int64_t budget, int64_t entry_budget)
{
    struct machine *m = cpu->m;
    struct sys_assumed before, after;
    uint32_t eflags = cpu->eflags, next = (uint32_t)where;
    int64_t unseen = entry_budget - budget - (int64_t)((where & ~SYS_ENDS) >> 32);
    assert(unseen >= 0);
    assumed(cpu, &before);
    cpu->icount += (uint64_t)unseen;
    uint64_t retired = interp__engine_run(m, 1);
    cpu->icount -= (uint64_t)unseen;
    assumed(cpu, &after);
    k->calls++;
    stats.bt_callouts++;
    /* The interrupt shadow of STI (or MOV/POP SS) covers the boundary
     * after the instruction (SDM vol. 2, STI): with no interrupt or NMI
     * that could be delivered there it has nothing to hold back, and is
     * consumed as the interpreter's next step would. */
    if (cpu->inhibit_irq && !m->intr_line && !cpu->nmi_pending)
        cpu->inhibit_irq = false;
    bool on = retired == 1 && cpu->eip == next && !(where & SYS_ENDS)
        && same_assumed(&before, &after) && !((cpu->eflags ^ eflags) & (F_VM | F_AC))
        && !(cpu->eflags & (F_TF | F_RF)) && !cpu->halted && !cpu->inhibit_irq && !cpu->nmi_pending
        && !(m->intr_line && (cpu->eflags & F_IF)) && m->stop == STOP_NONE;
    if (!on) {
        k->exits++;
        stats.bt_callout_exits++;
    }
    return on;
}

/*
 * The code the block runs at the instruction:
 *   mov dword [r13 + eip], eip
 *   mov r8, &kinds[mnemonic]; mov r14, next eip | held << 32
 *   call the callout stub
 *   lea r9, [r9 + d]           the leave path (the callout returns past it
 *   mov r10d, 0                when the block goes on): the budget of the
 *   jmp exit stub              instructions after this one back
 * (held: the budget the block took for this instruction and the ones
 * after it.) The stub passes R9 and the budget at entry to
 * sys_callout__run (stubs.c keeps it at [RSP + 16] in translated code:
 * 48(%rsp) past the return address and the stub's three pushes),
 * gives this instruction's budget back itself (the interpreter counted
 * it), keeps R9-R11, and may clobber R8, R14, R15 (the translated code's
 * scratch). The host stack is 16-byte aligned in translated code: the
 * return address and three pushes realign it.
 */

void sys_callout__emit(struct emit *e, const ZydisDecodedInstruction *in, uint32_t eip, uint32_t next,
                       unsigned count)
{
    struct sys_kind *k = &kinds[in->mnemonic];
    uint64_t kind = (uintptr_t)k;
    char name[48];
    snprintf(name, sizeof(name), "callout %s", ZydisMnemonicGetString(in->mnemonic));
    block_log__name(k, name);
    emit__bytes(e, (const uint8_t[]){ 0x41, 0xc7, 0x45, (uint8_t)offsetof(struct cpu, eip) }, 4);
    emit__bytes(e, &eip, 4);
    emit__bytes(e, (const uint8_t[]){ 0x49, 0xb8 }, 2);               /* mov r8, imm64 */
    emit__bytes(e, &kind, 8);
    uint64_t where = next | (uint64_t)(e->ninsns - count) << 32
        | (ends_block(insn_table__kind(in->mnemonic)) ? SYS_ENDS : 0);
    emit__bytes(e, (const uint8_t[]){ 0x49, 0xbe }, 2);               /* mov r14, imm64 */
    emit__bytes(e, &where, 8);
    emit__bytes(e, (const uint8_t[]){ 0xe8 }, 1);                     /* call the stub */
    uint32_t call = (uint32_t)(e->stubs + STUB_SYS_OFFSET - (e->p + 4));
    emit__bytes(e, &call, 4);
    const uint8_t *leave = e->p;
    int8_t d = (int8_t)(e->ninsns - count - 1);
    emit__bytes(e, (const uint8_t[]){ 0x4d, 0x8d, 0x49, (uint8_t)d }, 4); /* lea r9, [r9 + d] */
    emit__bytes(e, (const uint8_t[]){ 0x41, 0xba, 0, 0, 0, 0, 0xe9 }, 7); /* mov r10d, 0; jmp */
    uint32_t rel = (uint32_t)(e->stubs + STUB_EXIT_OFFSET - (e->p + 4));
    emit__bytes(e, &rel, 4);
    assert(e->p - leave == SYS_LEAVE_BYTES);
    (void)leave;
}

void sys_callout__print(FILE *f)
{
    if (!stats.bt_callouts)
        return;
    fprintf(f, "callouts by kind (instructions the interpreter ran inside translated blocks: %" PRIu64
            ", of which %" PRIu64 " left the block):\n", stats.bt_callouts, stats.bt_callout_exits);
    for (size_t m = 0; m < NMNEM; m++)
        if (kinds[m].calls)
            fprintf(f, "  %-12s %14" PRIu64 "  left the block %" PRIu64 "\n",
                    ZydisMnemonicGetString((ZydisMnemonic)m), kinds[m].calls, kinds[m].exits);
}
