/* interp.h - the reference interpreter's public entry points. */
#ifndef BT86_INTERP_INTERP_H
#define BT86_INTERP_INTERP_H

#include <stdbool.h>
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

/* The TLB entry for the page holding lin, walking the page tables when it
 * is missing or does not grant the access (setting A, and D for a write),
 * as the interpreter's accesses do; NULL, with *fault = the P and RSVD
 * bits of the #PF error code, where the access would fault. Raises
 * nothing: for a host signal handler (translator/window.c). */
struct tlb_entry;
const struct tlb_entry *mmu__lookup(struct cpu *cpu, uint32_t lin, bool write, bool user, uint32_t *fault);

/* Someone keeping a copy of the TLB's translations outside it (the
 * translator's memory windows), told whenever translations or rights go:
 * every flush (CR3 writes keep global pages; CR0, CR4, DR writes and the
 * A20 gate flush them too), INVLPG (large: CR4.PSE, so the
 * 4 MiB region may go with it), and a page's inline write right taken
 * away because it came to hold cached code. NULL to stop. */
struct tlb_watch {
    void (*flush)(void *opaque, bool include_global);
    void (*flush_page)(void *opaque, uint32_t lin, bool large);
    void (*revoke_write)(void *opaque, uint32_t phys_page);
    void *opaque;
};
void interp__watch_tlb(const struct tlb_watch *w);

#endif
