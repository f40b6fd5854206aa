/* fpu_emit.h - private to the translator: guest x87 and MMX instructions run on
 * the host FPU inside translated code (fpu_emit.c). */
#ifndef BT86_TRANSLATOR_FPU_EMIT_H
#define BT86_TRANSLATOR_FPU_EMIT_H

#include <Zydis/Zydis.h>
#include <stdbool.h>
#include <stdint.h>

#include "translator/emit.h"

/* x87/MMX instructions in one run at most (one operand slot each). */
#define FPU_RUN_MAX 32

/* Whether the x87 or MMX instruction in runs natively in translated code; 0 when
 * refused, 1 for a register form, else the bytes of its memory operand,
 * which *mem then is (with its size given as 32 bits, the width the
 * address computation's LEA takes). */
unsigned fpu_emit__form(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops, ZydisDecodedOperand *mem);

/* One x87 or MMX instruction of a run: at guest eip, the block's count-th; lea
 * (`lea r14d, [address]`), seg and acc describe a memory form's operand
 * (lea NULL for a register form). */
struct fpu_insn {
    const ZydisDecodedInstruction *in;
    uint32_t eip, count;
    const uint8_t *lea;
    uint8_t lea_len;
    int seg;
    struct mem_access acc;
};

/* A run of n x87 instructions on the host FPU: the inline lookups of the
 * memory operands of fi[1..n-1] (fi[0]'s is done: R14), each leaving the
 * block before fi[0] on a miss; the load of the guest's FPU state (or
 * the exit before fi[0] where it may not run natively); the instructions,
 * FDS:FDP from memory forms, FCS:FIP and FOP from the last; the store. */
void fpu_emit__run(struct emit *e, const struct fpu_insn *fi, unsigned n);

#endif
