/* ops_string.c - string instructions MOVS CMPS STOS LODS SCAS with
 * REP/REPE/REPNE, restartable in bounded chunks. */
#include <string.h>

#include "core/machine.h"
#include "interp/internal.h"

/*
 * Source operands are seg:(E)SI with seg = DS or the override, the
 * destination is always ES:(E)DI; the address size picks SI/DI/CX or
 * ESI/EDI/ECX, EFLAGS.DF the direction (SDM vol. 2, MOVS/CMPS...).
 *
 * A repeated instruction commits ESI/EDI/ECX after every element, so a
 * fault in the middle reports the instruction's own EIP with the registers
 * describing the remaining work (SDM vol. 1, 7.3.9.1). After REP_CHUNK
 * elements, when an interrupt is pending, after one element under TF, or
 * after an element that hit a data breakpoint (SDM vol. 3, 17.3.1.2), the
 * handler leaves EIP at the instruction so that it resumes later.
 */
#define REP_CHUNK 4096

enum str_kind { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS };

/* One element of kind at size; returns false when REPE/REPNE must stop. */
static inline bool str_element(struct cpu *cpu, const struct insn *in,
                               enum str_kind kind, int size)
{
    int asz = in->addrsize;
    uint32_t si = reg_get(cpu, R_ESI, asz);
    uint32_t di = reg_get(cpu, R_EDI, asz);
    uint32_t step = (cpu->eflags & F_DF) ? -(uint32_t)size : (uint32_t)size;
    uint32_t a, b;

    switch (kind) {
    case STR_MOVS:
        a = vmem_read(cpu, in->seg, si, size);
        vmem_write(cpu, S_ES, di, size, a);
        reg_set(cpu, R_ESI, asz, si + step);
        reg_set(cpu, R_EDI, asz, di + step);
        return true;
    case STR_CMPS:
        a = vmem_read(cpu, in->seg, si, size);
        b = vmem_read(cpu, S_ES, di, size);
        alu__op(cpu, ALU_CMP, a, b, size);
        reg_set(cpu, R_ESI, asz, si + step);
        reg_set(cpu, R_EDI, asz, di + step);
        break;
    case STR_STOS:
        vmem_write(cpu, S_ES, di, size, reg_get(cpu, R_EAX, size));
        reg_set(cpu, R_EDI, asz, di + step);
        return true;
    case STR_LODS:
        a = vmem_read(cpu, in->seg, si, size);
        reg_set(cpu, R_EAX, size, a);
        reg_set(cpu, R_ESI, asz, si + step);
        return true;
    case STR_SCAS:
        b = vmem_read(cpu, S_ES, di, size);
        alu__op(cpu, ALU_CMP, reg_get(cpu, R_EAX, size), b, size);
        reg_set(cpu, R_EDI, asz, di + step);
        break;
    }
    /* CMPS/SCAS: REPE (F3) continues while ZF = 1, REPNE (F2) while 0. */
    bool zf = (cpu->eflags & F_ZF) != 0;
    return in->rep == 0xf3 ? zf : !zf;
}

/*
 * Fast path of forward REP MOVS/STOS over RAM: the elements that stay
 * inside one page of each operand are moved with host memory accesses,
 * one element after the other (so an overlapping MOVS gives what hardware
 * gives). It applies only where nothing could fault or be
 * observed: expand-up data segments whose limits cover the span, TLB
 * entries that already grant the access on RAM pages, no alignment check
 * armed for a misaligned operand, no breakpoint enabled.
 */

/* Host address of up to *n elements of size bytes at seg:off, clamping *n
 * to what the page, the segment limit and the address size allow; NULL
 * when the fast path does not apply. */
static uint8_t *bulk_span(struct cpu *cpu, int seg, uint32_t off, int size, int asz,
                          uint32_t *n, bool write)
{
    const struct seg_cache *c = &cpu->seg[seg];
    uint16_t type = DESC_P | DESC_S | (write ? DESC_W : 0);
    if ((c->attr & (DESC_P | DESC_S | DESC_CODE | DESC_E | type)) != type || off > c->limit)
        return NULL;
    uint32_t lin = c->base + off;
    bool user = cpu->cpl == 3;
    if (user && (cpu->cr0 & CR0_AM) && (cpu->eflags & F_AC) && (lin & (size - 1)))
        return NULL;
    const struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    unsigned need = (write ? TLB_SUP_W : TLB_SUP_R) << (user ? 2 : 0);
    if (e->lin_page != (lin & ~0xfffu) || !(e->perm & need) || !e->host)
        return NULL;
    uint64_t room = 0x1000 - (lin & 0xfff);
    uint64_t seg_room = (uint64_t)c->limit - off + 1;
    uint64_t addr_room = (asz == 2 ? 0x10000ull : 0x100000000ull) - off;
    room = room < seg_room ? room : seg_room;
    room = room < addr_room ? room : addr_room;
    if (room / size < *n)
        *n = (uint32_t)(room / size);
    return *n ? e->host + (lin & 0xfff) : NULL;
}

/* Elements of a REP MOVS/STOS done on the fast path (0: none), at most
 * max; ESI/EDI/ECX are updated. */
static uint32_t str_bulk(struct cpu *cpu, const struct insn *in, enum str_kind kind,
                         int size, uint32_t max)
{
    int asz = in->addrsize;
    if ((kind != STR_MOVS && kind != STR_STOS) || (cpu->eflags & F_DF) || (cpu->dr[7] & 0xff))
        return 0;
    uint32_t n = max;
    uint32_t di = reg_get(cpu, R_EDI, asz), si = reg_get(cpu, R_ESI, asz);
    uint8_t *dst = bulk_span(cpu, S_ES, di, size, asz, &n, true);
    const uint8_t *src = NULL;
    if (dst && kind == STR_MOVS)
        src = bulk_span(cpu, in->seg, si, size, asz, &n, false);
    if (!dst || (kind == STR_MOVS && !src))
        return 0;
    uint32_t bytes = n * size;
    if (kind == STR_STOS) {
        uint32_t v = reg_get(cpu, R_EAX, size);
        for (uint32_t i = 0; i < bytes; i += size)
            memcpy(dst + i, &v, size); /* the host is little-endian */
    } else {
        /* Element by element: with an overlap shorter than the element,
         * each load sees the stores before it, as on hardware. */
        for (uint32_t i = 0; i < bytes; i += size) {
            uint32_t v;
            memcpy(&v, src + i, size);
            memcpy(dst + i, &v, size);
        }
        reg_set(cpu, R_ESI, asz, si + bytes);
    }
    reg_set(cpu, R_EDI, asz, di + bytes);
    reg_set(cpu, R_ECX, asz, reg_get(cpu, R_ECX, asz) - n);
    return n;
}

static inline void str_exec(struct cpu *cpu, const struct insn *in, enum str_kind kind)
{
    int size = (in->op & 1) ? in->opsize : 1;

    if (!in->rep) {
        str_element(cpu, in, kind, size);
        return;
    }
    int asz = in->addrsize;
    uint32_t count = reg_get(cpu, R_ECX, asz);
    if (count == 0)
        return;
    uint32_t chunk = (cpu->eflags & F_TF) ? 1 : REP_CHUNK;
    for (;;) {
        uint32_t done = str_bulk(cpu, in, kind, size, count < chunk ? count : chunk);
        if (done) {
            count -= done;
            chunk -= done;
        } else {
            bool go_on = str_element(cpu, in, kind, size);
            reg_set(cpu, R_ECX, asz, --count);
            chunk--;
            if (!go_on)
                return;
        }
        if (count == 0)
            return;
        if (chunk == 0 || cpu->db_hits || (cpu->m->intr_line && (cpu->eflags & F_IF))) {
            cpu->eip = cpu->insn_eip; /* resume here */
            return;
        }
    }
}

#define STR_OP(name, kind) \
    static void op_##name(struct cpu *cpu, struct insn *in) { str_exec(cpu, in, kind); }
STR_OP(movs, STR_MOVS)
STR_OP(cmps, STR_CMPS)
STR_OP(stos, STR_STOS)
STR_OP(lods, STR_LODS)
STR_OP(scas, STR_SCAS)

void ops_string__register(void)
{
    static const struct { uint16_t op; op_fn fn; } ops[] = {
        { 0xa4, op_movs }, { 0xa6, op_cmps }, { 0xaa, op_stos },
        { 0xac, op_lods }, { 0xae, op_scas },
    };
    for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        interp__set_op(ops[i].op, ops[i].fn);     /* byte form */
        interp__set_op(ops[i].op + 1, ops[i].fn); /* word/dword form */
    }
}
