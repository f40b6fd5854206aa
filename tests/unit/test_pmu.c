/* test_pmu.c - the P6 performance counters: MSR access, counting retired instructions, RDPMC width. */
#include <string.h>

#include "check_main.h"
#include "core/cpu.h"
#include "interp/system_internal.h"

#define PERFCTR0 0xc1
#define PERFCTR1 0xc2
#define PERFEVTSEL0 0x186
#define PERFEVTSEL1 0x187
#define EN (1u << 22)
#define USR_OS (3u << 16)

static struct cpu cpu;

static uint64_t rd(uint32_t index)
{
    uint64_t v = 0xdeadbeef;
    ck_assert_msg(msr__read(&cpu, index, &v), "RDMSR %#x faults", index);
    return v;
}

/* Linux's check_hw_exists(): a value written to a counter reads back. */
START_TEST(counter_write_reads_back)
{
    memset(&cpu, 0, sizeof(cpu));
    ck_assert(msr__write(&cpu, PERFCTR0, 0xabcd));
    ck_assert_uint_eq(rd(PERFCTR0), 0xabcd);
    ck_assert(msr__write(&cpu, PERFEVTSEL1, 0x4300c0));
    ck_assert_uint_eq(rd(PERFEVTSEL1), 0x4300c0);
}
END_TEST

START_TEST(counts_retired_instructions_while_enabled)
{
    memset(&cpu, 0, sizeof(cpu));
    cpu.icount = 1000;
    ck_assert(msr__write(&cpu, PERFCTR0, 0));
    ck_assert(msr__write(&cpu, PERFEVTSEL0, EN | USR_OS | 0xc0));
    cpu.icount += 250;
    ck_assert_uint_eq(pmu__counter(&cpu, 0), 250);
    ck_assert(msr__write(&cpu, PERFEVTSEL0, USR_OS | 0xc0)); /* EN clear: stop */
    cpu.icount += 100;
    ck_assert_uint_eq(rd(PERFCTR0), 250);
    ck_assert_uint_eq(pmu__counter(&cpu, 1), 0); /* counter 1 not selected */
}
END_TEST

START_TEST(writes_sign_extend_to_40_bits)
{
    memset(&cpu, 0, sizeof(cpu));
    ck_assert(msr__write(&cpu, PERFCTR1, 0xfffffff0u));
    ck_assert_uint_eq(rd(PERFCTR1), 0xfffffffff0ull);
    ck_assert(msr__write(&cpu, PERFEVTSEL0, EN | USR_OS));
    ck_assert(msr__write(&cpu, PERFEVTSEL1, USR_OS | 0xc0));
    cpu.icount += 0x20; /* wraps at 2^40 */
    ck_assert_uint_eq(rd(PERFCTR1), 0x10);
}
END_TEST

START_TEST(reserved_select_bits_fault)
{
    memset(&cpu, 0, sizeof(cpu));
    ck_assert(!msr__write(&cpu, PERFEVTSEL0, 1ull << 32));
    ck_assert(!msr__write(&cpu, PERFEVTSEL0, 1u << 21));
}
END_TEST

static Suite *pmu_suite(void)
{
    Suite *s = suite_create("pmu");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, counter_write_reads_back);
    tcase_add_test(tc, counts_retired_instructions_while_enabled);
    tcase_add_test(tc, writes_sign_extend_to_40_bits);
    tcase_add_test(tc, reserved_select_bits_fault);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(pmu_suite)
