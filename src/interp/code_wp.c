/* code_wp.c - write protection of cached code: marks of the physical RAM
 * that holds decoded instructions, and the invalidation of the decode
 * cache when such RAM is written. */
#include "interp/code_wp.h"

#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "interp/decode_cache.h"
#include "interp/mem_fast.h"

/*
 * Design
 * ------
 * The dispatch loop finds an instruction by its linear address in the
 * first-level decode cache (decode_cache.h) with one tag compare, without
 * looking at the TLB or at the code bytes. That is exact because:
 *
 * - the tag holds the linear EIP, the default operand size, user or
 *   supervisor, and a generation; the CS limit is compared on each hit;
 * - anything that changes what a linear address maps to flushes the cache
 *   by starting a new generation: every TLB flush (CR0/CR3/CR4 writes,
 *   INVLPG, A20, task switches), a new machine (interp__init), and every
 *   entry from another engine (interp__run, interp__exec_one), so that RAM
 *   written from outside the CPU between runs (loaders, tests, a CLI that
 *   reloads) is never stale. Page-table edits without INVLPG may leave the
 *   old translation in use, as a hardware TLB may (SDM vol. 3, 4.10.4.3);
 * - RAM that holds cached instructions is write-protected: each physical
 *   page carries a mark (64 bits, one per 64-byte granule holding a cached
 *   instruction, valid for one generation), and the TLB gives such pages
 *   no fast-path write rights (tlb_entry.perm). Every write to RAM that
 *   does not take an inline fast path comes here (code_wp__write): the
 *   slow memory path, which also serves REP MOVS/STOS and implicit
 *   accesses once the fast path is refused, and the page walk's
 *   accessed/dirty updates. A write into a marked granule flushes the
 *   cache, so the next instruction is decoded again from the new bytes:
 *   a store into the next instruction takes effect at once, as on a P6
 *   (SDM vol. 3, 8.1.3).
 *
 * A flush is O(1) (the generation moves on) and cheap to recover from: a
 * first-level miss falls back to the second-level cache, indexed by the
 * host address and checked against the code bytes, which needs no
 * invalidation at all. Device models that write guest RAM while handling
 * an access (DMA) must call code_wp__write; none does today.
 */

uint32_t code_wp__gen = 4;

struct code_mark *code_wp__marks;
uint32_t code_wp__pages;

void code_wp__flush(void)
{
    code_wp__gen += 4;
    if (code_wp__gen != 0)
        return;
    /* The generation wrapped: old tags could look current again. */
    memset(decode__l1, 0, sizeof(decode__l1));
    if (code_wp__marks)
        memset(code_wp__marks, 0, (size_t)code_wp__pages * sizeof *code_wp__marks);
    code_wp__gen = 4;
}

static inline const struct code_mark *mark_of(uint32_t page)
{
    const struct code_mark *k = page < code_wp__pages ? &code_wp__marks[page] : NULL;
    return k && k->gen == code_wp__gen ? k : NULL;
}

/* Room for the marks of every page of this machine's RAM. */
static bool marks_reserve(uint32_t pages)
{
    if (pages <= code_wp__pages)
        return true;
    struct code_mark *n = realloc(code_wp__marks, (size_t)pages * sizeof *n);
    if (!n)
        return false;
    /* Pages not tracked until now may have writable TLB entries. */
    for (uint32_t p = code_wp__pages; p < pages; p++)
        n[p] = (struct code_mark){ .tlb_writable = true };
    code_wp__marks = n;
    code_wp__pages = pages;
    return true;
}

bool code_wp__mark(struct cpu *cpu, uint32_t phys, uint32_t len)
{
    uint32_t page = phys >> 12;
    if (!marks_reserve(cpu->m->ram.size >> 12) || page >= code_wp__pages)
        return false;
    struct code_mark *k = &code_wp__marks[page];
    if (k->gen != code_wp__gen) {
        k->granules = 0;
        k->gen = code_wp__gen;
    }
    if (!k->granules && k->tlb_writable) {
        /* The page becomes protected: no TLB entry may write it inline.
         * Entries filled while it was protected before never could, so
         * the scan is needed only after one was given write rights: an
         * engine that enters the interpreter for single instructions
         * (each entry starts a generation) then pays no scan per entry. */
        k->tlb_writable = false;
        for (int i = 0; i < TLB_SIZE; i++) {
            struct tlb_entry *e = &cpu->tlb[i];
            if (e->lin_page != TLB_INVALID && e->phys_page >> 12 == page)
                e->perm &= ~(TLB_SUP_W | TLB_USER_W);
        }
    }
    k->granules |= code_wp__granules(phys & 0xfff, len);
    return true;
}

void code_wp__note_writable(uint32_t phys_page)
{
    uint32_t page = phys_page >> 12;
    if (page < code_wp__pages)
        code_wp__marks[page].tlb_writable = true;
}

bool code_wp__page_marked(uint32_t phys_page)
{
    const struct code_mark *k = mark_of(phys_page >> 12);
    return k && k->granules;
}
