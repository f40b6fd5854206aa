/* difftest.h - shared definitions of the differential tester (host CPU vs interpreter). */
#ifndef BT86_TESTS_DIFF_DIFFTEST_H
#define BT86_TESTS_DIFF_DIFFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpu.h"

/*
 * Address layout, identical on the host (low mappings of the test process)
 * and in the interpreter's guest RAM (flat segments, paging off):
 *
 *   DATA_BASE..+DATA_SIZE  the data area every memory operand and the stack
 *                          land in; compared byte for byte. It sits below
 *                          64 KiB so that 16-bit addressing (0x67) and
 *                          16-bit stack/branch arithmetic reach it too.
 *   CODE_BASE..+4 KiB      the code page: the instruction under test at
 *                          INSN_ADDR, every other byte HLT (F4). It lies
 *                          below 64 KiB too, so the same page serves the
 *                          16-bit code segment. At CPL 3
 *                          HLT raises #GP, so wherever execution goes after
 *                          the instruction the host stops with the state
 *                          right after it (a fetch outside the page gives a
 *                          #PF with CR2 = EIP instead, same meaning).
 *   STUB_BASE              host only: the 32-bit prologue that loads the
 *                          registers and EFLAGS and jumps to INSN_ADDR.
 *
 * GS is an LDT data segment with base DATA_BASE and the data area's size as
 * its limit, so GS overrides test a non-zero segment base and, near the
 * end, the limit check (#GP before any access to unmapped memory). FS is left alone (its host base
 * is glibc's TLS): FS prefixes are generated only on register-only forms.
 */
#define DATA_BASE  0x00008000u
#define DATA_SIZE  0x2000u
#define CODE_BASE  0x0000c000u
#define CODE_SIZE  0x1000u
#define INSN_ADDR  0x0000c800u
#define STUB_BASE  0x00f00000u
#define GS_LIMIT   (DATA_SIZE - 1)
#define IDT_BASE   0x00001000u /* interpreter only: the IDT (see emu.c) */
#define TSS_BASE   0x00002000u /* interpreter only: the TSS */
#define GUEST_RAM_SIZE 0x200000u /* 2 MiB: the layout above fits the first MiB */

#define INSN_MAX 15

/* LDT selectors (TI=1, RPL=3) and the kernel's flat user selectors. */
#define SEL_CODE32 0x07u /* LDT 0: 32-bit code, base 0, 4 GiB */
#define SEL_GS     0x0fu /* LDT 1: 32-bit data, base DATA_BASE, limit GS_LIMIT */
#define SEL_CODE16 0x17u /* LDT 2: 16-bit code, base 0, limit 0xffff */
#define SEL_USER32_CS 0x23u /* __USER32_CS: the fallback without modify_ldt */
#define SEL_FLAT   0x2bu /* __USER_DS: DS, ES, SS */

/* The segments the run uses, the same on both sides: the LDT ones above,
 * or, where modify_ldt is refused (a seccomp filter, a kernel without
 * CONFIG_MODIFY_LDT_SYSCALL), the kernel's 0x23 code segment and a flat GS
 * (no non-zero base, no limit tests and no 16-bit code then). Set by
 * native__init. */
struct layout {
    uint16_t code_sel, gs_sel;
    uint32_t gs_base, gs_limit;
    uint16_t code16_sel;    /* 0: no 16-bit code segment (no modify_ldt) */
};
extern struct layout layout;

/* 512-byte FXSAVE image (the layout of the signal frame's fpstate). */
struct fxsave {
    uint16_t fcw, fsw;
    uint8_t ftw, pad0;   /* abridged tag: bit i set when physical reg i is valid */
    uint16_t fop;
    uint32_t fip, fcs, fdp, fds;
    uint32_t mxcsr, mxcsr_mask;
    struct { uint8_t b[10]; uint8_t pad[6]; } st[8]; /* ST(0)..ST(7) */
    uint8_t xmm[16][16];
    uint8_t rsvd[96];
};
_Static_assert(sizeof(struct fxsave) == 512, "FXSAVE image is 512 bytes");

/* One generated test: the instruction and everything it starts from. */
struct instance {
    uint8_t code[INSN_MAX];
    int len;
    int spec;               /* index into the opcode table */
    bool code16;            /* runs in a 16-bit code segment (CS.D=0, limit 0xffff) */
    /* How the generator built it (for undefined-flag masks and reports). */
    uint8_t opsize;         /* 1, 2 or 4 */
    uint8_t addrsize;       /* 2 or 4 */
    uint8_t modrm;          /* when the shape has one */
    bool mem;               /* has a memory operand */
    bool rep;               /* F2/F3 on a string instruction */
    uint32_t count;         /* shift/rotate count as encoded (CL or imm) */
    uint32_t gpr[8];
    uint32_t eflags;
    bool uses_fpu;          /* compare x87/MMX state too */
    struct fxsave fpu;      /* initial x87/MMX state when uses_fpu */
    uint8_t data[DATA_SIZE];
};

/* What running it produced (host or interpreter). */
struct outcome {
    int vector;             /* -1: retired; else exception vector */
    uint32_t error;         /* error code for vectors that push one */
    uint32_t gpr[8];
    uint32_t eip;
    uint32_t eflags;
    struct fxsave fpu;
    uint8_t data[DATA_SIZE];
};

/* ---- native.c: run on the host CPU in a 32-bit compatibility segment ---- */
/* Returns 0 or -errno (message printed). */
int native__init(void);
/* Runs in; returns 0, or -1 when the run escaped the test layout (a fault
 * the interpreter cannot model: an access outside the mapped areas). */
int native__run(const struct instance *in, struct outcome *out);

/* ---- emu.c: run on the interpreter ---- */
int emu__init(void);
void emu__run(const struct instance *in, struct outcome *out);

/* ---- gen.c: the generator ---- */
struct rng { uint64_t s; };
uint64_t rng__next(struct rng *r);
static inline uint32_t rng__u32(struct rng *r) { return (uint32_t)(rng__next(r) >> 32); }
static inline uint32_t rng__below(struct rng *r, uint32_t n) { return (uint32_t)(((uint64_t)rng__u32(r) * n) >> 32); }

/* Fill in with a random instance of opcode-table entry spec. */
void gen__instance(struct rng *r, int spec, struct instance *in);
uint32_t gen__value(struct rng *r);

/* ---- gen_fpu.c: x87/MMX encodings and state ---- */
/* Is op /reg (D8-DF) a documented x87 memory form the tester runs? */
bool gen__x87_mem_ok(unsigned op, int reg);
/* A random ModRM byte (mod=3) of a documented x87 register form of
 * op /reg, or -1 when there is none. */
int gen__x87_reg_modrm(struct rng *r, unsigned op, int reg);
/* Random x87/MMX state for in; for x87 memory forms at linear address
 * mem_lin (0: none), sometimes a well-formed operand of the right format. */
void gen__fpu_state(struct rng *r, struct instance *in, bool mmx, uint32_t mem_lin);

/* ---- opcodes.c: the opcode table ---- */
enum shape {
    SH_NONE,      /* opcode only */
    SH_MODRM,     /* ModRM (+SIB/disp) */
    SH_MODRM_REG, /* ModRM, register form only */
    SH_MODRM_MEM, /* ModRM, memory form only */
    SH_IMM8, SH_IMMV, SH_IMM16,  /* immediate after the opcode */
    SH_MODRM_IMM8, SH_MODRM_IMMV,
    SH_MODRM_IMM8_REG,           /* register form only, imm8 (MMX shift groups) */
    SH_REL8, SH_RELV,            /* branch displacement */
    SH_MOFFS,                    /* A0-A3 */
    SH_ENTER,                    /* imm16, imm8 */
};

/* Operand/context hints that steer register and memory values. */
#define K_STRING   0x001 /* string op: ESI/EDI in the data area, small ECX for REP */
#define K_STACK    0x002 /* uses the stack: ESP in the data area */
#define K_LOCKABLE 0x008 /* LOCK allowed on the memory form */
#define K_FPU      0x010 /* x87: random x87 state, compare it */
#define K_MMX      0x020 /* MMX: random MMX registers, compare them */
#define K_DIV      0x040 /* divide: bias operands towards no #DE */
#define K_NO66     0x080 /* no operand-size prefix */
#define K_EBP      0x100 /* uses EBP as a frame pointer (LEAVE, ENTER) */
#define K_XLAT     0x200 /* EBX+AL in the data area */
#define K_BYTEOP   0x400 /* byte operation: 0x66 changes nothing */
#define K_RET      0x800 /* pops a return address */
#define K_INDIRECT 0x1000 /* r/m operand is a branch target */
#define K_GROUP    0x4000 /* ModRM.reg fixed to spec->reg */
#define K_BITOFF   0x10000 /* BT* Ev,Gv: the register bit offset reaches past EA */
#define K_BOUND    0x40000 /* BOUND: the bounds pair, often containing the index */
#define K_NOLOCK   0x20000 /* no LOCK: AMD gives LOCK MOV CRn the meaning MOV CR8 */

struct spec {
    uint16_t op;        /* 0x00-0xff or 0x100 + second byte */
    int8_t reg;         /* ModRM.reg for group members (K_GROUP), else -1 */
    uint8_t shape;
    uint32_t kind;
    uint32_t undef;     /* EFLAGS bits the SDM leaves undefined (masked) */
    const char *name;
};

extern const struct spec spec_table[];
extern const int spec_count;
extern const char *const spec_excluded[]; /* NULL-terminated: what is left out, and why */

/* Undefined flags of this instance, refined by its operands where the SDM
 * makes them conditional (shift counts, MUL results…), plus the flags
 * where the host deviates from the SDM (FCOMI with an unmasked #IA). */
uint32_t spec__undef_mask(const struct instance *in, const struct outcome *host);

/* ---- report.c: comparison and mismatch reports ---- */
#include <stdio.h>
bool report__same(const struct instance *in, const struct outcome *host, const struct outcome *emu);
/* repro: the tester's arguments that rerun just this instance. */
void report__mismatch(FILE *f, const char *repro, const struct instance *in,
                      const struct outcome *host, const struct outcome *emu);
void report__escape(FILE *f, const char *repro, const struct instance *in,
                    const struct outcome *host);

#endif
