/* operand.c - the out-of-line parts of operand access (internal.h has the
 * inline ones): read-modify-write and stack write checks. */
#include "interp/internal.h"

uint32_t op_rm_read_rmw_slow(struct cpu *cpu, struct insn *in, int size)
{
    vmem_check_write(cpu, in->seg, in->ea, size);
    return vmem_read(cpu, in->seg, in->ea, size);
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
