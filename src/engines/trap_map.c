/* trap_map.c - mirror guest linear pages at the same host addresses (low 4 GiB)
 * for native execution, filled on demand from the guest's page tables. */
#define _GNU_SOURCE
#include "engines/trap.h"

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "core/machine.h"
#include "core/stats.h"
#include "interp/internal.h"
#include "interp/mem_fast.h"

/*
 * Each mirrored page is a MAP_SHARED mapping of the guest RAM memfd at the
 * guest-physical offset, at host address = guest linear address, with the
 * rights the guest's page tables give the current CPL: readable (and
 * executable) on a read or fetch, writable only once a write has set the
 * guest PTE's dirty bit. Everything is unmapped when the translation may
 * have changed (the engine calls trap_map__flush). Pages that are not RAM
 * (MMIO, the legacy hole, ROM) and linear page 0 (below the host's
 * vm.mmap_min_addr) are never mapped: their accesses are emulated.
 */

#define MAX_MAPPED 65536u /* beyond this many pages, flush and start again */

static uint32_t *mapped; /* linear page addresses mapped now */
static uint32_t nmapped;


int trap_map__init(char *buf, size_t len)
{
    if (!mapped && !(mapped = malloc(MAX_MAPPED * sizeof(*mapped))))
        return -ENOMEM;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) {
        snprintf(buf, len, "cannot read /proc/self/maps");
        return -errno;
    }
    uint64_t lo, hi;
    int err = 0;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "%" SCNx64 "-%" SCNx64, &lo, &hi) == 2 && lo < (1ull << 32)) {
            snprintf(buf, len,
                     "the host process already uses %#" PRIx64 "-%#" PRIx64
                     ", inside the 4 GiB the guest's linear space needs",
                     lo, hi);
            err = -EEXIST;
            break;
        }
    }
    fclose(f);
    return err;
}

void trap_map__flush(void)
{
    for (uint32_t i = 0; i < nmapped; i++)
        munmap((void *)(uintptr_t)mapped[i], 0x1000);
    nmapped = 0;
}

/* The guest's translation of lin for this access, or NULL when it would
 * fault (the interpreter then raises the guest's #PF). */
static const struct tlb_entry *translate(struct cpu *cpu, uint32_t lin, bool write)
{
    jmp_buf jb;
    jmp_buf *saved = cpu->exc_jmp;
    const struct tlb_entry *e = NULL;

    cpu->exc_jmp = &jb;
    if (setjmp(jb) == 0)
        e = mmu__translate(cpu, lin, write, cpu->cpl == 3);
    cpu->exc_jmp = saved;
    return e;
}

bool trap_map__fault(struct cpu *cpu, uint32_t lin, bool write)
{
    uint32_t page = lin & ~0xfffu;
    if (page == 0)
        return false;
    const struct tlb_entry *e = translate(cpu, lin, write);
    struct machine *m = cpu->m;
    if (!e || !e->host || e->host != m->ram.host + e->phys_page)
        return false;
    bool user = cpu->cpl == 3;
    int prot = PROT_READ | PROT_EXEC;
    if (e->rights & (user ? TLB_USER_W : TLB_SUP_W))
        prot |= PROT_WRITE;
    else if (write)
        return false;
    if (nmapped == MAX_MAPPED)
        trap_map__flush();
    void *want = (void *)(uintptr_t)page;
    munmap(want, 0x1000); /* a read-only mirror being made writable */
    void *p = mmap(want, 0x1000, prot, MAP_SHARED | MAP_FIXED_NOREPLACE, m->ram.fd,
                   (off_t)e->phys_page);
    if (p != want) {
        if (p != MAP_FAILED)
            munmap(p, 0x1000);
        return false;
    }
    mapped[nmapped++] = page;
    stats.trap_page_maps++;
    return true;
}
