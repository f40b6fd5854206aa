/* opcodes.c - the opcodes the differential tester generates, their operand
 * shapes and the EFLAGS bits the SDM leaves undefined for each. */
#include "difftest.h"

/*
 * Every non-privileged one-byte and 0F two-byte opcode of the Pentium II
 * is here, plus privileged ones that must raise #GP at CPL 3 (HLT, CLI,
 * STI, IN/OUT/INS/OUTS, MOV CR/DR, CLTS, INVD, WBINVD, RDMSR/WRMSR, LGDT,
 * LIDT, LMSW, INVLPG, LLDT, LTR) and some that must raise #UD. What is
 * left out, and why, is spec_excluded[] below (printed after every run).
 */
const char *const spec_excluded[] = {
    "07 17 1F 8E, 0F A1 0F A9, C4 C5, 0F B2 0F B4 0F B5: segment register loads (need the"
    " host's GDT; C4/C5 with mod=3 are VEX prefixes on the host)",
    "62 with mod=3: an EVEX prefix on this AVX-512 host (BOUND is tested with memory operands)",
    "9A EA CA CB CF FF/3 FF/5: far transfers and IRET (descriptor tables)",
    "CD F1: INT n and INT1 (INT 0x80 would be a host system call)",
    "0F 00 /0 /1 /4 /5, 0F 01 /0 /1 /4: SLDT STR VERR VERW SGDT SIDT SMSW (the host's UMIP"
    " emulation or descriptor tables decide the result)",
    "0F 02 0F 03: LAR, LSL (host descriptor tables)",
    "0F 31 0F 33 0F A2: RDTSC, RDPMC, CPUID (values differ by design)",
    "0F 05 0F 07 0F 34 0F 35: SYSCALL SYSRET SYSENTER SYSEXIT (host system calls)",
    "0F AE: FXSAVE/FXRSTOR (the host's SSE state is not modelled by a Pentium II)",
    "D9/4 D9/6 DD/4 DD/6 memory: FLDENV FSTENV FRSTOR FSAVE (FIP/FDP/FOP: AMD keeps them only"
    " while an x87 exception is pending)",
    "DB/1 DD/1 DF/1 memory: FISTTP (SSE3); reserved and undocumented x87 encodings",
    "opcodes a Pentium II lacks: SSE, 3DNow!, POPCNT/TZCNT/LZCNT (F3 0F B8/BC/BD)",
    "F2/F3 on non-string instructions (reserved, SDM vol. 2 2.1.1; on this host an F3/F2 prefix"
    " gives LOOPE/LOOPNE the condition ZF=1/ZF=0 of REPE/REPNE instead of the opcode's)",
    "LOCK on 0F 20-23 (AMD: LOCK MOV CR0 means MOV CR8)",
    "FS overrides on memory operands (the host's FS base is glibc's TLS)",
    NULL,
};

#define U_LOGIC F_AF                                /* AND OR XOR TEST */
#define U_MUL (F_SF | F_ZF | F_AF | F_PF)           /* MUL IMUL */
#define U_DIV F_ARITH                               /* DIV IDIV */
#define U_BT (F_OF | F_SF | F_AF | F_PF)            /* BT BTS BTR BTC */
#define U_BSF (F_CF | F_OF | F_SF | F_AF | F_PF)    /* BSF BSR */
#define U_SHIFT 0 /* refined per instance by spec__undef_mask */

#define S(op, shape, kind, undef, name) { op, -1, shape, kind, undef, name }
#define G(op, reg, shape, kind, undef, name) { op, reg, shape, (kind) | K_GROUP, undef, name }

/* The eight ALU operations 00-3F: Eb,Gb Ev,Gv Gb,Eb Gv,Ev AL,Ib eAX,Iv. */
#define ALU6(base, name, lock, undef)                                  \
    S(base + 0, SH_MODRM, K_BYTEOP | (lock), undef, name " Eb,Gb"),    \
    S(base + 1, SH_MODRM, (lock), undef, name " Ev,Gv"),               \
    S(base + 2, SH_MODRM, K_BYTEOP, undef, name " Gb,Eb"),             \
    S(base + 3, SH_MODRM, 0, undef, name " Gv,Ev"),                    \
    S(base + 4, SH_IMM8, K_BYTEOP, undef, name " AL,Ib"),              \
    S(base + 5, SH_IMMV, 0, undef, name " eAX,Iv")

/* Group 1 (80 81 82 83), one entry per ModRM.reg. */
#define GRP1(op, shape, k)                                                      \
    G(op, 0, shape, (k) | K_LOCKABLE, 0, "add"), G(op, 1, shape, (k) | K_LOCKABLE, U_LOGIC, "or"), \
    G(op, 2, shape, (k) | K_LOCKABLE, 0, "adc"), G(op, 3, shape, (k) | K_LOCKABLE, 0, "sbb"),      \
    G(op, 4, shape, (k) | K_LOCKABLE, U_LOGIC, "and"), G(op, 5, shape, (k) | K_LOCKABLE, 0, "sub"), \
    G(op, 6, shape, (k) | K_LOCKABLE, U_LOGIC, "xor"), G(op, 7, shape, k, 0, "cmp")

/* Group 2 shifts and rotates (C0 C1 D0 D1 D2 D3); /6 is the SAL alias. */
#define GRP2(op, shape, k)                                                       \
    G(op, 0, shape, k, U_SHIFT, "rol"), G(op, 1, shape, k, U_SHIFT, "ror"),       \
    G(op, 2, shape, k, U_SHIFT, "rcl"), G(op, 3, shape, k, U_SHIFT, "rcr"),       \
    G(op, 4, shape, k, U_SHIFT, "shl"), G(op, 5, shape, k, U_SHIFT, "shr"),       \
    G(op, 6, shape, k, U_SHIFT, "sal(/6)"), G(op, 7, shape, k, U_SHIFT, "sar")

/* Group 3 (F6 F7). */
#define GRP3(op, immshape, k)                                                          \
    G(op, 0, immshape, k, U_LOGIC, "test"), G(op, 1, immshape, k, U_LOGIC, "test(/1)"), \
    G(op, 2, SH_MODRM, (k) | K_LOCKABLE, 0, "not"), G(op, 3, SH_MODRM, (k) | K_LOCKABLE, 0, "neg"), \
    G(op, 4, SH_MODRM, k, U_MUL, "mul"), G(op, 5, SH_MODRM, k, U_MUL, "imul"),           \
    G(op, 6, SH_MODRM, (k) | K_DIV, U_DIV, "div"), G(op, 7, SH_MODRM, (k) | K_DIV, U_DIV, "idiv")

#define CC16(base, shape, kind, name) \
    S(base + 0, shape, kind, 0, name "o"), S(base + 1, shape, kind, 0, name "no"),   \
    S(base + 2, shape, kind, 0, name "b"), S(base + 3, shape, kind, 0, name "ae"),   \
    S(base + 4, shape, kind, 0, name "e"), S(base + 5, shape, kind, 0, name "ne"),   \
    S(base + 6, shape, kind, 0, name "be"), S(base + 7, shape, kind, 0, name "a"),   \
    S(base + 8, shape, kind, 0, name "s"), S(base + 9, shape, kind, 0, name "ns"),   \
    S(base + 10, shape, kind, 0, name "p"), S(base + 11, shape, kind, 0, name "np"), \
    S(base + 12, shape, kind, 0, name "l"), S(base + 13, shape, kind, 0, name "ge"), \
    S(base + 14, shape, kind, 0, name "le"), S(base + 15, shape, kind, 0, name "g")

/* An x87 escape, one entry per ModRM.reg (memory and register forms). */
#define X87(op, n0, n1, n2, n3, n4, n5, n6, n7)                                   \
    G(op, 0, SH_MODRM, K_FPU, 0, n0), G(op, 1, SH_MODRM, K_FPU, 0, n1),            \
    G(op, 2, SH_MODRM, K_FPU, 0, n2), G(op, 3, SH_MODRM, K_FPU, 0, n3),            \
    G(op, 4, SH_MODRM, K_FPU, 0, n4), G(op, 5, SH_MODRM, K_FPU, 0, n5),            \
    G(op, 6, SH_MODRM, K_FPU, 0, n6), G(op, 7, SH_MODRM, K_FPU, 0, n7)

#define R8(base, shape, kind, undef, name) \
    S(base + 0, shape, kind, undef, name), S(base + 1, shape, kind, undef, name), \
    S(base + 2, shape, kind, undef, name), S(base + 3, shape, kind, undef, name), \
    S(base + 4, shape, kind, undef, name), S(base + 5, shape, kind, undef, name), \
    S(base + 6, shape, kind, undef, name), S(base + 7, shape, kind, undef, name)

#define X(op) (0x100 + (op))
#define MMX (K_MMX | K_NO66)
#define FPU K_FPU
#define STR K_STRING
#define STK K_STACK

const struct spec spec_table[] = {
    ALU6(0x00, "add", K_LOCKABLE, 0), ALU6(0x08, "or", K_LOCKABLE, U_LOGIC),
    ALU6(0x10, "adc", K_LOCKABLE, 0), ALU6(0x18, "sbb", K_LOCKABLE, 0),
    ALU6(0x20, "and", K_LOCKABLE, U_LOGIC), ALU6(0x28, "sub", K_LOCKABLE, 0),
    ALU6(0x30, "xor", K_LOCKABLE, U_LOGIC), ALU6(0x38, "cmp", 0, 0),
    S(0x06, SH_NONE, STK, 0, "push es"), S(0x0e, SH_NONE, STK, 0, "push cs"),
    S(0x16, SH_NONE, STK, 0, "push ss"), S(0x1e, SH_NONE, STK, 0, "push ds"),
    S(0x27, SH_NONE, K_NO66, F_OF, "daa"), S(0x2f, SH_NONE, K_NO66, F_OF, "das"),
    S(0x37, SH_NONE, K_NO66, F_OF | F_SF | F_ZF | F_PF, "aaa"),
    S(0x3f, SH_NONE, K_NO66, F_OF | F_SF | F_ZF | F_PF, "aas"),
    R8(0x40, SH_NONE, 0, 0, "inc r"), R8(0x48, SH_NONE, 0, 0, "dec r"),
    R8(0x50, SH_NONE, STK, 0, "push r"), R8(0x58, SH_NONE, STK, 0, "pop r"),
    S(0x60, SH_NONE, STK, 0, "pusha"), S(0x61, SH_NONE, STK, 0, "popa"),
    S(0x62, SH_MODRM_MEM, K_BOUND, 0, "bound"), S(0x63, SH_MODRM, K_NO66, 0, "arpl"),
    S(0x68, SH_IMMV, STK, 0, "push Iv"), S(0x69, SH_MODRM_IMMV, 0, U_MUL, "imul Gv,Ev,Iv"),
    S(0x6a, SH_IMM8, STK, 0, "push Ib"), S(0x6b, SH_MODRM_IMM8, 0, U_MUL, "imul Gv,Ev,Ib"),
    S(0x6c, SH_NONE, STR, 0, "insb"), S(0x6d, SH_NONE, STR, 0, "insd"),
    S(0x6e, SH_NONE, STR, 0, "outsb"), S(0x6f, SH_NONE, STR, 0, "outsd"),
    CC16(0x70, SH_REL8, 0, "j"),
    GRP1(0x80, SH_MODRM_IMM8, K_BYTEOP), GRP1(0x81, SH_MODRM_IMMV, 0),
    GRP1(0x82, SH_MODRM_IMM8, K_BYTEOP), GRP1(0x83, SH_MODRM_IMM8, 0),
    S(0x84, SH_MODRM, K_BYTEOP, U_LOGIC, "test Eb,Gb"), S(0x85, SH_MODRM, 0, U_LOGIC, "test Ev,Gv"),
    S(0x86, SH_MODRM, K_BYTEOP | K_LOCKABLE, 0, "xchg Eb,Gb"),
    S(0x87, SH_MODRM, K_LOCKABLE, 0, "xchg Ev,Gv"),
    S(0x88, SH_MODRM, K_BYTEOP, 0, "mov Eb,Gb"), S(0x89, SH_MODRM, 0, 0, "mov Ev,Gv"),
    S(0x8a, SH_MODRM, K_BYTEOP, 0, "mov Gb,Eb"), S(0x8b, SH_MODRM, 0, 0, "mov Gv,Ev"),
    S(0x8c, SH_MODRM, 0, 0, "mov Ew,Sreg"), S(0x8d, SH_MODRM, 0, 0, "lea"),
    G(0x8f, 0, SH_MODRM, STK, 0, "pop Ev"),
    R8(0x90, SH_NONE, 0, 0, "xchg eAX,r / nop"),
    S(0x98, SH_NONE, 0, 0, "cbw/cwde"), S(0x99, SH_NONE, 0, 0, "cwd/cdq"),
    S(0x9b, SH_NONE, FPU, 0, "wait"),
    S(0x9c, SH_NONE, STK, 0, "pushf"), S(0x9d, SH_NONE, STK, 0, "popf"),
    S(0x9e, SH_NONE, 0, 0, "sahf"), S(0x9f, SH_NONE, 0, 0, "lahf"),
    S(0xa0, SH_MOFFS, K_BYTEOP, 0, "mov AL,Ob"), S(0xa1, SH_MOFFS, 0, 0, "mov eAX,Ov"),
    S(0xa2, SH_MOFFS, K_BYTEOP, 0, "mov Ob,AL"), S(0xa3, SH_MOFFS, 0, 0, "mov Ov,eAX"),
    S(0xa4, SH_NONE, STR | K_BYTEOP, 0, "movsb"), S(0xa5, SH_NONE, STR, 0, "movsd"),
    S(0xa6, SH_NONE, STR | K_BYTEOP, 0, "cmpsb"), S(0xa7, SH_NONE, STR, 0, "cmpsd"),
    S(0xa8, SH_IMM8, K_BYTEOP, U_LOGIC, "test AL,Ib"), S(0xa9, SH_IMMV, 0, U_LOGIC, "test eAX,Iv"),
    S(0xaa, SH_NONE, STR | K_BYTEOP, 0, "stosb"), S(0xab, SH_NONE, STR, 0, "stosd"),
    S(0xac, SH_NONE, STR | K_BYTEOP, 0, "lodsb"), S(0xad, SH_NONE, STR, 0, "lodsd"),
    S(0xae, SH_NONE, STR | K_BYTEOP, 0, "scasb"), S(0xaf, SH_NONE, STR, 0, "scasd"),
    R8(0xb0, SH_IMM8, K_BYTEOP, 0, "mov r8,Ib"), R8(0xb8, SH_IMMV, 0, 0, "mov r,Iv"),
    GRP2(0xc0, SH_MODRM_IMM8, K_BYTEOP), GRP2(0xc1, SH_MODRM_IMM8, 0),
    S(0xc2, SH_IMM16, STK | K_RET, 0, "ret Iw"), S(0xc3, SH_NONE, STK | K_RET, 0, "ret"),
    G(0xc6, 0, SH_MODRM_IMM8, K_BYTEOP, 0, "mov Eb,Ib"), G(0xc7, 0, SH_MODRM_IMMV, 0, 0, "mov Ev,Iv"),
    S(0xc8, SH_ENTER, STK | K_EBP, 0, "enter"), S(0xc9, SH_NONE, STK | K_EBP, 0, "leave"),
    S(0xcc, SH_NONE, 0, 0, "int3"), S(0xce, SH_NONE, 0, 0, "into"),
    GRP2(0xd0, SH_MODRM, K_BYTEOP), GRP2(0xd1, SH_MODRM, 0),
    GRP2(0xd2, SH_MODRM, K_BYTEOP), GRP2(0xd3, SH_MODRM, 0),
    S(0xd4, SH_IMM8, K_NO66, F_OF | F_AF | F_CF, "aam"),
    S(0xd5, SH_IMM8, K_NO66, F_OF | F_AF | F_CF, "aad"),
    S(0xd6, SH_NONE, 0, 0, "salc"), S(0xd7, SH_NONE, K_XLAT, 0, "xlat"),
    X87(0xd8, "fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"),
    X87(0xd9, "fld", "fxch", "fst|fnop", "fstp", "fchs|fabs|ftst|fxam", "fldcw|fld1..fldz",
        "f2xm1|fyl2x|fptan|fpatan|fxtract|fprem1|fdecstp|fincstp",
        "fnstcw|fprem|fyl2xp1|fsqrt|fsincos|frndint|fscale|fsin|fcos"),
    X87(0xda, "fiadd|fcmovb", "fimul|fcmove", "ficom|fcmovbe", "ficomp|fcmovu", "fisub",
        "fisubr|fucompp", "fidiv", "fidivr"),
    X87(0xdb, "fild|fcmovnb", "fcmovne", "fist|fcmovnbe", "fistp|fcmovnu", "fnclex|fninit",
        "fld m80|fucomi", "fcomi", "fstp m80"),
    X87(0xdc, "fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"),
    /* DD/1, DD/5 memory, DD/6 and DF/1 have no form the tester runs. */
    G(0xdd, 0, SH_MODRM, K_FPU, 0, "fld|ffree"), G(0xdd, 2, SH_MODRM, K_FPU, 0, "fst"),
    G(0xdd, 3, SH_MODRM, K_FPU, 0, "fstp"), G(0xdd, 4, SH_MODRM, K_FPU, 0, "fucom"),
    G(0xdd, 5, SH_MODRM, K_FPU, 0, "fucomp"), G(0xdd, 7, SH_MODRM, K_FPU, 0, "fnstsw"),
    X87(0xde, "fiadd|faddp", "fimul|fmulp", "ficom", "ficomp|fcompp", "fisub|fsubrp",
        "fisubr|fsubp", "fidiv|fdivrp", "fidivr|fdivp"),
    G(0xdf, 0, SH_MODRM, K_FPU, 0, "fild"), G(0xdf, 2, SH_MODRM, K_FPU, 0, "fist"),
    G(0xdf, 3, SH_MODRM, K_FPU, 0, "fistp"), G(0xdf, 4, SH_MODRM, K_FPU, 0, "fbld|fnstsw ax"),
    G(0xdf, 5, SH_MODRM, K_FPU, 0, "fild m64|fucomip"), G(0xdf, 6, SH_MODRM, K_FPU, 0, "fbstp|fcomip"),
    G(0xdf, 7, SH_MODRM, K_FPU, 0, "fistp m64"),
    S(0xe0, SH_REL8, 0, 0, "loopne"), S(0xe1, SH_REL8, 0, 0, "loope"),
    S(0xe2, SH_REL8, 0, 0, "loop"), S(0xe3, SH_REL8, 0, 0, "jecxz"),
    S(0xe4, SH_IMM8, 0, 0, "in AL,Ib"), S(0xe5, SH_IMM8, 0, 0, "in eAX,Ib"),
    S(0xe6, SH_IMM8, 0, 0, "out Ib,AL"), S(0xe7, SH_IMM8, 0, 0, "out Ib,eAX"),
    S(0xe8, SH_RELV, STK, 0, "call rel"), S(0xe9, SH_RELV, 0, 0, "jmp rel"),
    S(0xeb, SH_REL8, 0, 0, "jmp rel8"),
    S(0xec, SH_NONE, 0, 0, "in AL,DX"), S(0xed, SH_NONE, 0, 0, "in eAX,DX"),
    S(0xee, SH_NONE, 0, 0, "out DX,AL"), S(0xef, SH_NONE, 0, 0, "out DX,eAX"),
    S(0xf4, SH_NONE, 0, 0, "hlt"), S(0xf5, SH_NONE, 0, 0, "cmc"),
    GRP3(0xf6, SH_MODRM_IMM8, K_BYTEOP), GRP3(0xf7, SH_MODRM_IMMV, 0),
    S(0xf8, SH_NONE, 0, 0, "clc"), S(0xf9, SH_NONE, 0, 0, "stc"),
    S(0xfa, SH_NONE, 0, 0, "cli"), S(0xfb, SH_NONE, 0, 0, "sti"),
    S(0xfc, SH_NONE, 0, 0, "cld"), S(0xfd, SH_NONE, 0, 0, "std"),
    G(0xfe, 0, SH_MODRM, K_BYTEOP | K_LOCKABLE, 0, "inc Eb"),
    G(0xfe, 1, SH_MODRM, K_BYTEOP | K_LOCKABLE, 0, "dec Eb"),
    G(0xfe, 2, SH_MODRM, 0, 0, "fe/2 (#UD)"), G(0xfe, 7, SH_MODRM, 0, 0, "fe/7 (#UD)"),
    G(0xff, 0, SH_MODRM, K_LOCKABLE, 0, "inc Ev"), G(0xff, 1, SH_MODRM, K_LOCKABLE, 0, "dec Ev"),
    G(0xff, 2, SH_MODRM, STK | K_INDIRECT, 0, "call Ev"),
    G(0xff, 4, SH_MODRM, K_INDIRECT, 0, "jmp Ev"),
    G(0xff, 6, SH_MODRM, STK, 0, "push Ev"), G(0xff, 7, SH_MODRM, 0, 0, "ff/7 (#UD)"),

    /* Two-byte opcodes. */
    G(X(0x00), 2, SH_MODRM, 0, 0, "lldt (#GP)"), G(X(0x00), 3, SH_MODRM, 0, 0, "ltr (#GP)"),
    G(X(0x01), 2, SH_MODRM_MEM, 0, 0, "lgdt (#GP)"), G(X(0x01), 3, SH_MODRM_MEM, 0, 0, "lidt (#GP)"),
    G(X(0x01), 6, SH_MODRM, 0, 0, "lmsw (#GP)"), G(X(0x01), 7, SH_MODRM_MEM, 0, 0, "invlpg (#GP)"),
    S(X(0x06), SH_NONE, 0, 0, "clts (#GP)"), S(X(0x08), SH_NONE, 0, 0, "invd (#GP)"),
    S(X(0x09), SH_NONE, 0, 0, "wbinvd (#GP)"), S(X(0x0b), SH_NONE, 0, 0, "ud2"),
    G(X(0x1f), 0, SH_MODRM, 0, 0, "nop Ev"),
    S(X(0x20), SH_MODRM_REG, K_NOLOCK, 0, "mov r,cr (#GP)"), S(X(0x21), SH_MODRM_REG, K_NOLOCK, 0, "mov r,dr (#GP)"),
    S(X(0x22), SH_MODRM_REG, K_NOLOCK, 0, "mov cr,r (#GP)"), S(X(0x23), SH_MODRM_REG, K_NOLOCK, 0, "mov dr,r (#GP)"),
    S(X(0x30), SH_NONE, 0, 0, "wrmsr (#GP)"), S(X(0x32), SH_NONE, 0, 0, "rdmsr (#GP)"),
    CC16(X(0x40), SH_MODRM, 0, "cmov"),
    S(X(0x60), SH_MODRM, MMX, 0, "punpcklbw"), S(X(0x61), SH_MODRM, MMX, 0, "punpcklwd"),
    S(X(0x62), SH_MODRM, MMX, 0, "punpckldq"), S(X(0x63), SH_MODRM, MMX, 0, "packsswb"),
    S(X(0x64), SH_MODRM, MMX, 0, "pcmpgtb"), S(X(0x65), SH_MODRM, MMX, 0, "pcmpgtw"),
    S(X(0x66), SH_MODRM, MMX, 0, "pcmpgtd"), S(X(0x67), SH_MODRM, MMX, 0, "packuswb"),
    S(X(0x68), SH_MODRM, MMX, 0, "punpckhbw"), S(X(0x69), SH_MODRM, MMX, 0, "punpckhwd"),
    S(X(0x6a), SH_MODRM, MMX, 0, "punpckhdq"), S(X(0x6b), SH_MODRM, MMX, 0, "packssdw"),
    S(X(0x6e), SH_MODRM, MMX, 0, "movd mm,Ed"), S(X(0x6f), SH_MODRM, MMX, 0, "movq mm,Eq"),
    G(X(0x71), 2, SH_MODRM_IMM8_REG, MMX, 0, "psrlw Ib"), G(X(0x71), 4, SH_MODRM_IMM8_REG, MMX, 0, "psraw Ib"),
    G(X(0x71), 6, SH_MODRM_IMM8_REG, MMX, 0, "psllw Ib"),
    G(X(0x72), 2, SH_MODRM_IMM8_REG, MMX, 0, "psrld Ib"), G(X(0x72), 4, SH_MODRM_IMM8_REG, MMX, 0, "psrad Ib"),
    G(X(0x72), 6, SH_MODRM_IMM8_REG, MMX, 0, "pslld Ib"),
    G(X(0x73), 2, SH_MODRM_IMM8_REG, MMX, 0, "psrlq Ib"), G(X(0x73), 6, SH_MODRM_IMM8_REG, MMX, 0, "psllq Ib"),
    S(X(0x74), SH_MODRM, MMX, 0, "pcmpeqb"), S(X(0x75), SH_MODRM, MMX, 0, "pcmpeqw"),
    S(X(0x76), SH_MODRM, MMX, 0, "pcmpeqd"), S(X(0x77), SH_NONE, MMX, 0, "emms"),
    S(X(0x7e), SH_MODRM, MMX, 0, "movd Ed,mm"), S(X(0x7f), SH_MODRM, MMX, 0, "movq Eq,mm"),
    CC16(X(0x80), SH_RELV, 0, "j(rel32)"),
    CC16(X(0x90), SH_MODRM, K_BYTEOP, "set"),
    S(X(0xa0), SH_NONE, STK, 0, "push fs"),
    S(X(0xa3), SH_MODRM, K_BITOFF, U_BT, "bt Ev,Gv"),
    S(X(0xa4), SH_MODRM_IMM8, 0, U_SHIFT, "shld Ib"), S(X(0xa5), SH_MODRM, 0, U_SHIFT, "shld CL"),
    S(X(0xa8), SH_NONE, STK, 0, "push gs"),
    S(X(0xaa), SH_NONE, 0, 0, "rsm (#UD)"),
    S(X(0xab), SH_MODRM, K_LOCKABLE | K_BITOFF, U_BT, "bts Ev,Gv"),
    S(X(0xac), SH_MODRM_IMM8, 0, U_SHIFT, "shrd Ib"), S(X(0xad), SH_MODRM, 0, U_SHIFT, "shrd CL"),
    S(X(0xaf), SH_MODRM, 0, U_MUL, "imul Gv,Ev"),
    S(X(0xb0), SH_MODRM, K_BYTEOP | K_LOCKABLE, 0, "cmpxchg Eb,Gb"),
    S(X(0xb1), SH_MODRM, K_LOCKABLE, 0, "cmpxchg Ev,Gv"),
    S(X(0xb3), SH_MODRM, K_LOCKABLE | K_BITOFF, U_BT, "btr Ev,Gv"),
    S(X(0xb6), SH_MODRM, 0, 0, "movzx Gv,Eb"), S(X(0xb7), SH_MODRM, 0, 0, "movzx Gv,Ew"),
    S(X(0xb9), SH_MODRM, 0, 0, "ud1"),
    G(X(0xba), 4, SH_MODRM_IMM8, 0, U_BT, "bt Ib"),
    G(X(0xba), 5, SH_MODRM_IMM8, K_LOCKABLE, U_BT, "bts Ib"),
    G(X(0xba), 6, SH_MODRM_IMM8, K_LOCKABLE, U_BT, "btr Ib"),
    G(X(0xba), 7, SH_MODRM_IMM8, K_LOCKABLE, U_BT, "btc Ib"),
    G(X(0xba), 0, SH_MODRM_IMM8, 0, 0, "0f ba/0 (#UD)"),
    S(X(0xbb), SH_MODRM, K_LOCKABLE | K_BITOFF, U_BT, "btc Ev,Gv"),
    S(X(0xbc), SH_MODRM, 0, U_BSF, "bsf"), S(X(0xbd), SH_MODRM, 0, U_BSF, "bsr"),
    S(X(0xbe), SH_MODRM, 0, 0, "movsx Gv,Eb"), S(X(0xbf), SH_MODRM, 0, 0, "movsx Gv,Ew"),
    S(X(0xc0), SH_MODRM, K_BYTEOP | K_LOCKABLE, 0, "xadd Eb,Gb"),
    S(X(0xc1), SH_MODRM, K_LOCKABLE, 0, "xadd Ev,Gv"),
    G(X(0xc7), 1, SH_MODRM_MEM, K_LOCKABLE, 0, "cmpxchg8b"),
    R8(X(0xc8), SH_NONE, 0, 0, "bswap"),
    S(X(0xd1), SH_MODRM, MMX, 0, "psrlw"), S(X(0xd2), SH_MODRM, MMX, 0, "psrld"),
    S(X(0xd3), SH_MODRM, MMX, 0, "psrlq"), S(X(0xd5), SH_MODRM, MMX, 0, "pmullw"),
    S(X(0xd8), SH_MODRM, MMX, 0, "psubusb"), S(X(0xd9), SH_MODRM, MMX, 0, "psubusw"),
    S(X(0xdb), SH_MODRM, MMX, 0, "pand"), S(X(0xdc), SH_MODRM, MMX, 0, "paddusb"),
    S(X(0xdd), SH_MODRM, MMX, 0, "paddusw"), S(X(0xdf), SH_MODRM, MMX, 0, "pandn"),
    S(X(0xe1), SH_MODRM, MMX, 0, "psraw"), S(X(0xe2), SH_MODRM, MMX, 0, "psrad"),
    S(X(0xe5), SH_MODRM, MMX, 0, "pmulhw"), S(X(0xe8), SH_MODRM, MMX, 0, "psubsb"),
    S(X(0xe9), SH_MODRM, MMX, 0, "psubsw"), S(X(0xeb), SH_MODRM, MMX, 0, "por"),
    S(X(0xec), SH_MODRM, MMX, 0, "paddsb"), S(X(0xed), SH_MODRM, MMX, 0, "paddsw"),
    S(X(0xef), SH_MODRM, MMX, 0, "pxor"), S(X(0xf1), SH_MODRM, MMX, 0, "psllw"),
    S(X(0xf2), SH_MODRM, MMX, 0, "pslld"), S(X(0xf3), SH_MODRM, MMX, 0, "psllq"),
    S(X(0xf5), SH_MODRM, MMX, 0, "pmaddwd"), S(X(0xf8), SH_MODRM, MMX, 0, "psubb"),
    S(X(0xf9), SH_MODRM, MMX, 0, "psubw"), S(X(0xfa), SH_MODRM, MMX, 0, "psubd"),
    S(X(0xfc), SH_MODRM, MMX, 0, "paddb"), S(X(0xfd), SH_MODRM, MMX, 0, "paddw"),
    S(X(0xfe), SH_MODRM, MMX, 0, "paddd"),
};

const int spec_count = sizeof(spec_table) / sizeof(spec_table[0]);
