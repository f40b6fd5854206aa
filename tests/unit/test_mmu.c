/* test_mmu.c - paging and the memory access path: page walks with A/D bits,
 * U/S and R/W with CR0.WP, 4 MiB pages, global pages across CR3 writes,
 * INVLPG, page-crossing faults, A20, MMIO, alignment checks, CR writes. */
#include "check_main.h"
#include "mem_test_util.h"

#define PD   0x100000u /* page directory */
#define PT0  0x101000u /* page table for 0-4 MiB */
#define PT1  0x102000u /* page table for 4-8 MiB */

#define P  0x001u
#define RW 0x002u
#define US 0x004u
#define A  0x020u
#define D  0x040u
#define PS 0x080u
#define G  0x100u

static uint32_t pde(uint32_t lin) { return fix_peek(PD + (lin >> 22) * 4, 4); }
static uint32_t pte(uint32_t pt, uint32_t lin) { return fix_peek(pt + ((lin >> 12) & 0x3ff) * 4, 4); }
static void set_pte(uint32_t pt, uint32_t lin, uint32_t v) { mt_poke32(pt + ((lin >> 12) & 0x3ff) * 4, v); }

/* Identity-map the low 2 MiB (supervisor), point PDE 1 at PT1 with the
 * given rights, enable paging. */
static void paging_on(uint32_t pde1_rights)
{
    for (uint32_t a = 0; a < 0x200000; a += 0x1000)
        set_pte(PT0, a, a | P | RW);
    mt_poke32(PD, PT0 | P | RW);
    mt_poke32(PD + 4, PT1 | pde1_rights);
    ck_assert_int_eq(MT_TRY(cr__write(fix_cpu, 3, PD)), -1);
    ck_assert_int_eq(MT_TRY(cr__write(fix_cpu, 0, fix_cpu->cr0 | CR0_PG)), -1);
}

static void setup(void)
{
    fix_setup();
    memset(fix_m->ram.host + PD, 0, 0x3000);
}

START_TEST(test_walk_sets_accessed_then_dirty)
{
    paging_on(P | RW | US);
    set_pte(PT1, 0x400000, 0x200000 | P | RW | US);
    mt_poke32(0x200010, 0xcafef00d);

    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x400010, 4)), -1);
    ck_assert_uint_eq(mt_v, 0xcafef00d);
    ck_assert_uint_eq(pde(0x400000) & (A | D), A);
    ck_assert_uint_eq(pte(PT1, 0x400000) & (A | D), A);

    /* The entry filled by the read must not let a write skip the walk. */
    ck_assert_int_eq(MT_TRY(vmem_write(fix_cpu, S_DS, 0x400014, 2, 0x1234)), -1);
    ck_assert_uint_eq(pte(PT1, 0x400000) & (A | D), A | D);
    ck_assert_uint_eq(pde(0x400000) & D, 0); /* D exists only in the last level */
    ck_assert_uint_eq(fix_peek(0x200014, 2), 0x1234);
}
END_TEST

START_TEST(test_not_present_error_codes)
{
    paging_on(P | RW | US);
    MT_FAULT(vmem_read(fix_cpu, S_DS, 0x401234, 4), EXC_PF, 0);
    ck_assert_uint_eq(fix_cpu->cr2, 0x401234);
    /* PDE not present; user write. */
    fix_cpu->cpl = 3;
    MT_FAULT(vmem_write(fix_cpu, S_DS, 0x800008, 1, 0), EXC_PF, PF_W | PF_U);
    ck_assert_uint_eq(fix_cpu->cr2, 0x800008);
    /* Faulting walks set no accessed bit. */
    ck_assert_uint_eq(pde(0x400000) & A, 0);
}
END_TEST

START_TEST(test_user_supervisor_and_rw)
{
    paging_on(P | RW | US);
    set_pte(PT1, 0x400000, 0x200000 | P | RW);      /* supervisor page */
    set_pte(PT1, 0x401000, 0x201000 | P | US);      /* user read-only */
    set_pte(PT1, 0x402000, 0x202000 | P | RW | US); /* user read-write */
    fix_cpu->cpl = 3;
    MT_FAULT(vmem_read(fix_cpu, S_DS, 0x400000, 4), EXC_PF, PF_P | PF_U);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x401000, 4)), -1);
    MT_FAULT(vmem_write(fix_cpu, S_DS, 0x401000, 4, 1), EXC_PF, PF_P | PF_W | PF_U);
    ck_assert_int_eq(MT_TRY(vmem_write(fix_cpu, S_DS, 0x402000, 4, 1)), -1);
    /* Implicit supervisor accesses ignore the CPL. */
    ck_assert_int_eq(MT_TRY(mt_v = lmem_read(fix_cpu, 0x400000, 4)), -1);
    /* A read-only PDE restricts every page below it. */
    mt_poke32(PD + 4, PT1 | P | US);
    tlb__flush(fix_cpu, true);
    MT_FAULT(vmem_write(fix_cpu, S_DS, 0x402000, 4, 1), EXC_PF, PF_P | PF_W | PF_U);
}
END_TEST

START_TEST(test_write_protect)
{
    paging_on(P | RW | US);
    set_pte(PT1, 0x401000, 0x201000 | P | US); /* read-only */
    ck_assert_int_eq(MT_TRY(vmem_write(fix_cpu, S_DS, 0x401000, 4, 7)), -1);
    ck_assert_uint_eq(fix_peek(0x201000, 4), 7);
    ck_assert_uint_eq(pte(PT1, 0x401000) & D, D);
    ck_assert_int_eq(MT_TRY(cr__write(fix_cpu, 0, fix_cpu->cr0 | CR0_WP)), -1);
    MT_FAULT(vmem_write(fix_cpu, S_DS, 0x401000, 4, 8), EXC_PF, PF_P | PF_W);
    MT_FAULT(lmem_write(fix_cpu, 0x401004, 4, 8), EXC_PF, PF_P | PF_W);
    ck_assert_uint_eq(fix_peek(0x201000, 4), 7);
}
END_TEST

START_TEST(test_large_pages)
{
    paging_on(P | RW | US);
    ck_assert_int_eq(MT_TRY(cr__write(fix_cpu, 4, CR4_PSE)), -1);
    mt_poke32(PD + 8, 0x000000 | P | RW | PS); /* 8 MiB -> 0, 4 MiB page */
    mt_poke32(0x123454, 0x600dbeef);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x923454, 4)), -1);
    ck_assert_uint_eq(mt_v, 0x600dbeef);
    ck_assert_uint_eq(pde(0x800000) & (A | D), A);
    ck_assert_int_eq(MT_TRY(vmem_write(fix_cpu, S_DS, 0x923454, 4, 1)), -1);
    ck_assert_uint_eq(pde(0x800000) & (A | D), A | D);

    /* Bits 21:13 of a 4 MiB PDE are reserved without PSE-36. */
    mt_poke32(PD + 12, 0x000000 | P | RW | PS | (1u << 13));
    MT_FAULT(vmem_read(fix_cpu, S_DS, 0xc00000, 4), EXC_PF, PF_P | PF_RSVD);
    fix_cpu->cpl = 3;
    MT_FAULT(vmem_write(fix_cpu, S_DS, 0xc00000, 4, 0), EXC_PF, PF_P | PF_RSVD | PF_W | PF_U);
    fix_cpu->cpl = 0;

    /* INVLPG of any address of a 4 MiB page drops all of it. */
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x800000, 4)), -1);
    mt_poke32(PD + 8, 0x000000 | P | PS); /* now read-only for everyone, WP on */
    fix_cpu->cr0 |= CR0_WP;
    tlb__flush_page(fix_cpu, 0xbff000);
    MT_FAULT(vmem_write(fix_cpu, S_DS, 0x800000, 4, 0), EXC_PF, PF_P | PF_W);

    /* Without CR4.PSE the PS bit is ignored: the PDE names a page table. */
    ck_assert_int_eq(MT_TRY(cr__write(fix_cpu, 4, 0)), -1);
    mt_poke32(PD + 8, PT1 | P | RW | PS);
    set_pte(PT1, 0x800000, 0x205000 | P | RW);
    mt_poke32(0x205000, 0x11223344);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x800000, 4)), -1);
    ck_assert_uint_eq(mt_v, 0x11223344);
}
END_TEST

START_TEST(test_global_pages_survive_cr3)
{
    paging_on(P | RW | US);
    ck_assert_int_eq(MT_TRY(cr__write(fix_cpu, 4, CR4_PGE)), -1);
    set_pte(PT1, 0x400000, 0x200000 | P | RW | G);
    set_pte(PT1, 0x401000, 0x201000 | P | RW);
    mt_poke32(0x200000, 1);
    mt_poke32(0x201000, 2);
    mt_poke32(0x203000, 3);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x400000, 4)), -1);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x401000, 4)), -1);
    set_pte(PT1, 0x400000, 0x203000 | P | RW | G);
    set_pte(PT1, 0x401000, 0x203000 | P | RW);

    ck_assert_int_eq(MT_TRY(cr__write(fix_cpu, 3, PD)), -1);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x400000, 4)), -1);
    ck_assert_uint_eq(mt_v, 1); /* global: the stale translation stays */
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x401000, 4)), -1);
    ck_assert_uint_eq(mt_v, 3); /* non-global: walked again */

    ck_assert_int_eq(MT_TRY(tlb__flush_page(fix_cpu, 0x400abc)), -1);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x400000, 4)), -1);
    ck_assert_uint_eq(mt_v, 3);

    /* Toggling PGE flushes global entries too. */
    set_pte(PT1, 0x400000, 0x200000 | P | RW | G);
    ck_assert_int_eq(MT_TRY(cr__write(fix_cpu, 4, 0)), -1);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x400000, 4)), -1);
    ck_assert_uint_eq(mt_v, 1);
}
END_TEST

START_TEST(test_page_crossing)
{
    paging_on(P | RW | US);
    set_pte(PT1, 0x400000, 0x200000 | P | RW);
    mt_poke32(0x200ffc, 0xaabbccdd);
    /* The second page is missing: CR2 is its first byte, nothing written. */
    MT_FAULT(vmem_write(fix_cpu, S_DS, 0x400ffe, 4, 0x11223344), EXC_PF, PF_W);
    ck_assert_uint_eq(fix_cpu->cr2, 0x401000);
    ck_assert_uint_eq(fix_peek(0x200ffc, 4), 0xaabbccdd);
    MT_FAULT(mt_v = vmem_read(fix_cpu, S_DS, 0x400fff, 2), EXC_PF, 0);
    ck_assert_uint_eq(fix_cpu->cr2, 0x401000);
    /* The first page missing: CR2 is the access's address. */
    MT_FAULT(mt_v = vmem_read(fix_cpu, S_DS, 0x3ffffe, 4), EXC_PF, 0);
    ck_assert_uint_eq(fix_cpu->cr2, 0x3ffffe);

    /* Both present, in non-contiguous frames. */
    set_pte(PT1, 0x401000, 0x1f0000 | P | RW);
    mt_poke32(0x1f0000, 0x99887766);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x400ffe, 4)), -1);
    ck_assert_uint_eq(mt_v, 0x7766aabb);
    ck_assert_int_eq(MT_TRY(vmem_write(fix_cpu, S_DS, 0x400fff, 4, 0x01020304)), -1);
    ck_assert_uint_eq(fix_peek(0x200fff, 1), 0x04);
    ck_assert_uint_eq(fix_peek(0x1f0000, 3), 0x010203);
    ck_assert_int_eq(MT_TRY(mt_q = vmem_read64(fix_cpu, S_DS, 0x400ffc)), -1);
    ck_assert(mt_q == 0x9901020304bbccddull);
}
END_TEST

START_TEST(test_a20)
{
    mt_poke32(0x10, 0x5a5a5a5a);
    mt_poke32(0x100010, 0x12345678);
    fix_cpu->a20 = false;
    tlb__flush(fix_cpu, true);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x100010, 4)), -1);
    ck_assert_uint_eq(mt_v, 0x5a5a5a5a);
    fix_cpu->a20 = true;
    tlb__flush(fix_cpu, true);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x100010, 4)), -1);
    ck_assert_uint_eq(mt_v, 0x12345678);
}
END_TEST

static unsigned mmio_last_size;
static uint32_t mmio_last_off, mmio_last_val;
static uint32_t mmio_read(void *o, uint32_t off, unsigned size)
{
    mmio_last_size = size;
    mmio_last_off = off;
    return 0xa0b0c0d0u >> (8 * (4 - size));
}
static void mmio_write(void *o, uint32_t off, uint32_t v, unsigned size)
{
    mmio_last_size = size;
    mmio_last_off = off;
    mmio_last_val = v;
}

START_TEST(test_mmio)
{
    ck_assert_int_eq(bus__register(&fix_m->bus, BUS_MMIO, 0xfec00000u, 0x1000, NULL,
                                   mmio_read, mmio_write, "test"), 0);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0xfec00010u, 2)), -1);
    ck_assert_uint_eq(mt_v, 0xa0b0);
    ck_assert_uint_eq(mmio_last_size, 2);
    ck_assert_uint_eq(mmio_last_off, 0x10);
    ck_assert_int_eq(MT_TRY(vmem_write(fix_cpu, S_DS, 0xfec00020u, 4, 0xdeadbeef)), -1);
    ck_assert_uint_eq(mmio_last_size, 4);
    ck_assert_uint_eq(mmio_last_val, 0xdeadbeef);
}
END_TEST

START_TEST(test_alignment_check)
{
    fix_cpu->cr0 |= CR0_AM;
    fix_cpu->eflags |= F_AC;
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x20001, 4)), -1); /* CPL 0 */
    fix_cpu->cpl = 3;
    MT_FAULT(mt_v = vmem_read(fix_cpu, S_DS, 0x20001, 4), EXC_AC, 0);
    MT_FAULT(vmem_write(fix_cpu, S_DS, 0x20003, 2, 0), EXC_AC, 0);
    MT_FAULT(vmem_read64(fix_cpu, S_DS, 0x20004), EXC_AC, 0);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x20002, 2)), -1);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x20003, 1)), -1);
    ck_assert_int_eq(MT_TRY(mt_v = lmem_read(fix_cpu, 0x20001, 4)), -1); /* implicit supervisor */
    fix_cpu->eflags &= ~F_AC;
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x20001, 4)), -1);
}
END_TEST

START_TEST(test_cr_checks)
{
    uint32_t cr0 = fix_cpu->cr0;
    MT_FAULT(cr__write(fix_cpu, 0, CR0_PG), EXC_GP, 0);
    MT_FAULT(cr__write(fix_cpu, 0, CR0_PE | CR0_NW), EXC_GP, 0);
    ck_assert_uint_eq(fix_cpu->cr0, cr0);
    ck_assert_int_eq(MT_TRY(cr__write(fix_cpu, 0, CR0_PE)), -1);
    ck_assert_uint_eq(fix_cpu->cr0, CR0_PE | CR0_ET); /* ET reads as 1 */
    MT_FAULT(cr__write(fix_cpu, 4, CR4_PAE), EXC_GP, 0);
    MT_FAULT(cr__write(fix_cpu, 4, CR4_VME), EXC_GP, 0);
    MT_FAULT(cr__write(fix_cpu, 4, 1u << 11), EXC_GP, 0);
    ck_assert_int_eq(MT_TRY(cr__write(fix_cpu, 4, CR4_PSE | CR4_PGE | CR4_TSD | CR4_DE | CR4_PCE
                                                  | CR4_MCE | CR4_OSFXSR | CR4_OSXMMEXCPT)), -1);
    ck_assert_int_eq(MT_TRY(cr__write(fix_cpu, 2, 0x1234)), -1);
    ck_assert_uint_eq(fix_cpu->cr2, 0x1234);
    ck_assert_int_eq(MT_TRY(cr__write(fix_cpu, 1, 0)), EXC_UD);
}
END_TEST

/* Instruction level: INVLPG needs CPL 0; after a PTE change it takes effect. */
START_TEST(test_invlpg_insn)
{
    paging_on(P | RW | US);
    set_pte(PT1, 0x400000, 0x200000 | P | RW);
    mt_poke32(0x200000, 1);
    mt_poke32(0x203000, 2);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x400000, 4)), -1);
    set_pte(PT1, 0x400000, 0x203000 | P | RW);
    FIX_CODE_BYTES(0x0f, 0x01, 0x3b,  /* invlpg [ebx] */
                   0x0f, 0x01, 0xf8); /* invlpg with mod=3: #UD */
    fix_cpu->gpr[R_EBX] = 0x400000;
    ck_assert_int_eq(fix_step(), -1);
    ck_assert_int_eq(MT_TRY(mt_v = vmem_read(fix_cpu, S_DS, 0x400000, 4)), -1);
    ck_assert_uint_eq(mt_v, 2);
    ck_assert_int_eq(fix_step(), EXC_UD);
}
END_TEST

static Suite *mmu_suite(void)
{
    Suite *s = suite_create("mmu");
    TCase *tc = tcase_create("paging");
    tcase_add_checked_fixture(tc, setup, fix_teardown);
    tcase_add_test(tc, test_walk_sets_accessed_then_dirty);
    tcase_add_test(tc, test_not_present_error_codes);
    tcase_add_test(tc, test_user_supervisor_and_rw);
    tcase_add_test(tc, test_write_protect);
    tcase_add_test(tc, test_large_pages);
    tcase_add_test(tc, test_global_pages_survive_cr3);
    tcase_add_test(tc, test_page_crossing);
    tcase_add_test(tc, test_a20);
    tcase_add_test(tc, test_mmio);
    tcase_add_test(tc, test_alignment_check);
    tcase_add_test(tc, test_cr_checks);
    tcase_add_test(tc, test_invlpg_insn);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(mmu_suite)
