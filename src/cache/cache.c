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
 * A block is found by its key: the linear address of its first byte and
 * the physical page that address maps to, the CS base and limit, the
 * default code size, the CPL and which data segments are flat (the
 * decoding and every check translated code relies on). The engine reads
 * the physical page from the TLB at each lookup, and checks the second
 * page of a block that spans two (nbytes2) itself. The table is a
 * power-of-two array of hash chains.
 *
 * Consistency is by write protection (interp/code_wp.c): the guest bytes
 * of every block are marked in their physical pages, and a write to them
 * invalidates every block with bytes on that page (cache__invalidate_page,
 * through a page index: two more hash tables of chains, by first page and
 * by second page). Invalidated blocks are dead: out of the lookup table,
 * their chained exits unpatched; their records and code stay until the
 * next flush (a dead block may still be running when it dies).
 *
 * Chaining: a direct exit of block A may jump straight into block B
 * (cache__chain) when B's key is A's but for the linear address (nothing
 * inside a block changes the rest), B starts on A's linear page and on
 * A's physical page, and B lies on one page. Then the lookup's checks
 * hold for B whenever they held for A (same TLB entry), and every block
 * chained into B has its first byte on B's page, so whatever invalidates
 * B (a write to that page) invalidates them too: no jump into a dead
 * block survives, without a list of incoming jumps.
 *
 * Indirect branches (RET, JMP/CALL r/m) probe a direct-mapped table from
 * guest EIP to host code inline (cache__ibl). An entry's tag is the
 * code_wp generation it was filled in plus the id of its key's context
 * (one of a few: CS base and limit, mode, flat segments), which the
 * probing block compares with its own context: the same key but for the
 * address, as for chaining. The generation changes with every TLB flush
 * (CR3 and CR0/CR4 writes, INVLPG, A20), so an entry is used only while
 * the TLB maps its page as when the C loop looked the block up (a refill
 * after an eviction may see a page-table edit not yet invalidated, which
 * hardware may also ignore until INVLPG: SDM vol. 3, 4.10.4.3). A dying
 * block leaves the table; a flush empties it.
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
#define CACHE_PAGE_HASH 4096u

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
    /* Page index: blocks by their first page (link page_next[0]) and by
     * their second page (page_next[1]). */
    struct block *by_page[2][CACHE_PAGE_HASH];
    struct ibl_entry ibl[CACHE_IBL_SIZE];
    struct block_key ctx[CACHE_CONTEXTS];
    int nctx;
};

static unsigned cache__hash(const struct block_key *k)
{
    uint32_t h = k->lin * 0x9e3779b1u ^ k->cs_base ^ (uint32_t)k->mode << 29;
    return (h ^ h >> 15) & (CACHE_HASH_SIZE - 1);
}

static bool same_context(const struct block_key *a, const struct block_key *b)
{
    return a->cs_base == b->cs_base && a->cs_limit == b->cs_limit && a->mode == b->mode && a->flat == b->flat;
}

static bool key__equal(const struct block_key *a, const struct block_key *b)
{
    return a->lin == b->lin && a->phys == b->phys && same_context(a, b);
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

static struct block **page_bucket(struct cache *c, int which, uint32_t page)
{
    return &c->by_page[which][page & (CACHE_PAGE_HASH - 1)];
}

void cache__commit(struct cache *c, struct block *b)
{
    unsigned h = cache__hash(&b->key);
    struct block **p0 = page_bucket(c, 0, b->key.phys >> 12);
    b->page_next[0] = *p0;
    *p0 = b;
    if (b->nbytes2) {
        struct block **p1 = page_bucket(c, 1, b->phys2 >> 12);
        b->page_next[1] = *p1;
        *p1 = b;
    }
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
    memset(c->by_page, 0, sizeof(c->by_page));
    cache__ibl_clear(c);
    c->nctx = 0;
    c->blocks_used = 0;
    c->code_used = CACHE_RESERVED;
    c->guest_used = 0;
}

static void set_rel(uint8_t *rel, const uint8_t *to)
{
    uint32_t d = (uint32_t)(to - (rel + 4));
    memcpy(rel, &d, 4);
}

/* b dies: out of the lookup table, its chained exits back to the C loop. */
static void block_kill(struct cache *c, struct block *b)
{
    b->dead = true;
    for (int i = 0; i < 2; i++)
        if (b->exit_rel[i])
            set_rel(b->exit_rel[i], b->exit_tail[i]);
    struct block **r = &c->recent[b->key.lin & (CACHE_RECENT_SIZE - 1)];
    if (*r == b)
        *r = NULL;
    struct ibl_entry *e = &c->ibl[(b->key.lin - b->key.cs_base) & (CACHE_IBL_SIZE - 1)];
    if (e->host == b->host)
        e->tag = 0;
    for (struct block **p = &c->hash[cache__hash(&b->key)]; *p; p = &(*p)->next)
        if (*p == b) {
            *p = b->next;
            break;
        }
}

unsigned cache__invalidate_page(struct cache *c, uint32_t page)
{
    unsigned n = 0;
    for (int which = 0; which < 2; which++) {
        struct block **p = page_bucket(c, which, page);
        while (*p) {
            struct block *b = *p;
            uint32_t on = which ? b->phys2 : b->key.phys;
            /* Blocks that died through their other page leave too. */
            if (b->dead || on >> 12 == page) {
                if (!b->dead) {
                    block_kill(c, b);
                    n++;
                }
                *p = b->page_next[which];
            } else {
                p = &b->page_next[which];
            }
        }
    }
    return n;
}

bool cache__chain(struct block *from, unsigned idx, const struct block *to)
{
    const struct block_key *a = &from->key, *b = &to->key;
    if (from->dead || to->dead || !to->ninsns || !from->exit_rel[idx] || to->nbytes2 || b->phys != a->phys
        || (b->lin ^ a->lin) >> 12 || !same_context(a, b))
        return false;
    set_rel(from->exit_rel[idx], to->host);
    return true;
}

const struct ibl_entry *cache__ibl(const struct cache *c)
{
    return c->ibl;
}

int cache__context(struct cache *c, const struct block_key *k)
{
    for (int i = 0; i < c->nctx; i++)
        if (same_context(&c->ctx[i], k))
            return i;
    if (c->nctx == CACHE_CONTEXTS)
        return -1;
    c->ctx[c->nctx] = *k;
    return c->nctx++;
}

void cache__ibl_fill(struct cache *c, const struct block *b, uint32_t gen)
{
    uint32_t eip = b->key.lin - b->key.cs_base; /* one context: one CS base */
    if (b->ctx >= 0)
        c->ibl[eip & (CACHE_IBL_SIZE - 1)] = (struct ibl_entry){ eip, gen | (uint32_t)b->ctx, b->host };
}

void cache__ibl_clear(struct cache *c)
{
    memset(c->ibl, 0, sizeof(c->ibl));
}

size_t cache__code_used(const struct cache *c)
{
    return c->code_used - CACHE_RESERVED;
}
