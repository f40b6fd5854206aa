/* user_window.c - guest user pages mapped into a host window, filled on
 * SIGSEGV, emptied like a TLB.
 *
 * Design
 * ------
 * Translated code at CPL 3 copies an instruction's memory operand as it
 * is, with the host's GS segment and the 32-bit address size (translate.c):
 * the host computes the guest's linear address exactly as the guest does
 * (the 32-bit sum wraps) and adds GS's base, the start of a 4 GiB region
 * reserved with no access at all. No inline lookup runs: the host MMU
 * checks the access, and a compute loop runs at the speed of its copy.
 *
 * The window is a second TLB, for user accesses only, kept by the host:
 * - A fault in it (SIGSEGV, from a copied instruction, at an address in
 *   the window) asks the interpreter's TLB for the page with user rights
 *   (mmu__lookup: the guest's page walk, A and D set as hardware sets
 *   them). When the access is allowed and the page is ordinary RAM, the
 *   page of the RAM memfd is mapped there, read-only unless the TLB grants
 *   inline writes (the PTE writable, D set, no cached code on the page),
 *   and the instruction runs again. Otherwise the handler sends the block
 *   to the exit translate.c wrote for that instruction, which leaves
 *   before it with the guest's registers and flags as they were; the
 *   interpreter then runs it and gives the #PF, the MMIO access, the
 *   write to cached code or the page-crossing access exactly.
 * - The interpreter tells the window whenever translations or rights go
 *   (interp__watch_tlb): a flush empties it, INVLPG takes out the page
 *   (and, with 4 MiB pages, its region), and a page that comes to hold
 *   cached code loses write access everywhere it is mapped.
 * Supervisor code never uses the window (a CPL 0 access may reach pages a
 * CPL 3 one may not); its translations keep the inline lookup, whose fill
 * costs a page walk where the window's costs a host signal and an mmap.
 *
 * The pages mapped are listed (for emptying and for taking write access
 * away), at most WINDOW_MAX of them: the next fill empties it first.
 */
#define _GNU_SOURCE
#include "translator/user_window.h"

#include <asm/prctl.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "cache/cache.h"
#include "core/cpu.h"
#include "core/machine.h"
#include "core/stats.h"
#include "interp/interp.h"

#define WINDOW_BYTES ((1ull << 32) + 0x1000) /* an access may end beyond 4 GiB */
#define WINDOW_MAX 8192u                     /* pages mapped at once */

struct window_page {
    uint32_t lin;        /* linear page number */
    uint32_t phys_page;  /* its physical page (address) */
    bool writable;
};

static struct {
    uint8_t *base;                       /* the reservation (kept once made) */
    struct machine *m;
    struct cache *cache;
    struct window_page page[WINDOW_MAX];
    uint32_t n;
    uint32_t lo, hi;                     /* linear page numbers mapped: min, max + 1 */
    struct sigaction old;
    bool active;
} w;

/* Slot + 1 in w.page of each linear page mapped, 0 for none. */
static uint16_t slot_of[1u << 20];
_Static_assert(WINDOW_MAX < 0xffff, "slots fit slot_of");

/* Back to no access: a fresh reservation over the range. */
static void unmap_range(uint32_t lin, uint32_t pages)
{
    mmap(w.base + ((uint64_t)lin << 12), (size_t)pages << 12, PROT_NONE,
         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

static void drop_slot(uint32_t i)
{
    struct window_page *p = &w.page[i];
    unmap_range(p->lin, 1);
    slot_of[p->lin] = 0;
    if (i != --w.n) {
        *p = w.page[w.n];
        slot_of[p->lin] = (uint16_t)(i + 1);
    }
}

static void window_flush(void *opaque)
{
    (void)opaque;
    if (!w.n)
        return;
    for (uint32_t i = 0; i < w.n; i++)
        slot_of[w.page[i].lin] = 0;
    /* One call for the whole span: the host drops its mappings at once. */
    unmap_range(w.lo, w.hi - w.lo);
    w.n = 0;
    stats.bt_window_flushes++;
}

static void window_flush_page(void *opaque, uint32_t lin, bool large)
{
    (void)opaque;
    if (!large) {
        if (slot_of[lin >> 12])
            drop_slot(slot_of[lin >> 12] - 1u);
        return;
    }
    for (uint32_t i = w.n; i-- > 0;)
        if (w.page[i].lin >> 10 == lin >> 22)
            drop_slot(i);
}

static void window_revoke_write(void *opaque, uint32_t phys_page)
{
    (void)opaque;
    for (uint32_t i = 0; i < w.n; i++) {
        struct window_page *p = &w.page[i];
        if (p->writable && p->phys_page == phys_page) {
            mprotect(w.base + ((uint64_t)p->lin << 12), 0x1000, PROT_READ);
            p->writable = false;
        }
    }
}

static const struct tlb_watch watch = { window_flush, window_flush_page, window_revoke_write, NULL };

/* Map the page of lin for a user access (a write when write), as the TLB
 * grants it. False when the interpreter must run the access. */
static bool window_fill(uint32_t lin, bool write)
{
    struct machine *m = w.m;
    uint32_t fault;
    const struct tlb_entry *e = mmu__lookup(&m->cpu, lin, write, true, &fault);
    if (!e || !e->host || !(e->perm & (write ? TLB_USER_W : TLB_USER_R)))
        return false;
    if (e->host < m->ram.host || e->host >= m->ram.host + m->ram.size)
        return false;
    uint32_t page = lin >> 12;
    if (!slot_of[page] && w.n == WINDOW_MAX)
        window_flush(NULL);
    bool writable = (e->perm & TLB_USER_W) != 0;
    if (mmap(w.base + ((uint64_t)page << 12), 0x1000, PROT_READ | (writable ? PROT_WRITE : 0),
             MAP_SHARED | MAP_FIXED, m->ram.fd, e->host - m->ram.host) == MAP_FAILED)
        return false;
    if (!slot_of[page]) {
        if (!w.n)
            w.lo = w.hi = page;
        w.lo = page < w.lo ? page : w.lo;
        w.hi = page + 1 > w.hi ? page + 1 : w.hi;
        slot_of[page] = (uint16_t)(++w.n);
        stats.bt_window_peak = w.n > stats.bt_window_peak ? w.n : stats.bt_window_peak;
    }
    w.page[slot_of[page] - 1u] = (struct window_page){ page, e->phys_page, writable };
    stats.bt_window_fills++;
    return true;
}

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    ucontext_t *uc = ctx;
    uint8_t *addr = si->si_addr;
    const uint8_t *rip = (const uint8_t *)uc->uc_mcontext.gregs[REG_RIP];
    if (w.active && addr >= w.base && addr < w.base + WINDOW_BYTES) {
        uint64_t lin = (uint64_t)(addr - w.base);
        bool write = uc->uc_mcontext.gregs[REG_ERR] & 2; /* the page-fault error code's W */
        const uint8_t *exit = cache__window_exit(w.cache, rip);
        if (exit) {
            if (lin <= 0xffffffffu && window_fill((uint32_t)lin, write))
                return; /* the instruction runs again */
            stats.bt_window_exits++;
            uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)exit;
            return;
        }
    }
    /* Not the window's: as if it had never been caught (the fault comes
     * again, to the handler from before). */
    sigaction(SIGSEGV, &w.old, NULL);
}

bool user_window__start(struct machine *m, struct cache *c)
{
    if (!w.base) {
        void *p = mmap(NULL, WINDOW_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            return false;
        w.base = p;
    }
    if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)w.base) != 0)
        return false;
    struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER };
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &w.old) != 0)
        return false;
    w.m = m;
    w.cache = c;
    w.n = 0;
    w.active = true;
    interp__watch_tlb(&watch);
    return true;
}

void user_window__stop(void)
{
    if (!w.active)
        return;
    interp__watch_tlb(NULL);
    window_flush(NULL);
    sigaction(SIGSEGV, &w.old, NULL);
    w.active = false;
}

bool user_window__active(void)
{
    return w.active;
}
