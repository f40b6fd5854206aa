/* test_fpu.c - the x87 FPU: arithmetic, conversions, compares and stack
 * faults checked against the host x87; exceptions (#MF, #NM, #UD),
 * pointers, FSAVE/FSTENV/FXSAVE layouts checked against the SDM. */
#include "check_main.h"
#include "fpu_oracle.h"
#include "interp/fpu.h"

struct f80 {
    uint64_t mant;
    uint16_t sexp;
};

/* Operand values: zeros, normals, extremes, denormal, infinities, NaNs,
 * an unnormal (unsupported format). */
static const struct f80 values[] = {
    { 0, 0 }, { 0, 0x8000 },
    { 1ull << 63, 0x3fff }, { 0xc000000000000000ull, 0xbfff },
    { 0xc90fdaa22168c235ull, 0x4000 }, { 0xaaaaaaaaaaaaaaabull, 0x3ffd },
    { 0xfedcba9876543210ull, 0x401d }, { 0x8000000000000001ull, 0xc03e },
    { ~0ull, 0x7ffe }, { 1ull << 63, 0x0001 }, { 0x123456789ull, 0 },
    { 1ull << 63, 0x7fff }, { 1ull << 63, 0xffff },
    { 0xc000000000000001ull, 0x7fff }, { 0xa000000000000000ull, 0xffff },
    { 0x1234, 0x3fff }, { 0x9999999999999999ull, 0x1000 }, { 0x8765432112345678ull, 0x6000 },
};
#define NVALUES (sizeof values / sizeof values[0])

/* Raw memory operands (read as m16/m32/m64 integers or reals). */
static const uint64_t patterns[] = {
    0, 0x80000000, 0x3f800000, 0x7f800001, 0x7fc00000, 0x00000001, 0x7f7fffff,
    0x3ff0000000000000ull, 0x7ff0000000000001ull, 1, 0xffffffff12345678ull,
    0xffff8000, 0x7fff, 0x8000000000000000ull, 0x0000000180000000ull, 0xc1e0000000000000ull,
    0x0000000000000123ull, 0x4000000000000000ull,
};
#define NPATTERNS (sizeof patterns / sizeof patterns[0])

/* Control words: the four rounding modes, single and double precision,
 * and every exception unmasked. */
static const uint16_t cws[] = { 0x037f, 0x077f, 0x0b7f, 0x0f7f, 0x007f, 0x027f, 0x0340, 0x0f60 };

/* fldcw [ebx]; fld tword [ebx+0x10]; fld tword [ebx+0x20]: ST0 = a, ST1 = b. */
static const uint8_t load_ab[] = { 0xd9, 0x2b, 0xdb, 0x6b, 0x10, 0xdb, 0x6b, 0x20 };

/* Instructions run after load_ab; [ebx+0x30] holds a raw pattern, [ebx+0x40]
 * is the store area. */
static const struct { const char *name; uint8_t b[3]; uint8_t n; } ops[] = {
    { "fadd st,st1", { 0xd8, 0xc1 }, 2 }, { "fmul st,st1", { 0xd8, 0xc9 }, 2 },
    { "fsub st,st1", { 0xd8, 0xe1 }, 2 }, { "fsubr st,st1", { 0xd8, 0xe9 }, 2 },
    { "fdiv st,st1", { 0xd8, 0xf1 }, 2 }, { "fdivr st,st1", { 0xd8, 0xf9 }, 2 },
    { "fadd st1,st", { 0xdc, 0xc1 }, 2 }, { "fsub st1,st", { 0xdc, 0xe9 }, 2 },
    { "fsubr st1,st", { 0xdc, 0xe1 }, 2 }, { "fdiv st1,st", { 0xdc, 0xf9 }, 2 },
    { "fdivr st1,st", { 0xdc, 0xf1 }, 2 }, { "faddp", { 0xde, 0xc1 }, 2 },
    { "fsubp", { 0xde, 0xe9 }, 2 }, { "fdivrp", { 0xde, 0xf1 }, 2 },
    { "fcom st1", { 0xd8, 0xd1 }, 2 }, { "fcomp st1", { 0xd8, 0xd9 }, 2 },
    { "fcompp", { 0xde, 0xd9 }, 2 }, { "fucom st1", { 0xdd, 0xe1 }, 2 },
    { "fucompp", { 0xda, 0xe9 }, 2 }, { "fcomi", { 0xdb, 0xf1 }, 2 },
    { "fucomi", { 0xdb, 0xe9 }, 2 }, { "fcomip", { 0xdf, 0xf1 }, 2 },
    { "fucomip", { 0xdf, 0xe9 }, 2 }, { "fprem", { 0xd9, 0xf8 }, 2 },
    { "fprem1", { 0xd9, 0xf5 }, 2 }, { "fscale", { 0xd9, 0xfd }, 2 },
    { "fpatan", { 0xd9, 0xf3 }, 2 }, { "fyl2x", { 0xd9, 0xf1 }, 2 },
    { "fyl2xp1", { 0xd9, 0xf9 }, 2 }, { "fxch", { 0xd9, 0xc9 }, 2 },
    { "fchs", { 0xd9, 0xe0 }, 2 }, { "fabs", { 0xd9, 0xe1 }, 2 },
    { "ftst", { 0xd9, 0xe4 }, 2 }, { "fxam", { 0xd9, 0xe5 }, 2 },
    { "f2xm1", { 0xd9, 0xf0 }, 2 }, { "fptan", { 0xd9, 0xf2 }, 2 },
    { "fxtract", { 0xd9, 0xf4 }, 2 }, { "fsqrt", { 0xd9, 0xfa }, 2 },
    { "fsincos", { 0xd9, 0xfb }, 2 }, { "frndint", { 0xd9, 0xfc }, 2 },
    { "fsin", { 0xd9, 0xfe }, 2 }, { "fcos", { 0xd9, 0xff }, 2 },
    { "fldpi", { 0xd9, 0xeb }, 2 }, { "fldl2t", { 0xd9, 0xe9 }, 2 },
    { "fldlg2", { 0xd9, 0xec }, 2 }, { "fldln2", { 0xd9, 0xed }, 2 },
    { "fld st1", { 0xd9, 0xc1 }, 2 }, { "fstp st1", { 0xdd, 0xd9 }, 2 },
    { "fstp1 alias", { 0xd9, 0xd9 }, 2 }, { "ffreep", { 0xdf, 0xc1 }, 2 },
    { "fadd m32", { 0xd8, 0x43, 0x30 }, 3 }, { "fdivr m32", { 0xd8, 0x7b, 0x30 }, 3 },
    { "fsub m64", { 0xdc, 0x63, 0x30 }, 3 }, { "fcomp m64", { 0xdc, 0x5b, 0x30 }, 3 },
    { "fiadd m32", { 0xda, 0x43, 0x30 }, 3 }, { "fidiv m16", { 0xde, 0x73, 0x30 }, 3 },
    { "ficom m16", { 0xde, 0x53, 0x30 }, 3 }, { "fisubr m32", { 0xda, 0x6b, 0x30 }, 3 },
    { "fld m32", { 0xd9, 0x43, 0x30 }, 3 }, { "fld m64", { 0xdd, 0x43, 0x30 }, 3 },
    { "fild m16", { 0xdf, 0x43, 0x30 }, 3 }, { "fild m32", { 0xdb, 0x43, 0x30 }, 3 },
    { "fild m64", { 0xdf, 0x6b, 0x30 }, 3 }, { "fbld", { 0xdf, 0x63, 0x30 }, 3 },
    { "fst m32", { 0xd9, 0x53, 0x40 }, 3 }, { "fstp m32", { 0xd9, 0x5b, 0x40 }, 3 },
    { "fst m64", { 0xdd, 0x53, 0x40 }, 3 }, { "fstp m64", { 0xdd, 0x5b, 0x40 }, 3 },
    { "fstp m80", { 0xdb, 0x7b, 0x40 }, 3 }, { "fist m16", { 0xdf, 0x53, 0x40 }, 3 },
    { "fistp m16", { 0xdf, 0x5b, 0x40 }, 3 }, { "fist m32", { 0xdb, 0x53, 0x40 }, 3 },
    { "fistp m32", { 0xdb, 0x5b, 0x40 }, 3 }, { "fistp m64", { 0xdf, 0x7b, 0x40 }, 3 },
    { "fbstp", { 0xdf, 0x73, 0x40 }, 3 },
};
#define NOPS (sizeof ops / sizeof ops[0])

static void put_f80(uint8_t *p, struct f80 v)
{
    memcpy(p, &v.mant, 8);
    memcpy(p + 8, &v.sexp, 2);
}

/*
 * FCOMI/FUCOMI(P) with an unmasked invalid-operation exception: the SDM
 * (FCOMI, Operation) leaves ZF/PF/CF alone, the host (AMD) sets them to
 * 111 anyway. bt86 follows the SDM, so EFLAGS are not compared there (the
 * interpreter's own behaviour is checked in test_known_values).
 */
static uint32_t fcomi_unmasked_ie(const uint8_t *b, uint16_t cw)
{
    bool fcomi = (b[0] == 0xdb || b[0] == 0xdf) && b[1] >= 0xe8 && b[1] < 0xf8;
    return fcomi && !(cw & FSW_IE) ? F_ZF | F_PF | F_CF : 0;
}

/* Every op, every pair of values, every control word: native vs interp. */
START_TEST(test_ops_vs_host)
{
    static uint8_t data[ORACLE_DATA];
    uint8_t prog[16];
    char label[128];
    int failures = 0;

    memcpy(prog, load_ab, sizeof load_ab);
    for (size_t o = 0; o < NOPS; o++) {
        memcpy(prog + sizeof load_ab, ops[o].b, ops[o].n);
        for (size_t i = 0; i < NVALUES; i++)
            for (size_t j = 0; j < NVALUES; j++)
                for (size_t c = 0; c < sizeof cws / sizeof cws[0]; c++) {
                    memset(data, 0x5a, sizeof data);
                    memcpy(data, &cws[c], 2);
                    put_f80(data + 0x10, values[j]);
                    put_f80(data + 0x20, values[i]);
                    memcpy(data + 0x30, &patterns[j % NPATTERNS], 8);
                    snprintf(label, sizeof label, "%s a=%zu b=%zu cw=%04x", ops[o].name, i, j,
                             cws[c]);
                    oracle_eflags_ignore = fcomi_unmasked_ie(ops[o].b, cws[c]);
                    if (!oracle_check(label, prog, sizeof load_ab + ops[o].n, data) &&
                        ++failures > 20)
                        ck_abort_msg("too many mismatches");
                }
    }
    ck_assert_int_eq(failures, 0);
}
END_TEST

/* FCMOVcc for every condition, with the flags from SAHF. */
START_TEST(test_fcmov_vs_host)
{
    static uint8_t data[ORACLE_DATA];
    char label[64];
    memset(data, 0, sizeof data);
    memcpy(data, &cws[0], 2);
    put_f80(data + 0x10, values[2]);
    put_f80(data + 0x20, values[4]);
    for (int esc = 0xda; esc <= 0xdb; esc++)
        for (int cc = 0; cc < 4; cc++)
            for (int ah = 0; ah < 256; ah += 1) {
                if (ah & ~(F_CF | F_PF | F_ZF))
                    continue;
                uint8_t prog[] = { 0xb4, (uint8_t)ah, 0x9e, 0xd9, 0x2b, 0xdb, 0x6b, 0x10,
                                   0xdb, 0x6b, 0x20, (uint8_t)esc, (uint8_t)(0xc1 | cc << 3) };
                snprintf(label, sizeof label, "fcmov %02x %02x ah=%02x", esc, prog[11], ah);
                ck_assert_msg(oracle_check(label, prog, sizeof prog, data), "%s", label);
            }
}
END_TEST

/* Stack overflow and underflow, masked and unmasked; FFREE, FINCSTP,
 * FDECSTP, FXCH with an empty register. */
START_TEST(test_stack_faults_vs_host)
{
    static uint8_t data[ORACLE_DATA];
    static const struct { const char *name; uint8_t b[32]; uint8_t n; } progs[] = {
        { "9 pushes", { 0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0xd9,
                        0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8 }, 18 },
        { "fadd empty", { 0xd9, 0xe8, 0xd8, 0xc1 }, 4 },
        { "fstp empty", { 0xdd, 0xd8 }, 2 },
        { "fst m32 empty", { 0xd9, 0x53, 0x40 }, 3 },
        { "fistp m64 empty", { 0xdf, 0x7b, 0x40 }, 3 },
        { "fbstp empty", { 0xdf, 0x73, 0x40 }, 3 },
        { "fxch empty", { 0xd9, 0xe8, 0xd9, 0xca }, 4 },
        { "fcomi empty", { 0xd9, 0xe8, 0xdb, 0xf3 }, 4 },
        { "fxam empty", { 0xd9, 0xe5 }, 2 },
        { "fsincos full", { 0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8,
                            0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xfb }, 18 },
        { "ffree incstp decstp", { 0xd9, 0xe8, 0xd9, 0xeb, 0xdd, 0xc1, 0xd9, 0xf7, 0xd9, 0xf7,
                                   0xd9, 0xf6, 0xd9, 0xe5 }, 14 },
        { "fldz fcmov empty", { 0xd9, 0xee, 0xda, 0xc3 }, 4 },
    };
    char label[64];
    for (int unmasked = 0; unmasked < 2; unmasked++)
        for (size_t p = 0; p < sizeof progs / sizeof progs[0]; p++) {
            uint8_t prog[40] = { 0xd9, 0x2b }; /* fldcw [ebx] */
            memset(data, 0x77, sizeof data);
            uint16_t cw = unmasked ? 0x0360 : 0x037f;
            memcpy(data, &cw, 2);
            memcpy(prog + 2, progs[p].b, progs[p].n);
            snprintf(label, sizeof label, "%s cw=%04x", progs[p].name, cw);
            oracle_eflags_ignore = fcomi_unmasked_ie(progs[p].b + progs[p].n - 2, cw);
            ck_assert_msg(oracle_check(label, prog, progs[p].n + 2u, data), "%s", label);
        }
}
END_TEST

/* Known answers, independent of the host: 1/3 rounded four ways, integer
 * overflow to the integer indefinite, BCD, FCOMI flags. */
START_TEST(test_known_values)
{
    static uint8_t data[ORACLE_DATA];
    struct oracle_result r;
    /* fldcw [ebx]; fld1; fidiv dword [ebx+4] (3); fstp qword [ebx+0x40] */
    static const uint8_t div3[] = { 0xd9, 0x2b, 0xd9, 0xe8, 0xda, 0x73, 0x04, 0xdd, 0x5b, 0x40 };
    static const struct { uint16_t cw; uint64_t bits; } third[] = {
        { 0x037f, 0x3fd5555555555555ull }, { 0x077f, 0x3fd5555555555555ull },
        { 0x0b7f, 0x3fd5555555555556ull }, { 0x0f7f, 0x3fd5555555555555ull },
    };
    for (int i = 0; i < 4; i++) {
        memset(data, 0, sizeof data);
        memcpy(data, &third[i].cw, 2);
        data[4] = 3;
        ck_assert_int_eq(oracle_interp(div3, sizeof div3, data, F_FIXED1, &r), -1);
        uint64_t got;
        memcpy(&got, r.data + 0x40, 8);
        ck_assert_uint_eq(got, third[i].bits);
        ck_assert_uint_eq(oracle_w(r.save, 4) & FSW_PE, FSW_PE);
    }

    /* fild dword [ebx+4] (100000); fistp word [ebx+0x40]: IE, 8000H. */
    static const uint8_t ovf[] = { 0xdb, 0x43, 0x04, 0xdf, 0x5b, 0x40 };
    memset(data, 0, sizeof data);
    uint32_t big = 100000;
    memcpy(data + 4, &big, 4);
    ck_assert_int_eq(oracle_interp(ovf, sizeof ovf, data, F_FIXED1, &r), -1);
    ck_assert_uint_eq(oracle_w(r.data, 0x40), 0x8000);
    ck_assert_uint_eq(oracle_w(r.save, 4) & 0x3f, FSW_IE);

    /* fild dword [ebx+4] (-123456789); fbstp [ebx+0x40] */
    static const uint8_t bcd[] = { 0xdb, 0x43, 0x04, 0xdf, 0x73, 0x40 };
    int32_t neg = -123456789;
    memcpy(data + 4, &neg, 4);
    ck_assert_int_eq(oracle_interp(bcd, sizeof bcd, data, F_FIXED1, &r), -1);
    static const uint8_t want[10] = { 0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0, 0x80 };
    ck_assert_mem_eq(r.data + 0x40, want, 10);

    /* fld1; fldz; fcomi st1 (0 < 1): CF=1 ZF=0 PF=0; then equal: ZF=1. */
    static const uint8_t cmp[] = { 0xd9, 0xe8, 0xd9, 0xee, 0xdb, 0xf1 };
    ck_assert_int_eq(oracle_interp(cmp, sizeof cmp, data, F_FIXED1 | F_OF | F_SF, &r), -1);
    ck_assert_uint_eq(r.eflags & (F_CF | F_ZF | F_PF | F_OF | F_SF), F_CF);

    /* fldcw [ebx] (IM=0); fld1; fld tword [ebx+0x10] (QNaN); fcomi st1:
     * unmasked #IA leaves ZF PF CF alone, OF is cleared regardless (SDM
     * FCOMI). */
    static const uint8_t nan[] = { 0xd9, 0x2b, 0xd9, 0xe8, 0xdb, 0x6b, 0x10, 0xdb, 0xf1 };
    uint16_t cw = 0x037e;
    memcpy(data, &cw, 2);
    put_f80(data + 0x10, values[13]);
    ck_assert_int_eq(oracle_interp(nan, sizeof nan, data, F_FIXED1 | F_OF, &r), -1);
    ck_assert_uint_eq(r.eflags & (F_CF | F_ZF | F_PF | F_OF), 0);
    ck_assert_uint_eq(oracle_w(r.save, 4) & (FSW_IE | FSW_ES), FSW_IE | FSW_ES);
}
END_TEST

/* Run code in the fixture; expect vector (or -1) from the last step. */
static int run_all(int steps)
{
    int v = -1;
    while (steps-- > 0 && (v = fix_step()) == -1)
        ;
    return v;
}

/* An unmasked exception is reported at the next waiting instruction: #MF
 * with CR0.NE, nothing (FERR# TODO) without; FNSTSW does not wait. */
START_TEST(test_pending_mf)
{
    /* fninit; fldcw [ebx]; fldz; fld1; fdiv st,st1 (ZE); fnstsw ax; fwait */
    FIX_CODE_BYTES(0xdb, 0xe3, 0xd9, 0x2b, 0xd9, 0xee, 0xd9, 0xe8, 0xd8, 0xf1,
                   0xdf, 0xe0, 0x9b, 0xd9, 0xe8);
    uint16_t cw = 0x037b; /* ZE unmasked */
    fix_poke(FIX_DATA, &cw, 2);
    fix_cpu->gpr[R_EBX] = FIX_DATA;
    fix_cpu->cr0 |= CR0_NE;
    ck_assert_int_eq(run_all(6), -1);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX] & 0xffff & ~(FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3),
                      0x3000 | FSW_B | FSW_ES | FSW_ZE);
    /* ST0 kept the dividend: the destination is untouched. */
    ck_assert_uint_eq(fix_cpu->fpu.st_phys[6].sexp, 0x3fff);
    ck_assert_int_eq(fix_step(), EXC_MF);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 12);
    /* Without NE the WAIT and the next instruction proceed. */
    fix_cpu->cr0 &= ~CR0_NE;
    ck_assert_int_eq(run_all(2), -1);
}
END_TEST

/* #NM/#UD from CR0.EM/TS/MP, FISTTP and reserved encodings #UD. */
START_TEST(test_availability)
{
    static const uint8_t fld1[] = { 0xd9, 0xe8 }, wait[] = { 0x9b }, paddb[] = { 0x0f, 0xfc, 0xc1 };
    fix_cpu->cr0 |= CR0_EM;
    fix_code(fld1, 2);
    ck_assert_int_eq(fix_step(), EXC_NM);
    fix_code(paddb, 3);
    ck_assert_int_eq(fix_step(), EXC_UD);
    fix_code(wait, 1);
    ck_assert_int_eq(fix_step(), -1);
    fix_cpu->cr0 = (fix_cpu->cr0 & ~CR0_EM) | CR0_TS;
    fix_code(fld1, 2);
    ck_assert_int_eq(fix_step(), EXC_NM);
    fix_code(paddb, 3);
    ck_assert_int_eq(fix_step(), EXC_NM);
    fix_code(wait, 1);
    ck_assert_int_eq(fix_step(), -1);
    fix_cpu->cr0 |= CR0_MP;
    fix_code(wait, 1);
    ck_assert_int_eq(fix_step(), EXC_NM);
    fix_cpu->cr0 &= ~(CR0_TS | CR0_MP);
    static const uint8_t fisttp[] = { 0xdd, 0x0b }, reserved[] = { 0xd9, 0xd1 };
    fix_code(fisttp, 2);
    ck_assert_int_eq(fix_step(), EXC_UD);
    fix_code(reserved, 2);
    ck_assert_int_eq(fix_step(), EXC_UD);
}
END_TEST

/* FCS:FIP, FOP, FDS:FDP: recorded by non-control instructions only. */
START_TEST(test_pointers)
{
    /* fninit; fld dword [ebx+8]; fnstcw [ebx]; fsqrt */
    FIX_CODE_BYTES(0xdb, 0xe3, 0xd9, 0x43, 0x08, 0xd9, 0x3b, 0xd9, 0xfa);
    fix_cpu->gpr[R_EBX] = FIX_DATA;
    ck_assert_int_eq(run_all(3), -1);
    struct fpu_state *f = &fix_cpu->fpu;
    ck_assert_uint_eq(f->fip, FIX_CODE + 2);
    ck_assert_uint_eq(f->fcs, 0x08);
    ck_assert_uint_eq(f->fop, 0x143);
    ck_assert_uint_eq(f->fdp, FIX_DATA + 8);
    ck_assert_uint_eq(f->fds, 0x10);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(f->fip, FIX_CODE + 7);
    ck_assert_uint_eq(f->fop, 0x1fa);
    ck_assert_uint_eq(f->fdp, FIX_DATA + 8);
}
END_TEST

/* A store that faults leaves the FPU as it was: FSTP does not pop, FIST
 * records no pointer, and the instruction restarts. 16-bit FNSAVE/FRSTOR
 * round trip (94 bytes). */
START_TEST(test_faulting_store)
{
    /* fninit; fld1; fstp dword [ebx]; o16 fnsave [ebx+0x100]; o16 frstor [ebx+0x100] */
    FIX_CODE_BYTES(0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0x1b,
                   0x66, 0xdd, 0xb3, 0x00, 0x01, 0x00, 0x00,
                   0x66, 0xdd, 0xa3, 0x00, 0x01, 0x00, 0x00);
    fix_cpu->gpr[R_EBX] = 0xfffffffe; /* 4 bytes at the 4 GiB wrap: beyond the limit */
    fix_cpu->seg[S_DS].limit = 0xfffffffd;
    ck_assert_int_eq(run_all(2), -1);
    struct fpu_state before = fix_cpu->fpu;
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 4);
    ck_assert_mem_eq(&fix_cpu->fpu, &before, sizeof before);
    fix_cpu->seg[S_DS].limit = 0xffffffffu;
    fix_cpu->gpr[R_EBX] = FIX_DATA;
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_peek(FIX_DATA, 4), 0x3f800000);
    ck_assert_uint_eq(fix_cpu->fpu.ftw, 0xffff);
    /* 16-bit image: 14-byte environment then the registers. */
    fix_cpu->fpu.fcw = 0x0b7f;
    before = fix_cpu->fpu;
    ck_assert_int_eq(run_all(2), -1);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x100, 2), 0x0b7f);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x100 + 14 + 70 + 8, 2), 0x3fff); /* ST7 = R7 = 1 */
    ck_assert_uint_eq(fix_cpu->fpu.fcw, before.fcw);
    ck_assert_uint_eq(fix_cpu->fpu.fsw, before.fsw);
    ck_assert_uint_eq(fix_cpu->fpu.ftw, before.ftw);
    ck_assert_mem_eq(fix_cpu->fpu.st_phys, before.st_phys, sizeof before.st_phys);
}
END_TEST

/* FNSAVE/FRSTOR and FNSTENV/FLDENV in the 32-bit protected layout and
 * the 16-bit and real-mode layouts (SDM vol. 1, figures 8-9 to 8-12). */
START_TEST(test_save_restore)
{
    /* fninit; fld1; fldpi; fld dword [ebx+0x10]; fnsave [ebx+0x100];
     * frstor [ebx+0x100]; fnsave [ebx+0x200] */
    FIX_CODE_BYTES(0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0xeb, 0xd9, 0x43, 0x10,
                   0xdd, 0xb3, 0x00, 0x01, 0x00, 0x00, 0xdd, 0xa3, 0x00, 0x01, 0x00, 0x00,
                   0xdd, 0xb3, 0x00, 0x02, 0x00, 0x00);
    fix_cpu->gpr[R_EBX] = FIX_DATA;
    ck_assert_int_eq(run_all(5), -1);
    const uint8_t *img = fix_m->ram.host + FIX_DATA + 0x100;
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x100, 4), 0xffff037f);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x104, 4), 0xffff2800);  /* TOP=5 */
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x108, 4), 0xffff07ff);  /* R5 zero, R6 R7 valid */
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x10c, 4), FIX_CODE + 6);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x110, 4), 0x01430008);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x114, 4), FIX_DATA + 0x10);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x118, 4), 0xffff0010);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x11c + 8, 2), 0);          /* ST0 = +0 */
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x11c + 28, 2), 0x3fff);    /* ST2 = 1 */
    /* FNSAVE reinitialised. */
    ck_assert_uint_eq(fix_cpu->fpu.fcw, 0x037f);
    ck_assert_uint_eq(fix_cpu->fpu.ftw, 0xffff);
    ck_assert_int_eq(run_all(2), -1);
    ck_assert_mem_eq(fix_m->ram.host + FIX_DATA + 0x200, img, 108);

    /* 16-bit protected layout: o16 fnstenv [ebx+0x300]. */
    fix_cpu->fpu.fip = 0x12345;
    fix_cpu->fpu.fcs = 0x1b;
    fix_cpu->fpu.fdp = 0x6789a;
    fix_cpu->fpu.fds = 0x23;
    fix_cpu->fpu.fop = 0x5aa;
    FIX_CODE_BYTES(0x66, 0xd9, 0xb3, 0x00, 0x03, 0x00, 0x00);
    ck_assert_int_eq(fix_step(), -1);
    static const uint16_t p16[7] = { 0x037f, 0x0000, 0xffff, 0x2345, 0x1b, 0x789a, 0x23 };
    ck_assert_mem_eq(fix_m->ram.host + FIX_DATA + 0x300, p16, 14);
    ck_assert_uint_eq(fix_cpu->fpu.fcw, 0x037f);

    /* Real mode, 32-bit layout: pointers are linear, with FOP. */
    fix_real();
    fix_cpu->fpu.fip = 0x0010;
    fix_cpu->fpu.fcs = 0x1234;
    fix_cpu->fpu.fdp = 0x0020;
    fix_cpu->fpu.fds = 0x5678;
    FIX_CODE_BYTES(0x66, 0xd9, 0x36, 0x00, 0x04); /* o32 fnstenv [0x400] */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_peek(0x40c, 4), 0xffff2350);
    ck_assert_uint_eq(fix_peek(0x410, 4), (0x0001u << 12) | 0x5aa);
    ck_assert_uint_eq(fix_peek(0x414, 4), 0xffff67a0);
    ck_assert_uint_eq(fix_peek(0x418, 4), 0x5u << 12);
    /* And back with FLDENV: the linear pointers survive a round trip. */
    FIX_CODE_BYTES(0x66, 0xd9, 0x26, 0x00, 0x04, 0x66, 0xd9, 0x36, 0x00, 0x05);
    ck_assert_int_eq(run_all(2), -1);
    ck_assert_mem_eq(fix_m->ram.host + 0x400, fix_m->ram.host + 0x500, 28);
    /* 16-bit real layout. */
    FIX_CODE_BYTES(0xd9, 0x36, 0x00, 0x06); /* fnstenv [0x600] */
    ck_assert_int_eq(fix_step(), -1);
    static const uint16_t r16[7] = { 0x037f, 0x0000, 0xffff, 0x2350, 0x15aa, 0x67a0, 0x5000 };
    ck_assert_mem_eq(fix_m->ram.host + 0x600, r16, 14);
}
END_TEST

/* FXSAVE layout (abridged tag word, ST slots), FXRSTOR round trip, the
 * 16-byte alignment #GP and the MXCSR reserved-bit #GP. */
START_TEST(test_fxsave)
{
    /* fninit; fld1; fldz; fxsave [ebx]; fxrstor [ebx] */
    FIX_CODE_BYTES(0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0xee, 0x0f, 0xae, 0x03, 0x0f, 0xae, 0x0b);
    fix_cpu->gpr[R_EBX] = FIX_DATA;
    memset(fix_m->ram.host + FIX_DATA, 0xcc, 512);
    ck_assert_int_eq(run_all(4), -1);
    ck_assert_uint_eq(fix_peek(FIX_DATA, 2), 0x037f);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 2, 2), 0x3000);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 4, 1), 0xc0);   /* R6, R7 non-empty */
    ck_assert_uint_eq(fix_peek(FIX_DATA + 6, 2), 0x1ee);  /* FOP of FLDZ */
    ck_assert_uint_eq(fix_peek(FIX_DATA + 24, 4), 0x1f80);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 32 + 8, 2), 0);       /* ST0 = +0 */
    ck_assert_uint_eq(fix_peek(FIX_DATA + 48 + 8, 4), 0x3fff);  /* ST1 = 1, slot padded */
    ck_assert_uint_eq(fix_peek(FIX_DATA + 500, 1), 0xcc);       /* software area untouched */
    struct fpu_state before = fix_cpu->fpu;
    fix_cpu->fpu.ftw = 0x1234;
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->fpu.ftw, 0x1fff);   /* R6 zero... R7 valid: 0001 1111... */
    ck_assert_uint_eq(fix_cpu->fpu.fsw, before.fsw);
    /* Misaligned area: #GP(0). */
    fix_cpu->gpr[R_EBX] = FIX_DATA + 8;
    FIX_CODE_BYTES(0x0f, 0xae, 0x03);
    ck_assert_int_eq(fix_step(), EXC_GP);
    /* Reserved MXCSR bit: #GP(0). */
    fix_cpu->gpr[R_EBX] = FIX_DATA;
    uint32_t bad = 0x10000;
    fix_poke(FIX_DATA + 24, &bad, 4);
    FIX_CODE_BYTES(0x0f, 0xae, 0x0b);
    ck_assert_int_eq(fix_step(), EXC_GP);
}
END_TEST

static Suite *fpu_suite(void)
{
    Suite *s = suite_create("fpu");
    TCase *tc = tcase_create("x87");
    tcase_add_checked_fixture(tc, fix_setup, fix_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_ops_vs_host);
    tcase_add_test(tc, test_fcmov_vs_host);
    tcase_add_test(tc, test_stack_faults_vs_host);
    tcase_add_test(tc, test_known_values);
    tcase_add_test(tc, test_pending_mf);
    tcase_add_test(tc, test_availability);
    tcase_add_test(tc, test_pointers);
    tcase_add_test(tc, test_faulting_store);
    tcase_add_test(tc, test_save_restore);
    tcase_add_test(tc, test_fxsave);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(fpu_suite)
