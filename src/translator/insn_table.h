/* insn_table.h - private to the translator: the treatment of each guest
 * instruction by mnemonic (insn_table.c). */
#ifndef BT86_TRANSLATOR_INSN_TABLE_H
#define BT86_TRANSLATOR_INSN_TABLE_H

#include <Zydis/Zydis.h>
#include <stdbool.h>

enum {
    K_NONE = 0,           /* left to the interpreter: ends the block */
    K_COPY = 1,           /* re-encoded for the host */
    K_JCC = 2,            /* relative Jcc: ends the block with two exits */
    K_JMP = 3,            /* relative JMP: ends the block */
    K_PUSH = 4,           /* PUSH r32/imm: through the inline lookup */
    K_POP = 5,            /* POP r32 */
    K_CALL = 6,           /* CALL rel32: a push, then ends the block */
    K_RET = 7,            /* RET: a pop into EIP, ends the block */
    K_X87 = 8,            /* x87 or MMX on the host FPU, when fpu_emit.c takes the form */
    K_SYS = 13,           /* run by the interpreter from the block (sys_callout.c) */
    K_SYS_END = 14,       /* the same, then ends the block */
    K_KIND_MASK = 15,
    K_FLAGS_MAYBE = 16,   /* may leave every flag unchanged (count 0) */
};

/* K_* of mnemonic m. */
unsigned insn_table__kind(ZydisMnemonic m);

#endif
