/* cache.h - the translator's code cache: a fixed-size host code buffer and
 * the blocks translated into it, looked up by guest linear EIP, physical
 * page and mode, indexed by physical page, chained by direct branches. */
#ifndef BT86_CACHE_CACHE_H
#define BT86_CACHE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a translation depends on besides its bytes (see cache.c). */
struct block_key {
    uint32_t lin;      /* linear address of the block's first byte */
    uint32_t phys;     /* the physical page it maps to (address & ~0xfff) */
    uint32_t cs_base;
    uint32_t cs_limit;
    uint8_t mode;      /* BLOCK_MODE_* */
    uint8_t flat;      /* bit s: segment s is flat (base 0, limit 4 GiB,
                        * writable data) and alignment checking is off, so
                        * its accesses may be translated inline */
    uint8_t based;     /* bit s: segment s (ES, DS, FS or GS) is writable
                        * expand-up data with a 4 GiB limit and a nonzero
                        * base, alignment checking off, and code at this
                        * CPL has been seen to access it (seg_want);
                        * translated code reads the base from
                        * cpu->seg[s].base at each access, so the base
                        * itself is not in the key */
};
#define BLOCK_MODE_CODE32 0x01u
#define BLOCK_MODE_CPL_SHIFT 1   /* bits 1-2: CPL */

/* One translated guest block. ninsns == 0 marks an instruction the
 * translator refuses: the engine hands it to the interpreter. */
struct block {
    struct block_key key;
    uint16_t ninsns;         /* guest instructions in the block */
    uint16_t nbytes;         /* guest bytes they span */
    uint16_t nbytes2;        /* how many of them lie on the next page */
    bool dead;               /* invalidated: unreachable, never chained to */
    int8_t ctx;              /* its key's context id (cache__context) */
    uint8_t seg_want;        /* bit s: a memory operand through segment s
                              * (ES, DS, FS, GS), neither flat nor in
                              * key.based, was left to the interpreter */
    uint32_t phys2;          /* the next page's physical page (nbytes2 > 0) */
    const uint8_t *guest;    /* copy of those bytes (for -d in_asm) */
    const uint8_t *host;     /* entry of the host code */
    uint32_t host_len;
    /* Copied instructions whose memory operand goes through a memory
     * window (translator/window.c): per one, the offsets from host of
     * its copy and of the exit before it, as pairs after the code. */
    const uint16_t *sites;
    uint16_t nsites;
    /* Direct exits that can be chained: the rel32 field of the jump that
     * leaves the block there (NULL: no such exit), and where it jumps
     * while unchained (the exit to the C loop). */
    uint8_t *exit_rel[2];
    const uint8_t *exit_tail[2];
    /* Chain links (cache.c): the block exit i jumps to (NULL: the C loop),
     * and this exit's place in that block's list of incoming links, a
     * doubly linked list of (block | exit) references headed by in_head. */
    struct block *to[2];
    uintptr_t in_next[2];
    uintptr_t *in_pprev[2];
    uintptr_t in_head;
    struct block *next;      /* hash chain */
    struct block *page_next[2]; /* page index chains (first page, next page) */
};

struct cache;

/* The inline indirect-branch table: guest EIP -> host code of the block
 * there, probed by translated code at RET and JMP/CALL r/m (see
 * cache.c). */
struct ibl_entry {
    uint32_t eip;            /* the block's linear address - CS base */
    uint32_t tag;            /* context id + 1; 0 when empty */
    const uint8_t *host;
    uint64_t map;            /* the TLB mapping it is valid under: its
                              * linear page | physical page << 32, the
                              * first 8 bytes of a struct tlb_entry */
};
#define CACHE_IBL_SIZE 4096u
#define CACHE_CONTEXTS 16 /* code sizes, CPLs, segment shapes seen */

/* Create a cache with code_bytes of host code space; the first
 * reserved_bytes of it hold code that survives flushes (the engine's entry
 * and exit stubs, written by fill(buf, opaque) at creation). NULL on
 * failure (errno set). */
struct cache *cache__create(size_t code_bytes, size_t (*fill_reserved)(uint8_t *buf, size_t cap, void *opaque),
                            void *opaque);
void cache__destroy(struct cache *c);

/* Start of the reserved area (stubs). */
const uint8_t *cache__reserved(const struct cache *c);

/* The live block with this key, or NULL. */
struct block *cache__lookup(struct cache *c, const struct block_key *k);

/* Room for a new block: a struct, cap bytes of host code and nguest bytes
 * for the guest copy. Returns NULL when the cache is full: the caller
 * flushes and asks again. The block is invisible until cache__commit. */
struct block *cache__begin(struct cache *c, size_t cap, size_t nguest, uint8_t **code, uint8_t **guest);
/* Publish the block begun last, with host_len bytes of code used. */
void cache__commit(struct cache *c, struct block *b);

/* Forget every block (code buffer full, or a consistency event). */
void cache__flush(struct cache *c);

/* Invalidate every block with guest bytes on the physical page (page
 * number): they become dead and unreachable, and their chained exits go
 * back to the C loop. Returns how many died. */
unsigned cache__invalidate_page(struct cache *c, uint32_t page);

/* Point exit idx of from (a chainable direct exit) straight at to's code.
 * Returns CHAIN_NONE, changing nothing, unless to may be entered from
 * there without a lookup (see cache.c); CHAIN_CROSS for a link that holds
 * only until the next TLB flush (cache__unchain_cross), or, when global
 * (the TLB maps to's pages through global translations), until the next
 * flush that may change those. */
enum chain_kind { CHAIN_NONE, CHAIN_SAME_PAGE, CHAIN_CROSS };
enum chain_kind cache__chain(struct cache *c, struct block *from, unsigned idx, struct block *to, bool global);
/* What the TLB lost (cache__unchain_cross): every translation (all), the
 * non-global ones (nonglobal: a CR3 write), and those of n pages (INVLPG
 * of lin[i]; region[i]: its whole 4 MiB region). */
struct tlb_loss {
    bool all, nonglobal;
    unsigned n;
    const uint32_t *lin;
    const bool *region;
};
/* Unpatch every link made to a block off its source's page whose pages'
 * translations the TLB may have lost. Returns how many. */
unsigned cache__unchain_cross(struct cache *c, const struct tlb_loss *loss);

/* The indirect-branch table, at a fixed address for generated code. */
const struct ibl_entry *cache__ibl(const struct cache *c);
/* The id (0..CACHE_CONTEXTS-1) of the key's context (everything but the
 * addresses: CS base and limit, mode, flat and based segments), given on
 * first use; -1 when all are taken (until the next flush). */
int cache__context(struct cache *c, const struct block_key *k);
/* Enter b in the indirect-branch table, valid while the TLB maps its page
 * where it does now (b lies on one page). */
void cache__ibl_fill(struct cache *c, const struct block *b);

/* The exit before the memory-window instruction whose copy is at host
 * address rip, in the block holding it; NULL when rip is none such. */
const uint8_t *cache__window_exit(const struct cache *c, const uint8_t *rip);

/* Host code bytes in use (for statistics and tests). */
size_t cache__code_used(const struct cache *c);

#endif
