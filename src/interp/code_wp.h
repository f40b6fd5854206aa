/* code_wp.h - write protection of cached code: the one mechanism that keeps
 * the interpreter's linear-address decode cache and the translator's code
 * cache consistent with guest memory (code_wp.c explains the design). */
#ifndef BT86_INTERP_CODE_WP_H
#define BT86_INTERP_CODE_WP_H

#include <stdbool.h>
#include <stdint.h>

struct cpu;

/* Move on (multiples of 4, never 0) as the TLB loses translations, for the
 * translator's cross-page chain links, which rely on their target's pages
 * mapping where they did: code_wp__gen at every TLB flush, INVLPG and
 * decode-cache flush; code_wp__gen_cr3 at a flush of the non-global
 * translations (a CR3 write), code_wp__gen_global at one of every
 * translation (a flush with global pages, a decode-cache flush, more
 * INVLPGs than code_wp__invlpg records). Between two looks, the pages
 * INVLPG took (code_wp__invlpg) are what else went. */
extern uint32_t code_wp__gen, code_wp__gen_cr3, code_wp__gen_global;

/* The linear addresses INVLPG was given since code_wp__invlpg_clear, and
 * whether a 4 MiB page may have mapped them (CR4.PSE: then their whole
 * 4 MiB region went). */
#define CODE_WP_INVLPG_MAX 32
struct code_wp_invlpg {
    uint32_t n;
    uint32_t lin[CODE_WP_INVLPG_MAX];
    bool region[CODE_WP_INVLPG_MAX];
};
extern struct code_wp_invlpg code_wp__invlpg;
void code_wp__invlpg_clear(void);

/* The generations of the first-level decode cache (decode_cache.h),
 * multiples of 8 and never 0: an entry made through a global translation
 * is valid while tagged with code_wp__l1_global, any other while tagged
 * with code_wp__l1_gen. Marks of cached code belong to code_wp__l1_global,
 * which moves on only when every entry goes. */
extern uint32_t code_wp__l1_gen, code_wp__l1_global;

/* Forget every instruction the interpreter cached and their marks (O(1));
 * translated code keeps its marks. */
void code_wp__flush(void);
/* The TLB was flushed: the cached instructions fetched through the
 * translations it forgot go (all, or all but those of global pages). */
void code_wp__tlb_flush(bool include_global);
/* INVLPG of lin: the cached instructions of its page go, and those of its
 * 4 MiB region when a large page may have mapped them (large: CR4.PSE). */
void code_wp__tlb_flush_page(uint32_t lin, bool large);
/* The first level cached an instruction at linear address lin, fetched
 * through a TLB entry of a 4 MiB page when large. */
void code_wp__note_l1(uint32_t lin, bool large);
/* Record that the decode cache holds an instruction at physical bytes
 * [phys, phys + len) of RAM (within one page); takes the fast-path write
 * rights away from the TLB entries that map the page. Returns false when
 * the bytes cannot be tracked (the caller must not cache them). */
bool code_wp__mark(struct cpu *cpu, uint32_t phys, uint32_t len);
/* The same for bytes a translated block was made from: the mark stays
 * until a write invalidates the page's translations (or
 * code_wp__forget_translated). */
bool code_wp__mark_translated(struct cpu *cpu, uint32_t phys, uint32_t len);
/* The translator's code cache was flushed: no page holds translated code. */
void code_wp__forget_translated(void);
/* Who forgets the translations of a physical page (page number) when it
 * is written: the translator registers it, NULL unregisters. */
void code_wp__on_invalidate(void (*fn)(void *opaque, uint32_t page), void *opaque);
/* Whether the physical page holds cached or translated code (its TLB
 * entries then get no fast-path write rights). */
bool code_wp__page_marked(uint32_t phys_page);
/* A TLB entry for the physical page now has fast-path write rights, so a
 * later mark of the page must take them away again. */
void code_wp__note_writable(uint32_t phys_page);
struct code_mark {
    uint64_t granules;   /* bit n: bytes 64n..64n+63 hold cached code */
    uint64_t translated; /* bit n: they hold bytes of a translated block */
    uint32_t gen;        /* the code_wp__l1_global `granules` belong to */
    bool tlb_writable;   /* some TLB entry may write the page inline (any
                          * generation): marking it must scan the TLB */
};
/* The marks of the physical pages below code_wp__pages (code_wp.c). */
extern struct code_mark *code_wp__marks;
extern uint32_t code_wp__pages;

/* Bits of the granules that [off, off + len) covers within a page. */
static inline uint64_t code_wp__granules(uint32_t off, uint32_t len)
{
    unsigned first = off >> 6, last = (off + len - 1) >> 6;
    return (~0ull >> (63 - last)) & (~0ull << first);
}

/* Out of line: the translations of the page are invalidated. */
void code_wp__invalidate(uint32_t page);

/* A write to physical RAM [phys, phys + len) (at most one page) that did
 * not go through a TLB fast path: flushes the decode cache when it touches
 * cached code and invalidates the page's translations when it touches
 * translated code. Every RAM writer but the inline paths calls it. */
static inline void code_wp__write(uint32_t phys, uint32_t len)
{
    uint32_t page = phys >> 12;
    if (page >= code_wp__pages)
        return;
    struct code_mark *k = &code_wp__marks[page];
    uint64_t g = code_wp__granules(phys & 0xfff, len);
    if (k->gen == code_wp__l1_global && (k->granules & g))
        code_wp__flush();
    if (k->translated & g)
        code_wp__invalidate(page);
}

/* RAM [phys, phys + len) of any length was written from outside the CPU
 * (a device's DMA, a loader or a test after the engine started). */
void code_wp__write_range(uint32_t phys, uint32_t len);

#endif
