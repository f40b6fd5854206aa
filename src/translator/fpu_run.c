/* fpu_run.c - the guest's x87 state into and out of the host FPU around a
 * run of translated x87 instructions.
 *
 * The interpreter runs each x87 instruction on the host FPU between an
 * FRSTOR of the guest's state and an FNSAVE (interp/fpu_native.c). A
 * translated run does the same around several instructions: one load
 * before the run, the guest's instructions as they are (memory operands at
 * [R14]), one store after it. Between the two only translated code runs
 * (no lookup, no callout, no exit: fpu_emit.c), so host C code never sees
 * the guest's state in the host FPU; the host's own control word is put
 * back by the store.
 *
 * Native runs are allowed only while every exception is masked (FCW bits
 * 0-5) and none is pending (FSW.ES), and CR0.EM and CR0.TS are clear.
 * Then no instruction of the run can raise #MF on the next (nothing can
 * become pending), the host never traps, and each instruction's result,
 * status word and tags are those the interpreter's FRSTOR/FNSAVE per
 * instruction gives: the flags it raised accumulate in FSW as the
 * interpreter's merge does (it clears them before FRSTOR and ORs the
 * guest's back after FNSAVE, as does this load and store). In any other
 * case the block leaves before the run, for the interpreter, which raises
 * #NM, #MF (or lets the instruction proceed with CR0.NE clear) and
 * handles unmasked exceptions exactly.
 */
#include "translator/fpu_run.h"

#include <string.h>

#include "core/cpu.h"
#include "interp/fpu.h"

/* The host's control word while the guest's state is in the FPU (one
 * translated run at a time). */
static uint16_t host_fcw;

int fpu_run__enter(struct cpu *cpu);
void fpu_run__leave(struct cpu *cpu);

int fpu_run__enter(struct cpu *cpu)
{
    const struct fpu_state *f = &cpu->fpu;
    if ((cpu->cr0 & (CR0_EM | CR0_TS)) || (f->fcw & FCW_MASKS) != FCW_MASKS || (f->fsw & FSW_ES))
        return 0;
    struct fsave_image img;
    int top = (f->fsw >> FSW_TOP_SHIFT) & 7;
    memset(&img, 0, sizeof(img));
    img.fcw = f->fcw;
    img.fsw = (uint16_t)(f->fsw & ~(FSW_EXC | FSW_SF | FSW_ES | FSW_B));
    img.ftw = f->ftw;
    for (int i = 0; i < 8; i++)
        memcpy(img.st[i], &f->st_phys[(top + i) & 7], 10);
    __asm__ volatile("fnstcw %[hcw]\n\t"
                     "frstor %[img]"
                     : [hcw] "=m"(host_fcw)
                     : [img] "m"(img)
                     : "memory");
    return 1;
}

void fpu_run__leave(struct cpu *cpu)
{
    struct fpu_state *f = &cpu->fpu;
    struct fsave_image img;
    __asm__ volatile("fnsave %[img]\n\t"
                     "fldcw %[hcw]"
                     : [img] "=m"(img)
                     : [hcw] "m"(host_fcw)
                     : "memory");
    int top = (img.fsw >> FSW_TOP_SHIFT) & 7;
    for (int i = 0; i < 8; i++)
        memcpy(&f->st_phys[(top + i) & 7], img.st[i], 10);
    f->ftw = img.ftw;
    /* Every exception is masked: ES and B stay clear. */
    f->fsw = (uint16_t)((img.fsw & ~(FSW_ES | FSW_B)) | (f->fsw & (FSW_EXC | FSW_SF)));
}

/*
 * The two entry points: the guest flags (PUSHFQ) and the host registers
 * C may clobber that translated code keeps (stubs.c) are saved; the host
 * stack is 16-byte aligned in translated code, so after the call, the
 * eleven saves and one pad it is aligned again for C. bt86_fpu_enter
 * moves its return address past the block's exit (FPU_ENTER_SKIP) when
 * the state was loaded: the return address sits above the pad, the nine
 * pushes and the flags (88 bytes).
 */
#define FPU_TRAMPOLINE(name, fn, after_call)                                                    \
    ".globl " name "\n.hidden " name "\n" name ":\n\t"                                         \
    "pushfq\n\tpush %rax\n\tpush %rcx\n\tpush %rdx\n\tpush %rsi\n\tpush %rdi\n\t"               \
    "push %r8\n\tpush %r9\n\tpush %r10\n\tpush %r11\n\tsub $8, %rsp\n\t"                       \
    "mov %r13, %rdi\n\tcall " fn "\n\t" after_call                                             \
    "add $8, %rsp\n\tpop %r11\n\tpop %r10\n\tpop %r9\n\tpop %r8\n\t"                           \
    "pop %rdi\n\tpop %rsi\n\tpop %rdx\n\tpop %rcx\n\tpop %rax\n\tpopfq\n\tret\n"

_Static_assert(FPU_ENTER_SKIP == 6, "the trampoline skips 6 bytes");
__asm__(".pushsection .text\n"
        FPU_TRAMPOLINE("bt86_fpu_enter", "fpu_run__enter",
                       "test %eax, %eax\n\tjz 1f\n\taddq $6, 88(%rsp)\n1:\n\t")
        FPU_TRAMPOLINE("bt86_fpu_leave", "fpu_run__leave", "")
        ".popsection\n");
