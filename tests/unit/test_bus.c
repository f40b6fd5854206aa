/* test_bus.c - the I/O and MMIO bus: overlap refusal, offsets to handlers, unassigned accesses. */
#include <errno.h>

#include "check_main.h"
#include "core/bus.h"

static struct bus bus;

/* A device that records its last access. */
struct probe {
    uint32_t offset, value;
    unsigned size;
    int reads, writes;
};

static uint32_t probe_read(void *opaque, uint32_t offset, unsigned size)
{
    struct probe *p = opaque;
    p->offset = offset;
    p->size = size;
    p->reads++;
    /* Distinguishable per offset; a handler returns size bytes. */
    return (0x40302010u + offset) & (0xffffffffu >> (32 - 8 * size));
}

static void probe_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct probe *p = opaque;
    p->offset = offset;
    p->value = value;
    p->size = size;
    p->writes++;
}

static void setup(void)
{
    bus__init(&bus);
}

START_TEST(overlap_refused)
{
    struct probe p = { 0 };
    ck_assert_int_eq(bus__register(&bus, BUS_PIO, 0x3f8, 8, &p, probe_read, probe_write, "a"), 0);
    /* Same range, contained, containing, straddling either end. */
    ck_assert_int_eq(bus__register(&bus, BUS_PIO, 0x3f8, 8, &p, NULL, NULL, "b"), -EBUSY);
    ck_assert_int_eq(bus__register(&bus, BUS_PIO, 0x3fa, 1, &p, NULL, NULL, "b"), -EBUSY);
    ck_assert_int_eq(bus__register(&bus, BUS_PIO, 0x300, 0x200, &p, NULL, NULL, "b"), -EBUSY);
    ck_assert_int_eq(bus__register(&bus, BUS_PIO, 0x3f0, 9, &p, NULL, NULL, "b"), -EBUSY);
    ck_assert_int_eq(bus__register(&bus, BUS_PIO, 0x3ff, 2, &p, NULL, NULL, "b"), -EBUSY);
    /* Adjacent ranges are fine, and the two spaces are independent. */
    ck_assert_int_eq(bus__register(&bus, BUS_PIO, 0x3f0, 8, &p, NULL, NULL, "c"), 0);
    ck_assert_int_eq(bus__register(&bus, BUS_PIO, 0x400, 1, &p, NULL, NULL, "d"), 0);
    ck_assert_int_eq(bus__register(&bus, BUS_MMIO, 0x3f8, 8, &p, NULL, NULL, "e"), 0);
    ck_assert_int_eq(bus.npio, 3);
    ck_assert_int_eq(bus.nmmio, 1);
}
END_TEST

START_TEST(bad_ranges)
{
    ck_assert_int_eq(bus__register(&bus, BUS_PIO, 0x80, 0, NULL, NULL, NULL, "z"), -EINVAL);
    ck_assert_int_eq(bus__register(&bus, BUS_PIO, 0xfffe, 4, NULL, NULL, NULL, "z"), -EINVAL);
    ck_assert_int_eq(bus__register(&bus, BUS_PIO, 0xfffc, 4, NULL, NULL, NULL, "z"), 0);
    ck_assert_int_eq(bus__register(&bus, BUS_MMIO, 0xfffff000u, 0x2000, NULL, NULL, NULL, "z"),
                     -EINVAL);
    ck_assert_int_eq(bus__register(&bus, BUS_MMIO, 0xfffff000u, 0x1000, NULL, NULL, NULL, "z"), 0);
}
END_TEST

START_TEST(table_full)
{
    for (int i = 0; i < BUS_MAX_RANGES; i++)
        ck_assert_int_eq(bus__register(&bus, BUS_PIO, 0x1000 + i * 4, 4, NULL, NULL, NULL, "n"), 0);
    ck_assert_int_eq(bus__register(&bus, BUS_PIO, 0x2000, 4, NULL, NULL, NULL, "n"), -ENOSPC);
}
END_TEST

START_TEST(handlers_get_offsets)
{
    struct probe p = { 0 };
    ck_assert_int_eq(bus__register(&bus, BUS_PIO, 0x3f8, 8, &p, probe_read, probe_write, "u"), 0);
    ck_assert_uint_eq(bus__read(&bus, BUS_PIO, 0x3fd, 1), 0x15);
    ck_assert_uint_eq(p.offset, 5);
    ck_assert_uint_eq(p.size, 1);
    bus__write(&bus, BUS_PIO, 0x3fc, 0xbeef, 2);
    ck_assert_uint_eq(p.offset, 4);
    ck_assert_uint_eq(p.value, 0xbeef);
    ck_assert_uint_eq(p.size, 2);
    bus__write(&bus, BUS_PIO, 0x3f8, 0x12345678, 4);
    ck_assert_uint_eq(p.offset, 0);
    ck_assert_uint_eq(p.size, 4);

    ck_assert_int_eq(bus__register(&bus, BUS_MMIO, 0xfec00000u, 0x1000, &p, probe_read,
                                   probe_write, "m"), 0);
    bus__read(&bus, BUS_MMIO, 0xfec00010u, 4);
    ck_assert_uint_eq(p.offset, 0x10);
    ck_assert_uint_eq(p.size, 4);
    ck_assert_ptr_eq(bus__find(&bus, BUS_MMIO, 0xfec00fffu)->opaque, &p);
    ck_assert_ptr_null(bus__find(&bus, BUS_MMIO, 0xfec01000u));
}
END_TEST

START_TEST(unassigned_all_ones)
{
    ck_assert_uint_eq(bus__read(&bus, BUS_PIO, 0x1234, 1), 0xff);
    ck_assert_uint_eq(bus__read(&bus, BUS_PIO, 0x1234, 2), 0xffff);
    ck_assert_uint_eq(bus__read(&bus, BUS_PIO, 0x1234, 4), 0xffffffffu);
    ck_assert_uint_eq(bus__read(&bus, BUS_MMIO, 0xe0000000u, 4), 0xffffffffu);
    ck_assert(bus.unassigned_reads >= 4);
    uint64_t w = bus.unassigned_writes;
    bus__write(&bus, BUS_PIO, 0x1234, 0, 1);
    ck_assert_uint_eq(bus.unassigned_writes, w + 1);
    /* A range without a read handler reads as all ones too, and a range
     * without a write handler ignores writes. */
    ck_assert_int_eq(bus__register(&bus, BUS_PIO, 0x80, 1, NULL, NULL, NULL, "sink"), 0);
    ck_assert_uint_eq(bus__read(&bus, BUS_PIO, 0x80, 1), 0xff);
    bus__write(&bus, BUS_PIO, 0x80, 0x55, 1);
    ck_assert_uint_eq(bus.unassigned_writes, w + 1);
}
END_TEST

START_TEST(straddling_access_split)
{
    struct probe p = { 0 };
    ck_assert_int_eq(bus__register(&bus, BUS_PIO, 0x100, 2, &p, probe_read, probe_write, "s"), 0);
    /* Bytes 0x100 and 0x101 come from the device (offsets 0 and 1), the
     * other two are unassigned. */
    ck_assert_uint_eq(bus__read(&bus, BUS_PIO, 0x100, 4), 0xffff1110u);
    ck_assert_int_eq(p.reads, 2); /* one byte access each */
    ck_assert_uint_eq(bus__read(&bus, BUS_PIO, 0xff, 2), 0x10ff);
    ck_assert_uint_eq(p.offset, 0);
    ck_assert_uint_eq(p.size, 1);
    p.writes = 0;
    bus__write(&bus, BUS_PIO, 0x101, 0xaabbccdd, 4);
    ck_assert_int_eq(p.writes, 1);
    ck_assert_uint_eq(p.offset, 1);
    ck_assert_uint_eq(p.value, 0xdd);
}
END_TEST

static Suite *bus_suite(void)
{
    Suite *s = suite_create("bus");
    TCase *tc = tcase_create("bus");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, overlap_refused);
    tcase_add_test(tc, bad_ranges);
    tcase_add_test(tc, table_full);
    tcase_add_test(tc, handlers_get_offsets);
    tcase_add_test(tc, unassigned_all_ones);
    tcase_add_test(tc, straddling_access_split);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(bus_suite)
