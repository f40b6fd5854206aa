/* fpu.h - private interface between the x87, MMX and FXSAVE files. */
#ifndef BT86_INTERP_FPU_H
#define BT86_INTERP_FPU_H

#include <stdbool.h>
#include <stdint.h>

#include "interp/internal.h"

/* FSW bits (SDM vol. 1, 8.1.3). */
#define FSW_IE 0x0001
#define FSW_DE 0x0002
#define FSW_ZE 0x0004
#define FSW_OE 0x0008
#define FSW_UE 0x0010
#define FSW_PE 0x0020
#define FSW_SF 0x0040
#define FSW_ES 0x0080
#define FSW_C0 0x0100
#define FSW_C1 0x0200
#define FSW_C2 0x0400
#define FSW_TOP 0x3800
#define FSW_TOP_SHIFT 11
#define FSW_C3 0x4000
#define FSW_B  0x8000
#define FSW_EXC 0x003f   /* the six exception flags */
#define FCW_MASKS 0x003f /* the six exception masks */

/* Tag values of the full tag word (SDM vol. 1, 8.1.7). */
enum { TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3 };

/* Default FNINIT control word. */
#define FCW_INIT 0x037f

/* FNSAVE/FRSTOR image, 32-bit protected-mode layout (SDM vol. 1, fig. 8-9
 * and 8-13); 64-bit code uses this layout too. */
struct fsave_image {
    uint16_t fcw, r0, fsw, r1, ftw, r2;
    uint32_t fip;
    uint16_t fcs, fop;
    uint32_t fdp;
    uint16_t fds, r3;
    uint8_t st[8][10];
} __attribute__((packed));
_Static_assert(sizeof(struct fsave_image) == 108, "FSAVE image is 108 bytes");

/* A control word as the FPU keeps it: bits 6 (reads as 1) and 13-15 are
 * reserved; measured on the host: FLDCW 0000H then FNSTCW gives 0040H,
 * FLDCW FFFFH gives 1F7FH. */
static inline uint16_t fpu__fcw_canon(uint16_t v)
{
    return (uint16_t)((v & 0x1f3f) | 0x40);
}

static inline int fpu__top(const struct cpu *cpu)
{
    return (cpu->fpu.fsw >> FSW_TOP_SHIFT) & 7;
}

static inline void fpu__set_top(struct cpu *cpu, int top)
{
    cpu->fpu.fsw = (uint16_t)((cpu->fpu.fsw & ~FSW_TOP) | ((top & 7) << FSW_TOP_SHIFT));
}

/* Tag a register would get from its contents (valid, zero or special). */
int fpu__classify(const struct fpreg *r);

/* The full tag word as FSTENV/FSAVE store it: empty registers stay empty,
 * the others are re-derived from their contents (P6 keeps only an
 * empty/non-empty bit per register internally). */
uint16_t fpu__tag_word(const struct cpu *cpu);

/* The abridged (one bit per physical register, 1 = non-empty) tag of
 * FXSAVE, and its expansion back into the full tag word. */
uint8_t fpu__tag_abridged(const struct cpu *cpu);
uint16_t fpu__tag_expand(const struct cpu *cpu, uint8_t abridged);

/* FNINIT: control, status, tag and pointer registers to their defaults. */
void fpu__init(struct cpu *cpu);

/* Raise #MF now if an unmasked x87 exception is pending (FSW.ES), as
 * every waiting x87 instruction, WAIT and MMX instruction does. */
void fpu__check_pending(struct cpu *cpu);

/* Run the x87 instruction esc (D8-DF) / modrm on the host x87 loaded with
 * the guest's state, then take the resulting state back into cpu. For a
 * memory form, modrm's reg field selects the operation and buf (16 bytes)
 * holds the operand: filled by the caller for loads, written by the host
 * for stores. flags, when not NULL, carries EFLAGS bits 0-7 in (FCMOVcc
 * reads CF/ZF/PF) and the host's bits 0-7 out (FCOMI writes ZF/PF/CF).
 * Returns the host's status word after the instruction (before the
 * merge) so callers can see which exceptions it raised. */
uint16_t fpu__run_native(struct cpu *cpu, uint8_t esc, uint8_t modrm, void *buf,
                         uint8_t *flags);

/* Set or clear ES and B from the exception flags and masks (ES = some
 * exception flag is set whose mask bit is clear). */
static inline void fpu__update_es(struct cpu *cpu)
{
    if (cpu->fpu.fsw & ~cpu->fpu.fcw & FCW_MASKS)
        cpu->fpu.fsw |= FSW_ES | FSW_B;
    else
        cpu->fpu.fsw &= (uint16_t)~(FSW_ES | FSW_B);
}

/* Control instructions (fpu_env.c): they neither record the FPU
 * instruction/data pointers nor run on the host FPU. */
void fpu_env__ldenv(struct cpu *cpu, struct insn *in);   /* D9 /4 FLDENV */
void fpu_env__ldcw(struct cpu *cpu, struct insn *in);    /* D9 /5 FLDCW */
void fpu_env__stenv(struct cpu *cpu, struct insn *in);   /* D9 /6 FNSTENV */
void fpu_env__stcw(struct cpu *cpu, struct insn *in);    /* D9 /7 FNSTCW */
void fpu_env__rstor(struct cpu *cpu, struct insn *in);   /* DD /4 FRSTOR */
void fpu_env__save(struct cpu *cpu, struct insn *in);    /* DD /6 FNSAVE */
void fpu_env__stsw(struct cpu *cpu, struct insn *in);    /* DD /7 FNSTSW m16 */
void fpu_env__stsw_ax(struct cpu *cpu, struct insn *in); /* DF E0 FNSTSW AX */
void fpu_env__clex(struct cpu *cpu, struct insn *in);    /* DB E2 FNCLEX */
void fpu_env__init(struct cpu *cpu, struct insn *in);    /* DB E3 FNINIT */
void fpu_env__nop(struct cpu *cpu, struct insn *in);     /* DB E0/E1/E4 FNENI FNDISI FNSETPM */

/* Claim 0F AE (fxsave.c), called by ops_mmx__register. */
void fxsave__register(void);

#endif
