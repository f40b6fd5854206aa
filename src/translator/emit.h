/* emit.h - private to the translator: host code emission for block exits
 * and the inline shadow-TLB lookup of guest memory operands (emit.c). */
#ifndef BT86_TRANSLATOR_EMIT_H
#define BT86_TRANSLATOR_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "translator/translator.h"

/* Host code being written for one block. Miss stubs (the out-of-line
 * exits of inline lookups) are queued and written after the block. */
#define EMIT_MAX_MISSES 32
struct emit {
    uint8_t *p;
    const uint8_t *exit_stub;
    struct {
        uint8_t *rel[4];    /* rel32 fields of the jumps to it (or NULL) */
        uint32_t eip;       /* the guest instruction to restart */
        uint32_t count;     /* instructions completed before it */
    } miss[EMIT_MAX_MISSES];
    int nmiss;
};

void emit__bytes(struct emit *e, const void *b, size_t n);

/* Store next in cpu->eip, return count from the entry stub (see
 * bt_enter_fn). Flags are untouched. */
void emit__exit(struct emit *e, uint32_t next, uint32_t count);
/* The same with the next EIP taken from R8D (RET). */
void emit__exit_r8(struct emit *e, uint32_t count);
/* Host Jcc (condition cc) to the taken exit over the fall-through exit. */
void emit__jcc(struct emit *e, unsigned cc, uint32_t taken, uint32_t fall, uint32_t count);

/* The access a memory operand makes, for the inline lookup. */
struct mem_access {
    unsigned size;        /* bytes, 1..4 */
    bool write;           /* needs write rights (store or read-modify-write) */
    bool user;            /* CPL 3 */
    bool save_flags;      /* guest flags are live across the lookup (the
                           * miss path always restores them: precise) */
    uint32_t block_lin;   /* the block's guest bytes [block_lin, +block_len): */
    uint32_t block_len;   /* a store there leaves the block (SMC) */
    uint32_t eip;         /* the instruction, and its index in the block */
    uint32_t count;
};

/* The host address of the access, in R14, from the guest linear address
 * already in R14D: an inline lookup in the TLB (cpu->tlb), with a miss
 * stub that exits the block before the instruction. */
void emit__lookup(struct emit *e, const struct mem_access *a);
/* Write the queued miss stubs. */
void emit__misses(struct emit *e);

#endif
