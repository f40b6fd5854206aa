/* miss_sites.c - translated instructions that keep leaving their block.
 *
 * Two translations are fast when their guess about the data holds and
 * cost an exit and an interpreter step each time it does not:
 * - a stack or frame run (emit.c) checks one TLB entry for all its
 *   accesses, so when ESP or EBP puts them across a page boundary its
 *   lookup misses every time (the kernel's decompressor, whose frame sat
 *   across one, missed 1.8 million times in a boot);
 * - an operand through a memory window (window.c) takes a host signal
 *   each time it reaches a page the window never maps: MMIO, or a page
 *   holding translated code that it writes.
 * The exits are counted by instruction; one that keeps leaving after its
 * page is in the TLB (SITE_AFTER) joins a set of places the translator
 * treats the steady way (a lookup per stack access, the inline lookup
 * instead of the window, whose miss paths stay inside the block for
 * protected stores), and its page's blocks are translated again.
 */
#include "translator/miss_sites.h"

#include <string.h>

#define COUNT_SETS 256u      /* exit counters: 4-way sets by address */
#define COUNT_WAYS 4u
#define SITE_SLOTS 4096u     /* the set (open addressing; half full: no more) */
#define SITE_AFTER 64u

/* A set's entries keep the instructions that left most lately (a new one
 * takes the entry with the smallest count): several that alternate all
 * count up. All counts start again every EPOCH exits, so that exits that
 * happen now and then (a TLB miss after each CR3 write) never add up. */
#define EPOCH 65536u
static struct {
    uint32_t lin;
    uint32_t count;
} counts[COUNT_SETS][COUNT_WAYS];
static uint32_t exits;
static uint32_t sites[SITE_SLOTS]; /* lin + 1, 0 for an empty slot */
static uint32_t nsites;

static uint32_t hash(uint32_t lin)
{
    return (lin * 2654435761u) >> 12;
}

bool miss_sites__at(uint32_t lin)
{
    for (uint32_t i = hash(lin);; i++) {
        uint32_t v = sites[i % SITE_SLOTS];
        if (v == lin + 1)
            return true;
        if (!v)
            return false;
    }
}

bool miss_sites__note(uint32_t lin)
{
    if (++exits % EPOCH == 0)
        memset(counts, 0, sizeof(counts));
    typeof(counts[0][0]) *set = counts[hash(lin) % COUNT_SETS], *e = &set[0];
    for (unsigned w = 0; w < COUNT_WAYS; w++) {
        if (set[w].lin == lin && set[w].count) {
            e = &set[w];
            break;
        }
        if (set[w].count < e->count)
            e = &set[w];
    }
    if (e->lin != lin)
        e->lin = lin, e->count = 0;
    if (++e->count < SITE_AFTER)
        return false;
    e->count = 0;
    if (nsites >= SITE_SLOTS / 2 || miss_sites__at(lin))
        return false;
    uint32_t i = hash(lin);
    while (sites[i % SITE_SLOTS])
        i++;
    sites[i % SITE_SLOTS] = lin + 1;
    nsites++;
    return true;
}
