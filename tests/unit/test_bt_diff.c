/* test_bt_diff.c - differential test of the binary translator: random
 * straight-line blocks of register and memory instructions (with forward
 * branches and a few instructions the translator leaves to the
 * interpreter) run under bt and under the interpreter from the same random
 * state; the final registers, EIP, EFLAGS and data memory must be equal.
 * Memory operands address a window across a page boundary, so aligned,
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

static unsigned modrm_reg(unsigned reg, unsigned rm)
{
    return 0xc0 | (reg & 7) << 3 | (rm & 7);
}

/* ModRM of [disp32] (and its displacement) in the data window, often
 * near the page boundary in the middle. */
static void put_mem(struct gen *g, unsigned reg)
{
    put(g, (reg & 7) << 3 | 5);
    uint32_t at = rnd() % 2 ? 0x1000 - 4 + rnd() % 8 : rnd() % (DATA_WINDOW - 4);
    uint32_t a = FIX_DATA + at;
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
    switch (rnd() % 6) {
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

/* One random instruction. Operand sizes: 8 (AL..BH), 16 (66 prefix) and
 * 32 bits; every register, ESP included. */
static void gen_insn(struct gen *g)
{
    unsigned r = rnd() % 23, size = rnd() % 3; /* 0: 8-bit, 1: 16-bit, 2: 32-bit */
    unsigned w = size != 0;
    if (size == 1 && r != 0 && r != 22)
        put(g, 0x66);
    switch (r) {
    case 22:
        gen_stack_insn(g);
        break;
    case 19: case 20: case 21:
        gen_mem_insn(g, size);
        break;
    case 0: /* instructions left to the interpreter */
        put(g, (const uint8_t[]){ 0xfc, 0xfd, 0x9e, 0x9f, 0xf8, 0xf5 }[rnd() % 6]);
        break;
    case 1: case 2: case 3: /* ALU r/m, r and r, r/m */
        put(g, (rnd() % 8) << 3 | (rnd() % 2) << 1 | w);
        put(g, modrm_reg(rnd(), rnd()));
        break;
    case 4: case 5: /* ALU r/m, imm: 80, 81, 83 */
        put(g, size == 0 ? 0x80 : (rnd() & 1) ? 0x83 : 0x81);
        put(g, modrm_reg(rnd(), rnd()));
        put_imm(g, g->b[g->n - 2] == 0x81 ? (size == 1 ? 2 : 4) : 1);
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
            put_imm(g, size == 0 ? 1 : size == 1 ? 2 : 4);
        break;
    }
    case 9: case 10: /* mov r, r / mov r, imm */
        if (rnd() & 1) {
            put(g, 0x88 | (rnd() % 2) << 1 | w);
            put(g, modrm_reg(rnd(), rnd()));
        } else {
            put(g, (size == 0 ? 0xb0 : 0xb8) + rnd() % 8);
            put_imm(g, size == 0 ? 1 : size == 1 ? 2 : 4);
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
    case 16: /* cbw/cwde, cwd/cdq, clc, stc, cmc, nop */
        put(g, (const uint8_t[]){ 0x98, 0x99, 0xf8, 0xf9, 0xf5, 0x90 }[rnd() % 6]);
        break;
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

struct state {
    uint32_t gpr[8], eip, eflags;
    uint8_t data[DATA_WINDOW];
};

static void random_state(struct state *s)
{
    for (int i = 0; i < 8; i++)
        s->gpr[i] = rnd() % 4 ? rnd() : (uint32_t[]){ 0, 1, 0x7fffffff, 0x80000000, 0xffffffff }[rnd() % 5];
    s->eip = FIX_CODE;
    s->eflags = F_FIXED1 | (rnd() & F_ARITH) | (rnd() & F_DF);
    for (uint32_t i = 0; i < DATA_WINDOW; i += 8) {
        uint64_t v = rng_state;
        rnd();
        memcpy(s->data + i, &v, 8);
    }
}

static void load_state(const struct state *s)
{
    memcpy(fix_cpu->gpr, s->gpr, sizeof(s->gpr));
    fix_cpu->eip = s->eip;
    fix_cpu->eflags = s->eflags;
    fix_poke(FIX_DATA, s->data, DATA_WINDOW);
}

static void save_state(struct state *s)
{
    memcpy(s->gpr, fix_cpu->gpr, sizeof(s->gpr));
    s->eip = fix_cpu->eip;
    s->eflags = fix_cpu->eflags;
    memcpy(s->data, fix_m->ram.host + FIX_DATA, DATA_WINDOW);
}

static void dump(const char *what, const struct state *s)
{
    fprintf(stderr, "  %s: eip=%08x efl=%08x", what, s->eip, s->eflags);
    for (int i = 0; i < 8; i++)
        fprintf(stderr, " %08x", s->gpr[i]);
    fprintf(stderr, "\n");
}

static void dump_data_diff(const struct state *a, const struct state *b)
{
    for (uint32_t i = 0; i < DATA_WINDOW; i++)
        if (a->data[i] != b->data[i])
            fprintf(stderr, "  data[%05x]: interp %02x bt %02x\n", FIX_DATA + i, a->data[i], b->data[i]);
}

static const struct engine interp_like = { .name = "interp", .run = interp__run };

START_TEST(random_blocks_match_interpreter)
{
    const char *env = getenv("BT_DIFF_CASES");
    long cases = env ? atol(env) : 3000;
    long mismatches = 0;
    uint64_t bt0 = stats.insns_bt, fb0 = stats.insns_fallback, miss0 = stats.bt_mem_misses;
    rng_state = 0x9e3779b97f4a7c15ull;

    for (long c = 0; c < cases; c++) {
        struct gen g;
        struct state init, want, got;
        gen_block(&g);
        random_state(&init);
        fix_code(g.b, g.n);

        load_state(&init);
        bt_run_to_hlt(&interp_like, 1000);
        save_state(&want);
        load_state(&init);
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
    fprintf(stderr, "bt differential: %ld cases, %ld mismatches; instructions: %llu translated, "
            "%llu interpreted (%llu after an inline-access miss)\n", cases, mismatches,
            (unsigned long long)(stats.insns_bt - bt0), (unsigned long long)(stats.insns_fallback - fb0),
            (unsigned long long)(stats.bt_mem_misses - miss0));
    ck_assert_int_eq(mismatches, 0);
    ck_assert_uint_gt(stats.insns_bt - bt0, (uint64_t)cases);
}
END_TEST

static Suite *bt_diff_suite(void)
{
    Suite *s = suite_create("bt_diff");
    TCase *tc = tcase_create("random");
    tcase_add_checked_fixture(tc, bt_setup, bt_teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, random_blocks_match_interpreter);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(bt_diff_suite)
