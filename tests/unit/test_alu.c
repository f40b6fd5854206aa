/* test_alu.c - the interpreter's arithmetic (alu.c, ops_shift.c,
 * ops_muldiv.c, ops_bit.c, ops_bcd.c) against the host CPU: every case runs
 * natively in 32-bit compatibility mode and through the C implementation,
 * and registers and flags (undefined ones included, on an AMD host) must
 * agree. */
#include <stdio.h>
#include <stdlib.h>

#include "check_main.h"
#include "native32.h"
#include "interp/alu.h"

/* One instruction form under test: its encoding and its C model. The model
 * works on the same registers the encoding names and returns false when the
 * instruction raises #DE. */
struct form {
    uint8_t code[NATIVE_SLOT];
    int len;
    int op, size;      /* parameters for the model */
    uint32_t imm;
    uint32_t undef;    /* flags the SDM leaves undefined for this case */
    bool undef_result; /* the SDM leaves the result itself undefined */
};

typedef bool (*model_fn)(struct cpu *c, const struct form *f);

static struct cpu *tcpu;
static bool host_amd;
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static long n_cases, n_native_de, n_mismatch;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* Random operand biased towards edge values. */
static uint32_t rnd_operand(void)
{
    static const uint32_t edge[] = {
        0, 1, 2, 0x7f, 0x80, 0x81, 0xff, 0x100, 0x7fff, 0x8000, 0x8001, 0xffff,
        0x10000, 0x7fffffff, 0x80000000, 0x80000001, 0xffffffff, 0xfffffffe,
        0xf, 0x10, 0x9, 0x99, 0xfffffff0, 0xffff8000, 0xffffff80,
    };
    switch (rnd() % 4) {
    case 0: return edge[rnd() % (sizeof edge / sizeof edge[0])];
    case 1: return rnd() & 0xff;
    default: return rnd();
    }
}

static uint32_t rnd_flags(void)
{
    return (rnd() & F_ARITH) | F_FIXED1;
}

static void setup(void)
{
    ck_assert_msg(native_init(), "cannot map the compatibility-mode trampoline");
    host_amd = native_is_amd();
    tcpu = calloc(1, sizeof *tcpu);
    n_cases = n_native_de = n_mismatch = 0;
}

static void teardown(void)
{
    free(tcpu);
}

static void state_to_cpu(struct cpu *c, const struct native_state *s)
{
    c->gpr[R_EAX] = s->eax; c->gpr[R_ECX] = s->ecx; c->gpr[R_EDX] = s->edx;
    c->gpr[R_EBX] = s->ebx; c->gpr[R_EBP] = s->ebp; c->gpr[R_ESI] = s->esi;
    c->gpr[R_EDI] = s->edi; c->eflags = s->eflags;
}

static void print_state(const char *tag, const struct native_state *s)
{
    fprintf(stderr, "  %s eax=%08x ecx=%08x edx=%08x ebx=%08x fl=%03x\n",
            tag, s->eax, s->ecx, s->edx, s->ebx, s->eflags & F_ARITH);
}

/* How many mismatches of form f were printed (the counter restarts when
 * the form changes), so that the log shows a few of each failing form. */
static int form_printed(const struct form *f)
{
    static uint8_t last[NATIVE_SLOT];
    static int count;
    if (memcmp(last, f->code, NATIVE_SLOT) != 0) {
        memcpy(last, f->code, NATIVE_SLOT);
        count = 0;
    }
    return ++count;
}

/* Run one case both ways and compare. */
static void check_case(const struct form *f, model_fn model, struct native_state in)
{
    struct native_state hw = in, em = in;
    struct cpu *c = tcpu;
    uint32_t fmask = F_ARITH & ~(host_amd ? 0 : f->undef);
    bool bad;

    in.eflags = (in.eflags & F_ARITH) | F_FIXED1;
    hw = in;
    int sig = native_run(f->code, f->len, &hw);
    state_to_cpu(c, &in);
    bool ok = model(c, f);
    em.eax = c->gpr[R_EAX]; em.ecx = c->gpr[R_ECX]; em.edx = c->gpr[R_EDX];
    em.ebx = c->gpr[R_EBX]; em.ebp = c->gpr[R_EBP]; em.esi = c->gpr[R_ESI];
    em.edi = c->gpr[R_EDI]; em.eflags = c->eflags;
    n_cases++;
    if (sig) {
        n_native_de++;
        bad = ok;
    } else if (!ok) {
        bad = true;
    } else {
        bad = ((hw.eflags ^ em.eflags) & fmask) != 0;
        if (host_amd || !f->undef_result)
            bad |= hw.eax != em.eax || hw.ecx != em.ecx || hw.edx != em.edx ||
                   hw.ebx != em.ebx;
    }
    if (bad && ++n_mismatch && form_printed(f) <= 3) {
        fprintf(stderr, "mismatch: code");
        for (int i = 0; i < f->len; i++) fprintf(stderr, " %02x", f->code[i]);
        fprintf(stderr, " (op %d size %d imm %#x)%s%s\n", f->op, f->size, f->imm,
                sig ? " native #DE" : "", ok ? "" : " model #DE");
        print_state("in ", &in);
        print_state("hw ", &hw);
        print_state("emu", &em);
    }
}

static void report(const char *what)
{
    printf("%-14s %8ld cases (%ld native #DE), %ld mismatches%s\n", what, n_cases,
           n_native_de, n_mismatch,
           host_amd ? "" : " [non-AMD host: undefined flags/results not compared]");
    ck_assert_msg(n_mismatch == 0, "%s: %ld mismatches", what, n_mismatch);
}

/* Encode: optional 0x66 for 16-bit, then the opcode bytes (the last opcode
 * byte gets +1 for the 16/32-bit form when wide_bit), then the rest. */
static void encode(struct form *f, int size, const uint8_t *opc, int n, bool wide_bit,
                   const uint8_t *rest, int m)
{
    f->len = 0;
    if (size == 2) f->code[f->len++] = 0x66;
    for (int i = 0; i < n; i++) f->code[f->len++] = opc[i];
    if (wide_bit && size != 1) f->code[f->len - 1] |= 1;
    for (int i = 0; i < m; i++) f->code[f->len++] = rest[i];
    f->size = size;
}

/* ---- ADD OR ADC SBB AND SUB XOR CMP, TEST: op al/ax/eax, cl/cx/ecx ---- */

static bool model_alu(struct cpu *c, const struct form *f)
{
    uint32_t a = reg_get(c, R_EAX, f->size), b = reg_get(c, R_ECX, f->size);
    uint32_t r = f->op == 8 ? alu__op(c, ALU_AND, a, b, f->size)
                            : alu__op(c, f->op, a, b, f->size);
    if (f->op != ALU_CMP && f->op != 8) reg_set(c, R_EAX, f->size, r);
    return true;
}

START_TEST(test_alu_ops)
{
    for (int op = 0; op <= 8; op++) {
        for (int size = 1; size <= 4; size *= 2) {
            struct form f = { .op = op };
            uint8_t opc = op == 8 ? 0x84 : (uint8_t)(op * 8), modrm = 0xc8;
            encode(&f, size, &opc, 1, true, &modrm, 1);
            f.undef = (op == ALU_AND || op == ALU_OR || op == ALU_XOR || op == 8) ? F_AF : 0;
            for (int i = 0; i < 20000; i++) {
                struct native_state s = { .eax = rnd_operand(), .ecx = rnd_operand(),
                                          .eflags = rnd_flags() };
                check_case(&f, model_alu, s);
            }
        }
    }
    report("alu");
}
END_TEST

/* ---- INC DEC NEG NOT on al/ax/eax ---- */

static bool model_unary(struct cpu *c, const struct form *f)
{
    uint32_t a = reg_get(c, R_EAX, f->size), r;
    switch (f->op) {
    case 0: r = alu__inc(c, a, f->size); break;
    case 1: r = alu__dec(c, a, f->size); break;
    case 2: r = alu__op(c, ALU_SUB, 0, a, f->size); break;
    default: r = ~a; break;
    }
    reg_set(c, R_EAX, f->size, r);
    return true;
}

START_TEST(test_unary)
{
    static const uint8_t opc[4] = { 0xfe, 0xfe, 0xf6, 0xf6 };
    static const uint8_t modrm[4] = { 0xc0, 0xc8, 0xd8, 0xd0 };
    for (int op = 0; op < 4; op++) {
        for (int size = 1; size <= 4; size *= 2) {
            struct form f = { .op = op };
            encode(&f, size, &opc[op], 1, true, &modrm[op], 1);
            for (int i = 0; i < 20000; i++) {
                struct native_state s = { .eax = rnd_operand(), .eflags = rnd_flags() };
                check_case(&f, model_unary, s);
            }
        }
    }
    report("inc/dec/neg/not");
}
END_TEST

/* ---- group 2 shifts/rotates: D2/D3 op al/ax/eax, cl; D0/D1 by 1 ---- */

static bool model_shift(struct cpu *c, const struct form *f)
{
    unsigned count = f->imm == 0x100 ? c->gpr[R_ECX] & 0xff : f->imm;
    reg_set(c, R_EAX, f->size, shift__op(c, f->op, reg_get(c, R_EAX, f->size), count, f->size));
    return true;
}

/* The SDM's undefined flags for a shift or rotate by count (before or after
 * masking). */
static uint32_t shift_undef(int op, unsigned count, int size)
{
    unsigned n = count & 31;
    uint32_t u = 0;
    if (n == 0) return 0;
    if (n != 1) u |= F_OF;
    if (op >= 4) {
        u |= F_AF;
        if (op != 7 && n >= (unsigned)size * 8) u |= F_CF;
    }
    return u;
}

START_TEST(test_shift)
{
    for (int op = 0; op < 8; op++) {
        for (int size = 1; size <= 4; size *= 2) {
            struct form f = { .op = op, .imm = 0x100 };
            uint8_t opc = 0xd2, modrm = (uint8_t)(0xc0 | op << 3);
            encode(&f, size, &opc, 1, true, &modrm, 1);
            for (int i = 0; i < 4000; i++) {
                unsigned count = i < 256 ? (unsigned)i : rnd() & 0xff;
                struct native_state s = { .eax = rnd_operand(), .ecx = count | (rnd() << 8),
                                          .eflags = rnd_flags() };
                f.undef = shift_undef(op, count, size);
                check_case(&f, model_shift, s);
            }
            /* D0/D1: by one */
            struct form g = { .op = op, .imm = 1 };
            uint8_t opc1 = 0xd0;
            encode(&g, size, &opc1, 1, true, &modrm, 1);
            g.undef = shift_undef(op, 1, size);
            for (int i = 0; i < 2000; i++) {
                struct native_state s = { .eax = rnd_operand(), .eflags = rnd_flags() };
                check_case(&g, model_shift, s);
            }
        }
    }
    report("shift/rotate");
}
END_TEST

/* ---- SHLD/SHRD ax/eax, dx/edx, cl ---- */

static bool model_shxd(struct cpu *c, const struct form *f)
{
    uint32_t d = reg_get(c, R_EAX, f->size), s = reg_get(c, R_EDX, f->size);
    unsigned n = c->gpr[R_ECX] & 0xff;
    uint32_t r = f->op ? shift__shrd(c, d, s, n, f->size) : shift__shld(c, d, s, n, f->size);
    reg_set(c, R_EAX, f->size, r);
    return true;
}

START_TEST(test_shxd)
{
    for (int op = 0; op < 2; op++) {
        for (int size = 2; size <= 4; size *= 2) {
            struct form f = { .op = op };
            uint8_t opc[2] = { 0x0f, op ? 0xad : 0xa5 }, modrm = 0xd0;
            encode(&f, size, opc, 2, false, &modrm, 1);
            for (int i = 0; i < 10000; i++) {
                unsigned count = i < 256 ? (unsigned)i : rnd() & 0xff, n = count & 31;
                struct native_state s = { .eax = rnd_operand(), .edx = rnd_operand(),
                                          .ecx = count, .eflags = rnd_flags() };
                f.undef = n == 0 ? 0 : F_AF | (n != 1 ? F_OF : 0);
                f.undef_result = n > (unsigned)size * 8;
                if (f.undef_result) f.undef = F_ARITH;
                check_case(&f, model_shxd, s);
            }
        }
    }
    report("shld/shrd");
}
END_TEST

/* ---- MUL IMUL DIV IDIV cl/cx/ecx (F6/F7 /4-/7) ---- */

static bool model_muldiv(struct cpu *c, const struct form *f)
{
    int size = f->size;
    uint32_t src = reg_get(c, R_ECX, size), q, r;
    uint64_t acc = size == 1 ? c->gpr[R_EAX] & 0xffff
                             : ((uint64_t)reg_get(c, R_EDX, size) << (size * 8)) | reg_get(c, R_EAX, size);
    uint64_t p;

    switch (f->op) {
    case 4: p = muldiv__mul(c, reg_get(c, R_EAX, size), src, size); break;
    case 5: p = (uint64_t)muldiv__imul(c, reg_get(c, R_EAX, size), src, size); break;
    case 6: if (!muldiv__div(c, acc, src, size, &q, &r)) return false; goto div;
    default: if (!muldiv__idiv(c, acc, src, size, &q, &r)) return false; goto div;
    }
    q = (uint32_t)p;
    r = (uint32_t)(p >> (size * 8));
div:
    if (size == 1) {
        reg_set(c, R_EAX, 2, (q & 0xff) | (r & 0xff) << 8);
    } else {
        reg_set(c, R_EAX, size, q);
        reg_set(c, R_EDX, size, r);
    }
    return true;
}

START_TEST(test_muldiv)
{
    for (int op = 4; op < 8; op++) {
        for (int size = 1; size <= 4; size *= 2) {
            struct form f = { .op = op };
            uint8_t opc = 0xf6, modrm = (uint8_t)(0xc1 | op << 3);
            encode(&f, size, &opc, 1, true, &modrm, 1);
            f.undef = op < 6 ? F_SF | F_ZF | F_AF | F_PF : F_ARITH;
            for (int i = 0; i < 20000; i++) {
                struct native_state s = { .eax = rnd_operand(), .ecx = rnd_operand(),
                                          .edx = rnd_operand(), .eflags = rnd_flags() };
                uint32_t m = size_mask(size);
                if (op >= 6 && (i & 1)) { /* mostly in-range quotients */
                    if ((s.ecx & m) == 0) s.ecx |= 1;
                    uint32_t hi = (size == 1 ? (s.eax >> 8) : s.edx) & m;
                    hi %= (s.ecx & m);
                    if (op == 7) hi >>= 1;
                    if (size == 1) s.eax = (s.eax & ~0xff00u) | hi << 8;
                    else s.edx = (s.edx & ~m) | hi;
                }
                check_case(&f, model_muldiv, s);
            }
            /* IDIV edges: most negative dividends by -1, 1, 2, -2 */
            static const int32_t dv[] = { -1, 1, 2, -2 };
            for (int k = 0; op == 7 && k < 4; k++) {
                uint64_t lo_min = 1ull << (size * 16 - 1);
                struct native_state s = { .ecx = (uint32_t)dv[k], .eflags = rnd_flags() };
                for (int j = 0; j < 4; j++) {
                    uint64_t n = j == 0 ? lo_min : j == 1 ? lo_min + 1
                               : j == 2 ? (uint64_t)-(int64_t)(1ull << (size * 8 - 1)) * 2
                               : ((uint64_t)-(int64_t)(1ull << (size * 8 - 1)));
                    if (size == 1) s.eax = (uint32_t)n & 0xffff;
                    else { s.eax = (uint32_t)n & size_mask(size); s.edx = (uint32_t)(n >> (size * 8)) & size_mask(size); }
                    check_case(&f, model_muldiv, s);
                }
            }
        }
    }
    report("mul/imul/div");
}
END_TEST

/* ---- IMUL eax, ecx (0F AF) and IMUL eax, ecx, imm (69, 6B) ---- */

static bool model_imul2(struct cpu *c, const struct form *f)
{
    uint32_t b = f->op == 0 ? reg_get(c, R_EAX, f->size) : f->imm;
    reg_set(c, R_EAX, f->size, (uint32_t)muldiv__imul(c, b, reg_get(c, R_ECX, f->size), f->size));
    return true;
}

START_TEST(test_imul2)
{
    for (int op = 0; op < 3; op++) {
        for (int size = 2; size <= 4; size *= 2) {
            for (int i = 0; i < 10000; i++) {
                struct form f = { .op = op, .undef = F_SF | F_ZF | F_AF | F_PF };
                uint32_t imm = rnd_operand();
                uint8_t rest[5] = { 0xc1 };
                if (op == 0) {
                    uint8_t opc[2] = { 0x0f, 0xaf };
                    encode(&f, size, opc, 2, false, rest, 1);
                } else if (op == 1) {
                    uint8_t opc = 0x69;
                    memcpy(rest + 1, &imm, 4);
                    encode(&f, size, &opc, 1, false, rest, 1 + size);
                    f.imm = imm & size_mask(size);
                } else {
                    uint8_t opc = 0x6b;
                    rest[1] = (uint8_t)imm;
                    encode(&f, size, &opc, 1, false, rest, 2);
                    f.imm = (uint32_t)(int8_t)imm;
                }
                struct native_state s = { .eax = rnd_operand(), .ecx = rnd_operand(),
                                          .eflags = rnd_flags() };
                check_case(&f, model_imul2, s);
            }
        }
    }
    report("imul r,rm[,i]");
}
END_TEST

/* ---- DAA DAS AAA AAS AAM AAD ---- */

static bool model_bcd(struct cpu *c, const struct form *f)
{
    switch (f->op) {
    case 0: bcd__daa(c); break;
    case 1: bcd__das(c); break;
    case 2: bcd__aaa(c); break;
    case 3: bcd__aas(c); break;
    case 4: return bcd__aam(c, (uint8_t)f->imm);
    default: bcd__aad(c, (uint8_t)f->imm); break;
    }
    return true;
}

START_TEST(test_bcd)
{
    static const uint8_t opc[4] = { 0x27, 0x2f, 0x37, 0x3f };
    static const uint32_t undef[6] = {
        F_OF, F_OF, F_OF | F_SF | F_ZF | F_PF, F_OF | F_SF | F_ZF | F_PF,
        F_OF | F_AF | F_CF, F_OF | F_AF | F_CF,
    };
    for (int op = 0; op < 4; op++) {
        struct form f = { .op = op, .len = 1, .size = 1, .code = { opc[op] }, .undef = undef[op] };
        for (int al = 0; al < 256; al++)
            for (int fl = 0; fl < 64; fl++) { /* all CF/AF combos, others at random */
                uint32_t flags = (fl & 1 ? F_CF : 0) | (fl & 2 ? F_AF : 0) | (rnd_flags() & ~(F_CF | F_AF));
                struct native_state s = { .eax = (rnd() & 0xffffff00u) | (uint32_t)al, .eflags = flags };
                check_case(&f, model_bcd, s);
            }
    }
    for (int op = 4; op < 6; op++) {
        for (int imm = 0; imm < 256; imm++) {
            struct form f = { .op = op, .len = 2, .size = 1, .imm = (uint32_t)imm,
                              .code = { op == 4 ? 0xd4 : 0xd5, (uint8_t)imm }, .undef = undef[op] };
            for (int i = 0; i < 256; i++) {
                struct native_state s = { .eax = (rnd() & 0xffff0000u) | (rnd() & 0xff00) | (uint32_t)i,
                                          .eflags = rnd_flags() };
                check_case(&f, model_bcd, s);
            }
        }
    }
    report("daa..aad");
}
END_TEST

/* ---- BSF BSR eax, ecx; BT* eax, ecx / imm8; BSWAP ax ---- */

static bool model_bitscan(struct cpu *c, const struct form *f)
{
    uint32_t d = reg_get(c, R_EAX, f->size), s = reg_get(c, R_ECX, f->size);
    reg_set(c, R_EAX, f->size, f->op ? bit__bsr(c, d, s, f->size) : bit__bsf(c, d, s, f->size));
    return true;
}

static bool model_bt(struct cpu *c, const struct form *f)
{
    unsigned bit = (f->imm == 0x100 ? c->gpr[R_ECX] : f->imm) & (f->size * 8 - 1);
    reg_set(c, R_EAX, f->size, bit__test(c, f->op, reg_get(c, R_EAX, f->size), bit, f->size));
    return true;
}

START_TEST(test_bits)
{
    for (int op = 0; op < 2; op++)
        for (int size = 2; size <= 4; size *= 2) {
            struct form f = { .op = op, .undef = F_CF | F_OF | F_SF | F_AF | F_PF };
            uint8_t opc[2] = { 0x0f, op ? 0xbd : 0xbc }, modrm = 0xc1;
            encode(&f, size, opc, 2, false, &modrm, 1);
            for (int i = 0; i < 10000; i++) {
                uint32_t src = i % 4 == 0 ? 0 : rnd_operand() >> (rnd() % 32);
                f.undef_result = (src & size_mask(size)) == 0;
                struct native_state s = { .eax = rnd(), .ecx = src, .eflags = rnd_flags() };
                check_case(&f, model_bitscan, s);
            }
        }
    for (int op = 0; op < 4; op++)
        for (int size = 2; size <= 4; size *= 2) {
            struct form f = { .op = op, .imm = 0x100, .undef = F_OF | F_SF | F_AF | F_PF };
            uint8_t opc[2] = { 0x0f, (uint8_t)(0xa3 + 8 * op) }, modrm = 0xc8;
            encode(&f, size, opc, 2, false, &modrm, 1);
            struct form g = { .op = op, .undef = F_OF | F_SF | F_AF | F_PF };
            uint8_t opc2[2] = { 0x0f, 0xba }, rest[2] = { (uint8_t)(0xe0 + 8 * op) };
            for (int i = 0; i < 5000; i++) {
                struct native_state s = { .eax = rnd_operand(), .ecx = rnd(), .eflags = rnd_flags() };
                check_case(&f, model_bt, s);
                rest[1] = (uint8_t)rnd();
                encode(&g, size, opc2, 2, false, rest, 2);
                g.imm = rest[1];
                check_case(&g, model_bt, s);
            }
        }
    report("bsf/bsr/bt*");
}
END_TEST

/* ---- SETcc al for every condition and flag combination ---- */

static bool model_setcc(struct cpu *c, const struct form *f)
{
    reg_set(c, R_EAX, 1, cond__eval(c, f->op));
    return true;
}

START_TEST(test_cond)
{
    for (int cc = 0; cc < 16; cc++) {
        struct form f = { .op = cc, .len = 3, .size = 1, .code = { 0x0f, (uint8_t)(0x90 + cc), 0xc0 } };
        for (uint32_t fl = 0; fl < 0x1000; fl++) {
            if (fl & ~F_ARITH) continue;
            struct native_state s = { .eax = rnd(), .eflags = fl | F_FIXED1 };
            check_case(&f, model_setcc, s);
        }
    }
    report("setcc/cond");
}
END_TEST

static Suite *alu_suite(void)
{
    Suite *s = suite_create("alu");
    TCase *tc = tcase_create("native");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_alu_ops);
    tcase_add_test(tc, test_unary);
    tcase_add_test(tc, test_shift);
    tcase_add_test(tc, test_shxd);
    tcase_add_test(tc, test_muldiv);
    tcase_add_test(tc, test_imul2);
    tcase_add_test(tc, test_bcd);
    tcase_add_test(tc, test_bits);
    tcase_add_test(tc, test_cond);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(alu_suite)
