/* fpu_ops.c - the x87 escape opcodes D8-DF and WAIT: decoding tables,
 * memory operands, FCOMI/FCMOV flags and the FPU instruction pointers. */
#include "interp/fpu.h"

#include <string.h>

/*
 * Every x87 instruction is described by one entry: memory forms by
 * [escape][ModRM.reg], register forms by [escape][ModRM & 0x3f]. An empty
 * entry is a reserved encoding (#UD on the P6; this includes FISTTP,
 * DB/DD/DF /1, which only SSE3 processors have). Arithmetic, loads,
 * stores, compares and transcendentals run on the host FPU
 * (fpu_native.c); the control instructions are C (fpu_env.c).
 */
enum {
    X_NOWAIT = 1,  /* FN* forms: no check for a pending exception */
    X_CONTROL = 2, /* control instruction: FIP/FDP/FOP keep their values */
};

struct x87_entry {
    op_fn fn;
    uint8_t size;  /* memory operand bytes for loads/stores */
    uint8_t flags;
};

static struct x87_entry mem_ops[8][8];
static struct x87_entry reg_ops[8][64];

static inline uint8_t esc_of(const struct insn *in)
{
    return (uint8_t)(0xd8 | (in->op & 7));
}

static inline const struct x87_entry *entry_of(const struct insn *in)
{
    return in->is_mem ? &mem_ops[in->op & 7][in->reg] : &reg_ops[in->op & 7][in->modrm & 0x3f];
}

/* Register forms with nothing special: the host does all of it. */
static void op_reg(struct cpu *cpu, struct insn *in)
{
    fpu__run_native(cpu, esc_of(in), in->modrm, NULL, NULL);
}

/* FCMOVcc: the host evaluates the condition on the guest's CF/ZF/PF. */
static void op_fcmov(struct cpu *cpu, struct insn *in)
{
    uint8_t fl = (uint8_t)cpu->eflags;
    fpu__run_native(cpu, esc_of(in), in->modrm, NULL, &fl);
}

/* FCOMI/FUCOMI(P): ZF, PF, CF from the compare, OF/SF/AF cleared
 * whether or not an invalid-operation exception is detected (SDM
 * FCOMI). With an unmasked invalid-operation exception ZF, PF, CF are
 * left alone (SDM FCOMI pseudo-code: 111 only when IM=1); the AMD host
 * sets them to 111 anyway (docs/undefined-flags.md, host deviations). */
static void op_fcomi(struct cpu *cpu, struct insn *in)
{
    uint8_t fl = (uint8_t)cpu->eflags;
    uint16_t sw = fpu__run_native(cpu, esc_of(in), in->modrm, NULL, &fl);
    cpu->eflags &= ~(uint32_t)(F_OF | F_SF | F_AF);
    if (sw & ~cpu->fpu.fcw & FSW_IE)
        return;
    cpu->eflags &= ~(uint32_t)(F_ZF | F_PF | F_CF);
    cpu->eflags |= fl & (F_ZF | F_PF | F_CF);
}

/* Alignment an operand of size bytes needs for #AC: its size, but 8 for
 * the 10-byte m80real and m80bcd (SDM vol. 3, table 6-7 lists extended
 * real as 8; measured on the host: FLD/FSTP m80, FBLD and FBSTP at 2, 4
 * or 12 mod 16 fault, at 0 and 8 mod 16 they do not). */
static inline uint32_t x87_align(unsigned size)
{
    return size == 10 ? 8 : size;
}

/* Loads and arithmetic with a memory source: the operand is read first,
 * so a fault leaves the FPU untouched. */
static void op_mem_load(struct cpu *cpu, struct insn *in)
{
    uint8_t buf[16];
    unsigned size = entry_of(in)->size;

    if (size == 2 || size == 4) {
        uint32_t v = vmem_read(cpu, in->seg, in->ea, (int)size);
        memcpy(buf, &v, 4);
    } else if (size == 8) {
        uint64_t v = vmem_read64(cpu, in->seg, in->ea);
        memcpy(buf, &v, 8);
    } else {
        vmem_read_bytes(cpu, in->seg, in->ea, buf, size);
        vmem_check_align(cpu, in->seg, in->ea, x87_align(size));
    }
    fpu__run_native(cpu, esc_of(in), in->modrm, buf, NULL);
}

/* Stores: the destination is checked, alignment included, before the
 * FPU state changes (a fault leaves FSW, the tags and the stack as they
 * were), and so ahead of the instruction's own x87 exceptions (as the
 * host does). An unmasked invalid, denormal, zero-divide, overflow or
 * underflow exception leaves memory unwritten (SDM vol. 1, 4.9.1 and
 * 8.5); the host already left the stack as is. */
static void op_mem_store(struct cpu *cpu, struct insn *in)
{
    uint8_t buf[16];
    unsigned size = entry_of(in)->size;

    vmem_check_write(cpu, in->seg, in->ea, size);
    vmem_check_align(cpu, in->seg, in->ea, x87_align(size));
    uint16_t sw = fpu__run_native(cpu, esc_of(in), in->modrm, buf, NULL);
    if (sw & ~cpu->fpu.fcw & (FSW_EXC & ~FSW_PE))
        return;
    if (size == 2 || size == 4) {
        uint32_t v;
        memcpy(&v, buf, 4);
        vmem_write(cpu, in->seg, in->ea, (int)size, v);
    } else if (size == 8) {
        uint64_t v;
        memcpy(&v, buf, 8);
        vmem_write64(cpu, in->seg, in->ea, v);
    } else {
        vmem_write_bytes(cpu, in->seg, in->ea, buf, size);
    }
}

/*
 * The one handler of D8-DF. Order of checks: #NM/CR0.EM (the whole escape
 * space traps to an emulator, reserved encodings included), #UD, then a
 * pending #MF for waiting forms, then the instruction. Non-control
 * instructions record FCS:FIP, FOP and, for memory forms, FDS:FDP (SDM
 * vol. 1, 8.1.8-8.1.9); P6 records FOP for every one of them.
 */
static void op_esc(struct cpu *cpu, struct insn *in)
{
    const struct x87_entry *e = entry_of(in);

    fpu__check_available(cpu, false);
    if (!e->fn)
        cpu__raise(cpu, EXC_UD);
    if (!(e->flags & X_NOWAIT))
        fpu__check_pending(cpu);
    e->fn(cpu, in);
    if (e->flags & X_CONTROL)
        return;
    struct fpu_state *f = &cpu->fpu;
    f->fip = cpu->insn_eip;
    f->fcs = cpu->seg[S_CS].sel;
    f->fop = (uint16_t)(((in->op & 7) << 8) | in->modrm);
    if (in->is_mem) {
        f->fdp = in->ea;
        f->fds = cpu->seg[in->seg].sel;
    }
}

/* 9B WAIT/FWAIT: #NM only when both TS and MP are set (SDM vol. 3, table
 * 2-2), then the pending-exception check. */
static void op_wait(struct cpu *cpu, struct insn *in)
{
    if ((cpu->cr0 & (CR0_TS | CR0_MP)) == (CR0_TS | CR0_MP))
        cpu__raise(cpu, EXC_NM);
    fpu__check_pending(cpu);
}

static void set_mem(int esc, int reg, op_fn fn, int size, int flags)
{
    mem_ops[esc & 7][reg] = (struct x87_entry){ fn, (uint8_t)size, (uint8_t)flags };
}

/* Register forms ModRM C0+lo .. C0+hi. */
static void set_reg(int esc, int lo, int hi, op_fn fn, int flags)
{
    for (int i = lo; i <= hi; i++)
        reg_ops[esc & 7][i] = (struct x87_entry){ fn, 0, (uint8_t)flags };
}

/* Memory forms whose ModRM.reg runs over every arithmetic/compare
 * operation (D8 m32real, DA m32int, DC m64real, DE m16int). */
static void set_arith_mem(int esc, int size)
{
    for (int reg = 0; reg < 8; reg++)
        set_mem(esc, reg, op_mem_load, size, 0);
}

/* FLD/FST/FSTP-shaped memory rows: /0 load, /2 store, /3 store+pop. */
static void set_ld_st_mem(int esc, int size)
{
    set_mem(esc, 0, op_mem_load, size, 0);
    set_mem(esc, 2, op_mem_store, size, 0);
    set_mem(esc, 3, op_mem_store, size, 0);
}

static void fill_tables(void)
{
    set_arith_mem(0xd8, 4);
    set_arith_mem(0xda, 4);
    set_arith_mem(0xdc, 8);
    set_arith_mem(0xde, 2);

    set_ld_st_mem(0xd9, 4);
    set_mem(0xd9, 4, fpu_env__ldenv, 0, X_CONTROL);
    set_mem(0xd9, 5, fpu_env__ldcw, 0, X_CONTROL);
    set_mem(0xd9, 6, fpu_env__stenv, 0, X_CONTROL | X_NOWAIT);
    set_mem(0xd9, 7, fpu_env__stcw, 0, X_CONTROL | X_NOWAIT);

    set_ld_st_mem(0xdb, 4);
    set_mem(0xdb, 5, op_mem_load, 10, 0);  /* FLD m80 */
    set_mem(0xdb, 7, op_mem_store, 10, 0); /* FSTP m80 */

    set_ld_st_mem(0xdd, 8);
    set_mem(0xdd, 4, fpu_env__rstor, 0, X_CONTROL);
    set_mem(0xdd, 6, fpu_env__save, 0, X_CONTROL | X_NOWAIT);
    set_mem(0xdd, 7, fpu_env__stsw, 0, X_CONTROL | X_NOWAIT);

    set_ld_st_mem(0xdf, 2);
    set_mem(0xdf, 4, op_mem_load, 10, 0);  /* FBLD */
    set_mem(0xdf, 5, op_mem_load, 8, 0);   /* FILD m64 */
    set_mem(0xdf, 6, op_mem_store, 10, 0); /* FBSTP */
    set_mem(0xdf, 7, op_mem_store, 8, 0);  /* FISTP m64 */

    /* D8/DC: arithmetic and compares on ST(i); DE: the popping forms. */
    set_reg(0xd8, 0x00, 0x3f, op_reg, 0);
    set_reg(0xdc, 0x00, 0x3f, op_reg, 0);
    set_reg(0xde, 0x00, 0x17, op_reg, 0); /* FADDP FMULP, FCOMP alias */
    set_reg(0xde, 0x19, 0x19, op_reg, 0); /* FCOMPP */
    set_reg(0xde, 0x20, 0x3f, op_reg, 0);

    /* D9: FLD ST(i), FXCH, FNOP, FSTP alias (D9 D8+i, executed by every
     * x87 since the 387), then the 0-operand group, minus its holes. */
    set_reg(0xd9, 0x00, 0x10, op_reg, 0);
    set_reg(0xd9, 0x18, 0x21, op_reg, 0);
    set_reg(0xd9, 0x24, 0x25, op_reg, 0);
    set_reg(0xd9, 0x28, 0x2e, op_reg, 0);
    set_reg(0xd9, 0x30, 0x3f, op_reg, 0);

    set_reg(0xda, 0x00, 0x1f, op_fcmov, 0);
    set_reg(0xda, 0x29, 0x29, op_reg, 0); /* FUCOMPP */

    set_reg(0xdb, 0x00, 0x1f, op_fcmov, 0);
    set_reg(0xdb, 0x20, 0x21, fpu_env__nop, X_CONTROL | X_NOWAIT);
    set_reg(0xdb, 0x22, 0x22, fpu_env__clex, X_CONTROL | X_NOWAIT);
    set_reg(0xdb, 0x23, 0x23, fpu_env__init, X_CONTROL | X_NOWAIT);
    set_reg(0xdb, 0x24, 0x24, fpu_env__nop, X_CONTROL | X_NOWAIT);
    set_reg(0xdb, 0x28, 0x37, op_fcomi, 0);

    /* DD: FFREE, FXCH alias, FST, FSTP, FUCOM, FUCOMP. */
    set_reg(0xdd, 0x00, 0x2f, op_reg, 0);

    /* DF: FFREEP, FXCH/FSTP aliases, FNSTSW AX, FUCOMIP, FCOMIP. */
    set_reg(0xdf, 0x00, 0x1f, op_reg, 0);
    set_reg(0xdf, 0x20, 0x20, fpu_env__stsw_ax, X_CONTROL | X_NOWAIT);
    set_reg(0xdf, 0x28, 0x37, op_fcomi, 0);
}

void ops_fpu__register(void)
{
    fill_tables();
    for (unsigned op = 0xd8; op <= 0xdf; op++)
        interp__set_op(op, op_esc);
    interp__set_op(0x9b, op_wait);
}
