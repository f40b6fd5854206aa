/* trap_native.c - run guest code natively at host CPL 3 in a 32-bit LDT code
 * segment, entering and leaving it through signal frames. */
#define _GNU_SOURCE
#include "engines/trap.h"

#include <asm/ldt.h>
#include <asm/prctl.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "core/cpu.h"

/*
 * Entering: trap_native__run loads DS/ES/FS/GS with the guest's native
 * selectors (in 64-bit mode their bases do not matter) and executes INT3 at
 * trap_native__doorbell (not UD2: on the virtual machine this was
 * measured on, a #UD cost 26 us against 5 us for INT3, presumably because
 * the hypervisor below intercepts #UD). The SIGTRAP handler overwrites the signal frame
 * with the guest's registers, EIP, the arithmetic flags, CS and SS, and
 * returns: sigreturn loads them and the CPU is in the guest's code. The
 * kernel only lets the frame set the flags a user program may set
 * (arithmetic, DF, TF, AC): IF and IOPL stay as the host has them (IF=1,
 * IOPL=0), which is the point of the demonstration.
 *
 * Leaving: any exception of the guest code, a guest system call stopped
 * by seccomp, or the interval timer arrives as a signal on the alternate
 * stack; the handler first gives FS and GS back to the host (glibc keeps
 * its thread pointer in FS), copies the frame into the run's exit record
 * and siglongjmps back to trap_native__run.
 */

/* From the kernel's asm/ucontext.h (which clashes with glibc's): sigreturn
 * loads SS from the frame as given. */
#ifndef UC_STRICT_RESTORE_SS
#define UC_STRICT_RESTORE_SS 0x4
#endif

/* The XSAVE image of a signal frame (kernel's asm/sigcontext.h): the
 * software-reserved bytes at 464 hold FP_XSTATE_MAGIC1 when the XSAVE
 * header (XSTATE_BV at 512) follows the legacy area. */
#define FX_SW_MAGIC 464
#define FX_XSTATE_BV 512
#ifndef FP_XSTATE_MAGIC1
#define FP_XSTATE_MAGIC1 0x46505853u
#endif

#define TIMER_US 1000 /* the interval timer: at most 1 ms of native execution */

static sigjmp_buf run_jmp;
static volatile sig_atomic_t phase; /* PHASE_* */
enum { PHASE_IDLE, PHASE_ENTERING, PHASE_GUEST };
static struct cpu *run_cpu;
static struct trap_exit *run_exit;
static trap_exit_fn run_on_exit;
static void *run_opaque;
static uint64_t run_start; /* host ns: the guest's latest entry */
static uint16_t run_cs, run_ss;
static uint64_t host_fs_base;
static uint8_t ldt_kind[8192];
static sigset_t guest_sigmask; /* blocked while guest code runs */
static uint8_t fx_in[TRAP_FX_BYTES], fx_out[TRAP_FX_BYTES]; /* the guest's FPU */

void trap_native__doorbell(void);
__asm__(".text\n"
        ".globl trap_native__doorbell\n"
        ".type trap_native__doorbell, @function\n"
        "trap_native__doorbell:\n\t"
        "int3\n"
        ".size trap_native__doorbell, .-trap_native__doorbell\n");

static const int greg_slot[8] = {
    REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
};

/* Flags the guest code owns while it runs natively (the rest, IF and IOPL
 * above all, are the virtual machine's). */
#define NATIVE_FLAGS (F_ARITH | F_DF | F_AC)

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Give FS and GS back to the host without touching thread-local storage:
 * null selectors, then the thread pointer through arch_prctl. */
static inline void host_segments(void)
{
    long ret;
    __asm__ volatile("mov %0, %%fs\n\tmov %0, %%gs" : : "r"(0u));
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "0"((long)SYS_arch_prctl), "D"((long)ARCH_SET_FS), "S"(host_fs_base)
                     : "rcx", "r11", "memory");
    (void)ret;
}

/* The selector in segment register r (ds, es, fs, gs). */
#define READ_SEL(r)                                              \
    ({                                                           \
        uint16_t sel_;                                           \
        __asm__ volatile("mov %%" #r ", %0" : "=r"(sel_));        \
        sel_;                                                    \
    })

/* Write the guest's state into the frame sigreturn will load. */
static void frame_enter(ucontext_t *uc)
{
    greg_t *g = uc->uc_mcontext.gregs;
    const struct cpu *cpu = run_cpu;

    for (int r = 0; r < 8; r++)
        g[greg_slot[r]] = cpu->gpr[r];
    g[REG_RIP] = cpu->eip;
    /* TF off: the frame may be that of a guest fault taken with TF set. */
    g[REG_EFL] = (g[REG_EFL] & ~(greg_t)(NATIVE_FLAGS | F_TF | F_NT | F_RF)) |
                 (cpu->eflags & NATIVE_FLAGS);
    /* cs, gs, fs, ss as four 16-bit fields (struct sigcontext). */
    g[REG_CSGSFS] = (greg_t)run_cs | ((greg_t)run_ss << 48);
    uc->uc_flags |= UC_STRICT_RESTORE_SS;
    /* While the guest runs, only the signals that end a native run are
     * taken: others (SIGINT…) wait until the host code runs again. FS is
     * the guest's here: no library call (a lazily bound one would enter
     * the dynamic linker, which uses thread-local storage), so a copy by
     * hand that the compiler cannot turn into memcpy. */
    volatile unsigned long *dst = (volatile unsigned long *)&uc->uc_sigmask;
    const unsigned long *src = (const unsigned long *)&guest_sigmask;
    for (size_t i = 0; i < sizeof(sigset_t) / sizeof(unsigned long); i++)
        dst[i] = src[i];
    /* The guest's FPU: the legacy area of the frame's XSAVE image, marked
     * in use (XSTATE_BV bits 0 and 1) or sigreturn would load the init
     * state instead. */
    volatile uint8_t *fx = (volatile uint8_t *)uc->uc_mcontext.fpregs;
    for (size_t i = 0; i < TRAP_FX_BYTES; i++)
        fx[i] = fx_in[i];
    if (*(volatile uint32_t *)(fx + FX_SW_MAGIC) == FP_XSTATE_MAGIC1)
        *(volatile uint64_t *)(fx + FX_XSTATE_BV) |= 3;
}

/* Read the guest's state back from the frame of the signal that ended the run. */
static void frame_leave(int sig, const siginfo_t *si, const ucontext_t *uc)
{
    const greg_t *g = uc->uc_mcontext.gregs;
    struct cpu *cpu = run_cpu;
    struct trap_exit *x = run_exit;

    for (int r = 0; r < 8; r++)
        cpu->gpr[r] = (uint32_t)g[greg_slot[r]];
    cpu->eip = (uint32_t)g[REG_RIP];
    /* TF and NT are never loaded (the engine interprets while they are
     * set) but a native POPF may set them. */
    cpu->eflags = (cpu->eflags & ~NATIVE_FLAGS) |
                  ((uint32_t)g[REG_EFL] & (NATIVE_FLAGS | F_TF | F_NT));
    x->sig = sig;
    x->kind = sig == SIGALRM ? TRAP_EXIT_TIMER
            : sig == SIGSYS ? TRAP_EXIT_SYSCALL : TRAP_EXIT_FAULT;
    x->trapno = (int)g[REG_TRAPNO];
    x->err = (uint32_t)g[REG_ERR];
    x->cr2 = (uint32_t)g[REG_CR2];
    memcpy(fx_out, uc->uc_mcontext.fpregs, TRAP_FX_BYTES);
    trap_fpu__load(cpu, fx_out);
    x->sels.cs = (uint16_t)g[REG_CSGSFS];
    x->sels.ss = (uint16_t)(g[REG_CSGSFS] >> 48);
    x->handled = false;
    uint64_t now = now_ns();
    x->ns = now - run_start;
    run_start = now;
    (void)si;
}

/* Go back into the guest from the handler with selectors s: the frame
 * gets the guest's state, DS/ES/FS/GS are loaded here (sigreturn does not
 * load them in a 64-bit process). Nothing may use thread-local storage
 * after this. */
static void reenter(ucontext_t *uc, const struct trap_sels *s)
{
    trap_fpu__save(run_cpu, fx_in);
    run_cs = s->cs;
    run_ss = s->ss;
    frame_enter(uc);
    __asm__ volatile("mov %0, %%ds\n\t"
                     "mov %1, %%es\n\t"
                     "mov %2, %%fs\n\t"
                     "mov %3, %%gs"
                     :
                     : "r"((uint32_t)s->ds), "r"((uint32_t)s->es), "r"((uint32_t)s->fs),
                       "r"((uint32_t)s->gs)
                     : "memory");
}

__attribute__((no_stack_protector)) static void on_signal(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;

    /* The kernel keeps the guest's EFLAGS.AC in the handler: with the
     * host's CR0.AM, bt86's own unaligned accesses would raise #AC. */
    __asm__ volatile("pushfq\n\tandl $~0x40000, (%%rsp)\n\tpopfq" : : : "memory", "cc");
    if (phase == PHASE_ENTERING && sig == SIGTRAP &&
        g[REG_RIP] == (greg_t)(uintptr_t)trap_native__doorbell + 1) {
        frame_enter(uc);
        phase = PHASE_GUEST;
        return;
    }
    /* In guest code, whatever CS it has: a far transfer may have loaded
     * a selector that also means something in the host's tables. */
    if (phase != PHASE_GUEST) {
        if (sig == SIGALRM)
            return; /* the timer ticked while bt86 itself ran */
        /* A fault of bt86 itself: die of it as if there were no handler. */
        signal(sig, SIG_DFL);
        return;
    }
    uint16_t fs = READ_SEL(fs), gs = READ_SEL(gs);
    host_segments();
    run_exit->sels.fs = fs;
    run_exit->sels.gs = gs;
    run_exit->sels.ds = READ_SEL(ds);
    run_exit->sels.es = READ_SEL(es);
    frame_leave(sig, si, uc);
    /* The engine handles the exit here, on the signal stack, when it can:
     * the signal interrupted guest code, so no library call of bt86 is
     * under way, and one signal per trap is half the cost of two. */
    struct trap_sels next;
    if (run_on_exit && run_on_exit(run_opaque, run_exit, &next)) {
        reenter(uc, &next);
        return;
    }
    phase = PHASE_IDLE;
    siglongjmp(run_jmp, 1);
}

void trap_native__run(struct cpu *cpu, const struct trap_sels *sels, struct trap_exit *out,
                      trap_exit_fn on_exit, void *opaque)
{
    run_start = now_ns();
    trap_fpu__save(cpu, fx_in);
    run_cpu = cpu;
    run_exit = out;
    run_on_exit = on_exit;
    run_opaque = opaque;
    run_cs = sels->cs;
    run_ss = sels->ss;
    if (sigsetjmp(run_jmp, 1) == 0) {
        phase = PHASE_ENTERING;
        /* From here to the guest nothing may use thread-local storage. */
        __asm__ volatile("mov %0, %%ds\n\t"
                         "mov %1, %%es\n\t"
                         "mov %2, %%fs\n\t"
                         "mov %3, %%gs\n\t"
                         "call trap_native__doorbell"
                         :
                         : "r"((uint32_t)sels->ds), "r"((uint32_t)sels->es),
                           "r"((uint32_t)sels->fs), "r"((uint32_t)sels->gs)
                         : "memory");
        __builtin_unreachable();
    }
}

int trap_native__set_ldt(unsigned idx, enum trap_seg_kind kind)
{
    if (idx >= 8192)
        return -EINVAL;
    if (ldt_kind[idx] == kind)
        return 0;
    struct user_desc d;
    memset(&d, 0, sizeof(d));
    d.entry_number = idx;
    d.limit = 0xfffff;
    d.limit_in_pages = 1;
    d.seg_32bit = 1;
    d.useable = 1;
    switch (kind) {
    case TRAP_SEG_CODE:
        d.contents = MODIFY_LDT_CONTENTS_CODE;
        break;
    case TRAP_SEG_DATA:
        d.contents = MODIFY_LDT_CONTENTS_DATA;
        break;
    case TRAP_SEG_NONE: /* expand-down up to 4 GiB - 1 from 4 GiB - 1: empty */
        d.contents = MODIFY_LDT_CONTENTS_STACK;
        break;
    case TRAP_SEG_UNUSED:
        d.seg_not_present = 1;
        d.read_exec_only = 1;
        d.limit = 0;
        d.limit_in_pages = 0;
        d.seg_32bit = 0;
        d.useable = 0;
        break;
    }
    if (syscall(SYS_modify_ldt, 0x11, &d, sizeof(d)) != 0)
        return -errno;
    ldt_kind[idx] = (uint8_t)kind;
    return 0;
}

/* Guest INT 0x80 and SYSCALL would be system calls of bt86 itself: the
 * filter turns every 32-bit system call of this process (bt86 makes none)
 * into SIGSYS, so the engine emulates the instruction instead. */
static int install_seccomp(void)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
        return -errno;
    return 0;
}

/* Once per process: the seccomp filter and the signal handlers. */
static int setup_process(void)
{
    static bool done;
    if (done)
        return 0;
    if (syscall(SYS_arch_prctl, ARCH_GET_FS, &host_fs_base) != 0)
        return -errno;
    int err = install_seccomp();
    if (err)
        return err;

    /* Exits are handled on this stack: the interpreter and the devices. */
    stack_t ss = { .ss_size = 1 << 20, .ss_sp = malloc(1 << 20) };
    if (!ss.ss_sp || sigaltstack(&ss, NULL) != 0)
        return -ENOMEM;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigfillset(&sa.sa_mask);
    sigfillset(&guest_sigmask);
    static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGALRM };
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        sigdelset(&guest_sigmask, sigs[i]);
        if (sigaction(sigs[i], &sa, NULL) != 0)
            return -errno;
    }
    done = true;
    return 0;
}

int trap_native__init(void)
{
    int err = setup_process();
    if (err)
        return err;
    struct itimerval it = { { 0, TIMER_US }, { 0, TIMER_US } };
    return setitimer(ITIMER_REAL, &it, NULL) != 0 ? -errno : 0;
}

void trap_native__stop_timer(void)
{
    struct itimerval it = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &it, NULL);
}
