/* test_pci.c - PCI configuration mechanism #1, config-space write masks, the i440FX and PIIX3 functions. */
#include <stdlib.h>

#include "check_main.h"
#include "core/machine.h"
#include "devices/pci.h"

static struct machine *m;
static struct pci_bus *pci;

static void setup(void)
{
    m = calloc(1, sizeof(*m));
    bus__init(&m->bus);
    ck_assert_int_eq(pci__init(m, &pci), 0);
    ck_assert_int_eq(i440fx__init(pci), 0);
    ck_assert_int_eq(piix3__init(m, pci), 0);
}

static void teardown(void)
{
    pci__destroy(pci);
    free(m);
}

static uint32_t cfg_addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
    return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}

/* A configuration read through the ports, as a driver does it. */
static uint32_t cfg_read(unsigned dev, unsigned fn, unsigned reg, unsigned size)
{
    machine__io_write(m, 0xcf8, cfg_addr(0, dev, fn, reg), 4);
    return machine__io_read(m, 0xcfc + (reg & 3), size);
}

static void cfg_write(unsigned dev, unsigned fn, unsigned reg, uint32_t v, unsigned size)
{
    machine__io_write(m, 0xcf8, cfg_addr(0, dev, fn, reg), 4);
    machine__io_write(m, 0xcfc + (reg & 3), v, size);
}

START_TEST(linux_type1_check)
{
    /* arch/x86/pci/direct.c, pci_check_type1: a byte to 0xCFB, then the
     * address register must hold a dword written to it. */
    machine__io_write(m, 0xcfb, 0x01, 1);
    uint32_t saved = machine__io_read(m, 0xcf8, 4);
    machine__io_write(m, 0xcf8, 0x80000000u, 4);
    ck_assert_uint_eq(machine__io_read(m, 0xcf8, 4), 0x80000000u);
    machine__io_write(m, 0xcf8, saved, 4);
    ck_assert_uint_eq(machine__io_read(m, 0xcf8, 4), saved);
}
END_TEST

START_TEST(address_register_bits)
{
    machine__io_write(m, 0xcf8, 0xffffffffu, 4);
    ck_assert_uint_eq(machine__io_read(m, 0xcf8, 4), 0x80fffffcu);
    /* Byte and word accesses are not the address register. */
    machine__io_write(m, 0xcf8, 0x00, 1);
    machine__io_write(m, 0xcfa, 0x0000, 2);
    ck_assert_uint_eq(machine__io_read(m, 0xcf8, 4), 0x80fffffcu);
    ck_assert_uint_eq(machine__io_read(m, 0xcf8, 1), 0xff);
}
END_TEST

START_TEST(host_bridge_ids)
{
    ck_assert_uint_eq(cfg_read(0, 0, 0x00, 4), 0x12378086u);
    ck_assert_uint_eq(cfg_read(0, 0, 0x0a, 2), 0x0600);
    ck_assert_uint_eq(cfg_read(0, 0, 0x08, 4) >> 8, 0x060000);
    ck_assert_uint_eq(cfg_read(0, 0, 0x0e, 1), 0x00);
    /* Byte and word reads at the data port's other offsets. */
    ck_assert_uint_eq(cfg_read(0, 0, 0x02, 2), 0x1237);
    ck_assert_uint_eq(cfg_read(0, 0, 0x01, 1), 0x80);
    ck_assert_uint_eq(cfg_read(0, 0, 0x03, 1), 0x12);
}
END_TEST

START_TEST(isa_bridge_ids)
{
    ck_assert_uint_eq(cfg_read(1, 0, 0x00, 4), 0x70008086u);
    ck_assert_uint_eq(cfg_read(1, 0, 0x0a, 2), 0x0601);
    ck_assert_uint_eq(cfg_read(1, 0, 0x0e, 1), 0x80); /* multi-function */
}
END_TEST

START_TEST(absent_functions_read_ones)
{
    ck_assert_uint_eq(cfg_read(2, 0, 0x00, 4), 0xffffffffu);
    ck_assert_uint_eq(cfg_read(1, 1, 0x00, 2), 0xffff);
    ck_assert_uint_eq(cfg_read(31, 7, 0x00, 1), 0xff);
    machine__io_write(m, 0xcf8, cfg_addr(1, 0, 0, 0), 4); /* bus 1 */
    ck_assert_uint_eq(machine__io_read(m, 0xcfc, 4), 0xffffffffu);
    machine__io_write(m, 0xcf8, 0x00000000u, 4); /* enable bit clear */
    ck_assert_uint_eq(machine__io_read(m, 0xcfc, 4), 0xffffffffu);
    cfg_write(2, 0, 0x04, 0x7, 2); /* ignored */
}
END_TEST

START_TEST(read_only_ids)
{
    cfg_write(0, 0, 0x00, 0xdeadbeef, 4);
    ck_assert_uint_eq(cfg_read(0, 0, 0x00, 4), 0x12378086u);
}
END_TEST

START_TEST(pirq_route_registers)
{
    ck_assert_uint_eq(cfg_read(1, 0, 0x60, 4), 0x80808080u);
    cfg_write(1, 0, 0x60, 0x0b, 1);
    cfg_write(1, 0, 0x61, 0x0a, 1);
    ck_assert_uint_eq(cfg_read(1, 0, 0x60, 4), 0x80800a0bu);
    cfg_write(1, 0, 0x60, 0xffffffffu, 4); /* bits 6:4 are reserved */
    ck_assert_uint_eq(cfg_read(1, 0, 0x60, 4), 0x8f8f8f8fu);
    cfg_write(1, 0, 0x62, 0x0509, 2);
    ck_assert_uint_eq(cfg_read(1, 0, 0x62, 2), 0x0509);
}
END_TEST

START_TEST(command_and_status_masks)
{
    struct pci_function *f = pci__add(pci, PCI_DEVFN(3, 0), 0x1234, 0x5678, 1, 0xff0000, 0);
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_null(pci__add(pci, PCI_DEVFN(3, 0), 0x1234, 0x5678, 1, 0xff0000, 0));
    cfg_write(3, 0, 0x04, 0xffff, 2);
    ck_assert_uint_eq(cfg_read(3, 0, 0x04, 2), 0x0147);
    f->config[PCI_STATUS + 1] = 0x82; /* a detected error and fast back-to-back */
    cfg_write(3, 0, 0x06, 0x0000, 2);
    ck_assert_uint_eq(cfg_read(3, 0, 0x06, 2), 0x8200);
    cfg_write(3, 0, 0x06, 0xffff, 2); /* write one to clear the error bit only */
    ck_assert_uint_eq(cfg_read(3, 0, 0x06, 2), 0x0200);
    /* A dword write to 0x04 reaches command and status at once. */
    f->config[PCI_STATUS + 1] = 0x80;
    cfg_write(3, 0, 0x04, 0x80000000u, 4);
    ck_assert_uint_eq(cfg_read(3, 0, 0x04, 4), 0x00000000u);
}
END_TEST

START_TEST(reset_control_register)
{
    ck_assert_uint_eq(machine__io_read(m, 0xcf9, 1), 0x00);
    machine__io_write(m, 0xcf9, 0x02, 1); /* choose a hard reset */
    ck_assert_uint_eq(machine__io_read(m, 0xcf9, 1), 0x02);
    ck_assert_int_eq(m->stop, STOP_NONE);
    machine__io_write(m, 0xcf9, 0x06, 1); /* RCPU 0 -> 1: reset */
    ck_assert_int_eq(m->stop, STOP_REBOOT);
    m->stop = STOP_NONE;
    machine__io_write(m, 0xcf9, 0x06, 1); /* no edge */
    ck_assert_int_eq(m->stop, STOP_NONE);
    /* The byte at 0xCF9 does not disturb CONFIG_ADDRESS. */
    machine__io_write(m, 0xcf8, 0x80000800u, 4);
    machine__io_write(m, 0xcf9, 0x00, 1);
    ck_assert_uint_eq(machine__io_read(m, 0xcf8, 4), 0x80000800u);
}
END_TEST

START_TEST(host_bridge_pam)
{
    cfg_write(0, 0, 0x5c, 0xffffffffu, 4); /* PAM3-PAM6 */
    ck_assert_uint_eq(cfg_read(0, 0, 0x5c, 4), 0x77777777u);
    ck_assert_uint_eq(cfg_read(0, 0, 0x72, 1), 0x02); /* SMRAMC reset value */
}
END_TEST

static Suite *pci_suite(void)
{
    Suite *s = suite_create("pci");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, linux_type1_check);
    tcase_add_test(tc, address_register_bits);
    tcase_add_test(tc, host_bridge_ids);
    tcase_add_test(tc, isa_bridge_ids);
    tcase_add_test(tc, absent_functions_read_ones);
    tcase_add_test(tc, read_only_ids);
    tcase_add_test(tc, pirq_route_registers);
    tcase_add_test(tc, command_and_status_masks);
    tcase_add_test(tc, reset_control_register);
    tcase_add_test(tc, host_bridge_pam);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(pci_suite)
