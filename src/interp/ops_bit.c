/* ops_bit.c - BT BTS BTR BTC, BSF BSR, SETcc, CMOVcc, BSWAP, XADD,
 * CMPXCHG and CMPXCHG8B (two-byte opcodes, SDM vol. 2). */
#include "interp/alu.h"

/* ---- bit tests ---- */

/* Zen: BT* change only CF (OF SF AF PF are undefined in the SDM and
 * keep their values; ZF is documented as unaffected). */
uint32_t bit__test(struct cpu *cpu, int op, uint32_t v, unsigned bit, int size)
{
    uint32_t m = 1u << bit;
    alu__set_flags(cpu, F_CF, (v >> bit) & 1);
    switch (op) {
    case 1: return v | m;   /* BTS */
    case 2: return v & ~m;  /* BTR */
    case 3: return v ^ m;   /* BTC */
    default: return v;      /* BT */
    }
}

/* One bit-test on the r/m operand; for a memory operand addressed with a
 * register bit offset, the offset is signed and selects the operand-sized
 * unit at EA + (offset >> log2(bits)) * size (SDM vol. 2 "BT", 3.1.1.9 "bit
 * base and bit offset"). */
static void bit_test_rm(struct cpu *cpu, struct insn *in, int op, uint32_t offset, bool from_reg)
{
    int size = in->opsize, bits = size * 8;
    unsigned bit = offset & (bits - 1);
    uint32_t v, r, old;

    if (!in->is_mem) {
        v = reg_get(cpu, in->rm, size);
        r = bit__test(cpu, op, v, bit, size);
        if (op) reg_set(cpu, in->rm, size, r);
        return;
    }
    uint32_t ea = in->ea;
    if (from_reg) {
        int32_t unit = alu__sext(offset, size) >> (size == 4 ? 5 : 4);
        ea += (uint32_t)unit * size;
        if (in->addrsize == 2) ea &= 0xffff;
    }
    if (op)
        vmem_check_write(cpu, in->seg, ea, size); /* BTS/BTR/BTC: as op_rm_read_rmw */
    v = vmem_read(cpu, in->seg, ea, size);
    old = cpu->eflags;
    r = bit__test(cpu, op, v, bit, size);
    if (op) {
        uint32_t f = cpu->eflags;
        cpu->eflags = old;
        vmem_write(cpu, in->seg, ea, size, r);
        cpu->eflags = f;
    }
}

/* 0F A3/AB/B3/BB: BT BTS BTR BTC r/m, reg (opcode bits 3-4 give the op). */
static void op_bt_rm_r(struct cpu *cpu, struct insn *in)
{
    bit_test_rm(cpu, in, ((in->op & 0xff) >> 3) & 3, reg_get(cpu, in->reg, in->opsize), true);
}

/* 0F BA /4-/7: BT BTS BTR BTC r/m, imm8; /0-/3 are undefined. */
static void op_bt_rm_imm(struct cpu *cpu, struct insn *in)
{
    if (in->reg < 4)
        cpu__raise(cpu, EXC_UD);
    bit_test_rm(cpu, in, in->reg - 4, in->imm & 0xff, false);
}

/* ---- bit scans ---- */

/* BSF/BSR flags. A zero source sets ZF and leaves the destination
 * unchanged (AMD documents this; Intel leaves the destination undefined).
 * CF OF SF AF PF are undefined in the SDM; Zen, measured: CF = OF = SF =
 * AF = 0 and PF is the parity of the found index (PF = 1 for a zero
 * source). */
static uint32_t bit_scan_done(struct cpu *cpu, uint32_t dst, uint32_t src, uint32_t idx)
{
    alu__set_flags(cpu, F_ARITH, src ? alu__pf(idx) : F_ZF | F_PF);
    return src ? idx : dst;
}

uint32_t bit__bsf(struct cpu *cpu, uint32_t dst, uint32_t src, int size)
{
    src &= size_mask(size);
    return bit_scan_done(cpu, dst, src, src ? (uint32_t)__builtin_ctz(src) : 0);
}

uint32_t bit__bsr(struct cpu *cpu, uint32_t dst, uint32_t src, int size)
{
    src &= size_mask(size);
    return bit_scan_done(cpu, dst, src, src ? (uint32_t)(31 - __builtin_clz(src)) : 0);
}

static void op_bsf_bsr(struct cpu *cpu, struct insn *in)
{
    int size = in->opsize;
    uint32_t src = op_rm_read(cpu, in, size);
    uint32_t dst = reg_get(cpu, in->reg, size);
    uint32_t r = in->op == OP_0F + 0xbc ? bit__bsf(cpu, dst, src, size)
                                        : bit__bsr(cpu, dst, src, size);
    reg_set(cpu, in->reg, size, r);
}

/* ---- conditional set / move ---- */

static void op_setcc(struct cpu *cpu, struct insn *in)
{
    op_rm_write(cpu, in, 1, cond__eval(cpu, in->op & 15));
}

/* CMOVcc reads its source even when the condition is false (so a memory
 * fault is raised either way) and then writes nothing in legacy mode. */
static void op_cmovcc(struct cpu *cpu, struct insn *in)
{
    uint32_t v = op_rm_read(cpu, in, in->opsize);
    if (cond__eval(cpu, in->op & 15))
        reg_set(cpu, in->reg, in->opsize, v);
}

/* BSWAP r32 (0F C8+r). Zen: with a 16-bit operand size (undefined in the
 * SDM) the low word becomes 0. */
static void op_bswap(struct cpu *cpu, struct insn *in)
{
    int r = in->op & 7;
    if (in->opsize == 4)
        cpu->gpr[r] = __builtin_bswap32(cpu->gpr[r]);
    else
        reg_set(cpu, r, 2, 0);
}

/* ---- exchange-and-operate ---- */

/* XADD r/m, reg: reg gets the old destination, the destination the sum
 * (for XADD r, r with the same register, the sum wins). */
static void op_xadd(struct cpu *cpu, struct insn *in)
{
    int size = in->op & 1 ? in->opsize : 1;
    uint32_t dst = op_rm_read_rmw(cpu, in, size);
    uint32_t src = reg_get(cpu, in->reg, size);
    uint32_t old = cpu->eflags;
    uint32_t sum = alu__op(cpu, ALU_ADD, dst, src, size);

    if (in->is_mem) {
        alu__write_rm(cpu, in, size, sum, old);
        reg_set(cpu, in->reg, size, dst);
    } else {
        reg_set(cpu, in->reg, size, dst);
        reg_set(cpu, in->rm, size, sum);
    }
}

/* CMPXCHG r/m, reg: flags of CMP accumulator, r/m. The destination is
 * always written (with its own value when the compare fails), so a
 * read-only page faults either way, as on hardware. */
static void op_cmpxchg(struct cpu *cpu, struct insn *in)
{
    int size = in->op & 1 ? in->opsize : 1;
    uint32_t dst = op_rm_read_rmw(cpu, in, size);
    uint32_t old = cpu->eflags;
    uint32_t acc = reg_get(cpu, R_EAX, size);

    alu__op(cpu, ALU_CMP, acc, dst, size);
    if (acc == dst) {
        alu__write_rm(cpu, in, size, reg_get(cpu, in->reg, size), old);
    } else {
        alu__write_rm(cpu, in, size, dst, old);
        reg_set(cpu, R_EAX, size, dst);
    }
}

/* 0F C7 /1 CMPXCHG8B m64: only ZF changes. Other /reg values and the
 * register form are undefined (#UD). */
static void op_group9(struct cpu *cpu, struct insn *in)
{
    if (in->reg != 1 || !in->is_mem)
        cpu__raise(cpu, EXC_UD);
    vmem_check_write(cpu, in->seg, in->ea, 8); /* as op_rm_read_rmw */
    uint64_t m = vmem_read64(cpu, in->seg, in->ea);
    uint64_t edx_eax = ((uint64_t)cpu->gpr[R_EDX] << 32) | cpu->gpr[R_EAX];

    if (m == edx_eax) {
        vmem_write64(cpu, in->seg, in->ea, ((uint64_t)cpu->gpr[R_ECX] << 32) | cpu->gpr[R_EBX]);
        cpu->eflags |= F_ZF;
    } else {
        vmem_write64(cpu, in->seg, in->ea, m);
        cpu->gpr[R_EAX] = (uint32_t)m;
        cpu->gpr[R_EDX] = (uint32_t)(m >> 32);
        cpu->eflags &= ~F_ZF;
    }
}

void ops_bit__register(void)
{
    interp__set_op(OP_0F + 0xa3, op_bt_rm_r);
    interp__set_op(OP_0F + 0xab, op_bt_rm_r);
    interp__set_op(OP_0F + 0xb3, op_bt_rm_r);
    interp__set_op(OP_0F + 0xbb, op_bt_rm_r);
    interp__set_op(OP_0F + 0xba, op_bt_rm_imm);
    interp__set_op(OP_0F + 0xbc, op_bsf_bsr);
    interp__set_op(OP_0F + 0xbd, op_bsf_bsr);
    for (int cc = 0; cc < 16; cc++) {
        interp__set_op(OP_0F + 0x90 + cc, op_setcc);
        interp__set_op(OP_0F + 0x40 + cc, op_cmovcc);
    }
    for (int r = 0; r < 8; r++)
        interp__set_op(OP_0F + 0xc8 + r, op_bswap);
    interp__set_op(OP_0F + 0xc0, op_xadd);
    interp__set_op(OP_0F + 0xc1, op_xadd);
    interp__set_op(OP_0F + 0xb0, op_cmpxchg);
    interp__set_op(OP_0F + 0xb1, op_cmpxchg);
    interp__set_op(OP_0F + 0xc7, op_group9);
}
