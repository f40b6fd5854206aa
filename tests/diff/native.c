/* native.c - run one test instruction on the host CPU, in a 32-bit
 * compatibility-mode code segment made with modify_ldt, and capture the
 * state it leaves from the signal that stops it. */
#define _GNU_SOURCE
#include "difftest.h"

#include <asm/ldt.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

/*
 * How a run goes: the 64-bit side does sigsetjmp, loads the x87/MMX state
 * with FXRSTOR, and far-returns (LRETQ) to the 32-bit prologue at
 * STUB_BASE, which loads GS, EFLAGS (POPFD) and the eight registers from
 * the state block and far-jumps to the instruction, in the 32-bit or the
 * 16-bit code segment. Whatever happens next ends
 * in a signal: the instruction's own fault, or the #GP of the HLT that
 * fills the rest of the code page, or a #PF fetching a branch target
 * outside the page. The handler (on its own stack: ESP belongs to the
 * test) copies registers, EFLAGS, the trap number, error code, CR2 and the
 * FXSAVE image out of the signal frame and siglongjmps back to 64-bit C.
 * SA_NODEFER keeps the signals unblocked, so no sigprocmask per run.
 */

/* State block in the stub page: gpr[8], eflags, then the far pointer
 * (offset, selector) the prologue jumps through. */
#define STATE_OFF 0x800

struct layout layout = { SEL_CODE32, SEL_GS, DATA_BASE, GS_LIMIT, SEL_CODE16 };

static sigjmp_buf native_jmp;
static volatile sig_atomic_t native_active;
static struct {
    uint64_t gpr[8];
    uint64_t rip, eflags, trapno, err, cr2;
    struct fxsave fpu;
} native_ctx;
static struct fxsave native_fpu_in __attribute__((aligned(16)));

/* Order of the host's ucontext slots for EAX..EDI. */
static const int greg_slot[8] = {
    REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
};

/* Clear EFLAGS.AC: the kernel keeps the test's AC in the signal handler,
 * and with CR0.AM set (as Linux does) glibc's unaligned accesses would
 * then raise #AC in our own C code. */
void native__clear_ac(void);
__asm__(".text\n"
        ".type native__clear_ac, @function\n"
        "native__clear_ac:\n\t"
        "pushfq\n\t"
        "andl $~0x40000, (%rsp)\n\t"
        "popfq\n\t"
        "ret\n"
        ".size native__clear_ac, .-native__clear_ac\n");

static void native__on_signal(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;

    native__clear_ac();

    if (!native_active) {
        /* A bug of the tester itself: let it crash normally. */
        signal(sig, SIG_DFL);
        return;
    }
    for (int r = 0; r < 8; r++)
        native_ctx.gpr[r] = (uint64_t)g[greg_slot[r]];
    native_ctx.rip = (uint64_t)g[REG_RIP];
    native_ctx.eflags = (uint64_t)g[REG_EFL];
    native_ctx.trapno = (uint64_t)g[REG_TRAPNO];
    native_ctx.err = (uint64_t)g[REG_ERR];
    native_ctx.cr2 = (uint64_t)g[REG_CR2];
    memcpy(&native_ctx.fpu, uc->uc_mcontext.fpregs, sizeof(native_ctx.fpu));
    native_active = 0;
    siglongjmp(native_jmp, 1);
}

static int native__ldt_entry(unsigned n, uint32_t base, uint32_t limit, bool code, bool pages,
                             bool big)
{
    struct user_desc d;
    memset(&d, 0, sizeof(d));
    d.entry_number = n;
    d.base_addr = base;
    d.limit = limit;
    d.seg_32bit = big;
    d.contents = code ? MODIFY_LDT_CONTENTS_CODE : MODIFY_LDT_CONTENTS_DATA;
    d.limit_in_pages = pages;
    d.useable = 1;
    if (syscall(SYS_modify_ldt, 0x11, &d, sizeof(d)) != 0) {
        if (errno != EPERM && errno != ENOSYS)
            fprintf(stderr, "difftest: modify_ldt: %s\n", strerror(errno));
        return -errno;
    }
    return 0;
}

static int native__map(uint32_t addr, uint32_t len, int prot)
{
    void *p = mmap((void *)(uintptr_t)addr, len, prot,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED || p != (void *)(uintptr_t)addr) {
        fprintf(stderr, "difftest: cannot map %#x+%#x: %s\n", addr, len, strerror(errno));
        return -EEXIST;
    }
    return 0;
}

/* Append bytes to the prologue being written. */
static uint8_t *emit(uint8_t *p, const void *bytes, size_t n)
{
    memcpy(p, bytes, n);
    return p + n;
}

static uint8_t *emit32(uint8_t *p, uint32_t v)
{
    return emit(p, &v, 4);
}

/* The 32-bit prologue: GS, EFLAGS, registers, jump to the instruction. */
static void native__write_prologue(void)
{
    static const uint8_t load_modrm[8] = { 0, 0x0d, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d };
    static const int order[7] = { R_ECX, R_EDX, R_EBX, R_EBP, R_ESI, R_EDI, R_ESP };
    uint32_t state = STUB_BASE + STATE_OFF;
    uint8_t *p = (uint8_t *)(uintptr_t)STUB_BASE;

    /* A 64-bit process may run with null DS/ES, which fault in
     * compatibility mode: load the flat user data selector. */
    p = emit(p, (const uint8_t[]){ 0x66, 0xb8, SEL_FLAT, 0 }, 4); /* mov ax, SEL_FLAT */
    p = emit(p, (const uint8_t[]){ 0x8e, 0xd8, 0x8e, 0xc0 }, 4);  /* mov ds, ax; mov es, ax */
    p = emit(p, (const uint8_t[]){ 0x66, 0xb8, (uint8_t)layout.gs_sel, 0 }, 4); /* mov ax, gs_sel */
    p = emit(p, (const uint8_t[]){ 0x8e, 0xe8 }, 2);              /* mov gs, ax */
    p = emit(p, (const uint8_t[]){ 0xbc }, 1);                  /* mov esp, &eflags */
    p = emit32(p, state + 32);
    p = emit(p, (const uint8_t[]){ 0x9d }, 1);                  /* popfd */
    p = emit(p, (const uint8_t[]){ 0xa1 }, 1);                  /* mov eax, [state] */
    p = emit32(p, state);
    for (int i = 0; i < 7; i++) {                               /* mov r32, [state+4r] */
        p = emit(p, (const uint8_t[]){ 0x8b, load_modrm[order[i]] }, 2);
        p = emit32(p, state + 4 * order[i]);
    }
    p = emit(p, (const uint8_t[]){ 0xff, 0x2d }, 2);            /* jmp far [state+36] */
    emit32(p, state + 36);
}

int native__init(void)
{
    int err = native__ldt_entry(SEL_CODE32 >> 3, 0, 0xfffff, true, true, true);
    if (!err)
        err = native__ldt_entry(SEL_GS >> 3, DATA_BASE, GS_LIMIT, false, false, true);
    if (!err)
        err = native__ldt_entry(SEL_CODE16 >> 3, 0, 0xffff, true, false, false);
    if (err == -EPERM || err == -ENOSYS) {
        fprintf(stderr, "difftest: note: no modify_ldt here; using the kernel's 32-bit code "
                        "segment 0x23 and a flat GS\n");
        layout = (struct layout){ SEL_USER32_CS, SEL_FLAT, 0, 0xffffffffu, 0 };
    } else if (err) {
        return err;
    }
    if ((err = native__map(DATA_BASE, DATA_SIZE, PROT_READ | PROT_WRITE)) ||
        (err = native__map(CODE_BASE, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC)) ||
        (err = native__map(STUB_BASE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC)))
        return err;
    native__write_prologue();

    stack_t ss = { .ss_size = 1 << 16, .ss_sp = malloc(1 << 16) };
    if (!ss.ss_sp || sigaltstack(&ss, NULL) != 0)
        return -ENOMEM;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = native__on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        if (sigaction(sigs[i], &sa, NULL) != 0)
            return -errno;
    return 0;
}

/* Exceptions that push an error code (SDM vol. 3, table 6-1). */
static bool vector_has_error(int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

int native__run(const struct instance *in, struct outcome *out)
{
    uint8_t *code = (uint8_t *)(uintptr_t)CODE_BASE;
    uint32_t *state = (uint32_t *)(uintptr_t)(STUB_BASE + STATE_OFF);

    memset(code, 0xf4, CODE_SIZE);
    memcpy(code + (INSN_ADDR - CODE_BASE), in->code, in->len);
    memcpy((void *)(uintptr_t)DATA_BASE, in->data, DATA_SIZE);
    memcpy(state, in->gpr, 32);
    state[8] = in->eflags;
    state[9] = INSN_ADDR;
    state[10] = in->code16 ? layout.code16_sel : layout.code_sel;
    if (in->uses_fpu)
        native_fpu_in = in->fpu;
    else
        memset(&native_fpu_in, 0, sizeof(native_fpu_in));
    if (!in->uses_fpu) {
        native_fpu_in.fcw = 0x37f;
        native_fpu_in.mxcsr = 0x1f80;
    }

    if (sigsetjmp(native_jmp, 0) == 0) {
        native_active = 1;
        __asm__ volatile("fxrstor %0\n\t"
                         "pushq %1\n\t"
                         "pushq %2\n\t"
                         "lretq"
                         :
                         : "m"(native_fpu_in), "r"((uint64_t)layout.code_sel), "i"(STUB_BASE)
                         : "memory");
        __builtin_unreachable();
    }
    native__clear_ac();

    uint32_t ip = (uint32_t)native_ctx.rip;
    int trap = (int)native_ctx.trapno;
    for (int r = 0; r < 8; r++)
        out->gpr[r] = (uint32_t)native_ctx.gpr[r];
    out->eflags = (uint32_t)native_ctx.eflags;
    out->fpu = native_ctx.fpu;
    memcpy(out->data, (void *)(uintptr_t)DATA_BASE, DATA_SIZE);
    /* Until classified: the raw trap number and CR2 (shown for escapes). */
    out->vector = trap;
    out->error = (uint32_t)native_ctx.cr2;
    out->eip = ip;
    if (native_ctx.rip >> 32)
        return -1;

    bool landed_on_hlt = trap == EXC_GP && ip != INSN_ADDR &&
                         ip >= CODE_BASE && ip < CODE_BASE + CODE_SIZE &&
                         code[ip - CODE_BASE] == 0xf4;
    bool landed_outside = trap == 14 && ip != INSN_ADDR && (uint32_t)native_ctx.cr2 == ip &&
                          (ip < CODE_BASE || ip >= CODE_BASE + CODE_SIZE);
    if (landed_on_hlt || landed_outside) {
        out->vector = -1;
        out->error = 0;
        return 0;
    }
    if (trap == 3 || trap == 4) {
        /* INT3 and INTO are traps: the host reports the next EIP. */
        if (ip != INSN_ADDR + (uint32_t)in->len)
            return -1;
    } else if (ip != INSN_ADDR || trap == 14) {
        return -1; /* stopped somewhere the interpreter cannot follow */
    }
    out->vector = trap;
    out->eip = INSN_ADDR;
    out->error = vector_has_error(trap) ? (uint32_t)native_ctx.err : 0;
    return 0;
}
