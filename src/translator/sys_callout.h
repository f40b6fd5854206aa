/* sys_callout.h - private to the translator: sensitive and rarely used
 * instructions run by the interpreter from inside a translated block
 * (sys_callout.c). */
#ifndef BT86_TRANSLATOR_SYS_CALLOUT_H
#define BT86_TRANSLATOR_SYS_CALLOUT_H

#include <Zydis/Zydis.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "translator/emit.h"

/* Whether the block may call the interpreter for in (of table kind `kind`,
 * which the translator could not copy) instead of ending before it; *ends
 * says whether the block must end after it (it changes what the block's
 * code assumes: paging, CR0, CPL and segments through a gate, IRET or
 * SYSENTER/SYSEXIT; or it is a branch). */
bool sys_callout__takes(const ZydisDecodedInstruction *in, unsigned kind, bool *ends);

/* The callout for the instruction in at eip (next: the EIP after it, in
 * the code size), the count-th of the block:
 * the guest state into struct cpu, one interpreter step, the state back;
 * the block goes on when the step left nothing a block assumes changed,
 * else it leaves for the C loop after the instruction (or, when it
 * faulted, with the exception delivered). */
void sys_callout__emit(struct emit *e, const ZydisDecodedInstruction *in, uint32_t eip, uint32_t next,
                       unsigned count);

/* -d stats: the callouts by kind (mnemonic), with how many left the block. */
void sys_callout__print(FILE *f);

/* The callout stub (stubs.c, at STUB_SYS_OFFSET) calls this with the guest
 * registers saved: runs the instruction, returns nonzero when the block
 * goes on (the stub then returns past the SYS_LEAVE_BYTES of the leave
 * path that follow the call). */
struct cpu;
struct sys_kind;
int sys_callout__run(struct cpu *cpu, struct sys_kind *k, uint64_t where, int64_t budget, int64_t entry_budget);
#define SYS_LEAVE_BYTES 15

#endif
