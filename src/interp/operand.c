/* operand.c - r/m operands, the stack (SS with its B attribute), near branches. */
#include "interp/mem_fast.h"

uint32_t op_rm_read(struct cpu *cpu, struct insn *in, int size)
{
    if (in->is_mem)
        return vmem_read(cpu, in->seg, in->ea, size);
    return reg_get(cpu, in->rm, size);
}

/* A read-modify-write operand: when the write certainly succeeds (also on
 * a page of cached code, which only the write itself must report), the
 * early write check is skipped and the operand read from the host. */
uint32_t op_rm_read_rmw(struct cpu *cpu, struct insn *in, int size)
{
    if (!in->is_mem)
        return reg_get(cpu, in->rm, size);
    uint8_t *p = mem__write_ptr(cpu, in->seg, in->ea, size, !(cpu->dr[7] & 0xff));
    if (likely(p))
        return host__load(p, size);
    vmem_check_write(cpu, in->seg, in->ea, size);
    return vmem_read(cpu, in->seg, in->ea, size);
}

void op_rm_write(struct cpu *cpu, struct insn *in, int size, uint32_t v)
{
    if (in->is_mem)
        vmem_write(cpu, in->seg, in->ea, size, v);
    else
        reg_set(cpu, in->rm, size, v);
}

/* The stack pointer's offset after adding delta: ESP, or SP wrapping in
 * 64 KiB when SS.B = 0 (SDM vol. 1, 6.2.3). */
static inline uint32_t stack_offset(const struct cpu *cpu, uint32_t delta)
{
    uint32_t esp = cpu->gpr[R_ESP] + delta;
    return cpu__stack32(cpu) ? esp : esp & 0xffff;
}

void stack_adjust(struct cpu *cpu, uint32_t delta)
{
    if (cpu__stack32(cpu))
        cpu->gpr[R_ESP] += delta;
    else
        reg_set(cpu, R_ESP, 2, cpu->gpr[R_ESP] + delta);
}

void stack_check_write(struct cpu *cpu, uint32_t off, int size)
{
    if (mem__write_ptr(cpu, S_SS, off, size, true))
        return;
    vmem_check_write(cpu, S_SS, off, size);
    if (cpu->cpl == 3 && (cpu->cr0 & CR0_AM) && (cpu->eflags & F_AC)
        && ((cpu->seg[S_SS].base + off) & (size - 1)))
        cpu__raise_err(cpu, EXC_AC, 0);
}

void stack_push(struct cpu *cpu, int size, uint32_t v)
{
    vmem_write(cpu, S_SS, stack_offset(cpu, -(uint32_t)size), size, v);
    stack_adjust(cpu, -(uint32_t)size);
}

uint32_t stack_pop(struct cpu *cpu, int size)
{
    uint32_t v = vmem_read(cpu, S_SS, stack_offset(cpu, 0), size);
    stack_adjust(cpu, size);
    return v;
}

uint32_t stack_peek(struct cpu *cpu, uint32_t offset, int size)
{
    return vmem_read(cpu, S_SS, stack_offset(cpu, offset), size);
}

void branch_near(struct cpu *cpu, uint32_t target)
{
    /* SDM vol. 2, JMP/CALL/RET: #GP(0) when the target is outside the CS
     * limit (code segments are never expand-down). */
    if (target > cpu->seg[S_CS].limit)
        cpu__raise_err(cpu, EXC_GP, 0);
    cpu->eip = target;
}
