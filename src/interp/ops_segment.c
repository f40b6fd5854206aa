/* ops_segment.c - segment and descriptor-table instructions: far JMP/CALL/
 * RETF, LDS-family, ARPL, group 0F 00 (SLDT STR LLDT LTR VERR VERW), group
 * 0F 01 (SGDT SIDT LGDT LIDT SMSW LMSW INVLPG), LAR and LSL (SDM vol. 2). */
#include "interp/far.h"

#include "interp/system_internal.h"

/* ---- far transfers ---------------------------------------------------- */

/* 9A CALL ptr16:16/32, EA JMP ptr16:16/32: imm = offset, imm2 = selector. */
static void op_call_far(struct cpu *cpu, struct insn *in)
{
    far__call(cpu, in->imm2, in->imm, in->opsize);
}

static void op_jmp_far(struct cpu *cpu, struct insn *in)
{
    far__jmp(cpu, in->imm2, in->imm, in->opsize);
}

/* CA RETF imm16, CB RETF. */
static void op_retf(struct cpu *cpu, struct insn *in)
{
    far__ret(cpu, in->opsize, in->op == 0xca ? in->imm : 0);
}

/* ---- LDS LES LSS LFS LGS --------------------------------------------- */

static void load_far_pointer(struct cpu *cpu, struct insn *in, int seg)
{
    if (!in->is_mem)
        cpu__raise(cpu, EXC_UD);
    uint32_t off = vmem_read(cpu, in->seg, in->ea, in->opsize);
    uint16_t sel = vmem_read(cpu, in->seg, in->ea + in->opsize, 2);
    bool shadow = cpu->inhibit_irq;

    seg__load(cpu, seg, sel);
    /* Only MOV SS and POP SS open an interrupt shadow, not LSS (SDM vol. 2,
     * MOV "Operation" note; LSS has none). */
    cpu->inhibit_irq = shadow;
    reg_set(cpu, in->reg, in->opsize, off);
}

static void op_les(struct cpu *cpu, struct insn *in) { load_far_pointer(cpu, in, S_ES); }
static void op_lds(struct cpu *cpu, struct insn *in) { load_far_pointer(cpu, in, S_DS); }
static void op_lss(struct cpu *cpu, struct insn *in) { load_far_pointer(cpu, in, S_SS); }
static void op_lfs(struct cpu *cpu, struct insn *in) { load_far_pointer(cpu, in, S_FS); }
static void op_lgs(struct cpu *cpu, struct insn *in) { load_far_pointer(cpu, in, S_GS); }

/* ---- protected-mode-only helpers -------------------------------------- */

static void require_protected(struct cpu *cpu)
{
    if (!cpu__pmode(cpu) || cpu__v86(cpu))
        cpu__raise(cpu, EXC_UD);
}

static void require_cpl0(struct cpu *cpu)
{
    if (cpu->cpl != 0)
        cpu__raise_err(cpu, EXC_GP, 0);
}

static void set_zf(struct cpu *cpu, bool z)
{
    cpu->eflags = z ? cpu->eflags | F_ZF : cpu->eflags & ~F_ZF;
}

/* 63 ARPL r/m16, r16: raise the RPL of the destination to the source's. */
static void op_arpl(struct cpu *cpu, struct insn *in)
{
    require_protected(cpu);
    uint32_t dst = op_rm_read(cpu, in, 2);
    uint32_t src = reg_get(cpu, in->reg, 2);

    if ((dst & 3) < (src & 3)) {
        op_rm_write(cpu, in, 2, (dst & ~3u) | (src & 3));
        set_zf(cpu, true);
    } else {
        set_zf(cpu, false);
    }
}

/* ---- LAR LSL VERR VERW ------------------------------------------------- */

/* System descriptor types LAR and LSL accept (SDM vol. 2, LAR and LSL
 * tables): TSSs and LDT for both, call and task gates for LAR only. */
#define LAR_SYS_TYPES 0x1a3eu /* 1 2 3 4 5 9 B C */
#define LSL_SYS_TYPES 0x0a0eu /* 1 2 3 9 B */

/* The descriptor of sel when the CPL and RPL may inspect it: not null,
 * inside its table, and unless conforming code, DPL >= max(CPL, RPL). The
 * present bit is not checked. */
static bool desc__visible(struct cpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
    if ((sel & 0xfffc) == 0 || !desc__read(cpu, sel, lo, hi))
        return false;
    bool conforming = (DESC_SYS_TYPE(*hi) & 0x1c) == 0x1c;
    int dpl = DESC_DPL_OF(*hi);
    return conforming || (dpl >= cpu->cpl && dpl >= (sel & 3));
}

static bool desc__type_ok(uint32_t hi, uint32_t sys_types)
{
    uint32_t type = DESC_SYS_TYPE(hi);
    return (type & DESC_S) || ((sys_types >> type) & 1);
}

/* 0F 02 LAR r, r/m16: the access rights (descriptor bytes 5 and 6, limit
 * bits cleared) when the descriptor is visible; ZF tells. */
static void op_lar(struct cpu *cpu, struct insn *in)
{
    require_protected(cpu);
    uint16_t sel = op_rm_read(cpu, in, 2);
    uint32_t lo, hi;
    bool ok = desc__visible(cpu, sel, &lo, &hi) && desc__type_ok(hi, LAR_SYS_TYPES);

    if (ok)
        reg_set(cpu, in->reg, in->opsize, hi & (in->opsize == 4 ? 0x00f0ff00u : 0xff00u));
    set_zf(cpu, ok);
}

/* 0F 03 LSL r, r/m16: the byte-granular segment limit. */
static void op_lsl(struct cpu *cpu, struct insn *in)
{
    require_protected(cpu);
    uint16_t sel = op_rm_read(cpu, in, 2);
    uint32_t lo, hi;
    bool ok = desc__visible(cpu, sel, &lo, &hi) && desc__type_ok(hi, LSL_SYS_TYPES);

    if (ok) {
        struct seg_cache c;
        desc__to_cache(&c, sel, lo, hi);
        reg_set(cpu, in->reg, in->opsize, c.limit);
    }
    set_zf(cpu, ok);
}

/* VERR / VERW: a code/data segment the CPL may use, readable or writable. */
static void verify(struct cpu *cpu, struct insn *in, bool write)
{
    uint16_t sel = op_rm_read(cpu, in, 2);
    uint32_t lo, hi;
    bool ok = desc__visible(cpu, sel, &lo, &hi) && (DESC_SYS_TYPE(hi) & DESC_S);

    if (ok) {
        uint32_t type = DESC_SYS_TYPE(hi);
        ok = write ? !(type & DESC_CODE) && (type & DESC_W)
                   : !(type & DESC_CODE) || (type & DESC_R);
    }
    set_zf(cpu, ok);
}

/* ---- group 0F 00 ------------------------------------------------------ */

/* Store a selector (or MSW): 16 bits to memory; a 32-bit register gets the
 * value zero-extended (P6 family: SDM vol. 2, SLDT and STR). */
static void store_word_rm(struct cpu *cpu, struct insn *in, uint32_t v)
{
    int size = in->is_mem ? 2 : in->opsize;
    op_rm_write(cpu, in, size, v & size_mask(size));
}

static void sldt(struct cpu *cpu, struct insn *in) { store_word_rm(cpu, in, cpu->seg[S_LDTR].sel); }
static void str(struct cpu *cpu, struct insn *in) { store_word_rm(cpu, in, cpu->seg[S_TR].sel); }
static void verr(struct cpu *cpu, struct insn *in) { verify(cpu, in, false); }
static void verw(struct cpu *cpu, struct insn *in) { verify(cpu, in, true); }

static void lldt(struct cpu *cpu, struct insn *in)
{
    require_cpl0(cpu);
    uint16_t sel = op_rm_read(cpu, in, 2);
    uint32_t lo, hi;

    if ((sel & 0xfffc) == 0) {
        cpu->seg[S_LDTR] = (struct seg_cache){ .sel = sel }; /* LDT unusable */
        return;
    }
    if ((sel & 4) || !desc__read(cpu, sel, &lo, &hi) || DESC_SYS_TYPE(hi) != 0x02)
        cpu__raise_err(cpu, EXC_GP, sel & 0xfffc);
    if (!DESC_PRESENT(hi))
        cpu__raise_err(cpu, EXC_NP, sel & 0xfffc);
    desc__to_cache(&cpu->seg[S_LDTR], sel, lo, hi);
}

static void ltr(struct cpu *cpu, struct insn *in)
{
    require_cpl0(cpu);
    uint16_t sel = op_rm_read(cpu, in, 2);
    uint32_t lo, hi;

    if ((sel & 0xfffc) == 0)
        cpu__raise_err(cpu, EXC_GP, 0);
    if ((sel & 4) || !desc__read(cpu, sel, &lo, &hi)
        || (DESC_SYS_TYPE(hi) != 0x01 && DESC_SYS_TYPE(hi) != 0x09))
        cpu__raise_err(cpu, EXC_GP, sel & 0xfffc);
    if (!DESC_PRESENT(hi))
        cpu__raise_err(cpu, EXC_NP, sel & 0xfffc);
    hi |= 0x200; /* busy */
    desc__write_hi(cpu, sel, hi);
    desc__to_cache(&cpu->seg[S_TR], sel, lo, hi);
}

static const op_fn group6[8] = { sldt, str, lldt, ltr, verr, verw, NULL, NULL };

static void op_group6(struct cpu *cpu, struct insn *in)
{
    if (!group6[in->reg])
        cpu__raise(cpu, EXC_UD);
    require_protected(cpu);
    group6[in->reg](cpu, in);
}

/* ---- group 0F 01 ------------------------------------------------------ */

/* SGDT/SIDT: 16-bit limit then 32-bit base; with a 16-bit operand size the
 * P6 family stores the base's top byte as 0 (SDM vol. 2, SGDT). */
static void store_dtable(struct cpu *cpu, struct insn *in, const struct dtable *t)
{
    uint32_t base = in->opsize == 2 ? t->base & 0x00ffffffu : t->base;
    uint8_t b[6] = { t->limit, t->limit >> 8, base, base >> 8, base >> 16, base >> 24 };
    vmem_write_bytes(cpu, in->seg, in->ea, b, 6);
}

/* LGDT/LIDT: a 16-bit operand size loads a 24-bit base. */
static void load_dtable(struct cpu *cpu, struct insn *in, struct dtable *t)
{
    uint8_t b[6];
    require_cpl0(cpu);
    vmem_read_bytes(cpu, in->seg, in->ea, b, 6);
    uint32_t base = b[2] | b[3] << 8 | b[4] << 16 | (uint32_t)b[5] << 24;
    t->limit = b[0] | b[1] << 8;
    t->base = in->opsize == 2 ? base & 0x00ffffffu : base;
}

static void sgdt(struct cpu *cpu, struct insn *in) { store_dtable(cpu, in, &cpu->gdtr); }
static void sidt(struct cpu *cpu, struct insn *in) { store_dtable(cpu, in, &cpu->idtr); }
static void lgdt(struct cpu *cpu, struct insn *in) { load_dtable(cpu, in, &cpu->gdtr); }
static void lidt(struct cpu *cpu, struct insn *in) { load_dtable(cpu, in, &cpu->idtr); }

/* SMSW: 16 bits to memory; undefined upper half for a 32-bit register in
 * the SDM: Intel P6 and AMD Zen store all of CR0, and so does bt86. */
static void smsw(struct cpu *cpu, struct insn *in)
{
    if (in->is_mem)
        vmem_write(cpu, in->seg, in->ea, 2, cpu->cr0 & 0xffff);
    else
        reg_set(cpu, in->rm, in->opsize, cpu->cr0);
}

/* LMSW: loads PE, MP, EM, TS; it can set PE but never clear it. */
static void lmsw(struct cpu *cpu, struct insn *in)
{
    require_cpl0(cpu);
    uint32_t v = op_rm_read(cpu, in, 2);
    cr__write(cpu, 0, (cpu->cr0 & ~0xeu) | (v & 0xf));
}

static void invlpg(struct cpu *cpu, struct insn *in)
{
    require_cpl0(cpu);
    tlb__flush_page(cpu, cpu->seg[in->seg].base + in->ea);
}

static const op_fn group7[8] = { sgdt, sidt, lgdt, lidt, smsw, NULL, lmsw, invlpg };
/* The forms that take only a memory operand (register forms are #UD). */
static const uint8_t group7_mem_only = 0x8f; /* /0 /1 /2 /3 /7 */

static void op_group7(struct cpu *cpu, struct insn *in)
{
    if (!group7[in->reg] || (!in->is_mem && ((group7_mem_only >> in->reg) & 1)))
        cpu__raise(cpu, EXC_UD);
    group7[in->reg](cpu, in);
}

void ops_segment__register(void)
{
    interp__set_op(0x9a, op_call_far);
    interp__set_op(0xea, op_jmp_far);
    interp__set_op(0xca, op_retf);
    interp__set_op(0xcb, op_retf);
    interp__set_op(0xc4, op_les);
    interp__set_op(0xc5, op_lds);
    interp__set_op(OP_0F + 0xb2, op_lss);
    interp__set_op(OP_0F + 0xb4, op_lfs);
    interp__set_op(OP_0F + 0xb5, op_lgs);
    interp__set_op(0x63, op_arpl);
    interp__set_op(OP_0F + 0x00, op_group6);
    interp__set_op(OP_0F + 0x01, op_group7);
    interp__set_op(OP_0F + 0x02, op_lar);
    interp__set_op(OP_0F + 0x03, op_lsl);
}
