/* div_guard.h - private to the translator: the check that sends a DIV
 * that would fault (#DE) to the interpreter before it runs (div_guard.c). */
#ifndef BT86_TRANSLATOR_DIV_GUARD_H
#define BT86_TRANSLATOR_DIV_GUARD_H

#include <Zydis/Zydis.h>
#include <stdbool.h>
#include <stdint.h>

#include "translator/emit.h"

/* Before the copied DIV in (its divisor in a register, or at [R14] after
 * the inline lookup when mem): leave the block before the instruction
 * (a miss exit: the interpreter raises #DE) when the quotient would not
 * fit or the divisor is 0; guest flags kept. eip and count as for a
 * lookup. */
void div_guard__emit(struct emit *e, const ZydisDecodedInstruction *in, bool mem, uint32_t eip, uint32_t count);

#endif
