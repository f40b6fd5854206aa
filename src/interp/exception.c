/* exception.c - raising exceptions and delivering them (first version). */
#include "interp/internal.h"

_Noreturn void cpu__raise_err(struct cpu *cpu, int vector, uint32_t error)
{
    cpu->exc.vector = vector;
    cpu->exc.has_error = true;
    cpu->exc.error = error;
    cpu->exc.is_int = false;
    cpu->exc.next_eip = cpu->eip;
    longjmp(*cpu->exc_jmp, 1);
}

_Noreturn void cpu__raise(struct cpu *cpu, int vector)
{
    cpu->exc.vector = vector;
    cpu->exc.has_error = false;
    cpu->exc.error = 0;
    cpu->exc.is_int = false;
    cpu->exc.next_eip = cpu->eip;
    longjmp(*cpu->exc_jmp, 1);
}

_Noreturn void cpu__raise_pf(struct cpu *cpu, uint32_t lin, uint32_t error)
{
    cpu->cr2 = lin;
    cpu__raise_err(cpu, EXC_PF, error);
}

_Noreturn void cpu__raise_unimp(struct cpu *cpu, const struct insn *in)
{
    cpu__raise(cpu, EXC_UD);
}

void exc__deliver(struct cpu *cpu) { }
void intr__deliver_external(struct cpu *cpu, int vector) { }
void exc__debug_trap(struct cpu *cpu, uint32_t dr6_bits) { }
