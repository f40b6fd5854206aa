/* ops_alu.c - handlers for ADD OR ADC SBB AND SUB XOR CMP (00-3D, group
 * 80-83), TEST, INC/DEC reg (40-4F) and group 3 (F6/F7). */
#include "interp/alu.h"

/* r/m op= reg, or reg op= r/m (dir), or the accumulator op= imm. op and
 * size are compile-time constants in every caller so alu__op_inline folds. */
static inline __attribute__((always_inline)) void
alu_rm_reg(struct cpu *cpu, struct insn *in, int op, int size, bool to_reg)
{
    uint32_t rm = to_reg || op == ALU_CMP ? op_rm_read(cpu, in, size)
                                          : op_rm_read_rmw(cpu, in, size);
    uint32_t r = reg_get(cpu, in->reg, size);
    uint32_t old = cpu->eflags;

    if (to_reg) {
        uint32_t v = alu__op_inline(cpu, op, r, rm, size);
        if (op != ALU_CMP) reg_set(cpu, in->reg, size, v);
    } else {
        uint32_t v = alu__op_inline(cpu, op, rm, r, size);
        if (op != ALU_CMP) alu__write_rm(cpu, in, size, v, old);
    }
}

static inline __attribute__((always_inline)) void
alu_acc_imm(struct cpu *cpu, struct insn *in, int op, int size)
{
    uint32_t v = alu__op_inline(cpu, op, reg_get(cpu, R_EAX, size), in->imm, size);
    if (op != ALU_CMP) reg_set(cpu, R_EAX, size, v);
}

/* r/m op= imm (group 1). */
static inline __attribute__((always_inline)) void
alu_rm_imm(struct cpu *cpu, struct insn *in, int op, int size, uint32_t imm)
{
    uint32_t a = op == ALU_CMP ? op_rm_read(cpu, in, size) : op_rm_read_rmw(cpu, in, size);
    uint32_t old = cpu->eflags;
    uint32_t v = alu__op_inline(cpu, op, a, imm, size);
    if (op != ALU_CMP) alu__write_rm(cpu, in, size, v, old);
}

typedef void (*alu_imm_fn)(struct cpu *cpu, struct insn *in, uint32_t imm);

/* The six forms of one operation: opcode base + 0..5 (SDM vol. 2, A.3). */
#define ALU_FORMS(name, OP)                                                        \
    static void name##_rm8_r8(struct cpu *cpu, struct insn *in) { alu_rm_reg(cpu, in, OP, 1, false); } \
    static void name##_rm16_r16(struct cpu *cpu, struct insn *in) { alu_rm_reg(cpu, in, OP, 2, false); } \
    static void name##_rm32_r32(struct cpu *cpu, struct insn *in) { alu_rm_reg(cpu, in, OP, 4, false); } \
    static void name##_r8_rm8(struct cpu *cpu, struct insn *in) { alu_rm_reg(cpu, in, OP, 1, true); } \
    static void name##_r16_rm16(struct cpu *cpu, struct insn *in) { alu_rm_reg(cpu, in, OP, 2, true); } \
    static void name##_r32_rm32(struct cpu *cpu, struct insn *in) { alu_rm_reg(cpu, in, OP, 4, true); } \
    static void name##_al_imm(struct cpu *cpu, struct insn *in) { alu_acc_imm(cpu, in, OP, 1); } \
    static void name##_ax_imm(struct cpu *cpu, struct insn *in) { alu_acc_imm(cpu, in, OP, 2); } \
    static void name##_eax_imm(struct cpu *cpu, struct insn *in) { alu_acc_imm(cpu, in, OP, 4); } \
    static void name##_rm_r(struct cpu *cpu, struct insn *in)                      \
    { (in->opsize == 4 ? name##_rm32_r32 : name##_rm16_r16)(cpu, in); }            \
    static void name##_r_rm(struct cpu *cpu, struct insn *in)                      \
    { (in->opsize == 4 ? name##_r32_rm32 : name##_r16_rm16)(cpu, in); }            \
    static void name##_acc_imm(struct cpu *cpu, struct insn *in)                   \
    { (in->opsize == 4 ? name##_eax_imm : name##_ax_imm)(cpu, in); }               \
    static const op_fn name##_forms[6] = {                                         \
        name##_rm8_r8, name##_rm_r, name##_r8_rm8, name##_r_rm,                    \
        name##_al_imm, name##_acc_imm,                                             \
    };                                                                             \
    static const op_fn name##_forms32[6] = {                                       \
        NULL, name##_rm32_r32, NULL, name##_r32_rm32, NULL, name##_eax_imm,        \
    };                                                                             \
    static void name##_rm8_imm(struct cpu *cpu, struct insn *in, uint32_t imm)     \
    { alu_rm_imm(cpu, in, OP, 1, imm); }                                           \
    static void name##_rm16_imm(struct cpu *cpu, struct insn *in, uint32_t imm)    \
    { alu_rm_imm(cpu, in, OP, 2, imm); }                                           \
    static void name##_rm32_imm(struct cpu *cpu, struct insn *in, uint32_t imm)    \
    { alu_rm_imm(cpu, in, OP, 4, imm); }                                           \
    static const alu_imm_fn name##_imm_forms[3] = {                                \
        name##_rm8_imm, name##_rm16_imm, name##_rm32_imm,                          \
    };

ALU_FORMS(add, ALU_ADD)
ALU_FORMS(or, ALU_OR)
ALU_FORMS(adc, ALU_ADC)
ALU_FORMS(sbb, ALU_SBB)
ALU_FORMS(and, ALU_AND)
ALU_FORMS(sub, ALU_SUB)
ALU_FORMS(xor, ALU_XOR)
ALU_FORMS(cmp, ALU_CMP)

static const op_fn *const alu_forms[8] = {
    add_forms, or_forms, adc_forms, sbb_forms, and_forms, sub_forms, xor_forms, cmp_forms,
};

/* The forms' handlers for a 32-bit operand size (interp__set_op32). */
static const op_fn *const alu_forms32[8] = {
    add_forms32, or_forms32, adc_forms32, sbb_forms32,
    and_forms32, sub_forms32, xor_forms32, cmp_forms32,
};

static const alu_imm_fn *const alu_imm_forms[8] = {
    add_imm_forms, or_imm_forms, adc_imm_forms, sbb_imm_forms,
    and_imm_forms, sub_imm_forms, xor_imm_forms, cmp_imm_forms,
};

/* Group 1 (80-83): op is ModRM.reg; 83 sign-extends its imm8. The table
 * is indexed by size >> 1 (1, 2, 4 -> 0, 1, 2). */
static void alu_group1(struct cpu *cpu, struct insn *in, int size, uint32_t imm)
{
    alu_imm_forms[in->reg][size >> 1](cpu, in, imm);
}

static void op_grp1_rm8_imm8(struct cpu *cpu, struct insn *in)
{
    alu_group1(cpu, in, 1, in->imm);
}

static void op_grp1_rm_imm(struct cpu *cpu, struct insn *in)
{
    alu_group1(cpu, in, in->opsize, in->imm);
}

static void op_grp1_rm_imm8s(struct cpu *cpu, struct insn *in)
{
    alu_group1(cpu, in, in->opsize, (uint32_t)(int32_t)(int8_t)in->imm);
}

static void op_grp1_rm32_imm(struct cpu *cpu, struct insn *in)
{
    alu_imm_forms[in->reg][2](cpu, in, in->imm);
}

static void op_grp1_rm32_imm8s(struct cpu *cpu, struct insn *in)
{
    alu_imm_forms[in->reg][2](cpu, in, (uint32_t)(int32_t)(int8_t)in->imm);
}

/* INC/DEC r16/r32 (40-4F). */
static void op_inc_reg32(struct cpu *cpu, struct insn *in)
{
    int r = in->op & 7;
    cpu->gpr[r] = alu__inc_inline(cpu, cpu->gpr[r], 4);
}

static void op_inc_reg(struct cpu *cpu, struct insn *in)
{
    int r = in->op & 7;
    if (in->opsize == 4)
        op_inc_reg32(cpu, in);
    else
        reg_set(cpu, r, 2, alu__inc_inline(cpu, cpu->gpr[r], 2));
}

static void op_dec_reg32(struct cpu *cpu, struct insn *in)
{
    int r = in->op & 7;
    cpu->gpr[r] = alu__dec_inline(cpu, cpu->gpr[r], 4);
}

static void op_dec_reg(struct cpu *cpu, struct insn *in)
{
    int r = in->op & 7;
    if (in->opsize == 4)
        op_dec_reg32(cpu, in);
    else
        reg_set(cpu, r, 2, alu__dec_inline(cpu, cpu->gpr[r], 2));
}

/* TEST r/m, reg (84/85) and TEST accumulator, imm (A8/A9). */
static void alu_test(struct cpu *cpu, uint32_t a, uint32_t b, int size)
{
    alu__op_inline(cpu, ALU_AND, a, b, size);
}

static void op_test_rm_r(struct cpu *cpu, struct insn *in)
{
    int size = in->op == 0x84 ? 1 : in->opsize;
    alu_test(cpu, op_rm_read(cpu, in, size), reg_get(cpu, in->reg, size), size);
}

static void op_test_acc_imm(struct cpu *cpu, struct insn *in)
{
    int size = in->op == 0xa8 ? 1 : in->opsize;
    alu_test(cpu, reg_get(cpu, R_EAX, size), in->imm, size);
}

/* Group 3 (F6/F7): TEST imm (/0, and its undocumented alias /1), NOT,
 * NEG; /4-/7 are the accumulator multiply/divide in ops_muldiv.c. */
static void op_group3(struct cpu *cpu, struct insn *in)
{
    int size = in->op == 0xf6 ? 1 : in->opsize;
    uint32_t v, old;

    if (in->reg >= 4) {
        muldiv__group3(cpu, in, size);
        return;
    }
    v = in->reg < 2 ? op_rm_read(cpu, in, size) : op_rm_read_rmw(cpu, in, size);
    old = cpu->eflags;
    switch (in->reg) {
    case 0:
    case 1:
        alu_test(cpu, v, in->imm, size);
        break;
    case 2: /* NOT: no flags */
        op_rm_write(cpu, in, size, ~v);
        break;
    default: /* NEG: 0 - v; CF = (v != 0) falls out of the borrow */
        alu__write_rm(cpu, in, size, alu__op_inline(cpu, ALU_SUB, 0, v, size), old);
        break;
    }
}

void ops_alu__register(void)
{
    for (int op = 0; op < 8; op++)
        for (int form = 0; form < 6; form++) {
            interp__set_op(op * 8 + form, alu_forms[op][form]);
            if (alu_forms32[op][form])
                interp__set_op32(op * 8 + form, alu_forms32[op][form]);
        }
    for (int r = 0; r < 8; r++) {
        interp__set_op(0x40 + r, op_inc_reg);
        interp__set_op(0x48 + r, op_dec_reg);
        interp__set_op32(0x40 + r, op_inc_reg32);
        interp__set_op32(0x48 + r, op_dec_reg32);
    }
    interp__set_op(0x80, op_grp1_rm8_imm8);
    interp__set_op(0x81, op_grp1_rm_imm);
    interp__set_op(0x82, op_grp1_rm8_imm8); /* alias of 80 outside 64-bit mode */
    interp__set_op(0x83, op_grp1_rm_imm8s);
    interp__set_op32(0x81, op_grp1_rm32_imm);
    interp__set_op32(0x83, op_grp1_rm32_imm8s);
    interp__set_op(0x84, op_test_rm_r);
    interp__set_op(0x85, op_test_rm_r);
    interp__set_op(0xa8, op_test_acc_imm);
    interp__set_op(0xa9, op_test_acc_imm);
    interp__set_op(0xf6, op_group3);
    interp__set_op(0xf7, op_group3);
}
