/* fpu_emit.c - guest x87 and MMX instructions as translated code: runs of
 * them execute on the host FPU between one load and one store of the guest's
 * x87 state (fpu_run.c).
 *
 * A run is a maximal sequence of x87/MMX instructions in a block (one whose
 * operand is at a constant offset from ESP starts a new run: its
 * stack-run lookup is emitted at the instruction itself). None of the
 * instructions taken writes a general register, so every operand address
 * of the run is known before it: all the run's inline lookups come first, while
 * the guest's state is still in struct cpu, and any miss leaves the block
 * before the run's first instruction with nothing to save (the
 * interpreter runs that one; the rest follow). The host code:
 *   [the lookups: each host address into operand_slot[k]]
 *   mov r15, bt86_fpu_enter; call r15       guest state into the host FPU
 *   pushfq; jmp miss(eip, count)            returned here: may not run
 *                                           natively, leave before the run
 *   per instruction: a memory form sets FDP (its LEA into r15d) and FDS
 *   (x87 only), loads R14 from its slot and runs as op [r14]; a register
 *   form runs as the guest's bytes
 *   FIP = the last x87 one's EIP, FCS = CS, FOP = its opcode
 *   mov r15, bt86_fpu_leave; call r15       state back into struct cpu
 * leaving FIP/FCS/FOP/FDP/FDS as the interpreter (interp/fpu_ops.c,
 * op_esc) leaves them after the same instructions: the last instruction's
 * pointer and opcode, the last memory form's data pointer. Nothing between
 * the load and the store can leave the block or call C.
 *
 * Only the x87 instructions the interpreter itself runs on the host FPU
 * (loads, stores, arithmetic, compares, transcendentals, FXCH, FFREE...)
 * are taken; the control instructions (FLDCW, FLDENV, FNSTENV, FRSTOR,
 * FNSAVE, FNSTSW, FNCLEX, FNINIT), FCMOVcc and FCOMI (EFLAGS), the
 * reserved encodings (#UD) and the 80-bit stores FSTP m80 and FBSTP
 * (whose 10 bytes the protected-store callout cannot name) stay with the
 * interpreter. MMX instructions (the Pentium II's) run natively too: the
 * host sets TOP to 0, tags every register valid and writes 1s into the
 * exponent, as interp/mmx.c does (SDM vol. 1, 9.5); they leave FIP, FOP
 * and FDP alone, and a run whose last tag-setting instruction is MMX
 * stores the tag word as the interpreter keeps it (all valid). EMMS
 * (which the interpreter also gives TOP 0) and MOVD to a general register
 * (a run writes none) stay interpreted.
 */
#include "translator/fpu_emit.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "core/cpu.h"
#include "translator/fpu_run.h"

/* Bytes of a memory form's operand by escape (D8..DF) and ModRM.reg,
 * negative for a store, 0 when not run natively (SDM vol. 2, table A-7). */
static const int8_t mem_size[8][8] = {
    { 4, 4, 4, 4, 4, 4, 4, 4 },             /* D8: arithmetic, m32real */
    { 4, 0, -4, -4, 0, 0, 0, 0 },           /* D9: FLD FST FSTP m32real */
    { 4, 4, 4, 4, 4, 4, 4, 4 },             /* DA: arithmetic, m32int */
    { 4, 0, -4, -4, 0, 10, 0, -10 },        /* DB: FILD FIST FISTP m32int, FLD FSTP m80 */
    { 8, 8, 8, 8, 8, 8, 8, 8 },             /* DC: arithmetic, m64real */
    { 8, 0, -8, -8, 0, 0, 0, 0 },           /* DD: FLD FST FSTP m64real */
    { 2, 2, 2, 2, 2, 2, 2, 2 },             /* DE: arithmetic, m16int */
    { 2, 0, -2, -2, 10, 8, 0, -8 },         /* DF: m16int, FBLD, FILD/FISTP m64int */
};

/* Register forms run natively: bit (ModRM & 0x3f) of reg_native[escape]. */
static uint64_t bits(unsigned lo, unsigned hi)
{
    return (hi == 63 ? ~UINT64_C(0) : (UINT64_C(1) << (hi + 1)) - 1) & ~((UINT64_C(1) << lo) - 1);
}

static bool reg_native(unsigned esc, unsigned r)
{
    uint64_t set;
    switch (esc) {
    case 0: case 4: /* D8, DC: arithmetic and compares on ST(i) */
        set = bits(0x00, 0x3f);
        break;
    case 1: /* D9: FLD ST(i), FXCH, FNOP, FSTP alias, the 0-operand group */
        set = bits(0x00, 0x10) | bits(0x18, 0x21) | bits(0x24, 0x25) | bits(0x28, 0x2e) | bits(0x30, 0x3f);
        break;
    case 2: /* DA: FUCOMPP (FCMOVcc reads EFLAGS) */
        set = bits(0x29, 0x29);
        break;
    case 5: /* DD: FFREE, FXCH alias, FST, FSTP, FUCOM, FUCOMP */
        set = bits(0x00, 0x2f);
        break;
    case 6: /* DE: the popping forms, FCOMPP */
        set = bits(0x00, 0x17) | bits(0x19, 0x19) | bits(0x20, 0x3f);
        break;
    case 7: /* DF: FFREEP, FXCH/FSTP aliases (FNSTSW AX, FCOMIP are not) */
        set = bits(0x00, 0x1f);
        break;
    default: /* DB: FCMOVcc, FCOMI, control */
        set = 0;
    }
    return (set >> r) & 1;
}

/* Bytes of the memory operand of MMX instruction 0F op, 0 when it is not
 * one the interpreter runs (interp/mmx.c: the Pentium II's set). */
static unsigned mmx_size(unsigned op)
{
    static const uint8_t eight[] = { 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6f, 0x74, 0x75, 0x76,
                                     0x7f, 0xd1, 0xd2, 0xd3, 0xd5, 0xd8, 0xd9, 0xdb, 0xdc, 0xdd, 0xdf, 0xe1, 0xe2,
                                     0xe5, 0xe8, 0xe9, 0xeb, 0xec, 0xed, 0xef, 0xf1, 0xf2, 0xf3, 0xf5, 0xf8, 0xf9,
                                     0xfa, 0xfc, 0xfd, 0xfe };
    if ((op >= 0x60 && op <= 0x62) || op == 0x6e || op == 0x7e)
        return 4; /* PUNPCKLxx m32, MOVD */
    return memchr(eight, (int)op, sizeof(eight)) ? 8 : 0;
}

/* An MMX form as fpu_emit__form describes it: no 66/F2/F3 prefix (those
 * are SSE forms, #UD on this CPU); 0F 71-73 shifts by imm8 in register
 * form with /2 /6, and /4 but for 73; MOVD to a general register (which a
 * run must not write) and from ESP (R12 on the host) refused. */
static unsigned mmx_form(const ZydisDecodedInstruction *in)
{
    unsigned op = in->opcode, reg = in->raw.modrm.reg;
    for (unsigned i = 0; i < in->raw.prefix_count; i++)
        if (in->raw.prefixes[i].value == 0x66 || in->raw.prefixes[i].value == 0xf2
            || in->raw.prefixes[i].value == 0xf3)
            return 0;
    if (op >= 0x71 && op <= 0x73)
        return in->raw.modrm.mod == 3 && (reg == 2 || reg == 6 || (reg == 4 && op != 0x73));
    unsigned size = mmx_size(op);
    if (in->raw.modrm.mod != 3)
        return size;
    return size && !(op == 0x7e || (op == 0x6e && in->raw.modrm.rm == 4));
}

unsigned fpu_emit__form(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops, ZydisDecodedOperand *mem)
{
    const ZydisInstructionAttributes other = ZYDIS_ATTRIB_HAS_LOCK | ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE
        | ZYDIS_ATTRIB_HAS_REPNE | ZYDIS_ATTRIB_HAS_OPERANDSIZE;
    unsigned esc = in->opcode & 7;
    int size;
    if (in->attributes & other)
        return 0;
    if (in->opcode_map == ZYDIS_OPCODE_MAP_0F) {
        size = (int)mmx_form(in);
        if (size == 0 || in->raw.modrm.mod == 3)
            return size ? 1 : 0;
    } else {
        if (in->opcode_map != ZYDIS_OPCODE_MAP_DEFAULT || (in->opcode & 0xf8) != 0xd8)
            return 0;
        if (in->raw.modrm.mod == 3)
            return reg_native(esc, in->raw.modrm.reg << 3 | in->raw.modrm.rm) ? 1 : 0;
        size = mem_size[esc][in->raw.modrm.reg];
        if (size == 0 || size == -10)
            return 0;
    }
    for (unsigned i = 0; i < in->operand_count_visible; i++)
        if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY) {
            *mem = ops[i];
            mem->size = 32;
            return (unsigned)(size < 0 ? -size : size);
        }
    return 0;
}

static void emit_d32(struct emit *e, const uint8_t *op, size_t n, size_t field)
{
    uint32_t d = (uint32_t)field;
    emit__bytes(e, op, n);
    emit__bytes(e, &d, 4);
}

/* mov [r13 + dst], the 16-bit selector at [r13 + src] (through r15w). */
static void copy_sel(struct emit *e, size_t src, size_t dst)
{
    emit_d32(e, (const uint8_t[]){ 0x66, 0x45, 0x8b, 0xbd }, 4, src); /* mov r15w, [r13+d32] */
    emit_d32(e, (const uint8_t[]){ 0x66, 0x45, 0x89, 0xbd }, 4, dst); /* mov [r13+d32], r15w */
}

static void call_abs(struct emit *e, const void *fn)
{
    uint64_t a = (uintptr_t)fn;
    emit__bytes(e, (const uint8_t[]){ 0x49, 0xbf }, 2); /* mov r15, imm64 */
    emit__bytes(e, &a, 8);
    emit__bytes(e, (const uint8_t[]){ 0x41, 0xff, 0xd7 }, 3); /* call r15 */
}

/* The load, and the exit before the run where it returns without one. */
static void emit_enter(struct emit *e, uint32_t eip, uint32_t count)
{
    call_abs(e, bt86_fpu_enter);
    uint8_t *skip_from = e->p;
    emit__bytes(e, (const uint8_t[]){ 0x9c, 0xe9 }, 2); /* pushfq; jmp rel32 to the miss exit (popfq; leave) */
    assert(e->nmiss < EMIT_MAX_MISSES);
    e->miss[e->nmiss++] = (typeof(e->miss[0])){ .rel = { e->p }, .eip = eip, .count = count };
    e->p += 4;
    assert(e->p - skip_from == FPU_ENTER_SKIP);
    (void)skip_from;
}

/* FDP = the operand's offset (= linear address: the segment is flat), by
 * the instruction's own LEA retargeted from r14d to r15d; FDS = its
 * selector. */
static void emit_data_pointer(struct emit *e, const struct fpu_insn *fi)
{
    uint8_t lea[16];
    size_t i = 0;
    memcpy(lea, fi->lea, fi->lea_len);
    while (i < fi->lea_len && (lea[i] == 0x67 || (lea[i] & 0xf0) == 0x40))
        i++;
    assert(i + 1 < fi->lea_len && lea[i] == 0x8d && ((lea[i + 1] >> 3) & 7) == 6);
    lea[i + 1] |= 0x08; /* ModRM.reg 110 (r14, REX.R) -> 111 (r15) */
    emit__bytes(e, lea, fi->lea_len);
    emit_d32(e, (const uint8_t[]){ 0x45, 0x89, 0xbd }, 3, offsetof(struct cpu, fpu.fdp)); /* mov [r13+d32], r15d */
    copy_sel(e, offsetof(struct cpu, seg) + (size_t)fi->seg * sizeof(struct seg_cache), offsetof(struct cpu, fpu.fds));
}

/* Where a run keeps its operands' host addresses between the lookups
 * and the instructions (one translated run executes at a time). */
static uint64_t operand_slot[FPU_RUN_MAX];

/* mov r15, &operand_slot[k]; then mov [r15], r14 (store) or mov r14, [r15]. */
static void slot_access(struct emit *e, unsigned k, bool store)
{
    uint64_t a = (uintptr_t)&operand_slot[k];
    assert(k < sizeof(operand_slot) / sizeof(operand_slot[0]));
    emit__bytes(e, (const uint8_t[]){ 0x49, 0xbf }, 2);
    emit__bytes(e, &a, 8);
    emit__bytes(e, (const uint8_t[]){ 0x4d, store ? 0x89 : 0x8b, 0x37 }, 3);
}

void fpu_emit__run(struct emit *e, const struct fpu_insn *fi, unsigned n)
{
    const struct fpu_insn *head = &fi[0];
    for (unsigned k = 0; k < n; k++) {
        if (!fi[k].lea)
            continue;
        if (k > 0) {
            /* the run writes no general register: the address is
             * the same before the run. */
            struct mem_access a = fi[k].acc;
            a.eip = head->eip;
            a.count = head->count;
            a.save_flags |= head->acc.save_flags;
            emit__bytes(e, fi[k].lea, fi[k].lea_len);
            emit__lookup(e, &a);
        }
        slot_access(e, k, true);
    }
    emit_enter(e, head->eip, head->count);
    const struct fpu_insn *last_x87 = NULL;
    bool tags_mmx = false; /* the last instruction that sets the tags is MMX */
    for (unsigned k = 0; k < n; k++) {
        const ZydisDecodedInstruction *in = fi[k].in;
        bool mmx = in->opcode_map == ZYDIS_OPCODE_MAP_0F;
        uint8_t modrm = (uint8_t)(in->raw.modrm.mod << 6 | in->raw.modrm.reg << 3 | in->raw.modrm.rm);
        tags_mmx = mmx;
        if (!mmx)
            last_x87 = &fi[k];
        if (fi[k].lea) {
            if (!mmx)
                emit_data_pointer(e, &fi[k]); /* MMX keeps FDP (SDM vol. 1, 9.5) */
            slot_access(e, k, false);
            emit__bytes(e, (const uint8_t[]){ 0x41, 0x0f }, mmx ? 2 : 1); /* REX.B (r14), 0F for MMX */
            emit__bytes(e, (const uint8_t[]){ in->opcode, (uint8_t)((modrm & 0x38) | 0x06) }, 2); /* op [r14] */
        } else {
            if (mmx)
                emit__bytes(e, (const uint8_t[]){ 0x0f }, 1);
            emit__bytes(e, (const uint8_t[]){ in->opcode, modrm }, 2);
            if (mmx && in->opcode >= 0x71 && in->opcode <= 0x73)
                emit__bytes(e, &in->raw.imm[0].value.u, 1);
        }
    }
    if (last_x87) {
        /* SDM vol. 1, 8.1.8-8.1.9: FCS:FIP and the 11-bit opcode of the
         * last non-control x87 instruction (MMX leaves them). */
        uint16_t fop = (uint16_t)((last_x87->in->opcode & 7) << 8 | last_x87->in->raw.modrm.mod << 6
                                  | last_x87->in->raw.modrm.reg << 3 | last_x87->in->raw.modrm.rm);
        emit_d32(e, (const uint8_t[]){ 0x41, 0xc7, 0x85 }, 3, offsetof(struct cpu, fpu.fip)); /* mov dword [r13+d32], imm32 */
        emit__bytes(e, &last_x87->eip, 4);
        emit_d32(e, (const uint8_t[]){ 0x66, 0x41, 0xc7, 0x85 }, 4, offsetof(struct cpu, fpu.fop)); /* mov word [r13+d32], imm16 */
        emit__bytes(e, &fop, 2);
        copy_sel(e, offsetof(struct cpu, seg) + S_CS * sizeof(struct seg_cache), offsetof(struct cpu, fpu.fcs));
    }
    call_abs(e, bt86_fpu_leave);
    if (tags_mmx) {
        /* The interpreter keeps the tags an MMX instruction leaves as
         * "valid" (interp/mmx.c), where FNSAVE reports the contents'
         * class: theirs, as if the run had ended in the interpreter. */
        emit_d32(e, (const uint8_t[]){ 0x66, 0x41, 0xc7, 0x85 }, 4, offsetof(struct cpu, fpu.ftw)); /* mov word [r13+d32], 0 */
        emit__bytes(e, (const uint8_t[]){ 0, 0 }, 2);
    }
}
