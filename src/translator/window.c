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
 * - User pages stay mapped across CR3 writes, in one user window per
 *   recent address space (USER_WINDOWS, by CR3, the least recently used
 *   emptied for a new one): a CR3 write that selects a window again walks
 *   the guest's tables for each of its pages (mmu__lookup, as a TLB may
 *   fill translations ahead of use) and keeps a page only where the walk
 *   gives the same frame with the rights it is mapped with (write access
 *   only while D is set), so the window holds exactly what a TLB filled
 *   at that CR3 write could. A context switch thus costs a walk per page
 *   the process had mapped instead of a host signal and an mmap per page
 *   it touches again. A reload of the same CR3 (a flush) walks the same
 *   way. A window with more than VALIDATE_MAX pages is emptied instead.
 * The pages mapped are listed (for emptying, walking and taking write
 * access away), at most `cap` per window: the next fill empties it first.
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
#define SUP_MAX 16384u                       /* pages mapped at once: the supervisor window */
#define USER_MAX 8192u                       /* a user window (a host VMA each at worst) */
#define USER_WINDOWS 4u                      /* address spaces kept mapped */
#define VALIDATE_MAX 1024u                   /* pages walked again at a CR3 write */
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
    uint32_t cap;                        /* pages mapped at most */
    bool tagged;                         /* a user window's pages belong to cr3 */
    uint32_t cr3;
    uint64_t used;                       /* when last selected (least recently used goes) */
    struct window_page page[SUP_MAX];
    uint32_t n;
    uint32_t lo, hi;                     /* linear page numbers mapped: min, max + 1 */
    uint16_t slot_of[1u << 20];          /* slot + 1 of each linear page mapped, 0: none */
};
_Static_assert(SUP_MAX < 0xffff && USER_MAX <= SUP_MAX, "slots fit slot_of and page");

/* [0] the supervisor window, then the user windows. */
static struct window win[1 + USER_WINDOWS];
static struct {
    struct machine *m;
    struct cache *cache;
    struct sigaction old;
    unsigned nuser;                      /* user windows in use (1 without WRGSBASE) */
    unsigned cur;                        /* the user window of the current CR3 */
    uint64_t tick;
    const uint8_t *gs;                   /* GS's base now */
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

static void make_read_only(struct window *v, struct window_page *p)
{
    mprotect(v->base + ((uint64_t)p->lin << 12), 0x1000, PROT_READ);
    p->writable = false;
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

/* The current user window's pages again under the tables of its CR3 (see
 * the design note): kept where the walk agrees, else taken out. */
static void window_validate(struct window *v)
{
    if (v->n > VALIDATE_MAX) {
        window_empty(v, true);
        return;
    }
    for (uint32_t i = v->n; i-- > 0;) {
        struct window_page *p = &v->page[i];
        uint32_t fault;
        const struct tlb_entry *e = mmu__lookup(&w.m->cpu, p->lin << 12, false, true, &fault);
        if (!e || !e->host || !(e->perm & TLB_USER_R) || e->phys_page != p->phys_page) {
            drop_slot(v, i);
            continue;
        }
        if (p->writable && !(e->perm & TLB_USER_W))
            make_read_only(v, p);
        stats.bt_window_kept++;
    }
}

/* A CR3 write: the user window of the new address space becomes current,
 * walked again, or the least recently used one is emptied for it. */
static void user_switch(uint32_t cr3)
{
    struct window *pick = NULL;
    for (unsigned i = 1; i <= w.nuser; i++)
        if (win[i].tagged && win[i].cr3 == cr3)
            pick = &win[i];
    if (pick) {
        window_validate(pick);
    } else {
        pick = &win[1];
        for (unsigned i = 1; i <= w.nuser; i++)
            if (!win[i].tagged || win[i].used < pick->used)
                pick = &win[i];
        window_empty(pick, true);
        pick->tagged = true;
        pick->cr3 = cr3;
    }
    pick->used = ++w.tick;
    w.cur = (unsigned)(pick - win);
}

static void watch_flush(void *opaque, bool include_global)
{
    (void)opaque;
    window_empty(&win[0], include_global);
    for (unsigned i = 1; include_global && i <= w.nuser; i++) {
        window_empty(&win[i], true);
        win[i].tagged = false;
    }
    user_switch(w.m->cpu.cr3);
}

/* INVLPG: the current address space's translation of lin (the other user
 * windows are walked again when selected). */
static void watch_flush_page(void *opaque, uint32_t lin, bool large)
{
    (void)opaque;
    struct window *now[2] = { &win[0], &win[w.cur] };
    for (int u = 0; u < 2; u++) {
        struct window *v = now[u];
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
    for (unsigned u = 0; u <= w.nuser; u++) {
        struct window *v = &win[u];
        for (uint32_t i = 0; i < v->n; i++) {
            struct window_page *p = &v->page[i];
            if (p->writable && p->phys_page == phys_page)
                make_read_only(v, p);
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
    if (!v->slot_of[page] && v->n == v->cap)
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
        uint64_t all = 0;
        for (unsigned u = 0; u <= w.nuser; u++)
            all += win[u].n;
        stats.bt_window_peak = all > stats.bt_window_peak ? all : stats.bt_window_peak;
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
    struct window *now[2] = { &win[0], &win[w.cur] };
    for (int u = 0; u < 2; u++) {
        struct window *v = now[u];
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

static bool reserve(struct window *v, bool user, uint32_t cap)
{
    if (!v->base) {
        void *p = mmap(NULL, WINDOW_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            return false;
        v->base = p;
    }
    v->user = user;
    v->cap = cap;
    v->n = 0;
    v->tagged = false;
    v->used = 0;
    return true;
}

static void set_gs_base(const uint8_t *base)
{
    if (base == w.gs)
        return;
    w.gs = base;
    __asm__ volatile("wrgsbase %0" : : "r"(base) : "memory");
}

void window__start(struct machine *m, struct cache *c)
{
    if (win[1].active) /* started for another machine and not stopped: move over */
        window__stop();
    bool fsgsbase = getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE;
    if (!reserve(&win[1], true, USER_MAX) || syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)win[1].base) != 0)
        return;
    w.gs = win[1].base;
    struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER };
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &w.old) != 0)
        return;
    w.m = m;
    w.cache = c;
    /* Without WRGSBASE one user window, GS's base set once. */
    w.nuser = 1;
    while (fsgsbase && w.nuser < USER_WINDOWS && reserve(&win[w.nuser + 1], true, USER_MAX))
        w.nuser++;
    for (unsigned i = 1; i <= w.nuser; i++)
        win[i].active = true;
    win[0].active = fsgsbase && reserve(&win[0], false, SUP_MAX);
    user_switch(m->cpu.cr3);
    interp__watch_tlb(&watch);
}

void window__stop(void)
{
    if (!win[1].active)
        return;
    interp__watch_tlb(NULL);
    for (unsigned u = 0; u <= w.nuser; u++) {
        window_empty(&win[u], true);
        win[u].active = false;
        win[u].tagged = false;
    }
    sigaction(SIGSEGV, &w.old, NULL);
}

bool window__active(bool user)
{
    return win[user].active;
}

void window__select(bool user)
{
    if (win[0].active)
        set_gs_base(user ? win[w.cur].base : win[0].base);
}
