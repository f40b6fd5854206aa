/* ops_control.c - near control flow: Jcc, JMP/CALL/RET near, LOOP/JCXZ,
 * and the groups FE (INC/DEC byte) and FF (INC/DEC, CALL/JMP near and far
 * indirect, PUSH). */
#include "interp/internal.h"

/* Branch target next_eip + rel, truncated to 16 bits with a 16-bit
 * operand size (SDM vol. 2, Jcc/JMP: "IF OperandSize = 16 THEN EIP <-
 * EIP AND 0000FFFFH"). */
static inline uint32_t rel_target(const struct insn *in, uint32_t rel)
{
    return (in->next_eip + rel) & size_mask(in->opsize);
}

static inline uint32_t rel8(const struct insn *in)
{
    return (uint32_t)(int32_t)(int8_t)in->imm;
}

static void op_jcc8(struct cpu *cpu, struct insn *in) /* 70-7F */
{
    if (cond__eval(cpu, in->op & 15))
        branch_near(cpu, rel_target(in, rel8(in)));
}

static void op_jcc(struct cpu *cpu, struct insn *in) /* 0F 80-8F */
{
    if (cond__eval(cpu, in->op & 15))
        branch_near(cpu, rel_target(in, in->imm));
}

static void op_jmp8(struct cpu *cpu, struct insn *in) /* EB */
{
    branch_near(cpu, rel_target(in, rel8(in)));
}

static void op_jmp(struct cpu *cpu, struct insn *in) /* E9 */
{
    branch_near(cpu, rel_target(in, in->imm));
}

/* CALL near. Intel's pseudo-code checks the target against the CS limit
 * before pushing; the Zen hosts check the return address's stack slot
 * first (#SS/#PF/#AC ahead of the target's #GP) and write it only once the
 * target passed. bt86 follows them. */
static void call_near(struct cpu *cpu, struct insn *in, uint32_t target)
{
    uint32_t slot = cpu->gpr[R_ESP] - in->opsize;
    if (!cpu__stack32(cpu))
        slot &= 0xffff;
    stack_check_write(cpu, slot, in->opsize);
    branch_near(cpu, target);
    vmem_write(cpu, S_SS, slot, in->opsize, in->next_eip);
    stack_adjust(cpu, -(uint32_t)in->opsize);
}

static void op_call(struct cpu *cpu, struct insn *in) /* E8 */
{
    call_near(cpu, in, rel_target(in, in->imm));
}

static void op_ret(struct cpu *cpu, struct insn *in) /* C2 Iw, C3 */
{
    uint32_t target = stack_peek(cpu, 0, in->opsize);
    branch_near(cpu, target);
    stack_adjust(cpu, in->opsize + (in->op == 0xc2 ? in->imm : 0));
}

/* E0 LOOPNE, E1 LOOPE, E2 LOOP, E3 JCXZ/JECXZ: the counter is CX or ECX
 * by the address size (SDM vol. 2, LOOPcc). */
static void op_loop(struct cpu *cpu, struct insn *in)
{
    int asz = in->addrsize;
    uint32_t count = reg_get(cpu, R_ECX, asz);
    bool take;

    if (in->op == 0xe3) {
        take = count == 0;
    } else {
        count = (count - 1) & size_mask(asz);
        take = count != 0;
        if (in->op == 0xe0)
            take = take && !(cpu->eflags & F_ZF);
        else if (in->op == 0xe1)
            take = take && (cpu->eflags & F_ZF);
    }
    if (take)
        branch_near(cpu, rel_target(in, rel8(in)));
    if (in->op != 0xe3)
        reg_set(cpu, R_ECX, asz, count);
}

/* INC (reg 0) or DEC (reg 1) of the r/m operand. The flags change only
 * once the write has succeeded, so a faulting write leaves them intact. */
static void inc_dec(struct cpu *cpu, struct insn *in, int size)
{
    uint32_t v = op_rm_read_rmw(cpu, in, size);
    uint32_t before = cpu->eflags;
    uint32_t r = in->reg ? alu__dec(cpu, v, size) : alu__inc(cpu, v, size);
    uint32_t after = cpu->eflags;
    cpu->eflags = before;
    op_rm_write(cpu, in, size, r);
    cpu->eflags = after;
}

/* FE: /0 INC Eb, /1 DEC Eb. */
static void op_grp4(struct cpu *cpu, struct insn *in)
{
    if (in->reg > 1)
        cpu__raise(cpu, EXC_UD);
    inc_dec(cpu, in, 1);
}

/* FF /3 and /5: the far pointer m16:16 or m16:32 (offset first). */
static void far_pointer(struct cpu *cpu, struct insn *in, uint16_t *sel, uint32_t *off)
{
    if (!in->is_mem)
        cpu__raise(cpu, EXC_UD);
    *off = vmem_read(cpu, in->seg, in->ea, in->opsize);
    *sel = (uint16_t)vmem_read(cpu, in->seg, (in->ea + in->opsize) & size_mask(in->addrsize), 2);
}

/* FF: /0 INC, /1 DEC, /2 CALL Ev, /3 CALL Mp, /4 JMP Ev, /5 JMP Mp,
 * /6 PUSH Ev, /7 #UD. */
static void op_grp5(struct cpu *cpu, struct insn *in)
{
    int size = in->opsize;
    uint16_t sel;
    uint32_t off;

    switch (in->reg) {
    case 0:
    case 1:
        inc_dec(cpu, in, size);
        break;
    case 2:
        call_near(cpu, in, op_rm_read(cpu, in, size));
        break;
    case 3:
        far_pointer(cpu, in, &sel, &off);
        far__call(cpu, sel, off, size);
        break;
    case 4:
        branch_near(cpu, op_rm_read(cpu, in, size));
        break;
    case 5:
        far_pointer(cpu, in, &sel, &off);
        far__jmp(cpu, sel, off, size);
        break;
    case 6:
        stack_push(cpu, size, op_rm_read(cpu, in, size));
        break;
    default:
        cpu__raise(cpu, EXC_UD);
    }
}

void ops_control__register(void)
{
    interp__set_ops(0x70, 0x7f, op_jcc8);
    interp__set_ops(OP_0F + 0x80, OP_0F + 0x8f, op_jcc);
    interp__set_op(0xeb, op_jmp8);
    interp__set_op(0xe9, op_jmp);
    interp__set_op(0xe8, op_call);
    interp__set_ops(0xc2, 0xc3, op_ret);
    interp__set_ops(0xe0, 0xe3, op_loop);
    interp__set_op(0xfe, op_grp4);
    interp__set_op(0xff, op_grp5);
}
