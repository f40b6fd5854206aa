/* mmu.c - 32-bit paging (SDM vol. 3, 4.3): page walk with 4 KiB and 4 MiB
 * pages, accessed/dirty bits, and the software TLB that caches the result. */
#include "interp/internal.h"

#include "interp/code_wp.h"
#include "interp/interp.h"

#include "core/machine.h"
#include "core/stats.h"

/* Paging-structure entry bits (SDM vol. 3, tables 4-4 to 4-6). */
#define PTE_P   0x001u
#define PTE_RW  0x002u
#define PTE_US  0x004u
#define PTE_A   0x020u
#define PTE_D   0x040u
#define PTE_PS  0x080u
#define PTE_G   0x100u
/* A 4 MiB PDE on a CPU without PSE-36 (MAXPHYADDR 32): bits 21:13 are
 * reserved and must be 0 (SDM vol. 3, table 4-4). */
#define PDE4M_RSVD 0x003fe000u

static inline uint32_t phys__a20(const struct cpu *cpu, uint32_t paddr)
{
    return cpu->a20 ? paddr : paddr & ~(1u << 20);
}

/* A paging entry outside RAM is a device's register: the run loop looks
 * again afterwards (interp__recheck), as after any MMIO access. */
static uint32_t pt__read(struct cpu *cpu, uint32_t paddr)
{
    interp__recheck = true;
    return phys__read(cpu->m, phys__a20(cpu, paddr), 4);
}

/* Set bits in a paging entry (a locked read-modify-write on hardware). A
 * page table may share a page with code: code_wp sees the write. */
static void pt__set_bits(struct cpu *cpu, uint32_t paddr, uint32_t entry, uint32_t bits)
{
    if ((entry & bits) != bits) {
        paddr = phys__a20(cpu, paddr);
        phys__write(cpu->m, paddr, entry | bits, 4);
        code_wp__write(paddr, 4);
    }
}

/* Whether the combined rights (RW, US of every level) allow the access.
 * Supervisor code may read anything and write read-only pages unless
 * CR0.WP (SDM vol. 3, 4.6.1); user code needs US, and RW for writes. */
static bool pt__allowed(const struct cpu *cpu, uint32_t rights, bool write, bool user)
{
    if (user)
        return (rights & PTE_US) && (!write || (rights & PTE_RW));
    return !write || (rights & PTE_RW) || !(cpu->cr0 & CR0_WP);
}

/* TLB permissions for a translation with these combined rights; writes are
 * granted only once the dirty bit is set, so the first write walks again. */
static uint8_t pt__tlb_perm(const struct cpu *cpu, uint32_t rights, bool dirty)
{
    uint8_t perm = TLB_SUP_R;
    if (dirty && pt__allowed(cpu, rights, true, false))
        perm |= TLB_SUP_W;
    if (rights & PTE_US) {
        perm |= TLB_USER_R;
        if (dirty && (rights & PTE_RW))
            perm |= TLB_USER_W;
    }
    return perm;
}

static _Noreturn void pt__fault(struct cpu *cpu, uint32_t lin, uint32_t bits, bool write, bool user)
{
    cpu__raise_pf(cpu, lin, bits | (write ? PF_W : 0) | (user ? PF_U : 0));
}

/* Walk the two-level table for lin. Fills *phys_page, *perm, *global, or
 * returns false with *fault = the P and RSVD bits of the #PF error code
 * the access gets. The accessed (and for writes the dirty) bits are set
 * only when the translation succeeds, as P6-family processors do. */
static bool pt__walk(struct cpu *cpu, uint32_t lin, bool write, bool user,
                     uint32_t *phys_page, uint8_t *perm, uint8_t *global, uint32_t *fault)
{
    uint32_t pde_addr = (cpu->cr3 & 0xfffff000u) | ((lin >> 22) << 2);
    uint32_t pde = pt__read(cpu, pde_addr);
    *fault = PF_P;
    if (!(pde & PTE_P)) {
        *fault = 0;
        return false;
    }

    if ((pde & PTE_PS) && (cpu->cr4 & CR4_PSE)) {
        if (pde & PDE4M_RSVD) {
            *fault = PF_P | PF_RSVD;
            return false;
        }
        if (!pt__allowed(cpu, pde, write, user))
            return false;
        pt__set_bits(cpu, pde_addr, pde, PTE_A | (write ? PTE_D : 0));
        *phys_page = (pde & 0xffc00000u) | (lin & 0x003ff000u);
        *perm = pt__tlb_perm(cpu, pde, write || (pde & PTE_D));
        *global = TLB_LARGE | ((pde & PTE_G) && (cpu->cr4 & CR4_PGE) ? TLB_GLOBAL : 0);
        return true;
    }

    uint32_t pte_addr = (pde & 0xfffff000u) | (((lin >> 12) & 0x3ff) << 2);
    uint32_t pte = pt__read(cpu, pte_addr);
    if (!(pte & PTE_P)) {
        *fault = 0;
        return false;
    }
    uint32_t rights = (pde & pte) | ~(PTE_RW | PTE_US);
    if (!pt__allowed(cpu, rights, write, user))
        return false;
    pt__set_bits(cpu, pde_addr, pde, PTE_A);
    pt__set_bits(cpu, pte_addr, pte, PTE_A | (write ? PTE_D : 0));
    *phys_page = pte & 0xfffff000u;
    *perm = pt__tlb_perm(cpu, rights, write || (pte & PTE_D));
    *global = (pte & PTE_G) && (cpu->cr4 & CR4_PGE) ? TLB_GLOBAL : 0;
    return true;
}

/* The rights the inline fast paths may use: none for MMIO (host NULL) or
 * a page under a data breakpoint (so that the slow path reports the
 * access), no writes to a page holding cached code (code_wp.c). */
static uint8_t tlb__fast_perm(const struct cpu *cpu, const struct tlb_entry *e)
{
    if (!e->host || (unlikely(cpu->dr[7] & 0xff) && bp__data_page(cpu, e->lin_page)))
        return 0;
    if (code_wp__page_marked(e->phys_page))
        return e->rights & (TLB_SUP_R | TLB_USER_R);
    if (e->rights & (TLB_SUP_W | TLB_USER_W))
        code_wp__note_writable(e->phys_page);
    return e->rights;
}

const struct tlb_entry *mmu__lookup(struct cpu *cpu, uint32_t lin, bool write, bool user, uint32_t *fault)
{
    struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    uint32_t page = lin & ~0xfffu;
    unsigned need = tlb__perm(user, write);

    if (e->lin_page == page && (e->rights & need)) {
        /* A slow write: the page may have lost its code since its write
         * rights were withheld. */
        if (write && !(e->perm & need)) {
            e->perm = tlb__fast_perm(cpu, e);
            tlb_entry__sync(e);
        }
        return e;
    }

    uint32_t phys_page = page;
    uint8_t perm = TLB_SUP_R | TLB_SUP_W | TLB_USER_R | TLB_USER_W;
    uint8_t global = 0;
    if (cpu->cr0 & CR0_PG) {
        if (!pt__walk(cpu, lin, write, user, &phys_page, &perm, &global, fault))
            return NULL;
        stats.pf_hidden++; /* a TLB fill the guest never sees */
    }

    phys_page = phys__a20(cpu, phys_page);
    e->lin_page = page;
    e->phys_page = phys_page;
    e->host = phys__host(cpu->m, phys_page, 0x1000);
    e->rights = perm;
    e->perm = tlb__fast_perm(cpu, e);
    e->global = global;
    tlb_entry__sync(e);
    return e;
}

const struct tlb_entry *mmu__translate(struct cpu *cpu, uint32_t lin, bool write, bool user)
{
    uint32_t fault;
    const struct tlb_entry *e = mmu__lookup(cpu, lin, write, user, &fault);
    if (!e)
        pt__fault(cpu, lin, fault, write, user);
    return e;
}

/* Who keeps a copy of the TLB's translations outside it (the translator's
 * memory windows), told when translations or rights go. */
static const struct tlb_watch *watch;

void interp__watch_tlb(const struct tlb_watch *w)
{
    watch = w;
}

/* The decode cache's first level trusts the TLB's translations: what it
 * fetched through the forgotten ones goes with them (code_wp.c). */
void tlb__flush(struct cpu *cpu, bool include_global)
{
    stats.tlb_flushes++;
    code_wp__tlb_flush(include_global);
    for (int i = 0; i < TLB_SIZE; i++) {
        struct tlb_entry *e = &cpu->tlb[i];
        if (include_global || !(e->global & TLB_GLOBAL)) {
            e->lin_page = TLB_INVALID;
            tlb_entry__sync(e);
        }
    }
    /* After the TLB: a watcher may walk the new tables through it. */
    if (watch)
        watch->flush(watch->opaque, include_global);
}

void tlb__flush_page(struct cpu *cpu, uint32_t lin)
{
    code_wp__tlb_flush_page(lin, (cpu->cr4 & CR4_PSE) != 0);
    if (watch)
        watch->flush_page(watch->opaque, lin, (cpu->cr4 & CR4_PSE) != 0);
    struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    if (e->lin_page == (lin & ~0xfffu)) {
        e->lin_page = TLB_INVALID;
        tlb_entry__sync(e);
    }
    if (!(cpu->cr4 & CR4_PSE))
        return;
    /* A 4 MiB page is one TLB entry on hardware: INVLPG of any address in
     * it forgets all of it. Its 1024 pieces may sit in any slot. */
    for (int i = 0; i < TLB_SIZE; i++) {
        e = &cpu->tlb[i];
        if ((e->global & TLB_LARGE) && (e->lin_page >> 22) == (lin >> 22)) {
            e->lin_page = TLB_INVALID;
            tlb_entry__sync(e);
        }
    }
}

void tlb__revoke_write(struct cpu *cpu, uint32_t phys_page)
{
    for (int i = 0; i < TLB_SIZE; i++) {
        struct tlb_entry *e = &cpu->tlb[i];
        if (e->lin_page != TLB_INVALID && e->phys_page == phys_page) {
            e->perm &= ~(TLB_SUP_W | TLB_USER_W);
            tlb_entry__sync(e);
        }
    }
    if (watch)
        watch->revoke_write(watch->opaque, phys_page);
}
