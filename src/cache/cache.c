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
 * default code size, the CPL and which data segments are flat or
 * 4 GiB-limited with a base (the decoding and every check translated code
 * relies on; a base itself is read at run time, so a block is right under
 * any). The engine reads the physical page from the TLB at each lookup,
 * and checks the second page of a block that spans two (nbytes2) itself.
 * The table is a power-of-two array of hash chains.
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
 * (cache__chain) when B's key is A's but for the linear address and
 * physical page (nothing inside a block changes the rest: segment loads,
 * mode and CPL changes are interpreted between blocks). Each block keeps
 * the list of links into it, so a dying block unpatches every jump into
 * it as well as its own chained exits. The C loop chains A to B right
 * after looking B up under the current TLB, so the link is right as long
 * as the linear->physical mappings it was made under hold:
 *  - same-page links (B starts on A's linear and physical page and lies
 *    on one page) are validated by the TLB entry the lookup of A checked,
 *    and survive TLB flushes;
 *  - cross-page links (any other) rely on B's pages mapping where they
 *    did. They are recorded in a list and unpatched at the next TLB
 *    flush (cache__unchain_cross; the C loop calls it when code_wp__gen
 *    moved), as far as the flush may have taken B's translations: a
 *    CR3 write keeps those B has through global translations (the
 *    kernel's code: a context switch no longer unchains it), INVLPG
 *    takes only the links into the pages it names (or their 4 MiB
 *    regions with PSE), a flush of global pages takes all. Until that
 *    flush, using the old translation is what a processor may do with
 *    a page-table edit not yet invalidated (SDM vol. 3, 4.10.4.3: a
 *    processor may use a cached translation until software invalidates
 *    it). No TLB flush happens inside a chained run: CR0/CR3/CR4
 *    writes, INVLPG and A20 are interpreted between entries, or in a
 *    callout that then leaves the block.
 *
 * Indirect branches (RET, JMP/CALL r/m) probe a direct-mapped table from
 * guest EIP to host code inline (cache__ibl). An entry's tag is the id of
 * its key's context (one of a few: CS base and limit, mode, flat and
 * based segments), which the probing block compares with its own
 * context: the same key but for the address and physical page, as for
 * chaining. The entry also holds the linear and physical page its block
 * was looked up under, which the probe compares with the TLB's entry for
 * the target (and the fetch right at the block's CPL): the same test as
 * the C loop's lookup, so entries survive TLB flushes that leave their page mapped
 * where it was (INVLPG of other pages, global pages across CR3 writes,
 * or the page walked again to the same frame). Blocks reaching into a
 * second page stay out of the table. A dying block leaves the table; a
 * flush empties it.
 *
 * The first bytes of the buffer are reserved for code that must survive a
 * flush (the engine's entry and exit stubs), written once at creation.
 */
#include "cache/cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/stats.h"

#define CACHE_HASH_SIZE 65536u
#define CACHE_RECENT_SIZE 16384u
#define CACHE_RESERVED 4096u
#define CACHE_PAGE_HASH 4096u
#define CACHE_CROSS_MAX 16384u /* cross-page links per TLB generation */

struct cache {
    uint8_t *code;          /* the mapping */
    size_t code_size;
    size_t code_used;       /* including the reserved area */
    struct block *blocks;   /* block records */
    size_t nblocks, blocks_used;
    uint8_t *guest;         /* guest byte copies */
    size_t guest_size, guest_used;
    struct block *hash[CACHE_HASH_SIZE];
    /* The last block found for each hash of the linear address (QEMU's
     * tb_jmp_cache): most lookups end here, without walking a chain. */
    struct block *recent[CACHE_RECENT_SIZE];
    /* Page index: blocks by their first page (link page_next[0]) and by
     * their second page (page_next[1]). */
    struct block *by_page[2][CACHE_PAGE_HASH];
    struct ibl_entry ibl[CACHE_IBL_SIZE];
    struct block_key ctx[CACHE_CONTEXTS];
    int nctx;
    /* The cross-page links that may still be patched (some may have died
     * with a block since): [0] into pages mapped by non-global
     * translations, made since the last flush of those; [1] into global
     * ones, which a CR3 write does not look at. */
    struct cross_link {
        struct block *from, *to;
        unsigned idx;
    } cross[2][CACHE_CROSS_MAX];
    unsigned ncross[2];
};

static unsigned cache__hash(const struct block_key *k)
{
    uint32_t h = k->lin * 0x9e3779b1u ^ k->cs_base ^ (uint32_t)k->mode << 29;
    return (h ^ h >> 15) & (CACHE_HASH_SIZE - 1);
}

/* The slot of recent[] for a linear address: its page mixed into its
 * offset, so that code at the same offset of many pages does not collide. */
static struct block **recent_slot(struct cache *c, uint32_t lin)
{
    return &c->recent[(lin ^ lin >> 12 ^ lin >> 20) & (CACHE_RECENT_SIZE - 1)];
}

static bool same_context(const struct block_key *a, const struct block_key *b)
{
    return a->cs_base == b->cs_base && a->cs_limit == b->cs_limit && a->mode == b->mode && a->flat == b->flat
        && a->based == b->based;
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
    struct block **r = recent_slot(c, k->lin);
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
    size_t end = b->nsites ? (size_t)((const uint8_t *)(b->sites + 2 * b->nsites) - b->host) : b->host_len;
    c->code_used += (end + 15) & ~(size_t)15;
    c->guest_used += b->nbytes;
    b->next = c->hash[h];
    c->hash[h] = b;
    *recent_slot(c, b->key.lin) = b; /* it shadows older ones */
}

void cache__flush(struct cache *c)
{
    memset(c->hash, 0, sizeof(c->hash));
    memset(c->recent, 0, sizeof(c->recent));
    memset(c->by_page, 0, sizeof(c->by_page));
    memset(c->ibl, 0, sizeof(c->ibl));
    c->nctx = 0;
    c->ncross[0] = c->ncross[1] = 0;
    c->blocks_used = 0;
    c->code_used = CACHE_RESERVED;
    c->guest_used = 0;
}

static void set_rel(uint8_t *rel, const uint8_t *to)
{
    uint32_t d = (uint32_t)(to - (rel + 4));
    memcpy(rel, &d, 4);
}

/* A link reference: a block and one of its exits. */
static struct block *ref_block(uintptr_t r)
{
    return (struct block *)(r & ~(uintptr_t)1);
}

/* Chain exit idx of from to to: patch the jump, enter the link in to's
 * incoming list. */
static void link_add(struct block *from, unsigned idx, struct block *to)
{
    uintptr_t self = (uintptr_t)from | idx;
    if (to->in_head)
        ref_block(to->in_head)->in_pprev[to->in_head & 1] = &from->in_next[idx];
    from->in_next[idx] = to->in_head;
    from->in_pprev[idx] = &to->in_head;
    to->in_head = self;
    from->to[idx] = to;
    set_rel(from->exit_rel[idx], to->host);
}

/* Exit idx of from goes back to the C loop, if chained. Returns whether
 * it was. */
static bool link_remove(struct block *from, unsigned idx)
{
    if (!from->to[idx])
        return false;
    uintptr_t next = from->in_next[idx];
    *from->in_pprev[idx] = next;
    if (next)
        ref_block(next)->in_pprev[next & 1] = from->in_pprev[idx];
    from->to[idx] = NULL;
    set_rel(from->exit_rel[idx], from->exit_tail[idx]);
    return true;
}

/* b dies: out of the lookup table, its chained exits and every link into
 * it back to the C loop. */
static void block_kill(struct cache *c, struct block *b)
{
    b->dead = true;
    for (unsigned i = 0; i < 2; i++)
        stats.bt_unchained_dead += link_remove(b, i);
    while (b->in_head)
        stats.bt_unchained_dead += link_remove(ref_block(b->in_head), b->in_head & 1);
    struct block **r = recent_slot(c, b->key.lin);
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

enum chain_kind cache__chain(struct cache *c, struct block *from, unsigned idx, struct block *to, bool global)
{
    const struct block_key *a = &from->key, *b = &to->key;
    if (from->dead || to->dead || !to->ninsns || !from->exit_rel[idx] || from->to[idx] || !same_context(a, b))
        return CHAIN_NONE;
    if (!to->nbytes2 && b->phys == a->phys && !((b->lin ^ a->lin) >> 12)) {
        link_add(from, idx, to);
        return CHAIN_SAME_PAGE;
    }
    if (c->ncross[global] == CACHE_CROSS_MAX)
        return CHAIN_NONE;
    c->cross[global][c->ncross[global]++] = (struct cross_link){ from, to, idx };
    link_add(from, idx, to);
    return CHAIN_CROSS;
}

/* Whether an INVLPG of the loss took a page the link's target lies on. */
static bool invalidated(const struct tlb_loss *loss, const struct cross_link *l)
{
    uint32_t first = l->to->key.lin >> 12, last = first + (l->to->nbytes2 ? 1 : 0);
    for (unsigned i = 0; i < loss->n; i++) {
        uint32_t page = loss->lin[i] >> 12;
        if (loss->region[i] ? (first >> 10 == page >> 10 || last >> 10 == page >> 10)
                            : (first == page || last == page))
            return true;
    }
    return false;
}

/* One list's links: all go when every, else those an INVLPG hit. */
static unsigned unchain_list(struct cache *c, unsigned which, bool every, const struct tlb_loss *loss)
{
    unsigned n = 0, kept = 0;
    for (unsigned i = 0; i < c->ncross[which]; i++) {
        const struct cross_link *l = &c->cross[which][i];
        /* Still the link made then: it is removed only with a dead block. */
        if (l->from->to[l->idx] != l->to)
            continue;
        if (every || invalidated(loss, l))
            n += link_remove(l->from, l->idx);
        else
            c->cross[which][kept++] = *l;
    }
    c->ncross[which] = kept;
    return n;
}

unsigned cache__unchain_cross(struct cache *c, const struct tlb_loss *loss)
{
    unsigned n = unchain_list(c, 0, loss->all || loss->nonglobal, loss);
    if (loss->all || loss->n)
        n += unchain_list(c, 1, loss->all, loss);
    return n;
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

void cache__ibl_fill(struct cache *c, const struct block *b)
{
    uint32_t eip = b->key.lin - b->key.cs_base; /* one context: one CS base */
    uint64_t map = (b->key.lin & ~0xfffu) | (uint64_t)b->key.phys << 32;
    if (b->ctx >= 0 && !b->nbytes2)
        c->ibl[eip & (CACHE_IBL_SIZE - 1)] = (struct ibl_entry){ eip, (uint32_t)b->ctx + 1, b->host, map };
}

size_t cache__code_used(const struct cache *c)
{
    return c->code_used - CACHE_RESERVED;
}

const uint8_t *cache__window_exit(const struct cache *c, const uint8_t *rip)
{
    /* Blocks lie in the code buffer in the order of their records. */
    size_t lo = 0, hi = c->blocks_used;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->blocks[mid].host <= rip)
            lo = mid;
        else
            hi = mid;
    }
    if (lo >= c->blocks_used || c->blocks[lo].host > rip)
        return NULL;
    const struct block *b = &c->blocks[lo];
    for (unsigned i = 0; i < b->nsites; i++)
        if (b->host + b->sites[2 * i] == rip)
            return b->host + b->sites[2 * i + 1];
    return NULL;
}
