/* test_bt_block.c - the binary translator on hand-written blocks: register
 * renaming, flags across blocks, branches, fallback, SMC, 16-bit code, and
 * the code cache's flush. */
#include <check.h>

#include "bt_fixture.h"
#include "cache/cache.h"
#include "check_main.h"
#include "core/log.h"
#include "translator/refusals.h"
#include "translator/translator.h"
#include "translator/window.h"

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

/* A block ends after 64 instructions (translate.c, BLOCK_MAX_INSNS):
 * 2 * 64 + 1 INC EAX take three blocks, all translated, then the HLT. */
START_TEST(block_holds_64_insns)
{
    enum { LIMIT = 64, N = 2 * LIMIT + 1 };
    static uint8_t code[N + 1];
    memset(code, 0x40, N);           /* inc eax */
    code[N] = 0xf4;                  /* hlt */
    fix_code(code, sizeof code);
    uint64_t bt0 = stats.insns_bt, bl0 = stats.blocks_translated;
    ck_assert_uint_eq(bt_run_to_hlt(bt_eng, 1000), N + 1);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], N);
    ck_assert_uint_eq(stats.insns_bt - bt0, N);
    ck_assert_uint_eq(stats.blocks_translated - bl0, 3 + 1); /* and the HLT's */
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
                   0x27,               /* daa (interpreted) */
                   0x89, 0xc3,         /* mov ebx, eax */
                   0x43,               /* inc ebx */
                   0xf4);
    fix_cpu->gpr[R_EAX] = 9;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 0x11);
    ck_assert_uint_eq(stats.insns_fallback - fb0, 2); /* daa, hlt */
}
END_TEST

/* New code at an address already translated is seen (write protection:
 * the fixture's writes report to code_wp as a device's DMA would), as is
 * code written by the guest itself. */
START_TEST(code_rewritten_is_retranslated)
{
    uint64_t inv0 = stats.blocks_invalidated;
    FIX_CODE_BYTES(0xb8, 1, 0, 0, 0, 0xf4); /* mov eax, 1; hlt */
    bt_run_to_hlt(bt_eng, 10);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 1);
    FIX_CODE_BYTES(0xb8, 2, 0, 0, 0, 0xf4); /* mov eax, 2; hlt */
    bt_run_to_hlt(bt_eng, 10);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 2);
    ck_assert_uint_eq(stats.blocks_invalidated - inv0, 2); /* the mov, the HLT refused */

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

/* Memory operands through the inline TLB lookup (windows off: after the
 * interpreter's first access filled the TLB) or through the supervisor
 * window (window.c: the first access fills the window, no miss): loads,
 * stores and read-modify-write. */
static void memory_operands(bool windows)
{
    if (!windows)
        window__stop();
    uint64_t bt0 = stats.insns_bt, miss0 = stats.bt_mem_misses, fill0 = stats.bt_window_fills;
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
    if (windows) {
        ck_assert_uint_eq(stats.bt_mem_misses - miss0, 0);
        ck_assert_uint_ge(stats.bt_window_fills - fill0, 1);
    } else {
        ck_assert_uint_eq(stats.bt_mem_misses - miss0, 1); /* the first access fills the TLB */
    }
}

START_TEST(memory_operands_inline)
{
    memory_operands(false);
}
END_TEST

START_TEST(memory_operands_window)
{
    ck_assert(window__active(false));
    memory_operands(true);
}
END_TEST

/* Paging on: a page directory at 0x50000 identity-maps the first 4 MiB
 * with a page table at 0x51000 (the PTE of page n at 0x51000 + 4n). */
static void map_identity(void)
{
    for (uint32_t i = 0; i < 1024; i++) {
        uint32_t pte = i << 12 | 0x7;
        fix_poke(0x51000 + 4 * i, &pte, 4);
    }
    uint32_t pde = 0x51000 | 0x7;
    fix_poke(0x50000, &pde, 4);
    fix_cpu->cr3 = 0x50000;
    fix_cpu->cr0 |= CR0_PG;
    tlb__flush(fix_cpu, true);
}

/* The same, but page 0x200 is not present. */
static void map_with_hole_at_0x200000(void)
{
    map_identity();
    uint32_t none = 0;
    fix_poke(0x51000 + 4 * 0x200, &none, 4);
    tlb__flush(fix_cpu, true);
}

/* A page fault in translated code is precise: reported at the faulting
 * instruction with the registers and flags from before it. */
START_TEST(page_fault_is_precise)
{
    map_with_hole_at_0x200000();
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

/* A chained loop whose target block the guest rewrites from another
 * block: the store is called out (the page is write-protected), the
 * page's blocks die and their chained exits go back to the C loop, and
 * the loop runs the new code. */
/* The stores to code below reach the block's protection through the
 * inline lookup (a protected store called out to C) or, through the
 * window, as a host fault the window sends to the interpreter. */
static void check_code_store(bool windows, uint64_t wp0, uint64_t wx0, uint64_t n)
{
    if (windows)
        ck_assert_uint_ge(stats.bt_window_exits - wx0, 1);
    else if (n)
        ck_assert_uint_eq(stats.bt_wp_stores - wp0, n);
    else
        ck_assert_uint_ge(stats.bt_wp_stores - wp0, 1);
}

static void smc_rewrites_chained(bool windows)
{
    if (!windows)
        window__stop();
    uint64_t chains0 = stats.bt_chains, inv0 = stats.blocks_invalidated, wp0 = stats.bt_wp_stores;
    uint64_t wx0 = stats.bt_window_exits;
    FIX_CODE_BYTES(0xb9, 5, 0, 0, 0,                   /* mov ecx, 5 */
                   0xeb, 0x00,                         /* L: jmp B */
                   0x83, 0xc0, 0x01,                   /* B: add eax, 1 (imm8 at 0x1009) */
                   0x49,                               /* dec ecx */
                   0x75, 0xf8,                         /* jnz L */
                   0x4b,                               /* dec ebx */
                   0x78, 0x0e,                         /* js done */
                   0xc6, 0x05, 0x09, 0x10, 0, 0, 100,  /* mov byte [0x1009], 100 */
                   0xb9, 5, 0, 0, 0,                   /* mov ecx, 5 */
                   0xeb, 0xe7,                         /* jmp L */
                   0xf4);                              /* done: hlt */
    fix_cpu->gpr[R_EBX] = 1;
    bt_run_to_hlt(bt_eng, 1000);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 5 + 500);
    ck_assert_uint_ge(stats.bt_chains - chains0, 2);
    ck_assert_uint_ge(stats.blocks_invalidated - inv0, 3);
    check_code_store(windows, wp0, wx0, 1);
}

START_TEST(smc_rewrites_chained_block)
{
    smc_rewrites_chained(false);
}
END_TEST

START_TEST(smc_rewrites_chained_block_window)
{
    smc_rewrites_chained(true);
}
END_TEST

/* A store into the running block's own next instruction takes effect at
 * once (SDM vol. 3, 8.1.3): the block leaves before the store. */
static void store_into_running(bool windows)
{
    if (!windows)
        window__stop();
    uint64_t wp0 = stats.bt_wp_stores, wx0 = stats.bt_window_exits;
    FIX_CODE_BYTES(0xc6, 0x05, 0x08, 0x10, 0, 0, 7,   /* mov byte [0x1008], 7 */
                   0xb8, 3, 0, 0, 0,                  /* mov eax, 3 (imm at 0x1008) */
                   0xf4);
    bt_run_to_hlt(bt_eng, 10);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 7);
    check_code_store(windows, wp0, wx0, 1);
}

START_TEST(store_into_running_block)
{
    store_into_running(false);
}
END_TEST

START_TEST(store_into_running_block_window)
{
    store_into_running(true);
}
END_TEST

/* Paging maps the code page twice; the guest rewrites its own loop body
 * through the second linear address. Marks are physical: the alias write
 * is seen at once, also when it hits the running block. */
static void write_through_alias_run(bool windows)
{
    if (!windows)
        window__stop();
    for (uint32_t i = 0; i < 1024; i++) {
        uint32_t pte = i << 12 | 0x7;
        fix_poke(0x51000 + 4 * i, &pte, 4);
    }
    uint32_t alias = 0x1000 | 0x7, pde0 = 0x51000 | 0x7, pde1 = 0x52000 | 0x7;
    fix_poke(0x52000, &alias, 4);   /* linear 0x400000 -> physical 0x1000 */
    fix_poke(0x50000, &pde0, 4);
    fix_poke(0x50004, &pde1, 4);
    fix_cpu->cr3 = 0x50000;
    fix_cpu->cr0 |= CR0_PG;
    tlb__flush(fix_cpu, true);
    uint64_t wp0 = stats.bt_wp_stores, wx0 = stats.bt_window_exits;
    FIX_CODE_BYTES(0xbb, 3, 0, 0, 0,                   /* mov ebx, 3 */
                   0xeb, 0x00,                         /* L: jmp M */
                   0xb8, 3, 0, 0, 0,                   /* M: mov eax, 3 (imm at 0x1008) */
                   0x01, 0xc6,                         /* add esi, eax */
                   0x88, 0x1d, 0x08, 0, 0x40, 0,       /* mov [0x400008], bl */
                   0x4b,                               /* dec ebx */
                   0x75, 0xee,                         /* jnz L */
                   0xf4);
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESI], 3 + 3 + 2);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 2);
    check_code_store(windows, wp0, wx0, 0); /* the later ones hit the TLB */
}

START_TEST(write_through_alias)
{
    write_through_alias_run(false);
}
END_TEST

START_TEST(write_through_alias_window)
{
    write_through_alias_run(true);
}
END_TEST

/* The loop body of the cross-page tests at linear 0x2000, physical phys:
 * add eax, imm; dec ecx; jnz 0x100a; jmp 0x100f (both back on page 1). */
static void poke_far_body(uint32_t phys, uint8_t imm)
{
    const uint8_t body[] = { 0x83, 0xc0, imm,                    /* add eax, imm */
                             0x49,                               /* dec ecx */
                             0x0f, 0x85, 0x00, 0xf0, 0xff, 0xff, /* jnz 0x100a */
                             0xe9, 0x00, 0xf0, 0xff, 0xff };     /* jmp 0x100f */
    fix_poke(phys, body, sizeof(body));
}

/* Two passes of a loop whose body lies on the next page, both directions
 * chained across the page boundary; between the passes the guest points
 * linear 0x2000 at physical 0x3000 (a body adding 100, not 1) and then
 * runs the 7 bytes of `flush`. When those flush the TLB's translation of
 * 0x2000, the second pass must run the new body, not follow the links
 * made under the old mapping (returns EAX: 505); when they leave it (an
 * INVLPG of another page, a CR3 write with 0x2000 global), the old
 * translation may still be used (SDM vol. 3, 4.10.4.3), and the links are
 * (EAX 10). global: the PTEs of the loop's pages (0x1000, 0x2000) have
 * G, with CR4.PGE. */
static uint32_t remap_pte;      /* the PTE the loop writes for 0x2000 */
static uint64_t links_dropped;  /* cross-page links unpatched in its run */

static uint32_t remapped_loop(const uint8_t flush[7], bool global)
{
    map_identity();
    if (global) {
        uint32_t pte[2] = { 0x1000 | 0x107, 0x2000 | 0x107 }, remap = 0x3000 | 0x107;
        fix_poke(0x51000 + 4 * 1, pte, sizeof(pte));
        fix_cpu->cr4 |= CR4_PGE;
        tlb__flush(fix_cpu, true);
        remap_pte = remap;
    } else {
        remap_pte = 0x3007;
    }
    poke_far_body(0x2000, 1);
    poke_far_body(0x3000, 100);
    uint64_t cross0 = stats.bt_chains_cross, drop0 = stats.bt_unchained_flush;
    uint8_t code[] = { 0xbb, 2, 0, 0, 0,               /* mov ebx, 2 */
                       0xb9, 5, 0, 0, 0,               /* again: mov ecx, 5 */
                       0xe9, 0xf1, 0x0f, 0, 0,         /* 0x100a: jmp 0x2000 */
                       0x4b,                           /* 0x100f: dec ebx */
                       0x74, 0x13,                     /* jz done */
                       0xc7, 0x05, 0x08, 0x10, 0x05, 0, 0x07, 0x30, 0, 0, /* mov [PTE of 0x2000], remap_pte */
                       0, 0, 0, 0, 0, 0, 0,            /* 0x101c: flush */
                       0xeb, 0xe0,                     /* jmp again */
                       0xf4 };                         /* done: hlt */
    memcpy(code + 0x1c, flush, 7);
    memcpy(code + 0x18, &remap_pte, 4);
    fix_code(code, sizeof(code));
    bt_run_to_hlt(bt_eng, 1000);
    ck_assert_uint_ge(stats.bt_chains_cross - cross0, 2);
    links_dropped = stats.bt_unchained_flush - drop0;
    return fix_cpu->gpr[R_EAX];
}

static void run_remapped_loop(const uint8_t flush[7])
{
    ck_assert_uint_eq(remapped_loop(flush, false), 5 * 1 + 5 * 100);
    ck_assert_uint_ge(links_dropped, 2);
}

START_TEST(cross_page_chain_cr3_write)
{
    const uint8_t flush[7] = { 0x0f, 0x20, 0xda,       /* mov edx, cr3 */
                               0x0f, 0x22, 0xda,       /* mov cr3, edx */
                               0x90 };
    run_remapped_loop(flush);
}
END_TEST

START_TEST(cross_page_chain_invlpg)
{
    const uint8_t flush[7] = { 0x0f, 0x01, 0x3d, 0x00, 0x20, 0, 0 }; /* invlpg [0x2000] */
    run_remapped_loop(flush);
}
END_TEST

/* An INVLPG of another page leaves the links into 0x2000 (and the TLB's
 * old translation of it) in place. */
START_TEST(cross_page_chain_survives_other_invlpg)
{
    const uint8_t flush[7] = { 0x0f, 0x01, 0x3d, 0x00, 0x50, 0, 0 }; /* invlpg [0x5000] */
    ck_assert_uint_eq(remapped_loop(flush, false), 5 * 1 + 5 * 1);
    ck_assert_uint_eq(links_dropped, 0);
}
END_TEST

/* A CR3 write keeps a global page's translation, and the links into it. */
START_TEST(cross_page_chain_into_global_page_survives_cr3_write)
{
    const uint8_t flush[7] = { 0x0f, 0x20, 0xda, 0x0f, 0x22, 0xda, 0x90 }; /* mov edx, cr3; mov cr3, edx */
    ck_assert_uint_eq(remapped_loop(flush, true), 5 * 1 + 5 * 1);
    ck_assert_uint_eq(links_dropped, 0);
}
END_TEST

/* The guest rewrites the body of a loop chained across a page boundary
 * from page 1: the body's block dies, and so does the link into it from
 * page 1, which no write to page 1 would have killed. */
START_TEST(cross_page_chain_target_written)
{
    uint64_t cross0 = stats.bt_chains_cross, dead0 = stats.bt_unchained_dead;
    poke_far_body(0x2000, 1);
    FIX_CODE_BYTES(0xbb, 2, 0, 0, 0,                   /* mov ebx, 2 */
                   0xb9, 5, 0, 0, 0,                   /* again: mov ecx, 5 */
                   0xe9, 0xf1, 0x0f, 0, 0,             /* 0x100a: jmp 0x2000 */
                   0x4b,                               /* 0x100f: dec ebx */
                   0x74, 0x09,                         /* jz done */
                   0xc6, 0x05, 0x02, 0x20, 0, 0, 100,  /* mov byte [0x2002], 100 */
                   0xeb, 0xea,                         /* jmp again */
                   0xf4);                              /* done: hlt */
    bt_run_to_hlt(bt_eng, 1000);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 5 * 1 + 5 * 100);
    ck_assert_uint_ge(stats.bt_chains_cross - cross0, 2);
    ck_assert_uint_ge(stats.bt_unchained_dead - dead0, 2);
}
END_TEST

/* A loop that calls a function on the next page through a register,
 * stops at a HLT, runs the 7 bytes of `flush`, and loops again: CALL
 * ESI and RET go through the inline indirect-branch table. The function
 * at linear 0x2000 adds 1 to EAX from physical 0x2000, 100 from 0x3000;
 * remap says whether the test points 0x2000 at 0x3000 before the flush.
 * Returns the indirect-branch misses of the second loop. */
static uint64_t run_indirect_remapped(const uint8_t flush[7], bool remap)
{
    map_identity();
    fix_poke(0x2000, (const uint8_t[]){ 0x83, 0xc0, 1, 0xc3 }, 4);   /* add eax, 1; ret */
    fix_poke(0x3000, (const uint8_t[]){ 0x83, 0xc0, 100, 0xc3 }, 4); /* add eax, 100; ret */
    uint8_t code[] = { 0xb9, 5, 0, 0, 0,                  /* mov ecx, 5 */
                       0xbe, 0x00, 0x20, 0, 0,            /* L: mov esi, 0x2000 */
                       0xff, 0xd6,                        /* call esi */
                       0x49,                              /* dec ecx */
                       0x75, 0xf6,                        /* jnz L */
                       0xf4,                              /* hlt */
                       0, 0, 0, 0, 0, 0, 0,               /* 0x1010: flush */
                       0xb9, 5, 0, 0, 0,                  /* mov ecx, 5 */
                       0xff, 0xd6,                        /* M: call esi */
                       0x49,                              /* dec ecx */
                       0x75, 0xfb,                        /* jnz M */
                       0xf4 };                            /* hlt */
    memcpy(code + 0x10, flush, 7);
    fix_code(code, sizeof(code));
    bt_run_to_hlt(bt_eng, 1000);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 5);
    if (remap) {
        uint32_t pte = 0x3000 | 0x7;
        fix_poke(0x51008, &pte, 4);
    }
    uint64_t miss0 = stats.bt_ibl_misses;
    bt_run_to_hlt(bt_eng, 1000);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], remap ? 5 + 500 : 10);
    return stats.bt_ibl_misses - miss0;
}

/* The inline table's entries are checked against the TLB: a CR3 write or
 * an INVLPG of the target's page that remaps it sends the branch to the
 * new code; an INVLPG of another page leaves every entry usable. */
START_TEST(indirect_branch_after_tlb_flush)
{
    const uint8_t cr3[7] = { 0x0f, 0x20, 0xda, 0x0f, 0x22, 0xda, 0x90 }; /* mov edx, cr3; mov cr3, edx */
    ck_assert_uint_ge(run_indirect_remapped(cr3, true), 1);
}
END_TEST

START_TEST(indirect_branch_after_invlpg)
{
    const uint8_t target[7] = { 0x0f, 0x01, 0x3d, 0x00, 0x20, 0, 0 }; /* invlpg [0x2000] */
    ck_assert_uint_ge(run_indirect_remapped(target, true), 1);
}
END_TEST

START_TEST(indirect_branch_survives_other_invlpg)
{
    const uint8_t other[7] = { 0x0f, 0x01, 0x3d, 0x00, 0x50, 0, 0 }; /* invlpg [0x5000] */
    /* Only the first return into the second loop, a new block, misses. */
    ck_assert_uint_eq(run_indirect_remapped(other, false), 1);
}
END_TEST

static int ack_count;

static int ack_0x20(void *opaque)
{
    (void)opaque;
    ack_count++;
    fix_m->intr_line = false;
    return 0x20;
}

/* A tight loop runs chained, without returning to the C loop, for
 * exactly the budget (blocks take their instructions on entry); an
 * interrupt raised at the end of the slice is taken at once. */
START_TEST(interrupt_reaches_chained_loop)
{
    /* GDT: 0x08 flat 32-bit code; IDT: vector 0x20 -> 0x08:0x2000, an
     * interrupt gate. */
    uint64_t gdt[2] = { 0, 0x00cf9a000000ffffull };
    uint32_t gate[2] = { 0x08u << 16 | 0x2000, 0x8e00 };
    fix_poke(0x60000, gdt, sizeof gdt);
    fix_poke(0x61000 + 8 * 0x20, gate, sizeof gate);
    fix_cpu->gdtr.base = 0x60000;
    fix_cpu->gdtr.limit = sizeof gdt - 1;
    fix_cpu->idtr.base = 0x61000;
    fix_cpu->idtr.limit = 0x7ff;
    fix_poke(0x2000, "\xf4", 1);                /* handler: hlt */
    FIX_CODE_BYTES(0x40,                        /* L: inc eax */
                   0xeb, 0xfd);                 /* jmp L */
    fix_cpu->eflags |= F_IF;
    uint64_t entries0 = stats.bt_entries;
    ck_assert_uint_eq(bt_eng->run(fix_m, 1000), 1000);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 500);
    ck_assert_uint_le(stats.bt_entries - entries0, 3);
    fix_m->intr_line = true;
    fix_m->intr_ack = ack_0x20;
    ack_count = 0;
    bt_eng->run(fix_m, 1000);
    ck_assert_int_eq(ack_count, 1);
    ck_assert(fix_cpu->halted);
    ck_assert_uint_eq(fix_cpu->eip, 0x2001);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 12, 4), FIX_CODE); /* the frame's EIP: the loop */
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 500);
}
END_TEST

/* NOPs run translated as no host code at all: the hint NOP 0F 1F /3 with
 * a register operand (which the Zydis encoder had re-encoded as 0F 0D,
 * #UD on an AMD host: random code found it), 0F 1F /0 with a memory
 * operand that is never accessed (here unmapped: beyond RAM), and 90. */
START_TEST(nops_are_no_host_code)
{
    uint64_t bt0 = stats.insns_bt, fb0 = stats.insns_fallback, miss0 = stats.bt_mem_misses;
    FIX_CODE_BYTES(0x0f, 0x1f, 0xdc,                    /* nop esp (0F 1F /3) */
                   0x0f, 0x1f, 0x80, 0, 0, 0, 0xf0,     /* nop dword [eax + 0xf0000000] */
                   0x90,                                /* nop */
                   0xb8, 1, 0, 0, 0,                    /* mov eax, 1 */
                   0xf4);
    fix_cpu->gpr[R_EAX] = 0;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 1);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 17);
    ck_assert_uint_eq(stats.insns_bt - bt0, 4);
    ck_assert_uint_eq(stats.insns_fallback - fb0, 1); /* hlt */
    ck_assert_uint_eq(stats.bt_mem_misses - miss0, 0);
}
END_TEST

/* BT* with a memory operand: the immediate forms run translated; a
 * register bit offset addresses the bit string beyond the operand (SDM
 * vol. 2, BT) and is left to the interpreter. */
START_TEST(bit_test_memory_operand)
{
    uint64_t bt0 = stats.insns_bt, fb0 = stats.insns_fallback, co0 = stats.bt_callouts, miss0 = stats.bt_mem_misses;
    FIX_CODE_BYTES(0x0f, 0xba, 0x2e, 0x23,   /* L: bts dword [esi], 35 (bit 3) */
                   0x0f, 0x92, 0xc1,         /* setb cl */
                   0x0f, 0xba, 0x76, 0x04, 0x01, /* btr dword [esi+4], 1 */
                   0x0f, 0x92, 0xc5,         /* setb ch */
                   0x0f, 0xab, 0x06,         /* bts [esi], eax (eax = 70: dword 2, bit 6) */
                   0x0f, 0x92, 0xc2,         /* setb dl */
                   0x4b,                     /* dec ebx */
                   0x75, 0xe8,               /* jnz L */
                   0xf4);
    uint32_t init[3] = { 0x00000001, 0x00000002, 0x00000000 };
    fix_poke(FIX_DATA, init, sizeof(init));
    fix_cpu->gpr[R_ESI] = FIX_DATA;
    fix_cpu->gpr[R_EAX] = 70;
    fix_cpu->gpr[R_EBX] = 2;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_peek(FIX_DATA, 4), 0x00000009);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 4, 4), 0x00000000);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 8, 4), 0x00000040);
    /* The second pass: every bit already as left by the first. */
    ck_assert_uint_eq(fix_cpu->gpr[R_ECX] & 0xffff, 0x0001);
    ck_assert_uint_eq(fix_cpu->gpr[R_EDX] & 0xff, 1);
    /* hlt, and the first access where it missed (the inline lookup; the
     * window fills itself) */
    ck_assert_uint_eq(stats.insns_fallback - fb0, 1 + (stats.bt_mem_misses - miss0));
    ck_assert_uint_eq(stats.bt_callouts - co0, 2);         /* bts m, r twice, called out */
    ck_assert_uint_ge(stats.insns_bt - bt0, 2 * 8 - 2 - 1);
}
END_TEST

/* -d stats lists the instructions left to the interpreter by mnemonic,
 * with a sample of each. */
START_TEST(refusals_are_counted_by_mnemonic)
{
    FIX_CODE_BYTES(0x3f,                     /* L: aas */
                   0x3f,                     /* aas */
                   0x49,                     /* dec ecx */
                   0x75, 0xfb,               /* jnz L */
                   0xf4);
    fix_cpu->gpr[R_ECX] = 3;
    unsigned saved = log_mask;
    log_mask |= 1u << LOG_stats;
    bt_run_to_hlt(bt_eng, 100);
    log_mask = saved;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    refusals__print(f, 20);
    fclose(f);
    const char *aas = strstr(text, " aas ");
    ck_assert_ptr_nonnull(aas);
    ck_assert_uint_eq(strtoull(aas + 4, NULL, 10), 6); /* no other test runs AAS */
    ck_assert_ptr_nonnull(strstr(text, "e.g. aas [3f]"));
    free(text);
}
END_TEST

/* CLD/STD run translated on the virtual DF; the guest's arithmetic flags
 * pass through them. */
START_TEST(direction_flag_is_virtual)
{
    uint64_t fb0 = stats.insns_fallback;
    FIX_CODE_BYTES(0xf9,                     /* stc */
                   0xfd,                     /* std */
                   0x0f, 0x92, 0xc0,         /* setb al */
                   0xfc,                     /* cld */
                   0xfd,                     /* std */
                   0x83, 0xd3, 0x00,         /* adc ebx, 0 */
                   0xf4);
    fix_cpu->eflags = F_FIXED1;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX] & 0xff, 1);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 1);
    ck_assert_uint_eq(fix_cpu->eflags & (F_DF | F_CF), F_DF);
    ck_assert_uint_eq(stats.insns_fallback - fb0, 1); /* the HLT */
}
END_TEST

/* LEAVE through the inline lookup: a fault on [EBP] is precise (ESP and
 * EBP as before); AH..BH beside a memory operand run translated. */
START_TEST(leave_and_high_bytes)
{
    map_with_hole_at_0x200000();
    uint64_t bt0 = stats.insns_bt;
    FIX_CODE_BYTES(0x02, 0x26,               /* add ah, [esi] */
                   0x88, 0x6e, 0x01,         /* mov [esi+1], ch */
                   0xc9,                     /* leave */
                   0x40,                     /* inc eax */
                   0xf4);
    uint32_t frame = 0xcafe0000;
    fix_poke(FIX_STACK, &frame, 4);
    fix_poke(FIX_DATA, "\x10\x00", 2);
    fix_cpu->gpr[R_ESI] = FIX_DATA;
    fix_cpu->gpr[R_EAX] = 0x1234;
    fix_cpu->gpr[R_ECX] = 0x5500;
    fix_cpu->gpr[R_EBP] = FIX_STACK;
    for (int run = 0; run < 2; run++) { /* the second run hits the TLB */
        fix_cpu->eip = FIX_CODE;
        fix_cpu->gpr[R_EAX] = 0x1234;
        fix_cpu->gpr[R_EBP] = FIX_STACK;
        bt_run_to_hlt(bt_eng, 100);
        ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 0x2235);
        ck_assert_uint_eq(fix_peek(FIX_DATA + 1, 1), 0x55);
        ck_assert_uint_eq(fix_cpu->gpr[R_ESP], FIX_STACK + 4);
        ck_assert_uint_eq(fix_cpu->gpr[R_EBP], 0xcafe0000);
    }
    ck_assert_uint_ge(stats.insns_bt - bt0, 4);

    /* EBP in the hole: #PF at the LEAVE (no IDT: look at the state it
     * was raised with, running the block alone). */
    fix_cpu->idtr.limit = 0;
    fix_cpu->eip = FIX_CODE;
    fix_cpu->gpr[R_EBP] = 0x200ffc;
    fix_cpu->gpr[R_ESP] = 0x1234;
    fix_cpu->halted = false;
    bt_eng->run(fix_m, 4);
    ck_assert_uint_eq(fix_cpu->cr2, 0x200ffc);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBP], 0x200ffc);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], 0x1234);
}
END_TEST

/* RET, CALL r32 and JMP m32 find their targets' blocks through the
 * inline table once the C loop has entered them. */
START_TEST(indirect_branches_inline)
{
    uint64_t hits0 = stats.bt_ibl_hits;
    uint32_t m = FIX_CODE + 0x17;
    fix_poke(FIX_DATA, &m, 4);
    FIX_CODE_BYTES(0xb9, 10, 0, 0, 0,                   /* mov ecx, 10 */
                   0xe8, 0x11, 0, 0, 0,                 /* L: call f */
                   0xba, 0x1d, 0x10, 0, 0,              /* mov edx, g */
                   0xff, 0xd2,                          /* call edx */
                   0xff, 0x25, 0, 0, 0x02, 0,           /* jmp [FIX_DATA] (= M) */
                   0x49,                                /* M: dec ecx */
                   0x75, 0xeb,                          /* jnz L */
                   0xf4,                                /* hlt */
                   0x40, 0xc3,                          /* f: inc eax; ret */
                   0x83, 0xc3, 0x02, 0xc3);             /* g: add ebx, 2; ret */
    bt_run_to_hlt(bt_eng, 1000);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 10);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 20);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], FIX_STACK);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 0x1b);
    /* 4 indirect branches per round; the first round's miss. */
    ck_assert_uint_ge(stats.bt_ibl_hits - hits0, 4 * 9);
}
END_TEST

/* A LODSB/STOSB copy loop runs translated; the STOSB that meets a page
 * not present faults precisely: ESI, EDI, ECX and AL as after the last
 * completed element, EIP at the STOSB. */
START_TEST(string_loop_faults_in_the_middle)
{
    map_with_hole_at_0x200000();
    uint64_t bt0 = stats.insns_bt;
    FIX_CODE_BYTES(0xac,                     /* L: lodsb */
                   0xaa,                     /* stosb */
                   0x49,                     /* dec ecx */
                   0x75, 0xfb,               /* jnz L */
                   0xf4);
    fix_poke(FIX_DATA, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
    /* Once through a mapped page, so that the lookups hit afterwards. */
    fix_cpu->gpr[R_ESI] = FIX_DATA;
    fix_cpu->gpr[R_EDI] = FIX_DATA + 0x100;
    fix_cpu->gpr[R_ECX] = 8;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x104, 4), 0x88776655);
    ck_assert_uint_ge(stats.insns_bt - bt0, 20);

    fix_cpu->idtr.limit = 0; /* the #PF escalates: look at its state */
    fix_cpu->eip = FIX_CODE;
    fix_cpu->gpr[R_ESI] = FIX_DATA;
    fix_cpu->gpr[R_EDI] = 0x200000 - 3;
    fix_cpu->gpr[R_ECX] = 8;
    fix_cpu->halted = false;
    bt_eng->run(fix_m, 100);
    ck_assert_uint_eq(fix_cpu->cr2, 0x200000);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESI], FIX_DATA + 4);
    ck_assert_uint_eq(fix_cpu->gpr[R_EDI], 0x200000);
    ck_assert_uint_eq(fix_cpu->gpr[R_ECX], 5);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX] & 0xff, 0x44);
    ck_assert_uint_eq(fix_peek(0x1ffffd, 3), 0x332211);
}
END_TEST

/* REP STOSD is the interpreter's, in chunks: the engine's budget ends
 * after one chunk with EIP still at the instruction and ECX/EDI telling
 * the work left, and an interrupt then returns to the REP. */
START_TEST(rep_is_interruptible)
{
    fix_real();
    fix_seg(S_ES, 0x3000, 0x30000, 0xffff, DESC_P | DESC_S | DESC_W | DESC_A);
    uint8_t ivt[4] = { 0x00, 0x20, 0, 0 };      /* vector 0x20 -> 0000:2000 */
    fix_poke(0x20 * 4, ivt, 4);
    fix_poke(0x2000, "\xf4", 1);                /* handler: hlt */
    FIX_CODE_BYTES(0xf3, 0x66, 0xab,            /* rep stosd */
                   0xf4);
    fix_cpu->gpr[R_ECX] = 10000;
    fix_cpu->gpr[R_EDI] = 0;
    fix_cpu->gpr[R_EAX] = 0x11223344;
    fix_cpu->eflags |= F_IF;
    bt_eng->run(fix_m, 1);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE);
    ck_assert_uint_eq(fix_cpu->gpr[R_ECX], 10000 - 4096);
    ck_assert_uint_eq(fix_cpu->gpr[R_EDI], 4 * 4096);
    ck_assert_uint_eq(fix_peek(0x30000 + 4 * 4095, 4), 0x11223344);
    ck_assert_uint_eq(fix_peek(0x30000 + 4 * 4096, 4), 0);
    fix_m->intr_line = true;
    fix_m->intr_ack = ack_0x20;
    ack_count = 0;
    bt_eng->run(fix_m, 10);
    ck_assert_int_eq(ack_count, 1);
    ck_assert_uint_eq(fix_cpu->eip, 0x2001);
    ck_assert_uint_eq(fix_peek(0xfff0 - 6, 2), FIX_CODE); /* returns to the REP */
    ck_assert_uint_eq(fix_cpu->gpr[R_ECX], 10000 - 4096);
}
END_TEST

/* Absolute addresses above 2 GiB (a kernel's globals), in MOV's moffs
 * form (A0-A3) too, run translated. */
START_TEST(high_absolute_addresses)
{
    map_with_hole_at_0x200000();
    uint32_t pde = 0x51000 | 0x7;
    fix_poke(0x50000 + 4 * 0x300, &pde, 4); /* 0xC0000000 -> physical 0 */
    FIX_CODE_BYTES(0xa1, 0x00, 0x00, 0x02, 0xc0,       /* mov eax, [0xC0020000] */
                   0x03, 0x05, 0x04, 0x00, 0x02, 0xc0, /* add eax, [0xC0020004] */
                   0xa3, 0x08, 0x00, 0x02, 0xc0,       /* mov [0xC0020008], eax */
                   0xa2, 0x0c, 0x00, 0x02, 0xc0,       /* mov [0xC002000C], al */
                   0xf4);
    uint32_t v[2] = { 0x11111111, 0x22222222 };
    fix_poke(FIX_DATA, v, sizeof(v));
    bt_run_to_hlt(bt_eng, 100); /* fills the TLB */
    uint64_t fb0 = stats.insns_fallback;
    fix_cpu->eip = FIX_CODE;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 8, 4), 0x33333333);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 12, 1), 0x33);
    ck_assert_uint_eq(stats.insns_fallback - fb0, 1); /* the HLT */
}
END_TEST

/* The #DE was raised at eip with EAX ECX EDX EBX as given. */
static void assert_div_fault(uint32_t eip, uint32_t eax, uint32_t ecx, uint32_t edx, uint32_t ebx)
{
    ck_assert_uint_eq(fix_cpu->insn_eip, eip);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], eax);
    ck_assert_uint_eq(fix_cpu->gpr[R_ECX], ecx);
    ck_assert_uint_eq(fix_cpu->gpr[R_EDX], edx);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], ebx);
}

/* DIV runs translated behind its #DE check; a division by zero or with a
 * quotient too large is raised at the DIV with the registers as before
 * it (without the check the host itself would fault). */
START_TEST(div_faults_precisely)
{
    FIX_CODE_BYTES(0xf7, 0xf3,                  /* div ebx */
                   0x43,                        /* inc ebx */
                   0xf6, 0xf7,                  /* div bh (AH >= BH = 0: #DE) */
                   0x41,                        /* inc ecx (not reached) */
                   0xf4);
    fix_cpu->gpr[R_EAX] = 100;
    fix_cpu->gpr[R_EDX] = 0;
    fix_cpu->gpr[R_EBX] = 7;
    fix_cpu->gpr[R_ECX] = 0;
    fix_cpu->idtr.limit = 0; /* the #DE escalates: look at its state */
    uint64_t bt0 = stats.insns_bt;
    bt_eng->run(fix_m, 100);
    assert_div_fault(FIX_CODE + 3, 14, 0, 2, 8);
    ck_assert_uint_eq(stats.insns_bt - bt0, 2);
}
END_TEST

/* DIV with a memory divisor: the check follows the inline lookup. */
START_TEST(div_memory_divisor)
{
    FIX_CODE_BYTES(0x43,                        /* inc ebx */
                   0xf7, 0x36,                  /* div dword [esi] */
                   0x41,                        /* inc ecx */
                   0xf4);
    uint32_t d = 10;
    fix_poke(FIX_DATA, &d, 4);
    fix_cpu->gpr[R_ESI] = FIX_DATA;
    fix_cpu->gpr[R_EAX] = 1234;
    fix_cpu->gpr[R_EDX] = 0;
    bt_run_to_hlt(bt_eng, 100); /* fills the TLB */
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 123);
    ck_assert_uint_eq(fix_cpu->gpr[R_EDX], 4);

    uint64_t bt0 = stats.insns_bt;
    d = 0;
    fix_poke(FIX_DATA, &d, 4);
    fix_cpu->idtr.limit = 0; /* the #DE escalates: look at its state */
    fix_cpu->eip = FIX_CODE;
    fix_cpu->halted = false;
    bt_eng->run(fix_m, 100);
    assert_div_fault(FIX_CODE + 1, 123, 1, 4, 2);
    ck_assert_uint_eq(stats.insns_bt - bt0, 1); /* the INC before it */
}
END_TEST

/* The inline table maps EIPs, not linear addresses: with a CS base of
 * 0x1000, RET still finds its target's block. */
START_TEST(indirect_branch_with_cs_base)
{
    uint64_t hits0 = stats.bt_ibl_hits;
    fix_seg(S_CS, 0x08, FIX_CODE, 0xffffffffu, DESC_P | DESC_S | DESC_CODE | DESC_R | DESC_A | DESC_DB | DESC_G);
    FIX_CODE_BYTES(0xb9, 5, 0, 0, 0,                    /* mov ecx, 5 */
                   0xe8, 0x04, 0, 0, 0,                 /* L: call f */
                   0x49,                                /* dec ecx */
                   0x75, 0xf8,                          /* jnz L */
                   0xf4,                                /* hlt */
                   0x40, 0xc3);                         /* f: inc eax; ret */
    fix_cpu->eip = 0;
    bt_run_to_hlt(bt_eng, 1000);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 5);
    ck_assert_uint_eq(fix_cpu->eip, 0x0e);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 4, 4), 0x0a); /* the return EIP */
    ck_assert_uint_ge(stats.bt_ibl_hits - hits0, 3);
}
END_TEST

/* [ESP + disp] operands between ESP writes take one lookup for all (a
 * stack run); a run that crosses a page leaves for the interpreter and
 * still computes the same. */
START_TEST(stack_run_operands)
{
    static const uint32_t esps[] = { FIX_STACK, FIX_STACK + 0x10 - 0x4 }; /* the second straddles 0x30000 */
    for (int k = 0; k < 2; k++)
        for (int run = 0; run < 2; run++) {
            FIX_CODE_BYTES(0x83, 0xec, 0x10,              /* sub esp, 16 */
                           0x89, 0x04, 0x24,              /* mov [esp], eax */
                           0x89, 0x5c, 0x24, 0x04,        /* mov [esp+4], ebx */
                           0x8b, 0x0c, 0x24,              /* mov ecx, [esp] */
                           0x03, 0x4c, 0x24, 0x04,        /* add ecx, [esp+4] */
                           0x89, 0x4c, 0x24, 0x08,        /* mov [esp+8], ecx */
                           0x83, 0xc4, 0x10,              /* add esp, 16 */
                           0xf4);
            fix_cpu->gpr[R_ESP] = esps[k];
            fix_cpu->gpr[R_EAX] = 0x1000 + (uint32_t)run;
            fix_cpu->gpr[R_EBX] = 0x20;
            bt_run_to_hlt(bt_eng, 100);
            ck_assert_uint_eq(fix_cpu->gpr[R_ECX], 0x1020 + (uint32_t)run);
            ck_assert_uint_eq(fix_cpu->gpr[R_ESP], esps[k]);
            ck_assert_uint_eq(fix_peek(esps[k] - 16, 4), 0x1000 + (uint32_t)run);
            ck_assert_uint_eq(fix_peek(esps[k] - 12, 4), 0x20);
            ck_assert_uint_eq(fix_peek(esps[k] - 8, 4), 0x1020 + (uint32_t)run);
        }
}
END_TEST

/* A run follows ESP through PUSH, POP, ADD/SUB ESP, imm and LEA: offsets
 * stay exact, also when the pushes cross into the page below. */
START_TEST(stack_run_follows_pushes)
{
    static const uint32_t esps[] = { FIX_STACK + 0x100, FIX_STACK + 8 };
    for (int k = 0; k < 2; k++)
        for (int run = 0; run < 2; run++) {
            FIX_CODE_BYTES(0x50,                          /* push eax */
                           0x53,                          /* push ebx */
                           0x83, 0xec, 0x08,              /* sub esp, 8 */
                           0x89, 0x4c, 0x24, 0x04,        /* mov [esp+4], ecx */
                           0x8b, 0x54, 0x24, 0x0c,        /* mov edx, [esp+12] (eax) */
                           0x8d, 0x64, 0x24, 0x04,        /* lea esp, [esp+4] */
                           0x8b, 0x3c, 0x24,              /* mov edi, [esp] (ecx) */
                           0x83, 0xc4, 0x04,              /* add esp, 4 */
                           0x5e,                          /* pop esi (ebx) */
                           0x5d,                          /* pop ebp (eax) */
                           0xf4);
            fix_cpu->gpr[R_ESP] = esps[k];
            fix_cpu->gpr[R_EAX] = 0xa0 + (uint32_t)run;
            fix_cpu->gpr[R_EBX] = 0xb0;
            fix_cpu->gpr[R_ECX] = 0xc0;
            bt_run_to_hlt(bt_eng, 100);
            ck_assert_uint_eq(fix_cpu->gpr[R_EDX], 0xa0 + (uint32_t)run);
            ck_assert_uint_eq(fix_cpu->gpr[R_EDI], 0xc0);
            ck_assert_uint_eq(fix_cpu->gpr[R_ESI], 0xb0);
            ck_assert_uint_eq(fix_cpu->gpr[R_EBP], 0xa0 + (uint32_t)run);
            ck_assert_uint_eq(fix_cpu->gpr[R_ESP], esps[k]);
            ck_assert_uint_eq(fix_peek(esps[k] - 12, 4), 0xc0);
        }
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

/* The FNINIT state: every exception masked, the stack empty. */
static void x87_init(void)
{
    fix_cpu->fpu.fcw = 0x037f;
    fix_cpu->fpu.fsw = 0;
    fix_cpu->fpu.ftw = 0xffff;
}

/* x87 instructions run translated on the host FPU, in runs (a memory form
 * starts one), with the interpreter's results, FIP, FOP and FDP. */
START_TEST(x87_runs_translated)
{
    static const uint8_t code[] = { 0xd9, 0xe8,               /* fld1 */
                                    0xd9, 0xeb,               /* fldpi */
                                    0xde, 0xc1,               /* faddp st1, st0 */
                                    0xd9, 0x1e,               /* fstp dword [esi] */
                                    0xdd, 0x46, 0x08,         /* fld qword [esi+8] */
                                    0xd8, 0xc0,               /* fadd st0, st0 */
                                    0xdd, 0x5e, 0x10,         /* fstp qword [esi+16] */
                                    0xf4 };
    const double in = 1.25;
    struct fpu_state want;
    uint8_t want_mem[24], got_mem[24];
    fix_code(code, sizeof(code));
    fix_poke(FIX_DATA + 8, &in, 8);
    fix_cpu->gpr[R_ESI] = FIX_DATA;
    x87_init();
    for (int i = 0; i < 7; i++)
        ck_assert_int_eq(fix_step(), -1); /* the interpreter, for reference */
    want = fix_cpu->fpu;
    memcpy(want_mem, fix_m->ram.host + FIX_DATA, sizeof(want_mem));

    for (int pass = 0; pass < 2; pass++) { /* the first fills the TLB */
        uint64_t bt0 = stats.insns_bt;
        memset(fix_m->ram.host + FIX_DATA, 0, 8);
        memset(fix_m->ram.host + FIX_DATA + 16, 0, 8);
        fix_cpu->eip = FIX_CODE;
        x87_init();
        fix_cpu->fpu.fip = fix_cpu->fpu.fdp = 0;
        fix_cpu->fpu.fop = 0;
        bt_run_to_hlt(bt_eng, 100);
        if (pass == 1)
            ck_assert_uint_eq(stats.insns_bt - bt0, 7);
    }
    memcpy(got_mem, fix_m->ram.host + FIX_DATA, sizeof(got_mem));
    ck_assert_mem_eq(got_mem, want_mem, sizeof(want_mem));
    ck_assert_mem_eq(&fix_cpu->fpu, &want, offsetof(struct fpu_state, mxcsr));
    ck_assert_uint_eq(fix_cpu->fpu.fip, FIX_CODE + 13);
    ck_assert_uint_eq(fix_cpu->fpu.fop, 0x55e);
    ck_assert_uint_eq(fix_cpu->fpu.fdp, FIX_DATA + 16);
    ck_assert_uint_eq(fix_cpu->fpu.fsw & 0x3800, 0); /* the stack empty again */
    float f;
    memcpy(&f, got_mem, 4);
    ck_assert(f > 4.14159f && f < 4.1416f);
}
END_TEST

/* inc eax; then an x87 instruction that must not run natively: the block
 * leaves before it with the INC done and the FPU untouched, and the
 * interpreter raises the exception (escalating: no IDT). */
static void assert_x87_refused(void)
{
    static const uint8_t code[] = { 0x40, 0xd9, 0xe8, 0xf4 }; /* inc eax; fld1; hlt */
    struct fpu_state before = fix_cpu->fpu;
    fix_code(code, sizeof(code));
    fix_cpu->gpr[R_EAX] = 0;
    fix_cpu->idtr.limit = 0;
    uint64_t bt0 = stats.insns_bt;
    bt_eng->run(fix_m, 100);
    ck_assert_uint_eq(fix_cpu->insn_eip, FIX_CODE + 1);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 1);
    ck_assert_uint_eq(stats.insns_bt - bt0, 1);
    ck_assert_mem_eq(&fix_cpu->fpu, &before, sizeof(before));
}

/* CR0.TS: #NM at the x87 instruction (SDM vol. 3, table 2-2). */
START_TEST(x87_device_not_available)
{
    x87_init();
    fix_cpu->cr0 |= CR0_TS;
    assert_x87_refused();
}
END_TEST

/* An unmasked exception pending with CR0.NE: #MF at the next waiting x87
 * instruction (SDM vol. 1, 8.6). */
START_TEST(x87_pending_exception)
{
    x87_init();
    fix_cpu->cr0 |= CR0_NE;
    fix_cpu->fpu.fcw = 0x037e;       /* IM clear */
    fix_cpu->fpu.fsw = 0x8081;       /* IE, ES, B */
    assert_x87_refused();
}
END_TEST

/* With an exception unmasked the run is the interpreter's, one
 * instruction at a time: FDIVP's zero divide stays pending and the next
 * FLD1 raises #MF. */
START_TEST(x87_unmasked_exception_in_run)
{
    static const uint8_t code[] = { 0xd9, 0xe8, 0xd9, 0xee,   /* fld1; fldz */
                                    0xde, 0xf9,               /* fdivp st1, st0 */
                                    0xd9, 0xe8, 0xf4 };       /* fld1; hlt */
    x87_init();
    fix_cpu->fpu.fcw = 0x037b;       /* ZM clear */
    fix_cpu->cr0 |= CR0_NE;
    fix_cpu->idtr.limit = 0;
    fix_code(code, sizeof(code));
    bt_eng->run(fix_m, 100);
    ck_assert_uint_eq(fix_cpu->insn_eip, FIX_CODE + 6);
    ck_assert_uint_eq(fix_cpu->fpu.fsw & 0x8084, 0x8084); /* ZE, ES, B */
    ck_assert_uint_eq(fix_cpu->fpu.fip, FIX_CODE + 4);
}
END_TEST

/* Flat protected mode with an IDT whose vectors 1, 13 and 0x20 go to a
 * HLT at 0x2000 (interrupt gates, CPL 0), a TSS with ESP0 and an I/O
 * permission bitmap that denies only port 0x81, and (user) the CPU at
 * CPL 3 with IOPL 0. */
static void sys_setup(bool user)
{
    uint64_t gdt[6] = { 0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull, 0x00cffa000000ffffull,
                        0x00cff2000000ffffull, 0 };
    fix_poke(0x60000, gdt, sizeof gdt);
    fix_cpu->gdtr.base = 0x60000;
    fix_cpu->gdtr.limit = sizeof gdt - 1;
    const unsigned vectors[] = { 1, 13, 0x20 };
    for (unsigned i = 0; i < 3; i++) {
        uint32_t gate[2] = { 0x08u << 16 | 0x2000, 0x8e00 };
        fix_poke(0x61000 + 8 * vectors[i], gate, sizeof gate);
    }
    fix_cpu->idtr.base = 0x61000;
    fix_cpu->idtr.limit = 0x7ff;
    fix_poke(0x2000, "\xf4", 1);                /* handler: hlt */
    uint32_t esp0 = 0x38000, ss0 = 0x10;
    uint16_t iomap = 0x68;
    uint8_t deny = 1u << 1;                     /* port 0x81 */
    fix_poke(0x62000 + 4, &esp0, 4);
    fix_poke(0x62000 + 8, &ss0, 4);
    fix_poke(0x62000 + 0x66, &iomap, 2);
    fix_poke(0x62000 + iomap + 0x10, &deny, 1);
    fix_poke(0x62000 + iomap + 0x2000, "\xff", 1);
    fix_seg(S_TR, 0x28, 0x62000, 0x68 + 0x2000, DESC_P | 0xb);
    if (!user)
        return;
    fix_seg(S_CS, 0x1b, 0, 0xffffffffu,
            DESC_P | DESC_S | DESC_CODE | DESC_R | DESC_A | DESC_DB | DESC_G | 3 << DESC_DPL_SHIFT);
    for (int s = S_ES; s <= S_GS; s++)
        if (s != S_CS)
            fix_seg(s, 0x23, 0, 0xffffffffu, DESC_P | DESC_S | DESC_W | DESC_A | DESC_DB | DESC_G | 3 << DESC_DPL_SHIFT);
    fix_cpu->cpl = 3;
    tlb__flush(fix_cpu, true);
}

/* Sensitive instructions run by the interpreter from inside the block
 * (sys_callout.c): the block goes on after them, the flags and registers
 * they read and write pass through. */
START_TEST(sensitive_instructions_call_out)
{
    uint64_t fb0 = stats.insns_fallback, co0 = stats.bt_callouts, ex0 = stats.bt_callout_exits;
    FIX_CODE_BYTES(0x39, 0xc0,               /* L: cmp eax, eax (ZF = 1) */
                   0xfa,                     /* cli */
                   0x9c,                     /* pushfd */
                   0x5a,                     /* pop edx */
                   0x0f, 0x01, 0x45, 0x00,   /* sgdt [ebp] */
                   0x0f, 0x94, 0xc3,         /* setz bl: ZF through the callouts */
                   0x01, 0xde,               /* add esi, ebx */
                   0x52,                     /* push edx */
                   0x9d,                     /* popfd */
                   0x49,                     /* dec ecx */
                   0x75, 0xed,               /* jnz L */
                   0xf4);
    fix_cpu->eflags |= F_IF;
    fix_cpu->gpr[R_ECX] = 3;
    fix_cpu->gpr[R_EBP] = FIX_DATA;
    fix_cpu->gdtr.base = 0x12345678;
    fix_cpu->gdtr.limit = 0x1f;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESI], 3);
    ck_assert_uint_eq(fix_cpu->gpr[R_EDX] & (F_IF | F_ZF), F_ZF); /* CLI's IF = 0, CMP's ZF */
    ck_assert_uint_eq(fix_peek(FIX_DATA, 2), 0x1f);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 2, 4), 0x12345678);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESP], FIX_STACK);
    ck_assert_uint_eq(stats.bt_callouts - co0, 3 * 4);           /* cli, pushfd, sgdt, popfd */
    ck_assert_uint_eq(stats.bt_callout_exits - ex0, 0);
    ck_assert_uint_eq(stats.insns_fallback - fb0, 1);            /* hlt */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    refusals__print_stats(fix_m, f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "callouts by kind"));
    ck_assert_ptr_nonnull(strstr(text, "  pushfd "));
    free(text);
}
END_TEST

/* At CPL 3: IN from a port the I/O bitmap allows runs in the block; CLI
 * with IOPL 0 raises #GP(0) from the callout (SDM vol. 2, CLI), delivered
 * with the frame's EIP at the CLI and the instructions before it done. */
START_TEST(callout_faults_at_cpl3)
{
    uint64_t co0 = stats.bt_callouts, ex0 = stats.bt_callout_exits;
    FIX_CODE_BYTES(0xe4, 0x80,               /* in al, 0x80 (allowed) */
                   0x43,                     /* inc ebx */
                   0xfa,                     /* cli: #GP(0) */
                   0x43,                     /* inc ebx */
                   0xf4);
    sys_setup(true);
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->eip, 0x2001);
    ck_assert_int_eq(fix_cpu->cpl, 0);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 1);
    ck_assert_uint_eq(fix_peek(0x38000 - 24, 4), 0);              /* error code */
    ck_assert_uint_eq(fix_peek(0x38000 - 20, 4), FIX_CODE + 3);   /* EIP: the CLI */
    ck_assert_uint_eq(fix_peek(0x38000 - 16, 4), 0x1b);
    ck_assert_uint_eq(stats.bt_callouts - co0, 2);
    ck_assert_uint_eq(stats.bt_callout_exits - ex0, 1);
}
END_TEST

/* IN from a port the I/O bitmap denies: #GP(0) from the callout. */
START_TEST(callout_in_denied_port)
{
    FIX_CODE_BYTES(0x43,                     /* inc ebx */
                   0xe4, 0x81,               /* in al, 0x81 (denied) */
                   0x43,                     /* inc ebx */
                   0xf4);
    sys_setup(true);
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->eip, 0x2001);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 1);
    ck_assert_uint_eq(fix_peek(0x38000 - 20, 4), FIX_CODE + 1);   /* EIP: the IN */
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 0);                    /* not read */
}
END_TEST

/* Runs to the HLT at 0x2000 with interrupt 0x20 pending, which must be
 * taken once. */
static void run_with_irq_0x20(void)
{
    fix_m->intr_line = true;
    fix_m->intr_ack = ack_0x20;
    ack_count = 0;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_int_eq(ack_count, 1);
    ck_assert_uint_eq(fix_cpu->eip, 0x2001);
}

/* sys_setup(true), CPL-0 code at 0x3000, vector 0x80 an interrupt gate
 * of DPL 3 to it, and SYSENTER to it with ESP 0x38000 (the MSRs). */
static void kernel_setup(const uint8_t *handler, size_t n)
{
    sys_setup(true);
    uint32_t gate[2] = { 0x08u << 16 | 0x3000, 0xee00 };
    fix_poke(0x61000 + 8 * 0x80, gate, sizeof gate);
    fix_poke(0x3000, handler, n);
    fix_cpu->msr.sysenter_cs = 0x08;
    fix_cpu->msr.sysenter_esp = 0x38000;
    fix_cpu->msr.sysenter_eip = 0x3000;
}

/* After a user HLT's #GP(0) (at hlt_eip, CPL 3) reached the HLT at 0x2000:
 * its frame on the TSS's stack holds the user CS, ESP and SS; `ends`
 * callouts ran since calls (callouts, exits, fallbacks) were read, each
 * ending its block, and only the handler's HLT fell back. */
static void assert_back_at_cpl3(uint32_t hlt_eip, uint64_t ends, const uint64_t calls[3])
{
    ck_assert_uint_eq(fix_cpu->eip, 0x2001);
    ck_assert_int_eq(fix_cpu->cpl, 0);
    ck_assert_uint_eq(fix_peek(0x38000 - 20, 4), hlt_eip);
    ck_assert_uint_eq(fix_peek(0x38000 - 16, 4), 0x1b);
    ck_assert_uint_eq(fix_peek(0x38000 - 8, 4), FIX_STACK);       /* the user ESP, back */
    ck_assert_uint_eq(fix_peek(0x38000 - 4, 4), 0x23);
    ck_assert_uint_eq(stats.bt_callouts - calls[0], ends);
    ck_assert_uint_eq(stats.bt_callout_exits - calls[1], ends);
    ck_assert_uint_eq(stats.insns_fallback - calls[2], 1);
}

/* INT 0x80 from CPL 3 to a CPL-0 handler on the TSS's stack and IRETD
 * back (SDM vol. 3, 6.12.1), twice: the interpreter runs both from their
 * blocks as callouts that end them, none is left to the C loop's
 * fallback; registers, stacks and CPL are those of the round trips. */
START_TEST(int80_iret_round_trip)
{
    static const uint8_t handler[] = { 0x40,         /* inc eax */
                                       0x89, 0xe6,   /* mov esi, esp */
                                       0xcf };       /* iretd */
    const uint64_t calls[3] = { stats.bt_callouts, stats.bt_callout_exits, stats.insns_fallback };
    FIX_CODE_BYTES(0xcd, 0x80,               /* int 0x80 */
                   0x43,                     /* inc ebx */
                   0xcd, 0x80,               /* int 0x80 */
                   0x43,                     /* inc ebx */
                   0xf4);                    /* hlt: #GP(0) at CPL 3 */
    kernel_setup(handler, sizeof handler);
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 2);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 2);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESI], 0x38000 - 20);         /* SS, ESP, EFLAGS, CS, EIP */
    assert_back_at_cpl3(FIX_CODE + 6, 4, calls);
}
END_TEST

/* SYSENTER from CPL 3 and SYSEXIT back (SDM vol. 2, SYSENTER, SYSEXIT):
 * callouts that end their blocks; CS, SS, ESP and CPL as they set them. */
START_TEST(sysenter_sysexit_round_trip)
{
    static const uint8_t handler[] = { 0x40,         /* inc eax */
                                       0x89, 0xe6,   /* mov esi, esp */
                                       0x0f, 0x35 }; /* sysexit: EIP = EDX, ESP = ECX */
    const uint64_t calls[3] = { stats.bt_callouts, stats.bt_callout_exits, stats.insns_fallback };
    FIX_CODE_BYTES(0xba, (FIX_CODE + 9) & 0xff, (FIX_CODE + 9) >> 8 & 0xff, (FIX_CODE + 9) >> 16 & 0xff,
                   (FIX_CODE + 9) >> 24,     /* mov edx, L */
                   0x89, 0xe1,               /* mov ecx, esp */
                   0x0f, 0x34,               /* sysenter */
                   0x43,                     /* L: inc ebx */
                   0xf4);                    /* hlt: #GP(0) at CPL 3 */
    kernel_setup(handler, sizeof handler);
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 1);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 1);
    ck_assert_uint_eq(fix_cpu->gpr[R_ESI], 0x38000);
    assert_back_at_cpl3(FIX_CODE + 10, 2, calls);
}
END_TEST

/* An IRETD that sets IF with an interrupt pending: the interrupt is taken
 * at the boundary right after it, before the next user instruction. */
START_TEST(iret_sets_if_pending_interrupt)
{
    static const uint8_t handler[] = { 0x81, 0x4c, 0x24, 0x08, 0x00, 0x02, 0x00, 0x00, /* or [esp+8], IF */
                                       0xcf };                                         /* iretd */
    FIX_CODE_BYTES(0xcd, 0x80,               /* int 0x80 */
                   0x43,                     /* inc ebx */
                   0xf4);
    kernel_setup(handler, sizeof handler);
    ck_assert_uint_eq(fix_cpu->eflags & F_IF, 0);
    run_with_irq_0x20();
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 0);
    ck_assert_uint_eq(fix_peek(0x38000 - 20, 4), FIX_CODE + 2);   /* the frame's EIP: inc ebx */
    ck_assert_uint_eq(fix_peek(0x38000 - 16, 4), 0x1b);
    ck_assert_uint_eq(fix_peek(0x38000 - 12, 4) & F_IF, F_IF);
}
END_TEST

/* STI with an interrupt pending: delivered after the next instruction
 * (the STI shadow, SDM vol. 2, STI), not inside the block. */
START_TEST(sti_delivers_after_the_shadow)
{
    uint64_t co0 = stats.bt_callouts, ex0 = stats.bt_callout_exits;
    FIX_CODE_BYTES(0xfb,                     /* sti */
                   0x40,                     /* inc eax (in the shadow) */
                   0x43,                     /* inc ebx */
                   0xf4);
    sys_setup(false);
    run_with_irq_0x20();
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 1);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 0);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 12, 4), FIX_CODE + 2); /* the frame's EIP: inc ebx */
    ck_assert_uint_eq(stats.bt_callouts - co0, 1);                /* sti, in the block */
    ck_assert_uint_eq(stats.bt_callout_exits - ex0, 1);
}
END_TEST

/* POPFD that sets TF: the single-step trap comes after the instruction
 * that follows it (SDM vol. 3, 17.3.1.4), so the block leaves after the
 * callout. */
START_TEST(popf_sets_tf)
{
    uint64_t co0 = stats.bt_callouts, ex0 = stats.bt_callout_exits;
    FIX_CODE_BYTES(0x68, 0x02, 0x01, 0x00, 0x00, /* push 0x102 (TF) */
                   0x9d,                     /* popfd */
                   0x40,                     /* inc eax: trap after it */
                   0x43,                     /* inc ebx */
                   0xf4);
    sys_setup(false);
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 1);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 0);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 12, 4), FIX_CODE + 7); /* the frame's EIP: inc ebx */
    ck_assert_uint_eq(fix_peek(FIX_STACK - 4, 4) & F_TF, F_TF);
    ck_assert_uint_eq(stats.bt_callouts - co0, 1);                /* popfd, in the block */
    ck_assert_uint_eq(stats.bt_callout_exits - ex0, 1);
}
END_TEST

/* A callout that stores into its own block (MOVSB over a later
 * instruction): the block leaves after it and the new code runs. */
START_TEST(callout_writes_its_own_block)
{
    uint64_t ex0 = stats.bt_callout_exits;
    FIX_CODE_BYTES(0xbe, 0x00, 0x00, 0x02, 0x00, /* mov esi, FIX_DATA */
                   0xbf, 0x0c, 0x10, 0x00, 0x00, /* mov edi, FIX_CODE + 12 */
                   0xa4,                     /* movsb: a NOP over the INC EBX */
                   0x40,                     /* inc eax */
                   0x43,                     /* inc ebx (overwritten) */
                   0xf4);
    fix_poke(FIX_DATA, "\x90", 1);
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 1);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 0);
    ck_assert_uint_eq(stats.bt_callout_exits - ex0, 1);
}
END_TEST

/* Guest time and the retired count inside callouts (sys_callout.c): a
 * loop that reads the TSC twice and PerfCtr0 (instructions retired) once
 * per iteration, under a manual host clock with the guest at 3 ns per
 * instruction, so guest time is 3 ns times the instructions retired since
 * the slice began. */
#define TIME_ITERS 6
#define TIME_READS (3 * TIME_ITERS)
static const uint8_t time_loop[] = {
    0xbe, TIME_ITERS, 0, 0, 0,        /* mov esi, TIME_ITERS */
    0xbf, 0x00, 0x00, 0x02, 0x00,     /* mov edi, FIX_DATA */
    0x31, 0xc9,                       /* xor ecx, ecx (PerfCtr0) */
    0x0f, 0x31,                       /* L: rdtsc */
    0x89, 0x07,                       /* mov [edi], eax */
    0x0f, 0x33,                       /* rdpmc */
    0x89, 0x47, 0x04,                 /* mov [edi+4], eax */
    0x43,                             /* inc ebx */
    0x0f, 0x31,                       /* rdtsc */
    0x89, 0x47, 0x08,                 /* mov [edi+8], eax */
    0x83, 0xc7, 0x0c,                 /* add edi, 12 */
    0x4e,                             /* dec esi */
    0x75, 0xeb,                       /* jnz L */
    0xf4,
};
_Static_assert(FIX_DATA == 0x20000, "time_loop's data address");

/* Start the loop afresh: registers, the readings cleared, the PMU counting
 * instructions retired from 0, guest time at 1 s on a manual host clock
 * 10 ms ahead; then a slice begins. */
static void time_loop_start(void)
{
    fix_code(time_loop, sizeof time_loop);
    fix_cpu->gpr[R_EBX] = 0;
    fix_cpu->eflags = F_FIXED1;
    uint32_t zero[TIME_READS] = { 0 };
    fix_poke(FIX_DATA, zero, sizeof zero);
    fix_cpu->msr.pmc_evtsel[0] = 1u << 22 | 1u << 17 | 1u << 16 | 0xc0; /* EN, OS, USR, INST_RETIRED */
    fix_cpu->msr.pmc_value[0] = 0;
    fix_cpu->msr.pmc_sampled_at[0] = fix_cpu->icount;
    timers__set_manual_host(&fix_m->timers, 1000000000);
    fix_m->timers.ns_per_kinsn = 3 * 1024;
    timers__slice_begin(&fix_m->timers, &fix_cpu->icount, 1u << 20);
    fix_m->timers.manual_now += 10000000;
}

START_TEST(callouts_see_exact_time)
{
    uint64_t bt0 = stats.insns_bt, in0 = stats.insns_interp, co0 = stats.bt_callouts;
    uint32_t seen[2][TIME_READS];
    uint64_t retired[2];
    for (int bt = 0; bt < 2; bt++) {
        time_loop_start();
        uint64_t start = fix_cpu->icount;
        if (bt)
            bt_run_to_hlt(bt_eng, 1000);
        else
            interp__engine_run(fix_m, 3 + 10 * TIME_ITERS + 1);
        timers__slice_end(&fix_m->timers);
        ck_assert(fix_cpu->halted);
        retired[bt] = fix_cpu->icount - start;
        for (int i = 0; i < TIME_READS; i++)
            seen[bt][i] = fix_peek(FIX_DATA + 4 * (uint32_t)i, 4);
    }
    ck_assert_uint_eq(retired[1], retired[0]);
    ck_assert_uint_eq(stats.bt_callouts - co0, 3 * TIME_ITERS);
    /* Every instruction counted once: translated or by the interpreter
     * (the callouts, the first accesses' misses, the HLT). */
    ck_assert_uint_eq(stats.insns_bt - bt0 + stats.insns_interp - in0 - retired[0], retired[1]);
    ck_assert_uint_ge(stats.insns_bt - bt0, 5 * TIME_ITERS);
    for (int i = 0; i < TIME_READS; i++)
        ck_assert_uint_eq(seen[1][i], seen[0][i]);
    /* Readings follow the instructions retired before them: RDPMC two
     * after the first RDTSC, the second RDTSC five after it, 10 per
     * iteration, 3 ns each; the first RDTSC after 3 instructions. */
    for (int it = 0; it < TIME_ITERS; it++) {
        const uint32_t *r = &seen[1][3 * it];
        uint32_t n = 3 + 10 * (uint32_t)it;
        ck_assert_uint_eq(r[0], seen[1][0] + 3 * (n - 3));
        ck_assert_uint_eq(r[1], n + 2);
        ck_assert_uint_eq(r[2], r[0] + 3 * 5);
    }
}
END_TEST

/* A run whose budget ends anywhere in the loop retires exactly the
 * budget under bt, ending at the interpreter's EIP with its state. */
START_TEST(callout_budget_matches_interpreter)
{
    for (uint64_t budget = 1; budget <= 3 + 10 * 3; budget++) {
        uint32_t eip[2], ebx[2], edi[2], tsc[2];
        uint64_t retired[2];
        for (int bt = 0; bt < 2; bt++) {
            time_loop_start();
            uint64_t start = fix_cpu->icount;
            if (bt)
                bt_eng->run(fix_m, budget);
            else
                interp__engine_run(fix_m, budget);
            timers__slice_end(&fix_m->timers);
            retired[bt] = fix_cpu->icount - start;
            eip[bt] = fix_cpu->eip;
            ebx[bt] = fix_cpu->gpr[R_EBX];
            edi[bt] = fix_cpu->gpr[R_EDI];
            tsc[bt] = fix_cpu->gpr[R_EAX];
        }
        ck_assert_uint_eq(retired[1], budget);
        ck_assert_uint_eq(retired[0], budget);
        ck_assert_uint_eq(eip[1], eip[0]);
        ck_assert_uint_eq(ebx[1], ebx[0]);
        ck_assert_uint_eq(edi[1], edi[0]);
        ck_assert_uint_eq(tsc[1], tsc[0]);
    }
}
END_TEST

/* CR4.TSD at CPL 3: RDTSC raises #GP(0) from the callout (SDM vol. 2,
 * RDTSC), with the frame's EIP at it. */
START_TEST(rdtsc_faults_with_tsd)
{
    uint64_t ex0 = stats.bt_callout_exits;
    FIX_CODE_BYTES(0x43,                     /* inc ebx */
                   0x0f, 0x31,               /* rdtsc: #GP(0) */
                   0x43,                     /* inc ebx */
                   0xf4);
    sys_setup(true);
    fix_cpu->cr4 |= CR4_TSD;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->eip, 0x2001);
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 1);
    ck_assert_uint_eq(fix_peek(0x38000 - 20, 4), FIX_CODE + 1);   /* EIP: the RDTSC */
    ck_assert_uint_eq(stats.bt_callout_exits - ex0, 1);
}
END_TEST

/* A 4 GiB writable data segment with a base, as Linux's per-CPU FS. */
static void fs_with_base(uint32_t base)
{
    fix_seg(S_FS, 0x18, base, 0xffffffffu, DESC_P | DESC_S | DESC_W | DESC_A | DESC_DB | DESC_G);
}

/* Blocks at a CPL are keyed on FS's base only once code there has used
 * it (bt_engine.c's seg_want): the first FS access, at 0x3000 (reading
 * FIX_DATA), calls out and teaches the engine; later translations access
 * FS inline. */
static void learn_fs(void)
{
    uint64_t co0 = stats.bt_callouts;
    fix_poke(0x3000, "\x64\x8b\x00\xf4", 4);       /* mov eax, fs:[eax]; hlt */
    fix_cpu->gpr[R_EAX] = FIX_DATA - fix_cpu->seg[S_FS].base;
    fix_cpu->eip = 0x3000;
    bt_run_to_hlt(bt_eng, 10);
    ck_assert_uint_eq(stats.bt_callouts - co0, 1);
    fix_cpu->eip = FIX_CODE;
}

/* FS-based loads and stores are translated (no callout): the base is
 * added to the offset. */
START_TEST(fs_based_operands_inline)
{
    fs_with_base(FIX_DATA - 0x100);
    learn_fs();
    uint64_t bt0 = stats.insns_bt, co0 = stats.bt_callouts;
    FIX_CODE_BYTES(0x64, 0xa1, 0x04, 0x01, 0, 0,     /* mov eax, fs:[0x104] */
                   0x64, 0x01, 0x43, 0x08,           /* add fs:[ebx+8], eax */
                   0x64, 0x8b, 0x4c, 0x73, 0x04,     /* mov ecx, fs:[ebx+esi*2+4] */
                   0x64, 0xc6, 0x43, 0x10, 0x5a,     /* mov byte fs:[ebx+0x10], 0x5a */
                   0xf4);
    fix_poke(FIX_DATA + 4, "\x11\x22\x33\x44", 4);
    fix_poke(FIX_DATA + 8, "\x01\x00\x00\x00", 4);
    fix_poke(FIX_DATA + 0x0c, "\x78\x56\x34\x12", 4);
    fix_cpu->gpr[R_EBX] = 0x100;
    fix_cpu->gpr[R_ESI] = 4;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 0x44332211);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 8, 4), 0x44332212);
    ck_assert_uint_eq(fix_cpu->gpr[R_ECX], 0x12345678);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x10, 1), 0x5a);
    ck_assert_uint_eq(stats.insns_bt - bt0, 4);
    ck_assert_uint_eq(stats.bt_callouts - co0, 0);
}
END_TEST

/* The linear address is (base + offset) mod 2^32 (SDM vol. 3, 3.4): a
 * base near 4 GiB reaches low memory, under bt as under the interpreter. */
START_TEST(fs_base_wraps)
{
    static const uint8_t code[] = { 0x64, 0x8b, 0x03,             /* mov eax, fs:[ebx] */
                                    0x64, 0x89, 0x43, 0x04,       /* mov fs:[ebx+4], eax */
                                    0x64, 0xff, 0x43, 0x08,       /* inc dword fs:[ebx+8] */
                                    0xf4 };
    const struct engine *eng[] = { engine__find("interp"), bt_eng };
    for (int i = 0; i < 2; i++) {
        fs_with_base(0xfff00000u);
        if (i)
            learn_fs();
        uint64_t bt0 = stats.insns_bt;
        fix_code(code, sizeof code);
        fix_poke(FIX_DATA, "\xef\xbe\xad\xde\0\0\0\0\xff\0\0\0", 12);
        fix_cpu->gpr[R_EBX] = 0x100000u + FIX_DATA;
        fix_cpu->eip = FIX_CODE;
        bt_run_to_hlt(eng[i], 100);
        ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 0xdeadbeef);
        ck_assert_uint_eq(fix_peek(FIX_DATA + 4, 4), 0xdeadbeef);
        ck_assert_uint_eq(fix_peek(FIX_DATA + 8, 4), 0x100);
        ck_assert_uint_eq(stats.insns_bt - bt0, i ? 3 : 0);
    }
}
END_TEST

/* An access whose last byte lies beyond offset 0xffffffff exceeds the
 * 4 GiB limit (#GP, SDM vol. 3, 5.3) even where base + offset wraps to
 * a mapped address mid-page; the access just below the top completes.
 * code: mov ecx, fs:[0xfffffffc] or [ebx-2], then the same at
 * 0xfffffffe (EBX = 0xfffffffe), then HLT. */
static void assert_beyond_limit_faults(const uint8_t *code, size_t n, uint32_t fault_eip)
{
    fix_code(code, n);
    fix_cpu->eip = FIX_CODE;
    fix_cpu->gpr[R_ESP] = FIX_STACK;
    fix_poke(FIX_DATA + 0x7fe, "\x11\x22\x33\x44\x55\x66", 6);
    fix_cpu->gpr[R_EBX] = 0xfffffffeu;
    fix_cpu->gpr[R_EAX] = 0x1234;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_ECX], 0x44332211);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 0x1234);
    ck_assert_uint_eq(fix_cpu->eip, 0x2001); /* the #GP handler's HLT */
    ck_assert_uint_eq(fix_peek(FIX_STACK - 12, 4), fault_eip);
}

START_TEST(fs_offset_beyond_limit_faults)
{
    static const uint8_t regs[] = { 0x64, 0x8b, 0x4b, 0xfe,             /* mov ecx, fs:[ebx-2] */
                                    0x64, 0x8b, 0x03,                   /* mov eax, fs:[ebx] */
                                    0xf4 };
    static const uint8_t constant[] = { 0x64, 0x8b, 0x0d, 0xfc, 0xff, 0xff, 0xff, /* mov ecx, fs:[0xfffffffc] */
                                        0x64, 0xa1, 0xfe, 0xff, 0xff, 0xff,       /* mov eax, fs:[0xfffffffe] */
                                        0xf4 };
    sys_setup(false);
    fs_with_base(FIX_DATA + 0x802);
    learn_fs();
    assert_beyond_limit_faults(regs, sizeof regs, FIX_CODE + 4);
    assert_beyond_limit_faults(constant, sizeof constant, FIX_CODE + 7);
}
END_TEST

/* One block run under two FS bases reads through the base of each run:
 * the translation adds the base the segment has when it runs. */
START_TEST(block_under_two_fs_bases)
{
    fs_with_base(FIX_DATA - 0x10);
    learn_fs();
    uint64_t bt0 = stats.insns_bt;
    FIX_CODE_BYTES(0x64, 0x8b, 0x06,                 /* mov eax, fs:[esi] */
                   0x64, 0x89, 0x46, 0x04,           /* mov fs:[esi+4], eax */
                   0xf4);
    fix_poke(FIX_DATA, "\x01\0\0\0", 4);
    fix_poke(FIX_DATA + 0x800, "\x02\0\0\0", 4);
    fix_cpu->gpr[R_ESI] = 0x10;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 1);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 4, 4), 1);
    uint64_t tr0 = stats.blocks_translated;
    fs_with_base(FIX_DATA + 0x800 - 0x10);
    fix_cpu->eip = FIX_CODE;
    bt_run_to_hlt(bt_eng, 100);
    ck_assert_uint_eq(fix_cpu->gpr[R_EAX], 2);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x804, 4), 2);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 4, 4), 1);
    ck_assert_uint_eq(stats.blocks_translated - tr0, 0); /* the same block */
    ck_assert_uint_eq(stats.insns_bt - bt0, 2 + 2);
}
END_TEST

/* A data descriptor: base, 4 GiB limit, writable, DPL 0. */
static uint64_t data_desc(uint32_t base)
{
    return 0x00cf92000000ffffull | (uint64_t)(base & 0xffffff) << 16 | (uint64_t)(base >> 24) << 56;
}

/* MOV FS between two runs of the same block (a callout in the loop): the
 * next run reads through the new base; a load of a flat FS, then of a
 * based one, changes the key's segment bits between runs as well. */
START_TEST(fs_load_between_runs)
{
    fs_with_base(FIX_DATA);
    learn_fs();
    uint64_t gdt[5] = { 0, 0x00cf9a000000ffffull, data_desc(0), data_desc(FIX_DATA), data_desc(FIX_DATA + 0x100) };
    fix_poke(0x60000, gdt, sizeof gdt);
    fix_cpu->gdtr.base = 0x60000;
    fix_cpu->gdtr.limit = sizeof gdt - 1;
    fix_poke(FIX_DATA, "\x05\0\0\0", 4);
    fix_poke(FIX_DATA + 0x100, "\x07\0\0\0", 4);
    fix_poke(FIX_DATA + 0x200, "\x0b\0\0\0", 4);
    fix_poke(FIX_DATA - 0x100, "\x20\0\0\0\x18\0\0\0\x10\0\0\0", 12); /* the selectors, last first */
    FIX_CODE_BYTES(0xb9, 3, 0, 0, 0,                 /* mov ecx, 3 */
                   0x8e, 0x64, 0x8f, 0xfc,           /* L: mov fs, [edi+ecx*4-4] */
                   0x64, 0x03, 0x1d, 0, 0, 0, 0,     /* add ebx, fs:[0] */
                   0x64, 0x03, 0x1d, 0, 0x01, 0, 0,  /* add ebx, fs:[0x100] */
                   0x49,                             /* dec ecx */
                   0x75, 0xeb,                       /* jnz L */
                   0xf4);
    fix_cpu->gpr[R_EDI] = FIX_DATA - 0x100;
    fix_cpu->gpr[R_EBX] = 0;
    fix_poke(0, "\x03\0\0\0", 4);                     /* flat FS: [0] */
    fix_poke(0x100, "\x0d\0\0\0", 4);                 /* flat FS: [0x100] */
    bt_run_to_hlt(bt_eng, 100);
    /* flat: 3 + 13; base FIX_DATA: 5 + 7; base FIX_DATA + 0x100: 7 + 11 */
    ck_assert_uint_eq(fix_cpu->gpr[R_EBX], 3 + 13 + 5 + 7 + 7 + 11);
    ck_assert_uint_eq(fix_cpu->seg[S_FS].base, FIX_DATA + 0x100);
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
    tcase_add_test(tc, block_holds_64_insns);
    tcase_add_test(tc, flags_cross_blocks);
    tcase_add_test(tc, fallback_in_the_middle);
    tcase_add_test(tc, code_rewritten_is_retranslated);
    tcase_add_test(tc, real_mode_block);
    tcase_add_test(tc, cache_fills_and_flushes);
    tcase_add_test(tc, memory_operands_inline);
    tcase_add_test(tc, memory_operands_window);
    tcase_add_test(tc, page_fault_is_precise);
    tcase_add_test(tc, call_and_return);
    tcase_add_test(tc, bit_test_memory_operand);
    tcase_add_test(tc, nops_are_no_host_code);
    tcase_add_test(tc, direction_flag_is_virtual);
    tcase_add_test(tc, refusals_are_counted_by_mnemonic);
    tcase_add_test(tc, leave_and_high_bytes);
    tcase_add_test(tc, string_loop_faults_in_the_middle);
    tcase_add_test(tc, rep_is_interruptible);
    tcase_add_test(tc, div_faults_precisely);
    tcase_add_test(tc, high_absolute_addresses);
    tcase_add_test(tc, div_memory_divisor);
    tcase_add_test(tc, smc_rewrites_chained_block);
    tcase_add_test(tc, smc_rewrites_chained_block_window);
    tcase_add_test(tc, store_into_running_block);
    tcase_add_test(tc, store_into_running_block_window);
    tcase_add_test(tc, write_through_alias);
    tcase_add_test(tc, write_through_alias_window);
    tcase_add_test(tc, cross_page_chain_cr3_write);
    tcase_add_test(tc, cross_page_chain_invlpg);
    tcase_add_test(tc, cross_page_chain_survives_other_invlpg);
    tcase_add_test(tc, cross_page_chain_into_global_page_survives_cr3_write);
    tcase_add_test(tc, cross_page_chain_target_written);
    tcase_add_test(tc, indirect_branch_after_tlb_flush);
    tcase_add_test(tc, indirect_branch_after_invlpg);
    tcase_add_test(tc, indirect_branch_survives_other_invlpg);
    tcase_add_test(tc, interrupt_reaches_chained_loop);
    tcase_add_test(tc, indirect_branches_inline);
    tcase_add_test(tc, indirect_branch_with_cs_base);
    tcase_add_test(tc, stack_run_operands);
    tcase_add_test(tc, stack_run_follows_pushes);
    tcase_add_test(tc, x87_runs_translated);
    tcase_add_test(tc, x87_device_not_available);
    tcase_add_test(tc, x87_pending_exception);
    tcase_add_test(tc, x87_unmasked_exception_in_run);
    tcase_add_test(tc, sensitive_instructions_call_out);
    tcase_add_test(tc, callout_faults_at_cpl3);
    tcase_add_test(tc, int80_iret_round_trip);
    tcase_add_test(tc, iret_sets_if_pending_interrupt);
    tcase_add_test(tc, sysenter_sysexit_round_trip);
    tcase_add_test(tc, callout_in_denied_port);
    tcase_add_test(tc, sti_delivers_after_the_shadow);
    tcase_add_test(tc, popf_sets_tf);
    tcase_add_test(tc, callout_writes_its_own_block);
    tcase_add_test(tc, callouts_see_exact_time);
    tcase_add_test(tc, callout_budget_matches_interpreter);
    tcase_add_test(tc, rdtsc_faults_with_tsd);
    tcase_add_test(tc, fs_based_operands_inline);
    tcase_add_test(tc, fs_base_wraps);
    tcase_add_test(tc, fs_offset_beyond_limit_faults);
    tcase_add_test(tc, block_under_two_fs_bases);
    tcase_add_test(tc, fs_load_between_runs);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(bt_block_suite)
