/* ops_data.c - data movement: MOV, XCHG, LEA, MOVZX/MOVSX, CBW/CWD,
 * PUSH/POP (registers, immediates, r/m, segment registers), PUSHA/POPA,
 * ENTER/LEAVE, XLAT, BOUND, NOPs and UD2. */
#include "interp/internal.h"

static inline uint32_t sext(uint32_t v, int size)
{
    int sh = 32 - size * 8;
    return (uint32_t)((int32_t)(v << sh) >> sh);
}

/* Operand size of a byte/full-size opcode pair: even opcodes are bytes. */
static inline int size_of(const struct insn *in)
{
    return (in->op & 1) ? in->opsize : 1;
}

/* ---- MOV ----------------------------------------------------------- */

/* Each handler with a 32-bit form (interp__set_op32) is an inline body
 * instantiated for the decoded size and for 4. */
#define INLINE static inline __attribute__((always_inline))

INLINE void mov_rm_r(struct cpu *cpu, struct insn *in, int size)
{
    op_rm_write(cpu, in, size, reg_get(cpu, in->reg, size));
}

static void op_mov_rm_r(struct cpu *cpu, struct insn *in) /* 88 89 */
{
    mov_rm_r(cpu, in, size_of(in));
}

static void op_mov_rm32_r32(struct cpu *cpu, struct insn *in) { mov_rm_r(cpu, in, 4); }

INLINE void mov_r_rm(struct cpu *cpu, struct insn *in, int size)
{
    reg_set(cpu, in->reg, size, op_rm_read(cpu, in, size));
}

static void op_mov_r_rm(struct cpu *cpu, struct insn *in) /* 8A 8B */
{
    mov_r_rm(cpu, in, size_of(in));
}

static void op_mov_r32_rm32(struct cpu *cpu, struct insn *in) { mov_r_rm(cpu, in, 4); }

static void op_mov_rm_sreg(struct cpu *cpu, struct insn *in) /* 8C */
{
    if (in->reg >= S_LDTR)
        cpu__raise(cpu, EXC_UD);
    uint16_t sel = cpu->seg[in->reg].sel;
    /* A memory destination is always 16 bits; a 32-bit register gets the
     * selector zero-extended (P6 family and Zen, SDM vol. 2, MOV). */
    if (in->is_mem)
        vmem_write(cpu, in->seg, in->ea, 2, sel);
    else
        reg_set(cpu, in->rm, in->opsize, sel);
}

static void op_mov_sreg_rm(struct cpu *cpu, struct insn *in) /* 8E */
{
    if (in->reg == S_CS || in->reg >= S_LDTR)
        cpu__raise(cpu, EXC_UD);
    seg__load(cpu, in->reg, (uint16_t)op_rm_read(cpu, in, 2));
}

static void op_mov_acc_moffs(struct cpu *cpu, struct insn *in) /* A0 A1 */
{
    int size = size_of(in);
    reg_set(cpu, R_EAX, size, vmem_read(cpu, in->seg, in->ea, size));
}

static void op_mov_moffs_acc(struct cpu *cpu, struct insn *in) /* A2 A3 */
{
    int size = size_of(in);
    vmem_write(cpu, in->seg, in->ea, size, reg_get(cpu, R_EAX, size));
}

static void op_mov_r8_imm(struct cpu *cpu, struct insn *in) /* B0-B7 */
{
    reg_set(cpu, in->op & 7, 1, in->imm);
}

static void op_mov_r_imm(struct cpu *cpu, struct insn *in) /* B8-BF */
{
    reg_set(cpu, in->op & 7, in->opsize, in->imm);
}

static void op_mov_rm_imm(struct cpu *cpu, struct insn *in) /* C6 /0, C7 /0 */
{
    if (in->reg != 0)
        cpu__raise(cpu, EXC_UD);
    op_rm_write(cpu, in, size_of(in), in->imm);
}

/* ---- XCHG, LEA, MOVZX/MOVSX, CBW/CWD ------------------------------- */

static void op_xchg_rm_r(struct cpu *cpu, struct insn *in) /* 86 87 */
{
    int size = size_of(in);
    uint32_t a = op_rm_read_rmw(cpu, in, size);
    op_rm_write(cpu, in, size, reg_get(cpu, in->reg, size));
    reg_set(cpu, in->reg, size, a);
}

static void op_xchg_acc(struct cpu *cpu, struct insn *in) /* 91-97 */
{
    int r = in->op & 7;
    uint32_t a = reg_get(cpu, R_EAX, in->opsize);
    reg_set(cpu, R_EAX, in->opsize, reg_get(cpu, r, in->opsize));
    reg_set(cpu, r, in->opsize, a);
}

/* 90 (XCHG eAX,eAX, PAUSE with F3), 0F 19-1F (hint NOPs: the ModRM
 * operand is decoded but never accessed). */
static void op_nop(struct cpu *cpu, struct insn *in)
{
}

INLINE void lea(struct cpu *cpu, struct insn *in, int size)
{
    if (!in->is_mem)
        cpu__raise(cpu, EXC_UD);
    reg_set(cpu, in->reg, size, in->ea);
}

static void op_lea(struct cpu *cpu, struct insn *in) { lea(cpu, in, in->opsize); } /* 8D */
static void op_lea32(struct cpu *cpu, struct insn *in) { lea(cpu, in, 4); }

INLINE void movx(struct cpu *cpu, struct insn *in, int size)
{
    int src = (in->op & 1) ? 2 : 1;
    uint32_t v = op_rm_read(cpu, in, src);
    if (in->op & 8)
        v = sext(v, src);
    reg_set(cpu, in->reg, size, v);
}

static void op_movx(struct cpu *cpu, struct insn *in) { movx(cpu, in, in->opsize); } /* 0F B6 B7 BE BF */
static void op_movx32(struct cpu *cpu, struct insn *in) { movx(cpu, in, 4); }

static void op_cbw(struct cpu *cpu, struct insn *in) /* 98: CBW / CWDE */
{
    int half = in->opsize / 2;
    reg_set(cpu, R_EAX, in->opsize, sext(reg_get(cpu, R_EAX, half), half));
}

static void op_cwd(struct cpu *cpu, struct insn *in) /* 99: CWD / CDQ */
{
    uint32_t sign = reg_get(cpu, R_EAX, in->opsize) >> (in->opsize * 8 - 1);
    reg_set(cpu, R_EDX, in->opsize, sign ? 0xffffffffu : 0);
}

/* ---- PUSH / POP ---------------------------------------------------- */

INLINE void push_r(struct cpu *cpu, struct insn *in, int size)
{
    stack_push(cpu, size, reg_get(cpu, in->op & 7, size));
}

static void op_push_r(struct cpu *cpu, struct insn *in) { push_r(cpu, in, in->opsize); } /* 50-57 */
static void op_push_r32(struct cpu *cpu, struct insn *in) { push_r(cpu, in, 4); }

INLINE void pop_r(struct cpu *cpu, struct insn *in, int size)
{
    uint32_t v = stack_pop(cpu, size);
    reg_set(cpu, in->op & 7, size, v); /* POP ESP: the popped value wins */
}

static void op_pop_r(struct cpu *cpu, struct insn *in) { pop_r(cpu, in, in->opsize); } /* 58-5F */
static void op_pop_r32(struct cpu *cpu, struct insn *in) { pop_r(cpu, in, 4); }

static void op_push_imm(struct cpu *cpu, struct insn *in) /* 68 6A */
{
    stack_push(cpu, in->opsize, in->op == 0x6a ? sext(in->imm, 1) : in->imm);
}

static void op_pop_rm(struct cpu *cpu, struct insn *in) /* 8F /0 */
{
    if (in->reg != 0)
        cpu__raise(cpu, EXC_UD);
    uint32_t v = stack_peek(cpu, 0, in->opsize);
    /* An ESP-based destination is addressed with ESP already incremented
     * (SDM vol. 2, POP); ESP changes only once the write succeeded. */
    uint32_t ea = in->esp_base ? (in->ea + in->opsize) & size_mask(in->addrsize) : in->ea;
    if (in->is_mem) {
        vmem_write(cpu, in->seg, ea, in->opsize, v);
        stack_adjust(cpu, in->opsize);
    } else {
        stack_adjust(cpu, in->opsize);
        reg_set(cpu, in->rm, in->opsize, v);
    }
}

/* Segment register of PUSH/POP sreg opcodes: 06 07 0E 16 17 1E 1F use
 * bits 3-4, 0F A0 A1 A8 A9 are FS and GS. */
static inline int sreg_of(const struct insn *in)
{
    return in->op >= OP_0F ? ((in->op & 8) ? S_GS : S_FS) : (in->op >> 3) & 3;
}

static void op_push_sreg(struct cpu *cpu, struct insn *in)
{
    /* With a 32-bit operand size the SDM allows either a zero-extended
     * push or a 16-bit move into the slot. bt86 follows the AMD Zen hosts
     * (checked by the differential test): the selector is zero-extended
     * and all four bytes are written. */
    stack_push(cpu, in->opsize, cpu->seg[sreg_of(in)].sel);
}

static void op_pop_sreg(struct cpu *cpu, struct insn *in)
{
    uint16_t sel = (uint16_t)stack_peek(cpu, 0, in->opsize);
    /* ESP moves with the stack size of the SS the value was popped from,
     * and only once the load succeeded (POP SS may change SS.B). */
    uint32_t esp = cpu->gpr[R_ESP] + in->opsize;
    if (!cpu__stack32(cpu))
        esp = (cpu->gpr[R_ESP] & 0xffff0000u) | (esp & 0xffff);
    seg__load(cpu, sreg_of(in), sel);
    cpu->gpr[R_ESP] = esp;
}

static void op_pusha(struct cpu *cpu, struct insn *in) /* 60 */
{
    int size = in->opsize;
    uint32_t esp = cpu->gpr[R_ESP];
    uint32_t mask = cpu__stack32(cpu) ? 0xffffffffu : 0xffff;
    /* EAX ECX EDX EBX (original ESP) EBP ESI EDI, from high to low. */
    for (int r = R_EAX; r <= R_EDI; r++)
        vmem_write(cpu, S_SS, (esp - (uint32_t)(r + 1) * size) & mask, size,
                   reg_get(cpu, r, size));
    stack_adjust(cpu, -8u * size);
}

static void op_popa(struct cpu *cpu, struct insn *in) /* 61 */
{
    int size = in->opsize;
    uint32_t v[8];
    for (int r = R_EAX; r <= R_EDI; r++)
        v[r] = stack_peek(cpu, (uint32_t)(R_EDI - r) * size, size);
    for (int r = R_EAX; r <= R_EDI; r++)
        if (r != R_ESP) /* the saved ESP is skipped */
            reg_set(cpu, r, size, v[r]);
    stack_adjust(cpu, 8u * size);
}

/* ---- ENTER / LEAVE ------------------------------------------------- */

static void op_enter(struct cpu *cpu, struct insn *in) /* C8 Iw, Ib */
{
    /* SDM vol. 2, ENTER: push EBP, copy level-1 frame pointers from the
     * enclosing frame, push the new frame pointer, then reserve Iw bytes.
     * Everything is written through locals and committed at the end. */
    int size = in->opsize;
    unsigned level = in->imm2 & 31;
    bool s32 = cpu__stack32(cpu);
    uint32_t smask = s32 ? 0xffffffffu : 0xffff;
    uint32_t esp = cpu->gpr[R_ESP];
    uint32_t ebp = cpu->gpr[R_EBP];

    esp -= size;
    vmem_write(cpu, S_SS, esp & smask, size, reg_get(cpu, R_EBP, size));
    uint32_t frame = esp & smask;
    if (level > 0) {
        for (unsigned i = 1; i < level; i++) {
            ebp -= size;
            uint32_t v = vmem_read(cpu, S_SS, ebp & smask, size);
            esp -= size;
            vmem_write(cpu, S_SS, esp & smask, size, v);
        }
        esp -= size;
        vmem_write(cpu, S_SS, esp & smask, size, frame);
    }
    esp -= in->imm;
    /* #SS/#PF if a write at the final stack pointer would fault (SDM vol.
     * 2, ENTER), and #AC when that slot is misaligned with alignment
     * checking on (as the Zen hosts do). */
    stack_check_write(cpu, esp & smask, size);
    reg_set(cpu, R_EBP, size, frame);
    reg_set(cpu, R_ESP, s32 ? 4 : 2, esp);
}

static void op_leave(struct cpu *cpu, struct insn *in) /* C9 */
{
    bool s32 = cpu__stack32(cpu);
    uint32_t sp = s32 ? cpu->gpr[R_EBP] : cpu->gpr[R_EBP] & 0xffff;
    uint32_t v = vmem_read(cpu, S_SS, sp, in->opsize);
    reg_set(cpu, R_ESP, s32 ? 4 : 2, sp + in->opsize);
    reg_set(cpu, R_EBP, in->opsize, v);
}

/* ---- XLAT, BOUND, UD2 ---------------------------------------------- */

static void op_xlat(struct cpu *cpu, struct insn *in) /* D7 */
{
    uint32_t off = (cpu->gpr[R_EBX] + (cpu->gpr[R_EAX] & 0xff)) & size_mask(in->addrsize);
    reg_set(cpu, R_EAX, 1, vmem_read(cpu, in->seg, off, 1));
}

static void op_bound(struct cpu *cpu, struct insn *in) /* 62 */
{
    if (!in->is_mem)
        cpu__raise(cpu, EXC_UD);
    int size = in->opsize;
    int32_t lo = (int32_t)sext(vmem_read(cpu, in->seg, in->ea, size), size);
    uint32_t hi_off = (in->ea + size) & size_mask(in->addrsize);
    int32_t hi = (int32_t)sext(vmem_read(cpu, in->seg, hi_off, size), size);
    int32_t idx = (int32_t)sext(reg_get(cpu, in->reg, size), size);
    if (idx < lo || idx > hi)
        cpu__raise(cpu, EXC_BR);
}

static void op_ud2(struct cpu *cpu, struct insn *in) /* 0F 0B */
{
    cpu__raise(cpu, EXC_UD);
}

void ops_data__register(void)
{
    interp__set_ops(0x88, 0x89, op_mov_rm_r);
    interp__set_ops(0x8a, 0x8b, op_mov_r_rm);
    interp__set_op32(0x89, op_mov_rm32_r32);
    interp__set_op32(0x8b, op_mov_r32_rm32);
    interp__set_op(0x8c, op_mov_rm_sreg);
    interp__set_op(0x8e, op_mov_sreg_rm);
    interp__set_ops(0xa0, 0xa1, op_mov_acc_moffs);
    interp__set_ops(0xa2, 0xa3, op_mov_moffs_acc);
    interp__set_ops(0xb0, 0xb7, op_mov_r8_imm);
    interp__set_ops(0xb8, 0xbf, op_mov_r_imm);
    interp__set_ops(0xc6, 0xc7, op_mov_rm_imm);

    interp__set_ops(0x86, 0x87, op_xchg_rm_r);
    interp__set_op(0x90, op_nop);
    interp__set_ops(0x91, 0x97, op_xchg_acc);
    interp__set_ops(OP_0F + 0x19, OP_0F + 0x1f, op_nop);
    interp__set_op(0x8d, op_lea);
    interp__set_op32(0x8d, op_lea32);
    interp__set_ops(OP_0F + 0xb6, OP_0F + 0xb7, op_movx);
    interp__set_ops(OP_0F + 0xbe, OP_0F + 0xbf, op_movx);
    static const uint16_t movx_ops[] = { OP_0F + 0xb6, OP_0F + 0xb7, OP_0F + 0xbe, OP_0F + 0xbf };
    for (unsigned i = 0; i < sizeof(movx_ops) / sizeof(movx_ops[0]); i++)
        interp__set_op32(movx_ops[i], op_movx32);
    interp__set_op(0x98, op_cbw);
    interp__set_op(0x99, op_cwd);

    interp__set_ops(0x50, 0x57, op_push_r);
    interp__set_ops(0x58, 0x5f, op_pop_r);
    for (unsigned r = 0; r < 8; r++) {
        interp__set_op32(0x50 + r, op_push_r32);
        interp__set_op32(0x58 + r, op_pop_r32);
    }
    interp__set_op(0x68, op_push_imm);
    interp__set_op(0x6a, op_push_imm);
    interp__set_op(0x8f, op_pop_rm);
    static const uint16_t push_sreg[] = { 0x06, 0x0e, 0x16, 0x1e, OP_0F + 0xa0, OP_0F + 0xa8 };
    static const uint16_t pop_sreg[] = { 0x07, 0x17, 0x1f, OP_0F + 0xa1, OP_0F + 0xa9 };
    for (unsigned i = 0; i < sizeof(push_sreg) / sizeof(push_sreg[0]); i++)
        interp__set_op(push_sreg[i], op_push_sreg);
    for (unsigned i = 0; i < sizeof(pop_sreg) / sizeof(pop_sreg[0]); i++)
        interp__set_op(pop_sreg[i], op_pop_sreg);
    interp__set_op(0x60, op_pusha);
    interp__set_op(0x61, op_popa);
    interp__set_op(0xc8, op_enter);
    interp__set_op(0xc9, op_leave);

    interp__set_op(0xd7, op_xlat);
    interp__set_op(0x62, op_bound);
    interp__set_op(OP_0F + 0x0b, op_ud2);
}
