/* test_interp_exec.c - executing data-movement, control-flow, string and
 * flag instructions with interp__exec_one (registers, flags, memory and
 * faults, in flat 32-bit protected mode and in real mode), and the run
 * loop with interp__run: interrupts and the STI shadow, HLT, the budget,
 * TF single step (and MOV SS), instruction and data breakpoints. */
#include "check_main.h"
#include "interp_fixture.h"

#define R(r) fix_cpu->gpr[R_##r]
#define STEP_OK() ck_assert_int_eq(fix_step(), -1)

/* Run n instructions, each must retire. */
static void steps(int n)
{
    while (n--)
        STEP_OK();
}

START_TEST(test_mov)
{
    FIX_CODE_BYTES(0xb8, 0x78, 0x56, 0x34, 0x12, /* mov eax,0x12345678 */
                   0x66, 0xb8, 0xcd, 0xab,       /* mov ax,0xabcd */
                   0xb4, 0x11,                   /* mov ah,0x11 */
                   0x89, 0x44, 0x8b, 0x08,       /* mov [ebx+ecx*4+8],eax */
                   0x8a, 0x7c, 0x8b, 0x09,       /* mov bh,[ebx+ecx*4+9] */
                   0xc6, 0x03, 0x99,             /* mov byte [ebx],0x99 */
                   0x66, 0xc7, 0x43, 0x02, 0x34, 0x12, /* mov word [ebx+2],0x1234 */
                   0xa1, 0x00, 0x00, 0x02, 0x00, /* mov eax,[0x20000] */
                   0xa2, 0x10, 0x00, 0x02, 0x00); /* mov [0x20010],al */
    R(EBX) = FIX_DATA;
    R(ECX) = 4;
    steps(4);
    ck_assert_uint_eq(R(EAX), 0x123411cd);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 24, 4), 0x123411cd);
    steps(1);
    ck_assert_uint_eq(R(EBX), FIX_DATA | 0x1100);
    R(EBX) = FIX_DATA;
    steps(4);
    ck_assert_uint_eq(fix_peek(FIX_DATA, 4), 0x12340099);
    ck_assert_uint_eq(R(EAX), 0x12340099);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x10, 1), 0x99);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 38);
    ck_assert_uint_eq(fix_cpu->icount, 9);
}
END_TEST

START_TEST(test_mov_sreg)
{
    FIX_CODE_BYTES(0x8c, 0xd8,       /* mov eax,ds */
                   0x66, 0x8c, 0x03, /* mov [ebx],es */
                   0x8c, 0x0b,       /* mov [ebx],cs: 16-bit store */
                   0x8e, 0xc8);      /* mov cs,ax: #UD */
    R(EAX) = 0xffffffff;
    R(EBX) = FIX_DATA;
    fix_poke(FIX_DATA, "\xaa\xaa\xaa\xaa", 4);
    steps(1);
    ck_assert_uint_eq(R(EAX), 0x10);
    steps(1);
    ck_assert_uint_eq(fix_peek(FIX_DATA, 4), 0xaaaa0010);
    steps(1);
    ck_assert_uint_eq(fix_peek(FIX_DATA, 4), 0xaaaa0008);
    ck_assert_int_eq(fix_step(), EXC_UD);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 7);
}
END_TEST

START_TEST(test_xchg_lea_movx)
{
    FIX_CODE_BYTES(0x93,                   /* xchg eax,ebx */
                   0x87, 0x0e,             /* xchg [esi],ecx */
                   0x8d, 0x44, 0x99, 0x10, /* lea eax,[ecx+ebx*4+0x10] */
                   0x66, 0x8d, 0x04, 0x24, /* lea ax,[esp] */
                   0x0f, 0xbe, 0xd1,       /* movsx edx,cl */
                   0x0f, 0xb7, 0xd1,       /* movzx edx,cx */
                   0x66, 0x0f, 0xbf, 0xd5, /* movsx dx,bp */
                   0x8d, 0xc0,             /* lea eax,eax: #UD */
                   0x90);                  /* nop */
    R(EAX) = 1; R(EBX) = 2; R(ECX) = 0x1234ff80; R(ESI) = FIX_DATA; R(EBP) = 0x8000;
    fix_poke(FIX_DATA, "\x44\x33\x22\x11", 4);
    steps(2);
    ck_assert_uint_eq(R(EAX), 2);
    ck_assert_uint_eq(R(EBX), 1);
    ck_assert_uint_eq(R(ECX), 0x11223344);
    ck_assert_uint_eq(fix_peek(FIX_DATA, 4), 0x1234ff80);
    steps(1);
    ck_assert_uint_eq(R(EAX), 0x11223344u + 4 + 0x10);
    steps(1);
    ck_assert_uint_eq(R(EAX), 0x11220000u | (FIX_STACK & 0xffff));
    R(ECX) = 0x1234ff80;
    steps(1);
    ck_assert_uint_eq(R(EDX), 0xffffff80);
    steps(1);
    ck_assert_uint_eq(R(EDX), 0xff80);
    steps(1);
    ck_assert_uint_eq(R(EDX), 0x8000);
    ck_assert_int_eq(fix_step(), EXC_UD);
    fix_cpu->eip += 2;
    steps(1);
}
END_TEST

START_TEST(test_cbw_cwd)
{
    FIX_CODE_BYTES(0x66, 0x98, /* cbw */
                   0x98,       /* cwde */
                   0x99,       /* cdq */
                   0x66, 0x99); /* cwd */
    R(EAX) = 0x12345680; R(EDX) = 0x11111111;
    steps(1);
    ck_assert_uint_eq(R(EAX), 0x1234ff80);
    steps(1);
    ck_assert_uint_eq(R(EAX), 0xffffff80);
    steps(1);
    ck_assert_uint_eq(R(EDX), 0xffffffff);
    R(EAX) = 0x8000ffff;
    R(EDX) = 0x12345678;
    steps(1);
    ck_assert_uint_eq(R(EDX), 0x1234ffff);
}
END_TEST

START_TEST(test_push_pop)
{
    FIX_CODE_BYTES(0x50,                   /* push eax */
                   0x54,                   /* push esp */
                   0x6a, 0xfe,             /* push -2 */
                   0x66, 0x68, 0x34, 0x12, /* push word 0x1234 */
                   0x66, 0x5b,             /* pop bx */
                   0x5b,                   /* pop ebx */
                   0x8f, 0x44, 0x24, 0x04, /* pop dword [esp+4] */
                   0xff, 0x34, 0x24,       /* push dword [esp] */
                   0x5c);                  /* pop esp */
    R(EAX) = 0xdeadbeef; R(EBX) = 0x55555555;
    steps(4);
    ck_assert_uint_eq(R(ESP), FIX_STACK - 14);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 4, 4), 0xdeadbeef);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 8, 4), FIX_STACK - 4);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 12, 4), 0xfffffffe);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 14, 2), 0x1234);
    steps(1);
    ck_assert_uint_eq(R(EBX), 0x55551234);
    steps(1);
    ck_assert_uint_eq(R(EBX), 0xfffffffe);
    /* pop [esp+4]: ESP = STACK-8 after the pop, so it writes STACK-4. */
    steps(1);
    ck_assert_uint_eq(R(ESP), FIX_STACK - 4);
    ck_assert_uint_eq(fix_peek(FIX_STACK, 4), FIX_STACK - 4);
    steps(1);
    ck_assert_uint_eq(R(ESP), FIX_STACK - 8);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 8, 4), 0xdeadbeef);
    steps(1);
    ck_assert_uint_eq(R(ESP), 0xdeadbeef);
}
END_TEST

/* A push whose slot lies outside SS's limit: #SS(0), nothing changes. */
START_TEST(test_push_fault)
{
    FIX_CODE_BYTES(0x50); /* push eax */
    fix_cpu->seg[S_SS].limit = 0x1fff;
    fix_cpu->seg[S_SS].attr &= ~DESC_G;
    R(ESP) = 0x2000 + 2;
    ck_assert_int_eq(fix_step(), EXC_SS);
    ck_assert(fix_cpu->exc.has_error && fix_cpu->exc.error == 0);
    ck_assert_uint_eq(R(ESP), 0x2002);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE);
    R(ESP) = 0x2000;
    STEP_OK();
    ck_assert_uint_eq(R(ESP), 0x1ffc);
    /* Expand-down: valid offsets are above the limit. */
    fix_cpu->seg[S_SS].attr |= DESC_E;
    fix_cpu->seg[S_SS].limit = 0x1fff;
    R(ESP) = 0x2002;
    fix_cpu->eip = FIX_CODE;
    ck_assert_int_eq(fix_step(), EXC_SS);
    R(ESP) = 0x2004;
    fix_cpu->eip = FIX_CODE;
    STEP_OK();
}
END_TEST

START_TEST(test_push_sreg)
{
    FIX_CODE_BYTES(0x06,        /* push es */
                   0x66, 0x1e,  /* push ds */
                   0x0f, 0xa0); /* push fs */
    fix_poke(FIX_STACK - 4, "\xaa\xaa\xaa\xaa", 4);
    steps(1);
    /* Zen: a 32-bit push of a segment register writes it zero-extended. */
    ck_assert_uint_eq(R(ESP), FIX_STACK - 4);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 4, 4), 0x10);
    steps(2);
    ck_assert_uint_eq(R(ESP), FIX_STACK - 10);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 6, 2), 0x10);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 10, 4), 0x10);
}
END_TEST

START_TEST(test_pop_sreg_real)
{
    fix_real();
    FIX_CODE_BYTES(0x07,        /* pop es */
                   0x0f, 0xa9,  /* pop gs */
                   0x8e, 0xd8,  /* mov ds,ax */
                   0x16,        /* push ss */
                   0x1f);       /* pop ds */
    fix_poke(0xfff0, "\x34\x12\x00\x20", 4);
    steps(2);
    ck_assert_uint_eq(fix_cpu->seg[S_ES].sel, 0x1234);
    ck_assert_uint_eq(fix_cpu->seg[S_ES].base, 0x12340);
    ck_assert_uint_eq(fix_cpu->seg[S_GS].base, 0x20000);
    ck_assert_uint_eq(R(ESP), 0xfff4);
    R(EAX) = 0x5678;
    steps(1);
    ck_assert_uint_eq(fix_cpu->seg[S_DS].base, 0x56780);
    steps(2);
    ck_assert_uint_eq(fix_cpu->seg[S_DS].sel, 0);
    ck_assert_uint_eq(R(ESP), 0xfff4);
}
END_TEST

START_TEST(test_pusha_popa)
{
    FIX_CODE_BYTES(0x60,  /* pushad */
                   0x61,  /* popad */
                   0x66, 0x60); /* pushaw */
    for (int r = 0; r < 8; r++)
        fix_cpu->gpr[r] = 0x1000 * (r + 1);
    R(ESP) = FIX_STACK;
    steps(1);
    ck_assert_uint_eq(R(ESP), FIX_STACK - 32);
    for (int r = 0; r < 8; r++)
        ck_assert_uint_eq(fix_peek(FIX_STACK - 4 * (r + 1), 4),
                          r == R_ESP ? FIX_STACK : 0x1000u * (r + 1));
    for (int r = 0; r < 8; r++)
        if (r != R_ESP)
            fix_cpu->gpr[r] = 0;
    steps(1);
    ck_assert_uint_eq(R(ESP), FIX_STACK);
    for (int r = 0; r < 8; r++)
        if (r != R_ESP)
            ck_assert_uint_eq(fix_cpu->gpr[r], 0x1000u * (r + 1));
    steps(1);
    ck_assert_uint_eq(R(ESP), FIX_STACK - 16);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 2, 2), 0x1000);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 16, 2), 0x8000);
}
END_TEST

START_TEST(test_enter_leave)
{
    FIX_CODE_BYTES(0xc8, 0x10, 0x00, 0x00, /* enter 0x10,0 */
                   0xc9,                   /* leave */
                   0xc8, 0x08, 0x00, 0x03); /* enter 8,3 */
    R(EBP) = 0x7777;
    steps(1);
    ck_assert_uint_eq(R(EBP), FIX_STACK - 4);
    ck_assert_uint_eq(R(ESP), FIX_STACK - 4 - 0x10);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 4, 4), 0x7777);
    steps(1);
    ck_assert_uint_eq(R(EBP), 0x7777);
    ck_assert_uint_eq(R(ESP), FIX_STACK);
    /* Level 3: push EBP, copy 2 frame pointers from the old frame, push
     * the new frame pointer. */
    R(EBP) = FIX_DATA + 0x100;
    fix_poke(FIX_DATA + 0x100 - 4, "\x11\x11\x11\x11", 4);
    fix_poke(FIX_DATA + 0x100 - 8, "\x22\x22\x22\x22", 4);
    steps(1);
    ck_assert_uint_eq(R(EBP), FIX_STACK - 4);
    ck_assert_uint_eq(R(ESP), FIX_STACK - 16 - 8);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 4, 4), FIX_DATA + 0x100);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 8, 4), 0x11111111);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 12, 4), 0x22222222);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 16, 4), FIX_STACK - 4);
}
END_TEST

START_TEST(test_xlat_bound)
{
    FIX_CODE_BYTES(0xd7,             /* xlat */
                   0x62, 0x06,       /* bound eax,[esi] */
                   0x62, 0x06,       /* bound eax,[esi] */
                   0x62, 0xc0,       /* bound eax,eax: #UD */
                   0x0f, 0x0b);      /* ud2 */
    R(EBX) = FIX_DATA;
    R(EAX) = 0x12345605;
    fix_poke(FIX_DATA + 5, "\x77", 1);
    steps(1);
    ck_assert_uint_eq(R(EAX), 0x12345677);
    R(ESI) = FIX_DATA + 0x40;
    fix_poke(FIX_DATA + 0x40, "\xf6\xff\xff\xff\x64\x00\x00\x00", 8); /* [-10, 100] */
    R(EAX) = (uint32_t)-10;
    steps(1);
    R(EAX) = 101;
    ck_assert_int_eq(fix_step(), EXC_BR);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 3);
    fix_cpu->eip += 2;
    ck_assert_int_eq(fix_step(), EXC_UD);
    fix_cpu->eip += 2;
    ck_assert_int_eq(fix_step(), EXC_UD);
}
END_TEST

START_TEST(test_jcc_jmp)
{
    FIX_CODE_BYTES(0x74, 0x10,                   /* jz +0x10 (not taken) */
                   0x75, 0x02,                   /* jnz +2 (taken) */
                   0x90, 0x90,
                   0x0f, 0x8c, 0xf6, 0xff, 0xff, 0xff, /* jl -10 (SF != OF) */
                   0xeb, 0xfe);                  /* jmp $ */
    fix_cpu->eflags = F_FIXED1 | F_SF;
    steps(1);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 2);
    steps(1);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 6);
    steps(1);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 2);
    fix_cpu->eip = FIX_CODE + 12;
    steps(1);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 12);
}
END_TEST

START_TEST(test_call_ret)
{
    FIX_CODE_BYTES(0xe8, 0x0b, 0x00, 0x00, 0x00, /* call +11 -> 0x1010 */
                   0xff, 0xd0,                   /* call eax */
                   0xff, 0x23,                   /* jmp [ebx] */
                   0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
                   0xc2, 0x04, 0x00,             /* 0x1010: ret 4 */
                   0xc3);                        /* ret */
    R(EAX) = FIX_CODE + 0x13;
    R(EBX) = FIX_DATA;
    fix_poke(FIX_DATA, "\x00\x30\x00\x00", 4);
    steps(1);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 0x10);
    ck_assert_uint_eq(R(ESP), FIX_STACK - 4);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 4, 4), FIX_CODE + 5);
    steps(1);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 5);
    ck_assert_uint_eq(R(ESP), FIX_STACK + 4);
    steps(1);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 0x13);
    ck_assert_uint_eq(fix_peek(FIX_STACK, 4), FIX_CODE + 7);
    steps(1);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 7);
    steps(1);
    ck_assert_uint_eq(fix_cpu->eip, 0x3000);
}
END_TEST

/* Near transfers beyond the CS limit: #GP(0) before anything changes. */
START_TEST(test_branch_limit)
{
    FIX_CODE_BYTES(0xe8, 0x00, 0x10, 0x00, 0x00, /* call +0x1000 */
                   0x66, 0xe9, 0x00, 0xf0);      /* jmp word -0x1000+... (wraps in 16 bits) */
    fix_cpu->seg[S_CS].limit = 0x1fff;
    fix_cpu->seg[S_CS].attr &= ~DESC_G;
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE);
    ck_assert_uint_eq(R(ESP), FIX_STACK);
    /* 66 E9: target = (0x1009 + 0xf000) & 0xffff = 0x0009. */
    fix_cpu->eip = FIX_CODE + 5;
    STEP_OK();
    ck_assert_uint_eq(fix_cpu->eip, 0x0009);
}
END_TEST

START_TEST(test_loop)
{
    FIX_CODE_BYTES(0xe2, 0xfe,       /* loop $ */
                   0xe3, 0x10,       /* jecxz +0x10 */
                   0x67, 0xe2, 0xfd); /* loop $ (CX) */
    R(ECX) = 3;
    steps(3);
    ck_assert_uint_eq(R(ECX), 0);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 2);
    steps(1);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 0x14);
    R(ECX) = 0x12340001;
    fix_cpu->eip = FIX_CODE + 4;
    steps(1);
    ck_assert_uint_eq(R(ECX), 0x12340000);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 7);
    /* LOOPE stops when ZF is clear. */
    FIX_CODE_BYTES(0xe1, 0xfe); /* loope $ */
    R(ECX) = 5;
    fix_cpu->eflags = F_FIXED1;
    steps(1);
    ck_assert_uint_eq(R(ECX), 4);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 2);
}
END_TEST

START_TEST(test_inc_dec_group)
{
    FIX_CODE_BYTES(0xfe, 0x03,       /* inc byte [ebx] */
                   0xff, 0xc8,       /* dec eax */
                   0xfe, 0xd0,       /* fe /2: #UD */
                   0xff, 0xff);      /* ff /7: #UD */
    R(EBX) = FIX_DATA;
    fix_poke(FIX_DATA, "\xff", 1);
    fix_cpu->eflags = F_FIXED1 | F_CF;
    steps(1);
    ck_assert_uint_eq(fix_peek(FIX_DATA, 1), 0);
    ck_assert(fix_cpu->eflags & F_ZF);
    ck_assert(fix_cpu->eflags & F_CF);
    R(EAX) = 0;
    steps(1);
    ck_assert_uint_eq(R(EAX), 0xffffffff);
    ck_assert(fix_cpu->eflags & F_SF);
    ck_assert_int_eq(fix_step(), EXC_UD);
    fix_cpu->eip += 2;
    ck_assert_int_eq(fix_step(), EXC_UD);
}
END_TEST

/* A read-modify-write whose write faults leaves the flags alone. */
START_TEST(test_inc_fault_keeps_flags)
{
    FIX_CODE_BYTES(0x2e, 0xfe, 0x03); /* inc byte cs:[ebx]: code is not writable */
    R(EBX) = FIX_DATA;
    fix_cpu->eflags = F_FIXED1 | F_CF | F_ZF;
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->eflags, F_FIXED1 | F_CF | F_ZF);
}
END_TEST

/* ENTER checks the final stack slot, alignment included (#AC at CPL 3). */
START_TEST(test_enter_ac)
{
    FIX_CODE_BYTES(0xc8, 0x02, 0x00, 0x00); /* enter 2,0 */
    fix_cpu->cpl = 3;
    fix_cpu->cr0 |= CR0_AM;
    fix_cpu->eflags |= F_AC;
    ck_assert_int_eq(fix_step(), EXC_AC);
    ck_assert_uint_eq(R(ESP), FIX_STACK);
    fix_cpu->eflags &= ~F_AC;
    STEP_OK();
    ck_assert_uint_eq(R(ESP), FIX_STACK - 6);
}
END_TEST

START_TEST(test_lock_and_length)
{
    FIX_CODE_BYTES(0xf0, 0x01, 0xc0,  /* lock add eax,eax: #UD */
                   0xf0, 0x01, 0x03); /* lock add [ebx],eax */
    R(EAX) = 5; R(EBX) = FIX_DATA;
    ck_assert_int_eq(fix_step(), EXC_UD);
    ck_assert_uint_eq(R(EAX), 5);
    fix_cpu->eip = FIX_CODE + 3;
    STEP_OK();
    ck_assert_uint_eq(fix_peek(FIX_DATA, 4), 5);
    static const uint8_t long_nop[16] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                          0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90 };
    fix_code(long_nop, 16);
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE);
    fix_code(long_nop + 1, 15);
    STEP_OK();
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 15);
}
END_TEST

START_TEST(test_string)
{
    FIX_CODE_BYTES(0xf3, 0xa4,       /* rep movsb */
                   0xf3, 0xab,       /* rep stosd */
                   0xf3, 0xa6,       /* repe cmpsb */
                   0xf2, 0xae,       /* repne scasb */
                   0xac,             /* lodsb */
                   0xfd, 0x66, 0xa5); /* std; movsw */
    fix_poke(FIX_DATA, "hello, world", 12);
    R(ESI) = FIX_DATA; R(EDI) = FIX_DATA + 0x100; R(ECX) = 12;
    steps(1);
    ck_assert_int_eq(memcmp(fix_m->ram.host + FIX_DATA + 0x100, "hello, world", 12), 0);
    ck_assert_uint_eq(R(ECX), 0);
    ck_assert_uint_eq(R(ESI), FIX_DATA + 12);
    ck_assert_uint_eq(R(EDI), FIX_DATA + 0x10c);
    R(EAX) = 0x61626364; R(EDI) = FIX_DATA + 0x200; R(ECX) = 3;
    steps(1);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x208, 4), 0x61626364);
    ck_assert_uint_eq(R(EDI), FIX_DATA + 0x20c);
    fix_poke(FIX_DATA + 0x300, "hello, there", 12);
    R(ESI) = FIX_DATA; R(EDI) = FIX_DATA + 0x300; R(ECX) = 12;
    steps(1);
    /* stops after the first difference: 'w' vs 't' at index 7 */
    ck_assert_uint_eq(R(ECX), 4);
    ck_assert_uint_eq(R(ESI), FIX_DATA + 8);
    ck_assert(!(fix_cpu->eflags & F_ZF));
    R(EAX) = ','; R(EDI) = FIX_DATA; R(ECX) = 100;
    steps(1);
    ck_assert_uint_eq(R(EDI), FIX_DATA + 6);
    ck_assert_uint_eq(R(ECX), 94);
    ck_assert(fix_cpu->eflags & F_ZF);
    R(ESI) = FIX_DATA + 1;
    steps(1);
    ck_assert_uint_eq(R(EAX) & 0xff, 'e');
    ck_assert_uint_eq(R(ESI), FIX_DATA + 2);
    R(ESI) = FIX_DATA; R(EDI) = FIX_DATA + 0x400;
    steps(2);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x400, 2), 0x6568);
    ck_assert_uint_eq(R(ESI), FIX_DATA - 2);
    ck_assert_uint_eq(R(EDI), FIX_DATA + 0x3fe);
}
END_TEST

/* A long REP runs in restartable chunks; a fault in the middle leaves the
 * registers describing the remaining work. */
START_TEST(test_string_restart)
{
    FIX_CODE_BYTES(0xf3, 0xaa); /* rep stosb */
    R(EAX) = 0x5a; R(EDI) = FIX_DATA; R(ECX) = 10000;
    int chunks = 0;
    do {
        STEP_OK();
        chunks++;
    } while (fix_cpu->eip == FIX_CODE);
    ck_assert_int_gt(chunks, 1);
    ck_assert_uint_eq(R(ECX), 0);
    ck_assert_uint_eq(R(EDI), FIX_DATA + 10000);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 9999, 1), 0x5a);
    /* ES limit stops it after 16 bytes with #GP(0). */
    fix_cpu->seg[S_ES].limit = FIX_DATA + 15;
    fix_cpu->seg[S_ES].attr &= ~DESC_G;
    R(EDI) = FIX_DATA; R(ECX) = 100;
    fix_cpu->eip = FIX_CODE;
    ck_assert_int_eq(fix_step(), EXC_GP);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE);
    ck_assert_uint_eq(R(EDI), FIX_DATA + 16);
    ck_assert_uint_eq(R(ECX), 84);
}
END_TEST

/* Long REP MOVS/STOS across pages (the host-memory fast path), with an
 * overlapping forward copy that repeats its pattern, and a backward copy. */
START_TEST(test_string_bulk)
{
    FIX_CODE_BYTES(0xf3, 0xa4,        /* rep movsb */
                   0xf3, 0xa5,        /* rep movsd */
                   0xf3, 0x66, 0xab,  /* rep stosw */
                   0xfd,              /* std */
                   0xf3, 0xa4);       /* rep movsb */
    fix_poke(FIX_DATA, "ab", 2);
    R(ESI) = FIX_DATA; R(EDI) = FIX_DATA + 2; R(ECX) = 5000;
    steps(1);
    while (fix_cpu->eip == FIX_CODE)
        steps(1);
    for (uint32_t i = 0; i < 5002; i++)
        ck_assert_uint_eq(fix_peek(FIX_DATA + i, 1), "ab"[i & 1]);
    ck_assert_uint_eq(R(ESI), FIX_DATA + 5000);
    /* 3000 dwords from an odd source offset to a page-crossing target */
    for (uint32_t i = 0; i < 3000; i++)
        memcpy(fix_m->ram.host + 0x40001 + 4 * i, &i, 4);
    R(ESI) = 0x40001; R(EDI) = 0x50ffe; R(ECX) = 3000;
    do
        steps(1);
    while (fix_cpu->eip == FIX_CODE + 2);
    for (uint32_t i = 0; i < 3000; i++)
        ck_assert_uint_eq(fix_peek(0x50ffe + 4 * i, 4), i);
    ck_assert_uint_eq(R(ECX), 0);
    R(EAX) = 0xbeef; R(EDI) = 0x60000; R(ECX) = 4097;
    do
        steps(1);
    while (fix_cpu->eip == FIX_CODE + 4);
    ck_assert_uint_eq(fix_peek(0x60000, 2), 0xbeef);
    ck_assert_uint_eq(fix_peek(0x60000 + 2 * 4096, 2), 0xbeef);
    ck_assert_uint_eq(fix_peek(0x60000 + 2 * 4097, 2), 0);
    /* Dwords overlapping by less than an element: each load sees the
     * stores before it. */
    uint8_t ref[64];
    for (int i = 0; i < 64; i++)
        ref[i] = (uint8_t)(i * 7 + 1);
    fix_poke(0x80000, ref, sizeof ref);
    for (int i = 0; i < 13; i++)
        memmove(ref + 3 + 4 * i, ref + 4 * i, 4);
    R(ESI) = 0x80000; R(EDI) = 0x80003; R(ECX) = 13;
    fix_cpu->eip = FIX_CODE + 2;
    steps(1);
    ck_assert_int_eq(memcmp(fix_m->ram.host + 0x80000, ref, sizeof ref), 0);
    fix_cpu->eip = FIX_CODE + 7;
    /* Backward: copies from the end, a byte at a time. */
    fix_poke(0x70000, "0123456789", 10);
    steps(1);
    R(ESI) = 0x70009; R(EDI) = 0x70109; R(ECX) = 10;
    steps(1);
    ck_assert_int_eq(memcmp(fix_m->ram.host + 0x70100, "0123456789", 10), 0);
    ck_assert_uint_eq(R(ESI), 0x6ffff);
}
END_TEST

START_TEST(test_string_16)
{
    /* 16-bit addressing: SI/DI wrap at 64 KiB, CX counts. */
    fix_real();
    FIX_CODE_BYTES(0xf3, 0xa4); /* rep movsb */
    R(ESI) = 0xabcdfffe; R(EDI) = 0x00002000; R(ECX) = 0xffff0003;
    fix_poke(0xfffe, "xy", 2);
    fix_poke(0, "z", 1);
    STEP_OK();
    ck_assert_uint_eq(R(ECX), 0xffff0000);
    ck_assert_uint_eq(R(ESI), 0xabcd0001);
    ck_assert_uint_eq(R(EDI), 0x2003);
    ck_assert_int_eq(memcmp(fix_m->ram.host + 0x2000, "xyz", 3), 0);
}
END_TEST

START_TEST(test_flags)
{
    FIX_CODE_BYTES(0xf9,  /* stc */
                   0xf5,  /* cmc */
                   0xfd,  /* std */
                   0xd6,  /* salc */
                   0xf9,  /* stc */
                   0xd6,  /* salc */
                   0x9f,  /* lahf */
                   0x9e,  /* sahf */
                   0xfc); /* cld */
    steps(2);
    ck_assert(!(fix_cpu->eflags & F_CF));
    steps(2);
    ck_assert(fix_cpu->eflags & F_DF);
    ck_assert_uint_eq(R(EAX) & 0xff, 0);
    steps(2);
    ck_assert_uint_eq(R(EAX) & 0xff, 0xff);
    fix_cpu->eflags |= F_ZF | F_OF;
    steps(1);
    ck_assert_uint_eq((R(EAX) >> 8) & 0xff, 0x43);
    R(EAX) = 0xd500;
    steps(1);
    ck_assert_uint_eq(fix_cpu->eflags & (F_ARITH | F_FIXED1), F_SF | F_ZF | F_AF | F_PF | F_CF | F_OF | F_FIXED1);
    steps(1);
    ck_assert(!(fix_cpu->eflags & F_DF));
}
END_TEST

START_TEST(test_real_mode_stack)
{
    fix_real();
    FIX_CODE_BYTES(0x50,  /* push ax */
                   0xe8, 0x00, 0x00, /* call +0 */
                   0xc3);            /* ret */
    R(ESP) = 0x12340000; /* SP = 0: the push wraps to 0xfffe */
    R(EAX) = 0xbeef;
    STEP_OK();
    ck_assert_uint_eq(R(ESP), 0x1234fffe);
    ck_assert_uint_eq(fix_peek(0xfffe, 2), 0xbeef);
    STEP_OK();
    ck_assert_uint_eq(fix_peek(0xfffc, 2), FIX_CODE + 4);
    STEP_OK();
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 4);
    ck_assert_uint_eq(R(ESP), 0x1234fffe);
}
END_TEST

/* ---- the run loop: interrupts, the STI shadow, HLT, TF ----------------- */

static int ack_vector = 0x20;
static int ack_count;

static int fake_ack(void *opaque)
{
    ack_count++;
    fix_m->intr_line = false;
    return ack_vector;
}

/* Real mode with IVT[vector] = 0000:handler. */
static void real_ivt(int vector, uint16_t handler)
{
    uint8_t ent[4] = { handler & 0xff, handler >> 8, 0, 0 };
    fix_poke(vector * 4, ent, 4);
}

START_TEST(test_run_interrupt_shadow)
{
    fix_real();
    real_ivt(0x20, 0x2000);
    fix_poke(0x2000, "\xf4", 1); /* handler: hlt */
    FIX_CODE_BYTES(0xfb,        /* sti */
                   0x90,        /* nop: still in the STI shadow */
                   0xeb, 0xfe); /* jmp $ */
    fix_m->intr_line = true;
    fix_m->intr_ack = fake_ack;
    ack_count = 0;
    uint64_t n = interp__run(fix_m, 1000);
    ck_assert_uint_eq(n, 3); /* sti, nop, hlt */
    ck_assert_int_eq(ack_count, 1);
    ck_assert(fix_cpu->halted);
    ck_assert_uint_eq(fix_cpu->eip, 0x2001);
    /* The interrupt frame: IP after the NOP, CS, FLAGS with IF. */
    ck_assert_uint_eq(R(ESP) & 0xffff, 0xfff0 - 6);
    ck_assert_uint_eq(fix_peek(0xfff0 - 6, 2), FIX_CODE + 2);
    ck_assert_uint_eq(fix_peek(0xfff0 - 4, 2), 0);
    ck_assert(fix_peek(0xfff0 - 2, 2) & F_IF);
    /* HLT returns to the caller; an interrupt wakes the CPU. */
    ck_assert_uint_eq(interp__run(fix_m, 1000), 0);
    fix_cpu->eflags |= F_IF;
    fix_m->intr_line = true;
    real_ivt(0x20, 0x3000);
    fix_poke(0x3000, "\xf4", 1);
    ck_assert_uint_eq(interp__run(fix_m, 1000), 1);
    ck_assert_uint_eq(fix_cpu->eip, 0x3001);
    ck_assert_int_eq(ack_count, 2);
}
END_TEST

START_TEST(test_run_budget_and_fault)
{
    fix_real();
    real_ivt(EXC_UD, 0x2000);
    fix_poke(0x2000, "\xf4", 1); /* #UD handler: hlt */
    FIX_CODE_BYTES(0x40,        /* inc ax */
                   0xeb, 0xfd,  /* jmp -3 */
                   0x0f, 0x0b); /* ud2 (never reached) */
    ck_assert_uint_eq(interp__run(fix_m, 1000), 1000);
    ck_assert_uint_eq(R(EAX) & 0xffff, 500);
    fix_cpu->eip = FIX_CODE + 3;
    ck_assert_uint_eq(interp__run(fix_m, 1000), 1); /* ud2 faults, then hlt */
    ck_assert_uint_eq(fix_peek(0xfff0 - 6, 2), FIX_CODE + 3);
    ck_assert(fix_cpu->halted);
}
END_TEST

START_TEST(test_run_single_step)
{
    fix_real();
    real_ivt(EXC_DB, 0x2000);
    fix_poke(0x2000, "\xf4", 1); /* #DB handler: hlt */
    FIX_CODE_BYTES(0x40, 0x40); /* inc ax; inc ax */
    fix_cpu->eflags |= F_TF;
    ck_assert_uint_eq(interp__run(fix_m, 1000), 2); /* inc, then the handler's hlt */
    ck_assert_uint_eq(R(EAX) & 0xffff, 1);
    ck_assert_uint_eq(fix_peek(0xfff0 - 6, 2), FIX_CODE + 1);
    ck_assert(fix_cpu->dr[6] & (1u << 14));
}
END_TEST

/* MOV SS holds the single-step trap back until after the next
 * instruction. */
START_TEST(test_run_single_step_mov_ss)
{
    fix_real();
    real_ivt(EXC_DB, 0x2000);
    fix_poke(0x2000, "\xf4", 1); /* #DB handler: hlt */
    FIX_CODE_BYTES(0x8e, 0xd0,  /* mov ss,ax */
                   0x90,        /* nop */
                   0x90);
    fix_cpu->eflags |= F_TF;
    ck_assert_uint_eq(interp__run(fix_m, 1000), 3); /* mov ss, nop, hlt */
    ck_assert_uint_eq(fix_peek(0xfff0 - 6, 2), FIX_CODE + 3);
}
END_TEST

/* An instruction breakpoint faults before the instruction; RF lets it
 * run once and is cleared when it completes. */
START_TEST(test_run_insn_breakpoint)
{
    fix_real();
    real_ivt(EXC_DB, 0x2000);
    fix_poke(0x2000, "\xf4", 1); /* #DB handler: hlt */
    FIX_CODE_BYTES(0x40, 0x40, 0x40, 0xf4); /* inc ax x3; hlt */
    fix_cpu->dr[0] = FIX_CODE + 1;
    fix_cpu->dr[7] = 0x401; /* L0, R/W0 = execute, LEN0 = 1 */
    ck_assert_uint_eq(interp__run(fix_m, 1000), 2); /* inc, then the handler's hlt */
    ck_assert_uint_eq(R(EAX) & 0xffff, 1);
    ck_assert_uint_eq(fix_peek(0xfff0 - 6, 2), FIX_CODE + 1);
    ck_assert_uint_eq(fix_cpu->dr[6] & 0xf, 1);
    /* Resume at the breakpoint with RF set. */
    fix_cpu->halted = false;
    fix_cpu->eip = FIX_CODE + 1;
    fix_cpu->gpr[R_ESP] = 0xfff0;
    fix_cpu->eflags |= F_RF;
    ck_assert_uint_eq(interp__run(fix_m, 1000), 3);
    ck_assert_uint_eq(R(EAX) & 0xffff, 3);
    ck_assert(!(fix_cpu->eflags & F_RF));
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 4);
}
END_TEST

/* Data and I/O breakpoint matching, and the #DB trap the loop delivers for
 * the hits an instruction collected. */
START_TEST(test_data_breakpoints)
{
    fix_cpu->dr[1] = 0x5002;                    /* 4-byte range 5000-5003 */
    fix_cpu->dr[2] = 0x80;                      /* port 0x80 */
    fix_cpu->dr[7] = 0x400 | 0x4 | (1u << 20) | (3u << 22) | 0x10 | (2u << 24);
    bp__data_access(fix_cpu, 0x5003, 1, false);
    ck_assert_uint_eq(fix_cpu->db_hits, 0);     /* R/W=01 ignores reads */
    bp__data_access(fix_cpu, 0x4fff, 2, true);  /* 4fff-5000 overlaps */
    ck_assert_uint_eq(fix_cpu->db_hits, 2);
    fix_cpu->db_hits = 0;
    bp__data_access(fix_cpu, 0x5004, 4, true);
    ck_assert_uint_eq(fix_cpu->db_hits, 0);
    bp__io_access(fix_cpu, 0x80, 1);
    ck_assert_uint_eq(fix_cpu->db_hits, 0);     /* I/O needs CR4.DE */
    fix_cpu->cr4 |= CR4_DE;
    bp__io_access(fix_cpu, 0x7f, 2);
    ck_assert_uint_eq(fix_cpu->db_hits, 4);
    fix_cpu->dr[7] |= 3u << 20;                 /* DR1: R/W=11 */
    bp__data_access(fix_cpu, 0x5000, 1, false);
    ck_assert_uint_eq(fix_cpu->db_hits, 6);

    /* The loop turns pending hits into one #DB trap after the instruction. */
    fix_real();
    real_ivt(EXC_DB, 0x2000);
    fix_poke(0x2000, "\xf4", 1); /* #DB handler: hlt */
    FIX_CODE_BYTES(0x40, 0x40);  /* inc ax; inc ax */
    fix_cpu->db_hits = 2;
    ck_assert_uint_eq(interp__run(fix_m, 1000), 2);
    ck_assert_uint_eq(fix_peek(0xfff0 - 6, 2), FIX_CODE + 1);
    ck_assert_uint_eq(fix_cpu->dr[6] & 0xf, 2);
    ck_assert_uint_eq(fix_cpu->db_hits, 0);
}
END_TEST

/* 16-bit code: an instruction that runs past offset FFFF exceeds the CS
 * limit; one that ends exactly there wraps IP to 0. */
START_TEST(test_real_ip_wrap)
{
    fix_real();
    fix_poke(0xfffd, "\xb8\x34\x12", 3); /* mov ax,0x1234 at FFFD */
    fix_cpu->eip = 0xfffd;
    STEP_OK();
    ck_assert_uint_eq(fix_cpu->eip, 0);
    ck_assert_uint_eq(R(EAX) & 0xffff, 0x1234);
    fix_poke(0xfffe, "\xb8\x01", 2); /* mov ax,imm16 needs a byte at 10000 */
    fix_cpu->eip = 0xfffe;
    ck_assert_int_eq(fix_step(), EXC_GP);
}
END_TEST

/* 16-bit stack and operand forms in real mode. */
START_TEST(test_real_mode_forms)
{
    fix_real();
    FIX_CODE_BYTES(0xc8, 0x04, 0x00, 0x01,  /* enter 4,1 */
                   0xc9,                    /* leave */
                   0x26, 0xd7,              /* xlat es:[bx] */
                   0x62, 0x06, 0x00, 0x30,  /* bound ax,[0x3000] */
                   0xff, 0x1e, 0x10, 0x30,  /* call far [0x3010] */
                   0x90);
    R(EBP) = 0xabcd1234;
    steps(1);
    /* push bp, push the new frame pointer (level 1), sub sp,4 */
    ck_assert_uint_eq(R(EBP), 0xabcdffee);
    ck_assert_uint_eq(R(ESP) & 0xffff, 0xfff0 - 4 - 4);
    ck_assert_uint_eq(fix_peek(0xffee, 2), 0x1234);
    ck_assert_uint_eq(fix_peek(0xffec, 2), 0xffee);
    steps(1);
    ck_assert_uint_eq(R(EBP), 0xabcd1234);
    ck_assert_uint_eq(R(ESP) & 0xffff, 0xfff0);
    fix_cpu->seg[S_ES].base = 0x10000;
    fix_poke(0x10000 + 0x100 + 7, "\x5a", 1);
    R(EBX) = 0xffff0100; R(EAX) = 7;
    steps(1);
    ck_assert_uint_eq(R(EAX), 0x5a);
    fix_poke(0x3000, "\xfe\xff\x05\x00", 4); /* [-2, 5] */
    R(EAX) = 0xfffe;
    steps(1);
    R(EAX) = 6;
    fix_cpu->eip -= 4;
    ck_assert_int_eq(fix_step(), EXC_BR);
    fix_cpu->eip += 4;
    fix_poke(0x3010, "\x34\x12\x00\x20", 4); /* 2000:1234 */
    steps(1);
    ck_assert_uint_eq(fix_cpu->seg[S_CS].sel, 0x2000);
    ck_assert_uint_eq(fix_cpu->seg[S_CS].base, 0x20000);
    ck_assert_uint_eq(fix_cpu->eip, 0x1234);
    ck_assert_uint_eq(fix_peek(0xffee, 2), 0);              /* CS */
    ck_assert_uint_eq(fix_peek(0xffec, 2), FIX_CODE + 15);  /* IP */
}
END_TEST

START_TEST(test_prefixed_forms)
{
    FIX_CODE_BYTES(0x66, 0xa5,             /* movsw */
                   0x67, 0xa4,             /* movsb [di],[si] (16-bit addresses) */
                   0x26, 0xa6,             /* cmpsb es:[esi],es:[edi] */
                   0x66, 0xff, 0xd0,       /* call ax */
                   0xe0, 0x10);            /* loopne +0x10 */
    fix_poke(FIX_DATA, "abcd", 4);
    R(ESI) = FIX_DATA; R(EDI) = FIX_DATA + 0x10;
    steps(1);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x10, 2), 0x6261);
    ck_assert_uint_eq(R(ESI), FIX_DATA + 2);
    R(ESI) = 0x12340000 | (FIX_DATA & 0xffff);  /* only SI is used */
    R(EDI) = 0x56780020;
    fix_cpu->seg[S_DS].base = FIX_DATA & 0xffff0000u;
    fix_cpu->seg[S_ES].base = FIX_DATA & 0xffff0000u;
    steps(1);
    ck_assert_uint_eq(fix_peek(FIX_DATA + 0x20, 1), 'a');
    ck_assert_uint_eq(R(ESI), 0x12340001 | (FIX_DATA & 0xffff));
    ck_assert_uint_eq(R(EDI), 0x56780021);
    /* ES override on the source: compares ES:ESI with ES:EDI. */
    fix_cpu->seg[S_DS].base = 0x100000;
    R(ESI) = 0; R(EDI) = 0x20;
    steps(1);
    ck_assert(fix_cpu->eflags & F_ZF);
    fix_cpu->seg[S_DS].base = 0;
    fix_cpu->seg[S_ES].base = 0;
    /* CALL r16 with a 16-bit operand size: 2-byte push, 16-bit target. */
    R(EAX) = 0xffff1011;
    steps(1);
    ck_assert_uint_eq(fix_cpu->eip, 0x1011);
    ck_assert_uint_eq(R(ESP), FIX_STACK - 2);
    ck_assert_uint_eq(fix_peek(FIX_STACK - 2, 2), FIX_CODE + 9);
    /* LOOPNE with ZF set falls through after decrementing ECX. */
    fix_cpu->eip = FIX_CODE + 9;
    R(ECX) = 2;
    fix_cpu->eflags |= F_ZF;
    steps(1);
    ck_assert_uint_eq(R(ECX), 1);
    ck_assert_uint_eq(fix_cpu->eip, FIX_CODE + 11);
}
END_TEST

static Suite *exec_suite(void)
{
    Suite *s = suite_create("interp_exec");
    TCase *tc = tcase_create("exec");
    tcase_add_checked_fixture(tc, fix_setup, fix_teardown);
    tcase_add_test(tc, test_mov);
    tcase_add_test(tc, test_mov_sreg);
    tcase_add_test(tc, test_xchg_lea_movx);
    tcase_add_test(tc, test_cbw_cwd);
    tcase_add_test(tc, test_push_pop);
    tcase_add_test(tc, test_push_fault);
    tcase_add_test(tc, test_push_sreg);
    tcase_add_test(tc, test_pop_sreg_real);
    tcase_add_test(tc, test_inc_fault_keeps_flags);
    tcase_add_test(tc, test_enter_ac);
    tcase_add_test(tc, test_pusha_popa);
    tcase_add_test(tc, test_enter_leave);
    tcase_add_test(tc, test_xlat_bound);
    tcase_add_test(tc, test_jcc_jmp);
    tcase_add_test(tc, test_call_ret);
    tcase_add_test(tc, test_branch_limit);
    tcase_add_test(tc, test_loop);
    tcase_add_test(tc, test_inc_dec_group);
    tcase_add_test(tc, test_lock_and_length);
    tcase_add_test(tc, test_string);
    tcase_add_test(tc, test_string_restart);
    tcase_add_test(tc, test_string_bulk);
    tcase_add_test(tc, test_string_16);
    tcase_add_test(tc, test_flags);
    tcase_add_test(tc, test_real_mode_stack);
    tcase_add_test(tc, test_real_mode_forms);
    tcase_add_test(tc, test_prefixed_forms);
    tcase_add_test(tc, test_run_interrupt_shadow);
    tcase_add_test(tc, test_run_budget_and_fault);
    tcase_add_test(tc, test_run_single_step);
    tcase_add_test(tc, test_run_single_step_mov_ss);
    tcase_add_test(tc, test_run_insn_breakpoint);
    tcase_add_test(tc, test_data_breakpoints);
    tcase_add_test(tc, test_real_ip_wrap);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(exec_suite)
