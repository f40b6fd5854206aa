/* callout.c - the C that translated code calls: stores to pages whose TLB
 * entries withhold fast-path writes (write-protected code, MMIO). */
#include "translator/translator.h"

#include "core/cpu.h"
#include "core/machine.h"
#include "core/stats.h"
#include "interp/code_wp.h"
#include "interp/mem_fast.h"

/* Whether physical [phys, phys + len) overlaps the block's guest bytes on
 * either of its pages. */
static bool hits_block(const struct block *b, uint32_t phys, uint32_t len)
{
    uint32_t first = b->key.phys | (b->key.lin & 0xfff);
    uint32_t n1 = (uint32_t)(b->nbytes - b->nbytes2);
    return phys - first < n1 || first - phys < len
        || (b->nbytes2 && (phys - b->phys2 < b->nbytes2 || b->phys2 - phys < len));
}

uint8_t *callout__wp_store(struct cpu *cpu, uint32_t lin, uintptr_t store)
{
    const struct block *running = (const struct block *)(store & ~(uintptr_t)7);
    uint32_t size = (uint32_t)(store & 7) + 1;
    /* The inline path found lin's page in the TLB, the whole access inside
     * it; the guest's PTEs may not allow the write (yet: the dirty bit),
     * and the page may be MMIO. The interpreter does those. */
    const struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    if (!e->host || !(e->rights & tlb__perm(cpu->cpl == 3, true)))
        return NULL;
    stats.bt_wp_stores++;
    uint32_t phys = e->phys_page | (lin & 0xfff);
    code_wp__write(phys, size);
    if (hits_block(running, phys, size))
        return NULL;
    /* The page may have lost its last code: give the fast path its write
     * right back (a TLB hit: no walk, no fault). */
    mmu__translate(cpu, lin, true, cpu->cpl == 3);
    return e->host + (lin & 0xfff);
}
