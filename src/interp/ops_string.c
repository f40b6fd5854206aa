/* ops_string.c - string instructions MOVS CMPS STOS LODS SCAS with
 * REP/REPE/REPNE, restartable in bounded chunks. */
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
 * elements, when an interrupt is pending, or after one element under TF,
 * the handler leaves EIP at the instruction so that it resumes later.
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
    unsigned chunk = (cpu->eflags & F_TF) ? 1 : REP_CHUNK;
    for (;;) {
        bool go_on = str_element(cpu, in, kind, size);
        reg_set(cpu, R_ECX, asz, --count);
        if (!go_on || count == 0)
            return;
        if (--chunk == 0 || (cpu->m->intr_line && (cpu->eflags & F_IF))) {
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
