/* stubs.c - the entry and exit stubs between the C loop and translated
 * code, the callout stubs into C (protected stores, sensitive
 * instructions), and the host register convention they
 * establish.
 *
 * While translated code runs:
 *   guest EAX ECX EDX EBX EBP ESI EDI  in host RAX RCX RDX RBX RBP RSI RDI
 *   guest ESP                           in host R12
 *   struct cpu *                        in host R13
 *   the instruction budget left         R9 (signed; blocks take from it)
 *   the constant 63                     R11 (for SHRX/SARX: flag-free tests)
 *   a block's stack-run base            [RSP] (the entry's alignment slot)
 *   the budget at entry                 [RSP + 16] (the callout stub reads it)
 *   scratch                             R8 R14 R15
 *   the guest flags across a lookup     R10 (LAHF/SETO form, emit.c)
 *   the exit word                       R10 (set by each exit)
 *   guest CF PF AF ZF SF OF             in host RFLAGS (DF, TF, AC stay 0)
 *   host RSP                            the C stack, 16-byte aligned
 * Keeping the guest register numbers lets an innocuous instruction be the
 * same instruction on the host; only ESP needs renaming.
 */
#include "translator/translator.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "core/cpu.h"
#include "translator/sys_callout.h"

/* Generated code addresses these fields with 8-bit displacements from R13. */
_Static_assert(offsetof(struct cpu, gpr) == 0, "gpr at the start of struct cpu");
_Static_assert(offsetof(struct cpu, eip) == 32, "eip after the eight gprs");
_Static_assert(offsetof(struct cpu, eflags) == 36, "eflags after eip");

#define ARITH_MASK 0x8d5u /* F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF */
_Static_assert(ARITH_MASK == F_ARITH, "arithmetic flag mask");

/* Host register numbers in ModRM encoding (bit 3 goes into REX). */
enum { H_R12 = 12, H_R13 = 13, H_R14 = 14, H_R15 = 15 };

static uint8_t *put(uint8_t *p, const void *bytes, size_t n)
{
    memcpy(p, bytes, n);
    return p + n;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
    return put(p, &v, 4);
}

/* The host register that holds guest register g. */
static int host_reg(int g)
{
    return g == R_ESP ? H_R12 : g;
}

/* mov r32, [r13 + disp8] (load) or mov [r13 + disp8], r32 (store). */
static uint8_t *mov_r13(uint8_t *p, int reg, uint8_t disp, bool store)
{
    *p++ = 0x41 | (reg >= 8 ? 0x04 : 0);      /* REX.B (r13), REX.R */
    *p++ = store ? 0x89 : 0x8b;
    *p++ = 0x45 | (reg & 7) << 3;             /* mod 01, rm 101 (r13) */
    *p++ = disp;
    return p;
}

/* The guest registers and arithmetic flags from the host into struct cpu
 * (the other EFLAGS bits stay as they are there); clobbers r15 only:
 *   mov [r13 + 4g], guest register g (g = 0..7)
 *   pushfq; pop r15; and r15d, arith
 *   and dword [r13 + eflags], ~arith; or [r13 + eflags], r15d */
static uint8_t *save_guest(uint8_t *p)
{
    for (int g = 0; g < 8; g++)
        p = mov_r13(p, host_reg(g), (uint8_t)(4 * g), true);
    p = put(p, (const uint8_t[]){ 0x9c, 0x41, 0x5f, 0x41, 0x81, 0xe7 }, 6); /* pushfq; pop r15; and r15d, imm32 */
    p = put32(p, ARITH_MASK);
    p = put(p, (const uint8_t[]){ 0x41, 0x81, 0x65, (uint8_t)offsetof(struct cpu, eflags) }, 4); /* and [r13+d8], imm32 */
    p = put32(p, ~ARITH_MASK);
    return put(p, (const uint8_t[]){ 0x45, 0x09, 0x7d, (uint8_t)offsetof(struct cpu, eflags) }, 4); /* or [r13+d8], r15d */
}

/* The reverse, clobbering r14: r14d = eflags & arithmetic; push r14;
 * popfq (only those flags reach the host: popfq leaves IF and IOPL alone
 * at CPL 3; TF, DF, AC get 0); then the guest registers. */
static uint8_t *load_guest(uint8_t *p)
{
    p = mov_r13(p, H_R14, offsetof(struct cpu, eflags), false);
    p = put(p, (const uint8_t[]){ 0x41, 0x81, 0xe6 }, 3); /* and r14d, imm32 */
    p = put32(p, ARITH_MASK);
    p = put(p, (const uint8_t[]){ 0x41, 0x56, 0x9d }, 3); /* push r14; popfq */
    for (int g = 0; g < 8; g++)
        p = mov_r13(p, host_reg(g), (uint8_t)(4 * g), false);
    return p;
}

static uint8_t *write_enter(uint8_t *p)
{
    /* push rbx, rbp, r12, r13, r14, r15; push rdx (the budget at entry);
     * sub rsp, 16 (the stack-run base slot and a pad: realigned to 16) */
    static const uint8_t save[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56,
                                    0x41, 0x57, 0x52, 0x48, 0x83, 0xec, 0x10 };
    p = put(p, save, sizeof(save));
    static const uint8_t args[] = { 0x49, 0x89, 0xfd,   /* mov r13, rdi (cpu) */
                                    0x49, 0x89, 0xf7,   /* mov r15, rsi (code) */
                                    0x49, 0x89, 0xd1,   /* mov r9, rdx (budget) */
                                    0x41, 0xbb, 63, 0, 0, 0 }; /* mov r11d, 63 */
    p = put(p, args, sizeof(args));
    p = load_guest(p);
    return put(p, (const uint8_t[]){ 0x41, 0xff, 0xe7 }, 3); /* jmp r15 */
}

static uint8_t *write_exit(uint8_t *p)
{
    p = save_guest(p);
    p = put(p, (const uint8_t[]){ 0x4c, 0x89, 0xc8 }, 3); /* mov rax, r9 (the budget left) */
    p = put(p, (const uint8_t[]){ 0x4c, 0x89, 0xd2 }, 3); /* mov rdx, r10 (the exit word) */
    /* add rsp, 24; pop r15, r14, r13, r12, rbp, rbx; ret */
    static const uint8_t restore[] = { 0x48, 0x83, 0xc4, 0x18, 0x41, 0x5f, 0x41, 0x5e,
                                       0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3 };
    return put(p, restore, sizeof(restore));
}

/* Called (from an out-of-line path, the guest flags kept in r10) with
 * r14d = linear address, r8 = the running block | size-1: saves the guest
 * registers and the host registers in use that C may clobber, calls
 * callout__wp_store, returns its result in r14. The host stack is 16-byte
 * aligned at the C call. */
static uint8_t *write_wp(uint8_t *p)
{
    static const uint8_t save[] = { 0x50, 0x51, 0x52, 0x56, 0x57,                         /* push rax rcx rdx rsi rdi */
                                    0x41, 0x51, 0x41, 0x52, 0x41, 0x53,                   /* push r9 r10 r11 */
                                    0x48, 0x83, 0xec, 0x08,                               /* sub rsp, 8 */
                                    0x4c, 0x89, 0xef,                                     /* mov rdi, r13 */
                                    0x44, 0x89, 0xf6,                                     /* mov esi, r14d */
                                    0x4c, 0x89, 0xc2,                                     /* mov rdx, r8 */
                                    0x48, 0xb8 };                                         /* mov rax, imm64 */
    p = put(p, save, sizeof(save));
    uint64_t fn = (uintptr_t)callout__wp_store;
    p = put(p, &fn, 8);
    static const uint8_t restore[] = { 0xff, 0xd0,                                     /* call rax */
                                       0x49, 0x89, 0xc6,                               /* mov r14, rax */
                                       0x48, 0x83, 0xc4, 0x08,                         /* add rsp, 8 */
                                       0x41, 0x5b, 0x41, 0x5a, 0x41, 0x59,             /* pop r11 r10 r9 */
                                       0x5f, 0x5e, 0x5a, 0x59, 0x58,                   /* pop rdi rsi rdx rcx rax */
                                       0xc3 };
    return put(p, restore, sizeof(restore));
}

/* The callout for a sensitive instruction (sys_callout.c), called from
 * translated code with r8 = its kind, r14 = next EIP | budget held << 32:
 * saves the guest, calls sys_callout__run(cpu, r8, r14, r9, the budget at
 * entry) with the host stack 16-byte aligned (return address + three
 * pushes; the entry budget is then at [rsp + 48]), gives the
 * instruction's budget back (the interpreter counted it), returns past
 * the block's leave path when the block goes on, and loads the guest back.
 * Keeps r9-r11; clobbers r8, r14, r15. */
static uint8_t *write_sys(uint8_t *p)
{
    p = save_guest(p);
    static const uint8_t call[] = { 0x41, 0x51, 0x41, 0x52, 0x41, 0x53,       /* push r9 r10 r11 */
                                    0x4c, 0x89, 0xef, 0x4c, 0x89, 0xc6,       /* mov rdi, r13; mov rsi, r8 */
                                    0x4c, 0x89, 0xf2, 0x4c, 0x89, 0xc9,       /* mov rdx, r14; mov rcx, r9 */
                                    0x4c, 0x8b, 0x44, 0x24, 0x30,             /* mov r8, [rsp+48] */
                                    0x48, 0xb8 };                             /* mov rax, imm64 */
    p = put(p, call, sizeof(call));
    uint64_t fn = (uintptr_t)sys_callout__run;
    p = put(p, &fn, 8);
    static const uint8_t back[] = { 0xff, 0xd0,                               /* call rax */
                                    0x41, 0x5b, 0x41, 0x5a, 0x41, 0x59,       /* pop r11 r10 r9 */
                                    0x4d, 0x8d, 0x49, 0x01,                   /* lea r9, [r9+1] */
                                    0x85, 0xc0, 0x74, 0x05,                   /* test eax, eax; jz +5 */
                                    0x48, 0x83, 0x04, 0x24, SYS_LEAVE_BYTES }; /* add qword [rsp], imm8 */
    p = put(p, back, sizeof(back));
    p = load_guest(p);
    return put(p, (const uint8_t[]){ 0xc3 }, 1); /* ret */
}

size_t stubs__write(uint8_t *buf, size_t cap, void *opaque)
{
    (void)opaque;
    uint8_t *enter_end = write_enter(buf);
    uint8_t *exit_end = write_exit(buf + STUB_EXIT_OFFSET);
    uint8_t *wp_end = write_wp(buf + STUB_WP_OFFSET);
    size_t used = (size_t)(write_sys(buf + STUB_SYS_OFFSET) - buf);
    assert(enter_end <= buf + STUB_EXIT_OFFSET && exit_end <= buf + STUB_WP_OFFSET
           && wp_end <= buf + STUB_SYS_OFFSET && used <= cap);
    (void)enter_end;
    (void)exit_end;
    (void)wp_end;
    return used;
}
