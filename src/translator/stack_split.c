/* stack_split.c - stack runs that straddle a page where their code runs.
 *
 * A stack run (emit.c) checks one TLB entry for all its accesses from ESP,
 * so when ESP puts them across a page boundary its lookup misses every
 * time, and each miss is an exit and an interpreter step. Compiled code
 * whose frame sits across a page boundary runs so in a loop (the kernel's
 * decompressor did, 1.8 million times in a boot). A translation's misses
 * are counted by instruction; one that keeps missing after its page is in
 * the TLB (SPLIT_AFTER) goes into a set of places where the translator
 * gives each stack access its own lookup, and its page's blocks are
 * translated again. Other instructions that keep missing (MMIO, accesses
 * that cross pages) end up in the set too, once, which changes nothing
 * for them.
 */
#include "translator/stack_split.h"

#define MISS_SLOTS 1024u     /* miss counters, direct-mapped by address */
#define SPLIT_SLOTS 4096u    /* the set (open addressing; full: no more) */
#define SPLIT_AFTER 64u

static struct {
    uint32_t lin;
    uint32_t count;
} misses[MISS_SLOTS];
static uint32_t split[SPLIT_SLOTS]; /* lin + 1, 0 for an empty slot */
static uint32_t nsplit;

static uint32_t hash(uint32_t lin)
{
    return (lin * 2654435761u) >> 12;
}

bool stack_split__at(uint32_t lin)
{
    for (uint32_t i = hash(lin);; i++) {
        uint32_t v = split[i % SPLIT_SLOTS];
        if (v == lin + 1)
            return true;
        if (!v)
            return false;
    }
}

bool stack_split__note_miss(uint32_t lin)
{
    uint32_t m = hash(lin) % MISS_SLOTS;
    if (misses[m].lin != lin)
        misses[m].lin = lin, misses[m].count = 0;
    if (++misses[m].count != SPLIT_AFTER || nsplit >= SPLIT_SLOTS / 2 || stack_split__at(lin))
        return false;
    uint32_t i = hash(lin);
    while (split[i % SPLIT_SLOTS])
        i++;
    split[i % SPLIT_SLOTS] = lin + 1;
    nsplit++;
    return true;
}
