/* emit.h - private to the translator: host code emission for block entry
 * and exits and the inline shadow-TLB lookup of guest memory operands
 * (emit.c). */
#ifndef BT86_TRANSLATOR_EMIT_H
#define BT86_TRANSLATOR_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "translator/translator.h"

/* Host code being written for one block. The out-of-line paths of inline
 * lookups (miss exits, calls for stores to protected pages) are queued
 * and written after the block, as are other exits that need the guest
 * flags pushed on the host stack restored first (miss[]). */
#define EMIT_MAX_MISSES 64
struct emit {
    uint8_t *p;
    const uint8_t *stubs;     /* the reserved area (translator.h) */
    struct block *b;          /* the block being written */
    uint32_t ninsns;          /* its instructions (the budget it takes) */
    const struct ibl_entry *ibl; /* the indirect-branch table (cache.h) */
    struct {
        uint8_t *rel[4];      /* rel32 fields of the jumps to it (or NULL) */
        uint32_t eip;         /* the guest instruction to restart */
        uint32_t count;       /* instructions completed before it */
    } miss[EMIT_MAX_MISSES];  /* popfq, then exit before the instruction */
    int nmiss;
    struct {
        uint8_t *rel;         /* rel32 field of the jump to the miss exit */
        uint8_t *wp_rel;      /* of the jump to the protected-store call */
        uint8_t *resume;      /* where that call's success continues */
        uint32_t size;        /* the store's size */
        uint32_t eip;         /* the guest instruction to restart */
        uint32_t count;       /* instructions completed before it */
    } access[EMIT_MAX_MISSES]; /* the lookups' paths: flags in R10 */
    int naccess;
    struct {
        uint16_t at;          /* offset of the copy from the block's entry */
        uint16_t exit;        /* of the exit before it (emit__misses) */
        uint32_t eip;         /* the guest instruction to restart */
        uint32_t count;       /* instructions completed before it */
        bool flags_in_r10;    /* the guest flags are in R10, not RFLAGS */
    } site[EMIT_MAX_MISSES];  /* memory-window accesses (window.c) */
    int nsite;
};

void emit__bytes(struct emit *e, const void *b, size_t n);

/* The block's entry: takes its instructions from the budget (R9) and
 * leaves for the C loop, before the first one, when there are not enough
 * (flags untouched). eip is the block's first instruction. */
void emit__prologue(struct emit *e, uint32_t eip);
/* The block's end at an indirect branch to the EIP in R8D (RET, JMP/CALL
 * r/m): an inline probe of the indirect-branch table, which jumps to the
 * target's block, else leaves for the C loop. */
void emit__exit_indirect(struct emit *e);
/* The block's end at a direct branch to next: a jump the C loop may chain
 * straight to next's block (exit idx of the block, 0 or 1). */
void emit__exit_chain(struct emit *e, unsigned idx, uint32_t next);
/* Host Jcc (condition cc) to the taken exit over the fall-through exit,
 * both chainable (fall-through 0, taken 1). */
void emit__jcc(struct emit *e, unsigned cc, uint32_t taken, uint32_t fall);

/* The access a memory operand makes, for the inline lookup. */
struct mem_access {
    unsigned size;        /* bytes, 1..4 */
    bool write;           /* needs write rights (store or read-modify-write) */
    bool user;            /* CPL 3 */
    bool save_flags;      /* guest flags are live across the lookup (the
                           * miss path always restores them: precise) */
    bool flags_in_r10;    /* R10 holds them already (an earlier lookup
                           * saved them, nothing has changed them since) */
    uint32_t eip;         /* the instruction, and its index in the block */
    uint32_t count;
};

/* The host address of the access, in R14, from the guest linear address
 * already in R14D: an inline lookup in the TLB (cpu->tlb), with a miss
 * stub that exits the block before the instruction. R10 keeps the guest
 * flags from before the instruction until the next lookup (LAHF/SETO
 * form, see emit.c). */
void emit__lookup(struct emit *e, const struct mem_access *a);
/* A run of a block's memory operands [ESP + disp] (no index) with no
 * write to ESP between them, or of its [EBP + disp] operands with no
 * write to EBP between them (a frame run): one lookup for all (emit.c). */
struct stack_run {
    bool frame;           /* from EBP, its base in [RSP + 8]; else from
                           * ESP, its base in [RSP] */
    int32_t lo, hi;       /* offsets from ESP of their lowest and highest byte */
    bool write;           /* some of them store */
    bool user;            /* CPL 3 */
    bool save_flags;      /* guest flags are live at the first one */
    bool flags_in_r10;    /* R10 holds them already (mem_access) */
    uint32_t eip;         /* the first one's instruction, and its index */
    uint32_t count;
};
/* The run's slot ([RSP], or [RSP + 8] for a frame run) = the host address
 * of [ESP + 0] (or [EBP + 0]) for the run, or an exit before the run's
 * first instruction (the interpreter's, with the guest flags as they
 * were) when one page does not hold all of it with the rights. */
void emit__stack_base(struct emit *e, const struct stack_run *r);
/* The host address of [ESP + disp] (frame: [EBP + disp]), in the run,
 * into R14; r14_at: NULL, or the offset in the run whose host address R14
 * holds already. */
void emit__stack_access(struct emit *e, bool frame, int32_t disp, const int32_t *r14_at);

/* The copied instruction about to be written accesses memory through the
 * memory window (window.c): queue the exit before it, where a fault
 * the window cannot fill is sent. */
void emit__window_site(struct emit *e, uint32_t eip, uint32_t count, bool flags_in_r10);

/* Write the queued out-of-line paths. */
void emit__misses(struct emit *e);
/* After them, the block's table of memory-window sites (struct block's
 * sites), which is not code. */
void emit__sites(struct emit *e);

#endif
