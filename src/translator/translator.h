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

/* Run translated code at `code` for cpu: loads the guest registers and
 * arithmetic flags into the host, jumps to code, and returns when the code
 * jumps to the exit stub (having stored the next guest EIP). Returns the
 * guest instructions completed, with BT_EXIT_MISS set when the block
 * stopped before an instruction the interpreter must run (a memory access
 * the inline path could not do). */
typedef uint32_t (*bt_enter_fn)(struct cpu *cpu, const uint8_t *code);
#define BT_EXIT_MISS 0x80000000u

/* Where the exit stub sits inside the stub area. */
#define STUB_EXIT_OFFSET 128u

/* Write the entry stub (at buf) and the exit stub (at buf +
 * STUB_EXIT_OFFSET) into buf; returns the bytes used. The signature fits
 * cache__create's fill_reserved. */
size_t stubs__write(uint8_t *buf, size_t cap, void *opaque);

/* ---- guest_code.c: reading guest code through the TLB ------------------ */

/* Whether the TLB maps lin's page for an instruction fetch at the CPU's
 * privilege. */
bool guest_code__mapped(const struct cpu *cpu, uint32_t lin);

/* Copy up to cap bytes of guest code at linear lin into dst, as far as the
 * TLB maps them for an instruction fetch at the CPU's privilege (the page
 * of lin and, when mapped, the next). Returns the bytes copied (0 when the
 * first page is not in the TLB). */
size_t guest_code__read(struct cpu *cpu, uint32_t lin, uint8_t *dst, size_t cap);

/* Fetch the byte at CS:EIP as the CPU would, to bring its page into the
 * TLB (walking the page tables, setting the accessed bits). Returns false
 * when the fetch faults: the interpreter's step then raises the fault. */
bool guest_code__fill(struct cpu *cpu);

/* Whether the n guest bytes at lin are readable through the TLB and still
 * equal copy. */
bool guest_code__same(struct cpu *cpu, uint32_t lin, const uint8_t *copy, size_t n);

/* ---- translate.c: one block --------------------------------------------- */

/* Translate the block at the key's linear address (cpu's CS:EIP) into the
 * cache. Returns the block (ninsns == 0 when its first instruction is one
 * the translator refuses), or NULL when the cache is full: the caller
 * flushes and calls again. The guest bytes must be in the TLB
 * (guest_code__read returned nonzero). */
struct block *translator__block(struct cache *c, struct cpu *cpu, const struct block_key *k);

#endif
