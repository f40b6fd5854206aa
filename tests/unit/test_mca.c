/* test_mca.c - the machine-check MSRs and CPUID's MCE/MCA bits (a P6 with no machine checks). */
#include <string.h>

#include "check_main.h"
#include "core/cpu.h"
#include "interp/system_internal.h"

static struct cpu cpu;

static uint64_t rd(uint32_t index)
{
    uint64_t v = 0xdeadbeef;
    ck_assert_msg(msr__read(&cpu, index, &v), "RDMSR %#x faults", index);
    return v;
}

START_TEST(cpuid_reports_mce_and_mca)
{
    uint32_t r[4];
    cpuid__query(1, r);
    ck_assert_uint_eq(r[3] & (1u << 7), 1u << 7);   /* MCE */
    ck_assert_uint_eq(r[3] & (1u << 14), 1u << 14); /* MCA */
}
END_TEST

START_TEST(banks_as_linux_initialises_them)
{
    memset(&cpu, 0, sizeof(cpu));
    uint64_t cap = rd(0x179);
    ck_assert_uint_eq(cap & 0xff, 5);    /* five banks */
    ck_assert_uint_eq(cap & 0x100, 0x100); /* MCG_CTL present */
    ck_assert(msr__write(&cpu, 0x17b, ~0ull));
    ck_assert_uint_eq(rd(0x17b), ~0ull);
    for (uint32_t b = 0; b < 5; b++) {
        ck_assert(msr__write(&cpu, 0x400 + 4 * b, ~0ull));
        ck_assert_uint_eq(rd(0x400 + 4 * b), ~0ull);
        ck_assert(msr__write(&cpu, 0x401 + 4 * b, 0));  /* clearing a status is allowed */
        ck_assert_uint_eq(rd(0x401 + 4 * b), 0);
        ck_assert_uint_eq(rd(0x402 + 4 * b), 0);
    }
    ck_assert_uint_eq(rd(0x17a), 0);
}
END_TEST

START_TEST(bad_accesses_fault)
{
    uint64_t v;
    memset(&cpu, 0, sizeof(cpu));
    ck_assert(!msr__write(&cpu, 0x179, 0));       /* MCG_CAP is read-only */
    ck_assert(!msr__write(&cpu, 0x401, 1));       /* only zeros into MCi_STATUS */
    ck_assert(!msr__write(&cpu, 0x17a, 1u << 3)); /* reserved MCG_STATUS bits */
    ck_assert(!msr__read(&cpu, 0x403, &v));       /* P6 has no MCi_MISC */
    ck_assert(!msr__read(&cpu, 0x414, &v));       /* no sixth bank */
}
END_TEST

static Suite *mca_suite(void)
{
    Suite *s = suite_create("mca");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, cpuid_reports_mce_and_mca);
    tcase_add_test(tc, banks_as_linux_initialises_them);
    tcase_add_test(tc, bad_accesses_fault);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(mca_suite)
