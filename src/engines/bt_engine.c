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
#include "interp/interp.h"
#include "translator/translator.h"

#define BT_CODE_CACHE_BYTES (32u << 20) /* QEMU's -tb-size default order */

struct bt_state {
    struct cache *cache;
    bt_enter_fn enter;
};

static int bt_engine__init(struct machine *m)
{
    interp__init();
    struct bt_state *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->cache = cache__create(BT_CODE_CACHE_BYTES, stubs__write, NULL);
    if (!s->cache) {
        int err = errno;
        free(s);
        return -err;
    }
    s->enter = (bt_enter_fn)(uintptr_t)cache__reserved(s->cache);
    m->engine_state = s;
    return 0;
}

static void bt_engine__destroy(struct machine *m)
{
    struct bt_state *s = m->engine_state;
    if (!s)
        return;
    cache__destroy(s->cache);
    free(s);
    m->engine_state = NULL;
}

/* Whether the next step needs the interpreter's careful path: a
 * deliverable interrupt or NMI, HLT, the interrupt shadow, TF/RF, enabled
 * breakpoints, or per-instruction logging. Blocks exit to this loop after
 * at most a few dozen instructions, so an interrupt raised by a device
 * (always between engine slices or in an interpreted I/O instruction) is
 * taken within one block. */
static bool bt__careful(const struct machine *m, const struct cpu *cpu)
{
    return cpu->halted || cpu->inhibit_irq || cpu->nmi_pending
        || (cpu->eflags & (F_TF | F_RF)) || (cpu->dr[7] & 0xff)
        || (m->intr_line && (cpu->eflags & F_IF))
        || log__on(LOG_cpu) || log__on(LOG_in_asm);
}

/* The data segments translated code may access inline: flat writable data
 * segments (base 0, limit 4 GiB) in protected mode, while alignment
 * checking is off (SDM vol. 3, 6.15 #AC); anything else goes to the
 * interpreter, which does every check. */
static uint8_t bt__flat(const struct cpu *cpu)
{
    const unsigned mask = DESC_P | DESC_S | DESC_CODE | DESC_E | DESC_W;
    if (!cpu__pmode(cpu) || cpu__v86(cpu)
        || (cpu->cpl == 3 && (cpu->cr0 & CR0_AM) && (cpu->eflags & F_AC)))
        return 0;
    uint8_t flat = 0;
    for (int s = S_ES; s <= S_GS; s++) {
        const struct seg_cache *c = &cpu->seg[s];
        /* The stack must also be 32-bit (SS.B) for PUSH/POP/CALL/RET. */
        if (c->base == 0 && c->limit == 0xffffffffu && (c->attr & mask) == (DESC_P | DESC_S | DESC_W)
            && (s != S_SS || (c->attr & DESC_DB)))
            flat |= (uint8_t)(1u << s);
    }
    return flat;
}

static struct block_key bt__key(const struct cpu *cpu)
{
    const struct seg_cache *cs = &cpu->seg[S_CS];
    bool code32 = cpu__code32(cpu) && cpu__pmode(cpu) && !cpu__v86(cpu);
    return (struct block_key){
        .flat = bt__flat(cpu),
        .lin = cs->base + cpu->eip,
        .cs_base = cs->base,
        .cs_limit = cs->limit,
        .mode = (uint8_t)((code32 ? BLOCK_MODE_CODE32 : 0) | cpu->cpl << BLOCK_MODE_CPL_SHIFT),
    };
}

/* The current translation of the code at CS:EIP, translating it when
 * there is none or its guest bytes changed; NULL when the code is not in
 * the TLB and fetching it faults (the interpreter's step raises it) or
 * it is not RAM. */
static struct block *bt__block(struct bt_state *s, struct cpu *cpu)
{
    struct block_key k = bt__key(cpu);
    if (!guest_code__mapped(cpu, k.lin) && (!guest_code__fill(cpu) || !guest_code__mapped(cpu, k.lin)))
        return NULL;
    struct block *b = cache__lookup(s->cache, &k);
    if (b && guest_code__same(cpu, k.lin, b->guest, b->nbytes))
        return b;
    if (b)
        stats.blocks_stale++;
    b = translator__block(s->cache, cpu, &k);
    if (!b) {
        cache__flush(s->cache);
        stats.cache_flushes++;
        b = translator__block(s->cache, cpu, &k);
    }
    stats.blocks_translated++;
    return b;
}

static uint64_t bt_engine__run(struct machine *m, uint64_t budget)
{
    struct bt_state *s = m->engine_state;
    struct cpu *cpu = &m->cpu;
    uint64_t start = cpu->icount, end = start + budget;

    while (cpu->icount < end && m->stop == STOP_NONE) {
        if (bt__careful(m, cpu)) {
            interp__run(m, 1);
            if (cpu->halted)
                break;
            continue;
        }
        struct block *b = bt__block(s, cpu);
        if (!b || b->ninsns == 0) {
            stats.insns_fallback += interp__run(m, 1);
            continue;
        }
        uint32_t done = s->enter(cpu, b->host);
        uint32_t n = done & ~BT_EXIT_MISS;
        cpu->icount += n;
        stats.insns_bt += n;
        /* A memory access the inline path could not do: the interpreter
         * runs that instruction (walks, faults, MMIO, page crossings). */
        if (done & BT_EXIT_MISS) {
            stats.bt_mem_misses++;
            stats.insns_fallback += interp__run(m, 1);
        }
    }
    return cpu->icount - start;
}

const struct engine bt_engine = {
    .name = "bt",
    .init = bt_engine__init,
    .run = bt_engine__run,
    .destroy = bt_engine__destroy,
};
