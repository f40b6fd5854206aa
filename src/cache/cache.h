/* cache.h - the translator's code cache: a fixed-size host code buffer and
 * the blocks translated into it, looked up by guest linear EIP and mode. */
#ifndef BT86_CACHE_CACHE_H
#define BT86_CACHE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a translation depends on besides its bytes (see cache.c). */
struct block_key {
    uint32_t lin;      /* linear address of the block's first byte */
    uint32_t cs_base;
    uint32_t cs_limit;
    uint8_t mode;      /* BLOCK_MODE_* */
    uint8_t flat;      /* bit s: segment s is flat (base 0, limit 4 GiB,
                        * writable data) and alignment checking is off, so
                        * its accesses may be translated inline */
};
#define BLOCK_MODE_CODE32 0x01u
#define BLOCK_MODE_CPL_SHIFT 1   /* bits 1-2: CPL */

/* One translated guest block. ninsns == 0 marks an instruction the
 * translator refuses: the engine hands it to the interpreter. */
struct block {
    struct block_key key;
    uint16_t ninsns;         /* guest instructions in the block */
    uint16_t nbytes;         /* guest bytes they span */
    const uint8_t *guest;    /* copy of those bytes (validation by content) */
    const uint8_t *host;     /* entry of the host code */
    uint32_t host_len;
    struct block *next;      /* hash chain */
};

struct cache;

/* Create a cache with code_bytes of host code space; the first
 * reserved_bytes of it hold code that survives flushes (the engine's entry
 * and exit stubs, written by fill(buf, opaque) at creation). NULL on
 * failure (errno set). */
struct cache *cache__create(size_t code_bytes, size_t (*fill_reserved)(uint8_t *buf, size_t cap, void *opaque),
                            void *opaque);
void cache__destroy(struct cache *c);

/* Start of the reserved area (stubs). */
const uint8_t *cache__reserved(const struct cache *c);

/* The block with this key, or NULL. */
struct block *cache__lookup(struct cache *c, const struct block_key *k);

/* Room for a new block: a struct, cap bytes of host code and nguest bytes
 * for the guest copy. Returns NULL when the cache is full: the caller
 * flushes and asks again. The block is invisible until cache__commit. */
struct block *cache__begin(struct cache *c, size_t cap, size_t nguest, uint8_t **code, uint8_t **guest);
/* Publish the block begun last, with host_len bytes of code used. */
void cache__commit(struct cache *c, struct block *b);

/* Forget every block (code buffer full, or a consistency event). */
void cache__flush(struct cache *c);

/* Host code bytes in use (for statistics and tests). */
size_t cache__code_used(const struct cache *c);

#endif
