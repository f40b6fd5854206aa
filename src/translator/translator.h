/* translator.h - guest blocks into host code: the host register convention,
 * the entry/exit stubs, guest code access and the block translator. */
#ifndef BT86_TRANSLATOR_TRANSLATOR_H
#define BT86_TRANSLATOR_TRANSLATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cache.h"

struct cpu;

/* ---- stubs.c: entering and leaving translated code --------------------- */

/* Run translated code at `code` (a block's entry) for cpu with a budget
 * of guest instructions: loads the guest registers and arithmetic flags
 * into the host, jumps to code, and returns when the code jumps to the
 * exit stub (having stored the next guest EIP). Chained blocks run on
 * without returning; each takes its instructions from the budget on entry
 * and leaves before its first one when there are not enough. Returns the
 * budget left and the exit word: BT_EXIT_MISS when the block stopped
 * before an instruction the interpreter must run (a memory access the
 * inline path could not do), the block and its exit when it left through
 * a direct branch the C loop may chain (BT_EXIT_CHAIN), BT_EXIT_INDIRECT
 * when an indirect branch's target was not in the inline table, else 0. */
struct bt_exit {
    uint64_t left;
    uint64_t word;
};
typedef struct bt_exit (*bt_enter_fn)(struct cpu *cpu, const uint8_t *code, uint64_t budget);
#define BT_EXIT_MISS 1u
#define BT_EXIT_CHAIN 2u   /* word = (uintptr_t)block | BT_EXIT_CHAIN | exit << 2 */
#define BT_EXIT_INDIRECT 4u /* an indirect branch whose target the inline probe missed */

/* Where the exit stub and the callouts (protected stores, sensitive
 * instructions) sit inside the stub area (the entry stub is at its start). */
#define STUB_EXIT_OFFSET 128u
#define STUB_WP_OFFSET 256u
#define STUB_SYS_OFFSET 384u

/* Write the entry stub (at buf), the exit stub (at buf +
 * STUB_EXIT_OFFSET), the protected-store callout (STUB_WP_OFFSET) and the
 * sensitive-instruction callout (STUB_SYS_OFFSET) into buf; returns the
 * bytes used. The signature fits cache__create's
 * fill_reserved. */
size_t stubs__write(uint8_t *buf, size_t cap, void *opaque);

/* ---- callout.c: C called from translated code --------------------------- */

/* A store at linear lin, whose TLB entry grants the write but withholds
 * it from the fast path (a page holding cached or translated code, or
 * MMIO), by the running block: `store` is the block's address plus the
 * store's size - 1 (1, 2 or 4 bytes). Invalidates what the store
 * overwrites (code_wp__write). Returns the host address to store at, or
 * NULL when the block must leave before the store (MMIO, or the store
 * hits the running block's own bytes: the interpreter then does it). */
uint8_t *callout__wp_store(struct cpu *cpu, uint32_t lin, uintptr_t store);

/* ---- guest_code.c: reading guest code through the TLB ------------------ */

/* Whether the TLB maps lin's page for an instruction fetch at the CPU's
 * privilege; *phys gets the physical page. */
bool guest_code__phys(const struct cpu *cpu, uint32_t lin, uint32_t *phys);

/* Copy up to cap bytes of guest code at linear lin into dst, as far as the
 * TLB maps them for an instruction fetch at the CPU's privilege (the page
 * of lin and, when mapped, the next). Returns the bytes copied (0 when the
 * first page is not in the TLB). */
size_t guest_code__read(struct cpu *cpu, uint32_t lin, uint8_t *dst, size_t cap);

/* Whether the TLB maps lin's page for an instruction fetch through a
 * global translation (a PTE with G while CR4.PGE), which a CR3 write keeps. */
bool guest_code__global(const struct cpu *cpu, uint32_t lin);

/* Fetch the byte at CS:EIP as the CPU would, to bring its page into the
 * TLB (walking the page tables, setting the accessed bits). Returns false
 * when the fetch faults: the interpreter's step then raises the fault. */
bool guest_code__fill(struct cpu *cpu);

/* ---- translate.c: one block --------------------------------------------- */

/* Translate the block at the key's linear address (cpu's CS:EIP) into the
 * cache and mark its guest bytes write-protected (code_wp). Returns the
 * block (ninsns == 0 when its first instruction is one the translator
 * refuses), or NULL when the cache is full: the caller flushes and calls
 * again. The first page must be in the TLB (guest_code__phys). */
struct block *translator__block(struct cache *c, struct cpu *cpu, const struct block_key *k);

#endif
