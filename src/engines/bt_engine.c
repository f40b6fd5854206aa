/* bt_engine.c - the binary translator as an execution engine (-accel bt):
 * the loop of lookup, translate, enter, with the interpreter for every
 * step that needs care and every instruction the translator refuses. */
#include <errno.h>
#include <stdlib.h>

#include "cache/cache.h"
#include "core/engine.h"
#include "core/log.h"
#include "core/machine.h"
#include "core/stats.h"
#include "interp/code_wp.h"
#include "interp/interp.h"
#include "translator/block_log.h"
#include "translator/refusals.h"
#include "translator/miss_sites.h"
#include "translator/translator.h"
#include "translator/window.h"

#define BT_CODE_CACHE_BYTES (32u << 20) /* QEMU's -tb-size default order */

struct bt_state {
    struct cache *cache;
    bt_enter_fn enter;
    uint64_t chain;   /* the exit word of the last exit when chainable */
    uint32_t gen;     /* code_wp__gen at the last entry */
    uint32_t gen_cr3, gen_global; /* and code_wp__gen_cr3, code_wp__gen_global */
    /* Per CPL, the segments some block accessed through a base (or would
     * have, had its key said so: struct block's seg_want). Only those
     * segments' based bits enter the key, so that a segment no code at
     * that CPL uses through a base (Linux's user GS, TLS or null, under
     * the kernel) does not split its blocks into two translations. */
    uint8_t seg_want[4];
};

/* A write touched translated code on the physical page (code_wp). */
static void bt__invalidate(void *opaque, uint32_t page)
{
    struct bt_state *s = opaque;
    stats.blocks_invalidated += cache__invalidate_page(s->cache, page);
}

static int bt_engine__init(struct machine *m)
{
    interp__init();
    struct bt_state *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->cache = cache__create(m->tb_size ? m->tb_size : BT_CODE_CACHE_BYTES, stubs__write, NULL);
    if (!s->cache) {
        int err = errno;
        free(s);
        return -err;
    }
    s->enter = (bt_enter_fn)(uintptr_t)cache__reserved(s->cache);
    block_log__name(cache__reserved(s->cache), "entry stub");
    block_log__name(cache__reserved(s->cache) + STUB_EXIT_OFFSET, "exit stub");
    block_log__name(cache__reserved(s->cache) + STUB_WP_OFFSET, "protected store callout");
    block_log__name(cache__reserved(s->cache) + STUB_SYS_OFFSET, "sensitive-instruction callout");
    code_wp__on_invalidate(bt__invalidate, s);
    /* Where the host refuses a window, code at that privilege takes the
     * inline lookups. */
    window__start(m, s->cache);
    m->engine_state = s;
    return 0;
}

static void bt_engine__destroy(struct machine *m)
{
    struct bt_state *s = m->engine_state;
    if (!s)
        return;
    window__stop();
    code_wp__on_invalidate(NULL, NULL);
    code_wp__forget_translated();
    cache__destroy(s->cache);
    free(s);
    m->engine_state = NULL;
}

/* Whether the next step needs the interpreter's careful path: a
 * deliverable interrupt or NMI, HLT, the interrupt shadow, TF/RF, enabled
 * breakpoints, or -d cpu (-d in_asm lists blocks as they are translated,
 * translator/block_log.c). Blocks exit to this loop after
 * at most a few dozen instructions, so an interrupt raised by a device
 * (always between engine slices or in an interpreted I/O instruction) is
 * taken within one block. */
static bool bt__careful(const struct machine *m, const struct cpu *cpu)
{
    return cpu->halted || cpu->inhibit_irq || cpu->nmi_pending
        || (cpu->eflags & (F_TF | F_RF)) || (cpu->dr[7] & 0xff)
        || (m->intr_line && (cpu->eflags & F_IF))
        || log__on(LOG_cpu);
}

/* The data segments translated code may access inline, in protected mode
 * while alignment checking is off (SDM vol. 3, 6.15 #AC): expand-up
 * writable data segments with a 4 GiB limit, whose only checks are then
 * the linear address's 32-bit wrap and an access's end beyond offset
 * 0xffffffff (SDM vol. 3, 3.4.3 and 5.3; translate.c). flat gets
 * those with base 0 (SS only when 32-bit, for PUSH/POP/CALL/RET), based
 * those of ES, DS, FS, GS with another base, which translated code adds
 * from cpu->seg[s].base at each access; anything else goes to the
 * interpreter, which does every check. */
static void bt__segs(const struct cpu *cpu, uint8_t *flat, uint8_t *based)
{
    const unsigned mask = DESC_P | DESC_S | DESC_CODE | DESC_E | DESC_W;
    *flat = *based = 0;
    if (!cpu__pmode(cpu) || cpu__v86(cpu)
        || (cpu->cpl == 3 && (cpu->cr0 & CR0_AM) && (cpu->eflags & F_AC)))
        return;
    for (int s = S_ES; s <= S_GS; s++) {
        const struct seg_cache *c = &cpu->seg[s];
        if (c->limit != 0xffffffffu || (c->attr & mask) != (DESC_P | DESC_S | DESC_W))
            continue;
        if (c->base == 0 && (s != S_SS || (c->attr & DESC_DB)))
            *flat |= (uint8_t)(1u << s);
        else if (c->base != 0 && s != S_SS)
            *based |= (uint8_t)(1u << s);
    }
}

static struct block_key bt__key(const struct bt_state *s, const struct cpu *cpu)
{
    const struct seg_cache *cs = &cpu->seg[S_CS];
    bool code32 = cpu__code32(cpu) && cpu__pmode(cpu) && !cpu__v86(cpu);
    struct block_key k = {
        .lin = cs->base + cpu->eip,
        .cs_base = cs->base,
        .cs_limit = cs->limit,
        .mode = (uint8_t)((code32 ? BLOCK_MODE_CODE32 : 0) | cpu->cpl << BLOCK_MODE_CPL_SHIFT),
    };
    bt__segs(cpu, &k.flat, &k.based);
    k.based &= s->seg_want[cpu->cpl & 3];
    return k;
}

/* The current translation of the code at CS:EIP, translating it when
 * there is none; NULL when the code is not in the TLB and fetching it
 * faults (the interpreter's step raises it) or it is not RAM. Blocks are
 * kept coherent with guest memory by write protection (code_wp), and
 * keyed by the physical page the TLB maps their first byte to now; one
 * whose last instruction reaches into the next page is used only while
 * the TLB maps that page where it did. */
static struct block *bt__block(struct bt_state *s, struct cpu *cpu)
{
    struct block_key k = bt__key(s, cpu);
    if (!guest_code__phys(cpu, k.lin, &k.phys)
        && (!guest_code__fill(cpu) || !guest_code__phys(cpu, k.lin, &k.phys)))
        return NULL;
    struct block *b = cache__lookup(s->cache, &k);
    uint32_t phys2;
    if (b && (!b->nbytes2 || (guest_code__phys(cpu, (k.lin & ~0xfffu) + 0x1000, &phys2) && phys2 == b->phys2)))
        return b;
    b = translator__block(s->cache, cpu, &k);
    if (!b) {
        cache__flush(s->cache);
        code_wp__forget_translated();
        stats.cache_flushes++;
        s->chain = 0; /* its block is gone */
        b = translator__block(s->cache, cpu, &k);
    }
    stats.blocks_translated++;
    s->seg_want[cpu->cpl & 3] |= b->seg_want; /* keyed on from the next lookup */
    return b;
}

/* The last exit was a chainable direct branch (s->chain) and b is its
 * target: let that exit jump to b from now on. */
static void bt__chain(struct bt_state *s, const struct cpu *cpu, struct block *b)
{
    struct block *from = (struct block *)(uintptr_t)(s->chain & ~(uint64_t)7);
    /* Through global translations only (the kernel's code): the link
     * survives CR3 writes. */
    bool global = guest_code__global(cpu, b->key.lin)
        && (!b->nbytes2 || guest_code__global(cpu, (b->key.lin & ~0xfffu) + 0x1000));
    enum chain_kind kind = cache__chain(s->cache, from, (s->chain >> 2) & 1, b, global);
    stats.bt_chains += kind != CHAIN_NONE;
    stats.bt_chains_cross += kind == CHAIN_CROSS;
    s->chain = 0;
}

static uint64_t bt_engine__run(struct machine *m, uint64_t budget)
{
    struct bt_state *s = m->engine_state;
    struct cpu *cpu = &m->cpu;
    uint64_t start = cpu->icount, end = start + budget;

    s->chain = 0;
    while (cpu->icount < end && m->stop == STOP_NONE) {
        if (bt__careful(m, cpu)) {
            s->chain = 0; /* EIP may change: no longer the exit's target */
            interp__engine_run(m, 1);
            if (cpu->halted)
                break;
            continue;
        }
        struct block *b = bt__block(s, cpu);
        uint64_t left = end - cpu->icount;
        if (!b || b->ninsns == 0) {
            refusals__note(b);
            s->chain = 0;
            stats.insns_fallback += interp__engine_run(m, 1);
            continue;
        }
        if (b->ninsns > left) { /* the budget ends inside the block */
            s->chain = 0;
            stats.insns_fallback += interp__engine_run(m, left);
            continue;
        }
        /* A new generation: the TLB may have been flushed, so links
         * made under the old mappings to other pages go (cache.c). */
        if (code_wp__gen != s->gen) {
            struct tlb_loss loss = { code_wp__gen_global != s->gen_global, code_wp__gen_cr3 != s->gen_cr3,
                                     code_wp__invlpg.n, code_wp__invlpg.lin, code_wp__invlpg.region };
            stats.bt_unchained_flush += cache__unchain_cross(s->cache, &loss);
            code_wp__invlpg_clear();
            s->gen = code_wp__gen;
            s->gen_cr3 = code_wp__gen_cr3;
            s->gen_global = code_wp__gen_global;
        }
        if (s->chain)
            bt__chain(s, cpu, b);
        /* Indirect branches to b may now find it inline. */
        cache__ibl_fill(s->cache, b);
        window__select(cpu->cpl == 3);
        struct bt_exit x = s->enter(cpu, b->host, left);
        cpu->icount += left - x.left;
        stats.insns_bt += left - x.left;
        stats.bt_entries++;
        s->chain = x.word & BT_EXIT_CHAIN ? x.word : 0;
        stats.bt_ibl_misses += x.word == BT_EXIT_INDIRECT;
        /* A memory access the inline path could not do: the interpreter
         * runs that instruction (walks, faults, MMIO, page crossings). */
        if (x.word == BT_EXIT_MISS) {
            uint64_t mmio = stats.mmio_accesses;
            uint32_t lin = cpu->seg[S_CS].base + cpu->eip, phys;
            stats.bt_mem_misses++;
            if (miss_sites__note(lin) && guest_code__phys(cpu, lin, &phys)) {
                stats.bt_miss_sites++;
                stats.blocks_invalidated += cache__invalidate_page(s->cache, phys >> 12);
            }
            stats.insns_fallback += interp__engine_run(m, 1);
            stats.bt_mmio_faults += stats.mmio_accesses != mmio;
        }
    }
    return cpu->icount - start;
}

const struct engine bt_engine = {
    .name = "bt",
    .init = bt_engine__init,
    .run = bt_engine__run,
    .destroy = bt_engine__destroy,
    .print_stats = refusals__print_stats,
};
