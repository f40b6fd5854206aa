/* test_bt_diff.c - differential test of the binary translator: random
 * straight-line blocks of register and memory instructions (with forward
 * branches and a few instructions the translator leaves to the
 * interpreter) run under bt and under the interpreter from the same random
 * state; the final registers, EIP, EFLAGS and data memory must be equal.
 * Besides ALU, moves, shifts and flags: multiplies, BT*, BSF/BSR,
 * SHLD/SHRD, RCL/RCR, XADD, CMPXCHG, BSWAP, LAHF/SAHF, CLD/STD, PAUSE,
 * LEAVE, F3 0F BC/BD, AH..BH beside a memory operand, string
 * instructions with and without REP, DIV; runs of x87 and MMX
 * instructions (register and memory forms, x87 control instructions)
 * from a random x87 state, whose whole state is compared too.
 * Memory operands (some through GS with a random base, the sum wrapping
 * past 4 GiB) address a window across a page boundary, so aligned,
 * misaligned and page-crossing accesses all occur. BT_DIFF_CASES sets the count
 * (default 3000; the full run is 1000000). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "bt_fixture.h"
#include "check_main.h"

#define MAX_CODE 512

static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

struct gen {
    uint8_t b[MAX_CODE];
    size_t n;
};

static void put(struct gen *g, unsigned byte)
{
    g->b[g->n++] = (uint8_t)byte;
}

static void put_imm(struct gen *g, int bytes)
{
    for (int i = 0; i < bytes; i++)
        put(g, rnd());
}

#define DATA_WINDOW 0x2000u /* FIX_DATA .. +8 KiB: two pages */
/* Ring 3's system structures and ring-0 handler (fix_ring3). */
#define R3_GDT 0x40000u
#define R3_IDT 0x40100u
#define R3_TSS 0x40400u
#define R3_HANDLER 0x40800u
#define R3_STACK0 0x48000u


/* Whether the blocks run as 16-bit code (real mode), where a 66 prefix
 * selects 32-bit operands and its absence 16-bit ones. */
static bool code16;

/* Immediate bytes of an instruction of size 0 (8-bit), 1 (with a 66
 * prefix) or 2 (without). */
static int imm_bytes(unsigned size)
{
    return size == 0 ? 1 : (size == 1) == code16 ? 4 : 2;
}

static unsigned modrm_reg(unsigned reg, unsigned rm)
{
    return 0xc0 | (reg & 7) << 3 | (rm & 7);
}

/* The GS base of a block in 32-bit code (random, so that base + offset
 * wraps past 4 GiB about half the time, or below a page, so that the
 * offset alone also lies in the data window: a translation that dropped
 * the base would hit there), and what put_mem subtracts from its
 * address: gs_base while it writes a GS-based operand (gs_operand). */
static uint32_t gs_base, mem_bias;

/* Sometimes a GS prefix on the memory operand that follows. */
static void gs_operand(struct gen *g)
{
    if (!code16 && rnd() % 3 == 0) {
        put(g, 0x65);
        mem_bias = gs_base;
    }
}

/* ModRM of [disp32] (and its displacement) in the data window, often
 * near the page boundary in the middle. */
static void put_mem(struct gen *g, unsigned reg)
{
    put(g, (reg & 7) << 3 | 5);
    uint32_t at = rnd() % 2 ? 0x1000 - 4 + rnd() % 8 : rnd() % (DATA_WINDOW - 4);
    uint32_t a = FIX_DATA + at - mem_bias;
    for (int i = 0; i < 4; i++)
        put(g, a >> (8 * i));
}

/* One random instruction with a memory operand. */
static void gen_mem_insn(struct gen *g, unsigned size)
{
    unsigned w = size != 0;
    switch (rnd() % 8) {
    case 0: case 1: /* ALU r/m, r and r, r/m; mov */
        put(g, rnd() % 4 ? (rnd() % 8) << 3 | (rnd() % 2) << 1 | w : 0x88 | (rnd() % 2) << 1 | w);
        put_mem(g, rnd());
        break;
    case 2: /* ALU r/m, imm */
        put(g, size == 0 ? 0x80 : 0x83);
        put_mem(g, rnd());
        put(g, rnd());
        break;
    case 3: /* inc, dec, not, neg, test */
        if (rnd() & 1) {
            put(g, 0xfe | w);
            put_mem(g, rnd() % 2);
        } else {
            put(g, 0xf6 | w);
            put_mem(g, 2 + rnd() % 2);
        }
        break;
    case 4: /* shifts by 1 and imm */
    {
        bool imm = rnd() & 1;
        put(g, (imm ? 0xc0 : 0xd0) | w);
        put_mem(g, (const unsigned[]){ 0, 1, 4, 5, 7 }[rnd() % 5]);
        if (imm)
            put(g, rnd() % 40);
        break;
    }
    case 5: /* movzx, movsx */
        put(g, 0x0f);
        put(g, (rnd() & 1 ? 0xb6 : 0xbe) | (rnd() & 1));
        put_mem(g, rnd());
        break;
    case 6: /* setcc, cmovcc */
        put(g, 0x0f);
        if (rnd() & 1) {
            put(g, 0x90 + rnd() % 16);
            put_mem(g, 0);
        } else {
            put(g, 0x40 + rnd() % 16);
            put_mem(g, rnd());
        }
        break;
    default: /* xchg, test r/m, r */
        put(g, ((rnd() & 1) ? 0x86 : 0x84) | w);
        put_mem(g, rnd());
        break;
    }
}

/* ESP somewhere around the data window's page boundary, then a stack
 * instruction: PUSH r32/imm, POP r32, CALL to the next instruction, or
 * PUSH of the next instruction's address and RET. */
static void gen_stack_insn(struct gen *g)
{
    uint32_t esp = FIX_DATA + 0x1000 - 8 + rnd() % 16;
    put(g, 0xbc);
    for (int i = 0; i < 4; i++)
        put(g, esp >> (8 * i));
    switch (rnd() % 7) {
    case 6: /* mov ebp, near the boundary; leave */
    {
        uint32_t ebp = FIX_DATA + 0x1000 - 8 + rnd() % 16;
        put(g, 0xbd);
        for (int i = 0; i < 4; i++)
            put(g, ebp >> (8 * i));
        put(g, 0xc9);
        break;
    }
    case 0: put(g, 0x50 + rnd() % 8); break;
    case 1: put(g, 0x58 + rnd() % 8); break;
    case 2: put(g, 0x6a); put(g, rnd()); break;
    case 3: put(g, 0x68); put_imm(g, 4); break;
    case 4: put(g, 0xe8); for (int i = 0; i < 4; i++) put(g, 0); break;
    default:
    {
        uint32_t next = FIX_CODE + (uint32_t)g->n + 6;
        put(g, 0x68);
        for (int i = 0; i < 4; i++)
            put(g, next >> (8 * i));
        put(g, 0xc3);
    }
    }
}

/* ModRM with reg field `reg`: a register operand, or a memory operand in
 * the data window. */
static void put_rm(struct gen *g, unsigned reg, bool mem)
{
    if (mem)
        put_mem(g, reg);
    else
        put(g, modrm_reg(reg, rnd()));
}

/* Multiplies, bit tests and scans, double shifts, RCL/RCR, XADD, CMPXCHG
 * and BSWAP, in register or memory form. Forms without an 8-bit operand
 * take size 0 as 32 bits. */
static void gen_more_insn(struct gen *g, unsigned size, bool mem)
{
    unsigned w = size != 0;
    switch (rnd() % 9) {
    case 0: /* mul, imul r/m */
        put(g, 0xf6 | w);
        put_rm(g, 4 + rnd() % 2, mem);
        break;
    case 1: /* imul r, r/m; imul r, r/m, imm8; imul r, r/m, imm */
    {
        unsigned form = rnd() % 3;
        if (form == 0) {
            put(g, 0x0f);
            put(g, 0xaf);
            put_rm(g, rnd(), mem);
        } else {
            put(g, form == 1 ? 0x6b : 0x69);
            put_rm(g, rnd(), mem);
            put_imm(g, form == 1 ? 1 : imm_bytes(size == 0 ? 2 : size));
        }
        break;
    }
    case 2: /* bt, bts, btr, btc r, r (a memory form would reach
             * outside the data window: test_bt_block tests it) */
        put(g, 0x0f);
        put(g, 0xa3 | (rnd() % 4) << 3);
        put_rm(g, rnd(), false);
        break;
    case 3: /* bt, bts, btr, btc r/m, imm8 */
        put(g, 0x0f);
        put(g, 0xba);
        put_rm(g, 4 + rnd() % 4, mem);
        put(g, rnd());
        break;
    case 4: /* bsf, bsr; with F3 (TZCNT/LZCNT on later CPUs, BSF/BSR here) */
        if (rnd() % 4 == 0)
            put(g, 0xf3);
        put(g, 0x0f);
        put(g, 0xbc | (rnd() & 1));
        put_rm(g, rnd(), mem);
        break;
    case 5: /* shld, shrd by imm8 or CL */
    {
        unsigned cl = rnd() & 1;
        put(g, 0x0f);
        put(g, (rnd() & 1 ? 0xa4 : 0xac) | cl);
        put_rm(g, rnd(), mem);
        if (!cl)
            put(g, rnd() % 40);
        break;
    }
    case 6: /* xadd, cmpxchg */
        put(g, 0x0f);
        put(g, (rnd() & 1 ? 0xc0 : 0xb0) | w);
        put_rm(g, rnd(), mem);
        break;
    case 7: /* rcl, rcr by 1, CL, imm8 */
    {
        unsigned kind = rnd() % 3;
        put(g, (kind == 0 ? 0xd0 : kind == 1 ? 0xd2 : 0xc0) | w);
        put_rm(g, 2 + rnd() % 2, mem);
        if (kind == 2)
            put(g, rnd() % 40);
        break;
    }
    default: /* bswap (16-bit too: the result is defined as Zen's) */
        put(g, 0x0f);
        put(g, 0xc8 + rnd() % 8);
        break;
    }
}

/* mov r32, imm32 */
static void put_mov_imm(struct gen *g, unsigned reg, uint32_t v)
{
    put(g, 0xb8 + reg);
    for (int i = 0; i < 4; i++)
        put(g, v >> (8 * i));
}

/* ESI and EDI around the data window's page boundary, then a string
 * instruction: LODS, STOS, SCAS (translated without REP), MOVS, CMPS;
 * bytes, words, dwords; sometimes an FS override or REP with ECX < 4. */
static void gen_string_insn(struct gen *g)
{
    put_mov_imm(g, 6, FIX_DATA + 0x1000 - 6 + rnd() % 12);
    put_mov_imm(g, 7, FIX_DATA + 0x1000 - 6 + rnd() % 12);
    unsigned rep = rnd() % 6 == 0;
    if (rep) {
        put_mov_imm(g, 1, rnd() % 4);
        put(g, rnd() & 1 ? 0xf3 : 0xf2);
    }
    unsigned kind = rnd() % 8, width = rnd() % 3;
    if (width == 1)
        put(g, 0x66);
    if (rnd() % 8 == 0)
        put(g, 0x64);
    put(g, (const uint8_t[]){ 0xac, 0xac, 0xaa, 0xaa, 0xae, 0xae, 0xa4, 0xa6 }[kind] | (width != 0));
}

/* DIV (8, 16, 32 bits) by a register or memory divisor of at least
 * 0x80 in every width, the dividend's high part below it: no #DE (the
 * harness has no handler; test_bt_block tests the faulting cases). */
static void gen_div_insn(struct gen *g, unsigned size)
{
    unsigned reg = rnd() & 1 ? 1 : 3; /* ECX or EBX: CL CH BL BH as bytes */
    uint32_t d = rnd() | 0x8180;
    put_mov_imm(g, 2, rnd() % 256);
    put_mov_imm(g, 0, rnd() & 0xffff7fff);
    bool mem = rnd() & 1;
    uint32_t a = FIX_DATA + 0x1000 - 4 + rnd() % 8;
    if (mem) {
        put(g, 0xc7); /* mov dword [a], d */
        put(g, 0x05);
        for (int i = 0; i < 4; i++)
            put(g, a >> (8 * i));
        for (int i = 0; i < 4; i++)
            put(g, d >> (8 * i));
    } else {
        put_mov_imm(g, reg, d);
    }
    if (size == 1)
        put(g, 0x66);
    put(g, size == 0 ? 0xf6 : 0xf7);
    if (mem) {
        put(g, 0x35);
        for (int i = 0; i < 4; i++)
            put(g, a >> (8 * i));
    } else {
        put(g, modrm_reg(6, size == 0 && (rnd() & 1) ? reg + 4 : reg));
    }
}

/* One random instruction. Operand sizes: 8 (AL..BH), 16 (66 prefix) and
 * 32 bits; every register, ESP included. */
/* Whether x87 escape esc (0-7 for D8-DF) with ModRM m is reserved on
 * the P6 (#UD, which the harness has no handler for): register forms
 * (SDM vol. 2, tables, the 287 leftovers and the aliases
 * every x87 since the 387 executes counted as valid), and the memory
 * forms /1 of D9 DB DD DF (DB DD DF /1 are SSE3's FISTTP), DB /4 /6, DD /5. */
static bool x87_reserved(unsigned esc, unsigned m)
{
    unsigned r = m & 0x3f;
    if (m < 0xc0)
        return (m >> 3 & 7) == 1 ? esc & 1 : (esc == 3 && (r >> 3 == 4 || r >> 3 == 6)) || (esc == 5 && r >> 3 == 5);
    switch (esc) {
    case 1: return (r >= 0x11 && r <= 0x17) || r == 0x22 || r == 0x23 || r == 0x26 || r == 0x27 || r == 0x2f;
    case 2: return r >= 0x20 && r != 0x29;
    case 3: case 7: return (r > 0x20 + 4 * (esc == 3) && r < 0x28) || r >= 0x38;
    case 5: return r >= 0x30;
    case 6: return r == 0x18 || (r >= 0x1a && r < 0x20);
    default: return false;
    }
}

/* One x87 instruction: a register form (run on the host FPU or, for
 * control instructions, in the interpreter) or, when mem, a memory form
 * in the data window, FLDCW/FLDENV/FRSTOR included (which may unmask
 * exceptions, pend them, change TOP and the tags). */
static void put_x87(struct gen *g, bool mem)
{
    unsigned esc, m;
    do {
        esc = rnd() % 8;
        m = mem ? (rnd() % 8) << 3 : 0xc0 | rnd() % 64;
    } while (x87_reserved(esc, m));
    put(g, 0xd8 + esc);
    if (mem)
        put_mem(g, m >> 3);
    else
        put(g, m);
}

/* One MMX instruction of the Pentium II (interp/mmx.c): the mm, mm/m64
 * operations, MOVD and MOVQ both ways, the shifts by imm8, EMMS; a memory
 * operand in the data window when mem. */
static void put_mmx(struct gen *g, bool mem)
{
    static const uint8_t ops[] = { 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x74,
                                   0x75, 0x76, 0xd1, 0xd2, 0xd3, 0xd5, 0xd8, 0xd9, 0xdb, 0xdc, 0xdd, 0xdf, 0xe1,
                                   0xe2, 0xe5, 0xe8, 0xe9, 0xeb, 0xec, 0xed, 0xef, 0xf1, 0xf2, 0xf3, 0xf5, 0xf8,
                                   0xf9, 0xfa, 0xfc, 0xfd, 0xfe, 0x6e, 0x6f, 0x7e, 0x7f, 0x71, 0x72, 0x73, 0x77 };
    unsigned op = ops[rnd() % sizeof(ops)];
    put(g, 0x0f);
    put(g, op);
    if (op == 0x77)
        return;
    if (op >= 0x71 && op <= 0x73) { /* PSRL /2, PSRA /4 (not Q), PSLL /6 by imm8 */
        put(g, modrm_reg(op == 0x73 ? (rnd() & 1 ? 2 : 6) : 2 + 2 * (rnd() % 3), rnd()));
        put(g, rnd() % 72);
    } else if (mem) {
        put_mem(g, rnd());
    } else {
        put(g, modrm_reg(rnd(), rnd()));
    }
}

/* A run of x87 instructions (what the translator groups), with MMX ones
 * among them (which set TOP and the tags). */
static void gen_x87_run(struct gen *g, bool mem)
{
    int n = 1 + rnd() % 6;
    for (int i = 0; i < n; i++) {
        unsigned pick = rnd() % 16;
        if (pick < 3)
            put_mmx(g, mem && rnd() % 2);
        else
            put_x87(g, mem && pick < 8);
    }
}

/* The kinds of gen_insn below with register operands only: all that 16-bit
 * code runs (its memory operands would use 16-bit addressing). */
static bool register_only(unsigned r)
{
    return (r != 11 && (r < 19 || r > 22) && r != 25 && r < 26) || r == 29;
}

static void gen_insn(struct gen *g)
{
    unsigned r, size = rnd() % 3; /* 0: 8-bit, 1: 66 prefix, 2: none */
    do
        r = rnd() % 31;
    while (code16 && !register_only(r));
    unsigned w = size != 0;
    if (size == 1 && r != 0 && r != 22 && r < 26)
        put(g, 0x66);
    switch (r) {
    case 26: case 27:
        gen_string_insn(g);
        break;
    case 28:
        gen_div_insn(g, size);
        break;
    case 29: case 30:
        gen_x87_run(g, r == 30);
        break;
    case 22:
        gen_stack_insn(g);
        break;
    case 19: case 20: case 21:
        gs_operand(g);
        gen_mem_insn(g, size);
        mem_bias = 0;
        break;
    case 23: case 24: case 25:
        if (r == 25)
            gs_operand(g);
        gen_more_insn(g, size, r == 25);
        mem_bias = 0;
        break;
    case 0: /* flag instructions (CLD/STD on the virtual DF); DAA, DAS and
             * AAA, left to the interpreter */
        put(g, (const uint8_t[]){ 0xfc, 0xfd, 0x9e, 0x9f, 0xf8, 0xf5, 0x27, 0x2f, 0x37 }[rnd() % 9]);
        break;
    case 1: case 2: case 3: /* ALU r/m, r and r, r/m */
        put(g, (rnd() % 8) << 3 | (rnd() % 2) << 1 | w);
        put(g, modrm_reg(rnd(), rnd()));
        break;
    case 4: case 5: /* ALU r/m, imm: 80, 81, 83 */
        put(g, size == 0 ? 0x80 : (rnd() & 1) ? 0x83 : 0x81);
        put(g, modrm_reg(rnd(), rnd()));
        put_imm(g, g->b[g->n - 2] == 0x81 ? imm_bytes(size) : 1);
        break;
    case 6: /* shifts and rotates by 1, CL, imm (no RCL/RCR: /2 /3) */
    {
        static const unsigned ops[] = { 0, 1, 4, 5, 7, 6 };
        unsigned kind = rnd() % 3, ext = ops[rnd() % 6];
        put(g, (kind == 0 ? 0xd0 : kind == 1 ? 0xd2 : 0xc0) | w);
        put(g, modrm_reg(ext, rnd()));
        if (kind == 2)
            put(g, rnd() % 40);
        break;
    }
    case 7: /* inc/dec */
        if (size == 0) {
            put(g, 0xfe);
            put(g, modrm_reg(rnd() % 2, rnd()));
        } else {
            put(g, 0x40 + rnd() % 16);
        }
        break;
    case 8: /* neg, not, test imm */
    {
        unsigned ext = (const unsigned[]){ 0, 2, 3 }[rnd() % 3];
        put(g, 0xf6 | w);
        put(g, modrm_reg(ext, rnd()));
        if (ext == 0)
            put_imm(g, imm_bytes(size));
        break;
    }
    case 9: case 10: /* mov r, r / mov r, imm */
        if (rnd() & 1) {
            put(g, 0x88 | (rnd() % 2) << 1 | w);
            put(g, modrm_reg(rnd(), rnd()));
        } else {
            put(g, (size == 0 ? 0xb0 : 0xb8) + rnd() % 8);
            put_imm(g, imm_bytes(size));
        }
        break;
    case 11: /* lea r, [base + index*scale + disp8] (32-bit addressing) */
        put(g, 0x8d);
        put(g, 0x44 | (rnd() % 8) << 3);
        put(g, rnd());
        put(g, rnd());
        break;
    case 12: /* movzx, movsx */
        put(g, 0x0f);
        put(g, (rnd() & 1 ? 0xb6 : 0xbe) | (rnd() & 1));
        put(g, modrm_reg(rnd(), rnd()));
        break;
    case 13: /* setcc */
        put(g, 0x0f);
        put(g, 0x90 + rnd() % 16);
        put(g, modrm_reg(0, rnd()));
        break;
    case 14: /* cmovcc */
        put(g, 0x0f);
        put(g, 0x40 + rnd() % 16);
        put(g, modrm_reg(rnd(), rnd()));
        break;
    case 15: /* xchg, test r/m, r */
        put(g, ((rnd() & 1) ? 0x86 : 0x84) | w);
        put(g, modrm_reg(rnd(), rnd()));
        break;
    case 16: /* cbw/cwde, cwd/cdq, clc, stc, cmc, nop, pause */
    {
        unsigned pick = rnd() % 7;
        if (pick == 6)
            put(g, 0xf3); /* pause */
        put(g, (const uint8_t[]){ 0x98, 0x99, 0xf8, 0xf9, 0xf5, 0x90, 0x90 }[pick]);
        break;
    }
    case 17: case 18: /* adc/sbb chains */
        put(g, (rnd() & 1 ? 0x10 : 0x18) | w);
        put(g, modrm_reg(rnd(), rnd()));
        break;
    default: /* cmp r, r: flags for the branches */
        put(g, 0x38 | w);
        put(g, modrm_reg(rnd(), rnd()));
        break;
    }
}

/* A block: instructions, sometimes a forward Jcc or JMP over the next few
 * (so both exits run), ending in HLT. */
static void gen_block(struct gen *g)
{
    g->n = 0;
    gs_base = code16 ? 0 : rnd() % 2 ? rnd() : 1 + rnd() % 0xfff;
    int count = 1 + rnd() % 40;
    for (int i = 0; i < count && g->n < MAX_CODE - 64; i++) {
        if (rnd() % 8 == 0) {
            size_t at = g->n;
            put(g, rnd() % 5 ? 0x70 + rnd() % 16 : 0xeb);
            put(g, 0);
            int skip = 1 + rnd() % 3;
            for (int k = 0; k < skip; k++)
                gen_insn(g);
            g->b[at + 1] = (uint8_t)(g->n - at - 2);
        } else {
            gen_insn(g);
        }
    }
    put(g, 0xf4);
}

/* The x87 state as bytes: R0..R7 (80 bits each), FCW FSW FTW FOP, FIP
 * FDP, FCS FDS. */
#define FPU_BYTES (8 * 10 + 4 * 2 + 2 * 4 + 2 * 2)

struct state {
    uint32_t gpr[8], eip, eflags;
    uint32_t frame[6];            /* the ring-0 stack's top (MODE_RING3) */
    uint8_t data[DATA_WINDOW];
    uint8_t fpu[FPU_BYTES];
};

/* A random 80-bit value: mostly normal numbers of moderate magnitude, and
 * zeros, infinities, NaNs (quiet and signalling), denormals, unnormals. */
static void random_ext(struct fpreg *r)
{
    r->mant = (uint64_t)rnd() << 32 | rnd() | 1ull << 63;
    r->sexp = (uint16_t)(0x3fff - 40 + rnd() % 80);
    switch (rnd() % 12) {
    case 0: r->mant = 0; r->sexp = 0; break;
    case 1: r->mant = 1ull << 63; r->sexp = 0x7fff; break;
    case 2: r->sexp = 0x7fff; break;
    case 3: r->mant >>= 1 + rnd() % 63; r->sexp = 0; break;
    case 4: r->mant &= ~(1ull << 63); break;
    case 5: r->sexp = (uint16_t)(rnd() & 0x7fff); break;
    default: break;
    }
    r->sexp |= (uint16_t)(rnd() & 0x8000);
}

/* A random x87 state: exceptions mostly masked (sometimes unmasked, or
 * one pending), any TOP, mostly non-empty registers. CR0.NE stays clear:
 * an instruction finding an unmasked exception pending proceeds (the
 * harness has no #MF handler; test_bt_block tests #MF and #NM). */
static void random_fpu(void)
{
    struct fpu_state f = { .fcw = 0x037f };
    if (rnd() % 3 == 0)
        f.fcw = (uint16_t)((f.fcw & ~0x0f00u) | (rnd() & 0x0f00));
    if (rnd() % 10 == 0)
        f.fcw &= (uint16_t)~(rnd() & 0x3f);
    f.fsw = (uint16_t)((rnd() % 8) << 11 | (rnd() & 0x4700));
    if (rnd() % 12 == 0) {
        unsigned e = rnd() % 6;
        f.fcw &= (uint16_t)~(1u << e);
        f.fsw |= (uint16_t)(1u << e | 0x8080);
    }
    for (int i = 0; i < 8; i++) {
        f.ftw |= (uint16_t)((rnd() % 5 == 0 ? 3 : rnd() % 3) << (2 * i));
        random_ext(&f.st_phys[i]);
    }
    f.fop = (uint16_t)(rnd() & 0x7ff);
    f.fip = rnd();
    f.fdp = rnd();
    f.fcs = (uint16_t)rnd();
    f.fds = (uint16_t)rnd();
    fix_cpu->fpu = f;
}

static void fpu_bytes(uint8_t *p, const struct fpu_state *f)
{
    for (int i = 0; i < 8; i++) {
        memcpy(p + 10 * i, &f->st_phys[i].mant, 8);
        memcpy(p + 10 * i + 8, &f->st_phys[i].sexp, 2);
    }
    p += 80;
    const uint16_t w[] = { f->fcw, f->fsw, f->ftw, f->fop };
    const uint32_t d[] = { f->fip, f->fdp };
    const uint16_t sel[] = { f->fcs, f->fds };
    memcpy(p, w, sizeof(w));
    memcpy(p + sizeof(w), d, sizeof(d));
    memcpy(p + sizeof(w) + sizeof(d), sel, sizeof(sel));
}

static void random_state(struct state *s)
{
    memset(s->frame, 0, sizeof(s->frame));
    for (int i = 0; i < 8; i++)
        s->gpr[i] = rnd() % 4 ? rnd() : (uint32_t[]){ 0, 1, 0x7fffffff, 0x80000000, 0xffffffff }[rnd() % 5];
    s->eip = FIX_CODE;
    s->eflags = F_FIXED1 | (rnd() & F_ARITH) | (rnd() & F_DF);
    for (uint32_t i = 0; i < DATA_WINDOW; i += 8) {
        uint64_t v = rng_state;
        rnd();
        memcpy(s->data + i, &v, 8);
    }
    random_fpu();
    fpu_bytes(s->fpu, &fix_cpu->fpu);
}

/* The x87 state from its bytes (the inverse of fpu_bytes). */
static void load_fpu(const uint8_t *p)
{
    struct fpu_state *f = &fix_cpu->fpu;
    uint16_t w[4], sel[2];
    uint32_t d[2];
    for (int i = 0; i < 8; i++) {
        memcpy(&f->st_phys[i].mant, p + 10 * i, 8);
        memcpy(&f->st_phys[i].sexp, p + 10 * i + 8, 2);
    }
    p += 80;
    memcpy(w, p, sizeof(w));
    memcpy(d, p + sizeof(w), sizeof(d));
    memcpy(sel, p + sizeof(w) + sizeof(d), sizeof(sel));
    f->fcw = w[0], f->fsw = w[1], f->ftw = w[2], f->fop = w[3];
    f->fip = d[0], f->fdp = d[1];
    f->fcs = sel[0], f->fds = sel[1];
}

static void load_state(const struct state *s)
{
    memcpy(fix_cpu->gpr, s->gpr, sizeof(s->gpr));
    fix_cpu->eip = s->eip;
    fix_cpu->eflags = s->eflags;
    fix_poke(FIX_DATA, s->data, DATA_WINDOW);
    fix_poke(R3_STACK0 - sizeof(s->frame), s->frame, sizeof(s->frame));
    load_fpu(s->fpu);
}

static void save_state(struct state *s)
{
    memcpy(s->gpr, fix_cpu->gpr, sizeof(s->gpr));
    s->eip = fix_cpu->eip;
    s->eflags = fix_cpu->eflags;
    memcpy(s->data, fix_m->ram.host + FIX_DATA, DATA_WINDOW);
    memcpy(s->frame, fix_m->ram.host + R3_STACK0 - sizeof(s->frame), sizeof(s->frame));
    fpu_bytes(s->fpu, &fix_cpu->fpu);
}

static void dump(const char *what, const struct state *s)
{
    fprintf(stderr, "  %s: eip=%08x efl=%08x", what, s->eip, s->eflags);
    for (int i = 0; i < 8; i++)
        fprintf(stderr, " %08x", s->gpr[i]);
    fprintf(stderr, "\n    ring-0 stack:");
    for (int i = 0; i < 6; i++)
        fprintf(stderr, " %08x", s->frame[i]);
    fprintf(stderr, "\n    fpu:");
    for (int i = 0; i < FPU_BYTES; i++)
        fprintf(stderr, "%s%02x", i % 10 == 0 ? " " : "", s->fpu[i]);
    fprintf(stderr, "\n");
}

static void dump_data_diff(const struct state *a, const struct state *b)
{
    for (uint32_t i = 0; i < DATA_WINDOW; i++)
        if (a->data[i] != b->data[i])
            fprintf(stderr, "  data[%05x]: interp %02x bt %02x\n", FIX_DATA + i, a->data[i], b->data[i]);
}

static const struct engine interp_like = { .name = "interp", .run = interp__run };

/* Ring 3 for the blocks: flat ring-3 segments (under bt their memory
 * operands go through the user window, translator/window.c), and a
 * GDT, TSS and IDT in RAM so that the final HLT's #GP, and any exception
 * before it, is delivered to a ring-0 handler that halts. */

static void put_desc(uint32_t at, uint32_t base, uint32_t limit, unsigned access, unsigned flags)
{
    uint8_t d[8] = { (uint8_t)limit, (uint8_t)(limit >> 8), (uint8_t)base, (uint8_t)(base >> 8),
                     (uint8_t)(base >> 16), (uint8_t)access, (uint8_t)(flags << 4 | (limit >> 16 & 0xf)),
                     (uint8_t)(base >> 24) };
    fix_poke(at, d, 8);
}

/* Ring 3 for a case (the last one ended in the ring-0 handler): flat
 * ring-3 segments, GS with the case's base. */
static void ring3_segments(void)
{
    const unsigned dpl3 = 3u << DESC_DPL_SHIFT;
    fix_seg(S_CS, 0x1b, 0, 0xffffffffu, DESC_P | DESC_S | DESC_CODE | DESC_R | DESC_A | DESC_DB | DESC_G | dpl3);
    for (int s = S_ES; s <= S_GS; s++)
        if (s != S_CS)
            fix_seg(s, 0x23, 0, 0xffffffffu, DESC_P | DESC_S | DESC_W | DESC_A | DESC_DB | DESC_G | dpl3);
    fix_cpu->cpl = 3;
    fix_cpu->seg[S_GS].base = gs_base;
}

static void fix_ring3(void)
{
    put_desc(R3_GDT + 0x08, 0, 0xfffff, 0x9b, 0xc);   /* ring-0 code */
    put_desc(R3_GDT + 0x10, 0, 0xfffff, 0x93, 0xc);   /* ring-0 data */
    put_desc(R3_GDT + 0x18, 0, 0xfffff, 0xfb, 0xc);   /* ring-3 code */
    put_desc(R3_GDT + 0x20, 0, 0xfffff, 0xf3, 0xc);   /* ring-3 data */
    put_desc(R3_GDT + 0x28, R3_TSS, 0x67, 0x8b, 0);  /* busy 32-bit TSS */
    uint32_t tss[26] = { 0 };
    tss[1] = R3_STACK0;
    tss[2] = 0x10;
    fix_poke(R3_TSS, tss, sizeof(tss));
    for (uint32_t v = 0; v < 32; v++) {
        uint32_t gate[2] = { 0x08u << 16 | (R3_HANDLER & 0xffff), (R3_HANDLER & 0xffff0000u) | 0x8e00 };
        fix_poke(R3_IDT + 8 * v, gate, 8);
    }
    fix_poke(R3_HANDLER, (const uint8_t[]){ 0xf4 }, 1);
    fix_cpu->gdtr = (struct dtable){ .base = R3_GDT, .limit = 0x2f };
    fix_cpu->idtr = (struct dtable){ .base = R3_IDT, .limit = 32 * 8 - 1 };
    fix_seg(S_TR, 0x28, R3_TSS, 0x67, DESC_P | 0xb);
    ring3_segments();
    tlb__flush(fix_cpu, true);
}


enum mode { MODE_RING0, MODE_REAL, MODE_RING3 };

/* Run `cases` random blocks (16-bit code in real mode, or 32-bit code at
 * CPL 0 or CPL 3) under both engines; returns the mismatches, the first
 * few printed. */
static long run_cases(long cases, enum mode mode)
{
    bool real = mode == MODE_REAL;
    long mismatches = 0;
    uint64_t bt0 = stats.insns_bt, fb0 = stats.insns_fallback, miss0 = stats.bt_mem_misses;
    rng_state = 0x9e3779b97f4a7c15ull;
    code16 = real;
    if (real)
        fix_real();
    if (mode == MODE_RING3)
        fix_ring3();

    for (long c = 0; c < cases; c++) {
        struct gen g;
        struct state init, want, got;
        gen_block(&g);
        random_state(&init);
        fix_code(g.b, g.n);
        fix_cpu->seg[S_GS].base = gs_base; /* 0 in real mode (selector 0) */

        load_state(&init);
        if (mode == MODE_RING3)
            ring3_segments();
        bt_run_to_hlt(&interp_like, 1000);
        save_state(&want);
        load_state(&init);
        if (mode == MODE_RING3)
            ring3_segments();
        bt_run_to_hlt(bt_eng, 1000);
        save_state(&got);

        if (memcmp(&want, &got, sizeof(want)) != 0) {
            if (mismatches++ < 5) {
                fprintf(stderr, "case %ld mismatch; code:", c);
                for (size_t i = 0; i < g.n; i++)
                    fprintf(stderr, " %02x", g.b[i]);
                fprintf(stderr, "\n");
                dump("init  ", &init);
                dump("interp", &want);
                dump("bt    ", &got);
                dump_data_diff(&want, &got);
            }
        }
    }
    fprintf(stderr, "bt differential (%s): %ld cases, %ld mismatches; instructions: %llu translated, "
            "%llu interpreted (%llu after an inline-access miss)\n",
            real ? "16-bit code" : mode == MODE_RING3 ? "32-bit code at CPL 3" : "32-bit code",
            cases, mismatches, (unsigned long long)(stats.insns_bt - bt0),
            (unsigned long long)(stats.insns_fallback - fb0), (unsigned long long)(stats.bt_mem_misses - miss0));
    ck_assert_uint_gt(stats.insns_bt - bt0, (uint64_t)cases);
    return mismatches;
}

static long cases_wanted(void)
{
    const char *env = getenv("BT_DIFF_CASES");
    return env ? atol(env) : 3000;
}

START_TEST(random_blocks_match_interpreter)
{
    ck_assert_int_eq(run_cases(cases_wanted(), MODE_RING0), 0);
}
END_TEST

/* The same in real mode: 16-bit code, register operands only. */
START_TEST(random_16bit_blocks_match_interpreter)
{
    ck_assert_int_eq(run_cases(cases_wanted(), MODE_REAL), 0);
}
END_TEST

/* The same at CPL 3, where bt's memory operands go through the user
 * window; every case ends in a ring-0 handler (HLT's #GP). */
START_TEST(random_ring3_blocks_match_interpreter)
{
    uint64_t fills = stats.bt_window_fills;
    ck_assert_int_eq(run_cases(cases_wanted(), MODE_RING3), 0);
    ck_assert_uint_gt(stats.bt_window_fills, fills);
}
END_TEST

/* Robustness (issue 4, item 6): random bytes run at CPL 3 under bt, whatever
 * they decode to (undefined opcodes, privileged and I/O instructions, wild
 * branches and memory operands through the user window), never crash or
 * hang bt86: each case ends in the ring-0 handler (an exception) or uses
 * up its instructions. Random code found the NOP that the encoder had
 * turned into #UD on the host (test_bt_block's nops_are_no_host_code). */
START_TEST(random_bytes_at_ring3_survive)
{
    long cases = cases_wanted(), in_handler = 0;
    rng_state = 0x2545f4914f6cdd1dull;
    for (long c = 0; c < cases; c++) {
        uint8_t code[256];
        for (size_t i = 0; i < sizeof(code); i++)
            code[i] = (uint8_t)rnd();
        struct state init;
        random_state(&init);
        gs_base = rnd();
        fix_ring3(); /* the case before may have written over the tables */
        fix_code(code, sizeof(code));
        load_state(&init);
        ring3_segments();
        fix_m->stop = STOP_NONE;
        bt_run_to_hlt(bt_eng, 1000);
        in_handler += fix_cpu->halted && fix_cpu->eip == R3_HANDLER + 1;
    }
    fprintf(stderr, "random bytes at CPL 3 under bt: %ld cases, %ld ended in an exception's handler\n", cases,
            in_handler);
    ck_assert_int_gt(in_handler, cases / 2);
}
END_TEST

static Suite *bt_diff_suite(void)
{
    Suite *s = suite_create("bt_diff");
    TCase *tc = tcase_create("random");
    tcase_add_checked_fixture(tc, bt_setup, bt_teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, random_blocks_match_interpreter);
    tcase_add_test(tc, random_16bit_blocks_match_interpreter);
    tcase_add_test(tc, random_ring3_blocks_match_interpreter);
    tcase_add_test(tc, random_bytes_at_ring3_survive);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(bt_diff_suite)
