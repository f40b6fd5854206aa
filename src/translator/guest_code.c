/* guest_code.c - reading guest code bytes through the interpreter's TLB,
 * for translation and for finding a translation's physical page. */
#include "translator/translator.h"

#include <setjmp.h>
#include <string.h>

#include "core/cpu.h"
#include "interp/internal.h"

/* The TLB entry of the page holding lin when it grants an instruction
 * fetch at the CPU's privilege from RAM; NULL otherwise (the interpreter's
 * next step walks the page tables and raises whatever the fetch raises). */
static const struct tlb_entry *code_entry(const struct cpu *cpu, uint32_t lin)
{
    const struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    unsigned need = cpu->cpl == 3 ? TLB_USER_R : TLB_SUP_R;
    if (e->lin_page == (lin & ~0xfffu) && (e->rights & need) && e->host)
        return e;
    return NULL;
}

static const uint8_t *code_page(const struct cpu *cpu, uint32_t lin)
{
    const struct tlb_entry *e = code_entry(cpu, lin);
    return e ? e->host : NULL;
}

/* The piece of [lin, lin+n) inside lin's page. */
static size_t in_page(uint32_t lin, size_t n)
{
    size_t room = 0x1000 - (lin & 0xfff);
    return n < room ? n : room;
}

bool guest_code__phys(const struct cpu *cpu, uint32_t lin, uint32_t *phys)
{
    const struct tlb_entry *e = code_entry(cpu, lin);
    if (e)
        *phys = e->phys_page;
    return e != NULL;
}

size_t guest_code__read(struct cpu *cpu, uint32_t lin, uint8_t *dst, size_t cap)
{
    size_t done = 0;
    while (done < cap) {
        const uint8_t *page = code_page(cpu, lin + (uint32_t)done);
        if (!page)
            break;
        size_t n = in_page(lin + (uint32_t)done, cap - done);
        memcpy(dst + done, page + ((lin + done) & 0xfff), n);
        done += n;
    }
    return done;
}

bool guest_code__fill(struct cpu *cpu)
{
    jmp_buf jb;
    jmp_buf *saved = cpu->exc_jmp;
    bool ok = false;

    cpu->exc_jmp = &jb;
    if (!setjmp(jb)) {
        code_fetch(cpu, cpu->eip, 1);
        ok = true;
    }
    cpu->exc_jmp = saved;
    return ok;
}

bool guest_code__global(const struct cpu *cpu, uint32_t lin)
{
    const struct tlb_entry *e = code_entry(cpu, lin);
    return e && (e->global & TLB_GLOBAL);
}
