/* test_alu_exec.c - the arithmetic handlers end to end: random encodings of
 * every opcode of ops_alu/ops_shift/ops_muldiv/ops_bit/ops_bcd (register and
 * memory operands, 8/16/32-bit, immediates) run through interp__exec_one
 * and natively in 32-bit compatibility mode; registers, flags, memory and
 * #DE must agree. */
#include <stdio.h>

#include "check_main.h"
#include "interp_fixture.h"
#include "native32.h"

/* The native data window is mapped at the guest's FIX_DATA, so that the
 * same addresses (in EBX and in disp32 operands) work on both sides. */
#define WIN_SIZE 0x1000u
#define WIN_MID (FIX_DATA + 0x800u)

/* One opcode form. */
enum { IMM_NONE, IMM_B, IMM_Z }; /* no immediate, imm8, imm16/32 */
struct tmpl {
    uint8_t opc[2];
    int nopc;
    bool byte_op;     /* 8-bit operands (no 0x66 choice) */
    bool modrm;
    int imm, imm_digits; /* imm kind; imm_digits: /reg values (bit mask) that carry it */
    uint8_t digits;   /* allowed ModRM.reg values (bit mask), 0 = any */
    bool mem_only, reg_in_opc;
    uint32_t undef;   /* flags the SDM leaves undefined (ignored off AMD) */
    bool undef_result;
};

#define ALL_FLAGS (F_ARITH)
#define T(...) { __VA_ARGS__ }
static const struct tmpl tmpls[] = {
    /* ALU: reg/rm forms and accumulator-immediate forms are added in code */
    T(.opc = { 0x80 }, .nopc = 1, .byte_op = true, .modrm = true, .imm = IMM_B, .imm_digits = 0xff, .undef = F_AF),
    T(.opc = { 0x81 }, .nopc = 1, .modrm = true, .imm = IMM_Z, .imm_digits = 0xff, .undef = F_AF),
    T(.opc = { 0x82 }, .nopc = 1, .byte_op = true, .modrm = true, .imm = IMM_B, .imm_digits = 0xff, .undef = F_AF),
    T(.opc = { 0x83 }, .nopc = 1, .modrm = true, .imm = IMM_B, .imm_digits = 0xff, .undef = F_AF),
    T(.opc = { 0x84 }, .nopc = 1, .byte_op = true, .modrm = true, .undef = F_AF),
    T(.opc = { 0x85 }, .nopc = 1, .modrm = true, .undef = F_AF),
    T(.opc = { 0xa8 }, .nopc = 1, .byte_op = true, .imm = IMM_B, .undef = F_AF),
    T(.opc = { 0xa9 }, .nopc = 1, .imm = IMM_Z, .undef = F_AF),
    T(.opc = { 0x40 }, .nopc = 1, .reg_in_opc = true),
    T(.opc = { 0x48 }, .nopc = 1, .reg_in_opc = true),
    T(.opc = { 0xf6 }, .nopc = 1, .byte_op = true, .modrm = true, .imm = IMM_B, .imm_digits = 0x03, .undef = ALL_FLAGS),
    T(.opc = { 0xf7 }, .nopc = 1, .modrm = true, .imm = IMM_Z, .imm_digits = 0x03, .undef = ALL_FLAGS),
    /* shifts */
    T(.opc = { 0xc0 }, .nopc = 1, .byte_op = true, .modrm = true, .imm = IMM_B, .imm_digits = 0xff, .undef = F_OF | F_AF | F_CF),
    T(.opc = { 0xc1 }, .nopc = 1, .modrm = true, .imm = IMM_B, .imm_digits = 0xff, .undef = F_OF | F_AF | F_CF),
    T(.opc = { 0xd0 }, .nopc = 1, .byte_op = true, .modrm = true, .undef = F_AF),
    T(.opc = { 0xd1 }, .nopc = 1, .modrm = true, .undef = F_AF),
    T(.opc = { 0xd2 }, .nopc = 1, .byte_op = true, .modrm = true, .undef = F_OF | F_AF | F_CF),
    T(.opc = { 0xd3 }, .nopc = 1, .modrm = true, .undef = F_OF | F_AF | F_CF),
    T(.opc = { 0x0f, 0xa4 }, .nopc = 2, .modrm = true, .imm = IMM_B, .imm_digits = 0xff, .undef = ALL_FLAGS, .undef_result = true),
    T(.opc = { 0x0f, 0xa5 }, .nopc = 2, .modrm = true, .undef = ALL_FLAGS, .undef_result = true),
    T(.opc = { 0x0f, 0xac }, .nopc = 2, .modrm = true, .imm = IMM_B, .imm_digits = 0xff, .undef = ALL_FLAGS, .undef_result = true),
    T(.opc = { 0x0f, 0xad }, .nopc = 2, .modrm = true, .undef = ALL_FLAGS, .undef_result = true),
    /* multiply */
    T(.opc = { 0x0f, 0xaf }, .nopc = 2, .modrm = true, .undef = F_SF | F_ZF | F_AF | F_PF),
    T(.opc = { 0x69 }, .nopc = 1, .modrm = true, .imm = IMM_Z, .imm_digits = 0xff, .undef = F_SF | F_ZF | F_AF | F_PF),
    T(.opc = { 0x6b }, .nopc = 1, .modrm = true, .imm = IMM_B, .imm_digits = 0xff, .undef = F_SF | F_ZF | F_AF | F_PF),
    /* BCD */
    T(.opc = { 0x27 }, .nopc = 1, .undef = F_OF),
    T(.opc = { 0x2f }, .nopc = 1, .undef = F_OF),
    T(.opc = { 0x37 }, .nopc = 1, .undef = F_OF | F_SF | F_ZF | F_PF),
    T(.opc = { 0x3f }, .nopc = 1, .undef = F_OF | F_SF | F_ZF | F_PF),
    T(.opc = { 0xd4 }, .nopc = 1, .imm = IMM_B, .undef = F_OF | F_AF | F_CF),
    T(.opc = { 0xd5 }, .nopc = 1, .imm = IMM_B, .undef = F_OF | F_AF | F_CF),
    /* bits */
    T(.opc = { 0x0f, 0xa3 }, .nopc = 2, .modrm = true, .undef = F_OF | F_SF | F_AF | F_PF),
    T(.opc = { 0x0f, 0xab }, .nopc = 2, .modrm = true, .undef = F_OF | F_SF | F_AF | F_PF),
    T(.opc = { 0x0f, 0xb3 }, .nopc = 2, .modrm = true, .undef = F_OF | F_SF | F_AF | F_PF),
    T(.opc = { 0x0f, 0xbb }, .nopc = 2, .modrm = true, .undef = F_OF | F_SF | F_AF | F_PF),
    T(.opc = { 0x0f, 0xba }, .nopc = 2, .modrm = true, .imm = IMM_B, .imm_digits = 0xf0, .digits = 0xf0,
      .undef = F_OF | F_SF | F_AF | F_PF),
    T(.opc = { 0x0f, 0xbc }, .nopc = 2, .modrm = true, .undef = ALL_FLAGS, .undef_result = true),
    T(.opc = { 0x0f, 0xbd }, .nopc = 2, .modrm = true, .undef = ALL_FLAGS, .undef_result = true),
    T(.opc = { 0x0f, 0x90 }, .nopc = 2, .byte_op = true, .modrm = true),
    T(.opc = { 0x0f, 0x40 }, .nopc = 2, .modrm = true),
    T(.opc = { 0x0f, 0xc8 }, .nopc = 2, .reg_in_opc = true, .undef_result = true),
    T(.opc = { 0x0f, 0xc0 }, .nopc = 2, .byte_op = true, .modrm = true),
    T(.opc = { 0x0f, 0xc1 }, .nopc = 2, .modrm = true),
    T(.opc = { 0x0f, 0xb0 }, .nopc = 2, .byte_op = true, .modrm = true),
    T(.opc = { 0x0f, 0xb1 }, .nopc = 2, .modrm = true),
    T(.opc = { 0x0f, 0xc7 }, .nopc = 2, .modrm = true, .mem_only = true, .digits = 0x02),
};

static uint64_t rng = 0x243f6a8885a308d3ull;
static bool host_amd;
static uint8_t *win;
static long n_cases, n_de, n_bad;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static uint32_t rnd_value(void)
{
    static const uint32_t edge[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                                     0x7fffffff, 0x80000000, 0xffffffff, 9, 0x99 };
    switch (rnd() % 4) {
    case 0: return edge[rnd() % (sizeof edge / sizeof edge[0])];
    case 1: return rnd() & 0xff;
    case 2: return rnd() & 0xffff;
    default: return rnd();
    }
}

/* A random register number for a 16/32-bit operand: anything but ESP. */
static int rnd_reg(void)
{
    int r = (int)(rnd() % 7);
    return r >= R_ESP ? r + 1 : r;
}

struct insn_case {
    uint8_t code[NATIVE_SLOT];
    int len;
    bool is_mem;
    bool ebx_base;    /* the memory operand is [ebx+disp8] */
    int bt_reg;       /* register holding a BT bit offset into memory, or -1 */
    const struct tmpl *t;
};

/* Build a random instance of template t (op_base: for the ALU rows). */
static void make_case(struct insn_case *c, const struct tmpl *t)
{
    int size = t->byte_op ? 1 : (rnd() & 1) ? 2 : 4;
    int n = 0, digit = 0;

    memset(c, 0, sizeof *c);
    c->t = t;
    c->bt_reg = -1;
    if (size == 2) c->code[n++] = 0x66;
    for (int i = 0; i < t->nopc; i++) c->code[n++] = t->opc[i];
    if (t->reg_in_opc)
        c->code[n - 1] += (uint8_t)rnd_reg();
    if (t->opc[0] == 0x0f && (t->opc[1] == 0x90 || t->opc[1] == 0x40))
        c->code[n - 1] += (uint8_t)(rnd() % 16);
    if (t->modrm) {
        do digit = (int)(rnd() % 8); while (t->digits && !(t->digits & (1 << digit)));
        int reg = t->digits ? digit : (t->byte_op ? (int)(rnd() % 8) : rnd_reg());
        c->is_mem = t->mem_only || (rnd() % 2);
        if (c->is_mem && reg == R_EBX && t->opc[0] == 0x0f && (t->opc[1] & 0xc7) == 0x83)
            reg = R_EAX; /* BT* m, r: EBX is the base, not the bit offset */
        if (!c->is_mem) {
            int rm = t->byte_op ? (int)(rnd() % 8) : rnd_reg();
            c->code[n++] = (uint8_t)(0xc0 | reg << 3 | rm);
        } else if (rnd() & 1) { /* [ebx+disp8] */
            c->ebx_base = true;
            c->code[n++] = (uint8_t)(0x43 | reg << 3);
            c->code[n++] = (uint8_t)(rnd() % 0xf0 - 0x78);
        } else { /* [disp32] */
            uint32_t a = FIX_DATA + 0x700 + rnd() % 0x1f0;
            c->code[n++] = (uint8_t)(0x05 | reg << 3);
            memcpy(&c->code[n], &a, 4);
            n += 4;
        }
        digit = reg;
        if (c->is_mem && t->opc[0] == 0x0f && (t->opc[1] & 0xc7) == 0x83)
            c->bt_reg = reg; /* BT* m, r */
    }
    if (t->imm != IMM_NONE && (!t->imm_digits || (t->imm_digits & (1 << digit)))) {
        int isz = t->imm == IMM_B ? 1 : size == 1 ? 1 : size;
        uint32_t v = rnd_value();
        memcpy(&c->code[n], &v, isz);
        n += isz;
    }
    c->len = n;
}

/* The ALU rows 00-3D: eight operations in six forms each. */
static void make_alu_case(struct insn_case *c)
{
    static struct tmpl alu[48];
    int op = (int)(rnd() % 8), form = (int)(rnd() % 6);
    struct tmpl *t = &alu[op * 6 + form];
    *t = (struct tmpl){ .opc = { (uint8_t)(op * 8 + form) }, .nopc = 1, .byte_op = !(form & 1),
                        .modrm = form < 4, .imm = form < 4 ? IMM_NONE : form == 4 ? IMM_B : IMM_Z,
                        .undef = (op == ALU_AND || op == ALU_OR || op == ALU_XOR) ? F_AF : 0 };
    make_case(c, t);
}

static void print_regs(const char *tag, const uint32_t *r, uint32_t fl)
{
    fprintf(stderr, "  %s eax=%08x ecx=%08x edx=%08x ebx=%08x ebp=%08x esi=%08x edi=%08x fl=%03x\n",
            tag, r[R_EAX], r[R_ECX], r[R_EDX], r[R_EBX], r[R_EBP], r[R_ESI], r[R_EDI], fl & F_ARITH);
}

static void run_case(const struct insn_case *c)
{
    static uint8_t init[WIN_SIZE];
    uint32_t in[8];
    uint32_t fl = (rnd() & F_ARITH) | F_FIXED1;

    for (int r = 0; r < 8; r++) in[r] = rnd_value();
    in[R_ESP] = FIX_STACK;
    in[R_EBX] = rnd() % 4 ? WIN_MID : in[R_EBX];
    if (c->ebx_base)
        in[R_EBX] = WIN_MID;
    if (c->bt_reg >= 0) /* a bit offset within +-1 KiB */
        in[c->bt_reg] = (in[c->bt_reg] & 0xffff0000u) | ((rnd() % 0x4000 - 0x2000) & 0xffff);
    if (c->bt_reg >= 0 && c->code[0] != 0x66)
        in[c->bt_reg] = (uint32_t)(int32_t)(int16_t)in[c->bt_reg];
    for (unsigned i = 0; i < WIN_SIZE; i++) init[i] = (uint8_t)rnd();

    /* native */
    struct native_state s = { .eax = in[R_EAX], .ecx = in[R_ECX], .edx = in[R_EDX], .ebx = in[R_EBX],
                              .ebp = in[R_EBP], .esi = in[R_ESI], .edi = in[R_EDI], .eflags = fl };
    memcpy(win, init, WIN_SIZE);
    int sig = native_run(c->code, c->len, &s);

    /* interpreter */
    fix_flat32();
    memcpy(fix_cpu->gpr, in, sizeof in);
    fix_cpu->gpr[R_ESP] = FIX_STACK;
    fix_cpu->eflags = fl;
    fix_poke(FIX_DATA, init, WIN_SIZE);
    fix_code(c->code, c->len);
    int vec = fix_step();

    uint32_t hw[8] = { s.eax, s.ecx, s.edx, s.ebx, FIX_STACK, s.ebp, s.esi, s.edi };
    uint32_t fmask = F_ARITH & ~(host_amd ? 0 : c->t->undef);
    bool bad;
    n_cases++;
    if (sig) {
        n_de++;
        bad = vec != EXC_DE || memcmp(fix_cpu->gpr, in, sizeof in) != 0 ||
              fix_cpu->eflags != fl || fix_cpu->eip != FIX_CODE;
    } else {
        bad = vec != -1 || fix_cpu->eip != FIX_CODE + (uint32_t)c->len ||
              ((fix_cpu->eflags ^ s.eflags) & fmask) ||
              memcmp(fix_m->ram.host + FIX_DATA, win, WIN_SIZE) != 0;
        if (host_amd || !c->t->undef_result)
            bad |= memcmp(fix_cpu->gpr, hw, sizeof hw) != 0;
    }
    if (bad && ++n_bad <= 20) {
        fprintf(stderr, "mismatch: code");
        for (int i = 0; i < c->len; i++) fprintf(stderr, " %02x", c->code[i]);
        fprintf(stderr, " native %s, interp vector %d, eip %#x, eflags %#x -> %#x\n",
                sig ? "#DE" : "ok", vec, fix_cpu->eip, fl, fix_cpu->eflags);
        print_regs("in ", in, fl);
        print_regs("hw ", hw, s.eflags);
        print_regs("emu", fix_cpu->gpr, fix_cpu->eflags);
        for (unsigned i = 0; i < WIN_SIZE; i++)
            if (fix_m->ram.host[FIX_DATA + i] != win[i])
                fprintf(stderr, "  mem %#x: hw %02x emu %02x\n", FIX_DATA + i, win[i],
                        fix_m->ram.host[FIX_DATA + i]);
    }
}

static bool have_native;

static void setup(void)
{
    fix_setup();
    have_native = native_init();
    void *p = mmap((void *)(uintptr_t)FIX_DATA, WIN_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    have_native &= p == (void *)(uintptr_t)FIX_DATA;
    win = p;
    host_amd = native_is_amd();
    n_cases = n_de = n_bad = 0;
}

static void teardown(void)
{
    if (win && win != MAP_FAILED) munmap(win, WIN_SIZE);
    fix_teardown();
}

START_TEST(test_random_forms)
{
    struct insn_case c;
    if (!have_native) {
        printf("alu exec: cannot map the native window at %#x: skipped\n", FIX_DATA);
        return;
    }
    int ntmpl = (int)(sizeof tmpls / sizeof tmpls[0]);
    for (int i = 0; i < 200000; i++) {
        if (i % 4 == 0)
            make_alu_case(&c);
        else
            make_case(&c, &tmpls[rnd() % ntmpl]);
        run_case(&c);
    }
    printf("alu exec: %ld random instructions (%ld #DE), %ld mismatches%s\n", n_cases, n_de, n_bad,
           host_amd ? "" : " [non-AMD host: undefined flags and results not compared]");
    ck_assert_int_eq(n_bad, 0);
}
END_TEST

/* Encodings the native run cannot take (they would raise #UD on the host,
 * which the trampoline does not catch). */
START_TEST(test_ud_forms)
{
    static const uint8_t cases[][4] = {
        { 0x0f, 0xc7, 0xc8 }, /* cmpxchg8b eax (register form) */
        { 0x0f, 0xc7, 0x03 }, /* 0F C7 /0 */
        { 0x0f, 0xba, 0xe8 - 0x28 }, /* 0F BA /0 */
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fix_flat32();
        fix_cpu->gpr[R_EBX] = FIX_DATA;
        fix_code(cases[i], 3);
        ck_assert_int_eq(fix_step(), EXC_UD);
        ck_assert_uint_eq(fix_cpu->eip, FIX_CODE);
    }
}
END_TEST

/* A memory write that faults after the flags were computed leaves flags
 * and registers as they were: DS is made read-only, so each of these reads
 * its operand and then raises #GP(0) on the write. */
START_TEST(test_restartable)
{
    static const uint8_t cases[][5] = {
        { 0x01, 0x03 },             /* add [ebx],eax */
        { 0xd1, 0x23 },             /* shl dword [ebx],1 */
        { 0x0f, 0xab, 0x03 },       /* bts [ebx],eax */
        { 0x0f, 0xc1, 0x03 },       /* xadd [ebx],eax */
        { 0x0f, 0xb1, 0x0b },       /* cmpxchg [ebx],ecx (compare fails: still a write) */
        { 0xf6, 0x1b },             /* neg byte [ebx] */
        { 0x0f, 0xa5, 0x03 },       /* shld [ebx],eax,cl */
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fix_flat32();
        fix_seg(S_DS, 0x10, 0, 0xffffffffu, DESC_P | DESC_S | DESC_A | DESC_DB | DESC_G);
        fix_poke(FIX_DATA, "\x81\x00\x00\x80", 4);
        fix_cpu->gpr[R_EBX] = FIX_DATA;
        fix_cpu->gpr[R_EAX] = 0x80000001;
        fix_cpu->gpr[R_ECX] = 3;
        fix_cpu->eflags = F_FIXED1 | F_ZF | F_PF;
        fix_code(cases[i], 5);
        ck_assert_int_eq(fix_step(), EXC_GP);
        ck_assert_uint_eq(fix_cpu->eflags, F_FIXED1 | F_ZF | F_PF);
        ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 0x80000001);
        ck_assert_uint_eq(fix_peek(FIX_DATA, 4), 0x80000081);
        ck_assert_uint_eq(fix_cpu->eip, FIX_CODE);
    }
}
END_TEST

static Suite *alu_exec_suite(void)
{
    Suite *s = suite_create("alu_exec");
    TCase *tc = tcase_create("exec");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_random_forms);
    tcase_add_test(tc, test_ud_forms);
    tcase_add_test(tc, test_restartable);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(alu_exec_suite)
