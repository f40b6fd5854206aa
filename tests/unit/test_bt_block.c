/* test_bt_block.c - the binary translator on hand-written blocks: register
 * renaming, flags across blocks, branches, fallback, SMC, 16-bit code, and
 * the code cache's flush. */
#include <check.h>

#include "bt_fixture.h"
#include "cache/cache.h"
#include "check_main.h"
#include "translator/translator.h"

START_TEST(alu_block_runs_translated)
{
    uint64_t bt0 = stats.insns_bt;
    FIX_CODE_BYTES(0xb8, 5, 0, 0, 0,   /* mov eax, 5 */
                   0x01, 0xd8,         /* add eax, ebx */
                   0xc1, 0xe0, 0x02,   /* shl eax, 2 */
                   0x88, 0xc4,         /* mov ah, al */
                   0xf4);              /* hlt */
    fix_cpu->gpr[R_EBX] = 0x10;
    ck_assert_uint_eq(bt_run_to_hlt(bt_eng, 100), 5);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 0x5454);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 13);
    ck_assert_uint_eq(stats.insns_bt - bt0, 4);
}
END_TEST

START_TEST(esp_lives_in_r12)
{
    FIX_CODE_BYTES(0xbc, 0x34, 0x12, 0, 0,      /* mov esp, 0x1234 */
                   0x01, 0xc4,                  /* add esp, eax */
                   0x8d, 0x4c, 0x44, 0x08,      /* lea ecx, [esp+eax*2+8] */
                   0x89, 0xe2,                  /* mov edx, esp */
                   0x66, 0x87, 0xe6,            /* xchg si, sp */
                   0xf4);
    fix_cpu->gpr[R_EAX] = 0x100;
    fix_cpu->gpr[R_ESI] = 0xaaaabbbb;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_EDX], 0x1334);
    ck_assert_uint_eq(fix_cpu->gpr[R_ECX], 0x1334 + 0x200 + 8);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], 0x0000bbbb);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESI], 0xaaaa1334);
}
END_TEST

START_TEST(loop_with_jcc)
{
    uint64_t bt0 = stats.insns_bt, fb0 = stats.insns_fallback;
    FIX_CODE_BYTES(0xb9, 10, 0, 0, 0,  /* mov ecx, 10 */
                   0x31, 0xc0,         /* xor eax, eax */
                   0x01, 0xc8,         /* L: add eax, ecx */
                   0x49,               /* dec ecx */
                   0x75, 0xfb,         /* jnz L */
                   0xf4);
    ck_assert_uint_eq(bt_run_to_hlt(bt_eng, 1000), 2 + 30 + 1);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 55);
    ck_assert_uint_eq(stats.insns_bt - bt0, 32);
    ck_assert_uint_eq(stats.insns_fallback - fb0, 1); /* the HLT */
}
END_TEST

/* Guest flags travel from one block to the next through cpu->eflags. */
START_TEST(flags_cross_blocks)
{
    FIX_CODE_BYTES(0xf9,               /* stc */
                   0xeb, 0x00,         /* jmp next */
                   0x83, 0xd0, 0x00,   /* next: adc eax, 0 */
                   0x0f, 0x94, 0xc3,   /* setz bl */
                   0xfd,               /* std (interpreted: DF is virtual) */
                   0xf4);
    fix_cpu->gpr[R_EAX] = 0xffffffff;
    fix_cpu->eflags = F_FIXED1;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 0);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX] & 0xff, 1);
    ck_assert_uint_eq(fix_cpu->eflags & (F_CF | F_ZF | F_DF), F_CF | F_ZF | F_DF);
}
END_TEST

/* Instructions the translator refuses go to the interpreter, counted. */
START_TEST(fallback_in_the_middle)
{
    uint64_t fb0 = stats.insns_fallback;
    FIX_CODE_BYTES(0x40,               /* inc eax */
                   0x0f, 0xc8,         /* bswap eax (interpreted) */
                   0x89, 0xc3,         /* mov ebx, eax */
                   0x43,               /* inc ebx */
                   0xf4);
    fix_cpu->gpr[R_EAX] = 7;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 0x08000001);
    ck_assert_uint_eq(stats.insns_fallback - fb0, 2); /* bswap, hlt */
}
END_TEST

/* New code at an address already translated is seen (validation by
 * content), as is code written by the guest itself. */
START_TEST(code_rewritten_is_retranslated)
{
    uint64_t stale0 = stats.blocks_stale;
    FIX_CODE_BYTES(0xb8, 1, 0, 0, 0, 0xf4); /* mov eax, 1; hlt */
    bt_run_to_hlt(bt_eng, 10);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 1);
    FIX_CODE_BYTES(0xb8, 2, 0, 0, 0, 0xf4); /* mov eax, 2; hlt */
    bt_run_to_hlt(bt_eng, 10);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 2);
    ck_assert_uint_eq(stats.blocks_stale - stale0, 1);

    /* The guest patches the immediate of the next block's mov. */
    FIX_CODE_BYTES(0xc6, 0x05, 0x0e, 0x10, 0, 0, 0x07, /* mov byte [0x100e], 7 */
                   0xeb, 0x00,                         /* jmp 0x1009 */
                   0xeb, 0x00,                         /* jmp 0x100b */
                   0x90, 0x90,                         /* nop; nop */
                   0xb8, 3, 0, 0, 0, 0xf4);            /* 0x100d: mov eax, 3; hlt */
    bt_run_to_hlt(bt_eng, 20);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 7);
    fix_cpu->eip = FIX_CODE + 0x0d;
    bt_run_to_hlt(bt_eng, 20);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 7);
}
END_TEST

/* Real-mode code: 16-bit operands and IP wrap for branches. */
START_TEST(real_mode_block)
{
    fix_real();
    FIX_CODE_BYTES(0x66, 0x41,         /* inc ecx */
                   0xb8, 0xff, 0xff,   /* mov ax, 0xffff */
                   0x40,               /* inc ax */
                   0x74, 0x01,         /* jz +1 */
                   0x43,               /* inc bx (skipped) */
                   0xf4);
    fix_cpu->gpr[R_EAX] = 0x12340000;
    fix_cpu->gpr[R_ECX] = 0xffff;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 0x12340000);
    ck_assert_uint_eq(fix_cpu->gpr[R_ECX], 0x10000);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 0);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 10);
}
END_TEST

/* Memory operands through the inline TLB lookup: loads, stores and
 * read-modify-write, after the interpreter's first access filled the TLB. */
START_TEST(memory_operands_inline)
{
    uint64_t bt0 = stats.insns_bt, miss0 = stats.bt_mem_misses;
    FIX_CODE_BYTES(0xb9, 4, 0, 0, 0,         /* mov ecx, 4 */
                   0x03, 0x06,               /* L: add eax, [esi] */
                   0xc1, 0xc0, 0x03,         /* rol eax, 3 */
                   0x31, 0x06,               /* xor [esi], eax */
                   0x88, 0x5e, 0x01,         /* mov [esi+1], bl */
                   0x83, 0xc6, 0x04,         /* add esi, 4 */
                   0x49,                     /* dec ecx */
                   0x75, 0xf0,               /* jnz L */
                   0xf4);
    fix_cpu->gpr[R_ESI] = FIX_DATA;
    fix_cpu->gpr[R_EAX] = 0x12345678;
    fix_cpu->gpr[R_EBX] = 0x5a;
    for (int i = 0; i < 4; i++) {
        uint32_t v = 0x01010101u * (uint32_t)(i + 1);
        fix_poke(FIX_DATA + 4 * (uint32_t)i, &v, 4);
    }
    bt_run_to_hlt(bt_eng, 1000);
    /* The same computation in C. */
    uint32_t eax = 0x12345678, mem[4];
    for (int i = 0; i < 4; i++) {
        uint32_t v = 0x01010101u * (uint32_t)(i + 1);
        eax += v;
        eax = eax << 3 | eax >> 29;
        v ^= eax;
        v = (v & 0xffff00ffu) | 0x5a00;
        mem[i] = v;
    }
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], eax);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(fix_peek(FIX_DATA + 4 * (uint32_t)i, 4), mem[i]);
    ck_assert_uint_ge(stats.insns_bt - bt0, 4 * 7 - 1);
    ck_assert_uint_eq(stats.bt_mem_misses - miss0, 1); /* the first access fills the TLB */
}
END_TEST

/* A page fault in translated code is precise: reported at the faulting
 * instruction with the registers and flags from before it. */
START_TEST(page_fault_is_precise)
{
    /* Page directory at 0x50000 identity-maps the first 4 MiB with a
     * page table at 0x51000 in which page 0x200 is not present. */
    for (uint32_t i = 0; i < 1024; i++) {
        uint32_t pte = i << 12 | 0x7;
        if (i == 0x200)
            pte = 0;
        fix_poke(0x51000 + 4 * i, &pte, 4);
    }
    uint32_t pde = 0x51000 | 0x7;
    fix_poke(0x50000, &pde, 4);
    fix_cpu->cr3 = 0x50000;
    fix_cpu->cr0 |= CR0_PG;
    tlb__flush(fix_cpu, true);
    FIX_CODE_BYTES(0x40,                     /* inc eax */
                   0x39, 0xc0,               /* cmp eax, eax: ZF=1 */
                   0x03, 0x1e,               /* add ebx, [esi] (faults; flags dead) */
                   0x43,                     /* inc ebx */
                   0xf4);
    fix_cpu->gpr[R_ESI] = 0x200010;
    fix_cpu->gpr[R_EBX] = 77;
    /* No IDT: the #PF escalates; look at the state the interpreter
     * raised it with instead, by running the block alone. */
    fix_cpu->idtr.limit = 0;
    bt_eng->run(fix_m, 3);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 1);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 77);
    ck_assert_uint_eq(fix_cpu->cr2, 0x200010);
    ck_assert_uint_eq(fix_cpu->eflags & F_ZF, F_ZF);
}
END_TEST

/* CALL, PUSH, POP and RET through the inline lookup. */
START_TEST(call_and_return)
{
    uint64_t bt0 = stats.insns_bt;
    FIX_CODE_BYTES(0xe8, 0x06, 0, 0, 0,      /* call f */
                   0x5b,                     /* pop ebx (the pushed ecx) */
                   0x8d, 0x04, 0x18,         /* lea eax, [eax+ebx] */
                   0xf4,                     /* hlt */
                   0x90,                     /* f: nop */
                   0x58,                     /* pop eax (return address) */
                   0x51,                     /* push ecx */
                   0x50,                     /* push eax */
                   0xc3);                    /* ret */
    fix_cpu->gpr[R_ECX] = 0x100;
    for (int run = 0; run < 2; run++) {
        fix_cpu->eip = FIX_CODE;
        fix_cpu->gpr[R_ESP] = FIX_STACK;
        bt_run_to_hlt(bt_eng, 100);
        ck_assert_uint_eq(fix_cpu->gpr[R_EAX], FIX_CODE + 5 + 0x100);
        ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 0x100);
        ck_assert_uint_eq(fix_cpu->gpr[R_ESP], FIX_STACK);
        ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 10);
    }
    ck_assert_uint_ge(stats.insns_bt - bt0, 8); /* the second run: all but HLT */
}
END_TEST

static size_t no_stubs(uint8_t *buf, size_t cap, void *opaque)
{
    (void)buf; (void)cap; (void)opaque;
    return 0;
}

/* A full cache refuses new blocks until it is flushed, and forgets its
 * blocks when flushed. */
START_TEST(cache_fills_and_flushes)
{
    struct cache *c = cache__create(64 * 1024, no_stubs, NULL);
    ck_assert_ptr_nonnull(c);
    struct block_key k = { .lin = 0x1000, .mode = BLOCK_MODE_CODE32 };
    int n = 0;
    for (;; n++) {
        uint8_t *code, *guest;
        struct block *b = cache__begin(c, 1024, 16, &code, &guest);
        if (!b)
            break;
        k.lin = 0x1000 + 16 * (uint32_t)n;
        b->key = k;
        b->host_len = 1000;
        b->nbytes = 16;
        cache__commit(c, b);
        ck_assert_ptr_eq(cache__lookup(c, &k), b);
    }
    ck_assert_int_gt(n, 10);
    ck_assert_ptr_nonnull(cache__lookup(c, &k));
    cache__flush(c);
    ck_assert_ptr_null(cache__lookup(c, &k));
    ck_assert_uint_eq(cache__code_used(c), 0);
    cache__destroy(c);
}
END_TEST

static Suite *bt_block_suite(void)
{
    Suite *s = suite_create("bt_block");
    TCase *tc = tcase_create("blocks");
    tcase_add_checked_fixture(tc, bt_setup, bt_teardown);
    tcase_add_test(tc, alu_block_runs_translated);
    tcase_add_test(tc, esp_lives_in_r12);
    tcase_add_test(tc, loop_with_jcc);
    tcase_add_test(tc, flags_cross_blocks);
    tcase_add_test(tc, fallback_in_the_middle);
    tcase_add_test(tc, code_rewritten_is_retranslated);
    tcase_add_test(tc, real_mode_block);
    tcase_add_test(tc, cache_fills_and_flushes);
    tcase_add_test(tc, memory_operands_inline);
    tcase_add_test(tc, page_fault_is_precise);
    tcase_add_test(tc, call_and_return);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(bt_block_suite)
