/* window.c - guest pages mapped into two host windows (user and
 * supervisor accesses), filled on SIGSEGV, emptied like a TLB.
 *
 * Design
 * ------
 * Translated code copies an instruction's memory operand as it is, with
 * the host's GS segment and the 32-bit address size (translate.c): the
 * host computes the guest's linear address exactly as the guest does (the
 * 32-bit sum wraps) and adds GS's base, the start of a 4 GiB region
 * reserved with no access at all. No inline lookup runs: the host MMU
 * checks the access, and a compute loop runs at the speed of its copy.
 * There are two such windows, because a page a supervisor access may
 * reach a user access may not: code at CPL 3 runs with GS at the user
 * window, code at CPL 0-2 at the supervisor window (the engine selects
 * one at each entry into translated code; chained blocks and the inline
 * indirect-branch lookup never change CPL).
 *
 * Each window is a second TLB, kept by the host:
 * - A fault in it (SIGSEGV, from a copied instruction, at an address in
 *   the window) asks the interpreter's TLB for the page, with the
 *   window's privilege (mmu__lookup: the guest's page walk, A and D set as
 *   hardware sets them; without paging the page is its physical one).
 *   When the access is allowed and the page is ordinary RAM, the page of
 *   the RAM memfd is mapped there, read-only unless the TLB grants inline
 *   writes (writable, D set, no cached code on the page), and the
 *   instruction runs again. Otherwise the handler sends the block to the
 *   exit translate.c wrote for that instruction, which leaves before it
 *   with the guest's registers and flags as they were; the interpreter
 *   then runs it and gives the #PF, the MMIO access, the write to cached
 *   code or the page-crossing access exactly. (An instruction that keeps
 *   leaving so is translated again with an inline lookup: miss_sites.c.)
 * - The interpreter tells the windows whenever translations or rights go
 *   (interp__watch_tlb): a flush empties them (a CR3 write keeps global
 *   pages, as the TLB does: the kernel's), INVLPG takes out the page (and,
 *   with 4 MiB pages, its region), and a page that comes to hold cached
 *   code loses write access everywhere it is mapped.
 * The pages mapped are listed (for emptying and for taking write access
 * away), at most WINDOW_MAX per window: the next fill empties it first.
 */
#define _GNU_SOURCE
#include "translator/window.h"

#include <asm/prctl.h>
#include <signal.h>
#include <string.h>
#include <sys/auxv.h>
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
#define WINDOW_MAX 16384u                    /* pages mapped at once, per window (each one a host VMA at worst) */
#ifndef HWCAP2_FSGSBASE
#define HWCAP2_FSGSBASE 2u                   /* Linux's AT_HWCAP2 bit for user WRGSBASE */
#endif

struct window_page {
    uint32_t lin;        /* linear page number */
    uint32_t phys_page;  /* its physical page (address) */
    bool writable;
    bool global;         /* survives CR3 writes (a global PTE) */
};

struct window {
    bool user;
    bool active;
    uint8_t *base;                       /* the reservation (kept once made) */
    struct window_page page[WINDOW_MAX];
    uint32_t n;
    uint32_t lo, hi;                     /* linear page numbers mapped: min, max + 1 */
    uint16_t slot_of[1u << 20];          /* slot + 1 of each linear page mapped, 0: none */
};
_Static_assert(WINDOW_MAX < 0xffff, "slots fit slot_of");

static struct window win[2] = { { .user = false }, { .user = true } }; /* [user] */
static struct {
    struct machine *m;
    struct cache *cache;
    struct sigaction old;
    bool user_selected;
} w;

/* Back to no access: a fresh reservation over the range. */
static void unmap_range(struct window *v, uint32_t lin, uint32_t pages)
{
    mmap(v->base + ((uint64_t)lin << 12), (size_t)pages << 12, PROT_NONE,
         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

static void drop_slot(struct window *v, uint32_t i)
{
    struct window_page *p = &v->page[i];
    unmap_range(v, p->lin, 1);
    v->slot_of[p->lin] = 0;
    if (i != --v->n) {
        *p = v->page[v->n];
        v->slot_of[p->lin] = (uint16_t)(i + 1);
    }
}

static void window_empty(struct window *v, bool include_global)
{
    if (!v->n)
        return;
    stats.bt_window_flushes++;
    if (!include_global) {
        uint32_t global = 0;
        for (uint32_t i = 0; i < v->n; i++)
            global += v->page[i].global;
        if (global) {
            for (uint32_t i = v->n; i-- > 0;)
                if (!v->page[i].global)
                    drop_slot(v, i);
            return;
        }
    }
    for (uint32_t i = 0; i < v->n; i++)
        v->slot_of[v->page[i].lin] = 0;
    /* One call for the whole span: the host drops its mappings at once. */
    unmap_range(v, v->lo, v->hi - v->lo);
    v->n = 0;
}

static void watch_flush(void *opaque, bool include_global)
{
    (void)opaque;
    for (int u = 0; u < 2; u++)
        window_empty(&win[u], include_global);
}

static void watch_flush_page(void *opaque, uint32_t lin, bool large)
{
    (void)opaque;
    for (int u = 0; u < 2; u++) {
        struct window *v = &win[u];
        if (!large) {
            if (v->slot_of[lin >> 12])
                drop_slot(v, v->slot_of[lin >> 12] - 1u);
            continue;
        }
        for (uint32_t i = v->n; i-- > 0;)
            if (v->page[i].lin >> 10 == lin >> 22)
                drop_slot(v, i);
    }
}

static void watch_revoke_write(void *opaque, uint32_t phys_page)
{
    (void)opaque;
    for (int u = 0; u < 2; u++) {
        struct window *v = &win[u];
        for (uint32_t i = 0; i < v->n; i++) {
            struct window_page *p = &v->page[i];
            if (p->writable && p->phys_page == phys_page) {
                mprotect(v->base + ((uint64_t)p->lin << 12), 0x1000, PROT_READ);
                p->writable = false;
            }
        }
    }
}

static const struct tlb_watch watch = { watch_flush, watch_flush_page, watch_revoke_write, NULL };

/* Map the page of lin in v for an access (a write when write), as the
 * TLB grants it. False when the interpreter must run the access. */
static bool window_fill(struct window *v, uint32_t lin, bool write)
{
    struct machine *m = w.m;
    uint32_t fault;
    unsigned need = v->user ? (write ? TLB_USER_W : TLB_USER_R) : (write ? TLB_SUP_W : TLB_SUP_R);
    const struct tlb_entry *e = mmu__lookup(&m->cpu, lin, write, v->user, &fault);
    if (!e || !e->host || !(e->perm & need))
        return false;
    if (e->host < m->ram.host || e->host >= m->ram.host + m->ram.size)
        return false;
    uint32_t page = lin >> 12;
    if (!v->slot_of[page] && v->n == WINDOW_MAX)
        window_empty(v, true);
    bool writable = (e->perm & (v->user ? TLB_USER_W : TLB_SUP_W)) != 0;
    if (mmap(v->base + ((uint64_t)page << 12), 0x1000, PROT_READ | (writable ? PROT_WRITE : 0),
             MAP_SHARED | MAP_FIXED, m->ram.fd, e->host - m->ram.host) == MAP_FAILED)
        return false;
    if (!v->slot_of[page]) {
        if (!v->n)
            v->lo = v->hi = page;
        v->lo = page < v->lo ? page : v->lo;
        v->hi = page + 1 > v->hi ? page + 1 : v->hi;
        v->slot_of[page] = (uint16_t)(++v->n);
        uint64_t both = win[0].n + win[1].n;
        stats.bt_window_peak = both > stats.bt_window_peak ? both : stats.bt_window_peak;
    }
    v->page[v->slot_of[page] - 1u] = (struct window_page){ page, e->phys_page, writable,
                                                           (e->global & TLB_GLOBAL) != 0 };
    stats.bt_window_fills++;
    return true;
}

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    ucontext_t *uc = ctx;
    uint8_t *addr = si->si_addr;
    const uint8_t *rip = (const uint8_t *)uc->uc_mcontext.gregs[REG_RIP];
    for (int u = 0; u < 2; u++) {
        struct window *v = &win[u];
        if (!v->active || addr < v->base || addr >= v->base + WINDOW_BYTES)
            continue;
        const uint8_t *exit = cache__window_exit(w.cache, rip);
        if (!exit)
            break;
        uint64_t lin = (uint64_t)(addr - v->base);
        bool write = uc->uc_mcontext.gregs[REG_ERR] & 2; /* the page-fault error code's W */
        if (lin <= 0xffffffffu && window_fill(v, (uint32_t)lin, write))
            return; /* the instruction runs again */
        stats.bt_window_exits++;
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)exit;
        return;
    }
    /* Not the windows': as if it had never been caught (the fault comes
     * again, to the handler from before). */
    sigaction(SIGSEGV, &w.old, NULL);
}

static bool reserve(struct window *v)
{
    if (!v->base) {
        void *p = mmap(NULL, WINDOW_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            return false;
        v->base = p;
    }
    v->n = 0;
    return true;
}

static void set_gs_base(uint8_t *base)
{
    __asm__ volatile("wrgsbase %0" : : "r"(base) : "memory");
}

void window__start(struct machine *m, struct cache *c)
{
    struct window *user = &win[1], *sup = &win[0];
    if (user->active) /* started for another machine and not stopped: move over */
        window__stop();
    if (!reserve(user) || syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)user->base) != 0)
        return;
    struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER };
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &w.old) != 0)
        return;
    w.m = m;
    w.cache = c;
    w.user_selected = true;
    user->active = true;
    sup->active = (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE) && reserve(sup);
    interp__watch_tlb(&watch);
}

void window__stop(void)
{
    if (!win[1].active)
        return;
    interp__watch_tlb(NULL);
    for (int u = 0; u < 2; u++) {
        window_empty(&win[u], true);
        win[u].active = false;
    }
    sigaction(SIGSEGV, &w.old, NULL);
}

bool window__active(bool user)
{
    return win[user].active;
}

void window__select(bool user)
{
    if (user == w.user_selected || !win[0].active)
        return;
    w.user_selected = user;
    set_gs_base(win[user].base);
}
