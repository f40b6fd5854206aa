/* code_wp.c - write protection of cached code: marks of the physical RAM
 * that holds decoded instructions or translated blocks, and their
 * invalidation when such RAM is written. */
#include "interp/code_wp.h"

#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "interp/decode_cache.h"
#include "interp/internal.h"
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
 * - an entry lives as long as the translation it was fetched through
 *   would in the TLB: a CR3 write (also a task switch's), a TLB flush
 *   that keeps global translations, starts a new generation for the
 *   entries of non-global pages only (code_wp__l1_gen), since those of
 *   global pages survive it (SDM vol. 3, 4.10.2.4); INVLPG drops the
 *   entries of its page (and of its 4 MiB region when a large page may
 *   have mapped them) and no others, after a per-page stamp told whether
 *   the cache holds any at all (most INVLPGs are of data pages); every
 *   other TLB flush (CR0, CR4 and debug-register writes, A20), a new
 *   machine (interp__init), and every entry from an engine whose guest
 *   writes code_wp does not see (the trap engine's native runs:
 *   interp__run, interp__exec_one) start a new generation for all entries
 *   (code_wp__l1_global too). Page-table edits without INVLPG may leave
 *   the old translation in use, as a hardware TLB may (SDM vol. 3,
 *   4.10.4.3);
 * - RAM that holds cached instructions is write-protected: each physical
 *   page carries a mark (64 bits, one per 64-byte granule holding a cached
 *   instruction, valid until every entry goes), and the TLB gives such pages
 *   no fast-path write rights (tlb_entry.perm). Every write to RAM that
 *   does not take an inline fast path comes here (code_wp__write): the
 *   slow memory path, which also serves REP MOVS/STOS and implicit
 *   accesses once the fast path is refused, the page walk's
 *   accessed/dirty updates, and the translator's stores to protected
 *   pages (translator/callout.c). A write into a marked granule flushes
 *   the cache, so the next instruction is decoded again from the new
 *   bytes: a store into the next instruction takes effect at once, as on
 *   a P6 (SDM vol. 3, 8.1.3).
 *
 * The translator (-accel bt) uses the same marks, of a second kind: the
 * granules its blocks were made from (`translated`). They do not belong
 * to a generation: a block is keyed by its linear address and its first
 * byte's physical page, so a TLB flush does not make it wrong; they stay
 * until a write touches one of them, which calls the translator's
 * invalidation hook for the whole page (code_wp__on_invalidate) and clears
 * them, or until the code cache is flushed. Because marks are physical,
 * a write through any linear alias of the page is seen.
 *
 * The translator also watches code_wp__gen, which moves on at every TLB
 * flush, INVLPG and decode-cache flush: cross-page chain links made under
 * one mapping do not survive its change. code_wp__gen_cr3 and
 * code_wp__gen_global and the list of INVLPG's pages say what changed:
 * links into global pages survive CR3 writes, and links into pages no
 * INVLPG named survive INVLPG.
 *
 * A flush is O(1) (the generation moves on) and cheap to recover from: a
 * first-level miss falls back to the second-level cache, indexed by the
 * host address and checked against the code bytes, which needs no
 * invalidation at all. Whatever writes guest RAM from outside the CPU
 * once an engine runs (a device's DMA, a test) must call code_wp__write
 * or code_wp__write_range; no device does today, and the loaders write
 * before the engine starts.
 */

uint32_t code_wp__gen = 4, code_wp__gen_cr3 = 4, code_wp__gen_global = 4;
struct code_wp_invlpg code_wp__invlpg;
uint32_t code_wp__l1_gen = 8, code_wp__l1_global = 8;

struct code_mark *code_wp__marks;
uint32_t code_wp__pages;

/* The code_wp__l1_global at the last fill of the first level at a linear
 * page, and through a 4 MiB page in a 4 MiB region (code_wp__note_l1). */
static uint32_t l1_page_stamp[1u << 20], l1_large_stamp[1u << 10];

static void gen_bump(uint32_t *g)
{
    *g += 4;
    if (*g == 0)
        *g = 4;
}

/* A flush of the non-global translations (cr3), of all (global), or
 * neither (an INVLPG, recorded by the caller). */
static void gen_next(bool cr3, bool global)
{
    gen_bump(&code_wp__gen);
    if (cr3)
        gen_bump(&code_wp__gen_cr3);
    if (global)
        gen_bump(&code_wp__gen_global);
}

void code_wp__invlpg_clear(void)
{
    code_wp__invlpg.n = 0;
}

/* A new first-level generation for the entries of non-global pages, and
 * with all for every entry. */
static void l1_next(bool all)
{
    static uint32_t last = 8;
    last += 8;
    if (last == 0) {
        /* Wrapped: old tags and stamps could look current again. */
        memset(decode__l1, 0, sizeof(decode__l1));
        memset(l1_page_stamp, 0, sizeof(l1_page_stamp));
        memset(l1_large_stamp, 0, sizeof(l1_large_stamp));
        for (uint32_t p = 0; p < code_wp__pages; p++)
            code_wp__marks[p].gen = 0;
        last = 8;
        all = true;
    }
    code_wp__l1_gen = last;
    if (all)
        code_wp__l1_global = last;
}

void code_wp__flush(void)
{
    gen_next(true, true);
    l1_next(true);
}

void code_wp__tlb_flush(bool include_global)
{
    gen_next(true, include_global);
    l1_next(include_global);
}

void code_wp__tlb_flush_page(uint32_t lin, bool large)
{
    struct code_wp_invlpg *v = &code_wp__invlpg;
    if (v->n < CODE_WP_INVLPG_MAX) {
        v->lin[v->n] = lin;
        v->region[v->n++] = large;
        gen_next(false, false);
    } else {
        gen_next(true, true); /* too many to tell apart: as a full flush */
    }
    bool page = l1_page_stamp[lin >> 12] == code_wp__l1_global;
    bool region = l1_large_stamp[lin >> 22] == code_wp__l1_global;
    if (!page && !region)
        return;
    /* A page's entries may sit in any slot (l1_slot). */
    for (uint32_t i = 0; i < L1_SIZE; i++) {
        uint32_t tagged = (uint32_t)decode__l1[i].tag;
        if (region ? (tagged ^ lin) >> 22 == 0 : (tagged ^ lin) >> 12 == 0)
            decode__l1[i].tag = 0;
    }
}

void code_wp__note_l1(uint32_t lin, bool large)
{
    l1_page_stamp[lin >> 12] = code_wp__l1_global;
    if (large)
        l1_large_stamp[lin >> 22] = code_wp__l1_global;
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

static bool marked(const struct code_mark *k)
{
    return (k->gen == code_wp__l1_global && k->granules) || k->translated;
}

/* The page of phys is about to be marked: it becomes protected, so no TLB
 * entry may write it inline. Entries filled while it was protected before
 * never could, so the TLB is scanned only after one was given write
 * rights: an engine that enters the interpreter for single instructions
 * then pays no scan per entry. NULL when the page is not tracked. */
static struct code_mark *protect(struct cpu *cpu, uint32_t phys)
{
    uint32_t page = phys >> 12;
    if (!marks_reserve(cpu->m->ram.size >> 12) || page >= code_wp__pages)
        return NULL;
    struct code_mark *k = &code_wp__marks[page];
    if (k->gen != code_wp__l1_global) {
        k->granules = 0;
        k->gen = code_wp__l1_global;
    }
    if (!marked(k) && k->tlb_writable) {
        k->tlb_writable = false;
        tlb__revoke_write(cpu, page << 12);
    }
    return k;
}

bool code_wp__mark(struct cpu *cpu, uint32_t phys, uint32_t len)
{
    struct code_mark *k = protect(cpu, phys);
    if (k)
        k->granules |= code_wp__granules(phys & 0xfff, len);
    return k != NULL;
}

bool code_wp__mark_translated(struct cpu *cpu, uint32_t phys, uint32_t len)
{
    struct code_mark *k = protect(cpu, phys);
    if (k)
        k->translated |= code_wp__granules(phys & 0xfff, len);
    return k != NULL;
}

void code_wp__forget_translated(void)
{
    for (uint32_t p = 0; p < code_wp__pages; p++)
        code_wp__marks[p].translated = 0;
}

static void (*invalidate_fn)(void *opaque, uint32_t page);
static void *invalidate_opaque;

void code_wp__on_invalidate(void (*fn)(void *opaque, uint32_t page), void *opaque)
{
    invalidate_fn = fn;
    invalidate_opaque = opaque;
}

void code_wp__invalidate(uint32_t page)
{
    code_wp__marks[page].translated = 0;
    if (invalidate_fn)
        invalidate_fn(invalidate_opaque, page);
}

void code_wp__write_range(uint32_t phys, uint32_t len)
{
    while (len) {
        uint32_t n = 0x1000 - (phys & 0xfff);
        if (n > len)
            n = len;
        code_wp__write(phys, n);
        phys += n;
        len -= n;
    }
}

void code_wp__note_writable(uint32_t phys_page)
{
    uint32_t page = phys_page >> 12;
    if (page < code_wp__pages)
        code_wp__marks[page].tlb_writable = true;
}

bool code_wp__page_marked(uint32_t phys_page)
{
    uint32_t page = phys_page >> 12;
    return page < code_wp__pages && marked(&code_wp__marks[page]);
}
