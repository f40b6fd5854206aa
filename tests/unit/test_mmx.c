/* test_mmx.c - MMX instructions checked against the host's MMX unit
 * (results, saturation, shifts, the x87 tag/TOP side effects, EMMS) and
 * the MMX-specific faults. */
#include "check_main.h"
#include "fpu_oracle.h"

/* The binary mm, mm/m64 opcodes of the Pentium II (0F xx). */
static const uint8_t binops[] = {
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b,
    0x74, 0x75, 0x76, 0xd1, 0xd2, 0xd3, 0xd5, 0xd8, 0xd9, 0xdb, 0xdc, 0xdd,
    0xdf, 0xe1, 0xe2, 0xe5, 0xe8, 0xe9, 0xeb, 0xec, 0xed, 0xef, 0xf1, 0xf2,
    0xf3, 0xf5, 0xf8, 0xf9, 0xfa, 0xfc, 0xfd, 0xfe,
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Operands biased towards saturation edges and small shift counts. */
static uint64_t operand(void)
{
    static const uint64_t edge[] = {
        0, ~0ull, 0x7f7f7f7f7f7f7f7full, 0x8080808080808080ull, 0x7fff80007fff8000ull,
        0x800000007fffffffull, 0x00ff00ff00ff00ffull, 0x0001000200030004ull,
    };
    uint64_t r = rng();
    switch (r & 7) {
    case 0: return edge[(r >> 8) & 7];
    case 1: return (r >> 8) % 70;
    default: return rng();
    }
}

/* movq mm0,[ebx+0x10]; movq mm1,[ebx+0x18]; OP; movq [ebx+0x40],mm0 */
START_TEST(test_binops_vs_host)
{
    static uint8_t data[ORACLE_DATA];
    char label[64];
    for (size_t o = 0; o < sizeof binops; o++)
        for (int mem = 0; mem < 2; mem++)
            for (int k = 0; k < 200; k++) {
                uint8_t prog[] = { 0x0f, 0x6f, 0x43, 0x10, 0x0f, 0x6f, 0x4b, 0x18,
                                   0x0f, binops[o], 0xc1, 0x90,
                                   0x0f, 0x7f, 0x43, 0x40 };
                if (mem) {
                    prog[10] = 0x43; /* mm0, [ebx+0x18] */
                    prog[11] = 0x18;
                }
                uint64_t a = operand(), b = operand();
                memset(data, 0, sizeof data);
                memcpy(data + 0x10, &a, 8);
                memcpy(data + 0x18, &b, 8);
                snprintf(label, sizeof label, "0f %02x %s a=%016llx b=%016llx", binops[o],
                         mem ? "mem" : "reg", (unsigned long long)a, (unsigned long long)b);
                ck_assert_msg(oracle_check(label, prog, sizeof prog, data), "%s", label);
            }
}
END_TEST

/* 0F 71/72/73 shifts by immediate, counts across and beyond the width. */
START_TEST(test_shift_imm_vs_host)
{
    static uint8_t data[ORACLE_DATA];
    static const uint8_t forms[][2] = {
        { 0x71, 0xd2 }, { 0x71, 0xe2 }, { 0x71, 0xf2 }, { 0x72, 0xd2 }, { 0x72, 0xe2 },
        { 0x72, 0xf2 }, { 0x73, 0xd2 }, { 0x73, 0xf2 },
    };
    char label[64];
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++)
        for (int count = 0; count < 256; count += (count < 70 ? 1 : 37)) {
            uint8_t prog[] = { 0x0f, 0x6f, 0x53, 0x10, 0x0f, forms[f][0], forms[f][1],
                               (uint8_t)count, 0x0f, 0x7f, 0x53, 0x40 };
            uint64_t a = operand();
            memset(data, 0, sizeof data);
            memcpy(data + 0x10, &a, 8);
            snprintf(label, sizeof label, "0f %02x %02x %d", forms[f][0], forms[f][1], count);
            ck_assert_msg(oracle_check(label, prog, sizeof prog, data), "%s", label);
        }
}
END_TEST

/* Moves, EMMS, and the x87 view after MMX (TOP=0, all tags valid, so a
 * push overflows). */
START_TEST(test_moves_state_vs_host)
{
    static uint8_t data[ORACLE_DATA];
    static const struct { const char *name; uint8_t b[24]; uint8_t n; } progs[] = {
        { "movd load/store", { 0x0f, 0x6e, 0x63, 0x10, 0x0f, 0x7e, 0x63, 0x40 }, 8 },
        { "movq reg", { 0x0f, 0x6f, 0x73, 0x10, 0x0f, 0x7f, 0xf7, 0x0f, 0x7f, 0x7b, 0x40 }, 11 },
        { "emms", { 0x0f, 0x6f, 0x43, 0x10, 0x0f, 0x77 }, 6 },
        { "fld after mmx", { 0x0f, 0x6f, 0x43, 0x10, 0xd9, 0xe8 }, 6 },
        { "fld after emms", { 0x0f, 0x6f, 0x43, 0x10, 0x0f, 0x77, 0xd9, 0xe8 }, 8 },
        { "mmx after x87", { 0xd9, 0xe8, 0xd9, 0xeb, 0x0f, 0x7e, 0x43, 0x40,
                             0x0f, 0x7f, 0x4b, 0x48 }, 12 },
        { "read-only mmx", { 0xd9, 0xe8, 0x0f, 0x7f, 0x43, 0x40 }, 6 },
    };
    uint64_t a = 0x0123456789abcdefull;
    memset(data, 0, sizeof data);
    memcpy(data + 0x10, &a, 8);
    for (size_t p = 0; p < sizeof progs / sizeof progs[0]; p++)
        ck_assert_msg(oracle_check(progs[p].name, progs[p].b, progs[p].n, data), "%s",
                      progs[p].name);
}
END_TEST

/* MOVD with a general register; prefixes and SSE-only opcodes #UD;
 * pending x87 exception #MF. */
START_TEST(test_movd_reg_and_faults)
{
    /* movd mm3,eax; movd ecx,mm3 */
    FIX_CODE_BYTES(0x0f, 0x6e, 0xd8, 0x0f, 0x7e, 0xd9);
    fix_cpu->gpr[R_EAX] = 0xdeadbeef;
    fix_cpu->fpu.st_phys[3].mant = ~0ull;
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->fpu.st_phys[3].mant, 0xdeadbeef);
    ck_assert_uint_eq(fix_cpu->fpu.st_phys[3].sexp, 0xffff);
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_uint_eq(fix_cpu->gpr[R_ECX], 0xdeadbeef);

    static const uint8_t p66[] = { 0x66, 0x0f, 0xfc, 0xc1 }, pminub[] = { 0x0f, 0xda, 0xc1 },
                         psraq[] = { 0x0f, 0x73, 0xe0, 0x01 }, paddb[] = { 0x0f, 0xfc, 0xc1 };
    fix_code(p66, sizeof p66);
    ck_assert_int_eq(fix_step(), EXC_UD);
    fix_code(pminub, sizeof pminub);
    ck_assert_int_eq(fix_step(), EXC_UD);
    fix_code(psraq, sizeof psraq);
    ck_assert_int_eq(fix_step(), EXC_UD);
    fix_cpu->fpu.fsw |= 0x80 | 0x01;
    fix_cpu->cr0 |= CR0_NE;
    fix_code(paddb, sizeof paddb);
    ck_assert_int_eq(fix_step(), EXC_MF);
}
END_TEST

static Suite *mmx_suite(void)
{
    Suite *s = suite_create("mmx");
    TCase *tc = tcase_create("mmx");
    tcase_add_checked_fixture(tc, fix_setup, fix_teardown);
    tcase_add_test(tc, test_binops_vs_host);
    tcase_add_test(tc, test_shift_imm_vs_host);
    tcase_add_test(tc, test_moves_state_vs_host);
    tcase_add_test(tc, test_movd_reg_and_faults);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(mmx_suite)
