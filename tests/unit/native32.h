/* native32.h - run one instruction natively in 32-bit compatibility mode
 * (the host's user CS 0x23) with given registers and flags: the oracle for
 * the interpreter's arithmetic unit tests. */
#ifndef BT86_TESTS_NATIVE32_H
#define BT86_TESTS_NATIVE32_H

#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

/*
 * A 64 KiB RWX area below 2 GiB holds:
 *   0x0000  64-bit entry: save callee-saved registers and RSP, switch to the
 *           low stack, far-return to CS 0x23 at 0x0100
 *   0x0100  32-bit code: load DS/ES, EFLAGS and the registers from the
 *           state block, the instruction slot (NOP-padded), store them back,
 *           far-return to CS 0x33 at 0x0400
 *   0x0400  64-bit exit: restore RSP and the callee-saved registers, ret
 *   0x0800  struct native_state
 *   0x1000  a 4 KiB data buffer the instruction may address (through EBX)
 *   0xffff  top of the low stack (also used by the kernel for SIGFPE frames)
 */
struct native_state {
    uint32_t eax, ecx, edx, ebx, ebp, esi, edi, eflags;
    uint64_t saved_rsp;
};

#define NATIVE_SLOT 16
#define NATIVE_AREA 0x10000

static uint8_t *native_area;
static uint8_t *native_slot;
static sigjmp_buf native_fault_jmp;

static uint8_t *native_emit(uint8_t *p, const void *bytes, size_t n)
{
    memcpy(p, bytes, n);
    return p + n;
}

static uint8_t *native_emit32(uint8_t *p, uint32_t v)
{
    return native_emit(p, &v, 4);
}

static void native_sigfpe(int sig)
{
    siglongjmp(native_fault_jmp, sig);
}

/* Map and assemble the trampoline; false if the host cannot do it. */
static inline bool native_init(void)
{
    static const uint8_t regs_enc[7] = { 0x05, 0x0d, 0x15, 0x1d, 0x2d, 0x35, 0x3d };
    uint8_t *a = mmap(NULL, NATIVE_AREA, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (a == MAP_FAILED || (uintptr_t)a + NATIVE_AREA > 0x80000000u)
        return false;
    native_area = a;
    uint32_t base = (uint32_t)(uintptr_t)a;
    uint32_t st = base + 0x800;
    uint8_t *p = a;

    /* 64-bit entry */
    p = native_emit(p, "\x53\x55\x41\x54\x41\x55\x41\x56\x41\x57", 10);
    p = native_emit(p, "\x48\xb8", 2);
    uint64_t save = st + offsetof(struct native_state, saved_rsp);
    p = native_emit(p, &save, 8);
    p = native_emit(p, "\x48\x89\x20", 3);                 /* mov [rax], rsp */
    p = native_emit(p, "\xbc", 1);                         /* mov esp, top */
    p = native_emit32(p, base + NATIVE_AREA - 16);
    p = native_emit(p, "\x68\x23\x00\x00\x00", 5);         /* push 0x23 */
    p = native_emit(p, "\x68", 1);
    p = native_emit32(p, base + 0x100);                    /* push code32 */
    native_emit(p, "\x48\xcb", 2);                         /* retfq */

    /* 32-bit body */
    p = a + 0x100;
    p = native_emit(p, "\x6a\x2b\x1f\x6a\x2b\x07", 6);     /* ds = es = 0x2b */
    p = native_emit(p, "\xff\x35", 2);                     /* push [eflags] */
    p = native_emit32(p, st + offsetof(struct native_state, eflags));
    p = native_emit(p, "\x9d", 1);                         /* popfd */
    for (int r = 0; r < 7; r++) {                          /* mov reg, [st+4r] */
        p = native_emit(p, "\x8b", 1);
        p = native_emit(p, &regs_enc[r], 1);
        p = native_emit32(p, st + 4 * r);
    }
    native_slot = p;
    memset(p, 0x90, NATIVE_SLOT);
    p += NATIVE_SLOT;
    p = native_emit(p, "\x9c\x8f\x05", 3);                 /* pushfd; pop [eflags] */
    p = native_emit32(p, st + offsetof(struct native_state, eflags));
    for (int r = 0; r < 7; r++) {                          /* mov [st+4r], reg */
        p = native_emit(p, "\x89", 1);
        p = native_emit(p, &regs_enc[r], 1);
        p = native_emit32(p, st + 4 * r);
    }
    p = native_emit(p, "\x6a\x33\x68", 3);                 /* push 0x33; push exit */
    p = native_emit32(p, base + 0x400);
    native_emit(p, "\xcb", 1);                             /* retf */

    /* 64-bit exit */
    p = a + 0x400;
    p = native_emit(p, "\x48\xb8", 2);
    p = native_emit(p, &save, 8);
    p = native_emit(p, "\x48\x8b\x20", 3);                 /* mov rsp, [rax] */
    native_emit(p, "\x41\x5f\x41\x5e\x41\x5d\x41\x5c\x5d\x5b\xc3", 11);

    struct sigaction sa = { .sa_handler = native_sigfpe };
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGFPE, &sa, NULL);
    return true;
}

/* The data buffer the instruction may address, and its 32-bit address. */
static inline uint8_t *native_buf(void) { return native_area + 0x1000; }
static inline uint32_t native_buf_addr(void) { return (uint32_t)(uintptr_t)native_area + 0x1000; }

/* Run code (at most NATIVE_SLOT bytes) with *s as input; *s receives the
 * output. Returns 0, or SIGFPE when the instruction raised #DE (then *s is
 * unchanged). */
static inline int native_run(const uint8_t *code, int len, struct native_state *s)
{
    struct native_state *st = (struct native_state *)(native_area + 0x800);
    volatile int sig;

    memset(native_slot, 0x90, NATIVE_SLOT);
    memcpy(native_slot, code, len);
    *st = *s;
    sig = sigsetjmp(native_fault_jmp, 1);
    if (sig == 0) {
        ((void (*)(void))native_area)();
        *s = *st;
    }
    return sig;
}

/* True when the host CPU is an AMD one (the family bt86's undefined flags
 * follow). */
static inline bool native_is_amd(void)
{
    unsigned a, b, c, d;
    __cpuid(0, a, b, c, d);
    return b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163; /* AuthenticAMD */
}

#endif
