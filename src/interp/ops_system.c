/* ops_system.c - the IOPL-sensitive flag instructions (PUSHF, POPF, CLI,
 * STI), HLT, software interrupts, cache control; registers the rest of
 * the system family (I/O, IRET, MOV CR/DR, MSRs, CPUID, SYSENTER). */
#include "interp/internal.h"
#include "interp/system_internal.h"

/* Flags a POPF can ever change on this CPU (AC and ID since the 486 and
 * Pentium); bits 1, 3, 5, 15 and 22-31 are fixed. */
#define POPF_FLAGS (F_ARITH | F_TF | F_IF | F_DF | F_IOPL | F_NT | F_AC | F_ID)

/* Without CR4.VME, V86 code with IOPL < 3 traps to the monitor on the
 * IOPL-sensitive instructions (SDM vol. 3, 20.2.7). */
static void sys__v86_iopl_check(struct cpu *cpu)
{
    if (cpu__v86(cpu) && cpu__iopl(cpu) < 3)
        cpu__raise_err(cpu, EXC_GP, 0);
}

/* 9C: PUSHF/PUSHFD; the image has VM and RF clear. */
static void op_pushf(struct cpu *cpu, struct insn *in)
{
    sys__v86_iopl_check(cpu);
    stack_push(cpu, in->opsize, cpu->eflags & ~(F_VM | F_RF));
}

/* 9D: POPF/POPFD (SDM vol. 2, POPF): IOPL changes at CPL 0 only, IF when
 * CPL <= IOPL; VM, VIF and VIP never change; RF is cleared. */
static void op_popf(struct cpu *cpu, struct insn *in)
{
    uint32_t ch = POPF_FLAGS;

    sys__v86_iopl_check(cpu);
    uint32_t v = stack_pop(cpu, in->opsize);
    if (cpu__v86(cpu))
        ch &= ~F_IOPL;
    else if (cpu__pmode(cpu)) {
        if (cpu->cpl > 0)
            ch &= ~F_IOPL;
        if (cpu->cpl > cpu__iopl(cpu))
            ch &= ~F_IF;
    }
    if (in->opsize == 2)
        ch &= 0xffff;
    cpu->eflags = ((cpu->eflags & ~ch) | (v & ch) | F_FIXED1) & ~F_RF;
}

/* CLI and STI: CPL <= IOPL in protected mode, IOPL = 3 in V86 mode. */
static void sys__if_check(struct cpu *cpu)
{
    if (cpu__pmode(cpu) && cpu->cpl > cpu__iopl(cpu))
        cpu__raise_err(cpu, EXC_GP, 0);
}

/* FA: CLI. */
static void op_cli(struct cpu *cpu, struct insn *in)
{
    sys__if_check(cpu);
    cpu->eflags &= ~F_IF;
}

/* FB: STI. Interrupts stay blocked until after the next instruction when
 * IF was clear. */
static void op_sti(struct cpu *cpu, struct insn *in)
{
    sys__if_check(cpu);
    if (!(cpu->eflags & F_IF))
        cpu->inhibit_irq = true;
    cpu->eflags |= F_IF;
}

/* F4: HLT. */
static void op_hlt(struct cpu *cpu, struct insn *in)
{
    sys__require_cpl0(cpu);
    cpu->halted = true;
}

/* A software interrupt, delivered at once by the instruction: a fault
 * during delivery reports the INT instruction itself. */
static void sys__soft_int(struct cpu *cpu, int vector, enum intr_kind kind)
{
    struct intr_event ev = {
        .vector = vector,
        .kind = kind,
        .return_eip = cpu->eip,
    };
    intr__deliver(cpu, &ev);
}

/* CC: INT3 (not IOPL-sensitive in V86 mode). */
static void op_int3(struct cpu *cpu, struct insn *in)
{
    sys__soft_int(cpu, EXC_BP, INTR_SOFT);
}

/* CD ib: INT n. */
static void op_int(struct cpu *cpu, struct insn *in)
{
    sys__v86_iopl_check(cpu);
    sys__soft_int(cpu, in->imm & 0xff, INTR_SOFT);
}

/* CE: INTO. */
static void op_into(struct cpu *cpu, struct insn *in)
{
    if (cpu->eflags & F_OF)
        sys__soft_int(cpu, EXC_OF, INTR_SOFT);
}

/* F1: INT1 / ICEBP: a #DB delivered like a hardware event (no gate DPL
 * check, EXT set). */
static void op_int1(struct cpu *cpu, struct insn *in)
{
    sys__soft_int(cpu, EXC_DB, INTR_ICEBP);
}

/* 0F 08 INVD, 0F 09 WBINVD: no caches to manage. */
static void op_invd(struct cpu *cpu, struct insn *in)
{
    sys__require_cpl0(cpu);
}

void ops_system__register(void)
{
    interp__set_op(0x9c, op_pushf);
    interp__set_op(0x9d, op_popf);
    interp__set_op(0xfa, op_cli);
    interp__set_op(0xfb, op_sti);
    interp__set_op(0xf4, op_hlt);
    interp__set_op(0xcc, op_int3);
    interp__set_op(0xcd, op_int);
    interp__set_op(0xce, op_into);
    interp__set_op(0xf1, op_int1);
    interp__set_op(OP_0F + 0x08, op_invd);
    interp__set_op(OP_0F + 0x09, op_invd);
    io__register();
    iret__register();
    ops_cr__register();
    msr__register();
    cpuid__register();
    sysenter__register();
}
