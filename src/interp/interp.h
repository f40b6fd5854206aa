/* interp.h - the reference interpreter's public entry points. */
#ifndef BT86_INTERP_INTERP_H
#define BT86_INTERP_INTERP_H

#include <stdint.h>

struct cpu;
struct machine;

/* Build the opcode table (idempotent). */
void interp__init(void);

/* Execute one instruction of cpu (which must have cpu->m set). Returns -1
 * when it retired, or the vector of the exception it raised; the exception
 * is left in cpu->exc, undelivered, and EIP/registers are as before the
 * instruction. Used by other engines as their fallback and by tests. */
int interp__exec_one(struct cpu *cpu);

/* Run m's CPU for about budget instructions (engine interface): delivers
 * exceptions and external interrupts, stops early when the CPU halts or
 * m->stop is set. Returns the number of instructions retired. */
uint64_t interp__run(struct machine *m, uint64_t budget);
/* interp__run for engines all of whose guest RAM writes code_wp sees (the
 * -accel interp loop; bt, whose stores to protected pages call out to
 * code_wp): RAM cannot have changed behind the decode cache between two
 * calls, so the cache is kept (interp__run, for engines that write guest
 * RAM their own way, starts it afresh). */
uint64_t interp__engine_run(struct machine *m, uint64_t budget);

#endif
