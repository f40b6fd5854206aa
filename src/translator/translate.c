/* translate.c - one guest block into host code.
 *
 * Design
 * ------
 * A block starts at CS:EIP. It is built in three passes:
 *
 * 1. Decode. Zydis decodes one guest instruction at a time in the guest's
 *    code size; the instruction table (insn_table.c) says whether it is
 *    copied, ends the block as a branch, or is left to the interpreter.
 *    A copied instruction is re-encoded at once for the 64-bit host by the
 *    Zydis encoder, with guest ESP renamed to R12 (every other guest
 *    register is the host register of the same number, stubs.c) and its
 *    memory operand, if any, replaced by [R14]. The block ends at a
 *    relative JMP/Jcc, or before the first instruction the translator
 *    refuses: not in the table, a LOCK prefix, an operand the copy cannot
 *    keep (segment or system registers, AH..BH beside a REX register,
 *    16-bit addressing, a segment that is not flat), a branch target
 *    beyond the CS limit, or an instruction that starts on the next page
 *    (so a block spans two pages only by its last instruction). Sensitive
 *    instructions, and copied kinds in forms the copy cannot keep, need
 *    not end it: the interpreter runs them from inside the block
 *    (sys_callout.c).
 * 2. Flags liveness, backwards from the block's end (where every flag is
 *    live): an inline memory lookup clobbers the host flags, so it saves
 *    and restores the guest's only where a later read needs them.
 * 3. Emit: per memory operand the address (LEA into R14D, the guest's
 *    32-bit wrap included) and the inline lookup (emit.c), then the copied
 *    instruction; the block's exits; the out-of-line miss stubs.
 *
 * Precise exceptions: an access the inline path cannot do (TLB miss, no
 * rights, page-crossing, MMIO, a store into the block's own bytes) leaves
 * the block before its instruction, with the guest registers and flags as
 * they were; the interpreter then runs that one instruction, which raises
 * the guest's #PF with the right CR2 and error code, or completes it. No
 * other copied instruction can fault, so nothing is ever half-done.
 */
#include "translator/translator.h"

#include <Zydis/Zydis.h>
#include <string.h>

#include "core/cpu.h"
#include "interp/code_wp.h"
#include "translator/block_log.h"
#include "translator/emit.h"
#include "translator/div_guard.h"
#include "translator/fpu_emit.h"
#include "translator/insn_table.h"
#include "translator/string_ops.h"
#include "translator/miss_sites.h"
#include "translator/sys_callout.h"
#include "translator/window.h"

#define BLOCK_MAX_INSNS 64
#define BLOCK_MAX_BYTES 512         /* guest bytes (the copy kept for -d in_asm) */
#define HOST_INSN_MAX 15
#define BLOCK_CODE_CAP 16384
_Static_assert(EMIT_MAX_MISSES >= BLOCK_MAX_INSNS, "one miss exit and one lookup per instruction at most");
#define LEA_MAX (HOST_INSN_MAX + 41) /* and a segment base: add_base */

/* One decoded guest instruction and its host form. */
struct xinsn {
    ZydisDecodedInstruction in;
    uint32_t eip;
    unsigned kind;
    uint32_t target;               /* direct branches */
    bool indirect;                 /* JMP/CALL r/m: the target is in R8D */
    uint8_t host[HOST_INSN_MAX];   /* the copied instruction */
    uint8_t host_len;
    bool mem;                      /* has a memory operand, accessed inline */
    bool window;                   /* has one, accessed through the window */
    uint8_t lea[LEA_MAX];          /* lea r14d, [its address] */
    uint8_t lea_len;
    uint8_t post[8];               /* after the access: the ESP update */
    uint8_t post_len;
    struct mem_access acc;
    bool based;                    /* its segment's base is added (add_base) */
    /* Stack and frame runs (pass_emit): */
    bool stack_acc;                /* the inline access is at ESP + stack_off */
    int32_t stack_off;             /* (ESP as before the instruction) */
    bool frame_acc;                /* the inline access is at EBP + frame_off */
    int32_t frame_off;
    bool writes_ebp;               /* may change EBP (ends a frame run) */
    uint8_t esp_change;            /* ESP_* */
    int32_t esp_delta;             /* what ESP_DELTA adds to ESP */
};

/* The translation of a block in progress. */
struct xblock {
    const struct block_key *k;
    struct xinsn x[BLOCK_MAX_INSNS];
    unsigned n;
    size_t nbytes;
};

static ZydisDecoder dec16, dec32, dec64; /* dec64: the host copies */
static bool ready;

static void translate__init(void)
{
    ZydisDecoderInit(&dec16, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
    ZydisDecoderInit(&dec32, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
    ZydisDecoderInit(&dec64, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    ready = true;
}

/* A guest general register as the host holds it: ESP and SP are R12. */
static bool host_reg(ZydisRegister *r)
{
    if (*r == ZYDIS_REGISTER_NONE)
        return true;
    switch (ZydisRegisterGetClass(*r)) {
    case ZYDIS_REGCLASS_GPR8:
        return true;
    case ZYDIS_REGCLASS_GPR16:
        if (*r == ZYDIS_REGISTER_SP)
            *r = ZYDIS_REGISTER_R12W;
        return true;
    case ZYDIS_REGCLASS_GPR32:
        if (*r == ZYDIS_REGISTER_ESP)
            *r = ZYDIS_REGISTER_R12D;
        return true;
    default:
        return false;
    }
}

static bool encode(ZydisEncoderRequest *req, uint8_t *out, uint8_t *len)
{
    ZyanUSize n = HOST_INSN_MAX;
    req->machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
    if (ZYAN_FAILED(ZydisEncoderEncodeInstruction(req, out, &n)))
        return false;
    *len = (uint8_t)n;
    return true;
}

static void put_bytes(uint8_t *buf, uint8_t *len, const void *b, size_t n);

/* Segments the block being translated would access through a base, had
 * the key said they have one (struct block's seg_want). */
static uint8_t seg_want;

/* After the LEA of an offset into R14D, the linear address through
 * segment seg (4 GiB, a base): the base added modulo 2^32, and, when the
 * access's last byte would lie beyond offset 0xffffffff, which the
 * interpreter faults (the limit, SDM vol. 3, 5.3) but the sum would hide,
 * R14D = 0xffffffff, so that the access crosses into page 0 and the
 * lookup misses (the interpreter then raises the #GP); only where the
 * offset comes from registers (regs), a constant one being checked by
 * rewrite_mem. Without a flag:
 *   lea r15, [r14 + bytes-1]; rorx r15, r15, 33; sarx r15, r15, r11
 *                                    r15 = -(offset's last byte >> 32)
 *   mov r8d, [r13 + seg[s].base]; lea r14d, [r14 + r8]
 *   mov r8d, r14d; not r8d; pdep r8, r8, r15; lea r14d, [r14 + r8] */
static void add_base(struct xinsn *x, int seg, unsigned bytes, bool regs)
{
    uint32_t at = (uint32_t)(offsetof(struct cpu, seg) + (size_t)seg * sizeof(struct seg_cache)
                             + offsetof(struct seg_cache, base));
    const uint8_t last[] = { 0x4d, 0x8d, 0x7e, (uint8_t)(bytes - 1) };  /* lea r15, [r14 + d8] */
    static const uint8_t minus_wrap[] = { 0xc4, 0x43, 0xfb, 0xf0, 0xff, 33, /* rorx r15, r15, 33 */
                                          0xc4, 0x42, 0xa2, 0xf7, 0xff };   /* sarx r15, r15, r11 */
    static const uint8_t load[] = { 0x45, 0x8b, 0x85 };                 /* mov r8d, [r13 + d32] */
    static const uint8_t add[] = { 0x47, 0x8d, 0x34, 0x06 };            /* lea r14d, [r14 + r8] */
    static const uint8_t top[] = { 0x45, 0x89, 0xf0, 0x41, 0xf7, 0xd0,  /* mov r8d, r14d; not r8d */
                                   0xc4, 0x42, 0xbb, 0xf5, 0xc7 };      /* pdep r8, r8, r15 */
    if (regs) {
        put_bytes(x->lea, &x->lea_len, last, sizeof(last));
        put_bytes(x->lea, &x->lea_len, minus_wrap, sizeof(minus_wrap));
    }
    put_bytes(x->lea, &x->lea_len, load, sizeof(load));
    put_bytes(x->lea, &x->lea_len, &at, 4);
    put_bytes(x->lea, &x->lea_len, add, sizeof(add));
    if (regs) {
        put_bytes(x->lea, &x->lea_len, top, sizeof(top));
        put_bytes(x->lea, &x->lea_len, add, sizeof(add));
    }
}

/* The guest memory operand o, accessed inline: its address into R14D (a
 * LEA with the 32-bit address size, so the sum wraps as the guest's), and
 * the operand itself becomes [R14]. Only 32-bit addressing through a flat
 * segment qualifies, or, where the caller allows `based`, through a 4 GiB
 * segment with a base (k->based): the LEA is then followed by add_base,
 * which adds the base the segment has when the access runs, modulo 2^32
 * (the linear address, SDM vol. 3, 3.4). An [ESP + disp] operand through
 * such a segment is refused (stack runs add no base). */
static bool rewrite_mem(struct xinsn *x, const ZydisDecodedOperand *op, ZydisEncoderOperand *o,
                        const struct block_key *k, bool based)
{
    int seg = (int)op->mem.segment - ZYDIS_REGISTER_ES;
    unsigned bytes = op->size / 8;
    if (x->in.address_width != 32 || seg < S_ES || seg > S_GS || (bytes != 1 && bytes != 2 && bytes != 4))
        return false;
    bool esp_based = op->mem.base == ZYDIS_REGISTER_ESP && op->mem.index == ZYDIS_REGISTER_NONE;
    if (!(k->flat & (1u << seg)) && based && !esp_based && seg != S_SS && !(k->based & (1u << seg)))
        seg_want |= (uint8_t)(1u << seg); /* the engine keys on it from now on */
    based = based && (k->based & (1u << seg));
    /* A constant offset beyond the limit: the interpreter's #GP. */
    bool beyond = op->mem.base == ZYDIS_REGISTER_NONE && op->mem.index == ZYDIS_REGISTER_NONE
               && (uint64_t)(uint32_t)op->mem.disp.value + bytes - 1 > 0xffffffffu;
    if (!(k->flat & (1u << seg)) && (!based || esp_based || beyond))
        return false;
    ZydisEncoderRequest lea = {
        .mnemonic = ZYDIS_MNEMONIC_LEA,
        .address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_32,
        .operand_count = 2,
    };
    lea.operands[0].type = ZYDIS_OPERAND_TYPE_REGISTER;
    lea.operands[0].reg.value = ZYDIS_REGISTER_R14D;
    lea.operands[1] = *o;
    lea.operands[1].mem.size = 4; /* the encoder wants the LEA operand size */
    /* MOV's moffs form (A0-A3) has an unsigned offset, which the encoder
     * refuses above 2 GiB as a disp32: the same address, sign-extended
     * (the 32-bit LEA wraps). */
    lea.operands[1].mem.displacement = (int32_t)(uint32_t)o->mem.displacement;
    if (!host_reg(&lea.operands[1].mem.base) || !host_reg(&lea.operands[1].mem.index)
        || !encode(&lea, x->lea, &x->lea_len))
        return false;
    if (based)
        add_base(x, seg, bytes, op->mem.base != ZYDIS_REGISTER_NONE || op->mem.index != ZYDIS_REGISTER_NONE);
    x->based = based;
    o->mem.base = ZYDIS_REGISTER_R14;
    o->mem.index = ZYDIS_REGISTER_NONE;
    o->mem.scale = 0;
    o->mem.displacement = 0;
    x->mem = true;
    x->acc.size = bytes;
    x->acc.write = (op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) != 0;
    x->acc.user = (k->mode >> BLOCK_MODE_CPL_SHIFT) == 3;
    return true;
}

/* Whether in has an explicit memory operand it accesses (not LEA's). */
static bool has_memory_operand(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops)
{
    for (unsigned i = 0; i < in->operand_count_visible; i++)
        if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
            return in->mnemonic != ZYDIS_MNEMONIC_LEA;
    return false;
}

/* Whether in reads or writes a general register it does not name. */
static bool implicit_gpr(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops)
{
    for (unsigned i = in->operand_count_visible; i < in->operand_count; i++)
        if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER && ZydisRegisterGetClass(ops[i].reg.value) >= ZYDIS_REGCLASS_GPR8
            && ZydisRegisterGetClass(ops[i].reg.value) <= ZYDIS_REGCLASS_GPR64)
            return true;
    return false;
}

/* LEAVE with a 32-bit operand and a flat 32-bit stack: the load of
 * [EBP] through the inline lookup, then ESP = EBP + 4 and EBP = the value
 * (nothing changes before the lookup has hit: a fault is precise). */
static bool leave_insn(struct xinsn *x, const struct block_key *k)
{
    static const uint8_t lea[] = { 0x41, 0x89, 0xee };            /* mov r14d, ebp */
    static const uint8_t host[] = { 0x44, 0x8d, 0x65, 0x04,       /* lea r12d, [rbp+4] */
                                    0x41, 0x8b, 0x2e };           /* mov ebp, [r14] */
    if (!(k->flat & (1u << S_SS)) || x->in.operand_width != 32)
        return false;
    memcpy(x->lea, lea, sizeof(lea));
    x->lea_len = sizeof(lea);
    memcpy(x->host, host, sizeof(host));
    x->host_len = sizeof(host);
    x->mem = true;
    x->acc.size = 4;
    x->acc.write = false;
    x->acc.user = (k->mode >> BLOCK_MODE_CPL_SHIFT) == 3;
    return true;
}

/* LODS, STOS, SCAS: their pieces from string_ops.c around the lookup. */
static bool string_insn(struct xinsn *x, const ZydisDecodedOperand *ops, const struct block_key *k)
{
    struct string_form f;
    if (!string_ops__form(&x->in, ops, k->flat, &f))
        return false;
    memcpy(x->lea, f.lea, sizeof(f.lea));
    x->lea_len = sizeof(f.lea);
    memcpy(x->host, f.host, f.host_len);
    x->host_len = f.host_len;
    memcpy(x->post, f.post, sizeof(f.post));
    x->post_len = sizeof(f.post);
    x->mem = true;
    x->acc.size = f.size;
    x->acc.write = f.write;
    x->acc.user = (k->mode >> BLOCK_MODE_CPL_SHIFT) == 3;
    return true;
}

/* Whether the memory operand op of a copied instruction may go through
 * the window of its privilege (window.c): 32-bit addressing through a
 * flat segment, no AH..BH beside it (their exchange around the copy would
 * be half-done at a fault), nothing emitted before the copy that reads
 * the operand (DIV's guard), and not an instruction that kept leaving its
 * block from the window (miss_sites.c). */
static bool window_operand(const struct xinsn *x, const ZydisDecodedOperand *ops, const ZydisDecodedOperand *op,
                           const struct block_key *k)
{
    int seg = (int)op->mem.segment - ZYDIS_REGISTER_ES;
    unsigned bytes = op->size / 8;
    if (!window__active((k->mode >> BLOCK_MODE_CPL_SHIFT) == 3) || miss_sites__at(k->cs_base + x->eip)
        || x->in.address_width != 32
        || seg < S_ES || seg > S_GS || !(k->flat & (1u << seg)) || (bytes != 1 && bytes != 2 && bytes != 4)
        || x->in.mnemonic == ZYDIS_MNEMONIC_DIV)
        return false;
    for (unsigned i = 0; i < x->in.operand_count_visible; i++)
        if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER && ops[i].reg.value >= ZYDIS_REGISTER_AH
            && ops[i].reg.value <= ZYDIS_REGISTER_BH)
            return false;
    return true;
}

/* The operand o through the window: its registers the host's, the
 * 32-bit address size kept (the sum wraps as the guest's) and GS's base
 * added by the host (copy_insn sets the prefix). */
static bool window_mem(ZydisEncoderOperand *o)
{
    /* MOV's moffs offset as a disp32 (see rewrite_mem): the 32-bit sum wraps. */
    o->mem.displacement = (int32_t)(uint32_t)o->mem.displacement;
    return host_reg(&o->mem.base) && host_reg(&o->mem.index);
}

/* Whether the host copy reads its operand at GS:[32-bit address] with the
 * guest's displacement. */
static bool window_encoded(const struct xinsn *x, uint32_t disp)
{
    ZydisDecodedInstruction h;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (ZYAN_FAILED(ZydisDecoderDecodeFull(&dec64, x->host, x->host_len, &h, ops)) || h.length != x->host_len
        || h.address_width != 32)
        return false;
    for (unsigned i = 0; i < h.operand_count_visible; i++)
        if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY && h.mnemonic != ZYDIS_MNEMONIC_LEA)
            return ops[i].mem.segment == ZYDIS_REGISTER_GS && (uint32_t)ops[i].mem.disp.value == disp;
    return false;
}

/* The copy of a window operand: with no register in the address the
 * encoder takes the 64-bit address size (a sign-extended disp32), which
 * an address-size prefix turns into the guest's 32-bit one. */
static bool window_encode(struct xinsn *x, ZydisEncoderRequest *req, uint32_t disp)
{
    if (!encode(req, x->host, &x->host_len))
        return false;
    if (window_encoded(x, disp))
        return true;
    if (x->host_len >= HOST_INSN_MAX)
        return false;
    memmove(x->host + 1, x->host, x->host_len++);
    x->host[0] = 0x67;
    return window_encoded(x, disp);
}

/* Re-encode a copied instruction for the host. Returns false when it
 * cannot be copied. */
static bool copy_insn(struct xinsn *x, const ZydisDecodedOperand *ops, const struct block_key *k)
{
    const ZydisDecodedInstruction *in = &x->in;
    if (in->mnemonic == ZYDIS_MNEMONIC_CLD || in->mnemonic == ZYDIS_MNEMONIC_STD) {
        /* DF lives in cpu->eflags (the host's stays clear): pushfq; and or
         * or dword [r13 + eflags], imm32; popfq (guest flags kept). */
        bool set = in->mnemonic == ZYDIS_MNEMONIC_STD;
        uint32_t imm = set ? F_DF : ~F_DF;
        uint8_t op[] = { 0x9c, 0x41, 0x81, set ? 0x4d : 0x65, (uint8_t)offsetof(struct cpu, eflags) };
        memcpy(x->host, op, sizeof(op));
        memcpy(x->host + sizeof(op), &imm, 4);
        x->host[sizeof(op) + 4] = 0x9d;
        x->host_len = sizeof(op) + 5;
        return true;
    }
    if (in->mnemonic == ZYDIS_MNEMONIC_LEAVE)
        return leave_insn(x, k);
    /* A NOP, and the hint NOPs 0F 19-1F whatever their ModRM, touch
     * nothing, not even the memory they name (SDM vol. 2, NOP): no host
     * code (a re-encoding may pick another opcode: the encoder writes
     * 0F 1F /3 with a register as 0F 0D, AMD's PREFETCH group, #UD
     * there). Zydis's other NOPs (0F 0D, 0F 18) are the interpreter's. */
    if (in->mnemonic == ZYDIS_MNEMONIC_NOP) {
        if (in->opcode_map == ZYDIS_OPCODE_MAP_0F && (in->opcode < 0x19 || in->opcode > 0x1f))
            return false;
        x->host_len = 0;
        return true;
    }
    if (string_ops__is(in->mnemonic))
        return string_insn(x, ops, k);
    for (unsigned i = in->operand_count_visible; i < in->operand_count; i++)
        if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
            return false; /* an implicit memory access (stack, string) */
    /* BT* m, r: the bit offset reaches beyond the operand (SDM vol. 2, BT:
     * a register offset addresses the bit string in memory); the
     * interpreter does that access. */
    if ((in->mnemonic == ZYDIS_MNEMONIC_BT || in->mnemonic == ZYDIS_MNEMONIC_BTS
         || in->mnemonic == ZYDIS_MNEMONIC_BTR || in->mnemonic == ZYDIS_MNEMONIC_BTC)
        && ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER)
        return false;
    ZydisEncoderRequest req;
    if (ZYAN_FAILED(ZydisEncoderDecodedInstructionToEncoderRequest(in, ops, in->operand_count_visible, &req)))
        return false;
    /* AH..BH cannot sit beside [R14] (a REX prefix makes them SPL..DIL):
     * the copy uses AL..BL between two XCHGs of the register's bytes,
     * unless the instruction also reads a register implicitly. */
    int high = -1;
    uint32_t window_disp = 0;
    for (unsigned i = 0; i < req.operand_count; i++) {
        ZydisEncoderOperand *o = &req.operands[i];
        switch (o->type) {
        case ZYDIS_OPERAND_TYPE_REGISTER:
            if (o->reg.value >= ZYDIS_REGISTER_AH && o->reg.value <= ZYDIS_REGISTER_BH && has_memory_operand(in, ops)) {
                if (high >= 0 || implicit_gpr(in, ops))
                    return false;
                high = o->reg.value - ZYDIS_REGISTER_AH;
                o->reg.value = (ZydisRegister)(ZYDIS_REGISTER_AL + high);
            }
            if (!host_reg(&o->reg.value))
                return false;
            break;
        case ZYDIS_OPERAND_TYPE_MEMORY:
            if (in->mnemonic == ZYDIS_MNEMONIC_LEA) {
                /* Only an address computation; 16-bit addressing has no
                 * 64-bit host form. */
                if (in->address_width != 32 || !host_reg(&o->mem.base) || !host_reg(&o->mem.index))
                    return false;
            } else if (x->mem || x->window) {
                return false;
            } else if (window_operand(x, ops, &ops[i], k)) {
                if (!window_mem(o))
                    return false;
                x->window = true;
                window_disp = (uint32_t)o->mem.displacement;
            } else if (!rewrite_mem(x, &ops[i], o, k, true)) {
                return false;
            }
            break;
        case ZYDIS_OPERAND_TYPE_IMMEDIATE:
            break;
        default:
            return false;
        }
    }
    /* The guest's address size means nothing to the host but for its own
     * memory operand ([R14], 64-bit) and LEA's arithmetic; a 16-bit hint
     * (16-bit code) has no 64-bit encoding. */
    if (x->window)
        req.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_32;
    else if (x->mem)
        req.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_64;
    else if (in->mnemonic != ZYDIS_MNEMONIC_LEA)
        req.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_NONE;
    /* F3 0F BC/BD decode as TZCNT/LZCNT, which the host has: the guest's
     * CPU runs them as BSF/BSR (SDM vol. 2, 2.1.1: the prefix is ignored). */
    if (in->mnemonic == ZYDIS_MNEMONIC_TZCNT || in->mnemonic == ZYDIS_MNEMONIC_LZCNT) {
        req.mnemonic = in->mnemonic == ZYDIS_MNEMONIC_TZCNT ? ZYDIS_MNEMONIC_BSF : ZYDIS_MNEMONIC_BSR;
        req.prefixes &= ~(ZydisInstructionAttributes)(ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE);
    }
    req.prefixes &= ~(ZydisInstructionAttributes)(ZYDIS_ATTRIB_HAS_SEGMENT_CS | ZYDIS_ATTRIB_HAS_SEGMENT_SS
                      | ZYDIS_ATTRIB_HAS_SEGMENT_DS | ZYDIS_ATTRIB_HAS_SEGMENT_ES
                      | ZYDIS_ATTRIB_HAS_SEGMENT_FS | ZYDIS_ATTRIB_HAS_SEGMENT_GS);
    if (x->window) {
        req.prefixes |= ZYDIS_ATTRIB_HAS_SEGMENT_GS;
        return window_encode(x, &req, window_disp);
    }
    if (high < 0)
        return encode(&req, x->host, &x->host_len);
    uint8_t swap[2] = { 0x86, (uint8_t)(0xc0 | (4 + high) << 3 | high) }; /* xchg AL+n, AH+n */
    uint8_t len;
    if (!encode(&req, x->host + 2, &len) || len + 4 > HOST_INSN_MAX)
        return false;
    memcpy(x->host, swap, 2);
    memcpy(x->host + 2 + len, swap, 2);
    x->host_len = (uint8_t)(len + 4);
    return true;
}

/* The target of a relative JMP/Jcc, or false when it lies beyond the CS
 * limit (the interpreter raises #GP(0) there). The operand size sets the
 * IP width (SDM vol. 2, JMP and Jcc). */
static bool branch_target(struct xinsn *x, const ZydisDecodedOperand *op, uint32_t next, uint32_t cs_limit)
{
    if (op->type != ZYDIS_OPERAND_TYPE_IMMEDIATE || !op->imm.is_relative)
        return false;
    uint32_t t = next + (uint32_t)op->imm.value.s;
    if (x->in.operand_width == 16)
        t &= 0xffff;
    x->target = t;
    return t <= cs_limit;
}

static void put_bytes(uint8_t *buf, uint8_t *len, const void *b, size_t n)
{
    memcpy(buf + *len, b, n);
    *len = (uint8_t)(*len + n);
}

/* mov r8d, the guest register op (a 32-bit one): an indirect target. */
static bool target_from_reg(struct xinsn *x, const ZydisDecodedOperand *op)
{
    if (ZydisRegisterGetClass(op->reg.value) != ZYDIS_REGCLASS_GPR32)
        return false;
    int g = (int)(op->reg.value - ZYDIS_REGISTER_EAX);
    int h = g == R_ESP ? 12 : g;
    put_bytes(x->host, &x->host_len,
              (const uint8_t[]){ (uint8_t)(0x41 | (h >= 8 ? 0x04 : 0)), 0x89, (uint8_t)(0xc0 | (h & 7) << 3) }, 3);
    return true;
}

/* JMP r/m32 near in 32-bit code with a 4 GiB CS limit (no #GP possible
 * on the target): the target into R8D, from the register or through the
 * inline lookup; the block ends with the indirect-branch probe. */
static bool jmp_indirect(struct xinsn *x, const ZydisDecodedOperand *ops, const struct block_key *k)
{
    const ZydisDecodedOperand *op = &ops[0];
    ZydisEncoderRequest req;
    if (x->in.operand_width != 32 || !(k->mode & BLOCK_MODE_CODE32) || k->cs_limit != 0xffffffffu)
        return false;
    x->indirect = true;
    if (op->type == ZYDIS_OPERAND_TYPE_REGISTER)
        return target_from_reg(x, op);
    if (op->type != ZYDIS_OPERAND_TYPE_MEMORY
        || ZYAN_FAILED(ZydisEncoderDecodedInstructionToEncoderRequest(&x->in, ops, x->in.operand_count_visible, &req))
        || !rewrite_mem(x, op, &req.operands[0], k, true))
        return false;
    put_bytes(x->host, &x->host_len, (const uint8_t[]){ 0x45, 0x8b, 0x06 }, 3); /* mov r8d, [r14] */
    return true;
}

/* PUSH r32/imm, POP r32, CALL rel32 and RET with a 32-bit flat stack: the
 * stack slot's address into R14D, the access through the inline lookup
 * (so a fault leaves ESP untouched), then ESP moves (LEA: flags kept).
 * RET needs a CS limit of 4 GiB (no #GP possible on its target). */
static bool stack_insn(struct xinsn *x, const ZydisDecodedOperand *ops, const struct block_key *k, uint32_t next)
{
    unsigned kind = x->kind & K_KIND_MASK;
    bool down = kind == K_PUSH || kind == K_CALL;
    const ZydisDecodedOperand *op = &ops[0];
    int g = -1; /* the guest register pushed or popped */
    if (!(k->flat & (1u << S_SS)) || x->in.operand_width != 32 || x->in.address_width != 32)
        return false;
    if ((kind == K_PUSH || kind == K_POP) && op->type == ZYDIS_OPERAND_TYPE_REGISTER
        && ZydisRegisterGetClass(op->reg.value) == ZYDIS_REGCLASS_GPR32)
        g = (int)(op->reg.value - ZYDIS_REGISTER_EAX);
    int h = g == R_ESP ? 12 : g; /* its host register */
    uint8_t rex = 0x41 | (h >= 8 ? 0x04 : 0);

    if (down)
        put_bytes(x->lea, &x->lea_len, (const uint8_t[]){ 0x45, 0x8d, 0x74, 0x24, 0xfc }, 5); /* lea r14d, [r12-4] */
    else
        put_bytes(x->lea, &x->lea_len, (const uint8_t[]){ 0x45, 0x89, 0xe6 }, 3);             /* mov r14d, r12d */
    switch (kind) {
    case K_PUSH:
        if (g >= 0) {
            put_bytes(x->host, &x->host_len, (const uint8_t[]){ rex, 0x89, (uint8_t)((h & 7) << 3 | 6) }, 3);
        } else if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
            uint32_t v = (uint32_t)op->imm.value.u;
            put_bytes(x->host, &x->host_len, (const uint8_t[]){ 0x41, 0xc7, 0x06 }, 3);       /* mov dword [r14], imm32 */
            put_bytes(x->host, &x->host_len, &v, 4);
        } else {
            return false;
        }
        break;
    case K_POP:
        /* POP ESP loads ESP itself (SDM vol. 2, POP): left to the interpreter. */
        if (g < 0 || g == R_ESP)
            return false;
        put_bytes(x->host, &x->host_len, (const uint8_t[]){ rex, 0x8b, (uint8_t)((h & 7) << 3 | 6) }, 3);
        break;
    case K_CALL:
        /* CALL r32 reads its register before ESP moves (the post), so
         * CALL ESP jumps to the old ESP, as the SDM has it. */
        x->indirect = op->type == ZYDIS_OPERAND_TYPE_REGISTER;
        if (x->indirect ? k->cs_limit != 0xffffffffu : !branch_target(x, op, next, k->cs_limit))
            return false;
        put_bytes(x->host, &x->host_len, (const uint8_t[]){ 0x41, 0xc7, 0x06 }, 3);           /* mov dword [r14], next */
        put_bytes(x->host, &x->host_len, &next, 4);
        if (x->indirect && !target_from_reg(x, op))
            return false;
        break;
    default: /* K_RET */
        if (x->in.operand_count_visible != 0 || k->cs_limit != 0xffffffffu)
            return false;
        put_bytes(x->host, &x->host_len, (const uint8_t[]){ 0x45, 0x8b, 0x06 }, 3);           /* mov r8d, [r14] */
        break;
    }
    put_bytes(x->post, &x->post_len, (const uint8_t[]){ 0x45, 0x8d, 0x64, 0x24, (uint8_t)(down ? 0xfc : 0x04) }, 5);
    x->mem = true;
    x->acc.size = 4;
    x->acc.write = down;
    x->acc.user = (k->mode >> BLOCK_MODE_CPL_SHIFT) == 3;
    return true;
}

enum { ESP_KEEP, ESP_DELTA, ESP_UNKNOWN };

/* Whether a copied instruction that writes ESP only adds a constant:
 * ADD/SUB ESP, imm or LEA ESP, [ESP + disp]. */
static bool esp_constant_step(struct xinsn *x, const ZydisDecodedOperand *ops)
{
    const ZydisDecodedInstruction *in = &x->in;
    if (in->operand_width != 32 || ops[0].type != ZYDIS_OPERAND_TYPE_REGISTER || ops[0].reg.value != ZYDIS_REGISTER_ESP)
        return false;
    if ((in->mnemonic == ZYDIS_MNEMONIC_ADD || in->mnemonic == ZYDIS_MNEMONIC_SUB)
        && ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
        uint32_t imm = (uint32_t)ops[1].imm.value.u; /* ESP wraps at 32 bits */
        x->esp_delta = (int32_t)(in->mnemonic == ZYDIS_MNEMONIC_ADD ? imm : 0u - imm);
        return true;
    }
    if (in->mnemonic == ZYDIS_MNEMONIC_LEA && in->address_width == 32 && ops[1].mem.base == ZYDIS_REGISTER_ESP
        && ops[1].mem.index == ZYDIS_REGISTER_NONE) {
        x->esp_delta = (int32_t)ops[1].mem.disp.value;
        return true;
    }
    return false;
}

/* What pass_emit's stack and frame runs need: whether the inline access
 * is at a constant offset from ESP (a [ESP + disp] operand without index,
 * or a PUSH/POP/CALL/RET slot) or from EBP (an [EBP + disp] operand
 * without index through a flat segment, of a copied instruction), how the instruction changes ESP and whether it
 * writes EBP. */
static void note_stack(struct xinsn *x, const ZydisDecodedOperand *ops)
{
    for (unsigned i = 0; i < x->in.operand_count; i++) {
        const ZydisDecodedOperand *o = &ops[i];
        if (o->type == ZYDIS_OPERAND_TYPE_REGISTER && (o->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)
            && ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LEGACY_32, o->reg.value) == ZYDIS_REGISTER_EBP)
            x->writes_ebp = true;
        if (o->type == ZYDIS_OPERAND_TYPE_MEMORY && i < x->in.operand_count_visible && x->mem && !x->based
            && (x->kind & K_KIND_MASK) == K_COPY && o->mem.base == ZYDIS_REGISTER_EBP
            && o->mem.index == ZYDIS_REGISTER_NONE) {
            x->frame_acc = true;
            x->frame_off = (int32_t)o->mem.disp.value;
        }
    }
    unsigned kind = x->kind & K_KIND_MASK;
    bool down = kind == K_PUSH || kind == K_CALL;
    if (down || kind == K_POP || kind == K_RET) {
        x->stack_acc = true;
        x->stack_off = down ? -4 : 0;
        x->esp_change = ESP_DELTA;
        x->esp_delta = down ? -4 : 4;
        return;
    }
    for (unsigned i = 0; i < x->in.operand_count; i++) {
        const ZydisDecodedOperand *o = &ops[i];
        if (o->type == ZYDIS_OPERAND_TYPE_REGISTER && (o->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)
            && ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LEGACY_32, o->reg.value) == ZYDIS_REGISTER_ESP)
            x->esp_change = esp_constant_step(x, ops) ? ESP_DELTA : ESP_UNKNOWN;
        if (o->type == ZYDIS_OPERAND_TYPE_MEMORY && i < x->in.operand_count_visible && x->mem
            && o->mem.base == ZYDIS_REGISTER_ESP && o->mem.index == ZYDIS_REGISTER_NONE) {
            x->stack_acc = true;
            x->stack_off = (int32_t)o->mem.disp.value;
        }
    }
}

/* Pass 1: decode and classify until the block ends. */
static void pass_decode(struct xblock *xb, struct cpu *cpu)
{
    const struct block_key *k = xb->k;
    uint8_t bytes[BLOCK_MAX_BYTES + HOST_INSN_MAX];
    size_t room = 0x1000 - (k->lin & 0xfff);
    size_t want = room < BLOCK_MAX_BYTES ? room + HOST_INSN_MAX : BLOCK_MAX_BYTES + HOST_INSN_MAX;
    size_t avail = guest_code__read(cpu, k->lin, bytes, want);
    bool code32 = k->mode & BLOCK_MODE_CODE32;
    uint32_t ip_mask = code32 ? 0xffffffffu : 0xffffu;
    uint32_t lim = k->cs_limit < ip_mask ? k->cs_limit : ip_mask;
    uint32_t eip = cpu->eip;
    size_t off = 0;

    while (xb->n < BLOCK_MAX_INSNS && off < room && off < BLOCK_MAX_BYTES) {
        struct xinsn *x = &xb->x[xb->n];
        ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
        memset(x, 0, sizeof(*x));
        if (ZYAN_FAILED(ZydisDecoderDecodeFull(code32 ? &dec32 : &dec16, bytes + off, avail - off, &x->in, ops)))
            break;
        uint32_t next = eip + x->in.length;
        /* Every byte within the CS limit, without wrapping the IP. */
        if ((uint64_t)eip + x->in.length - 1 > lim)
            break;
        x->eip = eip;
        x->kind = insn_table__kind(x->in.mnemonic);
        /* Far CALL/JMP/RET share their mnemonics with the near forms. */
        if (x->in.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
            x->kind = K_NONE;
        bool ok;
        switch (x->kind & K_KIND_MASK) {
        case K_COPY:
            ok = copy_insn(x, ops, k);
            break;
        case K_JCC:
            ok = branch_target(x, &ops[0], next, k->cs_limit);
            break;
        case K_JMP:
            ok = ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE ? branch_target(x, &ops[0], next, k->cs_limit)
                                                             : jmp_indirect(x, ops, k);
            break;
        case K_PUSH:
        case K_POP:
        case K_CALL:
        case K_RET:
            ok = stack_insn(x, ops, k, next);
            break;
        case K_X87: {
            /* On the host FPU (fpu_emit.c); a memory operand through the
             * inline lookup, its segment kept in x->target. */
            ZydisDecodedOperand m = { 0 };
            unsigned size = fpu_emit__form(&x->in, ops, &m);
            ZydisEncoderOperand o = { .type = ZYDIS_OPERAND_TYPE_MEMORY,
                                      .mem = { m.mem.base, m.mem.index, m.mem.scale, m.mem.disp.value, 4 } };
            ok = size == 1 || (size > 1 && rewrite_mem(x, &m, &o, k, false)); /* FDP = the offset */
            x->acc.size = size;
            x->target = (uint32_t)(m.mem.segment - ZYDIS_REGISTER_ES);
            break;
        }
        default:
            ok = false;
        }
        bool ends;
        if ((!ok || (x->in.attributes & ZYDIS_ATTRIB_HAS_LOCK)) && sys_callout__takes(&x->in, x->kind, &ends)) {
            /* The interpreter runs it from the block (sys_callout.c),
             * reading and writing every flag and any register. */
            static const ZydisAccessedFlags all_flags = { .tested = F_ARITH };
            ZydisDecodedInstruction in = x->in;
            memset(x, 0, sizeof(*x));
            x->in = in;
            x->in.cpu_flags = &all_flags;
            x->eip = eip;
            x->kind = ends ? K_SYS_END : K_SYS;
            x->esp_change = ESP_UNKNOWN;
            x->writes_ebp = true;
            ok = true;
        } else if (x->in.attributes & ZYDIS_ATTRIB_HAS_LOCK) {
            ok = false;
        }
        if (!ok) {
            /* A block of no instruction keeps the bytes of the one it
             * refused, so that new code written there is looked at again. */
            if (xb->n == 0)
                xb->nbytes = x->in.length;
            return;
        }
        if ((x->kind & K_KIND_MASK) != K_SYS && (x->kind & K_KIND_MASK) != K_SYS_END)
            note_stack(x, ops);
        xb->n++;
        off += x->in.length;
        xb->nbytes = off;
        eip = next & ip_mask;
        unsigned kind = x->kind & K_KIND_MASK;
        if (kind != K_COPY && kind != K_PUSH && kind != K_POP && kind != K_X87 && kind != K_SYS)
            return;
    }
}

/* Pass 2: which lookups must keep the guest flags. */
static void pass_liveness(struct xblock *xb)
{
    uint32_t live = F_ARITH; /* the next block may read any flag */
    for (unsigned i = xb->n; i-- > 0;) {
        struct xinsn *x = &xb->x[i];
        const ZydisAccessedFlags *f = x->in.cpu_flags;
        uint32_t tested = f ? f->tested : 0;
        uint32_t written = f && !(x->kind & K_FLAGS_MAYBE) ? f->modified | f->set_0 | f->set_1 : 0;
        live = (tested | (live & ~written)) & F_ARITH;
        x->acc.save_flags = live != 0;
    }
}

/* The run that starts at instruction i, whose first access is at a
 * constant offset from ESP (a stack run) or, when frame, from EBP: it
 * ends at the first instruction that changes ESP by an unknown amount
 * (frame: that may write EBP), inclusive (its access comes first);
 * offsets are from the register at i (ESP moves by known amounts inside
 * a stack run). False when its accesses span a page or more. */
static bool base_run(const struct xblock *xb, unsigned i, bool frame, struct stack_run *r)
{
    const struct xinsn *x = &xb->x[i];
    int64_t delta = 0, lo = frame ? x->frame_off : x->stack_off, hi = lo;
    *r = (struct stack_run){ .frame = frame, .user = x->acc.user, .save_flags = x->acc.save_flags, .eip = x->eip,
                             .count = i };
    for (unsigned j = i; j < xb->n; j++) {
        const struct xinsn *y = &xb->x[j];
        if (frame ? y->frame_acc : y->stack_acc) {
            int64_t at = delta + (frame ? y->frame_off : y->stack_off);
            lo = at < lo ? at : lo;
            hi = at + y->acc.size - 1 > hi ? at + y->acc.size - 1 : hi;
            r->write |= y->acc.write;
        }
        if (frame ? y->writes_ebp : y->esp_change == ESP_UNKNOWN)
            break;
        delta += !frame && y->esp_change == ESP_DELTA ? y->esp_delta : 0;
    }
    r->lo = (int32_t)lo;
    r->hi = (int32_t)hi;
    return hi - lo < 0x1000 && lo >= INT32_MIN && hi <= INT32_MAX;
}

/* Whether instruction i continues the run of x87 instructions before it
 * (fpu_emit.c emits a run whole, its lookups first, of FPU_RUN_MAX at
 * most: a run breaks at every multiple of it), which an operand at
 * a constant offset from ESP does not (its stack-run lookup comes here). */
static bool x87_continues(const struct xblock *xb, unsigned i)
{
    return i % FPU_RUN_MAX && (xb->x[i].kind & K_KIND_MASK) == K_X87 && (xb->x[i - 1].kind & K_KIND_MASK) == K_X87
        && !xb->x[i].stack_acc;
}

/* Whether x's host code is its copy alone, which leaves the lookup's
 * registers (R10, R14) as they were; the kinds that call out or emit more
 * code might not. */
static bool plain_copy(const struct xinsn *x)
{
    unsigned kind = x->kind & K_KIND_MASK;
    return (kind == K_COPY || kind == K_PUSH || kind == K_POP) && x->in.mnemonic != ZYDIS_MNEMONIC_DIV;
}

/* Whether R10 still holds the guest flags a lookup saved before x, after
 * x: a plain copy that writes no flag. */
static bool keeps_saved_flags(const struct xinsn *x)
{
    const ZydisAccessedFlags *f = x->in.cpu_flags;
    return plain_copy(x) && (!f || !(f->modified | f->set_0 | f->set_1 | f->undefined));
}

/* Where x's host copy, a single instruction whose memory operand is [r14]
 * (ModRM mod 00, r/m 110 with REX.B: no SIB, no displacement), has that
 * ModRM byte, so that a stack run's offset can become its displacement;
 * 0 when it has none such (or is more than a plain copy). */
static unsigned r14_modrm(const struct xinsn *x)
{
    ZydisDecodedInstruction h;
    if (!plain_copy(x) || ZYAN_FAILED(ZydisDecoderDecodeInstruction(&dec64, NULL, x->host, x->host_len, &h))
        || h.length != x->host_len || !(h.attributes & ZYDIS_ATTRIB_HAS_MODRM) || !(h.attributes & ZYDIS_ATTRIB_HAS_REX))
        return 0;
    return h.raw.modrm.mod == 0 && h.raw.modrm.rm == 6 && h.raw.rex.B ? h.raw.modrm.offset : 0;
}

/* x's host copy with [r14 + disp] for its [r14] at ModRM offset m (a
 * disp8 where it fits, else a disp32). */
static void emit_folded(struct emit *e, const struct xinsn *x, unsigned m, int32_t disp)
{
    bool d8 = disp == (int8_t)disp;
    emit__bytes(e, x->host, m);
    emit__bytes(e, (const uint8_t[]){ (uint8_t)(x->host[m] | (d8 ? 0x40 : 0x80)) }, 1);
    emit__bytes(e, &disp, d8 ? 1 : 4); /* little-endian: the low byte first */
    emit__bytes(e, x->host + m + 1, x->host_len - m - 1u);
}

/* Pass 3: host code. A run of accesses at constant offsets from ESP
 * (compiled code's pushes, pops, locals and spills) takes one lookup for
 * all: emit__stack_base. A lookup after another with no flag written
 * between them saves no flags: R10 has them. */
static void pass_emit(struct xblock *xb, struct emit *e, uint32_t eip, uint32_t end_eip)
{
    enum { RUN_NONE, RUN_BASE, RUN_LOOKUPS } run = RUN_NONE, frun = RUN_NONE; /* stack, frame */
    int64_t delta = 0; /* ESP now minus ESP at the stack run's start */
    bool flags_in_r10 = false;
    int32_t r14_at = 0;  /* the offset in run r14_run whose host address R14 holds, */
    int r14_run = -1;    /* 0 the stack run, 1 the frame run, -1 none */
    emit__prologue(e, eip);
    for (unsigned i = 0; i < xb->n; i++) {
        struct xinsn *x = &xb->x[i];
        uint32_t next = x->eip + x->in.length;
        if (!(xb->k->mode & BLOCK_MODE_CODE32))
            next &= 0xffff;
        struct stack_run r;
        bool x87_cont = x87_continues(xb, i);
        bool split = miss_sites__at(xb->k->cs_base + x->eip), starts = false;
        if (x->stack_acc && run == RUN_NONE) {
            run = base_run(xb, i, false, &r) && !split ? RUN_BASE : RUN_LOOKUPS;
            delta = 0;
            starts = run == RUN_BASE;
        } else if (x->frame_acc && frun == RUN_NONE) {
            frun = base_run(xb, i, true, &r) && !split ? RUN_BASE : RUN_LOOKUPS;
            starts = frun == RUN_BASE;
        }
        if (starts) {
            r.flags_in_r10 = flags_in_r10 && (x->kind & K_KIND_MASK) != K_X87;
            emit__stack_base(e, &r);
            flags_in_r10 = true;
            r14_at = 0;
            r14_run = x->frame_acc;
        }
        unsigned fold = 0; /* the host copy's [r14] ModRM takes fold_disp */
        int32_t fold_disp = 0;
        if ((x->stack_acc && run == RUN_BASE) || (x->frame_acc && frun == RUN_BASE)) {
            /* R14 at the access's offset, or, where the copy can take a
             * displacement, left where it is (at the run's base if not
             * known) and the difference folded into the copy. */
            int which = x->frame_acc;
            int32_t at = which ? x->frame_off : (int32_t)(delta + x->stack_off);
            bool known = r14_run == which;
            fold = r14_modrm(x);
            int32_t to = !fold ? at : known ? r14_at : 0;
            emit__stack_access(e, which, to, known ? &r14_at : NULL);
            fold_disp = at - to;
            r14_at = to;
            r14_run = which;
        } else if (x->mem && !x87_cont) {
            x->acc.eip = x->eip;
            x->acc.count = i;
            x->acc.flags_in_r10 = flags_in_r10 && (x->kind & K_KIND_MASK) != K_X87;
            emit__bytes(e, x->lea, x->lea_len);
            emit__lookup(e, &x->acc);
            flags_in_r10 = true;
            r14_run = -1;
        }
        if (x->in.mnemonic == ZYDIS_MNEMONIC_DIV)
            div_guard__emit(e, &x->in, x->mem, x->eip, i); /* #DE goes to the interpreter */
        if ((x->kind & K_KIND_MASK) == K_X87 && !x87_cont) {
            struct fpu_insn fi[BLOCK_MAX_INSNS];
            unsigned n = 0;
            do {
                const struct xinsn *y = &xb->x[i + n];
                fi[n] = (struct fpu_insn){ &y->in, y->eip, i + n, y->mem ? y->lea : NULL, y->lea_len, (int)y->target,
                                           y->acc };
            } while (i + ++n < xb->n && x87_continues(xb, i + n));
            fpu_emit__run(e, fi, n);
        }
        if ((x->kind & K_KIND_MASK) == K_SYS || (x->kind & K_KIND_MASK) == K_SYS_END)
            sys_callout__emit(e, &x->in, x->eip, next, i);
        if (x->window)
            emit__window_site(e, x->eip, i, flags_in_r10);
        if (fold)
            emit_folded(e, x, fold, fold_disp);
        else
            emit__bytes(e, x->host, x->host_len);
        emit__bytes(e, x->post, x->post_len);
        flags_in_r10 = flags_in_r10 && keeps_saved_flags(x);
        r14_run = plain_copy(x) ? r14_run : -1;
        if (x->esp_change == ESP_UNKNOWN)
            run = RUN_NONE;
        if (x->writes_ebp)
            frun = RUN_NONE;
        delta += x->esp_change == ESP_DELTA ? x->esp_delta : 0;
        switch (x->kind & K_KIND_MASK) {
        case K_CALL:
        case K_JMP:
            if (x->indirect)
                emit__exit_indirect(e);
            else
                emit__exit_chain(e, 0, x->target);
            return;
        case K_RET:
            emit__exit_indirect(e);
            return;
        case K_SYS_END: /* the callout's leave path is the block's end */
            return;
        case K_JCC:
            emit__jcc(e, x->in.opcode & 0xf, x->target, next);
            return;
        }
    }
    emit__exit_chain(e, 0, end_eip);
}

/* Write-protect the block's guest bytes (code_wp) and record their
 * physical places. False when they cannot be protected. */
static bool protect_block(struct block *b, struct cpu *cpu)
{
    const struct block_key *k = &b->key;
    uint32_t room = 0x1000 - (k->lin & 0xfff);
    uint32_t n = b->nbytes ? b->nbytes : 1; /* a refusal keeps its first byte */
    if (n > room) {
        uint32_t next = (k->lin & ~0xfffu) + 0x1000;
        if (!guest_code__phys(cpu, next, &b->phys2))
            return false;
        b->nbytes2 = (uint16_t)(n - room);
        if (!code_wp__mark_translated(cpu, b->phys2, b->nbytes2))
            return false;
    }
    return code_wp__mark_translated(cpu, k->phys | (k->lin & 0xfff), n - b->nbytes2);
}

struct block *translator__block(struct cache *c, struct cpu *cpu, const struct block_key *k)
{
    static struct xblock xb; /* large; one translation at a time */
    if (!ready)
        translate__init();
    uint8_t *code, *guest;
    struct block *b = cache__begin(c, BLOCK_CODE_CAP, BLOCK_MAX_BYTES + HOST_INSN_MAX, &code, &guest);
    if (!b)
        return NULL;

    xb.k = k;
    xb.n = 0;
    xb.nbytes = 0;
    seg_want = 0;
    pass_decode(&xb, cpu);
    pass_liveness(&xb);
    b->key = *k; /* the indirect exit's probe reads it */
    b->ctx = (int8_t)cache__context(c, k);
    struct emit e = { .p = code, .stubs = cache__reserved(c), .b = b, .ninsns = xb.n, .ibl = cache__ibl(c) };
    uint32_t end_eip = cpu->eip + (xb.n ? (uint32_t)xb.nbytes : 0);
    if (!(k->mode & BLOCK_MODE_CODE32))
        end_eip &= 0xffff;
    pass_emit(&xb, &e, cpu->eip, end_eip);
    emit__misses(&e);

    b->ninsns = (uint16_t)xb.n;
    b->seg_want = seg_want;
    b->nbytes = (uint16_t)guest_code__read(cpu, k->lin, guest, xb.nbytes);
    if (!protect_block(b, cpu))
        b->ninsns = 0; /* the interpreter runs it: nothing to keep coherent */
    b->host_len = (uint32_t)(e.p - code);
    emit__sites(&e);
    cache__commit(c, b);
    block_log__block(b); /* -d in_asm,out_asm */
    return b;
}
