/* cache.c - the code cache: host code buffer, block records, lookup table.
 *
 * Design
 * ------
 * Host code lives in one mapping of fixed size (32 MiB by default, as
 * QEMU's -tb-size), readable, writable and executable, filled linearly like
 * a bump allocator. Block records and the copies of their guest bytes live
 * in two side arenas that are flushed with it, so nothing is ever freed one
 * block at a time: when any of the three is full, everything is forgotten
 * at once and translation starts over (QEMU's tb_flush policy; simple, and
 * at 32 MiB rare enough that its cost does not show).
 *
 * A block is found by its key: the linear address of its first byte, the
 * CS base and limit, the default code size, the CPL and which data
 * segments are flat (the decoding and every check translated code relies
 * on). The table is a power-of-two
 * array of hash chains.
 *
 * Consistency, for this milestone, is by content: each block keeps a copy
 * of the guest bytes it was translated from, and the engine compares them
 * with the bytes now in guest memory before entering (cache users see this
 * in struct block). The page write protection that will replace it (and
 * allow chaining) is the next step; see docs/ARCHITECTURE.md.
 *
 * The first bytes of the buffer are reserved for code that must survive a
 * flush (the engine's entry and exit stubs), written once at creation.
 */
#include "cache/cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define CACHE_HASH_SIZE 16384u
#define CACHE_RECENT_SIZE 4096u
#define CACHE_RESERVED 4096u

struct cache {
    uint8_t *code;          /* the mapping */
    size_t code_size;
    size_t code_used;       /* including the reserved area */
    struct block *blocks;   /* block records */
    size_t nblocks, blocks_used;
    uint8_t *guest;         /* guest byte copies */
    size_t guest_size, guest_used;
    struct block *hash[CACHE_HASH_SIZE];
    /* The last block found for each low linear address (QEMU's
     * tb_jmp_cache): most lookups end here, without walking a chain. */
    struct block *recent[CACHE_RECENT_SIZE];
};

static unsigned cache__hash(const struct block_key *k)
{
    uint32_t h = k->lin * 0x9e3779b1u ^ k->cs_base ^ (uint32_t)k->mode << 29;
    return (h ^ h >> 15) & (CACHE_HASH_SIZE - 1);
}

static bool key__equal(const struct block_key *a, const struct block_key *b)
{
    return a->lin == b->lin && a->cs_base == b->cs_base && a->cs_limit == b->cs_limit && a->mode == b->mode
        && a->flat == b->flat;
}

struct cache *cache__create(size_t code_bytes, size_t (*fill_reserved)(uint8_t *buf, size_t cap, void *opaque),
                            void *opaque)
{
    struct cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->code_size = code_bytes;
    c->code = mmap(NULL, code_bytes, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    /* One block record per 256 bytes of code and 64 guest bytes per record
     * on average are generous for blocks of at most a few dozen insns. */
    c->nblocks = code_bytes / 256;
    c->blocks = calloc(c->nblocks, sizeof(*c->blocks));
    c->guest_size = c->nblocks * 64;
    c->guest = malloc(c->guest_size);
    if (c->code == MAP_FAILED || !c->blocks || !c->guest) {
        int err = errno;
        if (c->code == MAP_FAILED)
            c->code = NULL;
        cache__destroy(c);
        errno = err;
        return NULL;
    }
    c->code_used = CACHE_RESERVED;
    if (fill_reserved)
        fill_reserved(c->code, CACHE_RESERVED, opaque);
    return c;
}

void cache__destroy(struct cache *c)
{
    if (!c)
        return;
    if (c->code)
        munmap(c->code, c->code_size);
    free(c->blocks);
    free(c->guest);
    free(c);
}

const uint8_t *cache__reserved(const struct cache *c)
{
    return c->code;
}

struct block *cache__lookup(struct cache *c, const struct block_key *k)
{
    struct block **r = &c->recent[k->lin & (CACHE_RECENT_SIZE - 1)];
    if (*r && key__equal(&(*r)->key, k))
        return *r;
    for (struct block *b = c->hash[cache__hash(k)]; b; b = b->next)
        if (key__equal(&b->key, k))
            return *r = b;
    return NULL;
}

struct block *cache__begin(struct cache *c, size_t cap, size_t nguest, uint8_t **code, uint8_t **guest)
{
    if (c->blocks_used == c->nblocks || c->code_size - c->code_used < cap
        || c->guest_size - c->guest_used < nguest)
        return NULL;
    struct block *b = &c->blocks[c->blocks_used];
    memset(b, 0, sizeof(*b));
    *code = c->code + c->code_used;
    *guest = c->guest + c->guest_used;
    b->host = *code;
    b->guest = *guest;
    return b;
}

void cache__commit(struct cache *c, struct block *b)
{
    unsigned h = cache__hash(&b->key);
    c->blocks_used++;
    c->code_used += (b->host_len + 15) & ~(size_t)15;
    c->guest_used += b->nbytes;
    b->next = c->hash[h];
    c->hash[h] = b;
    c->recent[b->key.lin & (CACHE_RECENT_SIZE - 1)] = b; /* it shadows older ones */
}

void cache__flush(struct cache *c)
{
    memset(c->hash, 0, sizeof(c->hash));
    memset(c->recent, 0, sizeof(c->recent));
    c->blocks_used = 0;
    c->code_used = CACHE_RESERVED;
    c->guest_used = 0;
}

size_t cache__code_used(const struct cache *c)
{
    return c->code_used - CACHE_RESERVED;
}
