/* test_difftest_regressions.c - interpreter bugs found by the differential
 * tester (tests/diff, seed 1), each pinned by the instance that showed it:
 * fault priorities at CPL 3 (I/O permission, segment type, #AC) and x87
 * stores, m80 alignment and FCOMI flags. */
#include "check_main.h"
#include "interp_fixture.h"
#include "interp/fpu.h"

#define R(r) fix_cpu->gpr[R_##r]
#define FCW_IM 0x0001 /* invalid-operation exception mask */

/* CPL 3 > IOPL 0, with a TSS whose I/O map base (0x68) lies at its limit:
 * no bitmap, every port is denied. */
static void ring3(void)
{
    const uint16_t map_base = 0x68;
    fix_cpu->cpl = 3;
    fix_cpu->seg[S_TR].limit = 0x67;
    fix_poke(fix_cpu->seg[S_TR].base + 0x66, &map_base, 2);
}

/* ring3() with alignment checking armed (CR0.AM, EFLAGS.AC). */
static void ring3_ac(void)
{
    ring3();
    fix_cpu->cr0 |= CR0_AM;
    fix_cpu->eflags |= F_AC;
}

static void expect_gp0(void)
{
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->exc.error, 0);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE);
}

/* x87 state with ST0 = st0 and ST1 = 1.0 (TOP = 6), control word fcw. */
static void fpu_two(uint16_t fcw, uint64_t mant, uint16_t sexp)
{
    fpu__init(fix_cpu);
    fix_cpu->fpu.fcw = fcw;
    fpu__set_top(fix_cpu, 6);
    fix_cpu->fpu.st_phys[6] = (struct fpreg){ .mant = mant, .sexp = sexp };
    fix_cpu->fpu.st_phys[7] = (struct fpreg){ .mant = 1ull << 63, .sexp = 0x3fff };
    fix_cpu->fpu.ftw = 0x0fff;
}

/* Difftest seed 1 index 7450: f3 6e rep outsb with ECX=0 at CPL 3 > IOPL.
 * The I/O permission check comes first, even with a zero count. */
START_TEST(test_rep_ins_outs_count0_gp)
{
    static const uint8_t forms[][2] = { { 0xf3, 0x6e }, { 0xf3, 0x6f }, { 0xf3, 0x6c }, { 0xf3, 0x6d } };
    ring3();
    for (unsigned i = 0; i < 4; i++) {
        fix_code(forms[i], 2);
        R(ECX) = 0;
        R(ESI) = R(EDI) = FIX_DATA;
        expect_gp0();
        ck_assert_uint_eq(R(ESI), FIX_DATA);
        ck_assert_uint_eq(R(EDI), FIX_DATA);
        fix_cpu->eflags |= F_IOPL; /* IOPL 3: nothing to do */
        ck_assert_int_eq(fix_step(), -1);
        ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 2);
        fix_cpu->eflags &= ~F_IOPL;
    }
}
END_TEST

/* Difftest seed 1 index 23027: 6f outsd with a misaligned ESI and AC=1 at
 * CPL 3 > IOPL: the I/O permission #GP comes before the read's #AC. */
START_TEST(test_outs_iopl_before_ac)
{
    FIX_CODE_BYTES(0x6f); /* outsd */
    ring3_ac();
    R(ESI) = FIX_DATA + 1;
    expect_gp0();
    ck_assert_uint_eq(R(ESI), FIX_DATA + 1);
}
END_TEST

/* Difftest seed 1 index 96888 and kin: a read-modify-write through a CS
 * override at a misaligned address gives #GP(0) (the write's segment type
 * check) before the read's #AC, for every RMW family. */
START_TEST(test_rmw_cs_gp_before_ac)
{
    static const struct { uint8_t b[5]; uint8_t n; } rmw[] = {
        { { 0x2e, 0x01, 0x03 }, 3 },             /* add cs:[ebx],eax */
        { { 0x2e, 0x83, 0x23, 0x01 }, 4 },       /* and dword cs:[ebx],1 */
        { { 0x2e, 0xf7, 0x1b }, 3 },             /* neg dword cs:[ebx] */
        { { 0x2e, 0xd1, 0x23 }, 3 },             /* shl dword cs:[ebx],1 */
        { { 0x2e, 0x0f, 0xa5, 0x03 }, 4 },       /* shld cs:[ebx],eax,cl */
        { { 0x2e, 0x0f, 0xab, 0x03 }, 4 },       /* bts cs:[ebx],eax */
        { { 0x2e, 0x0f, 0xba, 0x33, 0x05 }, 5 }, /* btr dword cs:[ebx],5 */
        { { 0x2e, 0x0f, 0xc1, 0x03 }, 4 },       /* xadd cs:[ebx],eax */
        { { 0x2e, 0x0f, 0xb1, 0x03 }, 4 },       /* cmpxchg cs:[ebx],eax */
        { { 0x2e, 0x0f, 0xc7, 0x0b }, 4 },       /* cmpxchg8b cs:[ebx] */
    };
    ring3_ac();
    R(EAX) = 0;
    R(EBX) = FIX_DATA + 1;
    for (unsigned i = 0; i < sizeof rmw / sizeof rmw[0]; i++) {
        fix_code(rmw[i].b, rmw[i].n);
        expect_gp0();
    }
    /* A plain read through CS is allowed, so its misalignment is #AC. */
    FIX_CODE_BYTES(0x2e, 0x03, 0x03); /* add eax,cs:[ebx] */
    ck_assert_int_eq(fix_step(), EXC_AC);
}
END_TEST

/* Difftest seed 1 index 346188: dd 16 fst qword [esi] with ESI = ...be and
 * AC=1: #AC, with FSW, the tags and the stack as they were. */
START_TEST(test_x87_store_ac_leaves_fpu)
{
    static const uint8_t stores[][2] = {
        { 0xdd, 0x16 }, { 0xdd, 0x1e }, /* fst/fstp qword [esi] */
        { 0xd9, 0x1e },                 /* fstp dword [esi] */
        { 0xdb, 0x16 }, { 0xdf, 0x1e }, /* fist dword, fistp word [esi] */
        { 0xdf, 0x3e },                 /* fistp qword [esi] */
    };
    ring3_ac();
    R(ESI) = FIX_DATA + 0x1bd;
    for (unsigned i = 0; i < sizeof stores / sizeof stores[0]; i++) {
        fpu_two(FCW_INIT, 0xa14df9383d38942dull, 0xbfdb);
        uint16_t fsw = fix_cpu->fpu.fsw, ftw = fix_cpu->fpu.ftw;
        fix_code(stores[i], 2);
        ck_assert_msg(fix_step() == EXC_AC, "store %u", i);
        ck_assert_uint_eq(fix_cpu->fpu.fsw, fsw);
        ck_assert_uint_eq(fix_cpu->fpu.ftw, ftw);
        ck_assert_uint_eq(fix_peek(FIX_DATA + 0x1bd, 4), 0);
    }
}
END_TEST

/* Difftest seed 1 index 364420: db 2a fld m80 [edx = ...f4]. m80real and
 * m80bcd operands need 8-byte alignment: 2, 4 and 12 mod 16 fault, 0 and
 * 8 do not (measured on the host). */
START_TEST(test_x87_m80_alignment)
{
    static const uint8_t m80[][2] = {
        { 0xdb, 0x2a }, { 0xdf, 0x22 }, /* fld m80, fbld [edx] */
        { 0xdb, 0x3a }, { 0xdf, 0x32 }, /* fstp m80, fbstp [edx] */
    };
    static const uint32_t offs[] = { 2, 4, 12, 0, 8 };
    ring3_ac();
    for (unsigned i = 0; i < 4; i++) {
        for (unsigned k = 0; k < 5; k++) {
            fpu_two(FCW_INIT, 1ull << 63, 0x3fff);
            uint16_t fsw = fix_cpu->fpu.fsw;
            fix_code(m80[i], 2);
            R(EDX) = FIX_DATA + 0x5f0 + offs[k];
            if (offs[k] & 7) {
                ck_assert_int_eq(fix_step(), EXC_AC);
                ck_assert_uint_eq(fix_cpu->fpu.fsw, fsw);
            } else {
                ck_assert_int_eq(fix_step(), -1);
            }
        }
    }
}
END_TEST

/* A store whose own exception is unmasked writes nothing, but its
 * operand's #AC still comes first (the host checks alignment before the
 * x87 exception): fst dword [esi] from an empty stack with IM=0. */
START_TEST(test_x87_store_ac_before_unmasked_exception)
{
    FIX_CODE_BYTES(0xd9, 0x16); /* fst dword [esi] */
    ring3_ac();
    fpu__init(fix_cpu);
    fix_cpu->fpu.fcw = FCW_INIT & ~FCW_IM;
    R(ESI) = FIX_DATA + 2;
    ck_assert_int_eq(fix_step(), EXC_AC);
    ck_assert_uint_eq(fix_cpu->fpu.fsw, 0);
    fix_cpu->eflags &= ~F_AC; /* no #AC: the unmasked #IS is recorded, nothing stored */
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->fpu.fsw & (FSW_IE | FSW_SF | FSW_ES), FSW_IE | FSW_SF | FSW_ES);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 2, 4), 0);
}
END_TEST

/* Difftest seed 1 index 41476 (db f3 fcomi st(3)): with an unmasked
 * invalid-operation exception ZF PF CF keep their values (SDM FCOMI
 * pseudo-code; the AMD host sets 111, a masked deviation of the tester),
 * while OF SF AF are cleared regardless. With IM=1 the result is 111. */
START_TEST(test_fcomi_unmasked_ia_flags)
{
    static const uint8_t forms[][2] = { { 0xdb, 0xf1 }, { 0xdb, 0xe9 }, { 0xdf, 0xf1 }, { 0xdf, 0xe9 } };
    const uint32_t in_flags = F_FIXED1 | F_CF | F_OF | F_SF | F_AF;
    for (unsigned i = 0; i < 4; i++) {
        fix_code(forms[i], 2);
        /* ST0 = SNaN: #IA for FCOMI and FUCOMI alike. */
        fpu_two(FCW_INIT & ~FCW_IM, 0xa000000000000000ull, 0x7fff);
        fix_cpu->eflags = in_flags;
        ck_assert_int_eq(fix_step(), -1);
        ck_assert_uint_eq(fix_cpu->eflags, F_FIXED1 | F_CF);
        ck_assert(fix_cpu->fpu.fsw & FSW_ES);
        fpu_two(FCW_INIT, 0xa000000000000000ull, 0x7fff);
        fix_cpu->eip = FIX_CODE;
        fix_cpu->eflags = in_flags;
        ck_assert_int_eq(fix_step(), -1);
        ck_assert_msg(fix_cpu->eflags == (F_FIXED1 | F_ZF | F_PF | F_CF), "form %u: %x fsw %x", i, fix_cpu->eflags, fix_cpu->fpu.fsw);
    }
}
END_TEST

static Suite *regressions_suite(void)
{
    Suite *s = suite_create("difftest_regressions");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, fix_setup, fix_teardown);
    tcase_add_test(tc, test_rep_ins_outs_count0_gp);
    tcase_add_test(tc, test_outs_iopl_before_ac);
    tcase_add_test(tc, test_rmw_cs_gp_before_ac);
    tcase_add_test(tc, test_x87_store_ac_leaves_fpu);
    tcase_add_test(tc, test_x87_m80_alignment);
    tcase_add_test(tc, test_x87_store_ac_before_unmasked_exception);
    tcase_add_test(tc, test_fcomi_unmasked_ia_flags);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(regressions_suite)
